#!/usr/bin/env bash
# docs/tutorial.md, run as written: its ```mnn block becomes shapes.mnn and its ```sh blocks run in
# order, in a fresh folder that holds the source tree's examples/ (the tutorial runs from the top
# of the tree). The generated folder of colour PNG and JPEG pictures (three classes) must train
# to a test accuracy of at least 0.85; a PyTorch replica of the same model on the same pictures
# (tests/e2e/tutorial_torch.py, PIL decoding and resizing) must reach it too; and `graphc predict`
# must name the class of a 97x61 colour JPEG, a triangle, with the note that it was resized.
set -uo pipefail
graphc=$(realpath "$1"); src=$(realpath "$2")
fail() { echo "FAIL: $*"; exit 1; }
threshold=0.85
if ! /usr/bin/python3 -c "import PIL, torch, numpy" 2> /dev/null; then
  echo "PIL and PyTorch (python3-pil, python3-torch; scripts/test.sh installs them) are not installed: skipped"
  exit 77
fi
work=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin" && ln -s "$graphc" "$work/bin/graphc" && ln -s "$src/examples" "$work/examples" || fail "setup"
# Debian's python3 (with PIL) rather than another one earlier on the PATH.
ln -s /usr/bin/python3 "$work/bin/python3" || fail "setup"
doc="$src/docs/tutorial.md"
awk '/^```mnn$/ {on = 1; next} /^```$/ {on = 0} on' "$doc" > "$work/shapes.mnn"
awk '/^```sh$/ {on = 1; next} /^```$/ {on = 0} on' "$doc" > "$work/commands.sh"
[ -s "$work/shapes.mnn" ] || fail "docs/tutorial.md has no mnn block"
[ "$(grep -c . "$work/commands.sh")" -ge 3 ] || fail "docs/tutorial.md has fewer than 3 commands"
echo "--- commands of docs/tutorial.md:"; cat "$work/commands.sh"
( cd "$work" && PATH="$work/bin:$PATH" bash -e -x commands.sh ) > "$work/log" 2>&1
status=$?
cat "$work/log"
[ $status -eq 0 ] || fail "the tutorial's commands failed (exit $status)"
grep -Eq "note: .* of the images in (\./)?shapes are grey; converted to RGB \(channels = 3\)" "$work/log" ||
  fail "no note about the grey pictures converted to RGB"
accuracy=$(sed -n 's/^test_loss: [0-9.]* - test_accuracy: \([0-9.]*\)$/\1/p' "$work/log")
[ -n "$accuracy" ] || fail "graphc run printed no test accuracy"
awk -v a="$accuracy" -v t="$threshold" 'BEGIN { exit !(a >= t) }' ||
  fail "graphc reached a test accuracy of $accuracy, below $threshold"
grep -q "^graphc: note: my_triangle.jpg: resized from 97x61 to the model's 32x32$" "$work/log" ||
  fail "predict did not note the resize"
grep -Eq "^my_triangle.jpg: triangle \(0\.[0-9]+\)$" "$work/log" || fail "predict did not name the triangle"
torch=$(cd "$work" && /usr/bin/python3 "$src/tests/e2e/tutorial_torch.py" shapes) || fail "the PyTorch replica failed"
echo "$torch"
torch_accuracy=$(sed -n 's/^test_accuracy: \([0-9.]*\)$/\1/p' <<< "$torch")
awk -v a="$torch_accuracy" -v t="$threshold" 'BEGIN { exit !(a >= t) }' ||
  fail "the PyTorch replica reached a test accuracy of $torch_accuracy, below $threshold"
echo "PASS: graphc test accuracy $accuracy, PyTorch $torch_accuracy (threshold $threshold)"
