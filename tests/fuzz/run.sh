#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 60) on a scratch copy
# of its checked-in seed corpus, with its dictionary. Exits non-zero if any target crashes, leaks,
# traps or times out; the reproducer is kept under $BUILD_DIR/fuzz-artifacts/<target>/.
#   tests/fuzz/run.sh [SECONDS]      env: BUILD_DIR (default <repo>/build-fuzz), TARGETS, JOBS
set -euo pipefail

secs=${1:-60}
[[ $secs =~ ^[0-9]+$ && $secs -gt 0 ]] || { echo "usage: $0 [seconds > 0]" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$repo/build-fuzz}
targets=${TARGETS:-"parser topology redirect"}

cmake -S "$repo" -B "$build" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DGLIDE_BUILD_FUZZ=ON -DGLIDE_BUILD_TESTS=OFF -DGLIDE_BUILD_EXAMPLES=OFF >/dev/null
names=()
for t in $targets; do names+=("fuzz_$t"); done
cmake --build "$build" -j"${JOBS:-2}" --target "${names[@]}" >/dev/null

scratch=$(mktemp -d "${TMPDIR:-/tmp}/glide-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

failed=()
for t in $targets; do
  bin=$build/tests/fuzz/fuzz_$t
  artifacts=$build/fuzz-artifacts/$t
  mkdir -p "$artifacts" "$scratch/$t"
  cp -R "$here/corpus/$t/." "$scratch/$t/"  # the fuzzer adds to this copy, never to the seeds
  log=$scratch/$t.log
  rc=0
  # -max_total_time stops between inputs; -timeout bounds one input, and the outer timeout
  # bounds the whole run even if the fuzzer wedges.
  timeout --kill-after=10 $((secs + 60)) "$bin" "$scratch/$t" -dict="$here/$t.dict" \
    -max_total_time="$secs" -max_len=4096 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  corp=$(grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 || true)
  echo "fuzz_$t: runs=${runs:-?} exec/s=${speed:-?} ${cov:-cov: ?} ${corp:-}"
  if [[ $rc -ne 0 ]]; then
    failed+=("fuzz_$t")
    echo "fuzz_$t FAILED (exit $rc):"
    grep -E '==ERROR|runtime error|SUMMARY|deadly signal|ALARM|Test unit written to|out-of-memory' \
      "$log" | head -20 || true
    grep -Eq 'Test unit written to' "$log" || tail -30 "$log"
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED: ${failed[*]} (reproduce: <binary> <crash file>)"
  exit 1
fi
echo "all fuzz targets passed ($secs s each)"
