#include "store/consume_queue.h"

#include <algorithm>

#include "common/coding.h"
#include "common/logging.h"

namespace rmq::store {

int64_t ConsumeQueueFileSize(int64_t configured) {
  if (configured < kCqStoreUnitSize) return kCqStoreUnitSize;
  return (configured + kCqStoreUnitSize - 1) / kCqStoreUnitSize * kCqStoreUnitSize;
}

void EncodeCqEntry(const CqEntry& e, char* dst) {
  EncodeFixed64(dst, static_cast<uint64_t>(e.commit_log_offset));
  EncodeFixed32(dst + 8, static_cast<uint32_t>(e.size));
  EncodeFixed64(dst + 12, static_cast<uint64_t>(e.tags_code));
}

CqEntry DecodeCqEntry(const char* src) {
  CqEntry e;
  e.commit_log_offset = static_cast<int64_t>(DecodeFixed64(src));
  e.size = static_cast<int32_t>(DecodeFixed32(src + 8));
  e.tags_code = static_cast<int64_t>(DecodeFixed64(src + 12));
  return e;
}

ConsumeQueue::ConsumeQueue(std::string topic, int32_t queue_id, std::string dir, int64_t file_size)
    : topic_(std::move(topic)),
      queue_id_(queue_id),
      file_size_(ConsumeQueueFileSize(file_size)),
      queue_(std::move(dir), file_size_) {}

Status ConsumeQueue::Recover() {
  auto files = queue_.Files();
  if (files.empty()) return Status::OK();
  size_t index = files.size() >= 3 ? files.size() - 3 : 0;
  int64_t valid_end = files[index]->file_from_offset();
  for (; index < files.size(); ++index) {
    const auto& f = files[index];
    if (f->file_from_offset() != valid_end) break;  // a gap between files ends the valid run
    std::string_view data = f->WholeFile();
    int64_t pos = 0;
    for (; pos + kCqStoreUnitSize <= f->file_size(); pos += kCqStoreUnitSize) {
      if (!IsValidCqEntry(DecodeCqEntry(data.data() + pos))) break;
    }
    valid_end = f->file_from_offset() + pos;
    if (pos < f->file_size()) break;
  }
  Status s = queue_.TruncateDirty(valid_end);
  if (!s.ok()) return s;
  RefreshMaxPhysicEnd();
  return Status::OK();
}

void ConsumeQueue::RefreshMaxPhysicEnd() {
  max_physic_end_ = 0;
  CqEntry last;
  int64_t max = MaxOffset();
  if (max > MinOffset() && GetEntry(max - 1, &last)) {
    max_physic_end_ = last.commit_log_offset + last.size;
  }
}

Status ConsumeQueue::TruncateBeyond(int64_t commit_log_end) {
  int64_t min = MinOffset();
  int64_t keep = MaxOffset();
  CqEntry e;
  while (keep > min && GetEntry(keep - 1, &e) &&
         (e.commit_log_offset + e.size > commit_log_end || e.commit_log_offset >= commit_log_end)) {
    --keep;
  }
  if (keep == MaxOffset()) return Status::OK();
  RMQ_LOG_WARN("consume queue %s/%d: truncating offsets [%lld, %lld) beyond CommitLog end %lld",
               topic_.c_str(), queue_id_, static_cast<long long>(keep),
               static_cast<long long>(MaxOffset()), static_cast<long long>(commit_log_end));
  Status s = queue_.TruncateDirty(keep * kCqStoreUnitSize);
  if (!s.ok()) return s;
  RefreshMaxPhysicEnd();
  return Status::OK();
}

Status ConsumeQueue::PrepareForPut() {
  auto file = queue_.GetOrCreateLastFile(0);
  if (!file.ok()) return file.status();
  return (*file)->Reserve();
}

Status ConsumeQueue::Put(int64_t cq_offset, const CqEntry& entry) {
  int64_t expect = cq_offset * kCqStoreUnitSize;
  if (queue_.empty()) {
    if (cq_offset != 0) return Status::Corruption("consume queue offset gap on empty queue");
  } else {
    int64_t current = queue_.MaxOffset();
    if (expect < current) return Status::OK();
    if (expect > current) return Status::Corruption("consume queue offset gap");
  }
  auto file = queue_.GetOrCreateLastFile(0);
  if (!file.ok()) return file.status();
  Status reserved = (*file)->Reserve();
  if (!reserved.ok()) return reserved;
  char buf[kCqStoreUnitSize];
  EncodeCqEntry(entry, buf);
  if (!(*file)->Append(std::string_view(buf, sizeof(buf)))) {
    return Status::IOError("consume queue file has no room");  // sizes are whole entries
  }
  max_physic_end_ = entry.commit_log_offset + entry.size;
  return Status::OK();
}

void ConsumeQueue::CorrectMinOffset(int64_t commit_log_min) {
  // Entries are in CommitLog order, so binary search for the first one still present.
  // Starts at the current minimum, so the minimum never moves back.
  int64_t lo = MinOffset();
  int64_t hi = MaxOffset();
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    CqEntry e;
    if (GetEntry(mid, &e) && e.commit_log_offset < commit_log_min) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  min_logic_offset_.store(lo * kCqStoreUnitSize, std::memory_order_release);
}

int ConsumeQueue::DeleteExpiredFiles(int64_t commit_log_min) {
  // A file other than the last is full, so its last entry is its newest.
  int deleted = queue_.DeleteFilesWhile([&](const MappedFile& f) {
    std::string_view whole = f.WholeFile();
    if (whole.size() < static_cast<size_t>(kCqStoreUnitSize)) return false;
    CqEntry last = DecodeCqEntry(whole.data() + whole.size() - kCqStoreUnitSize);
    return IsValidCqEntry(last) && last.commit_log_offset < commit_log_min;
  });
  CorrectMinOffset(commit_log_min);
  return deleted;
}

int64_t ConsumeQueue::LastCommitLogOffset() const {
  int64_t max = MaxOffset();
  CqEntry e;
  if (max <= 0 || !GetEntry(max - 1, &e)) return -1;
  return e.commit_log_offset;
}

int64_t ConsumeQueue::MinOffset() const {
  return std::max(queue_.MinOffset(), min_logic_offset_.load(std::memory_order_acquire)) / kCqStoreUnitSize;
}

CqEntries ConsumeQueue::GetEntries(int64_t offset) const {
  CqEntries out;
  if (offset < MinOffset()) return out;
  int64_t byte_offset = offset * kCqStoreUnitSize;
  std::shared_ptr<MappedFile> f = queue_.FindFileByOffset(byte_offset);
  if (!f) return out;
  std::string_view v = f->ReadFrom(byte_offset - f->file_from_offset());
  out.start_offset = offset;
  out.bytes = v.substr(0, v.size() / kCqStoreUnitSize * kCqStoreUnitSize);
  out.hold = std::move(f);
  return out;
}

bool ConsumeQueue::GetEntry(int64_t offset, CqEntry* entry) const {
  if (offset < 0) return false;
  std::shared_ptr<MappedFile> f = queue_.FindFileByOffset(offset * kCqStoreUnitSize);
  if (!f) return false;
  std::string_view v = f->Read(offset * kCqStoreUnitSize - f->file_from_offset(), kCqStoreUnitSize);
  if (v.size() != static_cast<size_t>(kCqStoreUnitSize)) return false;
  *entry = DecodeCqEntry(v.data());
  return true;
}

int64_t ConsumeQueue::RollNextFile(int64_t offset) const {
  int64_t per_file = file_size_ / kCqStoreUnitSize;
  return offset + per_file - offset % per_file;
}

}  // namespace rmq::store
