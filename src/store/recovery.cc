#include "store/recovery.h"

#include <algorithm>
#include <limits>

#include "common/coding.h"
#include "common/logging.h"
#include "store/file_space.h"

namespace rmq::store {

namespace {
constexpr int32_t kTransactionTypeMask = 0xC;
constexpr int32_t kTransactionPreparedType = 0x4;
constexpr int32_t kTransactionRollbackType = 0xC;
constexpr std::string_view kTagsKey = "TAGS";

// Java's recoverNormally start: the third-last file (or the first), 0 when there are none.
int64_t ThirdLastFileStart(const MappedFileQueue& files) {
  auto list = files.Files();
  if (list.empty()) return 0;
  return list[list.size() >= 3 ? list.size() - 3 : 0]->file_from_offset();
}
}  // namespace

int64_t ScanCommitLog(const MappedFileQueue& files, int64_t start, int64_t limit,
                      const RecordVisitor& visit) {
  int64_t pos = start;
  while (pos < limit) {
    std::shared_ptr<MappedFile> f = files.FindFileByOffset(pos);
    if (!f) break;
    int64_t in_file = pos - f->file_from_offset();
    std::string_view rest = f->WholeFile().substr(static_cast<size_t>(in_file));
    if (limit - pos < static_cast<int64_t>(rest.size())) rest = rest.substr(0, static_cast<size_t>(limit - pos));
    RecordView view;
    Status s = DecodeRecord(rest, &view);
    if (s.IsNotFound()) {  // blank: the rest of this file is unused
      int64_t next = f->file_from_offset() + f->file_size();
      std::shared_ptr<MappedFile> nf = files.FindFileByOffset(next);
      if (!nf || nf->file_from_offset() != next) break;
      pos = next;
      continue;
    }
    if (!s.ok()) {
      if (limit == std::numeric_limits<int64_t>::max()) {
        RMQ_LOG_INFO("CommitLog scan stops at %lld: %s", static_cast<long long>(pos), s.ToString().c_str());
      }
      break;
    }
    if (view.physical_offset != pos) {
      RMQ_LOG_WARN("CommitLog record at %lld claims offset %lld; treating as end",
                   static_cast<long long>(pos), static_cast<long long>(view.physical_offset));
      break;
    }
    if (visit) visit(view, pos);
    pos += view.total_size;
  }
  return pos;
}

int64_t RecoveryStartOffset(const MappedFileQueue& files, bool crashed, const StoreCheckpoint& checkpoint) {
  auto list = files.Files();
  if (list.empty()) return 0;
  if (!crashed) return ThirdLastFileStart(files);
  int64_t safe = checkpoint.MinTimestamp();
  for (size_t i = list.size(); i-- > 0;) {
    RecordView view;
    if (safe > 0 && DecodeRecord(list[i]->WholeFile(), &view).ok() && view.store_timestamp > 0 &&
        view.store_timestamp <= safe) {
      return list[i]->file_from_offset();
    }
  }
  return list.front()->file_from_offset();
}

int64_t CleanRecoveryStartOffset(const MappedFileQueue& files, const ConsumeQueueStore& queues) {
  const int64_t java_start = ThirdLastFileStart(files);
  // The newest record any ConsumeQueue indexes: everything before it was dispatched, and so
  // written and synced before the clean shutdown.
  CqEntry newest;
  newest.commit_log_offset = -1;
  for (const auto& cq : queues.All()) {
    CqEntry e;
    const int64_t max = cq->MaxOffset();
    if (max > cq->MinOffset() && cq->GetEntry(max - 1, &e) && e.commit_log_offset > newest.commit_log_offset) {
      newest = e;
    }
  }
  if (newest.commit_log_offset <= java_start || newest.size <= 0) return java_start;
  // Trust it only when it points at a whole, intact record that says it lies there.
  std::shared_ptr<MappedFile> f = files.FindFileByOffset(newest.commit_log_offset);
  if (!f) return java_start;
  std::string_view rest = f->WholeFile().substr(static_cast<size_t>(newest.commit_log_offset - f->file_from_offset()));
  RecordView view;
  if (!DecodeRecord(rest, &view).ok() || view.physical_offset != newest.commit_log_offset ||
      view.total_size != newest.size) {
    RMQ_LOG_WARN("ConsumeQueue tail %lld does not point at its record; clean recovery verifies the last files",
                 static_cast<long long>(newest.commit_log_offset));
    return java_start;
  }
  return newest.commit_log_offset;
}

bool DispatchesToConsumeQueue(int32_t sys_flag) {
  int32_t t = sys_flag & kTransactionTypeMask;
  return t != kTransactionPreparedType && t != kTransactionRollbackType;
}

int64_t TagsCodeFromProperties(std::string_view props) {
  size_t pos = 0;
  while (pos < props.size()) {
    size_t end = props.find('\x02', pos);
    if (end == std::string_view::npos) end = props.size();
    std::string_view item = props.substr(pos, end - pos);
    size_t sep = item.find('\x01');
    if (sep != std::string_view::npos && item.substr(0, sep) == kTagsKey) {
      std::string_view tags = item.substr(sep + 1);
      if (tags.empty()) return 0;
      return JavaStringHash(tags.data(), tags.size());
    }
    pos = end + 1;
  }
  return 0;
}

Status RecoverStore(CommitLog* commit_log, ConsumeQueueStore* queues, const StoreCheckpoint& checkpoint,
                    bool crashed, RecoveryResult* result, const DelayLevelTable* delays) {
  *result = RecoveryResult();
  MappedFileQueue* files = commit_log->file_queue();
  int64_t start = crashed ? RecoveryStartOffset(*files, true, checkpoint) : CleanRecoveryStartOffset(*files, *queues);
  int64_t end = files->empty()
                    ? 0
                    : ScanCommitLog(*files, start, std::numeric_limits<int64_t>::max(),
                                    [&](const RecordView& r, int64_t) {
                                      result->last_store_timestamp = r.store_timestamp;
                                    });
  RMQ_LOG_INFO("CommitLog recovery (%s) from %lld: valid end %lld", crashed ? "after crash" : "clean",
               static_cast<long long>(start), static_cast<long long>(end));
  Status s = files->TruncateDirty(end);
  if (!s.ok()) return s;
  result->commit_log_end = end;

  int64_t max_cq_end = 0;
  for (const auto& cq : queues->All()) {
    s = cq->TruncateBeyond(end);
    if (!s.ok()) return s;
    max_cq_end = std::max(max_cq_end, cq->max_physic_end());
  }
  int64_t from = crashed ? std::min(start, max_cq_end) : max_cq_end;
  from = std::clamp(from, files->MinOffset(), end);
  result->dispatch_from = from;

  Status dispatch_status;
  ScanCommitLog(*files, from, end, [&](const RecordView& r, int64_t offset) {
    if (!dispatch_status.ok() || !DispatchesToConsumeQueue(r.sys_flag) || !IsStorableTopic(r.topic)) return;
    auto cq = queues->FindOrCreate(r.topic, r.queue_id);
    int64_t before = cq->MaxOffset();
    int64_t tags_code = TagsCodeFromProperties(r.properties);
    if (delays != nullptr) tags_code = ScheduleTagsCode(r.topic, r.properties, r.store_timestamp, *delays, tags_code);
    Status ps = cq->Put(r.queue_offset, CqEntry{offset, r.total_size, tags_code});
    if (IsNoSpace(ps)) {
      RMQ_LOG_ERROR("re-dispatch stops at %lld: %s; the ConsumeQueues are rebuilt at the next start with space",
                    static_cast<long long>(offset), ps.message().c_str());
      result->dispatch_short_of_space = true;
      dispatch_status = ps;
    } else if (ps.IsCorruption()) {
      RMQ_LOG_WARN("re-dispatch: %s for %.*s/%d queue offset %lld at %lld", ps.message().c_str(),
                   static_cast<int>(r.topic.size()), r.topic.data(), r.queue_id,
                   static_cast<long long>(r.queue_offset), static_cast<long long>(offset));
    } else if (!ps.ok()) {
      dispatch_status = ps;
    } else if (cq->MaxOffset() > before) {
      ++result->redispatched;
    }
  });
  if (!dispatch_status.ok() && !result->dispatch_short_of_space) return dispatch_status;
  for (const auto& cq : queues->All()) cq->CorrectMinOffset(files->MinOffset());
  return Status::OK();
}

}  // namespace rmq::store
