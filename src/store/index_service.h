// IndexService: the `index/` directory of IndexFiles, oldest first (mirrors Java's
// IndexService). Indexes each stored message's KEYS and UNIQ_KEY under "topic#key" and answers
// key queries across files, newest first.
//
// Threading: Load, BuildIndex and QueryOffset run on the store's writer (loop) thread; Flush
// runs on the flush thread. The file list is guarded by a mutex; each file's header is only
// touched by the writer thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/index_file.h"
#include "common/message_properties.h"  // FindProperty, the key names

namespace rmq::store {

// Mirrors MessageConst.KEY_SEPARATOR and the property names the index reads.
constexpr char kIndexKeySeparator = ' ';
constexpr std::string_view kPropertyKeysName = rmq::kPropertyKeys;
constexpr std::string_view kPropertyUniqKeyName = rmq::kPropertyUniqClientMessageIdKeyidx;

// Mirrors QueryOffsetResult.
struct QueryOffsetResult {
  std::vector<int64_t> phy_offsets;  // newest first
  int64_t index_last_update_timestamp = 0;
  int64_t index_last_update_phyoffset = 0;
};

// The index file name for a time: Java's UtilAll.timeMillisToHumanString (local time,
// yyyyMMddHHmmssSSS).
std::string IndexFileNameForTime(int64_t millis);

class IndexService {
 public:
  IndexService(std::string dir, int32_t hash_slot_num, int32_t index_num, int32_t max_msgs_num_batch);
  IndexService(const IndexService&) = delete;
  IndexService& operator=(const IndexService&) = delete;

  // Opens every index file, oldest first. After a crash (`crashed`), the first file whose end
  // timestamp is newer than the checkpoint's indexMsgTimestamp and every later one are
  // deleted, as Java does; so is any file that claims records at or past `commit_log_end`
  // (the CommitLog was cut there). A file that fails to open as an index is deleted too: the
  // index is derived data and RebuildFrom() says where re-indexing must start.
  Status Load(bool crashed, int64_t index_checkpoint_timestamp, int64_t commit_log_end);

  // CommitLog offset from which records may still need indexing: the newest file's
  // endPhyOffset (BuildIndex skips what is already there), or 0 when nothing is indexed.
  // After a clean shutdown with the index complete, `commit_log_end` instead: every stored
  // record was offered to BuildIndex as it was stored (Java trusts the index then too), so a
  // store whose newest records carry no key is not re-scanned from the newest keyed record at
  // every start. The index is incomplete when its directory was missing (deleted, or a store
  // written without an index) or Load dropped files.
  int64_t RebuildFrom() const;
  // True when Load found the index incomplete (see RebuildFrom).
  bool incomplete() const { return incomplete_; }

  // Indexes one stored record (Java's buildIndex). Records at or below the newest indexed
  // offset and rollback records are skipped. Creates and rolls files as needed.
  void BuildIndex(std::string_view topic, std::string_view properties, int32_t sys_flag, int64_t phy_offset,
                  int64_t store_timestamp);

  // Offsets of records indexed under topic#key with store time in [begin, end]: at most
  // min(max_num, max_msgs_num_batch), newest first; plus the newest file's end point.
  QueryOffsetResult QueryOffset(std::string_view topic, std::string_view key, int32_t max_num, int64_t begin,
                                int64_t end) const;

  // Syncs files written since the last flush; returns the store timestamp of the newest entry
  // known to be on disk in *flushed_timestamp (0 when nothing was ever indexed). Flush thread.
  Status Flush(int64_t* flushed_timestamp);

  // Retention (Java's deleteExpiredFile): deletes leading files, never the last, whose
  // endPhyOffset is below `commit_log_min`. Returns how many. Clean thread.
  int DeleteExpiredFiles(int64_t commit_log_min);

  size_t FileCount() const;
  std::vector<std::shared_ptr<IndexFile>> Files() const;

  // Whether the next key can be put: the newest file has room and is reserved, or a new one
  // could be created and reserved. After a failure nothing is tried again for a second (a full
  // disk is not probed per message). Loop thread.
  bool Writable() { return LastWritableFile() != nullptr; }

 private:
  std::shared_ptr<IndexFile> LastWritableFile();

  const std::string dir_;
  const int32_t hash_slot_num_;
  const int32_t index_num_;
  const int32_t max_msgs_num_batch_;

  mutable std::mutex mu_;  // guards files_
  std::vector<std::shared_ptr<IndexFile>> files_;
  bool create_failed_logged_ = false;
  int64_t retry_at_ms_ = 0;  // after a failed create or reserve: not tried again before this
  bool incomplete_ = false;    // set by Load
  int64_t indexed_through_ = 0;  // set by Load: commit_log_end after a clean start, when complete

  std::atomic<int64_t> last_timestamp_{0};   // end timestamp of the newest entry (writer)
  std::atomic<uint64_t> write_seq_{0};       // bumped per entry (writer)
  uint64_t flushed_seq_ = 0;                 // flush thread only
  int64_t flushed_timestamp_ = 0;            // flush thread only
};

}  // namespace rmq::store
