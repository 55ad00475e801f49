#!/usr/bin/env bash
# Fails when a C++ source differs from .clang-format (clang-format 14, which scripts/setup.sh
# installs), naming each file and line; `scripts/check_format.sh --fix` rewrites them instead.
# ir/ops.def keeps its hand-aligned three-line entries (it says `clang-format off` itself).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t sources < <(git ls-files '*.cpp' '*.h')
if [ "${1:-}" = --fix ]; then
  clang-format-14 -i "${sources[@]}"
  exit 0
fi
if ! clang-format-14 --dry-run --Werror "${sources[@]}"; then
  echo "check_format.sh: the files above differ from .clang-format; scripts/check_format.sh --fix rewrites them" >&2
  exit 1
fi
echo "check_format.sh: ${#sources[@]} sources match .clang-format"
