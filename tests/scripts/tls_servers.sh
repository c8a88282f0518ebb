#!/usr/bin/env bash
# Throwaway TLS redis-server processes on loopback for the TLS and auth integration tests.
#
#   tls_servers.sh start DIR   certificates (openssl CLI) and servers, then DIR/servers.env
#   tls_servers.sh stop DIR    stops exactly the servers recorded in DIR, removes DIR
#
# Certificates (DIR/certs, EC P-256, made fresh on each start):
#   ca.crt            the CA the clients trust; server.crt (SAN IP:127.0.0.1, DNS:localhost),
#                     client.crt/client.key (a client certificate), other.crt (SAN DNS:other.example
#                     only), expired.crt (SAN as server.crt, valid 2020-01-01 .. 2020-01-02)
#   ca2.crt           a second CA; server2.crt (SAN as server.crt) is signed by it
# Servers (bind 127.0.0.1 and ::1 when present, port 0, TLS only; tls-cluster and
# tls-replication yes):
#   a cluster of 3 primaries + 3 replicas (server.crt, tls-auth-clients no), made by redis-cli
#   from the ports in order (the first three are the primaries); the last replica has other.crt
#   (refused by a verifying client, accepted by the cluster, which checks no host names)
#   standalone: good (server.crt, tls-auth-clients no; requirepass glide-secret and user
#   glideuser/glide-pass with every permission, user limited/limited-pass with +get +ping +hello
#   +auth only), wrongca (server2.crt), othername (other.crt), expired (expired.crt),
#   mtls (server.crt, tls-auth-clients yes)
# DIR/servers.env (KEY=VALUE): GLIDE_TLS_HOST, GLIDE_TLS_CLUSTER_PORTS (comma separated),
#   GLIDE_TLS_PORT, GLIDE_TLS_WRONGCA_PORT, GLIDE_TLS_OTHERNAME_PORT, GLIDE_TLS_EXPIRED_PORT,
#   GLIDE_TLS_MTLS_PORT, GLIDE_TLS_CERTS (the certs directory).
# Ports: a free block from GLIDE_TEST_TLS_BASE_PORT (default 7300) found with find_free_ports
# (tests/scripts/ports.sh), under the same lock as test_servers.sh. Every wait is bounded; a
# failed start stops what it started.
set -euo pipefail

SCRIPTS=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/scripts/ports.sh
source "$SCRIPTS/ports.sh"
# shellcheck source=tests/scripts/server_procs.sh
source "$SCRIPTS/server_procs.sh"

HOST=127.0.0.1
BASE_PORT=${GLIDE_TEST_TLS_BASE_PORT:-7300}
MAX_PORT=9900
BLOCK_SIZE=11 # 6 cluster nodes + 5 standalone servers
MARKER=.glide-tls-servers
AUTH_PASSWORD=glide-secret
ACL_USER=glideuser
ACL_PASSWORD=glide-pass
READY_SECONDS=${GLIDE_TEST_CLUSTER_READY_SECONDS:-30}
LOCK_FILE=${TMPDIR:-/tmp}/glide-c-test-servers.lock
STANDALONE=(good wrongca othername expired mtls)

