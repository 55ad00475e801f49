#!/usr/bin/env bash
# End-to-end: LeNet-5 trained for 200 steps with --target opencl (the GPU schedules, run by PoCL
# on this CPU, from a cold PoCL kernel cache as on a fresh CI machine) and with --target host
# from the same seed: the two loss curves (mean loss of every 20 steps) and the test results
# agree within float tolerance. Exits 77 (ctest: skipped) when no OpenCL platform is installed.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! ls /etc/OpenCL/vendors/*.icd > /dev/null 2>&1; then
  echo "SKIP: no OpenCL platform installed (scripts/setup.sh installs pocl-opencl-icd)"; exit 77
fi
export POCL_CACHE_DIR="$work/pocl-cache"
# The example with a report every 20 steps and no validation pass (PoCL runs the GPU schedules
# several times slower than the CPU ones; the test set is still evaluated once at the end).
sed -e '/early_stopping/d' -e 's/^\( *\)metrics *=.*/&\n\1validation = none\n\1eval_every = 20/' \
  "$src/examples/lenet5.mnn" > "$work/lenet5.mnn"
grep -q 'eval_every = 20' "$work/lenet5.mnn" || { echo "FAIL: could not derive the model"; exit 1; }
for target in host opencl; do
  if ! "$graphc" run "$work/lenet5.mnn" --target "$target" --steps 200 --seed 3 --quiet \
       --metrics-json "$work/$target.json" > "$work/$target.out" 2>&1; then
    echo "FAIL: graphc run --target $target"; cat "$work/$target.out"; exit 1
  fi
done
python3 - "$work/host.json" "$work/opencl.json" <<'PY'
import json, sys
host, gpu = (json.load(open(p)) for p in sys.argv[1:3])
assert gpu["target"] == "opencl" and host["target"] == "host", (host["target"], gpu["target"])
hl = [h["loss"] for h in host["history"]]
gl = [h["loss"] for h in gpu["history"]]
assert len(hl) == 10 and len(gl) == 10, f"expected 10 reports of 20 steps, got {len(hl)} and {len(gl)}"
assert hl[-1] < hl[0] - 0.2, f"the host run did not learn: {hl}"
worst = max(abs(a - b) / max(abs(a), 1e-3) for a, b in zip(hl, gl))
for key in ("test_loss", "test_accuracy"):
    worst = max(worst, abs(host[key] - gpu[key]) / max(abs(host[key]), 1e-3))
print("host  ", " ".join(f"{x:.5f}" for x in hl))
print("opencl", " ".join(f"{x:.5f}" for x in gl))
print(f"test loss {host['test_loss']:.5f} vs {gpu['test_loss']:.5f}, accuracy {host['test_accuracy']:.4f} vs {gpu['test_accuracy']:.4f}; largest relative difference {worst:.2e}")
assert worst < 1e-3, f"FAIL: the curves differ by {worst:.2e} (relative), more than float rounding"
PY
