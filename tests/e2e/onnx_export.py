"""graphc export against ONNX Runtime (tests/e2e/onnx_export.sh says what and why).

usage: onnx_export.py GRAPHC SRC WORK [MODEL...]
MODEL is an example's name or a .mnn file (default: the seven examples and tests/e2e/onnx_v2_ops.mnn,
which goes through the v2 layers and activations; ctest's e2e.onnx_export_v2 names the three v2
examples, whose kernels take the longest to compile).
"""
import gzip
import os
import re
import subprocess
import sys
import time

import numpy as np
import onnx

STEPS = 200  # most examples classify most of the 100 images by then; cnn16, the slowest, about 30 %
# The v2 classifiers train their one-epoch budgets' 600 steps: with Keras' BatchNorm momentum of
# 0.99 the moving statistics the inference graph uses need several hundred steps to follow the
# batches (both are at chance on the test images after 300; about 0.8 and 0.97 after 600), and a
# model at chance gives saturated probabilities that agree whatever the numerics.
EXAMPLE_STEPS = {"resnet_fashion": 600, "mobilenet_mnist": 600}
IMAGES = 100
TOLERANCE = 1e-4
EXAMPLES = ["lenet5", "mlp", "small_cnn", "cnn_bn", "cnn16", "tf_cnn", "mnist_deep", "tests/e2e/onnx_v2_ops.mnn"]
# Where graphc's data sets are (docs/data.md): the source tree's data/, then Debian's Fashion-MNIST.
DATA_DIRS = {"mnist": ["data/mnist"], "fashion_mnist": ["data/fashion-mnist", "/usr/share/datasets/fashion-mnist"]}


