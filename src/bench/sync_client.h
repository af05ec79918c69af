// SyncClient: one blocking TCP connection for the load generator's set-up and probe requests
// (route, cluster info, topic creation, offsets) before and after the timed, non-blocking part.
// Every call is bounded by a timeout. Plain sockets; loop-free.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "protocol/remoting_command.h"

namespace rmq::bench {

// "host:port" -> host, port; false when malformed.
bool SplitHostPort(std::string_view addr, std::string* host, uint16_t* port);

class SyncClient {
 public:
  SyncClient() = default;
  ~SyncClient();
  SyncClient(const SyncClient&) = delete;
  SyncClient& operator=(const SyncClient&) = delete;

  Status Connect(std::string_view addr, int timeout_ms);
  // Sends `req` (its opaque is assigned here) and waits for the response with the same opaque.
  // The response body views a buffer owned by this client, valid until the next Call.
  Status Call(protocol::RemotingCommand req, int timeout_ms, protocol::RemotingCommand* resp);
  void Close();

 private:
  int fd_ = -1;
  int32_t next_opaque_ = 1;
  std::string frame_;  // the last response frame; resp bodies view it
};

}  // namespace rmq::bench
