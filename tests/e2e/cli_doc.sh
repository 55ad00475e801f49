#!/usr/bin/env bash
# docs/cli.md's reference part is `graphc --help` and every verb's `graphc VERB --help`, verbatim:
# the test fails when the file is out of date (a flag added, renamed or reworded), and
# UPDATE_GOLDEN=1 rewrites the part below the marker line (the text above it is written by hand).
# The verbs are read from `graphc --help`, so a new verb is documented as soon as it is listed.
set -uo pipefail
graphc="$1"; src="$2"
doc="$src/docs/cli.md"
marker='<!-- Generated from `graphc --help` and `graphc VERB --help` by tests/e2e/cli_doc.sh; do not edit below this line. -->'
fail() { echo "FAIL: $*"; exit 1; }
top=$("$graphc" --help) || fail "graphc --help exited non-zero"
verbs=$(sed -n '/^verbs:/,/^$/p' <<< "$top" | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$verbs" ] || fail "graphc --help lists no verbs"
generated() {
  echo "$marker"
  echo
  echo '## `graphc --help`'
  echo
  echo '```text'
  echo "$top"
  echo '```'
  for verb in $verbs; do
    echo
    echo "## \`graphc $verb\`"
    echo
    echo '```text'
    "$graphc" "$verb" --help || fail "graphc $verb --help exited non-zero"
    echo '```'
  done
}
[ -f "$doc" ] || fail "$doc is missing"
grep -qxF "$marker" "$doc" || fail "$doc has no marker line: $marker"
expected=$(sed "/^$(sed 's/[][\/.*^$]/\\&/g' <<< "$marker")\$/,\$d" "$doc"; generated) || fail "could not generate the reference"
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
  tmp=$(mktemp "$doc.XXXXXX") && printf '%s\n' "$expected" > "$tmp" && mv "$tmp" "$doc" || fail "could not write $doc"
  echo "rewrote $doc"
  exit 0
fi
diff -u "$doc" <(printf '%s\n' "$expected") ||
  fail "$doc is out of date: run UPDATE_GOLDEN=1 bash tests/e2e/cli_doc.sh build/graphc . and commit it"
echo "ok: docs/cli.md holds graphc --help and the --help of every verb ($(wc -w <<< "$verbs") verbs)"
