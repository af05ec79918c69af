#include "server/dispatcher.h"

#include "acl/access_resource.h"
#include "common/logging.h"
#include "server/broker/broker_controller.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::ResponseCode;

RemotingCommand ErrorResponse(ResponseCode code, std::string remark) {
  return RemotingCommand::CreateResponse(static_cast<int32_t>(code), std::move(remark));
}

void Dispatcher::Dispatch(Connection& conn, RemotingCommand& req) {
  ReplyTarget to{conn.id(), req.opaque, req.serialize_type, req.IsOneway()};
  // ACL runs before the lookup: Java's broker checks every request, unknown codes included.
  if (broker_ != nullptr && (conn.role() & kRoleBroker)) {
    if (const acl::PlainPermissionManager* acl = broker_->acl()) {
      Status s = acl->Validate(acl::ParseAccessResource(req, conn.remote_ip()));
      if (!s.ok()) {
        RMQ_LOG_WARN("acl: refused code %d from %s: %s", req.code, conn.remote_addr().c_str(), s.message().c_str());
        server_.Reply(to, ErrorResponse(ResponseCode::kSystemError, s.message()));
        return;
      }
    }
  }
  const RequestSpec* spec = FindRequestSpec(req.code, conn.role());
  RemotingCommand resp;
  if (spec == nullptr) {
    // Java's remark, leading space included.
    resp = ErrorResponse(ResponseCode::kRequestCodeNotSupported, " request type " + std::to_string(req.code) + " not supported");
  } else {
    RequestContext ctx{server_, conn, to, namesrv_, broker_};
    HandlerResult r;
    try {
      r = spec->handler(ctx, req, &resp);
    } catch (const std::exception& e) {
      RMQ_LOG_ERROR("%s from %s failed: %s", spec->name, conn.remote_addr().c_str(), e.what());
      resp = ErrorResponse(ResponseCode::kSystemError, std::string(e.what()));
      r = HandlerResult::kRespond;
    }
    if (r == HandlerResult::kDeferred) return;
  }
  server_.Reply(to, std::move(resp));
}

}  // namespace rmq::server
