// store_scale: proof for "10 million messages in one queue: a pull from any offset costs the same
// as from the head; start-up after a clean shutdown with that store takes under one second".
//
//   store_scale <storeDir> [options]      prints one JSON object on stdout, progress on stderr
//
// 1. Writes N messages (small bodies, UNIQ_KEY and TAGS like a Java producer's) into one topic and
//    queue through MessageStore::PutMessages, then shuts the store down cleanly.
// 2. Reopens it and times Open() (a clean start), then times reads through MessageStore::GetMessage
//    (the pull handler's path, 32 messages a call, records copied out as the handler copies them
//    into the response) at offsets 0, N/4, N/2, 3N/4, N-32 and at random offsets: p50/p99 each.
//    Then evicts the store's files from the page cache (posix_fadvise DONTNEED, its own files
//    only) and times a clean open and random reads again: the cold-cache case.
// 3. Unless --no-rmqd: starts `rmqd standalone` on the store and times it to the first successful
//    GET_ROUTEINFO_BY_TOPIC for the topic (NameServer 33876, broker 34911, its fast and HA ports
//    34909/34912), then times PULL_MESSAGE over the network at the same offsets; --starts runs,
//    the first with the store evicted from the page cache.
// The store directory is removed at the end unless --keep. Exit 0 when every read returned the
// right messages and the targets were met: clean open and rmqd start-up under 1 s (warm and cold
// page cache), p50 of a GetMessage at every fixed position within 2x of the fastest position.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
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
#include "bench/histogram.h"
#include "bench/sync_client.h"
#include "common/coding.h"
#include "common/logging.h"
#include "store/commit_log_record.h"
#include "store/message_store.h"

using namespace rmq;
using namespace rmq::store;
using bench::Histogram;
using protocol::RemotingCommand;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kTopic = "StoreScaleTopic";
constexpr int32_t kPullBatch = 32;
constexpr int32_t kCodeSuccess = 0;
// Entries per ConsumeQueue file at Java's default mappedFileSizeConsumeQueue.
constexpr int64_t kCqEntriesPerFile = 300000;

const char* kUsage =
    "usage: store_scale <storeDir> [options]\n"
    "  --messages N      messages to write (default 10000000)\n"
    "  --body BYTES      body size (default 100)\n"
    "  --batch N         messages per PutMessages call (default 64)\n"
    "  --reps N          timed reads per fixed position (default 2000)\n"
    "  --random N        timed reads at random offsets (default 20000)\n"
    "  --reuse           the store already holds the messages: skip writing\n"
    "  --keep            do not delete the store at the end\n"
    "  --verbose         the store's info log on stderr\n"
    "  --rmqd PATH       rmqd binary (default: ../rmqd next to this tool)\n"
    "  --no-rmqd         skip the rmqd start-up and network pull timings\n"
    "  --starts N        rmqd start-ups to time (default 3)\n"
    "  --namesrv-port P  (default 33876)   --broker-port P (default 34911)\n";

struct Options {
  std::string dir;
  int64_t messages = 10'000'000;
  int32_t body = 100;
  int32_t batch = 64;
  int32_t reps = 2000;
  int32_t random = 20000;
  bool reuse = false;
  bool keep = false;
  bool verbose = false;
  bool run_rmqd = true;
  std::string rmqd;
  int32_t starts = 3;
  int32_t namesrv_port = 33876;
  int32_t broker_port = 34911;
};

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
    if (a == "--messages") ok = num(&o->messages);
    else if (a == "--body") ok = num(&o->body);
    else if (a == "--batch") ok = num(&o->batch);
    else if (a == "--reps") ok = num(&o->reps);
    else if (a == "--random") ok = num(&o->random);
    else if (a == "--starts") ok = num(&o->starts);
    else if (a == "--namesrv-port") ok = num(&o->namesrv_port);
    else if (a == "--broker-port") ok = num(&o->broker_port);
    else if (a == "--reuse") o->reuse = true;
    else if (a == "--keep") o->keep = true;
    else if (a == "--verbose") o->verbose = true;
    else if (a == "--no-rmqd") o->run_rmqd = false;
    else if (a == "--rmqd" && i + 1 < argc) o->rmqd = argv[++i];
    else if (!a.empty() && a[0] != '-' && o->dir.empty()) o->dir = a;
    else ok = false;
    if (!ok) return false;
  }
  if (o->rmqd.empty()) o->rmqd = (fs::path(argv[0]).parent_path() / ".." / "rmqd").lexically_normal().string();
  return !o->dir.empty() && o->messages >= 2 * kPullBatch && o->body >= 0 && o->batch > 0 && o->reps > 0 &&
         o->random >= 0 && o->starts >= 0;
}

