#include "acl/plain_acl_file.h"

#include <doctest/doctest.h>

namespace rmq::acl {

TEST_CASE("plain_acl.yml parses accounts, white addresses and the data version") {
  Result<PlainAclFile> r = ParsePlainAclYaml(R"(
globalWhiteRemoteAddresses:
  - 10.10.103.*
  - 192.168.0.*
accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    whiteRemoteAddress:
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - topicA=DENY
      - topicB=PUB|SUB
    groupPerms: [ "groupA=DENY" ]
  - accessKey: rocketmq2
    secretKey: "12345678"
    admin: true
dataVersion:
  - counter: 3
    timestamp: 1700000000000
)", "f.yml");
  REQUIRE(r.ok());
  const PlainAclFile& f = r.value();
  CHECK_FALSE(f.empty);
  CHECK(f.global_white_remote_addresses == std::vector<std::string>{"10.10.103.*", "192.168.0.*"});
  REQUIRE(f.accounts.size() == 2);
  CHECK(*f.accounts[0].access_key == "RocketMQ");
  CHECK(*f.accounts[0].secret_key == "12345678");
  CHECK_FALSE(f.accounts[0].white_remote_address.has_value());
  CHECK_FALSE(f.accounts[0].admin);
  CHECK(*f.accounts[0].default_topic_perm == "DENY");
  CHECK(*f.accounts[0].topic_perms == std::vector<std::string>{"topicA=DENY", "topicB=PUB|SUB"});
  CHECK(*f.accounts[0].group_perms == std::vector<std::string>{"groupA=DENY"});
  CHECK(f.accounts[1].admin);
  CHECK_FALSE(f.accounts[1].topic_perms.has_value());
  REQUIRE(f.data_version.has_value());
  CHECK(f.data_version->counter == 3);
  CHECK(f.data_version->timestamp == 1700000000000);
  CHECK(f.data_version->ToJson() == R"({"counter":3,"timestamp":1700000000000})");
}

TEST_CASE("an empty file has no data") {
  Result<PlainAclFile> r = ParsePlainAclYaml("", "f.yml");
  REQUIRE(r.ok());
  CHECK(r.value().empty);
  CHECK(ParsePlainAclYaml("# only a comment\n", "f.yml").value().empty);
}

TEST_CASE("YAML syntax errors name the file") {
  Result<PlainAclFile> r = ParsePlainAclYaml("accounts:\n  - accessKey: [unclosed\n", "/x/plain_acl.yml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().rfind("/x/plain_acl.yml: ", 0) == 0);
}

// yaml-cpp 0.7 guards its recursive node parser (500 levels, "bad file"); these inputs would
// otherwise recurse once per level. Each must be a clear error naming the file.
TEST_CASE("deeply nested YAML is an error, not a stack overflow") {
  std::string dashes, flow_map, block;
  for (int i = 0; i < 100000; ++i) dashes += "- ";
  for (int i = 0; i < 50000; ++i) flow_map += "{a: ";
  flow_map += "1" + std::string(50000, '}');
  for (int i = 0; i < 3000; ++i) block += std::string(static_cast<size_t>(i), ' ') + "a:\n";
  for (const std::string& deep : {std::string(200000, '[') + std::string(200000, ']'), dashes + "x", flow_map,
                                  "accounts:\n  - accessKey: " + std::string(100000, '[') + "\n", block}) {
    Result<PlainAclFile> r = ParsePlainAclYaml(deep, "/x/plain_acl.yml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().rfind("/x/plain_acl.yml: ", 0) == 0);
  }
  // Nesting Java's files use still parses (accounts -> account -> topicPerms list).
  CHECK(ParsePlainAclYaml("accounts:\n  - accessKey: abcdefg\n    secretKey: 12345678\n    topicPerms:\n"
                          "      - topicA=PUB\n", "f").ok());
}

TEST_CASE("wrong shapes are errors") {
  CHECK_FALSE(ParsePlainAclYaml("- a\n- b\n", "f").ok());
  CHECK(ParsePlainAclYaml("accounts: 5\n", "f").status().message() == "f: accounts is not a list");
  CHECK(ParsePlainAclYaml("accounts:\n  - 5\n", "f").status().message() == "f: an account is not a map");
  CHECK(ParsePlainAclYaml("globalWhiteRemoteAddresses: {a: 1}\n", "f").status().message() ==
        "f: globalWhiteRemoteAddresses is not a list of strings");
  CHECK(ParsePlainAclYaml("accounts:\n  - accessKey: abcdefg\n    topicPerms: x\n", "f").status().message() ==
        "f: account abcdefg has a field of the wrong type");
  CHECK(ParsePlainAclYaml("accounts:\n  - accessKey: abcdefg\n    admin: maybe\n", "f").status().message() ==
        "f: account abcdefg: admin is not true or false");
}

TEST_CASE("key length check is Java's") {
  PlainAccessConfig c;
  c.access_key = "short";
  c.secret_key = "12345678";
  CHECK(CheckPlainAccessConfig(c).message() ==
        "The accessKey=short and secretKey=12345678 cannot be null and length should longer than 6");
  c.access_key = "RocketMQ";
  c.secret_key.reset();
  CHECK(CheckPlainAccessConfig(c).message() ==
        "The accessKey=RocketMQ and secretKey=null cannot be null and length should longer than 6");
  c.secret_key = "1234567";
  CHECK(CheckPlainAccessConfig(c).ok());
}

TEST_CASE("upsert adds, updates only given fields, moves the account last and bumps the version") {
  PlainAccessConfig c;
  c.access_key = "newAccount1";
  c.secret_key = "secret123";
  c.topic_perms = std::vector<std::string>{"t1=PUB"};
  Result<std::string> t = UpsertAccount("globalWhiteRemoteAddresses: [1.2.3.4]\n", c, 1000);
  REQUIRE(t.ok());
  Result<PlainAclFile> f = ParsePlainAclYaml(t.value(), "f");
  REQUIRE(f.ok());
  CHECK(f.value().global_white_remote_addresses == std::vector<std::string>{"1.2.3.4"});
  REQUIRE(f.value().accounts.size() == 1);
  CHECK(*f.value().accounts[0].topic_perms == std::vector<std::string>{"t1=PUB"});
  CHECK(f.value().data_version->counter == 1);
  CHECK(f.value().data_version->timestamp == 1000);

  std::string two = t.value() + "";
  PlainAccessConfig other;
  other.access_key = "another1";
  other.secret_key = "secret123";
  Result<std::string> t2 = UpsertAccount(two, other, 2000);
  REQUIRE(t2.ok());
  PlainAccessConfig upd;
  upd.access_key = "newAccount1";
  upd.secret_key = "secret456";
  upd.admin = true;
  Result<std::string> t3 = UpsertAccount(t2.value(), upd, 3000);
  REQUIRE(t3.ok());
  Result<PlainAclFile> g = ParsePlainAclYaml(t3.value(), "f");
  REQUIRE(g.ok());
  REQUIRE(g.value().accounts.size() == 2);
  CHECK(*g.value().accounts[0].access_key == "another1");
  CHECK(*g.value().accounts[1].access_key == "newAccount1");
  CHECK(*g.value().accounts[1].secret_key == "secret456");
  CHECK(g.value().accounts[1].admin);
  CHECK(*g.value().accounts[1].topic_perms == std::vector<std::string>{"t1=PUB"});  // kept
  CHECK(g.value().data_version->counter == 3);
}

TEST_CASE("remove and global white replace") {
  PlainAccessConfig c;
  c.access_key = "account01";
  c.secret_key = "secret123";
  std::string text = UpsertAccount("", c, 1).value();
  CHECK(RemoveAccount(text, "nobody00", 2).status().IsNotFound());
  Result<std::string> removed = RemoveAccount(text, "account01", 2);
  REQUIRE(removed.ok());
  CHECK(ParsePlainAclYaml(removed.value(), "f").value().accounts.empty());
  Result<std::string> white = ReplaceGlobalWhiteAddrs(removed.value(), {"10.0.0.*", "127.0.0.1"}, 3);
  REQUIRE(white.ok());
  Result<PlainAclFile> f = ParsePlainAclYaml(white.value(), "f");
  CHECK(f.value().global_white_remote_addresses == std::vector<std::string>{"10.0.0.*", "127.0.0.1"});
  CHECK(f.value().data_version->counter == 3);
}

}  // namespace rmq::acl
