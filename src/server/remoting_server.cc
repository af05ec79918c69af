#include "server/remoting_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>

#include <algorithm>
#include <cstring>

#include "common/coding.h"
#include "common/logging.h"
#include "server/tls.h"

namespace rmq::server {

using protocol::RemotingCommand;

namespace {
constexpr size_t kReadChunk = 64 * 1024;
// Room past an unfinished frame's end, so the next frame's first bytes come in the same read.
constexpr size_t kReadSlack = 4 * 1024;
constexpr uint64_t kCheckIntervalMs = 1000;
// Bytes one connection may have handled in one loop turn before it waits for the next turn
// (libuv would otherwise read up to 32 buffers from it back to back, and a pipelining peer could
// hold the loop for hundreds of ms while others wait).
constexpr size_t kTurnReadBytes = 64 * 1024;

std::string AddrToString(const sockaddr_storage& ss, std::string* ip_only) {
  char ip[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    uv_ip4_name(a, ip, sizeof(ip));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    uv_ip6_name(a, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
  }
  *ip_only = ip;
  return std::string(ip) + ":" + std::to_string(port);
}
}  // namespace

size_t NextReadSize(size_t used, size_t frame_len) {
  if (frame_len == 0) return kReadSlack;  // the length word itself is still incomplete
  size_t rest = frame_len > used ? frame_len - used : 0;
  // Double at most: a peer that announces 16 MiB and sends one byte costs a few KiB.
  return std::min(rest + kReadSlack, std::max(kReadChunk, used));
}

Connection::Connection(RemotingServer* s, ConnectionId id, Role role) : server_(s), id_(id), role_(role) {}
Connection::~Connection() = default;

struct RemotingServer::Listener {
  uv_tcp_t tcp{};
  RemotingServer* server = nullptr;
  Role role = kRoleBroker;
};

// One uv_write for everything a connection was sent in one loop round: the encoded headers,
// the commands that own the bodies (possibly views into mapped CommitLog files), and raw bytes
// (TLS records). Lives until libuv's write callback.
struct Connection::OutBatch {
  uv_write_t req{};
  size_t bytes = 0;
  struct Frame {
    std::string header;  // frame header, or the whole raw chunk
    RemotingCommand cmd;
    bool raw = false;
  };
  std::deque<Frame> frames;  // deque: frames never move, so buffer pointers stay valid
};

RemotingServer::RemotingServer(RemotingLimits limits) : limits_(limits), read_buf_(kReadChunk) {
  if (limits_.write_low_water > limits_.write_high_water) limits_.write_low_water = limits_.write_high_water;
  uv_loop_init(&loop_);
  async_.data = this;
  uv_async_init(&loop_, &async_, [](uv_async_t* a) { static_cast<RemotingServer*>(a->data)->DrainPosted(); });
  AddTimer(200, 200, [this] { ExpirePending(); });
  AddTimer(kCheckIntervalMs, kCheckIntervalMs, [this] { CheckConnections(); });
  uv_check_init(&loop_, &flush_check_);
  flush_check_.data = this;
  uv_check_start(&flush_check_, [](uv_check_t* h) { static_cast<RemotingServer*>(h->data)->FlushWrites(); });
  uv_unref(reinterpret_cast<uv_handle_t*>(&flush_check_));
  uv_prepare_init(&loop_, &flush_prepare_);
  flush_prepare_.data = this;
  uv_prepare_start(&flush_prepare_, [](uv_prepare_t* h) {
    auto* self = static_cast<RemotingServer*>(h->data);
    self->FlushWrites();
    self->ResumeYielded();
  });
  uv_unref(reinterpret_cast<uv_handle_t*>(&flush_prepare_));
}

RemotingServer::~RemotingServer() {
  if (!stopped_) Stop();
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

uint64_t RemotingServer::NowMs() const { return uv_now(const_cast<uv_loop_t*>(&loop_)); }

Status RemotingServer::Listen(const std::string& host, int port, Role role) {
  auto l = std::make_unique<Listener>();
  l->server = this;
  l->role = role;
  uv_tcp_init(&loop_, &l->tcp);
  l->tcp.data = l.get();
  sockaddr_storage addr{};
  int rc = uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) rc = uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr));
  if (rc == 0) rc = uv_tcp_bind(&l->tcp, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&l->tcp), 1024, &RemotingServer::OnConnection);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&l->tcp), nullptr);
    l.release();  // freed with the loop's handles is not possible; tiny one-off leak on a fatal path
    return Status::IOError("listen on " + host + ":" + std::to_string(port) + ": " + uv_strerror(rc));
  }
  listeners_.push_back(std::move(l));
  return Status::OK();
}

