#!/usr/bin/env bash
# Throwaway redis-server processes on 127.0.0.1 for the integration tests and the example.
#
#   test_servers.sh start DIR         6-node cluster (3 primaries + 3 replicas), one standalone
#                                     server and one standalone server with ACLs
#   test_servers.sh cluster-only DIR  just the cluster
#   test_servers.sh stop DIR          stops exactly the servers recorded in DIR, removes DIR
#
# start writes DIR/servers.env (KEY=VALUE lines, no quotes):
#   GLIDE_TEST_HOST, GLIDE_TEST_CLUSTER_PORTS (comma separated), GLIDE_TEST_STANDALONE_PORT,
#   GLIDE_TEST_AUTH_PORT, GLIDE_TEST_REDIS_CLI
# (cluster-only leaves the two standalone ports empty).
# The auth server: requirepass glide-secret for the default user, and user glideuser with
# password glide-pass and every permission.
#
# start returns once every cluster node says cluster_state:ok and knows 6 nodes, every node's
# CLUSTER SLOTS is the same complete map (0..16383, one primary and one replica per range) and
# every replica's link is up (at most GLIDE_TEST_CLUSTER_READY_SECONDS, default 30).
# Servers: bind 127.0.0.1, no persistence, DEBUG allowed from loopback (enable-debug-command
# local), cluster-node-timeout 5000; each in DIR/<kind>-PORT with its config, log and pidfile.
#
# Ports are a free block found by scanning upward from GLIDE_TEST_BASE_PORT (default 7100) with
# find_free_ports (tests/scripts/ports.sh, shared with bench/run.sh): a port is free when neither
# it nor its cluster bus port (+10000) is listening. Port 6379 and everything below 1024 are
# never used. A lock file serialises concurrent starts on one machine.
# Every wait is bounded; on failure start stops what it started, prints the logs' tails and
# exits non-zero.
set -euo pipefail

# find_free_ports; is_our_server, stop_servers, launch, cluster_ready & co
SCRIPTS=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/scripts/ports.sh
source "$SCRIPTS/ports.sh"
# shellcheck source=tests/scripts/server_procs.sh
source "$SCRIPTS/server_procs.sh"

HOST=127.0.0.1
BASE_PORT=${GLIDE_TEST_BASE_PORT:-7100}
MAX_PORT=9900            # bus ports stay below 20000, far from the ephemeral range
BLOCK_SIZE=8             # 6 cluster nodes + standalone + auth
MARKER=.glide-test-servers
AUTH_PASSWORD=glide-secret
ACL_USER=glideuser
ACL_PASSWORD=glide-pass
CLUSTER_READY_SECONDS=${GLIDE_TEST_CLUSTER_READY_SECONDS:-30}
LOCK_FILE=${TMPDIR:-/tmp}/glide-c-test-servers.lock

log() { printf 'test_servers: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  echo "usage: $0 start|cluster-only|stop DIR" >&2
  exit 2
}

find_tools() {
  REDIS_SERVER=$(command -v redis-server || true)
  REDIS_CLI=$(command -v redis-cli || true)
  [[ -n "$REDIS_SERVER" ]] || die "redis-server not found (run scripts/setup.sh)"
  [[ -n "$REDIS_CLI" ]] || die "redis-cli not found (run scripts/setup.sh)"
  command -v ss >/dev/null || die "ss not found (package iproute2)"
  command -v timeout >/dev/null || die "timeout not found (package coreutils)"
}

# redis-cli against one of our ports, bounded in time. Extra args follow.
cli() {
  local port=$1
  shift
  timeout 3 "$REDIS_CLI" -h "$HOST" -p "$port" "$@" 2>/dev/null
}

# ------------------------------------------------------------------ stop

# ------------------------------------------------------------------ start

# write_conf SUBDIR PORT KIND (cluster|standalone|auth)
write_conf() {
  local sub=$1 port=$2 kind=$3
  mkdir -p "$sub"
  {
    echo "bind $HOST"
    echo "port $port"
    common_conf "$sub" "$([[ "$kind" == cluster ]] && echo yes || echo no)"
    # DEBUG SLEEP etc. for timeout tests, from loopback connections only.
    echo "enable-debug-command local"
    if [[ "$kind" == auth ]]; then
      echo "requirepass $AUTH_PASSWORD"
      echo "user $ACL_USER on >$ACL_PASSWORD ~* &* +@all"
    fi
  } >"$sub/redis.conf"
}

# What redis-cli needs to get PONG from a KIND of server (server_procs.sh's launch).
auth_args() {
  if [[ "$1" == auth ]]; then printf '%s\n' --no-auth-warning -a "$AUTH_PASSWORD"; fi
}

