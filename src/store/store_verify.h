// Read-only walks over a store directory for tools/store_inspect and tests: CommitLog records,
// ConsumeQueue entries, and a consistency check between them. Nothing here writes to the store
// or needs it to be closed cleanly; files are mapped read-only and every length is checked.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/commit_log_record.h"
#include "store/consume_queue.h"

namespace rmq::store {

// Called per CommitLog record with its offset; return false to stop.
using CommitLogVisitor = std::function<bool(const RecordView& record, int64_t offset)>;
// Called per ConsumeQueue entry with its logical offset; return false to stop.
using CqVisitor = std::function<bool(int64_t logical_offset, const CqEntry& entry)>;

// Decodes records of `<root>/commitlog` from the first file (or the record at `from` when it is
// not negative) in order. A file ends at its blank record or where only zeros remain; anything
// else that does not decode is appended to `problems` and ends that file.
Status WalkCommitLog(const std::string& root, int64_t from, const CommitLogVisitor& visit,
                     std::vector<std::string>* problems);

// Entries of `<root>/consumequeue/<topic>/<queue_id>`, in order, up to the first empty entry.
Status WalkConsumeQueue(const std::string& root, const std::string& topic, int32_t queue_id, const CqVisitor& visit,
                        std::vector<std::string>* problems);

// Every (topic, queueId) under `<root>/consumequeue`.
std::vector<std::pair<std::string, int32_t>> ListConsumeQueues(const std::string& root);

struct VerifyReport {
  int64_t records = 0;     // CommitLog message records decoded
  int64_t cq_entries = 0;  // ConsumeQueue entries checked
  int64_t expired = 0;     // entries below the oldest CommitLog file (deleted by retention)
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// Decodes every CommitLog record, then checks every ConsumeQueue entry points at a record of
// the same size whose topic, queueId and queueOffset match the queue and entry. Status is not
// OK only when the directory cannot be read; inconsistencies go to report->problems.
Status VerifyStore(const std::string& root, VerifyReport* report);

}  // namespace rmq::store
