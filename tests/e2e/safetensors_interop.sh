#!/usr/bin/env bash
# End-to-end: graphc's checkpoints are plain safetensors files. An independent reader (Python's
# standard library, written from the format's definition: 8-byte little-endian header length,
# JSON header, raw little-endian data) reads one, and a file written by that independent writer
# (other tensor order, other offsets, no metadata) loads in graphc with the same results.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$graphc" run "$src/examples/lenet5.mnn" --steps 100 --quiet --save "$work/a.safetensors" > /dev/null
python3 - "$work/a.safetensors" "$work/b.safetensors" <<'PY'
import json, struct, sys
src, dst = sys.argv[1], sys.argv[2]
blob = open(src, "rb").read()
(n,) = struct.unpack("<Q", blob[:8])
header = json.loads(blob[8:8 + n])
data = blob[8 + n:]
tensors = {k: v for k, v in header.items() if k != "__metadata__"}
assert tensors["c1/kernel"]["shape"] == [5, 5, 1, 6], tensors["c1/kernel"]
assert tensors["d1/kernel"]["shape"] == [400, 120]
for name, t in tensors.items():
    assert t["dtype"] == "F32", (name, t["dtype"])
    count = 1
    for d in t["shape"]:
        count *= d
    begin, end = t["data_offsets"]
    assert end - begin == 4 * count and end <= len(data), (name, t)
    values = struct.unpack("<%df" % count, data[begin:end])
    assert all(v == v for v in values), name  # no NaN
# Write it back the other way round: reversed tensor order, no padding, no metadata.
out_header, chunks, offset = {}, [], 0
for name in sorted(tensors, reverse=True):
    begin, end = tensors[name]["data_offsets"]
    out_header[name] = {"dtype": "F32", "shape": tensors[name]["shape"], "data_offsets": [offset, offset + end - begin]}
    chunks.append(data[begin:end])
    offset += end - begin
text = json.dumps(out_header).encode()
with open(dst, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
print("read %d tensors; wrote them back in another layout" % len(tensors))
PY
a=$("$graphc" eval "$src/examples/lenet5.mnn" --load "$work/a.safetensors" --quiet)
b=$("$graphc" eval "$src/examples/lenet5.mnn" --load "$work/b.safetensors" --quiet)
echo "graphc's file: $a"
echo "rewritten:     $b"
[ "$a" = "$b" ] || { echo "FAIL: the rewritten checkpoint evaluates differently"; exit 1; }