void RemotingServer::Run(std::function<void()> on_signal) {
  signal(SIGPIPE, SIG_IGN);
  on_signal_ = std::move(on_signal);
  for (uv_signal_t* s : {&sigint_, &sigterm_}) {
    uv_signal_init(&loop_, s);
    s->data = this;
  }
  auto cb = [](uv_signal_t* s, int) {
    auto* self = static_cast<RemotingServer*>(s->data);
    if (self->on_signal_) self->on_signal_();
  };
  uv_signal_start(&sigint_, cb, SIGINT);
  uv_signal_start(&sigterm_, cb, SIGTERM);
  uv_run(&loop_, UV_RUN_DEFAULT);
}

void RemotingServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& l : listeners_) {
    Listener* raw = l.release();
    uv_close(reinterpret_cast<uv_handle_t*>(&raw->tcp), [](uv_handle_t* h) { delete static_cast<Listener*>(h->data); });
  }
  listeners_.clear();
  FlushWrites();  // answers already produced go out (as far as the sockets take them) before the close
  std::vector<Connection*> all;
  for (auto& [id, c] : conns_) all.push_back(c);
  for (Connection* c : all) Close(c);
  for (auto& [handle, t] : timers_) CloseTimer(t);
  timers_.clear();
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_prepare_), nullptr);
  for (uv_signal_t* s : {&sigint_, &sigterm_}) {
    if (uv_is_active(reinterpret_cast<uv_handle_t*>(s)) || s->loop != nullptr) {
      if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(s)) && s->loop) uv_close(reinterpret_cast<uv_handle_t*>(s), nullptr);
    }
  }
}

Connection* RemotingServer::NewConnection(Role role) {
  auto* c = new Connection(this, next_id_++, role);
  uv_tcp_init(&loop_, &c->tcp_);
  c->tcp_.data = c;
  c->last_activity_ms_ = NowMs();
  conns_[c->id_] = c;
  return c;
}

Connection* RemotingServer::Find(ConnectionId id) {
  auto it = conns_.find(id);
  if (it == conns_.end() || it->second->closing()) return nullptr;
  return it->second;
}

void RemotingServer::OnConnection(uv_stream_t* server, int status) {
  auto* l = static_cast<Listener*>(server->data);
  RemotingServer* self = l->server;
  if (status < 0) return;
  Connection* c = self->NewConnection(l->role);
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp_)) != 0) {
    self->Close(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp_, 1);
  c->accepted_ms_ = self->NowMs();
  c->detect_tls_ = self->tls_ != nullptr && self->tls_->mode() != TlsMode::kDisabled;
  sockaddr_storage ss{};
  int len = sizeof(ss);
  if (uv_tcp_getpeername(&c->tcp_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    c->remote_addr_ = AddrToString(ss, &c->remote_ip_);
  }
  self->StartReading(c);
}

void RemotingServer::StartReading(Connection* c) {
  c->reading_ = true;
  c->yielded_ = false;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp_), &RemotingServer::OnAlloc, &RemotingServer::OnReadCb);
}

