// loadgen: a RocketMQ remoting-protocol load generator (producer, consumer or both) for
// benchmarking rmqd against the Java NameServer + broker with the same client.
//
//   loadgen --namesrv 127.0.0.1:9876 --mode produce|consume|both [options]
//
// It resolves the topic route from the NameServer (GET_ROUTEINFO_BY_TOPIC), optionally creates the
// topic on every master (UPDATE_AND_CREATE_TOPIC), then on one libuv loop:
//  * producer connections send SEND_MESSAGE_V2 round-robin over the write queues, keeping up to
//    --inflight requests outstanding per connection; with --rate the send times are fixed in
//    advance and latency is measured from the intended send time (no coordinated omission);
//  * consumer connections PULL_MESSAGE every read queue (long polling by default), decode the
//    stored records and measure store->consume and born->consume latency.
// Prints throughput and latency percentiles (text, or one JSON object with --json). Always bounded
// in time; exits 1 on any send/pull/connection error, 2 on bad usage or set-up failure.
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <csignal>
#include <cstdarg>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/client_protocol.h"
#include "bench/histogram.h"
#include "bench/sync_client.h"
#include "common/coding.h"
#include "protocol/remoting_command.h"

using namespace rmq;
using namespace rmq::bench;
using protocol::RemotingCommand;
using protocol::SerializeType;

namespace {

constexpr int kSetupTimeoutMs = 10000;
constexpr int64_t kDrainGraceNs = 5'000'000'000;    // outstanding sends / unconsumed messages after the end
constexpr int64_t kPullErrorBackoffNs = 100'000'000;
constexpr int64_t kShortPollBackoffNs = 1'000'000;
constexpr int32_t kCodeSuccess = 0, kCodeTopicNotExist = 17, kCodePullNotFound = 19, kCodePullRetryImmediately = 20,
                  kCodePullOffsetMoved = 21;

const char* kUsage =
    "usage: loadgen --namesrv host:port [options]\n"
    "  --mode produce|consume|both   (default produce)\n"
    "  --topic NAME                  (default BenchTopic)\n"
    "  --create-topic                create/update the topic on every master first\n"
    "  --queues N                    queues for --create-topic (default 8)\n"
    "  --size BYTES                  message body size (default 1024)\n"
    "  --connections N               producer connections per broker (default 4)\n"
    "  --consumer-connections N      consumer connections per broker (default --connections)\n"
    "  --inflight N                  outstanding sends per connection (default 16)\n"
    "  --rate MSGS|max               fixed target send rate, or max (default max)\n"
    "  --duration S                  timed run length (default 10; 0 with --count = until count)\n"
    "  --count N                     stop after N messages (produce: sent; consume: consumed)\n"
    "  --timeout S                   hard cap on the whole run (default duration+30, or 600)\n"
    "  --from earliest|latest        consumer start (default: latest for both, earliest for consume)\n"
    "  --long-poll-ms MS             pull suspend time, 0 = short polling (default 1000)\n"
    "  --pull-batch N                maxMsgNums per pull (default 32)\n"
    "  --serialize ROCKETMQ|JSON     header serialization (default ROCKETMQ)\n"
    "  --group NAME                  producer/consumer group (default loadgen_<pid>)\n"
    "  --json                        print the summary as one JSON object\n"
    "  --quiet                       no per-second progress on stderr\n";

int64_t NowNs() { return static_cast<int64_t>(uv_hrtime()); }
int64_t WallUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Options {
  std::string namesrv;
  std::string mode = "produce";
  std::string topic = "BenchTopic";
  bool create_topic = false;
  int queues = 8;
  int size = 1024;
  int connections = 4;
  int consumer_connections = 0;
  int inflight = 16;
  double rate = 0;  // 0 = max
  double duration_s = 10;
  int64_t count = 0;
  double timeout_s = 0;
  std::string from;
  int64_t long_poll_ms = 1000;
  int pull_batch = 32;
  SerializeType serialize = SerializeType::kRocketMQ;
  std::string group;
  bool json = false;
  bool quiet = false;
  bool produce() const { return mode != "consume"; }
  bool consume() const { return mode != "produce"; }
};

template <typename T>
bool ParseNum(const char* s, T* out) {
  std::string_view v(s);
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
  return ec == std::errc() && p == v.data() + v.size();
}

bool ParseOptions(int argc, char** argv, Options* o, std::string* err) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> const char* {
      if (i + 1 >= argc) return nullptr;
      return argv[++i];
    };
    auto bad = [&](const char* v) {
      *err = a + (v ? std::string(": bad value ") + v : std::string(" needs a value"));
      return false;
    };
    const char* v = nullptr;
    if (a == "--create-topic") { o->create_topic = true; continue; }
    if (a == "--json") { o->json = true; continue; }
    if (a == "--quiet") { o->quiet = true; continue; }
    if (a == "-h" || a == "--help") { *err = ""; return false; }
    if ((v = val()) == nullptr) return bad(nullptr);
    if (a == "--namesrv") o->namesrv = v;
    else if (a == "--mode") { o->mode = v; if (o->mode != "produce" && o->mode != "consume" && o->mode != "both") return bad(v); }
    else if (a == "--topic") o->topic = v;
    else if (a == "--queues") { if (!ParseNum(v, &o->queues) || o->queues < 1 || o->queues > 1024) return bad(v); }
    else if (a == "--size") { if (!ParseNum(v, &o->size) || o->size < 1 || o->size > 4194304) return bad(v); }
    else if (a == "--connections") { if (!ParseNum(v, &o->connections) || o->connections < 1 || o->connections > 1024) return bad(v); }
    else if (a == "--consumer-connections") { if (!ParseNum(v, &o->consumer_connections) || o->consumer_connections < 1) return bad(v); }
    else if (a == "--inflight") { if (!ParseNum(v, &o->inflight) || o->inflight < 1 || o->inflight > 65536) return bad(v); }
    else if (a == "--rate") { if (std::string_view(v) == "max") o->rate = 0; else if (!ParseNum(v, &o->rate) || o->rate <= 0) return bad(v); }
    else if (a == "--duration") { if (!ParseNum(v, &o->duration_s) || o->duration_s < 0) return bad(v); }
    else if (a == "--count") { if (!ParseNum(v, &o->count) || o->count < 0) return bad(v); }
    else if (a == "--timeout") { if (!ParseNum(v, &o->timeout_s) || o->timeout_s <= 0) return bad(v); }
    else if (a == "--from") { o->from = v; if (o->from != "earliest" && o->from != "latest") return bad(v); }
    else if (a == "--long-poll-ms") { if (!ParseNum(v, &o->long_poll_ms) || o->long_poll_ms < 0) return bad(v); }
    else if (a == "--pull-batch") { if (!ParseNum(v, &o->pull_batch) || o->pull_batch < 1 || o->pull_batch > 1024) return bad(v); }
    else if (a == "--serialize") {
      std::string_view s(v);
      if (s == "ROCKETMQ") o->serialize = SerializeType::kRocketMQ;
      else if (s == "JSON") o->serialize = SerializeType::kJson;
      else return bad(v);
    } else if (a == "--group") o->group = v;
    else { *err = "unknown option " + a; return false; }
  }
  if (o->namesrv.empty()) { *err = "--namesrv is required"; return false; }
  if (o->duration_s == 0 && o->count == 0) { *err = "--duration 0 needs --count"; return false; }
  if (o->consumer_connections == 0) o->consumer_connections = o->connections;
  if (o->from.empty()) o->from = o->mode == "both" ? "latest" : "earliest";
  if (o->group.empty()) o->group = "loadgen_" + std::to_string(::getpid());
  if (o->timeout_s == 0) o->timeout_s = o->duration_s > 0 ? o->duration_s + 30 : 600;
  return true;
}

