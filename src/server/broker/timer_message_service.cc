#include "server/broker/timer_message_service.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <limits>

#include "common/json.h"
#include "common/logging.h"
#include "protocol/message.h"
#include "server/broker/message_builder.h"
#include "server/broker/topic_config_manager.h"
#include "server/file_util.h"
#include "store/commit_log_record.h"

namespace rmq::server {

using store::MessageStore;

namespace {

// std heap functions build a max-heap; "greater" puts the earliest due time on top.
bool Later(const TimerEntry& a, const TimerEntry& b) {
  return a.due_ms != b.due_ms ? a.due_ms > b.due_ms : a.queue_offset > b.queue_offset;
}

}  // namespace

void TimerHeap::Push(const TimerEntry& e) {
  v_.push_back(e);
  std::push_heap(v_.begin(), v_.end(), Later);
}

void TimerHeap::Pop() {
  std::pop_heap(v_.begin(), v_.end(), Later);
  v_.pop_back();
}

void DeliveredOffsets::MarkDone(int64_t offset) {
  if (Contains(offset)) return;
  int64_t begin = offset, end = offset + 1;
  auto next = ranges_.find(end);
  if (next != ranges_.end()) {
    end = next->second;
    ranges_.erase(next);
  }
  auto it = ranges_.lower_bound(begin);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second == begin) {
      begin = prev->first;
      ranges_.erase(prev);
    }
  }
  if (begin == below_) {
    below_ = end;
  } else {
    ranges_[begin] = end;
  }
}

bool DeliveredOffsets::Contains(int64_t offset) const {
  if (offset < below_) return true;
  auto it = ranges_.upper_bound(offset);
  if (it == ranges_.begin()) return false;
  --it;
  return offset < it->second;
}

void DeliveredOffsets::RaiseBelow(int64_t offset) {
  if (offset <= below_) return;
  below_ = offset;
  while (!ranges_.empty() && ranges_.begin()->first <= below_) {
    below_ = std::max(below_, ranges_.begin()->second);
    ranges_.erase(ranges_.begin());
  }
}

std::string DeliveredOffsets::Encode() const {
  std::string out;
  json::Writer w(&out);
  w.BeginObject().Key("deliveredBelow").Int(below_).Key("deliveredRanges").BeginArray();
  for (const auto& [b, e] : ranges_) w.BeginArray().Int(b).Int(e).EndArray();
  w.EndArray().EndObject();
  return out;
}

Status DeliveredOffsets::Decode(std::string_view text, DeliveredOffsets* out) {
  rapidjson::Document doc;
  if (Status s = json::Parse(text, &doc); !s.ok() || !doc.IsObject()) {
    return Status::Corruption("timerProgress.json is not valid JSON" + (s.ok() ? "" : ": " + s.message()));
  }
  DeliveredOffsets d;
  int64_t below = 0;
  if (!json::GetInt64(doc, "deliveredBelow", &below) || below < 0) {
    return Status::Corruption("timerProgress.json has no valid deliveredBelow");
  }
  d.below_ = below;
  if (const auto* arr = json::GetArray(doc, "deliveredRanges")) {
    for (const auto& r : arr->GetArray()) {
      if (!r.IsArray() || r.Size() != 2 || !r[0].IsInt64() || !r[1].IsInt64()) continue;
      int64_t b = std::max(r[0].GetInt64(), d.below_), e = r[1].GetInt64();
      if (b >= e || d.Contains(b)) continue;
      auto next = d.ranges_.upper_bound(b);
      if (next != d.ranges_.end() && next->first < e) continue;  // overlapping: not ours, ignore
      d.ranges_[b] = e;
    }
  }
  // Merge touching ranges, then let `below` swallow the ones that start at it.
  for (auto it = d.ranges_.begin(); it != d.ranges_.end();) {
    auto next = std::next(it);
    if (next != d.ranges_.end() && next->first == it->second) {
      it->second = next->second;
      d.ranges_.erase(next);
    } else {
      ++it;
    }
  }
  if (!d.ranges_.empty() && d.ranges_.begin()->first == d.below_) {
    d.below_ = d.ranges_.begin()->second;
    d.ranges_.erase(d.ranges_.begin());
  }
  *out = std::move(d);
  return Status::OK();
}

