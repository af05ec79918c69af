// MessageStore read path: pulls (Java's DefaultMessageStore.getMessage), offset and time
// look-ups, and reads by physical offset.
#include <algorithm>
#include <limits>

#include "common/coding.h"
#include "store/commit_log_record.h"
#include "store/message_store.h"
#include "store/message_store_impl.h"

namespace rmq::store {

namespace {

// Java's isTheBatchFull for messages served from memory (the store never reports "in disk").
bool IsBatchFull(const GetMessageResult& r, int32_t next_size, int32_t max_msg_nums,
                 const MessageStoreConfig& c) {
  const int64_t count = static_cast<int64_t>(r.messages.size());
  if (r.buffer_total_size == 0 || count == 0) return false;
  if (max_msg_nums <= count) return true;
  if (static_cast<int64_t>(r.buffer_total_size) + next_size > c.max_transfer_bytes_on_message_in_memory) return true;
  return count > c.max_transfer_count_on_message_in_memory - 1;
}

// Java's maxFilterMessageCount: how many ConsumeQueue bytes one pull may scan while filtering.
constexpr int64_t kMaxFilterScanBytes = 16000;

void ScanQueue(const CommitLog& commit_log, const CqEntries& entries, int32_t max_msg_nums,
               const TagsCodeFilter& filter, const RecordFilter* record_filter, const MessageStoreConfig& config,
               GetMessageResult* r, bool* hit_uncommitted) {
  r->status = GetMessageStatus::kNoMatchedMessage;
  const int64_t max_scan =
      std::max<int64_t>(kMaxFilterScanBytes, static_cast<int64_t>(max_msg_nums) * kCqStoreUnitSize) /
      kCqStoreUnitSize;
  int64_t next_phy_file_start = std::numeric_limits<int64_t>::min();
  size_t i = 0;
  for (; i < entries.count() && static_cast<int64_t>(i) < max_scan; ++i) {
    CqEntry e = entries.at(i);
    if (next_phy_file_start != std::numeric_limits<int64_t>::min() && e.commit_log_offset < next_phy_file_start) {
      continue;
    }
    if (IsBatchFull(*r, e.size, max_msg_nums, config)) break;
    if (filter && !filter(e.tags_code)) continue;
    std::shared_ptr<MappedFile> hold;
    bool uncommitted = false;
    std::string_view rec = commit_log.Read(e.commit_log_offset, e.size, &hold, &uncommitted);
    // Appended but still in a write buffer (transientStorePoolEnable): readers stop here, as
    // Java's ConsumeQueue ends at the committed CommitLog.
    if (uncommitted) {
      *hit_uncommitted = true;
      break;
    }
    // The entry must point at a record of exactly that size; anything else is a lost record.
    if (rec.empty() || e.size < static_cast<int32_t>(kMinRecordSize) ||
        static_cast<int32_t>(DecodeFixed32(rec.data())) != e.size) {
      if (r->buffer_total_size == 0) r->status = GetMessageStatus::kMessageWasRemoving;
      next_phy_file_start = commit_log.RollNextFile(e.commit_log_offset);
      continue;
    }
    if (record_filter != nullptr && *record_filter && !(*record_filter)(rec)) {
      if (r->buffer_total_size == 0) r->status = GetMessageStatus::kNoMatchedMessage;
      continue;
    }
    r->messages.push_back(rec);
    if (r->holds.empty() || r->holds.back() != hold) r->holds.push_back(std::move(hold));
    r->buffer_total_size += e.size;
    r->status = GetMessageStatus::kFound;
    next_phy_file_start = std::numeric_limits<int64_t>::min();
  }
  r->next_begin_offset = entries.start_offset + static_cast<int64_t>(i);
}

}  // namespace

GetMessageResult MessageStore::GetMessage(std::string_view topic, int32_t queue_id, int64_t offset,
                                          int32_t max_msg_nums, const TagsCodeFilter& filter,
                                          const RecordFilter* record_filter) {
  const Impl& m = *impl_;
  GetMessageResult r;
  std::shared_ptr<ConsumeQueue> cq = m.open ? m.queues->Find(topic, queue_id) : nullptr;
  if (!cq) {
    // Java creates the queue on demand and answers NO_MESSAGE_IN_QUEUE; an unknown topic
    // gets NO_MATCHED_LOGIC_QUEUE. Both map to the same pull response.
    r.status = m.open && m.queues->HasTopic(topic) ? GetMessageStatus::kNoMessageInQueue
                                                   : GetMessageStatus::kNoMatchedLogicQueue;
    r.next_begin_offset = 0;
    return r;
  }
  r.min_offset = cq->MinOffset();
  r.max_offset = cq->MaxOffset();
  if (r.max_offset == 0) {
    r.status = GetMessageStatus::kNoMessageInQueue;
    r.next_begin_offset = 0;
  } else if (offset < r.min_offset) {
    r.status = GetMessageStatus::kOffsetTooSmall;
    r.next_begin_offset = r.min_offset;
  } else if (offset == r.max_offset) {
    r.status = GetMessageStatus::kOffsetOverflowOne;
    r.next_begin_offset = offset;
  } else if (offset > r.max_offset) {
    r.status = GetMessageStatus::kOffsetOverflowBadly;
    r.next_begin_offset = r.max_offset;
  } else {
    CqEntries entries = cq->GetEntries(offset);
    if (entries.count() == 0) {
      r.status = GetMessageStatus::kOffsetFoundNull;
      r.next_begin_offset = cq->RollNextFile(offset);
    } else {
      bool hit_uncommitted = false;
      ScanQueue(*m.commit_log, entries, max_msg_nums, filter, record_filter, m.config, &r, &hit_uncommitted);
      // Nothing committed to serve yet: the client retries at once (NO_MATCHED_MESSAGE ->
      // PULL_RETRY_IMMEDIATELY), so have the commit thread copy what waits now.
      if (hit_uncommitted && m.commit) m.commit->Wakeup(r.messages.empty());
    }
  }
  return r;
}

int64_t MessageStore::GetMaxOffsetInQueue(std::string_view topic, int32_t queue_id) const {
  auto cq = impl_->open ? impl_->queues->Find(topic, queue_id) : nullptr;
  return cq ? cq->MaxOffset() : 0;
}

int64_t MessageStore::GetMinOffsetInQueue(std::string_view topic, int32_t queue_id) const {
  auto cq = impl_->open ? impl_->queues->Find(topic, queue_id) : nullptr;
  return cq ? cq->MinOffset() : 0;
}

int64_t MessageStore::GetMessageStoreTimeStamp(std::string_view topic, int32_t queue_id,
                                               int64_t consume_offset) const {
  auto cq = impl_->open ? impl_->queues->Find(topic, queue_id) : nullptr;
  CqEntry e;
  if (!cq || !cq->GetEntry(consume_offset, &e)) return -1;
  return impl_->commit_log->StoreTimestampAt(e.commit_log_offset, e.size);
}

int64_t MessageStore::GetEarliestMessageTime(std::string_view topic, int32_t queue_id) const {
  return GetMessageStoreTimeStamp(topic, queue_id, GetMinOffsetInQueue(topic, queue_id));
}

int64_t MessageStore::GetOffsetInQueueByTime(std::string_view topic, int32_t queue_id, int64_t timestamp) const {
  auto cq = impl_->open ? impl_->queues->Find(topic, queue_id) : nullptr;
  if (!cq) return 0;
  // Java 4.9 ConsumeQueue.getOffsetInQueueByTime: a binary search over [min, max - 1] that returns an
  // exact hit, else the nearer of its two neighbours (a tie goes to the earlier one): a time after
  // the last message gives the last message's offset (not max), one before the first gives the
  // first. Unreadable entries count as earlier. (Java searches one consume-queue file, chosen by
  // its modification time; rmqd searches the whole queue.)
  int64_t lo = cq->MinOffset();
  int64_t hi = cq->MaxOffset() - 1;
  if (hi < lo) return lo;
  int64_t left = -1, right = -1, left_ts = -1, right_ts = -1;
  while (lo <= hi) {
    int64_t mid = lo + (hi - lo) / 2;
    CqEntry e;
    int64_t ts = cq->GetEntry(mid, &e) ? impl_->commit_log->StoreTimestampAt(e.commit_log_offset, e.size) : -1;
    if (ts < 0) {
      lo = mid + 1;
      left = mid;
    } else if (ts == timestamp) {
      return mid;
    } else if (ts > timestamp) {
      hi = mid - 1;
      right = mid;
      right_ts = ts;
    } else {
      lo = mid + 1;
      left = mid;
      left_ts = ts;
    }
  }
  if (left_ts == -1) return right >= 0 ? right : cq->MaxOffset();
  if (right_ts == -1) return left;
  return timestamp - left_ts > right_ts - timestamp ? right : left;
}

int64_t MessageStore::GetCommitLogOffsetInQueue(std::string_view topic, int32_t queue_id,
                                                int64_t consume_offset) const {
  auto cq = impl_->open ? impl_->queues->Find(topic, queue_id) : nullptr;
  CqEntry e;
  if (!cq || !cq->GetEntry(consume_offset, &e)) return 0;
  return e.commit_log_offset;
}

bool MessageStore::GetConsumeQueueEntry(std::string_view topic, int32_t queue_id, int64_t consume_offset,
                                        ConsumeQueueEntry* entry) const {
  auto cq = impl_->open ? impl_->queues->Find(topic, queue_id) : nullptr;
  CqEntry e;
  if (!cq || consume_offset < cq->MinOffset() || !cq->GetEntry(consume_offset, &e)) return false;
  *entry = ConsumeQueueEntry{e.commit_log_offset, e.size, e.tags_code};
  return true;
}

Result<SelectedMessage> MessageStore::LookMessageByOffset(int64_t phy_offset) const {
  if (!impl_->open) return Status::NotFound("store not open");
  SelectedMessage sel;
  Status s = impl_->commit_log->ReadRecord(phy_offset, &sel.data, &sel.hold);
  if (!s.ok()) return s;
  return sel;
}

Result<SelectedMessage> MessageStore::GetCommitLogData(int64_t offset) const {
  if (!impl_->open) return Status::NotFound("store not open");
  std::shared_ptr<MappedFile> f = offset < 0 ? nullptr : impl_->commit_log->file_queue()->FindFileByOffset(offset);
  if (!f) return Status::NotFound("no CommitLog file at offset");
  SelectedMessage sel;
  sel.data = f->ReadFrom(offset - f->file_from_offset());
  if (sel.data.empty()) return Status::NotFound("offset beyond written data");
  sel.hold = std::move(f);
  return sel;
}

QueryMessageResult MessageStore::QueryMessage(std::string_view topic, std::string_view key, int32_t max_num,
                                              int64_t begin_ts, int64_t end_ts) const {
  QueryMessageResult r;
  if (!impl_->open) return r;
  QueryOffsetResult q = impl_->index->QueryOffset(topic, key, max_num, begin_ts, end_ts);
  r.index_last_update_timestamp = q.index_last_update_timestamp;
  r.index_last_update_phyoffset = q.index_last_update_phyoffset;
  // Java answers in CommitLog order; offsets that no longer hold a record are skipped.
  std::sort(q.phy_offsets.begin(), q.phy_offsets.end());
  q.phy_offsets.erase(std::unique(q.phy_offsets.begin(), q.phy_offsets.end()), q.phy_offsets.end());
  for (int64_t offset : q.phy_offsets) {
    std::string_view rec;
    std::shared_ptr<MappedFile> hold;
    if (!impl_->commit_log->ReadRecord(offset, &rec, &hold).ok()) continue;
    r.messages.push_back(rec);
    r.buffer_total_size += static_cast<int32_t>(rec.size());
    if (r.holds.empty() || r.holds.back() != hold) r.holds.push_back(std::move(hold));
  }
  return r;
}

}  // namespace rmq::store
