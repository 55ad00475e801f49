#!/usr/bin/python3
"""PyTorch models of the example architectures, trained briefly on real MNIST (Fashion-MNIST for
resnet_fashion), exported with torch.onnx.export, imported by `graphc import --data`, evaluated by
`graphc eval`: the test accuracy must be ONNX Runtime's on the exported file within 0.0005 (5 of
the 10,000 test images), and PyTorch's own. The autoencoder, whose output is a reconstruction,
is imported without a train block and run by `graphc infer` on the test images: its binary
cross-entropy against them must be ONNX Runtime's (and PyTorch's) within a relative 1e-4, and the
reconstructions agree within 1e-4. The v2 architectures are bench/replicas.py's modules. ONNX
Runtime (npm onnxruntime-node, which scripts/test.sh installs into BUILD/onnxruntime; ORT_DIR
overrides) runs through tests/e2e/ort_run.js; where either is missing, PyTorch's figures are the
reference and the output says so.

usage: pytorch_roundtrip.py GRAPHC SOURCE_DIR WORK_DIR [MODEL...]
MODEL: lenet5, cnn_bn, mlp, small_cnn, tf_cnn, cnn16, mnist_deep (the default: all seven),
resnet_fashion, mobilenet_mnist, autoencoder (ctest's e2e.onnx_pytorch_roundtrip_v2).
"""
import gzip
import json
import os
import re
import subprocess
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as e:  # a test tool this machine lacks (scripts/test.sh installs it)
    print(f"skipped: {e}")
    sys.exit(77)

TOLERANCE = 0.0005
LOSS_TOLERANCE = 1e-4  # relative, the autoencoder's test loss
OUTPUT_TOLERANCE = 1e-4  # the largest difference of the autoencoder's reconstructions


def read_idx(path, offset):
    if not os.path.exists(path):
        path += ".gz"
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def mnist(data_dir, split):
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte"), 16).reshape(-1, 1, 28, 28)
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte"), 8)
    return torch.tensor(images, dtype=torch.float32) / 255, torch.tensor(labels, dtype=torch.int64)


def fashion_mnist_dir(source):
    """Where graphc's fashion_mnist() reads (docs/data.md): data/fashion-mnist, then Debian's folder."""
    for d in (os.path.join(source, "data", "fashion-mnist"), "/usr/share/datasets/fashion-mnist"):
        if any(os.path.exists(os.path.join(d, "t10k-images-idx3-ubyte" + z)) for z in ("", ".gz")):
            return d
    return None


# One PyTorch module per example (examples/*.mnn), the same layers; the last outputs logits,
# except lenet5 and cnn_bn, which end in softmax as their .mnn files do (the import's other loss).
def lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10), nn.Softmax(dim=1))


def cnn_bn():
    return nn.Sequential(nn.Conv2d(1, 64, 5, stride=2), nn.BatchNorm2d(64), nn.ReLU(), nn.Flatten(),
                         nn.Linear(64 * 12 * 12, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, 10),
                         nn.Softmax(dim=1))


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 512), nn.ReLU(),
                         nn.Dropout(0.2), nn.Linear(512, 10))


def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 13 * 13, 10))


def tf_cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64 * 3 * 3, 64),
                         nn.ReLU(), nn.Linear(64, 10))


def cnn16():
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 16), nn.ReLU(), nn.Linear(16, 10))


class MnistDeep(nn.Module):
    """TensorFlow's Deep MNIST: flat [N, 784] images reshaped inside the model, as examples/mnist_deep.mnn."""
    flat_input = True

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(3136, 1024), nn.ReLU(), nn.Dropout(0.5), nn.Linear(1024, 10))

    def forward(self, x):
        h = self.features(x.reshape(-1, 1, 28, 28))
        return self.classifier(h.reshape(h.shape[0], -1))


MODELS = {"lenet5": lenet5, "cnn_bn": cnn_bn, "mlp": mlp, "small_cnn": small_cnn, "tf_cnn": tf_cnn, "cnn16": cnn16,
          "mnist_deep": MnistDeep}
# The version-2 examples: bench/replicas.py's modules, their data set and training steps here (few:
# the check compares graphc with ONNX Runtime, not with a target accuracy).
V2_MODELS = {"resnet_fashion": ("fashion_mnist", 150), "mobilenet_mnist": ("mnist", 200), "autoencoder": ("mnist", 200)}
CHUNK = 2500  # test images per ONNX Runtime or graphc infer run (their activations stay small)