struct Pending {
  enum Kind : uint8_t { kSend, kPull } kind = kSend;
  int32_t queue = 0;        // index into the producer's write queues or the consumer's pull states
  int64_t intended_ns = 0;  // send: when the message should have been sent
};

class LoadGen;

// One TCP connection on the loop. Deleted only in its close callback.
struct Conn {
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  LoadGen* lg = nullptr;
  std::string addr;
  bool producer = true;
  bool connected = false;
  bool closing = false;
  std::string in;
  size_t in_len = 0, in_off = 0;
  std::string out;
  int32_t next_opaque = 1;
  std::unordered_map<int32_t, Pending> pending;
  int inflight_sends = 0;
};

struct WriteReq {
  uv_write_t req;
  std::string data;
};

struct PullState {
  QueueTarget target;
  Conn* conn = nullptr;
  int64_t offset = 0;
  bool in_flight = false;
  int64_t retry_at_ns = 0;  // > 0: re-pull when the tick reaches it
};

struct ProducerQueue {
  QueueTarget target;
  RemotingCommand templ;                 // the header fields that never change, per queue
  std::vector<Conn*> conns;              // producer connections to this queue's broker
};

class LoadGen {
 public:
  explicit LoadGen(Options o) : o_(std::move(o)), uniq_(0x7F000001, static_cast<uint16_t>(::getpid()), std::random_device{}()) {}

  int Run();

  // Loop callbacks.
  void OnConnected(Conn* c, int status);
  void OnRead(Conn* c, ssize_t n);
  void OnConnError(Conn* c, const char* what);
  void OnTick();
  void OnProgress();

