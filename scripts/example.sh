#!/usr/bin/env bash
# Fresh Debian 12 to a running ClusterBatch example, in one command:
# installs what is missing, builds into build/, starts a throwaway 6-node cluster on 127.0.0.1
# (free ports from 7100 up, under build/example-servers), runs build/examples/cluster_batch
# against it, and stops the cluster again (also on failure or Ctrl-C).
# Exit status: the example's.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd -- "$ROOT"
BUILD_DIR=build
SERVERS_DIR=$BUILD_DIR/example-servers

bash scripts/setup.sh

cmake -S . -B "$BUILD_DIR"
cmake --build "$BUILD_DIR" -j2 --target cluster_batch

# shellcheck disable=SC2317 # called by the trap
cleanup() {
  bash tests/scripts/test_servers.sh stop "$SERVERS_DIR" || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash tests/scripts/test_servers.sh cluster-only "$SERVERS_DIR"
PORT=$(sed -n 's/^GLIDE_TEST_CLUSTER_PORTS=//p' "$SERVERS_DIR/servers.env" | cut -d, -f1)
HOST=$(sed -n 's/^GLIDE_TEST_HOST=//p' "$SERVERS_DIR/servers.env")
[[ -n "$PORT" && -n "$HOST" ]] || { echo "example: no cluster port in $SERVERS_DIR/servers.env" >&2; exit 1; }

echo "example: $BUILD_DIR/examples/cluster_batch $HOST $PORT"
rc=0
timeout 60 "$BUILD_DIR/examples/cluster_batch" "$HOST" "$PORT" || rc=$?
if ((rc == 0)); then echo "example: OK"; else echo "example: FAILED (exit $rc)" >&2; fi
exit "$rc"
