#!/usr/bin/env bash
# End-to-end (issue 15): under a pseudo-terminal (`script`) `graphc run` shows the compilation
# line and an epoch bar with an ETA, replaced by the epoch line; through a pipe the output has no
# carriage return or escape character; --progress none drops the epoch lines; Ctrl-C under the
# pseudo-terminal leaves the error message at the start of its own line.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
command -v script > /dev/null || { echo "SKIP: no script(1) (bsdutils)"; exit 77; }
run=(run "$src/examples/lenet5.mnn" --steps 400)
fail() { echo "FAIL: $*"; exit 1; }

# COLUMNS/LINES: script's terminal has no size of its own; the bar is cut to the width.
script -qec "stty cols 200; $(printf '%q ' "$graphc" "${run[@]}")" /dev/null > "$work/tty" ||
  fail "the run under a terminal failed: $(cat "$work/tty")"
/usr/bin/python3 - "$work/tty" <<'PY' || exit 1
import re, sys
text = open(sys.argv[1], "rb").read().decode()
def need(pattern, what):
    if not re.search(pattern, text):
        sys.exit(f"FAIL: no {what} under a terminal: {text[-600:]!r}")
need(r"\rcompiling \d+ kernels \[[=>.]{30}\] \d+/\d+, \d+ from cache, \d+\.\ds\x1b\[K", "compilation line")
need(r"\rEpoch 1/1 +\d+/400 \[[=>.]{30}\] - ETA: \d+s - loss: \d\.\d{4} - acc: \d\.\d{4}\x1b\[K", "bar with an ETA")
# The last bar is replaced (carriage return, erase) by the complete epoch line.
need(r"\r\x1b\[KEpoch 1/1 - \d+\.\ds - loss: \d\.\d{4}", "epoch line replacing the bar")
bars = len(re.findall(r"\rEpoch 1/1 +\d+/400", text))
print(f"ok: under a terminal, the compilation line, {bars} bar updates with an ETA, then the epoch line")
PY

# Through a pipe: today's complete lines only.
"$graphc" "${run[@]}" | cat > "$work/pipe" || fail "the piped run failed"
if grep -q $'[\r\x1b]' "$work/pipe"; then fail "control characters through a pipe: $(od -c "$work/pipe" | head)"; fi
grep -q "^Epoch 1/1 - [0-9.]*s - loss: " "$work/pipe" || fail "no epoch line through a pipe: $(cat "$work/pipe")"
echo "ok: through a pipe, no carriage return or escape character"

# --progress none: no epoch line, the result still printed; --progress bar forces the bar.
"$graphc" "${run[@]}" --progress none > "$work/none" || fail "--progress none failed"
! grep -q "^Epoch" "$work/none" && grep -q "^test_loss: " "$work/none" || fail "--progress none: $(cat "$work/none")"
"$graphc" "${run[@]}" --progress bar > "$work/bar" || fail "--progress bar failed"
grep -q $'\r''Epoch 1/1 ' "$work/bar" || fail "--progress bar through a pipe drew no bar"
"$graphc" "${run[@]}" --progress sometimes > /dev/null 2> "$work/err"; rc=$?
[ "$rc" = 2 ] && grep -q "flag --progress expects auto, bar, lines or none, found 'sometimes'" "$work/err" ||
  fail "--progress sometimes: rc $rc, $(cat "$work/err")"
echo "ok: --progress none, bar, and a wrong word (exit 2)"

# Ctrl-C mid-epoch under a terminal: the bar's line is ended before the message, which starts a line.
script -qec "stty cols 200; $(printf '%q ' "$graphc" run "$src/examples/lenet5.mnn" --epochs 30)" /dev/null \
  > "$work/int" 2>&1 &
spid=$!
for _ in $(seq 600); do grep -q "ETA" "$work/int" 2> /dev/null && break; sleep 0.1; done
pkill -INT -P "$(pgrep -P "$spid" | head -n 1)" 2> /dev/null || pkill -INT -P "$spid"
wait "$spid"
/usr/bin/python3 - "$work/int" <<'PY' || exit 1
import re, sys
text = open(sys.argv[1], "rb").read().decode()
m = re.search(r"(.)(.)graphc: interrupted after step", text, re.S)
if not m:
    sys.exit(f"FAIL: no interruption message: {text[-400:]!r}")
if m.group(2) != "\n":
    sys.exit(f"FAIL: the message does not start a line: {text[-400:]!r}")
print("ok: Ctrl-C leaves the message on a line of its own")
PY
