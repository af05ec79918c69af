#!/usr/bin/env python3
"""Waits until a NameServer knows a broker: GET_BROKER_CLUSTER_INFO (106) lists the broker name and
GET_ROUTEINFO_BY_TOPIC (105) for TBW102 succeeds. Used by run.sh instead of a JVM per poll.

usage: wait_broker.py HOST:PORT BROKER_NAME [TIMEOUT_SECONDS] [--cluster-only]
exit 0 when registered, 1 on timeout. --cluster-only skips the TBW102 route (a lone slave has none:
the NameServer builds queue data from brokerId 0 registrations only).
"""
import json
import os
import socket
import ssl
import struct
import sys
import time


def call(addr, code, ext, opaque):
    host, port = addr.rsplit(":", 1)
    header = json.dumps({"code": code, "extFields": ext, "flag": 0, "language": "JAVA",
                         "opaque": opaque, "serializeTypeCurrentRPC": "JSON", "version": 409}).encode()
    frame = struct.pack(">ii", 4 + len(header), len(header)) + header
    with socket.create_connection((host, int(port)), timeout=3) as raw:
        s = raw
        if os.environ.get("COMPAT_TLS") == "1":  # run.sh phase tls: the servers may refuse plaintext
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(raw)
        s.sendall(frame)
        buf = b""
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
    total, info = struct.unpack(">ii", buf[:8])
    hlen = info & 0xFFFFFF
    hdr = json.loads(buf[8:8 + hlen].decode("utf-8")) if (info >> 24) == 0 else {}
    return hdr.get("code"), buf[8 + hlen:4 + total]


def main():
    cluster_only = "--cluster-only" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--cluster-only"]
    addr, broker = args[0], args[1]
    timeout = float(args[2]) if len(args) > 2 else 60
    deadline = time.time() + timeout
    opaque = 1
    while time.time() < deadline:
        try:
            code, body = call(addr, 106, {}, opaque)
            if code == 0 and broker.encode() in body:
                if cluster_only:
                    return 0
                code, body = call(addr, 105, {"topic": "TBW102"}, opaque + 1)
                if code == 0 and body:
                    return 0
        except (OSError, ValueError):
            pass
        opaque += 2
        time.sleep(0.5)
    return 1


if __name__ == "__main__":
    sys.exit(main())
