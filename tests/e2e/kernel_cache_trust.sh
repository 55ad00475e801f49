#!/usr/bin/env bash
# End-to-end: the kernel cache trusts only what this user alone can write (issue 16,
# docs/security.md). Another user (nobody) owns a world-writable cache folder and plants a shared
# library, with a valid trailer, under the name of every entry graphc will look for; graphc, run as
# root, must not load it (its constructor would leave a marker file), must say why in one warning,
# and must train exactly as without a cache. In a cache of graphc's own, an entry that is a
# symbolic link to such a library, or a file owned by someone else, is rebuilt, never loaded.
# Needs root, to act as nobody: skipped (77) without, except under CI=true where that is a failure.
set -euo pipefail
graphc="$1"; src="$2"
fail() { echo "FAIL: $*"; exit 1; }
if [ "$(id -u)" != 0 ] || ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2> /dev/null; then
  [ "${CI:-}" = true ] && fail "cannot act as another user (needs root and setpriv): the test cannot run"
  echo "skipped: cannot act as another user (needs root and setpriv)"; exit 77
fi
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"  # nobody must reach its folder inside
field() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$work/$1.json"; }
train() {  # train NAME CACHE [flags...]: 5 steps of lenet5, weights saved to NAME.safetensors
  local name="$1" cache="$2"; shift 2
  GRAPHC_CACHE="$cache" "$graphc" run "$src/examples/lenet5.mnn" --steps 5 --seed 3 --quiet \
    --metrics-json "$work/$name.json" --save "$work/$name.safetensors" "$@" > "$work/$name.out" 2> "$work/$name.err" ||
    fail "$name: graphc failed: $(cat "$work/$name.err")"
}

# The library an attacker plants: its constructor runs at dlopen, before graphc could look inside.
marker="$work/pwned"
cat > "$work/evil.c" <<C
#include <stdio.h>
__attribute__((constructor)) static void planted(void) {
  FILE* f = fopen("$marker", "w");
  if (f) fputs("loaded\n", f), fclose(f);
}
C
cc -shared -fPIC -o "$work/evil.so" "$work/evil.c" || fail "cannot build the planted library"
# plant FILE NAME: the planted library with the trailer graphc checks (anyone can compute it).
plant() {
  local key="${2%.so}"; key="${key#halide-runtime-}"
  cat "$work/evil.so"
  printf 'graphc-kernel-v1 %s\n' "$( (cat "$work/evil.so"; printf '%s' "$key") | sha256sum | cut -d' ' -f1)"
}

# The entries' names, from a cache of root's own (and the reference weights, from no cache).
train own "$work/own"
ls "$work/own/kernels" | grep -q '\.so$' || fail "the private cache holds no entries"
[ "$(stat -c %a "$work/own")" = 700 ] || fail "the cache folder was created mode $(stat -c %a "$work/own"), not 700"
[ "$(stat -c %a "$work/own/kernels")" = 700 ] || fail "kernels/ was created mode $(stat -c %a "$work/own/kernels"), not 700"
train jit "$work/unused" --no-cache

# 1. A cache folder of nobody's, mode 1777, filled by nobody.
shared="$work/shared"
mkdir "$shared" && chown 65534:65534 "$shared" && chmod 1777 "$shared"
as_nobody mkdir -m 777 "$shared/kernels"
for entry in "$work"/own/kernels/*.so; do
  name="$(basename "$entry")"
  plant "$work/evil.so" "$name" | as_nobody tee "$shared/kernels/$name" > /dev/null
done
[ "$(stat -c %U "$shared/kernels/$name")" = nobody ] || fail "the planted entries are not nobody's"
# The trailers are right: without the ownership checks graphc would load them.
train shared "$shared"
[ ! -e "$marker" ] || fail "graphc loaded a library planted by another user in the cache"
grep -q "warning: kernel cache not used: .*shared is owned by uid 65534" "$work/shared.err" ||
  fail "no warning naming the untrusted folder: $(cat "$work/shared.err")"
[ "$(grep -c 'kernel cache not used' "$work/shared.err")" = 1 ] || fail "the warning is not said once"
[ "$(field shared cache_hits)" = 0 ] || fail "cache hits from another user's folder"
cmp -s "$work/jit.safetensors" "$work/shared.safetensors" || fail "weights differ from the run without a cache"
[ -z "$(find "$shared" -user root)" ] || fail "graphc wrote into another user's cache folder"

# 2. A folder of root's own but writable by others, and one under a parent writable by others.
mkdir -m 777 "$work/open" && train open "$work/open"
grep -q "open is writable by its group or by others" "$work/open.err" || fail "a world-writable cache was used: $(cat "$work/open.err")"
mkdir -m 777 "$work/parent" && train parent "$work/parent/cache"
grep -q "parent is writable by its group or by others" "$work/parent.err" ||
  fail "a cache under a world-writable parent was used: $(cat "$work/parent.err")"
[ ! -e "$marker" ] || fail "a planted library was loaded"

# 3. In root's own cache: an entry that is a symbolic link to a planted library, and an entry
# that is nobody's file, are rebuilt.
victim="$(ls -S "$work"/own/kernels/[0-9a-f]*.so | head -1)"
plant "$work/evil.so" "$(basename "$victim")" > "$work/planted.so"
rm "$victim" && ln -s "$work/planted.so" "$victim"
train link "$work/own"
[ ! -e "$marker" ] || fail "graphc followed a symbolic link in the cache to a planted library"
grep -q "is unusable (a symbolic link, not followed)" "$work/link.err" || fail "the link was not reported: $(cat "$work/link.err")"
[ ! -L "$victim" ] || fail "the link was not replaced by a rebuilt entry"
runtime="$(ls "$work"/own/kernels/halide-runtime-*.so)"
plant "$work/evil.so" "$(basename "$runtime")" > "$runtime" && chown 65534 "$runtime"
train owner "$work/own"
[ ! -e "$marker" ] || fail "graphc loaded an entry owned by another user"
grep -q "is unusable (owned by uid 65534" "$work/owner.err" || fail "the foreign entry was not reported: $(cat "$work/owner.err")"
cmp -s "$work/jit.safetensors" "$work/owner.safetensors" || fail "weights differ after the rebuild"
train again "$work/own"
[ "$(field again cache_hits)" = "$(field again kernels)" ] || fail "the rebuilt entries were not stored"

echo "ok: another user's cache folder, world-writable folders, links and foreign entries never loaded"
