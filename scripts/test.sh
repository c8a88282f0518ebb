#!/usr/bin/env bash
# THE test command (CI runs it through .ci/run). Installs what is missing (scripts/setup.sh), then
# runs these stages in order, each in its own build directory, and stops at the first failure:
#   1 gcc     build/             -Werror, every target (the static library too), every ctest test
#                                (unit, integration, the language bindings' tests, label bindings,
#                                and the artefact checks: symbols, abi, static_library, api_docs)
#   2 gcc     build-asan-gcc/    ASan+UBSan, every test except the artefact checks and bindings
#   3 clang   build-asan-clang/  ASan+UBSan, idem
#   4 gcc     build-tsan-gcc/    TSan, the tests labelled tsan (threads, failover, fake nodes)
#   5 clang   build-tsan-clang/  TSan, idem
#   6 clang   build-fuzz/        tests/fuzz/run.sh 60 (each fuzz target for 60 s), if present
# Integration tests run against throwaway redis-server processes on 127.0.0.1, which the
# servers_start / servers_stop fixtures of each stage start and stop (in <build dir>/test-servers).
# Every stage builds with warnings as errors; the sanitizer stages build no examples.
#
#   bash scripts/test.sh [ctest args]            every stage; the args go to every ctest run
#   bash scripts/test.sh --quick [ctest args]    stage 1 only, e.g. --quick -L unit
#   GLIDE_TEST_STAGES="4 5" bash scripts/test.sh  only the stages named (numbers, in stage order)
#
# At the end: one summary line per stage (its ctest result line and its time), then the totals
# over the ctest stages as a last line of the form "N passed, N failed" (a stage that fails
# outside ctest, e.g. in its build, counts as one failure).
# Exit status: non-zero on any failure.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd -- "$ROOT"

QUICK=0
if [[ "${1:-}" == --quick ]]; then
  QUICK=1
  shift
fi
CTEST_ARGS=("$@")
STAGES=${GLIDE_TEST_STAGES:-1 2 3 4 5 6}
((QUICK)) && STAGES=1
STAGES=" ${STAGES//,/ } "
# wanted N: 0 if stage N is to run.
wanted() { [[ "$STAGES" == *" $1 "* ]]; }

GCC=(-DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++)
CLANG=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++)
SAN_BUILD=(-DGLIDE_WERROR=ON -DGLIDE_BUILD_TESTS=ON -DGLIDE_BUILD_EXAMPLES=OFF -DGLIDE_BUILD_BENCH=OFF)

SUMMARY=()
TOTAL_PASSED=0
TOTAL_FAILED=0
RUN_START=$SECONDS
CURRENT_BUILD=

print_summary() {
  echo
  echo "==================== test.sh summary"
  local line
  for line in "${SUMMARY[@]}"; do echo "$line"; done
  echo "total time: $((SECONDS - RUN_START)) s"
  echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
}

# add_summary NAME RESULT SECONDS
add_summary() {
  SUMMARY+=("$(printf '%-38s %-52s %5d s' "$1" "$2" "$3")")
}

# fail NAME DETAIL SECONDS [COUNTED]: records the failed stage, prints the summary, exits 1.
fail() {
  local name=$1 detail=$2 secs=$3 counted=${4:-0}
  ((counted)) || TOTAL_FAILED=$((TOTAL_FAILED + 1))
  add_summary "$name" "FAILED: $detail" "$secs"
  echo
  echo "test.sh: stage '$name' FAILED ($detail); later stages not run" >&2
  print_summary
  exit 1
}

