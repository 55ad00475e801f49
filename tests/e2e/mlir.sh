#!/usr/bin/env bash
# End-to-end: `graphc dump --stage mlir` gives TOSA that MLIR 14's own tools accept and run, with
# graphc's numbers. (1) Every example's module (seed values, batch 1 and 4) parses and verifies in
# mlir-opt-14. (2) Every example, and a model that exercises the ops the examples lack, is lowered
# (the v2 ones too) and run by mlir-cpu-runner-14 on random images and random variables (mlir_check.py) and matches
# `graphc predict` within 1e-4. (3) Bad flags are input errors.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for tool in mlir-opt-14 mlir-cpu-runner-14 python3; do
  command -v "$tool" > /dev/null || { echo "FAIL: $tool is missing (scripts/setup.sh installs mlir-14-tools)"; exit 1; }
done

# The MLIR export writes a classifier's forward pass (its class scores): an example without class
# scores (the autoencoder's output is an image) is refused with a clear error, checked here, until
# the exporter learns other outputs (it also needs TOSA forms of conv2d_transpose and resize).
no_scores="autoencoder"
exportable=()
for model in "$src"/examples/*.mnn; do
  if [[ " $no_scores " == *" $(basename "$model" .mnn) "* ]]; then
    if "$graphc" dump "$model" --stage mlir -o "$work/m.mlir" 2> "$work/err" || ! grep -q "cannot find the class scores" "$work/err"; then
      echo "FAIL: $model: expected the export's 'cannot find the class scores' error (exports now? drop it from no_scores)"
      cat "$work/err"; exit 1
    fi
    echo "ok: $(basename "$model"): no class scores to export, refused with a clear error"
    continue
  fi
  exportable+=("$model")
done
for model in "${exportable[@]}"; do
  for batch in 1 4; do
    "$graphc" dump "$model" --stage mlir --batch "$batch" -o "$work/m.mlir"
    grep -q "tensor<${batch}x" "$work/m.mlir" || { echo "FAIL: $model: no batch-$batch argument"; exit 1; }
    mlir-opt-14 "$work/m.mlir" -o /dev/null || { echo "FAIL: mlir-opt-14 rejects the module of $model"; exit 1; }
  done
  echo "ok: $(basename "$model"): mlir-opt-14 parses and verifies it"
done

# Asymmetric "same" padding (conv, avg_pool, max_pool), dilation, BatchNorm, raw batch_norm,
# dropout, concat, transpose, reductions, where/clip/maximum/minimum and unary math (softplus too),
# log_softmax.
cat > "$work/ops_mix.mnn" <<'EOF'
model ops_mix
x = placeholder(f32, [?, 28, 28, 1])
y = placeholder(i32, [?])
keep = placeholder(f32, [], default = 1.0)
c1 = Conv2D(x, 8, kernel = 3, strides = 2, padding = same)
b1 = BatchNorm(c1)
a1 = leaky_relu(b1, alpha = 0.1)
p1 = AvgPool2D(a1, 3, strides = 2, padding = same)
m1 = max_pool(a1, 3, strides = 2, padding = same)
both = concat([tanh(p1), sigmoid(m1)], 3)
t = transpose(both, [0, 2, 1, 3])
w2 = variable([2, 2, 16, 4], init = glorot_uniform())
c2 = conv2d(t, w2, dilation = 2, padding = same)
d1 = Dense(flatten(c2), 32, activation = relu)
h = clip(dropout(d1, keep), -1.0, 2.0) + sqrt(abs(d1)) * 0.5 - square(d1) / 4 + softplus(d1 * 8)
g = variable([32], init = ones())
s = batch_norm(h - reduce_mean(h, 1, keepdims = true), g, g * 0.1, reduce_max(h, 0) * 0.01, exp(neg(g)))
m = maximum(s, minimum(s * 2, rsqrt(g + 1)))
logits = Dense(where(m > 0, m, log(g + 1) - m), 10)
scores = log_softmax(logits)
loss = softmax_cross_entropy(logits, y)
acc = accuracy(scores, y)
train {
  data = mnist(scale = 1/255)
  feed = {x: image, y: label, keep: 0.5}
  optimizer = sgd()
  minimize = loss
  metrics = [acc]
}
EOF
# Version 2's activations and math (floor, round and sign on values that stay clear of their jumps
# only by chance: 72 values a run, each within 1e-6 of a jump with probability about 1e-6).
cat > "$work/v2_math_mix.mnn" <<'EOF'
model v2_math_mix
x = placeholder(f32, [?, 28, 28, 1])
y = placeholder(i32, [?])
d = Dense(flatten(x), 24, activation = gelu)
e = elu(d, alpha = 0.7) + selu(d) + swish(d) + softsign(d) + hard_sigmoid(d * 4) + relu6(d * 10) + mish(d)
f = gelu(e, approximate = true) + erf(e) + floor(e * 3) * 0.1 + round(e * 2.5) * 0.1 + sign(e) * 0.1
g = variable([24], init = ones())
h = f + pow(abs(e) + 0.5, g * 1.5) + reciprocal(abs(f) + 1) + stop_gradient(e)
r = h - reduce_min(h, 1, keepdims = true) + reduce_prod(g * 0.5 + 0.5, 0)
logits = Dense(r, 10, activation = silu)
scores = softmax(logits)
loss = softmax_cross_entropy(logits, y, label_smoothing = 0.1)
acc = accuracy(scores, y)
train {
  data = mnist(scale = 1/255)
  feed = {x: image, y: label}
  optimizer = sgd()
  minimize = loss
  metrics = [acc]
}
EOF
# The v2 nn ops with a TOSA form: depthwise_conv2d (multiplier 2, strides, asymmetric "same"
# padding, dilation), global_avg_pool, tile and slice.
cat > "$work/v2_nn.mnn" <<'EOF'
model v2_nn
x = placeholder(f32, [?, 28, 28, 1])
y = placeholder(i32, [?])
c1 = Conv2D(x, 4, kernel = 3, strides = 2, padding = same, activation = relu)
d1 = DepthwiseConv2D(c1, 4, strides = 2, padding = same, depth_multiplier = 2, activation = relu)
s1 = SeparableConv2D(d1, 6, 3, padding = same, dilation = 2)
g = GlobalAveragePooling2D(s1)
logits = Dense(slice(tile(g, [1, 3]), [0, 2], [-1, 12]), 10)
loss = softmax_cross_entropy(logits, y)
train {
  data = mnist(scale = 1/255)
  feed = {x: image, y: label}
  optimizer = sgd()
  minimize = loss
}
EOF
# The v2 ops that change image sizes: conv2d_transpose (strides, same and valid padding, dilation,
# output_padding), resize (UpSampling2D nearest and bilinear, a shrinking bilinear resize and a
# nearest one), pad (constant with crops, reflect, symmetric), and with them split,
# LayerNormalization over several axes, Activation and the comparisons the other models lack.
cat > "$work/v2_resize.mnn" <<'EOF'
model v2_resize
x = placeholder(f32, [?, 28, 28, 1])
y = placeholder(i32, [?])
c1 = Conv2D(x, 3, kernel = 3, strides = 2, activation = relu)
t1 = Conv2DTranspose(c1, 4, 3, strides = 2, padding = same)
t2 = Conv2DTranspose(c1, 2, [3, 2], strides = [2, 3], output_padding = [1, 0])
t3 = Conv2DTranspose(ZeroPadding2D(c1, [[1, 0], [2, 1]]), 2, 3, dilation = 2)
u1 = UpSampling2D(Cropping2D(t1, [[1, 2], [3, 0]]), 2)
u2 = UpSampling2D(t2, [1, 2], interpolation = bilinear)
r1 = resize(t3, [9, 7], method = bilinear)
r2 = resize(u1, [10, 14], method = nearest)
p1 = pad(r1, [[0, 0], [2, 1], [1, 3], [0, 0]], mode = reflect)
p2 = pad(r2, [[0, 0], [1, 2], [2, 0], [0, 0]], mode = symmetric)
p3 = pad(Cropping2D(u2, [[3, 0], [0, 5]]), [[0, 0], [0, 1], [2, 0], [0, 1]], value = 0.5)
parts = split(p3, [2, 1], axis = 3)
n = LayerNormalization(Activation(p2, swish), axis = [1, 2, 3])
g = concat([GlobalAveragePooling2D(p1), GlobalAveragePooling2D(n), GlobalAveragePooling2D(parts[1] * parts[0])], 1)
k = where(g >= 0.1, g, g * 0.5) + where(g < 0.5, g, g * 2) + where(g <= -0.2, g * 3, g) + where(g != 0.25, g, g * 4)
logits = Dense(k, 10)
loss = softmax_cross_entropy(logits, y)
train {
  data = mnist(scale = 1/255)
  feed = {x: image, y: label}
  optimizer = sgd()
  minimize = loss
}
EOF
checked=("${exportable[@]}" "$work/ops_mix.mnn" "$work/v2_math_mix.mnn" "$work/v2_nn.mnn" "$work/v2_resize.mnn")
for model in "${checked[@]}"; do
  python3 "$src/tests/e2e/mlir_check.py" "$graphc" "$model" "$work" --batch 3
done

# Every op the table says translates to TOSA (docs/ops.md's TOSA column, generated from ir/ops.def)
# is in one of the models run above, so that each translation is run, not only compiled.
for model in "${checked[@]}"; do "$graphc" dump "$model" --stage graph; done |
  sed -nE 's/^ *%[0-9]+ = ([a-z_0-9]+)\(.*/\1/p' | sort -u > "$work/ops_run"
sed -nE 's/^\| `([a-z_0-9]+)` \|.*\| yes \| [^|]* \|$/\1/p' "$src/docs/ops.md" | sort -u > "$work/ops_translated"
[ -s "$work/ops_translated" ] || { echo "FAIL: no translated ops found in docs/ops.md"; exit 1; }
missing="$(comm -23 "$work/ops_translated" "$work/ops_run" | tr '\n' ' ')"
[ -z "$missing" ] || { echo "FAIL: ops with a TOSA translation that no model here runs: $missing"; exit 1; }
echo "ok: all $(wc -l < "$work/ops_translated") ops with a TOSA translation are run by mlir-cpu-runner-14"

for bad in "--batch 0" "--load $work/missing.safetensors"; do
  set +e
  # shellcheck disable=SC2086
  "$graphc" dump "$src/examples/lenet5.mnn" --stage mlir $bad > /dev/null 2> "$work/err"
  code=$?
  set -e
  [ "$code" = 2 ] || { echo "FAIL: dump --stage mlir $bad exited $code, expected 2"; cat "$work/err"; exit 1; }
done
echo "ok: bad --batch and --load are input errors (exit 2)"