TimerMessageService::TimerMessageService(MessageStore& store, std::string path, TimerConfig config,
                                         StoredListener on_stored)
    : store_(store), path_(std::move(path)), config_(config), on_stored_(std::move(on_stored)) {}

Status TimerMessageService::Load() {
  std::string text;
  if (ReadConfigFile(path_, &text).ok() && !text.empty()) {
    if (Status s = DeliveredOffsets::Decode(text, &done_); !s.ok()) return s;
  }
  enqueue_offset_ = done_.below();
  const int n = Enqueue(-1);
  if (n > 0) {
    RMQ_LOG_INFO("timer: %d parked messages rebuilt from %s (%zu of them delete markers)", n,
                 std::string(kTimerTopic).c_str(), pending_markers());
  }
  return Status::OK();
}

int TimerMessageService::Enqueue(int limit) {
  const int64_t max = store_.GetMaxOffsetInQueue(kTimerTopic, 0);
  if (enqueue_offset_ >= max) return 0;
  const int64_t min = store_.GetMinOffsetInQueue(kTimerTopic, 0);
  if (enqueue_offset_ < min) {  // retention removed parked entries that were never delivered
    RMQ_LOG_WARN("timer: parked offsets %lld..%lld are gone from the store", static_cast<long long>(enqueue_offset_),
                 static_cast<long long>(min));
    done_.RaiseBelow(min);
    enqueue_offset_ = min;
    dirty_ = true;
  }
  int n = 0;
  for (; enqueue_offset_ < max && (limit < 0 || n < limit); ++enqueue_offset_) {
    const int64_t offset = enqueue_offset_;
    if (done_.Contains(offset)) continue;
    MessageStore::ConsumeQueueEntry e;
    if (!store_.GetConsumeQueueEntry(kTimerTopic, 0, offset, &e)) break;
    Result<store::SelectedMessage> sel = store_.LookMessageByOffset(e.commit_log_offset);
    store::RecordView rec;
    int64_t out_ms = 0;
    if (!sel.ok() || !store::DecodeRecord(sel->data, &rec, false).ok() || !TimerOutMsOf(rec.properties, &out_ms)) {
      RMQ_LOG_WARN("timer: parked offset %lld has no readable TIMER_OUT_MS, skipped", static_cast<long long>(offset));
      done_.MarkDone(offset);
      dirty_ = true;
      continue;
    }
    const int64_t due = TimerDueMs(out_ms, config_.precision_ms);
    std::string_view del_key;
    if (TimerDeleteKeyOf(rec.properties, &del_key)) {
      SlotCancels& c = cancels_[due];
      c.keys.emplace(del_key);
      c.marker_offsets.push_back(offset);
    } else {
      heap_.Push(TimerEntry{due, offset, e.commit_log_offset});
    }
    ++n;
  }
  return n;
}

int TimerMessageService::Tick(int64_t now_ms) {
  Enqueue(kMaxTimerEnqueuesPerTick);
  if (now_ms < blocked_until_) return 0;
  int delivered = 0;
  for (int i = 0; i < kMaxTimerDeliveriesPerTick && !heap_.empty() && heap_.Top().due_ms <= now_ms; ++i) {
    const TimerEntry e = heap_.Top();
    Outcome o = Deliver(e, now_ms);
    if (o == Outcome::kPutFailed) {
      blocked_until_ = now_ms + kTimerRetryAfterPutFailureMs;
      break;
    }
    heap_.Pop();
    done_.MarkDone(e.queue_offset);
    dirty_ = true;
    if (o == Outcome::kDelivered) ++delivered;
    if (o == Outcome::kCancelled) ++cancelled_;
  }
  RetireCancels(now_ms);
  return delivered;
}

size_t TimerMessageService::pending_markers() const {
  size_t n = 0;
  for (const auto& [due, c] : cancels_) n += c.marker_offsets.size();
  return n;
}

