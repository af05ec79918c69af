#!/usr/bin/env python3
"""make hostile-test: hostile clients against a real rmqd, each case checked two ways: what rmqd did
to the hostile connection (closed it, stopped reading it, held little memory for it), and that a
well-behaved client on another connection was still answered in its normal time meanwhile.

usage: tools/hostile_test.py [build-dir]      (ports 27876 NameServer, 28911 broker)
Last line "hostile-limits: N passed, N failed"; exit status 1 on any failure.

The cases are issue #11's items 2-4 (docs/reliability.md):
  fields    a header with 40,000 / 200,000 extFields (JSON and ROCKETMQ serialization)
  flood     connections that send sync sends as fast as they can and never read an answer
  trickle   connections that announce a big frame and then send a byte now and then
  budget    connections that each send most of a 16 MiB frame, more than remotingMemoryLimit
  idle      a connection that says nothing is closed after serverChannelMaxIdleTimeSeconds
  burst     2,000 connections that each sent one request keep no read buffer
The server runs with small limits so that the cases finish in about a minute (see CONF).
"""
import json
import os
import resource
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

NS_PORT = 27876
BROKER_PORT = 28911
HOST = "127.0.0.1"
MIB = 1024 * 1024
IDLE_SECONDS = 8
MEMORY_LIMIT = 96 * MIB
CONF = {
    "brokerClusterName": "HostileCluster",
    "brokerName": "hostile-a",
    "listenPort": BROKER_PORT,
    "namesrvListenPort": NS_PORT,
    "mappedFileSizeCommitLog": 64 * MIB,
    "serverChannelMaxIdleTimeSeconds": IDLE_SECONDS,
    "frameReadTimeoutMillis": 1000,
    "remotingMemoryLimit": MEMORY_LIMIT,
    "brokerFastFailureEnable": "false",
}
# A good client's request must be answered within this while an attack runs (normal: ~1 ms).
PROBE_LIMIT_S = 0.5

passed = 0
failed = 0


def check(ok, name, detail):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print("[%s] %s: %s" % ("ok" if ok else "FAIL", name, detail), flush=True)


def json_frame(code, ext, opaque=1, body=b"", flag=0):
    header = json.dumps({"code": code, "extFields": ext, "flag": flag, "language": "JAVA",
                         "opaque": opaque, "serializeTypeCurrentRPC": "JSON", "version": 409},
                        separators=(",", ":")).encode()
    return struct.pack(">ii", 4 + len(header) + len(body), len(header)) + header + body


def binary_frame(code, fields, opaque=1):
    """ROCKETMQ serialization: code:u16 lang:u8 version:u16 opaque:i32 flag:i32 remark:len+bytes ext:len+map."""
    ext = b"".join(struct.pack(">H", len(k)) + k + struct.pack(">I", len(v)) + v for k, v in fields)
    header = struct.pack(">HBHiiI", code, 0, 409, opaque, 0, 0) + struct.pack(">I", len(ext)) + ext
    return struct.pack(">ii", 4 + len(header), (1 << 24) | len(header)) + header


def send_frame(topic, opaque, body=b"x" * 64):
    ext = {"a": "hostile_pg", "b": topic, "c": "TBW102", "d": "4", "e": "0", "f": "0",
           "g": str(int(time.time() * 1000)), "h": "0", "i": "", "j": "0", "k": "false", "m": "false"}
    return json_frame(310, ext, opaque, body)


