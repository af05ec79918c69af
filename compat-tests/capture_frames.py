#!/usr/bin/env python3
"""Captures golden remoting frames sent by the official Java 4.9.8 client and the Java server's
answers, by putting a frame-aware TCP proxy between the client and a running NameServer + broker.

usage (with the Java oracle already running, e.g. started by hand as run.sh does):
  cd compat-tests && mvn -q -B test-compile
  (cd client-4.9 && mvn -q -B dependency:build-classpath -Dmdep.outputFile=/tmp/c49.cp -Dmdep.includeScope=test)
  python3 capture_frames.py --namesrv 127.0.0.1:19876 --broker 127.0.0.1:20911 \
      --classpath "$(cat /tmp/c49.cp):client-4.9/target/test-classes" --out ../src/protocol/testdata

For each serialization (JSON, ROCKETMQ) it runs rmqd.compat.CaptureDriver (one route query, send,
heartbeat, pull) against the proxy and writes <ser>_<name>_{request,response}.hex: one frame per
file, lowercase hex, 64 hex digits per line. The proxy rewrites the broker address inside route
responses (same length: port 20911 -> 20811) so that broker traffic also goes through it; the
saved route response is the original, unrewritten frame.
"""
import argparse
import os
import socket
import struct
import subprocess
import sys
import threading

WANTED = {105: "get_routeinfo", 34: "heart_beat", 310: "send_message_v2", 11: "pull_message"}


def frames(buf):
    """Splits complete frames off the front of buf; returns (frames, rest)."""
    out = []
    while len(buf) >= 4:
        n = struct.unpack(">i", buf[:4])[0]
        if len(buf) < 4 + n:
            break
        out.append(buf[:4 + n])
        buf = buf[4 + n:]
    return out, buf


def parse(frame):
    """Returns (code, opaque, flag) from a JSON or ROCKETMQ header."""
    info = struct.unpack(">i", frame[4:8])[0]
    stype, hlen = (info >> 24) & 0xFF, info & 0xFFFFFF
    hdr = frame[8:8 + hlen]
    if stype == 0:
        import json
        h = json.loads(hdr.decode("utf-8"))
        return h["code"], h["opaque"], h.get("flag", 0)
    code, _lang, _ver, opaque, flag = struct.unpack(">hbhii", hdr[:13])
    return code, opaque, flag


class Capture:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {}   # (conn_id, opaque) -> (code, frame)
        self.saved = {}      # name -> (request frame, response frame)

    def on_frame(self, conn_id, from_client, frame):
        code, opaque, flag = parse(frame)
        with self.lock:
            if from_client and not flag & 1:
                self.requests[(conn_id, opaque)] = (code, frame)
            elif not from_client and flag & 1:
                req = self.requests.pop((conn_id, opaque), None)
                if req and req[0] in WANTED and WANTED[req[0]] not in self.saved and code == 0:
                    self.saved[WANTED[req[0]]] = (req[1], frame)


def proxy(listen_port, target, capture, rewrite, stop):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen_port))
    srv.listen(16)
    srv.settimeout(0.5)
    conn_ids = iter(range(1, 1 << 30))

    def pump(src, dst, conn_id, from_client):
        buf = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                buf += data
                done, buf = frames(buf)
                for f in done:
                    capture.on_frame(conn_id, from_client, f)
                    if not from_client:
                        for old, new in rewrite:
                            f = f.replace(old, new)
                    dst.sendall(f)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    while not stop.is_set():
        try:
            client, _ = srv.accept()
        except socket.timeout:
            continue
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        cid = next(conn_ids)
        threading.Thread(target=pump, args=(client, upstream, cid, True), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client, cid, False), daemon=True).start()
    srv.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--namesrv", default="127.0.0.1:19876")
    ap.add_argument("--broker", default="127.0.0.1:20911")
    ap.add_argument("--classpath", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ns-proxy-port", type=int, default=19866)
    ap.add_argument("--broker-proxy-port", type=int, default=20811)
    a = ap.parse_args()
    broker_port = a.broker.rsplit(":", 1)[1]
    assert len(broker_port) == len(str(a.broker_proxy_port)), "rewrite must keep the body length"
    rewrite = [(("127.0.0.1:" + broker_port).encode(), ("127.0.0.1:%d" % a.broker_proxy_port).encode())]
    os.makedirs(a.out, exist_ok=True)
    for ser in ("JSON", "ROCKETMQ"):
        cap = Capture()
        stop = threading.Event()
        threads = [threading.Thread(target=proxy, args=(a.ns_proxy_port, a.namesrv, cap, rewrite, stop), daemon=True),
                   threading.Thread(target=proxy, args=(a.broker_proxy_port, a.broker, cap, [], stop), daemon=True)]
        for t in threads:
            t.start()
        topic = "GoldenTopic" + ser.capitalize()
        cmd = ["java", "-Xmx128m", "-Drocketmq.serialize.type=" + ser, "-cp", a.classpath,
               "rmqd.compat.CaptureDriver", "127.0.0.1:%d" % a.ns_proxy_port, topic]
        subprocess.run(cmd, check=True, timeout=120)
        stop.set()
        for t in threads:
            t.join(2)
        for name in WANTED.values():
            if name not in cap.saved:
                print("capture: %s %s not seen" % (ser, name), file=sys.stderr)
                continue
            for kind, frame in zip(("request", "response"), cap.saved[name]):
                h = frame.hex()
                path = os.path.join(a.out, "%s_%s_%s.hex" % (ser.lower(), name, kind))
                with open(path, "w") as f:
                    f.write("\n".join(h[i:i + 64] for i in range(0, len(h), 64)) + "\n")
                print("capture: wrote %s (%d bytes)" % (path, len(frame)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
