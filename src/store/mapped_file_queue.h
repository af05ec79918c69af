// MappedFileQueue: a directory of equal-size MappedFiles named by start offset (mirrors Java's
// MappedFileQueue). Offsets are logical byte offsets across the whole queue.
//
// Threading: the loop thread appends, rolls and truncates; the flush thread calls Flush();
// the file list is guarded by a mutex so both may run at once. Returned shared_ptrs stay
// valid after the file leaves the queue.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/mapped_file.h"

namespace rmq::store {

class AllocateMappedFileService;

class MappedFileQueue {
 public:
  MappedFileQueue(std::string dir, int64_t file_size);
  MappedFileQueue(const MappedFileQueue&) = delete;
  MappedFileQueue& operator=(const MappedFileQueue&) = delete;

  const std::string& dir() const { return dir_; }
  int64_t file_size() const { return file_size_; }

  // Maps every file in the directory (creating the directory if missing). Each loaded file's
  // write position is its full size until recovery calls TruncateDirty(). Files whose names
  // are not 20-digit offsets are ignored with a warning.
  Status Load();

  // Snapshot of the files, in offset order.
  std::vector<std::shared_ptr<MappedFile>> Files() const;
  std::shared_ptr<MappedFile> FirstFile() const;
  std::shared_ptr<MappedFile> LastFile() const;
  // The file containing `offset`, or null.
  std::shared_ptr<MappedFile> FindFileByOffset(int64_t offset) const;
  // The last file if it has room, else a new file starting where the last ends (or at
  // `start_offset_if_empty`, rounded down to a file boundary, when there are none). With an
  // allocator, a new file is the one it prepared when there is one, and the file after it is
  // asked for at once; otherwise (or if preparing failed) it is created here.
  Result<std::shared_ptr<MappedFile>> GetOrCreateLastFile(int64_t start_offset_if_empty = 0);

  // Prepares next files in the background from now on (null: never). The caller keeps
  // `allocator` alive and started while the queue uses it. Asks for the file after the last
  // one at once. Before threads write (after recovery).
  void SetAllocator(AllocateMappedFileService* allocator);

  // First file's start offset, or 0 when empty.
  int64_t MinOffset() const;
  // Last file's start + read position (what readers may see; Java's getMaxOffset), or 0 when empty.
  int64_t MaxOffset() const;
  // Last file's start + write position (Java's getMaxWrotePosition), or 0. Differs from
  // MaxOffset only while bytes wait in a write buffer.
  int64_t MaxWroteOffset() const;

  // transientStorePoolEnable: from now on each new file written gets a write buffer from `pool`
  // (or is written directly when the pool has none left). Before threads write.
  void SetTransientStorePool(std::shared_ptr<TransientStorePool> pool);
  // Commit thread (Java's MappedFileQueue.commit): copies written bytes from the files' write
  // buffers into the files (least-pages rule as MappedFile::CommitToFile; a full file is always
  // committed). True if anything was committed.
  bool Commit(int least_pages);
  // Whether any file has bytes written but not yet committed.
  bool HasUncommitted() const;
  // Offset below which everything is on disk.
  int64_t FlushedOffset() const;
  bool empty() const;

  // Makes `offset` the new end: files after it are deleted, the file containing it gets its
  // write position set there and its tail zeroed; a prepared next file is dropped (and asked
  // for again after the new last file). Loop thread (or before threads start).
  Status TruncateDirty(int64_t offset);

  // Flushes dirty files (up to their read positions). With least_pages > 0 the last (not full) file is synced only when at
  // least that many 4 KiB pages are dirty. Flush thread.
  Status Flush(int least_pages);
  // Bytes written but not yet flushed.
  int64_t DirtyBytes() const;

  // Retention (Java's deleteExpiredFileByTime / deleteExpiredFileByOffset). Both delete files
  // oldest first, never the last one, and stop at the first file that is kept; they return
  // how many were deleted. A deleted file leaves the queue at once, but its mapping lives
  // until the last reader drops its shared_ptr. Any thread.
  //
  // Deletes files last modified `expired_ms` or more before `now_ms` (any file when
  // `clean_immediately`), at most `max_files`.
  int DeleteExpiredFilesByTime(int64_t now_ms, int64_t expired_ms, bool clean_immediately, int max_files);
  // Deletes files while `expired(file)` says so.
  int DeleteFilesWhile(const std::function<bool(const MappedFile&)>& expired);

  // Unmaps nothing that is held, but removes every file and the directory.
  Status DestroyAll();

 private:
  std::shared_ptr<MappedFile> FindLocked(int64_t offset) const;
  // Asks the allocator for the file after the last one. mu_ held.
  void RequestNextLocked();

  const std::string dir_;
  const int64_t file_size_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<MappedFile>> files_;
  AllocateMappedFileService* allocator_ = nullptr;  // guarded by mu_
  std::shared_ptr<TransientStorePool> pool_;        // guarded by mu_
  std::mutex commit_mu_;                            // one Commit at a time
};

// Creates `dir` and its parents. OK if it already exists.
Status CreateDirs(const std::string& dir);

}  // namespace rmq::store
