#include "server/broker/message_builder.h"

#include <doctest/doctest.h>

#include <string>

#include "common/coding.h"
#include "common/message_properties_test_util.h"
#include "protocol/message.h"

namespace rmq::server {
namespace {

std::string Pairs(std::initializer_list<std::pair<const char*, const char*>> pairs, bool trailing) {
  return TestProperties(pairs, trailing);
}

}  // namespace

// The expected strings are the properties the Java 4.9.7 broker stored for the same 4.9.8-client
// sends (compat-tests/scenarios/testdata/stored_bytes_java_4.9.7.txt, UNIQ_KEY shortened).
TEST_CASE("builder: a plain send stores Java's string: CLUSTER put, WAIT dropped, HashMap order") {
  std::string sent = Pairs({{"KEYS", "key1 key2"}, {"UNIQ_KEY", "U1"}, {"WAIT", "true"}, {"TAGS", "TagA"},
                            {"color", "red"}, {"size", "10"}}, true);
  PropertyMap map = SendPropertyMap(sent, "DefaultCluster");
  CHECK(StoredSendProperties(map) == Pairs({{"color", "red"}, {"size", "10"}, {"KEYS", "key1 key2"}, {"UNIQ_KEY", "U1"},
                                            {"CLUSTER", "DefaultCluster"}, {"TAGS", "TagA"}}, false));
  std::string_view wait;
  CHECK(map.Get("WAIT", &wait));  // the half message and delay parking still see it
}

TEST_CASE("builder: a delayed send keeps WAIT after DELAY in their bucket (Java's remove and put)") {
  std::string sent = Pairs({{"KEYS", "dkey"}, {"UNIQ_KEY", "U1"}, {"WAIT", "true"}, {"DELAY", "1"}, {"TAGS", "TagD"}}, true);
  PropertyMap map = SendPropertyMap(sent, "DefaultCluster");
  map.Put("REAL_TOPIC", "StoredBytesTopic");
  map.Put("REAL_QID", "0");
  CHECK(map.Encode() == Pairs({{"REAL_TOPIC", "StoredBytesTopic"}, {"KEYS", "dkey"}, {"UNIQ_KEY", "U1"},
                               {"CLUSTER", "DefaultCluster"}, {"DELAY", "1"}, {"WAIT", "true"}, {"TAGS", "TagD"},
                               {"REAL_QID", "0"}}, false));
}

TEST_CASE("builder: a batch member keeps its own properties and gets the batch's re-serialized") {
  std::string item = Pairs({{"KEYS", "bkey0"}, {"idx", "0"}, {"UNIQ_KEY", "U1"}, {"WAIT", "true"}, {"TAGS", "TagB"}}, false);
  std::string batch = BatchProperties(Pairs({{"WAIT", "true"}}, true), "DefaultCluster");
  CHECK(batch == Pairs({{"CLUSTER", "DefaultCluster"}, {"WAIT", "true"}}, false));
  CHECK(BatchItemProperties(item, batch) == item + kPropertySeparator + batch);
  CHECK(BatchItemProperties(item + kPropertySeparator, batch) == item + kPropertySeparator + batch);
  CHECK(BatchItemProperties("", batch) == batch);
  CHECK(BatchItemProperties(item, "") == item);
}

TEST_CASE("builder: the pushed reply gets PUSH_REPLY_TIME and is re-serialized") {
  std::string p = PushReplyProperties(Pairs({{"REPLY_TO_CLIENT", "c1"}}, true), 42);
  PropertyMap m = PropertyMap::Parse(p);
  std::string_view v;
  CHECK(m.Get("PUSH_REPLY_TIME", &v));
  CHECK(v == "42");
  CHECK(p.back() != kPropertySeparator);
  CHECK(p == m.Encode());
}

TEST_CASE("builder: FromSend and FromRecord fill every field; Build derives tagsCode and host bits") {
  protocol::SendMessageRequestHeader h;
  h.topic = "T";
  h.queue_id = 2;
  h.flag = 7;
  h.sys_flag = 0;
  h.born_timestamp = 1234;
  h.reconsume_times = 3;
  store::HostAddress born;
  born.v6 = true;
  born.port = 5;
  store::HostAddress host;
  host.port = 10911;
  MessageBuilder mb = MessageBuilder::FromSend(h, "body", born, host);
  mb.Properties(Pairs({{"TAGS", "tg"}}, false));
  const store::MessageToStore& m = mb.Build();
  CHECK(m.topic == "T");
  CHECK(m.queue_id == 2);
  CHECK(m.flag == 7);
  CHECK(m.born_timestamp == 1234);
  CHECK(m.reconsume_times == 3);
  CHECK(m.body == "body");
  CHECK(m.tags_code == JavaStringHash("tg"));
  CHECK(m.sys_flag == protocol::kSysFlagBornHostV6);
  CHECK(m.store_host.port == 10911);

  store::RecordView rec;
  rec.topic = "SCHEDULE_TOPIC_XXXX";
  rec.queue_id = 1;
  rec.flag = 9;
  rec.sys_flag = 0x8;
  rec.born_timestamp = 99;
  rec.reconsume_times = 4;
  rec.prepared_transaction_offset = 777;
  rec.body = "b";
  rec.properties = "x\x01y";
  MessageBuilder r = MessageBuilder::FromRecord(rec);
  const store::MessageToStore& c = r.Build();
  CHECK(c.topic == "SCHEDULE_TOPIC_XXXX");
  CHECK(c.flag == 9);
  CHECK(c.sys_flag == 0x8);
  CHECK(c.reconsume_times == 4);
  CHECK(c.prepared_transaction_offset == 777);
  CHECK(c.properties == "x\x01y");
  CHECK(c.tags_code == 0);
  CHECK_FALSE(c.delay_done);

  MessageBuilder due = MessageBuilder::FromDueRecord(rec, "Real", 3, "TAGS\x01z");
  const store::MessageToStore& d = due.Build();
  CHECK(d.topic == "Real");
  CHECK(d.queue_id == 3);
  CHECK(d.prepared_transaction_offset == 0);
  CHECK(d.delay_done);
  CHECK(d.tags_code == JavaStringHash("z"));
}

}  // namespace rmq::server
