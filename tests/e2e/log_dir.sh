#!/usr/bin/env bash
# End-to-end (issue 15): `graphc run --log-dir` writes metrics.csv (one row per epoch, the numbers
# of --metrics-json's history), test.csv, and TensorBoard event files that an independent reader
# (tests/e2e/tfevents_reader.py: Debian's protobuf and crcmod) decodes, CRCs valid, to the same
# numbers; curves.png, predictions.png and confusion.png (checked with PIL) from the test predictions
# it saves (predictions.csv and samples.idx, checked against the MNIST files), drawn again by
# `graphc plot`; `graphc eval --log-dir` adds a test row; a folder holding a log of other columns is refused.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
if ! $py -c "import google.protobuf, crcmod, PIL" 2>/dev/null; then
  echo "SKIP: python3-protobuf, python3-crcmod or python3-pil is not installed (scripts/test.sh installs them)"
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }
L="$work/logs/lenet"
"$graphc" run "$src/examples/lenet5.mnn" --epochs 2 --log-dir "$L" --metrics-json "$work/m.json" \
  --save "$work/ck.safetensors" > "$work/out" || fail "the run failed: $(cat "$work/out")"
for f in train validation test; do
  ls "$L/$f"/events.out.tfevents.* > "$work/$f.files" 2> /dev/null || fail "no event file in $L/$f"
  [ "$(wc -l < "$work/$f.files")" = 1 ] || fail "$(wc -l < "$work/$f.files") event files in $L/$f"
  $py "$src/tests/e2e/tfevents_reader.py" "$(cat "$work/$f.files")" > "$work/$f.events" || fail "reading $f's events"
done
$py - "$L" "$work" <<'PY' || exit 1
import csv, json, struct, sys
L, work = sys.argv[1], sys.argv[2]
def fail(message):
    sys.exit("FAIL: " + message)
f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]
m = json.load(open(f"{work}/m.json"))
rows = list(csv.DictReader(open(f"{L}/metrics.csv")))
header = open(f"{L}/metrics.csv").readline().strip()
if header != "epoch,step,seconds,lr,loss,acc,val_loss,val_acc":
    fail(f"metrics.csv's header is {header}")
if len(rows) != 2:
    fail(f"metrics.csv has {len(rows)} rows, expected 2")
for row, h, step in zip(rows, m["history"], (1875, 3750)):
    expected = {"epoch": h["epoch"], "step": step, "seconds": h["seconds"], "lr": 0.01, "loss": h["loss"],
                "acc": h["accuracy"], "val_loss": h["val_loss"], "val_acc": h["val_accuracy"]}
    for k, v in expected.items():  # --metrics-json writes 10 significant digits
        if abs(float(row[k]) - v) > 1e-9 * max(1, abs(v)):
            fail(f"metrics.csv epoch {row['epoch']}: {k} = {row[k]}, --metrics-json says {v}")
def events(name):
    return [json.loads(line) for line in open(f"{work}/{name}.events")]
for name in ("train", "validation", "test"):
    e = events(name)
    if e[0].get("file_version") != "brain.Event:2":
        fail(f"{name}: the first event is {e[0]}, not file_version brain.Event:2")
train, validation, test = events("train")[1:], events("validation")[1:], events("test")[1:]
if [e["step"] for e in train] != [1875, 3750] or [e["step"] for e in validation] != [1875, 3750]:
    fail(f"event steps {[e['step'] for e in train]}, {[e['step'] for e in validation]}")
for row, t, v in zip(rows, train, validation):
    want_t = {"loss": f32(float(row["loss"])), "acc": f32(float(row["acc"])), "lr": f32(0.01)}
    want_v = {"loss": f32(float(row["val_loss"])), "acc": f32(float(row["val_acc"]))}
    if t["scalars"] != want_t or v["scalars"] != want_v:
        fail(f"step {t['step']}: events {t['scalars']} {v['scalars']}, CSV {want_t} {want_v}")
