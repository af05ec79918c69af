#!/usr/bin/env bash
# Compatibility suite runner: official Java RocketMQ clients against rmqd, or against the Java
# NameServer+broker (the oracle).
#
#   bash compat-tests/run.sh <path-to-rmqd>     # rmqd standalone / namesrv / broker
#   bash compat-tests/run.sh --java             # oracle: Java 4.9.7 NameServer + broker
#   bash compat-tests/run.sh --java5            # oracle for 5.x-only behaviour: Java broker 5.3.1 +
#                                               # NameServer 5.3.3 (namesrv 5.3.1 is not on Maven Central)
#
# Environment:
#   COMPAT_PHASES     phases to run, default "main restart mixed acl tls store"
#                       main    : all scenarios (client 4.9.8 + 5.3.1) x serializations, hostile bytes
#                       restart : RestartTest before -> server restart (same store) -> after
#                       mixed   : (a) Java broker + rmqd namesrv, (b) rmqd broker + Java namesrv
#                                 (b with compressedRegister=true);
#                                 the "basic" send/consume scenario on each
#                       acl     : a broker with aclEnable=true and write_acl_conf's plain_acl.yml;
#                                 the "acl" scenarios (AclTest, AclAdminTest)
#                       store   : (a) Java broker writes a store, rmqd serves it; (b) the reverse;
#                                 StoreInterchangeTest (4.9 client, first serialization)
#                       tls     : servers with TLS (certificate made here with the openssl CLI), once
#                                 permissive and once enforcing; the "tls" scenarios (TlsTest)
#                       shortpoll: a broker with longPollingEnable=false and filterSupportRetry=true;
#                                 the "shortpoll" scenarios (ShortPollingTest, FilterRetryTest), first
#                                 serialization only
#                       slave   : a lone broker with brokerRole=SLAVE and brokerId=1; the "slave"
#                                 scenarios (SlaveTest), first serialization only
#   COMPAT_SERIALIZE  default "JSON ROCKETMQ"
#   COMPAT_NS_PORT / COMPAT_BROKER_PORT   default 19876 / 20911
#   COMPAT_KEEP=1     keep the work dir (stores, server logs, surefire reports)
#   COMPAT_TEST       optional Surefire -Dtest filter (e.g. "ShortPollingTest,SqlFilterTest#expr*") for iterating
# Ends with one line "compat: N passed, N failed" (Surefire tests, errors counted as failed, plus the
# hostile-bytes checks and any server start failure) and exits non-zero on any failure.
set -u -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODE="${1:-}"
if [[ -z "$MODE" ]]; then
  echo "usage: $0 <path-to-rmqd> | --java | --java5" >&2
  exit 2
fi
if [[ "$MODE" != "--java" && "$MODE" != "--java5" ]]; then
  RMQD="$(cd "$(dirname "$MODE")" && pwd)/$(basename "$MODE")"
  [[ -x "$RMQD" ]] || { echo "run.sh: $MODE is not an executable" >&2; exit 2; }
fi
PHASES="${COMPAT_PHASES:-main restart mixed acl tls store shortpoll slave}"
SERIALIZE="${COMPAT_SERIALIZE:-JSON ROCKETMQ}"
NS_PORT="${COMPAT_NS_PORT:-19876}"
BROKER_PORT="${COMPAT_BROKER_PORT:-20911}"
NS_ADDR="127.0.0.1:${NS_PORT}"
CLUSTER=DefaultCluster
BROKER_NAME=broker-a
WORK="$(mktemp -d /tmp/rmqd-compat.XXXXXX)"
MVN=(mvn -q -B)
[[ -n "${COMPAT_TEST:-}" ]] && MVN+=(-Dtest="$COMPAT_TEST")
START_TS=$(date +%s)

PASSED=0
FAILED=0
PIDS=()

log() { echo "[run.sh $(( $(date +%s) - START_TS ))s] $*"; }

# ---- process management ------------------------------------------------------------------------
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  local deadline=$(( $(date +%s) + 20 ))
  for pid in "${PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && (( $(date +%s) < deadline )); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop in time; kill -9"
      kill -9 "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
  done
  PIDS=()
}

