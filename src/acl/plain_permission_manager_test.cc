#include "acl/plain_permission_manager.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "acl/acl_signer.h"
#include "acl/permission.h"
#include "protocol/request_code.h"
#include "server/dispatcher.h"  // the request table's ACL column

namespace rmq::acl {

namespace {

struct Home {
  std::string dir;
  Home() {
    char tmpl[] = "/tmp/rmq_acl_test.XXXXXX";
    dir = mkdtemp(tmpl);
    std::filesystem::create_directories(dir + "/conf/acl");
  }
  ~Home() { std::filesystem::remove_all(dir); }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(dir + "/" + rel, std::ios::trunc) << text;
  }
};

constexpr char kYaml[] = R"(
globalWhiteRemoteAddresses:
  - 10.10.103.*
accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - topicA=DENY
      - topicB=PUB|SUB
      - topicC=SUB
    groupPerms:
      - groupA=DENY
      - groupB=PUB|SUB
  - accessKey: rocketmq2
    secretKey: 12345678
    whiteRemoteAddress: 192.168.1.*
    admin: true
)";

// A request signed as AclClientRPCHook signs it.
protocol::RemotingCommand Signed(int32_t code, std::vector<std::pair<std::string, std::string>> fields,
                                 const std::string& ak, const std::string& sk) {
  protocol::RemotingCommand req;
  req.code = code;
  for (auto& [k, v] : fields) req.ext_fields.Set(k, v);
  req.ext_fields.Set("AccessKey", ak);
  req.ext_fields.Set("Signature", CalSignature(CombineRequestContent(req.ext_fields, "", false), sk));
  return req;
}

std::string Check(const PlainPermissionManager& m, const protocol::RemotingCommand& req,
                  const char* ip = "127.0.0.1") {
  Status s = m.Validate(ParseAccessResource(req, ip, server::AclRuleForCode(req.code)));
  return s.ok() ? "ok" : s.message();
}

constexpr int32_t kSendV2 = static_cast<int32_t>(protocol::RequestCode::kSendMessageV2);
constexpr int32_t kPull = static_cast<int32_t>(protocol::RequestCode::kPullMessage);
constexpr int32_t kCreateTopic = static_cast<int32_t>(protocol::RequestCode::kUpdateAndCreateTopic);
const std::string kPrefix = "org.apache.rocketmq.acl.common.AclException: ";
const std::string kValidate = "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:";
const std::string kCheckPerm = "org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:";

}  // namespace

TEST_CASE("validate: signatures, keys and permissions give Java's remarks") {
  Home h;
  h.Write("conf/plain_acl.yml", kYaml);
  PlainPermissionManager m(h.dir, "conf/plain_acl.yml");
  REQUIRE(m.Load().ok());

  CHECK(Check(m, Signed(kSendV2, {{"a", "pg"}, {"b", "topicB"}}, "RocketMQ", "12345678")) == "ok");
  CHECK(Check(m, Signed(kSendV2, {{"a", "pg"}, {"b", "topicB"}}, "RocketMQ", "wrongwrong")) ==
        kPrefix + "Check signature failed for accessKey=RocketMQ, " + kValidate + "683)");
  CHECK(Check(m, Signed(kSendV2, {{"b", "topicB"}}, "nobody00", "12345678")) ==
        kPrefix + "No acl config for nobody00, " + kValidate + "667)");
  protocol::RemotingCommand unsigned_req;
  unsigned_req.code = kSendV2;
  unsigned_req.ext_fields.Set("b", "topicB");
  CHECK(Check(m, unsigned_req) == kPrefix + "No accessKey is configured, " + kValidate + "663)");
  // Explicit DENY, default DENY, SUB-only topic sending.
  CHECK(Check(m, Signed(kSendV2, {{"b", "topicA"}}, "RocketMQ", "12345678")) ==
        kPrefix + "No default permission for topic:topicA, " + kCheckPerm + "610)");
  CHECK(Check(m, Signed(kSendV2, {{"b", "other"}}, "RocketMQ", "12345678")) ==
        kPrefix + "No default permission for topic:other, " + kCheckPerm + "605)");
  CHECK(Check(m, Signed(kSendV2, {{"b", "topicC"}}, "RocketMQ", "12345678")) ==
        kPrefix + "No default permission for topic:topicC, " + kCheckPerm + "610)");
  // Pull: topic SUB and the group's retry topic SUB.
  CHECK(Check(m, Signed(kPull, {{"topic", "topicC"}, {"consumerGroup", "groupB"}}, "RocketMQ", "12345678")) == "ok");
  CHECK(Check(m, Signed(kPull, {{"topic", "topicC"}, {"consumerGroup", "groupA"}}, "RocketMQ", "12345678")) ==
        kPrefix + "No default permission for group:groupA, " + kCheckPerm + "610)");
  CHECK(Check(m, Signed(kPull, {{"topic", "topicC"}, {"consumerGroup", "anyGroup"}}, "RocketMQ", "12345678")) == "ok");
  // Admin codes.
  CHECK(Check(m, Signed(kCreateTopic, {{"topic", "x"}}, "RocketMQ", "12345678")) ==
        kPrefix + "Need admin permission for request code=17, but accessKey=RocketMQ is not, " + kCheckPerm + "580)");
  CHECK(Check(m, Signed(kCreateTopic, {{"topic", "x"}}, "rocketmq2", "12345678")) == "ok");
  // White addresses: global and per account (no signature needed).
  CHECK(Check(m, unsigned_req, "10.10.103.7") == "ok");
  protocol::RemotingCommand white = unsigned_req;
  white.ext_fields.Set("AccessKey", "rocketmq2");
  CHECK(Check(m, white, "192.168.1.9") == "ok");
  CHECK(Check(m, white, "192.168.2.9") == kPrefix + "Check signature failed for accessKey=rocketmq2, " + kValidate + "683)");
  // Trace topic PUB is always allowed.
  CHECK(Check(m, Signed(kSendV2, {{"b", "RMQ_SYS_TRACE_TOPIC"}}, "RocketMQ", "12345678")) == "ok");
}

