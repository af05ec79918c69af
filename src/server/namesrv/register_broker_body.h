// REGISTER_BROKER's body (Java's RegisterBrokerBody): the broker's topic table and DataVersion,
// as fastjson JSON or, with compressed=true, in the zlib-deflated binary form.
#pragma once

#include <string_view>

#include "server/namesrv/route_info_manager.h"

namespace rmq::server {

// Fills req->data_version and req->topics (and has_topics); false when the body is malformed
// (bad zlib stream, truncated blocks, JSON that does not parse or nests too deep).
bool DecodeRegisterBrokerBody(std::string_view body, bool compressed, RegisterBrokerRequest* req);

}  // namespace rmq::server
