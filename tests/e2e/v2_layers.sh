#!/usr/bin/env bash
# End-to-end: models built from the v2 layers train on real MNIST: a MobileNet-like classifier
# (DepthwiseConv2D, SeparableConv2D, GlobalAveragePooling2D / GlobalMaxPooling2D), a convolutional
# autoencoder (Conv2DTranspose), one that upsamples (ZeroPadding2D, Cropping2D, bilinear
# UpSampling2D) and a classifier of image rows (Conv1D, MaxPool1D, LayerNormalization, AvgPool1D)
# each end 200 steps with a test loss 15 % below the one after 1 step; `summary` prints the first
# classifier's Keras parameter count (its kernel_regularizer and bias_regularizer add to its loss).
set -euo pipefail
graphc="$1"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/mobile.mnn" <<'MNN'
model mobile
x = placeholder(f32, [?, 28, 28, 1])
y = placeholder(i32, [?])
c = Conv2D(x, 8, kernel = 3, strides = 2, padding = same, activation = relu)
d = DepthwiseConv2D(c, 3, padding = same, depth_multiplier = 2, activation = relu, kernel_regularizer = l2(1e-4))
s = SeparableConv2D(d, 16, 3, strides = 2, padding = same, activation = relu)
g = GlobalAveragePooling2D(s)
m = GlobalMaxPooling2D(s)
probs = Dense(concat([g, m], 1), 10, activation = softmax, kernel_initializer = he_uniform, bias_regularizer = l1(1e-4))
loss = sparse_categorical_crossentropy(probs, y)
acc = accuracy(probs, y)
train {
  data = mnist(scale = 1/255)
  feed = {x: image, y: label}
  optimizer = adam(lr = 0.01)
  minimize = loss
  batch = 32
  epochs = 1
  metrics = [acc]
}
MNN

cat > "$work/autoencoder.mnn" <<'MNN'
model autoencoder
x = placeholder(f32, [?, 28, 28, 1])
e = Conv2D(x, 8, kernel = 3, strides = 2, padding = same, activation = relu)
p = Conv2D(e, 8, kernel = 3, activation = relu)
t = Conv2DTranspose(p, 8, 3, activation = relu)
r = Conv2DTranspose(t, 1, 3, strides = 2, padding = same, activation = sigmoid)
loss = mean_squared_error(r, x)
train {
  data = mnist(scale = 1/255)
  feed = {x: image}
  optimizer = adam(lr = 0.01)
  minimize = loss
  batch = 32
  epochs = 1
}
MNN

cat > "$work/upsampling.mnn" <<'MNN'
model upsampling
x = placeholder(f32, [?, 28, 28, 1])
e = Conv2D(x, 8, kernel = 3, strides = 2, padding = same, activation = relu)
z = ZeroPadding2D(e, [[1, 0], [0, 1]])
c = Cropping2D(z, [[0, 1], [1, 0]])
u = UpSampling2D(c, interpolation = bilinear)
r = Conv2D(u, 1, kernel = 3, padding = same, activation = sigmoid)
loss = mean_squared_error(r, x)
train {
  data = mnist(scale = 1/255)
  feed = {x: image}
  optimizer = adam(lr = 0.01)
  minimize = loss
  batch = 32
  epochs = 1
}
MNN

cat > "$work/sequence.mnn" <<'MNN'
model sequence
x = placeholder(f32, [?, 28, 28, 1])
y = placeholder(i32, [?])
rows = reshape(x, [-1, 28, 28])
c = Conv1D(rows, 16, kernel_size = 3, activation = relu)
p = MaxPool1D(c, pool_size = 2)
n = LayerNormalization(p)
a = AvgPool1D(n, 2, padding = same)
probs = Dense(Flatten(a), 10, activation = softmax)
loss = sparse_categorical_crossentropy(probs, y)
train {
  data = mnist(scale = 1/255)
  feed = {x: image, y: label}
  optimizer = adam(lr = 0.01)
  minimize = loss
  batch = 32
  epochs = 1
}
MNN

test_loss() { sed -n 's/.*"test_loss": \([0-9.e+-]*\).*/\1/p' "$1" | head -n 1; }

# Keras: Conv2D 3*3*1*8 + 8 = 80; DepthwiseConv2D 3*3*8*2 + 16 = 160;
# SeparableConv2D 3*3*16 + 16*16 + 16 = 416; Dense 32*10 + 10 = 330.
"$graphc" summary "$work/mobile.mnn" | grep -q "Total params: 986" ||
  { echo "FAIL: mobile's parameter count"; "$graphc" summary "$work/mobile.mnn"; exit 1; }

for model in mobile autoencoder upsampling sequence; do
  "$graphc" run "$work/$model.mnn" --steps 1 --quiet --metrics-json "$work/$model.1.json"
  "$graphc" run "$work/$model.mnn" --steps 200 --quiet --metrics-json "$work/$model.200.json"
  first=$(test_loss "$work/$model.1.json"); last=$(test_loss "$work/$model.200.json")
  echo "$model: test_loss after 1 step $first, after 200 steps $last"
  awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < 0.85 * a) }' ||
    { echo "FAIL: $model's test loss did not fall by 15 % ($first -> $last)"; exit 1; }
done
