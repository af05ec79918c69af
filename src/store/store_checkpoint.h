// StoreCheckpoint: the 4 KiB `checkpoint` file recording how far each store part is known to
// be on disk, by store timestamp (mirrors Java's StoreCheckpoint). Also the `abort` marker.
//
// Threading: setters and Flush run on the flush thread (or at open/shutdown); the values are
// atomics so any thread may read them.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace rmq::store {

constexpr int64_t kCheckpointFileSize = 4096;
constexpr size_t kCheckpointPhysicOffset = 0;
constexpr size_t kCheckpointLogicsOffset = 8;
constexpr size_t kCheckpointIndexOffset = 16;

class StoreCheckpoint {
 public:
  explicit StoreCheckpoint(std::string path);
  ~StoreCheckpoint();
  StoreCheckpoint(const StoreCheckpoint&) = delete;
  StoreCheckpoint& operator=(const StoreCheckpoint&) = delete;

  // Opens (creating a zeroed 4 KiB file if missing) and reads the timestamps. A short file
  // reads as zeros for the missing fields.
  Status Open();
  // Writes the three timestamps and syncs the file.
  Status Flush();

  int64_t physic_msg_timestamp() const { return physic_.load(); }
  int64_t logics_msg_timestamp() const { return logics_.load(); }
  int64_t index_msg_timestamp() const { return index_.load(); }
  void set_physic_msg_timestamp(int64_t t) { physic_.store(t); }
  void set_logics_msg_timestamp(int64_t t) { logics_.store(t); }
  void set_index_msg_timestamp(int64_t t) { index_.store(t); }

  // Java's getMinTimestamp(): records stored before this are on disk in both the CommitLog
  // and the ConsumeQueues (with a 3 s safety margin).
  int64_t MinTimestamp() const;

 private:
  const std::string path_;
  int fd_ = -1;
  std::atomic<int64_t> physic_{0};
  std::atomic<int64_t> logics_{0};
  std::atomic<int64_t> index_{0};
};

// The `abort` file: present while a store is open, so finding it at start means a crash.
bool AbortFileExists(const std::string& path);
Status CreateAbortFile(const std::string& path);
Status RemoveAbortFile(const std::string& path);

}  // namespace rmq::store
