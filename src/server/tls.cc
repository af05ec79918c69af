#include "server/tls.h"

#include <openssl/err.h>

#include <cstring>

#include "server/config.h"

namespace rmq::server {

namespace {

std::string OpenSslError() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

int PasswordCallback(char* buf, int size, int, void* userdata) {
  const auto* pw = static_cast<const std::string*>(userdata);
  int n = static_cast<int>(pw->size());
  if (n > size) n = size;
  memcpy(buf, pw->data(), static_cast<size_t>(n));
  return n;
}

}  // namespace

Result<TlsConfig> ParseTlsConfig(const std::map<std::string, std::string>& conf_keys) {
  std::map<std::string, std::string> keys = conf_keys;
  auto file = keys.find("tls.config.file");
  if (file != keys.end() && !file->second.empty()) {
    std::string text;
    if (Status s = ReadFileToString(file->second, &text); !s.ok()) return s;
    std::map<std::string, std::string> from_file;
    if (Status s = ParseProperties(text, file->second, &from_file); !s.ok()) return s;
    for (auto& [k, v] : from_file) keys[k] = v;
  }
  auto get = [&](const char* k) {
    auto it = keys.find(k);
    return it == keys.end() ? std::string() : it->second;
  };
  TlsConfig c;
  std::string mode = get("tls.server.mode");
  if (mode.empty() || mode == "disabled") c.mode = TlsMode::kDisabled;
  else if (mode == "permissive") c.mode = TlsMode::kPermissive;
  else if (mode == "enforcing") c.mode = TlsMode::kEnforcing;
  else return Status::InvalidArgument("tls.server.mode=" + mode + ": expected disabled, permissive or enforcing");
  c.cert_path = get("tls.server.certPath");
  c.key_path = get("tls.server.keyPath");
  c.key_password = get("tls.server.keyPassword");
  c.trust_cert_path = get("tls.server.trustCertPath");
  c.client_enable = get("tls.enable") == "true";
  std::string auth = get("tls.server.need.client.auth");
  if (!auth.empty()) c.need_client_auth = auth;
  if (c.need_client_auth != "none" && c.need_client_auth != "optional" && c.need_client_auth != "require") {
    return Status::InvalidArgument("tls.server.need.client.auth=" + c.need_client_auth +
                                   ": expected none, optional or require");
  }
  if (c.mode != TlsMode::kDisabled && (c.cert_path.empty() || c.key_path.empty())) {
    return Status::InvalidArgument("tls.server.mode=" + mode + " needs tls.server.certPath and tls.server.keyPath");
  }
  return c;
}

Result<std::shared_ptr<TlsContext>> TlsContext::Create(const TlsConfig& cfg) {
  std::shared_ptr<TlsContext> t(new TlsContext());
  t->mode_ = cfg.mode;
  t->key_password_ = cfg.key_password;
  t->ctx_ = SSL_CTX_new(TLS_server_method());
  if (t->ctx_ == nullptr) return Status::IOError("SSL_CTX_new: " + OpenSslError());
  SSL_CTX_set_min_proto_version(t->ctx_, TLS1_2_VERSION);
  SSL_CTX_set_mode(t->ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_default_passwd_cb(t->ctx_, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(t->ctx_, &t->key_password_);
  if (SSL_CTX_use_certificate_chain_file(t->ctx_, cfg.cert_path.c_str()) != 1) {
    return Status::InvalidArgument("tls.server.certPath " + cfg.cert_path + ": " + OpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(t->ctx_, cfg.key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Status::InvalidArgument("tls.server.keyPath " + cfg.key_path + ": " + OpenSslError());
  }
  if (SSL_CTX_check_private_key(t->ctx_) != 1) {
    return Status::InvalidArgument("tls.server.keyPath does not match tls.server.certPath: " + OpenSslError());
  }
  if (cfg.need_client_auth != "none") {
    if (!cfg.trust_cert_path.empty() &&
        SSL_CTX_load_verify_locations(t->ctx_, cfg.trust_cert_path.c_str(), nullptr) != 1) {
      return Status::InvalidArgument("tls.server.trustCertPath " + cfg.trust_cert_path + ": " + OpenSslError());
    }
    int mode = SSL_VERIFY_PEER;
    if (cfg.need_client_auth == "require") mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(t->ctx_, mode, nullptr);
  }
  return t;
}

Result<std::shared_ptr<TlsContext>> TlsContext::CreateClient() {
  std::shared_ptr<TlsContext> t(new TlsContext());
  t->ctx_ = SSL_CTX_new(TLS_client_method());
  if (t->ctx_ == nullptr) return Status::IOError("SSL_CTX_new: " + OpenSslError());
  SSL_CTX_set_min_proto_version(t->ctx_, TLS1_2_VERSION);
  SSL_CTX_set_verify(t->ctx_, SSL_VERIFY_NONE, nullptr);
  return t;
}

TlsContext::~TlsContext() {
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
}

TlsSession::TlsSession(const TlsContext& ctx, bool client) {
  ssl_ = SSL_new(ctx.ctx());
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(rbio_, -1);
  SSL_set_bio(ssl_, rbio_, wbio_);  // ssl_ owns both BIOs now
  if (client) SSL_set_connect_state(ssl_);
  else SSL_set_accept_state(ssl_);
}

TlsSession::~TlsSession() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

Status TlsSession::Flush(std::string* out) {
  char buf[16 * 1024];
  int n;
  while ((n = BIO_read(wbio_, buf, sizeof(buf))) > 0) out->append(buf, static_cast<size_t>(n));
  return Status::OK();
}

Status TlsSession::Pump(std::string* out) {
  if (!handshake_done_) {
    int rc = SSL_do_handshake(ssl_);
    if (rc != 1) {
      int err = SSL_get_error(ssl_, rc);
      (void)Flush(out);  // a handshake alert still goes out
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return Status::OK();
      return Status::IOError("TLS handshake failed: " + OpenSslError());
    }
    handshake_done_ = true;
    if (!pending_plain_.empty()) {
      std::string queued;
      queued.swap(pending_plain_);
      if (Status s = Encrypt(queued, out); !s.ok()) return s;
    }
  }
  return Flush(out);
}

Status TlsSession::Feed(std::string_view cipher, std::string* plain, std::string* out) {
  while (!cipher.empty()) {
    int n = BIO_write(rbio_, cipher.data(), static_cast<int>(cipher.size()));
    if (n <= 0) return Status::IOError("TLS: BIO_write failed");
    cipher.remove_prefix(static_cast<size_t>(n));
  }
  if (Status s = Pump(out); !s.ok()) return s;
  if (!handshake_done_) return Status::OK();
  char buf[16 * 1024];
  while (true) {
    int n = SSL_read(ssl_, buf, sizeof(buf));
    if (n > 0) {
      plain->append(buf, static_cast<size_t>(n));
      continue;
    }
    int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
    if (err == SSL_ERROR_ZERO_RETURN) return Status::IOError("TLS: peer closed");
    return Status::IOError("TLS read failed: " + OpenSslError());
  }
  return Flush(out);
}

Status TlsSession::Encrypt(std::string_view plain, std::string* out) {
  if (!handshake_done_) {
    pending_plain_.append(plain.data(), plain.size());
    return Status::OK();
  }
  while (!plain.empty()) {
    int n = SSL_write(ssl_, plain.data(), static_cast<int>(std::min<size_t>(plain.size(), 1 << 30)));
    if (n <= 0) return Status::IOError("TLS write failed: " + OpenSslError());
    plain.remove_prefix(static_cast<size_t>(n));
    (void)Flush(out);
  }
  return Flush(out);
}

}  // namespace rmq::server
