// PageWarmer: faults in the CommitLog pages just ahead of the write position on a background
// thread, so the event loop's record copy lands on pages that already exist. Without it the first
// write to each 4 KiB page of a fresh (sparse) segment allocates and zeroes a page-cache page
// inside the loop's memcpy: under loadgen that was 17-38% of the loop thread.
//
// Warming never changes file contents (MADV_POPULATE_WRITE only builds writable page-table
// entries), so it may race freely with the writer. Where the kernel lacks it (Linux < 5.14) the
// warmer switches itself off and the writer faults as before.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "store/mapped_file.h"

namespace rmq::store {

class PageWarmer {
 public:
  // Keeps about `ahead` bytes warm past the write position; asks again when less than half is left.
  explicit PageWarmer(int64_t ahead = 16 << 20);
  ~PageWarmer();
  PageWarmer(const PageWarmer&) = delete;
  PageWarmer& operator=(const PageWarmer&) = delete;

  // Joins the thread; later Advance calls do nothing. The owner (CommitLog::StopServices) calls
  // it in the store's shutdown order; the destructor too. Idempotent.
  void Stop();

  // Called by the writer after each append: `file` is the segment written, `write_pos` its new
  // write position. Cheap when nothing needs doing (no lock, no syscall).
  void Advance(const std::shared_ptr<MappedFile>& file, int64_t write_pos);

  // For tests: bytes warmed so far (summed over files) and whether warming is available.
  int64_t warmed_bytes() const;
  bool enabled() const { return enabled_; }
  // Blocks until the thread has no request in hand (tests).
  void WaitIdle();

 private:
  void Run();

  const int64_t ahead_;
  bool enabled_ = true;           // writer's view; cleared once the thread reports no support
  const MappedFile* asked_file_ = nullptr;  // writer side: last request
  int64_t asked_upto_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::shared_ptr<MappedFile> file_;  // pending request
  int64_t from_ = 0, upto_ = 0;
  bool busy_ = false;
  bool unsupported_ = false;
  bool stop_ = false;
  int64_t warmed_ = 0;
  std::thread thread_;
};

}  // namespace rmq::store