# Should ctest be killed before its servers_stop / tls_servers_stop fixtures run, stop the servers
# here.
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  if [[ -n "$CURRENT_BUILD" ]]; then
    bash tests/scripts/test_servers.sh stop "$CURRENT_BUILD/test-servers" >/dev/null 2>&1 || true
    bash tests/scripts/tls_servers.sh stop "$CURRENT_BUILD/tls-servers" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ctest_stage NAME BUILD_DIR "CMAKE ARGS..." "CTEST ARGS..." (both as one string each, split on
# spaces; no argument of ours contains one). Extra ctest args from the command line are appended.
ctest_stage() {
  local name=$1 dir=$2
  local -a cmake_args ctest_args
  read -r -a cmake_args <<<"$3"
  read -r -a ctest_args <<<"$4"
  local start=$SECONDS
  echo
  echo "==================== stage: $name ($dir)"
  CURRENT_BUILD=$dir
  cmake -S . -B "$dir" "${cmake_args[@]}" || fail "$name" "cmake configure" $((SECONDS - start))
  cmake --build "$dir" -j2 || fail "$name" "build" $((SECONDS - start))

  # A filter given on the command line may select nothing in a stage's subset (e.g. -L unit in
  # the tsan stages): that is not an error then.
  local no_tests=error
  if ((${#CTEST_ARGS[@]})) && [[ "$name" != 1* ]]; then no_tests=ignore; fi
  local log="$dir/ctest.log" rc=0
  ctest --test-dir "$dir" --output-on-failure --no-tests="$no_tests" "${ctest_args[@]}" \
    "${CTEST_ARGS[@]}" 2>&1 | tee "$log" || rc=$?
  local secs=$((SECONDS - start))
  CURRENT_BUILD=

  local line total=0 failed=0
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [[ -n "$line" ]]; then
    failed=$(sed -E 's/^.* ([0-9]+) tests? failed out of.*$/\1/' <<<"$line")
    total=$(sed -E 's/^.* out of ([0-9]+).*$/\1/' <<<"$line")
    TOTAL_PASSED=$((TOTAL_PASSED + total - failed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
  elif grep -q 'No tests were found' "$log"; then
    line="no tests selected"
  fi
  if ((rc != 0)); then
    if [[ -n "$line" && $failed -gt 0 ]]; then
      fail "$name" "$line" "$secs" 1
    fi
    fail "$name" "ctest exit status $rc${line:+: $line}" "$secs"
  fi
  add_summary "$name" "${line:-ctest printed no result line}" "$secs"
}

bash scripts/setup.sh

wanted 1 && ctest_stage "1 gcc -Werror" build \
  "${GCC[*]} -DGLIDE_WERROR=ON -DGLIDE_BUILD_TESTS=ON -DGLIDE_BUILD_EXAMPLES=ON -DGLIDE_BUILD_STATIC=ON -DGLIDE_SANITIZE=" ""
wanted 2 && ctest_stage "2 gcc ASan+UBSan" build-asan-gcc \
  "${GCC[*]} ${SAN_BUILD[*]} -DGLIDE_SANITIZE=address,undefined" "-LE artefact|bindings"
wanted 3 && ctest_stage "3 clang ASan+UBSan" build-asan-clang \
  "${CLANG[*]} ${SAN_BUILD[*]} -DGLIDE_SANITIZE=address,undefined" "-LE artefact|bindings"
wanted 4 && ctest_stage "4 gcc TSan (label tsan)" build-tsan-gcc \
  "${GCC[*]} ${SAN_BUILD[*]} -DGLIDE_SANITIZE=thread" "-L tsan"
wanted 5 && ctest_stage "5 clang TSan (label tsan)" build-tsan-clang \
  "${CLANG[*]} ${SAN_BUILD[*]} -DGLIDE_SANITIZE=thread" "-L tsan"

if wanted 6; then
  name="6 fuzz (60 s per target)"
  start=$SECONDS
  if [[ -f tests/fuzz/run.sh ]]; then
    echo
    echo "==================== stage: $name (build-fuzz)"
    log=$(mktemp "${TMPDIR:-/tmp}/glide-fuzz-stage.XXXXXX")
    rc=0
    bash tests/fuzz/run.sh 60 2>&1 | tee "$log" || rc=$?
    last=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 || true)
    ((rc == 0)) || fail "$name" "exit status $rc: ${last:-no output}" $((SECONDS - start))
    # Each fuzz target that ran clean counts as one passed test in the totals.
    TOTAL_PASSED=$((TOTAL_PASSED + $(grep -cE '^fuzz_[a-z_]+: runs=' "$log" || true)))
    add_summary "$name" "${last:-passed}" $((SECONDS - start))
    rm -f -- "$log"
  else
    add_summary "$name" "skipped: tests/fuzz/run.sh not present" 0
  fi
fi

print_summary
