// NamesrvRegistrar: the broker's side of the NameServers (Java's BrokerOuterAPI plus
// BrokerController.registerBrokerAll). It keeps one link per namesrvAddr entry and sends
// REGISTER_BROKER: the whole topic table at start, every registerNameServerPeriod and on retries;
// after a topic change only the changed topics (Java's registerIncrementBrokerData) to a
// NameServer registered on its current connection. Bodies are JSON, or the compressed form when
// compressedRegister=true or the JSON would be too big; a body past the frame limit is not sent
// (logged once per data version). Failures are logged with a throttle and retried every 3 s.
// UNREGISTER_BROKER goes out (oneway) on Stop.
//
// Each answer is kept per NameServer (RegisterAnswer: Java's RegisterBrokerResult): the master's
// address and HA address for a slave, and the order-topic KV table. Users: the controller (start,
// stop), TopicConfigManager's change hook (ScheduleRegister), handlers that answer only after the
// NameServers know a new topic (WhenRegistered), and the HA issue (last answers: masterAddr /
// haServerAddr). Loop thread only.
//
// Timers (Start/Stop): the periodic full round (registerNameServerPeriod) and the retry check (3 s).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "protocol/remoting_command.h"
#include "server/broker/topic_config_manager.h"
#include "server/config.h"
#include "server/register_broker_body.h"
#include "server/remoting_server.h"
#include "server/service_timers.h"

namespace rmq::server {

// What a NameServer answered to the last successful REGISTER_BROKER (RegisterBrokerResponseHeader
// and its KVTable body).
struct RegisterAnswer {
  std::string master_addr;     // a slave's master (brokerId 0), empty for a master or none yet
  std::string ha_server_addr;  // that master's HA address
  std::map<std::string, std::string> order_topic_config;  // the ORDER_TOPIC_CONFIG namespace
  uint64_t at_ms = 0;          // loop time of the answer
};

// Decodes a REGISTER_BROKER response (header fields and the optional KVTable JSON body).
// False when the body is present but not a KVTable.
bool DecodeRegisterAnswer(const protocol::RemotingCommand& resp, RegisterAnswer* out);

class NamesrvRegistrar {
 public:
  // `broker_addr` is brokerIP1:listenPort, as registered.
  NamesrvRegistrar(RemotingServer& server, const BrokerConfig& config, TopicConfigManager& topics,
                   std::string broker_addr);
  NamesrvRegistrar(const NamesrvRegistrar&) = delete;
  NamesrvRegistrar& operator=(const NamesrvRegistrar&) = delete;

  // Parses namesrvAddr, sends the first round and starts the timers.
  Status Start();
  // Removes the timers and unregisters from every connected NameServer (oneway).
  void Stop();

  // Re-registers with every NameServer soon after a topic change: the changed topics only to a
  // NameServer that has the rest, else the whole table.
  void ScheduleRegister(const std::string& topic, bool deleted);
  // Runs `fn` once the registration that carries the latest topic change has been answered by
  // every NameServer (or failed), at once when none is pending. Java answers
  // UPDATE_AND_CREATE_TOPIC and heartbeats that create a retry topic only after registering, so
  // a client that asks for the route next finds it.
  void WhenRegistered(std::function<void()> fn);

  // The last successful answer of the NameServer at "host:port", or null.
  const RegisterAnswer* LastAnswer(const std::string& namesrv_addr) const;
  // Every NameServer's last successful answer, by "host:port".
  std::map<std::string, RegisterAnswer> LastAnswers() const;

 private:
  struct RegisterRound {
    int pending = 0;
    std::vector<std::function<void()>> waiters;
  };
  // A REGISTER_BROKER body ready to send; `ok` is false when it could not be built or would not
  // fit in a frame (then it is not sent; the error is logged once per data version).
  struct RegisterBody {
    bool ok = false;
    bool compressed = false;
    size_t topics = 0;
    DataVersion version;
    std::string bytes;
    int32_t crc = 0;
  };
  struct NamesrvLink {
    std::string host;
    int port = 0;
    ConnectionId conn = 0;
    bool connecting = false;
    bool in_flight = false;
    // The last REGISTER_BROKER on `conn` was answered with SUCCESS; until then every round sends
    // this NameServer the whole table, and the retry timer keeps trying.
    bool registered = false;
    ConnectionId registered_conn = 0;
    bool has_answer = false;
    RegisterAnswer answer;
    // LogError's throttle: the last reason logged, when, and failures since not logged.
    std::string last_error;
    uint64_t last_error_ms = 0;
    int errors_unlogged = 0;
  };
  // Full: the whole topic table to every NameServer (start, the periodic round, retries).
  // Increment: the topics changed since the last round to NameServers whose last registration
  // succeeded on the current connection, the whole table to the others.
  enum class RegisterKind { kFull, kIncrement };

  Status ParseNamesrvAddr();
  void RegisterAll(RegisterKind kind = RegisterKind::kFull);
  void ConnectAndRegister(size_t i, const std::shared_ptr<RegisterRound>& round);
  void SendRegister(size_t i, const RegisterBody& body, std::shared_ptr<RegisterRound> round);
  void OnRegisterAnswer(size_t i, ConnectionId conn, size_t topics, Result<protocol::RemotingCommand>& r);
  void RetryUnregistered();
  // The full body, encoded once per data version (the periodic round re-sends cached bytes).
  const RegisterBody& FullBody();
  RegisterBody BuildBody(const TopicTable& table, const DataVersion& dv, bool full);
  // False (logged once per data version, throttled) when the body is too big for a frame.
  bool FitsInFrame(const RegisterBody& b, const TopicTable& table, const DataVersion& dv);
  static void FinishRound(const std::shared_ptr<RegisterRound>& round);
  // Logs a failed or refused registration as an ERROR: at once when the reason is new, then at
  // most every 30 s while the same reason repeats on each retry.
  void LogError(NamesrvLink& n, const std::string& what);

  RemotingServer& server_;
  const BrokerConfig& config_;
  TopicConfigManager& topics_;
  std::string broker_addr_;
  std::vector<NamesrvLink> namesrvs_;
  bool register_scheduled_ = false;
  std::vector<std::function<void()>> next_round_waiters_;
  std::set<std::string> pending_topics_;  // changed since the last round was built
  bool full_pending_ = false;              // a delete: only a full round covers it
  RegisterBody full_body_;                 // cache of FullBody()
  bool full_body_valid_ = false;
  DataVersion oversize_logged_;            // the version whose oversize body was reported
  uint64_t oversize_logged_ms_ = 0;
  ServiceTimers timers_;
};

}  // namespace rmq::server
