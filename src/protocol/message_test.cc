#include <doctest/doctest.h>

#include <vector>

#include "common/coding.h"
#include "protocol/message.h"

using namespace rmq::protocol;
using rmq::Status;

namespace {
std::string Props(std::initializer_list<std::pair<const char*, const char*>> kv) {
  std::string s;
  for (const auto& [k, v] : kv) AppendProperty(&s, k, v);
  return s;
}
}  // namespace

// ---- PropertiesView -------------------------------------------------------------------------

TEST_CASE("properties: lookups in a Java-encoded string") {
  std::string s = "KEYS\x01k1\x02TAGS\x01TagA\x02WAIT\x01true\x02";
  PropertiesView p(s);
  std::string_view v;
  REQUIRE(p.Get("TAGS", &v));
  CHECK(v == "TagA");
  REQUIRE(p.Get("KEYS", &v));
  CHECK(v == "k1");
  REQUIRE(p.Get("WAIT", &v));
  CHECK(v == "true");
  CHECK_FALSE(p.Get("DELAY", &v));
  CHECK_FALSE(p.Get("TAG", &v));  // prefixes do not match
}

TEST_CASE("properties: last item without trailing separator") {
  std::string s = "KEYS\x01k1\x02TAGS\x01TagA";
  std::string_view v;
  REQUIRE(PropertiesView(s).Get("TAGS", &v));
  CHECK(v == "TagA");
}

TEST_CASE("properties: short and empty items are skipped") {
  // Java's string2messageProperties skips items shorter than 3 or without a separator.
  std::string s = "\x02\x02" "A\x01\x02" "\x01v\x02" "xy\x02" "B\x01" "b\x02";
  PropertiesView p(s);
  std::string_view v;
  CHECK_FALSE(p.Get("A", &v));   // empty value
  CHECK_FALSE(p.Get("", &v));    // empty name
  CHECK_FALSE(p.Get("xy", &v));  // no name/value separator
  REQUIRE(p.Get("B", &v));
  CHECK(v == "b");
}

TEST_CASE("properties: value may contain the name/value separator") {
  std::string s = "K\x01" "a\x01" "b\x02";
  std::string_view v;
  REQUIRE(PropertiesView(s).Get("K", &v));
  CHECK(v == "a\x01" "b");
}

TEST_CASE("properties: empty string has nothing") {
  std::string_view v;
  CHECK_FALSE(PropertiesView("").Get("K", &v));
  CHECK_FALSE(PropertiesView("\x02").Get("K", &v));
}

TEST_CASE("properties: first occurrence wins") {
  std::string s = "K\x01one\x02K\x01two\x02";
  std::string_view v;
  REQUIRE(PropertiesView(s).Get("K", &v));
  CHECK(v == "one");
}

// ---- AppendProperty -------------------------------------------------------------------------

TEST_CASE("AppendProperty: Java's encoding with a trailing separator") {
  CHECK(Props({{"KEYS", "k"}, {"TAGS", "t"}}) == "KEYS\x01k\x02TAGS\x01t\x02");
}

TEST_CASE("AppendProperty: onto a string without a trailing separator") {
  std::string s = "KEYS\x01k";
  AppendProperty(&s, "REAL_QID", "3");
  CHECK(s == "KEYS\x01k\x02REAL_QID\x01" "3\x02");
  std::string_view v;
  REQUIRE(PropertiesView(s).Get("REAL_QID", &v));
  CHECK(v == "3");
  REQUIRE(PropertiesView(s).Get("KEYS", &v));
  CHECK(v == "k");
}

TEST_CASE("AppendProperty: onto an empty string") {
  std::string s;
  AppendProperty(&s, "A", "b");
  CHECK(s == "A\x01" "b\x02");
}

// ---- offset message ids ---------------------------------------------------------------------

TEST_CASE("offset msg id: reference example") {
  const uint8_t ip[] = {10, 0, 0, 1};
  CHECK(CreateOffsetMessageId(ip, 4, 10911, 3102) == "0A00000100002A9F0000000000000C1E");
}