 private:
  bool Setup();
  bool ResolveRoute(TopicRoute* route);
  bool CreateTopic(SyncClient* ns);
  bool QueryOffsets(std::vector<int64_t>* max_offsets);
  Conn* NewConn(const std::string& addr, bool producer);
  void Start();
  void HandleFrame(Conn* c, RemotingCommand& cmd);
  void HandleSendResponse(Conn* c, const Pending& p, const RemotingCommand& r);
  void HandlePullResponse(Conn* c, const Pending& p, const RemotingCommand& r);
  void FillSends();
  bool SendOne(int64_t intended_ns);
  void IssuePull(PullState* s);
  void Flush(Conn* c);
  // Flush may finish the run (a write error), which empties conns_.
  void FlushAll() { for (size_t i = 0; i < conns_.size() && !finished_; ++i) Flush(conns_[i]); }
  void CheckDone();
  void Finish(const char* why);
  void Report();
  void Error(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

  bool ProducingOpen() const {
    return !stop_issuing_ && (o_.count == 0 || issued_ < o_.count);
  }

  Options o_;
  UniqKeyGenerator uniq_;
  uv_loop_t* loop_ = nullptr;
  uv_timer_t tick_{}, progress_{};
  bool timers_started_ = false;
  std::vector<Conn*> conns_;
  int connecting_ = 0;
  bool started_ = false, finished_ = false, stop_issuing_ = false;
  const char* finish_reason_ = "";

  // Producer.
  std::vector<ProducerQueue> pqueues_;
  size_t next_queue_ = 0;
  std::string body_;
  std::deque<int64_t> rate_backlog_;  // intended send times not yet sent (rate mode)
  int64_t rate_scheduled_ = 0;
  int64_t issued_ = 0, acked_ = 0, send_errors_ = 0, inflight_total_ = 0;
  int64_t last_ack_ns_ = 0;
  Histogram send_lat_us_;

  // Consumer.
  std::vector<PullState> pulls_;
  int64_t consume_target_ = 0;  // consume mode: messages to drain
  int64_t consumed_ = 0, consumed_bytes_ = 0, pull_errors_ = 0, first_consume_ns_ = 0, last_consume_ns_ = 0;
  int64_t decode_errors_ = 0;
  Histogram store_to_consume_us_, born_to_consume_us_;

  int64_t conn_errors_ = 0;
  int64_t start_ns_ = 0, end_issue_ns_ = 0, deadline_ns_ = 0, drain_deadline_ns_ = 0;
  int64_t last_progress_acked_ = 0, last_progress_consumed_ = 0;
  int logged_errors_ = 0;
};

void LoadGen::Error(const char* fmt, ...) {
  if (logged_errors_++ >= 20) return;
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "loadgen: ");
  std::vfprintf(stderr, fmt, ap);
  std::fprintf(stderr, "\n");
  va_end(ap);
}

