// topic_scale: proof for issue #11 item 6, "100,000 topics: created through the admin code in
// minutes, not hours, routable, restart under a second; 1,000,000 topics written into the config:
// start, route and register".
//
//   topic_scale <dir> [options]          progress on stderr, one JSON object on stdout
//
// --creates N: starts `rmqd standalone` (store <dir>/store), creates N topics one after another
//   through UPDATE_AND_CREATE_TOPIC (17) on the broker port, as mqadmin updateTopic does, and
//   reports the create rate (overall and per tenth). Then asks the NameServer for the route of a
//   sample of the topics (GET_ROUTEINFO_BY_TOPIC 105: the broker and the queue counts created),
//   stops rmqd (SIGTERM), starts it again and times start-up to the first route answer for the
//   last topic created; reports rmqd's RSS (VmRSS, VmHWM) after the creates and after restart.
// --write-config N: writes N topics straight into <dir>/store/config/topics.json (Java's shape),
//   starts rmqd and times it to the first route answer for the last topic in the file (that
//   topic is routable only once the broker's registration, compressed at that size, reached the
//   NameServer), checks the sample, reports RSS.
// --name-len L: topic names of L characters (random letters, digits, '_' and '-' after an index),
//   which compress badly; with --write-config and --expect-oversize, enough of them make even the
//   compressed REGISTER_BROKER body pass the 16 MiB frame: rmqd must log that and send nothing
//   (the NameServer keeps answering, the topics are not routable, no connection is dropped).
// --broker-only HOST:PORT: starts `rmqd broker` registering with that NameServer (e.g. Java
//   4.9.7's) instead of standalone; the route checks ask that NameServer.
// Exit 0 when every check passed; every check prints "check NAME: PASS|FAIL ..." and the last
// line of stderr is "topic-scale: P passed, F failed".
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/client_protocol.h"
#include "bench/sync_client.h"
#include "common/logging.h"
#include "protocol/remoting_command.h"

using namespace rmq;
using protocol::RemotingCommand;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int32_t kCodeSuccess = 0;
constexpr int32_t kQueues = 8;   // mqadmin updateTopic's default
constexpr int kSample = 200;     // routes checked besides the first and the last topic

const char* kUsage =
    "usage: topic_scale <dir> [options]\n"
    "  --creates N          create N topics through UPDATE_AND_CREATE_TOPIC (default 20000)\n"
    "  --create-bound S     fail when the creates take longer than S seconds (default: none)\n"
    "  --write-config N     instead: write N topics into topics.json, time start/route/register\n"
    "  --restart-bound S    fail when a restart to the first route takes longer (default 1 with\n"
    "                       --creates, none with --write-config)\n"
    "  --start-timeout S    give up waiting for a route after S seconds (default 120)\n"
    "  --broker-only H:P    run `rmqd broker` against the NameServer at H:P (e.g. Java's)\n"
    "  --name-len L         topic names of L characters, hard to compress (default: scale_NNNNNNN)\n"
    "  --expect-oversize    with --write-config: the register body cannot fit a frame; check rmqd\n"
    "                       says so and sends nothing\n"
    "  --rmqd PATH          rmqd binary (default: ../rmqd next to this tool)\n"
    "  --namesrv-port P     (default 42876)   --broker-port P (default 42911)\n"
    "  --keep               keep <dir> at the end\n";

struct Options {
  std::string dir;
  int64_t creates = 20000;
  int64_t write_config = 0;
  double create_bound_s = 0;
  double restart_bound_s = -1;
  double start_timeout_s = 120;
  std::string external_namesrv;
  std::string rmqd;
  int32_t namesrv_port = 42876;
  int32_t broker_port = 42911;
  bool keep = false;
  int32_t name_len = 0;
  bool expect_oversize = false;
};

int32_t g_name_len = 0;

int g_passed = 0, g_failed = 0;

void Progress(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "topic_scale: ");
  std::vfprintf(stderr, fmt, ap);
  std::fprintf(stderr, "\n");
  va_end(ap);
}

