#!/usr/bin/env bash
# End-to-end: the version-2 examples (examples/resnet_fashion.mnn, mobilenet_mnist.mnn,
# autoencoder.mnn) have Keras' parameter counts in `graphc summary`, build their training graphs,
# and mobilenet_mnist and the autoencoder train on their real data: the mean training loss of 30
# steps is 5 % below the first step's. (resnet_fashion's 726 kernels take minutes to compile on
# CI's two cores; its ops are all in the v1 examples and e2e.v2_layers, and `graphc check` builds
# its training graph.) (Not the test loss:
# evaluation uses BatchNorm's moving statistics, which start at 0 and 1 and, with Keras' momentum
# 0.99, need several hundred steps to follow the batches'. The figures over the whole budget, next
# to the PyTorch replicas', are bench/seed_table.py's, in examples/README.md.)
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || [ -d "$src/data/fashion-mnist" ] ||
  { echo "FAIL: no Fashion-MNIST: scripts/setup.sh installs Debian's dataset-fashion-mnist"; exit 1; }

# Keras' counts, layer by layer (a BatchNorm of C channels has 4*C: gamma, beta and the two moving
# statistics, which are not trainable):
# resnet_fashion: stem 3*3*1*16 + 64; block 16: 2*(3*3*16*16 + 64); block 32: 3*3*16*32 + 128 +
#   3*3*32*32 + 128 + 16*32 + 128; block 64: 3*3*32*64 + 256 + 3*3*64*64 + 256 + 32*64 + 256;
#   Dense 64*10 + 10 = 78,426, of which 672 moving statistics.
# mobilenet_mnist: stem 3*3*16 + 64; blocks 3*3*16 + 64 + 16*32 + 128, 3*3*32 + 128 + 32*64 + 256,
#   3*3*64 + 256 + 64*64 + 256; SeparableConv2D 3*3*64 + 64*128 + 512; Dense 128*10 + 10 = 19,530.
# autoencoder: 3*3*16 + 16, 3*3*16*8 + 8, Conv2DTranspose 3*3*8*8 + 8, 3*3*8*16 + 16, 3*3*16 + 1 = 3,217.
check_params() {
  "$graphc" summary "$src/examples/$1.mnn" > "$work/summary"
  grep -q "Total params: $2$" "$work/summary" && grep -q "Non-trainable params: $3$" "$work/summary" ||
    { echo "FAIL: $1's parameter counts (expected $2 total, $3 non-trainable)"; cat "$work/summary"; exit 1; }
}
check_params resnet_fashion 78,426 672
check_params mobilenet_mnist 19,530 832
check_params autoencoder 3,217 0

train_loss() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["history"][0]["loss"])' "$1"; }
"$graphc" check "$src/examples/resnet_fashion.mnn" > /dev/null
for model in mobilenet_mnist autoencoder; do
  "$graphc" run "$src/examples/$model.mnn" --steps 1 --quiet --metrics-json "$work/$model.1.json" > /dev/null
  "$graphc" run "$src/examples/$model.mnn" --steps 30 --quiet --metrics-json "$work/$model.30.json" > /dev/null
  first=$(train_loss "$work/$model.1.json"); mean=$(train_loss "$work/$model.30.json")
  echo "$model: training loss of step 1 $first, mean of 30 steps $mean"
  awk -v a="$first" -v b="$mean" 'BEGIN { exit !(b < 0.95 * a) }' ||
    { echo "FAIL: $model's mean training loss over 30 steps is not 5 % below its first step's ($first -> $mean)"; exit 1; }
done
