#!/usr/bin/env bash
# Golden dumps: the graph, grad and fused stages of a few models must match the checked-in text
# in tests/golden/, so that an unintended change of the compiler's output shows up as a diff.
# UPDATE_GOLDEN=1 rewrites the expected files on purpose (review the diff before committing).
set -uo pipefail
graphc="$1"; src="$2"; golden="$src/tests/golden"
failures=0; passed=0
for model in "$golden/tiny_mlp.mnn" "$src/examples/lenet5.mnn"; do
  name=$(basename "$model" .mnn)
  for stage in graph grad opt fused; do
    expected="$golden/$name.$stage.expected"
    actual=$("$graphc" dump "$model" --stage "$stage") || { echo "FAIL: dump $name --stage $stage"; failures=$((failures + 1)); continue; }
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
      printf '%s\n' "$actual" > "$expected"; echo "updated $expected"; passed=$((passed + 1)); continue
    fi
    if diff -u "$expected" <(printf '%s\n' "$actual"); then passed=$((passed + 1))
    else echo "FAIL: $name --stage $stage differs from $expected (UPDATE_GOLDEN=1 to accept)"; failures=$((failures + 1)); fi
  done
done
echo "$passed passed, $failures failed"
[ "$failures" = 0 ]
