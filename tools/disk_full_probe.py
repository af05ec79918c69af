#!/usr/bin/env python3
"""A minimal RocketMQ remoting client (JSON headers) for tools/disk_full_test.sh.

usage:
  disk_full_probe.py send  BROKER TOPIC COUNT SIZE   sends COUNT messages of SIZE bytes to queue 0,
      one at a time; stops at the first answer that is not SUCCESS (0). Prints one JSON line:
      {"ok": N, "code": C, "remark": "..."}  (code/remark of the first refusal, or 0/"" if none).
  disk_full_probe.py pull  BROKER TOPIC             pulls queue 0 from offset 0 to its end; prints
      {"count": N, "code": C} (C: the last pull's code).
  disk_full_probe.py route NAMESRV TOPIC            GET_ROUTEINFO_BY_TOPIC; prints {"code": C, "brokers": N}.
Exit status 2 when the server cannot be reached or answers garbage (the JSON then has "error").
"""
import json
import socket
import struct
import sys
import time

SEND_MESSAGE = 10
PULL_MESSAGE = 11
GET_ROUTEINFO_BY_TOPIC = 105
FLAG_SUBSCRIPTION = 0x4


class Client:
    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.opaque = 0
        self.buf = b""

    def call(self, code, ext, body=b""):
        self.opaque += 1
        header = json.dumps({"code": code, "extFields": {k: str(v) for k, v in ext.items()}, "flag": 0,
                             "language": "JAVA", "opaque": self.opaque, "serializeTypeCurrentRPC": "JSON",
                             "version": 409}).encode()
        self.sock.sendall(struct.pack(">ii", 4 + len(header) + len(body), len(header)) + header + body)
        while True:
            frame = self._frame()
            total, hlen = struct.unpack(">ii", frame[:8])
            hlen &= 0xFFFFFF
            resp = json.loads(frame[8:8 + hlen])
            if resp.get("opaque") == self.opaque:
                return resp, frame[8 + hlen:]

    def _frame(self):
        while len(self.buf) < 4 or len(self.buf) < 4 + struct.unpack(">i", self.buf[:4])[0]:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        n = struct.unpack(">i", self.buf[:4])[0]
        frame, self.buf = self.buf[:4 + n], self.buf[4 + n:]
        return frame


def send(broker, topic, count, size):
    c = Client(broker)
    body = b"d" * size
    ok = 0
    for _ in range(count):
        resp, _ = c.call(SEND_MESSAGE, {
            "producerGroup": "disk_full_pg", "topic": topic, "defaultTopic": "TBW102", "defaultTopicQueueNums": 4,
            "queueId": 0, "sysFlag": 0, "bornTimestamp": int(time.time() * 1000), "flag": 0, "properties": "",
            "reconsumeTimes": 0, "unitMode": "false", "batch": "false"}, body)
        if resp.get("code") != 0:
            return {"ok": ok, "code": resp.get("code"), "remark": resp.get("remark", "")}
        ok += 1
    return {"ok": ok, "code": 0, "remark": ""}


def count_records(body):
    n, pos = 0, 0
    while pos + 4 <= len(body):
        size = struct.unpack(">i", body[pos:pos + 4])[0]
        if size <= 0:
            break
        n += 1
        pos += size
    return n


def pull(broker, topic):
    c = Client(broker)
    offset, count, code = 0, 0, None
    for _ in range(100000):
        resp, body = c.call(PULL_MESSAGE, {
            "consumerGroup": "disk_full_cg", "topic": topic, "queueId": 0, "queueOffset": offset, "maxMsgNums": 32,
            "sysFlag": FLAG_SUBSCRIPTION, "commitOffset": 0, "suspendTimeoutMillis": 0, "subscription": "*",
            "subVersion": 0, "expressionType": "TAG"})
        code = resp.get("code")
        if code != 0:
            break
        got = count_records(body)
        if got == 0:
            break
        count += got
        offset = int(resp["extFields"]["nextBeginOffset"])
    return {"count": count, "code": code}


def route(namesrv, topic):
    c = Client(namesrv)
    resp, body = c.call(GET_ROUTEINFO_BY_TOPIC, {"topic": topic})
    brokers = 0
    if resp.get("code") == 0 and body:
        brokers = body.decode(errors="replace").count("brokerAddrs")
    return {"code": resp.get("code"), "brokers": brokers}


def main():
    cmd = sys.argv[1]
    try:
        if cmd == "send":
            out = send(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        elif cmd == "pull":
            out = pull(sys.argv[2], sys.argv[3])
        elif cmd == "route":
            out = route(sys.argv[2], sys.argv[3])
        else:
            sys.exit(__doc__)
    except (OSError, ValueError, KeyError, struct.error) as e:
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        sys.exit(2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
