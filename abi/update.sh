#!/usr/bin/env bash
# abi/update.sh [BUILD_DIR]     (default: build)
# Rewrites the ABI baseline abi/libglide_c.abi from BUILD_DIR's libglide_c.so and records its
# version in abi/libglide_c.abi.version. The baseline changes only together with a version bump,
# in the same commit: this script refuses while project(glide_c VERSION ...) in CMakeLists.txt
# still says the baseline's recorded version.
#
# How to change the ABI on purpose:
#   1. bump the version: project(glide_c VERSION x.y.z) in CMakeLists.txt and the
#      GLIDE_C_VERSION_MAJOR/MINOR/PATCH macros in include/glide_c.h (an incompatible change needs
#      a new major version, a new SONAME and a new version node in cmake/glide_c.map);
#   2. build with debug info (the default RelWithDebInfo build does):
#        cmake -S . -B build -DGLIDE_WERROR=ON && cmake --build build -j2
#   3. bash abi/update.sh build, and commit abi/ with the version bump.
# Exactly what it runs: abidw with the flags of abi/abidw.sh on BUILD_DIR/libglide_c.so.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
# shellcheck source=abidw.sh
source "$ROOT/abi/abidw.sh"
BUILD_DIR=${1:-$ROOT/build}
BASELINE=$ROOT/abi/libglide_c.abi
RECORDED=$ROOT/abi/libglide_c.abi.version

fail() { printf 'abi/update.sh: %s\n' "$*" >&2; exit 1; }

version=$(sed -nE 's/^project\(glide_c VERSION ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p' "$ROOT/CMakeLists.txt")
[[ -n "$version" ]] || fail "no project(glide_c VERSION x.y.z) in CMakeLists.txt"
if [[ -f "$RECORDED" ]]; then
  recorded=$(tr -d '[:space:]' <"$RECORDED")
  if [[ "$recorded" == "$version" ]]; then
    fail "refusing: the baseline is already that of version $version, and CMakeLists.txt still
says $version. The baseline changes only with a version bump, in the same commit:
  1. bump project(glide_c VERSION ...) in CMakeLists.txt and the GLIDE_C_VERSION_* macros in
     include/glide_c.h (an incompatible change also needs a new major version);
  2. rebuild: cmake --build $BUILD_DIR -j2;
  3. run this script again and commit abi/ together with the bump."
  fi
fi

lib=$BUILD_DIR/libglide_c.so.$version
[[ -f "$lib" ]] || fail "no $lib: build version $version first (cmake --build $BUILD_DIR)"
glide_has_debug_info "$lib" || fail "$lib has no debug info: build it with -g (RelWithDebInfo)"
command -v abidw >/dev/null || fail "abidw not found (Debian: apt-get install abigail-tools)"

glide_abidw "$lib" "$BASELINE"
echo "$version" >"$RECORDED"
echo "abi/update.sh: wrote $BASELINE and $RECORDED ($version) from $lib"
