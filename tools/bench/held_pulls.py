#!/usr/bin/env python3
"""Issue #4's claim "10,000 held pulls cost little memory and no CPU while idle", checked against a
running broker:

  tools/bench/held_pulls.py BROKER_ADDR PID [--pulls 10000] [--conns 10] [--idle 5]

Creates a topic (8 queues) on the broker, then sends PULL_MESSAGE with the suspend and subscription
flags (the expression in the header, so no heartbeat is needed) for an
empty queue from `--pulls` different consumer groups over `--conns` connections (JSON header, as
a 4.9 client sends), so every pull is held. It checks that none is answered within the first
seconds, measures the broker's RSS growth and the CPU it uses over `--idle` seconds while holding
them, then closes the connections and checks the broker still answers. Exit status 0 when:
  * no held pull was answered early (they are held, not refused),
  * RSS growth per held pull <= 2 KiB,
  * CPU while idle <= 2% of one core,
  * the broker answers a fresh request after the connections are gone.
Prints one line "held-pulls: ok ..." or "held-pulls: FAIL ...".
"""
import argparse
import json
import os
import selectors
import socket
import struct
import sys
import time

CLK = os.sysconf("SC_CLK_TCK")


def frame(code, ext, opaque):
    header = json.dumps({"code": code, "extFields": ext, "flag": 0, "language": "JAVA", "opaque": opaque,
                         "serializeTypeCurrentRPC": "JSON", "version": 409}).encode()
    return struct.pack(">ii", 4 + len(header), len(header)) + header


def call(addr, code, ext, timeout=5.0):
    host, port = addr.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(frame(code, ext, 1))
        buf = b""
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError("connection closed")
            buf += chunk
        hlen = struct.unpack(">i", buf[4:8])[0] & 0xFFFFFF
        return json.loads(buf[8:8 + hlen])


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("broker")
    ap.add_argument("pid", type=int)
    ap.add_argument("--pulls", type=int, default=10000)
    ap.add_argument("--conns", type=int, default=10)
    ap.add_argument("--idle", type=float, default=5.0)
    a = ap.parse_args()

    topic = "HeldPulls%d" % os.getpid()
    r = call(a.broker, 17, {"topic": topic, "defaultTopic": "TBW102", "readQueueNums": "8", "writeQueueNums": "8",
                            "perm": "6", "topicFilterType": "SINGLE_TAG", "topicSysFlag": "0", "order": "false"})
    if r.get("code") != 0:
        print("held-pulls: FAIL creating %s: %s" % (topic, r))
        return 1
    time.sleep(0.5)

    host, port = a.broker.rsplit(":", 1)
    socks = [socket.create_connection((host, int(port)), timeout=5) for _ in range(a.conns)]
    time.sleep(0.3)
    rss0, cpu0 = rss_kib(a.pid), cpu_s(a.pid)
    for i in range(a.pulls):
        ext = {"consumerGroup": "held_%d_%d" % (os.getpid(), i), "topic": topic, "queueId": str(i % 8),
               "queueOffset": "0", "maxMsgNums": "32", "sysFlag": "6", "commitOffset": "0",
               "suspendTimeoutMillis": "60000", "subscription": "*", "subVersion": "0", "expressionType": "TAG"}
        socks[i % a.conns].sendall(frame(11, ext, i + 1))
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    early = 0

    def drain(seconds):
        nonlocal early
        end = time.time() + seconds
        while time.time() < end:
            for key, _ in sel.select(timeout=0.1):
                try:
                    data = key.fileobj.recv(1 << 20)
                except BlockingIOError:
                    continue
                early += len(data)

    drain(2.0)  # every request read and parked
    rss1, cpu1 = rss_kib(a.pid), cpu_s(a.pid)
    drain(a.idle)
    cpu2 = cpu_s(a.pid)
    rss2 = rss_kib(a.pid)
    for s in socks:
        s.close()
    time.sleep(0.5)
    try:
        alive = call(a.broker, 28, {}, timeout=5.0).get("code") == 0  # GET_BROKER_RUNTIME_INFO
    except OSError:
        alive = False

    per_pull = (max(rss1, rss2) - rss0) * 1024.0 / a.pulls
    idle_share = (cpu2 - cpu1) / a.idle
    summary = ("%d held pulls over %d connections: RSS +%d KiB (%.0f B per pull), parking CPU %.2f s, "
               "idle CPU %.3f s in %.0f s (%.2f%% of a core), early answer bytes %d, broker answers after close: %s"
               % (a.pulls, a.conns, max(rss1, rss2) - rss0, per_pull, cpu1 - cpu0, cpu2 - cpu1, a.idle,
                  100 * idle_share, early, alive))
    problems = []
    if early:
        problems.append("%d bytes of answers arrived while the pulls should be held" % early)
    if per_pull > 2048:
        problems.append("more than 2 KiB per held pull")
    if idle_share > 0.02:
        problems.append("more than 2% of a core while idle")
    if not alive:
        problems.append("broker did not answer after the connections closed")
    print("held-pulls: %s %s" % ("FAIL (" + "; ".join(problems) + ")" if problems else "ok", summary))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