void RemotingServer::PauseReading(Connection* c) {
  if (!c->reading_ || c->read_paused_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp_));
  c->read_paused_ = true;
}

// Fairness: a connection that has had its share of this loop turn stops being read until the
// loop is about to poll again (ResumeYielded, from the prepare phase).
void RemotingServer::CountTurnBytes(Connection* c, size_t n) {
  if (c->turn_ != turn_) {
    c->turn_ = turn_;
    c->turn_bytes_ = 0;
  }
  c->turn_bytes_ += n;
  if (c->turn_bytes_ >= kTurnReadBytes && !c->yielded_ && !c->read_paused_ && !c->closing()) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp_));
    c->yielded_ = true;
    yielded_.push_back(c->id_);
  }
}

void RemotingServer::ResumeYielded() {
  ++turn_;
  if (yielded_.empty()) return;
  std::vector<ConnectionId> ids;
  ids.swap(yielded_);
  for (ConnectionId id : ids) {
    Connection* c = Find(id);
    if (c == nullptr || !c->yielded_) continue;
    c->yielded_ = false;
    if (!c->read_paused_) StartReading(c);
  }
}

void RemotingServer::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  RemotingServer* self = c->server_;
  size_t used = c->in_end_ - c->in_start_;
  if (c->tls_ || used == 0) {  // ciphertext, or no unfinished frame: the shared buffer
    buf->base = self->read_buf_.data();
    buf->len = self->read_buf_.size();
    return;
  }
  size_t frame = used >= 4 ? 4 + size_t(DecodeFixed32(c->in_.data() + c->in_start_)) : 0;
  size_t want = NextReadSize(used, frame);
  if (!self->GrowInput(c, want)) {
    *buf = uv_buf_init(nullptr, 0);  // libuv then reports UV_ENOBUFS to OnReadCb
    return;
  }
  buf->base = c->in_.data() + c->in_end_;
  buf->len = c->in_.size() - c->in_end_;
}

// Makes room for `need` more bytes after in_end_, within the memory limit; false when the limit
// does not allow it (the caller closes the connection; not from OnAlloc, where libuv still needs
// the read callback that uv_close clears: OnAlloc reports no buffer and OnRead gets UV_ENOBUFS).
bool RemotingServer::GrowInput(Connection* c, size_t need) {
  if (c->in_.size() - c->in_end_ >= need) return true;
  size_t used = c->in_end_ - c->in_start_;
  if (c->in_start_ > 0) {
    memmove(c->in_.data(), c->in_.data() + c->in_start_, used);
    c->in_start_ = 0;
    c->in_end_ = used;
    if (c->in_.size() - c->in_end_ >= need) return true;
  }
  size_t old_cap = c->in_.size();
  size_t new_cap = used + need;
  if (in_total_ - old_cap + new_cap + out_total_ > limits_.memory_limit) {
    RMQ_LOG_WARN("closing %s: an unfinished frame needs %zu bytes, over remotingMemoryLimit %zu (held: %zu in, %zu out)",
                 c->remote_addr_.c_str(), new_cap, limits_.memory_limit, in_total_, out_total_);
    return false;
  }
  std::vector<char> grown(new_cap);
  memcpy(grown.data(), c->in_.data(), used);
  c->in_.swap(grown);
  in_total_ = in_total_ - old_cap + new_cap;
  return true;
}

void RemotingServer::ReleaseInput(Connection* c) {
  in_total_ -= c->in_.size();
  std::vector<char>().swap(c->in_);
  c->in_start_ = c->in_end_ = 0;
}

void RemotingServer::OnReadCb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  try {
    c->server_->OnRead(c, nread, buf);
  } catch (...) {
    RMQ_LOG_ERROR("unexpected exception on connection %s; closing it", c->remote_addr_.c_str());
    c->server_->Close(c);
  }
}