void Progress(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "store_scale: ");
  std::vfprintf(stderr, fmt, ap);
  std::fprintf(stderr, "\n");
  va_end(ap);
}

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
int64_t NanosSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t).count();
}

MessageStoreConfig StoreConfig(const std::string& dir) {
  MessageStoreConfig c;  // Java's defaults, as `rmqd broker` uses them: 1 GiB CommitLog files
  c.store_path_root_dir = dir;
  return c;
}

int64_t DirBytes(const std::string& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    struct stat st;
    if (it->is_regular_file(ec) && ::stat(it->path().c_str(), &st) == 0) total += int64_t(st.st_blocks) * 512;
  }
  return total;
}

// Drops this store's own pages from the page cache (POSIX_FADV_DONTNEED on each of its files;
// everything is synced after a clean shutdown, so all of it can go). Nothing else is evicted.
void EvictStore(const std::string& dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    int fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

// Writes o.messages messages to kTopic queue 0; false on any refused put.
bool WriteMessages(const Options& o, std::string* json) {
  MessageStore store(StoreConfig(o.dir));
  Status s = store.Open();
  if (!s.ok()) {
    Progress("open %s: %s", o.dir.c_str(), s.ToString().c_str());
    return false;
  }
  if (store.GetMaxOffsetInQueue(kTopic, 0) != 0) {
    Progress("%s already holds messages; use --reuse or an empty directory", o.dir.c_str());
    return false;
  }
  bench::UniqKeyGenerator uniq(0x7F000001u, static_cast<uint16_t>(::getpid()), 1);
  const int64_t tags_code = JavaStringHash(std::string("TagA"));
  std::vector<std::string> props(static_cast<size_t>(o.batch));
  std::vector<std::string> bodies(static_cast<size_t>(o.batch));
  std::vector<MessageToStore> batch(static_cast<size_t>(o.batch));
  for (auto& m : batch) {
    m.topic = kTopic;
    m.queue_id = 0;
    m.tags_code = tags_code;
    m.born_host.ip[0] = 127;
    m.born_host.ip[3] = 1;
    m.born_host.port = 50000;
    m.store_host.ip[0] = 127;
    m.store_host.ip[3] = 1;
    m.store_host.port = o.broker_port;
  }
  const auto start = Clock::now();
  auto last_report = start;
  int64_t written = 0;
  while (written < o.messages) {
    size_t n = static_cast<size_t>(std::min<int64_t>(o.batch, o.messages - written));
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    for (size_t i = 0; i < n; ++i) {
      // What a Java producer sends: UNIQ_KEY, WAIT and TAGS; the body names its queue offset.
      props[i] = "UNIQ_KEY\x01" + uniq.Next() + "\x02WAIT\x01true\x02TAGS\x01TagA\x02";
      bodies[i] = "msg-" + std::to_string(written + static_cast<int64_t>(i)) + "-";
      bodies[i].resize(static_cast<size_t>(o.body), 'x');
      batch[i].properties = props[i];
      batch[i].body = bodies[i];
      batch[i].born_timestamp = now_ms;
    }
    std::vector<MessageToStore> view(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
    PutMessageResult r = store.PutMessages(view);
    if (r.status != PutMessageStatus::kPutOk || r.queue_offset != written) {
      Progress("put at %" PRId64 " failed: %s (queue offset %" PRId64 ")", written, PutMessageStatusName(r.status),
               r.queue_offset);
      return false;
    }
    written += static_cast<int64_t>(n);
    if (std::chrono::duration<double>(Clock::now() - last_report).count() >= 5) {
      last_report = Clock::now();
      Progress("wrote %" PRId64 " of %" PRId64 " (%.0f msg/s)", written, o.messages, written / SecondsSince(start));
    }
  }
  const double write_s = SecondsSince(start);
  const int64_t commit_log_bytes = store.GetMaxPhyOffset();
  const auto shut = Clock::now();
  store.Shutdown();
  const double shutdown_s = SecondsSince(shut);
  Progress("wrote %" PRId64 " messages (%" PRId64 " CommitLog bytes) in %.1f s; clean shutdown %.1f s", written,
           commit_log_bytes, write_s, shutdown_s);
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "\"write\":{\"messages\":%" PRId64 ",\"body_bytes\":%d,\"batch\":%d,\"seconds\":%.2f,"
                "\"msgs_per_sec\":%.0f,\"commitlog_bytes\":%" PRId64 ",\"shutdown_seconds\":%.2f}",
                written, o.body, o.batch, write_s, written / write_s, commit_log_bytes, shutdown_s);
  *json = buf;
  return true;
}

std::string LatencyJson(const Histogram& h) {  // recorded in ns, reported in us
  char buf[256];
  std::snprintf(buf, sizeof(buf), "{\"n\":%" PRIu64 ",\"p50_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f}", h.count(),
                h.Percentile(50) / 1000.0, h.Percentile(99) / 1000.0, h.max() / 1000.0);
  return buf;
}

// What the issue asks, checked at the end (exit 1 when not met).
struct Targets {
  double open_s = -1, cold_open_s = -1, start_s = -1, cold_start_s = -1;
  double fastest_position_p50_us = 1e18, slowest_position_p50_us = 0;  // head .. tail, warm
};
Targets g_targets;

struct Position {
  std::string name;
  int64_t offset = -1;  // -1: random
};

std::vector<Position> Positions(int64_t n) {
  return {{"head", 0},          {"quarter", n / 4},   {"half", n / 2}, {"three_quarters", 3 * n / 4},
          {"tail", n - kPullBatch}, {"random", -1}};
}

// The stored queue offset of the first record of a pull, or -1.
int64_t FirstQueueOffset(std::string_view record) {
  if (record.size() < kQueueOffsetOffset + 8) return -1;
  return static_cast<int64_t>(DecodeFixed64(record.data() + kQueueOffsetOffset));
}

// Clean open and store-level reads. False when a check failed.
bool TimeOpenAndReads(const Options& o, std::string* json, int64_t* queue_messages) {
  MessageStore store(StoreConfig(o.dir));
  const auto t0 = Clock::now();
  Status s = store.Open();
  const double open_s = SecondsSince(t0);
  g_targets.open_s = open_s;
  if (!s.ok()) {
    Progress("reopen: %s", s.ToString().c_str());
    return false;
  }
  const int64_t n = store.GetMaxOffsetInQueue(kTopic, 0);
  Progress("clean open: %.3f s, queue max offset %" PRId64, open_s, n);
  if (n < 2 * kPullBatch || (!o.reuse && n != o.messages)) {
    Progress("queue holds %" PRId64 " messages, expected %" PRId64, n, o.messages);
    return false;
  }
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> pick(0, n - kPullBatch);
  std::string out;  // the pull handler copies each record into the response body
  out.reserve(1 << 20);
  bool ok = true;
  std::string reads = "{";
  // Random reads, also split by which quarter of the queue they fell in: each one's first touch
  // of its pages is what differs from the repeated fixed positions, and that should not depend
  // on the offset either.
  Histogram random_by_quarter[4];
  for (const Position& p : Positions(n)) {
    Histogram h;
    const int32_t reps = p.offset < 0 ? o.random : o.reps;
    int64_t first_ns = 0;
    for (int32_t i = 0; i < reps; ++i) {
      const int64_t offset = p.offset < 0 ? pick(rng) : p.offset;
      const auto t = Clock::now();
      GetMessageResult r = store.GetMessage(kTopic, 0, offset, kPullBatch, nullptr);
      out.clear();
      for (std::string_view rec : r.messages) out.append(rec);
      const int64_t ns = NanosSince(t);
      if (i == 0) first_ns = ns;
      h.Record(static_cast<uint64_t>(ns));
      if (p.offset < 0) random_by_quarter[std::min<int64_t>(3, offset * 4 / n)].Record(static_cast<uint64_t>(ns));
      // A pull stops at the end of a ConsumeQueue file, as Java's does, so a batch may be short.
      const int64_t got = static_cast<int64_t>(r.messages.size());
      if (r.status != GetMessageStatus::kFound || got == 0 || FirstQueueOffset(r.messages.front()) != offset ||
          r.next_begin_offset != offset + got || (got < kPullBatch && (offset + got) % kCqEntriesPerFile != 0)) {
        Progress("read at %" PRId64 ": %s, %zu messages", offset, GetMessageStatusName(r.status), r.messages.size());
        ok = false;
        break;
      }
    }
    if (p.offset >= 0) {
      g_targets.fastest_position_p50_us = std::min(g_targets.fastest_position_p50_us, h.Percentile(50) / 1000.0);
      g_targets.slowest_position_p50_us = std::max(g_targets.slowest_position_p50_us, h.Percentile(50) / 1000.0);
    }
    Progress("GetMessage %-14s p50 %.2f us  p99 %.2f us", p.name.c_str(), h.Percentile(50) / 1000.0,
             h.Percentile(99) / 1000.0);
    if (reads.size() > 1) reads += ",";
    std::string lat = LatencyJson(h);
    lat.pop_back();
    char first[64];
    std::snprintf(first, sizeof(first), ",\"first_us\":%.2f}", first_ns / 1000.0);
    reads += "\"" + p.name + "\":" + lat + first;
  }
  reads += ",\"random_by_quarter\":[";
  for (int q = 0; q < 4; ++q) {
    Progress("GetMessage random in quarter %d: p50 %.2f us  p99 %.2f us", q + 1,
             random_by_quarter[q].Percentile(50) / 1000.0, random_by_quarter[q].Percentile(99) / 1000.0);
    reads += (q ? "," : "") + LatencyJson(random_by_quarter[q]);
  }
  reads += "]}";
  const auto t1 = Clock::now();
  store.Shutdown();
  char buf[256];
  std::snprintf(buf, sizeof(buf), "\"clean_open_seconds\":%.4f,\"queue_messages\":%" PRId64 ",\"close_seconds\":%.3f,",
                open_s, n, SecondsSince(t1));
  *json = std::string(buf) + "\"get_message\":" + reads;
  *queue_messages = n;
  return ok;
}

// The same with nothing of the store in the page cache: a clean open, then random reads that
// each go to the disk.
bool TimeColdOpenAndReads(const Options& o, int64_t n, std::string* json) {
  std::mt19937_64 rng(43);
  std::uniform_int_distribution<int64_t> pick(0, n - kPullBatch);
  std::string out;
  bool ok = true;
  EvictStore(o.dir);
  MessageStore cold(StoreConfig(o.dir));
  const auto t2 = Clock::now();
  Status s = cold.Open();
  const double cold_open_s = SecondsSince(t2);
  g_targets.cold_open_s = cold_open_s;
  if (!s.ok()) {
    Progress("cold reopen: %s", s.ToString().c_str());
    return false;
  }
  Progress("clean open, store evicted from the page cache: %.3f s", cold_open_s);
  Histogram cold_by_quarter[4];
  const int32_t cold_reads = std::max(4, o.random / 10);
  for (int32_t i = 0; i < cold_reads && ok; ++i) {
    const int64_t offset = pick(rng);
    const auto t = Clock::now();
    GetMessageResult r = cold.GetMessage(kTopic, 0, offset, kPullBatch, nullptr);
    out.clear();
    for (std::string_view rec : r.messages) out.append(rec);
    cold_by_quarter[std::min<int64_t>(3, offset * 4 / n)].Record(static_cast<uint64_t>(NanosSince(t)));
    if (r.status != GetMessageStatus::kFound || r.messages.empty() || FirstQueueOffset(r.messages.front()) != offset) {
      Progress("cold read at %" PRId64 ": %s", offset, GetMessageStatusName(r.status));
      ok = false;
    }
  }
  std::string cold_json = "[";
  for (int q = 0; q < 4; ++q) {
    Progress("GetMessage cold random in quarter %d: p50 %.2f us  p99 %.2f us", q + 1,
             cold_by_quarter[q].Percentile(50) / 1000.0, cold_by_quarter[q].Percentile(99) / 1000.0);
    cold_json += (q ? "," : "") + LatencyJson(cold_by_quarter[q]);
  }
  cold_json += "]";
  cold.Shutdown();

  char buf[128];
  std::snprintf(buf, sizeof(buf), "\"clean_open_cold_cache_seconds\":%.4f,", cold_open_s);
  *json = std::string(buf) + "\"get_message_cold_cache_random_by_quarter\":" + cold_json;
  return ok;
}

// ---- rmqd start-up -------------------------------------------------------------------------

// config/topics.json naming the topic (one queue), in Java's TopicConfigSerializeWrapper shape,
// so the broker registers it and the NameServer has a route for it.
bool WriteTopicConfig(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir + "/config", ec);
  std::ofstream f(dir + "/config/topics.json", std::ios::trunc);
  f << "{\"dataVersion\":{\"counter\":1,\"timestamp\":1},\"topicConfigTable\":{\"" << kTopic
    << "\":{\"order\":false,\"perm\":6,\"readQueueNums\":1,\"topicFilterType\":\"SINGLE_TAG\",\"topicName\":\""
    << kTopic << "\",\"topicSysFlag\":0,\"writeQueueNums\":1}}}\n";
  return static_cast<bool>(f);
}

