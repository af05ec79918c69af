#include "protocol/headers/admin_headers.h"

namespace rmq::protocol {

Status CreateTopicRequestHeader::Decode(const ExtFields& f, CreateTopicRequestHeader* h) {
  HeaderReader r(f);
  r.Required("topic", &h->topic);
  r.Optional("defaultTopic", &h->default_topic);
  r.Required("readQueueNums", &h->read_queue_nums);
  r.Required("writeQueueNums", &h->write_queue_nums);
  r.Required("perm", &h->perm);
  r.Optional("topicFilterType", &h->topic_filter_type);
  r.Optional("topicSysFlag", &h->topic_sys_flag);
  r.Optional("order", &h->order);
  return r.status();
}

Status TopicRequestHeader::Decode(const ExtFields& f, TopicRequestHeader* h) {
  HeaderReader r(f);
  r.Required("topic", &h->topic);
  return r.status();
}

Status GetConsumeStatsRequestHeader::Decode(const ExtFields& f, GetConsumeStatsRequestHeader* h) {
  HeaderReader r(f);
  r.Required("consumerGroup", &h->consumer_group);
  r.Optional("topic", &h->topic);
  return r.status();
}

Status GroupRequestHeader::Decode(const ExtFields& f, const char* key, GroupRequestHeader* h) {
  HeaderReader r(f);
  r.Required(key, &h->group);
  return r.status();
}

Status ViewMessageRequestHeader::Decode(const ExtFields& f, ViewMessageRequestHeader* h) {
  HeaderReader r(f);
  r.Required("offset", &h->offset);
  return r.status();
}

Status GetConsumerRunningInfoRequestHeader::Decode(const ExtFields& f, GetConsumerRunningInfoRequestHeader* h) {
  HeaderReader r(f);
  r.Required("consumerGroup", &h->consumer_group);
  r.Required("clientId", &h->client_id);
  r.Optional("jstackEnable", &h->jstack_enable);
  return r.status();
}

Status ConsumeMessageDirectlyRequestHeader::Decode(const ExtFields& f, ConsumeMessageDirectlyRequestHeader* h) {
  HeaderReader r(f);
  r.Required("consumerGroup", &h->consumer_group);
  r.Optional("clientId", &h->client_id);
  r.Optional("msgId", &h->msg_id);
  return r.status();
}

Status ResetOffsetRequestHeader::Decode(const ExtFields& f, ResetOffsetRequestHeader* h) {
  HeaderReader r(f);
  r.Required("topic", &h->topic);
  r.Required("group", &h->group);
  r.Required("timestamp", &h->timestamp);
  r.Required("isForce", &h->is_force);
  return r.status();
}

Status CloneGroupOffsetRequestHeader::Decode(const ExtFields& f, CloneGroupOffsetRequestHeader* h) {
  HeaderReader r(f);
  r.Required("srcGroup", &h->src_group);
  r.Required("destGroup", &h->dest_group);
  r.Optional("topic", &h->topic);
  r.Optional("offline", &h->offline);
  return r.status();
}

Status QueryConsumeTimeSpanRequestHeader::Decode(const ExtFields& f, QueryConsumeTimeSpanRequestHeader* h) {
  HeaderReader r(f);
  r.Required("topic", &h->topic);
  r.Required("group", &h->group);
  return r.status();
}

Status AclConfigRequestHeader::Decode(const ExtFields& f, bool with_admin, AclConfigRequestHeader* h) {
  HeaderReader r(f);
  r.Required("accessKey", &h->access_key);
  if (with_admin) r.Optional("admin", &h->admin);
  return r.status();
}

}  // namespace rmq::protocol
