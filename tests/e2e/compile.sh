#!/usr/bin/env bash
# End-to-end: `graphc compile` makes a static library that an application links without Halide or
# LLVM (e2e/aot_infer.cpp); with the weights of a checkpoint it classifies the MNIST test set as
# `graphc predict` does (classes and printed probabilities) and reaches `graphc eval`'s accuracy;
# its train step's loss agrees with the inference probabilities and falls when it is iterated.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
model="$src/examples/lenet5.mnn"
images="$src/data/mnist/t10k-images-idx3-ubyte"
labels="$src/data/mnist/t10k-labels-idx1-ubyte"
[ -f "$images" ] && [ -f "$labels" ] || fail "MNIST test set missing in $src/data/mnist (uncompressed IDX)"

"$graphc" run "$model" --steps 50 --quiet --save "$work/ck.safetensors" > /dev/null
"$graphc" compile "$model" -o "$work/lib" > "$work/compile.out"
for f in lenet5.a lenet5.h HalideRuntime.h; do [ -s "$work/lib/$f" ] || fail "compile did not write $f"; done
[ -z "$(ls -A "$work/lib" | grep -v '^lenet5\.[ah]$\|^HalideRuntime\.h$' || true)" ] || fail "stray files: $(ls -A "$work/lib")"
grep -q "int lenet5_infer(" "$work/lib/lenet5.h" || fail "no lenet5_infer in the header"
grep -q "int lenet5_train_step(" "$work/lib/lenet5.h" || fail "no lenet5_train_step in the header"
grep -q '"c1/kernel"' "$work/lib/lenet5.h" || fail "the header does not name the variables as checkpoints do"

# The header is plain C too, and warning-free.
cat > "$work/c_check.c" <<'C'
#include "lenet5.h"
int main(void) {
  int (*infer)(void **) = lenet5_infer_argv, (*step)(void **) = lenet5_train_step_argv;
  return infer && step && lenet5_infer_argument_count == 12 ? 0 : 1;
}
C
cc -std=c99 -Wall -Wextra -Werror -I"$work/lib" "$work/c_check.c" "$work/lib/lenet5.a" -lpthread -ldl -o "$work/c_check"
"$work/c_check" || fail "lenet5_infer should take 12 arguments (x, 10 variables, probabilities)"

# The application: only the library, the C++ standard library and libc.
c++ -std=c++17 -O2 -Wall -Wextra -Werror -I"$work/lib" "$src/tests/e2e/aot_infer.cpp" "$work/lib/lenet5.a" \
  -lpthread -ldl -o "$work/aot_infer"
if ldd "$work/aot_infer" | grep -qi 'halide\|llvm'; then fail "the application links Halide or LLVM: $(ldd "$work/aot_infer")"; fi
"$work/aot_infer" "$work/ck.safetensors" "$images" "$labels" > "$work/aot.txt"
"$graphc" predict "$model" --load "$work/ck.safetensors" --top 2 "$images" > "$work/predict.txt"
[ "$(wc -l < "$work/predict.txt")" = 10000 ] || fail "predict printed $(wc -l < "$work/predict.txt") lines"

# Line by line: the same class with the same probability (4 decimals, one unit of rounding); a
# different class only where the two best probabilities tie.
paste -d'|' <(head -n 10000 "$work/aot.txt") "$work/predict.txt" | awk -F'|' '
  function parse(s, r) { gsub(/[(),]/, " ", s); split(s, r, " "); }
  { parse($1, a); parse($2, p)
    if (a[1] != p[1]) { print "different image order: " $0; bad++; next }
    if (a[2] == p[2]) { if (a[3] - p[3] > 0.00011 || p[3] - a[3] > 0.00011) { print "probability: " $0; bad++ } }
    else if (a[3] - a[5] > 0.00011 || a[2] != p[4]) { print "class: " $0; bad++ } }
  END { exit bad > 0 }' || fail "the library's predictions differ from graphc predict"

accuracy="$(sed -n 's/^accuracy: //p' "$work/aot.txt")"
expected="$("$graphc" eval "$model" --load "$work/ck.safetensors" --quiet | sed -n 's/.*test_accuracy: //p')"
[ -n "$accuracy" ] && [ "$accuracy" = "$expected" ] || fail "library accuracy $accuracy, graphc eval $expected"
grep -q "^train step: loss" "$work/aot.txt" || fail "the train step was not checked"

# Bad input: exit code 2, a message, nothing written.
set +e
"$graphc" compile "$model" --target no-such-target -o "$work/bad" 2> "$work/err1"; code1=$?
"$graphc" compile "$model" -o "$work/missing/parent/dir" 2> "$work/err2"; code2=$?
set -e
[ "$code1" = 2 ] && grep -q "no-such-target" "$work/err1" || fail "a bad --target: exit $code1, $(cat "$work/err1")"
[ "$code2" = 2 ] && grep -q "missing/parent" "$work/err2" || fail "a bad -o: exit $code2, $(cat "$work/err2")"
[ ! -e "$work/bad" ] || fail "a failed compile left $work/bad"
echo "ok: lenet5.a classified 10000 test images as graphc predict does, accuracy $accuracy"

# --target cuda: the same application links against a CUDA library without Halide, LLVM or the
# CUDA libraries (the Halide runtime loads libcuda at run time); the kernels inside are PTX for
# compute capability 8.0. Running it needs a GPU: without one it must fail cleanly, not crash.
"$graphc" compile "$model" --target cuda -o "$work/cuda" > /dev/null
grep -aq "\.target sm_80" "$work/cuda/lenet5.a" || fail "the cuda library holds no PTX for sm_80"
c++ -std=c++17 -O2 -Wall -Wextra -Werror -I"$work/cuda" "$src/tests/e2e/aot_infer.cpp" "$work/cuda/lenet5.a" -lpthread -ldl -o "$work/aot_cuda"
if ldd "$work/aot_cuda" | grep -qi 'halide\|llvm\|libcuda'; then fail "the cuda application links $(ldd "$work/aot_cuda")"; fi
set +e
"$work/aot_cuda" "$work/ck.safetensors" "$images" "$labels" > "$work/cuda.txt" 2> "$work/cuda.err"; code=$?
set -e
if [ "$code" -ge 128 ]; then fail "the cuda application died on signal $((code - 128)): $(tail -3 "$work/cuda.err")"; fi
if [ "$code" = 0 ]; then
  [ "$(sed -n 's/^accuracy: //p' "$work/cuda.txt")" = "$accuracy" ] || fail "the cuda library's accuracy differs from the host's"
  echo "ok: the cuda library ran on a GPU and matches the host library"
else
  echo "ok: the cuda library links without Halide or LLVM; without a GPU it stops cleanly: $(head -n 1 "$work/cuda.err")"
fi
