// ReputService: the one dispatch path from the CommitLog to the data derived from it (Java's
// ReputMessageService with CommitLogDispatcherBuildConsumeQueue and CommitLogDispatcherBuildIndex).
// A CommitLog record at an offset becomes its ConsumeQueue entry and its index entries here and
// nowhere else:
//   - the put path (MessageStore::PutMessages) dispatches each record it just appended, passing
//     the fields it already knows (DispatchRequest) instead of decoding the bytes again;
//   - open/recovery catches up with Reput() from the points recovery and the index give;
//   - a slave (next issue: HA) stores its master's bytes with CommitLog::AppendRaw and calls
//     CatchUp(), which dispatches every whole record past reput_offset() (MessageStore's
//     AppendToCommitLog does both). DLedger and POP build on the same seam.
// The CommitLog itself never writes a ConsumeQueue or index entry.
//
// Threading: the store's writer (loop) thread only, like the appends; the flush and clean
// threads read the ConsumeQueues and index under their own rules. No thread of its own: Java's
// reput thread polls the CommitLog, rmqd dispatches right after each append on the writer.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "store/commit_log.h"
#include "store/commit_log_record.h"
#include "store/consume_queue_store.h"
#include "store/delay_level.h"
#include "store/index_service.h"

namespace rmq::store {

// Mirrors the transaction check in Java's CommitLogDispatcherBuildConsumeQueue: PREPARED and
// ROLLBACK records get no ConsumeQueue entry (and queue offset 0).
bool DispatchesToConsumeQueue(int32_t sys_flag);

// ConsumeQueue tagsCode for a record: Java's String.hashCode of the TAGS property, or 0.
int64_t TagsCodeFromProperties(std::string_view properties);

// What dispatching needs from one stored record (Java's DispatchRequest). Views borrow the
// record's (or the put's) bytes for the duration of the call.
struct DispatchRequest {
  std::string_view topic;
  int32_t queue_id = 0;
  int64_t queue_offset = 0;
  int64_t commit_log_offset = 0;
  int32_t size = 0;
  int32_t sys_flag = 0;
  int64_t store_timestamp = 0;
  std::string_view properties;
  int64_t tags_code = 0;  // the TAGS hash; Dispatch turns it into a delivery time where due
};

// The request for a decoded record stored at `offset` (tags code from its TAGS property).
DispatchRequest DispatchRequestOf(const RecordView& record, int64_t offset);

// How far a Reput / CatchUp got.
struct ReputResult {
  int64_t end = 0;                   // offset past the last record dispatched (or blank skipped)
  int64_t consume_queue_entries = 0;  // entries written (entries already present are skipped)
  int64_t records = 0;                // records visited
  int64_t index_records = 0;          // records offered to the index
  int64_t last_store_timestamp = 0;   // of the last record visited, or 0
  // ConsumeQueue dispatch stopped because a ConsumeQueue file could not get disk space: the
  // entries from that record on are missing (the store must refuse writes until a restart).
  bool consume_queue_short_of_space = false;
  Status status;  // another ConsumeQueue write error (the dispatch stopped there)
};

class ReputService {
 public:
  // `index` and `delays` may be null (no index entries; schedule entries keep the TAGS hash).
  ReputService(const CommitLog* commit_log, ConsumeQueueStore* queues, IndexService* index,
               const DelayLevelTable* delays);
  ReputService(const ReputService&) = delete;
  ReputService& operator=(const ReputService&) = delete;

  // The ConsumeQueue entry of a record: where it lies, its size and its tagsCode (the TAGS hash;
  // for SCHEDULE_TOPIC_XXXX the delivery time, Java's computeDeliverTimestamp).
  CqEntry ConsumeQueueEntryOf(const DispatchRequest& r) const;

  // Dispatches one record: its ConsumeQueue entry (unless PREPARED/ROLLBACK or a topic no
  // ConsumeQueue may hold) and its index entries (KEYS, UNIQ_KEY; the index skips ROLLBACK and
  // what it already holds). `cq`, when given, is the record's queue (the put path looked it up
  // already). Returns the ConsumeQueue write's status (OK for an entry already present).
  Status Dispatch(const DispatchRequest& r, ConsumeQueue* cq = nullptr);

  // Where to start each kind of dispatch; records before a start get none of that kind.
  struct Start {
    int64_t consume_queue = 0;
    int64_t index = 0;
  };
  // Scans the CommitLog from min(start) to `end` and dispatches every whole, intact record;
  // stops at the first that is not (a partial record a later AppendRaw completes, or garbage).
  // After a ConsumeQueue file runs out of space only index entries are made. Sets reput_offset().
  ReputResult Reput(Start start, int64_t end);
  // Reput of everything from `offset` to the CommitLog's end.
  ReputResult ReputFrom(int64_t offset);
  // ReputFrom(reput_offset()): dispatches what AppendRaw stored since the last dispatch.
  ReputResult CatchUp() { return ReputFrom(reput_offset_); }

  // Offset of the first record not dispatched yet (Java's reputFromOffset).
  int64_t reput_offset() const { return reput_offset_; }
  // The put path dispatched through `offset` (it calls Dispatch itself).
  void set_reput_offset(int64_t offset) { reput_offset_ = offset; }

 private:
  const CommitLog* commit_log_;
  ConsumeQueueStore* queues_;
  IndexService* index_;
  const DelayLevelTable* delays_;
  int64_t reput_offset_ = 0;
};

}  // namespace rmq::store
