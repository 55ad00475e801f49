#!/usr/bin/env bash
# End-to-end: checkpoints and the verbs that read them, on LeNet-5 trained with adam on real MNIST.
# run --save then eval --load reproduces the run's test line; predict agrees with eval on the whole
# test set, and on a digit given as a one-image IDX file, a gray PNG and an RGB PNG; a run resumed
# from a checkpoint ends with the same bytes as one run of the same total length; bad checkpoints
# and images exit 2 naming the file.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mnist="$src/data/mnist"

# LeNet-5 as in examples/lenet5.mnn, with adam: its slots and step counter are what a resumed
# run depends on.
sed -e 's/^model lenet5$/model lenet5_adam/' -e 's/optimizer = sgd(lr = 0.01)/optimizer = adam()/' \
  -e '/early_stopping/d' "$src/examples/lenet5.mnn" > "$work/lenet5_adam.mnn"
grep -q 'optimizer = adam()' "$work/lenet5_adam.mnn" || { echo "FAIL: could not derive the adam model"; exit 1; }
model="$work/lenet5_adam.mnn"

# 1. run --save, then eval --load: the same test line, digit for digit.
"$graphc" run "$model" --steps 200 --save "$work/a.st" > "$work/run.out"
grep -q "^Saved $work/a.st (step 200)" "$work/run.out" || fail "run did not report the checkpoint: $(cat "$work/run.out")"
run_line="$(grep '^test_loss' "$work/run.out")"
"$graphc" eval "$model" --load "$work/a.st" --metrics-json "$work/eval.json" > "$work/eval.out"
eval_line="$(grep '^test_loss' "$work/eval.out")"
[ "$run_line" = "$eval_line" ] || fail "eval printed '$eval_line', the run printed '$run_line'"
grep -q '"test_accuracy": *0\.[0-9]' "$work/eval.json" || fail "eval's metrics JSON lacks test_accuracy: $(cat "$work/eval.json")"
grep -q '"step": *"200"' "$work/eval.json" || fail "eval's metrics JSON lacks the checkpoint's step"
echo "ok: eval reproduces the run: $eval_line"

# 2. predict on the whole test set agrees with eval's accuracy.
"$graphc" predict "$model" --load "$work/a.st" "$mnist/t10k-images-idx3-ubyte" > "$work/predict.out"
od -An -v -tu1 -j8 -w1 "$mnist/t10k-labels-idx1-ubyte" | tr -d ' ' > "$work/labels"
[ "$(wc -l < "$work/predict.out")" = 10000 ] || fail "predict printed $(wc -l < "$work/predict.out") lines for 10000 images"
accuracy="$(sed 's/.*: \([0-9]*\) .*/\1/' "$work/predict.out" | paste -d' ' - "$work/labels" |
  awk '{ right += ($1 == $2) } END { printf "%.4f", right / NR }')"
[ "test_accuracy: $accuracy" = "${eval_line##* - }" ] || fail "predict's accuracy $accuracy differs from eval's '$eval_line'"
echo "ok: predict on the test set: accuracy $accuracy"

# 3. One digit (the test set's first, a 7) as a one-image IDX file, a gray PNG and an RGB PNG.
{ printf '\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x1c\x00\x00\x00\x1c'
  dd if="$mnist/t10k-images-idx3-ubyte" bs=16 skip=1 count=49 status=none; } > "$work/seven.idx"
"$graphc" predict "$model" --load "$work/a.st" "$work/seven.idx" --top 3 > "$work/seven.out"
want="$(sed -n 1p "$work/predict.out" | sed 's/^[^:]*: //')"
got="$(sed 's/^[^:]*: //' "$work/seven.out")"
[ "${got%%,*}" = "$want" ] || fail "the one-image IDX file gave '$got', the test set's first image '$want'"
[ "${want%% *}" = 7 ] || fail "the first test image (a 7) was classified as '$want'"
[ "$(grep -o '(' "$work/seven.out" | wc -l)" = 3 ] || fail "--top 3 printed '$(cat "$work/seven.out")'"
# The same 28x28 digit as PNG files (gray, and RGB with R = G = B), and a 2x2 PNG.
echo 'iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAAAAABXZoBIAAAAo0lEQVR42mNgGG4gZOf86TYqOCTv/QOCj8egYJUJiqRzkUfR4sf/HgKV/Hr6718PpnZBJz5nZ2dr0Tf/snDaH/z3ohAuObGX/4Nxamz8904Hl5z1z392ODW2/tvNikuO8+wPK5wa6/5twynn/fuDJS454bv/luGSYz7977YyLkm1f/98ccnJP/hXzIjbi/9McMnZfsIjWfnv320N3JLnhUhIWQDoRUgXuTMqowAAAABJRU5ErkJggg==' |
  base64 -d > "$work/seven.png"
