#!/usr/bin/env bash
# End-to-end: bad input gets a clear error and exit code 2, never a crash: malformed models
# (FILE:LINE:COL, a caret line), missing or corrupt data sets (the file named), bad flags.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0; passed=0

# expect CODE PATTERN... -- ARGS: runs graphc ARGS, checks the exit code and that stderr matches each pattern.
expect() {
  local code="$1"; shift
  local patterns=()
  while [ "$1" != "--" ]; do patterns+=("$1"); shift; done
  shift
  "$graphc" "$@" > "$work/out" 2> "$work/err"
  local rc=$?
  if [ "$rc" != "$code" ]; then
    echo "FAIL: graphc $* exited $rc, expected $code"; cat "$work/err"; failures=$((failures + 1)); return
  fi
  for p in "${patterns[@]}"; do
    if ! grep -qE -- "$p" "$work/err"; then
      echo "FAIL: graphc $*: stderr lacks /$p/"; cat "$work/err"; failures=$((failures + 1)); return
    fi
  done
  passed=$((passed + 1))
}

model() {  # model NAME BODY: writes a LeNet-like model with one line replaced
  printf '%s\n' "$2" > "$work/$1.mnn"
}

base='x = placeholder(f32, [?, 28, 28, 1])
y = placeholder(i32, [?])'

model unknown_op "$base
h = frobnicate(x)"
expect 2 'unknown_op.mnn:3:5: error: unknown op .frobnicate.' '^ *\^' -- check "$work/unknown_op.mnn"

model bad_arg "$base
c = Conv2D(x, 6, kernal = 5)"
expect 2 'bad_arg.mnn:3:18: .*no argument .kernal.' '\^' -- check "$work/bad_arg.mnn"

model mismatch "$base
f = Flatten(x)
w = variable([100, 10])
z = f @ w"
expect 2 'mismatch.mnn:5:7: .*matmul.*f32\[\?,784\].*f32\[100,10\]' '\^' -- check "$work/mismatch.mnn"

model syntax "$base
c = Conv2D(x, 6"
expect 2 'syntax.mnn:3:' 'expected' '\^' -- check "$work/syntax.mnn"

model unknown_name "$base
h = relu(xx)"
expect 2 'unknown_name.mnn:3:10: .*unknown name .xx.' -- check "$work/unknown_name.mnn"

model channels "$base
w = variable([5, 5, 3, 8])
h = conv2d(x, w)"
expect 2 'channels.mnn:4:5: .*1 channels.*expects 3' -- check "$work/channels.mnn"

model not_scalar "$base
c = Conv2D(x, 6, kernel = 5)
train {
  data = mnist()
  feed = {x: image, y: label}
  optimizer = sgd()
  minimize = c
}"
expect 2 'not_scalar.mnn:8:14: .*scalar.*f32\[\?,24,24,6\]' -- check "$work/not_scalar.mnn"

model arg_count "$base
d = Dense(x)"
expect 2 "arg_count.mnn:3:5: .*Dense expects argument 'units'" '\^' -- check "$work/arg_count.mnn"

model arg_type "$base
c = Conv2D(x, \"six\", kernel = 5)"
expect 2 'arg_type.mnn:3:15: .*expected a constant number' '\^' -- check "$work/arg_type.mnn"

model untrainable "$base
w = variable([784, 10], trainable = false)
loss = reduce_mean(Flatten(x) @ w)
train {
  data = mnist()
  feed = {x: image, y: label}
  optimizer = sgd()
  minimize = loss
}"
expect 2 'untrainable.mnn:9:14: .*does not depend on any trainable variable' '\^' -- check "$work/untrainable.mnn"

model misfit "x = placeholder(f32, [?, 100])
y = placeholder(i32, [?])
w = variable([100, 10])
probs = softmax(x @ w)
loss = sparse_categorical_crossentropy(probs, y)
train {
  data = mnist()
  feed = {x: image, y: label}
  optimizer = sgd()
  minimize = loss
}"
expect 2 'misfit.mnn:8:11: .*images of 784 pixels.*do not fit f32\[\?,100\]' '\^' -- \
  run "$work/misfit.mnn" --steps 1 --metrics-json "$work/misfit.json"
test ! -e "$work/misfit.json" || { echo "FAIL: a failed run left $work/misfit.json"; failures=$((failures + 1)); }

expect 2 'cannot open|cannot read|no such' -- check "$work/does_not_exist.mnn"

# Data sets: missing and corrupt files are named, exit 2, and no metrics file is left behind.
expect 2 'train-images-idx3-ubyte.*not found' "$work/nowhere/mnist" -- \
  run "$src/examples/lenet5.mnn" --steps 1 --data-dir "$work/nowhere" --metrics-json "$work/m.json"
test ! -e "$work/m.json" || { echo "FAIL: a failed run left $work/m.json"; failures=$((failures + 1)); }

mkdir -p "$work/corrupt/mnist"
cp "$src"/data/mnist/t10k-* "$src"/data/mnist/train-labels-idx1-ubyte "$work/corrupt/mnist/"
head -c 1000000 "$src/data/mnist/train-images-idx3-ubyte" > "$work/corrupt/mnist/train-images-idx3-ubyte"
expect 2 'corrupt/mnist/train-images-idx3-ubyte: .*47040000 bytes.*999984' -- \
  run "$src/examples/lenet5.mnn" --steps 1 --data-dir "$work/corrupt"
printf 'garbage!' > "$work/corrupt/mnist/train-images-idx3-ubyte"
expect 2 'train-images-idx3-ubyte: wrong magic' -- run "$src/examples/lenet5.mnn" --steps 1 --data-dir "$work/corrupt"

# Flags and verbs.
expect 2 'flag --epochs expects an integer' -- run "$src/examples/lenet5.mnn" --epochs abc
expect 2 "unknown flag '--epoch'" -- run "$src/examples/lenet5.mnn" --epoch 3
expect 2 "unknown verb 'train'" -- train "$src/examples/lenet5.mnn"
expect 2 'expected a .mnn file' -- run
for verb in run eval predict check summary dump bench; do expect 0 -- "$verb" --help; done
expect 0 -- --help

echo "$passed passed, $failures failed"
[ "$failures" = 0 ]