TEST_CASE("offset msg id: round trip") {
  const uint8_t ip[] = {192, 168, 255, 7};
  for (int64_t off : {int64_t(0), int64_t(1), int64_t(1) << 40, INT64_MAX}) {
    std::string id = CreateOffsetMessageId(ip, 4, 65535, off);
    CHECK(id.size() == 32);
    std::string host;
    int64_t decoded = -1;
    REQUIRE(DecodeOffsetMessageId(id, &host, &decoded));
    CHECK(host == "192.168.255.7:65535");
    CHECK(decoded == off);
  }
}

TEST_CASE("offset msg id: decode reference example and lowercase hex") {
  std::string host;
  int64_t off = 0;
  REQUIRE(DecodeOffsetMessageId("0A00000100002A9F0000000000000C1E", &host, &off));
  CHECK(host == "10.0.0.1:10911");
  CHECK(off == 3102);
  REQUIRE(DecodeOffsetMessageId("0a00000100002a9f0000000000000c1e", &host, &off));
  CHECK(host == "10.0.0.1:10911");
}

TEST_CASE("offset msg id: IPv6 store host encodes 16 address bytes") {
  uint8_t ip[16] = {};
  ip[15] = 1;
  std::string id = CreateOffsetMessageId(ip, 16, 10911, 5);
  CHECK(id.size() == 56);
  CHECK(id.substr(0, 32) == "00000000000000000000000000000001");
}

TEST_CASE("offset msg id: wrong length is malformed") {
  std::string host;
  int64_t off = 0;
  CHECK_FALSE(DecodeOffsetMessageId("", &host, &off));
  CHECK_FALSE(DecodeOffsetMessageId("0A00000100002A9F0000000000000C1", &host, &off));
  CHECK_FALSE(DecodeOffsetMessageId("0A00000100002A9F0000000000000C1E0", &host, &off));
  // A Java unique id (UNIQ_KEY) is 32 hex chars too but decodes; 24-char ids do not.
  CHECK_FALSE(DecodeOffsetMessageId("0A00000100002A9F00000000", &host, &off));
}

TEST_CASE("offset msg id: non-hex characters are malformed") {
  std::string host;
  int64_t off = 0;
  CHECK_FALSE(DecodeOffsetMessageId("0G00000100002A9F0000000000000C1E", &host, &off));
  CHECK_FALSE(DecodeOffsetMessageId("0A00000100002A9F0000000000000C1 ", &host, &off));
  std::string with_nul = "0A00000100002A9F0000000000000C1E";
  with_nul[9] = '\0';
  CHECK_FALSE(DecodeOffsetMessageId(with_nul, &host, &off));
}

TEST_CASE("offset msg id: port with the high bit set decodes without overflow") {
  std::string host;
  int64_t off = 0;
  REQUIRE(DecodeOffsetMessageId("7F000001FFFFFFFF8000000000000000", &host, &off));
  CHECK(host == "127.0.0.1:-1");
  CHECK(off == INT64_MIN);
}