def v2_model(source, name):
    """The replica as the .mnn file's inference graph: the autoencoder ends in its sigmoid (the replica
    leaves it to the loss). BatchNorm's statistics follow the batches at PyTorch's default momentum
    (the replica's is Keras' 0.99, too slow to settle in a few hundred steps)."""
    sys.path.insert(0, os.path.join(source, "bench"))
    import replicas
    model = replicas.make_model(name, seed=0)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.1
    return nn.Sequential(model, nn.Sigmoid()) if name == "autoencoder" else model


def binary_crossentropy(p, target):
    """Keras' binary cross-entropy (examples/autoencoder.mnn's loss): p clipped to [1e-7, 1 - 1e-7]."""
    p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return float(np.mean(-(target * np.log(p + 1e-7) + (1 - target) * np.log(1 - p + 1e-7))))


def train(model, x, y, steps=300, batch=64, reconstruct=False):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, len(x), (batch,), generator=g)
        out = model(x[idx])
        # The softmax models are trained on their log-probabilities.
        if reconstruct:
            loss = nn.functional.binary_cross_entropy(out, x[idx])
        elif isinstance(model, nn.Sequential) and isinstance(model[-1], nn.Softmax):
            loss = nn.functional.nll_loss(torch.log(out + 1e-9), y[idx])
        else:
            loss = nn.functional.cross_entropy(out, y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def have_ort(ort_dir, runner):
    return os.path.isdir(os.path.join(ort_dir, "node_modules", "onnxruntime-node")) and os.path.exists(runner)


def ort_outputs(onnx_path, x, ort_dir, runner, work):
    """ONNX Runtime's output on x (NCHW), CHUNK images at a time, as [N, ...] float32."""
    inputs, outputs = os.path.join(work, "ort_in.f32"), os.path.join(work, "ort_out.f32")
    env = dict(os.environ, NODE_PATH=os.path.join(ort_dir, "node_modules"))
    results = []
    for i in range(0, len(x), CHUNK):
        part = x[i:i + CHUNK].numpy().astype("<f4")
        part.tofile(inputs)
        subprocess.run(["node", runner, onnx_path, inputs, ",".join(map(str, part.shape)), outputs, "2"], check=True,
                       env=env)
        results.append(np.fromfile(outputs, dtype="<f4").reshape(len(part), -1))
    return np.concatenate(results)


def ort_accuracy(onnx_path, x, y, ort_dir, runner, work):
    """ONNX Runtime's test accuracy on the exported model, or None when it is not installed."""
    if not have_ort(ort_dir, runner):
        return None
    scores = ort_outputs(onnx_path, x, ort_dir, runner, work)
    return float((scores.argmax(1) == y.numpy()).mean())


def export(model, x, work, name, output="scores"):
    onnx_path = os.path.join(work, f"{name}.onnx")
    torch.onnx.export(model, x[:2], onnx_path, input_names=["image"], output_names=[output],
                      dynamic_axes={"image": {0: "batch"}, output: {0: "batch"}}, opset_version=13)
    return onnx_path


def check_classifier(graphc, source, work, name, model, x_test, y_test, data, ort):
    """Test accuracy in graphc (imported with --data, `graphc eval`), ONNX Runtime and PyTorch."""
    with torch.no_grad():
        torch_acc = float((torch.cat([model(x_test[i:i + 1000]) for i in range(0, len(x_test), 1000)]).argmax(1)
                           == y_test).float().mean())
    onnx_path = export(model, x_test, work, name)
    mnn = os.path.join(work, f"{name}.mnn")
    subprocess.run([graphc, "import", onnx_path, "-o", mnn, "--data", data], check=True)
    metrics = os.path.join(work, f"{name}.json")
    subprocess.run([graphc, "eval", mnn, "--load", mnn[:-4] + ".safetensors", "--data-dir",
                    os.path.join(source, "data"), "--metrics-json", metrics, "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    graphc_acc = json.load(open(metrics))["test_accuracy"]
    ort_acc = ort_accuracy(onnx_path, x_test, y_test, *ort, work)
    reference = torch_acc if ort_acc is None else ort_acc
    ok = abs(graphc_acc - reference) <= TOLERANCE and abs(graphc_acc - torch_acc) <= TOLERANCE
    ort_text = "not installed: PyTorch is the reference" if ort_acc is None else f"{ort_acc:.4f}"
    print(f"{name}: test accuracy graphc {graphc_acc:.4f}, ONNX Runtime {ort_text}, PyTorch {torch_acc:.4f} "
          f"({'ok' if ok else 'FAIL'})", end="")
    return ok


def check_reconstruction(graphc, work, name, model, x_test, ort):
    """The autoencoder: imported without a train block, run by `graphc infer` on the test images;
    its reconstructions and their binary cross-entropy against the images, graphc's against ONNX
    Runtime's and PyTorch's."""
    with torch.no_grad():
        torch_out = torch.cat([model(x_test[i:i + 1000]) for i in range(0, len(x_test), 1000)]).numpy()
    onnx_path = export(model, x_test, work, name, output="reconstruction")
    mnn = os.path.join(work, f"{name}.mnn")
    subprocess.run([graphc, "import", onnx_path, "-o", mnn], check=True)
    # The header names the placeholder: `# input image_2: ONNX 'image' ...` (`image` is a keyword).
    placeholder = re.search(r"^# input (\w+): ONNX 'image'", open(mnn).read(), re.M).group(1)
    ours = []
    for i in range(0, len(x_test), CHUNK):  # graphc's placeholder is NHWC, its output too
        np.save(os.path.join(work, "pixels.npy"), x_test[i:i + CHUNK].permute(0, 2, 3, 1).numpy())
        subprocess.run([graphc, "infer", mnn, "--load", mnn[:-4] + ".safetensors", "--input",
                        f"{placeholder}={work}/pixels.npy", "--output", "reconstruction", "-o", work, "--threads", "2"],
                       check=True)
        ours.append(np.load(os.path.join(work, "reconstruction.npy")).transpose(0, 3, 1, 2))
    ours = np.concatenate(ours)
    target = x_test.numpy().astype(np.float64)
    reference = torch_out if not have_ort(*ort) else ort_outputs(onnx_path, x_test, *ort, work).reshape(ours.shape)
    diff = float(np.abs(ours.astype(np.float64) - reference).max())
    losses = [binary_crossentropy(v, target) for v in (ours, reference, torch_out)]
    ok = diff <= OUTPUT_TOLERANCE and all(abs(losses[0] - v) <= LOSS_TOLERANCE * v for v in losses[1:])
    ort_text = "(not installed: PyTorch is the reference)" if not have_ort(*ort) else f"{losses[1]:.6f}"
    print(f"{name}: test loss (binary cross-entropy) graphc {losses[0]:.6f}, ONNX Runtime {ort_text}, "
          f"PyTorch {losses[2]:.6f}; max |graphc - reference| = {diff:.2e} ({'ok' if ok else 'FAIL'})", end="")
    return ok


def main():
    graphc, source, work = sys.argv[1:4]
    names = sys.argv[4:] or list(MODELS)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    data_dir = os.path.join(source, "data", "mnist")
    if not os.path.exists(os.path.join(data_dir, "t10k-images-idx3-ubyte")):
        print(f"skipped: no MNIST in {data_dir}")
        return 77
    sets = {"mnist": (mnist(data_dir, "train"), mnist(data_dir, "t10k"))}
    fashion = fashion_mnist_dir(source)
    if fashion:
        sets["fashion_mnist"] = (mnist(fashion, "train"), mnist(fashion, "t10k"))
    os.makedirs(work, exist_ok=True)
    ort_dir = os.environ.get("ORT_DIR", os.path.join(os.path.dirname(os.path.abspath(graphc)), "onnxruntime"))
    ort = (ort_dir, os.path.join(source, "tests", "e2e", "ort_run.js"))
    failed = []
    for name in names:
        started = time.monotonic()
        dataset, steps = V2_MODELS.get(name, ("mnist", 300))
        if dataset not in sets:
            print(f"{name}: skipped: no Fashion-MNIST (Debian's dataset-fashion-mnist)")
            continue
        (x_train, y_train), (x_test, y_test) = sets[dataset]
        if name in V2_MODELS:
            model = v2_model(source, name)
        else:
            model = MODELS[name]()
            if getattr(model, "flat_input", False):
                x_train, x_test = x_train.reshape(-1, 784), x_test.reshape(-1, 784)
        train(model, x_train, y_train, steps=steps, reconstruct=name == "autoencoder")
        if name == "autoencoder":
            ok = check_reconstruction(graphc, work, name, model, x_test, ort)
        else:
            ok = check_classifier(graphc, source, work, name, model, x_test, y_test, f"{dataset}(scale = 1/255)", ort)
        print(f"; {steps} steps, {time.monotonic() - started:.0f} s", flush=True)
        if not ok:
            failed.append(name)
    if failed:
        print("graphc differs from ONNX Runtime or PyTorch by more than the tolerance: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
