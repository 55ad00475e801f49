#!/usr/bin/env python3
"""Runs `graphc dump --stage mlir` through MLIR 14's own compiler and checks the numbers.

For one model: writes a checkpoint of random values for every variable (BatchNorm statistics
included, so the moving statistics matter) and an IDX file of random images, exports the forward
graph with those values (`dump --stage mlir --load --batch`), wraps it in a `main` that calls it
on the same images (a tosa.const) and prints the result with print_memref_f32, lowers it with
mlir-opt-14 and runs it with mlir-cpu-runner-14 (an independent compiler: TOSA -> linalg -> loops
-> LLVM), and compares the class probabilities with `graphc predict --top K` (graphc's own Halide
kernels) on the same checkpoint and images.

usage: mlir_check.py GRAPHC MODEL.mnn WORKDIR [--batch N] [--tolerance X]
Prints one line with the largest difference; exits 1 when it exceeds the tolerance.
"""
import argparse
import json
import math
import os
import random
import re
import struct
import subprocess
import sys

LOWERING = [
    "--tosa-to-linalg-named", "--tosa-to-linalg", "--tosa-to-standard", "--func-bufferize",
    "--arith-bufferize", "--linalg-bufferize", "--tensor-bufferize", "--std-bufferize",
    "--finalizing-bufferize", "--buffer-deallocation", "--convert-linalg-to-loops", "--lower-affine",
    "--convert-scf-to-std", "--arith-expand", "--convert-math-to-llvm", "--convert-math-to-libm",
    "--convert-memref-to-llvm", "--convert-arith-to-llvm", "--convert-std-to-llvm",
    "--reconcile-unrealized-casts",
]
RUNNER_LIBS = "/usr/lib/llvm-14/lib/libmlir_runner_utils.so,/usr/lib/llvm-14/lib/libmlir_c_runner_utils.so"


def run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)[:300]}\n  exit {result.returncode}\n{result.stderr[-3000:]}")
    return result.stdout


def variables(graphc, model):
    """(name, shape) of every variable, from the typed graph dump."""
    out = []
    for line in run([graphc, "dump", model, "--stage", "graph"]).splitlines():
        m = re.search(r"= variable\(\).* : f32\[([0-9,]*)\]  # (\S+)", line)
        if m:
            out.append((m.group(2), [int(d) for d in m.group(1).split(",") if d]))
    return out


def random_values(name, shape, rng):
    count = math.prod(shape)
    leaf = name.rsplit("/", 1)[-1]
    if leaf == "moving_variance":
        return [rng.uniform(0.5, 2.0) for _ in range(count)]
    if leaf in ("moving_mean", "beta") or len(shape) <= 1:
        lo, hi = (0.5, 1.5) if leaf == "gamma" else (-0.3, 0.3)
        return [rng.uniform(lo, hi) for _ in range(count)]
    fan_in, fan_out = math.prod(shape[:-1]), shape[-1]
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return [rng.uniform(-limit, limit) for _ in range(count)]