void RemotingServer::OnRead(Connection* c, ssize_t nread, const uv_buf_t* buf) {
  if (nread < 0) {
    Close(c);
    return;
  }
  if (nread == 0 || c->closing()) return;
  c->last_activity_ms_ = NowMs();
  size_t n = static_cast<size_t>(nread);
  CountTurnBytes(c, n);
  bool shared = buf->base == read_buf_.data();
  if (c->tls_) {
    FeedTls(c, std::string_view(buf->base, n));
    return;
  }
  if (c->detect_tls_) {
    // Java's TlsModeHandler: a TLS handshake record starts with 0x16, anything else is plaintext.
    c->detect_tls_ = false;
    if (static_cast<unsigned char>(buf->base[0]) == kTlsHandshakeByte) {
      c->tls_ = std::make_unique<TlsSession>(*tls_);
      if (!shared) {  // bytes already kept as a partial frame are the hello's beginning
        std::string hello(c->in_.data() + c->in_start_, c->in_end_ - c->in_start_ + n);
        ReleaseInput(c);
        FeedTls(c, hello);
      } else {
        FeedTls(c, std::string_view(buf->base, n));
      }
      return;
    }
    if (tls_->mode() == TlsMode::kEnforcing) {
      RMQ_LOG_WARN("closing %s: plaintext connection while tls.server.mode=enforcing", c->remote_addr_.c_str());
      Close(c);
      return;
    }
  }
  if (shared) {
    Consume(c, buf->base, n);
    return;
  }
  c->in_end_ += n;  // read straight into the unfinished frame's buffer
  size_t done = ProcessFrames(c, c->in_.data() + c->in_start_, c->in_end_ - c->in_start_);
  if (c->closing()) return;
  c->in_start_ += done;
  if (c->in_start_ == c->in_end_) ReleaseInput(c);
  else if (done > 0) c->frame_started_ms_ = NowMs();
}

// Frames `data` (bytes that follow whatever in_ holds); keeps an unfinished tail in in_.
void RemotingServer::Consume(Connection* c, const char* data, size_t n) {
  if (c->in_end_ == c->in_start_) {
    size_t done = ProcessFrames(c, data, n);
    if (c->closing() || done == n) return;
    if (!GrowInput(c, n - done)) return Close(c);
    memcpy(c->in_.data() + c->in_end_, data + done, n - done);
    c->in_end_ += n - done;
    c->frame_started_ms_ = NowMs();
    return;
  }
  if (!GrowInput(c, n)) return Close(c);
  memcpy(c->in_.data() + c->in_end_, data, n);
  c->in_end_ += n;
  size_t done = ProcessFrames(c, c->in_.data() + c->in_start_, c->in_end_ - c->in_start_);
  if (c->closing()) return;
  c->in_start_ += done;
  if (c->in_start_ == c->in_end_) ReleaseInput(c);
  else if (done > 0) c->frame_started_ms_ = NowMs();
}

bool RemotingServer::FeedTls(Connection* c, std::string_view cipher) {
  std::string plain, out;
  Status s = c->tls_->Feed(cipher, &plain, &out);
  if (!out.empty()) WriteRaw(c, std::move(out));
  if (!s.ok()) {
    RMQ_LOG_WARN("closing %s: %s", c->remote_addr_.c_str(), s.ToString().c_str());
    Close(c);
    return false;
  }
  if (!plain.empty()) Consume(c, plain.data(), plain.size());
  return !c->closing();
}

void RemotingServer::SetTls(std::shared_ptr<TlsContext> tls) {
  tls_ = std::move(tls);
  AddTimer(1000, 1000, [this] { ExpireHandshakes(); });
}

void RemotingServer::ExpireHandshakes() {
  uint64_t now = NowMs();
  std::vector<Connection*> late;
  for (auto& [id, c] : conns_) {
    bool waiting = c->detect_tls_ || (c->tls_ && !c->tls_->handshake_done());
    if (waiting && !c->closing() && now - c->accepted_ms_ > kTlsHandshakeTimeoutMs) late.push_back(c);
  }
  for (Connection* c : late) {
    RMQ_LOG_WARN("closing %s: TLS handshake not finished in %llu ms", c->remote_addr_.c_str(),
                 static_cast<unsigned long long>(kTlsHandshakeTimeoutMs));
    Close(c);
  }
}

