#!/usr/bin/env bash
# Crash test: rmqd standalone is killed with SIGKILL at random moments while a Java 4.9.8 producer
# sends continuously, then restarted on the same store. Two variants:
#   SYNC_FLUSH  : afterwards every message whose send returned SEND_OK is consumed (fresh group,
#                 pull from the min offset) and matches its sequence.
#   ASYNC_FLUSH : the same, plus after every kill (rmqd stopped) `store_inspect verify` passes and
#                 committed consumer offsets (consumerOffset.json) do not point past the recovered
#                 ConsumeQueue ends; a live push consumer reports any corrupt delivery.
#
#   tools/crash_test.sh [build-dir]          (make crash-test)
# Environment: CRASH_CYCLES (default 20), CRASH_VARIANTS (default "SYNC_FLUSH ASYNC_FLUSH"),
#              CRASH_KEEP=1 keeps the work dir. Ports: 23876 (namesrv), 24911 (broker).
# Last line: "crash-test: N passed, N failed" (one check per variant and per verify step).
set -u -o pipefail
BUILD=${1:-build}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[[ "$BUILD" == /* ]] || BUILD="$ROOT/$BUILD"
RMQD="$BUILD/rmqd"
INSPECT="$BUILD/tools/store_inspect"
CYCLES=${CRASH_CYCLES:-20}
VARIANTS=${CRASH_VARIANTS:-SYNC_FLUSH ASYNC_FLUSH}
NS_PORT=23876
BROKER_PORT=24911
NS_ADDR="127.0.0.1:$NS_PORT"
WORK="$(mktemp -d /tmp/rmqd-crash.XXXXXX)"
START_TS=$(date +%s)
PASSED=0
FAILED=0
RMQD_PID=""
DRIVER_PID=""

log() { echo "[crash $(( $(date +%s) - START_TS ))s] $*"; }
pass() { PASSED=$((PASSED + 1)); log "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); log "FAIL $*"; }

cleanup() {
  [[ -n "$DRIVER_PID" ]] && kill -9 "$DRIVER_PID" 2>/dev/null
  [[ -n "$RMQD_PID" ]] && kill -9 "$RMQD_PID" 2>/dev/null
  wait 2>/dev/null
  if [[ "${CRASH_KEEP:-0}" == 1 ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for f in "$RMQD" "$INSPECT"; do
  [[ -x "$f" ]] || { echo "crash_test: $f missing (make $BUILD/rmqd $BUILD/tools/store_inspect)"; echo "crash-test: 0 passed, 1 failed"; exit 1; }
done

# Private copies: the build dir may be relinked while the test runs.
cp "$RMQD" "$WORK/rmqd" && cp "$INSPECT" "$WORK/store_inspect" || { echo "crash-test: 0 passed, 1 failed"; exit 1; }
RMQD="$WORK/rmqd"
INSPECT="$WORK/store_inspect"

# ---- the Java driver: compat-tests' 4.9 module, test classpath -------------------------------------
MVN=(mvn -q -B)
log "compiling the Java driver (compat-tests/client-4.9)"
if ! "${MVN[@]}" -f compat-tests/pom.xml -pl client-4.9 -am test-compile >"$WORK/mvn.log" 2>&1 ||
   ! "${MVN[@]}" -f compat-tests/client-4.9/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
       -Dmdep.outputFile="$WORK/cp.txt" >>"$WORK/mvn.log" 2>&1; then
  tail -30 "$WORK/mvn.log"
  echo "crash-test: 0 passed, 1 failed"
  exit 1
fi
CP="$ROOT/compat-tests/client-4.9/target/test-classes:$(cat "$WORK/cp.txt")"
JAVA=(java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true
  -Drocketmq.client.logRoot="$WORK/client-logs" -Drocketmq.client.logLevel=ERROR -cp "$CP" rmqd.compat.CrashDriver)

wait_port() {  # $1 port, $2 timeout s
  local deadline=$(( $(date +%s) + $2 ))
  while (( $(date +%s) < deadline )); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

start_rmqd() {  # $1 store dir
  "$RMQD" standalone -c "$1/broker.conf" --namesrv-port "$NS_PORT" >>"$WORK/rmqd.out" 2>&1 &
  RMQD_PID=$!
  wait_port "$BROKER_PORT" 30 && wait_port "$NS_PORT" 5
}

kill_rmqd() {  # $1 signal
  [[ -z "$RMQD_PID" ]] && return
  kill "-$1" "$RMQD_PID" 2>/dev/null
  wait "$RMQD_PID" 2>/dev/null
  RMQD_PID=""
}

# Every offset in consumerOffset.json must be <= the max offset of its recovered ConsumeQueue.
check_offsets() {  # $1 store dir; prints problems, returns 1 on any
  python3 - "$1" "$INSPECT" <<'EOF'
import json, os, re, subprocess, sys
store, inspect = sys.argv[1], sys.argv[2]
path = os.path.join(store, "config", "consumerOffset.json")
if not os.path.exists(path):
    sys.exit(0)
# Java (fastjson) writes the queue ids as bare numbers: {"t@g":{0:12,1:3}}.
text = re.sub(r'([{,])\s*(-?\d+)\s*:', r'\1"\2":', open(path).read())
table = json.loads(text).get("offsetTable", {})
bad = 0
for key, queues in table.items():
    topic, _, group = key.partition("@")
    if topic.startswith("%RETRY%"):
        continue
    for qid, off in queues.items():
        out = subprocess.run([inspect, "cq", store, topic, str(qid)], capture_output=True, text=True).stdout
        lines = [l for l in out.splitlines() if l.startswith("queueOffset=")]
        mx = int(lines[-1].split()[0].split("=")[1]) + 1 if lines else 0
        if off > mx:
            print(f"offset {key} queue {qid} = {off} is past the ConsumeQueue max {mx}")
            bad += 1
sys.exit(1 if bad else 0)
EOF
}

run_variant() {  # $1 SYNC_FLUSH|ASYNC_FLUSH
  local mode=$1 store="$WORK/store-$1" topic="crash_$1" t0=$(date +%s)
  mkdir -p "$store"
  # Small files so the run crosses CommitLog and ConsumeQueue file boundaries many times.
  cat >"$store/broker.conf" <<EOF
brokerClusterName=CrashCluster
brokerName=crash-broker
brokerId=0
listenPort=$BROKER_PORT
brokerIP1=127.0.0.1
storePathRootDir=$store
namesrvAddr=$NS_ADDR
autoCreateTopicEnable=true
autoCreateSubscriptionGroup=true
flushDiskType=$mode
mappedFileSizeCommitLog=1048576
mappedFileSizeConsumeQueue=6000
flushConsumerOffsetInterval=500
EOF
  local ok="$WORK/ok-$mode.txt" stop="$WORK/stop-$mode" err="$WORK/err-$mode.txt" group="-"
  : >"$ok"; : >"$err"
  [[ "$mode" == ASYNC_FLUSH ]] && group="crash_live_group"
  if ! start_rmqd "$store" || ! python3 compat-tests/wait_broker.py "$NS_ADDR" crash-broker 30 >/dev/null; then
    fail "$mode: rmqd did not start"; tail -20 "$WORK/rmqd.out"; kill_rmqd KILL; return
  fi
  "${JAVA[@]}" run "$NS_ADDR" "$topic" "$ok" "$stop" "$err" "$group" >"$WORK/driver-$mode.out" 2>&1 &
  DRIVER_PID=$!
  # Let the producer get going (JVM start, first route) before the first kill.
  local deadline=$(( $(date +%s) + 30 ))
  while [[ ! -s "$ok" ]] && (( $(date +%s) < deadline )); do sleep 0.2; done
  [[ -s "$ok" ]] || { fail "$mode: producer sent nothing in 30 s"; cat "$WORK/driver-$mode.out"; }
  local i verify_fail=0 offset_fail=0 start_fail=0 offsets_seen=0
  for (( i = 1; i <= CYCLES; i++ )); do
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.5 + 2.5 * r / 32767 }')"
    kill_rmqd KILL
    if [[ "$mode" == ASYNC_FLUSH ]]; then
      if ! "$INSPECT" verify "$store" >"$WORK/verify-$i.out" 2>&1; then
        verify_fail=$((verify_fail + 1)); log "cycle $i: store_inspect verify failed:"; head -5 "$WORK/verify-$i.out"
      fi
    fi
    if ! start_rmqd "$store"; then
      start_fail=$((start_fail + 1)); log "cycle $i: rmqd did not come back"; tail -20 "$WORK/rmqd.out"
      kill_rmqd KILL; start_rmqd "$store" || break
    fi
    if [[ "$mode" == ASYNC_FLUSH ]]; then
      # Recovery has run (the port is open): offsets on disk vs the recovered queues.
      if ! check_offsets "$store"; then offset_fail=$((offset_fail + 1)); fi
      [[ -s "$store/config/consumerOffset.json" ]] && offsets_seen=$((offsets_seen + 1))
    fi
  done
  log "$mode: $CYCLES kill/restart cycles done; SEND_OK so far $(wc -l <"$ok")"
  touch "$stop"
  wait "$DRIVER_PID" 2>/dev/null
  DRIVER_PID=""
  grep -h 'crash-run' "$WORK/driver-$mode.out" | sed 's/^/  /'
  (( start_fail == 0 )) && pass "$mode: rmqd restarted after every kill" || fail "$mode: $start_fail restarts failed"
  if [[ "$mode" == ASYNC_FLUSH ]]; then
    (( verify_fail == 0 )) && pass "$mode: store_inspect verify after every kill" || fail "$mode: verify failed after $verify_fail kills"
    if (( offset_fail == 0 && offsets_seen > 0 )); then
      pass "$mode: consumer offsets within recovered ends ($offsets_seen restarts with offsets)"
    else
      fail "$mode: offsets past the end after $offset_fail restarts (offsets on disk at $offsets_seen)"
    fi
    if [[ -s "$err" ]]; then fail "$mode: corrupt deliveries:"; head -5 "$err"; else pass "$mode: no corrupt delivery to the live consumer"; fi
  fi
  if "${JAVA[@]}" verify "$NS_ADDR" "$topic" "$ok" "crash_verify_$mode" >"$WORK/verify-$mode.out" 2>&1; then
    pass "$mode: $(grep 'crash-verify: SEND_OK' "$WORK/verify-$mode.out")"
  else
    fail "$mode: every SEND_OK message consumed intact"; grep 'crash-verify' "$WORK/verify-$mode.out" | head -15; tail -5 "$WORK/verify-$mode.out"
  fi
  kill_rmqd TERM
  if "$INSPECT" verify "$store" >"$WORK/verify-final-$mode.out" 2>&1; then
    pass "$mode: store_inspect verify after a clean shutdown"
  else
    fail "$mode: store_inspect verify after a clean shutdown"; head -5 "$WORK/verify-final-$mode.out"
  fi
  log "$mode took $(( $(date +%s) - t0 ))s"
}

for v in $VARIANTS; do run_variant "$v"; done
log "total $(( $(date +%s) - START_TS ))s"
echo "crash-test: $PASSED passed, $FAILED failed"
(( FAILED == 0 ))
