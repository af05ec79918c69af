// libFuzzer target for the JSON request bodies rmqd decodes (and the compressed REGISTER_BROKER
// body). The first input byte picks the shape, the rest is the body, decoded the way the handler
// does it:
//   0 HEART_BEAT (34): consumer and producer sets, each subscription via ParseSubscriptionData,
//     and the ACL gate's view of the same body (ParseAccessResource)
//   1 REGISTER_BROKER (103) JSON body     2 REGISTER_BROKER compressed body (version head, then all)
//   3 a topic config (topics.json entries, REGISTER_BROKER's table)
//   4 UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200)   5 QUERY_DATA_VERSION (322) DataVersion
//   6 LOCK_BATCH_MQ / UNLOCK_BATCH_MQ (41/42) and the offset bodies: mqSet walks
//   7 CHECK_CLIENT_CONFIG (46): subscriptionData, SQL92 compiled
// Built by tools/run_fuzz.sh (make fuzz); excluded from the normal build.
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "acl/access_resource.h"
#include "common/json.h"
#include "filter/sql_expression.h"
#include "protocol/remoting_command.h"
#include "protocol/request_code.h"
#include "server/broker/client_manager.h"
#include "server/broker/subscription_group_manager.h"
#include "server/register_broker_body.h"
#include "server/topic_config.h"

namespace {

using namespace rmq;

bool ParseObject(std::string_view body, rapidjson::Document* doc) {
  return json::Parse(json::NormalizeFastjson(body), doc).ok() && doc->IsObject();
}

void HeartBeat(std::string_view body) {
  rapidjson::Document doc;
  if (ParseObject(body, &doc)) {
    std::string s;
    (void)json::GetString(doc, "clientID", &s);
    if (const auto* consumers = json::GetArray(doc, "consumerDataSet")) {
      for (const auto& c : consumers->GetArray()) {
        (void)json::GetString(c, "groupName", &s);
        (void)json::GetString(c, "consumeType", &s);
        if (const auto* set = json::GetArray(c, "subscriptionDataSet")) {
          for (const auto& v : set->GetArray()) {
            server::SubscriptionData sd;
            (void)server::ParseSubscriptionData(v, &sd);
          }
        }
      }
    }
    if (const auto* producers = json::GetArray(doc, "producerDataSet")) {
      for (const auto& p : producers->GetArray()) (void)json::GetString(p, "groupName", &s);
    }
  }
  protocol::RemotingCommand req = protocol::RemotingCommand::CreateRequest(static_cast<int32_t>(protocol::RequestCode::kHeartBeat));
  req.SetBodyView(body);
  (void)acl::ParseAccessResource(req, "127.0.0.1", {acl::AclRule::kHeartbeat});
}

void MqSet(std::string_view body) {
  rapidjson::Document doc;
  if (!ParseObject(body, &doc)) return;
  std::string s;
  int32_t qid = 0;
  (void)json::GetString(doc, "consumerGroup", &s);
  (void)json::GetString(doc, "clientId", &s);
  for (const char* key : {"mqSet", "offsetTable"}) {
    if (const auto* set = json::GetArray(doc, key)) {
      for (const auto& mq : set->GetArray()) {
        (void)json::GetString(mq, "topic", &s);
        (void)json::GetString(mq, "brokerName", &s);
        (void)json::GetInt32(mq, "queueId", &qid);
      }
    }
    if (const auto* table = json::GetObject(doc, key)) {
      for (auto m = table->MemberBegin(); m != table->MemberEnd(); ++m) (void)json::ScalarToString(m->value, &s);
    }
  }
}

void CheckClientConfig(std::string_view body) {
  rapidjson::Document doc;
  if (!ParseObject(body, &doc)) return;
  const auto* sub = json::GetObject(doc, "subscriptionData");
  std::string expression;
  if (sub != nullptr && json::GetString(*sub, "subString", &expression)) (void)filter::SqlExpression::Compile(expression);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0: HeartBeat(body); break;
    case 1: {  // the JSON form, walked as HandleRegisterBroker's ParseRegisterBody does
      rapidjson::Document doc;
      if (!ParseObject(body, &doc)) break;
      const rapidjson::Value* wrapper = json::GetObject(doc, "topicConfigSerializeWrapper");
      if (wrapper == nullptr) wrapper = &doc;
      server::DataVersion dv;
      if (const auto* v = json::GetObject(*wrapper, "dataVersion")) (void)server::ParseDataVersion(*v, &dv);
      if (const auto* table = json::GetObject(*wrapper, "topicConfigTable")) {
        for (auto m = table->MemberBegin(); m != table->MemberEnd(); ++m) {
          server::TopicConfig tc;
          (void)server::ParseTopicConfig(m->value, &tc);
        }
      }
      break;
    }
    case 2: {
      server::DataVersion dv;
      server::TopicTable topics;
      (void)server::DecodeCompressedRegisterVersion(body, &dv);
      (void)server::DecodeCompressedRegisterBody(body, &dv, &topics);
      break;
    }
    case 3: {
      rapidjson::Document doc;
      server::TopicConfig tc;
      if (ParseObject(body, &doc)) (void)server::ParseTopicConfig(doc, &tc);
      break;
    }
    case 4: {
      rapidjson::Document doc;
      server::SubscriptionGroupConfig g;
      if (json::Parse(body, &doc).ok()) (void)server::ParseSubscriptionGroup(doc, &g);
      break;
    }
    case 5: {
      rapidjson::Document doc;
      server::DataVersion dv;
      if (json::Parse(body, &doc).ok()) (void)server::ParseDataVersion(doc, &dv);
      break;
    }
    case 6: MqSet(body); break;
    default: CheckClientConfig(body); break;
  }
  return 0;
}
