#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <mutex>
#include <new>

namespace glide {
namespace {

// OpenSSL 3 initialises itself on first use, thread-safely; the explicit call, once, loads the
// error strings up front so that the first failure already has readable reasons.
bool init_openssl() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    ok = OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS,
                          nullptr) == 1;
  });
  return ok;
}

}  // namespace

std::string tls_error_text(const char *fallback) {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    // "error:0A000086:SSL routines::certificate verify failed": the part after the last ':' is
    // the reason; the codes before it say little to a reader.
    std::string_view s(buf);
    const size_t colon = s.rfind(':');
    if (colon != std::string_view::npos && colon + 1 < s.size()) s.remove_prefix(colon + 1);
    if (!out.empty()) out += "; ";
    out += s;
  }
  return out.empty() ? std::string(fallback) : out;
}

std::unique_ptr<TlsContext> TlsContext::create(const Config &cfg, std::string *error,
                                               bool *out_of_memory) {
  *out_of_memory = false;
  if (!openssl_load(error)) return nullptr;
  if (!init_openssl()) {
    *error = "cannot initialise OpenSSL: " + tls_error_text("unknown reason");
    return nullptr;
  }
  ERR_clear_error();
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    *error = "cannot create the TLS context: " + tls_error_text("out of memory");
    return nullptr;
  }
  std::unique_ptr<TlsContext> t(new (std::nothrow) TlsContext(ctx, !cfg.tls_insecure));
  if (!t) {
    SSL_CTX_free(ctx);
    *out_of_memory = true;
    *error = "out of memory";
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Writes go out record by record and are retried from a buffer that may have moved (the
  // connection's output buffer grows while a write waits).
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // A server that closes without close_notify is a closed connection, not a TLS failure.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  if (!cfg.tls_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, cfg.tls_ca_file.c_str(), nullptr) != 1) {
      *error = "cannot load the TLS CA file " + cfg.tls_ca_file + ": " +
               tls_error_text("unreadable or not PEM");
      return nullptr;
    }
  } else if (t->verify_ && SSL_CTX_set_default_verify_paths(ctx) != 1) {
    *error = "cannot load the system's trusted CAs: " + tls_error_text("unknown reason");
    return nullptr;
  }
  if (!cfg.tls_cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg.tls_cert_file.c_str()) != 1) {
      *error = "cannot load the TLS client certificate " + cfg.tls_cert_file + ": " +
               tls_error_text("unreadable or not PEM");
      return nullptr;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      *error = "cannot load the TLS client key " + cfg.tls_key_file + ": " +
               tls_error_text("unreadable, encrypted or not PEM");
      return nullptr;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      *error = "the TLS client key " + cfg.tls_key_file + " does not match the certificate " +
               cfg.tls_cert_file;
      ERR_clear_error();
      return nullptr;
    }
  }
  SSL_CTX_set_verify(ctx, t->verify_ ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  return t;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

void TlsSession::store(SSL_SESSION *s) {
  clear();
  session_ = s;
}

void TlsSession::clear() {
  // Only a TLS connection ever stores one; without TLS OpenSSL may not even be loaded.
  if (session_) SSL_SESSION_free(session_);
  session_ = nullptr;
}

}  // namespace glide
