// Pure parts of transactional messages (mirrors the message rewrites of Java 4.9's
// TransactionalMessageBridge and EndTransactionProcessor, and the per-message decisions of
// TransactionalMessageServiceImpl.check). No IO: the service and the handler do that.
//
// Layout of the state, as Java keeps it:
//   RMQ_SYS_TRANS_HALF_TOPIC queue 0   half messages (REAL_TOPIC/REAL_QID, tx bits NOT_TYPE)
//   RMQ_SYS_TRANS_OP_HALF_TOPIC queue 0 op records, tag "d", body = half queue offset (decimal)
//   consumer offsets of group CID_RMQ_SYS_TRANS on both queues = check progress
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/message_properties.h"
#include "common/status.h"
#include "store/commit_log_record.h"

namespace rmq::server {

// Mirrors TransactionalMessageUtil.
inline constexpr const char* kTransConsumerGroup = "CID_RMQ_SYS_TRANS";
inline constexpr const char* kTransOpRemoveTag = "d";
// Mirrors MessageSysFlag.TRANSACTION_*_TYPE and resetTransactionValue's mask.
inline constexpr int32_t kTransactionNotType = 0x0;
inline constexpr int32_t kTransactionCommitType = 0x8;
inline constexpr int32_t kTransactionRollbackType = 0xC;
inline constexpr int32_t kTransactionTypeMask = 0xC;

inline int32_t ResetTransactionValue(int32_t sys_flag, int32_t type) {
  return (sys_flag & ~kTransactionTypeMask) | type;
}

// parseHalfMessageInner: the properties and sysFlag a TRAN_MSG send is stored with in the half
// topic. REAL_TOPIC/REAL_QID name where a commit will put it.
struct HalfMessageRewrite {
  std::string properties;
  int32_t sys_flag = 0;
};
// `send_map` is the send path's property map (SendPropertyMap: WAIT still in it, as Java has put
// it back by then); the half message stores it re-serialized with REAL_TOPIC/REAL_QID put.
HalfMessageRewrite RewriteAsHalfMessage(const PropertyMap& send_map, std::string_view real_topic,
                                        int32_t real_queue_id, int32_t sys_flag);

// endMessageTransaction + the COMMIT reset: the message a commit stores to the real topic.
// Java 4.9 clears REAL_TOPIC/REAL_QID only from the property map, after it has rendered the
// properties string, so the stored properties are the half message's, re-serialized.
// InvalidArgument when REAL_TOPIC/REAL_QID is missing or malformed.
struct CommitMessage {
  std::string topic;
  int32_t queue_id = 0;
  std::string properties;
  int32_t sys_flag = 0;
  int64_t prepared_transaction_offset = 0;
};
Status BuildCommitMessage(const store::RecordView& half, CommitMessage* out);

// Why checkPrepareMessage refuses an END_TRANSACTION, in Java's remarks; empty when it matches.
std::string CheckPrepareMessage(const store::RecordView& half, std::string_view producer_group,
                                int64_t tran_state_table_offset, int64_t commit_log_offset);

// Op records: body = the half message's queue offset as decimal text.
std::string OpRecordBody(int64_t half_queue_offset);
// Java's getLong: -1 when the text is not a number.
int64_t ParseJavaLong(std::string_view text);

// needDiscard: the TRANSACTION_CHECK_TIMES a half message carries (absent = nullopt) and the
// limit. Returns nullopt when the message has been checked enough (discard), else the value
// to store on the re-appended copy (absent counts as 1, as Java's first check writes "1").
std::optional<int32_t> NextCheckTimes(std::optional<std::string_view> current, int32_t check_max);

// getImmunityTime: CHECK_IMMUNITY_TIME_IN_SECONDS in ms, or `transaction_timeout_ms` when the
// property is absent or not a number.
int64_t CheckImmunityMs(std::optional<std::string_view> seconds, int64_t transaction_timeout_ms);

// calculateOpOffset: the op queue's progress moves over the contiguous run of handled op
// offsets that starts at `old_offset`.
int64_t CalculateOpOffset(std::vector<int64_t> done, int64_t old_offset);

// The CHECK_TRANSACTION_STATE body: the half record re-encoded with its real topic and queue
// (Java's MessageDecoder.encode of the half message after sendCheckMessage restores them). Its
// properties are the re-serialized map with WAIT=false, which renewHalfMessageInner put into
// the shared map after rendering the re-appended copy's string.
Status EncodeCheckBody(const store::RecordView& half, std::string* out);

}  // namespace rmq::server
