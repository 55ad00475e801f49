"""The PyTorch replica of the models tests/e2e/data_*.sh train with graphc: the same layers, optimizer,
batch size and number of epochs on the same arrays (an .npz in keras.datasets layout written by the
test), printing the test accuracy it reaches, which the test checks against the same threshold.

usage: data_sources_torch.py DATA.npz mlp|cnn HIDDEN EPOCHS BATCH LR SCALE [MEAN STD]
(MEAN and STD: per channel, comma-separated, applied after SCALE as graphc's mean and std are)
"""
import sys

import numpy as np
import torch
from torch import nn

path, kind, hidden, epochs, batch, lr, scale = sys.argv[1:8]
mean, std = ([float(v) for v in a.split(",")] for a in (sys.argv[8:10] if len(sys.argv) > 8 else ["0", "1"]))
hidden, epochs, batch, lr, scale = int(hidden), int(epochs), int(batch), float(lr), float(scale)
torch.manual_seed(0)
d = np.load(path)


def images(x):  # NHWC (or N x D) floats, as graphc feeds them; NCHW for PyTorch's convolution
    x = torch.tensor(np.asarray(x, np.float32) * scale)
    if x.dim() == 3:
        x = x.unsqueeze(3)
    x = (x - torch.tensor(mean)) / torch.tensor(std)
    return x.permute(0, 3, 1, 2).contiguous() if kind == "cnn" else x.reshape(len(x), -1)


x_train, x_test = images(d["x_train"]), images(d["x_test"])
y_train, y_test = (torch.tensor(np.asarray(d[k], np.int64).reshape(-1)) for k in ("y_train", "y_test"))
classes = int(max(y_train.max(), y_test.max())) + 1
if kind == "mlp":  # Dense(hidden, relu), Dense(classes, softmax)
    model = nn.Sequential(nn.Linear(x_train.shape[1], hidden), nn.ReLU(), nn.Linear(hidden, classes))
else:  # Conv2D(hidden, kernel 5, relu), MaxPool2D(2), Flatten, Dense(classes, softmax)
    c, h, w = x_train.shape[1:]
    model = nn.Sequential(nn.Conv2d(c, hidden, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(hidden * ((h - 4) // 2) * ((w - 4) // 2), classes))
optimizer = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)  # Keras' epsilon
for epoch in range(epochs):
    order = torch.randperm(len(x_train))
    for first in range(0, len(order), batch):
        i = order[first:first + batch]
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x_train[i]), y_train[i]).backward()
        optimizer.step()
with torch.no_grad():
    accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
print(f"pytorch test accuracy: {accuracy:.4f}")
