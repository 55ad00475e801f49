#!/usr/bin/env python3
"""LeNet-5 training on real MNIST: graphc and PyTorch side by side, same batch, same threads.

PyTorch is Debian's python3-torch with OpenBLAS (libopenblas0-openmp). It is run two ways: the
default eager mode (NCHW) and its best mode here, channels_last. Each system trains whole epochs;
the script prints seconds per epoch, images/s and the graphc/PyTorch ratio (medians of --runs).
Both sides time the training steps only: graphc's train_images_per_second leaves out compilation
and the per-epoch validation, and the PyTorch loop has neither.

usage: /usr/bin/python3 bench/compare_pytorch_lenet5.py [--epochs 1] [--runs 3] [--threads 2]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.d1 = nn.Linear(400, 120)
        self.d2 = nn.Linear(120, 84)
        self.d3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = torch.flatten(x, 1)
        return self.d3(F.relu(self.d2(F.relu(self.d1(x)))))


def torch_epoch(images, labels, batch, channels_last):
    torch.manual_seed(0)
    model = LeNet5()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x_all = torch.from_numpy(images.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y_all = torch.from_numpy(labels.astype(np.int64))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    order = torch.randperm(len(y_all))
    start = time.perf_counter()
    for first in range(0, len(y_all), batch):
        idx = order[first:first + batch]
        x = x_all[idx]
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y_all[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def graphc_epoch(graphc, batch, threads):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "m.json")
        subprocess.run([graphc, "run", os.path.join(ROOT, "examples/lenet5.mnn"), "--epochs", "1", "--batch",
                        str(batch), "--threads", str(threads), "--quiet", "--metrics-json", out],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            m = json.load(f)
    ips = m["train_images_per_second"]
    return 60000 / ips, ips, m["compile_seconds"], m["history"][0]["seconds"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--graphc", default=os.path.join(ROOT, "build/graphc"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = os.path.join(ROOT, "data/mnist")
    images = read_idx(os.path.join(data, "train-images-idx3-ubyte"))
    labels = read_idx(os.path.join(data, "train-labels-idx1-ubyte"))
    n = len(labels)
    print(f"LeNet-5, batch {args.batch}, {args.threads} threads, {n} images/epoch, medians of {args.runs} runs")
    print(f"torch {torch.__version__}, BLAS: {torch.__config__.show().split('BLAS_INFO=')[1].split(',')[0]}")
    rows = {}
    for name, fn in [
        ("graphc", lambda: graphc_epoch(args.graphc, args.batch, args.threads)),
        ("pytorch eager (NCHW)", lambda: (torch_epoch(images, labels, args.batch, False),)),
        ("pytorch channels_last", lambda: (torch_epoch(images, labels, args.batch, True),)),
    ]:
        results = [fn() for _ in range(args.runs)]
        rows[name] = statistics.median(r[0] for r in results)
        extra = ""
        if name == "graphc":
            ips = statistics.median(r[1] for r in results)
            extra = (f"  (compile {statistics.median(r[2] for r in results):.1f} s; whole first epoch with "
                     f"compile and validation {statistics.median(r[3] for r in results):.1f} s)")
        print(f"{name:24s} {rows[name]:6.2f} s/epoch  {n / rows[name]:9,.0f} images/s{extra}", flush=True)
    best = min(v for k, v in rows.items() if k.startswith("pytorch"))
    print(f"graphc / best PyTorch throughput: {best / rows['graphc']:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
