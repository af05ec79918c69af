// Custom headers of the message requests, each field declared once as required or optional
// (mirror SendMessageRequestHeader(V2), PullMessageRequestHeader, ConsumerSendMsgBackRequestHeader,
// EndTransactionRequestHeader and QueryMessageRequestHeader). Decode fails on the first missing
// required or malformed field, naming it; handlers answer that SYSTEM_ERROR (RMQ_DECODE_HEADER).
// Used by the send, reply, pull, send-back, transaction and query handlers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "protocol/ext_fields.h"

namespace rmq::protocol {

struct SendMessageRequestHeader {
  std::string producer_group;
  std::string topic;
  std::string default_topic;
  int32_t default_topic_queue_nums = 0;
  int32_t queue_id = 0;
  int32_t sys_flag = 0;
  int64_t born_timestamp = 0;
  int32_t flag = 0;
  std::string properties;
  int32_t reconsume_times = 0;
  bool unit_mode = false;
  int32_t max_reconsume_times = -1;  // -1: not sent
  bool batch = false;

  // `v2` selects the one-letter names SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE use.
  static Status Decode(const ExtFields& f, bool v2, SendMessageRequestHeader* h);
};

// Mirrors PullSysFlag.
inline constexpr int32_t kPullFlagCommitOffset = 0x1;
inline constexpr int32_t kPullFlagSuspend = 0x2;
inline constexpr int32_t kPullFlagSubscription = 0x4;
inline constexpr int32_t kPullFlagClassFilter = 0x8;
inline constexpr int32_t kPullFlagLitePull = 0x10;

struct PullMessageRequestHeader {
  std::string consumer_group;
  std::string topic;
  int32_t queue_id = 0;
  int64_t queue_offset = 0;
  int32_t max_msg_nums = 32;
  int32_t sys_flag = 0;
  int64_t commit_offset = 0;
  int64_t suspend_timeout_millis = 0;
  std::string subscription;
  int64_t sub_version = 0;
  std::string expression_type;

  static Status Decode(const ExtFields& f, PullMessageRequestHeader* h);
};

struct ConsumerSendMsgBackRequestHeader {
  int64_t offset = 0;
  std::string group;
  int32_t delay_level = 0;
  std::string origin_msg_id;
  std::string origin_topic;
  bool unit_mode = false;
  std::optional<int32_t> max_reconsume_times;  // absent: the group's setting

  static Status Decode(const ExtFields& f, ConsumerSendMsgBackRequestHeader* h);
};

struct EndTransactionRequestHeader {
  std::string producer_group;
  int64_t tran_state_table_offset = 0;
  int64_t commit_log_offset = 0;
  int32_t commit_or_rollback = 0;
  bool from_transaction_check = false;
  std::string msg_id;
  std::string transaction_id;

  static Status Decode(const ExtFields& f, EndTransactionRequestHeader* h);
};

struct QueryMessageRequestHeader {
  std::string topic;
  std::string key;
  int32_t max_num = 0;
  int64_t begin_timestamp = 0;
  int64_t end_timestamp = 0;

  static Status Decode(const ExtFields& f, QueryMessageRequestHeader* h);
};

}  // namespace rmq::protocol