pid_t SpawnRmqd(const Options& o, const std::string& conf, const std::string& log) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  FILE* out = std::freopen(log.c_str(), "a", stdout);
  if (out != nullptr) ::dup2(::fileno(stdout), 2);
  const std::string home = fs::path(o.dir).parent_path().string();
  ::setenv("HOME", home.c_str(), 1);  // the standalone NameServer's kvConfig.json goes there
  std::string port = std::to_string(o.namesrv_port);
  ::execl(o.rmqd.c_str(), o.rmqd.c_str(), "standalone", "-c", conf.c_str(), "--namesrv-port", port.c_str(),
          static_cast<char*>(nullptr));
  std::_Exit(127);
}

// SIGTERM, then wait up to 60 s (SIGKILL after). Returns seconds to exit.
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

// Polls the NameServer until it answers the topic's route with a broker in it.
bool WaitForRoute(const Options& o, pid_t pid, double* seconds, Clock::time_point t0) {
  const std::string ns = "127.0.0.1:" + std::to_string(o.namesrv_port);
  while (SecondsSince(t0) < 60) {
    int st;
    if (::waitpid(pid, &st, WNOHANG) == pid) {
      Progress("rmqd exited during start-up (status %d)", st);
      return false;
    }
    bench::SyncClient c;
    if (c.Connect(ns, 200).ok()) {
      // Keep asking on this connection until the broker has registered the topic.
      while (SecondsSince(t0) < 60) {
        RemotingCommand resp;
        if (!c.Call(bench::MakeRouteRequest(kTopic, protocol::SerializeType::kJson), 1000, &resp).ok()) break;
        bench::TopicRoute route;
        if (resp.code == kCodeSuccess && bench::ParseTopicRoute(resp.Body(), &route).ok() &&
            !route.ReadQueues().empty()) {
          *seconds = SecondsSince(t0);
          return true;
        }
        ::usleep(1000);
      }
    }
    ::usleep(1000);
  }
  Progress("no route for %s within 60 s", kTopic);
  return false;
}

