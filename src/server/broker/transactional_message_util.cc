#include "server/broker/transactional_message_util.h"

#include <algorithm>
#include <charconv>

#include "protocol/ext_fields.h"
#include "protocol/message.h"
#include "server/broker/message_builder.h"

namespace rmq::server {

using protocol::PropertiesView;

HalfMessageRewrite RewriteAsHalfMessage(const PropertyMap& send_map, std::string_view real_topic,
                                        int32_t real_queue_id, int32_t sys_flag) {
  HalfMessageRewrite out;
  PropertyMap map = send_map;
  map.Put(kPropertyRealTopic, real_topic);
  map.Put(kPropertyRealQueueId, std::to_string(real_queue_id));
  out.properties = map.Encode();
  out.sys_flag = ResetTransactionValue(sys_flag, kTransactionNotType);
  return out;
}

namespace {

// The REAL_TOPIC/REAL_QID a half message will be committed to.
Status RealDestination(const store::RecordView& half, std::string_view* topic, int32_t* queue_id) {
  PropertiesView props(half.properties);
  std::string_view qid;
  if (!props.Get(protocol::kPropertyRealTopic, topic) || !props.Get(protocol::kPropertyRealQueueId, &qid) ||
      !protocol::ParseInt32(qid, queue_id)) {
    return Status::InvalidArgument("half message has no REAL_TOPIC/REAL_QID");
  }
  return Status::OK();
}

}  // namespace

Status BuildCommitMessage(const store::RecordView& half, CommitMessage* out) {
  std::string_view topic;
  int32_t queue_id;
  if (Status s = RealDestination(half, &topic, &queue_id); !s.ok()) return s;
  out->topic = std::string(topic);
  out->queue_id = queue_id;
  out->properties = ReserializeProperties(half.properties);
  out->sys_flag = ResetTransactionValue(half.sys_flag, kTransactionCommitType);
  out->prepared_transaction_offset = half.physical_offset;
  return Status::OK();
}

std::string CheckPrepareMessage(const store::RecordView& half, std::string_view producer_group,
                                int64_t tran_state_table_offset, int64_t commit_log_offset) {
  std::string_view pgroup;
  // Java compares with pgroupRead.equals(...), a NullPointerException when PGROUP is absent;
  // a mismatch is the closest well-formed answer.
  if (!PropertiesView(half.properties).Get(protocol::kPropertyProducerGroup, &pgroup) || pgroup != producer_group) {
    return "The producer group wrong";
  }
  if (half.queue_offset != tran_state_table_offset) return "The transaction state table offset wrong";
  if (half.physical_offset != commit_log_offset) return "The commit log offset wrong";
  return "";
}

std::string OpRecordBody(int64_t half_queue_offset) { return std::to_string(half_queue_offset); }

int64_t ParseJavaLong(std::string_view text) {
  int64_t v;
  return protocol::ParseInt64(text, &v) ? v : -1;
}

std::optional<int32_t> NextCheckTimes(std::optional<std::string_view> current, int32_t check_max) {
  if (!current) return 1;
  int32_t n;
  // Java's getInt gives -1 for a malformed value, which then counts as checked -1 times.
  if (!protocol::ParseInt32(*current, &n)) n = -1;
  if (n >= check_max) return std::nullopt;
  return n + 1;
}

int64_t CheckImmunityMs(std::optional<std::string_view> seconds, int64_t transaction_timeout_ms) {
  if (!seconds) return transaction_timeout_ms;
  int64_t s = ParseJavaLong(*seconds);
  return s == -1 ? transaction_timeout_ms : s * 1000;
}

int64_t CalculateOpOffset(std::vector<int64_t> done, int64_t old_offset) {
  std::sort(done.begin(), done.end());
  int64_t next = old_offset;
  for (int64_t d : done) {
    if (d != next) break;
    ++next;
  }
  return next;
}

Status EncodeCheckBody(const store::RecordView& half, std::string* out) {
  std::string_view topic;
  int32_t queue_id;
  if (Status s = RealDestination(half, &topic, &queue_id); !s.ok()) return s;
  PropertyMap map = PropertyMap::Parse(half.properties);
  map.Put(kPropertyWaitStoreMsgOk, "false");
  MessageBuilder mb = MessageBuilder::FromRecord(half);
  mb.Topic(topic).QueueId(queue_id).Properties(map.Encode());
  const store::MessageToStore& m = mb.Build();
  store::RecordPlacement at;
  at.queue_offset = half.queue_offset;
  at.physical_offset = half.physical_offset;
  at.store_timestamp = half.store_timestamp;
  *out = store::EncodeRecordToString(m, at);
  return Status::OK();
}

}  // namespace rmq::server
