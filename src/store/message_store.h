// MessageStore: the broker's store facade (mirrors Java's DefaultMessageStore, split by
// responsibility underneath). CommitLog + ConsumeQueues + checkpoint, in Java's on-disk format
// (see src/store/FORMAT.md).
//
// Threading: every public method is called from the one event-loop thread, except where noted.
// Disk sync runs on the store's own flush thread; it never blocks the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rmq::store {

class MappedFile;

enum class FlushDiskType { kAsyncFlush, kSyncFlush };

// Mirrors the part of Java's MessageStoreConfig that this store uses; defaults are Java's.
struct MessageStoreConfig {
  std::string store_path_root_dir;                          // required
  int64_t mapped_file_size_commit_log = 1024LL * 1024 * 1024;
  int32_t mapped_file_size_consume_queue = 300000 * 20;
  FlushDiskType flush_disk_type = FlushDiskType::kAsyncFlush;
  int32_t flush_interval_commit_log = 500;                  // ms, ASYNC_FLUSH
  int32_t flush_commit_log_least_pages = 4;
  int32_t flush_interval_consume_queue = 1000;              // ms
  int32_t sync_flush_timeout = 5000;                        // ms
  int32_t max_message_size = 4 * 1024 * 1024;
  int32_t max_transfer_bytes_on_message_in_memory = 256 * 1024;
  int32_t max_transfer_count_on_message_in_memory = 32;
  int32_t max_hash_slot_num = 5000000;                      // IndexFile slots
  int32_t max_index_num = 5000000 * 4;                      // IndexFile entries
  int32_t max_msgs_num_batch = 64;                          // cap on one index query
  // Retention and disk protection (see clean_service.h); Java's names and defaults.
  int32_t file_reserved_time = 72;               // hours a CommitLog file is kept
  std::string delete_when = "04";                // hours of the day to delete expired files
  int32_t disk_max_used_space_ratio = 75;        // percent; above it, delete expired files at any hour
  bool clean_file_forcibly_enable = true;
  int32_t clean_resource_interval = 10000;       // ms between clean passes
  double disk_space_warning_level_ratio = 0.90;  // -Drocketmq.broker.diskSpaceWarningLevelRatio
  double disk_space_clean_forcibly_ratio = 0.85;  // -Drocketmq.broker.diskSpaceCleanForciblyRatio
  // Test seam: used fraction of the partition holding a path (default: statvfs).
  std::function<double(const std::string& path)> disk_used_ratio_fn;
  // Flow control: a SYNC_FLUSH request the flush thread has not served for longer than this (ms)
  // makes the store "busy" (Java's isOSPageCacheBusy); puts then answer OS_PAGECACHE_BUSY.
  int32_t os_page_cache_busy_time_out_mills = 1000;
  // Test seam: the flush thread calls it before each CommitLog sync (a test blocks it).
  std::function<void()> before_commit_log_sync;
  // transientStorePoolEnable (Java): appends go into a pooled anonymous buffer per CommitLog file
  // and a commit thread copies them into the file; readers see committed bytes only. Honoured
  // only with ASYNC_FLUSH on a master (`slave` false); ignored with a warning otherwise.
  bool transient_store_pool_enable = false;
  int32_t transient_store_pool_size = 5;
  int32_t commit_interval_commit_log = 200;            // ms
  int32_t commit_commit_log_least_pages = 4;
  int32_t commit_commit_log_thorough_interval = 200;   // ms
  bool slave = false;                                  // brokerRole=SLAVE
  // Delay levels for messages with a DELAY property (see delay_level.h).
  std::string message_delay_level = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";
};

// Mirrors PutMessageStatus.
enum class PutMessageStatus {
  kPutOk,
  kFlushDiskTimeout,
  kFlushSlaveTimeout,
  kSlaveNotAvailable,
  kServiceNotAvailable,
  kCreateMappedFileFailed,
  kMessageIllegal,
  kPropertiesSizeExceeded,
  kOsPageCacheBusy,
  kUnknownError,
};
const char* PutMessageStatusName(PutMessageStatus s);
// True for the outcomes Java still counts as "message stored" (PUT_OK and the flush/slave
// timeouts): the record is in the CommitLog.
inline bool IsStored(PutMessageStatus s) {
  return s == PutMessageStatus::kPutOk || s == PutMessageStatus::kFlushDiskTimeout ||
         s == PutMessageStatus::kFlushSlaveTimeout || s == PutMessageStatus::kSlaveNotAvailable;
}

// Mirrors GetMessageStatus.
enum class GetMessageStatus {
  kFound,
  kNoMatchedMessage,
  kMessageWasRemoving,
  kOffsetFoundNull,
  kOffsetOverflowBadly,
  kOffsetOverflowOne,
  kOffsetTooSmall,
  kNoMatchedLogicQueue,
  kNoMessageInQueue,
};
const char* GetMessageStatusName(GetMessageStatus s);  // Java spelling, e.g. "FOUND"