// Idle connections (serverChannelMaxIdleTimeSeconds) and frames that do not arrive in time.
void RemotingServer::CheckConnections() {
  uint64_t now = NowMs();
  std::vector<std::pair<Connection*, const char*>> doomed;
  for (auto& [id, c] : conns_) {
    if (c->closing()) continue;
    if (c->in_end_ > c->in_start_ && limits_.frame_timeout_ms > 0) {
      size_t used = c->in_end_ - c->in_start_;
      uint64_t len = used >= 4 ? DecodeFixed32(c->in_.data() + c->in_start_) : 0;
      uint64_t allowed = limits_.frame_timeout_ms + len * 1000 / RemotingLimits::kMinFrameRate;
      if (now - c->frame_started_ms_ > allowed) {
        doomed.emplace_back(c, "frame not received in time (frameReadTimeoutMillis)");
        continue;
      }
    }
    if (c->role_ != kRoleClient && limits_.max_idle_ms > 0 && now - c->last_activity_ms_ > limits_.max_idle_ms) {
      doomed.emplace_back(c, "idle (serverChannelMaxIdleTimeSeconds)");
    }
  }
  for (auto& [c, why] : doomed) {
    RMQ_LOG_INFO("closing %s: %s", c->remote_addr_.c_str(), why);
    Close(c);
  }
}

// Decodes and handles every whole frame at the start of `data`; returns the bytes used. A frame
// whose length word is out of range closes the connection at once, before its bytes arrive.
size_t RemotingServer::ProcessFrames(Connection* c, const char* data, size_t n) {
  size_t pos = 0;
  while (!c->closing()) {
    size_t avail = n - pos;
    if (avail < 4) break;
    uint32_t len = DecodeFixed32(data + pos);
    if (len < 4 || len > limits_.max_frame_size) {
      RMQ_LOG_WARN("closing %s: frame length %u out of range", c->remote_addr_.c_str(), len);
      Close(c);
      return pos;
    }
    if (avail < 4 + size_t(len)) break;
    std::string_view frame(data + pos + 4, len);
    auto cmd = protocol::DecodeFrame(frame);
    if (!cmd.ok()) {
      RMQ_LOG_WARN("closing %s: %s", c->remote_addr_.c_str(), cmd.status().ToString().c_str());
      Close(c);
      return pos;
    }
    HandleCommand(c, cmd.value());
    pos += 4 + size_t(len);
  }
  return pos;
}

void RemotingServer::HandleCommand(Connection* c, RemotingCommand& cmd) {
  if (cmd.IsResponse()) {
    auto it = pending_.find(cmd.opaque);
    if (it == pending_.end()) return;  // late answer to a request that timed out
    ResponseCallback cb = std::move(it->second.cb);
    pending_.erase(it);
    if (cb) cb(std::move(cmd));
    return;
  }
  c->language = cmd.language;
  c->version = cmd.version;
  if (on_request_) on_request_(*c, cmd);
}