TEST_CASE("a malformed file keeps the last good configuration; fixes are picked up") {
  Home h;
  h.Write("conf/plain_acl.yml", kYaml);
  PlainPermissionManager m(h.dir, "conf/plain_acl.yml");
  REQUIRE(m.Load().ok());
  CHECK_FALSE(m.ReloadIfChanged());
  h.Write("conf/plain_acl.yml", "accounts:\n  - accessKey: [broken\n");
  CHECK_FALSE(m.ReloadIfChanged());
  CHECK(Check(m, Signed(kSendV2, {{"b", "topicB"}}, "RocketMQ", "12345678")) == "ok");
  h.Write("conf/plain_acl.yml", "accounts:\n  - accessKey: changed1\n    secretKey: 12345678\n    defaultTopicPerm: PUB\n");
  CHECK(m.ReloadIfChanged());
  CHECK(Check(m, Signed(kSendV2, {{"b", "topicB"}}, "changed1", "12345678")) == "ok");
  CHECK(Check(m, Signed(kSendV2, {{"b", "topicB"}}, "RocketMQ", "12345678")).find("No acl config for RocketMQ") !=
        std::string::npos);
}

TEST_CASE("a deeply nested file is refused at start-up and at hot reload, keeping the last good one") {
  Home h;
  std::string deep = "accounts:\n" + std::string(200000, '[') + std::string(200000, ']') + "\n";
  h.Write("conf/plain_acl.yml", deep);
  PlainPermissionManager bad(h.dir, "conf/plain_acl.yml");
  Status s = bad.Load();
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("plain_acl.yml") != std::string::npos);
  h.Write("conf/plain_acl.yml", kYaml);
  PlainPermissionManager m(h.dir, "conf/plain_acl.yml");
  REQUIRE(m.Load().ok());
  h.Write("conf/plain_acl.yml", deep);
  CHECK_FALSE(m.ReloadIfChanged());
  CHECK(Check(m, Signed(kSendV2, {{"b", "topicB"}}, "RocketMQ", "12345678")) == "ok");
}

TEST_CASE("load errors name the file: bad pattern, short keys") {
  Home h;
  h.Write("conf/plain_acl.yml", "globalWhiteRemoteAddresses: [ 'not-an-ip' ]\n");
  PlainPermissionManager m(h.dir, "conf/plain_acl.yml");
  Status s = m.Load();
  CHECK(s.message().find("plain_acl.yml: globalWhiteRemoteAddresses:") != std::string::npos);
  h.Write("conf/plain_acl.yml", "accounts:\n  - accessKey: short\n    secretKey: 12345678\n");
  CHECK(m.Load().message().find("The accessKey=short and secretKey=12345678 cannot be null") != std::string::npos);
}

TEST_CASE("the acl directory adds files; the first definition of a key wins") {
  Home h;
  h.Write("conf/plain_acl.yml", "accounts:\n  - accessKey: dupKey01\n    secretKey: fromDefault\n");
  h.Write("conf/acl/extra.yml", "accounts:\n  - accessKey: dupKey01\n    secretKey: fromExtra1\n"
                                "  - accessKey: extraKey\n    secretKey: 12345678\n    admin: true\n");
  PlainPermissionManager m(h.dir, "conf/plain_acl.yml");
  REQUIRE(m.Load().ok());
  CHECK(m.files().size() == 2);
  CHECK(Check(m, Signed(kCreateTopic, {}, "extraKey", "12345678")) == "ok");
  CHECK(Check(m, Signed(kCreateTopic, {}, "dupKey01", "fromExtra1")).find("Need admin") != std::string::npos);
}

