#!/usr/bin/env bash
# bench/run.sh - the whole benchmark of issue 4 in one run, against servers it starts itself on
# 127.0.0.1 and stops on exit (whatever happens):
#
#   1. installs what is missing (Debian packages; apt-get only when something is missing)
#   2. builds the library (Release, build-bench/) and the three bench programs
#   3. starts a 3-primary cluster (no replicas) and measures, in groups: each group is a reference
#      (the hiredis floor on one primary, or the ceiling: redis-benchmark --cluster -P 100) and
#      the glide_bench scenarios compared with it, alternated ROUNDS times, with one more
#      reference run at the end; so each ratio compares figures taken seconds apart
#   4. scenario e (one batch of 1,000 / 10,000 / 100,000 GETs: time, RSS); then group tls: the TLS
#      cluster of tests/scripts/tls_servers.sh, a-set-1 and d-get-1 alternated plain and over TLS
#   5. starts a 6-node cluster (3 primaries + 3 replicas) for scenario f (idle client)
#   6. parser_bench: timed, then under callgrind (instructions per reply, ours vs hiredis's reader)
#   7. prints ONE table: figures, ratios and the issue's targets (met / NOT MET)
#
# Usage: bench/run.sh [--duration-ms N] [--rounds N] [--warmup-ms N] [--value-size N]
#                     [--keyspace N] [--ceiling-requests N] [--profile] [--out DIR]
#   --duration-ms  measured time per scenario (default 3000), split over the rounds
#   --rounds       alternations of reference and scenarios per group (default 3)
#   --profile      also runs glide_bench a-set-1 and hiredis_floor pipeline-set under callgrind
#                  and prints instructions per command and the top 15 functions of each
#   --out DIR      where the raw results go (results.jsonl, logs, callgrind files; default
#                  build-bench/bench-results)
# Environment: BENCH_BASE_PORT (default 7600): where the free-port scan starts.
#
# Also, for running the programs by hand:
#   bench/run.sh cluster start DIR NODES REPLICAS_PER_PRIMARY   (prints the ports)
#   bench/run.sh cluster stop DIR
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
# find_free_ports, shared with tests/scripts/test_servers.sh
# shellcheck source=tests/scripts/ports.sh
source "$ROOT/tests/scripts/ports.sh"
BUILD=$ROOT/build-bench
HOST=127.0.0.1
BASE_PORT=${BENCH_BASE_PORT:-7600}
MAX_PORT=9999 # bus ports (+10000) stay below 20000, far from the ephemeral range

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ------------------------------------------------------------------ servers