# A phase's store data goes once its servers have stopped (logs and confs stay): rmqd reserves the
# space of its files when it creates them (2 GiB of CommitLog and 400 MiB of index per store), and
# the work dir would otherwise hold every phase's store until the end.
drop_store() {
  [[ "${COMPAT_KEEP:-0}" == 1 ]] && return
  rm -rf "$1/commitlog" "$1/consumequeue" "$1/index"
}

cleanup() {
  stop_all
  if [[ "${COMPAT_KEEP:-0}" == 1 ]]; then
    log "work dir kept: $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# LD_PRELOAD shim that turns wildcard binds into 127.0.0.1 (the Java 4.9 servers cannot be told
# where to bind). Not used for a sanitizer build of rmqd (ASan must come first in the library list).
SHIM=""
if command -v cc >/dev/null 2>&1 && cc -shared -fPIC -O2 -o "$WORK/bind_loopback.so" "$HERE/bind_loopback.c" -ldl 2>"$WORK/shim.err"; then
  SHIM="$WORK/bind_loopback.so"
else
  log "WARNING: could not build the loopback bind shim; Java servers will listen on all interfaces"
fi
shim_env_for_rmqd() {
  if [[ -n "$SHIM" ]] && ! ldd "$RMQD" 2>/dev/null | grep -q -E 'libasan|libtsan|not a dynamic'; then
    echo "LD_PRELOAD=$SHIM"
  fi
}

# ---- Java oracle classpath and home ----------------------------------------------------------------
ORACLE_CP=""      # NameServer + broker (+ tools) of the 4.9.7 oracle
ORACLE_NS_CP=""   # --java5: NameServer 5.3.3 and broker 5.3.1 need separate classpaths
ORACLE_BR_CP=""
need_oracle() {
  [[ -n "$ORACLE_CP" ]] && return 0
  log "resolving the Java oracle classpath (first run downloads from Maven Central)"
  if ! (cd "$HERE/oracle" && "${MVN[@]}" dependency:build-classpath -Dmdep.outputFile="$WORK/oracle.cp" >"$WORK/oracle-mvn.log" 2>&1); then
    cat "$WORK/oracle-mvn.log" >&2
    return 1
  fi
  ORACLE_CP="$(cat "$WORK/oracle.cp")"
  ORACLE_NS_CP="$ORACLE_CP"
  ORACLE_BR_CP="$ORACLE_CP"
  if [[ "$MODE" == "--java5" ]]; then
    local what art ver tag
    for what in rocketmq-namesrv:5.3.3:ns rocketmq-broker:5.3.1:br; do
      IFS=: read -r art ver tag <<<"$what"
      if ! (cd "$HERE/oracle5" && "${MVN[@]}" dependency:build-classpath -Doracle.artifact="$art" -Doracle.version="$ver" \
              -Dmdep.outputFile="$WORK/oracle5-$tag.cp" >>"$WORK/oracle-mvn.log" 2>&1); then
        cat "$WORK/oracle-mvn.log" >&2
        return 1
      fi
    done
    ORACLE_NS_CP="$(cat "$WORK/oracle5-ns.cp")"
    ORACLE_BR_CP="$(cat "$WORK/oracle5-br.cp")"
  fi
  mkdir -p "$WORK/home/conf" "$WORK/logs"
  local r
  for r in namesrv broker tools; do
    cat >"$WORK/home/conf/logback_$r.xml" <<EOF
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>$WORK/logs/java_$r.log</file>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
EOF
  done
}

JAVA_EXTRA_OPTS=()  # per phase (tls: the tls.* system properties)
JAVA_OPTS=(-Xmx256m -Xms128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true
  --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED --add-exports java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/jdk.internal.ref=ALL-UNNAMED)

write_confs() {  # $1 = store dir
  mkdir -p "$1"
  echo "listenPort=$NS_PORT" >"$WORK/namesrv.conf"
  # Exactly the keys rmqd is promised; the Java broker gets the same plus small commitlog files.
  cat >"$1/broker.conf" <<EOF
brokerClusterName=$CLUSTER
brokerName=$BROKER_NAME
brokerId=0
listenPort=$BROKER_PORT
brokerIP1=127.0.0.1
storePathRootDir=$1
namesrvAddr=$NS_ADDR
autoCreateTopicEnable=true
autoCreateSubscriptionGroup=true
flushDiskType=ASYNC_FLUSH
transactionCheckInterval=1000
transactionTimeOut=1000
traceTopicEnable=true
enablePropertyFilter=true
EOF
  cp "$1/broker.conf" "$1/broker-java.conf"
  cat >>"$1/broker-java.conf" <<EOF
storePathCommitLog=$1/commitlog
mappedFileSizeCommitLog=134217728
EOF
  # The 5.x default, spelled out: the 5.3.1 broker is the oracle for timer messages. 5.x also
  # batches transaction op records (END_TRANSACTION's commit/rollback marks) for
  # transactionOpBatchInterval, 3 s by default; with the 1 s check settings above a check would run
  # before the op record is written and ask the producer again about a decided message. 4.9.7 and
  # rmqd write the op record at once, so the oracle is made to flush it within 100 ms.
  if [[ "$MODE" == "--java5" ]]; then
    printf 'timerWheelEnable=true\ntransactionOpBatchInterval=100\n' >>"$1/broker-java.conf"
  fi
  return 0
}

# ACL phase: the accounts AclTest expects, in ROCKETMQ_HOME/conf (Java's place; rmqd gets rocketmqHome),
# and aclEnable=true for both brokers.  $1 = store dir (after write_confs).
write_acl_conf() {
  mkdir -p "$WORK/home/conf/acl"
  cat >"$WORK/home/conf/plain_acl.yml" <<'EOF'
globalWhiteRemoteAddresses:
  - 10.10.103.*
accounts:
  - accessKey: rmqAdmin01
    secretKey: adminSecret1
    admin: true
  - accessKey: rmqUser001
    secretKey: userSecret1
    admin: false
    defaultTopicPerm: PUB|SUB
    defaultGroupPerm: PUB|SUB
    topicPerms:
      - acl_deny_topic=DENY
      - acl_sub_topic=SUB
      - acl_pub_topic=PUB
  - accessKey: rmqWhite01
    secretKey: whiteSecret1
    whiteRemoteAddress: 127.0.0.1
EOF
  local f
  for f in "$1/broker.conf" "$1/broker-java.conf"; do
    printf 'aclEnable=true\nrocketmqHome=%s\n' "$WORK/home" >>"$f"
  done
}

start_java_namesrv() {
  need_oracle || return 1
  (cd "$WORK" && exec env ${SHIM:+LD_PRELOAD=$SHIM} ROCKETMQ_HOME="$WORK/home" java "${JAVA_OPTS[@]}" ${JAVA_EXTRA_OPTS[@]+"${JAVA_EXTRA_OPTS[@]}"} \
     -Drocketmq.home.dir="$WORK/home" -Duser.home="$WORK/home" -cp "$ORACLE_NS_CP" \
     org.apache.rocketmq.namesrv.NamesrvStartup -c "$WORK/namesrv.conf") >>"$WORK/logs/java_namesrv.out" 2>&1 &
  PIDS+=($!)
  log "java namesrv pid $! on $NS_ADDR"
}
start_java_broker() {  # $1 store
  need_oracle || return 1
  (cd "$WORK" && exec env ${SHIM:+LD_PRELOAD=$SHIM} ROCKETMQ_HOME="$WORK/home" java "${JAVA_OPTS[@]}" ${JAVA_EXTRA_OPTS[@]+"${JAVA_EXTRA_OPTS[@]}"} \
     -Drocketmq.home.dir="$WORK/home" -Duser.home="$WORK/home" -cp "$ORACLE_BR_CP" \
     org.apache.rocketmq.broker.BrokerStartup -c "$1/broker-java.conf" -n "$NS_ADDR") >>"$WORK/logs/java_broker.out" 2>&1 &
  PIDS+=($!)
  log "java broker pid $! on 127.0.0.1:$BROKER_PORT"
}
start_rmqd() {  # $1 = standalone|namesrv|broker, $2 store
  local args
  case "$1" in
    standalone) args=(standalone -c "$2/broker.conf" --namesrv-port "$NS_PORT") ;;
    namesrv) args=(namesrv -c "$WORK/namesrv.conf") ;;
    broker) args=(broker -c "$2/broker.conf") ;;
  esac
  (cd "$WORK" && exec env $(shim_env_for_rmqd) "$RMQD" "${args[@]}") >>"$WORK/logs/rmqd_$1.out" 2>&1 &
  PIDS+=($!)
  log "rmqd $1 pid $!"
}