void TimerMessageService::RetireCancels(int64_t now_ms) {
  if (cancels_.empty()) return;
  // A slot is read completely once it is due and the heap holds nothing more of it. Java forgets a
  // slot's delete keys once it has read the slot: a message or marker parked for a slot already
  // read (enqueued late) is not matched any more.
  int64_t keep_from = now_ms < std::numeric_limits<int64_t>::max() ? now_ms + 1 : now_ms;
  if (!heap_.empty()) keep_from = std::min(keep_from, heap_.Top().due_ms);
  for (auto it = cancels_.begin(); it != cancels_.end() && it->first < keep_from;) {
    for (int64_t offset : it->second.marker_offsets) done_.MarkDone(offset);
    dirty_ = true;
    it = cancels_.erase(it);
  }
}

bool TimerMessageService::IsCancelled(const TimerEntry& e, const store::RecordView& rec) const {
  if (cancels_.empty()) return false;
  auto it = cancels_.find(e.due_ms);
  if (it == cancels_.end()) return false;
  protocol::PropertiesView props(rec.properties);
  std::string_view uniq, real_topic;
  if (!props.Get(protocol::kPropertyUniqClientMessageIdKeyidx, &uniq) || uniq.empty()) return false;
  const auto& keys = it->second.keys;
  if (props.Get(kPropertyRealTopic, &real_topic) && keys.count(TimerDeleteKey(real_topic, uniq)) > 0) {
    return true;  // 5.3.2+ form
  }
  return keys.count(std::string(uniq)) > 0;  // 5.0-5.3.1 form
}

TimerMessageService::Outcome TimerMessageService::Deliver(const TimerEntry& e, int64_t now_ms) {
  Result<store::SelectedMessage> sel = store_.LookMessageByOffset(e.phy_offset);
  store::RecordView rec;
  if (!sel.ok() || !store::DecodeRecord(sel->data, &rec, false).ok()) {
    RMQ_LOG_WARN("timer: no message at CommitLog offset %lld, skipped", static_cast<long long>(e.phy_offset));
    return Outcome::kSkipped;
  }
  std::string_view unused;
  if (protocol::PropertiesView(rec.properties).Get(kPropertyTimerDelUniqKey, &unused)) {
    return Outcome::kSkipped;  // Java never delivers a delete marker itself
  }
  if (IsCancelled(e, rec)) return Outcome::kCancelled;
  TimeupMessage t;
  // Java's enqueue time is its wheel's write time when it read the parked entry, just after the
  // store: that clock is aligned down to the precision (the oracle, 5.3.1, shows whole seconds).
  Status s = BuildTimerDelivery(rec, TimerAlignDown(rec.store_timestamp, config_.precision_ms), now_ms, &t);
  if (!s.ok() || t.topic == kTransHalfTopic) {
    RMQ_LOG_WARN("timer: message at %lld not delivered: %s", static_cast<long long>(e.phy_offset),
                 s.ok() ? "real topic is the half topic" : s.message().c_str());
    return Outcome::kSkipped;
  }
  MessageBuilder mb = MessageBuilder::FromDueRecord(rec, t.topic, t.queue_id, std::move(t.properties));
  store::PutMessageResult r = store_.PutMessage(mb.Build());
  if (!store::IsStored(r.status)) {
    RMQ_LOG_ERROR("timer: re-storing to %s failed: %s, retry in %lld ms", t.topic.c_str(),
                  store::PutMessageStatusName(r.status), static_cast<long long>(kTimerRetryAfterPutFailureMs));
    return Outcome::kPutFailed;
  }
  if (on_stored_) on_stored_(t.topic, t.queue_id);
  return Outcome::kDelivered;
}

void TimerMessageService::PersistIfDirty() {
  if (!dirty_) return;
  dirty_ = false;
  Status s = WriteFileAtomically(path_, done_.Encode());
  if (!s.ok()) RMQ_LOG_ERROR("persisting timer progress: %s", s.ToString().c_str());
}

void TimerMessageService::Start(RemotingServer& server) {
  loop_timers_.Add(server, kTimerTickMs, kTimerTickMs, [this] { Tick(NowMillis()); });
  loop_timers_.Add(server, kTimerPersistIntervalMs, kTimerPersistIntervalMs, [this] { PersistIfDirty(); });
}

void TimerMessageService::Stop() {
  loop_timers_.Clear();
  PersistIfDirty();
}

}  // namespace rmq::server
