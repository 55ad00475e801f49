#!/usr/bin/env bash
# End-to-end: training with `augment` on real MNIST (LeNet-5, every augmentation at once). The
# same command gives the same loss history and weights, bit for bit, on 2 threads (batches made
# ahead on a background thread) and on 1 (made when their step comes); a run stopped in its second
# epoch and resumed with --load ends with the uninterrupted run's history and weights; the
# augmentation really changes the training; and validation sees the images unchanged: the
# val_loss a run prints is `graphc eval`'s test_loss for the same weights without `augment`.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

augment='  augment = {flip: horizontal, translate: 0.1, rotate: 10, zoom: 0.1, pad_crop: 2}'
# LeNet-5 reporting every 40 steps, without validation (nor the early stopping that watches it).
sed -e '/early_stopping/d' -e "s/^  metrics   = \[acc\]\$/  metrics   = [acc]\n  validation = none\n  eval_every = 40\n$augment/" \
  "$src/examples/lenet5.mnn" > "$work/aug.mnn"
grep -q 'pad_crop: 2' "$work/aug.mnn" || fail "could not derive the augmented model"
grep -v 'augment =' "$work/aug.mnn" > "$work/plain.mnn"

# The history without its timings, one record a line.
history() { grep -o '{"epoch[^}]*}' "$1" | sed 's/, "seconds": [0-9.e+-]*//'; }

# Batches of 500: 120 steps an epoch, so 160 steps cross into the second epoch.
run=(run "$work/aug.mnn" --batch 500 --seed 5 --quiet)
"$graphc" "${run[@]}" --steps 160 --threads 2 --save "$work/t2.st" --metrics-json "$work/t2.json" > /dev/null
"$graphc" "${run[@]}" --steps 160 --threads 1 --save "$work/t1.st" --metrics-json "$work/t1.json" > /dev/null
[ "$(history "$work/t2.json" | wc -l)" = 4 ] || fail "expected 4 reports in $(cat "$work/t2.json")"
diff <(history "$work/t1.json") <(history "$work/t2.json") || fail "--threads 1 and 2 give different histories"
cmp "$work/t1.st" "$work/t2.st" || fail "--threads 1 and 2 give different weights"
echo "ok: the same history and weights with batches made ahead (2 threads) and on demand (1 thread)"

# Stopped at step 130 (in the second epoch, mid-report), resumed to 160.
"$graphc" "${run[@]}" --steps 130 --save "$work/part.st" > /dev/null
"$graphc" "${run[@]}" --steps 160 --load "$work/part.st" --save "$work/resumed.st" --metrics-json "$work/r.json" > /dev/null
cmp "$work/resumed.st" "$work/t2.st" || fail "130 + 30 resumed steps end with other weights than 160 steps"
diff <(history "$work/r.json") <(history "$work/t2.json" | tail -n 1) || fail "the resumed run's last report differs"
echo "ok: stopped at step 130 and resumed: the uninterrupted run's last report and weights"

# The augmentation is really applied: without it the first report differs.
"$graphc" run "$work/plain.mnn" --batch 500 --seed 5 --quiet --steps 40 --metrics-json "$work/p.json" > /dev/null
[ "$(history "$work/p.json")" != "$(history "$work/t2.json" | head -n 1)" ] ||
  fail "training with and without augment gave the same first report"
echo "ok: augment changes the training"

# Validation is never augmented: 200 steps at a higher rate (far enough from a uniform guess for
# the images to matter) validated on the test set, then eval of the same weights with a model
# file without `augment`.
sed -e '/early_stopping/d' -e "s/^  metrics   = \[acc\]\$/  metrics   = [acc]\n$augment/" \
  "$src/examples/lenet5.mnn" > "$work/val.mnn"
"$graphc" run "$work/val.mnn" --steps 200 --lr 0.05 --seed 5 --save "$work/v.st" > "$work/val.out"
val_loss="$(sed -n 's/^Epoch 1\/1.* - val_loss: \([0-9.]*\) .*/\1/p' "$work/val.out")"
[ -n "$val_loss" ] || fail "no val_loss in $(cat "$work/val.out")"
"$graphc" eval "$src/examples/lenet5.mnn" --load "$work/v.st" > "$work/eval.out"
grep -q "^test_loss: $val_loss " "$work/eval.out" ||
  fail "val_loss $val_loss while the unchanged test images give $(grep test_loss "$work/eval.out")"
echo "ok: val_loss $val_loss is the loss of the unchanged test images"
