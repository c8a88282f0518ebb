// Client configuration as built by glide_config_*; glide_client_new copies it.
#pragma once

#include <string.h>  // explicit_bzero

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "glide_c.h"
#include "resp/parser.h"

namespace glide {

struct Address {
  std::string host;
  uint16_t port = 0;
};

class TlsContext;  // net/tls_context.h

// Overwrites a string's whole buffer (secrets, including what a shorter value left behind),
// then empties it. Growing to the capacity never allocates.
inline void wipe(std::string &s) noexcept {
  s.resize(s.capacity());
  explicit_bzero(s.data(), s.size());
  s.clear();
}

struct Config {
  Config() = default;
  Config(const Config &) = default;
  Config(Config &&) = default;
  Config &operator=(const Config &) = default;
  Config &operator=(Config &&) = default;
  // The secrets of this copy are wiped before its memory goes back.
  ~Config() {
    wipe(password);
    wipe(username);
  }

  std::vector<Address> addresses;
  bool cluster = true;
  bool has_credentials = false;
  std::string username;  // empty = default user
  std::string password;  // a secret: never in a message or a log; wiped when freed
  // TLS (glide_config_set_tls*): files are read once, by glide_client_new.
  bool tls = false;
  bool tls_insecure = false;  // no certificate or host name verification
  std::string tls_ca_file;    // empty = the system trust store
  std::string tls_cert_file;  // client certificate (mutual TLS), with its key
  std::string tls_key_file;
  // Built from the fields above by the client (Client::start), which owns it, for its
  // connections; null without TLS and in the caller's glide_config.
  const TlsContext *tls_context = nullptr;
  std::string client_name;
  int protocol = 3;
  uint32_t request_timeout_ms = 1000;
  uint32_t connect_timeout_ms = 2000;
  uint32_t reconnect_attempts = 5;  // backoff doubles this many times, then stays at the max
  uint32_t reconnect_base_ms = 100;
  uint32_t reconnect_max_ms = 2000;
  uint32_t database = 0;
  uint32_t inflight_limit = 1000;
  bool prefer_replica = false;
  uint32_t topology_refresh_ms = 60000;  // periodic slot-map check; 0 = off
  uint32_t max_redirects = 3;            // redirect/retry rounds per command per exec
  glide_callback_mode callback_mode = GLIDE_CALLBACKS_ON_IO_THREAD;
  resp::Limits limits;
  uint64_t max_unsent_bytes = 64ull
                              << 20;     // per connection; see glide_config_set_connection_limits
  uint32_t stall_timeouts = 3;           // consecutive timeouts with nothing read; 0 = never
  uint32_t keepalive_idle_s = 15;        // 0 = no TCP keepalive
  uint32_t tcp_user_timeout_ms = 30000;  // 0 = the OS default
  // Pub/sub: the callback (null: no pub/sub) and the channels wanted from the start, by
  // glide_pubsub_kind, each (kind, channel) once.
  glide_pubsub_callback pubsub_cb = nullptr;
  void *pubsub_user_data = nullptr;
  std::vector<std::pair<int, std::string>> subscriptions;
  // Not in the C API: the one DNS server ("ip:port") host names are resolved through, instead of
  // resolv.conf's (the hosts file still answers first). For tests, to keep lookups on loopback.
  std::string nameserver;
};

}  // namespace glide

struct glide_config {
  glide::Config c;
};
