#!/usr/bin/env bash
# End-to-end: `dump --stage ptx --target cuda` prints the PTX of every example's train step (no GPU
# needed), and NVIDIA's assembler accepts it for sm_80 (A100) and sm_90 (H100) when the CUDA
# toolkit is installed ($PTXAS, else /usr/local/cuda/bin/ptxas, else ptxas on the PATH).
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ptxas="${PTXAS:-/usr/local/cuda/bin/ptxas}"
[ -x "$ptxas" ] || ptxas="$(command -v ptxas || true)"
[ -n "$ptxas" ] || echo "note: no ptxas (CUDA toolkit): the PTX is checked for kernels but not assembled"
failures=0; passed=0
for model in "$src"/examples/*.mnn; do
  name=$(basename "$model" .mnn)
  # The version-2 examples have hundreds of kernels each (CI's minutes: mobilenet_mnist's PTX alone
  # took over 7 of them); the GPU schedules of their ops are compiled by the GpuScheduleV2 tests.
  case "$name" in resnet_fashion | mobilenet_mnist | autoencoder) continue ;; esac
  if ! "$graphc" dump "$model" --stage ptx --target cuda -o "$work/$name.ptx" 2> "$work/err"; then
    echo "FAIL: dump $name --stage ptx"; cat "$work/err"; failures=$((failures + 1)); continue
  fi
  kernels=$(grep -c '^\.visible \.entry _kernel_' "$work/$name.ptx")
  if [ "$kernels" -lt 1 ] || ! grep -q '^\.target sm_80' "$work/$name.ptx"; then
    echo "FAIL: $name: no sm_80 kernels in the PTX dump"; failures=$((failures + 1)); continue
  fi
  for arch in sm_80 sm_90; do
    [ -n "$ptxas" ] || continue
    if "$ptxas" --gpu-name "$arch" "$work/$name.ptx" -o "$work/$name.$arch.cubin" 2> "$work/err"; then
      passed=$((passed + 1))
    else
      echo "FAIL: ptxas --gpu-name $arch rejects the PTX of $name"; head -20 "$work/err"; failures=$((failures + 1))
    fi
  done
  echo "$name: $kernels kernels"
done
# Only CUDA targets have PTX.
if "$graphc" dump "$src/examples/mlp.mnn" --stage ptx --target opencl > /dev/null 2>&1; then
  echo "FAIL: --stage ptx --target opencl was accepted"; failures=$((failures + 1))
fi
# Without a GPU, running on CUDA fails up front with a clear message and exit code 1 (cli.md: a
# device error); a target that is not one is a flag error (exit 2).
if [ ! -e /dev/nvidia0 ]; then
  "$graphc" run "$src/examples/mlp.mnn" --target cuda --steps 1 > "$work/out" 2>&1; rc=$?
  if [ "$rc" != 1 ] || ! grep -q 'no cuda device' "$work/out"; then
    echo "FAIL: run --target cuda without a GPU: exit $rc"; cat "$work/out"; failures=$((failures + 1))
  fi
fi
"$graphc" run "$src/examples/mlp.mnn" --target vulkan-please --steps 1 > "$work/out" 2>&1; rc=$?
if [ "$rc" != 2 ] || ! grep -q 'expects host, cuda, opencl' "$work/out"; then
  echo "FAIL: run --target vulkan-please: exit $rc"; cat "$work/out"; failures=$((failures + 1))
fi
echo "$passed assembled, $failures failed"
[ "$failures" = 0 ]
