#include "server/broker/transactional_message_util.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/message.h"
#include "protocol/request_code.h"
#include "server/broker/topic_config_manager.h"
#include "server/broker/transactional_message_service.h"
#include "store/commit_log_record.h"
#include "store/store_test_util.h"

namespace rmq::server {
namespace {

using protocol::PropertiesView;

std::string Prop(std::string_view props, const char* name) {
  std::string_view v;
  return PropertiesView(props).Get(name, &v) ? std::string(v) : std::string("<absent>");
}

std::string SendProps(const std::string& group) {
  std::string p;
  protocol::AppendProperty(&p, "TRAN_MSG", "true");
  protocol::AppendProperty(&p, "PGROUP", group);
  protocol::AppendProperty(&p, "UNIQ_KEY", "AC11000100002A9F0000000000000001");
  protocol::AppendProperty(&p, "TAGS", "TagA");
  return p;
}

TEST_CASE("transaction: the half message is the send map re-serialized with REAL_TOPIC/REAL_QID (WAIT kept)") {
  std::string sent = SendProps("pg");
  protocol::AppendProperty(&sent, "WAIT", "true");
  HalfMessageRewrite h = RewriteAsHalfMessage(PropertyMap::Parse(sent), "T", 3, 0x4);
  PropertyMap expected = PropertyMap::Parse(sent);
  expected.Put("REAL_TOPIC", "T");
  expected.Put("REAL_QID", "3");
  CHECK(h.properties == expected.Encode());
  CHECK(h.properties.back() != protocol::kPropertySeparator);
  CHECK(Prop(h.properties, "WAIT") == "true");
}

TEST_CASE("transaction: half message rewrite saves the real topic and queue and clears the tx bits") {
  HalfMessageRewrite h = RewriteAsHalfMessage(PropertyMap::Parse(SendProps("pg")), "T", 3, 0x4 | 0x1);
  CHECK(Prop(h.properties, "REAL_TOPIC") == "T");
  CHECK(Prop(h.properties, "REAL_QID") == "3");
  CHECK(Prop(h.properties, "TRAN_MSG") == "true");
  CHECK(h.sys_flag == 0x1);
}

TEST_CASE("transaction: commit message goes to the real topic with COMMIT bits and the half's properties") {
  HalfMessageRewrite h = RewriteAsHalfMessage(PropertyMap::Parse(SendProps("pg")), "T", 2, 0x4);
  store::RecordView half;
  half.properties = h.properties;
  half.sys_flag = h.sys_flag;
  half.physical_offset = 4096;
  CommitMessage c;
  REQUIRE(BuildCommitMessage(half, &c).ok());
  CHECK(c.topic == "T");
  CHECK(c.queue_id == 2);
  CHECK(c.sys_flag == kTransactionCommitType);
  CHECK(c.prepared_transaction_offset == 4096);
  // Java 4.9 keeps REAL_TOPIC/REAL_QID/TRAN_MSG in the stored string.
  CHECK(c.properties == h.properties);
}

TEST_CASE("transaction: the CHECK_TRANSACTION_STATE body carries WAIT=false and the real topic") {
  std::string sent = SendProps("pg");
  protocol::AppendProperty(&sent, "WAIT", "true");
  HalfMessageRewrite h = RewriteAsHalfMessage(PropertyMap::Parse(sent), "T", 2, 0x4);
  store::RecordView half;
  half.topic = kTransHalfTopic;
  half.properties = h.properties;
  half.sys_flag = h.sys_flag;
  half.body = "body";
  half.queue_offset = 5;
  half.physical_offset = 4096;
  std::string body;
  REQUIRE(EncodeCheckBody(half, &body).ok());
  store::RecordView v;
  REQUIRE(store::DecodeRecord(body, &v, false).ok());
  CHECK(v.topic == "T");
  CHECK(v.queue_id == 2);
  CHECK(v.body == "body");
  CHECK(Prop(v.properties, "WAIT") == "false");  // Java's renewHalfMessageInner sets it in the shared map
  CHECK(Prop(v.properties, "REAL_TOPIC") == "T");
  PropertyMap expected = PropertyMap::Parse(h.properties);
  expected.Put("WAIT", "false");
  CHECK(std::string(v.properties) == expected.Encode());
}

TEST_CASE("transaction: commit of a record without REAL_QID is refused") {
  store::RecordView half;
  std::string p = SendProps("pg");
  protocol::AppendProperty(&p, "REAL_TOPIC", "T");
  protocol::AppendProperty(&p, "REAL_QID", "x");
  half.properties = p;
  CommitMessage c;
  CHECK(BuildCommitMessage(half, &c).IsInvalidArgument());
}

TEST_CASE("transaction: END_TRANSACTION is checked against the half message in Java's order") {
  std::string p = SendProps("pg");
  store::RecordView half;
  half.properties = p;
  half.queue_offset = 7;
  half.physical_offset = 900;
  CHECK(CheckPrepareMessage(half, "pg", 7, 900).empty());
  CHECK(CheckPrepareMessage(half, "other", 8, 901) == "The producer group wrong");
  CHECK(CheckPrepareMessage(half, "pg", 8, 901) == "The transaction state table offset wrong");
  CHECK(CheckPrepareMessage(half, "pg", 7, 901) == "The commit log offset wrong");
  store::RecordView no_group;
  CHECK(CheckPrepareMessage(no_group, "pg", 0, 0) == "The producer group wrong");
}

TEST_CASE("transaction: op record body and Java's getLong") {
  CHECK(OpRecordBody(0) == "0");
  CHECK(OpRecordBody(123456789012) == "123456789012");
  CHECK(ParseJavaLong("42") == 42);
  CHECK(ParseJavaLong("4x") == -1);
  CHECK(ParseJavaLong("") == -1);
}

TEST_CASE("transaction: check times count up to transactionCheckMax, then discard") {
  CHECK(NextCheckTimes(std::nullopt, 15) == 1);
  CHECK(NextCheckTimes("1", 15) == 2);
  CHECK(NextCheckTimes("14", 15) == 15);
  CHECK_FALSE(NextCheckTimes("15", 15).has_value());
  CHECK_FALSE(NextCheckTimes("99", 15).has_value());
  CHECK(NextCheckTimes("junk", 15) == 0);  // Java's getInt gives -1
}

TEST_CASE("transaction: check immunity time") {
  CHECK(CheckImmunityMs(std::nullopt, 6000) == 6000);
  CHECK(CheckImmunityMs("20", 6000) == 20000);
  CHECK(CheckImmunityMs("bad", 6000) == 6000);
}

TEST_CASE("transaction: op queue progress moves over the contiguous done run only") {
  CHECK(CalculateOpOffset({}, 5) == 5);
  CHECK(CalculateOpOffset({7, 5, 6}, 5) == 8);
  CHECK(CalculateOpOffset({5, 7}, 5) == 6);
  CHECK(CalculateOpOffset({6, 7}, 5) == 5);
}

// ---- the check service over a temp store ----------------------------------------------------

struct Fixture {
  store::testing::TempDir dir;
  std::unique_ptr<store::MessageStore> store;
  ConsumerOffsetManager offsets{dir.Sub("consumerOffset.json")};
  std::vector<protocol::RemotingCommand> sent;
  std::vector<std::string> sent_groups;
  bool producer_online = true;
  std::unique_ptr<TransactionalMessageService> svc;
  store::HostAddress host;

