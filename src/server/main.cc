// rmqd: a RocketMQ NameServer and broker in one binary.
//   rmqd namesrv [-c namesrv.conf]
//   rmqd broker -c broker.conf [-n namesrvAddr]
//   rmqd standalone [-c broker.conf] [--namesrv-port N]
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "common/logging.h"
#include "protocol/ext_fields.h"
#include "server/broker/broker_controller.h"
#include "server/config.h"
#include "server/dispatcher.h"
#include "server/file_util.h"
#include "server/namesrv/namesrv_controller.h"
#include "server/remoting_server.h"
#include "server/tls.h"

using namespace rmq;
using namespace rmq::server;

namespace {

const char* kUsage =
    "usage: rmqd <role> [options]\n"
    "  rmqd namesrv [-c namesrv.conf]                 NameServer (listenPort, default 9876)\n"
    "  rmqd broker -c broker.conf [-n host:port;...]  broker (Java broker.conf keys)\n"
    "  rmqd standalone [-c broker.conf] [--namesrv-port N]\n"
    "                                                 NameServer and broker in one process;\n"
    "                                                 store under ./data unless configured\n"
    "  rmqd --help\n";

struct Args {
  std::string role;
  std::string config_file;
  std::string namesrv_addr;
  int namesrv_port = -1;
};

bool ParseArgs(int argc, char** argv, Args* a, std::string* err) {
  if (argc < 2) {
    *err = "no role given";
    return false;
  }
  a->role = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&](std::string* out) {
      if (i + 1 >= argc) {
        *err = arg + " needs a value";
        return false;
      }
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "-c") {
      if (!next(&a->config_file)) return false;
    } else if (arg == "-n") {
      if (!next(&a->namesrv_addr)) return false;
    } else if (arg == "--namesrv-port") {
      int32_t p;
      if (!next(&v)) return false;
      if (!protocol::ParseInt32(v, &p) || p < 1 || p > 65535) {
        *err = "--namesrv-port needs a port number";
        return false;
      }
      a->namesrv_port = p;
    } else {
      *err = "unknown option " + arg;
      return false;
    }
  }
  return true;
}

Status LoadProps(const std::string& file, std::map<std::string, std::string>* props) {
  if (file.empty()) return Status::OK();
  std::string text;
  Status s = ReadFileToString(file, &text);
  if (!s.ok()) return s;
  return ParseProperties(text, file, props);
}

void ReportUnknown(const std::vector<std::string>& unknown, const std::string& file) {
  for (const auto& k : unknown) RMQ_LOG_WARN("%s: unknown config key %s (ignored)", file.c_str(), k.c_str());
}

// TLS on the listeners (tls.server.mode) and on outgoing connections (tls.enable).
Status SetUpTls(RemotingServer& server, const TlsConfig& tls) {
  if (tls.mode != TlsMode::kDisabled) {
    Result<std::shared_ptr<TlsContext>> ctx = TlsContext::Create(tls);
    if (!ctx.ok()) return ctx.status();
    server.SetTls(ctx.value());
    RMQ_LOG_INFO("TLS %s on every listener (certificate %s)", tls.mode == TlsMode::kEnforcing ? "enforcing" : "permissive",
                 tls.cert_path.c_str());
  }
  if (tls.client_enable) {
    Result<std::shared_ptr<TlsContext>> ctx = TlsContext::CreateClient();
    if (!ctx.ok()) return ctx.status();
    server.SetClientTls(ctx.value());
  }
  return Status::OK();
}

