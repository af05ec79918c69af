// Golden frames captured from the official Java 4.9.8 client and 4.9.7 servers
// (src/protocol/testdata/README.md). Each must decode to the fields Java sent, and re-encode to
// the same bytes (ROCKETMQ) or the same fields (JSON).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <rapidjson/document.h>

#include "common/coding.h"
#include "common/json.h"
#include "protocol/headers/message_headers.h"
#include "protocol/message.h"
#include "protocol/remoting_command.h"

using namespace rmq;
using namespace rmq::protocol;
namespace fs = std::filesystem;

namespace {

// Tests run from the repository root; RMQ_TESTDATA_DIR may point elsewhere.
fs::path TestdataDir() {
  std::vector<fs::path> candidates;
#ifdef RMQ_TESTDATA_DIR
  candidates.emplace_back(RMQ_TESTDATA_DIR);
#endif
  candidates.push_back(fs::path(__FILE__).parent_path() / "testdata");
  candidates.emplace_back("src/protocol/testdata");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec)) return c;
  }
  return {};
}

std::vector<fs::path> GoldenFiles() {
  std::vector<fs::path> out;
  fs::path dir = TestdataDir();
  if (dir.empty()) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".hex") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The file's hex digits as bytes; whitespace and '#' comment lines are ignored.
