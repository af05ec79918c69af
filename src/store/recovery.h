// Recovery: free functions that bring the CommitLog and ConsumeQueues back to a consistent
// state at open (the recover* and dispatch parts of Java's CommitLog / DefaultMessageStore).
//
// Runs on the opening thread before any other store thread starts.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "common/status.h"
#include "store/commit_log.h"
#include "store/commit_log_record.h"
#include "store/consume_queue_store.h"
#include "store/delay_level.h"
#include "store/store_checkpoint.h"

namespace rmq::store {

// Called for each message record found by a scan, with its CommitLog offset.
using RecordVisitor = std::function<void(const RecordView& record, int64_t offset)>;

// Decodes records from `start` (a record boundary), following blank records to the next
// file, until a record fails to decode, a record's PHYSICALOFFSET disagrees with where it
// lies, the files end, or `limit` is reached. Returns the offset just past the last good
// record (or the blank that ends the last file). `visit` may be null.
int64_t ScanCommitLog(const MappedFileQueue& files, int64_t start, int64_t limit,
                      const RecordVisitor& visit);

// Where verification starts. Clean shutdown: the third-last file (Java's recoverNormally).
// After a crash: the newest file whose first record was stored before the checkpoint's
// MinTimestamp(), else the first file (Java's recoverAbnormally).
int64_t RecoveryStartOffset(const MappedFileQueue& files, bool crashed, const StoreCheckpoint& checkpoint);

// Where verification starts after a clean shutdown. Java verifies the last three files
// (RecoveryStartOffset with crashed=false), which reads every record of a large store. rmqd starts
// instead at the newest record any ConsumeQueue indexes, when that record decodes intact (CRC
// included) at exactly the offset and size the entry gives: everything before it was written and
// synced before the shutdown, so only the records after it need checking. Otherwise, or when that
// point is earlier, Java's start.
int64_t CleanRecoveryStartOffset(const MappedFileQueue& files, const ConsumeQueueStore& queues);

// Mirrors the transaction check in Java's CommitLogDispatcherBuildConsumeQueue: PREPARED and
// ROLLBACK records get no ConsumeQueue entry (and queue offset 0).
bool DispatchesToConsumeQueue(int32_t sys_flag);

// ConsumeQueue tagsCode for a record: Java's String.hashCode of the TAGS property, or 0.
int64_t TagsCodeFromProperties(std::string_view properties);

struct RecoveryResult {
  int64_t commit_log_end = 0;
  int64_t dispatch_from = 0;
  int64_t redispatched = 0;        // ConsumeQueue entries rebuilt from the CommitLog
  int64_t last_store_timestamp = 0;
  // Re-dispatch stopped because a ConsumeQueue file could not get disk space: entries from that
  // record on are missing until a restart with space (the store must refuse writes meanwhile).
  bool dispatch_short_of_space = false;
};

// Verifies the CommitLog, cuts (zeroes) its torn tail, drops ConsumeQueue entries that point
// past the valid end, then rebuilds ConsumeQueue entries for records after the newest one any
// ConsumeQueue already indexes (after a crash: from the verification start). Queues must
// already be loaded (ConsumeQueueStore::Load recovers each queue's own tail).
// `delays` (optional) gives SCHEDULE_TOPIC_XXXX entries their delivery-time tagsCode.
Status RecoverStore(CommitLog* commit_log, ConsumeQueueStore* queues, const StoreCheckpoint& checkpoint,
                    bool crashed, RecoveryResult* result, const DelayLevelTable* delays = nullptr);

}  // namespace rmq::store
