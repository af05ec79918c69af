#include "server/tls.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>

namespace rmq::server {

namespace {

// A throwaway self-signed certificate and key (EC P-256) in a temp dir.
struct TestCert {
  std::string dir, cert, key;
  TestCert() {
    char tmpl[] = "/tmp/rmq_tls_test.XXXXXX";
    dir = mkdtemp(tmpl);
    cert = dir + "/server.pem";
    key = dir + "/server.key";
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("rmqd-test"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, pkey, EVP_sha256());
    FILE* f = fopen(cert.c_str(), "w");
    PEM_write_X509(f, x);
    fclose(f);
    f = fopen(key.c_str(), "w");
    PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(pkey);
  }
  ~TestCert() { std::filesystem::remove_all(dir); }
};

// A client over memory BIOs, shuttling bytes to a TlsSession by hand.
struct Client {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  Client() {
    SSL_set_bio(ssl, rbio, wbio);
    SSL_set_connect_state(ssl);
  }
  ~Client() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }
  std::string Drain() {
    std::string out;
    char buf[4096];
    int n;
    while ((n = BIO_read(wbio, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  void Receive(const std::string& s) { BIO_write(rbio, s.data(), static_cast<int>(s.size())); }
};

}  // namespace

TEST_CASE("tls config: modes, file override and errors") {
  CHECK(ParseTlsConfig({}).value().mode == TlsMode::kDisabled);
  CHECK(ParseTlsConfig({{"tls.server.mode", "bogus"}}).status().message() ==
        "tls.server.mode=bogus: expected disabled, permissive or enforcing");
  CHECK_FALSE(ParseTlsConfig({{"tls.server.mode", "enforcing"}}).ok());  // no certificate
  CHECK_FALSE(ParseTlsConfig({{"tls.server.need.client.auth", "always"}}).ok());
  TestCert c;
  std::string props = c.dir + "/tls.properties";
  FILE* f = fopen(props.c_str(), "w");
  fprintf(f, "tls.server.mode=enforcing\ntls.server.certPath=%s\ntls.server.keyPath=%s\n", c.cert.c_str(), c.key.c_str());
  fclose(f);
  Result<TlsConfig> r = ParseTlsConfig({{"tls.server.mode", "permissive"}, {"tls.config.file", props}});
  REQUIRE(r.ok());
  CHECK(r.value().mode == TlsMode::kEnforcing);
  CHECK(r.value().cert_path == c.cert);
}

TEST_CASE("tls context rejects a missing certificate") {
  TlsConfig cfg;
  cfg.mode = TlsMode::kPermissive;
  cfg.cert_path = "/nonexistent/cert.pem";
  cfg.key_path = "/nonexistent/key.pem";
  Result<std::shared_ptr<TlsContext>> r = TlsContext::Create(cfg);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().rfind("tls.server.certPath /nonexistent/cert.pem", 0) == 0);
}

TEST_CASE("tls session: handshake and application data both ways over memory BIOs") {
  TestCert c;
  TlsConfig cfg;
  cfg.mode = TlsMode::kPermissive;
  cfg.cert_path = c.cert;
  cfg.key_path = c.key;
  Result<std::shared_ptr<TlsContext>> ctx = TlsContext::Create(cfg);
  REQUIRE(ctx.ok());
  TlsSession server(*ctx.value());
  Client client;
  // Written before the handshake: queued, then sent once it completes.
  std::string early;
  REQUIRE(server.Encrypt("queued", &early).ok());
  CHECK(early.empty());
  std::string plain;
  for (int round = 0; round < 10 && !server.handshake_done(); ++round) {
    SSL_do_handshake(client.ssl);
    std::string out;
    REQUIRE(server.Feed(client.Drain(), &plain, &out).ok());
    client.Receive(out);
  }
  REQUIRE(server.handshake_done());
  SSL_do_handshake(client.ssl);
  REQUIRE(SSL_write(client.ssl, "hello frame", 11) == 11);
  std::string out;
  REQUIRE(server.Feed(client.Drain(), &plain, &out).ok());
  CHECK(plain == "hello frame");
  client.Receive(out);
  std::string reply;
  REQUIRE(server.Encrypt("reply", &reply).ok());
  client.Receive(reply);
  char buf[64];
  std::string got;
  int n;
  while ((n = SSL_read(client.ssl, buf, sizeof(buf))) > 0) got.append(buf, static_cast<size_t>(n));
  CHECK(got == "queuedreply");
}

TEST_CASE("tls session: garbage instead of a ClientHello is an error") {
  TestCert c;
  TlsConfig cfg;
  cfg.mode = TlsMode::kPermissive;
  cfg.cert_path = c.cert;
  cfg.key_path = c.key;
  Result<std::shared_ptr<TlsContext>> ctx = TlsContext::Create(cfg);
  REQUIRE(ctx.ok());
  TlsSession server(*ctx.value());
  std::string plain, out;
  // An incomplete handshake message just waits (the connection's handshake timer bounds it)...
  std::string partial = "\x16\x03\x01\x00\x05garbagegarbage";
  CHECK(server.Feed(partial, &plain, &out).ok());
  CHECK_FALSE(server.handshake_done());
  // ...while a record no TLS version speaks is an error: close the connection.
  TlsSession other(*ctx.value());
  CHECK_FALSE(other.Feed(std::string("\x16\x7f\x7f\x00\x05hello", 10), &plain, &out).ok());
}

}  // namespace rmq::server
