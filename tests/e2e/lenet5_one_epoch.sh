#!/usr/bin/env bash
# End-to-end: `graphc run` trains LeNet-5 for one epoch on real MNIST and reaches test accuracy
# >= 0.95 (the seed's Keras run reached 0.9595 after one epoch); the metrics JSON has cli.md's fields.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$graphc" run "$src/examples/lenet5.mnn" --epochs 1 --metrics-json "$work/m.json"
for field in model target epochs steps batch test_loss test_accuracy history train_images_per_second \
             compile_seconds cache_hits kernels; do
  grep -q "\"$field\":" "$work/m.json" || { echo "FAIL: m.json lacks \"$field\""; cat "$work/m.json"; exit 1; }
done
acc=$(sed -n 's/.*"test_accuracy": \([0-9.]*\).*/\1/p' "$work/m.json" | head -n 1)
echo "test_accuracy=$acc"
awk -v a="$acc" 'BEGIN { exit !(a >= 0.95) }' || { echo "FAIL: test accuracy $acc < 0.95"; exit 1; }
