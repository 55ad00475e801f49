#!/usr/bin/python3
"""ONNX's backend node tests (Debian libonnx-testdata) through `graphc import` and `graphc infer`.

For every test whose ops graphc import translates: import model.onnx, feed each
test_data_set_*/input_*.pb (4-D inputs as NHWC, as the imported model takes them), and compare
the outputs with output_*.pb as ONNX's backend tests do (rtol 1e-3, atol 1e-7). Inputs that
graphc needs at import time (Reshape's shape, Resize's scales, Pad's pads, Clip's bounds...,
and every integer input) become initializers first: graphc compiles fixed shapes.

Ends with `onnx node tests: P passed, F failed, U unsupported` and exits 1 when a failing test
is not among docs/onnx.md's documented differences (`| `test_name` | reason |` rows).

usage: node_tests.py GRAPHC SOURCE_DIR [--filter SUBSTRING] [-j N] [--work DIR] [--verbose]
"""
import argparse
import concurrent.futures
import glob
import os
import re
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
except ImportError as e:  # a test tool this machine lacks (scripts/test.sh installs it)
    print(f"skipped: {e}")
    sys.exit(77)

NODE_DIR = "/usr/share/libonnx-testdata/data/node"
# Inputs after the first of these ops are read at import time (shapes, scales, bounds, axes).
# The weights of Conv, ConvTranspose and BatchNormalization too: graphc's weights are variables, set
# from the safetensors file.
STATIC_INPUTS = {"Reshape", "Resize", "Upsample", "Clip", "Pad", "Slice", "Squeeze", "Unsqueeze", "Dropout",
                 "ConstantOfShape", "Gather", "Conv", "ConvTranspose", "BatchNormalization"}


