// AllocateMappedFileService: prepares the CommitLog's next file on a background thread (mirrors
// Java's AllocateMappedFileService), so that a roll in CommitLog::Append takes a file that is
// already created, sized (ftruncate) and mapped instead of doing open + ftruncate + mmap itself.
//
// One slot: the queue asks for the file after its last one (Request) and claims it at the roll
// (Take). Preparing also stores a zero into the first page, which moves the costly first write
// fault of a new file (block allocation, inode update) off the writer. A request is served only if no file exists at that path yet, so a stale file is never
// adopted. Whatever is not claimed is removed from disk: by Cancel (TruncateDirty, DestroyAll),
// by a Request or Take for another offset, and by Stop. A prepared file on disk that a crash left
// behind is empty (its first word is zero) and recovery cuts it like any unwritten tail.
//
// Threading: Request/Take/Cancel from the writer (loop) thread, or any one thread at a time;
// they may wait for a preparation in progress (one open + ftruncate + mmap).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "store/mapped_file.h"

namespace rmq::store {

class AllocateMappedFileService {
 public:
  // Creates and maps a file; MappedFile::Open unless a test supplies another.
  using Opener = std::function<Result<std::shared_ptr<MappedFile>>(const std::string& path, int64_t from,
                                                                    int64_t size)>;
  explicit AllocateMappedFileService(Opener open = nullptr);
  ~AllocateMappedFileService();
  AllocateMappedFileService(const AllocateMappedFileService&) = delete;
  AllocateMappedFileService& operator=(const AllocateMappedFileService&) = delete;

  void Start();
  // Joins the thread and removes an unclaimed prepared file. Idempotent.
  void Stop();

  // Asks for the file at `path` (starting at `from`, `size` bytes) to be prepared. A no-op when
  // that file is already asked for; any other request is dropped first.
  void Request(const std::string& path, int64_t from, int64_t size);
  // The prepared file starting at `from`, waiting if it is being prepared; null when there is
  // none (never asked for, preparation failed, or stopped): the caller creates it itself.
  std::shared_ptr<MappedFile> Take(int64_t from, int64_t size);
  // Drops the request; a prepared file is removed from disk.
  void Cancel();

  // Counters for tests and logs.
  int64_t prepared() const;
  int64_t failed() const;

 private:
  enum class State { kNone, kPending, kRunning, kReady, kFailed };
  void Run();
  // Waits out a preparation in progress, then drops the slot. mu_ held.
  void DropLocked(std::unique_lock<std::mutex>& l);

  Opener open_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stop_ = false;
  State state_ = State::kNone;
  std::string path_;
  int64_t from_ = 0;
  int64_t size_ = 0;
  std::shared_ptr<MappedFile> file_;
  int64_t prepared_ = 0;
  int64_t failed_ = 0;
  std::thread thread_;
};

}  // namespace rmq::store