  Fixture() {
    store = std::make_unique<store::MessageStore>(store::testing::SmallConfig(dir.Sub("store")));
    REQUIRE(store->Open().ok());
    host.ip[0] = 127;
    host.ip[3] = 1;
    host.port = 10911;
    svc = std::make_unique<TransactionalMessageService>(*store, offsets, host,
                                                        [this](const std::string& g, protocol::RemotingCommand&& r) {
                                                          if (!producer_online) return false;
                                                          sent_groups.push_back(g);
                                                          sent.push_back(std::move(r));
                                                          return true;
                                                        });
  }
  ~Fixture() { store->Shutdown(); }

  // A half message as the send path stores it; returns its CommitLog offset.
  int64_t PutHalf(int64_t born_ms, const std::string& extra_props = "") {
    HalfMessageRewrite h = RewriteAsHalfMessage(PropertyMap::Parse(SendProps("pg") + extra_props), "T", 1, 0x4);
    store::MessageToStore m;
    m.topic = kTransHalfTopic;
    m.queue_id = 0;
    m.sys_flag = h.sys_flag;
    m.born_timestamp = born_ms;
    m.born_host = host;
    m.store_host = host;
    m.body = "body";
    m.properties = h.properties;
    store::PutMessageResult r = store->PutMessage(m);
    REQUIRE(r.status == store::PutMessageStatus::kPutOk);
    return r.wrote_offset;
  }
  store::RecordView Read(int64_t phy, store::SelectedMessage* hold) {
    Result<store::SelectedMessage> s = store->LookMessageByOffset(phy);
    REQUIRE(s.ok());
    *hold = *s;
    store::RecordView v;
    REQUIRE(store::DecodeRecord(hold->data, &v, false).ok());
    return v;
  }
  int64_t HalfProgress() const { return offsets.QueryOffset(kTransConsumerGroup, kTransHalfTopic, 0); }
  int64_t OpProgress() const { return offsets.QueryOffset(kTransConsumerGroup, kTransOpHalfTopic, 0); }
};

int64_t Now() { return NowMillis(); }

TEST_CASE("transaction check: an old undecided half message is re-appended and checked once per run") {
  Fixture f;
  TransactionCheckConfig cfg;
  cfg.transaction_timeout_ms = 1000;
  f.PutHalf(Now() - 5000);
  CHECK(f.svc->Check(Now() + 1, cfg) == 1);
  REQUIRE(f.sent.size() == 1);
  const protocol::RemotingCommand& req = f.sent[0];
  CHECK(req.code == static_cast<int32_t>(protocol::RequestCode::kCheckTransactionState));
  CHECK(f.sent_groups[0] == "pg");
  CHECK(*req.ext_fields.Find("tranStateTableOffset") == "1");  // the re-appended copy
  CHECK(*req.ext_fields.Find("msgId") == "AC11000100002A9F0000000000000001");
  CHECK(*req.ext_fields.Find("transactionId") == "AC11000100002A9F0000000000000001");
  // Body: the half message with the real topic/queue restored and the check count.
  store::RecordView body;
  REQUIRE(store::DecodeRecord(req.Body(), &body).ok());
  CHECK(body.topic == "T");
  CHECK(body.queue_id == 1);
  CHECK(body.queue_offset == 1);
  CHECK(Prop(body.properties, "TRANSACTION_CHECK_TIMES") == "1");
  CHECK(f.HalfProgress() == 1);
  CHECK(f.store->GetMaxOffsetInQueue(kTransHalfTopic, 0) == 2);

  // Next run: the copy is checked again with the count incremented.
  CHECK(f.svc->Check(Now() + 2, cfg) == 1);
  store::RecordView body2;
  REQUIRE(store::DecodeRecord(f.sent[1].Body(), &body2).ok());
  CHECK(Prop(body2.properties, "TRANSACTION_CHECK_TIMES") == "2");
  CHECK(f.HalfProgress() == 2);
}

TEST_CASE("transaction check: a half message with an op record is passed over and op progress moves") {
  Fixture f;
  TransactionCheckConfig cfg;
  cfg.transaction_timeout_ms = 1000;
  int64_t phy = f.PutHalf(Now() - 5000);
  store::SelectedMessage hold;
  REQUIRE(f.svc->DeletePrepareMessage(f.Read(phy, &hold)));
  // The op record: tag "d", body "0".
  store::MessageStore::ConsumeQueueEntry e;
  REQUIRE(f.store->GetConsumeQueueEntry(kTransOpHalfTopic, 0, 0, &e));
  store::SelectedMessage op_hold;
  store::RecordView op = f.Read(e.commit_log_offset, &op_hold);
  CHECK(op.body == "0");
  CHECK(Prop(op.properties, "TAGS") == "d");

  CHECK(f.svc->Check(Now() + 1, cfg) == 0);
  CHECK(f.sent.empty());
  CHECK(f.HalfProgress() == 1);
  CHECK(f.OpProgress() == 1);
}

TEST_CASE("transaction check: a message younger than transactionTimeOut stops the run") {
  Fixture f;
  TransactionCheckConfig cfg;
  cfg.transaction_timeout_ms = 60000;
  f.PutHalf(Now() - 5000);
  CHECK(f.svc->Check(Now() + 1, cfg) == 0);
  CHECK(f.HalfProgress() == 0);
  cfg.transaction_timeout_ms = 1000;
  CHECK(f.svc->Check(Now() + 1, cfg) == 1);
}

TEST_CASE("transaction check: CHECK_IMMUNITY_TIME_IN_SECONDS overrides the timeout") {
  Fixture f;
  TransactionCheckConfig cfg;
  cfg.transaction_timeout_ms = 1000;
  std::string extra;
  protocol::AppendProperty(&extra, "CHECK_IMMUNITY_TIME_IN_SECONDS", "3600");
  f.PutHalf(Now() - 5000, extra);
  CHECK(f.svc->Check(Now() + 1, cfg) == 0);
  // Java puts it back once, remembering its first queue offset, and moves on.
  CHECK(f.HalfProgress() == 1);
  store::MessageStore::ConsumeQueueEntry e;
  REQUIRE(f.store->GetConsumeQueueEntry(kTransHalfTopic, 0, 1, &e));
  store::SelectedMessage hold;
  CHECK(Prop(f.Read(e.commit_log_offset, &hold).properties, "TRAN_PREPARED_QUEUE_OFFSET") == "0");
}

TEST_CASE("transaction check: after transactionCheckMax checks the message is dropped (4.9)") {
  Fixture f;
  TransactionCheckConfig cfg;
  cfg.transaction_timeout_ms = 1000;
  cfg.transaction_check_max = 2;
  f.PutHalf(Now() - 5000);
  CHECK(f.svc->Check(Now() + 1, cfg) == 1);
  CHECK(f.svc->Check(Now() + 1, cfg) == 1);
  CHECK(f.svc->Check(Now() + 1, cfg) == 0);  // "2" >= max: discarded, nothing re-appended
  CHECK(f.store->GetMaxOffsetInQueue(kTransHalfTopic, 0) == 3);
  CHECK(f.HalfProgress() == 3);
}

TEST_CASE("transaction check: without a live producer the message is still re-appended (Java)") {
  Fixture f;
  TransactionCheckConfig cfg;
  cfg.transaction_timeout_ms = 1000;
  f.producer_online = false;
  f.PutHalf(Now() - 5000);
  CHECK(f.svc->Check(Now() + 1, cfg) == 1);
  CHECK(f.sent.empty());
  CHECK(f.store->GetMaxOffsetInQueue(kTransHalfTopic, 0) == 2);
}

}  // namespace
}  // namespace rmq::server
