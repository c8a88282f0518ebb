// Client configuration as built by glide_config_*; glide_client_new copies it.
#pragma once

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

struct Config {
  std::vector<Address> addresses;
  bool cluster = true;
  bool has_credentials = false;
  std::string username;  // empty = default user
  std::string password;
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
};

}  // namespace glide

struct glide_config {
  glide::Config c;
};