start_servers() {
  local with_standalone=$1
  local attempt next_base=$BASE_PORT sub port ok
  # Port choice and binding happen under one lock so that two starts never pick the same block.
  exec 9>>"$LOCK_FILE"
  flock -w 120 9 || die "could not lock $LOCK_FILE within 120 s"
  for attempt in 1 2 3; do
    find_free_ports "$BLOCK_SIZE" "$next_base" "$MAX_PORT" ||
      die "no free block of $BLOCK_SIZE ports in $BASE_PORT..$MAX_PORT"
    CLUSTER_PORTS=("${PORTS[@]:0:6}")
    STANDALONE_PORT=${PORTS[6]}
    AUTH_PORT=${PORTS[7]}
    ok=1
    for port in "${CLUSTER_PORTS[@]}"; do
      sub="$DIR/node-$port"
      write_conf "$sub" "$port" cluster
      launch "$sub" "$port" cluster || { ok=0; break; }
    done
    if ((ok)) && [[ "$with_standalone" == yes ]]; then
      sub="$DIR/standalone-$STANDALONE_PORT"
      write_conf "$sub" "$STANDALONE_PORT" standalone
      launch "$sub" "$STANDALONE_PORT" standalone || ok=0
      if ((ok)); then
        sub="$DIR/auth-$AUTH_PORT"
        write_conf "$sub" "$AUTH_PORT" auth
        launch "$sub" "$AUTH_PORT" auth || ok=0
      fi
    fi
    ((ok)) && break
    # Someone else took a port between the scan and the bind: clean up, try further up.
    print_log_tails
    log "attempt $attempt failed; retrying with another port block"
    stop_servers
    mkdir -p "$DIR"
    : >"$DIR/$MARKER"
    next_base=$((PORTS[BLOCK_SIZE - 1] + 1))
    ((attempt < 3)) || die "could not start the servers"
  done
  flock -u 9
  exec 9>&-

  local -a addrs=()
  for port in "${CLUSTER_PORTS[@]}"; do addrs+=("$HOST:$port"); done
  log "creating the cluster on ports ${CLUSTER_PORTS[*]}"
  if ! timeout 60 "$REDIS_CLI" --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes \
    </dev/null >"$DIR/cluster-create.log" 2>&1; then
    die "redis-cli --cluster create failed"
  fi

  local deadline=$((SECONDS + CLUSTER_READY_SECONDS))
  until cluster_ready; do
    if ((SECONDS >= deadline)); then
      for port in "${CLUSTER_PORTS[@]}"; do
        echo "----- CLUSTER NODES on $port" >&2
        cli "$port" cluster nodes >&2 || true
      done
      die "cluster not ready within $CLUSTER_READY_SECONDS s"
    fi
    sleep 0.25
  done

  local joined
  joined=$(IFS=,; echo "${CLUSTER_PORTS[*]}")
  if [[ "$with_standalone" != yes ]]; then
    STANDALONE_PORT=
    AUTH_PORT=
  fi
  {
    echo "GLIDE_TEST_HOST=$HOST"
    echo "GLIDE_TEST_CLUSTER_PORTS=$joined"
    echo "GLIDE_TEST_STANDALONE_PORT=$STANDALONE_PORT"
    echo "GLIDE_TEST_AUTH_PORT=$AUTH_PORT"
    echo "GLIDE_TEST_REDIS_CLI=$REDIS_CLI"
  } >"$DIR/servers.env.tmp"
  mv "$DIR/servers.env.tmp" "$DIR/servers.env"
  log "ready: cluster $joined${STANDALONE_PORT:+, standalone $STANDALONE_PORT, auth $AUTH_PORT} ($DIR/servers.env)"
}

# ------------------------------------------------------------------ main

(($# == 2)) || usage
CMD=$1
[[ -n "$2" ]] || usage
mkdir -p -- "$(dirname -- "$2")"
DIR=$(cd -- "$(dirname -- "$2")" && pwd -P)/$(basename -- "$2")
case "$DIR" in
  / | /root | /home | /tmp | /usr* | /etc* | /var | "$HOME") die "refusing to use $DIR" ;;
esac
[[ "$DIR" != *'"'* ]] || die "DIR must not contain a double quote"

case "$CMD" in
  start | cluster-only)
    find_tools
    ((BASE_PORT > 6379 && BASE_PORT >= 1024)) || die "GLIDE_TEST_BASE_PORT must be above 6379"
    stop_servers # idempotent: a previous run's servers go first
    mkdir -p "$DIR"
    : >"$DIR/$MARKER"
    trap on_start_failure EXIT
    if [[ "$CMD" == start ]]; then start_servers yes; else start_servers no; fi
    trap - EXIT
    ;;
  stop)
    stop_servers
    ;;
  *) usage ;;
esac
