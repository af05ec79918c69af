// CommitLog: the append-only message log under `commitlog/` (the write and read paths of Java's
// CommitLog; recovery lives in recovery.cc, the byte layout in commit_log_record.cc).
//
// Two ways in: Append encodes messages (a master's puts); AppendRaw stores bytes encoded
// elsewhere (a future HA slave copying its master's CommitLog, Java's appendData). Neither
// writes a ConsumeQueue or index entry: ReputService (reput_service.h) derives those from the
// records, so both ways share one dispatch path.
//
// Threading: Append, AppendRaw and reads run on the loop thread; Flush on the flush thread.
// The CommitLog owns two background threads (the next-file allocator and the page warmer);
// StopServices() stops both, the destructor too.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/allocate_mapped_file_service.h"
#include "store/commit_log_record.h"
#include "store/mapped_file_queue.h"
#include "store/message_store.h"
#include "store/page_warmer.h"

namespace rmq::store {

struct AppendResult {
  int64_t wrote_offset = 0;           // offset of the first record
  int32_t wrote_bytes = 0;            // bytes of all records
  std::vector<int64_t> phy_offsets;   // per record
  std::vector<int32_t> sizes;         // per record
};

class CommitLog {
 public:
  CommitLog(std::string dir, int64_t file_size);
  ~CommitLog();
  CommitLog(const CommitLog&) = delete;
  CommitLog& operator=(const CommitLog&) = delete;

  Status Load() { return queue_.Load(); }
  // From now on the next file is prepared in the background (AllocateMappedFileService), the
  // first one at once. Call after recovery. `open` replaces MappedFile::Open (tests).
  void StartPreallocation(AllocateMappedFileService::Opener open = nullptr);
  // The allocator, or null before StartPreallocation.
  const AllocateMappedFileService* allocator() const { return allocator_.get(); }
  MappedFileQueue* file_queue() { return &queue_; }
  const MappedFileQueue* file_queue() const { return &queue_; }

  // Appends `n` messages as contiguous records in one file, the i-th with queue offset
  // first_queue_offset + i. When they do not fit in the current file (keeping room for the
  // 8-byte blank), writes the blank end-of-file record and continues in a new file.
  // InvalidArgument if the records can never fit in one file; IOError if a file cannot be made.
  Status Append(const MessageToStore* msgs, size_t n, int64_t first_queue_offset,
                int64_t store_timestamp, AppendResult* result);

  // Stores `bytes` verbatim at CommitLog offset `offset` (Java's appendData, for a slave that
  // copies its master's CommitLog): records, possibly a partial last one that a later call
  // completes, and blank end-of-file records exactly as the master's files hold them (the
  // files must have the master's size). `offset` must be MaxWroteOffset(), or, on an empty
  // CommitLog, a file boundary; the bytes must fit in the file that holds `offset` (a call at a
  // file's end starts the next file). InvalidArgument otherwise, nothing written; IOError /
  // IsNoSpace when a file cannot be made or reserved. The bytes are not checked here: the reput
  // dispatches only whole, intact records and stops before anything else.
  Status AppendRaw(int64_t offset, std::string_view bytes);
  // Stops the allocator and page-warmer threads (the allocator removes a prepared file nobody
  // took). After this Append still works, preparing files on the caller's thread. Idempotent.
  void StopServices();

  // `size` bytes at `offset` if they lie within one file's readable (committed) part, else
  // empty view; then `uncommitted` (if given) says whether they are appended but still in a
  // write buffer (transientStorePoolEnable): the reader must wait, nothing is lost.
  std::string_view Read(int64_t offset, int32_t size, std::shared_ptr<MappedFile>* hold,
                        bool* uncommitted = nullptr) const;
  // The whole message record at `offset`: NotFound if there is none, Corruption if the bytes
  // there do not decode.
  Status ReadRecord(int64_t offset, std::string_view* record, std::shared_ptr<MappedFile>* hold) const;
  // Store timestamp of the record at `offset` (size given by the ConsumeQueue), or -1.
  int64_t StoreTimestampAt(int64_t offset, int32_t size) const;
  // Start of the file after the one containing `offset` (Java's rollNextFile).
  int64_t RollNextFile(int64_t offset) const { return offset + file_size_ - offset % file_size_; }

  int64_t MinOffset() const { return queue_.MinOffset(); }
  // End of what readers see (the committed end with a write buffer).
  int64_t MaxOffset() const { return queue_.MaxOffset(); }
  // End of what was appended (Java's getMaxWrotePosition); equals MaxOffset unless bytes wait in
  // a write buffer.
  int64_t MaxWroteOffset() const { return queue_.MaxWroteOffset(); }
  int64_t file_size() const { return file_size_; }

  // Store timestamp of the newest record that is in the CommitLog and its ConsumeQueue; the
  // writer sets it after both, the flush thread reads it before a sync.
  int64_t last_store_timestamp() const { return last_store_timestamp_.load(std::memory_order_acquire); }
  void set_last_store_timestamp(int64_t t) { last_store_timestamp_.store(t, std::memory_order_release); }
  // transientStorePoolEnable: the same for records committed into the files; the commit thread
  // sets it after a commit, the flush thread reads it instead.
  int64_t committed_store_timestamp() const { return committed_store_timestamp_.load(std::memory_order_acquire); }
  void set_committed_store_timestamp(int64_t t) { committed_store_timestamp_.store(t, std::memory_order_release); }

 private:
  const int64_t file_size_;
  MappedFileQueue queue_;
  std::unique_ptr<AllocateMappedFileService> allocator_;
  std::atomic<int64_t> last_store_timestamp_{0};
  std::atomic<int64_t> committed_store_timestamp_{0};
  PageWarmer warmer_;  // declared last: its thread stops before the files go
};

// Called for each message record found by a scan, with its CommitLog offset.
using RecordVisitor = std::function<void(const RecordView& record, int64_t offset)>;

// Decodes records from `start` (a record boundary), following blank records to the next
// file, until a record fails to decode, a record's PHYSICALOFFSET disagrees with where it
// lies, the files end, or `limit` is reached. Returns the offset just past the last good
// record (or the blank that ends the last file). `visit` may be null.
int64_t ScanCommitLog(const MappedFileQueue& files, int64_t start, int64_t limit,
                      const RecordVisitor& visit);

}  // namespace rmq::store
