#!/usr/bin/env bash
# End-to-end: the pipeline's flags on the verbs. --time-passes prints a table of the compiler's
# stages with their wall times on the standard error stream (run, dump, bench, compile, check),
# after the verb's own output, which it leaves unchanged; --verify-each runs the graph verifier
# after every stage and changes nothing in what a run prints; --print-after-all prints every
# stage's output under a header naming it.
set -uo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0; passed=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
model="$src/tests/golden/tiny_mlp.mnn"

# expect_stages NAME FILE STAGE...: FILE holds the --time-passes table with a row for each STAGE.
expect_stages() {
  local name="$1" file="$2"; shift 2
  grep -q '^graphc: time per compiler stage (wall clock)$' "$file" || { fail "$name: no stage table"; cat "$file"; return; }
  for stage in "$@" total; do
    grep -qE "^  $stage +([0-9]+ +)?[0-9]+\.[0-9]{6}$" "$file" || { fail "$name: no row for $stage"; cat "$file"; return; }
  done
  passed=$((passed + 1))
}

front=(parse lower stable-losses)
"$graphc" run "$model" --steps 20 --quiet --no-cache > "$work/run.out" 2> "$work/run.err" || fail "run"
"$graphc" run "$model" --steps 20 --quiet --no-cache --time-passes > "$work/timed.out" 2> "$work/timed.err" || fail "run --time-passes"
expect_stages run "$work/timed.err" "${front[@]}" autodiff simplify fusion halide jit
# The train step and the evaluation program: the program stages run twice.
grep -qE '^  jit +2 ' "$work/timed.err" && passed=$((passed + 1)) || fail "run: jit did not run twice"
# Only the timings differ (the last line of a run reports throughput and compile time).
diff <(grep -v 'images/s' "$work/run.out") <(grep -v 'images/s' "$work/timed.out") > /dev/null &&
  passed=$((passed + 1)) || fail "run --time-passes changed the run's output"

"$graphc" dump "$model" --stage fused --time-passes > "$work/dump.out" 2> "$work/dump.err" || fail "dump --time-passes"
expect_stages dump "$work/dump.err" "${front[@]}" autodiff simplify fusion
"$graphc" dump "$model" --stage fused > "$work/dump.plain" && cmp -s "$work/dump.out" "$work/dump.plain" &&
  passed=$((passed + 1)) || fail "dump --time-passes changed the dump"

"$graphc" bench "$model" --runs 2 --time-passes > "$work/bench.out" 2> "$work/bench.err" || fail "bench --time-passes"
expect_stages bench "$work/bench.err" "${front[@]}" autodiff simplify fusion halide jit
grep -q '^train step: ' "$work/bench.out" && passed=$((passed + 1)) || fail "bench printed no train step line"

"$graphc" compile "$model" -o "$work/lib" --time-passes > "$work/compile.out" 2> "$work/compile.err" || fail "compile --time-passes"
expect_stages compile "$work/compile.err" "${front[@]}" autodiff simplify fusion halide aot
[ -s "$work/lib/tiny_mlp.a" ] && passed=$((passed + 1)) || fail "compile --time-passes wrote no library"

"$graphc" check "$model" --time-passes 2> "$work/check.err" || fail "check --time-passes"
expect_stages check "$work/check.err" "${front[@]}" autodiff

# --verify-each: the verifier finds nothing to say, and the run prints what it printed without it.
"$graphc" run "$model" --steps 20 --quiet --no-cache --verify-each > "$work/verified.out" 2> "$work/verified.err" ||
  { fail "run --verify-each"; cat "$work/verified.err"; }
diff <(grep -v 'images/s' "$work/run.out") <(grep -v 'images/s' "$work/verified.out") > /dev/null &&
  passed=$((passed + 1)) || fail "run --verify-each changed the run's output"
# Nothing may reach the standard error stream but the sanitizer build's one-line notice that ASan
# cannot follow makecontext/swapcontext (scripts/test.sh runs this test under ASan too).
grep -v "WARNING: ASan doesn't fully support makecontext/swapcontext" "$work/verified.err" > "$work/verified.rest" || true
[ ! -s "$work/verified.rest" ] && passed=$((passed + 1)) || { fail "run --verify-each printed to stderr"; cat "$work/verified.err"; }
for example in "$src"/examples/*.mnn; do
  "$graphc" dump "$example" --stage fused --verify-each > /dev/null 2> "$work/err" && passed=$((passed + 1)) ||
    { fail "dump $(basename "$example") --stage fused --verify-each"; cat "$work/err"; }
done

# --print-after-all: each stage's output under its name; the graph after stable-losses is the graph dump.
"$graphc" dump "$model" --stage fused --print-after-all > /dev/null 2> "$work/printed.err" || fail "dump --print-after-all"
for stage in parse lower stable-losses autodiff simplify fusion; do
  grep -q "^// ----- after $stage -----$" "$work/printed.err" || fail "--print-after-all printed nothing after $stage"
done
"$graphc" dump "$model" --stage graph > "$work/graph.txt"
sed -n '/^\/\/ ----- after stable-losses -----$/,/^\/\/ ----- after autodiff -----$/p' "$work/printed.err" | sed '1d;$d' |
  cmp -s - "$work/graph.txt" && passed=$((passed + 1)) || fail "the graph after stable-losses is not the graph dump"

echo "$passed passed, $failures failed"
[ "$failures" = 0 ]
