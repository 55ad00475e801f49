#!/usr/bin/env bash
# End-to-end: `graphc dump --stage all -o DIR` writes one file per stage, numbered in pipeline order
# (01-ast.txt ... 11-dot.txt), each byte for byte what `graphc dump --stage NAME` prints; a model
# without a train block gets the stages it has; `--stage all` without -o is a flag error.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0; passed=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

stages=(ast graph grad opt fused halide stmt asm ptx mlir dot)
for model in "$src/tests/golden/tiny_mlp.mnn" "$src/examples/lenet5.mnn"; do
  name=$(basename "$model" .mnn)
  "$graphc" dump "$model" --stage all -o "$work/$name/all" 2> "$work/err" || { fail "dump $name --stage all"; cat "$work/err"; continue; }
  [ "$(ls "$work/$name/all" | wc -l)" = "${#stages[@]}" ] || fail "$name: expected ${#stages[@]} files, found $(ls "$work/$name/all")"
  for i in "${!stages[@]}"; do
    stage=${stages[$i]}
    file="$work/$name/all/$(printf '%02d' $((i + 1)))-$stage.txt"
    [ -s "$file" ] || { fail "$name: $file is missing or empty"; continue; }
    "$graphc" dump "$model" --stage "$stage" -o "$work/$name/$stage" || { fail "dump $name --stage $stage"; continue; }
    if cmp -s "$file" "$work/$name/$stage"; then passed=$((passed + 1))
    else fail "$name: $(basename "$file") differs from --stage $stage"; diff "$work/$name/$stage" "$file" | head -5; fi
  done
done

# No train block: the stages of the forward graph only (the MLIR export returns its one output).
printf 'x = placeholder(f32, [?, 4])\nw = variable([4, 2])\nz = x @ w\n' > "$work/forward.mnn"
if "$graphc" dump "$work/forward.mnn" --stage all -o "$work/forward" 2> "$work/err"; then
  [ "$(ls "$work/forward" | tr '\n' ' ')" = "01-ast.txt 02-graph.txt 10-mlir.txt " ] && passed=$((passed + 1)) ||
    fail "forward-only model: expected 01-ast.txt 02-graph.txt 10-mlir.txt, found $(ls "$work/forward" | tr '\n' ' ')"
else
  fail "dump forward.mnn --stage all"; cat "$work/err"
fi

"$graphc" dump "$src/examples/lenet5.mnn" --stage all > /dev/null 2> "$work/err"
rc=$?
if [ "$rc" = 2 ] && grep -q 'graphc dump: --stage all writes one file per stage and needs -o DIR' "$work/err"; then
  passed=$((passed + 1))
else
  fail "--stage all without -o exited $rc"; cat "$work/err"
fi
echo "$passed passed, $failures failed"
[ "$failures" = 0 ]
