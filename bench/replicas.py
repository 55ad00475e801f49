#!/usr/bin/env python3
"""PyTorch replicas of the version-2 examples, trained with the examples' own budgets on the same data.

usage: /usr/bin/python3 bench/replicas.py resnet_fashion|mobilenet_mnist|autoencoder [--seeds 0,1,2] [--threads 2] [--json FILE]

Each replica is the example's architecture in PyTorch, started as Keras starts it (glorot_uniform
kernels with Keras' fans, zero biases, BatchNorm gamma 1 and beta 0 with Keras' momentum 0.99 and
epsilon 1e-3), with TensorFlow's "same" padding (the extra row and column of an even total at the
bottom and right) and Keras' output size for Conv2DTranspose, trained with Keras' optimizer
formulas (KerasAdam: Adam in the epsilon-hat form, AdamW's decoupled decay first,
the learning rate of the schedule at the step count before the step), the example's batch and
epochs, a fresh shuffle every epoch and the last partial batch trained, as `graphc run` does.
Prints, per seed, the test accuracy (or the test loss: the autoencoder's binary cross-entropy
against its input) and the seconds per epoch, then their medians. bench/seed_table.py writes them
into examples/README.md next to graphc's; bench/compare_pytorch.py times the same modules.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keras_torch import KerasAdam, keras_init, read_idx  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where graphc's mnist() and fashion_mnist() look (docs/data.md): data/ of the source tree, then,
# for Fashion-MNIST, Debian's dataset-fashion-mnist.
DATA_DIRS = {"mnist": [os.path.join(ROOT, "data", "mnist")],
             "fashion_mnist": [os.path.join(ROOT, "data", "fashion-mnist"), "/usr/share/datasets/fashion-mnist"]}


def idx_file(dirs, name):
    for d in dirs:
        for path in (os.path.join(d, name), os.path.join(d, name + ".gz")):
            if os.path.exists(path):
                return path
    sys.exit(f"replicas: no {name} in {', '.join(dirs)}")


def load(dataset):
    """The training and test images as f32 NCHW scaled by 1/255, and the labels as int64."""
    def read(name):
        return read_idx(idx_file(DATA_DIRS[dataset], name))

    images = [torch.from_numpy(read(f"{p}-images-idx3-ubyte").copy()).float().mul_(1 / 255).unsqueeze(1)
              for p in ("train", "t10k")]
    labels = [torch.from_numpy(read(f"{p}-labels-idx1-ubyte").astype("int64")) for p in ("train", "t10k")]
    return images[0], labels[0], images[1], labels[1]


class SameConv2d(nn.Conv2d):
    """nn.Conv2d with TensorFlow's "same" padding: an odd total puts the extra row and column at the bottom and right."""

    def __init__(self, cin, cout, kernel, stride=1, groups=1, bias=True):
        super().__init__(cin, cout, kernel, stride=stride, groups=groups, bias=bias)

    def forward(self, x):
        pads = []
        for size, k, s in zip(reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride)):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        if pads[0] == pads[1] and pads[2] == pads[3]:
            return F.conv2d(x, self.weight, self.bias, self.stride, (pads[2], pads[0]), 1, self.groups)
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, 1, self.groups)


def batch_norm(channels):
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)  # Keras' momentum 0.99 is PyTorch's 0.01


class ResBlock(nn.Module):
    """examples/resnet_fashion.mnn's res_block."""

    def __init__(self, cin, filters, stride=1):
        super().__init__()
        self.c1, self.b1 = SameConv2d(cin, filters, 3, stride, bias=False), batch_norm(filters)
        self.c2, self.b2 = SameConv2d(filters, filters, 3, bias=False), batch_norm(filters)
        self.shortcut = nn.Identity() if stride == 1 else nn.Sequential(
            SameConv2d(cin, filters, 1, stride, bias=False), batch_norm(filters))

    def forward(self, x):
        h = F.relu(self.b1(self.c1(x)))
        return F.relu(self.b2(self.c2(h)) + self.shortcut(x))


