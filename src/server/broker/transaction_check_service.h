// TransactionCheckService: Java's TransactionalMessageCheckService and the broker -> producer
// callback it needs. Every transactionCheckInterval it runs one check of the half messages
// (TransactionalMessageService::Check); each check question goes to one live channel of the
// producer group as a oneway CHECK_TRANSACTION_STATE (SendToProducerGroup, the
// TransactionalMessageService's CheckSender). Users: the controller (wiring, Start/Stop).
// Loop thread only.
#pragma once

#include <string>

#include "protocol/remoting_command.h"
#include "server/broker/client_manager.h"
#include "server/broker/transactional_message_service.h"
#include "server/config.h"
#include "server/remoting_server.h"
#include "server/service_timers.h"

namespace rmq::server {

class TransactionCheckService {
 public:
  TransactionCheckService(RemotingServer& server, const BrokerConfig& config, ClientManager& clients)
      : server_(server), config_(config), clients_(clients) {}
  TransactionCheckService(const TransactionCheckService&) = delete;
  TransactionCheckService& operator=(const TransactionCheckService&) = delete;

  // Starts the periodic check of `transactions` (which must outlive Stop).
  void Start(TransactionalMessageService& transactions);
  void Stop() { timers_.Clear(); }

  // Sends a broker -> producer request to one live channel of `group`; false when it has none.
  bool SendToProducerGroup(const std::string& group, protocol::RemotingCommand&& req);

 private:
  RemotingServer& server_;
  const BrokerConfig& config_;
  ClientManager& clients_;
  ServiceTimers timers_;
};

}  // namespace rmq::server
