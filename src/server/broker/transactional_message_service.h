// TransactionalMessageService: half messages, op records and the transaction check-back
// (mirrors Java 4.9's TransactionalMessageServiceImpl + TransactionalMessageBridge +
// TransactionalMessageCheckService, minus the threads: everything runs on the loop thread).
//
// Progress of the check lives where Java keeps it: consumer offsets of group CID_RMQ_SYS_TRANS
// on RMQ_SYS_TRANS_HALF_TOPIC/0 and RMQ_SYS_TRANS_OP_HALF_TOPIC/0 (config/consumerOffset.json),
// so a restarted broker resumes where it stopped.
//
// A half message checked transactionCheckMax times is dropped with an error log, as Java 4.9
// does (5.x moves it to TRANS_CHECK_MAX_TIME_TOPIC instead).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "protocol/remoting_command.h"
#include "server/broker/consumer_offset_manager.h"
#include "store/commit_log_record.h"
#include "store/message_store.h"

namespace rmq::server {

// Mirrors TransactionalMessageServiceImpl.MAX_RETRY_COUNT_WHEN_HALF_NULL.
inline constexpr int kMaxRetryCountWhenHalfNull = 1;
// Bound on half messages one Check() walks, so a long backlog cannot hold the loop (Java bounds
// a run by time, MAX_PROCESS_TIME_LIMIT 60 s, on its own thread); the next run continues.
inline constexpr int kMaxHalfMessagesPerCheck = 2048;
// Op records read per refill (Java's pullOpMsg batch).
inline constexpr int kOpPullBatch = 32;

struct TransactionCheckConfig {
  int64_t transaction_timeout_ms = 6000;     // transactionTimeOut
  int32_t transaction_check_max = 15;        // transactionCheckMax
  int64_t file_reserved_ms = 72 * 3600000LL; // fileReservedTime: older half messages are skipped
};

class TransactionalMessageService {
 public:
  // Sends CHECK_TRANSACTION_STATE to one live producer channel of `group`; false when the group
  // has none (the check is then lost for this round, as in Java).
  using CheckSender = std::function<bool(const std::string& group, protocol::RemotingCommand&& request)>;

  // `store` and `offsets` must outlive this. `store_host` is the broker's address (offset ids).
  TransactionalMessageService(store::MessageStore& store, ConsumerOffsetManager& offsets,
                              store::HostAddress store_host, CheckSender send_check);
  TransactionalMessageService(const TransactionalMessageService&) = delete;
  TransactionalMessageService& operator=(const TransactionalMessageService&) = delete;

  // deletePrepareMessage: appends the op record (tag "d", body = half queue offset).
  bool DeletePrepareMessage(const store::RecordView& half);

  // One check run at wall-clock `now_ms` (TransactionalMessageServiceImpl.check). Returns how
  // many CHECK_TRANSACTION_STATE requests were sent.
  int Check(int64_t now_ms, const TransactionCheckConfig& cfg);

 private:
  struct HalfCursor;
  // The op records one Check has read: half queue offset -> op queue offset (Java's removeMap),
  // and op offsets already accounted for (doneOpOffset).
  struct OpScan {
    int64_t half_offset = 0;  // op records naming a half offset below this are done at once
    int64_t next = 0;
    int64_t max = 0;
    std::map<int64_t, int64_t> removed;
    std::vector<int64_t> done;
  };
  // Reads up to one batch of op records into `ops`.
  void ReadOps(OpScan& ops);
  // Re-appends `half` to the half queue with `properties` (renewHalfMessageInner). The new
  // record's CommitLog offset, or -1 on failure.
  int64_t PutBackHalfMessage(const store::RecordView& half, const std::string& properties);
  void SendCheck(int64_t phy_offset);
  int64_t FetchConsumeOffset(const char* topic);

  store::MessageStore& store_;
  ConsumerOffsetManager& offsets_;
  store::HostAddress store_host_;
  CheckSender send_check_;
};

}  // namespace rmq::server
