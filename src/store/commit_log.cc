#include "store/commit_log.h"

#include <cstring>
#include <limits>

#include "common/coding.h"
#include "common/logging.h"
#include "store/commit_log_record.h"

namespace rmq::store {

CommitLog::CommitLog(std::string dir, int64_t file_size) : file_size_(file_size), queue_(std::move(dir), file_size) {}

CommitLog::~CommitLog() { StopServices(); }

void CommitLog::StopServices() {
  warmer_.Stop();
  if (!allocator_) return;
  queue_.SetAllocator(nullptr);
  allocator_->Stop();  // removes a prepared file nobody took
}

void CommitLog::StartPreallocation(AllocateMappedFileService::Opener open) {
  if (allocator_) return;
  allocator_ = std::make_unique<AllocateMappedFileService>(std::move(open));
  allocator_->Start();
  queue_.SetAllocator(allocator_.get());
}

Status CommitLog::Append(const MessageToStore* msgs, size_t n, int64_t first_queue_offset,
                         int64_t store_timestamp, AppendResult* result) {
  *result = AppendResult();
  int64_t total = 0;
  for (size_t i = 0; i < n; ++i) total += static_cast<int64_t>(RecordSize(msgs[i]));
  if (total + kEndFileMinBlankLength > file_size_) {
    return Status::InvalidArgument("records larger than a CommitLog file");
  }
  auto file = queue_.GetOrCreateLastFile(0);
  if (!file.ok()) return file.status();
  std::shared_ptr<MappedFile> f = *file;
  // A file found on disk (or whose tail recovery punched out) may be sparse: nothing is stored
  // into it, not even a blank record, until the disk backs it.
  Status reserved = f->Reserve();
  if (!reserved.ok()) return reserved;
  if (total + kEndFileMinBlankLength > f->remaining()) {
    // Mirrors Java: the rest of the file becomes one blank record and we roll. Every record
    // leaves >= 8 bytes free, so the blank header always fits.
    int64_t remaining = f->remaining();
    EncodeBlankRecord(static_cast<int32_t>(remaining), f->WritableData());
    f->Commit(remaining);
    file = queue_.GetOrCreateLastFile(0);
    if (!file.ok()) return file.status();  // the blank record stays; the next append rolls again
    f = *file;
    reserved = f->Reserve();  // a no-op for a file just created
    if (!reserved.ok()) return reserved;
  }
  int64_t pos = f->file_from_offset() + f->write_position();
  char* dst = f->WritableData();
  result->wrote_offset = pos;
  for (size_t i = 0; i < n; ++i) {
    RecordPlacement placement{first_queue_offset + static_cast<int64_t>(i), pos, store_timestamp};
    size_t size = RecordSize(msgs[i]);
    EncodeRecord(msgs[i], placement, dst);
    result->phy_offsets.push_back(pos);
    result->sizes.push_back(static_cast<int32_t>(size));
    dst += size;
    pos += static_cast<int64_t>(size);
  }
  result->wrote_bytes = static_cast<int32_t>(total);
  // Publish the bytes only after they are complete, so readers never see half a batch.
  f->Commit(total);
  warmer_.Advance(f, f->write_position());
  return Status::OK();
}

Status CommitLog::AppendRaw(int64_t offset, std::string_view bytes) {
  const bool empty = queue_.empty();
  if (empty ? offset < 0 || offset % file_size_ != 0 : offset != queue_.MaxWroteOffset()) {
    return Status::InvalidArgument("raw CommitLog bytes at " + std::to_string(offset) + " do not continue the log at " +
                                   std::to_string(empty ? 0 : queue_.MaxWroteOffset()));
  }
  if (bytes.empty()) return Status::OK();
  if (offset % file_size_ + static_cast<int64_t>(bytes.size()) > file_size_) {
    return Status::InvalidArgument("raw CommitLog bytes cross a file boundary");
  }
  auto file = queue_.GetOrCreateLastFile(offset);  // a new file when the last one is full
  if (!file.ok()) return file.status();
  std::shared_ptr<MappedFile> f = *file;
  if (f->file_from_offset() + f->write_position() != offset) {
    return Status::InvalidArgument("raw CommitLog bytes do not start where the last file ends");
  }
  Status reserved = f->Reserve();
  if (!reserved.ok()) return reserved;
  std::memcpy(f->WritableData(), bytes.data(), bytes.size());
  f->Commit(static_cast<int64_t>(bytes.size()));
  warmer_.Advance(f, f->write_position());
  return Status::OK();
}

std::string_view CommitLog::Read(int64_t offset, int32_t size, std::shared_ptr<MappedFile>* hold,
                                 bool* uncommitted) const {
  if (uncommitted != nullptr) *uncommitted = false;
  if (offset < 0 || size <= 0) return {};
  std::shared_ptr<MappedFile> f = queue_.FindFileByOffset(offset);
  if (!f) return {};
  std::string_view v = f->Read(offset - f->file_from_offset(), size, uncommitted);
  if (!v.empty()) *hold = std::move(f);
  return v;
}

Status CommitLog::ReadRecord(int64_t offset, std::string_view* record,
                             std::shared_ptr<MappedFile>* hold) const {
  if (offset < 0) return Status::NotFound("negative offset");
  std::shared_ptr<MappedFile> f = queue_.FindFileByOffset(offset);
  if (!f) return Status::NotFound("no CommitLog file at offset");
  std::string_view rest = f->ReadFrom(offset - f->file_from_offset());
  if (rest.empty()) return Status::NotFound("offset beyond written data");
  RecordView view;
  Status s = DecodeRecord(rest, &view, /*check_crc=*/false);
  if (s.IsNotFound()) return Status::NotFound("blank record at offset");
  if (!s.ok()) return s;
  *record = rest.substr(0, static_cast<size_t>(view.total_size));
  *hold = std::move(f);
  return Status::OK();
}

int64_t CommitLog::StoreTimestampAt(int64_t offset, int32_t size) const {
  std::shared_ptr<MappedFile> hold;
  std::string_view rec = Read(offset, size, &hold);
  int64_t ts = -1;
  if (rec.empty() || !ReadStoreTimestamp(rec, &ts).ok()) return -1;
  return ts;
}

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

}  // namespace rmq::store