wait_port() {  # $1 port, $2 timeout s
  local deadline=$(( $(date +%s) + $2 ))
  while (( $(date +%s) < deadline )); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.3
  done
  return 1
}

# Starts a NameServer + broker pair. $1 = namesrv impl (java|rmqd|standalone), $2 = broker impl, $3 store.
start_pair() {  # $4 optional: --cluster-only (wait_broker.py: a lone slave has no TBW102 route)
  local ns="$1" br="$2" store="$3" wait_opt="${4:-}"
  if [[ "$ns" == standalone ]]; then
    start_rmqd standalone "$store" || return 1
  else
    if [[ "$ns" == java ]]; then start_java_namesrv || return 1; else start_rmqd namesrv "$store" || return 1; fi
    wait_port "$NS_PORT" 60 || { log "namesrv port $NS_PORT never opened"; return 1; }
    if [[ "$br" == java ]]; then start_java_broker "$store" || return 1; else start_rmqd broker "$store" || return 1; fi
  fi
  wait_port "$NS_PORT" 60 || { log "namesrv port $NS_PORT never opened"; return 1; }
  if ! python3 "$HERE/wait_broker.py" "$NS_ADDR" "$BROKER_NAME" 60 $wait_opt; then
    log "broker $BROKER_NAME never registered with $NS_ADDR"
    return 1
  fi
  log "ready: namesrv=$ns broker=$br"
}

