"""PyTorch replica of docs/tutorial.md's shapes.mnn: the same layers, Keras' initializers (Glorot
uniform kernels, zero biases), Adam at Keras' defaults, batch 32, 10 epochs, on the same folder,
decoded and resized by PIL (bilinear with antialiasing), not by graphc. Prints the test accuracy."""
import os
import sys

import numpy as np
import torch
from PIL import Image

torch.manual_seed(1)
torch.set_num_threads(1)  # more threads only spin on a busy machine: 16x slower per step here
root = sys.argv[1]


def load(split, classes):
    xs, ys = [], []
    for label, name in enumerate(classes):
        folder = os.path.join(root, split, name)
        for file in sorted(os.listdir(folder)):
            image = Image.open(os.path.join(folder, file)).convert("RGB").resize((32, 32), Image.BILINEAR)
            xs.append(np.asarray(image, np.float32) / 255)
            ys.append(label)
    return torch.tensor(np.stack(xs)).permute(0, 3, 1, 2), torch.tensor(ys)


classes = sorted(os.listdir(os.path.join(root, "train")))
x_train, y_train = load("train", classes)
x_test, y_test = load("test", classes)
model = torch.nn.Sequential(
    torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Linear(32 * 8 * 8, 64), torch.nn.ReLU(), torch.nn.Linear(64, len(classes)))
for m in model:
    if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
        torch.nn.init.xavier_uniform_(m.weight)
        torch.nn.init.zeros_(m.bias)
optimizer = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
for epoch in range(10):
    order = torch.randperm(len(y_train))
    for first in range(0, len(order), 32):
        batch = order[first:first + 32]
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x_train[batch]), y_train[batch]).backward()
        optimizer.step()
with torch.no_grad():
    accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
print(f"test_accuracy: {accuracy:.4f}")
