// The one request table and the one gate in front of every handler (Redis's processCommand
// combined with Java's processorTable): ACL (broker role, aclEnable) -> lookup -> role -> handler
// -> opaque/flag/serialization.
#pragma once

#include <cstdint>

#include "protocol/remoting_command.h"
#include "protocol/response_code.h"
#include "server/remoting_server.h"

namespace rmq::server {

class NamesrvController;
class BrokerController;

struct RequestContext {
  RemotingServer& server;
  Connection& conn;
  ReplyTarget reply_to;  // for handlers that answer later
  NamesrvController* namesrv;
  BrokerController* broker;
};

enum class HandlerResult { kRespond, kDeferred };

using HandlerFn = HandlerResult (*)(RequestContext& ctx, const protocol::RemotingCommand& req,
                                    protocol::RemotingCommand* resp);

struct RequestSpec {
  int32_t code;
  const char* name;
  uint32_t roles;  // Role bits that serve this code
  HandlerFn handler;
};

// The table (request_table.cc).
const RequestSpec* FindRequestSpec(int32_t code, uint32_t role);
size_t RequestSpecCount();
const RequestSpec& RequestSpecAt(size_t i);

class Dispatcher {
 public:
  Dispatcher(RemotingServer& server, NamesrvController* namesrv, BrokerController* broker)
      : server_(server), namesrv_(namesrv), broker_(broker) {}
  void Dispatch(Connection& conn, protocol::RemotingCommand& req);

 private:
  // Flow control for sends (broker/flow_control.h); the reply when one is refused.
  bool RefusedByFlowControl(Connection& conn, const protocol::RemotingCommand& req, const ReplyTarget& to);

  RemotingServer& server_;
  NamesrvController* namesrv_;
  BrokerController* broker_;
  // Requests dispatched in the current loop turn (the turn starts when the poll returns).
  uint64_t turn_ms_ = 0;
  size_t turn_requests_ = 0;
};

// A response with a code and remark.
protocol::RemotingCommand ErrorResponse(protocol::ResponseCode code, std::string remark);

// Decodes a custom header in a handler; on failure answers SYSTEM_ERROR naming the field.
#define RMQ_READ_HEADER(reader, resp)                                                       \
  do {                                                                                      \
    if (!(reader).status().ok()) {                                                          \
      *(resp) = ::rmq::server::ErrorResponse(::rmq::protocol::ResponseCode::kSystemError,   \
                                             (reader).status().message());                  \
      return ::rmq::server::HandlerResult::kRespond;                                        \
    }                                                                                       \
  } while (0)

}  // namespace rmq::server
