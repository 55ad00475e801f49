#!/usr/bin/env bash
# End-to-end: every example (or the models named after GRAPHC SRC) trained briefly, exported with
# `graphc export`, checked with ONNX's checker (python3-onnx) and run on 100 test images by ONNX
# Runtime (npm onnxruntime-node, through ort_run.js) and by graphc (`graphc predict`): the
# probabilities agree to 1e-4 and the accuracy is the same; the autoencoder's reconstructions
# (`graphc infer`) agree to 1e-4 and so does their loss (onnx_export.py).
# ONNX Runtime and python3-onnx are test-only oracles scripts/test.sh installs (ONNX Runtime into
# BUILD/onnxruntime, beside the graphc binary; ORT_DIR overrides): without them the test is
# skipped (exit 77), except under CI=true, where a missing oracle is a failure.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ort_dir="${ORT_DIR:-$(dirname "$graphc")/onnxruntime}"
missing=""
/usr/bin/python3 -c "import onnx, numpy" 2>/dev/null || missing=" python3-onnx"
NODE_PATH="$ort_dir/node_modules" node -e "require('onnxruntime-node')" 2>/dev/null ||
  missing="$missing onnxruntime-node (in $ort_dir)"
if [ -n "$missing" ]; then
  echo "missing test oracles:$missing (scripts/test.sh installs them)"
  if [ "${CI:-}" = "true" ]; then echo "FAIL: CI=true and an oracle is missing"; exit 1; fi
  exit 77
fi
export NODE_PATH="$ort_dir/node_modules"
/usr/bin/python3 "$src/tests/e2e/onnx_export.py" "$graphc" "$src" "$work" "${@:3}"
