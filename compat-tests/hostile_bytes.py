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

Deep nesting (issue #11 item 1): JSON headers nested ~200,000 levels deep are closed without an
answer by both; well-formed requests whose JSON body (or SQL92 selector) is nested far too deep get
a response (Java: fastjson's "array level > 512" or a decode error, SYSTEM_ERROR; a selector: 23
SUBSCRIPTION_PARSE_FAILED with "java.lang.StackOverflowError"), and the server keeps serving. The
role (NameServer or broker) is told by the baseline query's answer: 0 from a NameServer, 3 from a
broker, so each port gets the request codes it serves.
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
    try:
        s = connect()
    except OSError as e:
        return False, "connect failed: %s" % e  # e.g. the server died on the previous case
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
    deep_array = b"[" * 200000
    deep_object = b'{"a":' * 132000
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
        ("JSON header of 200,000 nested '['",
         json_frame(0, None, 0, header=deep_array), False, TIMEOUT),
        ("JSON header of 132,000 nested {\"a\":",
         json_frame(0, None, 0, header=deep_object), False, TIMEOUT),
        ("JSON header of 200,000 nested '[' then a body",
         struct.pack(">ii", 4 + len(deep_array) + 4, len(deep_array)) + deep_array + b"body", False, TIMEOUT),
    ]


def json_request(code, ext, opaque, body):
    header = json.dumps({"code": code, "extFields": ext, "flag": 0, "language": "JAVA", "opaque": opaque,
                         "serializeTypeCurrentRPC": "JSON", "version": 409}).encode()
    return struct.pack(">ii", 4 + len(header) + len(body), len(header)) + header + body


def read_response(s, opaque, wait):
    """The response header (a dict) carrying `opaque`, skipping requests the server sends first (a
    broker's NOTIFY_CONSUMER_IDS_CHANGED after a heartbeat); 'closed' or 'silent' when none comes."""
    buf = b""
    deadline = time.time() + wait
    while True:
        while len(buf) >= 8 and len(buf) >= 4 + struct.unpack(">i", buf[:4])[0]:
            total, info = struct.unpack(">ii", buf[:8])
            hlen = info & 0xFFFFFF
            hdr = json.loads(buf[8:8 + hlen].decode("utf-8"))
            buf = buf[4 + total:]
            if hdr.get("flag", 0) & 0x1 and hdr.get("opaque") == opaque:
                return hdr
        left = deadline - time.time()
        if left <= 0:
            return "silent"
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return "silent"
        except ConnectionResetError:
            return "closed"
        if not chunk:
            return "closed"
        buf += chunk


def heartbeat_body(selector):
    return json.dumps({"clientID": "127.0.0.1@hostile", "consumerDataSet": [{
        "groupName": "hostile_group", "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
        "consumeFromWhere": "CONSUME_FROM_LAST_OFFSET", "unitMode": False,
        "subscriptionDataSet": [{"classFilterMode": False, "topic": "TBW102", "subString": selector,
                                 "tagsSet": [], "codeSet": [], "subVersion": 1, "expressionType": "SQL92"}]}],
        "producerDataSet": []}).encode()


# Deep-nesting requests that are well-formed frames: (name, code, extFields, body, expected code or
# None for "any response"). Bodies nest 200,000 '[' (what overflowed rmqd's stack before json::Parse);
# selectors nest 30,000 levels, under rmqd's 64 KiB selector length limit, so its depth limit answers.
DEEP = b"[" * 200000
DEEP_SQL = "(" * 30000 + "a = 1" + ")" * 30000
NOT_SQL = "NOT " * 15000 + "a = 1"
BROKER = {"brokerName": "hostile_b", "brokerAddr": "127.0.0.1:1", "clusterName": "hostile_c", "brokerId": "0"}


def deep_body_cases(role):
    if role == "namesrv":
        return [
            ("REGISTER_BROKER (103) body nested 200,000 deep", 103,
             dict(BROKER, haServerAddr="127.0.0.1:2", compressed="false", bodyCrc32="0"),
             b'{"topicConfigSerializeWrapper":' + DEEP, 1),
            # Java answers SYSTEM_ERROR (fastjson cannot decode the DataVersion); rmqd has always
            # ignored an unreadable QUERY_DATA_VERSION body (an empty DataVersion) and answers 0.
            # Both answer and keep serving, which is what is checked here.
            ("QUERY_DATA_VERSION (322) body nested 200,000 deep", 322, BROKER, b'{"counter":' + DEEP, None),
        ]
    return [
        ("HEART_BEAT (34) body nested 200,000 deep", 34, {}, b'{"clientID":"x","consumerDataSet":' + DEEP, 1),
        ("UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200) body nested 200,000 deep", 200, {}, b'{"groupName":' + DEEP, 1),
        ("LOCK_BATCH_MQ (41) body nested 200,000 deep", 41, {}, b'{"consumerGroup":"g","mqSet":' + DEEP, 1),
        ("UNLOCK_BATCH_MQ (42) body nested 200,000 deep", 42, {}, b'{"consumerGroup":"g","mqSet":' + DEEP, 1),
        # A heartbeat only records the selector; both answer it (SUCCESS) and keep serving.
        ("HEART_BEAT (34) with an SQL92 selector nested 30,000 deep", 34, {}, heartbeat_body(DEEP_SQL), 0),
        ("HEART_BEAT (34) with an SQL92 selector of 15,000 NOTs", 34, {}, heartbeat_body(NOT_SQL), 0),
        ("CHECK_CLIENT_CONFIG (46) with an SQL92 selector nested 30,000 deep", 46, {},
         json.dumps({"clientId": "127.0.0.1@hostile", "group": "hostile_group", "subscriptionData": {
             "topic": "TBW102", "subString": DEEP_SQL, "expressionType": "SQL92"}}).encode(), 23),
        ("PULL_MESSAGE (11) with an SQL92 subscription nested 30,000 deep", 11,
         {"consumerGroup": "hostile_group", "topic": "TBW102", "queueId": "0", "queueOffset": "0",
          "maxMsgNums": "1", "sysFlag": "4", "commitOffset": "0", "suspendTimeoutMillis": "0",
          "subscription": DEEP_SQL, "subVersion": "1", "expressionType": "SQL92"}, b"", None),
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
    role = "namesrv" if why == "response code 0" else "broker"

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

    for name, code, ext, body, want in deep_body_cases(role):
        opaque += 1
        problems = []
        try:
            s = connect()
            try:
                s.sendall(json_request(code, ext, opaque, body))
                got = read_response(s, opaque, TIMEOUT * 2)
            except OSError as e:
                got = "%s: %s" % (type(e).__name__, e)
            s.close()
            if not isinstance(got, dict):
                problems.append("no response (%s)" % got)
                outcome = str(got)
            else:
                outcome = "code %r remark %r" % (got.get("code"), (got.get("remark") or "")[:100])
                if want is not None and got.get("code") != want:
                    problems.append("response code %r, expected %r (%s)" % (got.get("code"), want, outcome))
        except OSError as e:
            outcome = "connect failed: %s" % e
            problems.append(outcome)
        time.sleep(0.1)
        ok, why = health_check(opaque + 100000)
        if not ok:
            problems.append("fresh connection afterwards: " + why)
        if problems:
            failed += 1
            print("FAIL %s: %s" % (name, "; ".join(problems)))
        else:
            passed += 1
            print("PASS %s: %s, fresh connection answered (%s)" % (name, outcome, why))

    print("hostile: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
