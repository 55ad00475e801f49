#!/usr/bin/env python3
"""Compares two safetensors checkpoints tensor by tensor, reading both with the standard library
alone (the format is an 8-byte header length, a JSON header, then raw little-endian data), so the
comparison is independent of graphc. Every f32 tensor of A must be in B, of the same shape, with
max|a - b| <= tol * max|b| (relative to the tensor's largest value). Exit 1 with the worst tensor.
Usage: safetensors_close.py A B TOL [NAME...]: only the tensors NAME... when given."""
import array
import json
import struct
import sys


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        begin, end = info["data_offsets"]
        values = array.array("f")
        values.frombytes(body[begin:end])
        if sys.byteorder != "little":
            values.byteswap()
        tensors[name] = (info["shape"], values)
    return tensors


def main():
    a_path, b_path, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
    a, b = load(a_path), load(b_path)
    only = sys.argv[4:]
    if only:
        missing = [n for n in only if n not in a or n not in b]
        if missing:
            print(f"FAIL: no tensor {missing}")
            return 1
        a = {n: a[n] for n in only}
        b = {n: b[n] for n in only}
    if sorted(a) != sorted(b):
        print(f"FAIL: the tensors differ: {sorted(set(a) ^ set(b))}")
        return 1
    worst, worst_name = 0.0, ""
    for name, (shape, values) in a.items():
        other_shape, other = b[name]
        if shape != other_shape:
            print(f"FAIL: {name} is {shape} in {a_path}, {other_shape} in {b_path}")
            return 1
        scale = max(abs(x) for x in other) if other else 0.0
        diff = max((abs(x - y) for x, y in zip(values, other)), default=0.0)
        rel = diff / scale if scale > 0 else diff
        if rel > worst:
            worst, worst_name = rel, name
    print(f"{len(a)} tensors; largest relative difference {worst:.3g} ({worst_name or 'none'})")
    if worst > tol:
        print(f"FAIL: above {tol}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