# is_our_server PID: a live (not zombie) redis-server process.
is_our_server() {
  local pid=$1 state
  [[ -r /proc/$pid/stat ]] || return 1
  [[ "$(cat /proc/"$pid"/comm 2>/dev/null)" == redis-server* ]] || return 1
  state=$(sed -e 's/^.*) //' /proc/"$pid"/stat 2>/dev/null | cut -d' ' -f1)
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

cluster_stop() {
  local dir=$1 f pid port i
  [[ -d "$dir" ]] || return 0
  [[ -e "$dir/.bench-servers" ]] || die "$dir was not made by bench/run.sh; not touching it"
  local -a pids=()
  for f in "$dir"/node-*/redis.pid; do
    [[ -f "$f" ]] || continue
    pid=$(tr -dc '0-9' <"$f")
    port=$(basename "$(dirname "$f")")
    port=${port#node-}
    [[ -n "$pid" ]] || continue
    if is_our_server "$pid" && tr '\0' ' ' </proc/"$pid"/cmdline | grep -q ":$port\b\|node-$port/"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for i in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do is_our_server "$pid" && alive=1; done
    ((alive)) || break
    if ((i == 60)); then
      for pid in "${pids[@]}"; do is_our_server "$pid" && kill -KILL "$pid" 2>/dev/null; done
    fi
    sleep 0.1
  done
  rm -rf -- "$dir"
}

cli() { timeout 5 redis-cli -h "$HOST" -p "$@" 2>/dev/null; }

# cluster_start DIR NODES REPLICAS: sets CLUSTER_PORTS; bounded waits; on failure stops what it
# started.
cluster_start() {
  local dir=$1 nodes=$2 replicas=$3 attempt base=$BASE_PORT port sub ok
  mkdir -p "$dir"
  : >"$dir/.bench-servers"
  for attempt in 1 2 3; do
    find_free_ports "$nodes" "$base" "$MAX_PORT" || die "no $nodes free ports in $base..$MAX_PORT"
    ok=1
    for port in "${PORTS[@]}"; do
      sub=$dir/node-$port
      mkdir -p "$sub"
      cat >"$sub/redis.conf" <<EOF
bind $HOST
port $port
protected-mode yes
daemonize yes
pidfile "$sub/redis.pid"
logfile "$sub/redis.log"
dir "$sub"
save ""
appendonly no
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 5000
repl-ping-replica-period 1
EOF
      redis-server "$sub/redis.conf" </dev/null >"$sub/launch.log" 2>&1 || { ok=0; break; }
    done
    if ((ok)); then
      for port in "${PORTS[@]}"; do
        local deadline=$((SECONDS + 10))
        until [[ "$(cli "$port" ping)" == PONG ]]; do
          ((SECONDS < deadline)) || { ok=0; break; }
          sleep 0.1
        done
        ((ok)) || break
      done
    fi
    ((ok)) && break
    log "could not start servers on ${PORTS[*]} (attempt $attempt)"
    cluster_stop "$dir"
    mkdir -p "$dir"
    : >"$dir/.bench-servers"
    base=$((PORTS[nodes - 1] + 1))
    ((attempt < 3)) || die "could not start $nodes servers"
  done
  CLUSTER_PORTS=("${PORTS[@]}")
  local -a addrs=()
  for port in "${CLUSTER_PORTS[@]}"; do addrs+=("$HOST:$port"); done
  timeout 60 redis-cli --cluster create "${addrs[@]}" --cluster-replicas "$replicas" --cluster-yes \
    </dev/null >"$dir/create.log" 2>&1 || { cat "$dir/create.log" >&2; die "cluster create failed"; }
  local deadline=$((SECONDS + 40)) ready info
  while :; do
    ready=1
    for port in "${CLUSTER_PORTS[@]}"; do
      info=$(cli "$port" cluster info | tr -d '\r')
      grep -qx cluster_state:ok <<<"$info" && grep -qx "cluster_known_nodes:$nodes" <<<"$info" &&
        grep -qx cluster_slots_ok:16384 <<<"$info" || { ready=0; break; }
      info=$(cli "$port" info replication | tr -d '\r')
      if grep -qx role:slave <<<"$info"; then
        grep -qx master_link_status:up <<<"$info" || { ready=0; break; }
      fi
    done
    ((ready)) && break
    ((SECONDS < deadline)) || die "cluster on ${CLUSTER_PORTS[*]} not ready within 40 s"
    sleep 0.25
  done
  # the primaries, for the floor
  PRIMARY_PORTS=()
  for port in "${CLUSTER_PORTS[@]}"; do
    cli "$port" info replication | tr -d '\r' | grep -qx role:master && PRIMARY_PORTS+=("$port")
  done
  return 0
}

if [[ "${1:-}" == cluster ]]; then
  case "${2:-}" in
    start)
      [[ $# -eq 5 ]] || die "usage: $0 cluster start DIR NODES REPLICAS"
      trap 'rc=$?; ((rc == 0)) || cluster_stop "$3"; exit $rc' EXIT
      cluster_start "$3" "$4" "$5"
      trap - EXIT
      echo "${CLUSTER_PORTS[*]}"
      exit 0 ;;
    stop)
      [[ $# -eq 3 ]] || die "usage: $0 cluster stop DIR"
      cluster_stop "$3"
      exit 0 ;;
    *) die "usage: $0 cluster start|stop DIR ..." ;;
  esac
fi

# ------------------------------------------------------------------ options

DURATION_MS=3000
ROUNDS=3
WARMUP_MS=500
VALUE_SIZE=16
KEYSPACE=10000
CEILING_REQUESTS=1000000
PROFILE=0
OUT=$BUILD/bench-results
while (($#)); do
  case "$1" in
    --duration-ms) DURATION_MS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --warmup-ms) WARMUP_MS=$2; shift 2 ;;
    --value-size) VALUE_SIZE=$2; shift 2 ;;
    --keyspace) KEYSPACE=$2; shift 2 ;;
    --ceiling-requests) CEILING_REQUESTS=$2; shift 2 ;;
    --profile) PROFILE=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h | --help) sed -n '2,29p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option $1 (--help)" ;;
  esac
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ && "$DURATION_MS" =~ ^[1-9][0-9]*$ ]] || die "bad --rounds or --duration-ms"
RUN_MS=$((DURATION_MS / ROUNDS))
((RUN_MS >= 200)) || die "--duration-ms / --rounds must be at least 200 ms"

