// RemotingServer: the libuv event loop, its listeners and every TCP connection, in and out
// (mirrors Java's NettyRemotingServer + NettyRemotingClient). Loop thread only, except Post().
//
// Lifetimes: a Connection is owned by the server and deleted only in its uv_close callback.
// Work that outlives a callback keeps a ConnectionId and looks the connection up again.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "protocol/remoting_command.h"

namespace rmq::server {

using ConnectionId = uint64_t;

// Which role a listener serves; the dispatcher refuses codes of the other role.
enum Role : uint32_t { kRoleNamesrv = 1, kRoleBroker = 2, kRoleClient = 4 };

class RemotingServer;
class TlsContext;

// What one client, and all clients together, can make the server hold (docs/reliability.md).
// Config keys: serverChannelMaxIdleTimeSeconds, writeBufferHighWaterMark / writeBufferLowWaterMark
// (Java's NettyServerConfig names), remotingMemoryLimit, frameReadTimeoutMillis, maxFrameSize.
struct RemotingLimits {
  uint32_t max_frame_size = protocol::kDefaultMaxFrameSize;
  // Reading from a peer stops while its queued output (wire bytes plus a per-frame overhead) is
  // above the high mark, and resumes below the low mark (Netty's water marks, acted on).
  size_t write_high_water = 1024 * 1024;
  size_t write_low_water = 512 * 1024;
  // All connections' partial frames and queued output together. Over it, a connection that needs
  // more input memory is closed and one that queues more output stops being read.
  size_t memory_limit = size_t(1) << 30;
  // Java's serverChannelMaxIdleTimeSeconds: accepted connections with no read and no completed
  // write for this long are closed (0: never).
  uint64_t max_idle_ms = 120000;
  // A frame must arrive within this of its first bytes, plus one second per kMinFrameRate bytes
  // it announces (a peer that trickles a frame is closed; 0: never).
  uint64_t frame_timeout_ms = 30000;
  static constexpr size_t kMinFrameRate = 64 * 1024;
};

// Read sizing, pure for tests: how many bytes to read next into a connection's own buffer that
// holds `used` bytes of an unfinished frame of `frame_len` bytes (length word included; 0 while
// the length word is incomplete). Grows with what arrives, never by what a peer announces.
size_t NextReadSize(size_t used, size_t frame_len);
class TlsSession;

class Connection {
 public:
  ConnectionId id() const { return id_; }
  Role role() const { return role_; }
  const std::string& remote_addr() const { return remote_addr_; }  // "ip:port"
  const std::string& remote_ip() const { return remote_ip_; }
  bool closing() const { return state_ != State::kOpen; }
  // Language and version of the last request the peer sent (shown by mqadmin).
  protocol::LanguageCode language = protocol::LanguageCode::kJava;
  int32_t version = 0;

