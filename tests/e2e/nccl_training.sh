#!/usr/bin/env bash
# End-to-end (issue 18, GPUs): `mpirun -np 2 graphc run --target cuda` sums the gradients with NCCL
# on two GPUs, one per rank. As on the CPU (mpi_training.sh), the ranks compute the math of one
# process at the global batch: after 50 steps of LeNet-5 the weights agree with one process on one
# GPU within relative 1e-4 (safetensors_close.py, the standard library reading both files), and
# the run's allreduce_seconds counts NCCL's time. Needs two NVIDIA GPUs and a graphc built with
# NCCL; skipped (77) without them, as on CI. scripts/gpu_check.sh runs it on a GPU machine.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$graphc" --version | grep -q "^gpu data parallelism: NCCL" ||
  { echo "skipped: this graphc was built without NCCL (GRAPHC_NCCL, the CUDA toolkit's libnccl)"; exit 77; }
gpus=$(nvidia-smi -L 2> /dev/null | grep -c '^GPU ')
[ "${gpus:-0}" -ge 2 ] || { echo "skipped: needs two NVIDIA GPUs (nvidia-smi -L lists ${gpus:-0})"; exit 77; }
source "$src/tests/e2e/mpi_lib.sh"
model="$src/examples/lenet5.mnn"
close="$src/tests/e2e/safetensors_close.py"

"${mpirun[@]}" -np 2 "$graphc" run "$model" --target cuda --batch 64 --steps 50 --quiet --save "$work/two.st" \
  --metrics-json "$work/two.json" > /dev/null 2> "$work/err" || { echo "FAIL: mpirun -np 2 --target cuda"; cat "$work/err"; exit 1; }
"$graphc" run "$model" --target cuda --batch 64 --steps 50 --quiet --save "$work/one.st" > /dev/null ||
  { echo "FAIL: one process --target cuda"; exit 1; }
! grep -q "summed on the host" "$work/err" || { echo "FAIL: NCCL was not used:"; cat "$work/err"; exit 1; }
python3 "$close" "$work/two.st" "$work/one.st" 1e-4 ||
  { echo "FAIL: -np 2 (NCCL) and one process differ after 50 steps"; exit 1; }
# The comparison can fail: one step less is far from it.
"$graphc" run "$model" --target cuda --batch 64 --steps 49 --quiet --save "$work/short.st" > /dev/null || exit 1
! python3 "$close" "$work/short.st" "$work/one.st" 1e-4 > /dev/null ||
  { echo "FAIL: the comparison passes 49 steps"; exit 1; }
python3 - "$work/two.json" << 'PY' || { echo "FAIL: metrics: $(cat "$work/two.json")"; exit 1; }
import json, sys
m = json.load(open(sys.argv[1]))
assert m["target"] == "cuda" and m["ranks"] == 2 and m["allreduce_seconds"] > 0, m
PY
echo "ok: mpirun -np 2 --target cuda (NCCL) holds one GPU's weights after 50 steps"
