// PULL_MESSAGE and LITE_PULL_MESSAGE (mirrors Java's PullMessageProcessor): the header is decoded
// here; checks, filters, the read and long polling are the broker's PullMessageService.
#include "server/broker/broker_controller.h"
#include "server/handlers/handlers.h"

namespace rmq::server {

using protocol::PullMessageRequestHeader;
using protocol::RemotingCommand;
using protocol::ResponseCode;

HandlerResult HandlePullMessage(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  PullMessageRequestHeader h;
  Status s = PullMessageRequestHeader::Decode(req.ext_fields, &h);
  if (!s.ok()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, s.message());
    return HandlerResult::kRespond;
  }
  return ctx.broker->pulls().ProcessPull(h, ctx.reply_to, true, resp) ? HandlerResult::kDeferred : HandlerResult::kRespond;
}

}  // namespace rmq::server