# ------------------------------------------------------------------ 1. what is needed

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have cmake || need_pkgs+=(cmake)
have pkg-config || need_pkgs+=(pkg-config)
have cc || need_pkgs+=(gcc)
have c++ || need_pkgs+=(g++)
have redis-server || need_pkgs+=(redis-server)
have redis-cli || need_pkgs+=(redis-tools)
have redis-benchmark || need_pkgs+=(redis-tools)
have valgrind || need_pkgs+=(valgrind)
have callgrind_annotate || need_pkgs+=(valgrind)
have jq || need_pkgs+=(jq)
have ss || need_pkgs+=(iproute2)
have timeout || need_pkgs+=(coreutils)
pkg-config --exists hiredis 2>/dev/null || need_pkgs+=(libhiredis-dev)
pkg-config --exists libevent_core libevent_pthreads 2>/dev/null || need_pkgs+=(libevent-dev)
if ((${#need_pkgs[@]})); then
  log "installing: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
[[ -f /usr/include/valgrind/callgrind.h ]] ||
  log "warning: valgrind/callgrind.h missing: callgrind counts include set-up code"

# ------------------------------------------------------------------ 2. build

mkdir -p "$OUT"
OUT=$(cd -- "$OUT" && pwd -P)
BIN=$BUILD/bench
log "building (Release, $BUILD)"
if grep -q GLIDE_BUILD_BENCH "$ROOT/CMakeLists.txt"; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGLIDE_BUILD_TESTS=OFF \
    -DGLIDE_BUILD_BENCH=ON >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; die "configure failed"; }
  cmake --build "$BUILD" -j"$(nproc)" >>"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; die "build failed"; }
else
  # The top-level CMakeLists.txt does not know bench/ yet: the library with CMake, the programs
  # directly, with the same flags as CMake's Release.
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGLIDE_BUILD_TESTS=OFF \
    >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; die "configure failed"; }
  cmake --build "$BUILD" -j"$(nproc)" --target glide_c >>"$OUT/build.log" 2>&1 ||
    { tail -30 "$OUT/build.log" >&2; die "build failed"; }
  mkdir -p "$BIN"
  {
    cc -std=c11 -O3 -DNDEBUG -g -Wall -Wextra -I"$ROOT/include" "$ROOT/bench/glide_bench.c" \
      -o "$BIN/glide_bench" -L"$BUILD" -lglide_c -Wl,-rpath,"$BUILD" -lpthread &&
      cc -std=c11 -O3 -DNDEBUG -g -Wall -Wextra "$ROOT/bench/hiredis_floor.c" -o "$BIN/hiredis_floor" \
        $(pkg-config --cflags --libs hiredis) &&
      c++ -std=c++20 -O3 -DNDEBUG -g -Wall -Wextra -I"$ROOT/include" -I"$ROOT/src" \
        "$ROOT/bench/parser_bench.cpp" "$ROOT/src/resp/parser.cpp" "$ROOT/src/value/arena.cpp" \
        -o "$BIN/parser_bench" $(pkg-config --cflags --libs hiredis)
  } >>"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; die "bench build failed"; }
fi
for p in glide_bench hiredis_floor parser_bench; do [[ -x "$BIN/$p" ]] || die "$BIN/$p was not built"; done

# ------------------------------------------------------------------ 3. servers, and always stop them

SERVERS=$(mktemp -d "${TMPDIR:-/tmp}/glide-bench.XXXXXX")
SERVERS6=$SERVERS-6
TLS_SERVERS=$SERVERS-tls
: >"$SERVERS/.bench-servers"
cleanup() {
  local rc=$?
  cluster_stop "$SERVERS" || true
  cluster_stop "$SERVERS6" || true
  [[ -d "$TLS_SERVERS" ]] && bash "$ROOT/tests/scripts/tls_servers.sh" stop "$TLS_SERVERS" >/dev/null 2>&1
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RESULTS=$OUT/results.jsonl
: >"$RESULTS"
T_START=$SECONDS
log "starting a 3-primary cluster"
cluster_start "$SERVERS" 3 0
SEED=${CLUSTER_PORTS[0]}
FLOOR_PORT=${PRIMARY_PORTS[0]}
log "cluster on ${CLUSTER_PORTS[*]}; the floor talks to $FLOOR_PORT only"

COMMON=(--host "$HOST" --value-size "$VALUE_SIZE" --keyspace "$KEYSPACE" --warmup-ms "$WARMUP_MS"
  --duration-ms "$RUN_MS" --json)

# Every result line gets its group and phase.
tag() { jq -c --arg g "$1" --arg ph "$2" '. + {group: $g, phase: $ph}'; }

# The ceiling, with redis-benchmark's own CPU from bash's time (user+sys). -n is sized from the
# previous run's rate so that each run takes about RUN_MS.
declare -A CEIL_N=([set]=$CEILING_REQUESTS [get]=$CEILING_REQUESTS)
ceiling() {
  local test=$1 group=$2 phase=$3 t line n=${CEIL_N[$1]} f=$OUT/ceiling-$1-$2-$3
  local TIMEFORMAT='%U %S'
  { t=$( { time redis-benchmark -h "$HOST" -p "$SEED" --cluster -t "$test" -P 100 -n "$n" \
      -r "$KEYSPACE" -d "$VALUE_SIZE" -q --csv >"$f.csv" 2>"$f.err"; } 2>&1 ); } ||
    die "redis-benchmark $test failed: $(tail -3 "$f.err")"
  line=$(grep -i "^\"$test\"" "$f.csv" | head -1)
  [[ -n "$line" ]] || die "no $test line in redis-benchmark's output: $(cat "$f.csv")"
  jq -cnR --arg line "$line" --arg t "$t" --arg test "$test" --argjson n "$n" '
    ($line | gsub("\""; "") | split(",")) as $f
    | ($t | split(" ") | map(tonumber) | add) as $cpu
    | {tool: "redis-benchmark", scenario: ("ceiling-" + ($test|ascii_downcase)), lat_unit: "cmd",
       cmds: $n, cmds_per_s: ($f[1]|tonumber), cpu_us_per_cmd: ($cpu * 1e6 / $n),
       p50_us: (($f[4]|tonumber) * 1000), p99_us: (($f[6]|tonumber) * 1000), peak_rss_kb: -1,
       errors: 0}' | tag "$group" "$phase" >>"$RESULTS"
  CEIL_N[$test]=$(tail -1 "$RESULTS" | jq -r --argjson d "$RUN_MS" '[.cmds_per_s * $d / 1000, 50000] | max | floor')
}

floor() {
  local mode=$1 group=$2 phase=$3
  "$BIN/hiredis_floor" --port "$FLOOR_PORT" "${COMMON[@]}" --mode "$mode" 2>"$OUT/floor-$mode.err" |
    tag "$group" "$phase" >>"$RESULTS" || die "hiredis_floor $mode failed: $(tail -3 "$OUT/floor-$mode.err")"
}

GLIDE_FAILED=()
glide() {
  local s=$1 group=$2 rc=0
  timeout 120 "$BIN/glide_bench" --port "$SEED" "${COMMON[@]}" --no-preload --scenario "$s" \
    >"$OUT/glide-$s.json" 2>"$OUT/glide-$s.err" || rc=$?
  tag "$group" run <"$OUT/glide-$s.json" >>"$RESULTS"
  if ((rc != 0)); then
    GLIDE_FAILED+=("$s (exit $rc: $(tail -2 "$OUT/glide-$s.err" | tr '\n' ' '))")
    log "glide_bench $s FAILED (exit $rc): $(tail -3 "$OUT/glide-$s.err")"
  fi
}

# The same scenario over TLS (the cluster of tests/scripts/tls_servers.sh, every node verified
# against its CA); its rows are named SCENARIO+tls.
glide_tls() {
  local s=$1 group=$2 rc=0
  timeout 120 "$BIN/glide_bench" --port "$TLS_SEED" "${COMMON[@]}" --tls-ca "$TLS_CA" --no-preload \
    --scenario "$s" >"$OUT/glide-$s-tls.json" 2>"$OUT/glide-$s-tls.err" || rc=$?
  jq -c '.scenario += "+tls"' <"$OUT/glide-$s-tls.json" | tag "$group" run >>"$RESULTS"
  if ((rc != 0)); then
    GLIDE_FAILED+=("$s+tls (exit $rc: $(tail -2 "$OUT/glide-$s-tls.err" | tr '\n' ' '))")
    log "glide_bench $s over TLS FAILED (exit $rc): $(tail -3 "$OUT/glide-$s-tls.err")"
  fi
}

# group floor|ceiling REF GROUP SCENARIO...: ROUNDS x (reference, scenarios), then the reference
group() {
  local kind=$1 ref=$2 g=$3 s r
  shift 3
  log "group $g: $ROUNDS x ($ref, $*), $ref"
  for ((r = 1; r <= ROUNDS + 1; r++)); do
    if [[ $kind == ceiling ]]; then ceiling "$ref" "$g" "ref$r"; else floor "$ref" "$g" "ref$r"; fi
    ((r <= ROUNDS)) || break
    for s in "$@"; do glide "$s" "$g"; done
  done
}

log "glide_bench preload (every scenario then runs in its own process)"
timeout 120 "$BIN/glide_bench" --port "$SEED" "${COMMON[@]}" --preload-only || die "preload failed"
group floor pipeline-set a1 a-set-1 c-atomic-1
group ceiling set a8 a-set-8 c-atomic-8
group floor pipeline-get b1 b-get-1
group ceiling get b8 b-get-8
group floor blocking-get d1get d-get-1
group floor blocking-set d1set d-set-1
group floor pipeline-get d64get d-get-64 d-get-64cb
group floor pipeline-set d64set d-set-64 d-set-64cb
log "group e: one big batch of 1,000 / 10,000 / 100,000 GETs"
for s in e-1000 e-10000 e-100000; do glide "$s" e; done

log "group tls: starting the TLS cluster (3 primaries + 3 replicas, tests/scripts/tls_servers.sh)"
bash "$ROOT/tests/scripts/tls_servers.sh" start "$TLS_SERVERS" >"$OUT/tls-servers.log" 2>&1 ||
  die "the TLS servers did not start: $(tail -5 "$OUT/tls-servers.log")"
TLS_SEED=$(sed -n 's/^GLIDE_TLS_CLUSTER_PORTS=//p' "$TLS_SERVERS/servers.env" | cut -d, -f1)
TLS_CA=$(sed -n 's/^GLIDE_TLS_CERTS=//p' "$TLS_SERVERS/servers.env")/ca.crt
timeout 120 "$BIN/glide_bench" --port "$TLS_SEED" "${COMMON[@]}" --tls-ca "$TLS_CA" --preload-only ||
  die "preload over TLS failed"
log "group tls: $ROUNDS x (a-set-1, a-set-1+tls, d-get-1, d-get-1+tls)"
for ((r = 1; r <= ROUNDS; r++)); do
  for s in a-set-1 d-get-1; do
    glide "$s" tls
    glide_tls "$s" tls
  done
done
bash "$ROOT/tests/scripts/tls_servers.sh" stop "$TLS_SERVERS" >/dev/null 2>&1 || true

if ((PROFILE)); then
  log "profile: glide_bench a-set-1 and hiredis_floor pipeline-set under callgrind"
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/glide-a-set-1.callgrind" \
    "$BIN/glide_bench" --port "$SEED" --host "$HOST" --value-size "$VALUE_SIZE" --keyspace "$KEYSPACE" \
    --no-preload --scenario a-set-1 --warmup-ms 1000 --duration-ms 3000 --timeout-ms 30000 --json \
    --callgrind >"$OUT/glide-a-set-1.callgrind.json" 2>"$OUT/glide-a-set-1.callgrind.log" ||
    log "glide_bench under callgrind failed: $(tail -3 "$OUT/glide-a-set-1.callgrind.log")"
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/hiredis-pipeline-set.callgrind" \
    "$BIN/hiredis_floor" --port "$FLOOR_PORT" --host "$HOST" --value-size "$VALUE_SIZE" \
    --keyspace "$KEYSPACE" --mode pipeline-set --warmup-ms 1000 --duration-ms 3000 --json --callgrind \
    >"$OUT/hiredis-pipeline-set.callgrind.json" 2>"$OUT/hiredis-pipeline-set.callgrind.log" ||
    log "hiredis_floor under callgrind failed: $(tail -3 "$OUT/hiredis-pipeline-set.callgrind.log")"
fi
cluster_stop "$SERVERS"

log "starting a 6-node cluster (3 primaries + 3 replicas) for f-idle"
cluster_start "$SERVERS6" 6 1
SEED=${CLUSTER_PORTS[0]}
glide f-idle f
cluster_stop "$SERVERS6"

log "parser_bench: timed, then under callgrind"
"$BIN/parser_bench" 20 >"$OUT/parser-timing.jsonl" || die "parser_bench failed"
rm -f "$OUT"/parser.callgrind*
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/parser.callgrind" \
  "$BIN/parser_bench" 1 >"$OUT/parser-callgrind.jsonl" 2>"$OUT/parser-callgrind.log" ||
  die "parser_bench under callgrind failed: $(tail -3 "$OUT/parser-callgrind.log")"
T_RUN=$((SECONDS - T_START))

# ------------------------------------------------------------------ 7. the table

set +o pipefail  # head closing its pipe early is fine from here on

# total instructions of one callgrind dump ("totals:", else "summary:")
cg_total() {
  local t
  t=$(grep -a -m1 '^totals:' "$1" | awk '{print $2}')
  [[ -n "$t" ]] || t=$(grep -a -m1 '^summary:' "$1" | awk '{print $2}')
  echo "${t:-0}"
}

# the 15 costliest functions of a callgrind file (the list after the 6th rule line)
cg_top() {
  callgrind_annotate "$2" --auto=no "$1" 2>/dev/null | awk '/^-+$/ { s++; next } s == 6 && NF' |
    head -15 | cut -c1-180 | sed 's/^/    /'
}

to_tsv() {
  jq -r --arg skip "${2:-}" 'select(.scenario != null and .group != $skip) | [(.group // "-"), (.phase // "-"), .tool, .scenario, .cmds_per_s,
    .cpu_us_per_cmd, .p50_us, .p99_us, .lat_unit, .peak_rss_kb, .errors, (.exec_ms // -1),
    (.reply_bytes // -1), (.peak_delta_kb // -1), (.idle_rss_kb_1 // -1), (.threads_1 // -1),
    (.idle_rss_kb_2 // -1), (.threads_2 // -1), (.batch_kb // -1), (.exec_peak_kb // -1),
    (.sys_us_per_cmd // -1), (.csw_per_cmd // -1), (.idle_rss_kb_total // -1)] | @tsv' "$1"
}

echo
echo "glide-c benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+dirty')"
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "settings: value $VALUE_SIZE B, keyspace $KEYSPACE, batches of 100, warm-up $WARMUP_MS ms, $ROUNDS rounds x $RUN_MS ms per scenario; redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'), 3 primaries on 127.0.0.1 (f: 3+3)"
echo "Each group alternates its reference (hiredis floor on one primary, or redis-benchmark --cluster -P 100) and"
echo "its glide scenarios $ROUNDS times, then runs the reference once more; rows are means over the runs, spread ="
echo "(max-min)/mean of the reference's rate. CPU = user+sys of the whole client process per command, sys_us its"
echo "kernel part, csw/c its context switches per command; p50/p99 per batch (a, b, c, e, pipelined floor) or per"
echo "command (d, blocking floor, ceiling); xceil/xflr = rate over the ceiling/floor of the same group (else the"
echo "run's mean); CPUxf = CPU per command over the floor's."
echo
to_tsv "$RESULTS" tls | awk -F'\t' '
  function fmt_rate(x) { return x < 0 ? "-" : sprintf("%.0f", x) }
  function r2(x) { return sprintf("%.2f", x) }
  function met(c) { return c ? "met" : "NOT MET" }
  # mean of a field over the runs of (g, name); over the whole run when g has no such row
  function m(what, g, name) {
    if ((g, name) in cnt) return sum[what, g, name] / cnt[g, name]
    if (name in gcnt) return gsum[what, name] / gcnt[name]
    return -1
  }
  function ratio(a, b) { return (a > 0 && b > 0) ? r2(a / b) : "-" }
  function line(label, g, k, xc, xf, cf, target, verdict,    sy, cs) {
    sy = m("sys", g, k); cs = m("csw", g, k)
    printf "%-22s %9s %7.3f %7s %6s %7.0f %7.0f %-5s %6s %5s %5s %5s  %-48s %s\n", label,
      fmt_rate(m("rate", g, k)), m("cpu", g, k), (sy < 0 ? "-" : sprintf("%.3f", sy)),
      (cs < 0 ? "-" : sprintf("%.3f", cs)), m("p50", g, k), m("p99", g, k), per[k],
      (m("rss", g, k) < 0 ? "-" : sprintf("%.0f", m("rss", g, k))), xc, xf, cf, target, verdict
  }
  {
    g = $1; tool[$4] = $3; k = $4
    if (!(g in seen)) { seen[g] = 1; groups[++ng] = g }
    if (!((g, k) in cnt)) {
      rows[g, ++nrows[g]] = k; lo[g, k] = $5; hi[g, k] = $5
    }
    cnt[g, k]++; gcnt[k]++
    v["rate"] = $5; v["cpu"] = $6; v["p50"] = $7; v["p99"] = $8; v["rss"] = $10; v["err"] = $11
    v["sys"] = $21; v["csw"] = $22
    for (w in v) { sum[w, g, k] += v[w]; gsum[w, k] += v[w] }
    if ($5 < lo[g, k]) lo[g, k] = $5
    if ($5 > hi[g, k]) hi[g, k] = $5
    per[k] = $9
    exms[k] = $12; rbytes[k] = $13; pdelta[k] = $14; i1[k] = $15; t1[k] = $16; i2[k] = $17; t2[k] = $18
    itot[k] = $23
  }
  END {
    sep = "---------------------------------------------------------------------------------------------------------------------------------------------------"
    printf "%-22s %9s %7s %7s %6s %7s %7s %-5s %6s %5s %5s %5s  %-48s %s\n", "group / scenario", "cmds/s", "CPUus/c",
      "sys_us", "csw/c", "p50_us", "p99_us", "per", "RSS_kB", "xceil", "xflr", "CPUxf", "target (issue 4)", "result"
    for (gi = 1; gi <= ng; gi++) {
      g = groups[gi]
      print sep
      noisy = ""
      for (j = 1; j <= nrows[g]; j++) {
        k = rows[g, j]
        if (tool[k] == "glide") continue
        spread = (m("rate", g, k) > 0) ? (hi[g, k] - lo[g, k]) / m("rate", g, k) : 0
        if (spread > 0.3) noisy = " (noisy ref)"
        line("[" g "] " k, g, k, "", "", "", sprintf("reference: %s, %d runs, spread %.0f%%", tool[k], cnt[g, k], 100 * spread), "")
      }
      for (j = 1; j <= nrows[g]; j++) {
        k = rows[g, j]
        if (tool[k] != "glide") continue
        rate = m("rate", g, k); cpu = m("cpu", g, k); err = sum["err", g, k]
        op = (k ~ /get/ || k ~ /^e-/) ? "get" : "set"
        fref = (k ~ /^d-.*-1$/) ? "blocking-" op : "pipeline-" op
        xc = ratio(rate, m("rate", g, "ceiling-" op))
        xf = ratio(rate, m("rate", g, fref))
        cf = ratio(cpu, m("cpu", g, fref))
        target = ""; verdict = ""
        if (k ~ /^[ab]-.*-1$/) {
          target = (k ~ /^b/ ? "(as a) " : "") "CPU <= 1.5x floor pipelined, rate >= 0.5x"
          verdict = met(cf != "-" && xf != "-" && cf + 0 <= 1.5 && xf + 0 >= 0.5)
        } else if (k ~ /^[ab]-.*-8$/) {
          target = (k ~ /^b/ ? "(as a) " : "") ">= 0.5x ceiling (-P 100)"
          verdict = met(xc != "-" && xc + 0 >= 0.5)
        } else if (k ~ /^c-/) {
          a = (k ~ /-8$/) ? "a-set-8" : "a-set-1"
          target = sprintf(">= %s (%s/s): %sx", a, fmt_rate(m("rate", g, a)), ratio(rate, m("rate", g, a)))
          verdict = met(rate >= m("rate", g, a))
        } else if (k ~ /^d-.*-1$/) {
          target = ">= 0.8x floor blocking round trips"
          verdict = met(xf != "-" && xf + 0 >= 0.8)
        } else if (k ~ /^d-.*-64(cb)?$/) {
          target = ">= 0.35x floor pipelined"
          verdict = met(xf != "-" && xf + 0 >= 0.35)
        } else if (k ~ /^e-/) {
          r = (rbytes[k] > 0) ? pdelta[k] * 1024 / rbytes[k] : 0
          target = sprintf("peak RSS <= 3x replies: +%d kB = %.1fx", pdelta[k], r)
          lin = ""
          if (k == "e-100000" && exms["e-10000"] > 0 && pdelta["e-10000"] > 0) {
            tl = exms[k] / exms["e-10000"] / 10; ml = pdelta[k] / pdelta["e-10000"] / 10
            target = target sprintf("; per cmd vs e-10000: time %.2fx, RSS %.2fx", tl, ml)
            lin = (tl <= 1.5 && ml <= 1.5) ? "; linear" : "; NOT linear"
          }
          verdict = met(r <= 3) lin
        } else if (k == "f-idle") {
          target = sprintf("VmRSS <= 3072 kB & 1 thread: %d kB (+%d) +%d thr (2nd: +%d kB +%d thr)",
            itot[k], i1[k], t1[k], i2[k], t2[k])
          verdict = met(itot[k] > 0 && itot[k] <= 3072 && t1[k] == 1 && t2[k] == 1)
          if (err > 0) verdict = verdict " (" err " ERRORS)"
          printf "%-22s %9s %7s %7s %6s %7s %7s %-5s %6s %5s %5s %5s  %-48s %s\n", "  " k, "-", "-", "-", "-",
            "-", "-", "-", m("rss", g, k), "-", "-", "-", target, verdict
          continue
        }
        if (err > 0) verdict = verdict " (" err " WRONG REPLIES)"
        if (k !~ /^e-/) verdict = verdict noisy
        line("  " k, g, k, xc, xf, cf, target, verdict)
      }
    }
    print sep
  }'

echo
echo "e (one batch of N GETs, each size in a fresh process): exec time and memory"
to_tsv "$RESULTS" | awk -F'\t' '$4 ~ /^e-/ {
  n = substr($4, 3) + 0
  printf "  %-9s exec %8.2f ms (%.3f us/cmd)  batch +%6d kB  exec peak +%6d kB  total +%6d kB  replies %8d B  (%.1f B of RSS per reply byte)\n",
    $4, $12, $12 * 1000 / n, $19, $20, $14, $13, $14 * 1024 / $13 }'

echo
echo "tls (group tls: each scenario plain and over TLS, alternated $ROUNDS times, plain on the 3-primary cluster,"
echo "TLS on the 3+3 TLS cluster, every node verified against its CA): means over the runs, TLS over plain"
to_tsv "$RESULTS" | awk -F'\t' '$1 == "tls" {
    k = $4; n[k]++; rate[k] += $5; cpu[k] += $6; p50[k] += $7; rss[k] += $10
  }
  END {
    printf "  %-10s %11s %11s %9s %12s %12s %10s %10s %9s %9s\n", "scenario", "plain c/s", "TLS c/s",
      "TLS/plain", "plain CPUus", "TLS CPUus", "plain p50", "TLS p50", "plain RSS", "TLS RSS"
    split("a-set-1 d-get-1", ks, " ")
    for (i = 1; i <= 2; i++) {
      k = ks[i]; t = k "+tls"
      if (!n[k] || !n[t]) continue
      printf "  %-10s %11.0f %11.0f %8.2fx %12.3f %12.3f %10.0f %10.0f %9.0f %9.0f\n", k, rate[k] / n[k],
        rate[t] / n[t], (rate[k] > 0 ? (rate[t] / n[t]) / (rate[k] / n[k]) : 0), cpu[k] / n[k], cpu[t] / n[t],
        p50[k] / n[k], p50[t] / n[t], rss[k] / n[k], rss[t] / n[t]
    }
  }'
echo "  (TLS reconnects with and without session resumption: tests/integration/test_tls_resume.cpp prints them)"

echo
echo "parser: instructions per reply (callgrind, parse loop only; free = releasing the trees)"
printf "  %-10s %9s %12s %11s %14s %13s %9s   %s\n" case "B/reply" "glide parse" "glide free" "hiredis parse" "hiredis free" "hr/glide" "ns/reply glide vs hiredis (parse+free, timed)"
for c in $(jq -r .case "$OUT/parser-callgrind.jsonl"); do
  n=$(jq -r "select(.case==\"$c\") | .replies" "$OUT/parser-callgrind.jsonl")
  b=$(jq -r "select(.case==\"$c\") | .bytes_per_reply" "$OUT/parser-callgrind.jsonl")
  declare -A ir=()
  for f in "$OUT"/parser.callgrind.*; do
    d=$(grep -a -m1 '^desc: Trigger: Client Request: ' "$f" | sed 's/^desc: Trigger: Client Request: //')
    [[ "$d" == *":$c:"* ]] || continue
    ir[$d]=$(cg_total "$f")
  done
  gp=${ir[glide:$c:parse]:-0} gf=${ir[glide:$c:free]:-0} hp=${ir[hiredis:$c:parse]:-0} hf=${ir[hiredis:$c:free]:-0}
  timing=$(jq -r "select(.case==\"$c\") | \"\(.glide_parse_ns + .glide_free_ns | .*10|round/10) vs \(.hiredis_parse_ns + .hiredis_free_ns | .*10|round/10)\"" "$OUT/parser-timing.jsonl")
  awk -v c="$c" -v b="$b" -v n="$n" -v gp="$gp" -v gf="$gf" -v hp="$hp" -v hf="$hf" -v t="$timing" 'BEGIN {
    printf "  %-10s %9.1f %12.1f %11.1f %14.1f %13.1f %8.2fx   %s\n", c, b, gp/n, gf/n, hp/n, hf/n, (hp+hf)/(gp+gf), t }'
  unset ir
done

if ((PROFILE)); then
  for p in glide-a-set-1 hiredis-pipeline-set; do
    f=$OUT/$p.callgrind
    [[ -s "$f" && -s "$f.json" ]] || continue
    cmds=$(jq -r .cmds "$f.json")
    total=$(cg_total "$f")
    echo
    echo "profile $p under callgrind: $cmds commands, $(awk -v t="$total" -v c="$cmds" 'BEGIN{printf "%.0f", t/c}') user-space instructions per command (all threads)"
    echo "  top 15 by inclusive instructions:"
    cg_top "$f" --inclusive=yes
    echo "  top 15 by self instructions:"
    cg_top "$f" --inclusive=no
  done
fi

echo
echo "run took ${T_RUN} s from the first server start; raw results in $OUT"
if ((${#GLIDE_FAILED[@]})); then
  echo "GLIDE_BENCH FAILURES:"
  printf '  %s\n' "${GLIDE_FAILED[@]}"
  exit 1
fi
