// The client's TLS settings made into one OpenSSL SSL_CTX, built once per client (by
// glide_client_new, from its Config) and shared by every connection of that client; OpenSSL
// itself is initialised once per process. Nothing here runs for a client without TLS.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_session_st SSL_SESSION;

namespace glide {

class TlsContext {
 public:
  // nullptr with *error set (GLIDE_ERR_TLS for the caller) when the settings cannot be used: a CA
  // file, certificate or key that cannot be read or does not fit; *out_of_memory when that was it.
  static std::unique_ptr<TlsContext> create(const Config &cfg, std::string *error,
                                            bool *out_of_memory);
  ~TlsContext();
  TlsContext(const TlsContext &) = delete;
  TlsContext &operator=(const TlsContext &) = delete;

  SSL_CTX *ctx() const { return ctx_; }
  // Verification off (glide_config_set_tls_insecure): no certificate or name check.
  bool verify() const { return verify_; }

 private:
  TlsContext(SSL_CTX *ctx, bool verify) : ctx_(ctx), verify_(verify) {}
  SSL_CTX *ctx_;
  bool verify_;
};

// One node's last TLS session, kept by its connection across reconnects so the next handshake
// can resume it (abbreviated handshake, no certificate exchange: the session was verified for
// this very node). Dropped when a handshake fails.
class TlsSession {
 public:
  TlsSession() = default;
  ~TlsSession() { clear(); }
  TlsSession(const TlsSession &) = delete;
  TlsSession &operator=(const TlsSession &) = delete;

  SSL_SESSION *get() const { return session_; }
  void store(SSL_SESSION *s);  // takes the reference
  void clear();
  // Handshakes that resumed the stored session (for tests and statistics).
  uint64_t resumed() const { return resumed_; }
  void note_resumed() { ++resumed_; }

 private:
  SSL_SESSION *session_ = nullptr;
  uint64_t resumed_ = 0;
};

// Makes OpenSSL usable (GLIDE_TLS_DLOPEN: loads libssl on the first call, once per process; see
// openssl_lazy.cpp); false with the reason when it cannot be loaded. Before any other OpenSSL
// call; TlsContext::create does it.
bool openssl_load(std::string *error);

// The OpenSSL error queue of this thread as one line ("reason; reason"), emptied; `fallback`
// when it holds nothing.
std::string tls_error_text(const char *fallback);

}  // namespace glide