// A socket address as the CommitLog stores it: 4- or 16-byte IP then a 4-byte port.
struct HostAddress {
  uint8_t ip[16] = {};
  bool v6 = false;
  int32_t port = 0;
};

// One message to append. Views borrow the caller's bytes for the duration of the call only.
struct MessageToStore {
  std::string_view topic;
  int32_t queue_id = 0;
  int32_t flag = 0;
  int32_t sys_flag = 0;
  int64_t born_timestamp = 0;
  HostAddress born_host;
  HostAddress store_host;
  int32_t reconsume_times = 0;
  int64_t prepared_transaction_offset = 0;
  std::string_view body;
  std::string_view properties;  // name\x01value\x02... as on the wire
  int64_t tags_code = 0;        // ConsumeQueue tagsCode (Java String.hashCode of TAGS, or 0)
  // Set for a delayed message coming due (Java's messageTimeup): its properties still carry
  // DELAY, as Java stores them, but it is not parked again.
  bool delay_done = false;
};

struct PutMessageResult {
  PutMessageStatus status = PutMessageStatus::kUnknownError;
  int64_t wrote_offset = 0;       // CommitLog offset of the first record
  int32_t wrote_bytes = 0;        // bytes of all records appended
  int64_t queue_offset = 0;       // ConsumeQueue offset of the first message
  int64_t store_timestamp = 0;
  int32_t msg_num = 0;
  std::vector<int64_t> phy_offsets;  // per message, for offset msg ids (batches)
  std::string disk_util;  // DiskUtil() when refused because the disk is full
};

// Messages read for a pull: views into mapped files, valid while `holds` is alive.
struct GetMessageResult {
  GetMessageStatus status = GetMessageStatus::kNoMessageInQueue;
  int64_t next_begin_offset = 0;
  int64_t min_offset = 0;
  int64_t max_offset = 0;
  std::vector<std::string_view> messages;        // each one whole stored record
  std::vector<std::shared_ptr<MappedFile>> holds;
  int32_t buffer_total_size = 0;
};

// One stored record found by physical offset.
struct SelectedMessage {
  std::string_view data;
  std::shared_ptr<MappedFile> hold;
};

// Messages found by an index query (mirrors QueryMessageResult): whole records in CommitLog
// order, valid while `holds` is alive, plus where the index ended when queried.
struct QueryMessageResult {
  std::vector<std::string_view> messages;
  std::vector<std::shared_ptr<MappedFile>> holds;
  int32_t buffer_total_size = 0;
  int64_t index_last_update_timestamp = 0;
  int64_t index_last_update_phyoffset = 0;
};

// Returns true when a ConsumeQueue entry's tagsCode passes the consumer's filter.
using TagsCodeFilter = std::function<bool(int64_t tags_code)>;
// Returns true when a stored record (its full bytes) passes the consumer's filter; Java's
// MessageFilter.isMatchedByCommitLog (SQL92). A record that fails still advances the offset.
using RecordFilter = std::function<bool(std::string_view record)>;

class MessageStore {
 public:
  explicit MessageStore(MessageStoreConfig config);
  ~MessageStore();
  MessageStore(const MessageStore&) = delete;
  MessageStore& operator=(const MessageStore&) = delete;

  // Loads the CommitLog and ConsumeQueues, recovers (clean: trust tails; after a crash, i.e.
  // the `abort` file exists: verify records and cut the torn tail), rebuilds ConsumeQueue
  // entries past the last dispatched offset, creates `abort`, starts the flush thread.
  Status Open();
  // Flushes everything, stops threads, removes `abort`. Idempotent.
  void Shutdown();

  // Appends one message (and writes its ConsumeQueue entry). Loop thread.
  // A message whose DELAY property is > 0 (and that is not a transaction PREPARED/ROLLBACK) is
  // stored, as Java does, to SCHEDULE_TOPIC_XXXX queue level-1 with REAL_TOPIC/REAL_QID saved,
  // and its ConsumeQueue tagsCode is the delivery time (store time + delay), not msg.tags_code.
  // The result's queue_offset is then the SCHEDULE_TOPIC_XXXX offset.
  PutMessageResult PutMessage(const MessageToStore& msg);
  // Appends several messages to one topic/queue with consecutive queue offsets. Loop thread.
  // A message with DELAY > 0 here is MESSAGE_ILLEGAL (Java's batch rule); use PutMessage.
  PutMessageResult PutMessages(const std::vector<MessageToStore>& msgs);

