#!/usr/bin/env bash
# End-to-end (issue 15): `graphc --version` names the version, the commit it was built from, the
# Halide and LLVM versions and the host's vector features, each checked against another source
# (git, dpkg, llvm-config, /proc/cpuinfo); `graphc help VERB` is `graphc VERB --help`.
set -uo pipefail
graphc="$1"; src="$2"
fail() { echo "FAIL: $*"; exit 1; }
out=$("$graphc" --version) || fail "--version exited non-zero"
echo "$out"
[[ "$(head -n 1 <<< "$out")" =~ ^graphc\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ ([0-9a-f]{12}(-dirty)?|unknown)\)$ ]] ||
  fail "first line: $(head -n 1 <<< "$out")"
# The commit is one of this repository's (the build's, which may be older than HEAD).
commit=$(sed -n 's/.*(commit \([0-9a-f]*\).*/\1/p' <<< "$out" | head -n 1)
if [ -n "$commit" ] && git -C "$src" rev-parse --git-dir > /dev/null 2>&1; then
  git -C "$src" cat-file -e "$commit^{commit}" 2> /dev/null || fail "commit $commit is not in $src's history"
fi
if halide=$(dpkg-query -W -f='${Version}' libhalide14-0-dev 2> /dev/null); then
  grep -q "^Halide ${halide%%-*}," <<< "$out" || fail "Halide is $halide here"
fi
if command -v llvm-config-14 > /dev/null; then
  grep -q "LLVM $(llvm-config-14 --version)$" <<< "$out" || fail "LLVM is $(llvm-config-14 --version) here"
fi
features=$(grep "^vector features: " <<< "$out")
for flag in avx avx2 fma f16c; do
  if grep -qw "$flag" <(grep -m1 "^flags" /proc/cpuinfo); then
    grep -qw "$flag" <<< "$features" || fail "the CPU has $flag, --version does not say so"
  else
    ! grep -qw "$flag" <<< "$features" || fail "--version claims $flag, the CPU lacks it"
  fi
done
echo "ok: --version's commit, Halide, LLVM and vector features agree with git, dpkg, llvm-config and the CPU"

for verb in run eval predict check summary dump bench compile plot; do
  diff <("$graphc" help "$verb") <("$graphc" "$verb" --help) > /dev/null || fail "graphc help $verb differs from --help"
done
"$graphc" help nosuch > /dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "graphc help nosuch: exit code $rc"
echo "ok: graphc help VERB prints VERB --help for every verb; an unknown verb exits 2"