bool RemotingServer::Write(ConnectionId id, RemotingCommand&& cmd) {
  Connection* c = Find(id);
  if (c == nullptr) return false;
  if (c->tls_) {
    // Encrypt the whole frame into one buffer; the command (and any mapped body) is released here.
    std::string plain = protocol::EncodeFrameHeader(cmd);
    plain.append(cmd.Body());
    for (auto v : cmd.extra_body) plain.append(v);
    std::string cipher;
    if (Status s = c->tls_->Encrypt(plain, &cipher); !s.ok()) {
      RMQ_LOG_WARN("closing %s: %s", c->remote_addr_.c_str(), s.ToString().c_str());
      Close(c);
      return false;
    }
    return cipher.empty() || WriteRaw(c, std::move(cipher));
  }
  Connection::OutBatch* out = Outgoing(c);
  Connection::OutBatch::Frame& f = out->frames.emplace_back();
  f.cmd = std::move(cmd);
  f.header = protocol::EncodeFrameHeader(f.cmd);
  // Only the body is needed from here on: free the fields now, so what waits for a slow peer is
  // what QueuedBytes counts.
  f.cmd.ext_fields = protocol::ExtFields();
  f.cmd.remark.reset();
  QueuedBytes(c, sizeof(f) + f.header.capacity() + f.cmd.BodySize());
  return true;
}

bool RemotingServer::WriteRaw(Connection* c, std::string&& bytes) {
  Connection::OutBatch* out = Outgoing(c);
  Connection::OutBatch::Frame& f = out->frames.emplace_back();
  f.header = std::move(bytes);
  f.raw = true;
  QueuedBytes(c, sizeof(f) + f.header.capacity());
  return true;
}

Connection::OutBatch* RemotingServer::Outgoing(Connection* c) {
  if (c->out_ == nullptr) {
    c->out_ = new Connection::OutBatch;
    dirty_.push_back(c->id_);
  }
  return c->out_;
}

// Counts output against the connection's water marks and the process-wide memory limit; a
// connection over either stops being read until its peer takes the output.
void RemotingServer::QueuedBytes(Connection* c, size_t bytes) {
  c->out_->bytes += bytes;
  c->pending_write_bytes_ += bytes;
  out_total_ += bytes;
  if (c->read_paused_ || !c->reading_) return;
  if (c->pending_write_bytes_ > limits_.write_high_water) {
    PauseReading(c);
  } else if (in_total_ + out_total_ > limits_.memory_limit) {
    PauseReading(c);
    budget_paused_.push_back(c->id_);
  }
}

// Output left the process (or was dropped): resumes readers under their low mark and, once
// memory is back under the limit, the connections the limit had stopped.
void RemotingServer::WroteBytes(Connection* c, size_t bytes) {
  c->pending_write_bytes_ -= bytes;
  out_total_ -= bytes;
  bool under_limit = in_total_ + out_total_ <= limits_.memory_limit - limits_.memory_limit / 8;
  if (c->read_paused_ && !c->closing() && c->pending_write_bytes_ < limits_.write_low_water &&
      (under_limit || std::find(budget_paused_.begin(), budget_paused_.end(), c->id_) == budget_paused_.end())) {
    c->read_paused_ = false;
    StartReading(c);
  }
  if (under_limit && !budget_paused_.empty()) {
    std::vector<ConnectionId> ids;
    ids.swap(budget_paused_);
    for (ConnectionId id : ids) {
      Connection* p = Find(id);
      if (p && p->read_paused_ && p->pending_write_bytes_ < limits_.write_low_water) {
        p->read_paused_ = false;
        StartReading(p);
      } else if (p && p->read_paused_) {
        budget_paused_.push_back(id);  // still over its own mark: its write callback resumes it
      }
    }
  }
}