bool LoadGen::CreateTopic(SyncClient* ns) {
  RemotingCommand resp;
  Status s = ns->Call(MakeClusterInfoRequest(o_.serialize), kSetupTimeoutMs, &resp);
  std::vector<std::string> masters;
  if (s.ok() && resp.code == kCodeSuccess) s = ParseClusterMasters(resp.Body(), &masters);
  if (!s.ok() || resp.code != kCodeSuccess || masters.empty()) {
    Error("cluster info from %s failed: %s code=%d", o_.namesrv.c_str(), s.ToString().c_str(), resp.code);
    return false;
  }
  for (const auto& m : masters) {
    SyncClient b;
    s = b.Connect(m, kSetupTimeoutMs);
    if (s.ok()) s = b.Call(MakeCreateTopicRequest(o_.topic, o_.queues, o_.serialize), kSetupTimeoutMs, &resp);
    if (!s.ok() || resp.code != kCodeSuccess) {
      Error("create topic %s on %s failed: %s code=%d %s", o_.topic.c_str(), m.c_str(), s.ToString().c_str(), resp.code,
            resp.remark.value_or("").c_str());
      return false;
    }
  }
  // The broker re-registers with the NameServer; wait until the route shows every queue.
  int64_t until = NowNs() + int64_t(kSetupTimeoutMs) * 1'000'000;
  while (NowNs() < until) {
    s = ns->Call(MakeRouteRequest(o_.topic, o_.serialize), kSetupTimeoutMs, &resp);
    TopicRoute r;
    if (s.ok() && resp.code == kCodeSuccess && ParseTopicRoute(resp.Body(), &r).ok() &&
        r.WriteQueues().size() >= masters.size() * size_t(o_.queues))
      return true;
    ::usleep(100'000);
  }
  Error("route of %s never showed %d queues", o_.topic.c_str(), o_.queues);
  return false;
}

bool LoadGen::ResolveRoute(TopicRoute* route) {
  SyncClient ns;
  Status s = ns.Connect(o_.namesrv, kSetupTimeoutMs);
  if (!s.ok()) {
    Error("namesrv %s: %s", o_.namesrv.c_str(), s.ToString().c_str());
    return false;
  }
  if (o_.create_topic && !CreateTopic(&ns)) return false;
  RemotingCommand resp;
  s = ns.Call(MakeRouteRequest(o_.topic, o_.serialize), kSetupTimeoutMs, &resp);
  if (s.ok() && resp.code == kCodeTopicNotExist && o_.produce()) {
    // As the Java producer does: send with the TBW102 route and let the broker auto-create.
    s = ns.Call(MakeRouteRequest(kDefaultTopic, o_.serialize), kSetupTimeoutMs, &resp);
  }
  if (!s.ok() || resp.code != kCodeSuccess) {
    Error("route of %s: %s code=%d %s", o_.topic.c_str(), s.ToString().c_str(), resp.code, resp.remark.value_or("").c_str());
    return false;
  }
  s = ParseTopicRoute(resp.Body(), route);
  if (!s.ok()) {
    Error("route body: %s", s.ToString().c_str());
    return false;
  }
  return true;
}

bool LoadGen::QueryOffsets(std::vector<int64_t>* max_offsets) {
  std::unordered_map<std::string, std::unique_ptr<SyncClient>> clients;
  for (const auto& p : pulls_) {
    auto& c = clients[p.target.broker_addr];
    if (!c) {
      c = std::make_unique<SyncClient>();
      Status s = c->Connect(p.target.broker_addr, kSetupTimeoutMs);
      if (!s.ok()) {
        Error("broker %s: %s", p.target.broker_addr.c_str(), s.ToString().c_str());
        return false;
      }
    }
    RemotingCommand resp;
    Status s = c->Call(MakeMaxOffsetRequest(o_.topic, p.target.queue_id, o_.serialize), kSetupTimeoutMs, &resp);
    int64_t off = 0;
    const std::string* v = resp.ext_fields.Find("offset");
    if (!s.ok() || resp.code != kCodeSuccess || v == nullptr || !protocol::ParseInt64(*v, &off)) {
      Error("max offset of %s:%d: %s code=%d", o_.topic.c_str(), p.target.queue_id, s.ToString().c_str(), resp.code);
      return false;
    }
    max_offsets->push_back(off);
  }
  return true;
}

bool LoadGen::Setup() {
  TopicRoute route;
  if (!ResolveRoute(&route)) return false;
  if (o_.produce()) {
    auto wq = route.WriteQueues();
    if (wq.empty()) {
      Error("topic %s has no writable queue", o_.topic.c_str());
      return false;
    }
    std::unordered_map<std::string, std::vector<Conn*>> by_broker;
    for (const auto& q : wq) {
      auto& v = by_broker[q.broker_addr];
      if (v.empty())
        for (int i = 0; i < o_.connections; ++i) v.push_back(NewConn(q.broker_addr, true));
      ProducerQueue pq;
      pq.target = q;
      SendParams sp{o_.group, o_.topic, q.broker_name, q.queue_id, 0, ""};
      pq.templ = MakeSendRequest(sp, o_.serialize);
      pq.conns = v;
      pqueues_.push_back(std::move(pq));
    }
    body_.resize(static_cast<size_t>(o_.size));
    for (size_t i = 0; i < body_.size(); ++i) body_[i] = static_cast<char>('a' + (i * 7) % 26);
  }
  if (o_.consume()) {
    auto rq = route.ReadQueues();
    if (rq.empty()) {
      Error("topic %s has no readable queue", o_.topic.c_str());
      return false;
    }
    std::unordered_map<std::string, std::vector<Conn*>> by_broker;
    std::unordered_map<std::string, size_t> next;
    for (const auto& q : rq) {
      auto& v = by_broker[q.broker_addr];
      if (v.empty())
        for (int i = 0; i < o_.consumer_connections; ++i) v.push_back(NewConn(q.broker_addr, false));
      PullState ps;
      ps.target = q;
      ps.conn = v[next[q.broker_addr]++ % v.size()];
      pulls_.push_back(std::move(ps));
    }
    std::vector<int64_t> max_offsets;
    if (o_.from == "latest" || (o_.mode == "consume" && o_.count == 0)) {
      if (!QueryOffsets(&max_offsets)) return false;
    }
    for (size_t i = 0; i < pulls_.size(); ++i) {
      if (o_.from == "latest") pulls_[i].offset = max_offsets[i];
      else if (o_.mode == "consume" && o_.count == 0) consume_target_ += max_offsets[i];
    }
    if (o_.mode == "consume" && o_.count > 0) consume_target_ = o_.count;
  }
  return true;
}

void AllocCb(uv_handle_t* h, size_t suggested, uv_buf_t* buf) {
  Conn* c = static_cast<Conn*>(h->data);
  constexpr size_t kChunk = 256 * 1024;
  if (c->in.size() - c->in_len < kChunk) c->in.resize(c->in_len + kChunk);
  *buf = uv_buf_init(c->in.data() + c->in_len, kChunk);
}

void ReadCb(uv_stream_t* s, ssize_t n, const uv_buf_t*) {
  Conn* c = static_cast<Conn*>(s->data);
  try {
    c->lg->OnRead(c, n);
  } catch (...) {
    c->lg->OnConnError(c, "exception while reading");
  }
}

void ConnectCb(uv_connect_t* req, int status) {
  Conn* c = static_cast<Conn*>(req->data);
  c->lg->OnConnected(c, status);
}

void CloseConnCb(uv_handle_t* h) { delete static_cast<Conn*>(h->data); }

void WriteCb(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Conn* c = static_cast<Conn*>(req->handle->data);
  delete w;
  if (status < 0 && status != UV_ECANCELED) c->lg->OnConnError(c, uv_strerror(status));
}

Conn* LoadGen::NewConn(const std::string& addr, bool producer) {
  auto* c = new Conn();
  c->lg = this;
  c->addr = addr;
  c->producer = producer;
  conns_.push_back(c);
  return c;
}

void LoadGen::OnConnected(Conn* c, int status) {
  if (status < 0) {
    OnConnError(c, uv_strerror(status));
    return;
  }
  c->connected = true;
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), AllocCb, ReadCb);
  if (--connecting_ == 0) Start();
}