bool Check(const char* name, bool ok, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "check %s: %s %s\n", name, ok ? "PASS" : "FAIL", buf);
  (ok ? g_passed : g_failed)++;
  return ok;
}

template <typename T>
bool ParseNum(const char* s, T* out) {
  std::string_view v(s);
  auto r = std::from_chars(v.data(), v.data() + v.size(), *out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

bool ParseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto num = [&](auto* out) { return i + 1 < argc && ParseNum(argv[++i], out); };
    bool ok = true;
    if (a == "--creates") ok = num(&o->creates);
    else if (a == "--write-config") ok = num(&o->write_config);
    else if (a == "--create-bound") ok = num(&o->create_bound_s);
    else if (a == "--restart-bound") ok = num(&o->restart_bound_s);
    else if (a == "--start-timeout") ok = num(&o->start_timeout_s);
    else if (a == "--namesrv-port") ok = num(&o->namesrv_port);
    else if (a == "--broker-port") ok = num(&o->broker_port);
    else if (a == "--broker-only" && i + 1 < argc) o->external_namesrv = argv[++i];
    else if (a == "--rmqd" && i + 1 < argc) o->rmqd = argv[++i];
    else if (a == "--keep") o->keep = true;
    else if (a == "--name-len") ok = num(&o->name_len) && o->name_len >= 16 && o->name_len <= 127;
    else if (a == "--expect-oversize") o->expect_oversize = true;
    else if (!a.empty() && a[0] != '-' && o->dir.empty()) o->dir = a;
    else ok = false;
    if (!ok) return false;
  }
  if (o->rmqd.empty()) o->rmqd = (fs::path(argv[0]).parent_path() / ".." / "rmqd").lexically_normal().string();
  if (o->restart_bound_s < 0) o->restart_bound_s = o->write_config > 0 ? 0 : 1;
  return !o->dir.empty() && o->creates > 0 && o->write_config >= 0;
}

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string TopicName(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "scale_%07" PRId64, i);
  if (g_name_len == 0) return buf;
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
  std::string name = buf;
  name += '_';
  std::mt19937_64 rng(static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull + 1);
  while (name.size() < static_cast<size_t>(g_name_len)) name += kChars[rng() % 64];
  return name;
}

std::string NamesrvAddr(const Options& o) {
  return o.external_namesrv.empty() ? "127.0.0.1:" + std::to_string(o.namesrv_port) : o.external_namesrv;
}

// ---- rmqd process ---------------------------------------------------------------------------

std::string StoreDir(const Options& o) { return o.dir + "/store"; }

void WriteBrokerConf(const Options& o, const std::string& conf) {
  std::ofstream f(conf, std::ios::trunc);
  f << "brokerClusterName=DefaultCluster\nbrokerName=broker-a\nbrokerId=0\nlistenPort=" << o.broker_port
    << "\nbrokerIP1=127.0.0.1\nstorePathRootDir=" << StoreDir(o) << "\nnamesrvAddr=" << NamesrvAddr(o)
    << "\nflushDiskType=ASYNC_FLUSH\n";
}

pid_t SpawnRmqd(const Options& o, const std::string& conf, const std::string& log) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  FILE* out = std::freopen(log.c_str(), "a", stdout);
  if (out != nullptr) ::dup2(::fileno(stdout), 2);
  ::setenv("HOME", o.dir.c_str(), 1);  // the standalone NameServer's kvConfig.json goes there
  std::string port = std::to_string(o.namesrv_port);
  if (o.external_namesrv.empty()) {
    ::execl(o.rmqd.c_str(), o.rmqd.c_str(), "standalone", "-c", conf.c_str(), "--namesrv-port", port.c_str(),
            static_cast<char*>(nullptr));
  } else {
    ::execl(o.rmqd.c_str(), o.rmqd.c_str(), "broker", "-c", conf.c_str(), static_cast<char*>(nullptr));
  }
  std::_Exit(127);
}

