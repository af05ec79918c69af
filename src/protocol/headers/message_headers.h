// Custom headers of the send and pull requests, each field declared once as required or
// optional (mirrors SendMessageRequestHeader(V2) and PullMessageRequestHeader).
#pragma once

#include <cstdint>
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

}  // namespace rmq::protocol
