# Shared by tests/e2e/data_*.sh: each writes a data set in one of graphc's source formats and the
# same arrays as a keras.datasets-style reference.npz, then train_graphc trains a model with graphc
# from the source and train_torch its PyTorch replica (data_sources_torch.py) from the reference,
# and both must reach the test's accuracy threshold. NumPy and PyTorch (python3-torch, which scripts/test.sh
# installs) are test-only oracles: without them the test is skipped (exit 77), except under CI=true.
set -uo pipefail
graphc=$(realpath "$1"); src=$(realpath "$2")
fail() { echo "FAIL: $*"; exit 1; }
if ! /usr/bin/python3 -c "import numpy, torch" 2> /dev/null; then
  echo "NumPy and PyTorch (python3-torch) are not installed: scripts/test.sh installs them"
  if [ "${CI:-}" = "true" ]; then fail "CI=true and the PyTorch oracle is missing"; fi
  exit 77
fi
work=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$work"' EXIT

# train_graphc NAME THRESHOLD KIND HIDDEN EPOCHS BATCH LR DATA_LINE INPUT_SHAPE: a model of KIND
# (mlp: Dense(HIDDEN, relu), Dense(10); cnn: Conv2D(HIDDEN, 5, relu), MaxPool2D(2), Dense(10))
# trained by graphc from `data = DATA_LINE` in $work; sets $accuracy to its test accuracy.
train_graphc() {
  local name=$1 threshold=$2 kind=$3 hidden=$4 epochs=$5 batch=$6 lr=$7 data=$8 shape=$9
  local body out
  if [ "$kind" = mlp ]; then
    body="h = Dense(Flatten(x), $hidden, activation = relu)"
  else
    body="h = Flatten(MaxPool2D(Conv2D(x, $hidden, kernel = 5, activation = relu), 2))"
  fi
  cat > "$work/$name.mnn" << MNN
x = placeholder(f32, [?, $shape])
y = placeholder(i32, [?])
$body
probs = Dense(h, 10, activation = softmax)
loss = sparse_categorical_crossentropy(probs, y)
acc = accuracy(probs, y)
train {
  data      = $data
  feed      = {x: image, y: label}
  optimizer = adam(lr = $lr)
  minimize  = loss
  batch     = $batch
  epochs    = $epochs
  validation = none
  metrics   = [acc]
}
MNN
  # From another folder: the data's relative paths resolve against the .mnn file's folder.
  out=$(cd / && "$graphc" run "$work/$name.mnn" --quiet 2>&1) || fail "graphc run $name.mnn: $out"
  echo "$out"
  accuracy=$(sed -n 's/.*test_accuracy: \([0-9.]*\).*/\1/p' <<< "$out")
  [ -n "$accuracy" ] || fail "no test_accuracy in graphc's output"
  awk -v a="$accuracy" -v t="$threshold" 'BEGIN { exit !(a >= t) }' ||
    fail "graphc's test accuracy $accuracy is below $threshold"
  echo "ok: graphc reaches test accuracy $accuracy >= $threshold from $data"
}

# train_torch THRESHOLD KIND HIDDEN EPOCHS BATCH LR SCALE: the PyTorch replica of train_graphc's
# model, trained from $work/reference.npz.
train_torch() {
  local threshold=$1 out acc
  shift
  out=$(/usr/bin/python3 "$src/tests/e2e/data_sources_torch.py" "$work/reference.npz" "$@" 2>&1) ||
    fail "the PyTorch replica: $out"
  acc=$(sed -n 's/^pytorch test accuracy: \([0-9.]*\)$/\1/p' <<< "$out")
  [ -n "$acc" ] || fail "no accuracy in the PyTorch replica's output: $out"
  awk -v a="$acc" -v t="$threshold" 'BEGIN { exit !(a >= t) }' || fail "PyTorch's test accuracy $acc is below $threshold"
  echo "ok: the PyTorch replica reaches test accuracy $acc >= $threshold too"
}
