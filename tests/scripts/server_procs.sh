# shellcheck shell=bash
# tests/scripts/server_procs.sh - what tests/scripts/test_servers.sh and tls_servers.sh share:
# finding, starting and stopping the throwaway redis-server processes of one folder, and waiting
# for a 3 + 3 cluster to be ready. Bash, functions only: sourced, it sets no shell options and
# runs nothing.
#
# The sourcing script provides:
#   globals DIR (the servers' folder), MARKER (the file that says DIR is ours), HOST,
#           REDIS_SERVER, CLUSTER_PORTS (for cluster_ready)
#   log MSG... / die MSG...            its messages
#   cli PORT ARGS...                   redis-cli against one of its servers, bounded in time
#   auth_args KIND                     prints the redis-cli arguments a KIND of server needs
#                                      to answer PING (e.g. -a PASSWORD), one per line, or nothing
# Each server lives in DIR/<kind>-PORT with `dir` set there, its pidfile DIR/<kind>-PORT/redis.pid.

# 0 if PID is a live (not zombie) redis-server working in a folder under DIR. Its command line
# cannot tell: redis-server rewrites it to "host:port"; its working directory is its `dir`.
is_our_server() {
  local pid=$1 state cwd
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/stat" ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" == redis-server* ]] || return 1
  # Field 3 of /proc/PID/stat is the state; a zombie (Z) or dead (X) process is gone already
  # (its parent, possibly an init that does not reap, still holds the entry).
  state=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1 || true)
  [[ "$state" != Z && "$state" != X && -n "$state" ]] || return 1
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
  [[ "$cwd" == "$DIR"/* ]]
}

# Stops every server of DIR (SIGTERM, SIGKILL after 10 s), then removes DIR. Refuses a DIR
# without MARKER (unless empty).
stop_servers() {
  [[ -e "$DIR" ]] || return 0
  [[ -d "$DIR" ]] || die "$DIR is not a directory"
  if [[ ! -e "$DIR/$MARKER" ]]; then
    if [[ -z "$(ls -A "$DIR")" ]]; then
      rmdir "$DIR"
      return 0
    fi
    die "$DIR was not made by $0 (no $MARKER); refusing to touch it"
  fi
  local -a pids=()
  local pid f tries alive
  for f in "$DIR"/*/redis.pid; do
    [[ -f "$f" ]] || continue
    pid=$(tr -dc '0-9' <"$f")
    is_our_server "$pid" && pids+=("$pid")
  done
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for tries in $(seq 1 150); do
    alive=0
    for pid in "${pids[@]}"; do is_our_server "$pid" && alive=1; done
    ((alive)) || break
    if ((tries == 100)); then
      for pid in "${pids[@]}"; do
        if is_our_server "$pid"; then
          log "redis-server $pid ignored SIGTERM; sending SIGKILL"
          kill -KILL "$pid" 2>/dev/null || true
        fi
      done
    fi
    sleep 0.1
  done
  for pid in "${pids[@]}"; do is_our_server "$pid" && die "redis-server $pid is still running"; done
  rm -rf -- "$DIR"
}

# The config lines every server has (after its own bind/port/TLS lines): daemonized, its files
# in SUB, no persistence, quick replication. CLUSTER=yes adds cluster mode.
common_conf() {
  local sub=$1 cluster=$2
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
  if [[ "$cluster" == yes ]]; then
    echo "cluster-enabled yes"
    echo "cluster-config-file nodes.conf"
    echo "cluster-node-timeout 5000"
  fi
}

# launch SUB PORT KIND: starts the daemon from SUB/redis.conf; returns once it answers PING and
# the process answering is the one started (10 s at most).
launch() {
  local sub=$1 port=$2 kind=$3 pid reply served
  local -a auth=()
  mapfile -t auth < <(auth_args "$kind")
  # Daemonized: redis detaches from our stdio, so ctest does not wait on it. fd 9 (the lock)
  # must not be inherited, or the server would hold the lock for its whole life.
  "$REDIS_SERVER" "$sub/redis.conf" </dev/null >"$sub/launch.log" 2>&1 9>&- ||
    { log "redis-server on port $port failed to start"; return 1; }
  local deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    if [[ -s "$sub/redis.pid" ]]; then
      pid=$(tr -dc '0-9' <"$sub/redis.pid")
      if ! is_our_server "$pid"; then
        log "redis-server on port $port exited during startup"
        return 1
      fi
      reply=$(cli "$port" "${auth[@]}" ping || true)
      if [[ "$reply" == PONG ]]; then
        served=$(cli "$port" "${auth[@]}" info server | tr -d '\r' | sed -n 's/^process_id://p')
        if [[ "$served" != "$pid" ]]; then
          log "port $port is served by pid ${served:-?}, not by our pid $pid"
          return 1
        fi
        return 0
      fi
    elif grep -qiE 'could not create server|failed listening|address already in use|fatal' \
      "$sub/redis.log" 2>/dev/null; then
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

# The EXIT trap while starting: a failed start prints the logs and stops what it started.
on_start_failure() {
  local rc=$?
  trap - EXIT
  if ((rc != 0)); then
    log "start failed (exit $rc)"
    if [[ -d "$DIR" ]]; then
      print_log_tails
      stop_servers || true
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

# 0 when the cluster of CLUSTER_PORTS is ready: every node says cluster_state:ok and knows 6
# nodes, every node's CLUSTER SLOTS is the same complete map (0..16383, one primary and one
# replica per range), 3 primaries, and every replica's link is up.
cluster_ready() {
  local port info view first_view="" primaries=0 replicas=0 role
  for port in "${CLUSTER_PORTS[@]}"; do
    info=$(cli "$port" cluster info | tr -d '\r') || return 1
    grep -qx 'cluster_state:ok' <<<"$info" || return 1
    grep -qx 'cluster_known_nodes:6' <<<"$info" || return 1
    view=$(slots_view "$port") || return 1
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
