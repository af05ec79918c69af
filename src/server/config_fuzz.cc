// libFuzzer target for the configuration files rmqd reads at start-up and on hot reload:
//   first byte even: Java properties text (ParseProperties), then applied as a broker and as a
//                    NameServer config (ApplyBrokerConfig / ApplyNamesrvConfig)
//   first byte odd:  plain_acl.yml (ParsePlainAclYaml: yaml-cpp, then the account checks), and
//                    the same text as a whiteRemoteAddress pattern (RemoteAddressStrategy::Parse)
// Built by tools/run_fuzz.sh (make fuzz); excluded from the normal build.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "acl/plain_acl_file.h"
#include "acl/remote_address_strategy.h"
#include "server/config.h"

using namespace rmq;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    std::map<std::string, std::string> props;
    if (!server::ParseProperties(text, "fuzz.conf", &props).ok()) return 0;
    std::vector<std::string> unknown;
    server::BrokerConfig broker;
    (void)server::ApplyBrokerConfig(props, &broker, &unknown);
    server::NamesrvConfig namesrv;
    (void)server::ApplyNamesrvConfig(props, &namesrv, &unknown);
  } else {
    (void)acl::ParsePlainAclYaml(text, "plain_acl.yml");
    (void)acl::RemoteAddressStrategy::Parse(text);
  }
  return 0;
}