void LoadGen::OnConnError(Conn* c, const char* what) {
  if (finished_ || c->closing) return;
  ++conn_errors_;
  Error("connection to %s: %s", c->addr.c_str(), what);
  Finish("connection error");
}

void LoadGen::OnRead(Conn* c, ssize_t n) {
  if (n < 0) {
    if (!finished_) OnConnError(c, n == UV_EOF ? "closed by peer" : uv_strerror(static_cast<int>(n)));
    return;
  }
  c->in_len += static_cast<size_t>(n);
  while (c->in_len - c->in_off >= 4 && !finished_) {
    uint32_t len = DecodeFixed32(c->in.data() + c->in_off);
    if (len < 4 || len > protocol::kDefaultMaxFrameSize) {
      OnConnError(c, "bad frame length");
      return;
    }
    if (c->in_len - c->in_off < 4 + size_t(len)) break;
    auto r = protocol::DecodeFrame(std::string_view(c->in.data() + c->in_off + 4, len));
    c->in_off += 4 + size_t(len);
    if (!r.ok()) {
      OnConnError(c, r.status().ToString().c_str());
      return;
    }
    HandleFrame(c, r.value());
  }
  if (c->in_off == c->in_len) {
    c->in_off = c->in_len = 0;
  } else if (c->in_off > 0) {
    std::memmove(c->in.data(), c->in.data() + c->in_off, c->in_len - c->in_off);
    c->in_len -= c->in_off;
    c->in_off = 0;
  }
  if (!finished_) {
    FillSends();
    FlushAll();
    CheckDone();
  }
}

void LoadGen::HandleFrame(Conn* c, RemotingCommand& cmd) {
  if (!cmd.IsResponse()) return;  // broker->client requests (e.g. NOTIFY_CONSUMER_IDS_CHANGED): ignored
  auto it = c->pending.find(cmd.opaque);
  if (it == c->pending.end()) return;
  Pending p = it->second;
  c->pending.erase(it);
  if (p.kind == Pending::kSend) HandleSendResponse(c, p, cmd);
  else HandlePullResponse(c, p, cmd);
}

void LoadGen::HandleSendResponse(Conn* c, const Pending& p, const RemotingCommand& r) {
  --c->inflight_sends;
  --inflight_total_;
  int64_t now = NowNs();
  if (r.code == kCodeSuccess) {
    ++acked_;
    last_ack_ns_ = now;
    send_lat_us_.Record(static_cast<uint64_t>(std::max<int64_t>(0, now - p.intended_ns) / 1000));
  } else {
    ++send_errors_;
    Error("send failed: code=%d %s", r.code, r.remark.value_or("").c_str());
  }
}

void LoadGen::HandlePullResponse(Conn* c, const Pending& p, const RemotingCommand& r) {
  PullState& s = pulls_[static_cast<size_t>(p.queue)];
  s.in_flight = false;
  int64_t now = NowNs();
  PullResult pr;
  switch (r.code) {
    case kCodeSuccess: {
      if (!ReadPullResult(r, &pr).ok()) {
        ++pull_errors_;
        Error("pull response without nextBeginOffset");
        s.retry_at_ns = now + kPullErrorBackoffNs;
        return;
      }
      int64_t wall_us = WallUs();
      Status st = ForEachPulledMessage(r.Body(), [&](const PulledMessage& m) {
        ++consumed_;
        consumed_bytes_ += static_cast<int64_t>(m.body.size());
        store_to_consume_us_.Record(static_cast<uint64_t>(std::max<int64_t>(0, wall_us - m.store_timestamp_ms * 1000)));
        int64_t sent_us = 0;
        if (!ReadBodyStamp(m.body, &sent_us)) sent_us = m.born_timestamp_ms * 1000;
        born_to_consume_us_.Record(static_cast<uint64_t>(std::max<int64_t>(0, wall_us - sent_us)));
      });
      if (!st.ok()) {
        ++decode_errors_;
        Error("pull body: %s", st.ToString().c_str());
      }
      if (first_consume_ns_ == 0) first_consume_ns_ = now;
      last_consume_ns_ = now;
      s.offset = pr.next_begin_offset;
      break;
    }
    case kCodePullNotFound:
      // Long polling already waited on the broker; short polling backs off a little.
      if (o_.long_poll_ms == 0) { s.retry_at_ns = now + kShortPollBackoffNs; return; }
      break;
    case kCodePullRetryImmediately:
      break;
    case kCodePullOffsetMoved:
      if (ReadPullResult(r, &pr).ok()) s.offset = pr.next_begin_offset;
      break;
    default:
      ++pull_errors_;
      Error("pull %s:%d failed: code=%d %s", o_.topic.c_str(), s.target.queue_id, r.code, r.remark.value_or("").c_str());
      s.retry_at_ns = now + kPullErrorBackoffNs;
      return;
  }
  if (!stop_issuing_ || o_.mode == "both") IssuePull(&s);
}