 private:
  friend class RemotingServer;
  enum class State { kOpen, kClosing };
  // Both in remoting_server.cc, where TlsSession is complete.
  Connection(RemotingServer* s, ConnectionId id, Role role);
  ~Connection();
  RemotingServer* server_;
  ConnectionId id_;
  Role role_;
  State state_ = State::kOpen;
  uv_tcp_t tcp_{};
  std::string remote_addr_, remote_ip_;
  // An unfinished frame's bytes, [in_start_, in_end_); empty (no allocation) between frames:
  // reads then land in the server's shared buffer and only a leftover partial frame is kept.
  std::vector<char> in_;
  size_t in_start_ = 0, in_end_ = 0;
  uint64_t frame_started_ms_ = 0;  // when in_ got the unfinished frame's first bytes
  size_t pending_write_bytes_ = 0;  // queued output, as counted against the water marks
  bool reading_ = false;
  bool read_paused_ = false;  // over a water mark or the memory limit
  bool yielded_ = false;      // had its share of this loop turn
  uint64_t turn_ = 0;
  size_t turn_bytes_ = 0;
  uint64_t last_activity_ms_ = 0;
  std::function<void(Status)> on_connect_;
  // TLS (server/tls.h): the first byte decides plaintext or TLS when detect_tls_ is set; a TLS
  // connection reads ciphertext into the shared buffer and feeds the decrypted bytes into in_.
  bool detect_tls_ = false;
  std::unique_ptr<TlsSession> tls_;
  uint64_t accepted_ms_ = 0;
  // Frames written since the last flush; handed to libuv as one uv_write (one writev) when the
  // loop has finished the current round of I/O callbacks (RemotingServer::FlushWrites).
  struct OutBatch;
  OutBatch* out_ = nullptr;
};

// Where a reply goes once a handler that deferred it (long polling, sync flush) is done.
struct ReplyTarget {
  ConnectionId conn = 0;
  int32_t opaque = 0;
  protocol::SerializeType serialize_type = protocol::SerializeType::kJson;
  bool oneway = false;
};

// Undo handles for RemotingServer's registrations. A timer or close handler added by a service
// is removed by the service when it stops (and a reconnecting HA peer drops the timers of its
// old link) without stopping the loop. 0 is never a valid handle; removing one twice, or after
// the server stopped, is a no-op. Removal from inside any timer or close callback is safe.
using TimerHandle = uint64_t;
using CloseHandlerHandle = uint64_t;

class RemotingServer {
 public:
  using RequestHandler = std::function<void(Connection& conn, protocol::RemotingCommand& req)>;
  using CloseHandler = std::function<void(Connection& conn)>;
  using ResponseCallback = std::function<void(Result<protocol::RemotingCommand>)>;

  explicit RemotingServer(RemotingLimits limits = {});
  ~RemotingServer();
  RemotingServer(const RemotingServer&) = delete;
  RemotingServer& operator=(const RemotingServer&) = delete;

  uv_loop_t* loop() { return &loop_; }
  void SetRequestHandler(RequestHandler h) { on_request_ = std::move(h); }
  // TLS for every accepted connection, per the context's mode (permissive / enforcing).
  void SetTls(std::shared_ptr<TlsContext> tls);
  // TLS on outgoing connections (Connect); Java's tls.enable for its remoting clients.
  void SetClientTls(std::shared_ptr<TlsContext> tls) { client_tls_ = std::move(tls); }
  // Called for every connection that closes, in the order added. The handle removes it.
  CloseHandlerHandle AddCloseHandler(CloseHandler h);
  // False when `h` is not (or no longer) registered. A handler removed while a close runs the
  // handlers is not called for that close if it has not run yet.
  bool RemoveCloseHandler(CloseHandlerHandle h);

  Status Listen(const std::string& host, int port, Role role);
  // Runs the loop until Stop(); installs SIGINT/SIGTERM handlers that call `on_signal`.
  void Run(std::function<void()> on_signal);
  // Closes listeners and connections; the loop then ends.
  void Stop();

  Connection* Find(ConnectionId id);
  void Close(Connection* c);
  void CloseById(ConnectionId id) { if (auto* c = Find(id)) Close(c); }

  // Writes a command (request or response) to a connection; false if it is gone.
  bool Write(ConnectionId id, protocol::RemotingCommand&& cmd);
  // Answers a request: sets the response flag, opaque and serialization; drops oneway.
  void Reply(const ReplyTarget& to, protocol::RemotingCommand&& resp);

  // Outgoing connections (broker -> NameServer, broker -> client calls).
  ConnectionId Connect(const std::string& host, int port, std::function<void(Status)> on_connect);
  // Sends a request and calls `cb` with the response, or an error on timeout or close.
  void Invoke(ConnectionId id, protocol::RemotingCommand&& req, uint64_t timeout_ms, ResponseCallback cb);
  void InvokeOneway(ConnectionId id, protocol::RemotingCommand&& req);

