#include "server/broker/namesrv_registrar.h"

#include <doctest/doctest.h>

#include <vector>

#include "common/temp_dir.h"
#include "protocol/request_code.h"

using namespace rmq;
using namespace rmq::server;
using protocol::RemotingCommand;
using protocol::RequestCode;

TEST_CASE("DecodeRegisterAnswer: a slave's answer has the master, its HA address and the order-topic KVTable") {
  RemotingCommand r = RemotingCommand::CreateResponse(0);
  r.ext_fields.Set("masterAddr", "10.0.0.1:10911");
  r.ext_fields.Set("haServerAddr", "10.0.0.1:10912");
  r.SetBody(R"({"table":{"OrderT":"broker-a:4;broker-b:4"}})");
  RegisterAnswer a;
  REQUIRE(DecodeRegisterAnswer(r, &a));
  CHECK(a.master_addr == "10.0.0.1:10911");
  CHECK(a.ha_server_addr == "10.0.0.1:10912");
  REQUIRE(a.order_topic_config.size() == 1);
  CHECK(a.order_topic_config["OrderT"] == "broker-a:4;broker-b:4");
}

TEST_CASE("DecodeRegisterAnswer: a master's answer is empty; a body that is not a KVTable is refused") {
  RemotingCommand r = RemotingCommand::CreateResponse(0);
  RegisterAnswer a;
  REQUIRE(DecodeRegisterAnswer(r, &a));
  CHECK(a.master_addr.empty());
  CHECK(a.ha_server_addr.empty());
  CHECK(a.order_topic_config.empty());
  r.SetBody("{}");
  CHECK(DecodeRegisterAnswer(r, &a));
  r.SetBody(R"({"table":[1,2]})");
  CHECK_FALSE(DecodeRegisterAnswer(r, &a));
  r.SetBody("not json");
  CHECK_FALSE(DecodeRegisterAnswer(r, &a));
}

namespace {
// Ports 47877..47885 (this suite's share of the controller range): the first free one.
int ListenNamesrv(RemotingServer& server) {
  for (int port = 47877; port <= 47885; ++port) {
    if (server.Listen("127.0.0.1", port, kRoleNamesrv).ok()) return port;
  }
  return 0;
}
}  // namespace

TEST_CASE("NamesrvRegistrar keeps the NameServer's REGISTER_BROKER answer and unregisters on Stop") {
  TempDir dir;
  RemotingServer server;
  int port = ListenNamesrv(server);
  REQUIRE(port != 0);
  std::vector<int32_t> codes;
  std::vector<std::string> ha_addrs;
  server.SetRequestHandler([&](Connection& c, RemotingCommand& req) {
    codes.push_back(req.code);
    if (req.code != static_cast<int32_t>(RequestCode::kRegisterBroker)) return;
    const std::string* ha = req.ext_fields.Find("haServerAddr");
    ha_addrs.push_back(ha ? *ha : "");
    RemotingCommand resp = RemotingCommand::CreateResponse(0);
    resp.ext_fields.Set("masterAddr", "127.0.0.1:10911");
    resp.ext_fields.Set("haServerAddr", "127.0.0.1:10912");
    resp.SetBody(R"({"table":{"OrderT":"broker-a:8"}})");
    server.Reply(ReplyTarget{c.id(), req.opaque, req.serialize_type, false}, std::move(resp));
  });
  BrokerConfig cfg;
  cfg.namesrv_addr = "127.0.0.1:" + std::to_string(port);
  cfg.broker_id = 1;
  cfg.broker_ip2 = "127.0.0.1";
  cfg.ha_listen_port = 10922;
  TopicConfigManager topics(cfg, dir.Path("topics.json"));
  NamesrvRegistrar registrar(server, cfg, topics, "127.0.0.1:10921");
  CHECK(registrar.LastAnswer(cfg.namesrv_addr) == nullptr);
  REQUIRE(registrar.Start().ok());
  bool stopped = false;
  server.AddTimer(10, 10, [&] {
    if (registrar.LastAnswer(cfg.namesrv_addr) != nullptr && !stopped) {
      stopped = true;
      registrar.Stop();  // UNREGISTER_BROKER, oneway
      server.AddTimer(200, 0, [&] { server.Stop(); });
    }
  });
  server.AddTimer(5000, 0, [&] { server.Stop(); });  // bound
  uv_run(server.loop(), UV_RUN_DEFAULT);
  REQUIRE(stopped);
  const RegisterAnswer* a = registrar.LastAnswer(cfg.namesrv_addr);
  REQUIRE(a != nullptr);
  CHECK(a->master_addr == "127.0.0.1:10911");
  CHECK(a->ha_server_addr == "127.0.0.1:10912");
  CHECK(a->order_topic_config.at("OrderT") == "broker-a:8");
  CHECK(registrar.LastAnswers().size() == 1);
  REQUIRE(!ha_addrs.empty());
  CHECK(ha_addrs.front() == "127.0.0.1:10922");
  REQUIRE(codes.size() >= 2);
  CHECK(codes.front() == static_cast<int32_t>(RequestCode::kRegisterBroker));
  CHECK(codes.back() == static_cast<int32_t>(RequestCode::kUnregisterBroker));
}