void RemotingServer::FlushWrites() {
  if (dirty_.empty()) return;
  std::vector<ConnectionId> ids;
  ids.swap(dirty_);
  std::vector<uv_buf_t> bufs;
  for (ConnectionId id : ids) {
    Connection* c = Find(id);
    if (c == nullptr || c->out_ == nullptr) continue;
    Connection::OutBatch* out = c->out_;
    c->out_ = nullptr;
    if (c->closing()) {
      WroteBytes(c, out->bytes);
      delete out;
      continue;
    }
    bufs.clear();
    for (auto& f : out->frames) {
      if (!f.header.empty()) bufs.push_back(uv_buf_init(f.header.data(), static_cast<unsigned>(f.header.size())));
      if (f.raw) continue;
      std::string_view body = f.cmd.Body();
      if (!body.empty()) bufs.push_back(uv_buf_init(const_cast<char*>(body.data()), static_cast<unsigned>(body.size())));
      for (auto v : f.cmd.extra_body) {
        if (!v.empty()) bufs.push_back(uv_buf_init(const_cast<char*>(v.data()), static_cast<unsigned>(v.size())));
      }
    }
    out->req.data = out;
    int rc = bufs.empty() ? UV_EINVAL
                          : uv_write(&out->req, reinterpret_cast<uv_stream_t*>(&c->tcp_), bufs.data(),
                                     static_cast<unsigned>(bufs.size()), &RemotingServer::OnWriteCb);
    if (rc != 0) {
      WroteBytes(c, out->bytes);
      delete out;
      if (!bufs.empty()) Close(c);
    }
  }
}

void RemotingServer::OnWriteCb(uv_write_t* req, int status) {
  auto* out = static_cast<Connection::OutBatch*>(req->data);
  auto* c = static_cast<Connection*>(req->handle->data);
  RemotingServer* self = c->server_;
  if (status >= 0) c->last_activity_ms_ = self->NowMs();
  self->WroteBytes(c, out->bytes);
  if (status < 0) self->Close(c);
  delete out;
}

void RemotingServer::Reply(const ReplyTarget& to, RemotingCommand&& resp) {
  if (to.oneway) return;
  resp.flag |= protocol::kFlagResponse;
  resp.opaque = to.opaque;
  resp.serialize_type = to.serialize_type;
  resp.version = protocol::kServerVersion;
  Write(to.conn, std::move(resp));
}

void RemotingServer::Close(Connection* c) {
  if (c->state_ != Connection::State::kOpen) return;
  c->state_ = Connection::State::kClosing;
  RunCloseHandlers(*c);
  // Fail requests still waiting on this connection.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.conn == c->id_) {
      ResponseCallback cb = std::move(it->second.cb);
      it = pending_.erase(it);
      if (cb) cb(Status::IOError("connection closed"));
    } else {
      ++it;
    }
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp_), &RemotingServer::OnCloseCb);
}

void RemotingServer::OnCloseCb(uv_handle_t* h) {
  auto* c = static_cast<Connection*>(h->data);
  RemotingServer* self = c->server_;
  if (c->out_ != nullptr) {  // frames that were never handed to libuv
    self->WroteBytes(c, c->out_->bytes);
    delete c->out_;
  }
  self->ReleaseInput(c);
  self->conns_.erase(c->id_);
  delete c;
}

ConnectionId RemotingServer::Connect(const std::string& host, int port, std::function<void(Status)> on_connect) {
  Connection* c = NewConnection(kRoleClient);
  c->remote_addr_ = host + ":" + std::to_string(port);
  c->remote_ip_ = host;
  c->on_connect_ = std::move(on_connect);
  sockaddr_in addr{};
  auto* req = new uv_connect_t;
  req->data = c;
  int rc = uv_ip4_addr(host.c_str(), port, &addr);
  if (rc == 0) {
    rc = uv_tcp_connect(req, &c->tcp_, reinterpret_cast<const sockaddr*>(&addr), [](uv_connect_t* r, int status) {
      auto* conn = static_cast<Connection*>(r->data);
      delete r;
      if (conn->closing()) return;
      RemotingServer* self = conn->server_;
      auto cb = std::move(conn->on_connect_);
      if (status < 0) {
        if (cb) cb(Status::IOError(uv_strerror(status)));
        self->Close(conn);
        return;
      }
      uv_tcp_nodelay(&conn->tcp_, 1);
      conn->accepted_ms_ = self->NowMs();
      if (self->client_tls_) {
        conn->tls_ = std::make_unique<TlsSession>(*self->client_tls_, true);
        std::string hello;
        if (Status s = conn->tls_->Start(&hello); !s.ok() || !self->WriteRaw(conn, std::move(hello))) {
          if (cb) cb(Status::IOError("TLS handshake could not start"));
          self->Close(conn);
          return;
        }
      }
      self->StartReading(conn);
      if (cb) cb(Status::OK());
    });
  }
  if (rc != 0) {
    delete req;
    auto cb = std::move(c->on_connect_);
    Close(c);
    if (cb) cb(Status::IOError(std::string("connect ") + host + ": " + uv_strerror(rc)));
  }
  return c->id_;
}

