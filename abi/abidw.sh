# Sourced by abi/update.sh and tests/scripts/check_abi.sh: the one way this project reads an ABI
# out of libglide_c.so, so the baseline and the check always agree.
#   glide_abidw LIB OUT   writes LIB's ABI (public types only) as abixml to OUT
# Only the exported functions (glide_*) and the types they reach, which are those of the header
# directory include/ (--headers-dir, --drop-private-types): the library's internal C++ types and
# the C++ runtime's do not count (without --exported-interfaces-only abidw keeps every type of
# every translation unit, 2.5 MB of them). Imported symbols, DT_NEEDED, paths, locations and
# compilation directories are left out and type ids are hashes, so the output depends on the
# library's ABI only, not on where or against which libevent/OpenSSL it was built.
GLIDE_ABI_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
GLIDE_ABIDW_FLAGS=(--headers-dir "$GLIDE_ABI_ROOT/include" --drop-private-types
  --exported-interfaces-only --drop-undefined-syms --no-elf-needed
  --no-corpus-path --no-comp-dir-path --no-show-locs --type-id-style hash)
glide_abidw() {
  abidw "${GLIDE_ABIDW_FLAGS[@]}" --out-file "$2" "$1"
}
# glide_has_debug_info LIB: true when LIB carries DWARF (abidw needs it to see any type).
glide_has_debug_info() {
  local sections
  sections=$(readelf -S --wide "$1") || return 1
  grep -q '\.debug_info' <<<"$sections" # not piped: grep -q may exit before readelf is done
}
