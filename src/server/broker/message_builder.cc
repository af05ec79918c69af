#include "server/broker/message_builder.h"

#include "common/coding.h"
#include "protocol/message.h"
#include "store/reput_service.h"

namespace rmq::server {

MessageBuilder MessageBuilder::FromSend(const protocol::SendMessageRequestHeader& h, std::string_view body,
                                        const store::HostAddress& born_host, const store::HostAddress& store_host) {
  MessageBuilder b;
  b.topic_ = h.topic;
  b.m_.queue_id = h.queue_id;
  b.m_.flag = h.flag;
  b.m_.sys_flag = h.sys_flag;
  b.m_.born_timestamp = h.born_timestamp;
  b.m_.born_host = born_host;
  b.m_.store_host = store_host;
  b.m_.reconsume_times = h.reconsume_times;
  b.m_.body = body;
  return b;
}

MessageBuilder MessageBuilder::FromRecord(const store::RecordView& rec) {
  MessageBuilder b;
  b.topic_ = std::string(rec.topic);
  b.properties_ = std::string(rec.properties);
  b.m_.queue_id = rec.queue_id;
  b.m_.flag = rec.flag;
  b.m_.sys_flag = rec.sys_flag;
  b.m_.born_timestamp = rec.born_timestamp;
  b.m_.born_host = rec.born_host;
  b.m_.store_host = rec.store_host;
  b.m_.reconsume_times = rec.reconsume_times;
  b.m_.prepared_transaction_offset = rec.prepared_transaction_offset;
  b.m_.body = rec.body;
  return b;
}

MessageBuilder MessageBuilder::FromDueRecord(const store::RecordView& parked, std::string_view topic, int32_t queue_id,
                                             std::string properties) {
  MessageBuilder b = FromRecord(parked);
  b.Topic(topic).QueueId(queue_id).PreparedTransactionOffset(0).Properties(std::move(properties)).DelayDone();
  return b;
}

MessageBuilder MessageBuilder::FromBroker(std::string_view topic, int32_t queue_id, const store::HostAddress& host,
                                          int64_t now_ms) {
  MessageBuilder b;
  b.topic_ = std::string(topic);
  b.m_.queue_id = queue_id;
  b.m_.born_timestamp = now_ms;
  b.m_.born_host = host;
  b.m_.store_host = host;
  return b;
}

MessageBuilder& MessageBuilder::Topic(std::string_view topic) {
  topic_.assign(topic);
  return *this;
}
MessageBuilder& MessageBuilder::QueueId(int32_t queue_id) {
  m_.queue_id = queue_id;
  return *this;
}
MessageBuilder& MessageBuilder::Flag(int32_t flag) {
  m_.flag = flag;
  return *this;
}
MessageBuilder& MessageBuilder::SysFlag(int32_t sys_flag) {
  m_.sys_flag = sys_flag;
  return *this;
}
MessageBuilder& MessageBuilder::BornTimestamp(int64_t ms) {
  m_.born_timestamp = ms;
  return *this;
}
MessageBuilder& MessageBuilder::Hosts(const store::HostAddress& born, const store::HostAddress& store) {
  m_.born_host = born;
  m_.store_host = store;
  return *this;
}
MessageBuilder& MessageBuilder::ReconsumeTimes(int32_t n) {
  m_.reconsume_times = n;
  return *this;
}
MessageBuilder& MessageBuilder::PreparedTransactionOffset(int64_t offset) {
  m_.prepared_transaction_offset = offset;
  return *this;
}
MessageBuilder& MessageBuilder::Body(std::string_view body) {
  m_.body = body;
  return *this;
}
MessageBuilder& MessageBuilder::Properties(std::string properties) {
  properties_ = std::move(properties);
  return *this;
}
MessageBuilder& MessageBuilder::DelayDone() {
  m_.delay_done = true;
  return *this;
}

const store::MessageToStore& MessageBuilder::Build() {
  m_.topic = topic_;
  m_.properties = properties_;
  m_.tags_code = store::TagsCodeFromProperties(properties_);
  if (m_.born_host.v6) m_.sys_flag |= protocol::kSysFlagBornHostV6;
  if (m_.store_host.v6) m_.sys_flag |= protocol::kSysFlagStoreHostV6;
  return m_;
}

PropertyMap SendPropertyMap(std::string_view sent, std::string_view cluster) {
  PropertyMap map = PropertyMap::Parse(sent);
  map.Put(kPropertyCluster, cluster);
  std::string_view wait;
  if (map.Get(kPropertyWaitStoreMsgOk, &wait)) {
    std::string value(wait);
    map.Remove(kPropertyWaitStoreMsgOk);
    map.Put(kPropertyWaitStoreMsgOk, value);
  }
  return map;
}

std::string StoredSendProperties(const PropertyMap& map) {
  // Java renders the string while WAIT is out of the map.
  return map.Encode(kPropertyWaitStoreMsgOk);
}

std::string BatchProperties(std::string_view sent, std::string_view cluster) {
  PropertyMap map = PropertyMap::Parse(sent);
  map.Put(kPropertyCluster, cluster);
  return map.Encode();
}

std::string BatchItemProperties(std::string_view item, std::string_view batch_encoded) {
  std::string out(item);
  if (!item.empty() && !batch_encoded.empty() && item.back() != kPropertySeparator) out.push_back(kPropertySeparator);
  out.append(batch_encoded);
  return out;
}

std::string PushReplyProperties(std::string_view sent, int64_t now_ms) {
  PropertyMap map = PropertyMap::Parse(sent);
  map.Put(kPropertyPushReplyTime, std::to_string(now_ms));
  return map.Encode();
}

}  // namespace rmq::server