def supported_ops(graphc):
    """The ops graphc import translates to graph values, from its --help."""
    text = subprocess.run([graphc, "import", "--help"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    translated = re.search(r"ONNX ops translated \(opsets 1 to \d+\): (.*?)\.", flat).group(1)
    folded = re.search(r"folded at import time only: (.*?)\.", flat).group(1)
    names = lambda s: set(re.split(r", | or | and ", s))
    return names(translated) - names(folded)


def documented(source_dir):
    """The node tests docs/onnx.md lists as documented differences."""
    path = os.path.join(source_dir, "docs", "onnx.md")
    if not os.path.exists(path):
        return {}
    rows = re.findall(r"^\| `(test_\w+)` \| (.+?) \|$", open(path).read(), re.M)
    return dict(rows)


def prepare(model):
    """The model with the inputs graphc needs at import time turned into initializers; their names."""
    data = {}
    static = set()
    for node in model.graph.node:
        if node.op_type in STATIC_INPUTS:
            static.update(n for n in node.input[1:] if n)
    for inp in model.graph.input:
        if inp.type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
            static.add(inp.name)
    return static


def run_test(graphc, test_dir, work, supported):
    name = os.path.basename(test_dir)
    model = onnx.load(os.path.join(test_dir, "model.onnx"))
    ops = {n.op_type for n in model.graph.node}
    if not ops <= supported:
        return name, "unsupported", "ops " + ", ".join(sorted(ops - supported))
    typed = list(model.graph.input) + list(model.graph.output)
    if any(not v.type.HasField("tensor_type") for v in typed):
        return name, "unsupported", "sequence or optional values"
    static = prepare(model)
    input_names = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    out_dir = os.path.join(work, name)
    os.makedirs(out_dir, exist_ok=True)
    sets = sorted(glob.glob(os.path.join(test_dir, "test_data_set_*")))
    if not sets:
        return name, "unsupported", "no test data"
    # The static inputs take the first data set's values.
    first = {}
    for k, path in enumerate(sorted(glob.glob(os.path.join(sets[0], "input_*.pb")),
                                    key=lambda p: int(re.search(r"input_(\d+)", p).group(1)))):
        t = onnx.TensorProto()
        t.ParseFromString(open(path, "rb").read())
        first[input_names[k] if k < len(input_names) else t.name] = t
    kept = [i for i in model.graph.input if i.name not in static]
    for n in static:
        if n in first:
            t = onnx.TensorProto()
            t.CopyFrom(first[n])
            t.name = n
            model.graph.initializer.append(t)
    del model.graph.input[:]
    model.graph.input.extend(kept)
    declared_dims = {}
    for i in kept:
        dims = [d.dim_value for d in i.type.tensor_type.shape.dim]
        if all(d > 0 for d in dims):
            declared_dims[i.name] = dims
    onnx_path = os.path.join(out_dir, "model.onnx")
    onnx.save(model, onnx_path)
    mnn = os.path.join(out_dir, "model.mnn")
    r = subprocess.run([graphc, "import", onnx_path, "-o", mnn], capture_output=True, text=True)
    if r.returncode != 0:
        return name, "failed", "import: " + r.stderr.strip().splitlines()[-1][:300] if r.stderr.strip() else "import failed"
    text = open(mnn).read()
    feeds = {m[1]: m[0] for m in re.findall(r"^# input (\w+): ONNX '(.*)' f32", text, re.M)}
    fetches = re.findall(r"^# output (\w+): ONNX '(.*)' f32", text, re.M)
    for s in sets:
        args = [graphc, "infer", mnn, "--load", mnn[:-4] + ".safetensors", "-o", out_dir]
        inputs = sorted(glob.glob(os.path.join(s, "input_*.pb")), key=lambda p: int(re.search(r"input_(\d+)", p).group(1)))
        for k, path in enumerate(inputs):
            onnx_name = input_names[k] if k < len(input_names) else None
            if onnx_name in static or onnx_name not in feeds:
                continue
            t = onnx.TensorProto()
            t.ParseFromString(open(path, "rb").read())
            a = numpy_helper.to_array(t).astype(np.float32)
            declared = declared_dims.get(onnx_name)
            if declared is not None and a.size == int(np.prod(declared)):
                a = a.reshape(declared)  # a scalar stored as [1] where the graph declares []
            if a.ndim == 4:
                a = a.transpose(0, 2, 3, 1)
            npy = os.path.join(out_dir, f"in_{k}.npy")
            np.save(npy, a.copy(order="C"))
            args += ["--input", f"{feeds[onnx_name]}={npy}"]
        for mnn_name, _ in fetches:
            args += ["--output", mnn_name]
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            return name, "failed", "infer: " + (r.stderr.strip().splitlines() or ["?"])[-1][:300]
        outputs = sorted(glob.glob(os.path.join(s, "output_*.pb")), key=lambda p: int(re.search(r"output_(\d+)", p).group(1)))
        for k, path in enumerate(outputs):
            t = onnx.TensorProto()
            t.ParseFromString(open(path, "rb").read())
            expected = numpy_helper.to_array(t)
            if k >= len(fetches):
                return name, "failed", f"output {k} missing"
            got = np.load(os.path.join(out_dir, fetches[k][0] + ".npy"))
            if got.ndim == 4:
                got = got.transpose(0, 3, 1, 2)
            if got.shape != expected.shape:
                return name, "failed", f"output {k}: shape {got.shape}, expected {expected.shape}"
            try:
                np.testing.assert_allclose(got, expected.astype(np.float32), rtol=1e-3, atol=1e-7)
            except AssertionError as e:
                return name, "failed", f"output {k}: " + " ".join(str(e).split())[:300]
    return name, "passed", ""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("graphc")
    p.add_argument("source_dir")
    p.add_argument("--filter", default="")
    p.add_argument("-j", type=int, default=2)
    p.add_argument("--work", default="")
    p.add_argument("--verbose", action="store_true")
    a = p.parse_args()
    if not os.path.isdir(NODE_DIR):
        print(f"skipped: {NODE_DIR} is missing (Debian package libonnx-testdata)")
        return 77
    supported = supported_ops(a.graphc)
    docs = documented(a.source_dir)
    work = a.work or tempfile.mkdtemp(prefix="graphc-onnx-node-")
    tests = sorted(d for d in glob.glob(os.path.join(NODE_DIR, "test_*")) if a.filter in os.path.basename(d))
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.j) as pool:
        for name, status, why in pool.map(lambda d: run_test(a.graphc, d, work, supported), tests):
            results.append((name, status, why))
            if status == "failed":
                note = " (documented: " + docs[name] + ")" if name in docs else ""
                print(f"FAIL {name}: {why}{note}")
            elif status == "passed" or a.verbose:
                print(f"{status.upper()[:4]} {name}{': ' + why if why and a.verbose else ''}")
    count = lambda s: sum(1 for r in results if r[1] == s)
    undocumented = [r[0] for r in results if r[1] == "failed" and r[0] not in docs]
    print(f"onnx node tests: {count('passed')} passed, {count('failed')} failed, {count('unsupported')} unsupported")
    if undocumented:
        print("failing and not documented in docs/onnx.md: " + ", ".join(undocumented))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