void LoadGen::IssuePull(PullState* s) {
  if (finished_ || s->in_flight) return;
  if (o_.mode == "consume" && consume_target_ > 0 && consumed_ >= consume_target_) return;
  PullParams pp;
  pp.consumer_group = o_.group;
  pp.topic = o_.topic;
  pp.broker_name = s->target.broker_name;
  pp.queue_id = s->target.queue_id;
  pp.queue_offset = s->offset;
  pp.max_msg_nums = o_.pull_batch;
  pp.suspend_timeout_ms = o_.long_poll_ms;
  pp.sub_version = 0;
  RemotingCommand req = MakePullRequest(pp, o_.serialize);
  Conn* c = s->conn;
  req.opaque = c->next_opaque++;
  Pending p;
  p.kind = Pending::kPull;
  p.queue = static_cast<int32_t>(s - pulls_.data());
  c->pending.emplace(req.opaque, p);
  c->out += protocol::EncodeFrame(req);
  s->in_flight = true;
  s->retry_at_ns = 0;
}

bool LoadGen::SendOne(int64_t intended_ns) {
  // Round-robin over the write queues, like the Java producer; skip brokers whose connections are full.
  for (size_t tries = 0; tries < pqueues_.size(); ++tries) {
    ProducerQueue& q = pqueues_[next_queue_ % pqueues_.size()];
    Conn* c = nullptr;
    for (size_t k = 0; k < q.conns.size(); ++k) {
      Conn* cand = q.conns[(static_cast<size_t>(issued_) + k) % q.conns.size()];
      if (cand->inflight_sends < o_.inflight) { c = cand; break; }
    }
    if (c == nullptr) {
      ++next_queue_;
      continue;
    }
    ++next_queue_;
    int64_t wall_us = WallUs();
    q.templ.ext_fields.SetInt("g", wall_us / 1000);
    std::string props;
    props.reserve(64);
    props.append("UNIQ_KEY\x01").append(uniq_.Next()).append("\x02WAIT\x01true\x02");
    q.templ.ext_fields.Set("i", std::move(props));
    q.templ.opaque = c->next_opaque++;
    q.templ.SetBodyView(body_);
    size_t at = c->out.size();
    c->out += protocol::EncodeFrameHeader(q.templ);
    size_t body_at = c->out.size();
    c->out.append(body_);
    (void)at;
    if (body_.size() >= kBodyStampSize) {
      std::string stamp(kBodyStampSize, '\0');
      StampBody(&stamp, wall_us);
      std::memcpy(c->out.data() + body_at, stamp.data(), kBodyStampSize);
    }
    Pending p;
    p.kind = Pending::kSend;
    p.queue = static_cast<int32_t>(&q - pqueues_.data());
    p.intended_ns = intended_ns;
    c->pending.emplace(q.templ.opaque, p);
    ++c->inflight_sends;
    ++inflight_total_;
    ++issued_;
    return true;
  }
  return false;
}

void LoadGen::FillSends() {
  if (!o_.produce() || !started_) return;
  if (o_.rate > 0) {
    while (!rate_backlog_.empty() && SendOne(rate_backlog_.front())) rate_backlog_.pop_front();
    return;
  }
  int64_t now = NowNs();
  while (ProducingOpen() && SendOne(now)) {
  }
}

void LoadGen::Flush(Conn* c) {
  if (c->out.empty() || c->closing || !c->connected) return;
  auto* w = new WriteReq();
  w->data = std::move(c->out);
  c->out.clear();
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int r = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1, WriteCb);
  if (r < 0) {
    delete w;
    OnConnError(c, uv_strerror(r));
  }
}

void TickCb(uv_timer_t* t) { static_cast<LoadGen*>(t->data)->OnTick(); }
void ProgressCb(uv_timer_t* t) { static_cast<LoadGen*>(t->data)->OnProgress(); }

void LoadGen::Start() {
  started_ = true;
  start_ns_ = NowNs();
  deadline_ns_ = start_ns_ + static_cast<int64_t>(o_.timeout_s * 1e9);
  end_issue_ns_ = o_.duration_s > 0 ? start_ns_ + static_cast<int64_t>(o_.duration_s * 1e9) : INT64_MAX;
  uv_timer_init(loop_, &tick_);
  uv_timer_init(loop_, &progress_);
  tick_.data = progress_.data = this;
  timers_started_ = true;
  uv_timer_start(&tick_, TickCb, 1, 1);
  uv_timer_start(&progress_, ProgressCb, 1000, 1000);
  for (auto& s : pulls_) IssuePull(&s);
  FillSends();
  FlushAll();
}

