#include "store/mapped_file_queue.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "common/logging.h"
#include "store/allocate_mapped_file_service.h"
#include "store/file_space.h"

namespace rmq::store {

namespace fs = std::filesystem;

constexpr int64_t kOsPageSize = 4096;  // Mirrors MappedFile.OS_PAGE_SIZE.

Status CreateDirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("create_directories " + dir + ": " + ec.message());
  return Status::OK();
}

MappedFileQueue::MappedFileQueue(std::string dir, int64_t file_size)
    : dir_(std::move(dir)), file_size_(file_size) {}

Status MappedFileQueue::Load() {
  Status s = CreateDirs(dir_);
  if (!s.ok()) return s;
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    int64_t offset;
    if (!entry.is_regular_file(ec) || !ParseMappedFileName(name, &offset)) {
      RMQ_LOG_WARN("ignoring %s in %s", name.c_str(), dir_.c_str());
      continue;
    }
    if (offset % file_size_ != 0) {
      return Status::Corruption("file " + name + " in " + dir_ + " is not at a file boundary");
    }
    found.emplace_back(offset, entry.path().string());
  }
  if (ec) return Status::IOError("list " + dir_ + ": " + ec.message());
  std::sort(found.begin(), found.end());
  std::vector<std::shared_ptr<MappedFile>> files;
  for (size_t i = 0; i < found.size(); ++i) {
    const auto& [offset, path] = found[i];
    auto f = MappedFile::Open(path, offset, file_size_);
    if (!f.ok() && IsNoSpace(f.status()) && i + 1 == found.size() && !fs::exists(path)) {
      // An empty last file (a crash while creating it) that the full disk could not size: it held
      // nothing and Open removed it; the store opens without it (and refuses writes for now).
      RMQ_LOG_WARN("dropped empty %s: %s", path.c_str(), f.status().ToString().c_str());
      break;
    }
    if (!f.ok()) return f.status();
    (*f)->SetPositions(file_size_, file_size_);
    files.push_back(std::move(*f));
  }
  std::lock_guard<std::mutex> l(mu_);
  files_ = std::move(files);
  return Status::OK();
}

std::vector<std::shared_ptr<MappedFile>> MappedFileQueue::Files() const {
  std::lock_guard<std::mutex> l(mu_);
  return files_;
}

std::shared_ptr<MappedFile> MappedFileQueue::FirstFile() const {
  std::lock_guard<std::mutex> l(mu_);
  return files_.empty() ? nullptr : files_.front();
}

std::shared_ptr<MappedFile> MappedFileQueue::LastFile() const {
  std::lock_guard<std::mutex> l(mu_);
  return files_.empty() ? nullptr : files_.back();
}

std::shared_ptr<MappedFile> MappedFileQueue::FindLocked(int64_t offset) const {
  auto it = std::upper_bound(files_.begin(), files_.end(), offset,
                             [](int64_t o, const std::shared_ptr<MappedFile>& f) {
                               return o < f->file_from_offset();
                             });
  if (it == files_.begin()) return nullptr;
  --it;
  if (offset >= (*it)->file_from_offset() + file_size_) return nullptr;
  return *it;
}

std::shared_ptr<MappedFile> MappedFileQueue::FindFileByOffset(int64_t offset) const {
  std::lock_guard<std::mutex> l(mu_);
  return FindLocked(offset);
}

Result<std::shared_ptr<MappedFile>> MappedFileQueue::GetOrCreateLastFile(int64_t start_offset_if_empty) {
  std::lock_guard<std::mutex> l(mu_);
  int64_t start;
  if (files_.empty()) {
    start = start_offset_if_empty - start_offset_if_empty % file_size_;
  } else if (!files_.back()->IsFull()) {
    return files_.back();
  } else {
    start = files_.back()->file_from_offset() + file_size_;
  }
  std::shared_ptr<MappedFile> f = allocator_ ? allocator_->Take(start, file_size_) : nullptr;
  if (!f) {
    Status s = CreateDirs(dir_);
    if (!s.ok()) return s;
    auto opened = MappedFile::Open(dir_ + "/" + MappedFileName(start), start, file_size_);
    if (!opened.ok()) return opened.status();
    f = std::move(*opened);
  }
  if (pool_ && !f->AttachWriteBuffer(pool_)) {
    RMQ_LOG_WARN("transient store pool has no free buffer; %s is written directly", f->path().c_str());
  }
  files_.push_back(f);
  RequestNextLocked();
  return f;
}

void MappedFileQueue::SetAllocator(AllocateMappedFileService* allocator) {
  std::lock_guard<std::mutex> l(mu_);
  allocator_ = allocator;
  RequestNextLocked();
}

void MappedFileQueue::RequestNextLocked() {
  if (allocator_ == nullptr || files_.empty()) return;
  const int64_t next = files_.back()->file_from_offset() + file_size_;
  allocator_->Request(dir_ + "/" + MappedFileName(next), next, file_size_);
}

int64_t MappedFileQueue::MinOffset() const {
  std::lock_guard<std::mutex> l(mu_);
  return files_.empty() ? 0 : files_.front()->file_from_offset();
}

int64_t MappedFileQueue::MaxOffset() const {
  std::lock_guard<std::mutex> l(mu_);
  if (files_.empty()) return 0;
  return files_.back()->file_from_offset() + files_.back()->read_position();
}