int Fail(const std::string& what) {
  fprintf(stderr, "rmqd: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  std::string err;
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(kUsage, stdout);
    return 0;
  }
  if (!ParseArgs(argc, argv, &args, &err)) {
    fprintf(stderr, "rmqd: %s\n%s", err.c_str(), kUsage);
    return 2;
  }
  bool run_namesrv = args.role == "namesrv" || args.role == "standalone";
  bool run_broker = args.role == "broker" || args.role == "standalone";
  if (!run_namesrv && !run_broker) {
    fprintf(stderr, "rmqd: unknown role %s\n%s", args.role.c_str(), kUsage);
    return 2;
  }
  if (args.role == "broker" && args.config_file.empty()) return Fail("broker needs -c broker.conf");

  std::map<std::string, std::string> props;
  if (Status s = LoadProps(args.config_file, &props); !s.ok()) return Fail(s.ToString());

  // tls.* are Java's system-property names; server/tls.cc reads them (and tls.config.file).
  std::map<std::string, std::string> tls_props;
  for (auto it = props.begin(); it != props.end();) {
    if (it->first.rfind("tls.", 0) == 0) {
      tls_props.insert(*it);
      it = props.erase(it);
    } else {
      ++it;
    }
  }
  Result<TlsConfig> tls = ParseTlsConfig(tls_props);
  if (!tls.ok()) return Fail(tls.status().ToString());

  BrokerConfig bcfg;
  NamesrvConfig ncfg;
  std::vector<std::string> unknown;
  if (args.role == "namesrv") {
    if (Status s = ApplyNamesrvConfig(props, &ncfg, &unknown); !s.ok()) return Fail(s.ToString());
  } else {
    if (Status s = ApplyBrokerConfig(props, &bcfg, &unknown); !s.ok()) return Fail(s.ToString());
  }
  ReportUnknown(unknown, args.config_file);
  if (!args.namesrv_addr.empty()) bcfg.namesrv_addr = args.namesrv_addr;

  if (args.role == "standalone") {
    if (args.namesrv_port > 0) bcfg.namesrv_listen_port = args.namesrv_port;
    ncfg.listen_port = bcfg.namesrv_listen_port;
    if (bcfg.store_path_root_dir.empty()) bcfg.store_path_root_dir = std::filesystem::absolute("data").string();
    ncfg.kv_config_path = bcfg.store_path_root_dir + "/namesrv/kvConfig.json";
    if (bcfg.namesrv_addr.empty()) bcfg.namesrv_addr = "127.0.0.1:" + std::to_string(ncfg.listen_port);
  } else if (args.role == "namesrv" && args.namesrv_port > 0) {
    ncfg.listen_port = args.namesrv_port;
  }

  RemotingServer server(run_broker ? ToRemotingLimits(bcfg) : ToRemotingLimits(ncfg));
  if (Status s = SetUpTls(server, tls.value()); !s.ok()) return Fail(s.ToString());
  std::unique_ptr<NamesrvController> namesrv;
  std::unique_ptr<BrokerController> broker;
  if (run_namesrv) {
    namesrv = std::make_unique<NamesrvController>(server, ncfg);
    if (Status s = namesrv->Start(); !s.ok()) return Fail(s.ToString());
    if (Status s = server.Listen("0.0.0.0", ncfg.listen_port, kRoleNamesrv); !s.ok()) return Fail(s.ToString());
    RMQ_LOG_INFO("NameServer listening on port %d", ncfg.listen_port);
  }
  if (run_broker) {
    broker = std::make_unique<BrokerController>(server, bcfg);
    if (Status s = server.Listen("0.0.0.0", bcfg.listen_port, kRoleBroker); !s.ok()) return Fail(s.ToString());
    // The "VIP" channel Java opens on listenPort - 2 speaks the same protocol.
    if (bcfg.listen_port > 2) {
      Status vip = server.Listen("0.0.0.0", bcfg.listen_port - 2, kRoleBroker);
      if (!vip.ok()) RMQ_LOG_WARN("fast channel not opened: %s", vip.ToString().c_str());
    }
    if (Status s = broker->Start(); !s.ok()) return Fail(s.ToString());
  }
  Dispatcher dispatcher(server, namesrv.get(), broker.get());
  server.SetRequestHandler([&dispatcher](Connection& c, protocol::RemotingCommand& req) { dispatcher.Dispatch(c, req); });

  server.Run([&] {
    RMQ_LOG_INFO("shutting down");
    // The shutdown list: the broker (its own ordered list, docs/broker.md), then the NameServer
    // (standalone), then the loop. The last controller to stop joins the config writer thread,
    // so every queued config write is on disk before the loop ends.
    if (broker) broker->Shutdown();
    if (namesrv) namesrv->Shutdown();
    server.Stop();
  });
  RMQ_LOG_INFO("stopped");
  return 0;
}
