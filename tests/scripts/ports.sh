# shellcheck shell=bash
# tests/scripts/ports.sh - the free-port finder shared by tests/scripts/test_servers.sh and
# bench/run.sh (both source it, by a path relative to their own location). Bash, functions only:
# it sets no shell options and runs nothing when sourced.
#
#   find_free_ports N START MAX
#     Sets PORTS to the first N consecutive ports in START..MAX for redis-server processes bound
#     to 127.0.0.1 (cluster nodes): each port and its cluster bus port (port + 10000) must be
#     free. A port counts as taken when `ss` shows any TCP listener on it, whatever its address
#     (a wildcard listener holds the loopback port too). Port 6379 (a developer's own server)
#     and ports below 1024 are never chosen. Returns 1 when no such block exists, 2 on bad
#     arguments or without `ss` (package iproute2); PORTS is untouched then.
#     Free means free at the time of the scan: callers bind soon after and retry further up
#     when a port was taken meanwhile.

find_free_ports() {
  local n=$1 start=$2 max=$3 p i ok port
  if ! [[ "$n" =~ ^[1-9][0-9]*$ && "$start" =~ ^[0-9]+$ && "$max" =~ ^[0-9]+$ ]] ||
    ((start < 1024 || max + 10000 > 65535)); then
    echo "find_free_ports: bad arguments '$*' (N START MAX, 1024 <= START, MAX <= 55535)" >&2
    return 2
  fi
  command -v ss >/dev/null || { echo "find_free_ports: ss not found (package iproute2)" >&2; return 2; }
  local -A busy=()
  for port in $(ss -Htln | awk '{print $4}' | sed -E 's/.*[:.]([0-9]+)$/\1/'); do
    busy[$port]=1
  done
  busy[6379]=1 # never ours, even when nothing listens there now
  p=$start
  while ((p + n - 1 <= max)); do
    ok=1
    for ((i = 0; i < n; i++)); do
      if [[ -n "${busy[$((p + i))]:-}" || -n "${busy[$((p + i + 10000))]:-}" ]]; then
        ok=0
        p=$((p + i + 1))
        break
      fi
    done
    if ((ok)); then
      PORTS=()
      for ((i = 0; i < n; i++)); do PORTS+=($((p + i))); done
      return 0
    fi
  done
  return 1
}
