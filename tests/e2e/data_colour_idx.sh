#!/usr/bin/env bash
# idx(...) with colour: 14,000 real MNIST digits tinted at test time, each with a random ink colour
# and a random darker background colour drawn independently of its label (so colour carries no
# label information), written as 4-dimensional IDX images [N, 28, 28, 3] with labels as 32-bit IDX
# integers (type 0x0C); a small CNN on f32[?, 28, 28, 3] with per-channel mean and std, trained one
# epoch on 12,000, must reach 0.88 test accuracy on the other 2,000 (0.920), as its PyTorch replica
# does (0.918).
source "$(dirname "$0")/data_sources_lib.sh"
mnist="$src/data/mnist"
[ -e "$mnist/train-images-idx3-ubyte" ] || [ -e "$mnist/train-images-idx3-ubyte.gz" ] ||
  { echo "MNIST is not in $mnist (scripts/fetch_mnist.sh): skipped"; exit 77; }
mkdir "$work/colour"
( cd "$work" && /usr/bin/python3 - "$mnist" << 'PY' ) || fail "could not tint MNIST"
import gzip, os, struct, sys
import numpy as np
def read(name):
    path = f"{sys.argv[1]}/{name}"
    data = open(path, "rb").read() if os.path.exists(path) else gzip.open(path + ".gz").read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data[4 + 4 * rank:], np.uint8).reshape(dims)
def write(name, a, type_code, dtype):  # IDX: 0, 0, type, rank, big-endian sizes, big-endian data
    open(f"colour/{name}", "wb").write(bytes([0, 0, type_code, a.ndim]) + np.array(a.shape, ">u4").tobytes() +
                                       a.astype(dtype).tobytes())
x, y = read("train-images-idx3-ubyte")[:14000], read("train-labels-idx1-ubyte")[:14000]
rng = np.random.default_rng(0)
ink = rng.uniform(0.3, 1.0, (len(x), 1, 1, 3))
paper = rng.uniform(0.0, 0.3, (len(x), 1, 1, 3))
a = x[..., None] / 255.0
x = np.round(255 * (a * ink + (1 - a) * paper)).astype(np.uint8)
write("train-images-idx3-ubyte", x[:12000], 0x08, np.uint8)
write("train-labels-idx1-ubyte", y[:12000], 0x0C, ">i4")
write("t10k-images-idx3-ubyte", x[12000:], 0x08, np.uint8)
write("t10k-labels-idx1-ubyte", y[12000:], 0x0C, ">i4")
np.savez("reference.npz", x_train=x[:12000], y_train=y[:12000], x_test=x[12000:], y_test=y[12000:])
PY
train_graphc colour_idx 0.88 cnn 8 1 64 0.002 \
  'idx("colour", scale = 1/255, mean = [0.4, 0.4, 0.3], std = [0.3, 0.3, 0.25])' "28, 28, 3"
train_torch 0.88 cnn 8 1 64 0.002 0.00392156862745098 0.4,0.4,0.3 0.3,0.3,0.25