int64_t MappedFileQueue::MaxWroteOffset() const {
  std::lock_guard<std::mutex> l(mu_);
  if (files_.empty()) return 0;
  return files_.back()->file_from_offset() + files_.back()->write_position();
}

void MappedFileQueue::SetTransientStorePool(std::shared_ptr<TransientStorePool> pool) {
  std::lock_guard<std::mutex> l(mu_);
  pool_ = std::move(pool);
}

bool MappedFileQueue::Commit(int least_pages) {
  std::lock_guard<std::mutex> c(commit_mu_);
  bool committed = false;
  std::vector<std::shared_ptr<MappedFile>> files = Files();
  for (const auto& f : files) {
    if (!f->HasUncommitted() && f->read_position() < f->file_size()) continue;
    const int64_t before = f->read_position();
    if (f->CommitToFile(least_pages) > before) committed = true;
  }
  return committed;
}

bool MappedFileQueue::HasUncommitted() const {
  std::vector<std::shared_ptr<MappedFile>> files = Files();
  for (const auto& f : files) {
    if (f->HasUncommitted()) return true;
  }
  return false;
}

int64_t MappedFileQueue::FlushedOffset() const {
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& f : files_) {
    if (f->flushed_position() < f->file_size()) return f->file_from_offset() + f->flushed_position();
  }
  return files_.empty() ? 0 : files_.back()->file_from_offset() + file_size_;
}

bool MappedFileQueue::empty() const {
  std::lock_guard<std::mutex> l(mu_);
  return files_.empty();
}

Status MappedFileQueue::TruncateDirty(int64_t offset) {
  std::vector<std::shared_ptr<MappedFile>> doomed;
  std::shared_ptr<MappedFile> cut;
  {
    std::lock_guard<std::mutex> l(mu_);
    // A file prepared past the old end must neither stay on disk nor be taken later.
    if (allocator_ != nullptr) allocator_->Cancel();
    std::vector<std::shared_ptr<MappedFile>> keep;
    for (auto& f : files_) {
      if (f->file_from_offset() + file_size_ <= offset) {
        keep.push_back(f);
      } else if (f->file_from_offset() <= offset) {
        cut = f;
        keep.push_back(f);
      } else {
        doomed.push_back(f);
      }
    }
    files_ = std::move(keep);
  }
  if (cut) {
    int64_t pos = offset - cut->file_from_offset();
    Status s = cut->ZeroFrom(pos);
    if (!s.ok()) return s;
    cut->SetPositions(pos, pos);
  }
  for (auto& f : doomed) {
    RMQ_LOG_INFO("removing dirty file %s", f->path().c_str());
    Status s = f->Destroy();
    if (!s.ok()) return s;
  }
  std::lock_guard<std::mutex> l(mu_);
  RequestNextLocked();  // after the removals: a file still on disk is never prepared over
  return Status::OK();
}

Status MappedFileQueue::Flush(int least_pages) {
  std::vector<std::shared_ptr<MappedFile>> files = Files();
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    int64_t w = f->read_position();
    int64_t fl = f->flushed_position();
    if (w <= fl) continue;
    bool last = i + 1 == files.size();
    if (last && least_pages > 0 && !f->IsFull() &&
        (w / kOsPageSize) - (fl / kOsPageSize) < least_pages) {
      continue;
    }
    Status s = f->Flush();
    if (!s.ok()) return s;
  }
  return Status::OK();
}

int64_t MappedFileQueue::DirtyBytes() const {
  int64_t dirty = 0;
  for (const auto& f : Files()) dirty += f->read_position() - f->flushed_position();
  return dirty;
}

int MappedFileQueue::DeleteExpiredFilesByTime(int64_t now_ms, int64_t expired_ms, bool clean_immediately,
                                              int max_files) {
  int deleted = 0;
  return DeleteFilesWhile([&](const MappedFile& f) {
    if (deleted >= max_files) return false;
    if (!clean_immediately && now_ms < f.LastModifiedMs() + expired_ms) return false;
    ++deleted;
    return true;
  });
}

int MappedFileQueue::DeleteFilesWhile(const std::function<bool(const MappedFile&)>& expired) {
  std::vector<std::shared_ptr<MappedFile>> doomed;
  {
    std::lock_guard<std::mutex> l(mu_);
    size_t n = 0;
    while (n + 1 < files_.size() && expired(*files_[n])) ++n;
    doomed.assign(files_.begin(), files_.begin() + static_cast<std::ptrdiff_t>(n));
    files_.erase(files_.begin(), files_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  int deleted = 0;
  for (auto& f : doomed) {
    Status s = f->Destroy();
    if (!s.ok()) {
      RMQ_LOG_ERROR("deleting %s: %s", f->path().c_str(), s.ToString().c_str());
      continue;
    }
    RMQ_LOG_INFO("deleted expired file %s", f->path().c_str());
    ++deleted;
  }
  return deleted;
}

Status MappedFileQueue::DestroyAll() {
  std::vector<std::shared_ptr<MappedFile>> files;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (allocator_ != nullptr) allocator_->Cancel();
    files.swap(files_);
  }
  for (auto& f : files) {
    Status s = f->Destroy();
    if (!s.ok()) return s;
  }
  std::error_code ec;
  fs::remove(dir_, ec);  // best effort: only succeeds when empty
  return Status::OK();
}

}  // namespace rmq::store