// SIGTERM, then wait up to 60 s (SIGKILL after). Returns seconds to exit, -1 when killed.
double StopRmqd(pid_t pid) {
  const auto t = Clock::now();
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 6000; ++i) {
    int st;
    if (::waitpid(pid, &st, WNOHANG) == pid) return SecondsSince(t);
    ::usleep(10'000);
  }
  ::kill(pid, SIGKILL);
  int st;
  ::waitpid(pid, &st, 0);
  return -1;
}

// VmRSS and VmHWM of `pid` in MiB.
void ReadRss(pid_t pid, double* rss_mib, double* hwm_mib) {
  *rss_mib = *hwm_mib = -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    long kb = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %ld kB", &kb) == 1) *rss_mib = kb / 1024.0;
    if (std::sscanf(line.c_str(), "VmHWM: %ld kB", &kb) == 1) *hwm_mib = kb / 1024.0;
  }
}

// One route lookup; true when the NameServer answered a route with a master and kQueues queues.
bool RouteOk(bench::SyncClient& c, const std::string& topic, int32_t queues, std::string* why) {
  RemotingCommand resp;
  Status s = c.Call(bench::MakeRouteRequest(topic, protocol::SerializeType::kJson), 5000, &resp);
  if (!s.ok()) {
    *why = s.ToString();
    return false;
  }
  if (resp.code != kCodeSuccess) {
    *why = "code " + std::to_string(resp.code);
    return false;
  }
  bench::TopicRoute route;
  if (Status p = bench::ParseTopicRoute(resp.Body(), &route); !p.ok()) {
    *why = p.ToString();
    return false;
  }
  if (route.WriteQueues().size() != static_cast<size_t>(queues) || route.queues.empty() ||
      route.queues[0].read_queue_nums != queues) {
    *why = "route has " + std::to_string(route.WriteQueues().size()) + " writable queues";
    return false;
  }
  return true;
}

// Polls the NameServer until `topic` has a route; seconds since t0, or -1.
double WaitForRoute(const Options& o, pid_t pid, const std::string& topic, Clock::time_point t0) {
  while (SecondsSince(t0) < o.start_timeout_s) {
    int st;
    if (::waitpid(pid, &st, WNOHANG) == pid) {
      Progress("rmqd exited during start-up (status %d)", st);
      return -1;
    }
    bench::SyncClient c;
    if (c.Connect(NamesrvAddr(o), 200).ok()) {
      while (SecondsSince(t0) < o.start_timeout_s) {
        std::string why;
        if (RouteOk(c, topic, kQueues, &why)) return SecondsSince(t0);
        if (why.rfind("code ", 0) != 0) break;  // connection trouble: reconnect
        ::usleep(2000);
      }
    }
    ::usleep(2000);
  }
  return -1;
}

// Routes of the first, the last and kSample random topics of [0, n).
bool CheckSampleRoutes(const Options& o, int64_t n) {
  bench::SyncClient c;
  if (Status s = c.Connect(NamesrvAddr(o), 2000); !s.ok()) return Check("routes", false, "connect: %s", s.ToString().c_str());
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int64_t> pick(0, n - 1);
  std::vector<int64_t> idx{0, n - 1};
  for (int i = 0; i < kSample; ++i) idx.push_back(pick(rng));
  int bad = 0;
  std::string first_bad;
  const auto t = Clock::now();
  for (int64_t i : idx) {
    std::string why;
    if (!RouteOk(c, TopicName(i), kQueues, &why)) {
      if (bad++ == 0) first_bad = TopicName(i) + ": " + why;
    }
  }
  const double us = SecondsSince(t) * 1e6 / static_cast<double>(idx.size());
  return Check("routes", bad == 0, "%zu sampled topics of %" PRId64 " routable from the NameServer, %d not (%s); %.0f us a lookup",
               idx.size() - bad, n, bad, first_bad.c_str(), us);
}

// ---- modes ----------------------------------------------------------------------------------