tests = list(csv.DictReader(open(f"{L}/test.csv")))
if len(test) != 1 or test[0]["step"] != 3750 or \
   test[0]["scalars"] != {"loss": f32(float(tests[0]["loss"])), "acc": f32(float(tests[0]["acc"]))} or \
   abs(float(tests[0]["loss"]) - m["test_loss"]) > 1e-9 or tests[0]["step"] != "3750":
    fail(f"test events {test}, test.csv {tests}, --metrics-json {m['test_loss']} {m['test_accuracy']}")
print("ok: metrics.csv, test.csv and the event files (CRCs valid) hold --metrics-json's numbers")
PY
# The epoch lines print the same numbers, rounded.
line=$(grep "^Epoch 2/2" "$work/out")
row=$(sed -n 3p "$L/metrics.csv")
loss=$(echo "$row" | cut -d, -f5)
[[ "$line" == *"loss: $(printf %.4f "$loss") "* ]] || fail "epoch line '$line' vs CSV row '$row'"

# curves.png: drawn at the end of the run, a PNG of at least 400x300 pixels that is not one colour;
# `graphc plot` draws it again; a folder without metrics.csv is an input error.
check_png() {
  $py - "$1" <<'PY' || exit 1
import sys
from PIL import Image
image = Image.open(sys.argv[1])
image.verify()
image = Image.open(sys.argv[1]).convert("RGB")
colours = image.getcolors(maxcolors=1 << 20)
if image.width < 400 or image.height < 300 or colours is None or len(colours) < 3:
    sys.exit(f"FAIL: {sys.argv[1]} is {image.width}x{image.height} with {len(colours or [])} colours")
# Both curves are drawn: matplotlib's blue (training) and orange (validation) appear.
have = {c for _, c in colours}
if (31, 119, 180) not in have or (255, 127, 14) not in have:
    sys.exit(f"FAIL: {sys.argv[1]} lacks the training or the validation curve's colour")
print(f"ok: {sys.argv[1]}: {image.width}x{image.height}, {len(colours)} colours")
PY
}
check_png "$L/curves.png"

# The test predictions the run saved: predictions.csv's labels are MNIST's test labels and its
# predictions score test.csv's accuracy; samples.idx holds the first 25 test images (both read
# here from the IDX files themselves).
$py - "$L" "$src/data/mnist" <<'PY' || exit 1
import csv, sys
L, mnist = sys.argv[1], sys.argv[2]
def fail(message):
    sys.exit("FAIL: " + message)
labels = open(f"{mnist}/t10k-labels-idx1-ubyte", "rb").read()[8:]
images = open(f"{mnist}/t10k-images-idx3-ubyte", "rb").read()[16:]
rows = list(csv.DictReader(open(f"{L}/predictions.csv")))
if [int(r["index"]) for r in rows] != list(range(10000)) or [int(r["label"]) for r in rows] != list(labels):
    fail("predictions.csv's indices or labels are not the MNIST test set's")
right = sum(r["label"] == r["predicted"] for r in rows) / len(rows)
acc = float(list(csv.DictReader(open(f"{L}/test.csv")))[-1]["acc"])
if abs(right - acc) > 1e-6:
    fail(f"predictions.csv has {right} right, test.csv says acc {acc}")
samples = open(f"{L}/samples.idx", "rb").read()
if samples[:16] != bytes([0, 0, 8, 3, 0, 0, 0, 25, 0, 0, 0, 28, 0, 0, 0, 28]) or samples[16:] != images[:25 * 784]:
    fail("samples.idx is not the first 25 test images as an IDX file")
