#!/usr/bin/env bash
# check_install.sh BUILD_DIR SOURCE_DIR
# Installs the build into a scratch prefix and proves a consumer can use it:
#  1. a C11 program built (-Wall -Werror) with nothing but `pkg-config --cflags --libs glide_c`
#     (PKG_CONFIG_PATH pointing into the prefix), run: glide_version() equals the version macros
#     and glide_error_kind_name(GLIDE_ERR_TIMEOUT) is "TIMEOUT";
#  2. the same program in a tiny CMake project using find_package(glide_c) and
#     target_link_libraries(x glide_c::glide_c), configured with CMAKE_PREFIX_PATH, built, run;
#  3. the installed public header compiled as C++17 (g++ -fsyntax-only).
# Temporary directories are removed on exit.
set -euo pipefail

(($# == 2)) || { echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2; exit 2; }
BUILD_DIR=$(cd -- "$1" && pwd -P)
SOURCE_DIR=$(cd -- "$2" && pwd -P)
CC=${CC:-cc}
CXX=${CXX:-c++}

log() { printf 'check_install: %s\n' "$*"; }
fail() { printf 'check_install: FAIL: %s\n' "$*" >&2; exit 1; }

PREFIX=$(mktemp -d "${TMPDIR:-/tmp}/glide-install.XXXXXX")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/glide-consumer.XXXXXX")
trap 'rm -rf -- "$PREFIX" "$WORK"' EXIT
PREFIX=$(cd -- "$PREFIX" && pwd -P)

# ------------------------------------------------------------------ install
log "cmake --install $BUILD_DIR --prefix $PREFIX"
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log" >&2; fail "cmake --install failed"; }

header=$PREFIX/include/glide_c.h
[[ -f "$header" ]] || fail "no include/glide_c.h under the prefix"
pc=$(find "$PREFIX" -name glide_c.pc -path '*/pkgconfig/*' | head -n 1)
[[ -n "$pc" ]] || fail "no pkgconfig/glide_c.pc under the prefix"
config=$(find "$PREFIX" -name glide_cConfig.cmake | head -n 1)
[[ -n "$config" ]] || fail "no glide_cConfig.cmake under the prefix"
lib=$(find "$PREFIX" -name 'libglide_c.so' | head -n 1)
[[ -n "$lib" ]] || fail "no libglide_c.so under the prefix"
LIBDIR=$(cd -- "$(dirname -- "$lib")" && pwd -P)
[[ -e "$LIBDIR/libglide_c.so.0" ]] || fail "no libglide_c.so.0 (the SONAME link) in $LIBDIR"
sed -nE 's/^#define (GLIDE_C_VERSION_(MAJOR|MINOR|PATCH))[[:space:]]+([0-9]+).*/\1 \3/p' "$header" \
  >"$WORK/version"
MAJOR=$(awk '$1 == "GLIDE_C_VERSION_MAJOR" { print $2 }' "$WORK/version")
MINOR=$(awk '$1 == "GLIDE_C_VERSION_MINOR" { print $2 }' "$WORK/version")
PATCH=$(awk '$1 == "GLIDE_C_VERSION_PATCH" { print $2 }' "$WORK/version")
[[ -n "$MAJOR" && -n "$MINOR" && -n "$PATCH" ]] || fail "no version macros in the installed header"
VERSION=$MAJOR.$MINOR.$PATCH

# The header the build installed must be the source tree's one.
cmp -s "$header" "$SOURCE_DIR/include/glide_c.h" ||
  fail "installed glide_c.h differs from $SOURCE_DIR/include/glide_c.h"

cat >"$WORK/consumer.c" <<'EOF'
#include <glide_c.h>

#include <stdio.h>
#include <string.h>

#define STR2(x) #x
#define STR(x) STR2(x)

int main(void) {
  const char *expected = STR(GLIDE_C_VERSION_MAJOR) "." STR(GLIDE_C_VERSION_MINOR) "." STR(
      GLIDE_C_VERSION_PATCH);
  const char *version = glide_version();
  printf("glide_version() = %s\n", version ? version : "(null)");
  if (version == NULL || strcmp(version, expected) != 0) {
    fprintf(stderr, "glide_version() is not %s (the header's macros)\n", expected);
    return 1;
  }
  const char *name = glide_error_kind_name(GLIDE_ERR_TIMEOUT);
  printf("glide_error_kind_name(GLIDE_ERR_TIMEOUT) = %s\n", name ? name : "(null)");
  if (name == NULL || strcmp(name, "TIMEOUT") != 0) {
    fprintf(stderr, "glide_error_kind_name(GLIDE_ERR_TIMEOUT) is not TIMEOUT\n");
    return 1;
  }
  return 0;
}
EOF

# ------------------------------------------------------------------ 1. pkg-config
log "pkg-config consumer"
PKG_CONFIG_PATH=$(dirname -- "$pc")
export PKG_CONFIG_PATH
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
pc_version=$(pkg-config --modversion glide_c) || fail "pkg-config does not find glide_c"
[[ "$pc_version" == "$VERSION" ]] || fail "pkg-config says version $pc_version, the header $VERSION"
read -r -a pc_flags <<<"$(pkg-config --cflags --libs glide_c)"
log "pkg-config --cflags --libs glide_c: ${pc_flags[*]}"
# The flags must point into the prefix (a .pc with a hard-coded prefix would find another copy,
# or nothing).
for flag in "${pc_flags[@]}"; do
  case "$flag" in
    -I* | -L*)
      dir=${flag:2}
      [[ -d "$dir" ]] && dir=$(cd -- "$dir" && pwd -P)
      [[ "$dir" == "$PREFIX"/* || "$dir" == "$PREFIX" ]] ||
        fail "pkg-config flag $flag points outside the install prefix $PREFIX (is glide_c.pc relocatable?)"
      ;;
  esac
done
"$CC" -std=c11 -Wall -Wextra -Wpedantic -Werror "$WORK/consumer.c" -o "$WORK/consumer_pc" \
  "${pc_flags[@]}" || fail "compiling with pkg-config flags failed"
LD_LIBRARY_PATH=$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$WORK/consumer_pc" ||
  fail "the pkg-config consumer failed"
# It must have loaded the installed library.
if command -v ldd >/dev/null; then
  loaded=$(LD_LIBRARY_PATH=$LIBDIR ldd "$WORK/consumer_pc" | awk '/libglide_c/ { print $3 }')
  [[ "$(cd -- "$(dirname -- "$loaded")" && pwd -P)" == "$LIBDIR" ]] ||
    fail "the pkg-config consumer loaded $loaded, not the installed library"
fi

# ------------------------------------------------------------------ 2. find_package
log "find_package consumer"
mkdir -p "$WORK/cmake_project"
cp "$WORK/consumer.c" "$WORK/cmake_project/consumer.c"
cat >"$WORK/cmake_project/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.20)
project(glide_consumer LANGUAGES C)
set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
find_package(glide_c $VERSION REQUIRED)
string(FIND "\${glide_c_DIR}" "$PREFIX/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "glide_c found in \${glide_c_DIR}, not under $PREFIX")
endif()
add_executable(x consumer.c)
target_compile_options(x PRIVATE -Wall -Wextra -Wpedantic -Werror)
target_link_libraries(x glide_c::glide_c)
EOF
cmake -S "$WORK/cmake_project" -B "$WORK/cmake_build" -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
  -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake.log" 2>&1 ||
  { cat "$WORK/cmake.log" >&2; fail "configuring the find_package consumer failed"; }
cmake --build "$WORK/cmake_build" >"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log" >&2; fail "building the find_package consumer failed"; }
# CMake puts the imported library's directory in the build RPATH: no LD_LIBRARY_PATH needed.
"$WORK/cmake_build/x" || fail "the find_package consumer failed"

# ------------------------------------------------------------------ 3. the header as C++
log "glide_c.h as C++17"
printf '#include <glide_c.h>\nint main() { return glide_version() == nullptr; }\n' >"$WORK/consumer.cpp"
"$CXX" -std=c++17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$PREFIX/include" \
  "$WORK/consumer.cpp" || fail "glide_c.h does not compile as C++17"

log "OK: installed $VERSION, pkg-config and find_package consumers built and ran, header is valid C++17"