struct Figures {
  double create_s = -1, creates_per_s = -1, restart_s = -1, start_s = -1;
  double rss_mib = -1, hwm_mib = -1, restart_rss_mib = -1, restart_hwm_mib = -1;
  std::string tenths;
};

bool CreateTopics(const Options& o, Figures* f) {
  bench::SyncClient b;
  const std::string broker = "127.0.0.1:" + std::to_string(o.broker_port);
  if (Status s = b.Connect(broker, 2000); !s.ok()) return Check("creates", false, "connect %s: %s", broker.c_str(), s.ToString().c_str());
  const auto t0 = Clock::now();
  auto tenth_start = t0;
  const int64_t tenth = std::max<int64_t>(1, o.creates / 10);
  std::string tenths = "[";
  for (int64_t i = 0; i < o.creates; ++i) {
    RemotingCommand resp;
    Status s = b.Call(bench::MakeCreateTopicRequest(TopicName(i), kQueues, protocol::SerializeType::kJson), 30000, &resp);
    if (!s.ok() || resp.code != kCodeSuccess) {
      return Check("creates", false, "create %" PRId64 " (%s): %s code %d", i, TopicName(i).c_str(), s.ToString().c_str(),
                   resp.code);
    }
    if ((i + 1) % tenth == 0) {
      const double rate = static_cast<double>(tenth) / SecondsSince(tenth_start);
      Progress("%" PRId64 " topics created, %.0f creates/s over the last %" PRId64, i + 1, rate, tenth);
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%s%.0f", tenths.size() > 1 ? "," : "", rate);
      tenths += buf;
      tenth_start = Clock::now();
    }
    if (o.create_bound_s > 0 && SecondsSince(t0) > o.create_bound_s) {
      return Check("creates", false, "only %" PRId64 " of %" PRId64 " topics created within the %.0f s bound", i + 1,
                   o.creates, o.create_bound_s);
    }
  }
  f->tenths = tenths + "]";
  f->create_s = SecondsSince(t0);
  f->creates_per_s = static_cast<double>(o.creates) / f->create_s;
  return Check("creates", true, "%" PRId64 " topics in %.2f s (%.0f creates/s)%s", o.creates, f->create_s, f->creates_per_s,
               o.create_bound_s > 0 ? (" within the bound of " + std::to_string(static_cast<int>(o.create_bound_s)) + " s").c_str() : "");
}

bool RunCreates(const Options& o, const std::string& conf, const std::string& log, Figures* f) {
  auto t0 = Clock::now();
  pid_t pid = SpawnRmqd(o, conf, log);
  if (pid < 0) return Check("start", false, "fork failed");
  // Readiness: any route answer for a system topic (the broker has registered).
  bool ok = true;
  double s = WaitForRoute(o, pid, "TBW102", t0);  // defaultTopicQueueNums = 8 = kQueues
  ok = Check("start", s >= 0, "rmqd answered a route after %.3f s", s);
  if (ok) ok = CreateTopics(o, f);
  if (ok) ReadRss(pid, &f->rss_mib, &f->hwm_mib);
  if (ok) ok = CheckSampleRoutes(o, o.creates);
  const double stop_s = StopRmqd(pid);
  Check("stop", stop_s >= 0, "rmqd stopped in %.3f s after SIGTERM", stop_s);
  if (!ok) return false;
  // Restart: topics.json must hold every topic (written by the persist tick and at shutdown).
  t0 = Clock::now();
  pid = SpawnRmqd(o, conf, log);
  f->restart_s = WaitForRoute(o, pid, TopicName(o.creates - 1), t0);
  ok = Check("restart", f->restart_s >= 0 && (o.restart_bound_s <= 0 || f->restart_s < o.restart_bound_s),
             "first route answer for %s %.3f s after the restart (bound %.1f s)", TopicName(o.creates - 1).c_str(),
             f->restart_s, o.restart_bound_s);
  ReadRss(pid, &f->restart_rss_mib, &f->restart_hwm_mib);
  if (ok) ok = CheckSampleRoutes(o, o.creates);
  StopRmqd(pid);
  return ok;
}