print(f"ok: predictions.csv ({right} right, as test.csv's acc) and samples.idx")
PY
# predictions.png: the 25 titles in matplotlib's blue (right) and red (wrong, if any of the 25 is);
# confusion.png: the counts over white to Blues' darkest blue.
check_picture() {  # FILE COLOUR... : a valid PNG of at least 400x300, not one colour, with these colours
  $py - "$@" <<'PY' || exit 1
import sys
from PIL import Image
path, wanted = sys.argv[1], [tuple(map(int, c.split(","))) for c in sys.argv[2:]]
image = Image.open(path)
image.verify()
image = Image.open(path).convert("RGB")
colours = image.getcolors(maxcolors=1 << 20)
if image.width < 400 or image.height < 300 or colours is None or len(colours) < 3:
    sys.exit(f"FAIL: {path} is {image.width}x{image.height} with {len(colours or [])} colours")
have = {c for _, c in colours}
for c in wanted:
    if c not in have:
        sys.exit(f"FAIL: {path} lacks the colour {c}")
print(f"ok: {path}: {image.width}x{image.height}, {len(colours)} colours")
PY
}
wrong=$(awk -F, 'NR > 1 && NR <= 26 && $2 != $3' "$L/predictions.csv" | wc -l)
red=""; [ "$wrong" -gt 0 ] && red="214,39,40"
check_picture "$L/predictions.png" 31,119,180 $red
check_picture "$L/confusion.png" 8,48,107
rm "$L/curves.png" "$L/predictions.png" "$L/confusion.png"
"$graphc" plot "$L" > "$work/plot.out" || fail "graphc plot failed"
[ "$(grep -c "^wrote " "$work/plot.out")" = 3 ] || fail "graphc plot: $(cat "$work/plot.out")"
check_png "$L/curves.png"
check_picture "$L/predictions.png" 31,119,180 $red
check_picture "$L/confusion.png" 8,48,107
"$graphc" plot "$work" > /dev/null 2> "$work/err"; rc=$?
[ "$rc" = 2 ] && grep -q "metrics.csv: cannot read it" "$work/err" || fail "plot of a folder without a log: rc $rc"
# A damaged predictions.csv is an input error (exit 2) naming the line.
mkdir "$work/damaged" && cp "$L/metrics.csv" "$L/samples.idx" "$work/damaged/"
printf 'index,label,predicted\n0,7,x\n' > "$work/damaged/predictions.csv"
"$graphc" plot "$work/damaged" > /dev/null 2> "$work/err"; rc=$?
[ "$rc" = 2 ] && grep -q "predictions.csv:2: expected index,label,predicted" "$work/err" ||
  fail "plot of a damaged predictions.csv: rc $rc $(cat "$work/err")"

# eval --log-dir appends a test row at the checkpoint's step.
"$graphc" eval "$src/examples/lenet5.mnn" --load "$work/ck.safetensors" --log-dir "$L" --quiet > /dev/null ||
  fail "eval --log-dir failed"
[ "$(wc -l < "$L/test.csv")" = 3 ] && [ "$(sed -n 3p "$L/test.csv")" = "$(sed -n 2p "$L/test.csv")" ] ||
  fail "eval's test row differs from run's: $(cat "$L/test.csv")"
echo "ok: eval --log-dir adds the same test row"

# A log with other columns in the folder: refused before training, exit 2, and left as it was.
mkdir "$work/other" && printf 'epoch,step,seconds,lr,loss,top5\n1,10,0.5,0.1,2.0,0.9\n' > "$work/other/metrics.csv"
cp "$work/other/metrics.csv" "$work/other.csv"
"$graphc" run "$src/examples/lenet5.mnn" --steps 1 --log-dir "$work/other" > /dev/null 2> "$work/err"; rc=$?
[ "$rc" = 2 ] && grep -q "metrics.csv has the columns 'epoch,step,seconds,lr,loss,top5', not this run's" "$work/err" &&
  cmp -s "$work/other.csv" "$work/other/metrics.csv" || fail "a log with other columns: rc $rc $(cat "$work/err")"
# A file where the folder should be.
touch "$work/file"
"$graphc" run "$src/examples/lenet5.mnn" --steps 1 --log-dir "$work/file/sub" > /dev/null 2> "$work/err"; rc=$?
[ "$rc" = 2 ] && grep -q "cannot create the folder" "$work/err" || fail "--log-dir under a file: rc $rc $(cat "$work/err")"
echo "ok: a log folder with other columns, or under a file, is refused with exit 2"
