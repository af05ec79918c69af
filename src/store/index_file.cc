#include "store/index_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "common/coding.h"
#include "store/file_space.h"

namespace rmq::store {

namespace {

Status ErrnoStatus(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

int32_t GetI32(const char* p) { return static_cast<int32_t>(DecodeFixed32(p)); }
int64_t GetI64(const char* p) { return static_cast<int64_t>(DecodeFixed64(p)); }
void PutI32(char* p, int32_t v) { EncodeFixed32(p, static_cast<uint32_t>(v)); }
void PutI64(char* p, int64_t v) { EncodeFixed64(p, static_cast<uint64_t>(v)); }

}  // namespace

int64_t IndexFileSize(int32_t hash_slot_num, int32_t index_num) {
  return kIndexHeaderSize + static_cast<int64_t>(hash_slot_num) * kIndexSlotSize +
         static_cast<int64_t>(index_num) * kIndexEntrySize;
}

int32_t IndexKeyHash(std::string_view key) {
  int32_t h = JavaStringHash(key.data(), key.size());
  if (h == std::numeric_limits<int32_t>::min()) return 0;
  return h < 0 ? -h : h;
}

Status DecodeIndexHeader(std::string_view data, IndexHeader* h) {
  if (data.size() < static_cast<size_t>(kIndexHeaderSize)) return Status::Corruption("index header truncated");
  const char* p = data.data();
  h->begin_timestamp = GetI64(p + kIndexBeginTimestampOffset);
  h->end_timestamp = GetI64(p + kIndexEndTimestampOffset);
  h->begin_phy_offset = GetI64(p + kIndexBeginPhyOffsetOffset);
  h->end_phy_offset = GetI64(p + kIndexEndPhyOffsetOffset);
  h->hash_slot_count = GetI32(p + kIndexHashSlotCountOffset);
  h->index_count = GetI32(p + kIndexIndexCountOffset);
  return Status::OK();
}

IndexFile::IndexFile(std::string path, int32_t hash_slot_num, int32_t index_num, int fd, char* base)
    : path_(std::move(path)),
      hash_slot_num_(hash_slot_num),
      index_num_(index_num),
      file_size_(IndexFileSize(hash_slot_num, index_num)),
      fd_(fd),
      base_(base) {}

IndexFile::~IndexFile() {
  if (base_ != nullptr) ::munmap(base_, static_cast<size_t>(file_size_));
  if (fd_ >= 0) ::close(fd_);
}

Result<std::shared_ptr<IndexFile>> IndexFile::Open(const std::string& path, int32_t hash_slot_num,
                                                   int32_t index_num, int64_t prev_end_phy_offset,
                                                   int64_t prev_end_timestamp) {
  if (hash_slot_num <= 0 || index_num <= 1) return Status::InvalidArgument("index file dimensions");
  const int64_t size = IndexFileSize(hash_slot_num, index_num);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = ErrnoStatus("fstat", path);
    ::close(fd);
    return s;
  }
  const bool fresh = st.st_size == 0;
  if (st.st_size > size) {
    ::close(fd);
    return Status::Corruption(path + ": index file larger than maxHashSlotNum/maxIndexNum allow");
  }
  if (st.st_size < size) {
    // Reserved before the header is stored: a store into a page the disk cannot back is a SIGBUS.
    Status s = ::ftruncate(fd, size) != 0 ? ErrnoStatus("ftruncate", path) : ReserveFileSpace(fd, 0, size, path);
    if (!s.ok()) {
      if (fresh) ::unlink(path.c_str());
      ::close(fd);
      return s;
    }
  }
  void* p = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    Status s = ErrnoStatus("mmap", path);
    if (fresh) ::unlink(path.c_str());
    ::close(fd);
    return s;
  }
  std::shared_ptr<IndexFile> f(new IndexFile(path, hash_slot_num, index_num, fd, static_cast<char*>(p)));
  f->reserved_ = st.st_size < size;
  Status s = DecodeIndexHeader(std::string_view(f->base_, kIndexHeaderSize), &f->header_);
  if (!s.ok()) return s;
  // Mirrors IndexHeader.load: a zero count means "nothing written yet".
  if (f->header_.index_count <= 0) f->header_.index_count = 1;
  if (f->header_.index_count > index_num) {
    return Status::Corruption(path + ": indexCount " + std::to_string(f->header_.index_count) + " exceeds maxIndexNum");
  }
  if (fresh) {
    if (prev_end_phy_offset > 0) {
      f->header_.begin_phy_offset = f->header_.end_phy_offset = prev_end_phy_offset;
    }
    if (prev_end_timestamp > 0) f->header_.begin_timestamp = f->header_.end_timestamp = prev_end_timestamp;
    f->WriteHeader();
    f->dirty_.store(true);
  }
  return f;
}

std::string IndexFile::FileName() const {
  size_t slash = path_.rfind('/');
  return slash == std::string::npos ? path_ : path_.substr(slash + 1);
}

