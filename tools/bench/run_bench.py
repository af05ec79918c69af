#!/usr/bin/env python3
"""make bench: rmqd against the Java 4.9.7 NameServer + broker (and the Java 5.3.1 broker with the 5.3.3
NameServer), one after the other in one run, same settings, same disk, same workloads, same clients (tools/loadgen and the official Java client driver in
tools/bench/java). Writes docs/bench/results.json, docs/performance.md and docs/bench/latency.png.

Everything listens on 127.0.0.1: rmqd on 25876 (NameServer) / 26911 (broker; 26909, 26912 too),
Java on 27876 / 28911 (28909, 28912). Every step is bounded in time.

Environment (defaults in brackets):
  BENCH_QUICK=1            10 s per workload, backlog 100k, restart store 256 MiB, small Java heap only
  BENCH_DURATION           seconds per timed workload [60; quick 10]
  BENCH_BACKLOG            messages in the drain backlog [1000000; quick 100000]
  BENCH_RESTART_STORE_MB   store sizes for the restart-after-SIGKILL test, grown in turn on one store
                           ["1024 10240"; quick 256]
  BENCH_JAVA_HEAPS         Java 4.9.7 variants: "default" (runbroker.sh/runserver.sh options, -Xmx8g/-Xmx4g)
                           and/or "small" (-Xmx1g broker, -Xmx256m namesrv) [default small; quick small]
  BENCH_JAVA5_HEAPS        Java 5.x variants (broker 5.3.1 + NameServer 5.3.3, compat-tests/oracle5), same
                           choices; "" leaves 5.x out [small; quick ""]
  BENCH_FLUSH              flush modes ["ASYNC_FLUSH SYNC_FLUSH"]
  BENCH_CLIENTS            ["loadgen javabench"]
  BENCH_QUEUES             queues per topic [8]
  BENCH_STORE_DIR          parent of the stores (choose the disk) [/tmp]
  BENCH_NOTES              remarks printed at the top of the report, separated by "|"
  BENCH_OUT                output dir for results.json / latency.png [docs/bench]; the markdown goes to
                           docs/performance.md unless BENCH_MD is set
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
QUICK = os.environ.get("BENCH_QUICK", "0") == "1"
DURATION = int(os.environ.get("BENCH_DURATION", "10" if QUICK else "60"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "100000" if QUICK else "1000000"))
RESTART_MB = [int(m) for m in os.environ.get("BENCH_RESTART_STORE_MB", "256" if QUICK else "1024 10240").split()]
JAVA_HEAPS = os.environ.get("BENCH_JAVA_HEAPS", "small" if QUICK else "default small").split()
JAVA5_HEAPS = os.environ.get("BENCH_JAVA5_HEAPS", "" if QUICK else "small").split()
JAVA5_BROKER, JAVA5_NAMESRV = "5.3.1", "5.3.3"  # rocketmq-namesrv 5.3.0-5.3.2 were never published
FLUSH_MODES = os.environ.get("BENCH_FLUSH", "ASYNC_FLUSH SYNC_FLUSH").split()
CLIENTS = os.environ.get("BENCH_CLIENTS", "loadgen javabench").split()
QUEUES = int(os.environ.get("BENCH_QUEUES", "8"))
STORE_PARENT = os.environ.get("BENCH_STORE_DIR", "/tmp")
OUT = os.path.join(ROOT, os.environ.get("BENCH_OUT", "docs/bench"))
MD = os.path.join(ROOT, os.environ.get("BENCH_MD", "docs/performance.md"))
JAVA_WARMUP = 3 if QUICK else 10
PORTS = {"rmqd": (25876, 26911), "java": (27876, 28911), "java5": (27876, 28911)}
HOST = "127.0.0.1"

JAVA_COMMON = ["-Djava.net.preferIPv4Stack=true",
               "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
               "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
               "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
               "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED"]
# The options of bin/runserver.sh and bin/runbroker.sh (4.9.7) for a JDK >= 9, minus GC logging.
JAVA_DEFAULT_NS = ["-server", "-Xms4g", "-Xmx4g", "-Xmn2g", "-XX:MetaspaceSize=128m", "-XX:MaxMetaspaceSize=320m",
                   "-XX:+UseG1GC", "-XX:G1HeapRegionSize=16m", "-XX:G1ReservePercent=25",
                   "-XX:InitiatingHeapOccupancyPercent=30", "-XX:SoftRefLRUPolicyMSPerMB=0",
                   "-XX:-OmitStackTraceInFastThrow", "-XX:-UseLargePages"]
JAVA_DEFAULT_BROKER = ["-server", "-Xms8g", "-Xmx8g", "-XX:+UseG1GC", "-XX:G1HeapRegionSize=16m",
                       "-XX:G1ReservePercent=25", "-XX:InitiatingHeapOccupancyPercent=30",
                       "-XX:SoftRefLRUPolicyMSPerMB=0", "-XX:-OmitStackTraceInFastThrow", "-XX:+AlwaysPreTouch",
                       "-XX:MaxDirectMemorySize=15g", "-XX:-UseLargePages"]
JAVA_SMALL_NS = ["-server", "-Xms256m", "-Xmx256m", "-XX:+UseG1GC"]
JAVA_SMALL_BROKER = ["-server", "-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxDirectMemorySize=1g"]

COMMANDS = []  # every client command line, for the report


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


# ---- tiny remoting client (JSON header) -------------------------------------------------------------
def remoting_call(addr, code, ext, timeout=2.0, want_body=False):
    host, port = addr.rsplit(":", 1)
    header = json.dumps({"code": code, "extFields": ext, "flag": 0, "language": "JAVA", "opaque": 1,
                         "serializeTypeCurrentRPC": "JSON", "version": 409}).encode()
    frame = struct.pack(">ii", 4 + len(header), len(header)) + header
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(frame)
        buf = b""
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError("closed")
            buf += chunk
        total = struct.unpack(">i", buf[:4])[0]
        hlen = struct.unpack(">i", buf[4:8])[0] & 0xFFFFFF
        if want_body:
            return json.loads(buf[8:8 + hlen]), buf[8 + hlen:4 + total]
        return json.loads(buf[8:8 + hlen])


def commitlog_bytes(broker_addr):
    """The broker's CommitLog max offset (GET_BROKER_RUNTIME_INFO), i.e. bytes of messages stored."""
    try:
        h, body = remoting_call(broker_addr, 28, {}, timeout=5.0, want_body=True)
        return int(json.loads(body)["table"]["commitLogMaxOffset"]) if h.get("code") == 0 else None
    except (OSError, ValueError, KeyError):
        return None


