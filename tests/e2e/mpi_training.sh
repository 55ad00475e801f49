#!/usr/bin/env bash
# End-to-end (issue 18): data-parallel training. `mpirun -np 2 graphc run --batch 64` computes
# the math of one process at --batch 64: after 50 steps the weights agree within relative 1e-4,
# compared by safetensors_close.py (the standard library reading both files, not graphc). Rank 0
# alone prints and writes; a batch that does not divide and ranks that run different flags exit 2.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
# Under the sanitizer build (scripts/test.sh) AddressSanitizer and UBSan stay on, LeakSanitizer
# off: Open MPI unloads its components (dlclose) at MPI_Finalize, and LeakSanitizer then reports
# what they keep until exit as leaks from "<unknown module>", which no suppression can name.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
trap 'rm -rf "$work"' EXIT
source "$src/tests/e2e/mpi_lib.sh"
model="$src/examples/lenet5.mnn"
close="$src/tests/e2e/safetensors_close.py"

"${mpirun[@]}" -np 2 "$graphc" run "$model" --batch 64 --threads 1 --steps 50 --progress lines --save "$work/a.st" \
  --metrics-json "$work/a.json" > "$work/out" 2> "$work/err" || { echo "FAIL: mpirun -np 2"; cat "$work/err"; exit 1; }
"$graphc" run "$model" --batch 64 --threads 1 --steps 50 --save "$work/b.st" > "$work/out1" ||
  { echo "FAIL: one process"; exit 1; }
python3 "$close" "$work/a.st" "$work/b.st" 1e-4 || { echo "FAIL: -np 2 and one process differ after 50 steps"; exit 1; }
# Exchanged as between machines (reduce-scatter and allgather, not shared memory), in buckets of
# 1000 floats (lenet5's 61,706 gradients travel in about 60), the gradients sum the same.
GRAPHC_FUSION_FLOATS=1000 GRAPHC_SHARE_MEMORY=0 "${mpirun[@]}" -x GRAPHC_FUSION_FLOATS -x GRAPHC_SHARE_MEMORY -np 2 \
  "$graphc" run "$model" --batch 64 --threads 1 --steps 50 --save "$work/small_buckets.st" > /dev/null 2>&1 ||
  { echo "FAIL: small buckets"; exit 1; }
python3 "$close" "$work/small_buckets.st" "$work/b.st" 1e-4 || { echo "FAIL: small buckets differ"; exit 1; }
# The comparison can fail: one step less is far from it.
"$graphc" run "$model" --batch 64 --threads 1 --steps 49 --save "$work/c.st" > /dev/null || exit 1
! python3 "$close" "$work/c.st" "$work/b.st" 1e-4 > /dev/null || { echo "FAIL: the comparison passes 49 steps"; exit 1; }
echo "ok: mpirun -np 2 --batch 64 holds one process's weights after 50 steps"

# The sharded optimizer (docs/distributed.md): each rank updates its rows of the weights and of
# the optimizer's state. SGD with momentum (a velocity per weight): 25 steps on 2 ranks saved
# (the velocities gathered from both ranks), then 25 more in one process from that checkpoint,
# end with the weights and velocities of 50 steps of one process. Adam (two moments) and a
# clipnorm (a norm over each whole gradient: not sharded, every rank applies the whole update)
# on 2 ranks hold one process's weights too
sed 's/sgd(lr = 0.01)/sgd(lr = 0.01, momentum = 0.9)/' "$model" > "$work/momentum.mnn"
"${mpirun[@]}" -np 2 "$graphc" run "$work/momentum.mnn" --batch 64 --threads 1 --steps 25 --quiet \
  --save "$work/m25.st" > /dev/null || { echo "FAIL: momentum on 2 ranks"; exit 1; }
"$graphc" run "$work/momentum.mnn" --batch 64 --threads 1 --steps 50 --quiet --load "$work/m25.st" \
  --save "$work/m_resumed.st" > /dev/null || { echo "FAIL: resuming momentum in one process"; exit 1; }
"$graphc" run "$work/momentum.mnn" --batch 64 --threads 1 --steps 50 --quiet --save "$work/m_one.st" > /dev/null || exit 1
python3 "$close" "$work/m_resumed.st" "$work/m_one.st" 1e-4 ||
  { echo "FAIL: a checkpoint of 2 ranks does not continue as one process"; exit 1; }
