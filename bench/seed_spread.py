#!/usr/bin/env python3
"""How often does a tutorial's own setup collapse, and how far does its accuracy spread over seeds?

usage: /usr/bin/python3 bench/seed_spread.py [--model cnn16|lenet5|small_cnn|tf_cnn] [--seeds 0-7] [--epochs 10] [--threads 1] [--graphc]

Trains the PyTorch replica of an example (bench/compare_pytorch.py's MODELS) with the tutorial's
exact Keras setup, once per seed, on real MNIST from data/mnist (IDX files):
  - Keras initializers: glorot_uniform kernels (fans as Keras computes them), zero biases;
  - Keras Adam (lr 1e-3, beta 0.9/0.999, epsilon 1e-7 in the "epsilon hat" form
    var -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)), not torch.optim.Adam's form;
  - categorical cross-entropy averaged over the batch (Keras folds the softmax into the loss);
  - pixels as the tutorial feeds them (cnn16/small_cnn: unscaled 0..255), a fresh shuffle every
    epoch, the last partial batch trained (Keras' fit);
  - validation accuracy on the 10,000 test images after every epoch (the tutorials' val = test).
An epoch counts as collapsed when the model predicts a single class on the test set.
Prints one line per epoch and a summary table; --json writes the per-seed results.
--graphc runs `graphc run examples/MODEL.mnn --seed N` instead (its own train block, --epochs if
given), reading the per-epoch history from --metrics-json; a collapse there is a test accuracy
equal to the most frequent test label's share (0.1135 on MNIST).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_pytorch import MODELS, conv_stack  # noqa: E402
from keras_torch import KerasAdam, keras_init, read_idx  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The tutorials' settings that differ per model: batch, epochs, pixel scale (seeds 003 and 004).
SETUPS = {
    # Seed 000: Keras' SGD (lr 0.01, no momentum) and EarlyStopping(patience=3, monitor='val_loss').
    "lenet5": {"batch": 32, "epochs": 30, "scale": 1 / 255.0, "optimizer": "sgd", "patience": 3},
    "cnn16": {"batch": 20, "epochs": 10, "scale": 1.0},
    "small_cnn": {"batch": 10, "epochs": 10, "scale": 1.0},
    "tf_cnn": {"batch": 32, "epochs": 5, "scale": 1 / 255.0},
}


def load_mnist(data_dir, scale):
    def images(name):
        x = read_idx(os.path.join(data_dir, name)).astype(np.float64)
        # Keras: numpy float64 division, then cast to float32 by the model's input.
        return torch.from_numpy((x * scale if scale == 1.0 else x / round(1 / scale)).astype(np.float32)).unsqueeze(1)

    def labels(name):
        return torch.from_numpy(read_idx(os.path.join(data_dir, name)).astype(np.int64))

    return (images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte"),
            images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte"))


@torch.no_grad()
def evaluate(model, x, y):
    """Accuracy, the number of classes predicted, and the mean cross-entropy."""
    model.eval()
    logits = torch.cat([model(x[i:i + 1000]) for i in range(0, len(x), 1000)])
    preds = logits.argmax(1)
    model.train()
    return (preds == y).float().mean().item(), len(torch.unique(preds)), F.cross_entropy(logits, y).item()


def train_seed(name, setup, seed, epochs, data, log):
    xtr, ytr, xte, yte = data
    torch.manual_seed(seed)
    model = conv_stack(MODELS[name])
    keras_init(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.01) if setup.get("optimizer") == "sgd" else KerasAdam(
        model.parameters())
    gen = torch.Generator().manual_seed(seed)
    batch = setup["batch"]
    history = []
    best, since_best = math.inf, 0  # Keras' EarlyStopping on val_loss, min_delta 0
    for epoch in range(1, epochs + 1):
        start = time.time()
        order = torch.randperm(len(xtr), generator=gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, len(xtr), batch):
            idx = order[i:i + batch]
            logits = model(xtr[idx])
            loss = F.cross_entropy(logits, ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == ytr[idx]).sum().item()
        val_acc, classes, val_loss = evaluate(model, xte, yte)
        rec = {"epoch": epoch, "loss": loss_sum / len(xtr), "acc": correct / len(xtr), "val_acc": val_acc,
               "val_loss": val_loss, "predicted_classes": classes, "seconds": time.time() - start}
        history.append(rec)
        print(f"{name} seed {seed} epoch {epoch}/{epochs} - {rec['seconds']:.1f}s - loss: {rec['loss']:.4f} - "
              f"acc: {rec['acc']:.4f} - val_loss: {val_loss:.4f} - val_acc: {val_acc:.4f} - classes predicted: "
              f"{classes}", file=log, flush=True)
        if "patience" in setup:
            best, since_best = (val_loss, 0) if val_loss < best else (best, since_best + 1)
            if since_best >= setup["patience"]:
                break
    return history


def graphc_seed(name, seed, epochs, threads, binary, log):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "m.json")
        cmd = [binary, "run", os.path.join(ROOT, "examples", name + ".mnn"), "--seed", str(seed), "--threads",
               str(threads), "--quiet", "--metrics-json", out] + (["--epochs", str(epochs)] if epochs else [])
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            m = json.load(f)
    history = []
    for e in m["history"]:
        val = e.get("val_accuracy")
        rec = {"epoch": e["epoch"], "loss": e["loss"], "acc": e["accuracy"], "val_acc": val,
               "predicted_classes": 1 if val is not None and abs(val - 0.1135) < 1e-4 else None,
               "seconds": e["seconds"]}
        history.append(rec)
        print(f"graphc {name} seed {seed} epoch {e['epoch']} - {e['seconds']:.1f}s - loss: {e['loss']:.4f} - "
              f"acc: {e['accuracy']:.4f} - val_acc: {val:.4f}", file=log, flush=True)
    history[-1]["test_acc"] = m["test_accuracy"]
    return history


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            seeds += range(int(a), int(b) + 1)
        else:
            seeds.append(int(part))
    return seeds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="cnn16", choices=sorted(SETUPS))
    ap.add_argument("--seeds", default="0-7", help="e.g. 0-7 or 0,3,5")
    ap.add_argument("--epochs", type=int, default=0, help="default: the tutorial's")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "data", "mnist"))
    ap.add_argument("--json", help="write the per-seed histories here")
    ap.add_argument("--graphc", action="store_true", help="measure graphc instead of PyTorch")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "graphc"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    setup = SETUPS[args.model]
    epochs = args.epochs or setup["epochs"]
    data = None if args.graphc else load_mnist(args.data_dir, setup["scale"])
    results = {}
    for seed in parse_seeds(args.seeds):
        if args.graphc:
            results[seed] = graphc_seed(args.model, seed, args.epochs, args.threads, args.binary, sys.stdout)
        else:
            results[seed] = train_seed(args.model, setup, seed, epochs, data, sys.stdout)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"model": args.model, "setup": setup, "epochs": epochs, "results": results}, f, indent=1)
    who = "graphc" if args.graphc else f"torch {torch.__version__}, Keras init and " + ("SGD" if setup.get("optimizer") == "sgd" else "Adam")
    print(f"\n{args.model}: {who}, batch {setup['batch']}, {epochs} epochs"
          + (f", early stopping (patience {setup['patience']})" if "patience" in setup else ""))
    print("| seed | epoch 1 val_acc | collapsed (1 class) | final val_acc |")
    print("| ---: | ---: | --- | ---: |")
    for seed, h in results.items():
        print(f"| {seed} | {h[0]['val_acc']:.4f} | {'yes' if h[-1]['predicted_classes'] == 1 else 'no'} | {h[-1]['val_acc']:.4f} |")
    finals = [h[-1]["val_acc"] for h in results.values()]
    print(f"mean {np.mean(finals):.4f}, median {np.median(finals):.4f}, min {min(finals):.4f}, max {max(finals):.4f}, "
          f"collapsed {sum(h[-1]['predicted_classes'] == 1 for h in results.values())}/{len(finals)}")


if __name__ == "__main__":
    sys.exit(main())