def run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def write_idx(path, images):
    header = bytes([0, 0, 8, images.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in images.shape)
    with open(path, "wb") as f:
        f.write(header + images.tobytes())


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def graphc_probabilities(graphc, model, checkpoint, idx, classes):
    """graphc predict's probabilities of every class, 9 decimals."""
    out = run([graphc, "predict", model, "--load", checkpoint, idx, "--top", str(classes), "--digits", "9",
               "--threads", "2"])
    rows = []
    for line in out.splitlines():
        row = np.zeros(classes)
        for part in line.split(":", 1)[1].split(","):
            c, p = part.split()
            row[int(c)] = float(p.strip("()"))
        rows.append(row)
    return np.array(rows)


def test_set(src, model):
    """The first IMAGES test images and labels of the data set the model's train block names."""
    kind = re.search(r"data\s*=\s*(\w+)\(", open(model).read()).group(1)
    for d in DATA_DIRS[kind]:
        d = os.path.join(src, d)
        for suffix in ("", ".gz"):
            if os.path.exists(os.path.join(d, "t10k-images-idx3-ubyte" + suffix)):
                return (read_idx(os.path.join(d, "t10k-images-idx3-ubyte" + suffix))[:IMAGES],
                        read_idx(os.path.join(d, "t10k-labels-idx1-ubyte" + suffix))[:IMAGES])
    sys.exit(f"FAIL: no {kind} test set in {', '.join(DATA_DIRS[kind])}")


def binary_crossentropy(p, target):
    """Keras' binary cross-entropy, the autoencoder's loss: p clipped to [1e-7, 1 - 1e-7], the mean of every term."""
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(np.mean(-(target * np.log(p + 1e-7) + (1 - target) * np.log(1 - p + 1e-7))))


def check_reconstruction(graphc, model, checkpoint, m, pixels, ort, work, name):
    """A model whose output is not class scores (graphc.scores none: the autoencoder's reconstruction):
    graphc infer's output against ONNX Runtime's, and the loss against the input image on both."""
    np.save(os.path.join(work, "pixels.npy"), pixels)
    output = m.graph.output[0].name
    run([graphc, "infer", model, "--load", checkpoint, "--input", f"{m.graph.input[0].name}={work}/pixels.npy",
         "--output", output, "-o", work, "--threads", "2"])
    ours = np.load(os.path.join(work, output + ".npy")).astype(np.float64)
    ort = ort.reshape(ours.shape)
    diff = float(np.abs(ort - ours).max())
    loss_ort, loss_graphc = binary_crossentropy(ort, pixels), binary_crossentropy(ours, pixels)
    print(f"{name}: {len(m.graph.node)} ONNX nodes, output '{output}' {list(ours.shape)}, "
          f"max |ORT - graphc| = {diff:.2e}, binary cross-entropy against the input on {IMAGES} images: "
          f"ONNX Runtime {loss_ort:.6f}, graphc {loss_graphc:.6f}", flush=True)
    failures = []
    if not diff <= TOLERANCE:
        failures.append(f"{name}: the outputs differ by {diff:.3g} > {TOLERANCE}")
    if not abs(loss_ort - loss_graphc) <= 1e-4 * loss_ort:
        failures.append(f"{name}: loss {loss_ort} in ONNX Runtime, {loss_graphc} in graphc")
    if not loss_graphc < 0.4:  # a trained model (an untrained one's is about 0.7), not one that agrees trivially
        failures.append(f"{name}: loss {loss_graphc}: the test trains too little")
    return failures


def check_example(graphc, src, work, name):
    started = time.monotonic()
    model = os.path.join(src, name) if name.endswith(".mnn") else os.path.join(src, "examples", name + ".mnn")
    name = os.path.splitext(os.path.basename(model))[0]
    images, labels = test_set(src, model)
    steps = EXAMPLE_STEPS.get(name, STEPS)
    checkpoint = os.path.join(work, name + ".safetensors")
    exported = os.path.join(work, name + ".onnx")
    run([graphc, "run", model, "--steps", str(steps), "--save", checkpoint, "--quiet", "--threads", "2"])
    run([graphc, "export", model, "--load", checkpoint, "-o", exported])
    m = onnx.load(exported)
    onnx.checker.check_model(m, full_check=True)
    meta = {p.key: p.value for p in m.metadata_props}
    scale = float(meta["graphc.pixel_scale"])
    dims = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
    dims[0] = IMAGES
    pixels = (images.astype(np.float32) * np.float32(scale)).reshape(dims)
    inputs, outputs = os.path.join(work, "input.f32"), os.path.join(work, "output.f32")
    pixels.astype("<f4").tofile(inputs)
    run(["node", os.path.join(src, "tests", "e2e", "ort_run.js"), exported, inputs, ",".join(map(str, dims)),
         outputs])
    scores = np.fromfile(outputs, "<f4").reshape(IMAGES, -1).astype(np.float64)
    if meta["graphc.scores"] == "none":
        failures = check_reconstruction(graphc, model, checkpoint, m, pixels, scores, work, name)
        print(f"{name}: {steps} steps, {time.monotonic() - started:.0f} s", flush=True)
        return failures
    ort = scores if meta["graphc.scores"] == "probabilities" else softmax(scores)
    idx = os.path.join(work, "images.idx")
    write_idx(idx, images)
    ours = graphc_probabilities(graphc, model, checkpoint, idx, ort.shape[1])
    diff = float(np.abs(ort - ours).max())
    acc_ort = float((ort.argmax(axis=1) == labels).mean())
    acc_graphc = float((ours.argmax(axis=1) == labels).mean())
    print(f"{name}: {len(m.graph.node)} ONNX nodes, max |ORT - graphc| = {diff:.2e}, "
          f"accuracy on {IMAGES} images: ONNX Runtime {acc_ort:.2f}, graphc {acc_graphc:.2f}; "
          f"{steps} steps, {time.monotonic() - started:.0f} s", flush=True)
    failures = []
    if not diff <= TOLERANCE:
        failures.append(f"{name}: the probabilities differ by {diff:.3g} > {TOLERANCE}")
    if acc_ort != acc_graphc:
        failures.append(f"{name}: accuracy {acc_ort} in ONNX Runtime, {acc_graphc} in graphc")
    if acc_graphc < 0.2:  # a trained model (chance is 0.1), not one whose outputs agree trivially
        failures.append(f"{name}: accuracy {acc_graphc} after {steps} steps: the test trains too little")
    return failures


def main():
    graphc, src, work = sys.argv[1:4]
    names = sys.argv[4:] or EXAMPLES
    failures = []
    for name in names:
        failures += check_example(graphc, src, work, name)
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