infra_failure() {
  log "FAILED: $*"
  FAILED=$((FAILED + 1))
  tail -n 20 "$WORK"/logs/*.out 2>/dev/null
}

# ---- Maven runs --------------------------------------------------------------------------------
# Counts Surefire XML results of one run into PASSED/FAILED (errors count as failed, skipped neither).
count_reports() {  # $1 reports dir
  local line
  line=$(python3 - "$1" <<'EOF'
import glob, sys, xml.etree.ElementTree as ET
t = f = s = 0
for p in glob.glob(sys.argv[1] + "/**/TEST-*.xml", recursive=True):
    r = ET.parse(p).getroot()
    t += int(r.get("tests", 0)); f += int(r.get("failures", 0)) + int(r.get("errors", 0)); s += int(r.get("skipped", 0))
print(t - f - s, f, s, t)
EOF
)
  echo "$line"
}

run_suite() {  # $1 label, $2 serialization, rest: extra maven args
  local label="$1" ser="$2"
  shift 2
  local reports="$WORK/reports/$label-$ser" t0=$(date +%s)
  mkdir -p "$reports"
  "${MVN[@]}" -f "$HERE/pom.xml" test -Dmaven.test.failure.ignore=true -Dsurefire.failIfNoSpecifiedTests=false \
    -Drmq.serialize="$ser" -Drmq.namesrv="$NS_ADDR" -Drmq.reports="$reports" "$@" >"$WORK/logs/mvn-$label-$ser.log" 2>&1
  local rc=$?
  grep -h -o 'compat: [^<]*' "$reports"/*/TEST-*.xml 2>/dev/null | grep -v 'compat: mqadmin' | sed 's/^/  /'
  if ! ls "$reports"/*/TEST-*.xml >/dev/null 2>&1; then
    infra_failure "maven run $label/$ser produced no reports (rc=$rc):"
    tail -n 40 "$WORK/logs/mvn-$label-$ser.log"
    return
  fi
  if (( rc != 0 )); then
    # Test failures are ignored by Maven here (counted from the reports), so a non-zero exit means
    # a module did not build or run at all (e.g. a scenario that does not compile for one client).
    infra_failure "maven run $label/$ser exited with rc=$rc (a module failed to build or run):"
    grep -h -E '^\[ERROR\]' "$WORK/logs/mvn-$label-$ser.log" | head -n 20
  fi
  local r
  read -r p f s t <<<"$(count_reports "$reports")"
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  log "$label $ser: $t tests, $p passed, $f failed, $s skipped ($(( $(date +%s) - t0 ))s)"
  if (( f > 0 )); then
    grep -h -E '<<< (FAILURE|ERROR)|^\[ERROR\] +[A-Za-z]+Test' "$WORK/logs/mvn-$label-$ser.log" | head -n 30 | sed 's/^/  /'
  fi
  # Tests that failed once and passed on Surefire's rerun: counted as passed, but always listed.
  python3 - "$reports" <<'EOF'
import glob, sys, xml.etree.ElementTree as ET
for p in glob.glob(sys.argv[1] + "/**/TEST-*.xml", recursive=True):
    for tc in ET.parse(p).getroot().iter("testcase"):
        flaky = [c for c in tc if c.tag in ("flakyFailure", "flakyError")]
        if flaky:
            msg = (flaky[0].get("message") or "").splitlines()[0][:160] if flaky[0].get("message") else ""
            print(f"  FLAKY (passed on rerun): {tc.get('classname')}.{tc.get('name')} in {p.split('/')[-2]}: {msg}")
EOF
}