def connect(port, timeout=5.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_frame(s):
    buf = b""
    while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    info = struct.unpack(">i", buf[4:8])[0]
    hlen = info & 0xFFFFFF
    return json.loads(buf[8:8 + hlen]) if info >> 24 == 0 else {"code": -1}


def probe(port=NS_PORT):
    """Seconds a fresh connection waits for an answer to GET_ROUTEINFO_BY_TOPIC (105); inf if none."""
    t0 = time.monotonic()
    try:
        s = connect(port, timeout=10)
        s.sendall(json_frame(105, {"topic": "TBW102"}, 7))
        hdr = read_frame(s)
        s.close()
        return time.monotonic() - t0 if hdr.get("opaque") == 7 else float("inf")
    except OSError:
        return float("inf")


def probes_ok(label):
    worst = max(probe(NS_PORT), probe(BROKER_PORT))
    check(worst < PROBE_LIMIT_S, label + ": a good client is answered", "slowest answer %.1f ms" % (worst * 1000))


def closed_within(s, seconds):
    """True when the peer closes `s` within `seconds` (answers are read and ignored)."""
    deadline = time.monotonic() + seconds
    s.setblocking(False)
    while time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            continue
        try:
            if not s.recv(1 << 20):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except BlockingIOError:
            pass
    return False


class Server:
    def __init__(self, build):
        self.dir = tempfile.mkdtemp(prefix="rmqd-hostile.")
        conf = os.path.join(self.dir, "broker.conf")
        with open(conf, "w") as f:
            for k, v in CONF.items():
                f.write("%s=%s\n" % (k, v))
            f.write("storePathRootDir=%s\n" % os.path.join(self.dir, "store"))
        self.log = open(os.path.join(self.dir, "rmqd.log"), "w")
        self.proc = subprocess.Popen([os.path.join(build, "rmqd"), "standalone", "-c", conf],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and probe(BROKER_PORT) == float("inf"):
            time.sleep(0.2)

    def alive(self):
        return self.proc.poll() is None

    def rss_anon(self):
        """Anonymous resident memory in bytes (heap, not the mapped store files)."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def tail(self):
        with open(os.path.join(self.dir, "rmqd.log")) as f:
            return f.readlines()[-15:]


def case_fields(srv):
    for label, frame in (
            ("JSON header, 40,000 extFields", json_frame(105, {"k%d" % i: "v" for i in range(40000)})),
            ("JSON header, 200,000 extFields", json_frame(105, {"k%d" % i: "" for i in range(200000)})),
            ("ROCKETMQ header, 200,000 extFields",
             binary_frame(105, [(b"k%d" % i, b"") for i in range(200000)]))):
        s = connect(BROKER_PORT)
        t0 = time.monotonic()
        s.sendall(frame)
        worst = max(probe(NS_PORT), probe(BROKER_PORT))
        closed = closed_within(s, 5)
        took = time.monotonic() - t0
        s.close()
        check(closed and worst < PROBE_LIMIT_S, "fields: " + label,
              "connection %s after %.0f ms; a good client waited %.1f ms" %
              ("closed" if closed else "NOT closed", took * 1000, worst * 1000))


def case_flood(srv):
    """Sync sends without ever reading the answers: rmqd must stop reading each at its water mark."""
    conns, base = [], srv.rss_anon()
    frames = b"".join(send_frame("HostileFlood", i) for i in range(1, 200))
    for _ in range(20):
        s = connect(BROKER_PORT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # answers pile up in rmqd, not here
        s.setblocking(False)
        conns.append(s)
    sent = 0
    worst = 0.0
    deadline = time.monotonic() + 6
    next_probe = time.monotonic() + 1
    while time.monotonic() < deadline:
        _, w, _ = select.select([], conns, [], 0.05)
        for s in w:
            try:
                sent += s.send(frames)
            except (BlockingIOError, ConnectionError):
                pass
        if time.monotonic() > next_probe:
            worst = max(worst, probe(NS_PORT), probe(BROKER_PORT))
            next_probe = time.monotonic() + 1
    grown = srv.rss_anon() - base
    for s in conns:
        s.close()
    # 20 connections x (1 MiB high water + the answers to the 64 KiB read that crossed it), and slack.
    check(grown < 32 * MIB and worst < PROBE_LIMIT_S and srv.alive(), "flood: 20 never-reading senders",
          "%.1f MiB of sends accepted by the socket layer; rmqd anonymous memory grew %.1f MiB; "
          "a good client waited at most %.1f ms" % (sent / MIB, grown / MIB, worst * 1000))


def case_trickle(srv):
    """Frames announced big and sent slowly pin only what arrived, and are closed when late."""
    base = srv.rss_anon()
    conns = []
    for i in range(300):
        s = connect(BROKER_PORT)
        size = 16 * MIB if i % 10 == 0 else 256 * 1024
        s.sendall(struct.pack(">i", size) + b"\0\0\0\x10" + b"{" * 1000)
        conns.append(s)
    time.sleep(0.5)
    probes_ok("trickle (rmqd has read them)")
    grown = srv.rss_anon() - base
    check(grown < 16 * MIB, "trickle: 300 connections announce 256 KiB-16 MiB and send 1 KiB",
          "rmqd anonymous memory grew %.1f MiB (announced %.0f MiB)" % (grown / MIB, (270 * 0.25 + 30 * 16)))
    # frameReadTimeoutMillis=1000 plus 1 s per 64 KiB: the 256 KiB frames are late after ~5 s.
    t0 = time.monotonic()
    for s in conns[1:11]:
        try:
            s.send(b"{")
        except OSError:
            pass
    small = [s for i, s in enumerate(conns) if i % 10 != 0]
    closed = sum(1 for s in small if closed_within(s, max(0.1, 9 - (time.monotonic() - t0))))
    check(closed == len(small), "trickle: late 256 KiB frames are closed",
          "%d of %d closed within 9 s" % (closed, len(small)))
    probes_ok("trickle")
    for s in conns:
        s.close()


def case_budget(srv):
    """Ten connections each send 15 MiB of a 16 MiB frame: 150 MiB, over remotingMemoryLimit."""
    base = srv.rss_anon()
    conns = []
    chunk = b"\0" * MIB
    for _ in range(10):
        s = connect(BROKER_PORT)
        s.setblocking(False)
        s.send(struct.pack(">ii", 16 * MIB, 16))
        conns.append([s, 15 * MIB])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(left > 0 for _, left in conns):
        _, w, _ = select.select([], [s for s, left in conns if left > 0], [], 0.1)
        for entry in conns:
            if entry[0] in w:
                try:
                    entry[1] -= entry[0].send(chunk[:min(entry[1], len(chunk))])
                except (BlockingIOError,):
                    pass
                except OSError:
                    entry[1] = 0
    time.sleep(0.3)
    grown = srv.rss_anon() - base
    closed = sum(1 for s, _ in conns if closed_within(s, 0.2))
    check(grown < MEMORY_LIMIT + 24 * MIB and closed > 0 and srv.alive(),
          "budget: 150 MiB of unfinished frames against a 96 MiB remotingMemoryLimit",
          "rmqd anonymous memory grew %.1f MiB; %d of 10 connections closed" % (grown / MIB, closed))
    probes_ok("budget")
    for s, _ in conns:
        s.close()


def case_idle(srv):
    s = connect(BROKER_PORT)
    t0 = time.monotonic()
    closed = closed_within(s, IDLE_SECONDS + 4)
    took = time.monotonic() - t0
    s.close()
    check(closed and took >= IDLE_SECONDS - 1.5, "idle: a silent connection is closed after serverChannelMaxIdleTimeSeconds",
          "%s after %.1f s (limit %d s)" % ("closed" if closed else "not closed", took, IDLE_SECONDS))


def case_burst(srv):
    """2,000 connections each ask once and stay open: each must cost at most ~2 KiB afterwards."""
    n = 2000
    time.sleep(0.5)
    base = srv.rss_anon()
    conns = []
    for i in range(n):
        s = connect(NS_PORT)
        s.sendall(json_frame(105, {"topic": "TBW102"}, i + 1))
        conns.append(s)
    answered = 0
    for s in conns:
        try:
            if read_frame(s).get("opaque", 0) > 0:
                answered += 1
        except OSError:
            pass
    time.sleep(0.5)
    per = (srv.rss_anon() - base) / n
    check(answered == n and per <= 2048, "burst: %d connections after one request each" % n,
          "%d answered; rmqd anonymous memory %.0f bytes per connection" % (answered, per))
    for s in conns:
        s.close()


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 16384)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    srv = Server(build)
    try:
        if not srv.alive() or probe(BROKER_PORT) == float("inf"):
            check(False, "start", "rmqd did not answer on port %d" % BROKER_PORT)
        else:
            for case in (case_burst, case_fields, case_flood, case_trickle, case_budget, case_idle):
                if not srv.alive():
                    check(False, case.__name__, "rmqd is not running (exit %r)" % srv.proc.returncode)
                    continue
                try:
                    case(srv)
                except Exception as e:  # a broken case is a failure, never a silent pass
                    check(False, case.__name__, "%s: %s" % (type(e).__name__, e))
            check(srv.alive(), "rmqd still running", "exit code %r" % srv.proc.returncode)
    finally:
        srv.stop()
        if failed:
            print("--- rmqd log (tail)\n" + "".join(srv.tail()) + "work dir kept: " + srv.dir)
        else:
            shutil.rmtree(srv.dir, ignore_errors=True)
    print("hostile-limits: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
