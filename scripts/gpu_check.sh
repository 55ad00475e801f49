#!/usr/bin/env bash
# The GPU check (docs/distributed.md, "On GPUs"), one command on an NVIDIA machine: builds graphc
# (Release, Ninja, with MPI and NCCL when found), runs the CUDA kernel tests, trains LeNet-5 for one
# epoch of MNIST with --target cuda and prints its images/s; with two GPUs or more also
# `mpirun -np 2 --target cuda` (gradients summed by NCCL) and the NCCL end-to-end test; and, when
# a CUDA-enabled PyTorch is importable, PyTorch with cuDNN on the same model and GPU
# (bench/pytorch_cuda.py). CI has no GPU and never runs it. Without a GPU it fails at once.
# Usage: scripts/gpu_check.sh   (BUILD_DIR, default build; PYTHON, default python3; JOBS, default nproc)
# Exits non-zero on any failure, saying which step failed.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
python="${PYTHON:-python3}"
jobs="${JOBS:-$(nproc)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
started=$SECONDS

step() { echo "== gpu_check [$((SECONDS - started)) s]: $*"; }
fail() {
  echo "gpu_check: FAILED: $*" >&2
  exit 1
}

step "1/5 the GPUs"
command -v nvidia-smi > /dev/null ||
  fail "no nvidia-smi: this check needs an NVIDIA GPU and its driver (CI has none and never runs it)"
gpus=$(nvidia-smi -L 2> /dev/null | grep -c '^GPU ' || true)
[ "$gpus" -ge 1 ] || fail "nvidia-smi -L lists no GPU: this check needs an NVIDIA GPU"
nvidia-smi -L

step "2/5 building graphc in $build (Release, Ninja, $jobs jobs)"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGRAPHC_MPI=ON
fi
cmake --build "$build" -j "$jobs" --target graphc graphc_kernel_tests
graphc="$build/graphc"
"$graphc" --version
nccl=no
if "$graphc" --version | grep -q '^gpu data parallelism: NCCL'; then nccl=yes; fi

step "3/5 the CUDA kernel tests"
# The GPU schedules' kernels and a train step's device residency on CUDA, against the naive
# references and the host target (testing/gpu_apis.h), and NCCL summing Halide's device buffers.
"$build/tests/graphc_kernel_tests" --gtest_filter='Api/*/cuda:NcclExchange.*' 2>&1 | tee "$work/kernels.log" ||
  fail "the CUDA kernel tests (above)"
# On a GPU machine none of them may skip (a skipped test says why, above).
if grep -o '^\[  SKIPPED \] Api/[^ ]*/cuda' "$work/kernels.log" | sort -u | grep .; then
  fail "CUDA kernel tests skipped on a machine with a GPU"
fi
if [ "$nccl" = yes ] && grep -q '^\[  SKIPPED \] NcclExchange.SumsHalideGpuBuffersWhereTheyLie' "$work/kernels.log"; then
  fail "the NCCL test skipped on a machine with a GPU"
fi

step "4/5 LeNet-5, one epoch of MNIST, --target cuda"
if [ ! -f data/mnist/train-images-idx3-ubyte ] && [ ! -f data/mnist/train-images-idx3-ubyte.gz ]; then
  scripts/fetch_mnist.sh data/mnist || fail "no MNIST in data/mnist, and scripts/fetch_mnist.sh could not fetch it"
fi
# field FILE NAME: a number of a --metrics-json object.
field() { "$python" -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
"$graphc" run examples/lenet5.mnn --target cuda --epochs 1 --progress lines --metrics-json "$work/one.json" ||
  fail "graphc run --target cuda"
one=$(field "$work/one.json" train_images_per_second)
two=""
if [ "$gpus" -ge 2 ]; then
  command -v mpirun > /dev/null || fail "two GPUs, but no mpirun (scripts/setup.sh installs openmpi-bin)"
  mpirun=(mpirun --bind-to none)
  [ "$(id -u)" != 0 ] || mpirun+=(--allow-run-as-root)
  [ "$nccl" = yes ] || echo "note: this graphc has no NCCL: -np 2 sums its gradients on the host"
  "${mpirun[@]}" -np 2 "$graphc" run examples/lenet5.mnn --target cuda --epochs 1 --progress lines \
    --metrics-json "$work/two.json" || fail "mpirun -np 2 graphc run --target cuda"
  two=$(field "$work/two.json" train_images_per_second)
  allreduce=$(field "$work/two.json" allreduce_seconds)
  # -np 2 on two GPUs holds one process's weights (tests/e2e/nccl_training.sh).
  ctest --test-dir "$build" -R '^e2e\.nccl_training$' --output-on-failure || fail "e2e.nccl_training"
else
  echo "one GPU: no mpirun -np 2 run (it needs a GPU per rank)"
fi

step "5/5 PyTorch with cuDNN on the same model and GPU"
torch_line=""
if "$python" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2> /dev/null; then
  torch_line=$("$python" bench/pytorch_cuda.py lenet5 --batch 32 --epochs 1) || fail "bench/pytorch_cuda.py"
else
  echo "no CUDA-enabled PyTorch importable by $python (PYTHON=... names another): PyTorch is left out"
fi

echo
echo "LeNet-5, one epoch of MNIST at batch 32 (images/s of training; steps that compiled kernels left out):"
echo "  graphc --target cuda, one GPU: $one"
if [ -n "$two" ]; then
  echo "  graphc --target cuda, mpirun -np 2 (NCCL: $nccl): $two (allreduce ${allreduce} s on rank 0)"
fi
if [ -n "$torch_line" ]; then echo "  $torch_line"; fi
echo "gpu_check: passed in $((SECONDS - started)) s"
