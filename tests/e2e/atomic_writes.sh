#!/usr/bin/env bash
# End-to-end: every file graphc writes goes through one atomic write (support/atomic_file.h; issue
# 16). Symbolic links planted at the destination, at the temporary names of a dead process and at
# the predictable names of the old scheme (PATH.tmp.PID) never redirect a write: the file they
# point to stays as it was. Temporaries of dead processes are removed, a live process's are not.
# A write that fails for lack of room (a file size limit standing in for a full disk) exits 1
# with the system's reason and leaves the previous checkpoint and no temporary behind.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
model="$src/examples/lenet5.mnn"
victim="$work/victim"
echo "precious" > "$victim"; cp "$victim" "$work/victim.orig"
unchanged() { cmp -s "$victim" "$work/victim.orig" || fail "$1: the file behind a planted link was written"; }

dead="$(sh -c 'echo $$')"  # a process that has exited: its temporaries are stale
kill -0 "$dead" 2> /dev/null && fail "pid $dead is still running"
for out in b.st m.json dump.txt; do
  ln -s "$victim" "$work/$out"                                      # the destination itself
  for n in 1 2 3; do ln -s "$victim" "$work/$out.tmp-$dead-plant$n"; done  # a dead writer's
  for pid in $(seq $$ $(($$ + 100))); do ln -s "$victim" "$work/$out.tmp.$pid"; done  # the old names
done
touch "$work/b.st.tmp-$$-live"  # this shell runs: its temporary must stay

"$graphc" run "$model" --steps 2 --quiet --save "$work/b.st" --metrics-json "$work/m.json" > /dev/null
"$graphc" dump "$model" --stage graph -o "$work/dump.txt"
unchanged "run --save, --metrics-json, dump -o"
for out in b.st m.json dump.txt; do
  [ -f "$work/$out" ] && [ ! -L "$work/$out" ] || fail "$out: the link at the destination was not replaced by the file"
  [ -z "$(ls "$work" | grep -F "$out.tmp-$dead-")" ] || fail "$out: the dead process's temporaries were not removed"
done
grep -q '"steps": 2' "$work/m.json" || fail "the metrics were not written: $(cat "$work/m.json")"
[ -e "$work/b.st.tmp-$$-live" ] || fail "a live process's temporary was removed"
[ "$(ls "$work" | grep -c '\.tmp-[0-9]*-[A-Za-z0-9]\{6\}$' || true)" = 0 ] || fail "graphc left a temporary behind: $(ls "$work")"

# A write that fails for lack of room: exit 1, the reason, the previous checkpoint intact.
cp "$work/b.st" "$work/before.st"
set +e
(trap '' XFSZ; ulimit -f 64; exec "$graphc" run "$model" --steps 3 --quiet --no-cache --save "$work/b.st") \
  > /dev/null 2> "$work/full.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "a checkpoint that does not fit exited $rc, expected 1: $(cat "$work/full.err")"
grep -q "b.st: cannot write a checkpoint: File too large" "$work/full.err" || fail "no reason given: $(cat "$work/full.err")"
cmp -s "$work/b.st" "$work/before.st" || fail "the failed write changed the previous checkpoint"
[ -z "$(ls "$work" | grep -F "b.st.tmp-" | grep -v -e "-live$" -e "b.st.tmp-$dead")" ] || fail "the failed write left a temporary: $(ls "$work")"
echo "ok: planted links never followed, stale temporaries removed, a full disk exits 1 with its reason"
