#!/usr/bin/env bash
# End-to-end (issue 18): scripts/gpu_check.sh parses (bash -n), passes ShellCheck where it is
# installed, and on a machine without an NVIDIA GPU (CI) fails at once, non-zero, saying so,
# before it builds anything. On a GPU machine only the first two are checked here.
set -uo pipefail
src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
script="$src/scripts/gpu_check.sh"
bash -n "$script" || { echo "FAIL: bash -n $script"; exit 1; }
if command -v shellcheck > /dev/null; then
  shellcheck "$script" || { echo "FAIL: shellcheck $script"; exit 1; }
else
  echo "note: no shellcheck here: the script is only parsed"
fi
if nvidia-smi -L 2> /dev/null | grep -q '^GPU '; then
  echo "ok: gpu_check.sh parses (a GPU here: the check itself is for scripts/gpu_check.sh to run)"
  exit 0
fi
BUILD_DIR="$work/build" "$script" > "$work/out" 2>&1; rc=$?
if [ "$rc" != 1 ] || ! grep -q "gpu_check: FAILED: .*NVIDIA GPU" "$work/out"; then
  echo "FAIL: gpu_check.sh without a GPU: exit $rc"; cat "$work/out"; exit 1
fi
[ ! -e "$work/build" ] || { echo "FAIL: gpu_check.sh without a GPU started a build"; exit 1; }
echo "ok: gpu_check.sh parses and, without a GPU, fails at once: $(grep FAILED "$work/out")"
