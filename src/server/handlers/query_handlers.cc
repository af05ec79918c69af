// QUERY_MESSAGE: messages by key through the store's IndexFiles (mirrors the query half of
// Java's QueryMessageProcessor; VIEW_MESSAGE_BY_ID is in admin_handlers.cc).
#include <memory>

#include "protocol/headers/message_headers.h"
#include "server/broker/broker_controller.h"
#include "server/handlers/handlers.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::ResponseCode;

namespace {
// Mirrors MixAll.UNIQUE_MSG_QUERY_FLAG: the key is a UNIQ_KEY (a client msgId).
constexpr const char* kUniqueMsgQueryFlag = "_UNIQUE_KEY_QUERY";
}  // namespace

HandlerResult HandleQueryMessage(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::QueryMessageRequestHeader h;
  RMQ_DECODE_HEADER(protocol::QueryMessageRequestHeader::Decode(req.ext_fields, &h), resp);
  // Java replaces the caller's maxNum for a unique-key query.
  const std::string* unique = req.ext_fields.Find(kUniqueMsgQueryFlag);
  if (unique != nullptr && *unique == "true") h.max_num = ctx.broker->config().default_query_max_num;

  auto result = std::make_shared<store::QueryMessageResult>(
      ctx.broker->store().QueryMessage(h.topic, h.key, h.max_num, h.begin_timestamp, h.end_timestamp));
  if (result->buffer_total_size > 0) {
    *resp = RemotingCommand::CreateResponse(static_cast<int32_t>(ResponseCode::kSuccess));
  } else {
    *resp = ErrorResponse(ResponseCode::kQueryNotFound, "can not find message, maybe time range not correct");
  }
  // Java sets the response header on both outcomes.
  resp->ext_fields.SetInt("indexLastUpdateTimestamp", result->index_last_update_timestamp);
  resp->ext_fields.SetInt("indexLastUpdatePhyoffset", result->index_last_update_phyoffset);
  if (result->buffer_total_size > 0) {
    resp->extra_body = result->messages;  // zero-copy: views into the mapped CommitLog
    resp->body_hold = result;
  }
  return HandlerResult::kRespond;
}

}  // namespace rmq::server
