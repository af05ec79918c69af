#include "store/reput_service.h"

#include <algorithm>

#include "common/coding.h"
#include "common/logging.h"
#include "store/file_space.h"
#include "common/message_properties.h"

namespace rmq::store {

namespace {
constexpr int32_t kTransactionTypeMask = 0xC;
constexpr int32_t kTransactionPreparedType = 0x4;
constexpr int32_t kTransactionRollbackType = 0xC;
}  // namespace

bool DispatchesToConsumeQueue(int32_t sys_flag) {
  int32_t t = sys_flag & kTransactionTypeMask;
  return t != kTransactionPreparedType && t != kTransactionRollbackType;
}

int64_t TagsCodeFromProperties(std::string_view props) {
  std::string_view tags;
  if (!FindProperty(props, kPropertyTags, &tags) || tags.empty()) return 0;
  return JavaStringHash(tags.data(), tags.size());
}

DispatchRequest DispatchRequestOf(const RecordView& r, int64_t offset) {
  DispatchRequest d;
  d.topic = r.topic;
  d.queue_id = r.queue_id;
  d.queue_offset = r.queue_offset;
  d.commit_log_offset = offset;
  d.size = r.total_size;
  d.sys_flag = r.sys_flag;
  d.store_timestamp = r.store_timestamp;
  d.properties = r.properties;
  d.tags_code = TagsCodeFromProperties(r.properties);
  return d;
}

ReputService::ReputService(const CommitLog* commit_log, ConsumeQueueStore* queues, IndexService* index,
                           const DelayLevelTable* delays)
    : commit_log_(commit_log), queues_(queues), index_(index), delays_(delays) {}

CqEntry ReputService::ConsumeQueueEntryOf(const DispatchRequest& r) const {
  int64_t tags_code = r.tags_code;
  if (delays_ != nullptr) tags_code = ScheduleTagsCode(r.topic, r.properties, r.store_timestamp, *delays_, tags_code);
  return CqEntry{r.commit_log_offset, r.size, tags_code};
}

namespace {

// The ConsumeQueue part of Dispatch: whether the record gets an entry, and in which queue. A
// given `cq` is the record's queue, so its topic was checked when the queue was made.
// `written` (optional: it costs two queue lookups) says whether an entry was added.
Status PutConsumeQueueEntry(ConsumeQueueStore* queues, const ReputService& reput, const DispatchRequest& r,
                            ConsumeQueue* cq, bool* written) {
  if (written != nullptr) *written = false;
  if (!DispatchesToConsumeQueue(r.sys_flag)) return Status::OK();
  std::shared_ptr<ConsumeQueue> found;
  if (cq == nullptr) {
    if (!IsStorableTopic(r.topic)) return Status::OK();
    found = queues->FindOrCreate(r.topic, r.queue_id);
    cq = found.get();
  }
  const int64_t before = written != nullptr ? cq->MaxOffset() : 0;
  Status s = cq->Put(r.queue_offset, reput.ConsumeQueueEntryOf(r));
  if (written != nullptr) *written = s.ok() && cq->MaxOffset() > before;
  return s;
}

}  // namespace

Status ReputService::Dispatch(const DispatchRequest& r, ConsumeQueue* cq) {
  Status s = PutConsumeQueueEntry(queues_, *this, r, cq, nullptr);
  if (index_ != nullptr) index_->BuildIndex(r.topic, r.properties, r.sys_flag, r.commit_log_offset, r.store_timestamp);
  return s;
}

ReputResult ReputService::Reput(Start start, int64_t end) {
  ReputResult result;
  const MappedFileQueue& files = *commit_log_->file_queue();
  const int64_t from = std::clamp(std::min(start.consume_queue, start.index), files.MinOffset(),
                                  std::max(files.MinOffset(), end));
  bool cq_on = true;
  result.end = ScanCommitLog(files, from, end, [&](const RecordView& record, int64_t offset) {
    const DispatchRequest r = DispatchRequestOf(record, offset);
    ++result.records;
    result.last_store_timestamp = r.store_timestamp;
    if (cq_on && offset >= start.consume_queue) {
      bool written = false;
      Status s = PutConsumeQueueEntry(queues_, *this, r, nullptr, &written);
      if (written) ++result.consume_queue_entries;
      if (IsNoSpace(s)) {
        RMQ_LOG_ERROR("re-dispatch stops at %lld: %s; the ConsumeQueues are rebuilt at the next start with space",
                      static_cast<long long>(offset), s.message().c_str());
        result.consume_queue_short_of_space = true;
        cq_on = false;
      } else if (s.IsCorruption()) {
        RMQ_LOG_WARN("re-dispatch: %s for %.*s/%d queue offset %lld at %lld", s.message().c_str(),
                     static_cast<int>(r.topic.size()), r.topic.data(), r.queue_id,
                     static_cast<long long>(r.queue_offset), static_cast<long long>(offset));
      } else if (!s.ok()) {
        result.status = s;
        cq_on = false;
      }
    }
    if (index_ != nullptr && offset >= start.index) {
      index_->BuildIndex(r.topic, r.properties, r.sys_flag, offset, r.store_timestamp);
      ++result.index_records;
    }
  });
  reput_offset_ = result.end;
  return result;
}

ReputResult ReputService::ReputFrom(int64_t offset) {
  return Reput(Start{offset, offset}, commit_log_->MaxWroteOffset());
}

}  // namespace rmq::store
