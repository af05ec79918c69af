#include "store/recovery.h"

#include <algorithm>
#include <limits>

#include "common/logging.h"

namespace rmq::store {

namespace {
// Java's recoverNormally start: the third-last file (or the first), 0 when there are none.
int64_t ThirdLastFileStart(const MappedFileQueue& files) {
  auto list = files.Files();
  if (list.empty()) return 0;
  return list[list.size() >= 3 ? list.size() - 3 : 0]->file_from_offset();
}
}  // namespace

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

Status RecoverStore(CommitLog* commit_log, ConsumeQueueStore* queues, const StoreCheckpoint& checkpoint,
                    bool crashed, RecoveryResult* result) {
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
  result->dispatch_from = std::clamp(from, files->MinOffset(), end);
  return Status::OK();
}

}  // namespace rmq::store
