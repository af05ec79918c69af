// END_TRANSACTION (mirrors Java 4.9's EndTransactionProcessor). Producers send it oneway, so the
// response only reaches the few callers that send it synchronously; like Java, an UNKNOWN
// (NOT_TYPE) outcome or an unknown type gets no response at all.
#include "common/logging.h"
#include "protocol/headers/message_headers.h"
#include "server/broker/broker_controller.h"
#include "server/broker/message_builder.h"
#include "server/broker/transactional_message_util.h"
#include "server/handlers/handlers.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::ResponseCode;

namespace {

// sendFinalMessage's mapping of the store result.
void FillFinalPutResponse(store::PutMessageStatus st, RemotingCommand* resp) {
  using store::PutMessageStatus;
  switch (st) {
    case PutMessageStatus::kPutOk:
    case PutMessageStatus::kFlushDiskTimeout:
    case PutMessageStatus::kFlushSlaveTimeout:
    case PutMessageStatus::kSlaveNotAvailable:
      resp->code = static_cast<int32_t>(ResponseCode::kSuccess);
      return;
    case PutMessageStatus::kCreateMappedFileFailed:
      *resp = ErrorResponse(ResponseCode::kSystemError, "Create mapped file failed.");
      return;
    case PutMessageStatus::kMessageIllegal:
    case PutMessageStatus::kPropertiesSizeExceeded:
      *resp = ErrorResponse(ResponseCode::kMessageIllegal,
                            "The message is illegal, maybe msg body or properties length not matched. msg body length "
                            "limit 128k, msg properties length limit 32k.");
      return;
    case PutMessageStatus::kServiceNotAvailable:
      *resp = ErrorResponse(ResponseCode::kServiceNotAvailable, "Service not available now.");
      return;
    case PutMessageStatus::kOsPageCacheBusy:
      *resp = ErrorResponse(ResponseCode::kSystemError, "OS page cache busy, please try another machine");
      return;
    case PutMessageStatus::kUnknownError:
      *resp = ErrorResponse(ResponseCode::kSystemError, "UNKNOWN_ERROR");
      return;
  }
}

}  // namespace

HandlerResult HandleEndTransaction(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::EndTransactionRequestHeader h;
  RMQ_DECODE_HEADER(protocol::EndTransactionRequestHeader::Decode(req.ext_fields, &h), resp);
  BrokerController& b = *ctx.broker;
  const bool commit = h.commit_or_rollback == kTransactionCommitType;
  if (!commit && h.commit_or_rollback != kTransactionRollbackType) {
    if (h.commit_or_rollback == kTransactionNotType) {
      RMQ_LOG_WARN("producer %s ends transaction %s as UNKNOWN (%s)", ctx.conn.remote_addr().c_str(), h.msg_id.c_str(),
                   h.from_transaction_check ? "check" : "send");
    }
    return HandlerResult::kDeferred;  // Java returns null: no response
  }
  if (h.from_transaction_check || !commit) {
    RMQ_LOG_INFO("producer %s %s transaction %s%s", ctx.conn.remote_addr().c_str(), commit ? "commits" : "rolls back",
                 h.msg_id.c_str(), h.from_transaction_check ? " (check)" : "");
  }

  Result<store::SelectedMessage> sel = b.store().LookMessageByOffset(h.commit_log_offset);
  store::RecordView half;
  if (!sel.ok() || !store::DecodeRecord(sel->data, &half, false).ok()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, "Find prepared transaction message failed");
    return HandlerResult::kRespond;
  }
  std::string wrong = CheckPrepareMessage(half, h.producer_group, h.tran_state_table_offset, h.commit_log_offset);
  if (!wrong.empty()) {
    *resp = ErrorResponse(ResponseCode::kSystemError, wrong);
    return HandlerResult::kRespond;
  }
  resp->code = static_cast<int32_t>(ResponseCode::kSuccess);
  if (commit) {
    CommitMessage c;
    if (Status s = BuildCommitMessage(half, &c); !s.ok()) {
      *resp = ErrorResponse(ResponseCode::kSystemError, s.message());
      return HandlerResult::kRespond;
    }
    MessageBuilder mb = MessageBuilder::FromRecord(half);
    mb.Topic(c.topic).QueueId(c.queue_id).SysFlag(c.sys_flag).PreparedTransactionOffset(c.prepared_transaction_offset)
        .Properties(std::move(c.properties));
    store::PutMessageResult r = b.store().PutMessage(mb.Build());
    FillFinalPutResponse(r.status, resp);
    if (resp->code != static_cast<int32_t>(ResponseCode::kSuccess)) return HandlerResult::kRespond;
    b.OnMessagesStored(c.topic, c.queue_id);
  }
  b.transactions().DeletePrepareMessage(half);
  return HandlerResult::kRespond;
}

}  // namespace rmq::server
