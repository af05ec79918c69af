// TLS on the remoting port (mirrors Java's TlsSystemConfig + NettyRemotingServer's TlsModeHandler):
// OpenSSL over memory BIOs, so the libuv connection keeps doing all socket IO and the loop never
// blocks. RemotingServer owns one TlsContext and one TlsSession per TLS connection.
//
//   tls.server.mode             disabled (rmqd's default) | permissive (TLS and plaintext on one
//                               port, told apart by the first byte, 0x16 = TLS) | enforcing
//   tls.server.certPath / tls.server.keyPath / tls.server.keyPassword   PEM certificate and key
//   tls.server.need.client.auth none | optional | require; tls.server.trustCertPath  CA for clients
//   tls.config.file             a properties file with the same keys; its values win
//   tls.enable                  TLS on rmqd's own outgoing connections (broker -> NameServer)
//
// Loop thread only.
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rmq::server {

enum class TlsMode { kDisabled, kPermissive, kEnforcing };

// The first byte of a TLS handshake record (Java's TlsModeHandler checks the same).
constexpr unsigned char kTlsHandshakeByte = 0x16;
// A handshake that has not finished by then costs its connection.
constexpr uint64_t kTlsHandshakeTimeoutMs = 10000;

struct TlsConfig {
  TlsMode mode = TlsMode::kDisabled;
  bool client_enable = false;  // tls.enable: TLS on outgoing connections too
  std::string cert_path;
  std::string key_path;
  std::string key_password;
  std::string need_client_auth = "none";
  std::string trust_cert_path;
};

// Builds a TlsConfig from the tls.* keys (already read from broker.conf / namesrv.conf) and the
// optional tls.config.file, whose keys override. Unknown mode or client-auth words are errors.
Result<TlsConfig> ParseTlsConfig(const std::map<std::string, std::string>& keys);

class TlsContext {
 public:
  // Loads certificate, key and (for client auth) trust store. Errors name the file.
  static Result<std::shared_ptr<TlsContext>> Create(const TlsConfig& cfg);
  // For outgoing connections (broker -> NameServer) when tls.enable=true; like Java's default
  // tls.client.authServer=false it does not verify the server.
  static Result<std::shared_ptr<TlsContext>> CreateClient();
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  TlsMode mode() const { return mode_; }
  SSL_CTX* ctx() const { return ctx_; }

 private:
  TlsContext() = default;
  SSL_CTX* ctx_ = nullptr;
  TlsMode mode_ = TlsMode::kDisabled;
  std::string key_password_;
};

// One server-side TLS connection over memory BIOs.
class TlsSession {
 public:
  explicit TlsSession(const TlsContext& ctx, bool client = false);
  // Client side: starts the handshake (ClientHello into `out`).
  Status Start(std::string* out) { return Pump(out); }
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Feeds bytes read from the socket. Decrypted application bytes are appended to `plain`; bytes
  // to send back (handshake, alerts) are appended to `out`. An error means: close the connection.
  Status Feed(std::string_view cipher, std::string* plain, std::string* out);
  // Encrypts application bytes into `out`. Before the handshake finishes they are queued.
  Status Encrypt(std::string_view plain, std::string* out);
  bool handshake_done() const { return handshake_done_; }

 private:
  Status Pump(std::string* out);
  Status Flush(std::string* out);
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // network -> SSL
  BIO* wbio_ = nullptr;  // SSL -> network
  bool handshake_done_ = false;
  std::string pending_plain_;  // written before the handshake finished
};

}  // namespace rmq::server