void RemotingServer::Invoke(ConnectionId id, RemotingCommand&& req, uint64_t timeout_ms, ResponseCallback cb) {
  req.opaque = next_opaque_++;
  req.flag &= ~protocol::kFlagOneway;
  int32_t opaque = req.opaque;
  pending_[opaque] = Pending{std::move(cb), NowMs() + timeout_ms, id};
  if (!Write(id, std::move(req))) {
    auto it = pending_.find(opaque);
    if (it != pending_.end()) {
      ResponseCallback f = std::move(it->second.cb);
      pending_.erase(it);
      if (f) f(Status::IOError("connection unavailable"));
    }
  }
}

void RemotingServer::InvokeOneway(ConnectionId id, RemotingCommand&& req) {
  req.opaque = next_opaque_++;
  req.flag |= protocol::kFlagOneway;
  Write(id, std::move(req));
}

void RemotingServer::ExpirePending() {
  uint64_t now = NowMs();
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline_ms <= now) {
      ResponseCallback cb = std::move(it->second.cb);
      it = pending_.erase(it);
      if (cb) cb(Status::IOError("request timed out"));
    } else {
      ++it;
    }
  }
}

CloseHandlerHandle RemotingServer::AddCloseHandler(CloseHandler h) {
  CloseHandlerHandle handle = next_close_handle_++;
  on_close_.emplace(handle, std::move(h));
  return handle;
}

bool RemotingServer::RemoveCloseHandler(CloseHandlerHandle h) { return on_close_.erase(h) > 0; }

void RemotingServer::RunCloseHandlers(Connection& c) {
  // A handler may remove itself or another one: walk by handle, and call a copy, so the map can
  // change under the walk and a running handler is never destroyed mid-call.
  CloseHandlerHandle last = next_close_handle_;
  for (auto it = on_close_.begin(); it != on_close_.end() && it->first < last;) {
    CloseHandlerHandle handle = it->first;
    CloseHandler h = it->second;
    h(c);
    it = on_close_.upper_bound(handle);
  }
}

void RemotingServer::CloseTimer(uv_timer_t* t) {
  uv_timer_stop(t);
  uv_close(reinterpret_cast<uv_handle_t*>(t), [](uv_handle_t* h) {
    delete static_cast<std::function<void()>*>(h->data);
    delete reinterpret_cast<uv_timer_t*>(h);
  });
}

bool RemotingServer::RemoveTimer(TimerHandle handle) {
  auto it = timers_.find(handle);
  if (it == timers_.end()) return false;
  CloseTimer(it->second);
  timers_.erase(it);
  return true;
}

TimerHandle RemotingServer::AddTimer(uint64_t delay_ms, uint64_t interval_ms, std::function<void()> fn) {
  auto* t = new uv_timer_t;
  uv_timer_init(&loop_, t);
  t->data = new std::function<void()>(std::move(fn));
  uv_timer_start(t, [](uv_timer_t* h) {
    try {
      (*static_cast<std::function<void()>*>(h->data))();
    } catch (...) {
      RMQ_LOG_ERROR("unexpected exception in a timer");
    }
  }, delay_ms, interval_ms);
  TimerHandle handle = next_timer_handle_++;
  timers_.emplace(handle, t);
  return handle;
}

void RemotingServer::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  uv_async_send(&async_);
}

void RemotingServer::DrainPosted() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

}  // namespace rmq::server