echo 'iVBORw0KGgoAAAANSUhEUgAAABwAAAAcCAIAAAD9b0jDAAABUElEQVR42u3UMYuCYBgH8CQcWgIVXR2ScHB0ycohl0Cc6lM05uQSNLS5OzYEDn4AIdpvkYjmUAppCCLKyZTqHpA7bjku4rmt/yDv9PP/Pq++pdI77/x3+v3+fD6fTqeO47RaLUEQENAoiu4/crlcPn6J53myLD+Fapo2HA673S48Z7NZHMdA73a779dkWbbf74u1bduvFKcoqtPpVKtV7SvNZpNl2ePxCOhgMECbe6/Xu91u6/WapmkckeO4w+HweDyARqs5Ho9h46fTSZIkHBEGer1eAVVVFa3mZDIBcbFYkCSJI1YqleVymaapoihoNUejEdT0fR9N1HU9z/Pz+dxoNHBEhmHCMISaruviiOVyOQgCEDebTa1Ww0Hr9XrxpxuGgSPyPL/dbkE0TZMgCMwPE/LsLfdn2u12kiTIqGVZhQhHJIoiJrpardCuuJfzCe1M2ENdgW74AAAAAElFTkSuQmCC' |
  base64 -d > "$work/seven_rgb.png"
echo 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAADklEQVR42mNgYGRgYgYAABEAB4PKZGQAAAAASUVORK5CYII=' |
  base64 -d > "$work/tiny.png"
"$graphc" predict "$model" --load "$work/a.st" "$work/seven.png" "$work/seven_rgb.png" > "$work/png.out" 2> "$work/png.err" ||
  fail "predict on PNG files: $(cat "$work/png.err")"
[ "$(sed 's/^[^:]*: //' "$work/png.out" | sort -u)" = "$want" ] ||
  fail "the PNG files gave '$(cat "$work/png.out")', the IDX image '$want'"
# A picture of another size is resized, with a note; a truncated one exits 2 naming it.
"$graphc" predict "$model" --load "$work/a.st" "$work/tiny.png" > /dev/null 2> "$work/err" ||
  fail "a 2x2 PNG: $(cat "$work/err")"
grep -q "note: .*tiny.png: resized from 2x2 to the model's 28x28" "$work/err" || fail "a 2x2 PNG: $(cat "$work/err")"
head -c 60 "$work/seven.png" > "$work/cut.png"
set +e
"$graphc" predict "$model" --load "$work/a.st" "$work/cut.png" 2> "$work/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "cut.png: corrupt or truncated image" "$work/err" || fail "a truncated PNG: exit $rc, $(cat "$work/err")"
echo "ok: predict on IDX and PNG inputs: $want"

# 4. Resuming: 200 steps saved, then the same run to 300 steps (--steps counts the whole run)
# ends with the bytes of one 300-step run; --save-every wrote the checkpoint on the way.
"$graphc" run "$model" --load "$work/a.st" --steps 300 --save "$work/resumed.st" > "$work/resume.out"
grep -q "trained 100 steps" "$work/resume.out" || fail "the resumed run did not train the 100 remaining steps: $(cat "$work/resume.out")"
"$graphc" run "$model" --steps 300 --save "$work/straight.st" --save-every 120 > "$work/straight.out"
cmp -s "$work/resumed.st" "$work/straight.st" || fail "200 + 100 resumed steps differ from 300 steps in one run"
[ "$(grep -c "^Saved $work/straight.st (step" "$work/straight.out")" = 3 ] &&
  grep -q "(step 120)" "$work/straight.out" && grep -q "(step 240)" "$work/straight.out" ||
  fail "--save-every 120 over 300 steps: $(grep Saved "$work/straight.out")"
"$graphc" run "$model" --load "$work/straight.st" --steps 300 > "$work/done.out"
grep -q "The checkpoint is at step 300 of this run's 300: nothing left to train" "$work/done.out" ||
  fail "a finished run resumed: $(cat "$work/done.out")"
echo "ok: a resumed run matches an uninterrupted one bit for bit"

# 5. Bad checkpoints exit 2 and name the file.
head -c 100 "$work/a.st" > "$work/cut.st"
sed 's/Dense(d1, 84/Dense(d1, 80/' "$model" > "$work/other.mnn"
check_error() {  # check_error PATTERN ARGS...: graphc ARGS must exit 2 with PATTERN on stderr
  local pattern="$1"; shift
  set +e; "$graphc" "$@" > /dev/null 2> "$work/err"; local rc=$?; set -e
  [ "$rc" = 2 ] || fail "graphc $* exited $rc, expected 2: $(cat "$work/err")"
  grep -q -- "$pattern" "$work/err" || fail "graphc $*: stderr lacks '$pattern': $(cat "$work/err")"
}
check_error "$work/missing.st: cannot open" eval "$model" --load "$work/missing.st"
check_error "$work/cut.st: " eval "$model" --load "$work/cut.st"
check_error "variable 'd2/kernel' is f32\[120,80\] in the model but F32\[120,84\]" eval "$work/other.mnn" --load "$work/a.st"
check_error "needs the checkpoint" eval "$model"
check_error "no/such/dir/b.st: cannot write" run "$model" --steps 1 --save "$work/no/such/dir/b.st"
echo "ok: bad checkpoints exit 2"