// PULL_MESSAGE over the network at each position; false when a pull did not return the batch.
bool TimeNetworkPulls(const Options& o, int64_t n, std::string* json) {
  bench::SyncClient b;
  Status s = b.Connect("127.0.0.1:" + std::to_string(o.broker_port), 2000);
  if (!s.ok()) {
    Progress("broker connect: %s", s.ToString().c_str());
    return false;
  }
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> pick(0, n - kPullBatch);
  const int32_t reps = std::max(1, o.reps / 4);
  std::string out = "{";
  for (const Position& p : Positions(n)) {
    Histogram h;
    for (int32_t i = 0; i < reps; ++i) {
      bench::PullParams pp;
      pp.consumer_group = "store_scale_group";
      pp.topic = kTopic;
      pp.broker_name = "broker-a";
      pp.queue_id = 0;
      pp.queue_offset = p.offset < 0 ? pick(rng) : p.offset;
      pp.max_msg_nums = kPullBatch;
      RemotingCommand resp;
      const auto t = Clock::now();
      s = b.Call(bench::MakePullRequest(pp, protocol::SerializeType::kRocketMQ), 5000, &resp);
      const int64_t ns = NanosSince(t);
      int64_t count = 0, first = -1;
      if (s.ok() && resp.code == kCodeSuccess) {
        s = bench::ForEachPulledMessage(resp.Body(), [&](const bench::PulledMessage& m) {
          if (count++ == 0) first = m.queue_offset;
        });
      }
      if (!s.ok() || resp.code != kCodeSuccess || first != pp.queue_offset ||
          (count < kPullBatch && (pp.queue_offset + count) % kCqEntriesPerFile != 0)) {
        Progress("pull at %" PRId64 ": %s code=%d, %" PRId64 " messages", pp.queue_offset, s.ToString().c_str(),
                 resp.code, count);
        return false;
      }
      h.Record(static_cast<uint64_t>(ns));
    }
    Progress("PULL_MESSAGE %-14s p50 %.1f us  p99 %.1f us", p.name.c_str(), h.Percentile(50) / 1000.0,
             h.Percentile(99) / 1000.0);
    if (out.size() > 1) out += ",";
    out += "\"" + p.name + "\":" + LatencyJson(h);
  }
  *json = out + "}";
  return true;
}

