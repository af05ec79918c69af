#!/usr/bin/env python3
"""Sends malformed remoting frames to a NameServer or broker, each on a fresh connection, and checks
that (1) the server closed that connection or at least never answered it, and (2) a fresh connection
still gets a valid answer to a well-formed GET_ROUTEINFO_BY_TOPIC (105) for TBW102.

usage: hostile_bytes.py HOST PORT
prints one line per check and finally "hostile: N passed, N failed"; exit status 1 on any failure.
Stdlib only. Frame layout: len:i32 | (serializeType<<24 | headerLen):i32 | header | body (big-endian).

Observed on the Java 4.9.7 NameServer and broker (the oracle): every hostile case below is answered
with nothing and the connection is closed (Netty decoder failure -> channel close), or, for a frame
that is merely incomplete, the connection just waits; a fresh connection keeps working.
"""
import json
import socket
import struct
import sys
import time

HOST = "127.0.0.1"
PORT = 0
TIMEOUT = 3.0


def json_frame(code, ext, opaque, serialize_type=0, header=None):
    if header is None:
        header = json.dumps({"code": code, "extFields": ext, "flag": 0, "language": "JAVA",
                             "opaque": opaque, "serializeTypeCurrentRPC": "JSON",
                             "version": 409}).encode()
    return struct.pack(">ii", 4 + len(header), (serialize_type << 24) | len(header)) + header


def connect():
    s = socket.create_connection((HOST, PORT), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_outcome(s, wait):
    """Returns 'closed', 'silent' or 'answered:<n bytes>' after waiting up to `wait` seconds."""
    s.settimeout(wait)
    try:
        data = s.recv(65536)
    except socket.timeout:
        return "silent"
    except ConnectionResetError:
        return "closed"
    if not data:
        return "closed"
    return "answered:%d bytes" % len(data)


def health_check(opaque):
    """A well-formed route query for TBW102 on a fresh connection must get a response frame."""
    s = connect()
    try:
        s.sendall(json_frame(105, {"topic": "TBW102"}, opaque))
        buf = b""
        s.settimeout(TIMEOUT)
        while len(buf) < 8 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            chunk = s.recv(65536)
            if not chunk:
                return False, "connection closed before a full response"
            buf += chunk
        total, info = struct.unpack(">ii", buf[:8])
        stype, hlen = info >> 24, info & 0xFFFFFF
        if stype != 0:
            return False, "response serialize type %d to a JSON request" % stype
        hdr = json.loads(buf[8:8 + hlen].decode("utf-8"))
        if not hdr.get("flag", 0) & 0x1:
            return False, "flag %r lacks the response bit" % hdr.get("flag")
        if hdr.get("opaque") != opaque:
            return False, "opaque %r != %d" % (hdr.get("opaque"), opaque)
        # Any response frame is a valid answer: a NameServer returns the route (code 0); a broker
        # does not serve code 105 and the Java broker answers 3 " request type 105 not supported".
        if hdr.get("code") == 0 and total - 4 - hlen <= 0:
            return False, "code 0 with an empty route body"
        return True, "response code %r" % hdr.get("code")
    except (OSError, ValueError) as e:
        return False, "%s: %s" % (type(e).__name__, e)
    finally:
        s.close()


# Each case: (name, bytes to send, close_after_send, seconds to wait for the server's reaction).
# close_after_send cases are ones where only the client can end the exchange (an incomplete frame is
# legitimately waited on); for those only "no answer" is required.
def cases():
    good = json_frame(105, {"topic": "TBW102"}, 4242)
    json_hdr = json.dumps({"code": 105, "extFields": {"topic": "TBW102"}, "flag": 0, "language": "JAVA",
                           "opaque": 4243, "version": 409}).encode()
    return [
        ("truncated frame then close",
         struct.pack(">ii", 100, 40) + b'{"code":105,"flag":0,', True, 1.0),
        ("frame declaring 2 GiB length",
         struct.pack(">ii", 0x7FFFFFFF, 20) + b"x" * 64, False, TIMEOUT),
        ("header length beyond the frame",
         struct.pack(">ii", 4 + 16, 1000) + b"{" * 16, False, TIMEOUT),
        ("garbage JSON header",
         json_frame(0, None, 0, header=b"{this is not json]]\x00\xff"), False, TIMEOUT),
        ("unknown serialization type 0x05",
         json_frame(0, None, 0, serialize_type=5, header=json_hdr), False, TIMEOUT),
        ("disconnect mid-request (half a frame)",
         good[: len(good) // 2], True, 1.0),
    ]


def main():
    global HOST, PORT
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    HOST, PORT = sys.argv[1], int(sys.argv[2])
    passed = failed = 0
    opaque = 1000

    ok, why = health_check(opaque)
    print("%s baseline route query TBW102: %s" % ("PASS" if ok else "FAIL", why))
    passed, failed = passed + ok, failed + (not ok)

    for name, data, close_after, wait in cases():
        opaque += 1
        problems = []
        try:
            s = connect()
            try:
                s.sendall(data)
            except OSError:
                pass  # the server may already have closed on us
            outcome = read_outcome(s, wait)
            s.close()  # for close_after cases this is the client hanging up mid-frame
            if outcome.startswith("answered"):
                problems.append("server answered a hostile frame (%s)" % outcome)
        except OSError as e:
            outcome = "connect failed: %s" % e
            problems.append(outcome)
        time.sleep(0.1)
        ok, why = health_check(opaque)
        if not ok:
            problems.append("fresh connection afterwards: " + why)
        if problems:
            failed += 1
            print("FAIL %s: %s" % (name, "; ".join(problems)))
        else:
            passed += 1
            print("PASS %s: hostile connection %s, fresh connection answered (%s)" % (name, outcome, why))

    print("hostile: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
