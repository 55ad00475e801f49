#!/usr/bin/env python3
"""graphc against PyTorch on the same model, batch and threads, measured side by side.

usage: /usr/bin/python3 bench/compare_pytorch.py examples/lenet5.mnn [examples/mnist_deep.mnn ...] [--batch N] [--threads 2] [--runs 3]

PyTorch is Debian's python3-torch (OpenBLAS from libopenblas0-openmp, oneDNN for convolutions),
run as a careful user would: training in eager mode, NCHW and channels_last (its best here),
Adam and AdamW in their multi-tensor form (foreach=True, PyTorch's fastest on the CPU);
inference at batch 1000 eager and with torch.jit.script (torch.jit.trace for the version-2
replicas of bench/replicas.py) + freeze + optimize_for_inference.
The version-2 examples (resnet_fashion, mobilenet_mnist, autoencoder) use bench/replicas.py's
modules and their optimizers: AdamW with the cosine schedule for mobilenet_mnist, and for the
autoencoder the binary cross-entropy against the input. With several models, a summary table
of the training ratios ends the output; the load average (uptime) is printed before and after,
as other work on the machine moves every figure.
graphc's figures come from `graphc bench --json --step-only` (train step and inference pass,
medians; kernels from the disk cache, compiled there by the first call).
Both sides time steady-state steps on random data (the step's cost does not depend on the
values), so compilation and data loading are left out on both. Each measurement is repeated
--runs times and the median is printed, with the graphc/PyTorch throughput ratios.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replicas  # noqa: E402

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
OPTIMIZERS = {
    "lenet5": lambda p: torch.optim.SGD(p, lr=0.01),
    "mnist_deep": lambda p: torch.optim.Adam(p, lr=1e-4, eps=1e-8, foreach=True),
    "mobilenet_mnist": lambda p: torch.optim.AdamW(p, lr=0.002, weight_decay=0.004, eps=1e-7, foreach=True),
}


def make_model(name):
    return replicas.make_model(name) if name in replicas.EXAMPLES else conv_stack(MODELS[name])


def torch_train_ips(name, batch, channels_last, steps=200):
    torch.manual_seed(0)
    model = make_model(name)
    opt = OPTIMIZERS.get(name, lambda p: torch.optim.Adam(p, lr=1e-3, eps=1e-7, foreach=True))(model.parameters())
    # mobilenet_mnist's cosine decay, as a scheduler stepped with the optimizer
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.5 * (1 + math.cos(math.pi * min(t, 600) / 600))) \
        if name == "mobilenet_mnist" else None
    loss = replicas.EXAMPLES[name]["loss"] if name in replicas.EXAMPLES else lambda out, x, y: F.cross_entropy(out, y)
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    def step():
        opt.zero_grad()
        loss(model(x), x, y).backward()
        opt.step()
        if schedule:
            schedule.step()

    for _ in range(20):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - start)


def torch_infer_ips(name, batch, scripted, steps=10):
    torch.manual_seed(0)
    model = make_model(name).eval()
    x = torch.rand(batch, 1, 28, 28)
    with torch.no_grad():
        if scripted:  # the replicas' TensorFlow padding is Python TorchScript does not compile: traced
            with warnings.catch_warnings():  # the padding's Python arithmetic is traced as constants: intended
                warnings.simplefilter("ignore", torch.jit.TracerWarning)
                model = torch.jit.trace(model, x) if name in replicas.EXAMPLES else torch.jit.script(model)
            model = torch.jit.optimize_for_inference(torch.jit.freeze(model))
        for _ in range(3):
            model(x)
        start = time.perf_counter()
        for _ in range(steps):
            model(x)
    return batch * steps / (time.perf_counter() - start)


def graphc_ips(graphc, path, batch, threads):
    out = subprocess.run([graphc, "bench", path, "--json", "--step-only", "--runs", "30", "--threads", str(threads)]
                         + (["--batch", str(batch)] if batch else []),
                         check=True, capture_output=True, text=True).stdout
    m = json.loads(out)
    return m["train_step"]["images_per_second"], m["inference"]["images_per_second"], m["batch"], m["peak_gflops"]


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def compare(path, args):
    """Prints one model's table; returns graphc's training ratio to PyTorch's best."""
    name = os.path.basename(path).rsplit(".", 1)[0]
    g = [graphc_ips(args.graphc, path, args.batch, args.threads) for _ in range(args.runs)]
    batch = g[0][2]
    train = {"graphc": statistics.median(r[0] for r in g)}
    infer = {"graphc": statistics.median(r[1] for r in g)}
    train["pytorch eager NCHW"] = statistics.median(torch_train_ips(name, batch, False) for _ in range(args.runs))
    train["pytorch channels_last"] = statistics.median(torch_train_ips(name, batch, True) for _ in range(args.runs))
    infer["pytorch eager"] = statistics.median(torch_infer_ips(name, 1000, False) for _ in range(args.runs))
    infer["pytorch jit+freeze"] = statistics.median(torch_infer_ips(name, 1000, True) for _ in range(args.runs))
    print(f"{name}: {args.threads} threads, training batch {batch}, inference batch 1000, medians of {args.runs} runs; "
          f"torch {torch.__version__}; graphc's measured peak {g[0][3]:.0f} GFLOP/s; load average {load_average()}")
    ratios = {}
    for title, rows in (("training", train), ("inference", infer)):
        best = max(v for k, v in rows.items() if k != "graphc")
        for k, v in rows.items():
            print(f"  {title:9s} {k:24s} {v:10,.0f} images/s")
        ratios[title] = rows["graphc"] / best
        print(f"  {title:9s} graphc / best PyTorch: {ratios[title]:.2f}x", flush=True)
    return name, batch, train, ratios


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", metavar="model")
    ap.add_argument("--batch", type=int, default=0, help="train batch (default: the train block's)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--graphc", default=os.path.join(ROOT, "build/graphc"))
    args = ap.parse_args()
    for path in args.models:
        name = os.path.basename(path).rsplit(".", 1)[0]
        if name not in MODELS and name not in replicas.EXAMPLES:
            sys.exit(f"compare_pytorch: no PyTorch version of {name} (have: {', '.join(list(MODELS) + list(replicas.EXAMPLES))})")
    torch.set_num_threads(args.threads)
    print(f"load average before: {load_average()}", flush=True)
    results = [compare(path, args) for path in args.models]
    print(f"load average after: {load_average()}")
    if len(results) > 1:
        print("\n| model | batch | graphc images/s | PyTorch NCHW | PyTorch channels_last | graphc / best PyTorch (training) | (inference) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, batch, train, ratios in results:
            print(f"| {name} | {batch} | {train['graphc']:,.0f} | {train['pytorch eager NCHW']:,.0f} | "
                  f"{train['pytorch channels_last']:,.0f} | {ratios['training']:.2f}x | {ratios['inference']:.2f}x |")

if __name__ == "__main__":
    sys.exit(main())