void LoadGen::OnTick() {
  if (finished_) return;
  int64_t now = NowNs();
  if (now >= deadline_ns_) {
    Error("hard timeout (%.0f s) reached", o_.timeout_s);
    Finish("timeout");
    return;
  }
  if (!stop_issuing_ && (now >= end_issue_ns_ || (o_.count > 0 && o_.produce() && issued_ >= o_.count))) {
    stop_issuing_ = true;
    drain_deadline_ns_ = now + kDrainGraceNs;
  }
  if (o_.rate > 0 && !stop_issuing_) {
    double elapsed = static_cast<double>(now - start_ns_) / 1e9;
    int64_t due = static_cast<int64_t>(elapsed * o_.rate) + 1;
    if (o_.count > 0) due = std::min(due, o_.count);
    for (; rate_scheduled_ < due; ++rate_scheduled_)
      rate_backlog_.push_back(start_ns_ + static_cast<int64_t>(static_cast<double>(rate_scheduled_) * 1e9 / o_.rate));
  }
  for (auto& s : pulls_)
    if (s.retry_at_ns > 0 && now >= s.retry_at_ns) IssuePull(&s);
  FillSends();
  FlushAll();
  CheckDone();
}

void LoadGen::CheckDone() {
  if (finished_ || !started_) return;
  int64_t now = NowNs();
  if (o_.mode == "consume") {
    if (consume_target_ > 0 && consumed_ >= consume_target_) return Finish("consumed target");
    if (stop_issuing_) return Finish(o_.count > 0 || consume_target_ > 0 ? "duration over before target" : "duration");
    return;
  }
  if (!stop_issuing_) return;
  bool sends_done = inflight_total_ == 0;
  bool consume_done = o_.mode != "both" || consumed_ >= acked_;
  if (sends_done && consume_done) return Finish("done");
  if (now >= drain_deadline_ns_) {
    if (!sends_done) {
      Error("%lld sends still unanswered %.0f s after the end", static_cast<long long>(inflight_total_), kDrainGraceNs / 1e9);
      send_errors_ += inflight_total_;
    }
    Finish("drain grace over");
  }
}

void LoadGen::Finish(const char* why) {
  if (finished_) return;
  finished_ = true;
  finish_reason_ = why;
  if (end_issue_ns_ == 0 || end_issue_ns_ == INT64_MAX || NowNs() < end_issue_ns_) end_issue_ns_ = NowNs();
  if (timers_started_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&progress_), nullptr);
  }
  for (Conn* c : conns_) {
    if (c->closing) continue;
    c->closing = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), CloseConnCb);
  }
  conns_.clear();
}

void LoadGen::OnProgress() {
  if (o_.quiet || finished_) return;
  double t = static_cast<double>(NowNs() - start_ns_) / 1e9;
  std::fprintf(stderr, "[%5.1fs] sent/s %lld  consumed/s %lld  inflight %lld  errors %lld\n", t,
               static_cast<long long>(acked_ - last_progress_acked_), static_cast<long long>(consumed_ - last_progress_consumed_),
               static_cast<long long>(inflight_total_), static_cast<long long>(send_errors_ + pull_errors_ + conn_errors_));
  last_progress_acked_ = acked_;
  last_progress_consumed_ = consumed_;
}

std::string LatencyJson(const Histogram& h) {
  char b[256];
  std::snprintf(b, sizeof(b), "{\"count\":%llu,\"mean\":%.1f,\"p50\":%llu,\"p99\":%llu,\"p999\":%llu,\"max\":%llu}",
                static_cast<unsigned long long>(h.count()), h.Mean(), static_cast<unsigned long long>(h.Percentile(50)),
                static_cast<unsigned long long>(h.Percentile(99)), static_cast<unsigned long long>(h.Percentile(99.9)),
                static_cast<unsigned long long>(h.max()));
  return b;
}

std::string LatencyText(const Histogram& h) {
  char b[256];
  std::snprintf(b, sizeof(b), "p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms  (mean %.3f ms, n=%llu)",
                h.Percentile(50) / 1e3, h.Percentile(99) / 1e3, h.Percentile(99.9) / 1e3, h.max() / 1e3, h.Mean() / 1e3,
                static_cast<unsigned long long>(h.count()));
  return b;
}

