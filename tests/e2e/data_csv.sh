#!/usr/bin/env bash
# csv(...) on scikit-learn's 8x8 digits (Debian's python3-sklearn ships them as digits.csv.gz: 1,797
# rows of 64 pixels 0-16 and the digit last), split at test time into a training file of 1,437 rows
# and a test file of 360, each with a header row naming the label column `digit` (first, so the
# pixels around it must be picked out) and `shape = [8, 8, 1]`; an MLP trained 20 epochs must reach
# 0.95 test accuracy (0.975), as its PyTorch replica does (0.975); the same files found through
# --data-dir by a model in another folder train to the same accuracy.
source "$(dirname "$0")/data_sources_lib.sh"
digits=/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
if [ ! -e "$digits" ]; then
  echo "scikit-learn's digits ($digits, python3-sklearn, which scripts/test.sh installs) are missing"
  if [ "${CI:-}" = "true" ]; then fail "CI=true and the digits data set is missing"; fi
  exit 77
fi
( cd "$work" && /usr/bin/python3 - "$digits" << 'PY' ) || fail "could not split the digits into CSV files"
import sys
import numpy as np
rows = np.loadtxt(sys.argv[1], delimiter=",", dtype=np.int64)
rows = rows[np.random.default_rng(0).permutation(len(rows))]
x, y = rows[:, :64].reshape(-1, 8, 8, 1), rows[:, 64]
header = "digit," + ",".join(f"pixel{i}" for i in range(64))
for name, part in (("train", slice(0, 1437)), ("test", slice(1437, None))):
    np.savetxt(f"{name}.csv", np.column_stack([y[part], x[part].reshape(-1, 64)]), fmt="%d", delimiter=",",
               header=header, comments="")
np.savez("reference.npz", x_train=x[:1437], y_train=y[:1437], x_test=x[1437:], y_test=y[1437:])
PY
train_graphc digits_csv 0.95 mlp 64 20 32 0.001 \
  'csv("train.csv", label = "digit", shape = [8, 8, 1], test = "test.csv", scale = 1/16)' "8, 8, 1"
train_torch 0.95 mlp 64 20 32 0.001 0.0625
# A model in another folder finds the files in --data-dir: the same data, so the same seeded run.
mkdir "$work/elsewhere" && cp "$work/digits_csv.mnn" "$work/elsewhere/"
out=$(cd / && "$graphc" run "$work/elsewhere/digits_csv.mnn" --quiet --data-dir "$work" 2>&1) ||
  fail "graphc run with the data in --data-dir: $out"
grep -q "test_accuracy: $accuracy" <<< "$out" || fail "from --data-dir: $out; beside the model: $accuracy"
echo "ok: the same files found through --data-dir train to the same accuracy $accuracy"
