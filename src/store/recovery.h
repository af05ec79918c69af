// Recovery: free functions that bring the CommitLog and ConsumeQueues back to a consistent
// state at open (the recover* parts of Java's CommitLog / DefaultMessageStore). Recovery only
// verifies and cuts; the entries it finds missing are rebuilt by the one dispatch path,
// ReputService::Reput (reput_service.h), from the RecoveryResult's dispatch_from.
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
#include "store/reput_service.h"  // DispatchesToConsumeQueue, TagsCodeFromProperties (users include this header)
#include "store/store_checkpoint.h"

namespace rmq::store {

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

struct RecoveryResult {
  int64_t commit_log_end = 0;
  // Where ConsumeQueue dispatch must resume: past the newest record any ConsumeQueue already
  // indexes (after a crash: no later than the verification start).
  int64_t dispatch_from = 0;
  int64_t last_store_timestamp = 0;
};

// Verifies the CommitLog, cuts (zeroes) its torn tail, drops ConsumeQueue entries that point
// past the valid end and says where ConsumeQueue dispatch resumes. Queues must already be
// loaded (ConsumeQueueStore::Load recovers each queue's own tail). The caller then reputs
// [dispatch_from, commit_log_end) and corrects each queue's minimum offset.
Status RecoverStore(CommitLog* commit_log, ConsumeQueueStore* queues, const StoreCheckpoint& checkpoint,
                    bool crashed, RecoveryResult* result);

}  // namespace rmq::store
