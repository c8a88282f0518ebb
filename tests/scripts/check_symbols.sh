#!/usr/bin/env bash
# check_symbols.sh LIB
# The shared object exports glide_* and nothing else (besides the few symbols the linker always
# adds), defines every function that include/glide_c.h declares with GLIDE_API, and has the
# SONAME libglide_c.so.<GLIDE_C_VERSION_MAJOR>, and every glide_ symbol carries the default
# version GLIDE_C_<GLIDE_C_VERSION_MAJOR> (the version node of cmake/glide_c.map: glide_x@@GLIDE_C_0).
set -euo pipefail

(($# == 1)) || { echo "usage: $0 LIB" >&2; exit 2; }
LIB=$1
[[ -f "$LIB" ]] || { echo "check_symbols: no such file: $LIB" >&2; exit 1; }
HEADER=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)/include/glide_c.h
fail=0
indent() { while IFS= read -r line; do printf '  %s\n' "$line"; done; }

# ------------------------------------------------------------------ exported symbols
# nm -D --defined-only: "ADDRESS TYPE NAME" (NAME may carry @VERSION / @@VERSION).
nm_out=$(nm -D --defined-only "$LIB") || { echo "check_symbols: nm failed on $LIB" >&2; exit 1; }
offenders=$(awk '
  NF >= 3 { type = $2; name = $3 }
  NF == 2 { type = $1; name = $2 }
  NF < 2 { next }
  {
    sub(/@.*/, "", name)
    if (name ~ /^glide_/) next
    if (name ~ /^(_init|_fini|_edata|_end|__bss_start|_DYNAMIC|_GLOBAL_OFFSET_TABLE_)$/) next
    if (type == "A") next   # version node names of a version script (absolute, no code)
    print type, name
  }' <<<"$nm_out")
exported=$(awk 'NF >= 3 { n = $3 } NF == 2 { n = $2 } { sub(/@.*/, "", n); if (n ~ /^glide_/) print n }' \
  <<<"$nm_out" | sort -u)
if [[ -n "$offenders" ]]; then
  echo "check_symbols: FAIL: $LIB exports symbols outside the glide_ prefix:" >&2
  indent <<<"$offenders" >&2
  fail=1
fi
if [[ -z "$exported" ]]; then
  echo "check_symbols: FAIL: $LIB exports no glide_ symbol at all" >&2
  fail=1
fi

# ------------------------------------------------------------------ allocations
# Every allocation goes through glide_set_allocator's hooks: the library has its own (local)
# operator new/delete, so it must not import the C++ runtime's. (malloc and friends are imported
# once, for the default hooks.)
imported_new=$(nm -D --undefined-only "$LIB" | awk '{ print $NF }' | sed 's/@.*//' |
  grep -E '^_Zn[wa]m|^_Zd[la]Pv' || true)
if [[ -n "$imported_new" ]]; then
  echo "check_symbols: FAIL: $LIB imports operator new/delete (allocations would bypass the hooks):" >&2
  indent <<<"$imported_new" >&2
  fail=1
fi

# ------------------------------------------------------------------ the header's functions
if [[ -f "$HEADER" ]]; then
  declared=$(sed -nE 's/^GLIDE_API[^(]*[ *](glide_[A-Za-z0-9_]+)[[:space:]]*\(.*/\1/p' "$HEADER" | sort -u)
  missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
  if [[ -n "$missing" ]]; then
    echo "check_symbols: FAIL: declared in glide_c.h but not exported by $LIB:" >&2
    indent <<<"$missing" >&2
    fail=1
  fi
  undeclared=$(comm -13 <(echo "$declared") <(echo "$exported"))
  if [[ -n "$undeclared" ]]; then
    echo "check_symbols: FAIL: exported by $LIB but not declared in glide_c.h:" >&2
    indent <<<"$undeclared" >&2
    fail=1
  fi
  major=$(sed -nE 's/^#define GLIDE_C_VERSION_MAJOR[[:space:]]+([0-9]+).*/\1/p' "$HEADER")
else
  echo "check_symbols: warning: $HEADER not found; skipping the header comparison" >&2
  major=0
fi

# ------------------------------------------------------------------ symbol version node
# Every exported glide_ symbol is defined with the default version (@@) of the node
# GLIDE_C_<major>, and the object defines that version (readelf -V: its version definition section).
expected_node=GLIDE_C_${major:-0}
unversioned=$(awk -v node="$expected_node" '
  NF >= 3 { n = $3 } NF == 2 { n = $2 } NF < 2 { next }
  {
    base = n; sub(/@.*/, "", base)
    if (base !~ /^glide_/) next
    if (n != base "@@" node) print n
  }' <<<"$nm_out")
if [[ -n "$unversioned" ]]; then
  echo "check_symbols: FAIL: glide_ symbols without the default version @@$expected_node:" >&2
  indent <<<"$unversioned" >&2
  fail=1
fi
if command -v readelf >/dev/null; then
  # Read whole first: with pipefail, `readelf | grep -q` fails whenever grep exits at its first
  # match before readelf has written everything (SIGPIPE), which made this check flaky.
  versions=$(readelf -V --wide "$LIB")
  if ! grep -qE "Name: $expected_node\b" <<<"$versions"; then
    echo "check_symbols: FAIL: $LIB has no version definition $expected_node (readelf -V)" >&2
    fail=1
  fi
fi
defined_nodes=$(awk '$2 == "A" && $3 !~ /^glide_/ { print $3 }' <<<"$nm_out" | sed 's/@.*//' | sort -u)
if [[ -n "$defined_nodes" && "$defined_nodes" != "$expected_node" ]]; then
  echo "check_symbols: FAIL: version nodes defined: $(tr '\n' ' ' <<<"$defined_nodes"), expected only $expected_node" >&2
  fail=1
fi

# ------------------------------------------------------------------ SONAME
expected_soname=libglide_c.so.${major:-0}
if command -v readelf >/dev/null; then
  soname=$(readelf -d "$LIB" | sed -nE 's/.*\(SONAME\).*\[(.*)\].*/\1/p')
else
  soname=$(objdump -p "$LIB" | awk '$1 == "SONAME" { print $2 }')
fi
if [[ "$soname" != "$expected_soname" ]]; then
  echo "check_symbols: FAIL: SONAME is '${soname:-<none>}', expected '$expected_soname'" >&2
  fail=1
fi

if ((fail)); then exit 1; fi
echo "check_symbols: OK: $(wc -l <<<"$exported") glide_ symbols @@$expected_node, nothing else; SONAME $soname"
