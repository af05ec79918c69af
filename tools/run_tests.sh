#!/usr/bin/env bash
# Runs every test suite `make test` covers and ends with one summary line
# "tests: N passed, N failed". Exit status is non-zero when anything failed.
#   tools/run_tests.sh [build-dir]
# Environment: RMQ_SAN=1 (default in CI) also runs the unit tests under ASan+UBSan;
#              RMQ_SKIP_COMPAT=1 skips the Java compatibility suite.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.."
passed=0
failed=0
status=0
failures=()   # one line per failed check, repeated just above the summary (CI shows only the tail)

count_doctest() {  # parses "[doctest] test cases: 12 | 11 passed | 1 failed | 0 skipped"
  local log=$1 line
  line=$(grep -E '^\[doctest\] test cases:' "$log" | tail -1)
  local p f
  p=$(echo "$line" | sed -E 's/.*\| *([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.*\| *([0-9]+) failed.*/\1/')
  [[ "$p" =~ ^[0-9]+$ ]] || p=0
  [[ "$f" =~ ^[0-9]+$ ]] || f=1
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" != 0 ]; then
    while read -r l; do failures+=("$2: $l"); done < <(grep -E '^(TEST CASE:|.*ERROR: CHECK|.*ERROR: REQUIRE|.*FATAL)' "$log" | head -20)
    [ ${#failures[@]} -gt 0 ] || failures+=("$2: $f failed (see log above)")
  fi
}

echo "== unit tests ($BUILD/unit_tests)"
"./$BUILD/unit_tests" 2>&1 | tee /tmp/rmqd-unit.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
count_doctest /tmp/rmqd-unit.log unit

if [ "${RMQ_SAN:-${CI:-}}" = "1" ] || [ "${RMQ_SAN:-${CI:-}}" = "true" ]; then
  echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
  if make --no-print-directory SAN=1 -j"$(nproc)" build-san/unit_tests >/tmp/rmqd-san-build.log 2>&1; then
    ./build-san/unit_tests 2>&1 | tee /tmp/rmqd-san.log
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    count_doctest /tmp/rmqd-san.log san-unit
  else
    tail -30 /tmp/rmqd-san-build.log
    echo "sanitizer build failed"
    failures+=("san-unit: sanitizer build failed")
    failed=$((failed + 1))
    status=1
  fi
fi

echo "== bench smoke (tools/loadgen against rmqd on loopback, 10 s)"
make --no-print-directory BUILD="$BUILD" bench-smoke 2>&1 | tee /tmp/rmqd-bench-smoke.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
line=$(grep -E '^bench-smoke: [0-9]+ passed, [0-9]+ failed' /tmp/rmqd-bench-smoke.log | tail -1)
if [ -n "$line" ]; then
  passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$line" | sed -E 's/.*passed, ([0-9]+) failed.*/\1/')))
else
  echo "bench-smoke printed no summary"; failed=$((failed + 1)); status=1
fi
grep -qE '^bench-smoke: [0-9]+ passed, 0 failed' /tmp/rmqd-bench-smoke.log ||
  failures+=("bench-smoke: $(grep -E '^(bench-smoke:|errors:|no |bench-smoke: loadgen)' /tmp/rmqd-bench-smoke.log | head -3 | tr '\n' ' ')")

echo "== topic scale smoke (20,000 UPDATE_AND_CREATE_TOPIC within 20 s, routes, restart under 1 s; tools/topic_scale)"
make --no-print-directory BUILD="$BUILD" topic-scale-smoke 2>&1 | grep -v ' topics created, ' | tee /tmp/rmqd-topic-scale.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
line=$(grep -E '^topic-scale: [0-9]+ passed, [0-9]+ failed' /tmp/rmqd-topic-scale.log | tail -1)
if [ -n "$line" ]; then
  passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$line" | sed -E 's/.*passed, ([0-9]+) failed.*/\1/')))
else
  echo "topic scale smoke printed no summary"; failed=$((failed + 1)); status=1
fi
while read -r l; do failures+=("topic-scale: $l"); done < <(grep -E '^check [a-z-]+: FAIL' /tmp/rmqd-topic-scale.log | head -5)

echo "== crash test (SIGKILL under a Java producer, SYNC_FLUSH + ASYNC_FLUSH; tools/crash_test.sh)"
bash tools/crash_test.sh "$BUILD" 2>&1 | tee /tmp/rmqd-crash.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
line=$(grep -E '^crash-test: [0-9]+ passed, [0-9]+ failed' /tmp/rmqd-crash.log | tail -1)
if [ -n "$line" ]; then
  passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$line" | sed -E 's/.*passed, ([0-9]+) failed.*/\1/')))
else
  echo "crash test printed no summary"; failed=$((failed + 1)); status=1
fi
while read -r l; do failures+=("crash-test: $l"); done < <(grep -E '\] FAIL ' /tmp/rmqd-crash.log | head -10)

echo "== hostile clients (tools/hostile_test.py against rmqd: limits on fields, memory, frames, idle)"
python3 tools/hostile_test.py "$BUILD" 2>&1 | tee /tmp/rmqd-hostile.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
line=$(grep -E '^hostile-limits: [0-9]+ passed, [0-9]+ failed' /tmp/rmqd-hostile.log | tail -1)
if [ -n "$line" ]; then
  passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$line" | sed -E 's/.*passed, ([0-9]+) failed.*/\1/')))
else
  echo "hostile test printed no summary"; failed=$((failed + 1)); status=1
fi
while read -r l; do failures+=("hostile-limits: $l"); done < <(grep -E '^\[FAIL\]' /tmp/rmqd-hostile.log | head -10)

echo "== disk-full test (rmqd on a full tmpfs; tools/disk_full_test.sh)"
bash tools/disk_full_test.sh "$BUILD" 2>&1 | tee /tmp/rmqd-disk-full.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
line=$(grep -E '^disk-full: [0-9]+ passed, [0-9]+ failed' /tmp/rmqd-disk-full.log | tail -1)
if [ -n "$line" ]; then
  passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$line" | sed -E 's/.*passed, ([0-9]+) failed.*/\1/')))
else
  echo "disk-full test printed no summary"; failed=$((failed + 1)); status=1
fi
while read -r l; do failures+=("disk-full: $l"); done < <(grep -E '\] FAIL ' /tmp/rmqd-disk-full.log | head -10)

if [ "${RMQ_SKIP_COMPAT:-0}" != "1" ]; then
  echo "== compatibility tests (official Java clients against $BUILD/rmqd)"
  bash compat-tests/run.sh "$BUILD/rmqd" 2>&1 | tee /tmp/rmqd-compat.log
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  while read -r line; do
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
    f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
    passed=$((passed + p))
    failed=$((failed + f))
  done < <(grep -E '^(compat|hostile): [0-9]+ passed, [0-9]+ failed' /tmp/rmqd-compat.log)
  grep -qE '^compat: [0-9]+ passed' /tmp/rmqd-compat.log || { echo "compat suite printed no summary"; failed=$((failed + 1)); status=1; failures+=("compat: no summary"); }
  while read -r l; do failures+=("compat: $l"); done < <(grep -E '(FAILED: |<<< (FAILURE|ERROR)|^hostile: .*[1-9][0-9]* failed)' /tmp/rmqd-compat.log | head -15)
fi

[ "$failed" -eq 0 ] || status=1
if [ ${#failures[@]} -gt 0 ]; then
  echo "== what failed"
  for l in "${failures[@]}"; do echo "  $l"; done
fi
echo "tests: $passed passed, $failed failed"
exit $status
