#include "protocol/headers/message_headers.h"

namespace rmq::protocol {

Status SendMessageRequestHeader::Decode(const ExtFields& f, bool v2, SendMessageRequestHeader* h) {
  HeaderReader r(f);
  r.Required(v2 ? "a" : "producerGroup", &h->producer_group);
  r.Required(v2 ? "b" : "topic", &h->topic);
  r.Required(v2 ? "c" : "defaultTopic", &h->default_topic);
  r.Required(v2 ? "d" : "defaultTopicQueueNums", &h->default_topic_queue_nums);
  r.Required(v2 ? "e" : "queueId", &h->queue_id);
  r.Required(v2 ? "f" : "sysFlag", &h->sys_flag);
  r.Required(v2 ? "g" : "bornTimestamp", &h->born_timestamp);
  r.Required(v2 ? "h" : "flag", &h->flag);
  r.Optional(v2 ? "i" : "properties", &h->properties);
  r.Optional(v2 ? "j" : "reconsumeTimes", &h->reconsume_times);
  r.Optional(v2 ? "k" : "unitMode", &h->unit_mode);
  r.Optional(v2 ? "l" : "maxReconsumeTimes", &h->max_reconsume_times);
  r.Optional(v2 ? "m" : "batch", &h->batch);
  return r.status();
}

Status PullMessageRequestHeader::Decode(const ExtFields& f, PullMessageRequestHeader* h) {
  HeaderReader r(f);
  r.Required("consumerGroup", &h->consumer_group);
  r.Required("topic", &h->topic);
  r.Required("queueId", &h->queue_id);
  r.Required("queueOffset", &h->queue_offset);
  r.Required("maxMsgNums", &h->max_msg_nums);
  r.Required("sysFlag", &h->sys_flag);
  r.Required("commitOffset", &h->commit_offset);
  r.Required("suspendTimeoutMillis", &h->suspend_timeout_millis);
  r.Optional("subscription", &h->subscription);
  r.Required("subVersion", &h->sub_version);
  r.Optional("expressionType", &h->expression_type);
  return r.status();
}

Status ConsumerSendMsgBackRequestHeader::Decode(const ExtFields& f, ConsumerSendMsgBackRequestHeader* h) {
  HeaderReader r(f);
  int32_t max_times = 0;
  r.Required("offset", &h->offset);
  r.Required("group", &h->group);
  r.Required("delayLevel", &h->delay_level);
  r.Optional("originMsgId", &h->origin_msg_id);
  r.Optional("originTopic", &h->origin_topic);
  r.Optional("unitMode", &h->unit_mode);
  r.Optional("maxReconsumeTimes", &max_times);
  if (r.status().ok() && f.Find("maxReconsumeTimes") != nullptr) h->max_reconsume_times = max_times;
  return r.status();
}

Status EndTransactionRequestHeader::Decode(const ExtFields& f, EndTransactionRequestHeader* h) {
  HeaderReader r(f);
  r.Required("producerGroup", &h->producer_group);
  r.Required("tranStateTableOffset", &h->tran_state_table_offset);
  r.Required("commitLogOffset", &h->commit_log_offset);
  r.Required("commitOrRollback", &h->commit_or_rollback);
  r.Optional("fromTransactionCheck", &h->from_transaction_check);
  r.Required("msgId", &h->msg_id);
  r.Optional("transactionId", &h->transaction_id);
  return r.status();
}

Status QueryMessageRequestHeader::Decode(const ExtFields& f, QueryMessageRequestHeader* h) {
  HeaderReader r(f);
  r.Required("topic", &h->topic);
  r.Required("key", &h->key);
  r.Required("maxNum", &h->max_num);
  r.Required("beginTimestamp", &h->begin_timestamp);
  r.Required("endTimestamp", &h->end_timestamp);
  return r.status();
}

}  // namespace rmq::protocol