namespace rmq::protocol {
namespace {

std::string BatchItemBytes(int32_t flag, std::string_view body, std::string_view props, int32_t total_delta = 0) {
  std::string out;
  uint32_t total = static_cast<uint32_t>(22 + body.size() + props.size()) + static_cast<uint32_t>(total_delta);
  for (uint32_t v : {total, 0u, 0u, static_cast<uint32_t>(flag), static_cast<uint32_t>(body.size())}) {
    PutFixed32(&out, v);
  }
  out.append(body);
  PutFixed16(&out, static_cast<uint16_t>(props.size()));
  out.append(props);
  return out;
}

TEST_CASE("DecodeBatchBody: items in order, views into the body") {
  std::string body = BatchItemBytes(7, "hello", "a\x01" "1") + BatchItemBytes(0, "", "");
  std::vector<BatchItem> items;
  REQUIRE(DecodeBatchBody(body, &items));
  REQUIRE(items.size() == 2);
  CHECK(items[0].flag == 7);
  CHECK(items[0].body == "hello");
  CHECK(items[0].properties == "a\x01" "1");
  CHECK(items[1].body.empty());
  CHECK(items[0].body.data() >= body.data());
}

TEST_CASE("DecodeBatchBody: empty, truncated and inconsistent bodies are refused") {
  std::vector<BatchItem> items;
  CHECK_FALSE(DecodeBatchBody("", &items));
  std::string one = BatchItemBytes(0, "body", "p\x01v");
  for (size_t cut = 1; cut < one.size(); ++cut) CHECK_FALSE(DecodeBatchBody(std::string_view(one).substr(0, cut), &items));
  CHECK_FALSE(DecodeBatchBody(one + "x", &items));                          // trailing bytes
  CHECK_FALSE(DecodeBatchBody(BatchItemBytes(0, "body", "", 100), &items));  // totalSize past the end
  CHECK_FALSE(DecodeBatchBody(BatchItemBytes(0, "body", "pp", -2), &items)); // properties past totalSize
  std::string huge_body_len = one;
  huge_body_len[16] = '\x7f';
  CHECK_FALSE(DecodeBatchBody(huge_body_len, &items));
}

}  // namespace
}  // namespace rmq::protocol
TEST_CASE("CheckProducerSysFlag: what stock producers send is accepted") {
  CHECK(CheckProducerSysFlag(0, false).ok());
  CHECK(CheckProducerSysFlag(kSysFlagCompressed, false).ok());
  CHECK(CheckProducerSysFlag(0x301, false).ok());  // COMPRESSED + ZLIB, the 4.9.8 and 5.3.1 clients
  CHECK(CheckProducerSysFlag(0x101, false).ok());  // LZ4
  CHECK(CheckProducerSysFlag(kSysFlagMultiTags, false).ok());
  CHECK(CheckProducerSysFlag(kSysFlagTransactionPrepared, true).ok());  // a half message
  CHECK(CheckProducerSysFlag(kSysFlagTransactionCommit, false).ok());   // dispatched like NOT_TYPE
  CHECK(CheckProducerSysFlag(kSysFlagBornHostV6 | kSysFlagStoreHostV6, false).ok());  // the broker resets these
  CHECK(CheckProducerSysFlag(kSysFlagInnerBatch | kSysFlagNeedUnwrap, false).ok());
}

TEST_CASE("CheckProducerSysFlag: -1 and undefined bits are refused with a remark naming them") {
  Status s = CheckProducerSysFlag(-1, false);
  REQUIRE(s.IsInvalidArgument());
  CHECK(s.message() == "the message sysFlag[-1] is illegal: bits 0xfffff800 are not defined by MessageSysFlag");
  CHECK(CheckProducerSysFlag(INT32_MIN, false).IsInvalidArgument());
  CHECK(CheckProducerSysFlag(0x800, false).IsInvalidArgument());
  CHECK(CheckProducerSysFlag(0x10000, true).IsInvalidArgument());
}

TEST_CASE("CheckProducerSysFlag: compression types above ZLIB are refused") {
  CHECK(CheckProducerSysFlag(0x401, false).IsInvalidArgument());
  CHECK(CheckProducerSysFlag(0x700, false).IsInvalidArgument());
}

TEST_CASE("CheckProducerSysFlag: transaction types that are never consumable are refused") {
  CHECK(CheckProducerSysFlag(kSysFlagTransactionRollback, false).IsInvalidArgument());
  CHECK(CheckProducerSysFlag(kSysFlagTransactionRollback, true).IsInvalidArgument());
  Status s = CheckProducerSysFlag(kSysFlagTransactionPrepared, false);
  REQUIRE(s.IsInvalidArgument());
  CHECK(s.message() == "the message sysFlag[4] is illegal: transaction type PREPARED without the TRAN_MSG property");
}