def write_safetensors(path, tensors):
    header, data = {}, bytearray()
    for name, shape, values in tensors:
        blob = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def data_scale(model):
    """The train block's pixel scale (`mnist(scale = 1/255)`), as graphc reads it: a float."""
    m = re.search(r"scale\s*=\s*([0-9.eE+-]+)\s*(?:/\s*([0-9.eE+-]+))?", open(model).read())
    if not m:
        return 1.0
    return float(m.group(1)) / (float(m.group(2)) if m.group(2) else 1.0)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("graphc")
    p.add_argument("model")
    p.add_argument("workdir")
    p.add_argument("--batch", type=int, default=3)
    p.add_argument("--tolerance", type=float, default=1e-4)
    args = p.parse_args()
    name = os.path.splitext(os.path.basename(args.model))[0]
    work = os.path.join(args.workdir, name)
    os.makedirs(work, exist_ok=True)
    rng = random.Random(20240614)

    # The checkpoint and the images: pixels span the range the model's scale maps to [0, 1] or so.
    checkpoint = os.path.join(work, "random.safetensors")
    write_safetensors(checkpoint, [(n, s, random_values(n, s, rng)) for n, s in variables(args.graphc, args.model)])
    scale = data_scale(args.model)
    brightest = max(1, min(255, round(1 / scale)))
    pixels = [rng.randint(0, brightest) if rng.random() < 0.3 else 0 for _ in range(args.batch * 28 * 28)]
    idx = os.path.join(work, "images.idx")
    with open(idx, "wb") as f:
        f.write(struct.pack(">IIII", 0x803, args.batch, 28, 28) + bytes(pixels))

    # graphc's forward graph in TOSA, wrapped in a main that runs it on the images.
    module = run([args.graphc, "dump", args.model, "--stage", "mlir", "--load", checkpoint,
                  "--batch", str(args.batch)])
    sig = re.search(r"func @(\w+)\(%arg0: tensor<([0-9x]+)xf32>.*?\) -> tensor<([0-9x]+)xf32>", module)
    if not sig:
        sys.exit("FAIL: no `func @NAME(%arg0: tensor<...xf32>) -> tensor<...xf32>` in the dump")
    func, in_dims, out_dims = sig.groups()
    s = f32(scale)
    values = struct.pack(f"<{len(pixels)}f", *[f32(px * s) for px in pixels])  # as runtime/feeder.cpp
    in_type, out_type = f"tensor<{in_dims}xf32>", f"tensor<{out_dims}xf32>"
    main_func = f"""
  func private @print_memref_f32(tensor<*xf32>)
  func @main() {{
    %images = "tosa.const"() {{value = dense<"0x{values.hex().upper()}"> : {in_type}}} : () -> {in_type}
    %scores = call @{func}(%images) : ({in_type}) -> {out_type}
    %unranked = tensor.cast %scores : {out_type} to tensor<*xf32>
    call @print_memref_f32(%unranked) : (tensor<*xf32>) -> ()
    return
  }}
"""
    # The module's closing brace is the last line that starts with `}` (location aliases follow it).
    lines = module.rstrip().split("\n")
    last = max(i for i, line in enumerate(lines) if line.startswith("}"))
    wrapped = "\n".join(lines[:last]) + main_func + "\n".join(lines[last:]) + "\n"
    source = os.path.join(work, "main.mlir")
    lowered = os.path.join(work, "lowered.mlir")
    with open(source, "w") as f:
        f.write(wrapped)
    run(["mlir-opt-14", source, "-o", os.devnull])
    run(["mlir-opt-14", *LOWERING, source, "-o", lowered])
    printed = run(["mlir-cpu-runner-14", lowered, "-e", "main", "-entry-point-result=void", "-shared-libs=" + RUNNER_LIBS])
    numbers = [float(v) for v in re.findall(r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|inf|nan)", printed.split("data =", 1)[1])]
    classes = numbers and len(numbers) // args.batch
    rows = [numbers[i * classes:(i + 1) * classes] for i in range(args.batch)]
    # The function returns what the model calls its scores: probabilities, or logits/log-probabilities.
    if not all(abs(sum(r) - 1) < 1e-3 and min(r) >= 0 for r in rows):
        rows = [[math.exp(v - max(r)) / sum(math.exp(u - max(r)) for u in r) for v in r] for r in rows]

    # graphc's own forward pass, printed to 4 decimals.
    predicted = run([args.graphc, "predict", args.model, "--load", checkpoint, "--top", str(classes), idx])
    worst, same, total = 0.0, 0, 0
    for i, line in enumerate(predicted.strip().splitlines()):
        probs = dict((int(c), float(v)) for c, v in re.findall(r"(\d+) \(([0-9.]+)\)", line.split(":", 1)[1]))
        if len(probs) != classes:
            sys.exit(f"FAIL: predict printed {len(probs)} classes for image {i}, MLIR {classes}: {line}")
        worst = max(worst, max(abs(probs[c] - rows[i][c]) for c in range(classes)))
        same += sum(f"{rows[i][c]:.4f}" == f"{probs[c]:.4f}" for c in range(classes))
        total += classes
    ok = worst <= args.tolerance
    print(f"{'ok' if ok else 'FAIL'}: {name}: batch {args.batch}, {classes} classes, max |mlir - graphc| = "
          f"{worst:.2e} (tolerance {args.tolerance:g}; graphc prints 4 decimals, {same}/{total} agree in all 4)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
