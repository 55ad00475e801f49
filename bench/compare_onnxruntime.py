#!/usr/bin/env python3
"""graphc against ONNX Runtime on the same model, inference, measured side by side.

usage: /usr/bin/python3 bench/compare_onnxruntime.py examples/lenet5.mnn [...] [--threads 2] [--runs 5]

For each model: a checkpoint from a short `graphc run` (the speed does not depend on the weights),
`graphc export` to ONNX, then inference images/s at batch 1000 and batch 1:
  graphc        `graphc bench --json --step-only --infer-batch B --threads T --runs max(R, 20)`: the
                median of its timed inference passes (kernels from the disk cache)
  ONNX Runtime  the exported model in onnxruntime-node (bench/ort_time.js), intra_op_num_threads T,
                all graph optimizations (its transpose optimizer removes the NHWC/NCHW pairs)
ONNX Runtime is measured --runs times (each run at least a second of calls) and the median printed, with the graphc / ONNX Runtime ratio
(above 1: graphc is faster). onnxruntime-node is looked for in build/onnxruntime (scripts/test.sh
installs it there; --ort-dir overrides). Compilation and session creation are left out on both.
ONNX Runtime is driven from Node.js: each call crosses its asynchronous binding, whose cost is
printed on its own as the rate of a model that only copies its input (Identity) at batch 1.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, env=None):
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def graphc_ips(graphc, model, batch, threads, runs):
    out = run([graphc, "bench", model, "--json", "--step-only", "--infer-batch", str(batch), "--threads", str(threads), "--runs",
               str(runs)])
    return json.loads(out)["inference"]["images_per_second"]


def ort_ips(onnx_path, dims, threads, runs, ort_dir):
    env = dict(os.environ, NODE_PATH=os.path.join(ort_dir, "node_modules"))
    min_seconds = "1.0"
    out = run(["node", os.path.join(ROOT, "bench", "ort_time.js"), onnx_path, ",".join(map(str, dims)), str(threads),
               str(runs), min_seconds], env)
    return statistics.median(json.loads(out)["images_per_second"])


def input_dims(onnx_path, batch):
    import onnx  # Debian's python3-onnx, for the input's shape

    m = onnx.load(onnx_path)
    dims = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    return [batch] + dims[1:]


def identity_model(onnx_path, work):
    """A model of the same input that returns it: the binding's own cost per call."""
    import onnx
    from onnx import helper

    m = onnx.load(onnx_path)
    graph = helper.make_graph([helper.make_node("Identity", [m.graph.input[0].name], ["y"])], "identity",
                              [m.graph.input[0]], [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)])
    path = os.path.join(work, "identity.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=7), path)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--graphc", default=os.path.join(ROOT, "build", "graphc"))
    parser.add_argument("--ort-dir", default=os.path.join(ROOT, "build", "onnxruntime"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for model in args.models:
            name = os.path.splitext(os.path.basename(model))[0]
            checkpoint, exported = os.path.join(work, name + ".safetensors"), os.path.join(work, name + ".onnx")
            run([args.graphc, "run", model, "--steps", "1", "--save", checkpoint, "--quiet", "--threads",
                 str(args.threads)])
            run([args.graphc, "export", model, "--load", checkpoint, "-o", exported])
            for batch in (1000, 1):
                g = graphc_ips(args.graphc, model, batch, args.threads, max(args.runs, 20))
                o = ort_ips(exported, input_dims(exported, batch), args.threads, args.runs, args.ort_dir)
                floor = ort_ips(identity_model(exported, work), input_dims(exported, batch), args.threads, args.runs,
                                args.ort_dir) if batch == 1 else None
                rows.append((name, batch, g, o, floor))
                print(f"{name} batch {batch}: graphc {g:,.0f} images/s, ONNX Runtime {o:,.0f} images/s", flush=True)
    print(f"\ninference, {args.threads} threads, medians of {args.runs} runs (images/s; ratio > 1: graphc faster)")
    print(f"{'model':<12} {'batch':>6} {'graphc':>12} {'ONNX Runtime':>14} {'ratio':>7} "
          f"{'latency ms graphc / ORT':>24} {'ORT Identity ms':>16}")
    for name, batch, g, o, floor in rows:
        latency = f"{1000 / g:.3f} / {1000 / o:.3f}" if batch == 1 else ""
        identity = f"{1000 / floor:.3f}" if floor else ""
        print(f"{name:<12} {batch:>6} {g:>12,.0f} {o:>14,.0f} {g / o:>7.2f} {latency:>24} {identity:>16}")


if __name__ == "__main__":
    main()