class ResNetFashion(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(SameConv2d(1, 16, 3, bias=False), batch_norm(16), nn.ReLU())
        self.blocks = nn.Sequential(ResBlock(16, 16), ResBlock(16, 32, 2), ResBlock(32, 64, 2))
        self.probs = nn.Linear(64, 10)

    def forward(self, x):
        return self.probs(self.blocks(self.stem(x)).mean((2, 3)))  # logits: the softmax is in the loss


def separable_block(cin, filters, stride=1):
    """examples/mobilenet_mnist.mnn's separable_block: depthwise 3x3, then pointwise 1x1, each with BatchNorm and relu6."""
    return nn.Sequential(SameConv2d(cin, cin, 3, stride, groups=cin, bias=False), batch_norm(cin), nn.ReLU6(),
                         SameConv2d(cin, filters, 1, bias=False), batch_norm(filters), nn.ReLU6())


class MobileNetMnist(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            SameConv2d(1, 16, 3, 2, bias=False), batch_norm(16), nn.ReLU6(),
            separable_block(16, 32), separable_block(32, 64, 2), separable_block(64, 64),
            # SeparableConv2D(128, 3, strides 2): depthwise then pointwise, no BatchNorm between them.
            SameConv2d(64, 64, 3, 2, groups=64, bias=False), SameConv2d(64, 128, 1, bias=False),
            batch_norm(128), nn.ReLU6())
        self.probs = nn.Linear(128, 10)

    def forward(self, x):
        return self.probs(self.features(x).mean((2, 3)))


class Autoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1 = SameConv2d(1, 16, 3)
        self.e2 = SameConv2d(16, 8, 3)
        # Keras' Conv2DTranspose(8, 3, strides 2, same) from 7x7: the 15x15 of a valid transposed
        # convolution, cropped to 14x14 from the top left (TensorFlow crops the smaller half there).
        self.d1 = nn.ConvTranspose2d(8, 8, 3, stride=2)
        self.d2 = SameConv2d(8, 16, 3)
        self.reconstruction = SameConv2d(16, 1, 3)

    def forward(self, x):
        code = F.max_pool2d(F.relu(self.e2(F.max_pool2d(F.relu(self.e1(x)), 2))), 2)
        d1 = F.relu(self.d1(code)[:, :, :2 * code.shape[2], :2 * code.shape[3]])
        d2 = F.relu(self.d2(F.interpolate(d1, scale_factor=2, mode="nearest")))
        return self.reconstruction(d2)  # logits: the sigmoid is in the loss


def cosine_decay(initial, decay_steps):
    return lambda step: initial * 0.5 * (1 + math.cos(math.pi * min(step, decay_steps) / decay_steps))


# Each example: the module, its data set, its loss (on the module's output, the input and the
# labels), whether it reports accuracy, its optimizer (on the parameters) and budget.
EXAMPLES = {
    "resnet_fashion": dict(model=ResNetFashion, data="fashion_mnist", accuracy=True,
                           loss=lambda out, x, y: F.cross_entropy(out, y),
                           optimizer=lambda p: KerasAdam(p), batch=64, epochs=1),
    "mobilenet_mnist": dict(model=MobileNetMnist, data="mnist", accuracy=True,
                            loss=lambda out, x, y: F.cross_entropy(out, y),
                            optimizer=lambda p: KerasAdam(p, lr=cosine_decay(0.002, 600), weight_decay=0.004),
                            batch=100, epochs=1),
    "autoencoder": dict(model=Autoencoder, data="mnist", accuracy=False,
                        loss=lambda out, x, y: F.binary_cross_entropy_with_logits(out, x),
                        optimizer=lambda p: KerasAdam(p), batch=128, epochs=1),
}


def make_model(name, seed=0):
    torch.manual_seed(seed)
    model = EXAMPLES[name]["model"]()
    keras_init(model)
    return model


@torch.no_grad()
def evaluate(name, model, x, y):
    """The test set's mean loss and accuracy (None for the autoencoder), BatchNorm on its moving statistics."""
    ex = EXAMPLES[name]
    model.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(x), 1000):
        out = model(x[i:i + 1000])
        loss += ex["loss"](out, x[i:i + 1000], y[i:i + 1000]).item() * len(out)
        correct += (out.argmax(1) == y[i:i + 1000]).sum().item() if ex["accuracy"] else 0
    model.train()
    return loss / len(x), correct / len(x) if ex["accuracy"] else None


def train(name, seed, data, log=sys.stdout):
    """Trains the replica with the example's budget; returns its test loss, accuracy and seconds per epoch."""
    ex = EXAMPLES[name]
    xtr, ytr, xte, yte = data
    model = make_model(name, seed)
    opt = ex["optimizer"](model.parameters())
    gen = torch.Generator().manual_seed(seed)
    seconds = []
    for epoch in range(1, ex["epochs"] + 1):
        start = time.perf_counter()
        order = torch.randperm(len(xtr), generator=gen)
        for i in range(0, len(xtr), ex["batch"]):
            idx = order[i:i + ex["batch"]]
            loss = ex["loss"](model(xtr[idx]), xtr[idx], ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        test_loss, test_acc = evaluate(name, model, xte, yte)  # graphc validates on the test set every epoch too
        seconds.append(time.perf_counter() - start)
        print(f"{name} seed {seed} epoch {epoch}/{ex['epochs']} - {seconds[-1]:.1f}s - test_loss: {test_loss:.4f}"
              + (f" - test_accuracy: {test_acc:.4f}" if test_acc is not None else ""), file=log, flush=True)
    return {"test_loss": test_loss, "test_accuracy": test_acc, "seconds_per_epoch": statistics.median(seconds)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("example", choices=sorted(EXAMPLES))
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write each seed's figures here (bench/seed_table.py --replica-json reads them)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = load(EXAMPLES[args.example]["data"])
    runs = []
    for seed in args.seeds.split(","):
        runs.append(dict(train(args.example, int(seed), data), seed=int(seed), threads=args.threads))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({args.example: runs}, f, indent=1)
    key = "test_accuracy" if EXAMPLES[args.example]["accuracy"] else "test_loss"
    print(f"{args.example}: torch {torch.__version__}, {args.threads} threads; median {key} "
          f"{statistics.median(r[key] for r in runs):.4f} ({', '.join(f'{r[key]:.4f}' for r in runs)}), "
          f"seconds per epoch {statistics.median(r['seconds_per_epoch'] for r in runs):.1f}")


if __name__ == "__main__":
    sys.exit(main())
