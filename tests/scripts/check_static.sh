#!/usr/bin/env bash
# check_static.sh BUILD_DIR SOURCE_DIR
# The static library (-DGLIDE_BUILD_STATIC=ON), as a consumer gets it from an install:
#  1. libglide_c.a is installed next to libglide_c.so, defines every glide_ function of the header
#     and no operator new/delete (an archive's operator new would become the whole program's:
#     see GLIDE_BUILD_STATIC in CMakeLists.txt);
#  2. a C11 program built with `pkg-config --static --cflags --libs glide_c` (libglide_c.a named
#     explicitly, -l:libglide_c.a, since -lglide_c prefers the .so) does not need libglide_c.so,
#     and runs: glide_version_number() equals GLIDE_C_VERSION_NUMBER, a batch is built;
#  3. a C++ program that replaces operator new/delete itself links the archive the same way and
#     runs: its own operator new still serves its allocations, the library works beside it.
# Temporary directories are removed on exit.
set -euo pipefail

(($# == 2)) || { echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2; exit 2; }
BUILD_DIR=$(cd -- "$1" && pwd -P)
SOURCE_DIR=$(cd -- "$2" && pwd -P)
CC=${CC:-cc}
CXX=${CXX:-c++}

log() { printf 'check_static: %s\n' "$*"; }
fail() { printf 'check_static: FAIL: %s\n' "$*" >&2; exit 1; }

PREFIX=$(mktemp -d "${TMPDIR:-/tmp}/glide-static.XXXXXX")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/glide-static-consumer.XXXXXX")
trap 'rm -rf -- "$PREFIX" "$WORK"' EXIT
PREFIX=$(cd -- "$PREFIX" && pwd -P)

cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log" >&2; fail "cmake --install failed"; }
archive=$(find "$PREFIX" -name libglide_c.a | head -n 1)
[[ -n "$archive" ]] || fail "no libglide_c.a under the prefix (configured with -DGLIDE_BUILD_STATIC=ON?)"
pc=$(find "$PREFIX" -name glide_c.pc -path '*/pkgconfig/*' | head -n 1)
[[ -n "$pc" ]] || fail "no pkgconfig/glide_c.pc under the prefix"
log "installed $archive"

# ------------------------------------------------------------------ 1. the archive's symbols
defined=$(nm --defined-only "$archive" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TWVDBR]$/ { print $3 }' | sort -u)
new_delete=$(grep -E '^_Zn[wa]m|^_Zd[la]Pv' <<<"$defined" || true)
[[ -z "$new_delete" ]] || fail "libglide_c.a defines operator new/delete: $(tr '\n' ' ' <<<"$new_delete")"
declared=$(sed -nE 's/^GLIDE_API[^(]*[ *](glide_[A-Za-z0-9_]+)[[:space:]]*\(.*/\1/p' \
  "$SOURCE_DIR/include/glide_c.h" | sort -u)
missing=$(comm -23 <(echo "$declared") <(grep '^glide_' <<<"$defined" | sort -u))
[[ -z "$missing" ]] || fail "libglide_c.a lacks: $(tr '\n' ' ' <<<"$missing")"
log "libglide_c.a defines the $(wc -l <<<"$declared") glide_ functions and no operator new/delete"

# ------------------------------------------------------------------ 2. a C program
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname -- "$pc")
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
read -r -a flags <<<"$(pkg-config --static --cflags --libs glide_c)"
log "pkg-config --static --cflags --libs glide_c: ${flags[*]}"
for lib in -levent_core -levent_extra -lssl -lcrypto -lstdc++ -lpthread; do
  [[ " ${flags[*]} " == *" $lib "* ]] || fail "pkg-config --static --libs glide_c lacks $lib"
done
for i in "${!flags[@]}"; do
  [[ "${flags[$i]}" == -lglide_c ]] && flags[i]=-l:libglide_c.a
done

cat >"$WORK/consumer.c" <<'C'
#include <glide_c.h>

#include <stdio.h>

int main(void) {
  uint32_t v = glide_version_number();
  printf("glide_version_number() = 0x%06x (%s)\n", (unsigned)v, glide_version());
  if (v != GLIDE_C_VERSION_NUMBER) {
    fprintf(stderr, "expected 0x%06x\n", (unsigned)GLIDE_C_VERSION_NUMBER);
    return 1;
  }
  glide_batch *b = glide_batch_new(false);
  if (b == NULL || glide_batch_set(b, "k", 1, "v", 1) != GLIDE_OK ||
      glide_batch_get(b, "k", 1) != GLIDE_OK || glide_batch_size(b) != 2) {
    fprintf(stderr, "batch failed\n");
    return 1;
  }
  glide_batch_free(b);
  glide_config *cfg = glide_config_new();
  if (cfg == NULL || glide_config_add_address(cfg, "127.0.0.1", 7000) != GLIDE_OK) return 1;
  glide_config_free(cfg);
  return 0;
}
C
"$CC" -std=c11 -Wall -Wextra -Wpedantic -Werror "$WORK/consumer.c" -o "$WORK/consumer_c" \
  "${flags[@]}" || fail "linking a C program against libglide_c.a failed"
dynamic=$(readelf -d "$WORK/consumer_c")
if grep -q 'NEEDED.*libglide_c' <<<"$dynamic"; then
  fail "the static consumer still needs libglide_c.so"
fi
"$WORK/consumer_c" || fail "the static C consumer failed"

# ------------------------------------------------------------------ 3. a C++ program with its own operator new
cat >"$WORK/consumer.cpp" <<'CXX'
#include <glide_c.h>

#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

static unsigned long app_news;

void *operator new(std::size_t size) {
  ++app_news;
  if (void *p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

int main() {
  unsigned long before = app_news;
  std::vector<std::string> v(100, std::string(64, 'x'));
  if (app_news == before) {
    std::fprintf(stderr, "the application's operator new was not used\n");
    return 1;
  }
  for (int i = 0; i < 100; i++) {
    glide_batch *b = glide_batch_new(true);
    if (b == nullptr || glide_batch_set(b, "key", 3, v[0].data(), v[0].size()) != GLIDE_OK) return 1;
    glide_batch_free(b);
  }
  std::printf("C++ consumer: %lu allocations through its own operator new; %s\n", app_news,
              glide_version());
  return glide_version_number() == GLIDE_C_VERSION_NUMBER ? 0 : 1;
}
CXX
"$CXX" -std=c++17 -Wall -Wextra -Werror "$WORK/consumer.cpp" -o "$WORK/consumer_cxx" \
  "${flags[@]}" || fail "linking a C++ program against libglide_c.a failed"
"$WORK/consumer_cxx" || fail "the static C++ consumer failed"

log "OK: libglide_c.a linked into a C and a C++ program, both ran"
