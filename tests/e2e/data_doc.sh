#!/usr/bin/env bash
# docs/data.md's NumPy snippet, run as written: real MNIST digits (10,000 training, 2,000 test),
# padded to 32x32 and tinted with random colours, packed into CIFAR-10's Python pickle format
# (cifar-10-batches-py/data_batch_1..5 and test_batch: rows of three 1,024-byte colour planes),
# must come out of the snippet as an .npz whose arrays equal the originals (NHWC) exactly; graphc
# then trains a model on it with npz("cifar10.npz") to 0.75 test accuracy (0.82).
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
mkdir "$work/cifar-10-batches-py"
# The pickles, and the arrays they hold as expected.npz (NHWC), built without the snippet's code.
( cd "$work" && /usr/bin/python3 - "$mnist" << 'PY' ) || fail "could not pack MNIST into CIFAR-10's pickles"
import gzip, os, pickle, struct, sys
import numpy as np
def read(name):
    path = f"{sys.argv[1]}/{name}"
    data = open(path, "rb").read() if os.path.exists(path) else gzip.open(path + ".gz").read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data[4 + 4 * rank:], np.uint8).reshape(dims)
rng = np.random.default_rng(1)
def colour(x):  # [N, 28, 28] grey -> [N, 32, 32, 3]: padded, random ink and background colours
    a = np.pad(x, ((0, 0), (2, 2), (2, 2)))[..., None] / 255.0
    ink, paper = rng.uniform(0.4, 1.0, (len(x), 1, 1, 3)), rng.uniform(0.0, 0.3, (len(x), 1, 1, 3))
    return np.round(255 * (a * ink + (1 - a) * paper)).astype(np.uint8)
x_train, y_train = colour(read("train-images-idx3-ubyte")[:10000]), read("train-labels-idx1-ubyte")[:10000]
x_test, y_test = colour(read("t10k-images-idx3-ubyte")[:2000]), read("t10k-labels-idx1-ubyte")[:2000]
def batch(name, x, y):
    rows = np.stack([x[n, :, :, c].reshape(-1) for n in range(len(x)) for c in range(3)]).reshape(len(x), 3072)
    with open(f"cifar-10-batches-py/{name}", "wb") as f:
        pickle.dump({b"batch_label": name.encode(), b"labels": [int(v) for v in y], b"data": rows,
                     b"filenames": [f"{i}.png".encode() for i in range(len(x))]}, f, protocol=2)
for i in range(5):
    batch(f"data_batch_{i + 1}", x_train[2000 * i:2000 * (i + 1)], y_train[2000 * i:2000 * (i + 1)])
batch("test_batch", x_test, y_test)
np.savez("expected.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
PY
# The first ```python block of docs/data.md, as written.
awk '/^```python$/ { n++; inside = n == 1; next } /^```$/ { inside = 0 } inside' "$src/docs/data.md" > "$work/snippet.py"
grep -q 'np.savez("cifar10.npz"' "$work/snippet.py" || fail "docs/data.md has no NumPy snippet writing cifar10.npz"
[ "$(wc -l < "$work/snippet.py")" -le 5 ] || fail "docs/data.md's snippet has more than five lines"
( cd "$work" && /usr/bin/python3 snippet.py ) || fail "the snippet of docs/data.md failed"
( cd "$work" && /usr/bin/python3 - << 'PY' ) || fail "the snippet's cifar10.npz differs from the arrays packed"
import numpy as np
got, want = np.load("cifar10.npz"), np.load("expected.npz")
for k in ("x_train", "y_train", "x_test", "y_test"):
    assert got[k].shape[0] == want[k].shape[0] and np.array_equal(got[k].reshape(want[k].shape), want[k]), k
assert got["x_train"].shape == (10000, 32, 32, 3), got["x_train"].shape
PY
echo "ok: docs/data.md's snippet turns CIFAR-10's pickle format into an .npz of the same images and labels"
cat > "$work/model.mnn" << 'MNN'
x = placeholder(f32, [?, 32, 32, 3])
y = placeholder(i32, [?])
h = Dense(Flatten(x), 64, activation = relu)
probs = Dense(h, 10, activation = softmax)
loss = sparse_categorical_crossentropy(probs, y)
acc = accuracy(probs, y)
train {
  data      = npz("cifar10.npz", scale = 1/255)
  feed      = {x: image, y: label}
  optimizer = adam(lr = 0.001)
  minimize  = loss
  batch     = 64
  epochs    = 1
  validation = none
  metrics   = [acc]
}
MNN
out=$("$graphc" run "$work/model.mnn" --quiet 2>&1) || fail "graphc run on the snippet's cifar10.npz: $out"
echo "$out"
# Labels shuffled or channels misread by the conversion would leave it near 0.1.
acc=$(sed -n 's/.*test_accuracy: \([0-9.]*\).*/\1/p' <<< "$out")
[ -n "$acc" ] || fail "no test_accuracy in graphc's output"
awk -v a="$acc" 'BEGIN { exit !(a >= 0.75) }' || fail "test accuracy $acc is below 0.75"
echo "ok: graphc trains from the snippet's cifar10.npz: test accuracy $acc >= 0.75 (chance: 0.1)"
