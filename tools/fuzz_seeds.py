#!/usr/bin/env python3
"""Writes the handmade seed inputs of one libFuzzer target into a directory (tools/run_fuzz.sh).

usage: fuzz_seeds.py TARGET DIR

Besides a few well-formed inputs per decoder, every target that parses JSON, SQL92 or YAML gets
deep-nesting seeds, and frame_fuzz gets headers with thousands of extFields keys (issue #11 items
1 and 2). Seeds are kept under the fuzzers' -max_len (64 KiB): libFuzzer truncates longer inputs,
and a 60,000-level input already exercises the same refusal as the issue's 200,000 levels (which
the unit tests and compat-tests/hostile_bytes.py send in full).
"""
import glob
import json
import os
import struct
import sys
import zlib

MAX = 60000


def unhex(path):
    text = "".join(l for l in open(path) if not l.lstrip().startswith("#"))
    return bytes.fromhex("".join(c for c in text if c in "0123456789abcdefABCDEF"))


def json_header(code, ext, opaque=1):
    return json.dumps({"code": code, "extFields": ext, "flag": 0, "language": "JAVA", "opaque": opaque,
                       "serializeTypeCurrentRPC": "JSON", "version": 409}, separators=(",", ":")).encode()


def frame_no_len(header, body=b"", stype=0):
    """A frame without its leading length word (frame_fuzz's input)."""
    return struct.pack(">i", (stype << 24) | len(header)) + header + body


def rocketmq_header(code, ext):
    ext_bytes = b"".join(struct.pack(">h", len(k)) + k + struct.pack(">i", len(v)) + v for k, v in ext)
    return (struct.pack(">hbhiii", code, 0, 409, 1, 0, 0) + struct.pack(">i", len(ext_bytes)) + ext_bytes)


HEARTBEAT = {"clientID": "127.0.0.1@1", "consumerDataSet": [{
    "groupName": "G", "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
    "consumeFromWhere": "CONSUME_FROM_LAST_OFFSET", "unitMode": False,
    "subscriptionDataSet": [{"classFilterMode": False, "topic": "T", "subString": "a > 1 AND b = 'x'",
                             "tagsSet": ["A"], "codeSet": [65], "subVersion": 1, "expressionType": "SQL92"}]}],
    "producerDataSet": [{"groupName": "P"}]}
TOPIC = {"topicName": "T", "readQueueNums": 4, "writeQueueNums": 4, "perm": 6, "topicFilterType": "SINGLE_TAG",
         "topicSysFlag": 0, "order": False, "attributes": {}}
DV = {"counter": 3, "timestamp": 1700000000000}
REGISTER = {"topicConfigSerializeWrapper": {"dataVersion": DV, "topicConfigTable": {"T": TOPIC}},
            "filterServerList": []}
GROUP = {"groupName": "G", "consumeEnable": True, "consumeFromMinEnable": True, "consumeBroadcastEnable": True,
         "retryQueueNums": 1, "retryMaxTimes": 16, "brokerId": 0, "whichBrokerWhenConsumeSlowly": 1,
         "notifyConsumerIdsChangedEnable": True}
MQ = {"brokerName": "b", "queueId": 0, "topic": "T"}


def dumps(v):
    return json.dumps(v, separators=(",", ":")).encode()


