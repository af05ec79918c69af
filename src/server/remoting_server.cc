#include "server/remoting_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>

#include <cstring>

#include "common/coding.h"
#include "common/logging.h"
#include "server/tls.h"

namespace rmq::server {

using protocol::RemotingCommand;

namespace {
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kOutputHighWater = 64 * 1024 * 1024;  // stop reading a peer that does not read
constexpr size_t kOutputLowWater = 16 * 1024 * 1024;
constexpr size_t kIdleBufferKeep = 1024 * 1024;

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

RemotingServer::RemotingServer(uint32_t max_frame_size) : max_frame_size_(max_frame_size) {
  uv_loop_init(&loop_);
  async_.data = this;
  uv_async_init(&loop_, &async_, [](uv_async_t* a) { static_cast<RemotingServer*>(a->data)->DrainPosted(); });
  AddTimer(200, 200, [this] { ExpirePending(); });
  uv_check_init(&loop_, &flush_check_);
  flush_check_.data = this;
  uv_check_start(&flush_check_, [](uv_check_t* h) { static_cast<RemotingServer*>(h->data)->FlushWrites(); });
  uv_unref(reinterpret_cast<uv_handle_t*>(&flush_check_));
  uv_prepare_init(&loop_, &flush_prepare_);
  flush_prepare_.data = this;
  uv_prepare_start(&flush_prepare_, [](uv_prepare_t* h) { static_cast<RemotingServer*>(h->data)->FlushWrites(); });
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
  for (uv_timer_t* t : timers_) {
    uv_timer_stop(t);
    uv_close(reinterpret_cast<uv_handle_t*>(t), [](uv_handle_t* h) {
      delete static_cast<std::function<void()>*>(h->data);
      delete reinterpret_cast<uv_timer_t*>(h);
    });
  }
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
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp_), &RemotingServer::OnAlloc, &RemotingServer::OnReadCb);
}

void RemotingServer::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  if (c->tls_) {
    if (c->tls_in_.size() < kReadChunk) c->tls_in_.resize(kReadChunk);
    buf->base = c->tls_in_.data();
    buf->len = c->tls_in_.size();
    return;
  }
  size_t used = c->in_end_ - c->in_start_;
  size_t want = kReadChunk;
  if (used >= 4) {
    // Make room for the rest of the current frame in one go (bounded by the frame limit,
    // which ProcessFrames has already checked).
    size_t frame = 4 + size_t(DecodeFixed32(c->in_.data() + c->in_start_));
    if (frame > used && frame - used > want) want = frame - used;
  }
  if (c->in_.size() - c->in_end_ < want) {
    if (c->in_start_ > 0) {
      memmove(c->in_.data(), c->in_.data() + c->in_start_, used);
      c->in_start_ = 0;
      c->in_end_ = used;
    }
    if (c->in_.size() - c->in_end_ < want) c->in_.resize(c->in_end_ + want);
  }
  buf->base = c->in_.data() + c->in_end_;
  buf->len = c->in_.size() - c->in_end_;
}

void RemotingServer::OnReadCb(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  auto* c = static_cast<Connection*>(s->data);
  try {
    c->server_->OnRead(c, nread);
  } catch (...) {
    RMQ_LOG_ERROR("unexpected exception on connection %s; closing it", c->remote_addr_.c_str());
    c->server_->Close(c);
  }
}

