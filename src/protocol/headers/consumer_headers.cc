#include "protocol/headers/consumer_headers.h"

namespace rmq::protocol {

Status UnregisterClientRequestHeader::Decode(const ExtFields& f, UnregisterClientRequestHeader* h) {
  HeaderReader r(f);
  r.Required("clientID", &h->client_id);
  r.Optional("producerGroup", &h->producer_group);
  r.Optional("consumerGroup", &h->consumer_group);
  return r.status();
}

Status GetConsumerListByGroupRequestHeader::Decode(const ExtFields& f, GetConsumerListByGroupRequestHeader* h) {
  HeaderReader r(f);
  r.Required("consumerGroup", &h->consumer_group);
  return r.status();
}

Status QueryConsumerOffsetRequestHeader::Decode(const ExtFields& f, QueryConsumerOffsetRequestHeader* h) {
  HeaderReader r(f);
  r.Required("consumerGroup", &h->consumer_group);
  r.Required("topic", &h->topic);
  r.Required("queueId", &h->queue_id);
  r.Optional("setZeroIfNotFound", &h->set_zero_if_not_found);
  return r.status();
}

Status UpdateConsumerOffsetRequestHeader::Decode(const ExtFields& f, UpdateConsumerOffsetRequestHeader* h) {
  HeaderReader r(f);
  r.Required("consumerGroup", &h->consumer_group);
  r.Required("topic", &h->topic);
  r.Required("queueId", &h->queue_id);
  r.Required("commitOffset", &h->commit_offset);
  return r.status();
}

Status QueueQueryRequestHeader::Decode(const ExtFields& f, bool with_timestamp, QueueQueryRequestHeader* h) {
  HeaderReader r(f);
  r.Required("topic", &h->topic);
  r.Required("queueId", &h->queue_id);
  if (with_timestamp) r.Required("timestamp", &h->timestamp);
  return r.status();
}

}  // namespace rmq::protocol