std::string ReadHex(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open ", path.string());
  std::string line, digits;
  while (std::getline(in, line)) {
    size_t b = line.find_first_not_of(" \t\r");
    if (b != std::string::npos && line[b] == '#') continue;
    for (char c : line)
      if (std::isxdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  REQUIRE_MESSAGE(digits.size() % 2 == 0, path.string(), ": odd number of hex digits");
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string out;
  for (size_t i = 0; i < digits.size(); i += 2)
    out.push_back(static_cast<char>(nibble(digits[i]) * 16 + nibble(digits[i + 1])));
  return out;
}

// A golden frame: the whole bytes (with the length word) and the decoded command, which
// borrows its body from `bytes`.
struct Golden {
  std::string bytes;
  std::optional<RemotingCommand> cmd;
};

void LoadInto(const fs::path& path, Golden* g) {
  g->bytes = ReadHex(path);
  INFO("file: ", path.filename().string());
  REQUIRE(g->bytes.size() >= 8);
  REQUIRE(DecodeFixed32(g->bytes.data()) == g->bytes.size() - 4);
  auto r = DecodeFrame(std::string_view(g->bytes).substr(4));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  g->cmd = std::move(r.value());
}

void LoadGolden(const std::string& name, Golden* g) {
  fs::path dir = TestdataDir();
  REQUIRE_MESSAGE(!dir.empty(), "src/protocol/testdata not found; run the tests from the repository root");
  LoadInto(dir / (name + ".hex"), g);
}

void CheckSameFields(const RemotingCommand& a, const RemotingCommand& b) {
  CHECK(a.code == b.code);
  CHECK(a.language == b.language);
  CHECK(a.version == b.version);
  CHECK(a.opaque == b.opaque);
  CHECK(a.flag == b.flag);
  CHECK(a.serialize_type == b.serialize_type);
  CHECK(a.remark.has_value() == b.remark.has_value());
  if (a.remark && b.remark) CHECK(*a.remark == *b.remark);
  CHECK(a.ext_fields.items() == b.ext_fields.items());
  CHECK(a.Body() == b.Body());
}

// Re-encodes `g` and checks the result decodes to the same command. ROCKETMQ frames must also
// be byte-for-byte equal, since extFields keep Java's order; rmqd's JSON writer uses fastjson's
// key order too, so JSON frames are compared byte for byte as well.
void CheckRoundTrip(const Golden& g) {
  std::string again = EncodeFrame(*g.cmd);
  REQUIRE(DecodeFixed32(again.data()) == again.size() - 4);
  auto r = DecodeFrame(std::string_view(again).substr(4));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CheckSameFields(*g.cmd, *r);
  CHECK(again == g.bytes);
}

std::string Ext(const RemotingCommand& c, const char* key) {
  const std::string* v = c.ext_fields.Find(key);
  return v ? *v : std::string("<absent>");
}

std::string Prefix(SerializeType t) { return t == SerializeType::kJson ? "json_" : "rocketmq_"; }

const SerializeType kBoth[] = {SerializeType::kJson, SerializeType::kRocketMQ};

}  // namespace

TEST_CASE("golden: the captured frames are present") {
  CHECK(GoldenFiles().size() >= 16);
}

TEST_CASE("golden: every .hex file decodes and round-trips") {
  for (const auto& path : GoldenFiles()) {
    INFO("file: ", path.filename().string());
    Golden g;
    LoadInto(path, &g);
    bool json = path.filename().string().rfind("json_", 0) == 0;
    CHECK(g.cmd->serialize_type == (json ? SerializeType::kJson : SerializeType::kRocketMQ));
    CHECK(g.cmd->language == LanguageCode::kJava);
    CheckRoundTrip(g);
  }
}

TEST_CASE("golden: GET_ROUTEINFO_BY_TOPIC request") {
  for (SerializeType t : kBoth) {
    Golden g;
    LoadGolden(Prefix(t) + "get_routeinfo_request", &g);
    const RemotingCommand& c = *g.cmd;
    CHECK(c.serialize_type == t);
    CHECK(c.code == 105);
    CHECK(c.opaque == 2);
    CHECK(c.version == 409);
    CHECK_FALSE(c.IsResponse());
    CHECK_FALSE(c.IsOneway());
    CHECK_FALSE(c.remark.has_value());
    CHECK(Ext(c, "topic") == "TBW102");
    CHECK(c.Body().empty());
    CheckRoundTrip(g);
  }
}

TEST_CASE("golden: GET_ROUTEINFO_BY_TOPIC response body is a fastjson route") {
  for (SerializeType t : kBoth) {
    Golden g;
    LoadGolden(Prefix(t) + "get_routeinfo_response", &g);
    const RemotingCommand& c = *g.cmd;
    CHECK(c.code == 0);
    CHECK(c.IsResponse());
    CHECK(c.opaque == 2);
    CHECK(c.version == 407);
    CHECK(c.ext_fields.empty());
    std::string norm = json::NormalizeFastjson(c.Body());
    rapidjson::Document doc;
    REQUIRE(rmq::json::Parse(norm, &doc).ok());
    const auto* bds = json::GetArray(doc, "brokerDatas");
    REQUIRE(bds != nullptr);
    REQUIRE(bds->Size() == 1);
    const auto* addrs = json::GetObject((*bds)[0], "brokerAddrs");
    REQUIRE(addrs != nullptr);
    std::string addr;
    CHECK(json::GetString(*addrs, "0", &addr));
    CHECK(addr == "127.0.0.1:20911");
    const auto* qds = json::GetArray(doc, "queueDatas");
    REQUIRE(qds != nullptr);
    int32_t w = 0;
    CHECK(json::GetInt32((*qds)[0], "writeQueueNums", &w));
    CHECK(w == 8);
    CheckRoundTrip(g);
  }
}

TEST_CASE("golden: HEART_BEAT request carries HeartbeatData JSON") {
  for (SerializeType t : kBoth) {
    Golden g;
    LoadGolden(Prefix(t) + "heart_beat_request", &g);
    const RemotingCommand& c = *g.cmd;
    CHECK(c.code == 34);
    CHECK(c.opaque == 10);
    CHECK_FALSE(c.IsResponse());
    std::string norm = json::NormalizeFastjson(c.Body());
    rapidjson::Document doc;
    REQUIRE(rmq::json::Parse(norm, &doc).ok());
    std::string client_id;
    CHECK(json::GetString(doc, "clientID", &client_id));
    CHECK(client_id == "192.0.2.2@golden");
    const auto* producers = json::GetArray(doc, "producerDataSet");
    REQUIRE(producers != nullptr);
    CHECK(producers->Size() == 2);
    CheckRoundTrip(g);
  }
}

TEST_CASE("golden: HEART_BEAT response") {
  for (SerializeType t : kBoth) {
    Golden g;
    LoadGolden(Prefix(t) + "heart_beat_response", &g);
    CHECK(g.cmd->code == 0);
    CHECK(g.cmd->IsResponse());
    CHECK(g.cmd->opaque == 10);
    CHECK(g.cmd->Body().empty());
    CheckRoundTrip(g);
  }
}

TEST_CASE("golden: SEND_MESSAGE_V2 request decodes into SendMessageRequestHeader") {
  for (SerializeType t : kBoth) {
    Golden g;
    LoadGolden(Prefix(t) + "send_message_v2_request", &g);
    const RemotingCommand& c = *g.cmd;
    CHECK(c.code == 310);
    CHECK(c.opaque == 5);
    CHECK(c.version == 409);
    SendMessageRequestHeader h;
    Status s = SendMessageRequestHeader::Decode(c.ext_fields, /*v2=*/true, &h);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    CHECK(h.producer_group == "golden_pg");
    CHECK(h.topic == (t == SerializeType::kJson ? "GoldenTopicJson" : "GoldenTopicRocketmq"));
    CHECK(h.default_topic == "TBW102");
    CHECK(h.default_topic_queue_nums == 4);
    CHECK(h.queue_id == 0);
    CHECK_FALSE(h.batch);
    PropertiesView props(h.properties);
    std::string_view v;
    REQUIRE(props.Get(kPropertyTags, &v));
    CHECK(v == "TagA");
    REQUIRE(props.Get(kPropertyKeys, &v));
    CHECK(v == "key-1");
    REQUIRE(props.Get("seq", &v));  // the last property, without a trailing separator
    CHECK(v == "1");
    CHECK(c.Body() == "golden body 中文 🚀");
    CheckRoundTrip(g);
  }
}

TEST_CASE("golden: SEND_MESSAGE_V2 response carries an offset msgId") {
  for (SerializeType t : kBoth) {
    Golden g;
    LoadGolden(Prefix(t) + "send_message_v2_response", &g);
    const RemotingCommand& c = *g.cmd;
    CHECK(c.code == 0);
    CHECK(c.IsResponse());
    CHECK(c.opaque == 5);
    CHECK(Ext(c, "queueId") == "0");
    CHECK(Ext(c, "queueOffset") == "0");
    CHECK(Ext(c, "MSG_REGION") == "DefaultRegion");
    std::string host;
    int64_t offset = -1;
    REQUIRE(DecodeOffsetMessageId(Ext(c, "msgId"), &host, &offset));
    CHECK(host == "127.0.0.1:20911");
    CHECK(offset >= 0);
    CheckRoundTrip(g);
  }
}

TEST_CASE("golden: PULL_MESSAGE request decodes into PullMessageRequestHeader") {
  for (SerializeType t : kBoth) {
    Golden g;
    LoadGolden(Prefix(t) + "pull_message_request", &g);
    const RemotingCommand& c = *g.cmd;
    CHECK(c.code == 11);
    CHECK(c.opaque == 15);
    PullMessageRequestHeader h;
    Status s = PullMessageRequestHeader::Decode(c.ext_fields, &h);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    CHECK(h.consumer_group == "golden_cg");
    CHECK(h.topic == (t == SerializeType::kJson ? "GoldenTopicJson" : "GoldenTopicRocketmq"));
    CHECK(h.queue_id == 0);
    CHECK(h.queue_offset == 0);
    CHECK(h.max_msg_nums == 1);
    CHECK(h.sys_flag == kPullFlagSubscription);
    CHECK(h.suspend_timeout_millis == 20000);
    CHECK(h.subscription == "*");
    CHECK(h.expression_type == "TAG");
    CheckRoundTrip(g);
  }
}

TEST_CASE("golden: PULL_MESSAGE response is FOUND with one message") {
  for (SerializeType t : kBoth) {
    Golden g;
    LoadGolden(Prefix(t) + "pull_message_response", &g);
    const RemotingCommand& c = *g.cmd;
    CHECK(c.code == 0);
    CHECK(c.IsResponse());
    CHECK(c.opaque == 15);
    REQUIRE(c.remark.has_value());
    CHECK(*c.remark == "FOUND");
    CHECK(Ext(c, "nextBeginOffset") == "1");
    CHECK(Ext(c, "minOffset") == "0");
    CHECK(Ext(c, "maxOffset") == "1");
    REQUIRE(c.Body().size() >= 4);
    // The body is the stored message record, starting with its TOTALSIZE.
    CHECK(DecodeFixed32(c.Body().data()) == c.Body().size());
    CheckRoundTrip(g);
  }
}

TEST_CASE("golden: every truncated header is rejected") {
  // The header cut short at each byte, with hdrInfo's length saying so: the header decoders
  // themselves must notice, and nothing may read past the cut.
  for (const auto& path : GoldenFiles()) {
    INFO("file: ", path.filename().string());
    Golden g;
    LoadInto(path, &g);
    uint32_t info = DecodeFixed32(g.bytes.data() + 4);
    uint32_t header_len = info & 0xFFFFFF;
    for (uint32_t n = 0; n < header_len; ++n) {
      std::string cut(4, '\0');
      EncodeFixed32(cut.data(), (info & 0xFF000000u) | n);
      cut.append(g.bytes, 8, n);
      INFO("header cut at ", n);
      CHECK_FALSE(DecodeFrame(cut).ok());
    }
  }
}
