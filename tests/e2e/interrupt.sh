#!/usr/bin/env bash
# End-to-end: Ctrl-C (SIGINT) during training finishes the step, writes the checkpoint given by
# --save, says where it stopped and how to resume, and exits 130; the checkpoint then evaluates.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$graphc" run "$src/examples/lenet5.mnn" --epochs 3 --save "$work/ck.safetensors" \
  --metrics-json "$work/m.json" > "$work/out" 2> "$work/err" &
pid=$!
sleep 4
kill -INT "$pid"
wait "$pid"; rc=$?
cat "$work/err"
[ "$rc" = 130 ] || { echo "FAIL: exit code $rc after SIGINT, expected 130"; exit 1; }
grep -q "interrupted after step [0-9]* of 5625; resume with the same command plus --load" "$work/err" \
  || { echo "FAIL: no resume hint"; exit 1; }
[ -s "$work/ck.safetensors" ] || { echo "FAIL: no checkpoint written"; exit 1; }
[ ! -e "$work/m.json" ] || { echo "FAIL: an interrupted run wrote its metrics file"; exit 1; }
"$graphc" eval "$src/examples/lenet5.mnn" --load "$work/ck.safetensors" --quiet || { echo "FAIL: eval of it"; exit 1; }
# Without --save there is nothing to keep, and the message says so.
"$graphc" run "$src/examples/lenet5.mnn" --epochs 3 > /dev/null 2> "$work/err2" &
pid=$!
sleep 4
kill -TERM "$pid"
wait "$pid"; rc=$?
[ "$rc" = 130 ] && grep -q "nothing saved" "$work/err2" || { echo "FAIL: SIGTERM without --save: rc $rc"; cat "$work/err2"; exit 1; }
echo "ok: interrupted runs exit 130 and keep their checkpoint"