void LoadGen::Report() {
  double produce_s = static_cast<double>(std::max<int64_t>(1, (last_ack_ns_ ? last_ack_ns_ : end_issue_ns_) - start_ns_)) / 1e9;
  double consume_s = static_cast<double>(std::max<int64_t>(1, (last_consume_ns_ ? last_consume_ns_ : end_issue_ns_) - start_ns_)) / 1e9;
  double send_rate = static_cast<double>(acked_) / produce_s;
  double send_mb = send_rate * o_.size / (1024.0 * 1024.0);
  double cons_rate = static_cast<double>(consumed_) / consume_s;
  double cons_mb = static_cast<double>(consumed_bytes_) / consume_s / (1024.0 * 1024.0);
  int64_t errors = send_errors_ + pull_errors_ + conn_errors_ + decode_errors_;
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  if (o_.json) {
    std::printf("{\"tool\":\"loadgen\",\"mode\":\"%s\",\"topic\":\"%s\",\"size\":%d,\"connections\":%d,\"inflight\":%d,"
                "\"rate\":%.0f,\"duration_s\":%.1f,\"finish\":\"%s\",\"errors\":%lld,\"client_cpu_s\":%.2f",
                o_.mode.c_str(), o_.topic.c_str(), o_.size, o_.connections, o_.inflight, o_.rate, o_.duration_s, finish_reason_,
                static_cast<long long>(errors), cpu);
    if (o_.produce())
      std::printf(",\"produce\":{\"sent\":%lld,\"acked\":%lld,\"errors\":%lld,\"elapsed_s\":%.3f,\"msgs_per_s\":%.1f,"
                  "\"mb_per_s\":%.2f,\"latency_us\":%s}",
                  static_cast<long long>(issued_), static_cast<long long>(acked_), static_cast<long long>(send_errors_), produce_s,
                  send_rate, send_mb, LatencyJson(send_lat_us_).c_str());
    if (o_.consume())
      std::printf(",\"consume\":{\"messages\":%lld,\"errors\":%lld,\"elapsed_s\":%.3f,\"msgs_per_s\":%.1f,\"mb_per_s\":%.2f,"
                  "\"store_to_consume_us\":%s,\"born_to_consume_us\":%s}",
                  static_cast<long long>(consumed_), static_cast<long long>(pull_errors_ + decode_errors_), consume_s, cons_rate,
                  cons_mb, LatencyJson(store_to_consume_us_).c_str(), LatencyJson(born_to_consume_us_).c_str());
    std::printf("}\n");
  } else {
    std::printf("loadgen %s topic=%s size=%dB connections=%d inflight=%d rate=%s finish=%s\n", o_.mode.c_str(),
                o_.topic.c_str(), o_.size, o_.connections, o_.inflight, o_.rate > 0 ? std::to_string(int64_t(o_.rate)).c_str() : "max",
                finish_reason_);
    if (o_.produce()) {
      std::printf("produce: %lld acked, %lld errors in %.2f s: %.0f msgs/s, %.2f MB/s\n", static_cast<long long>(acked_),
                  static_cast<long long>(send_errors_), produce_s, send_rate, send_mb);
      std::printf("  send latency%s: %s\n", o_.rate > 0 ? " (from intended send time)" : "", LatencyText(send_lat_us_).c_str());
    }
    if (o_.consume()) {
      std::printf("consume: %lld messages, %lld errors in %.2f s: %.0f msgs/s, %.2f MB/s\n", static_cast<long long>(consumed_),
                  static_cast<long long>(pull_errors_ + decode_errors_), consume_s, cons_rate, cons_mb);
      std::printf("  store->consume: %s\n", LatencyText(store_to_consume_us_).c_str());
      std::printf("  born->consume:  %s\n", LatencyText(born_to_consume_us_).c_str());
    }
    std::printf("errors: %lld  client cpu: %.2f s\n", static_cast<long long>(errors), cpu);
  }
  std::fflush(stdout);
}

int LoadGen::Run() {
  if (!Setup()) return 2;
  loop_ = uv_default_loop();
  for (Conn* c : conns_) {
    std::string host;
    uint16_t port = 0;
    sockaddr_in sa{};
    if (!SplitHostPort(c->addr, &host, &port) || uv_ip4_addr(host == "localhost" ? "127.0.0.1" : host.c_str(), port, &sa) != 0) {
      Error("bad broker address %s", c->addr.c_str());
      return 2;
    }
    uv_tcp_init(loop_, &c->tcp);
    c->tcp.data = c;
    c->connect_req.data = c;
    ++connecting_;
    int r = uv_tcp_connect(&c->connect_req, &c->tcp, reinterpret_cast<const sockaddr*>(&sa), ConnectCb);
    if (r < 0) {
      Error("connect %s: %s", c->addr.c_str(), uv_strerror(r));
      return 2;
    }
  }
  uv_run(loop_, UV_RUN_DEFAULT);
  uv_loop_close(loop_);
  if (!started_) return 2;
  Report();
  int64_t errors = send_errors_ + pull_errors_ + conn_errors_ + decode_errors_;
  bool did_work = (o_.produce() ? acked_ > 0 : true) && (o_.consume() ? consumed_ > 0 : true);
  if (!did_work) std::fprintf(stderr, "loadgen: no messages %s\n", o_.produce() && acked_ == 0 ? "sent" : "consumed");
  return (errors > 0 || !did_work) ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string err;
  if (!ParseOptions(argc, argv, &o, &err)) {
    if (!err.empty()) std::fprintf(stderr, "loadgen: %s\n", err.c_str());
    std::fprintf(stderr, "%s", kUsage);
    return err.empty() ? 0 : 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  LoadGen lg(std::move(o));
  return lg.Run();
}
