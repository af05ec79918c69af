// Custom headers of the consumer and consumer-offset requests (mirror UnregisterClientRequestHeader,
// GetConsumerListByGroupRequestHeader, Query/UpdateConsumerOffsetRequestHeader and the queue
// queries GetMaxOffset/GetMinOffset/SearchOffset/GetEarliestMsgStoretimeRequestHeader). Each field
// is declared once as required or optional; Decode fails on the first missing required or
// malformed field, naming it (handlers answer that with SYSTEM_ERROR via RMQ_DECODE_HEADER).
// Used by server/handlers/consumer_manage_handlers.cc.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "protocol/ext_fields.h"

namespace rmq::protocol {

struct UnregisterClientRequestHeader {
  std::string client_id;
  std::string producer_group;  // optional
  std::string consumer_group;  // optional

  static Status Decode(const ExtFields& f, UnregisterClientRequestHeader* h);
};

struct GetConsumerListByGroupRequestHeader {
  std::string consumer_group;

  static Status Decode(const ExtFields& f, GetConsumerListByGroupRequestHeader* h);
};

struct QueryConsumerOffsetRequestHeader {
  std::string consumer_group;
  std::string topic;
  int32_t queue_id = 0;
  bool set_zero_if_not_found = true;  // optional (5.x clients send it)

  static Status Decode(const ExtFields& f, QueryConsumerOffsetRequestHeader* h);
};

struct UpdateConsumerOffsetRequestHeader {
  std::string consumer_group;
  std::string topic;
  int32_t queue_id = 0;
  int64_t commit_offset = 0;

  static Status Decode(const ExtFields& f, UpdateConsumerOffsetRequestHeader* h);
};

// GET_MAX_OFFSET, GET_MIN_OFFSET and GET_EARLIEST_MSG_STORETIME: topic and queueId;
// SEARCH_OFFSET_BY_TIMESTAMP also a required timestamp (`with_timestamp`).
struct QueueQueryRequestHeader {
  std::string topic;
  int32_t queue_id = 0;
  int64_t timestamp = 0;

  static Status Decode(const ExtFields& f, bool with_timestamp, QueueQueryRequestHeader* h);
};

}  // namespace rmq::protocol
