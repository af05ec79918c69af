// MappedFile: one fixed-size file mapped MAP_SHARED (mirrors Java's MappedFile).
//
// One writer thread appends (the loop thread); the flush thread calls Flush(); any thread may
// read up to the write position. Readers hold a shared_ptr while they use a view, which keeps
// the mapping alive even if the file is dropped from its queue (Java's hold()/release()).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rmq::store {

class MappedFile : public std::enable_shared_from_this<MappedFile> {
 public:
  // Opens `path`, creating it sparse (ftruncate) if missing and extending a short file with
  // zeros. A file longer than `file_size` is Corruption. The write position starts at 0.
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
  int64_t remaining() const { return file_size_ - write_position(); }
  bool IsFull() const { return write_position() >= file_size_; }

  // Writer side. Mutable bytes at [write_position, file_size); fill them, then Commit(n).
  char* WritableData() { return base_ + write_position(); }
  void Commit(int64_t n) { write_pos_.store(write_position() + n, std::memory_order_release); }
  // Appends `data` if it fits; false otherwise.
  bool Append(std::string_view data);
  // Sets the write (and, if beyond, flushed) position; used by load and recovery.
  void SetPositions(int64_t write_pos, int64_t flushed_pos);

  // Bytes [pos, pos + n) if they lie below the write position, else an empty view.
  std::string_view Read(int64_t pos, int64_t n) const;
  // Bytes [pos, write_position), or empty.
  std::string_view ReadFrom(int64_t pos) const;
  // The whole mapping, regardless of the write position (recovery scans past it).
  std::string_view WholeFile() const { return std::string_view(base_, static_cast<size_t>(file_size_)); }

  // Syncs the dirty range [flushed, write) to disk. Flush thread.
  Status Flush();
  // Zeroes [pos, file_size) on disk and in the mapping; used to cut a torn tail.
  Status ZeroFrom(int64_t pos);
  // The file's modification time in ms since the epoch (Java's File.lastModified), or 0.
  int64_t LastModifiedMs() const;
  // Removes the file from disk. The mapping (and views into it) stays valid until the last
  // shared_ptr is dropped; callers drop the file from its queue first.
  Status Destroy();

 private:
  MappedFile(std::string path, int64_t from, int64_t size, int fd, char* base);

  const std::string path_;
  const int64_t file_from_offset_;
  const int64_t file_size_;
  int fd_;
  char* base_;
  std::atomic<int64_t> write_pos_{0};
  std::atomic<int64_t> flushed_pos_{0};
};

// The name of a mapped file: its start offset, 20 digits zero-padded.
std::string MappedFileName(int64_t offset);
// Parses a 20-digit name; false if `name` is not one.
bool ParseMappedFileName(std::string_view name, int64_t* offset);

}  // namespace rmq::store
