#!/usr/bin/env bash
# End-to-end: the persistent kernel cache (issue 7). A cold run fills a private $GRAPHC_CACHE, a
# warm run loads every kernel from it (cache_hits == kernels) and builds nothing new, --no-cache
# builds nothing there, a corrupted or truncated entry is detected and rebuilt, and the trained
# weights are bit-identical whether the kernels were JIT-compiled, freshly cached or loaded.
set -euo pipefail
graphc="$1"; src="$2"; work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GRAPHC_CACHE="$work/cache"
fail() { echo "FAIL: $*"; exit 1; }
field() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$work/$1.json"; }
train() {  # train NAME [flags...]: 20 steps of lenet5, weights saved to NAME.safetensors
  local name="$1"; shift
  "$graphc" run "$src/examples/lenet5.mnn" --steps 20 --seed 3 --quiet --metrics-json "$work/$name.json" \
    --save "$work/$name.safetensors" "$@" > "$work/$name.out" 2> "$work/$name.err"
}
entries() { (cd "$GRAPHC_CACHE/kernels" && sha256sum -- *.so | sort); }
same_weights() { cmp -s "$work/jit.safetensors" "$work/$1.safetensors" || fail "$1: weights differ from the JIT run's"; }

train jit --no-cache
[ ! -e "$GRAPHC_CACHE/kernels" ] || fail "--no-cache wrote to the kernel cache"
[ "$(field jit cache_hits)" = 0 ] || fail "--no-cache reported cache hits"
kernels="$(field jit kernels)"
[ "$kernels" -gt 0 ] || fail "no kernels reported"

train cold
[ "$(field cold cache_hits)" = 0 ] || fail "a cold cache reported hits"
entries > "$work/cold.list"
[ "$(grep -c 'halide-runtime-' "$work/cold.list")" = 1 ] || fail "expected one Halide runtime entry"
[ "$(wc -l < "$work/cold.list")" -ge 2 ] || fail "expected program entries besides the runtime"
same_weights cold

train warm
[ "$(field warm cache_hits)" = "$kernels" ] || fail "warm run: cache_hits $(field warm cache_hits), expected $kernels"
entries > "$work/warm.list"
diff "$work/cold.list" "$work/warm.list" > /dev/null || fail "a warm run changed the cache"
same_weights warm

# The loaded kernels take --threads from their own runtime; the result does not depend on it.
train threads --threads 1
[ "$(field threads cache_hits)" = "$kernels" ] || fail "--threads 1 missed the cache"
same_weights threads

# Corrupt the middle of the largest program entry: it must be rebuilt, never loaded.
victim="$(ls -S "$GRAPHC_CACHE"/kernels/[0-9a-f]*.so | head -1)"
cp "$victim" "$work/before"
size="$(stat -c %s "$victim")"
printf 'CORRUPTED' | dd of="$victim" bs=1 seek=$((size / 2)) conv=notrunc status=none
cmp -s "$victim" "$work/before" && fail "the corruption did not change the entry"
train corrupt
grep -q "checksum mismatch" "$work/corrupt.err" || fail "the corrupted entry was not reported: $(cat "$work/corrupt.err")"
hits="$(field corrupt cache_hits)"
[ "$hits" -lt "$kernels" ] && [ "$hits" -gt 0 ] || fail "after corruption: cache_hits $hits of $kernels"
same_weights corrupt
train rebuilt
[ "$(field rebuilt cache_hits)" = "$kernels" ] || fail "the rebuilt entry was not stored"

# A truncated runtime entry (a crash while copying, a full disk) is rebuilt too.
runtime="$(ls "$GRAPHC_CACHE"/kernels/halide-runtime-*.so)"
truncate -s $(( $(stat -c %s "$runtime") / 3 )) "$runtime"
train truncated
grep -q "truncated\|checksum mismatch" "$work/truncated.err" || fail "the truncated runtime was not reported"
[ "$(field truncated cache_hits)" = "$kernels" ] || fail "the programs' entries should still hit"
same_weights truncated

echo "ok: $kernels kernels cached, warm run loaded all, corrupt entries rebuilt, weights identical"
