#!/usr/bin/env bash
# End-to-end: three training steps of a model with BatchNorm, a strided convolution, max and
# average pooling and tanh, from weights graphc loads, against PyTorch for SGD with momentum, Adam
# and RMSprop, and of issue 19's Conv2D(relu) -> BatchNorm case at batch 64 (which the float32
# single-accumulator statistics of graphc before that issue fail by 42x the tolerance)
# (pytorch_steps.py), rtol 1e-3 / atol 1e-4 on every tensor of the checkpoint.
# PyTorch (Debian's python3-torch) is a test-only oracle that scripts/test.sh installs: without
# it the test is skipped (exit 77), except under CI=true, where a missing oracle is a failure.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! /usr/bin/python3 -c "import torch, numpy" 2>/dev/null; then
  echo "PyTorch (python3-torch) is not installed: scripts/test.sh installs it"
  if [ "${CI:-}" = "true" ]; then echo "FAIL: CI=true and the PyTorch oracle is missing"; exit 1; fi
  exit 77
fi
/usr/bin/python3 "$src/tests/e2e/pytorch_steps.py" "$graphc" "$src" "$work"
