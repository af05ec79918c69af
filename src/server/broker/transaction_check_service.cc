#include "server/broker/transaction_check_service.h"

#include "server/topic_config.h"

namespace rmq::server {

void TransactionCheckService::Start(TransactionalMessageService& transactions) {
  const auto interval = static_cast<uint64_t>(config_.transaction_check_interval);
  timers_.Add(server_, interval, interval, [this, &transactions] {
    TransactionCheckConfig c;
    c.transaction_timeout_ms = config_.transaction_time_out;
    c.transaction_check_max = config_.transaction_check_max;
    c.file_reserved_ms = static_cast<int64_t>(config_.file_reserved_time) * 3600 * 1000;
    transactions.Check(NowMillis(), c);
  });
}

bool TransactionCheckService::SendToProducerGroup(const std::string& group, protocol::RemotingCommand&& req) {
  const auto* channels = clients_.FindProducerGroup(group);
  if (channels == nullptr) return false;
  for (const auto& [conn, ch] : *channels) {
    Connection* c = server_.Find(conn);
    if (c == nullptr || c->closing()) continue;
    server_.InvokeOneway(conn, std::move(req));
    return true;
  }
  return false;
}

}  // namespace rmq::server
