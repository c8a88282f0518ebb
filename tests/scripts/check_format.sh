#!/usr/bin/env bash
# check_format.sh SOURCE_DIR
# Every C and C++ file that git tracks is formatted as .clang-format says (clang-format 14; the
# generated command table is left as its generator writes it). Fix with:
#   git ls-files '*.c' '*.h' '*.cpp' | grep -v command_table_generated | xargs clang-format-14 -i
set -euo pipefail
(($# == 1)) || { echo "usage: $0 SOURCE_DIR" >&2; exit 2; }
cd -- "$1"
fmt=$(command -v clang-format-14 || command -v clang-format || true)
[[ -n "$fmt" ]] || { echo "check_format: clang-format-14 is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "check_format: $1 is not a git checkout; nothing to check" >&2
  exit 0
fi
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' | grep -v 'command_table_generated')
log=$(mktemp)
trap 'rm -f -- "$log"' EXIT
if ! "$fmt" --dry-run --Werror "${files[@]}" 2>"$log"; then
  grep -E '^[^ ].*: (error|warning):' "$log" | cut -d: -f1 | sort -u |
    sed 's/^/check_format: not formatted: /' >&2
  exit 1
fi
echo "check_format: OK: ${#files[@]} files formatted as .clang-format says"
