#!/usr/bin/env bash
# End-to-end: a NaN or an infinity stops training with exit code 1, naming the step and the first
# op that made one, with its source location: in the forward pass (log of a negative number), in
# the backward pass (sqrt's gradient at 0 is infinite while its value is finite), and after a
# divergence (a huge learning rate). No metrics file is written for a failed run.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; cat "$work/err"; exit 1; }

# expect_failure PATTERN ARGS...: graphc ARGS must exit 1 with PATTERN (an ERE) on stderr.
expect_failure() {
  local pattern="$1"; shift
  "$graphc" "$@" > "$work/out" 2> "$work/err"; local rc=$?
  [ "$rc" = 1 ] || fail "graphc $* exited $rc, expected 1"
  grep -qE -- "$pattern" "$work/err" || fail "graphc $*: stderr lacks /$pattern/"
  [ ! -e "$work/m.json" ] || fail "a failed run wrote its metrics file"
  echo "ok: $(cat "$work/err")"
}

cat > "$work/forward.mnn" <<'MNN'
model forward_nan
x = placeholder(f32, [?, 784])
y = placeholder(f32, [?, 10])
h = Dense(x, 10)
bad = log(h - 1000)
probs = softmax(bad)
loss = categorical_crossentropy(probs, y)
train {
  data = mnist(scale = 1/255)
  feed = {x: image, y: label}
  optimizer = sgd(lr = 0.1)
  minimize = loss
  batch = 32
  steps = 5
}
MNN
expect_failure '^graphc: error: step 1: the loss is NaN; the first non-finite value is %[0-9]+ = log\(%[0-9]+\) : f32\[\?,10\]  # bad forward.mnn:5:7 \(in the forward pass\)' \
  run "$work/forward.mnn" --metrics-json "$work/m.json"

# sqrt(z) of a variable z = 0 is 0, finite, but its gradient 0.5 / sqrt(0) is infinite: the first
# step's loss is finite and its update makes z infinite; the op named is sqrt's gradient.
sed -e 's/^model forward_nan/model backward_inf/' \
  -e 's/^bad = log(h - 1000)/z = variable([10], init = constant(0))\nbad = sqrt(z) + h/' \
  "$work/forward.mnn" > "$work/backward.mnn"
grep -q '^bad = sqrt(z) + h' "$work/backward.mnn" || { echo "FAIL: could not derive the backward model"; exit 1; }
expect_failure '^graphc: error: step 2: the loss is NaN; it started at step 1; the first non-finite value is %[0-9]+ = grad .* \(in the backward pass, part of the gradient of %[0-9]+ = sqrt\(%[0-9]+\) : f32\[10\]  # backward.mnn:6:7\)' \
  run "$work/backward.mnn" --metrics-json "$work/m.json"

# LeNet-5 with a learning rate of 1000 diverges within a few steps.
expect_failure '^graphc: error: step [0-9]+: .*; the first non-finite value is %[0-9]+ = .* lenet5.mnn:[0-9]+:[0-9]+' \
  run "$src/examples/lenet5.mnn" --steps 50 --lr 1000 --metrics-json "$work/m.json"
