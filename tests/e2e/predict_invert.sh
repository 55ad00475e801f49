#!/usr/bin/env bash
# `graphc predict --invert`: LeNet-5 trained briefly on MNIST (light digits on black) is shown the
# first five test digits as a person would photograph them, dark ink on white paper, enlarged to
# 112x112 PNGs (inverted and resized by PIL here). With --invert every one gets its MNIST label;
# without it, predict warns for each that its brightness is the opposite of the training images'.
set -uo pipefail
graphc=$(realpath "$1"); src=$(realpath "$2")
fail() { echo "FAIL: $*"; exit 1; }
if ! /usr/bin/python3 -c "import PIL" 2> /dev/null; then
  echo "PIL (python3-pil; scripts/test.sh installs it) is not installed: skipped"
  exit 77
fi
mnist="$src/data/mnist"
[ -e "$mnist/t10k-labels-idx1-ubyte" ] || [ -e "$mnist/t10k-labels-idx1-ubyte.gz" ] ||
  { echo "MNIST is not in $mnist (scripts/fetch_mnist.sh): skipped"; exit 77; }
work=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$work"' EXIT
"$graphc" run "$src/examples/lenet5.mnn" --steps 1000 --save "$work/lenet5.safetensors" --quiet > "$work/run.log" 2>&1 ||
  { cat "$work/run.log"; fail "training lenet5 failed"; }
# paper_I.png and the label of test digit I, one a line.
labels=$(cd "$work" && /usr/bin/python3 - "$mnist" << 'PY'
import gzip, os, sys
from PIL import Image, ImageOps
def read(name):
    path = os.path.join(sys.argv[1], name)
    return open(path, "rb").read() if os.path.exists(path) else gzip.open(path + ".gz").read()
images, labels = read("t10k-images-idx3-ubyte"), read("t10k-labels-idx1-ubyte")
for i in range(5):
    digit = Image.frombytes("L", (28, 28), images[16 + 784 * i:16 + 784 * (i + 1)])
    ImageOps.invert(digit).resize((112, 112), Image.BICUBIC).save(f"paper_{i}.png")
    print(labels[8 + i])
PY
) || fail "could not draw the digits"
files=$(for i in 0 1 2 3 4; do echo "$work/paper_$i.png"; done)
# shellcheck disable=SC2086
"$graphc" predict "$src/examples/lenet5.mnn" --load "$work/lenet5.safetensors" --invert $files > "$work/inverted" 2> "$work/inverted.err" ||
  { cat "$work/inverted.err"; fail "predict --invert failed"; }
cat "$work/inverted" "$work/inverted.err"
i=0
for label in $labels; do
  grep -q "^$work/paper_$i.png: $label (" "$work/inverted" || fail "paper_$i.png (a $label) was misclassified with --invert"
  i=$((i + 1))
done
grep -q "warning" "$work/inverted.err" && fail "predict --invert warned about the inverted digits"
grep -q "note: .*paper_0.png: resized from 112x112 to the model's 28x28" "$work/inverted.err" || fail "no note of the resize"
# shellcheck disable=SC2086
"$graphc" predict "$src/examples/lenet5.mnn" --load "$work/lenet5.safetensors" $files > "$work/plain" 2> "$work/plain.err" ||
  fail "predict without --invert failed"
cat "$work/plain.err"
warnings=$(grep -c "warning: .*paper_[0-4].png: the image is mostly light (mean brightness 0\.[0-9]*) but the training images are mostly dark (0\.[0-9]*); a dark drawing on light paper[?] pass --invert[?]" "$work/plain.err")
[ "$warnings" = 5 ] || fail "expected 5 warnings about the brightness without --invert, found $warnings"
echo "PASS: 5 of 5 inverted digits classified with --invert, 5 warnings without"
