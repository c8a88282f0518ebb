// C shims for glide_config_*: check arguments, store; no logic beyond validation.
#include <cstring>
#include <new>

#include "capi/enum_value.h"
#include "config/config.h"

namespace {
constexpr uint32_t kMaxTimeoutMs = 3600000;

bool valid_name(const char *s) {
  for (; *s; ++s) {
    const unsigned char ch = static_cast<unsigned char>(*s);
    if (ch <= ' ' || ch == 0x7f) return false;  // the server rejects spaces and control chars
  }
  return true;
}
}  // namespace

extern "C" {

GLIDE_API glide_config *glide_config_new(void) { return new (std::nothrow) glide_config(); }

GLIDE_API void glide_config_free(glide_config *cfg) { delete cfg; }

GLIDE_API glide_status glide_config_add_address(glide_config *cfg, const char *host,
                                                uint16_t port) {
  if (!cfg || !host || !*host || port == 0 || std::strlen(host) > 255)
    return GLIDE_ERR_INVALID_ARGUMENT;
  try {
    cfg->c.addresses.push_back({host, port});
  } catch (...) {
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_cluster_mode(glide_config *cfg, bool cluster) {
  if (!cfg) return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.cluster = cluster;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_credentials(glide_config *cfg, const char *username,
                                                    const char *password) {
  if (!cfg || !password) return GLIDE_ERR_INVALID_ARGUMENT;
  try {
    std::string user = username ? username : "";
    std::string pass = password;
    cfg->c.username.swap(user);
    cfg->c.password.swap(pass);
    cfg->c.has_credentials = true;
    glide::wipe(user);  // the previous values
    glide::wipe(pass);
  } catch (...) {
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_tls(glide_config *cfg, bool enabled) {
  if (!cfg) return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.tls = enabled;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_tls_ca_file(glide_config *cfg, const char *path) {
  if (!cfg || !path || !*path || std::strlen(path) > 4096) return GLIDE_ERR_INVALID_ARGUMENT;
  try {
    cfg->c.tls_ca_file = path;
  } catch (...) {
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_tls_client_cert(glide_config *cfg, const char *cert_path,
                                                        const char *key_path) {
  if (!cfg || !cert_path || !*cert_path || !key_path || !*key_path ||
      std::strlen(cert_path) > 4096 || std::strlen(key_path) > 4096)
    return GLIDE_ERR_INVALID_ARGUMENT;
  try {
    std::string cert = cert_path;
    std::string key = key_path;
    cfg->c.tls_cert_file.swap(cert);
    cfg->c.tls_key_file.swap(key);
  } catch (...) {
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_tls_insecure(glide_config *cfg, bool skip_verification) {
  if (!cfg) return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.tls_insecure = skip_verification;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_request_timeout_ms(glide_config *cfg, uint32_t ms) {
  if (!cfg || ms == 0 || ms > kMaxTimeoutMs) return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.request_timeout_ms = ms;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_connect_timeout_ms(glide_config *cfg, uint32_t ms) {
  if (!cfg || ms == 0 || ms > kMaxTimeoutMs) return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.connect_timeout_ms = ms;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_client_name(glide_config *cfg, const char *name) {
  if (!cfg) return GLIDE_ERR_INVALID_ARGUMENT;
  if (name && (!valid_name(name) || std::strlen(name) > 1024)) return GLIDE_ERR_INVALID_ARGUMENT;
  try {
    cfg->c.client_name = name ? name : "";
  } catch (...) {
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_protocol(glide_config *cfg, int resp_version) {
  if (!cfg || (resp_version != 2 && resp_version != 3)) return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.protocol = resp_version;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_read_from(glide_config *cfg, glide_read_from strategy) {
  if (!cfg) return GLIDE_ERR_INVALID_ARGUMENT;
  switch (glide::enum_value(strategy)) {
    case GLIDE_READ_FROM_PRIMARY:
      cfg->c.prefer_replica = false;
      return GLIDE_OK;
    case GLIDE_READ_FROM_PREFER_REPLICA:
      cfg->c.prefer_replica = true;
      return GLIDE_OK;
  }
  return GLIDE_ERR_INVALID_ARGUMENT;
}

GLIDE_API glide_status glide_config_set_reconnect(glide_config *cfg, uint32_t max_attempts,
                                                  uint32_t base_delay_ms, uint32_t max_delay_ms) {
  if (!cfg || base_delay_ms == 0 || base_delay_ms > max_delay_ms || max_delay_ms > kMaxTimeoutMs ||
      max_attempts > 64)
    return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.reconnect_attempts = max_attempts;
  cfg->c.reconnect_base_ms = base_delay_ms;
  cfg->c.reconnect_max_ms = max_delay_ms;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_database(glide_config *cfg, uint32_t db) {
  if (!cfg || db > 1000000) return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.database = db;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_inflight_limit(glide_config *cfg, uint32_t max_requests) {
  if (!cfg || max_requests == 0 || max_requests > 1000000) return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.inflight_limit = max_requests;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_callback_mode(glide_config *cfg, glide_callback_mode mode) {
  const int m = glide::enum_value(mode);
  if (!cfg || (m != GLIDE_CALLBACKS_ON_IO_THREAD && m != GLIDE_CALLBACKS_DISPATCHED))
    return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.callback_mode = mode;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_pubsub_callback(glide_config *cfg, glide_pubsub_callback cb,
                                                        void *user_data) {
  if (!cfg) return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.pubsub_cb = cb;
  cfg->c.pubsub_user_data = cb ? user_data : nullptr;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_subscribe(glide_config *cfg, glide_pubsub_kind kind,
                                              const char *channel, size_t len) {
  if (!cfg || !channel || len == 0) return GLIDE_ERR_INVALID_ARGUMENT;
  const int k = glide::enum_value(kind);
  if (k != GLIDE_PUBSUB_EXACT && k != GLIDE_PUBSUB_PATTERN && k != GLIDE_PUBSUB_SHARDED)
    return GLIDE_ERR_INVALID_ARGUMENT;
  try {
    for (const auto &[have_kind, have] : cfg->c.subscriptions)
      if (have_kind == k && have.size() == len && std::memcmp(have.data(), channel, len) == 0)
        return GLIDE_OK;
    cfg->c.subscriptions.emplace_back(k, std::string(channel, len));
  } catch (...) {
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_topology_refresh_ms(glide_config *cfg,
                                                            uint32_t interval_ms) {
  if (!cfg || (interval_ms != 0 && interval_ms < 100) || interval_ms > kMaxTimeoutMs)
    return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.topology_refresh_ms = interval_ms;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_max_redirects(glide_config *cfg, uint32_t rounds) {
  if (!cfg || rounds > 16) return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.max_redirects = rounds;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_reply_limits(glide_config *cfg, uint32_t max_depth,
                                                     uint64_t max_bulk_len,
                                                     uint64_t max_aggregate_len) {
  if (!cfg || max_depth > 1024) return GLIDE_ERR_INVALID_ARGUMENT;
  if (max_depth) cfg->c.limits.max_depth = max_depth;
  if (max_bulk_len) cfg->c.limits.max_bulk_len = max_bulk_len;
  if (max_aggregate_len) cfg->c.limits.max_aggregate_len = max_aggregate_len;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_connection_limits(glide_config *cfg,
                                                          uint64_t max_unsent_bytes,
                                                          uint32_t stall_timeouts) {
  if (!cfg || (max_unsent_bytes != 0 && max_unsent_bytes < 4096)) return GLIDE_ERR_INVALID_ARGUMENT;
  if (max_unsent_bytes) cfg->c.max_unsent_bytes = max_unsent_bytes;
  cfg->c.stall_timeouts = stall_timeouts;
  return GLIDE_OK;
}

GLIDE_API glide_status glide_config_set_tcp_keepalive(glide_config *cfg, uint32_t idle_s,
                                                      uint32_t user_timeout_ms) {
  if (!cfg || idle_s > 7200 || user_timeout_ms > kMaxTimeoutMs) return GLIDE_ERR_INVALID_ARGUMENT;
  cfg->c.keepalive_idle_s = idle_s;
  cfg->c.tcp_user_timeout_ms = user_timeout_ms;
  return GLIDE_OK;
}

}  // extern "C"