def wait_route(ns_addr, deadline):
    """Seconds until GET_ROUTEINFO_BY_TOPIC(TBW102) answers SUCCESS (a broker registered), or None."""
    while time.time() < deadline:
        try:
            if remoting_call(ns_addr, 105, {"topic": "TBW102"}, timeout=1.0).get("code") == 0:
                return True
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    return False


# ---- /proc figures ---------------------------------------------------------------------------------
CLK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK  # utime, stime
    except OSError:
        return 0.0


def mem_kib(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS", "RssAnon"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


# ---- servers ---------------------------------------------------------------------------------------
class Servers:
    """One NameServer + broker pair (rmqd standalone, or the Java pair) with its store."""

    def __init__(self, kind, variant, work, flush, env):
        self.kind, self.variant, self.work, self.flush, self.env = kind, variant, work, flush, env
        self.ns_port, self.broker_port = PORTS[kind]
        self.ns_addr = "%s:%d" % (HOST, self.ns_port)
        self.store = os.path.join(work, "store-%s-%s-%s" % (kind, variant, flush))
        self.procs = []
        self.name = "rmqd" if kind == "rmqd" else "%s-%s" % (kind, variant)

    def write_conf(self):
        os.makedirs(self.store, exist_ok=True)
        conf = ["brokerClusterName=DefaultCluster", "brokerName=broker-a", "brokerId=0",
                "listenPort=%d" % self.broker_port, "brokerIP1=127.0.0.1", "storePathRootDir=%s" % self.store,
                "namesrvAddr=%s" % self.ns_addr, "autoCreateTopicEnable=true", "autoCreateSubscriptionGroup=true",
                "flushDiskType=%s" % self.flush]
        if self.kind != "rmqd":
            conf.append("storePathCommitLog=%s/commitlog" % self.store)
        with open(os.path.join(self.store, "broker.conf"), "w") as f:
            f.write("\n".join(conf) + "\n")
        with open(os.path.join(self.work, "namesrv-%d.conf" % self.ns_port), "w") as f:
            f.write("listenPort=%d\n" % self.ns_port)

    def start(self):
        """Starts the pair; returns seconds to the first answered route request (None on failure)."""
        self.write_conf()
        logf = open(os.path.join(self.work, "%s-%s.log" % (self.name, self.flush)), "ab")
        t0 = time.time()
        if self.kind == "rmqd":
            cmd = [self.env["rmqd"], "standalone", "-c", os.path.join(self.store, "broker.conf"),
                   "--namesrv-port", str(self.ns_port)]
            self.procs = [subprocess.Popen(cmd, cwd=self.work, stdout=logf, stderr=logf, env=self.env["shim_env"])]
        else:
            home = self.env["java_home"]
            base = ["java"] + JAVA_COMMON + ["-Drocketmq.home.dir=%s" % home, "-Duser.home=%s" % home]
            # 4.9.7 runs both servers from one classpath; 5.x needs one per server (their versions differ).
            ns_cp = self.env["oracle_cp"] if self.kind == "java" else self.env["oracle5_ns_cp"]
            br_cp = self.env["oracle_cp"] if self.kind == "java" else self.env["oracle5_broker_cp"]
            ns_opts = JAVA_DEFAULT_NS if self.variant == "default" else JAVA_SMALL_NS
            br_opts = JAVA_DEFAULT_BROKER if self.variant == "default" else JAVA_SMALL_BROKER
            env = dict(self.env["shim_env"], ROCKETMQ_HOME=home)
            ns = subprocess.Popen(base[:1] + ns_opts + base[1:] + ["-cp", ns_cp, "org.apache.rocketmq.namesrv.NamesrvStartup", "-c",
                                  os.path.join(self.work, "namesrv-%d.conf" % self.ns_port)],
                                  cwd=self.work, stdout=logf, stderr=logf, env=env)
            br = subprocess.Popen(base[:1] + br_opts + base[1:] + ["-cp", br_cp, "org.apache.rocketmq.broker.BrokerStartup", "-c",
                                  os.path.join(self.store, "broker.conf"), "-n", self.ns_addr],
                                  cwd=self.work, stdout=logf, stderr=logf, env=env)
            self.procs = [ns, br]
        ok = wait_route(self.ns_addr, time.time() + 120)
        return (time.time() - t0) if ok else None

    def pids(self):
        return [p.pid for p in self.procs]

    def cpu(self):
        return sum(cpu_seconds(p) for p in self.pids())

    def memory(self):
        per = [mem_kib(p) for p in self.pids()]
        return {"VmHWM_kib": sum(m.get("VmHWM", 0) for m in per), "RssAnon_kib": sum(m.get("RssAnon", 0) for m in per),
                "per_process": per}

    def stop(self, sig=signal.SIGTERM):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(sig)
        deadline = time.time() + 30
        for p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        self.procs = []

    def store_bytes(self):
        total = 0
        for d, _, files in os.walk(os.path.join(self.store, "commitlog")):
            for f in files:
                total += os.stat(os.path.join(d, f)).st_blocks * 512
        return total


# ---- clients ---------------------------------------------------------------------------------------
def run_client(client, env, ns_addr, args, timeout):
    """Runs one client with loadgen-style options; returns its JSON summary (plus rc), or an error dict."""
    if client == "loadgen":
        cmd = [env["loadgen"], "--namesrv", ns_addr, "--quiet", "--json"] + args
    else:
        jargs = []
        it = iter(range(len(args)))
        for i in it:
            a = args[i]
            if a in ("--create-topic",):
                continue
            if a in ("--connections", "--inflight", "--queues"):
                next(it, None)
                continue
            jargs.append(a)
        cmd = ["java", "-Xmx1g", "-XX:+UseG1GC", "-cp", env["javabench_cp"], "rmqd.bench.JavaBench",
               "--namesrv", ns_addr, "--threads", "64", "--warmup", str(JAVA_WARMUP)] + jargs
    COMMANDS.append(" ".join(cmd).replace(env.get("javabench_cp", "\0"), "$JAVABENCH_CP").replace(ROOT + "/", ""))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timeout after %ds" % timeout}
    line = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if not line:
        return {"error": "no summary (rc=%d): %s" % (p.returncode, p.stderr[-500:])}
    r = json.loads(line[-1])
    r["rc"] = p.returncode
    if p.returncode != 0:
        r["stderr"] = p.stderr[-500:]
    return r


def create_topic(env, ns_addr, topic):
    cmd = [env["loadgen"], "--namesrv", ns_addr, "--quiet", "--create-topic", "--queues", str(QUEUES), "--topic", topic,
           "--mode", "produce", "--count", "1", "--duration", "0", "--timeout", "60"]
    subprocess.run(cmd, capture_output=True, timeout=90)


def fill(env, ns_addr, topic, count, size, create=True):
    args = ["--topic", topic, "--mode", "produce", "--size", str(size), "--count", str(count), "--duration", "0",
            "--timeout", "1800", "--queues", str(QUEUES)] + (["--create-topic"] if create else [])
    return run_client("loadgen", env, ns_addr, args, 1900)


def measured(srv, fn):
    c0 = srv.cpu()
    r = fn()
    cpu = srv.cpu() - c0
    msgs = max(r.get("produce", {}).get("acked", 0), r.get("consume", {}).get("messages", 0))
    r["server_cpu_s"] = round(cpu, 3)
    r["server_cpu_s_per_million_msgs"] = round(cpu / msgs * 1e6, 2) if msgs else None
    return r


def run_workloads(srv, env, rates, results):
    """All workloads against one running server; results[workload][client] = summary."""
    t = DURATION + 120
    seq = [0]

    def topic(w, c):
        seq[0] += 1
        return "Bench_%s_%s_%d" % (w, c, seq[0])

    for client in CLIENTS:
        for w, size in (("produce_1k", 1024), ("produce_128b", 128)):
            tp = topic(w, client)
            create_topic(env, srv.ns_addr, tp)
            log("  %s %s %s" % (srv.name, w, client))
            results.setdefault(w, {})[client] = measured(srv, lambda: run_client(
                client, env, srv.ns_addr, ["--topic", tp, "--mode", "produce", "--size", str(size),
                                           "--duration", str(DURATION), "--create-topic", "--queues", str(QUEUES)], t))
        # Drain a backlog: filled by loadgen (not measured), then consumed by the client under test.
        tp = topic("drain", client)
        log("  %s drain %s: filling %d messages" % (srv.name, client, BACKLOG))
        f = fill(env, srv.ns_addr, tp, BACKLOG, 1024)
        log("  %s drain %s: consuming" % (srv.name, client))
        results.setdefault("drain_backlog", {})[client] = measured(srv, lambda: run_client(
            client, env, srv.ns_addr, ["--topic", tp, "--mode", "consume", "--from", "earliest", "--count",
                                       str(BACKLOG), "--duration", str(max(DURATION, 600)), "--warmup", "0"]
            if client == "javabench" else ["--topic", tp, "--mode", "consume", "--from", "earliest",
                                           "--duration", str(max(DURATION, 600))], 900))
        results["drain_backlog"][client]["fill"] = {k: f.get(k) for k in ("produce", "errors")}
        tp = topic("both", client)
        create_topic(env, srv.ns_addr, tp)
        log("  %s produce+consume %s" % (srv.name, client))
        results.setdefault("produce_consume_1k", {})[client] = measured(srv, lambda: run_client(
            client, env, srv.ns_addr, ["--topic", tp, "--mode", "both", "--size", "1024", "--duration", str(DURATION),
                                       "--create-topic", "--queues", str(QUEUES)], t))
        rate = rates.get(client)
        if rate is None:  # no Java figure for this client: half of this server's own max
            rate = max(100, int(results["produce_1k"][client].get("produce", {}).get("msgs_per_s", 2000) / 2))
        tp = topic("rate", client)
        create_topic(env, srv.ns_addr, tp)
        log("  %s fixed rate %d msgs/s %s" % (srv.name, rate, client))
        results.setdefault("fixed_rate_1k", {})[client] = measured(srv, lambda: run_client(
            client, env, srv.ns_addr, ["--topic", tp, "--mode", "both", "--size", "1024", "--rate", str(rate),
                                       "--duration", str(DURATION), "--create-topic", "--queues", str(QUEUES)], t))
        results["fixed_rate_1k"][client]["target_rate"] = rate


def restart_test(srv, env):
    """On a fresh store grown to each of RESTART_MB in turn, SIGKILLs the server and times the restart to an
    answered route. Returns one entry per size."""
    broker = "%s:%d" % (HOST, srv.broker_port)
    srv.stop()
    shutil.rmtree(srv.store, ignore_errors=True)
    if srv.start() is None:
        return [{"error": "did not start on a fresh store"}]
    out = []
    for mb in RESTART_MB:
        have = commitlog_bytes(broker) or 0
        want = mb * 1024 * 1024
        if have < want:
            size = 4096
            n = int((want - have) / (size + 200)) + 1
            log("  %s restart: filling %d MiB (%d x %d B)" % (srv.name, (want - have) >> 20, n, size))
            fill(env, srv.ns_addr, "Bench_restart_fill", n, size)
        time.sleep(1)
        store = commitlog_bytes(broker)
        disk = srv.store_bytes()
        srv.stop(signal.SIGKILL)
        t = srv.start()
        after = None
        deadline = time.time() + 60
        while t and after is None and time.time() < deadline:  # the broker may answer the route before itself
            after = commitlog_bytes(broker)
            if after is None:
                time.sleep(0.5)
        log("  %s restart with %s MiB: %s s" % (srv.name, (store or 0) >> 20, round(t, 3) if t else None))
        out.append({"target_mb": mb, "store_bytes": store, "store_disk_bytes": disk,
                    "restart_s": round(t, 3) if t else None, "commitlog_bytes_after_restart": after})
        if not t:
            break
    return out


# ---- physical reference ----------------------------------------------------------------------------
def physical(work):
    out = {}
    path = os.path.join(work, "ddtest")
    try:
        p = subprocess.run(["dd", "if=/dev/zero", "of=" + path, "bs=1M", "count=512", "oflag=direct"],
                           capture_output=True, text=True, timeout=120)
        last = p.stderr.strip().splitlines()[-1]
        secs = float(last.split(",")[-2].split()[0])
        out["disk_seq_write_direct_mb_s"] = round(512 / secs, 1)
    except (subprocess.TimeoutExpired, IndexError, ValueError) as e:
        out["disk_seq_write_direct_mb_s"] = None
        out["disk_error"] = str(e)
    finally:
        if os.path.exists(path):
            os.unlink(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    block, n, t0 = b"x" * 4096, 0, time.time()
    while time.time() - t0 < 3:
        os.write(fd, block)
        os.fdatasync(fd)
        n += 1
    out["fsync_per_s_4k_append"] = round(n / (time.time() - t0), 1)
    os.close(fd)
    os.unlink(path)
    srv = socket.socket()
    srv.bind((HOST, 0))
    srv.listen(1)
    total = [0]

    def sink():
        c, _ = srv.accept()
        while True:
            b = c.recv(1 << 20)
            if not b:
                break
            total[0] += len(b)
        c.close()

    th = threading.Thread(target=sink)
    th.start()
    c = socket.create_connection(srv.getsockname())
    chunk, t0 = b"\0" * (1 << 20), time.time()
    while time.time() - t0 < 3:
        c.sendall(chunk)
    c.close()
    th.join(10)
    out["loopback_tcp_mb_s_python"] = round(total[0] / (time.time() - t0) / 1048576, 1)
    srv.close()
    return out


def machine():
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    jv = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return {"nproc": os.cpu_count(), "memory_gib": round(mem_kib / 1048576, 1), "cpu": cpu, "kernel": platform.release(),
            "java": jv[0] if jv else "", "loadavg_at_start": os.getloadavg()}


# ---- setup -----------------------------------------------------------------------------------------
def setup(build, work):
    env = {"rmqd": os.path.join(ROOT, build, "rmqd"), "loadgen": os.path.join(ROOT, build, "tools", "loadgen")}
    shim = os.path.join(work, "bind_loopback.so")
    shim_env = dict(os.environ)
    if subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", shim, os.path.join(ROOT, "compat-tests", "bind_loopback.c"),
                       "-ldl"]).returncode == 0:
        shim_env["LD_PRELOAD"] = shim
    env["shim_env"] = shim_env
    log("resolving the Java server classpath (compat-tests/oracle) and building tools/bench/java")
    cp = os.path.join(work, "oracle.cp")
    subprocess.run(["mvn", "-q", "-B", "-f", os.path.join(ROOT, "compat-tests", "oracle", "pom.xml"),
                    "dependency:build-classpath", "-Dmdep.outputFile=" + cp], check=True, timeout=900)
    env["oracle_cp"] = open(cp).read().strip()
    if JAVA5_HEAPS:
        for key, art, ver in (("oracle5_broker_cp", "rocketmq-broker", JAVA5_BROKER),
                              ("oracle5_ns_cp", "rocketmq-namesrv", JAVA5_NAMESRV)):
            cp5 = os.path.join(work, key)
            subprocess.run(["mvn", "-q", "-B", "-f", os.path.join(ROOT, "compat-tests", "oracle5", "pom.xml"),
                            "dependency:build-classpath", "-Doracle.artifact=" + art, "-Doracle.version=" + ver,
                            "-Dmdep.outputFile=" + cp5], check=True, timeout=900)
            env[key] = open(cp5).read().strip()
    jdir = os.path.join(ROOT, "tools", "bench", "java")
    jcp = os.path.join(work, "javabench.cp")
    subprocess.run(["mvn", "-q", "-B", "-f", os.path.join(jdir, "pom.xml"), "compile", "dependency:build-classpath",
                    "-Dmdep.outputFile=" + jcp], check=True, timeout=900)
    env["javabench_cp"] = os.path.join(jdir, "target", "classes") + ":" + open(jcp).read().strip()
    home = os.path.join(work, "home")
    os.makedirs(os.path.join(home, "conf"), exist_ok=True)
    for r in ("namesrv", "broker", "tools"):
        with open(os.path.join(home, "conf", "logback_%s.xml" % r), "w") as f:
            f.write('<configuration><appender name="FILE" class="ch.qos.logback.core.FileAppender"><file>%s/java_%s.log'
                    '</file><encoder><pattern>%%d %%-5level %%logger{24} - %%msg%%n</pattern></encoder></appender>'
                    '<root level="WARN"><appender-ref ref="FILE"/></root></configuration>' % (work, r))
    env["java_home"] = home
    return env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build", help="build dir with rmqd and tools/loadgen (relative to the repo, or absolute)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (stores, logs)")
    a = ap.parse_args()
    os.makedirs(STORE_PARENT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="rmqd-bench.", dir=STORE_PARENT)
    started = time.time()
    res = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "quick": QUICK,
           "machine": machine(), "settings": {"duration_s": DURATION, "backlog": BACKLOG, "restart_store_mb": RESTART_MB,
                                              "java_heaps": JAVA_HEAPS, "java5_heaps": JAVA5_HEAPS, "flush": FLUSH_MODES, "clients": CLIENTS,
                                              "queues": QUEUES, "store_dir": STORE_PARENT, "java_warmup_s": JAVA_WARMUP},
           "versions": {"java_server": "rocketmq-namesrv/broker 4.9.7 (Maven Central)" + (
                            "; java5: rocketmq-broker %s + rocketmq-namesrv %s" % (JAVA5_BROKER, JAVA5_NAMESRV)
                            if JAVA5_HEAPS else ""),
                        "java_client": "rocketmq-client 4.9.8 (tools/bench/java)",
                        # the commit of the tree the binary was built in (--build may point at another worktree)
                        "rmqd": subprocess.run(["git", "-C", os.path.join(ROOT, a.build), "rev-parse", "--short", "HEAD"],
                                               capture_output=True, text=True).stdout.strip()},
           "runs": [],
           # free-text remarks about this run for the report (BENCH_NOTES, separated by "|")
           "notes": [n.strip() for n in os.environ.get("BENCH_NOTES", "").split("|") if n.strip()]}
    servers_on = []
    try:
        env = setup(a.build, work)
        log("physical reference (disk, fsync, loopback)")
        res["physical"] = physical(work)
        log("physical: %s" % res["physical"])
        for flush in FLUSH_MODES:
            java_rates = {}
            configs = [("java", v) for v in JAVA_HEAPS] + [("java5", v) for v in JAVA5_HEAPS] + [("rmqd", "-")]
            for kind, variant in configs:
                srv = Servers(kind, variant, work, flush, env)
                servers_on.append(srv)
                log("%s %s: starting" % (srv.name, flush))
                startup = srv.start()
                run = {"server": srv.name, "flush": flush, "startup_s": round(startup, 3) if startup else None,
                       "workloads": {}}
                res["runs"].append(run)
                if startup is None:
                    run["error"] = "did not start"
                    srv.stop(signal.SIGKILL)
                    continue
                run_workloads(srv, env, java_rates if kind == "rmqd" else java_rates_or_own(java_rates), run["workloads"])
                if kind != "rmqd" and not java_rates:
                    for c in CLIENTS:
                        m = run["workloads"]["produce_1k"][c].get("produce", {}).get("msgs_per_s")
                        if m:
                            java_rates[c] = max(100, int(m / 2))
                run["memory"] = srv.memory()
                if flush == FLUSH_MODES[0]:
                    run["restarts"] = restart_test(srv, env)
                    run["restart"] = run["restarts"][0]
                    run["memory_after_restart"] = srv.memory()
                srv.stop()
                shutil.rmtree(srv.store, ignore_errors=True)
                save(res, started)
    finally:
        for s in servers_on:
            s.stop(signal.SIGKILL)
        res["commands"] = sorted(set(COMMANDS))
        res["wall_time_s"] = round(time.time() - started)
        save(res, started)
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log("work dir kept: %s" % work)
    import report  # tools/bench/report.py
    report.write_all(res, OUT, MD)
    log("done in %ds: %s, %s" % (time.time() - started, os.path.join(OUT, "results.json"), MD))


def java_rates_or_own(java_rates):
    return java_rates


def save(res, started):
    os.makedirs(OUT, exist_ok=True)
    res["wall_time_s"] = round(time.time() - started)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
