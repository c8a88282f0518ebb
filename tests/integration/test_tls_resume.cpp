// test_tls_resume.cpp - TLS session resumption across reconnects, at the connection level: one
// net::Connection (with a minimal owner and its own event loop) connects to the good TLS server
// of tests/scripts/tls_servers.sh, closes, and connects again; the second handshake must resume
// the first session (Connection::tls_resumptions). A refused handshake keeps no session.
//
// Needs GLIDE_TLS_SERVERS (its servers.env). Links the internal object library glide_core.
#include <event2/event.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "config/config.h"
#include "net/connection.h"
#include "net/tls_context.h"

// cmocka last: its fail() macro would clash with std::basic_ios::fail.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

namespace {

std::string env_value(const char *key) {
  const char *path = std::getenv("GLIDE_TLS_SERVERS");
  if (!path) return {};
  FILE *f = std::fopen(path, "r");
  if (!f) return {};
  char line[2048];
  std::string out;
  const size_t klen = std::strlen(key);
  while (std::fgets(line, sizeof line, f)) {
    line[std::strcspn(line, "\r\n")] = 0;
    if (std::strncmp(line, key, klen) == 0 && line[klen] == '=') out = line + klen + 1;
  }
  std::fclose(f);
  return out;
}

// Just enough of an owner: the handshake replies never reach it; it stops the loop once the
// connection is ready or has failed.
class Owner final : public glide::ConnectionOwner {
 public:
  explicit Owner(struct event_base *base) : base_(base) {}
  glide::Connection *conn = nullptr;
  bool failed = false;

  glide::ReplyTarget reply_target(const glide::ReplyTag &) override { return {nullptr, nullptr}; }
  void reply_abandoned(const glide::ReplyTag &) override {}
  void on_reply(const glide::ReplyTag &, glide_value *, bool) override {}
  void on_lost(const glide::ReplyTag &, glide_error_kind, const std::string &) override {}
  bool on_push(glide_value *) override { return false; }
  void on_failed() override {
    failed = true;
    event_base_loopbreak(base_);
  }
  void on_queued(glide::Connection *) override {}
  void on_ready() override {}
  void on_down() override {}
  void after_event() override {
    if (conn && conn->state() == glide::Connection::State::kReady) event_base_loopbreak(base_);
  }
  bool read_only() const override { return false; }
  uint64_t now_ms() const override { return 0; }

 private:
  struct event_base *base_;
};

struct Fixture {
  glide::Config cfg;
  std::unique_ptr<glide::TlsContext> tls;
  glide::Address address;
  std::string name;
  struct event_base *base = nullptr;
  std::unique_ptr<Owner> owner;
  std::unique_ptr<glide::Connection> conn;

  Fixture(const char *port_key, const char *ca) {
    cfg.cluster = false;
    cfg.tls = true;
    cfg.tls_ca_file = env_value("GLIDE_TLS_CERTS") + "/" + ca;
    cfg.has_credentials = true;
    cfg.password = "glide-secret";
    cfg.connect_timeout_ms = 2000;
    std::string error;
    bool oom = false;
    tls = glide::TlsContext::create(cfg, &error, &oom);
    if (!tls) std::fprintf(stderr, "TlsContext: %s\n", error.c_str());
    assert_non_null(tls.get());
    cfg.tls_context = tls.get();
    address.host = env_value("GLIDE_TLS_HOST");
    address.port = static_cast<uint16_t>(std::atoi(env_value(port_key).c_str()));
    assert_true(address.port != 0);
    name = address.host + ":" + std::to_string(address.port);
    base = event_base_new();
    owner = std::make_unique<Owner>(base);
    // No resolver: the address is an IP literal, which never needs one.
    conn = std::make_unique<glide::Connection>(owner.get(), base, nullptr, cfg, address, name);
    owner->conn = conn.get();
  }
  ~Fixture() {
    conn.reset();
    event_base_free(base);
  }
  // Connects and runs the loop until ready or failed (the connect timer bounds it).
  bool connect() {
    owner->failed = false;
    if (!conn->ensure_connecting()) return false;
    event_base_dispatch(base);
    return conn->state() == glide::Connection::State::kReady;
  }
};

void test_reconnect_resumes_the_session(void **) {
  Fixture f("GLIDE_TLS_PORT", "ca.crt");
  assert_true(f.connect());
  assert_int_equal(f.conn->tls_resumptions(), 0);
  for (uint64_t round = 1; round <= 2; round++) {
    f.conn->close_if_idle();
    assert_true(f.connect());
    assert_int_equal(f.conn->tls_resumptions(), round);
  }
}

double ms_since(const std::chrono::steady_clock::time_point &t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Figures, not a pass/fail bound: the time from close to ready again (TCP connect, TLS handshake,
// HELLO with AUTH), for reconnects that resume the node's session and for fresh connections.
void test_resumption_figures(void **) {
  constexpr int kRounds = 20;
  Fixture resumed("GLIDE_TLS_PORT", "ca.crt");
  assert_true(resumed.connect());
  double resumed_ms = 0;
  for (int i = 0; i < kRounds; i++) {
    resumed.conn->close_if_idle();
    const auto t0 = std::chrono::steady_clock::now();
    assert_true(resumed.connect());
    resumed_ms += ms_since(t0);
  }
  assert_int_equal(resumed.conn->tls_resumptions(), kRounds);
  double full_ms = 0;
  for (int i = 0; i < kRounds; i++) {
    Fixture fresh("GLIDE_TLS_PORT", "ca.crt");  // a new connection: no session to resume
    const auto t0 = std::chrono::steady_clock::now();
    assert_true(fresh.connect());
    full_ms += ms_since(t0);
    assert_int_equal(fresh.conn->tls_resumptions(), 0);
  }
  std::fprintf(stderr,
               "TLS reconnect, mean of %d: resumed %.3f ms, full handshake %.3f ms (%.2fx)\n",
               kRounds, resumed_ms / kRounds, full_ms / kRounds,
               resumed_ms > 0 ? full_ms / resumed_ms : 0.0);
}

void test_refused_handshake_keeps_no_session(void **) {
  Fixture f("GLIDE_TLS_WRONGCA_PORT", "ca.crt");
  for (int round = 0; round < 2; round++) {
    assert_false(f.connect());
    assert_int_equal(f.conn->last_error_kind(), GLIDE_ERR_TLS);
    assert_int_equal(f.conn->tls_resumptions(), 0);
  }
}

}  // namespace

int main() {
  if (env_value("GLIDE_TLS_HOST").empty()) {
    std::fprintf(stderr, "GLIDE_TLS_SERVERS is unset or unreadable: start tls_servers.sh\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reconnect_resumes_the_session),
      cmocka_unit_test(test_resumption_figures),
      cmocka_unit_test(test_refused_handshake_keeps_no_session),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
