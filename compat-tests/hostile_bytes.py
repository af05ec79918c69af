#!/usr/bin/env python3
"""Sends malformed remoting frames to a NameServer or broker, each on a fresh connection, and checks
that (1) the server closed that connection or at least never answered it, and (2) a fresh connection
still gets a valid answer to a well-formed GET_ROUTEINFO_BY_TOPIC (105) for TBW102.

usage: [HOSTILE_TARGET=java|java5|rmqd] hostile_bytes.py HOST PORT
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
import os
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

# ---- request validation (issue #11 item 7) -------------------------------------------------------
# Well-formed frames whose values are wrong. Each check uses a fresh connection and asserts the
# code and remark (or the closed connection) Java 4.9.7 gives, or, where that answer is itself a
# defect (a message acknowledged but never consumable, a topic registered with perm 255, a send
# into the TBW102 template topic), the answer rmqd gives instead; docs/compatibility.md lists both.
# HOSTILE_TARGET (run.sh sets it) says which server is being checked: "java" / "java5" expect the
# measured Java 4.9.7 answers, anything else (the default, "rmqd") expects rmqd's.
TARGET = "rmqd"


def v_recv_frame(s, wait):
    """('answered', header dict, body) | ('closed'|'silent', None, None)."""
    s.settimeout(wait)
    buf = b""
    try:
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
            chunk = s.recv(65536)
            if not chunk:
                return "closed", None, None
            buf += chunk
    except socket.timeout:
        return "silent", None, None
    except ConnectionResetError:
        return "closed", None, None
    total, info = struct.unpack(">ii", buf[:8])
    hlen = info & 0xFFFFFF
    return "answered", json.loads(buf[8:8 + hlen].decode("utf-8")), buf[8 + hlen:4 + total]


def v_frame(header_text, body=b""):
    h = header_text.encode() if isinstance(header_text, str) else header_text
    return struct.pack(">ii", 4 + len(h) + len(body), len(h)) + h + body


def v_header(code_json, ext, opaque):
    """A JSON header with `code_json` spliced in verbatim (None: no code member at all)."""
    rest = '"extFields":%s,"flag":0,"language":"JAVA","opaque":%d,"serializeTypeCurrentRPC":"JSON","version":409' % (
        json.dumps(ext), opaque)
    return "{%s}" % rest if code_json is None else '{"code":%s,%s}' % (code_json, rest)


def v_exchange(data, wait=TIMEOUT):
    """Sends `data` on a fresh connection; returns (status, header, body, still_open) where
    still_open says whether a route query sent afterwards on the same connection was answered."""
    s = connect()
    try:
        s.sendall(data)
        status, hdr, body = v_recv_frame(s, wait)
        still_open = False
        if status != "closed":
            try:
                s.sendall(json_frame(105, {"topic": "TBW102"}, 99))
                still_open = v_recv_frame(s, TIMEOUT)[0] == "answered"
            except OSError:
                pass
        return status, hdr, body, still_open
    finally:
        s.close()


def v_role():
    """'namesrv' when a route query for TBW102 gets code 0, else 'broker' (which answers 3)."""
    status, hdr, _, _ = v_exchange(json_frame(105, {"topic": "TBW102"}, 98))
    return "namesrv" if status == "answered" and hdr.get("code") == 0 else "broker"


def v_expect_answer(status, hdr, still_open, code, remark=None):
    if status != "answered":
        return ["expected code %d, got %s" % (code, status)]
    problems = []
    if hdr.get("code") != code:
        problems.append("code %r != %d (remark %r)" % (hdr.get("code"), code, hdr.get("remark")))
    if remark is not None and hdr.get("remark") != remark:
        problems.append("remark %r != %r" % (hdr.get("remark"), remark))
    if not still_open:
        problems.append("connection not usable after the answer")
    return problems


def v_expect_closed(status, hdr):
    if status == "answered":
        return ["answered code %r remark %r; Java 4.9.7 closes the connection" % (hdr.get("code"), hdr.get("remark"))]
    return []


def v_route_answer(role):
    """What a code-105 request gets: the route (code 0) from a NameServer, code 3 from a broker."""
    return (0, None) if role == "namesrv" else (3, " request type 105 not supported")


def check_code_as_string(role):
    # fastjson binds "105" to the int field: Java answers it as code 105.
    status, hdr, _, still_open = v_exchange(v_frame(v_header('"105"', {"topic": "TBW102"}, 5001)))
    return v_expect_answer(status, hdr, still_open, *v_route_answer(role))


def check_code_overflow(role):
    # 2^32 + 105 does not fit Java's int: fastjson throws, the decoder closes the connection.
    status, hdr, _, _ = v_exchange(v_frame(v_header(str(2 ** 32 + 105), {"topic": "TBW102"}, 5002)))
    return v_expect_closed(status, hdr)


def check_code_with_space(role):
    # " 105" is not an int to Integer.parseInt: the connection is closed.
    status, hdr, _, _ = v_exchange(v_frame(v_header('" 105"', {"topic": "TBW102"}, 5003)))
    return v_expect_closed(status, hdr)


def check_opaque_overflow(role):
    ext = {"topic": "TBW102"}
    data = v_frame(v_header("105", ext, 5004).replace('"opaque":5004', '"opaque":%d' % (2 ** 32 + 5004)))
    status, hdr, _, _ = v_exchange(data)
    return v_expect_closed(status, hdr)


def check_code_missing(role):
    # No "code" member: Java's field keeps 0, so the request is an unknown code 0. The broker
    # answers 3; the NameServer answers nothing (see UnknownRequestCodeTest) or 3. Both keep the
    # connection.
    status, hdr, _, still_open = v_exchange(v_frame(v_header(None, {"topic": "TBW102"}, 5005)), wait=1.0)
    if role == "broker" or status == "answered":
        return v_expect_answer(status, hdr, still_open, 3, " request type 0 not supported")
    return [] if still_open else ["connection not usable after an unanswered code-0 request"]


def v_send(topic, sys_flag, opaque, properties="WAIT\x01true\x02"):
    ext = {"producerGroup": "hostile_pg", "topic": topic, "defaultTopic": "TBW102", "defaultTopicQueueNums": "4",
           "queueId": "0", "sysFlag": str(sys_flag), "bornTimestamp": str(int(time.time() * 1000)), "flag": "0",
           "properties": properties, "reconsumeTimes": "0", "unitMode": "false", "batch": "false"}
    return v_exchange(v_frame(v_header("10", ext, opaque), b"hostile body"))


def v_java():
    return TARGET in ("java", "java5")


def check_send_sysflag_minus_one(role):
    # Java 4.9.7 acknowledges it (code 0) and stores a ROLLBACK-type record no ConsumeQueue gets.
    status, hdr, _, still_open = v_send("hostile_sysflag_%d" % int(time.time()), -1, 5101)
    if v_java():
        return v_expect_answer(status, hdr, still_open, 0)
    return v_expect_answer(status, hdr, still_open, 13,
                           "the message sysFlag[-1] is illegal: bits 0xfffff800 are not defined by MessageSysFlag")


def check_send_sysflag_prepared_without_tran_msg(role):
    status, hdr, _, still_open = v_send("hostile_sysflag_%d" % int(time.time()), 4, 5102)
    if v_java():
        return v_expect_answer(status, hdr, still_open, 0)
    return v_expect_answer(status, hdr, still_open, 13, "the message sysFlag[4] is illegal: "
                           "transaction type PREPARED without the TRAN_MSG property")


def check_send_sysflag_zero_still_accepted(role):
    status, hdr, _, still_open = v_send("hostile_sysflag_%d" % int(time.time()), 0, 5103)
    return v_expect_answer(status, hdr, still_open, 0)


def check_send_to_tbw102(role):
    status, hdr, _, still_open = v_send("TBW102", 0, 5104)
    if v_java():
        return v_expect_answer(status, hdr, still_open, 0)
    return v_expect_answer(status, hdr, still_open, 16, "Sending message to topic[TBW102] is forbidden.")


def check_create_topic_perm_255(role):
    topic = "hostile_perm255_%d" % int(time.time())
    ext = {"topic": topic, "defaultTopic": "TBW102", "readQueueNums": "4", "writeQueueNums": "4", "perm": "255",
           "topicFilterType": "SINGLE_TAG", "topicSysFlag": "0", "order": "false"}
    status, hdr, _, still_open = v_exchange(v_frame(v_header("17", ext, 5201)))
    if v_java():
        problems = v_expect_answer(status, hdr, still_open, 0)
    else:
        problems = v_expect_answer(status, hdr, still_open, 16, "topicPermission value: 255 is invalid.")
    # GET_ALL_TOPIC_CONFIG (21): Java registered the topic with perm 255; rmqd has no such topic.
    status, hdr, body, _ = v_exchange(v_frame(v_header("21", {}, 5202)))
    if status != "answered" or hdr.get("code") != 0:
        return problems + ["GET_ALL_TOPIC_CONFIG: %s %r" % (status, hdr and hdr.get("code"))]
    listed = topic.encode() in (body or b"")
    if listed != v_java():
        problems.append("topic %s %s in GET_ALL_TOPIC_CONFIG" % (topic, "is" if listed else "is not"))
    return problems


HEADER_CHECKS = [
    ("header code as the string \"105\" is code 105", check_code_as_string),
    ("header code 2^32+105 closes the connection", check_code_overflow),
    ("header code \" 105\" closes the connection", check_code_with_space),
    ("header opaque 2^32+5004 closes the connection", check_opaque_overflow),
    ("header without code is request code 0", check_code_missing),
]
BROKER_CHECKS = [
    ("send with sysFlag=-1", check_send_sysflag_minus_one),
    ("send with sysFlag=4 (PREPARED) and no TRAN_MSG", check_send_sysflag_prepared_without_tran_msg),
    ("send with sysFlag=0 is still stored", check_send_sysflag_zero_still_accepted),
    ("send to TBW102", check_send_to_tbw102),
    ("UPDATE_AND_CREATE_TOPIC with perm=255", check_create_topic_perm_255),
]


def run_validation_checks():
    """Returns (passed, failed)."""
    passed = failed = 0
    role = v_role()
    checks = HEADER_CHECKS + (BROKER_CHECKS if role == "broker" else [])
    if role != "broker":
        print("note: %s port; the %d send/create checks run against the broker port only" % (role, len(BROKER_CHECKS)))
    for name, fn in checks:
        try:
            problems = fn(role)
        except (OSError, ValueError) as e:
            problems = ["%s: %s" % (type(e).__name__, e)]
        time.sleep(0.1)
        ok, why = health_check(6000 + passed + failed)
        if not ok:
            problems.append("fresh connection afterwards: " + why)
        if problems:
            failed += 1
            print("FAIL %s [%s, expecting %s]: %s" % (name, role, "Java 4.9.7" if v_java() else "rmqd", "; ".join(problems)))
        else:
            passed += 1
            print("PASS %s [%s, expecting %s]" % (name, role, "Java 4.9.7" if v_java() else "rmqd"))
    return passed, failed
# ---- end of request validation -------------------------------------------------------------------


def main():
    global HOST, PORT, TARGET
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    HOST, PORT = sys.argv[1], int(sys.argv[2])
    TARGET = os.environ.get("HOSTILE_TARGET", "rmqd")
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
    p, f = run_validation_checks()
    passed, failed = passed + p, failed + f

    print("hostile: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
