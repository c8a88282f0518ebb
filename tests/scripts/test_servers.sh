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

# find_free_ports
# shellcheck source=tests/scripts/ports.sh
source "$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)/ports.sh"

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

# 0 if PID is a live (not zombie) redis-server started by this script for PORT (its title
# names the port; before the title is set, its command line names the config DIR/*-PORT/).
is_our_server() {
  local pid=$1 port=$2 state comm
  [[ -r "/proc/$pid/stat" ]] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  [[ "$comm" == redis-server* ]] || return 1
  # Field 3 of /proc/PID/stat is the state; a zombie (Z) or dead (X) process is gone already
  # (its parent, possibly an init that does not reap, still holds the entry).
  state=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1 || true)
  [[ "$state" != Z && "$state" != X && -n "$state" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE ":$port\b|-$port/redis\.conf" || return 1
}

stop_servers() {
  local dir=$1
  [[ -e "$dir" ]] || return 0
  [[ -d "$dir" ]] || die "$dir is not a directory"
  if [[ ! -e "$dir/$MARKER" ]]; then
    if [[ -z "$(ls -A "$dir")" ]]; then
      rmdir "$dir"
      return 0
    fi
    die "$dir was not made by $0 (no $MARKER); refusing to touch it"
  fi
  local -a pids=() ports=()
  local pid port
  # Each server writes a pidfile (DIR/*/redis.pid) once it listens; DIR/pids maps pid -> port.
  if [[ -f "$dir/pids" ]]; then
    while read -r pid port; do
      [[ "$pid" =~ ^[0-9]+$ && "$port" =~ ^[0-9]+$ ]] || continue
      pids+=("$pid")
      ports+=("$port")
    done <"$dir/pids"
  fi
  local sub f
  for sub in "$dir"/node-* "$dir"/standalone-* "$dir"/auth-*; do
    f="$sub/redis.pid"
    [[ -f "$f" ]] || continue
    pid=$(tr -dc '0-9' <"$f")
    port=${sub##*-}
    [[ -n "$pid" ]] || continue
    pids+=("$pid")
    ports+=("$port")
  done

  local i alive
  local -a live=()
  for i in "${!pids[@]}"; do
    if is_our_server "${pids[$i]}" "${ports[$i]}"; then
      kill -TERM "${pids[$i]}" 2>/dev/null || true
      live+=("$i")
    fi
  done
  # Wait up to 10 s for a clean shutdown, then SIGKILL and wait up to 5 s more.
  local tries
  for tries in $(seq 1 150); do
    alive=0
    for i in "${live[@]}"; do
      if is_our_server "${pids[$i]}" "${ports[$i]}"; then alive=1; fi
    done
    ((alive)) || break
    if ((tries == 100)); then
      for i in "${live[@]}"; do
        if is_our_server "${pids[$i]}" "${ports[$i]}"; then
          log "redis-server ${pids[$i]} (port ${ports[$i]}) ignored SIGTERM; sending SIGKILL"
          kill -KILL "${pids[$i]}" 2>/dev/null || true
        fi
      done
    fi
    sleep 0.1
  done
  for i in "${live[@]}"; do
    if is_our_server "${pids[$i]}" "${ports[$i]}"; then
      die "redis-server ${pids[$i]} (port ${ports[$i]}) is still running"
    fi
  done
  rm -rf -- "$dir"
}

# ------------------------------------------------------------------ start

# write_conf SUBDIR PORT KIND (cluster|standalone|auth)
write_conf() {
  local sub=$1 port=$2 kind=$3
  mkdir -p "$sub"
  {
    echo "bind $HOST"
    echo "port $port"
    echo "protected-mode yes"
    echo "daemonize yes"
    echo "pidfile \"$sub/redis.pid\""
    echo "logfile \"$sub/redis.log\""
    echo "dir \"$sub\""
    echo "save \"\""
    echo "appendonly no"
    echo "repl-diskless-sync-delay 0"
    # A replica is listed in CLUSTER SLOTS only once its replication offset is non-zero, which
    # takes a replication PING (every 10 s by default) on an idle primary.
    echo "repl-ping-replica-period 1"
    # DEBUG SLEEP etc. for timeout tests, from loopback connections only.
    echo "enable-debug-command local"
    if [[ "$kind" == cluster ]]; then
      echo "cluster-enabled yes"
      echo "cluster-config-file nodes.conf"
      echo "cluster-node-timeout 5000"
    fi
    if [[ "$kind" == auth ]]; then
      echo "requirepass $AUTH_PASSWORD"
      echo "user $ACL_USER on >$ACL_PASSWORD ~* &* +@all"
    fi
  } >"$sub/redis.conf"
}

# launch SUBDIR PORT KIND: starts the daemon; returns once it answers PING (10 s at most).
launch() {
  local sub=$1 port=$2 kind=$3 pid reply
  local -a auth=()
  if [[ "$kind" == auth ]]; then auth=(--no-auth-warning -a "$AUTH_PASSWORD"); fi
  # Daemonized: redis detaches from our stdio, so ctest does not wait on it. fd 9 (the lock)
  # must not be inherited, or the server would hold the lock for its whole life.
  "$REDIS_SERVER" "$sub/redis.conf" </dev/null >"$sub/launch.log" 2>&1 9>&- ||
    { log "redis-server on port $port failed to start"; return 1; }
  local deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    if [[ -s "$sub/redis.pid" ]]; then
      pid=$(tr -dc '0-9' <"$sub/redis.pid")
      if [[ -n "$pid" ]] && ! is_our_server "$pid" "$port"; then
        log "redis-server on port $port exited during startup"
        return 1
      fi
      reply=$(cli "$port" "${auth[@]}" ping || true)
      if [[ "$reply" == PONG ]]; then
        # Make sure the process answering is the one we started.
        local served
        served=$(cli "$port" "${auth[@]}" info server | tr -d '\r' | sed -n 's/^process_id://p')
        if [[ "$served" != "$pid" ]]; then
          log "port $port is served by pid ${served:-?}, not by our pid $pid"
          return 1
        fi
        echo "$pid $port" >>"$DIR/pids"
        return 0
      fi
    elif grep -qiE 'could not create server|failed listening|address already in use|fatal' "$sub/redis.log" 2>/dev/null; then
      log "redis-server on port $port failed to start"
      return 1
    fi
    sleep 0.1
  done
  log "redis-server on port $port did not answer PING within 10 s"
  return 1
}

print_log_tails() {
  local f
  for f in "$DIR"/*/redis.log "$DIR"/*/launch.log "$DIR"/cluster-create.log; do
    [[ -s "$f" ]] || continue
    echo "----- tail of ${f#"$DIR"/}" >&2
    tail -n 20 "$f" >&2 || true
  done
}

on_start_failure() {
  local rc=$?
  trap - EXIT
  if ((rc != 0)); then
    log "start failed (exit $rc)"
    if [[ -d "$DIR" ]]; then
      print_log_tails
      stop_servers "$DIR" || true
    fi
  fi
  exit "$rc"
}

# Normalised CLUSTER SLOTS view of one node: "start end primary_port nodes" lines, sorted.
slots_view() {
  local port=$1 json
  json=$(cli "$port" -2 --json cluster slots) || return 1
  # Each range looks like [start,end,["ip",port,"id",[...]],["ip",port,"id",[...]]...]
  # Split at range boundaries: a "[" followed by start,end,[ begins a range.
  sed -E 's/\[([0-9]+),([0-9]+),\[/\n\1 \2 [/g' <<<"$json" | tail -n +2 |
    awk '{
      n = gsub(/\["[^"]*",[0-9]+,"[0-9a-f]+"/, "&");   # node entries in this range
      match($0, /\["[^"]*",[0-9]+/);
      primary = substr($0, RSTART + 1, RLENGTH - 1);
      gsub(/"/, "", primary);
      print $1, $2, primary, n
    }' | sort -n -k1,1
}

# 0 when the whole cluster is ready (the conditions are in the header comment).
cluster_ready() {
  local port info view first_view="" primaries=0 replicas=0 role
  for port in "${CLUSTER_PORTS[@]}"; do
    info=$(cli "$port" cluster info | tr -d '\r') || return 1
    grep -qx 'cluster_state:ok' <<<"$info" || return 1
    grep -qx 'cluster_known_nodes:6' <<<"$info" || return 1
    view=$(slots_view "$port") || return 1
    # Contiguous, complete coverage 0..16383, each range with one primary and one replica.
    awk 'BEGIN { next_slot = 0; ok = 1 }
         { if ($1 != next_slot || $2 < $1 || $4 != 2) ok = 0; next_slot = $2 + 1 }
         END { exit !(ok && next_slot == 16384) }' <<<"$view" || return 1
    if [[ -z "$first_view" ]]; then
      first_view=$view
    elif [[ "$view" != "$first_view" ]]; then
      return 1
    fi
    info=$(cli "$port" info replication | tr -d '\r') || return 1
    role=$(sed -n 's/^role://p' <<<"$info")
    if [[ "$role" == master ]]; then
      primaries=$((primaries + 1))
    elif [[ "$role" == slave ]]; then
      grep -qx 'master_link_status:up' <<<"$info" || return 1
      replicas=$((replicas + 1))
    else
      return 1
    fi
  done
  ((primaries == 3 && replicas == 3))
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
    stop_servers "$DIR"
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
    stop_servers "$DIR" # idempotent: a previous run's servers go first
    mkdir -p "$DIR"
    : >"$DIR/$MARKER"
    : >"$DIR/pids"
    trap on_start_failure EXIT
    if [[ "$CMD" == start ]]; then start_servers yes; else start_servers no; fi
    trap - EXIT
    ;;
  stop)
    stop_servers "$DIR"
    ;;
  *) usage ;;
esac
