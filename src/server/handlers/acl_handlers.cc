// The ACL 1.0 admin codes (mirrors the ACL cases of Java 4.9.x AdminBrokerProcessor), used by
// mqadmin updateAclConfig / deleteAclConfig / updateGlobalWhiteAddr / clusterAclConfigVersion.
// Whether the caller may send them is decided earlier, by Dispatcher's ACL gate (4.9.x lets any
// signed account send them; none is in Permission.ADMIN_CODE).
#include "acl/plain_permission_manager.h"
#include "protocol/headers/admin_headers.h"
#include "server/broker/broker_controller.h"
#include "server/handlers/handlers.h"
#include "server/topic_config.h"

namespace rmq::server {

using protocol::RemotingCommand;
using protocol::ResponseCode;

namespace {

constexpr char kAclDisabled[] = "ACL is not enabled on this broker (aclEnable=false)";

// UtilAll.split: absent stays absent; otherwise Java's String.split(",") (trailing empties dropped).
std::optional<std::vector<std::string>> SplitList(const std::string* s) {
  if (s == nullptr) return std::nullopt;
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = s->find(',', start);
    out.push_back(s->substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  while (out.size() > 1 && out.back().empty()) out.pop_back();
  return out;
}

std::optional<std::string> Opt(const std::string* s) { return s ? std::optional<std::string>(*s) : std::nullopt; }

}  // namespace

HandlerResult HandleUpdateAndCreateAclConfig(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::AclConfigRequestHeader h;
  RMQ_DECODE_HEADER(protocol::AclConfigRequestHeader::Decode(req.ext_fields, true, &h), resp);
  acl::PlainAccessConfig c;
  const protocol::ExtFields& f = req.ext_fields;
  c.access_key = h.access_key;
  c.admin = h.admin;
  c.secret_key = Opt(f.Find("secretKey"));
  c.white_remote_address = Opt(f.Find("whiteRemoteAddress"));
  c.default_topic_perm = Opt(f.Find("defaultTopicPerm"));
  c.default_group_perm = Opt(f.Find("defaultGroupPerm"));
  c.topic_perms = SplitList(f.Find("topicPerms"));
  c.group_perms = SplitList(f.Find("groupPerms"));
  acl::PlainPermissionManager* acl = ctx.broker->acl();
  Status s = acl ? acl->UpdateAccessConfig(c, NowMillis()) : Status::InvalidArgument(kAclDisabled);
  if (s.ok()) {
    *resp = RemotingCommand::CreateResponse(static_cast<int32_t>(ResponseCode::kSuccess), "");
  } else if (s.IsNotFound()) {
    *resp = ErrorResponse(ResponseCode::kUpdateAndCreateAclConfigFailed,
                          "The accesskey[" + h.access_key + "] corresponding to accessConfig has been updated failed.");
  } else {
    *resp = ErrorResponse(ResponseCode::kUpdateAndCreateAclConfigFailed, s.message());
  }
  return HandlerResult::kRespond;
}

HandlerResult HandleDeleteAclConfig(RequestContext& ctx, const RemotingCommand& req, RemotingCommand* resp) {
  protocol::AclConfigRequestHeader h;
  RMQ_DECODE_HEADER(protocol::AclConfigRequestHeader::Decode(req.ext_fields, false, &h), resp);
  const std::string& access_key = h.access_key;
  acl::PlainPermissionManager* acl = ctx.broker->acl();
  Status s = acl ? acl->DeleteAccessConfig(access_key, NowMillis()) : Status::InvalidArgument(kAclDisabled);
  if (s.ok()) {
    *resp = RemotingCommand::CreateResponse(static_cast<int32_t>(ResponseCode::kSuccess), "");
  } else if (s.IsNotFound()) {
    *resp = ErrorResponse(ResponseCode::kDeleteAclConfigFailed,
                          "The accesskey[" + access_key + "] corresponding to accessConfig has been deleted failed.");
  } else {
    *resp = ErrorResponse(ResponseCode::kDeleteAclConfigFailed, s.message());
  }
  return HandlerResult::kRespond;
}

HandlerResult HandleUpdateGlobalWhiteAddrsConfig(RequestContext& ctx, const RemotingCommand& req,
                                                 RemotingCommand* resp) {
  const std::string* addrs = req.ext_fields.Find("globalWhiteAddrs");
  const std::string* file = req.ext_fields.Find("aclFileFullPath");
  acl::PlainPermissionManager* acl = ctx.broker->acl();
  Status s;
  if (acl == nullptr) {
    s = Status::InvalidArgument(kAclDisabled);
  } else if (addrs == nullptr) {
    s = Status::NotFound("globalWhiteAddrs");
  } else {
    s = acl->UpdateGlobalWhiteAddrsConfig(*SplitList(addrs), file ? *file : "", NowMillis());
  }
  if (s.ok()) {
    *resp = RemotingCommand::CreateResponse(static_cast<int32_t>(ResponseCode::kSuccess), "");
  } else if (s.IsNotFound()) {
    *resp = ErrorResponse(ResponseCode::kUpdateGlobalWhiteAddrsConfigFailed,
                          "The globalWhiteAddresses[" + (addrs ? *addrs : std::string("null")) + "] has been updated failed.");
  } else {
    *resp = ErrorResponse(ResponseCode::kUpdateGlobalWhiteAddrsConfigFailed, s.message());
  }
  return HandlerResult::kRespond;
}

HandlerResult HandleGetBrokerClusterAclInfo(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  acl::PlainPermissionManager* acl = ctx.broker->acl();
  if (acl == nullptr) {
    *resp = ErrorResponse(ResponseCode::kSystemError, kAclDisabled);
    return HandlerResult::kRespond;
  }
  const BrokerConfig& cfg = ctx.broker->config();
  *resp = RemotingCommand::CreateResponse(static_cast<int32_t>(ResponseCode::kSuccess), "");
  resp->ext_fields.Set("version", acl->AclConfigVersionJson());
  resp->ext_fields.Set("allAclFileVersion", acl->AllAclFileVersionJson());
  resp->ext_fields.Set("brokerName", cfg.broker_name);
  resp->ext_fields.Set("brokerAddr", ctx.broker->broker_addr());
  resp->ext_fields.Set("clusterName", cfg.broker_cluster_name);
  return HandlerResult::kRespond;
}

HandlerResult HandleGetBrokerClusterAclConfig(RequestContext& ctx, const RemotingCommand&, RemotingCommand* resp) {
  acl::PlainPermissionManager* acl = ctx.broker->acl();
  if (acl == nullptr) {
    *resp = ErrorResponse(ResponseCode::kSystemError, kAclDisabled);
    return HandlerResult::kRespond;
  }
  *resp = RemotingCommand::CreateResponse(static_cast<int32_t>(ResponseCode::kSuccess), "");
  resp->SetBody(acl->AllAclConfigJson());
  return HandlerResult::kRespond;
}

}  // namespace rmq::server
