#include "acl/acl_signer.h"

#include <doctest/doctest.h>

namespace rmq::acl {

// Vectors computed with the real org.apache.rocketmq.acl.common.AclClientRPCHook (4.9.8).
TEST_CASE("signature matches AclClientRPCHook for a send with _UNIQUE_KEY_QUERY") {
  protocol::ExtFields f;
  f.Set("b", "TopicTest");
  f.Set("a", "pg_acl");
  f.Set("e", "1");
  f.Set("_UNIQUE_KEY_QUERY", "false");
  f.Set("AccessKey", "RocketMQ");
  f.Set("Signature", "G1kThbh7a18OHh/ZGDMI+QCsgxE=");
  std::string body = "hello \xe4\xb8\xad\xe6\x96\x87";
  std::string with = CombineRequestContent(f, body, false);
  CHECK(with == "RocketMQfalsepg_aclTopicTest1" + body);
  CHECK(CalSignature(with, "12345678") == "G1kThbh7a18OHh/ZGDMI+QCsgxE=");
  // What a 4.9.x broker computes: the field left out, so a different signature.
  std::string without = CombineRequestContent(f, body, true);
  CHECK(without == "RocketMQpg_aclTopicTest1" + body);
  CHECK(CalSignature(without, "12345678") != "G1kThbh7a18OHh/ZGDMI+QCsgxE=");
}

TEST_CASE("signature matches AclClientRPCHook with a SecurityToken and no body") {
  protocol::ExtFields f;
  f.Set("AccessKey", "rocketmq2");
  f.Set("SecurityToken", "tok");
  CHECK(CalSignature(CombineRequestContent(f, "", true), "12345678") == "qJ/70mvIiy02Ii0VsCegsMJMg+U=");
}

TEST_CASE("signature comparison") {
  CHECK(SignatureEquals("abc=", "abc="));
  CHECK_FALSE(SignatureEquals("abc=", "abd="));
  CHECK_FALSE(SignatureEquals("abc=", "abc"));
  CHECK_FALSE(SignatureEquals("", "a"));
}

}  // namespace rmq::acl
