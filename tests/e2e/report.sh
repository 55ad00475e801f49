#!/usr/bin/env bash
# End-to-end (issue 15): `graphc report LOGDIR` writes one self-contained report.html (every image
# a data: URI, nothing fetched) that headless Chromium (Debian's chromium, a test-only tool that
# scripts/test.sh installs) renders: the screenshot is not one colour and shows the pictures'
# colours (the curves' blue, the confusion matrix's darkest blue), and the page logs nothing to
# the console. Without chromium the test is skipped (exit 77), except under CI=true.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }
if ! command -v chromium > /dev/null || ! $py -c "import PIL" 2>/dev/null; then
  echo "SKIP: chromium or python3-pil is not installed (scripts/test.sh installs them)"
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi
L="$work/log"
"$graphc" run "$src/examples/lenet5.mnn" --steps 300 --log-dir "$L" --progress none > "$work/out" ||
  fail "the run failed: $(cat "$work/out")"
"$graphc" report "$L" > "$work/out" && [ "$(cat "$work/out")" = "wrote $L/report.html" ] ||
  fail "graphc report: $(cat "$work/out")"
ls "$L"/report.html.tmp-* > /dev/null 2>&1 && fail "a temporary file is left"
# Self-contained: three images, all data: URIs; no other source, link or stylesheet reference.
[ "$(grep -o '<img src="data:image/png;base64,' "$L/report.html" | wc -l)" = 3 ] || fail "not three inline images"
grep -Eo '(src|href)="[^"]*' "$L/report.html" | grep -v '^src="data:image/png;base64,' && fail "an outside reference"
for text in "lenet5" "Hyper-parameters" "learning_rate" "Total params" "val_acc"; do
  grep -q "$text" "$L/report.html" || fail "report.html does not say '$text'"
done

# --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" --window-size=1280,4000 \
  --screenshot="$work/shot.png" --enable-logging=stderr --v=0 "file://$L/report.html" > "$work/chromium.out" 2>&1 ||
  fail "chromium failed: $(tail -5 "$work/chromium.out")"
grep -E "CONSOLE|Uncaught|ERR_" "$work/chromium.out" && fail "the page logged the messages above"
$py - "$work/shot.png" <<'PY' || exit 1
import sys
from PIL import Image
image = Image.open(sys.argv[1]).convert("RGB")
colours = {c for _, c in image.getcolors(maxcolors=1 << 24)}
if len(colours) < 3:
    sys.exit(f"FAIL: the screenshot is blank ({len(colours)} colours)")
for c in [(31, 119, 180), (8, 48, 107)]:
    if c not in colours:
        sys.exit(f"FAIL: the screenshot lacks {c}: a picture is not shown")
print(f"ok: the screenshot ({image.width}x{image.height}) shows the report, {len(colours)} colours")
PY
echo "ok: report.html is self-contained and renders in headless Chromium without console messages"