// topics.json with n topics in Java's TopicConfigSerializeWrapper shape.
bool WriteConfig(const Options& o, int64_t n) {
  std::error_code ec;
  fs::create_directories(StoreDir(o) + "/config", ec);
  const std::string path = StoreDir(o) + "/config/topics.json";
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return Check("write-config", false, "cannot write %s", path.c_str());
  const auto t = Clock::now();
  std::fprintf(f, "{\n\t\"dataVersion\":{\n\t\t\"counter\":%" PRId64 ",\n\t\t\"timestamp\":1700000000000\n\t},\n\t\"topicConfigTable\":{", n);
  for (int64_t i = 0; i < n; ++i) {
    const std::string name = TopicName(i);
    std::fprintf(f,
                 "%s\n\t\t\"%s\":{\n\t\t\t\"order\":false,\n\t\t\t\"perm\":6,\n\t\t\t\"readQueueNums\":%d,\n\t\t\t"
                 "\"topicFilterType\":\"SINGLE_TAG\",\n\t\t\t\"topicName\":\"%s\",\n\t\t\t\"topicSysFlag\":0,\n\t\t\t"
                 "\"writeQueueNums\":%d\n\t\t}",
                 i ? "," : "", name.c_str(), kQueues, name.c_str(), kQueues);
  }
  std::fprintf(f, "\n\t}\n}");
  bool ok = std::fclose(f) == 0;
  std::error_code sz;
  return Check("write-config", ok, "%" PRId64 " topics, %.1f MiB of topics.json written in %.2f s", n,
               static_cast<double>(fs::file_size(path, sz)) / (1 << 20), SecondsSince(t));
}

// rmqd with a table whose register body cannot fit a frame: it must say so, send nothing, and
// the NameServer must stay connected and answering (the topics are simply not routable).
bool RunOversize(const Options& o, const std::string& conf, const std::string& log) {
  const auto t0 = Clock::now();
  pid_t pid = SpawnRmqd(o, conf, log);
  bool said = false;
  while (SecondsSince(t0) < o.start_timeout_s && !said) {
    ::usleep(200'000);
    std::ifstream in(log);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find(" ERROR ") != std::string::npos && line.find("frame limit") != std::string::npos &&
          line.find("not sent") != std::string::npos) {
        said = true;
        Progress("rmqd log: %s", line.c_str());
      }
    }
  }
  Check("oversize-logged", said, "rmqd logged that the register body is past the frame limit and was not sent (%.1f s)",
        SecondsSince(t0));
  ::usleep(4'000'000);  // a retry round or two
  bench::SyncClient c;
  RemotingCommand resp;
  Status s = c.Connect(NamesrvAddr(o), 2000);
  if (s.ok()) s = c.Call(bench::MakeRouteRequest(TopicName(o.write_config - 1), protocol::SerializeType::kJson), 5000, &resp);
  Check("namesrv-answers", s.ok() && resp.code == 17, "the NameServer answers the route query: %s code %d (17 = TOPIC_NOT_EXIST)",
        s.ToString().c_str(), resp.code);
  int sent = 0, closed = 0;
  {
    std::ifstream in(log);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("registered with NameServer") != std::string::npos) ++sent;
      if (line.find("connection closed") != std::string::npos) ++closed;
    }
  }
  Check("nothing-sent", sent == 0 && closed == 0, "%d registrations answered, %d connections dropped", sent, closed);
  int oversize_lines = 0;
  {
    std::ifstream in(log);
    std::string line;
    while (std::getline(in, line)) oversize_lines += line.find("frame limit") != std::string::npos;
  }
  Check("logged-once", oversize_lines == 1, "the frame-limit error logged %d times for one data version", oversize_lines);
  StopRmqd(pid);
  return g_failed == 0;
}

