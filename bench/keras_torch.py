"""Keras' initializers and Adam, and the IDX reader, for the PyTorch replicas of bench/.

bench/seed_spread.py, bench/replicas.py, bench/replica_steps.py and bench/same_init_cnn16.py train PyTorch models the way
Keras trains the examples; this module holds what they share.
"""
import gzip
import math

import numpy as np
import torch
import torch.nn as nn


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def keras_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            # The same fan_in + fan_out as Keras (receptive field x channels), for depthwise and
            # transposed kernels too, so the same glorot_uniform limit.
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class KerasAdam:
    """tf.keras.optimizers.Adam (and TF1 AdamOptimizer) update rule; with weight_decay, Keras 3's AdamW.

    lr is a number or a schedule: a function of the step count before the step (0 first), as
    keras.optimizers.schedules. AdamW decays every variable by lr * weight_decay before Adam's update.
    """

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7, weight_decay=0.0):
        self.params = [p for p in params]
        self.lr, self.b1, self.b2, self.eps, self.weight_decay = lr, beta1, beta2, eps, weight_decay
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    @torch.no_grad()
    def step(self):
        lr = self.lr(self.t) if callable(self.lr) else self.lr
        self.t += 1
        lr_t = lr * math.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            if self.weight_decay:
                p.mul_(1 - lr * self.weight_decay)
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
            p.sub_(lr_t * m / (v.sqrt() + self.eps))

    def zero_grad(self):
        for p in self.params:
            p.grad = None