  // SYNC_FLUSH support: the flush thread calls `on_flushed(flushed_offset)` after each sync
  // (from the flush thread). WaitFlush asks the flush thread to sync up to `offset` soon.
  void SetFlushListener(std::function<void(int64_t flushed_offset)> on_flushed);
  void RequestFlush(int64_t offset);
  int64_t FlushedOffset() const;
  // Java's isOSPageCacheBusy, rmqd's way: the appends themselves run on the caller's thread and
  // cannot be seen holding a lock, so "busy" means the disk is behind: a flush asked for with
  // RequestFlush has waited more than os_page_cache_busy_time_out_mills. PutMessage(s) then
  // answer kOsPageCacheBusy without appending. Any thread.
  bool IsOSPageCacheBusy() const;

  GetMessageResult GetMessage(std::string_view topic, int32_t queue_id, int64_t offset,
                              int32_t max_msg_nums, const TagsCodeFilter& filter,
                              const RecordFilter* record_filter = nullptr);

  int64_t GetMaxOffsetInQueue(std::string_view topic, int32_t queue_id) const;
  int64_t GetMinOffsetInQueue(std::string_view topic, int32_t queue_id) const;
  // Logical offset of the first message stored at or after `timestamp` (Java's semantics).
  int64_t GetOffsetInQueueByTime(std::string_view topic, int32_t queue_id, int64_t timestamp) const;
  // Store timestamp of the message at `consume_offset`, or -1.
  int64_t GetMessageStoreTimeStamp(std::string_view topic, int32_t queue_id, int64_t consume_offset) const;
  int64_t GetEarliestMessageTime(std::string_view topic, int32_t queue_id) const;
  int64_t GetCommitLogOffsetInQueue(std::string_view topic, int32_t queue_id, int64_t consume_offset) const;

  // The ConsumeQueue entry at `consume_offset`; false when there is none. Loop thread.
  struct ConsumeQueueEntry {
    int64_t commit_log_offset = 0;
    int32_t size = 0;
    int64_t tags_code = 0;
  };
  bool GetConsumeQueueEntry(std::string_view topic, int32_t queue_id, int64_t consume_offset,
                            ConsumeQueueEntry* entry) const;

  // The whole record at CommitLog offset `phy_offset`, or NotFound.
  Result<SelectedMessage> LookMessageByOffset(int64_t phy_offset) const;

  // Records indexed under `key` (a KEYS entry or UNIQ_KEY) in `topic`, stored within
  // [begin_ts, end_ts] (ms, at the index's 1 s resolution): at most min(max_num,
  // max_msgs_num_batch) of the newest. Like Java, records are not re-checked against the key,
  // so a hash collision may return another record; callers filter.
  QueryMessageResult QueryMessage(std::string_view topic, std::string_view key, int32_t max_num, int64_t begin_ts,
                                  int64_t end_ts) const;

  // Retention. Java's executeDeleteFilesManually (DELETE_EXPIRED_COMMITLOG): the clean thread
  // deletes expired CommitLog files on its next 20 passes whatever the hour, starting now.
  void ExecuteDeleteFilesManually();
  // Java's cleanExpiredConsumerQueue (CLEAN_EXPIRED_CONSUMEQUEUE): drops ConsumeQueues whose
  // newest entry is below the CommitLog's minimum offset. Loop thread. Returns queues dropped.
  int CleanExpiredConsumerQueue();
  // Runs one clean pass now, as if the wall clock read `now_ms` (tests: fake time).
  void RunCleanPass(int64_t now_ms);
  // True while the disk is above diskSpaceWarningLevelRatio, or while a store file could not be
  // created or reserved for lack of disk space; puts answer SERVICE_NOT_AVAILABLE.
  bool IsDiskFull() const;
  // Java's diskUtil() for the send remark: "CL: %5.2f CQ: %5.2f INDEX: %5.2f" of the used
  // ratios (" 0.95"), as Java prints them.
  std::string DiskUtil() const;

  // Replication seam (Java's getCommitLogData / appendToCommitLog), for the HA master and slave
  // of the next issue. A master reads its CommitLog as bytes: GetCommitLogData gives the readable
  // bytes from `offset` to the end of what the file holding it has (records, possibly the file's
  // blank end), NotFound when there are none. A slave stores them unchanged: AppendToCommitLog
  // appends `data` at `offset` (CommitLog::AppendRaw: it must continue the log and stay inside
  // one file; a chunk may end inside a record) and then dispatches every record it completes
  // through the same path as a put (ReputService::CatchUp), so ConsumeQueues and the index answer
  // as on the master. The stores need the same CommitLog file size. Loop thread.
  Result<SelectedMessage> GetCommitLogData(int64_t offset) const;
  Status AppendToCommitLog(int64_t offset, std::string_view data);

  int64_t GetMinPhyOffset() const;
  int64_t GetMaxPhyOffset() const;
  // Deletes a topic's ConsumeQueues (DELETE_TOPIC_IN_BROKER).
  void DeleteTopic(std::string_view topic);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rmq::store