void IndexFile::WriteHeader() {
  PutI64(base_ + kIndexBeginTimestampOffset, header_.begin_timestamp);
  PutI64(base_ + kIndexEndTimestampOffset, header_.end_timestamp);
  PutI64(base_ + kIndexBeginPhyOffsetOffset, header_.begin_phy_offset);
  PutI64(base_ + kIndexEndPhyOffsetOffset, header_.end_phy_offset);
  PutI32(base_ + kIndexHashSlotCountOffset, header_.hash_slot_count);
  PutI32(base_ + kIndexIndexCountOffset, header_.index_count);
}

bool IndexFile::PutKey(std::string_view key, int64_t phy_offset, int64_t store_timestamp) {
  if (IsWriteFull()) return false;
  const int32_t key_hash = IndexKeyHash(key);
  char* slot = base_ + kIndexHeaderSize + static_cast<int64_t>(key_hash % hash_slot_num_) * kIndexSlotSize;
  int32_t slot_value = GetI32(slot);
  if (slot_value <= kInvalidIndex || slot_value >= header_.index_count) slot_value = kInvalidIndex;

  // Seconds since the file's begin timestamp, clamped as Java does. Java computes this before
  // the first entry sets beginTimestamp, and so do we, so both read old files the same way.
  int64_t time_diff = (store_timestamp - header_.begin_timestamp) / 1000;
  if (header_.begin_timestamp <= 0 || time_diff < 0) {
    time_diff = 0;
  } else if (time_diff > std::numeric_limits<int32_t>::max()) {
    time_diff = std::numeric_limits<int32_t>::max();
  }

  char* entry = base_ + kIndexHeaderSize + static_cast<int64_t>(hash_slot_num_) * kIndexSlotSize +
                static_cast<int64_t>(header_.index_count) * kIndexEntrySize;
  PutI32(entry, key_hash);
  PutI64(entry + 4, phy_offset);
  PutI32(entry + 12, static_cast<int32_t>(time_diff));
  PutI32(entry + 16, slot_value);
  // The entry is complete before the slot points at it.
  PutI32(slot, header_.index_count);

  if (header_.index_count <= 1) {
    header_.begin_phy_offset = phy_offset;
    header_.begin_timestamp = store_timestamp;
  }
  if (slot_value == kInvalidIndex) ++header_.hash_slot_count;
  ++header_.index_count;
  header_.end_phy_offset = phy_offset;
  header_.end_timestamp = store_timestamp;
  WriteHeader();
  dirty_.store(true, std::memory_order_release);
  return true;
}

void IndexFile::SelectPhyOffsets(std::string_view key, size_t max_num, int64_t begin, int64_t end,
                                 std::vector<int64_t>* out) const {
  const int32_t count = header_.index_count;
  if (count <= 1) return;
  const int32_t key_hash = IndexKeyHash(key);
  const char* slot = base_ + kIndexHeaderSize + static_cast<int64_t>(key_hash % hash_slot_num_) * kIndexSlotSize;
  int32_t next = GetI32(slot);
  if (next <= kInvalidIndex || next >= count) return;
  const char* entries = base_ + kIndexHeaderSize + static_cast<int64_t>(hash_slot_num_) * kIndexSlotSize;
  // Each step moves to a valid entry number; a corrupt file could still form a cycle, so the
  // walk visits at most as many entries as the file holds.
  for (int32_t steps = 0; steps < count - 1 && out->size() < max_num; ++steps) {
    const char* e = entries + static_cast<int64_t>(next) * kIndexEntrySize;
    const int32_t hash_read = GetI32(e);
    const int64_t phy_read = GetI64(e + 4);
    const int32_t diff_read = GetI32(e + 12);
    const int32_t prev = GetI32(e + 16);
    if (diff_read < 0) break;
    const int64_t time_read = header_.begin_timestamp + static_cast<int64_t>(diff_read) * 1000;
    if (hash_read == key_hash && time_read >= begin && time_read <= end) out->push_back(phy_read);
    if (prev <= kInvalidIndex || prev >= count || prev == next || time_read < begin) break;
    next = prev;
  }
}

bool IndexFile::IsTimeMatched(int64_t begin, int64_t end) const {
  const int64_t b = header_.begin_timestamp;
  const int64_t e = header_.end_timestamp;
  return (begin < b && end > e) || (begin >= b && begin <= e) || (end >= b && end <= e);
}

Status IndexFile::Reserve() {
  if (reserved_) return Status::OK();
  Status s = ReserveFileSpace(fd_, 0, file_size_, path_);
  if (s.ok()) reserved_ = true;
  return s;
}

Status IndexFile::Flush() {
  if (!dirty_.exchange(false, std::memory_order_acq_rel)) return Status::OK();
  if (::msync(base_, static_cast<size_t>(file_size_), MS_SYNC) != 0) {
    dirty_.store(true);
    return ErrnoStatus("msync", path_);
  }
  return Status::OK();
}

Status IndexFile::Destroy() {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink", path_);
  return Status::OK();
}

}  // namespace rmq::store
