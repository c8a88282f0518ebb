#!/usr/bin/env bash
# Installs what is missing, builds into build/ with warnings as errors, and runs every test
# with ctest: unit tests (label unit) and integration tests against throwaway redis-server
# processes on 127.0.0.1 (label integration; the servers_start / servers_stop fixtures start
# and stop them). Extra arguments go to ctest, e.g.  bash scripts/test.sh -L unit
# Exit status: non-zero on any failure.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd -- "$ROOT"
BUILD_DIR=build

bash scripts/setup.sh

cmake -S . -B "$BUILD_DIR" -DGLIDE_WERROR=ON -DGLIDE_BUILD_TESTS=ON -DGLIDE_BUILD_EXAMPLES=ON
cmake --build "$BUILD_DIR" -j2

# Should ctest be killed before its servers_stop fixture runs, stop the servers here.
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  bash tests/scripts/test_servers.sh stop "$BUILD_DIR/test-servers" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ctest --test-dir "$BUILD_DIR" --output-on-failure --no-tests=error "$@"
