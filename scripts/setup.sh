#!/usr/bin/env bash
# Installs the Debian packages that glide-c needs to build, test (sanitizer stages and fuzzing
# included) and run its examples, and only those that are missing (apt-get update runs only when
# something is missing).
# Runs as root, or through sudo when it is available. Debian 12 (bookworm) is the reference.
#
# Note: on some systems the redis-server package starts a system service on port 6379 when it
# is installed. Nothing in this project uses or touches that service: the tests and the example
# start their own throwaway servers on free loopback ports (tests/scripts/test_servers.sh).
set -euo pipefail

PACKAGES=(
  build-essential # gcc, g++, make, binutils (nm, objdump, readelf); gcc's sanitizer runtimes
  clang           # the clang sanitizer stages and the fuzz targets of scripts/test.sh
  libclang-rt-14-dev # clang's sanitizer and libFuzzer runtimes (only recommended by clang-14)
  llvm            # llvm-symbolizer: function names and lines in sanitizer reports
  clang-format-14 # the format check (tests/scripts/check_format.sh, the .clang-format style)
  cmake
  pkg-config
  libevent-dev
  libssl-dev
  openssl # the CLI: certificates for the TLS tests (tests/scripts/tls_servers.sh)
  libcmocka-dev
  redis-server
  redis-tools # redis-cli
  python3
  iproute2 # ss, used to find free ports
  golang-go       # the Go binding (bindings/go): go vet and go test with cgo, standard library only
  python3-pytest  # the Python binding's tests (bindings/python, ctest bindings.python)
  rustc           # the Rust binding (bindings/rust): Debian's toolchain, used as /usr/bin/rustc
  cargo           # ... and /usr/bin/cargo, offline (no crates.io: see bindings/rust/.cargo/config.toml)
  librust-libloading-dev # the Rust binding's only dependency, in /usr/share/cargo/registry
  python3-redis   # bindings/python/bench.py: redis-py's RedisCluster, the comparison
  python3-hiredis # redis-py's C reply parser, so the comparison is redis-py at its fastest
  # The Java binding (bindings/java, ctest bindings.java.*): javac/jar/java 17, JNA (jna.jar) and
  # JUnit 5's console launcher (junit-platform-console-standalone.jar) from /usr/share/java.
  openjdk-17-jdk-headless libjna-java junit5
  abigail-tools   # abidw / abidiff: the ABI baseline abi/libglide_c.abi and the ctest abi
  doxygen         # the API reference from include/glide_c.h (docs/Doxyfile, the ctest api_docs)
)

installed() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)
  [[ "$status" == installed ]] && return 0
  # pkg-config is provided by pkgconf on Debian 12 (the pkg-config package is a dummy).
  if [[ "$1" == pkg-config ]] && command -v pkg-config >/dev/null; then return 0; fi
  return 1
}

if ! command -v dpkg-query >/dev/null; then
  missing=()
  for tool in cc c++ cmake pkg-config redis-server redis-cli python3 ss; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    echo "setup: not a Debian system and these tools are missing: ${missing[*]}" >&2
    echo "setup: install the equivalents of: ${PACKAGES[*]}" >&2
    exit 1
  fi
  echo "setup: not a Debian system; the needed tools are present"
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
as_root=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null; then
    as_root=(sudo)
  else
    echo "setup: not root and sudo is not available; install as root: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install \
  --no-install-recommends "${missing[@]}" </dev/null

still_missing=()
for pkg in "${missing[@]}"; do
  installed "$pkg" || still_missing+=("$pkg")
done
if ((${#still_missing[@]})); then
  echo "setup: still missing after apt-get install: ${still_missing[*]}" >&2
  exit 1
fi
echo "setup: done"