TEST_CASE("admin operations write the files and take effect") {
  Home h;
  h.Write("conf/plain_acl.yml", kYaml);
  PlainPermissionManager m(h.dir, "conf/plain_acl.yml");
  REQUIRE(m.Load().ok());
  PlainAccessConfig c;
  c.access_key = "created01";
  c.secret_key = "12345678";
  c.default_topic_perm = "PUB";
  REQUIRE(m.UpdateAccessConfig(c, 5000).ok());
  CHECK(Check(m, Signed(kSendV2, {{"b", "t"}}, "created01", "12345678")) == "ok");
  CHECK(m.AllAclFileVersionJson().find("\"counter\":1,\"timestamp\":5000") != std::string::npos);
  CHECK(m.AclConfigVersionJson() == R"({"counter":1,"timestamp":5000})");
  c.topic_perms = std::vector<std::string>{"t=DENY"};
  REQUIRE(m.UpdateAccessConfig(c, 6000).ok());
  CHECK(Check(m, Signed(kSendV2, {{"b", "t"}}, "created01", "12345678")).find("topic:t") != std::string::npos);
  c.topic_perms = std::vector<std::string>{"t=BAD"};
  CHECK(m.UpdateAccessConfig(c, 7000).message().find("Parse resource permission error for t=BAD") == 0);
  REQUIRE(m.DeleteAccessConfig("created01", 8000).ok());
  CHECK(m.DeleteAccessConfig("created01", 9000).IsNotFound());
  REQUIRE(m.UpdateGlobalWhiteAddrsConfig({"127.0.0.1"}, "", 10000).ok());
  protocol::RemotingCommand anon;
  anon.code = kSendV2;
  CHECK(Check(m, anon) == "ok");
  CHECK(m.UpdateGlobalWhiteAddrsConfig({"127.0.0.1"}, "/etc/passwd", 1).IsNotFound());
  CHECK(m.AllAclConfigJson().find(R"("globalWhiteAddrs":["127.0.0.1"])") != std::string::npos);
}

TEST_CASE("resource mapping follows Java's parse") {
  auto resources = [](int32_t code, std::vector<std::pair<std::string, std::string>> f, std::string body = "") {
    protocol::RemotingCommand req;
    req.code = code;
    for (auto& [k, v] : f) req.ext_fields.Set(k, v);
    req.SetBody(body);
    return ParseAccessResource(req, "1.2.3.4", server::AclRuleForCode(code)).resources;
  };
  using V = std::vector<std::pair<std::string, uint8_t>>;
  CHECK(resources(10, {{"topic", "T"}, {"producerGroup", "g"}}) == V{{"T", kPermPub}});
  CHECK(resources(10, {{"topic", "%RETRY%g"}, {"producerGroup", "g"}}).empty());  // Java reads "group"
  CHECK(resources(310, {{"b", "%RETRY%g"}, {"a", "pg"}}) == V{{"%RETRY%pg", kPermSub}});
  CHECK(resources(320, {{"b", "T"}}).empty());
  CHECK(resources(36, {{"group", "g"}}) == V{{"%RETRY%g", kPermSub}});
  CHECK(resources(12, {{"topic", "T"}}) == V{{"T", kPermSub}});
  CHECK(resources(35, {{"consumerGroup", "g"}}) == V{{"%RETRY%g", kPermSub}});
  CHECK(resources(38, {{"consumerGroup", "g"}}) == V{{"%RETRY%g", kPermSub}});
  CHECK(resources(15, {{"consumerGroup", "g"}, {"topic", "T"}}).size() == 2);
  V hb = resources(34, {{"AccessKey", "k"}}, R"({"clientID":"c","consumerDataSet":[{"groupName":"cg","subscriptionDataSet":[{"topic":"T1"},{"topic":"T2"}]}],"producerDataSet":[]})");
  CHECK(hb.size() == 3);
  CHECK(ParseAccessResource([] {
          protocol::RemotingCommand r;
          r.code = 34;
          r.ext_fields.Set("AccessKey", "x");
          r.SetBody("not json");
          return r;
        }(), "1.2.3.4", {AclRule::kHeartbeat}).parse_error.has_value());
}

TEST_CASE("HashMap order is Java's: bucket by spread hash, then insertion") {
  // "T" (hash 84 -> bucket 4) comes before "%RETRY%g" when its bucket is lower.
  auto order = JavaHashMapOrder({{"%RETRY%g", kPermSub}, {"T", kPermSub}});
  REQUIRE(order.size() == 2);
  uint32_t u = 0;  // Java's String.hashCode, wrapping as Java's int does
  for (char ch : std::string("%RETRY%g")) u = 31u * u + static_cast<uint8_t>(ch);
  bool retry_first = ((u ^ (u >> 16)) & 15) < 4;
  CHECK((order[0].first == "%RETRY%g") == retry_first);
}

}  // namespace rmq::acl
