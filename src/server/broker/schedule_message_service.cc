#include "server/broker/schedule_message_service.h"

#include <rapidjson/document.h>

#include "common/json.h"
#include "common/logging.h"
#include "protocol/ext_fields.h"
#include "protocol/message.h"
#include "server/broker/message_builder.h"
#include "server/broker/topic_config_manager.h"
#include "server/file_util.h"
#include "store/recovery.h"

namespace rmq::server {

using store::MessageStore;

int64_t CorrectDeliverTimestamp(int64_t now_ms, int64_t deliver_ms, int64_t level_delay_ms) {
  return deliver_ms > now_ms + level_delay_ms ? now_ms : deliver_ms;
}

std::string EncodeDelayOffsets(const std::map<int32_t, int64_t>& table) {
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("offsetTable").BeginObject();
  for (const auto& [level, offset] : table) w.RawKey(std::to_string(level)).Int(offset);
  w.EndObject().EndObject();
  return out;
}

Status DecodeDelayOffsets(std::string_view text, std::map<int32_t, int64_t>* table) {
  table->clear();
  std::string norm = json::NormalizeFastjson(text);
  rapidjson::Document doc;
  if (Status s = json::Parse(norm, &doc); !s.ok() || !doc.IsObject()) {
    return Status::Corruption("delayOffset.json is not valid JSON" + (s.ok() ? "" : ": " + s.message()));
  }
  const auto* t = json::GetObject(doc, "offsetTable");
  if (t == nullptr) return Status::OK();
  for (auto m = t->MemberBegin(); m != t->MemberEnd(); ++m) {
    int32_t level;
    if (!protocol::ParseInt32(m->name.GetString(), &level) || !m->value.IsInt64()) continue;
    (*table)[level] = m->value.GetInt64();
  }
  return Status::OK();
}

Status BuildTimeupMessage(const store::RecordView& parked, TimeupMessage* out) {
  protocol::PropertiesView props(parked.properties);
  std::string_view topic, qid;
  if (!props.Get(protocol::kPropertyRealTopic, &topic) || topic.empty()) {
    return Status::InvalidArgument("parked message has no REAL_TOPIC");
  }
  if (!props.Get(protocol::kPropertyRealQueueId, &qid) || !protocol::ParseInt32(std::string(qid), &out->queue_id) ||
      out->queue_id < 0) {
    return Status::InvalidArgument("parked message has no valid REAL_QID");
  }
  out->topic = std::string(topic);
  // Java 4.9 clears DELAY and sets WAIT=false on the message object only after it has encoded
  // the properties string, so the stored copy is the parked properties re-serialized (the
  // consumer sees DELAY and REAL_TOPIC); MessageToStore::delay_done stops a second parking.
  out->properties = ReserializeProperties(parked.properties);
  out->tags_code = store::TagsCodeFromProperties(out->properties);
  return Status::OK();
}

ScheduleMessageService::ScheduleMessageService(store::MessageStore& store, std::string path,
                                               store::DelayLevelTable levels, StoredListener on_stored)
    : store_(store), path_(std::move(path)), levels_(std::move(levels)), on_stored_(std::move(on_stored)) {}

Status ScheduleMessageService::Load() {
  std::string text;
  if (!ReadConfigFile(path_, &text).ok() || text.empty()) return Status::OK();
  return DecodeDelayOffsets(text, &offsets_);
}

int64_t ScheduleMessageService::OffsetOf(int32_t level) const {
  auto it = offsets_.find(level);
  return it == offsets_.end() ? 0 : it->second;
}

int ScheduleMessageService::Tick(int64_t now_ms) {
  int delivered = 0;
  for (int32_t level = 1; level <= levels_.max_level(); ++level) {
    auto blocked = blocked_until_.find(level);
    if (blocked != blocked_until_.end()) {
      if (now_ms < blocked->second) continue;
      blocked_until_.erase(blocked);
    }
    const int32_t qid = level - 1;
    const int64_t max = store_.GetMaxOffsetInQueue(store::kScheduleTopic, qid);
    auto it = offsets_.find(level);
    if (max == 0 && it == offsets_.end()) continue;  // level never used
    const int64_t start = it == offsets_.end() ? 0 : it->second;
    // Progress outside the queue (files deleted, store replaced) is pulled back inside it, as
    // Java's timer task does when it finds no buffer at the offset.
    int64_t offset = std::clamp(start, store_.GetMinOffsetInQueue(store::kScheduleTopic, qid), max);
    const int64_t delay = levels_.DelayMillis(level);
    for (int n = 0; offset < max && n < kMaxDeliveriesPerLevelPerTick; ++n) {
      MessageStore::ConsumeQueueEntry e;
      if (!store_.GetConsumeQueueEntry(store::kScheduleTopic, qid, offset, &e)) break;
      if (!IsDeliveryDue(now_ms, e.tags_code, delay)) break;
      Outcome o = Deliver(level, e);
      if (o == Outcome::kPutFailed) {
        blocked_until_[level] = now_ms + kScheduleRetryAfterPutFailureMs;
        break;
      }
      if (o == Outcome::kDelivered) ++delivered;
      ++offset;
    }
    if (it == offsets_.end() || it->second != offset) {
      offsets_[level] = offset;
      dirty_ = true;
    }
  }
  return delivered;
}

ScheduleMessageService::Outcome ScheduleMessageService::Deliver(int32_t level,
                                                                const MessageStore::ConsumeQueueEntry& e) {
  Result<store::SelectedMessage> sel = store_.LookMessageByOffset(e.commit_log_offset);
  store::RecordView rec;
  if (!sel.ok() || !store::DecodeRecord(sel->data, &rec, false).ok()) {
    // Mirrors Java: an unreadable record is passed over.
    RMQ_LOG_WARN("delay level %d: no message at CommitLog offset %lld, skipped", level,
                 static_cast<long long>(e.commit_log_offset));
    return Outcome::kSkipped;
  }
  TimeupMessage t;
  Status s = BuildTimeupMessage(rec, &t);
  if (!s.ok() || t.topic == kTransHalfTopic) {
    RMQ_LOG_WARN("delay level %d: message at %lld not delivered: %s", level,
                 static_cast<long long>(e.commit_log_offset), s.ok() ? "real topic is the half topic" : s.message().c_str());
    return Outcome::kSkipped;
  }
  MessageBuilder mb = MessageBuilder::FromDueRecord(rec, t.topic, t.queue_id, std::move(t.properties));
  store::PutMessageResult r = store_.PutMessage(mb.Build());
  if (!store::IsStored(r.status)) {
    RMQ_LOG_ERROR("delay level %d: re-storing to %s failed: %s, retry in %lld ms", level, t.topic.c_str(),
                  store::PutMessageStatusName(r.status), static_cast<long long>(kScheduleRetryAfterPutFailureMs));
    return Outcome::kPutFailed;
  }
  if (on_stored_) on_stored_(t.topic, t.queue_id);
  return Outcome::kDelivered;
}

void ScheduleMessageService::PersistIfDirty() {
  if (!dirty_) return;
  dirty_ = false;
  Status s = WriteFileAtomically(path_, Encode());
  if (!s.ok()) RMQ_LOG_ERROR("persisting delay offsets: %s", s.ToString().c_str());
}

void ScheduleMessageService::Start(RemotingServer& server) {
  // Delivery uses wall-clock time: a parked message's due time is its store time + delay.
  loop_timers_.Add(server, kScheduleTickMs, kScheduleTickMs, [this] { Tick(NowMillis()); });
  loop_timers_.Add(server, kFlushDelayOffsetIntervalMs, kFlushDelayOffsetIntervalMs, [this] { PersistIfDirty(); });
}

void ScheduleMessageService::Stop() {
  loop_timers_.Clear();
  PersistIfDirty();
}

}  // namespace rmq::server
