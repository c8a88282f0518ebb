#!/usr/bin/env bash
# check_abi.sh LIB
# The freshly built LIB is ABI-compatible with the checked-in baseline abi/libglide_c.abi:
# abidiff (Debian's abigail-tools) compares the baseline with LIB's ABI, read the same way the
# baseline was (abi/abidw.sh), with the changes the ABI rules allow suppressed
# (abi/suppressions.ini: added functions, struct_size structs growing at their end; added
# enumerators are abidiff's own harmless changes). abidiff's exit status is a bit set:
# 1 error, 2 usage error, 4 ABI change, 8 incompatible change (a removed function...); any bit
# fails this check, since a reported change that survives the suppressions is one a binding
# written against the baseline could trip over. LIB must carry debug info.
set -euo pipefail

(($# == 1)) || { echo "usage: $0 LIB" >&2; exit 2; }
LIB=$1
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
# shellcheck source=../../abi/abidw.sh
source "$ROOT/abi/abidw.sh"
BASELINE=$ROOT/abi/libglide_c.abi

fail() { printf 'check_abi: FAIL: %s\n' "$*" >&2; exit 1; }
[[ -f "$LIB" ]] || fail "no such file: $LIB"
[[ -f "$BASELINE" ]] || fail "no baseline $BASELINE (abi/update.sh makes it)"
command -v abidiff >/dev/null || fail "abidiff not found (Debian: apt-get install abigail-tools)"
glide_has_debug_info "$LIB" || fail "$LIB has no debug info (-g): abidw would see no type"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/glide-abi.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
glide_abidw "$LIB" "$WORK/current.abi" || fail "abidw failed on $LIB"

rc=0
abidiff --suppressions "$ROOT/abi/suppressions.ini" --no-unreferenced-symbols \
  "$BASELINE" "$WORK/current.abi" >"$WORK/diff.txt" 2>&1 || rc=$?
if ((rc != 0)); then
  bits=()
  ((rc & 1)) && bits+=("1 error")
  ((rc & 2)) && bits+=("2 usage error")
  ((rc & 4)) && bits+=("4 ABI change")
  ((rc & 8)) && bits+=("8 incompatible change")
  cat "$WORK/diff.txt"
  baseline_version=$(cat "$ROOT/abi/libglide_c.abi.version" 2>/dev/null || echo '?')
  fail "abidiff exit status $rc (${bits[*]}): $LIB is not ABI-compatible with the baseline of
version $baseline_version ($BASELINE). Undo the change, or make it a new version: see abi/update.sh."
fi
functions=$(grep -c '<elf-symbol name=.glide_.*type=.func-type' "$WORK/current.abi" || true)
echo "check_abi: OK: $LIB is ABI-compatible with the baseline ($functions functions)"
if [[ -s "$WORK/diff.txt" ]]; then sed 's/^/  /' "$WORK/diff.txt"; fi
