// libFuzzer target for the JSON files rmqd loads from its store's config directory, through the
// managers' own Load paths. The first input byte picks the file, the rest is its content:
//   0 topics.json (TopicConfigManager)          1 consumerOffset.json (ConsumerOffsetManager)
//   2 delayOffset.json (DecodeDelayOffsets)     3 subscriptionGroup.json (SubscriptionGroupManager)
//   4 timerProgress.json (DeliveredOffsets)     5 the NameServer's kvConfig.json (KvConfigManager)
// Files go to a private temporary directory. Built by tools/run_fuzz.sh (make fuzz).
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "server/broker/consumer_offset_manager.h"
#include "server/broker/schedule_message_service.h"
#include "server/broker/subscription_group_manager.h"
#include "server/broker/timer_message_service.h"
#include "server/broker/topic_config_manager.h"
#include "server/config.h"
#include "server/file_util.h"
#include "server/namesrv/namesrv_controller.h"

namespace {

using namespace rmq;
using namespace rmq::server;

const std::string& Dir() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/rmqd-store-json-fuzz.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) abort();
    return std::string(tmpl);
  }();
  return dir;
}

std::string WriteInput(const char* name, std::string_view text) {
  FlushPersistQueue();  // an earlier Load's write-back must not land over this input
  std::string path = Dir() + "/" + name;
  unlink((path + ".bak").c_str());
  FILE* f = fopen(path.c_str(), "wb");
  if (f == nullptr) abort();
  if (!text.empty() && fwrite(text.data(), 1, text.size(), f) != text.size()) abort();
  fclose(f);
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: {
      static BrokerConfig cfg;
      TopicConfigManager m(cfg, WriteInput("topics.json", text));
      (void)m.Load();
      break;
    }
    case 1: {
      ConsumerOffsetManager m(WriteInput("consumerOffset.json", text));
      (void)m.Load();
      break;
    }
    case 2: {
      std::map<int32_t, int64_t> table;
      (void)DecodeDelayOffsets(text, &table);
      break;
    }
    case 3: {
      SubscriptionGroupManager m(WriteInput("subscriptionGroup.json", text), true);
      (void)m.Load();
      break;
    }
    case 4: {
      DeliveredOffsets d;
      if (DeliveredOffsets::Decode(text, &d).ok()) (void)d.Contains(d.below());
      break;
    }
    default: {
      KvConfigManager m(WriteInput("kvConfig.json", text));
      m.Load();
      break;
    }
  }
  return 0;
}
