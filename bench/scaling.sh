#!/usr/bin/env bash
# Data-parallel scaling (docs/distributed.md): trains mnist_deep and tf_cnn for STEPS steps with
# --threads 1, as one process and as `mpirun -np 2` (each rank one thread), and prints the
# images/s of each, their ratio and the share of the two-process run's training time that rank 0
# spent in allreduce, at the train block's batch and at multiples of it (the same global batch in
# both runs: strong scaling; at twice the batch each rank computes what one process does at the
# train block's batch, as Horovod's and DDP's per-worker batch does). Run it on an idle machine:
# ranks wait for each other in every allreduce, so other load on the cores shows up as allreduce
# time.
# Usage: bench/scaling.sh [STEPS] [BATCH_MULTIPLES] (defaults 200 and "1 2"); GRAPHC (default
# build/graphc).
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${1:-200}"
multiples="${2:-1 2}"
graphc="${GRAPHC:-build/graphc}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none)

# field FILE NAME: a number of the --metrics-json object.
field() { python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

printf "%-11s %6s %6s %14s %14s %8s %16s\n" model batch steps "1 proc img/s" "-np 2 img/s" speedup "allreduce share"
for model in mnist_deep tf_cnn; do
  file="examples/$model.mnn"
  "$graphc" run "$file" --threads 1 --steps 1 --quiet --metrics-json "$work/block.json" > /dev/null
  block_batch=$(field "$work/block.json" batch)
  for multiple in $multiples; do
    size=(--batch $((block_batch * multiple)))
    # Compile once first, so that neither timed run compiles (the kernel cache serves both).
    "$graphc" run "$file" "${size[@]}" --threads 1 --steps 2 --quiet > /dev/null
    "${mpirun[@]}" -np 2 "$graphc" run "$file" "${size[@]}" --threads 1 --steps 2 --quiet > /dev/null
    "$graphc" run "$file" "${size[@]}" --threads 1 --steps "$steps" --quiet --metrics-json "$work/one.json" > /dev/null
    "${mpirun[@]}" -np 2 "$graphc" run "$file" "${size[@]}" --threads 1 --steps "$steps" --quiet \
      --metrics-json "$work/two.json" > /dev/null
    batch=$(field "$work/one.json" batch)
    one=$(field "$work/one.json" train_images_per_second)
    two=$(field "$work/two.json" train_images_per_second)
    allreduce=$(field "$work/two.json" allreduce_seconds)
    python3 - "$model" "$batch" "$steps" "$one" "$two" "$allreduce" <<'PY'
import sys
model, batch, steps, one, two, allreduce = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *map(float, sys.argv[4:])
# Rank 0's training time: the images it trained over its rate (the steps that compiled nothing).
seconds = batch * steps / two
print(f"{model:<11} {batch:6d} {steps:6d} {one:14.1f} {two:14.1f} {two / one:7.2f}x {100 * allreduce / seconds:15.1f}%")
PY
  done
done
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)"