run_hostile() {  # $1 port, $2 label
  local out
  local target=rmqd
  [[ "$MODE" == --java ]] && target=java
  [[ "$MODE" == --java5 ]] && target=java5
  out=$(HOSTILE_TARGET=$target python3 "$HERE/hostile_bytes.py" 127.0.0.1 "$1" 2>&1)
  echo "$out" | sed 's/^/  /'
  local p f
  read -r p f < <(echo "$out" | sed -n 's/^hostile: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -n 1)
  if [[ -z "${p:-}" ]]; then
    infra_failure "hostile_bytes.py against $2 printed no summary"
    return
  fi
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  log "hostile $2 (port $1): $p passed, $f failed"
}

has_phase() { [[ " $PHASES " == *" $1 "* ]]; }

if [[ "$MODE" == "--java" ]]; then
  NS_IMPL=java; BR_IMPL=java; PAIR_NS=java
  MVN+=(-Drmq.target=java)  # scenarios for rmqd-only features (e.g. 5.x timer messages) skip themselves
elif [[ "$MODE" == "--java5" ]]; then
  # Java broker 5.3.1 + NameServer 5.3.3 (5.x logback: server logs in $WORK/home/logs/rocketmqlogs).
  # Only the 5.x-only scenarios are meant to agree; many main-phase assertions are 4.9.7 facts.
  NS_IMPL=java; BR_IMPL=java; PAIR_NS=java
  MVN+=(-Drmq.target=java5)
else
  NS_IMPL=rmqd; BR_IMPL=rmqd; PAIR_NS=standalone
fi

log "mode=$MODE phases='$PHASES' serializations='$SERIALIZE' work=$WORK"
# Compile once up front so that per-run Maven invocations only run tests.
if ! "${MVN[@]}" -f "$HERE/pom.xml" test-compile >"$WORK/compile.log" 2>&1; then
  cat "$WORK/compile.log" >&2
  echo "compat: 0 passed, 1 failed"
  exit 1
fi
need_oracle || { echo "compat: 0 passed, 1 failed"; exit 1; }

# ---- phase main (+ restart "before" on the same server) ---------------------------------------------
if has_phase main || has_phase restart; then
  T0=$(date +%s)
  STORE="$WORK/store-main"
  write_confs "$STORE"
  if start_pair "$PAIR_NS" "$BR_IMPL" "$STORE"; then
    if has_phase main; then
      for ser in $SERIALIZE; do run_suite main "$ser"; done
      run_hostile "$NS_PORT" namesrv
      run_hostile "$BROKER_PORT" broker
      log "phase main took $(( $(date +%s) - T0 ))s"
    fi
    if has_phase restart; then
      T1=$(date +%s)
      for ser in $SERIALIZE; do run_suite restart-before "$ser" -Drmq.groups=restart -Drmq.phase=before -Drmq.reruns=0; done
      log "restart: stopping servers"
      stop_all
      if start_pair "$PAIR_NS" "$BR_IMPL" "$STORE"; then
        for ser in $SERIALIZE; do run_suite restart-after "$ser" -Drmq.groups=restart -Drmq.phase=after -Drmq.reruns=0; done
      else
        infra_failure "servers did not come back after restart"
      fi
      log "phase restart took $(( $(date +%s) - T1 ))s"
    fi
  else
    infra_failure "could not start namesrv=$PAIR_NS broker=$BR_IMPL"
  fi
  stop_all
  drop_store "$STORE"
fi

# ---- phase mixed --------------------------------------------------------------------------------
if has_phase mixed; then
  T0=$(date +%s)
  # (a) Java 4.9.7 broker registered with rmqd's NameServer; (b) rmqd broker with the Java NameServer.
  for combo in "a:$NS_IMPL:java" "b:java:$BR_IMPL"; do
    IFS=: read -r tag ns br <<<"$combo"
    STORE="$WORK/store-mixed-$tag"
    write_confs "$STORE"
    # (b) registers in the compressed form (Java 4.9.7's RegisterBrokerBody.encode(true), which
    # rmqd also uses on its own above 8 MiB of topics): the Java NameServer must accept rmqd's.
    if [[ "$tag" == b ]]; then
      printf 'compressedRegister=true\n' | tee -a "$STORE/broker.conf" >>"$STORE/broker-java.conf"
    fi
    if start_pair "$ns" "$br" "$STORE"; then
      for ser in $SERIALIZE; do run_suite "mixed-$tag-ns_$ns-broker_$br" "$ser" -Drmq.groups=basic; done
    else
      infra_failure "mixed ($tag): could not start namesrv=$ns broker=$br"
    fi
    stop_all
    drop_store "$STORE"
  done
  log "phase mixed took $(( $(date +%s) - T0 ))s"
fi

# ---- phase acl ----------------------------------------------------------------------------------
if has_phase acl; then
  T0=$(date +%s)
  STORE="$WORK/store-acl"
  write_confs "$STORE"
  write_acl_conf "$STORE"
  if start_pair "$PAIR_NS" "$BR_IMPL" "$STORE"; then
    for ser in $SERIALIZE; do run_suite acl "$ser" -Drmq.groups=acl; done
  else
    infra_failure "acl: could not start namesrv=$PAIR_NS broker=$BR_IMPL"
  fi
  stop_all
  drop_store "$STORE"
  log "phase acl took $(( $(date +%s) - T0 ))s"
fi

# ---- phase tls ----------------------------------------------------------------------------------
if has_phase tls; then
  T0=$(date +%s)
  mkdir -p "$WORK/tls"
  if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
       -keyout "$WORK/tls/server.key" -out "$WORK/tls/server.pem" >"$WORK/logs/openssl.log" 2>&1; then
    export COMPAT_TLS=1
    for mode in permissive enforcing; do
      STORE="$WORK/store-tls-$mode"
      write_confs "$STORE"
      # rmqd reads the tls.* keys from its conf files (tls.enable: its broker -> NameServer link);
      # Java reads them as system properties.
      TLS_KEYS=("tls.server.mode=$mode" "tls.server.certPath=$WORK/tls/server.pem"
        "tls.server.keyPath=$WORK/tls/server.key" "tls.test.mode.enable=false" "tls.enable=true")
      printf '%s\n' "${TLS_KEYS[@]}" >>"$STORE/broker.conf"
      printf '%s\n' "${TLS_KEYS[@]}" >>"$WORK/namesrv.conf"
      JAVA_EXTRA_OPTS=("${TLS_KEYS[@]/#/-D}")
      if start_pair "$PAIR_NS" "$BR_IMPL" "$STORE"; then
        for ser in $SERIALIZE; do run_suite "tls-$mode" "$ser" -Drmq.groups=tls -Drmq.tlsMode="$mode"; done
      else
        infra_failure "tls ($mode): could not start namesrv=$PAIR_NS broker=$BR_IMPL"
      fi
      stop_all
      drop_store "$STORE"
    done
    JAVA_EXTRA_OPTS=()
    unset COMPAT_TLS
  else
    infra_failure "tls: openssl could not make a test certificate"
  fi
  log "phase tls took $(( $(date +%s) - T0 ))s"
fi

# ---- phase store --------------------------------------------------------------------------------
# One store directory, two implementations: (a) the Java broker writes it, rmqd serves it; (b) rmqd
# writes it, the Java broker serves it. StoreInterchangeTest (4.9 client, first serialization only).
if has_phase store; then
  T0=$(date +%s)
  ser="${SERIALIZE%% *}"
  for combo in "a:java:$BR_IMPL" "b:$BR_IMPL:java"; do
    IFS=: read -r tag writer reader <<<"$combo"
    STORE="$WORK/store-interchange-$tag"
    write_confs "$STORE"
    echo "mappedFileSizeCommitLog=134217728" >>"$STORE/broker.conf"  # the Java conf's size
    ok=1
    for step in "write:$writer" "read:$reader"; do
      IFS=: read -r what impl <<<"$step"
      if [[ "$impl" == java ]]; then start_pair java java "$STORE"; else start_pair standalone rmqd "$STORE"; fi ||
        { infra_failure "store ($tag): could not start $impl to $what"; ok=0; }
      (( ok )) && run_suite "store-$tag-$what-$impl" "$ser" -Drmq.groups=store -Drmq.phase="$what" -Drmq.reruns=0
      stop_all
      (( ok )) || break
    done
    drop_store "$STORE"
  done
  log "phase store took $(( $(date +%s) - T0 ))s"
fi

# ---- phase shortpoll ----------------------------------------------------------------------------
# Broker options that change consumer behaviour for the whole broker: short polling instead of long
# polling, and SQL92 filtering of retried messages. First serialization only (neither depends on it).
if has_phase shortpoll; then
  T0=$(date +%s)
  ser="${SERIALIZE%% *}"
  STORE="$WORK/store-shortpoll"
  write_confs "$STORE"
  for f in "$STORE/broker.conf" "$STORE/broker-java.conf"; do
    printf 'longPollingEnable=false\nfilterSupportRetry=true\n' >>"$f"
  done
  if start_pair "$PAIR_NS" "$BR_IMPL" "$STORE"; then
    run_suite shortpoll "$ser" -Drmq.groups=shortpoll
  else
    infra_failure "shortpoll: could not start namesrv=$PAIR_NS broker=$BR_IMPL"
  fi
  stop_all
  drop_store "$STORE"
  log "phase shortpoll took $(( $(date +%s) - T0 ))s"
fi

# ---- phase slave --------------------------------------------------------------------------------
# A broker configured as a slave with no master: it registers under brokerId 1 and refuses what
# writes to its CommitLog with Java's answers. First serialization only.
if has_phase slave; then
  T0=$(date +%s)
  ser="${SERIALIZE%% *}"
  STORE="$WORK/store-slave"
  write_confs "$STORE"
  for f in "$STORE/broker.conf" "$STORE/broker-java.conf"; do
    sed -i 's/^brokerId=0$/brokerId=1/' "$f"
    printf 'brokerRole=SLAVE\n' >>"$f"
  done
  if start_pair "$PAIR_NS" "$BR_IMPL" "$STORE" --cluster-only; then
    run_suite slave "$ser" -Drmq.groups=slave
  else
    infra_failure "slave: could not start namesrv=$PAIR_NS broker=$BR_IMPL"
  fi
  stop_all
  drop_store "$STORE"
  log "phase slave took $(( $(date +%s) - T0 ))s"
fi

log "total $(( $(date +%s) - START_TS ))s"
echo "compat: $PASSED passed, $FAILED failed"
(( FAILED == 0 ))
