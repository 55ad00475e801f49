#!/usr/bin/env python3
"""PyTorch with cuDNN on a CUDA GPU: an example trained on real MNIST, in images/s.

usage: python3 bench/pytorch_cuda.py [lenet5] [--batch N] [--epochs 1]

scripts/gpu_check.sh prints it next to `graphc run --target cuda` on the same GPU. The model and
its optimizer are bench/compare_pytorch.py's replica (LeNet-5: SGD at lr 0.01, softmax folded into
the cross-entropy), the data MNIST as graphc reads it (data/mnist, scaled by 1/255, bench/replicas.py's
reader), held on the GPU, shuffled every epoch and the last short batch trained, as `graphc run`
does. cuDNN picks its fastest algorithms (torch.backends.cudnn.benchmark). The first 20 steps
(cuDNN's search, CUDA's start-up) are left out of the time, as graphc leaves out the steps that
compiled kernels. Prints one line: `pytorch-cudnn NAME batch B: N images/s (GPU NAME, torch V)`.
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_pytorch  # noqa: E402
import replicas  # noqa: E402

WARM_STEPS = 20


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?", default="lenet5")
    ap.add_argument("--batch", type=int, default=32, help="the train block's batch (lenet5: 32)")
    ap.add_argument("--epochs", type=int, default=1)
    args = ap.parse_args()
    if args.model not in compare_pytorch.MODELS:
        sys.exit(f"pytorch_cuda: no PyTorch replica of {args.model} (have: {', '.join(compare_pytorch.MODELS)})")
    if not torch.cuda.is_available():
        sys.exit("pytorch_cuda: torch.cuda.is_available() is false (a CPU-only torch, or no GPU)")
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda")
    torch.manual_seed(0)
    x, y, _, _ = replicas.load("mnist")
    x, y = x.to(device), y.to(device)
    model = compare_pytorch.make_model(args.model).to(device)
    optimizer = compare_pytorch.OPTIMIZERS.get(
        args.model, lambda p: torch.optim.Adam(p, lr=1e-3, eps=1e-7, foreach=True))(model.parameters())
    count, steps, images, start = x.shape[0], 0, 0, None
    for _ in range(args.epochs):
        order = torch.randperm(count, device=device)
        for first in range(0, count, args.batch):
            batch = order[first:first + args.batch]
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[batch]), y[batch]).backward()
            optimizer.step()
            steps += 1
            if steps == WARM_STEPS:
                torch.cuda.synchronize()
                start = time.perf_counter()
            elif start is not None:
                images += batch.numel()
    torch.cuda.synchronize()
    if start is None:
        sys.exit(f"pytorch_cuda: fewer than {WARM_STEPS} steps, nothing timed")
    rate = images / (time.perf_counter() - start)
    print(f"pytorch-cudnn {args.model} batch {args.batch}: {rate:.1f} images/s "
          f"({torch.cuda.get_device_name(0)}, torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()})")


if __name__ == "__main__":
    main()
