// MessageBuilder: the one place a store::MessageToStore is assembled, for every path that
// writes a message (send, batch, reply, send-back/retry, transaction half/commit/put-back/op,
// schedule and timer re-delivery, the CHECK_TRANSACTION_STATE body). A site starts from what it
// has (a producer's send header, or a stored record it re-delivers) and says only what differs.
//
// The builder owns the topic and properties strings; the body stays a view of the caller's
// bytes (the request body or the looked-up record), which must outlive Build()'s result.
// Build() fills the derived fields (tagsCode from TAGS, the IPv6 host bits), so a site cannot
// forget them. Next users: the HA slave's re-encoder and POP's revive path (re-delivery from a
// record, like send-back).
//
// The Java property rules each path follows (Java 4.9.7; see docs/compatibility.md) are the
// functions below the class: Java re-serializes the properties string from its HashMap on
// every path except reply, so they return PropertyMap::Encode() output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/message_properties.h"
#include "protocol/headers/message_headers.h"
#include "store/commit_log_record.h"
#include "store/message_store.h"

namespace rmq::server {

class MessageBuilder {
 public:
  // A producer's message: topic, queue id, flag, sysFlag, born time and reconsume times from
  // the header; no properties until Properties().
  static MessageBuilder FromSend(const protocol::SendMessageRequestHeader& h, std::string_view body,
                                 const store::HostAddress& born_host, const store::HostAddress& store_host);
  // A stored record written again: every field of it (topic, queue id, flag, sysFlag, born
  // time, hosts, reconsume times, prepared offset, body, properties).
  static MessageBuilder FromRecord(const store::RecordView& rec);
  // A delayed (schedule) or timer message coming due: the parked record's fields, re-addressed
  // to its real topic and queue with `properties`, not parked again; like Java's messageTimeup
  // and the timer's convertMessage, no prepared-transaction offset.
  static MessageBuilder FromDueRecord(const store::RecordView& parked, std::string_view topic, int32_t queue_id,
                                      std::string properties);
  // A message the broker makes itself (a transaction op record): born now at `host`.
  static MessageBuilder FromBroker(std::string_view topic, int32_t queue_id, const store::HostAddress& host,
                                   int64_t now_ms);

  MessageBuilder& Topic(std::string_view topic);
  MessageBuilder& QueueId(int32_t queue_id);
  MessageBuilder& Flag(int32_t flag);
  MessageBuilder& SysFlag(int32_t sys_flag);
  MessageBuilder& BornTimestamp(int64_t ms);
  MessageBuilder& Hosts(const store::HostAddress& born, const store::HostAddress& store);
  MessageBuilder& ReconsumeTimes(int32_t n);
  MessageBuilder& PreparedTransactionOffset(int64_t offset);
  MessageBuilder& Body(std::string_view body);
  MessageBuilder& Properties(std::string properties);
  // A delayed or timer message coming due: not parked again (MessageToStore::delay_done).
  MessageBuilder& DelayDone();

  const std::string& topic() const { return topic_; }
  const std::string& properties() const { return properties_; }
  int32_t queue_id() const { return m_.queue_id; }
  int32_t sys_flag() const { return m_.sys_flag; }

  // The message; valid while this builder lives unchanged (views into it and the body).
  const store::MessageToStore& Build();

 private:
  MessageBuilder() = default;
  std::string topic_;
  std::string properties_;
  store::MessageToStore m_;
};

// SendMessageProcessor.asyncSendMessage: the request's properties with CLUSTER put and WAIT
// removed and put back (so it moves to the end of its bucket). The result is what the later
// steps (half message, delay parking) re-serialize: Java holds WAIT there again.
PropertyMap SendPropertyMap(std::string_view sent, std::string_view cluster);
// ... and the string it stores for a plain send: WAIT removed, re-serialized.
std::string StoredSendProperties(const PropertyMap& map);

// sendBatchMessage + MessageExtBatchEncoder: an inner message's stored properties are its own
// as sent, a \x02 when both are non-empty and its own do not end in one, then the batch's
// (BatchProperties: the header's properties with CLUSTER put, re-serialized; WAIT kept).
std::string BatchProperties(std::string_view sent, std::string_view cluster);
std::string BatchItemProperties(std::string_view item, std::string_view batch_encoded);

// ReplyMessageProcessor.pushReplyMessage: the pushed properties with PUSH_REPLY_TIME put,
// re-serialized (the stored copy keeps the sender's string).
std::string PushReplyProperties(std::string_view sent, int64_t now_ms);

}  // namespace rmq::server
