#!/usr/bin/python3
"""PyTorch models of the example architectures, trained briefly on real MNIST, exported with
torch.onnx.export, imported by `graphc import --data`, evaluated by `graphc eval`: the test
accuracy must be ONNX Runtime's on the exported file within 0.0005 (5 of the 10,000 test images),
and PyTorch's own. ONNX Runtime (npm onnxruntime-node, which scripts/test.sh installs into
BUILD/onnxruntime; ORT_DIR overrides) runs through tests/e2e/ort_run.js; where either is missing,
PyTorch's accuracy is the reference and the output says so.

usage: pytorch_roundtrip.py GRAPHC SOURCE_DIR WORK_DIR [MODEL...]
"""
import json
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as e:  # a test tool this machine lacks (scripts/test.sh installs it)
    print(f"skipped: {e}")
    sys.exit(77)

TOLERANCE = 0.0005


def read_idx(path, offset):
    return np.frombuffer(open(path, "rb").read(), dtype=np.uint8, offset=offset)


def mnist(data_dir, split):
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte"), 16).reshape(-1, 1, 28, 28)
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte"), 8)
    return torch.tensor(images, dtype=torch.float32) / 255, torch.tensor(labels, dtype=torch.int64)


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

    def __getitem__(self, k):  # the last layer, as for the Sequential models
        return self.classifier[k]


MODELS = {"lenet5": lenet5, "cnn_bn": cnn_bn, "mlp": mlp, "small_cnn": small_cnn, "tf_cnn": tf_cnn, "cnn16": cnn16,
          "mnist_deep": MnistDeep}


def train(model, x, y, steps=300, batch=64):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, len(x), (batch,), generator=g)
        out = model(x[idx])
        # The softmax models are trained on their log-probabilities.
        loss = nn.functional.nll_loss(torch.log(out + 1e-9), y[idx]) if isinstance(model[-1], nn.Softmax) else \
            nn.functional.cross_entropy(out, y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def ort_accuracy(onnx_path, x, y, ort_dir, runner, work):
    """ONNX Runtime's test accuracy on the exported model, or None when it is not installed."""
    if not (os.path.isdir(os.path.join(ort_dir, "node_modules", "onnxruntime-node")) and os.path.exists(runner)):
        return None
    inputs, outputs = os.path.join(work, "ort_in.f32"), os.path.join(work, "ort_out.f32")
    x.numpy().astype("<f4").tofile(inputs)
    env = dict(os.environ, NODE_PATH=os.path.join(ort_dir, "node_modules"))
    subprocess.run(["node", runner, onnx_path, inputs, ",".join(map(str, x.shape)), outputs, "2"], check=True, env=env)
    scores = np.fromfile(outputs, dtype="<f4").reshape(len(y), -1)
    return float((scores.argmax(1) == y.numpy()).mean())


def main():
    graphc, source, work = sys.argv[1:4]
    names = sys.argv[4:] or list(MODELS)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    data_dir = os.path.join(source, "data", "mnist")
    if not os.path.exists(os.path.join(data_dir, "t10k-images-idx3-ubyte")):
        print(f"skipped: no MNIST in {data_dir}")
        return 77
    x_train_4d, y_train = mnist(data_dir, "train")
    x_test_4d, y_test = mnist(data_dir, "t10k")
    os.makedirs(work, exist_ok=True)
    ort_dir = os.environ.get("ORT_DIR", os.path.join(os.path.dirname(os.path.abspath(graphc)), "onnxruntime"))
    runner = os.path.join(source, "tests", "e2e", "ort_run.js")
    failed = []
    for name in names:
        model = MODELS[name]()
        flat = getattr(model, "flat_input", False)
        x_train, x_test = (x_train_4d.reshape(-1, 784), x_test_4d.reshape(-1, 784)) if flat else (x_train_4d, x_test_4d)
        train(model, x_train, y_train)
        with torch.no_grad():
            torch_acc = float((model(x_test).argmax(1) == y_test).float().mean())
        onnx_path = os.path.join(work, f"{name}.onnx")
        torch.onnx.export(model, x_test[:2], onnx_path, input_names=["image"], output_names=["scores"],
                          dynamic_axes={"image": {0: "batch"}, "scores": {0: "batch"}}, opset_version=13)
        mnn = os.path.join(work, f"{name}.mnn")
        subprocess.run([graphc, "import", onnx_path, "-o", mnn, "--data", "mnist(scale = 1/255)"], check=True)
        metrics = os.path.join(work, f"{name}.json")
        subprocess.run([graphc, "eval", mnn, "--load", mnn[:-4] + ".safetensors", "--data-dir",
                        os.path.join(source, "data"), "--metrics-json", metrics, "--quiet"], check=True,
                       stdout=subprocess.DEVNULL)
        graphc_acc = json.load(open(metrics))["test_accuracy"]
        ort_acc = ort_accuracy(onnx_path, x_test, y_test, ort_dir, runner, work)
        reference = torch_acc if ort_acc is None else ort_acc
        ok = abs(graphc_acc - reference) <= TOLERANCE and abs(graphc_acc - torch_acc) <= TOLERANCE
        ort_text = "not installed: PyTorch is the reference" if ort_acc is None else f"{ort_acc:.4f}"
        print(f"{name}: graphc {graphc_acc:.4f}, ONNX Runtime {ort_text}, PyTorch {torch_acc:.4f} "
              f"({'ok' if ok else 'FAIL'})")
        if not ok:
            failed.append(name)
    if failed:
        print("accuracy differs by more than 0.0005: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