// `cold`: one start with the store evicted from the page cache; else o.starts starts, and
// network pulls after the first.
bool TimeRmqd(const Options& o, int64_t n, bool cold, std::string* json) {
  if (::access(o.rmqd.c_str(), X_OK) != 0) {
    Progress("%s is not executable (build it, or pass --rmqd / --no-rmqd)", o.rmqd.c_str());
    return false;
  }
  if (!WriteTopicConfig(o.dir)) return false;
  const std::string conf = o.dir + "/store_scale_broker.conf";
  {
    std::ofstream f(conf, std::ios::trunc);
    f << "brokerClusterName=DefaultCluster\nbrokerName=broker-a\nbrokerId=0\nlistenPort=" << o.broker_port
      << "\nbrokerIP1=127.0.0.1\nstorePathRootDir=" << o.dir << "\nnamesrvAddr=127.0.0.1:" << o.namesrv_port
      << "\nflushDiskType=ASYNC_FLUSH\n";
  }
  const std::string log = o.dir + "/store_scale_rmqd.log";
  std::string starts = "[";
  std::string stops = "[";
  std::string pulls;
  double worst = 0;
  bool ok = true;
  const int32_t runs = cold ? 1 : o.starts;
  for (int32_t i = 0; i < runs && ok; ++i) {
    if (cold) EvictStore(o.dir);
    const auto t0 = Clock::now();
    pid_t pid = SpawnRmqd(o, conf, log);
    if (pid < 0) return false;
    double seconds = 0;
    ok = WaitForRoute(o, pid, &seconds, t0);
    if (ok) {
      Progress("rmqd standalone start %d%s: first route answer after %.3f s", i + 1,
               cold ? " (store evicted from the page cache)" : "", seconds);
      worst = std::max(worst, seconds);
      (cold ? g_targets.cold_start_s : g_targets.start_s) = worst;
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%s%.4f", i ? "," : "", seconds);
      starts += buf;
      if (i == 0 && !cold) ok = TimeNetworkPulls(o, n, &pulls);
    }
    const double stop_s = StopRmqd(pid);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%s%.3f", i ? "," : "", stop_s);
    stops += buf;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "],\"max_seconds\":%.4f", worst);
  *json = std::string(cold ? "\"rmqd_standalone_cold_cache\"" : "\"rmqd_standalone\"") +
          ":{\"start_to_route_seconds\":" + starts + buf + ",\"stop_seconds\":" + stops + "]" +
          (cold ? "" : ",\"pull_message\":" + (pulls.empty() ? std::string("null") : pulls)) + "}";
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
  SetLogLevel(o.verbose ? LogLevel::kInfo : LogLevel::kWarn);
  o.dir = fs::absolute(o.dir).lexically_normal().string();
  bool ok = true;
  std::string write_json = "\"write\":null";
  if (!o.reuse) ok = WriteMessages(o, &write_json);
  // Warm page cache first (as the writer left it), then the store evicted from it.
  std::string parts;
  auto add = [&](const std::string& j) { parts += "," + j; };
  int64_t n = 0;
  std::string j;
  if (ok) {
    ok = TimeOpenAndReads(o, &j, &n);
    add(j);
  }
  if (ok && o.run_rmqd) {
    ok = TimeRmqd(o, n, /*cold=*/false, &j);
    add(j);
  }
  if (ok) {
    ok = TimeColdOpenAndReads(o, n, &j);
    add(j);
  }
  if (ok && o.run_rmqd) {
    ok = TimeRmqd(o, n, /*cold=*/true, &j);
    add(j);
  }
  // Targets: clean start under 1 s (store open and rmqd to its first route answer, warm and
  // cold page cache); a pull at any fixed position within 2x of the fastest one (p50).
  const Targets& t = g_targets;
  const bool open_ok = t.open_s >= 0 && t.open_s < 1 && t.cold_open_s >= 0 && t.cold_open_s < 1;
  const bool start_ok = !o.run_rmqd || (t.start_s >= 0 && t.start_s < 1 && t.cold_start_s >= 0 && t.cold_start_s < 1);
  const bool flat_ok = t.slowest_position_p50_us > 0 && t.slowest_position_p50_us <= 2 * t.fastest_position_p50_us;
  char targets[256];
  std::snprintf(targets, sizeof(targets),
                ",\"targets\":{\"clean_open_under_1s\":%s,\"rmqd_start_under_1s\":%s,\"pull_cost_flat\":%s}",
                open_ok ? "true" : "false", o.run_rmqd ? (start_ok ? "true" : "false") : "null",
                flat_ok ? "true" : "false");
  if (ok) parts += targets;
  if (ok && !(open_ok && start_ok && flat_ok)) {
    Progress("a target was missed: %s", targets + 1);
    ok = false;
  }
  const int64_t disk = DirBytes(o.dir);
  if (!o.keep) {
    std::error_code ec;
    fs::remove_all(o.dir, ec);
  }
  std::printf("{%s%s,\"store_disk_bytes\":%" PRId64 ",\"ok\":%s}\n", write_json.c_str(), parts.c_str(), disk,
              ok ? "true" : "false");
  return ok ? 0 : 1;
}
