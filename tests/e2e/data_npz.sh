#!/usr/bin/env bash
# npz(...) on Fashion-MNIST in keras.datasets layout (x_train, y_train, x_test, y_test), converted
# at test time from Debian's dataset-fashion-mnist IDX files with NumPy and saved compressed
# (np.savez_compressed: deflated members); an MLP trained one epoch must reach 0.80 test accuracy
# (0.82), as its PyTorch replica does (0.83). Also npy(...) on the same arrays, one a file (np.save,
# labels as int64), which must train to the very same accuracy.
source "$(dirname "$0")/data_sources_lib.sh"
fashion=/usr/share/datasets/fashion-mnist
if [ ! -e "$fashion/train-images-idx3-ubyte.gz" ]; then
  echo "Fashion-MNIST is not in $fashion (Debian's dataset-fashion-mnist, which scripts/test.sh installs)"
  if [ "${CI:-}" = "true" ]; then fail "CI=true and the Fashion-MNIST data set is missing"; fi
  exit 77
fi
( cd "$work" && /usr/bin/python3 - "$fashion" << 'PY' ) || fail "could not convert Fashion-MNIST to .npz"
import gzip, struct, sys
import numpy as np
def read(name):  # an IDX file of bytes, read with struct
    data = gzip.open(f"{sys.argv[1]}/{name}-ubyte.gz").read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data[4 + 4 * rank:], np.uint8).reshape(dims)
d = dict(x_train=read("train-images-idx3"), y_train=read("train-labels-idx1"),
         x_test=read("t10k-images-idx3"), y_test=read("t10k-labels-idx1"))
np.savez_compressed("fashion.npz", **d)
np.savez("reference.npz", **d)
for k, v in d.items():
    np.save(f"{k}.npy", v.astype(np.int64) if k.startswith("y") else v)
PY
train_graphc fashion_npz 0.80 mlp 64 1 64 0.001 'npz("fashion.npz", scale = 1/255)' "28, 28, 1"
from_npz=$accuracy
train_torch 0.80 mlp 64 1 64 0.001 0.00392156862745098
# The same arrays one a file, labels as int64: the same data, so the same seeded run, to the digit.
train_graphc fashion_npy 0.80 mlp 64 1 64 0.001 \
  'npy(images = "x_train.npy", labels = "y_train.npy", test_images = "x_test.npy", test_labels = "y_test.npy", scale = 1/255)' "784"
[ "$accuracy" = "$from_npz" ] || fail "npy(...) gave test accuracy $accuracy, npz(...) $from_npz on the same arrays"
echo "ok: npy(...) on the same arrays trains to the same accuracy $accuracy"
