#!/usr/bin/env bash
# End-to-end: every dump stage works for every example (non-empty output, exit 0), and the
# Graphviz output is well formed enough for `dot` when Graphviz is installed.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0; passed=0
for model in "$src"/examples/*.mnn; do
  name=$(basename "$model" .mnn)
  stages="ast graph grad opt fused halide stmt asm dot mlir"
  # The MLIR export needs class scores; tests/e2e/mlir.sh checks the autoencoder's clear refusal.
  [ "$name" = autoencoder ] && stages="${stages% mlir}"
  # The larger version-2 examples skip the stages that compile every kernel (hundreds each: CI's
  # minutes); their ops are compiled by e2e.v2_examples, which trains them.
  case "$name" in resnet_fashion | autoencoder | mobilenet_mnist) stages="ast graph grad opt fused dot${stages##*dot}" ;; esac
  for stage in $stages; do
    if "$graphc" dump "$model" --stage "$stage" -o "$work/$name.$stage" 2> "$work/err" && [ -s "$work/$name.$stage" ]; then
      passed=$((passed + 1))
    else
      echo "FAIL: dump $name --stage $stage"; cat "$work/err"; failures=$((failures + 1))
    fi
  done
  if command -v dot > /dev/null && ! dot -Tsvg "$work/$name.dot" -o /dev/null; then
    echo "FAIL: Graphviz rejects the dot dump of $name"; failures=$((failures + 1))
  fi
done
echo "$passed passed, $failures failed"
[ "$failures" = 0 ]
