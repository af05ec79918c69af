#!/usr/bin/env bash
# Disk-full test: rmqd standalone on a small tmpfs it owns (96 MiB), 8 MiB CommitLog files. A filler
# file takes the disk to 100%, then sends go on until they are refused. Checks:
#   - rmqd never dies (a SIGBUS would show as exit status 135);
#   - the refusal is Java's disk-full answer: SERVICE_NOT_AVAILABLE (14) and the remark
#     "service not available now. ... the broker's disk is full [CL: ... CQ: ... INDEX: ...], ...";
#     the periodic disk check is switched off (cleanResourceInterval=1h), so the refusal comes from
#     the CommitLog roll that could not reserve its file;
#   - a fresh client still gets a route answer and every acknowledged message is still pullable;
#   - after kill -9, rmqd restarts on the still-full disk within 10 s, serves the same reads and
#     refuses writes the same way;
#   - once the filler is deleted, writes are accepted again (within a few seconds).
#
#   tools/disk_full_test.sh [build-dir]          (make disk-full-test)
# Needs root (mount -t tmpfs); without it the test fails, it does not skip.
# Ports: the first free ones from 41876 (namesrv) and 41911 (broker), below 42000. DISK_KEEP=1 keeps the work dir (the mount is removed anyway).
# Last line: "disk-full: N passed, N failed"; exit status non-zero on any failure.
set -u -o pipefail
BUILD=${1:-build}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[[ "$BUILD" == /* ]] || BUILD="$ROOT/$BUILD"
# Two ports in 41800-41999 that nothing holds now (a client's ephemeral port may sit on any of them);
# the broker also opens its fast channel on BROKER_PORT - 2.
pick_ports() {
  python3 - <<'PY'
import socket
def free(p):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("0.0.0.0", p)); return True
    except OSError:
        return False
    finally:
        s.close()
ns = next(p for p in range(41876, 41999) if free(p))
br = next(p for p in range(41911, 41999) if p != ns and p - 2 != ns and free(p) and free(p - 2))
print(ns, br)
PY
}
read -r NS_PORT BROKER_PORT < <(pick_ports)
NS="127.0.0.1:$NS_PORT"
BROKER="127.0.0.1:$BROKER_PORT"
TOPIC=DiskFullTopic
BODY=4000
WORK="$(mktemp -d /tmp/rmqd-disk.XXXXXX)"
MNT="$WORK/mnt"
PROBE=(python3 "$ROOT/tools/disk_full_probe.py")
START_TS=$(date +%s)
PASSED=0
FAILED=0
RMQD_PID=""
MOUNTED=0

log() { echo "[disk $(( $(date +%s) - START_TS ))s] $*"; }
pass() { PASSED=$((PASSED + 1)); log "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); log "FAIL $*"; }
summary() { echo "disk-full: $PASSED passed, $FAILED failed"; }

cleanup() {
  [[ -n "$RMQD_PID" ]] && kill -9 "$RMQD_PID" 2>/dev/null && wait "$RMQD_PID" 2>/dev/null
  if (( MOUNTED )); then umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null; fi
  if [[ "${DISK_KEEP:-0}" == 1 ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $(id -u) -ne 0 ]]; then
  echo "disk_full_test: needs root to mount a tmpfs (CI runs as root); not skipping"
  FAILED=1; summary; exit 1
fi
[[ -x "$BUILD/rmqd" ]] || { echo "disk_full_test: $BUILD/rmqd missing (make $BUILD/rmqd)"; FAILED=1; summary; exit 1; }
cp "$BUILD/rmqd" "$WORK/rmqd" || { FAILED=1; summary; exit 1; }  # the build dir may be relinked meanwhile

mkdir -p "$MNT"
if ! mount -t tmpfs -o size=96m tmpfs "$MNT"; then
  echo "disk_full_test: mount -t tmpfs failed"; FAILED=1; summary; exit 1
fi
MOUNTED=1
STORE="$MNT/store"
mkdir -p "$STORE"
cat >"$WORK/broker.conf" <<EOF
brokerClusterName=DiskCluster
brokerName=disk-broker
brokerId=0
listenPort=$BROKER_PORT
brokerIP1=127.0.0.1
storePathRootDir=$STORE
namesrvAddr=$NS
autoCreateTopicEnable=true
autoCreateSubscriptionGroup=true
mappedFileSizeCommitLog=8388608
mappedFileSizeConsumeQueue=600000
maxHashSlotNum=1000
maxIndexNum=40000
cleanResourceInterval=3600000
EOF

wait_port() {  # $1 port $2 seconds
  local deadline=$(( $(date +%s) + $2 ))
  while (( $(date +%s) < deadline )); do
    kill -0 "$RMQD_PID" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

start_rmqd() {
  local try
  for try in 1 2 3; do
    "$WORK/rmqd" standalone -c "$WORK/broker.conf" --namesrv-port "$NS_PORT" >>"$WORK/rmqd.out" 2>&1 &
    RMQD_PID=$!
    wait_port "$BROKER_PORT" 10 && wait_port "$NS_PORT" 5 && return 0
    # Someone's ephemeral port on ours: try again shortly; any other failure counts.
    tail -3 "$WORK/rmqd.out" | grep -q "address already in use" || return 1
    kill -9 "$RMQD_PID" 2>/dev/null; wait "$RMQD_PID" 2>/dev/null; RMQD_PID=""
    log "a port is in use; starting again"; sleep 1
  done
  return 1
}

# Whether rmqd is still running; on exit says how it died.
alive() {  # $1 what
  if kill -0 "$RMQD_PID" 2>/dev/null; then pass "$1: rmqd is alive"; return 0; fi
  wait "$RMQD_PID"; local rc=$?
  RMQD_PID=""
  local how="exit status $rc"; (( rc == 135 )) && how="SIGBUS (exit status 135)"
  fail "$1: rmqd died: $how"; tail -5 "$WORK/rmqd.out"
  return 1
}

field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2"; }

# The refusal must be Java 4.9.7's SERVICE_NOT_AVAILABLE answer.
check_refusal() {  # $1 what $2 probe JSON
  local code remark
  code=$(field "$2" code); remark=$(field "$2" remark)
  local re="^service not available now\. It may be caused by one of the following reasons: the broker's disk is full \[CL: +[0-9]+\.[0-9]{2} CQ: +[0-9]+\.[0-9]{2} INDEX: +[0-9]+\.[0-9]{2}\], messages are put to the slave, message store has been shut down, etc\.$"
  if [[ "$code" == 14 && "$remark" =~ $re ]]; then
    pass "$1: refused with code 14 and Java's remark ($remark)"
  else
    fail "$1: expected code 14 with Java's disk-full remark, got: $2"
  fi
}

check_reads() {  # $1 what $2 expected count
  local r route
  route=$("${PROBE[@]}" route "$NS" "$TOPIC")
  if [[ "$(field "$route" code)" == 0 && "$(field "$route" brokers)" -ge 1 ]]; then
    pass "$1: a fresh client gets a route answer"
  else
    fail "$1: route: $route"
  fi
  r=$("${PROBE[@]}" pull "$BROKER" "$TOPIC")
  if [[ "$(field "$r" count)" == "$2" ]]; then
    pass "$1: all $2 acknowledged messages are pullable"
  else
    fail "$1: pulled $r, expected $2 messages"
  fi
}

log "rmqd on a 96 MiB tmpfs at $MNT"
if ! start_rmqd; then fail "rmqd did not start"; tail -20 "$WORK/rmqd.out"; summary; exit 1; fi
python3 compat-tests/wait_broker.py "$NS" disk-broker 15 >/dev/null || log "broker not registered yet"

r=$("${PROBE[@]}" send "$BROKER" "$TOPIC" 1000 "$BODY")
acked=$(field "$r" ok)
if [[ "$acked" == 1000 ]]; then pass "1000 sends accepted before the disk fills"; else fail "sends before the disk fills: $r"; fi

# Fill the disk to the last page.
dd if=/dev/zero of="$MNT/filler" bs=1M status=none 2>/dev/null
dd if=/dev/zero of="$MNT/filler2" bs=4k status=none 2>/dev/null
log "disk filled: $(df -k "$MNT" | awk 'NR==2 {print $3 " KiB used, " $4 " KiB free"}')"

# Up to 32 MiB more: more than the current and the prepared CommitLog file can take.
r=$("${PROBE[@]}" send "$BROKER" "$TOPIC" 8000 "$BODY")
log "sends after the disk filled: $r"
if [[ -n "$(field "$r" error)" ]]; then
  fail "disk full: the send connection failed: $r"
fi
more=$(field "$r" ok)
acked=$(( acked + ${more:-0} ))
if alive "disk full"; then
  check_refusal "disk full" "$r"
  r=$("${PROBE[@]}" send "$BROKER" "$TOPIC" 20 "$BODY")
  if [[ "$(field "$r" ok)" == 0 ]]; then check_refusal "disk full, next send" "$r"; else fail "disk full: a later send was accepted: $r"; fi
  check_reads "disk full" "$acked"
  alive "disk full, after the reads"
fi

# kill -9 and restart on the still-full disk.
if [[ -n "$RMQD_PID" ]]; then kill -9 "$RMQD_PID"; wait "$RMQD_PID" 2>/dev/null; RMQD_PID=""; fi
t0=$(date +%s%N)
if start_rmqd; then
  pass "restart on the full disk: listening after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  python3 compat-tests/wait_broker.py "$NS" disk-broker 10 >/dev/null || log "broker not registered yet"
  check_reads "restarted on the full disk" "$acked"
  r=$("${PROBE[@]}" send "$BROKER" "$TOPIC" 5 "$BODY")
  if [[ "$(field "$r" ok)" == 0 ]]; then check_refusal "restarted on the full disk" "$r"; else fail "restarted on the full disk: a send was accepted: $r"; fi
  alive "restarted on the full disk"
else
  fail "restart on the full disk: rmqd did not come up within 10 s"; tail -20 "$WORK/rmqd.out"
fi

# Free the space: writes are accepted again (one probe a second).
rm -f "$MNT/filler" "$MNT/filler2"
if [[ -n "$RMQD_PID" ]]; then
  ok=0
  for _ in $(seq 1 50); do
    r=$("${PROBE[@]}" send "$BROKER" "$TOPIC" 1 "$BODY")
    if [[ "$(field "$r" ok)" == 1 ]]; then ok=1; break; fi
    sleep 0.2
  done
  if (( ok )); then
    acked=$((acked + 1)); pass "space freed: writes are accepted again"
    check_reads "space freed" "$acked"
  else
    fail "space freed: sends still refused: $r"
  fi
  alive "end"
fi

summary
(( FAILED == 0 ))
