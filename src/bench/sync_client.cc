#include "bench/sync_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include "common/coding.h"

namespace rmq::bench {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Waits for `events` until the deadline; false on timeout or error.
bool WaitFd(int fd, short events, int64_t deadline_ms) {
  for (;;) {
    int64_t left = deadline_ms - NowMs();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

}  // namespace

bool SplitHostPort(std::string_view addr, std::string* host, uint16_t* port) {
  size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view p = addr.substr(colon + 1);
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (ec != std::errc() || ptr != p.data() + p.size() || v == 0 || v > 65535) return false;
  *host = std::string(addr.substr(0, colon));
  *port = static_cast<uint16_t>(v);
  return true;
}

SyncClient::~SyncClient() { Close(); }

void SyncClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status SyncClient::Connect(std::string_view addr, int timeout_ms) {
  Close();
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(addr, &host, &port)) return Status::InvalidArgument("bad address " + std::string(addr));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (host == "localhost") host = "127.0.0.1";
  if (::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) return Status::InvalidArgument("not an IPv4 address: " + host);
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::IOError(std::strerror(errno));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  int64_t deadline = NowMs() + timeout_ms;
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    if (errno != EINPROGRESS) {
      Status s = Status::IOError("connect " + std::string(addr) + ": " + std::strerror(errno));
      Close();
      return s;
    }
    if (!WaitFd(fd_, POLLOUT, deadline)) {
      Close();
      return Status::IOError("connect " + std::string(addr) + ": timeout");
    }
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      Close();
      return Status::IOError("connect " + std::string(addr) + ": " + std::strerror(err));
    }
  }
  return Status::OK();
}

Status SyncClient::Call(protocol::RemotingCommand req, int timeout_ms, protocol::RemotingCommand* resp) {
  if (fd_ < 0) return Status::IOError("not connected");
  int64_t deadline = NowMs() + timeout_ms;
  req.opaque = next_opaque_++;
  std::string out = protocol::EncodeFrame(req);
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::send(fd_, out.data() + off, out.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!WaitFd(fd_, POLLOUT, deadline)) return Status::IOError("send timeout");
    } else {
      return Status::IOError(std::string("send: ") + std::strerror(errno));
    }
  }
  std::string in;
  char buf[64 * 1024];
  for (;;) {
    // Whole frames first: the server may also send requests of its own (ignored here).
    while (in.size() >= 4) {
      uint32_t len = DecodeFixed32(in.data());
      if (len > protocol::kDefaultMaxFrameSize) return Status::Corruption("response frame too large");
      if (in.size() < 4 + size_t(len)) break;
      frame_ = in.substr(4, len);
      in.erase(0, 4 + size_t(len));
      auto r = protocol::DecodeFrame(frame_);
      if (!r.ok()) return r.status();
      if (r->IsResponse() && r->opaque == req.opaque) {
        *resp = std::move(r.value());
        return Status::OK();
      }
    }
    if (!WaitFd(fd_, POLLIN, deadline)) return Status::IOError("response timeout");
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n == 0) return Status::IOError("connection closed by peer");
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Status::IOError(std::string("recv: ") + std::strerror(errno));
    }
    in.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace rmq::bench