log() { printf 'tls_servers: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }

find_tools() {
  REDIS_SERVER=$(command -v redis-server || true)
  REDIS_CLI=$(command -v redis-cli || true)
  [[ -n "$REDIS_SERVER" && -n "$REDIS_CLI" ]] || die "redis-server/redis-cli not found (run scripts/setup.sh)"
  command -v openssl >/dev/null || die "openssl not found (package openssl; run scripts/setup.sh)"
  command -v timeout >/dev/null || die "timeout not found (package coreutils)"
}

# redis-cli over TLS against one of our ports (a client certificate), bounded. --insecure: some
# servers have certificates the CLI would refuse on purpose (wrong CA, other name, expired).
cli() {
  local port=$1
  shift
  timeout 3 "$REDIS_CLI" --tls --insecure --cacert "$CERTS/ca.crt" --cert "$CERTS/client.crt" \
    --key "$CERTS/client.key" -h "$HOST" -p "$port" "$@" 2>/dev/null
}

# What redis-cli needs to get PONG from a KIND of server (server_procs.sh's launch).
auth_args() {
  if [[ "$1" == good ]]; then printf '%s\n' --no-auth-warning -a "$AUTH_PASSWORD"; fi
}

# ------------------------------------------------------------------ certificates

make_certs() {
  mkdir -p "$CERTS"
  cd "$CERTS"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  local san="subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"
  openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 3 -subj /CN=glide-test-ca 2>/dev/null
  openssl req -x509 "${ec[@]}" -keyout ca2.key -out ca2.crt -days 3 -subj /CN=glide-other-ca 2>/dev/null
  # sign NAME CA EXT: NAME.key + NAME.crt, signed by CA, with the extension lines EXT
  sign() {
    local name=$1 ca=$2 ext=$3
    openssl req "${ec[@]}" -keyout "$name.key" -out "$name.csr" -subj "/CN=$name" 2>/dev/null
    printf '%s\n' "$ext" >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
      -days 3 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  }
  sign server ca "$san"
  sign server2 ca2 "$san"
  sign other ca "subjectAltName=DNS:other.example"
  sign client ca "extendedKeyUsage=clientAuth"
  # Expired: `openssl x509` of OpenSSL 3.0 cannot backdate, `openssl ca` can.
  openssl req "${ec[@]}" -keyout expired.key -out expired.csr -subj /CN=expired -addext "$san" 2>/dev/null
  printf '[ca]\ndefault_ca=c\n[c]\ndir=.\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\n'`
    `'default_md=sha256\npolicy=p\ncopy_extensions=copy\n[p]\ncommonName=supplied\n' >ca.cnf
  : >index.txt
  echo 1000 >serial
  openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr -out expired.crt \
    -startdate 20200101000000Z -enddate 20200102000000Z -notext >/dev/null 2>&1
  chmod 0644 ./*.key
  cd - >/dev/null
  for f in ca.crt ca2.crt server.crt server2.crt other.crt client.crt expired.crt; do
    [[ -s "$CERTS/$f" ]] || die "could not make $f"
  done
}

# ------------------------------------------------------------------ start

# write_conf SUBDIR PORT KIND (cluster|good|wrongca|othername|expired|mtls)
write_conf() {
  local sub=$1 port=$2 kind=$3 cert=server client_auth=no
  case "$kind" in
    wrongca) cert=server2 ;;
    othername | cluster-othername) cert=other ;;
    expired) cert=expired ;;
    mtls) client_auth=yes ;;
  esac
  mkdir -p "$sub"
  {
    echo "bind $HOST -::1"
    echo "port 0"
    echo "tls-port $port"
    echo "tls-cert-file \"$CERTS/$cert.crt\""
    echo "tls-key-file \"$CERTS/$cert.key\""
    echo "tls-ca-cert-file \"$CERTS/ca.crt\""
    echo "tls-auth-clients $client_auth"
    echo "tls-replication yes"
    echo "tls-cluster yes"
    common_conf "$sub" "$([[ "$kind" == cluster* ]] && echo yes || echo no)"
    if [[ "$kind" == good ]]; then
      echo "requirepass $AUTH_PASSWORD"
      echo "user $ACL_USER on >$ACL_PASSWORD ~* &* +@all"
      echo "user limited on >limited-pass ~* +get +ping +hello +auth +client"
    fi
  } >"$sub/redis.conf"
}

start_servers() {
  local attempt next_base=$BASE_PORT port ok i kind
  exec 9>>"$LOCK_FILE"
  flock -w 120 9 || die "could not lock $LOCK_FILE within 120 s"
  for attempt in 1 2 3; do
    find_free_ports "$BLOCK_SIZE" "$next_base" "$MAX_PORT" ||
      die "no free block of $BLOCK_SIZE ports in $BASE_PORT..$MAX_PORT"
    CLUSTER_PORTS=("${PORTS[@]:0:6}")
    ok=1
    for i in "${!CLUSTER_PORTS[@]}"; do
      port=${CLUSTER_PORTS[$i]}
      # The last node (a replica once the cluster is made) has a certificate for another name:
      # the cluster does not mind (no host name checks between nodes), the client refuses it.
      kind=cluster
      if ((i == 5)); then kind="cluster-othername"; fi
      write_conf "$DIR/node-$port" "$port" "$kind"
      launch "$DIR/node-$port" "$port" "$kind" || { ok=0; break; }
    done
    for i in "${!STANDALONE[@]}"; do
      ((ok)) || break
      port=${PORTS[$((6 + i))]}
      write_conf "$DIR/${STANDALONE[$i]}-$port" "$port" "${STANDALONE[$i]}"
      launch "$DIR/${STANDALONE[$i]}-$port" "$port" "${STANDALONE[$i]}" || ok=0
    done
    ((ok)) && break
    print_log_tails
    log "attempt $attempt failed; retrying with another port block"
    mv "$CERTS" "$DIR.certs.tmp"
    stop_servers
    mkdir -p "$DIR"
    : >"$DIR/$MARKER"
    mv "$DIR.certs.tmp" "$CERTS"
    next_base=$((PORTS[BLOCK_SIZE - 1] + 1))
    ((attempt < 3)) || die "could not start the servers"
  done
  flock -u 9
  exec 9>&-

  local -a addrs=()
  for port in "${CLUSTER_PORTS[@]}"; do addrs+=("$HOST:$port"); done
  log "creating the TLS cluster on ports ${CLUSTER_PORTS[*]}"
  timeout 60 "$REDIS_CLI" --tls --cacert "$CERTS/ca.crt" --cert "$CERTS/client.crt" \
    --key "$CERTS/client.key" --cluster create "${addrs[@]}" --cluster-replicas 1 \
    --cluster-yes </dev/null >"$DIR/cluster-create.log" 2>&1 || die "redis-cli --cluster create failed"
  local deadline=$((SECONDS + READY_SECONDS))
  until cluster_ready; do
    ((SECONDS < deadline)) || die "TLS cluster not ready within $READY_SECONDS s"
    sleep 0.25
  done
  {
    echo "GLIDE_TLS_HOST=$HOST"
    echo "GLIDE_TLS_CLUSTER_PORTS=$(IFS=,; echo "${CLUSTER_PORTS[*]}")"
    echo "GLIDE_TLS_PORT=${PORTS[6]}"
    echo "GLIDE_TLS_WRONGCA_PORT=${PORTS[7]}"
    echo "GLIDE_TLS_OTHERNAME_PORT=${PORTS[8]}"
    echo "GLIDE_TLS_EXPIRED_PORT=${PORTS[9]}"
    echo "GLIDE_TLS_MTLS_PORT=${PORTS[10]}"
    echo "GLIDE_TLS_CERTS=$CERTS"
  } >"$DIR/servers.env.tmp"
  mv "$DIR/servers.env.tmp" "$DIR/servers.env"
  log "ready: TLS cluster ${CLUSTER_PORTS[*]}, standalone ${PORTS[*]:6} ($DIR/servers.env)"
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
CERTS=$DIR/certs

case "$CMD" in
  start)
    find_tools
    stop_servers
    mkdir -p "$DIR"
    : >"$DIR/$MARKER"
    trap on_start_failure EXIT
    make_certs
    start_servers
    trap - EXIT
    ;;
  stop)
    stop_servers
    ;;
  *) usage ;;
esac
