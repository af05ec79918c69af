// The one request table and the one gate in front of every handler (Redis's processCommand
// combined with Java's processorTable). Every per-code rule is a column of the code's row in
// request_table.cc and is enforced here, once, in this order (Java's):
//   lookup -> flow control (flow_controlled) -> ACL (acl; unknown codes too) -> not supported
//   -> slave refusal (writes, on a brokerRole=SLAVE broker) -> handler -> opaque/flag/serialization.
// Handlers only decode their header (protocol/headers/) and do their work. The next features
// (master/slave HA, DLedger, POP) add rows or columns here instead of checks inside handlers.
#pragma once

#include <cstdint>

#include "acl/access_resource.h"
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
  // Set by the dispatcher for a Writes::kReply request on a slave: answer, but store nothing.
  bool store_refused = false;
};

enum class HandlerResult { kRespond, kDeferred };

using HandlerFn = HandlerResult (*)(RequestContext& ctx, const protocol::RemotingCommand& req,
                                    protocol::RemotingCommand* resp);

// Whether a request changes what a slave may only get by replication (it appends to the
// CommitLog), and so how a brokerRole=SLAVE broker answers it: Java 4.9.7's answer, whose store
// refuses every put on a slave (DefaultMessageStore.checkStoreStatus: SERVICE_NOT_AVAILABLE)
// and whose processors turn that into their own response. What Java accepts on a slave
// (consumer offsets, topic and group configs, ACL files) is kNo.
enum class Writes : uint8_t {
  kNo,
  kMessage,         // send, batch: SERVICE_NOT_AVAILABLE, the send remark with the disk usage
  kSendBack,        // consumer send-back: SYSTEM_ERROR "SERVICE_NOT_AVAILABLE"
  kEndTransaction,  // SLAVE_NOT_AVAILABLE, "not set any response code" (Java sets only the code)
  kReply,           // reply: still pushed and answered; its stored copy is skipped (Java only logs)
};

// The per-code rules besides the handler; a row without them has the defaults.
struct RequestRules {
  acl::AclResourceRule acl;      // the resources the ACL checks (acl/access_resource.h)
  bool flow_controlled = false;  // Java's send executor: SYSTEM_BUSY under load (broker/flow_control.h)
  Writes writes = Writes::kNo;
};

struct RequestSpec {
  int32_t code;
  const char* name;
  uint32_t roles;  // Role bits that serve this code
  HandlerFn handler;
  RequestRules rules;
};

// The table (request_table.cc).
const RequestSpec* FindRequestSpec(int32_t code, uint32_t role);
// The ACL rule of a broker code (kNone for codes the broker does not serve).
acl::AclResourceRule AclRuleForCode(int32_t code);
size_t RequestSpecCount();
const RequestSpec& RequestSpecAt(size_t i);

class Dispatcher {
 public:
  Dispatcher(RemotingServer& server, NamesrvController* namesrv, BrokerController* broker)
      : server_(server), namesrv_(namesrv), broker_(broker) {}
  void Dispatch(Connection& conn, protocol::RemotingCommand& req);

 private:
  // Each gate answers the request itself and returns true when it refuses it.
  bool RefusedByFlowControl(Connection& conn, const RequestSpec* spec, const ReplyTarget& to);
  bool RefusedByAcl(Connection& conn, const protocol::RemotingCommand& req, const RequestSpec* spec,
                    const ReplyTarget& to);
  bool RefusedOnSlave(Connection& conn, const RequestSpec& spec, const ReplyTarget& to, RequestContext* ctx);

  RemotingServer& server_;
  NamesrvController* namesrv_;
  BrokerController* broker_;
  // Requests dispatched in the current loop turn (the turn starts when the poll returns).
  uint64_t turn_ms_ = 0;
  size_t turn_requests_ = 0;
};

// A response with a code and remark.
protocol::RemotingCommand ErrorResponse(protocol::ResponseCode code, std::string remark);
// Java's SERVICE_NOT_AVAILABLE remark for a refused put (a full disk, a slave, a store shut down),
// with " [diskUtil]" when `disk_util` is not empty: the send handlers and the slave refusal.
std::string ServiceNotAvailableRemark(const std::string& disk_util);

// Decodes a request's custom header at the top of a handler: `decode` is a header's typed Decode
// (protocol/headers/), a Status; on failure the handler answers SYSTEM_ERROR with its message
// (the field named), as Java's decodeCommandCustomHeader does.
#define RMQ_DECODE_HEADER(decode, resp)                                                      \
  do {                                                                                      \
    if (::rmq::Status decode_status_ = (decode); !decode_status_.ok()) {                    \
      *(resp) = ::rmq::server::ErrorResponse(::rmq::protocol::ResponseCode::kSystemError,   \
                                             decode_status_.message());                     \
      return ::rmq::server::HandlerResult::kRespond;                                        \
    }                                                                                       \
  } while (0)

}  // namespace rmq::server
