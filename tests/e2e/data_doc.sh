#!/usr/bin/env bash
# docs/data.md's NumPy snippet, run as written: MNIST's four IDX files packed into a keras.datasets
# style .npz (x_train, y_train, x_test, y_test) by an independent reader here, turned back into
# IDX files by the snippet, must equal the originals byte for byte; graphc then checks a model
# that reads them with idx("mydata").
set -uo pipefail
graphc=$(realpath "$1"); src=$(realpath "$2")
fail() { echo "FAIL: $*"; exit 1; }
if ! /usr/bin/python3 -c "import numpy" 2> /dev/null; then
  echo "NumPy (python3-numpy, which scripts/test.sh's python3-torch brings) is not installed: skipped"
  exit 77
fi
mnist="$src/data/mnist"
[ -e "$mnist/train-labels-idx1-ubyte" ] || [ -e "$mnist/train-labels-idx1-ubyte.gz" ] ||
  { echo "MNIST is not in $mnist (scripts/fetch_mnist.sh): skipped"; exit 77; }
work=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$work"' EXIT
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [ -e "$mnist/$f" ]; then cp "$mnist/$f" "$work/$f.orig"; else gzip -dc "$mnist/$f.gz" > "$work/$f.orig"; fi
done
# The .npz, read with struct (not the snippet's code): labels as uint8 [N], images uint8 [N, 28, 28].
( cd "$work" && /usr/bin/python3 - << 'PY' ) || fail "could not pack MNIST into dataset.npz"
import struct, numpy as np
def read(path):
    data = open(path, "rb").read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data[4 + 4 * rank:], np.uint8).reshape(dims)
np.savez("dataset.npz", x_train=read("train-images-idx3-ubyte.orig"), y_train=read("train-labels-idx1-ubyte.orig"),
         x_test=read("t10k-images-idx3-ubyte.orig"), y_test=read("t10k-labels-idx1-ubyte.orig"))
PY
# The first ```python block of docs/data.md, as written.
awk '/^```python$/ { n++; inside = n == 1; next } /^```$/ { inside = 0 } inside' "$src/docs/data.md" > "$work/snippet.py"
grep -q "write_idx" "$work/snippet.py" || fail "docs/data.md has no NumPy snippet with write_idx"
mkdir "$work/mydata"
( cd "$work" && /usr/bin/python3 snippet.py ) || fail "the snippet of docs/data.md failed"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  cmp "$work/$f.orig" "$work/mydata/$f" || fail "the snippet's $f differs from MNIST's"
done
echo "ok: docs/data.md's snippet turns a keras.datasets .npz into MNIST's own IDX files, byte for byte"
cat > "$work/model.mnn" << 'MNN'
x = placeholder(f32, [?, 28, 28, 1])
y = placeholder(i32, [?])
probs = Dense(Flatten(x), 10, activation = softmax)
loss = sparse_categorical_crossentropy(probs, y)
acc = accuracy(probs, y)
train {
  data      = idx("mydata", scale = 1/255)
  feed      = {x: image, y: label}
  optimizer = sgd(lr = 0.1)
  minimize  = loss
  steps     = 200
  metrics   = [acc]
}
MNN
out=$(cd "$work" && "$graphc" run model.mnn --quiet 2>&1) || fail "graphc run on the snippet's files: $out"
echo "$out"
# Softmax regression reaches about 0.88 on MNIST's test set in 200 steps; labels shuffled or
# images misaligned against them by the conversion would leave it near 0.1.
acc=$(sed -n 's/.*test_accuracy: \([0-9.]*\).*/\1/p' <<< "$out")
[ -n "$acc" ] || fail "no test_accuracy in graphc's output"
awk -v a="$acc" 'BEGIN { exit !(a >= 0.8) }' || fail "test accuracy $acc is below 0.8"
echo "ok: graphc trains from the snippet's files with idx(\"mydata\"): test accuracy $acc >= 0.8"
