#include "server/broker/transactional_message_service.h"

#include <map>
#include <optional>
#include <vector>

#include "common/logging.h"
#include "protocol/message.h"
#include "protocol/request_code.h"
#include "server/broker/message_builder.h"
#include "server/broker/topic_config_manager.h"
#include "server/broker/transactional_message_util.h"
#include "store/recovery.h"

namespace rmq::server {

using protocol::PropertiesView;
using rmq::PropertyMap;
using protocol::RemotingCommand;

namespace {

constexpr int32_t kQueueId = 0;  // both system topics have one queue

// A record read by CommitLog offset; `view` points into `hold`.
struct LoadedRecord {
  store::SelectedMessage sel;
  store::RecordView view;
};
bool LoadRecord(const store::MessageStore& store, int64_t phy_offset, LoadedRecord* out) {
  Result<store::SelectedMessage> sel = store.LookMessageByOffset(phy_offset);
  if (!sel.ok()) return false;
  out->sel = std::move(*sel);
  return store::DecodeRecord(out->sel.data, &out->view, false).ok();
}

std::optional<std::string_view> GetProp(std::string_view props, const char* name) {
  std::string_view v;
  if (PropertiesView(props).Get(name, &v)) return v;
  return std::nullopt;
}

}  // namespace

TransactionalMessageService::TransactionalMessageService(store::MessageStore& store, ConsumerOffsetManager& offsets,
                                                         store::HostAddress store_host, CheckSender send_check)
    : store_(store), offsets_(offsets), store_host_(store_host), send_check_(std::move(send_check)) {}

bool TransactionalMessageService::DeletePrepareMessage(const store::RecordView& half) {
  std::string body = OpRecordBody(half.queue_offset);
  // makeOpMessageInner: new Message(opTopic, "d", body) holds TAGS then WAIT=true, re-serialized.
  PropertyMap props;
  props.Put(protocol::kPropertyTags, kTransOpRemoveTag);
  props.Put(protocol::kPropertyWaitStoreMsgOk, "true");
  MessageBuilder mb = MessageBuilder::FromBroker(kTransOpHalfTopic, kQueueId, store_host_, NowMillis());
  mb.Body(body).Properties(props.Encode());
  store::PutMessageResult r = store_.PutMessage(mb.Build());
  if (!store::IsStored(r.status)) {
    RMQ_LOG_ERROR("transaction: op record for half offset %lld not stored: %s",
                  static_cast<long long>(half.queue_offset), store::PutMessageStatusName(r.status));
    return false;
  }
  return true;
}

int64_t TransactionalMessageService::FetchConsumeOffset(const char* topic) {
  int64_t off = offsets_.QueryOffset(kTransConsumerGroup, topic, kQueueId);
  if (off < 0) {
    off = store_.GetMinOffsetInQueue(topic, kQueueId);
    offsets_.CommitOffset(kTransConsumerGroup, topic, kQueueId, off);
  }
  return off;
}

int64_t TransactionalMessageService::PutBackHalfMessage(const store::RecordView& half, const std::string& properties) {
  // renewHalfMessageInner copies neither flag nor reconsumeTimes; neither do we.
  MessageBuilder mb = MessageBuilder::FromRecord(half);
  mb.Topic(kTransHalfTopic).QueueId(kQueueId).Flag(0).ReconsumeTimes(0).PreparedTransactionOffset(0).Properties(properties);
  store::PutMessageResult r = store_.PutMessage(mb.Build());
  if (!store::IsStored(r.status)) {
    RMQ_LOG_ERROR("transaction: re-appending half message %lld failed: %s", static_cast<long long>(half.queue_offset),
                  store::PutMessageStatusName(r.status));
    return -1;
  }
  return r.wrote_offset;
}

void TransactionalMessageService::SendCheck(int64_t phy_offset) {
  LoadedRecord rec;
  if (!LoadRecord(store_, phy_offset, &rec)) return;
  const store::RecordView& half = rec.view;
  std::string body;
  if (!EncodeCheckBody(half, &body).ok()) {
    RMQ_LOG_WARN("transaction: half message at %lld has no REAL_TOPIC/REAL_QID, not checked",
                 static_cast<long long>(phy_offset));
    return;
  }
  std::string_view uniq, group;
  PropertiesView props(half.properties);
  props.Get(protocol::kPropertyUniqClientMessageIdKeyidx, &uniq);
  props.Get(protocol::kPropertyProducerGroup, &group);
  RemotingCommand req = RemotingCommand::CreateRequest(static_cast<int32_t>(protocol::RequestCode::kCheckTransactionState));
  req.serialize_type = protocol::SerializeType::kJson;
  req.ext_fields.SetInt("tranStateTableOffset", half.queue_offset);
  req.ext_fields.SetInt("commitLogOffset", half.physical_offset);
  if (!uniq.empty()) {
    req.ext_fields.Set("msgId", std::string(uniq));
    req.ext_fields.Set("transactionId", std::string(uniq));
  }
  req.ext_fields.Set("offsetMsgId", protocol::CreateOffsetMessageId(store_host_.ip, store_host_.v6 ? 16 : 4,
                                                                    store_host_.port, half.physical_offset));
  req.SetBody(std::move(body));
  if (!send_check_(std::string(group), std::move(req))) {
    RMQ_LOG_WARN("Check transaction failed, channel is null. groupId=%.*s", static_cast<int>(group.size()), group.data());
  }
}

void TransactionalMessageService::ReadOps(OpScan& ops) {
  for (int n = 0; n < kOpPullBatch && ops.next < ops.max; ++n, ++ops.next) {
    store::MessageStore::ConsumeQueueEntry e;
    LoadedRecord op;
    if (!store_.GetConsumeQueueEntry(kTransOpHalfTopic, kQueueId, ops.next, &e) ||
        !LoadRecord(store_, e.commit_log_offset, &op)) {
      ops.done.push_back(ops.next);  // unreadable: nothing to match it with
      continue;
    }
    std::optional<std::string_view> tag = GetProp(op.view.properties, protocol::kPropertyTags);
    if (!tag || *tag != kTransOpRemoveTag) {
      RMQ_LOG_ERROR("transaction: op record %lld has an illegal tag", static_cast<long long>(ops.next));
      continue;
    }
    int64_t qoff = ParseJavaLong(op.view.body);
    if (qoff < ops.half_offset) {
      ops.done.push_back(ops.next);
    } else {
      ops.removed[qoff] = ops.next;
    }
  }
}

int TransactionalMessageService::Check(int64_t now_ms, const TransactionCheckConfig& cfg) {
  const int64_t half_offset = FetchConsumeOffset(kTransHalfTopic);
  const int64_t op_offset = FetchConsumeOffset(kTransOpHalfTopic);
  OpScan ops;
  ops.half_offset = half_offset;
  ops.next = op_offset;
  ops.max = store_.GetMaxOffsetInQueue(kTransOpHalfTopic, kQueueId);
  std::map<int64_t, int64_t>& removed = ops.removed;
  std::vector<int64_t>& done_ops = ops.done;
  ReadOps(ops);

  int sent = 0;
  int null_count = 1;
  int64_t i = half_offset;
  int64_t new_offset = half_offset;
  const int64_t half_max = store_.GetMaxOffsetInQueue(kTransHalfTopic, kQueueId);
  for (int walked = 0; walked < kMaxHalfMessagesPerCheck; ++walked) {
    if (auto it = removed.find(i); it != removed.end()) {
      done_ops.push_back(it->second);
      removed.erase(it);
      new_offset = ++i;
      continue;
    }
    if (i >= half_max) break;
    store::MessageStore::ConsumeQueueEntry e;
    LoadedRecord rec;
    if (!store_.GetConsumeQueueEntry(kTransHalfTopic, kQueueId, i, &e) || !LoadRecord(store_, e.commit_log_offset, &rec)) {
      if (null_count++ > kMaxRetryCountWhenHalfNull) break;
      int64_t min = store_.GetMinOffsetInQueue(kTransHalfTopic, kQueueId);
      new_offset = i = std::max(i + 1, min);
      continue;
    }
    const store::RecordView& half = rec.view;
    // Java's msgExt map: the half's properties, then the puts below; each put-back stores it
    // re-serialized.
    PropertyMap map = PropertyMap::Parse(half.properties);
    const std::string_view props = half.properties;  // lookups below read the half as stored
    std::optional<int32_t> times = NextCheckTimes(GetProp(props, kPropertyTransactionCheckTimes), cfg.transaction_check_max);
    if (times) map.Put(kPropertyTransactionCheckTimes, std::to_string(*times));
    if (!times || now_ms - half.born_timestamp > cfg.file_reserved_ms) {
      // resolveDiscardMsg (4.9): logged and left behind.
      RMQ_LOG_ERROR("transaction: half message %lld (UNIQ_KEY %.*s) %s, discarded", static_cast<long long>(i),
                    static_cast<int>(GetProp(props, protocol::kPropertyUniqClientMessageIdKeyidx).value_or("").size()),
                    GetProp(props, protocol::kPropertyUniqClientMessageIdKeyidx).value_or("").data(),
                    times ? "exceeded the file reserved time" : "has been checked too many times");
      new_offset = ++i;
      continue;
    }
    if (half.store_timestamp >= now_ms) break;  // stored during this run: next time
    const int64_t age = now_ms - half.born_timestamp;
    std::optional<std::string_view> immunity_prop = GetProp(props, kPropertyCheckImmunityTimeInSeconds);
    const int64_t immunity = CheckImmunityMs(immunity_prop, cfg.transaction_timeout_ms);
    if (immunity_prop) {
      if (age < immunity) {
        // checkPrepareQueueOffset: a copy that remembers its first queue offset is done when
        // that offset has an op record; otherwise it is put back once more to wait.
        std::optional<std::string_view> first = GetProp(props, kPropertyTransactionPreparedQueueOffset);
        int64_t first_offset = first ? ParseJavaLong(*first) : -2;
        if (first_offset == -1) break;  // Java would spin here until its time limit
        if (auto it = removed.find(first_offset); first && it != removed.end()) {
          done_ops.push_back(it->second);
          removed.erase(it);
        } else {
          // renewImmunityHalfMessageInner: WAIT=false, then the first queue offset, then the string.
          map.Put(protocol::kPropertyWaitStoreMsgOk, "false");
          if (!first) map.Put(kPropertyTransactionPreparedQueueOffset, std::to_string(half.queue_offset));
          if (PutBackHalfMessage(half, map.Encode()) < 0) break;
        }
        new_offset = ++i;
        continue;
      }
    } else if (age >= 0 && age < immunity) {
      break;  // new arrival: check it later
    }
    if (ops.next < ops.max) {
      ReadOps(ops);  // an op record further on may still name this message
      continue;
    }
    int64_t renewed = PutBackHalfMessage(half, map.Encode());
    if (renewed < 0) break;
    SendCheck(renewed);
    ++sent;
    new_offset = ++i;
  }
  if (new_offset != half_offset) offsets_.CommitOffset(kTransConsumerGroup, kTransHalfTopic, kQueueId, new_offset);
  int64_t new_op_offset = CalculateOpOffset(done_ops, op_offset);
  if (new_op_offset != op_offset) offsets_.CommitOffset(kTransConsumerGroup, kTransOpHalfTopic, kQueueId, new_op_offset);
  return sent;
}

}  // namespace rmq::server
