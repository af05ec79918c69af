// MappedFile: one fixed-size file mapped MAP_SHARED (mirrors Java's MappedFile).
//
// One writer thread appends (the loop thread); the flush thread calls Flush(); any thread may
// read up to the read position. With a write buffer (transientStorePoolEnable, see
// TransientStorePool) the writer fills the buffer instead of the mapping, the commit thread
// copies [committed, write) into the mapping (CommitToFile), and the read position is the
// committed position, as Java's getReadPosition; without one the read position is the write
// position. Readers hold a shared_ptr while they use a view, which keeps
// the mapping alive even if the file is dropped from its queue (Java's hold()/release()).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <mutex>
#include <vector>

#include "common/status.h"

namespace rmq::store {

// Java's TransientStorePool: `pool_size` anonymous buffers of one CommitLog file each, lent to
// new CommitLog files as their write buffers. Pages are committed lazily by the kernel (no
// mlock, unlike Java). Any thread.
class TransientStorePool {
 public:
  TransientStorePool(int pool_size, int64_t buffer_size);
  ~TransientStorePool();
  TransientStorePool(const TransientStorePool&) = delete;
  TransientStorePool& operator=(const TransientStorePool&) = delete;

  // Maps the buffers. IOError if one cannot be mapped.
  Status Init();
  // A free buffer, or null when all are lent.
  char* Borrow();
  void Return(char* buffer);
  int available() const;
  int64_t buffer_size() const { return buffer_size_; }

 private:
  const int pool_size_;
  const int64_t buffer_size_;
  mutable std::mutex mu_;
  std::vector<char*> all_;
  std::vector<char*> free_;
};

class MappedFile : public std::enable_shared_from_this<MappedFile> {
 public:
  // Opens `path`, creating it if missing and extending a short file with zeros. A created or
  // extended file is reserved (ReserveFileSpace) before it is mapped; when that fails a created
  // file is removed again and the error (IsNoSpace on a full disk) returned. An existing file of
  // the right size is opened as it is (no new space needed) and counts as not reserved until
  // Reserve() succeeds. A file longer than `file_size` is Corruption. The write position starts at 0.
  static Result<std::shared_ptr<MappedFile>> Open(const std::string& path, int64_t file_from_offset,
                                                  int64_t file_size);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  int64_t file_from_offset() const { return file_from_offset_; }
  int64_t file_size() const { return file_size_; }
  int64_t write_position() const { return write_pos_.load(std::memory_order_acquire); }
  int64_t flushed_position() const { return flushed_pos_.load(std::memory_order_acquire); }
  // Bytes below it are in the file (readable, flushable): the committed position with a write
  // buffer, else the write position.
  int64_t read_position() const {
    return buffered_.load(std::memory_order_acquire) ? committed_pos_.load(std::memory_order_acquire)
                                                     : write_position();
  }
  int64_t remaining() const { return file_size_ - write_position(); }
  bool IsFull() const { return write_position() >= file_size_; }

  // Writer side. Mutable bytes at [write_position, file_size) (in the write buffer if there is
  // one); fill them, then Commit(n).
  char* WritableData() {
    char* b = write_buffer_.load(std::memory_order_relaxed);
    return (b != nullptr ? b : base_) + write_position();
  }
  void Commit(int64_t n) { write_pos_.store(write_position() + n, std::memory_order_release); }
  // Appends `data` if it fits; false otherwise.
  bool Append(std::string_view data);
  // Gives a fresh file (write position 0) a write buffer from `pool`; false (and the file keeps
  // writing into the mapping) when the pool has none left. Before the writer uses the file.
  bool AttachWriteBuffer(std::shared_ptr<TransientStorePool> pool);
  // Commit thread (Java's MappedFile.commit): copies [committed, write) from the write buffer into
  // the mapping when the file is full, when `least_pages` is 0 and anything waits, or when at
  // least `least_pages` 4 KiB pages wait; returns the buffer to its pool once the whole file is
  // committed. Returns the read position. A no-op without a write buffer.
  int64_t CommitToFile(int least_pages);
  // Whether bytes were written into a write buffer but not yet committed.
  bool HasUncommitted() const { return buffered_.load(std::memory_order_acquire) && read_position() < write_position(); }

  // Sets the write (and committed; and, if beyond, flushed) position; used by load and recovery.
  void SetPositions(int64_t write_pos, int64_t flushed_pos);

  // Bytes [pos, pos + n) if they lie below the read position, else an empty view. With
  // `uncommitted`, also tells whether they were written but wait in the write buffer (judged
  // against the same read position, so a commit in between cannot make them look lost).
  std::string_view Read(int64_t pos, int64_t n, bool* uncommitted = nullptr) const;
  // Bytes [pos, read_position), or empty.
  std::string_view ReadFrom(int64_t pos) const;
  // The whole mapping, regardless of the write position (recovery scans past it).
  std::string_view WholeFile() const { return std::string_view(base_, static_cast<size_t>(file_size_)); }

  // Syncs the dirty range [flushed, read position) to disk. Flush thread.
  Status Flush();
  // Zeroes [pos, file_size) on disk and in the mapping; used to cut a torn tail. The range is
  // punched out (a hole) and then reserved again; if that fails the file counts as not reserved.
  Status ZeroFrom(int64_t pos);
  // The file's modification time in ms since the epoch (Java's File.lastModified), or 0.
  int64_t LastModifiedMs() const;
  // Whether every byte of the file is known to be backed by the filesystem (or the filesystem
  // cannot reserve). The writer must not store into a file that is not.
  bool reserved() const { return reserved_.load(std::memory_order_acquire); }
  // Reserves [write position, file_size) (ReserveFileSpace); OK at once when already reserved.
  // Writer thread.
  Status Reserve();
  // Removes the file from disk. The mapping (and views into it) stays valid until the last
  // shared_ptr is dropped; callers drop the file from its queue first.
  Status Destroy();

 private:
  MappedFile(std::string path, int64_t from, int64_t size, int fd, char* base);
  // Reserves [pos rounded down to a page, file_size) and marks the file reserved on success.
  Status ReserveFrom(int64_t pos);

  const std::string path_;
  const int64_t file_from_offset_;
  const int64_t file_size_;
  int fd_;
  char* base_;
  std::atomic<int64_t> write_pos_{0};
  std::atomic<int64_t> flushed_pos_{0};
  std::atomic<bool> reserved_{false};
  // Write buffer mode (transientStorePoolEnable): set once, before the writer uses the file.
  std::atomic<bool> buffered_{false};
  std::atomic<int64_t> committed_pos_{0};
  std::atomic<char*> write_buffer_{nullptr};  // null again once the whole file is committed
  std::shared_ptr<TransientStorePool> pool_;
};

// The name of a mapped file: its start offset, 20 digits zero-padded.
std::string MappedFileName(int64_t offset);
// Parses a 20-digit name; false if `name` is not one.
bool ParseMappedFileName(std::string_view name, int64_t* offset);

}  // namespace rmq::store
