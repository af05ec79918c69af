#include "server/dispatcher.h"

#include "acl/access_resource.h"
#include "common/logging.h"
#include "server/broker/broker_controller.h"
#include "server/broker/flow_control.h"
#include "store/message_store.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::ResponseCode;

RemotingCommand ErrorResponse(ResponseCode code, std::string remark) {
  return RemotingCommand::CreateResponse(static_cast<int32_t>(code), std::move(remark));
}

std::string ServiceNotAvailableRemark(const std::string& disk_util) {
  return "service not available now. It may be caused by one of the following reasons: the broker's disk is full" +
         (disk_util.empty() ? std::string() : " [" + disk_util + "]") +
         ", messages are put to the slave, message store has been shut down, etc.";
}

bool Dispatcher::RefusedByFlowControl(Connection& conn, const RequestSpec* spec, const ReplyTarget& to) {
  // uv_now is the loop's time when its poll last returned, i.e. when this frame's bytes were
  // at the latest known to be here; everything since then was the loop working on others.
  uv_loop_t* loop = server_.loop();
  const uint64_t turn = uv_now(loop);
  if (turn != turn_ms_) {
    turn_ms_ = turn;
    turn_requests_ = 0;
  }
  const size_t ahead = turn_requests_++;
  if (broker_ == nullptr || !(conn.role() & kRoleBroker) || spec == nullptr || !spec->rules.flow_controlled) {
    return false;
  }
  const BrokerConfig& c = broker_->config();
  const uint64_t now_ms = uv_hrtime() / 1000000;
  SendFlowState st;
  st.broker_fast_failure_enable = c.broker_fast_failure_enable;
  st.wait_time_mills_in_send_queue = c.wait_time_mills_in_send_queue;
  st.send_thread_pool_queue_capacity = c.send_thread_pool_queue_capacity;
  st.store_busy = c.broker_fast_failure_enable && broker_->store().IsOSPageCacheBusy();
  st.sends_in_flight = broker_->sends_waiting_for_flush();
  st.waited_ms = now_ms > turn ? now_ms - turn : 0;
  st.queue_size = ahead;
  std::optional<RemotingCommand> busy = CheckSendFlowControl(st);
  if (!busy) return false;
  ++broker_->flow_control_refused;
  server_.Reply(to, std::move(*busy));
  return true;
}

bool Dispatcher::RefusedByAcl(Connection& conn, const RemotingCommand& req, const RequestSpec* spec,
                              const ReplyTarget& to) {
  if (broker_ == nullptr || !(conn.role() & kRoleBroker)) return false;
  const acl::PlainPermissionManager* acl = broker_->acl();
  if (acl == nullptr) return false;
  Status s = acl->Validate(acl::ParseAccessResource(req, conn.remote_ip(), spec ? spec->rules.acl : acl::AclResourceRule{}));
  if (s.ok()) return false;
  RMQ_LOG_WARN("acl: refused code %d from %s: %s", req.code, conn.remote_addr().c_str(), s.message().c_str());
  server_.Reply(to, ErrorResponse(ResponseCode::kSystemError, s.message()));
  return true;
}

bool Dispatcher::RefusedOnSlave(Connection& conn, const RequestSpec& spec, const ReplyTarget& to,
                                RequestContext* ctx) {
  if (spec.rules.writes == Writes::kNo || broker_ == nullptr || !(conn.role() & kRoleBroker) ||
      broker_->config().broker_role != "SLAVE") {
    return false;
  }
  RemotingCommand resp;
  switch (spec.rules.writes) {
    case Writes::kNo:
      return false;
    case Writes::kReply:
      ctx->store_refused = true;
      return false;
    case Writes::kMessage:
      resp = ErrorResponse(ResponseCode::kServiceNotAvailable, ServiceNotAvailableRemark(broker_->store().DiskUtil()));
      break;
    case Writes::kSendBack:
      resp = ErrorResponse(ResponseCode::kSystemError, "SERVICE_NOT_AVAILABLE");
      break;
    case Writes::kEndTransaction:
      // Java sets only the code on its fresh response, whose remark is this placeholder.
      resp = ErrorResponse(ResponseCode::kSlaveNotAvailable, "not set any response code");
      break;
  }
  RMQ_LOG_WARN("broker role is slave: refused %s from %s", spec.name, conn.remote_addr().c_str());
  server_.Reply(to, std::move(resp));
  return true;
}

void Dispatcher::Dispatch(Connection& conn, RemotingCommand& req) {
  ReplyTarget to{conn.id(), req.opaque, req.serialize_type, req.IsOneway()};
  const RequestSpec* spec = FindRequestSpec(req.code, conn.role());
  // Flow control first: Java refuses a send before its processor (and ACL hook) runs.
  if (RefusedByFlowControl(conn, spec, to)) return;
  // ACL runs before "not supported": Java's broker checks every request, unknown codes included.
  if (RefusedByAcl(conn, req, spec, to)) return;
  RemotingCommand resp;
  if (spec == nullptr) {
    // Java's remark, leading space included.
    resp = ErrorResponse(ResponseCode::kRequestCodeNotSupported, " request type " + std::to_string(req.code) + " not supported");
  } else {
    RequestContext ctx{server_, conn, to, namesrv_, broker_};
    if (RefusedOnSlave(conn, *spec, to, &ctx)) return;
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
