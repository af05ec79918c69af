// Store retention commands (mirrors AdminBrokerProcessor.deleteExpiredCommitLog and
// cleanExpiredConsumeQueue). Both answer SUCCESS with no remark, as Java does.
#include "common/logging.h"
#include "server/broker/broker_controller.h"
#include "server/handlers/handlers.h"

namespace rmq::server {

using protocol::RemotingCommand;

// DELETE_EXPIRED_COMMITLOG (329): the clean thread deletes expired CommitLog files now and on
// its next passes whatever deleteWhen says; the handler itself never touches a file.
HandlerResult HandleDeleteExpiredCommitLog(RequestContext& ctx, const RemotingCommand&, RemotingCommand*) {
  RMQ_LOG_WARN("invoke deleteExpiredCommitLog");
  ctx.broker->store().ExecuteDeleteFilesManually();
  return HandlerResult::kRespond;
}

// CLEAN_EXPIRED_CONSUMEQUEUE (306): drops ConsumeQueues whose messages are all gone.
HandlerResult HandleCleanExpiredConsumeQueue(RequestContext& ctx, const RemotingCommand&, RemotingCommand*) {
  RMQ_LOG_WARN("invoke cleanExpiredConsumerQueue");
  int dropped = ctx.broker->store().CleanExpiredConsumerQueue();
  if (dropped > 0) RMQ_LOG_INFO("cleanExpiredConsumerQueue dropped %d queues", dropped);
  return HandlerResult::kRespond;
}

}  // namespace rmq::server
