#!/usr/bin/env bash
# End-to-end (issue 15): `graphc bench` measures again a peak cached by a busier run, shows a kernel
# above 100 % of the peak only with a header that names its rate (the peak itself stays the FMA
# loop's figure), names every row by layer, ops and source line, sorts rows by time,
# says whether the peak is cached or measured, and measures it again on --remeasure-peak;
# --step-only times the whole step only, with kernels from the disk cache.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GRAPHC_CACHE="$work/cache"
mkdir -m 700 "$GRAPHC_CACHE"
fail() { echo "FAIL: $*"; exit 1; }
threads=$(nproc)
cpu=$(grep -m1 "^model name" /proc/cpuinfo | sed 's/^[^:]*: //'); [ -n "$cpu" ] || cpu="unknown CPU"
peak_file="$GRAPHC_CACHE/peak-gflops-v4-threads-$threads"
fake_peak() {  # a peak cached a minute ago for this CPU and thread count
  printf 'gflops %s\ncpu %s\nthreads %s\nmeasured_at %s\n' "$1" "$cpu" "$threads" "$(($(date +%s) - 60))" > "$peak_file"
}
check_table() {  # FILE: rows named, sorted by time, none above 100 % of peak unless the header says why
  /usr/bin/python3 - "$1" <<'PY' || exit 1
import re, sys
lines = open(sys.argv[1]).read().splitlines()
head = lines[0]
if not re.search(r"peak [\d.]+ GFLOP/s \((cached|measured)", head):
    sys.exit(f"FAIL: the header does not say cached or measured: {head}")
start = next(i for i, l in enumerate(lines) if l.startswith("kernel ")) + 1
end = next(i for i, l in enumerate(lines) if l.startswith("total "))
rows = lines[start:end]
named = r"^(\w+): (grad )?[\w+.]+( \(\d+ ops\))? \(lenet5\.mnn:\d+\) +"
unnamed = [r for r in rows if not re.match(named, r)]
if unnamed:
    sys.exit(f"FAIL: rows not named by layer and line: {unnamed}")
ms = [float(r.split(")")[-1].split()[0]) if ")" in r else float(r.split()[3]) for r in rows]
if ms != sorted(ms, reverse=True):
    sys.exit(f"FAIL: rows not sorted by time: {ms}")
over = [r for r in rows if float(re.findall(r"([\d.]+)%", r)[1]) > 100.0]
if over and "a kernel ran at" not in head:
    sys.exit(f"FAIL: kernels above 100 % of peak and the header does not say why: {over}")
shares = sum(float(re.findall(r"([\d.]+)%", r)[0]) for r in rows)
if abs(shares - 100) > 0.5 + 0.05 * len(rows):
    sys.exit(f"FAIL: the shares add up to {shares}%")
print(f"ok: {len(rows)} rows named by layer and line, slowest first, none above 100 % of peak ({head})")
PY
}

# A run on an empty cache measures the peak.
"$graphc" bench "$src/examples/lenet5.mnn" --runs 3 > "$work/first" || fail "bench failed: $(cat "$work/first")"
grep -q "GFLOP/s (measured" "$work/first" || fail "an empty cache did not give a measured peak: $(head -n 1 "$work/first")"
check_table "$work/first"
# A peak cached by a busier run (5 GFLOP/s): measured again, so no kernel exceeds it.
fake_peak 5
"$graphc" bench "$src/examples/lenet5.mnn" --runs 3 > "$work/second" || fail "bench failed"
grep -q "GFLOP/s (measured" "$work/second" || fail "a too-low cached peak was kept: $(head -n 1 "$work/second")"
check_table "$work/second"
grep -q "^gflops 5$" "$peak_file" && fail "the too-low peak stayed in the cache"

# A valid cached peak above every kernel is used and said to be cached; --remeasure-peak replaces it.
fake_peak 1000000
"$graphc" bench "$src/examples/mlp.mnn" --runs 2 --json > "$work/cached.json" || fail "bench --json failed"
"$graphc" bench "$src/examples/mlp.mnn" --runs 2 --json --remeasure-peak > "$work/remeasured.json" ||
  fail "bench --remeasure-peak failed"
/usr/bin/python3 - "$work/cached.json" "$work/remeasured.json" <<'PY' || exit 1
import json, re, sys
cached, remeasured = (json.load(open(p)) for p in sys.argv[1:])
if cached["peak"] != "cached" or cached["peak_gflops"] != 1000000:
    sys.exit(f"FAIL: the valid cached peak was not used: {cached['peak']} {cached['peak_gflops']}")
if remeasured["peak"] != "measured" or remeasured["peak_gflops"] >= 1000000:
    sys.exit(f"FAIL: --remeasure-peak kept the cached peak: {remeasured['peak']} {remeasured['peak_gflops']}")
for k in remeasured["kernels"]:
    for field in ("name", "layer", "ops", "source", "median_ms", "share", "mflop", "gflops", "percent_of_peak"):
        if field not in k:
            sys.exit(f"FAIL: --json kernel lacks {field}: {k}")
    if k["percent_of_peak"] > 100 or (k["source"] and not re.fullmatch(r"mlp\.mnn:\d+", k["source"])):
        sys.exit(f"FAIL: {k}")
print(f"ok: --json says cached for a valid cached peak, measured with --remeasure-peak ({remeasured['peak_gflops']:.1f} GFLOP/s)")
PY
grep -q "^gflops 1000000$" "$peak_file" && fail "--remeasure-peak did not rewrite the cache"

# --step-only: the whole step and the inference pass, no kernel rows, kernels cached on disk.
"$graphc" bench "$src/examples/mlp.mnn" --runs 2 --json --step-only > "$work/step.json" || fail "bench --step-only failed"
/usr/bin/python3 - "$work/step.json" <<'PY' || exit 1
import json, sys
j = json.load(open(sys.argv[1]))
if not j["step_only"] or j["kernels"] or j["train_step"]["images_per_second"] <= 0 or j["inference"]["images_per_second"] <= 0:
    sys.exit(f"FAIL: --step-only: {j}")
print("ok: --step-only times the step and the inference pass only")
PY
ls "$GRAPHC_CACHE"/kernels/*.so > /dev/null 2>&1 || fail "--step-only did not use the disk cache"
echo "ok: bench's peak"