# (Adam on tf_cnn: on lenet5 its moments amplify the float rounding of the sums, sharded or not.)
sed "s/sgd(lr = 0.01)/sgd(lr = 0.01, clipnorm = 0.5)/" "$model" > "$work/clipnorm.mnn"
for m in "$src/examples/tf_cnn.mnn" "$work/clipnorm.mnn"; do
  "${mpirun[@]}" -np 2 "$graphc" run "$m" --batch 64 --threads 1 --steps 30 --quiet --save "$work/o2.st" > /dev/null ||
    { echo "FAIL: $m on 2 ranks"; exit 1; }
  "$graphc" run "$m" --batch 64 --threads 1 --steps 30 --quiet --save "$work/o1.st" > /dev/null || exit 1
  python3 "$close" "$work/o2.st" "$work/o1.st" 1e-4 || { echo "FAIL: $m: -np 2 and one process differ"; exit 1; }
done
echo "ok: the sharded optimizer's state is whole in checkpoints; adam and clipnorm hold one process's weights"

# Rank 0 alone prints: one result line; its metrics name the ranks and the allreduce time.
[ "$(grep -c "^test_loss" "$work/out")" = 1 ] || { echo "FAIL: not one result line:"; cat "$work/out"; exit 1; }
grep -q "2 processes, [0-9.]*s in allreduce" "$work/out" || { echo "FAIL: no allreduce time"; exit 1; }
grep -q '"ranks": 2, "allreduce_seconds": [0-9.]' "$work/a.json" || { echo "FAIL: metrics: $(cat "$work/a.json")"; exit 1; }
# The same loss line as one process (the global batch's mean, not rank 0's share).
[ "$(grep "^Epoch 1/1 -" "$work/out" | sed 's/ - [0-9.]*s - / - /')" = \
  "$(grep "^Epoch 1/1 -" "$work/out1" | sed 's/ - [0-9.]*s - / - /')" ] ||
  { echo "FAIL: the reports differ:"; grep "^Epoch" "$work/out" "$work/out1"; exit 1; }
echo "ok: rank 0 alone reports, with the global batch's loss and allreduce_seconds"

# BatchNorm keeps per-rank batch statistics, and the moving statistics are averaged over the
# ranks before the save: after one step, the first BatchNorm's moving mean (of the input layer's
# convolution, the same weights on every rank) is one process's at --batch 64, the mean of the two
# shares' means; rank 0's own would be its share's alone.
bn="$src/examples/cnn_bn.mnn"
"${mpirun[@]}" -np 2 "$graphc" run "$bn" --batch 64 --steps 1 --threads 1 --quiet --save "$work/bn2.st" > /dev/null ||
  { echo "FAIL: cnn_bn on 2 ranks"; exit 1; }
"$graphc" run "$bn" --batch 64 --steps 1 --threads 1 --quiet --save "$work/bn1.st" > /dev/null || exit 1
python3 "$close" "$work/bn2.st" "$work/bn1.st" 1e-5 b1/moving_mean ||
  { echo "FAIL: the moving mean is not the ranks' mean"; exit 1; }
echo "ok: BatchNorm's moving statistics are averaged over the ranks"

# A global batch that does not divide by the ranks.
"${mpirun[@]}" -np 2 "$graphc" run "$model" --batch 63 --steps 2 > /dev/null 2> "$work/err2"; rc=$?
[ "$rc" = 2 ] && grep -q "the batch of 63 does not divide by the 2 processes" "$work/err2" ||
  { echo "FAIL: --batch 63 on 2 ranks: rc $rc"; cat "$work/err2"; exit 1; }
# Ranks whose flags differ (mpirun's MPMD form runs two command lines): named at start, exit 2.
"${mpirun[@]}" -np 1 "$graphc" run "$model" --batch 64 --steps 2 : -np 1 "$graphc" run "$model" --batch 64 --steps 3 \
  > /dev/null 2> "$work/err3"; rc=$?
[ "$rc" = 2 ] && grep -q "the model or the flags of rank 1 differ from rank 0's" "$work/err3" ||
  { echo "FAIL: differing flags: rc $rc"; cat "$work/err3"; exit 1; }
echo "ok: a batch that does not divide and differing flags exit 2, naming the rank"