  // Periodic timer on the loop; the callback runs every `interval_ms`, first after `delay_ms`.
  // The handle cancels it (RemoveTimer).
  TimerHandle AddTimer(uint64_t delay_ms, uint64_t interval_ms, std::function<void()> fn);
  // Stops a timer: it never fires again (its callback is freed on a later loop turn, so a timer
  // may remove itself). False when `t` is not (or no longer) registered.
  bool RemoveTimer(TimerHandle t);
  // Runs `fn` on the loop thread soon; callable from any thread (uv_async, coalesced).
  void Post(std::function<void()> fn);

  uint64_t NowMs() const;
  size_t connection_count() const { return conns_.size(); }
  // Bytes held for clients now: unfinished frames, and queued output (with per-frame overhead).
  size_t input_bytes() const { return in_total_; }
  size_t output_bytes() const { return out_total_; }

 private:
  struct Listener;
  struct WriteReq;
  struct Pending {
    ResponseCallback cb;
    uint64_t deadline_ms;
    ConnectionId conn;
  };
  Connection* NewConnection(Role role);
  void StartReading(Connection* c);
  void PauseReading(Connection* c);
  void CountTurnBytes(Connection* c, size_t n);
  void ResumeYielded();
  void OnRead(Connection* c, ssize_t nread, const uv_buf_t* buf);
  void Consume(Connection* c, const char* data, size_t n);
  size_t ProcessFrames(Connection* c, const char* data, size_t n);
  bool GrowInput(Connection* c, size_t need);
  void ReleaseInput(Connection* c);
  void CheckConnections();
  void HandleCommand(Connection* c, protocol::RemotingCommand& cmd);
  void OnWriteDone(Connection* c, size_t bytes);
  void ExpirePending();
  void ExpireHandshakes();
  bool FeedTls(Connection* c, std::string_view cipher);
  bool WriteRaw(Connection* c, std::string&& bytes);
  Connection::OutBatch* Outgoing(Connection* c);
  void QueuedBytes(Connection* c, size_t bytes);
  void WroteBytes(Connection* c, size_t bytes);
  void FlushWrites();
  void DrainPosted();
  void RunCloseHandlers(Connection& c);

  static void OnConnection(uv_stream_t* server, int status);
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnReadCb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWriteCb(uv_write_t* req, int status);
  static void OnCloseCb(uv_handle_t* h);

  uv_loop_t loop_{};
  RemotingLimits limits_;
  // Every read of a connection with no unfinished frame lands here (loop thread; libuv calls
  // alloc and read back to back for one stream), so idle connections hold no read buffer.
  std::vector<char> read_buf_;
  size_t in_total_ = 0, out_total_ = 0;
  std::vector<ConnectionId> budget_paused_;  // stopped because memory_limit was reached
  std::vector<ConnectionId> yielded_;        // stopped for the rest of this loop turn
  uint64_t turn_ = 0;                        // loop turns, counted in the prepare phase
  ConnectionId next_id_ = 1;
  int32_t next_opaque_ = 1;
  std::unordered_map<ConnectionId, Connection*> conns_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::map<int32_t, Pending> pending_;
  RequestHandler on_request_;
  std::map<CloseHandlerHandle, CloseHandler> on_close_;  // handle order = registration order
  CloseHandlerHandle next_close_handle_ = 1;
  std::shared_ptr<TlsContext> tls_;
  std::shared_ptr<TlsContext> client_tls_;
  std::unordered_map<TimerHandle, uv_timer_t*> timers_;
  TimerHandle next_timer_handle_ = 1;
  static void CloseTimer(uv_timer_t* t);
  uv_async_t async_{};
  // Connections with frames waiting in out_; flushed after each poll phase (check) and before
  // the loop blocks (prepare), so responses produced together leave in one syscall.
  std::vector<ConnectionId> dirty_;
  uv_check_t flush_check_{};
  uv_prepare_t flush_prepare_{};
  std::mutex posted_mu_;
  std::deque<std::function<void()>> posted_;
  uv_signal_t sigint_{}, sigterm_{};
  std::function<void()> on_signal_;
  bool stopped_ = false;
};

}  // namespace rmq::server
