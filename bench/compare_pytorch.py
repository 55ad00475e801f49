#!/usr/bin/env python3
"""graphc against PyTorch on the same model, batch and threads, measured side by side.

usage: /usr/bin/python3 bench/compare_pytorch.py examples/lenet5.mnn [--batch N] [--threads 2] [--runs 3]

PyTorch is Debian's python3-torch (OpenBLAS from libopenblas0-openmp, oneDNN for convolutions),
run as a careful user would: training in eager mode, NCHW and channels_last (its best here);
inference at batch 1000 eager and with torch.jit.script + freeze + optimize_for_inference.
graphc's figures come from `graphc bench --json` (train step and inference pass, medians).
Both sides time steady-state steps on random data (the step's cost does not depend on the
values), so compilation and data loading are left out on both. Each measurement is repeated
--runs times and the median is printed, with the graphc/PyTorch throughput ratios.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def conv_stack(spec):
    """A Sequential from ('conv', cin, cout, k, pad) / ('pool',) / ('flat',) / ('dense', i, o, relu)."""
    layers = []
    for s in spec:
        if s[0] == "conv":
            layers += [nn.Conv2d(s[1], s[2], s[3], padding=s[4]), nn.ReLU()]
        elif s[0] == "pool":
            layers.append(nn.MaxPool2d(2, ceil_mode=len(s) > 1))
        elif s[0] == "flat":
            layers.append(nn.Flatten())
        elif s[0] == "dense":
            layers.append(nn.Linear(s[1], s[2]))
            if s[3]:
                layers.append(nn.ReLU())
    return nn.Sequential(*layers)


# The examples' architectures, written for PyTorch (softmax is folded into the loss).
MODELS = {
    "lenet5": [("conv", 1, 6, 5, 2), ("pool",), ("conv", 6, 16, 5, 0), ("pool",), ("flat",),
               ("dense", 400, 120, True), ("dense", 120, 84, True), ("dense", 84, 10, False)],
    "tf_cnn": [("conv", 1, 32, 3, 0), ("pool",), ("conv", 32, 64, 3, 0), ("pool",), ("conv", 64, 64, 3, 0),
               ("flat",), ("dense", 576, 64, True), ("dense", 64, 10, False)],
    "mnist_deep": [("conv", 1, 32, 5, 2), ("pool", "same"), ("conv", 32, 64, 5, 2), ("pool", "same"), ("flat",),
                   ("dense", 3136, 1024, True), ("dense", 1024, 10, False)],
    "cnn16": [("conv", 1, 32, 3, 0), ("pool",), ("conv", 32, 64, 3, 0), ("pool",), ("flat",),
              ("dense", 1600, 16, True), ("dense", 16, 10, False)],
    "small_cnn": [("conv", 1, 32, 3, 0), ("pool",), ("flat",), ("dense", 5408, 10, False)],
}
OPTIMIZERS = {"lenet5": lambda p: torch.optim.SGD(p, lr=0.01)}


def torch_train_ips(name, batch, channels_last, steps=200):
    torch.manual_seed(0)
    model = conv_stack(MODELS[name])
    opt = OPTIMIZERS.get(name, lambda p: torch.optim.Adam(p, lr=1e-3))(model.parameters())
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(20):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - start)


def torch_infer_ips(name, batch, scripted, steps=10):
    torch.manual_seed(0)
    model = conv_stack(MODELS[name]).eval()
    x = torch.rand(batch, 1, 28, 28)
    with torch.no_grad():
        if scripted:
            model = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(model)))
        for _ in range(3):
            model(x)
        start = time.perf_counter()
        for _ in range(steps):
            model(x)
    return batch * steps / (time.perf_counter() - start)


def graphc_ips(graphc, path, batch, threads):
    out = subprocess.run([graphc, "bench", path, "--json", "--runs", "30", "--threads", str(threads)]
                         + (["--batch", str(batch)] if batch else []),
                         check=True, capture_output=True, text=True).stdout
    m = json.loads(out)
    return m["train_step"]["images_per_second"], m["inference"]["images_per_second"], m["batch"], m["peak_gflops"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=0, help="train batch (default: the train block's)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--graphc", default=os.path.join(ROOT, "build/graphc"))
    args = ap.parse_args()
    name = os.path.basename(args.model).rsplit(".", 1)[0]
    if name not in MODELS:
        sys.exit(f"compare_pytorch: no PyTorch version of {name} (have: {', '.join(MODELS)})")
    torch.set_num_threads(args.threads)
    g = [graphc_ips(args.graphc, args.model, args.batch, args.threads) for _ in range(args.runs)]
    batch = g[0][2]
    train = {"graphc": statistics.median(r[0] for r in g)}
    infer = {"graphc": statistics.median(r[1] for r in g)}
    train["pytorch eager NCHW"] = statistics.median(torch_train_ips(name, batch, False) for _ in range(args.runs))
    train["pytorch channels_last"] = statistics.median(torch_train_ips(name, batch, True) for _ in range(args.runs))
    infer["pytorch eager"] = statistics.median(torch_infer_ips(name, 1000, False) for _ in range(args.runs))
    infer["pytorch jit+freeze"] = statistics.median(torch_infer_ips(name, 1000, True) for _ in range(args.runs))
    print(f"{name}: {args.threads} threads, training batch {batch}, inference batch 1000, medians of {args.runs} runs; "
          f"torch {torch.__version__}; graphc's measured peak {g[0][3]:.0f} GFLOP/s")
    for title, rows in (("training", train), ("inference", infer)):
        best = max(v for k, v in rows.items() if k != "graphc")
        for k, v in rows.items():
            print(f"  {title:9s} {k:24s} {v:10,.0f} images/s")
        print(f"  {title:9s} graphc / best PyTorch: {rows['graphc'] / best:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