bool RunWriteConfig(const Options& o, const std::string& conf, const std::string& log, Figures* f) {
  if (!WriteConfig(o, o.write_config)) return false;
  if (o.expect_oversize) return RunOversize(o, conf, log);
  bool ok = true;
  for (int run = 0; run < 2 && ok; ++run) {  // the second start finds the file rmqd kept
    const auto t0 = Clock::now();
    pid_t pid = SpawnRmqd(o, conf, log);
    const double s = WaitForRoute(o, pid, TopicName(o.write_config - 1), t0);
    double rss, hwm;
    ReadRss(pid, &rss, &hwm);
    ok = Check(run == 0 ? "start" : "restart", s >= 0 && (o.restart_bound_s <= 0 || s < o.restart_bound_s),
               "%" PRId64 " topics: first route answer for the last topic %.3f s after start (registered); RSS %.0f MiB, "
               "peak %.0f MiB",
               o.write_config, s, rss, hwm);
    (run == 0 ? f->start_s : f->restart_s) = s;
    (run == 0 ? f->rss_mib : f->restart_rss_mib) = rss;
    (run == 0 ? f->hwm_mib : f->restart_hwm_mib) = hwm;
    if (ok) ok = CheckSampleRoutes(o, o.write_config);
    const double stop_s = StopRmqd(pid);
    Check("stop", stop_s >= 0, "rmqd stopped in %.3f s after SIGTERM", stop_s);
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseOptions(argc, argv, &o)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  SetLogLevel(LogLevel::kWarn);
  if (::access(o.rmqd.c_str(), X_OK) != 0) {
    Progress("%s is not executable (build it or pass --rmqd)", o.rmqd.c_str());
    return 2;
  }
  o.dir = fs::absolute(o.dir).lexically_normal().string();
  g_name_len = o.name_len;
  std::error_code ec;
  fs::create_directories(StoreDir(o), ec);
  const std::string conf = o.dir + "/broker.conf";
  const std::string log = o.dir + "/rmqd.log";
  WriteBrokerConf(o, conf);
  Figures f;
  const bool ok = o.write_config > 0 ? RunWriteConfig(o, conf, log, &f) : RunCreates(o, conf, log, &f);
  // What rmqd logged as errors (a refused or failed registration would show here).
  {
    std::ifstream in(log);
    std::string line;
    int errors = 0;
    while (std::getline(in, line)) {
      if (line.find(" ERROR ") == std::string::npos) continue;
      if (o.expect_oversize && line.find("frame limit") != std::string::npos) continue;
      if (errors++ < 5) Progress("rmqd log: %s", line.c_str());
    }
    Check("rmqd-log", errors == 0, "%d ERROR lines in rmqd's log", errors);
  }
  std::printf("{\"mode\":\"%s\",\"topics\":%" PRId64 ",\"create_seconds\":%.3f,\"creates_per_second\":%.0f,"
              "\"creates_per_second_by_tenth\":%s,\"start_to_route_seconds\":%.3f,\"restart_to_route_seconds\":%.3f,"
              "\"rss_mib\":%.0f,\"peak_rss_mib\":%.0f,\"restart_rss_mib\":%.0f,\"restart_peak_rss_mib\":%.0f,"
              "\"namesrv\":\"%s\",\"ok\":%s}\n",
              o.write_config > 0 ? "write-config" : "creates", o.write_config > 0 ? o.write_config : o.creates, f.create_s,
              f.creates_per_s, f.tenths.empty() ? "null" : f.tenths.c_str(), f.start_s, f.restart_s, f.rss_mib, f.hwm_mib,
              f.restart_rss_mib, f.restart_hwm_mib, o.external_namesrv.empty() ? "rmqd standalone" : o.external_namesrv.c_str(),
              ok && g_failed == 0 ? "true" : "false");
  std::fprintf(stderr, "topic-scale: %d passed, %d failed\n", g_passed, g_failed);
  if (!o.keep) fs::remove_all(o.dir, ec);
  return ok && g_failed == 0 ? 0 : 1;
}