def deep_json(prefix=b""):
    return [prefix + b"[" * MAX, prefix + b'{"a":' * (MAX // 5) + b"1" + b"}" * (MAX // 5)]


def compressed_register():
    dv = dumps(DV)
    parts = [struct.pack(">i", len(dv)) + dv, struct.pack(">i", 1)]
    t = b"T 4 4 6 SINGLE_TAG"
    parts.append(struct.pack(">i", len(t)) + t)
    parts.append(struct.pack(">i", 0))
    return zlib.compress(b"".join(parts))


def seeds(target):
    out = {}
    if target == "frame_fuzz":
        for f in sorted(glob.glob("src/protocol/testdata/*.hex")):
            out["golden-" + os.path.basename(f)[:-4]] = unhex(f)[4:]
        out["rocketmq-route"] = frame_no_len(rocketmq_header(105, [(b"topic", b"T1")]), stype=1)
        out["json-send"] = frame_no_len(json_header(310, {"a": "G", "b": "T", "e": "3", "i": "TAGS\u0001A\u0002"}), b"body")
        out["fastjson-offsets"] = b'{"offsetTable":{"T@g":{0:42,1:17}}}'
        out["fastjson-mq-keys"] = b'{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"maxOffset":1}}}'
        out["deep-header-array"] = frame_no_len(b"[" * MAX)
        out["deep-header-object"] = frame_no_len(b'{"a":' * (MAX // 5))
        many = {"k%d" % i: "v" for i in range(5000)}
        out["many-extfields-json"] = frame_no_len(json_header(105, many))
        out["many-extfields-rocketmq"] = frame_no_len(rocketmq_header(105, [(b"k%d" % i, b"") for i in range(5000)]),
                                                      stype=1)
    elif target == "sql_fuzz":
        for i, s in enumerate(["a > 5 AND b = 'x'", "(a >= 1 OR b <> 'it''s') AND NOT c IS NULL",
                               "a BETWEEN 1 AND 10 AND b NOT IN ('x', 'y') OR c IS NOT NULL",
                               "a NOT BETWEEN -5 AND +5L OR c > 1.5E-3 OR c < .5",
                               "b CONTAINS 'x' AND b NOT STARTSWITH 'y' AND b ENDSWITH 'z'",
                               "/* comment */ TAGS IN ('TagA') -- tail", "e = TRUE OR e = FALSE OR a = NULL",
                               "((((a = 1))))", "a > 2147483648 AND f < 9223372036854775807"]):
            out["seed-%d" % i] = s.encode()
        out["deep-parens"] = b"(" * (MAX // 2) + b"a = 1" + b")" * (MAX // 2)
        out["deep-nots"] = b"NOT " * (MAX // 4) + b"a = 1"
        out["deep-minus"] = b"a = " + b"-" * MAX + b"1"
    elif target == "record_fuzz":
        for f in sorted(glob.glob("src/store/testdata/*.hex")):
            out["seed-" + os.path.basename(f)[:-4]] = unhex(f)
    elif target == "body_fuzz":
        shapes = {0: [dumps(HEARTBEAT)], 1: [dumps(REGISTER)], 2: [compressed_register()], 3: [dumps(TOPIC)],
                  4: [dumps(GROUP)], 5: [dumps(DV)],
                  6: [dumps({"consumerGroup": "G", "clientId": "c", "mqSet": [MQ]}),
                      b'{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5}}'],
                  7: [dumps({"clientId": "c", "group": "G", "subscriptionData": {"topic": "T", "subString": "a > 1",
                                                                                  "expressionType": "SQL92"}})]}
        for shape, bodies in shapes.items():
            for i, b in enumerate(bodies):
                out["shape%d-%d" % (shape, i)] = bytes([shape]) + b
            if shape != 2:
                for i, b in enumerate(deep_json()):
                    out["shape%d-deep%d" % (shape, i)] = bytes([shape]) + b
    elif target == "message_fuzz":
        def item(body, props):
            return struct.pack(">iiiii", 22 + len(body) + len(props), 0, 0, 0, len(body)) + body + \
                struct.pack(">h", len(props)) + props
        out["batch"] = item(b"hello", b"TAGS\x01A\x02KEYS\x01k") + item(b"", b"")
        out["properties"] = b"TAGS\x01A\x02KEYS\x01k1 k2\x02UNIQ_KEY\x01ABC\x02DELAY\x013"
        out["offset-msgid"] = b"7F00000100004E8F0000000000000000"
        out["offset-msgid-v6"] = b"00000000000000000000000000000001" + b"00004E8F" + b"0000000000000010"
    elif target == "store_json_fuzz":
        files = {0: dumps({"topicConfigTable": {"T": TOPIC}, "dataVersion": DV}),
                 1: b'{"offsetTable":{"T@G":{0:42,1:17}}}',
                 2: b'{"offsetTable":{1:0,2:5}}',
                 3: dumps({"subscriptionGroupTable": {"G": GROUP}, "dataVersion": DV}),
                 4: b'{"deliveredBelow":10,"deliveredRanges":[[12,15],[20,21]]}',
                 5: b'{"configTable":{"ORDER_TOPIC_CONFIG":{"T":"broker-a:4"}}}'}
        for k, text in files.items():
            out["file%d" % k] = bytes([k]) + text
            for i, b in enumerate(deep_json()):
                out["file%d-deep%d" % (k, i)] = bytes([k]) + b
    elif target == "config_fuzz":
        out["broker-conf"] = b"\x00" + b"brokerClusterName=DefaultCluster\nbrokerName = broker-a\nbrokerId:0\n" \
            b"# comment\n! comment\nlistenPort=10911\nflushDiskType=ASYNC_FLUSH\nkey\\\n  continued=1\nunknownKey=x\n"
        out["namesrv-conf"] = b"\x00listenPort=9876\n"
        out["acl-yml"] = b"\x01globalWhiteRemoteAddresses:\n  - 10.10.103.*\naccounts:\n  - accessKey: rmqUser001\n" \
            b"    secretKey: userSecret1\n    admin: false\n    defaultTopicPerm: PUB|SUB\n    topicPerms:\n" \
            b"      - topicA=DENY\n    groupPerms:\n      - groupA=SUB\n    whiteRemoteAddress: 192.168.1.*\n"
        out["acl-deep-flow"] = b"\x01" + b"[" * MAX + b"]" * 10
        out["acl-deep-dash"] = b"\x01" + b"- " * (MAX // 2) + b"x"
        out["addr-range"] = b"\x01192.168.{1,2}.1-200"
    else:
        sys.exit("fuzz_seeds.py: unknown target " + target)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    target, d = sys.argv[1], sys.argv[2]
    os.makedirs(d, exist_ok=True)
    s = seeds(target)
    for name, data in s.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print("fuzz_seeds: %s: %d seeds in %s" % (target, len(s), d))


if __name__ == "__main__":
    main()
