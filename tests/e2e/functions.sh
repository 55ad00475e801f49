#!/usr/bin/env bash
# End-to-end: a small ResNet written with `def`, `for` and `if` (docs/functions.md) trains on real
# MNIST, and gives exactly what the same model written out by hand gives: the same summary
# (variable names, shapes, parameter counts), the same loss history and, bit for bit, the same
# weights after the same steps from the same seed. Its dump names the def and the call of each
# expanded node.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

train='train {
  data      = mnist(scale = 1/255)
  feed      = {x: image, y: label}
  optimizer = adam(lr = 0.01)
  minimize  = loss
  batch     = 32
  steps     = 60
  metrics   = [acc]
}'

cat > "$work/with_def.mnn" <<EOF2
model small_resnet

x = placeholder(f32, [?, 28, 28, 1])
y = placeholder(i32, [?])

def res_block(x, filters, strides = 1) {
  h = Conv2D(x, filters, kernel = 3, strides = strides, padding = same, use_bias = false)
  h = relu(BatchNorm(h))
  h = BatchNorm(Conv2D(h, filters, kernel = 3, padding = same, use_bias = false))
  if strides != 1 {
    x = Conv2D(x, filters, kernel = 1, strides = strides, use_bias = false)
  }
  return relu(h + x)
}

h = relu(BatchNorm(Conv2D(x, 4, kernel = 3, strides = 2, padding = same, use_bias = false)))
for i in range(2) {
  h = res_block(h, 4 * (i + 1), strides = 1 + i)
}
probs = Dense(reduce_mean(h, axis = [1, 2]), 10, activation = softmax)
loss = sparse_categorical_crossentropy(probs, y)
acc = accuracy(probs, y)
$train
EOF2

# The same layers written out: a scope per block, named as the calls are (h_2, h_3).
cat > "$work/by_hand.mnn" <<EOF2
model small_resnet

x = placeholder(f32, [?, 28, 28, 1])
y = placeholder(i32, [?])

h = relu(BatchNorm(Conv2D(x, 4, kernel = 3, strides = 2, padding = same, use_bias = false)))
in2 = h
scope h_2 {
  h = Conv2D(in2, 4, kernel = 3, strides = 1, padding = same, use_bias = false)
  h = relu(BatchNorm(h))
  h = BatchNorm(Conv2D(h, 4, kernel = 3, padding = same, use_bias = false))
}
h = relu(h_2.h + in2)
in3 = h
scope h_3 {
  h = Conv2D(in3, 8, kernel = 3, strides = 2, padding = same, use_bias = false)
  h = relu(BatchNorm(h))
  h = BatchNorm(Conv2D(h, 8, kernel = 3, padding = same, use_bias = false))
  x = Conv2D(in3, 8, kernel = 1, strides = 2, use_bias = false)
}
h = relu(h_3.h + h_3.x)
probs = Dense(reduce_mean(h, axis = [1, 2]), 10, activation = softmax)
loss = sparse_categorical_crossentropy(probs, y)
acc = accuracy(probs, y)
$train
EOF2

"$graphc" summary "$work/with_def.mnn" > "$work/summary_def"
"$graphc" summary "$work/by_hand.mnn" > "$work/summary_hand"
diff "$work/summary_def" "$work/summary_hand" || { echo "FAIL: the summaries differ"; exit 1; }
for v in 'h_2/h (Conv2D)' 'h_2/h_1 (BatchNorm)' 'h_3/h_3 (Conv2D)' 'h_3/x (Conv2D)' 'Total params: 1,422'; do
  grep -qF "$v" "$work/summary_def" || { echo "FAIL: the summary lacks '$v'"; cat "$work/summary_def"; exit 1; }
done
echo "ok: the same summary (variable names, shapes, counts)"

"$graphc" dump "$work/with_def.mnn" --stage graph > "$work/dump"
grep -qE 'h_3/x/kernel with_def.mnn:11:9 [(]in res_block defined at with_def.mnn:6:1, called at with_def.mnn:18:7[)]' "$work/dump" ||
  { echo "FAIL: the dump does not name the def and the call of h_3/x/kernel"; grep 'h_3/x' "$work/dump"; exit 1; }
# The simplified graph (and so a NaN report, which prints its nodes) keeps them.
# (Into a file first: grep -q stops reading at the first match, and with pipefail the dump's
# SIGPIPE would fail the pipeline.)
"$graphc" dump "$work/with_def.mnn" --stage opt > "$work/opt"
grep -qE '[(]in res_block defined at with_def.mnn:6:1, called at' "$work/opt" ||
  { echo "FAIL: the opt stage lost the expansions"; exit 1; }
echo "ok: expanded nodes name their def and call site"

for m in with_def by_hand; do
  "$graphc" run "$work/$m.mnn" --seed 5 --quiet --metrics-json "$work/$m.json" --save "$work/$m.safetensors" > /dev/null
  sed -n 's/.*"history": \[\(.*\)\].*/\1/p; /"epoch"/p' "$work/$m.json" | sed 's/"seconds": [0-9.e+-]*//' > "$work/$m.history"
done
test -s "$work/with_def.history" || { echo "FAIL: no history in the metrics JSON"; exit 1; }
diff "$work/with_def.history" "$work/by_hand.history" || { echo "FAIL: the loss histories differ"; exit 1; }
cmp "$work/with_def.safetensors" "$work/by_hand.safetensors" || { echo "FAIL: the weights differ"; exit 1; }
echo "ok: the same loss history and the same weights after 60 steps"

# It trains: the mean training loss of the 60 steps is well below the loss of a uniform guess (ln 10 = 2.303).
loss=$(sed -n 's/.*"loss": \([0-9.e+-]*\).*/\1/p' "$work/with_def.json" | head -n 1)
echo "mean training loss over 60 steps: $loss"
awk -v l="$loss" 'BEGIN { exit !(l > 0 && l < 2.2) }' || { echo "FAIL: loss $loss is not below 2.2"; exit 1; }
