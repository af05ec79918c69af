#!/usr/bin/env bash
# make bench-smoke: rmqd standalone on loopback (NameServer 25876, broker 26911; 26909 and 26912
# are its fast and HA ports) with a temp store, then tools/loadgen produce+consume for 10 s.
# Passes when both sides moved messages and loadgen counted no error; then
# tools/bench/held_pulls.py parks 10,000 pulls and checks their memory and idle CPU. Last line:
#   bench-smoke: 2 passed, 0 failed
#   tools/bench/smoke.sh [build-dir]     env: BENCH_SMOKE_SECONDS (default 10)
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
RMQD="$PWD/$BUILD/rmqd"
LOADGEN="$PWD/$BUILD/tools/loadgen"
NS_PORT=25876
BROKER_PORT=26911
SECONDS_RUN=${BENCH_SMOKE_SECONDS:-10}
WORK=$(mktemp -d /tmp/rmqd-bench-smoke.XXXXXX)
PID=""

finish() {  # $1 = 0 pass, 1 fail
  if [[ -n "$PID" ]]; then
    kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && kill -KILL "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
  fi
  if [[ "$1" == 0 ]]; then
    rm -rf "$WORK"
    echo "bench-smoke: 2 passed, 0 failed"
  else
    echo "--- rmqd log (tail)"; tail -n 20 "$WORK/rmqd.log" 2>/dev/null
    echo "work dir kept: $WORK"
    echo "bench-smoke: 0 passed, 2 failed"
  fi
  exit "$1"
}

for bin in "$RMQD" "$LOADGEN"; do
  [[ -x "$bin" ]] || { echo "bench-smoke: $bin is missing (make $BUILD/rmqd $BUILD/tools/loadgen)"; finish 1; }
done
mkdir -p "$WORK/store"
cat >"$WORK/store/broker.conf" <<CONF
brokerClusterName=DefaultCluster
brokerName=broker-a
brokerId=0
listenPort=$BROKER_PORT
brokerIP1=127.0.0.1
storePathRootDir=$WORK/store
namesrvAddr=127.0.0.1:$NS_PORT
flushDiskType=ASYNC_FLUSH
# The smoke run checks the instrument, not flow control (unit tests and live runs prove that). A loop
# stall past waitTimeMillsInSendQueue (200 ms; seen once in CI on this VM, cause not found) would
# otherwise turn sends into SYSTEM_BUSY refusals and fail the run; with fast failure off it shows as
# send latency in the summary instead.
brokerFastFailureEnable=false
CONF
(cd "$WORK" && exec "$RMQD" standalone -c "$WORK/store/broker.conf" --namesrv-port "$NS_PORT") >"$WORK/rmqd.log" 2>&1 &
PID=$!
if ! python3 compat-tests/wait_broker.py "127.0.0.1:$NS_PORT" broker-a 30 >/dev/null 2>&1; then
  echo "bench-smoke: rmqd did not come up on 127.0.0.1:$NS_PORT"
  finish 1
fi
echo "== bench-smoke: loadgen --mode both for ${SECONDS_RUN}s against rmqd pid $PID"
timeout $((SECONDS_RUN + 60)) "$LOADGEN" --namesrv "127.0.0.1:$NS_PORT" --mode both --create-topic --topic BenchSmoke \
  --queues 8 --size 1024 --duration "$SECONDS_RUN" --quiet --json >"$WORK/result.json" 2>"$WORK/loadgen.err"
rc=$?
cat "$WORK/result.json"
[[ -s "$WORK/loadgen.err" ]] && head -n 20 "$WORK/loadgen.err"
ok=$(python3 - "$WORK/result.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print("no JSON summary: %s" % e); sys.exit(0)
p, c = r.get("produce", {}), r.get("consume", {})
if r.get("errors", 1) != 0: print("errors: %s" % r.get("errors"))
elif p.get("msgs_per_s", 0) <= 0: print("no produce throughput")
elif c.get("msgs_per_s", 0) <= 0: print("no consume throughput")
else:
    print("ok: produce %.0f msgs/s (p99 %.2f ms), consume %.0f msgs/s, e2e p99 %.2f ms" % (
        p["msgs_per_s"], p["latency_us"]["p99"] / 1e3, c["msgs_per_s"], c["born_to_consume_us"]["p99"] / 1e3))
PY
)
echo "$ok"
loadgen_ok=0
if [[ $rc -eq 0 && "$ok" == ok:* ]]; then loadgen_ok=1; else echo "bench-smoke: loadgen exit status $rc"; fi
# Issue #4: 10,000 held pulls cost little memory and no CPU while idle (tools/bench/held_pulls.py).
echo "== bench-smoke: 10,000 held pulls against rmqd pid $PID"
held_ok=0
timeout 120 python3 tools/bench/held_pulls.py "127.0.0.1:$BROKER_PORT" "$PID" --pulls 10000 && held_ok=1
if (( loadgen_ok && held_ok )); then finish 0; fi
if (( loadgen_ok || held_ok )); then
  # One of the two checks passed: report it as such, keep the work dir.
  echo "--- rmqd log (tail)"; tail -n 20 "$WORK/rmqd.log" 2>/dev/null
  kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
  echo "work dir kept: $WORK"
  echo "bench-smoke: 1 passed, 1 failed"
  exit 1
fi
finish 1
