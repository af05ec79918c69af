// Custom headers of the broker administration requests: topics, groups, stats, connections,
// message views, consumer administration (running info, direct consume, reset/clone offsets,
// consume time span) and ACL 1.0 (mirror the 4.9.x *RequestHeader classes of the same names).
// Each field is declared once as required or optional; Decode fails on the first missing required
// or malformed field, naming it (answered SYSTEM_ERROR by RMQ_DECODE_HEADER).
// Used by server/handlers/admin_handlers.cc, consumer_admin_handlers.cc and acl_handlers.cc.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "protocol/ext_fields.h"

namespace rmq::protocol {

struct CreateTopicRequestHeader {
  std::string topic;
  std::string default_topic;  // optional
  int32_t read_queue_nums = 0;
  int32_t write_queue_nums = 0;
  int32_t perm = 0;
  std::string topic_filter_type = "SINGLE_TAG";  // optional
  int32_t topic_sys_flag = 0;                    // optional
  bool order = false;                            // optional

  static Status Decode(const ExtFields& f, CreateTopicRequestHeader* h);
};

// DELETE_TOPIC_IN_BROKER, GET_TOPIC_STATS_INFO and QUERY_TOPIC_CONSUME_BY_WHO: a topic.
struct TopicRequestHeader {
  std::string topic;

  static Status Decode(const ExtFields& f, TopicRequestHeader* h);
};

struct GetConsumeStatsRequestHeader {
  std::string consumer_group;
  std::string topic;  // optional: all the group's topics

  static Status Decode(const ExtFields& f, GetConsumeStatsRequestHeader* h);
};

// GET_CONSUMER_CONNECTION_LIST (consumerGroup), GET_PRODUCER_CONNECTION_LIST (producerGroup) and
// DELETE_SUBSCRIPTIONGROUP (groupName): one group, under the field `key`.
struct GroupRequestHeader {
  std::string group;

  static Status Decode(const ExtFields& f, const char* key, GroupRequestHeader* h);
};

struct ViewMessageRequestHeader {
  int64_t offset = 0;

  static Status Decode(const ExtFields& f, ViewMessageRequestHeader* h);
};

struct GetConsumerRunningInfoRequestHeader {
  std::string consumer_group;
  std::string client_id;
  bool jstack_enable = false;  // optional

  static Status Decode(const ExtFields& f, GetConsumerRunningInfoRequestHeader* h);
};

struct ConsumeMessageDirectlyRequestHeader {
  std::string consumer_group;
  std::string client_id;  // optional
  std::string msg_id;     // optional

  static Status Decode(const ExtFields& f, ConsumeMessageDirectlyRequestHeader* h);
};

struct ResetOffsetRequestHeader {
  std::string topic;
  std::string group;
  int64_t timestamp = 0;
  bool is_force = true;

  static Status Decode(const ExtFields& f, ResetOffsetRequestHeader* h);
};

struct CloneGroupOffsetRequestHeader {
  std::string src_group;
  std::string dest_group;
  std::string topic;     // optional: all the source group's topics
  bool offline = false;  // optional

  static Status Decode(const ExtFields& f, CloneGroupOffsetRequestHeader* h);
};

struct QueryConsumeTimeSpanRequestHeader {
  std::string topic;
  std::string group;

  static Status Decode(const ExtFields& f, QueryConsumeTimeSpanRequestHeader* h);
};

// UPDATE_AND_CREATE_ACL_CONFIG's typed part (`with_admin`; the optional account fields are read
// as present or absent by the handler) and DELETE_ACL_CONFIG's accessKey.
struct AclConfigRequestHeader {
  std::string access_key;
  bool admin = false;  // optional

  static Status Decode(const ExtFields& f, bool with_admin, AclConfigRequestHeader* h);
};

}  // namespace rmq::protocol