void RemotingServer::OnRead(Connection* c, ssize_t nread) {
  if (nread < 0) {
    Close(c);
    return;
  }
  if (nread == 0) return;
  c->last_activity_ms_ = NowMs();
  if (c->tls_) {
    if (!FeedTls(c, std::string_view(c->tls_in_.data(), static_cast<size_t>(nread)))) return;
  } else {
    c->in_end_ += static_cast<size_t>(nread);
    if (c->detect_tls_) {
      // Java's TlsModeHandler: a TLS handshake record starts with 0x16, anything else is plaintext.
      c->detect_tls_ = false;
      if (static_cast<unsigned char>(c->in_[c->in_start_]) == kTlsHandshakeByte) {
        c->tls_ = std::make_unique<TlsSession>(*tls_);
        std::string hello(c->in_.data() + c->in_start_, c->in_end_ - c->in_start_);
        c->in_start_ = c->in_end_ = 0;
        if (!FeedTls(c, hello)) return;
      } else if (tls_->mode() == TlsMode::kEnforcing) {
        RMQ_LOG_WARN("closing %s: plaintext connection while tls.server.mode=enforcing", c->remote_addr_.c_str());
        Close(c);
        return;
      }
    }
  }
  ProcessFrames(c);
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
  if (!plain.empty()) {
    if (c->in_.size() - c->in_end_ < plain.size()) {
      size_t used = c->in_end_ - c->in_start_;
      memmove(c->in_.data(), c->in_.data() + c->in_start_, used);
      c->in_start_ = 0;
      c->in_end_ = used;
      if (c->in_.size() - c->in_end_ < plain.size()) c->in_.resize(c->in_end_ + plain.size());
    }
    memcpy(c->in_.data() + c->in_end_, plain.data(), plain.size());
    c->in_end_ += plain.size();
  }
  return true;
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

void RemotingServer::ProcessFrames(Connection* c) {
  while (!c->closing()) {
    size_t avail = c->in_end_ - c->in_start_;
    if (avail < 4) break;
    uint32_t len = DecodeFixed32(c->in_.data() + c->in_start_);
    if (len < 4 || len > max_frame_size_) {
      RMQ_LOG_WARN("closing %s: frame length %u out of range", c->remote_addr_.c_str(), len);
      Close(c);
      return;
    }
    if (avail < 4 + size_t(len)) break;
    std::string_view frame(c->in_.data() + c->in_start_ + 4, len);
    auto cmd = protocol::DecodeFrame(frame);
    if (!cmd.ok()) {
      RMQ_LOG_WARN("closing %s: %s", c->remote_addr_.c_str(), cmd.status().ToString().c_str());
      Close(c);
      return;
    }
    HandleCommand(c, cmd.value());
    c->in_start_ += 4 + size_t(len);
  }
  if (c->in_start_ == c->in_end_) {
    c->in_start_ = c->in_end_ = 0;
    if (c->in_.size() > kIdleBufferKeep) {
      c->in_.clear();
      c->in_.shrink_to_fit();
    }
  }
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
  QueuedBytes(c, f.header.size() + f.cmd.BodySize());
  return true;
}

bool RemotingServer::WriteRaw(Connection* c, std::string&& bytes) {
  Connection::OutBatch* out = Outgoing(c);
  Connection::OutBatch::Frame& f = out->frames.emplace_back();
  f.header = std::move(bytes);
  f.raw = true;
  QueuedBytes(c, f.header.size());
  return true;
}

Connection::OutBatch* RemotingServer::Outgoing(Connection* c) {
  if (c->out_ == nullptr) {
    c->out_ = new Connection::OutBatch;
    dirty_.push_back(c->id_);
  }
  return c->out_;
}

void RemotingServer::QueuedBytes(Connection* c, size_t bytes) {
  c->out_->bytes += bytes;
  c->pending_write_bytes_ += bytes;
  if (c->pending_write_bytes_ > kOutputHighWater && c->reading_ && !c->read_paused_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp_));
    c->read_paused_ = true;
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
      c->pending_write_bytes_ -= out->bytes;
      delete out;
      if (!bufs.empty()) Close(c);
    }
  }
}

void RemotingServer::OnWriteCb(uv_write_t* req, int status) {
  auto* out = static_cast<Connection::OutBatch*>(req->data);
  auto* c = static_cast<Connection*>(req->handle->data);
  RemotingServer* self = c->server_;
  c->pending_write_bytes_ -= out->bytes;
  if (status < 0) {
    self->Close(c);
  } else if (c->read_paused_ && c->pending_write_bytes_ < kOutputLowWater && !c->closing()) {
    c->read_paused_ = false;
    self->StartReading(c);
  }
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
  for (auto& h : on_close_) h(*c);
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
  delete c->out_;  // frames that were never handed to libuv
  c->server_->conns_.erase(c->id_);
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

void RemotingServer::AddTimer(uint64_t delay_ms, uint64_t interval_ms, std::function<void()> fn) {
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
  timers_.push_back(t);
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
