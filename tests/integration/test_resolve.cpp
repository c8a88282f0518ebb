// test_resolve.cpp - host names are resolved without blocking the client's I/O loop.
//
// The real cluster (GLIDE_TEST_SERVERS) is seeded by "localhost" (a hosts-file answer). Names
// that need a DNS server are asked of a fake one on 127.0.0.1 (a UDP socket in this process,
// silent or answering NXDOMAIN), set through the internal Config::nameserver that the C API does
// not expose: no lookup here ever leaves the loopback interface.
//
// Links the internal object library glide_core (for Config::nameserver) and otherwise uses the
// public C API.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "glide_c.h"

// cmocka last: its fail() macro would clash with std::basic_ios::fail.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

namespace {

uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

// The cluster's ports from GLIDE_TEST_SERVERS (servers.env); empty (and the test fails) if absent.
std::vector<uint16_t> cluster_ports() {
  std::vector<uint16_t> ports;
  const char *path = std::getenv("GLIDE_TEST_SERVERS");
  if (!path || !*path) {
    print_error("GLIDE_TEST_SERVERS is not set (run through ctest)\n");
    return ports;
  }
  FILE *in = std::fopen(path, "r");
  if (!in) {
    print_error("cannot open GLIDE_TEST_SERVERS=%s\n", path);
    return ports;
  }
  char buf[1024];
  const std::string key = "GLIDE_TEST_CLUSTER_PORTS=";
  while (std::fgets(buf, sizeof buf, in)) {
    const std::string line(buf);
    if (line.rfind(key, 0) != 0) continue;
    const char *p = line.c_str() + key.size();
    while (*p) {
      char *end = nullptr;
      const long v = std::strtol(p, &end, 10);
      if (end == p) break;
      if (v > 0 && v < 65536) ports.push_back(static_cast<uint16_t>(v));
      p = *end == ',' ? end + 1 : end;
      if (*p == '\n') break;
    }
  }
  std::fclose(in);
  return ports;
}

// A DNS server on 127.0.0.1:<ephemeral>/udp: silent (reads and drops every query) or answering
// every query NXDOMAIN. It counts the queries. Its thread polls in 50 ms steps until stopped.
class FakeDns {
 public:
  explicit FakeDns(bool nxdomain) : nxdomain_(nxdomain) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd_ >= 0);
    struct sockaddr_in sa {};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(::bind(fd_, reinterpret_cast<sockaddr *>(&sa), sizeof sa), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(::getsockname(fd_, reinterpret_cast<sockaddr *>(&sa), &len), 0);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~FakeDns() {
    stop_.store(true);
    thread_.join();
    ::close(fd_);
  }
  FakeDns(const FakeDns &) = delete;
  FakeDns &operator=(const FakeDns &) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int queries() const { return queries_.load(); }

 private:
  void run() {
    while (!stop_.load()) {
      struct pollfd p {};
      p.fd = fd_;
      p.events = POLLIN;
      if (::poll(&p, 1, 50) <= 0) continue;
      unsigned char q[512];
      struct sockaddr_in from {};
      socklen_t flen = sizeof from;
      const ssize_t n = ::recvfrom(fd_, q, sizeof q, 0, reinterpret_cast<sockaddr *>(&from), &flen);
      if (n < 12) continue;
      queries_.fetch_add(1);
      if (!nxdomain_) continue;
      // Header: the query's id, QR + RD, RA + RCODE 3 (NXDOMAIN), one question, no records;
      // then the question as asked (name, type, class).
      size_t end = 12;
      while (end < static_cast<size_t>(n) && q[end] != 0) end += 1 + q[end];
      end += 1 + 4;
      if (end > static_cast<size_t>(n)) continue;
      unsigned char r[512];
      std::memcpy(r, q, end);
      r[2] = 0x81;
      r[3] = 0x83;
      r[4] = 0;
      r[5] = 1;
      std::memset(r + 6, 0, 6);
      ::sendto(fd_, r, end, 0, reinterpret_cast<sockaddr *>(&from), flen);
    }
  }

  bool nxdomain_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

glide_config *config_for(const char *host, uint16_t port, bool cluster, uint32_t connect_ms,
                         const std::string &nameserver) {
  glide_config *cfg = glide_config_new();
  assert_non_null(cfg);
  assert_int_equal(glide_config_add_address(cfg, host, port), GLIDE_OK);
  assert_int_equal(glide_config_set_cluster_mode(cfg, cluster), GLIDE_OK);
  assert_int_equal(glide_config_set_connect_timeout_ms(cfg, connect_ms), GLIDE_OK);
  cfg->c.nameserver = nameserver;  // empty: the system's resolv.conf and hosts file
  return cfg;
}

glide_value *cmd(glide_client *c, std::vector<const char *> argv) {
  std::vector<size_t> lens;
  for (const char *a : argv) lens.push_back(std::strlen(a));
  return glide_client_command(c, argv.size(), argv.data(), lens.data());
}

// SET then GET of a key unique to this run, through c.
void check_set_get(glide_client *c) {
  const std::string key = "resolve:" + std::to_string(getpid()) + ":" + std::to_string(now_ms());
  glide_value *v = cmd(c, {"SET", key.c_str(), "v1"});
  assert_int_equal(v->type, GLIDE_VALUE_SIMPLE_STRING);
  glide_value_free(v);
  v = cmd(c, {"GET", key.c_str()});
  assert_int_equal(v->type, GLIDE_VALUE_BULK_STRING);
  size_t len = 0;
  const char *s = glide_value_string(v, &len);
  assert_int_equal(len, 2);
  assert_memory_equal(s, "v1", 2);
  glide_value_free(v);
  v = cmd(c, {"DEL", key.c_str()});
  glide_value_free(v);
}

// (a) A cluster seeded by "localhost": the system resolver's hosts file answers.
void test_localhost_seed(void **) {
  const std::vector<uint16_t> ports = cluster_ports();
  assert_false(ports.empty());
  glide_config *cfg = config_for("localhost", ports[0], true, 2000, "");
  glide_client *c = nullptr;
  char *err = nullptr;
  const glide_status st = glide_client_new(cfg, &c, &err);
  glide_config_free(cfg);
  if (st != GLIDE_OK) fail_msg("glide_client_new: %s", err ? err : "(no message)");
  glide_string_free(err);
  check_set_get(c);
  glide_client_close(c);
}

// (a') The same through a resolver whose only DNS server is the fake one: the hosts file answers
// localhost and the DNS server is never asked.
void test_localhost_from_hosts_file_asks_no_server(void **) {
  const std::vector<uint16_t> ports = cluster_ports();
  assert_false(ports.empty());
  FakeDns dns(false);
  glide_config *cfg = config_for("localhost", ports[0], true, 2000, dns.address());
  glide_client *c = nullptr;
  char *err = nullptr;
  const glide_status st = glide_client_new(cfg, &c, &err);
  glide_config_free(cfg);
  if (st != GLIDE_OK) fail_msg("glide_client_new: %s", err ? err : "(no message)");
  glide_string_free(err);
  check_set_get(c);
  glide_client_close(c);
  assert_int_equal(dns.queries(), 0);
}

// (b) A name that does not exist: glide_client_new fails with CONNECTION, naming it, at once.
void test_unresolvable_name_fails(void **) {
  FakeDns dns(true);
  const uint64_t t0 = now_ms();
  glide_config *cfg = config_for("no-such-host.invalid", 6379, true, 2000, dns.address());
  glide_client *c = nullptr;
  char *err = nullptr;
  const glide_status st = glide_client_new(cfg, &c, &err);
  glide_config_free(cfg);
  const uint64_t took = now_ms() - t0;
  assert_null(c);
  assert_int_equal(st, GLIDE_ERR_CONNECTION);
  assert_non_null(err);
  print_message("glide_client_new after %llu ms: %s\n", static_cast<unsigned long long>(took), err);
  assert_non_null(std::strstr(err, "cannot resolve no-such-host.invalid:6379"));
  glide_string_free(err);
  assert_true(dns.queries() >= 1);
  assert_true(took < 2000);  // the NXDOMAIN answer, not the connect timeout
}

// (b') A name whose DNS server never answers: the connect timeout bounds the lookup, which is
// cancelled, and the message says so.
void test_silent_dns_times_out(void **) {
  FakeDns dns(false);
  const uint64_t t0 = now_ms();
  glide_config *cfg = config_for("slow.test", 6379, false, 300, dns.address());
  glide_client *c = nullptr;
  char *err = nullptr;
  const glide_status st = glide_client_new(cfg, &c, &err);
  glide_config_free(cfg);
  const uint64_t took = now_ms() - t0;
  assert_null(c);
  assert_int_equal(st, GLIDE_ERR_CONNECTION);
  assert_non_null(err);
  print_message("glide_client_new after %llu ms: %s\n", static_cast<unsigned long long>(took), err);
  assert_non_null(std::strstr(err, "timed out resolving slow.test:6379 after 300 ms"));
  glide_string_free(err);
  assert_true(dns.queries() >= 1);
  assert_true(took >= 250 && took < 2000);
}

// (c) A lookup that never finishes does not hold the I/O loop: a cluster client seeded by a
// name whose DNS server is silent and by the real cluster starts at once, serves commands while
// that lookup is still in flight, and closes promptly with it still in flight (the lookup's
// ticket outlives the connection; the late EVUTIL_EAI_CANCEL callback touches nothing else).
void test_pending_lookup_blocks_nothing(void **) {
  const std::vector<uint16_t> ports = cluster_ports();
  assert_false(ports.empty());
  FakeDns dns(false);
  glide_config *cfg = config_for("slow.test", 6379, true, 10000, dns.address());
  assert_int_equal(glide_config_add_address(cfg, "127.0.0.1", ports[0]), GLIDE_OK);
  const uint64_t t0 = now_ms();
  glide_client *c = nullptr;
  char *err = nullptr;
  const glide_status st = glide_client_new(cfg, &c, &err);
  glide_config_free(cfg);
  const uint64_t started = now_ms() - t0;
  if (st != GLIDE_OK) fail_msg("glide_client_new: %s", err ? err : "(no message)");
  glide_string_free(err);
  print_message("started in %llu ms with the lookup in flight\n",
                static_cast<unsigned long long>(started));
  assert_true(started < 5000);  // the silent seed's deadline is 10 s
  for (int i = 0; i < 20; ++i) check_set_get(c);
  // The lookup was asked (and is still pending: the fake never answers).
  for (int i = 0; i < 100 && dns.queries() == 0; ++i) usleep(10 * 1000);
  assert_true(dns.queries() >= 1);
  const uint64_t t1 = now_ms();
  glide_client_close(c);
  const uint64_t closed = now_ms() - t1;
  print_message("closed in %llu ms\n", static_cast<unsigned long long>(closed));
  assert_true(closed < 2000);
}

// (c') Many clients closed right after starting their lookups (the ticket path, repeatedly).
void test_close_during_lookup(void **) {
  FakeDns dns(false);
  const std::vector<uint16_t> ports = cluster_ports();
  assert_false(ports.empty());
  for (int i = 0; i < 5; ++i) {
    glide_config *cfg = config_for("slow.test", 6379, true, 10000, dns.address());
    assert_int_equal(glide_config_add_address(cfg, "127.0.0.1", ports[0]), GLIDE_OK);
    glide_client *c = nullptr;
    const glide_status st = glide_client_new(cfg, &c, nullptr);
    glide_config_free(cfg);
    assert_int_equal(st, GLIDE_OK);
    const uint64_t t1 = now_ms();
    glide_client_close(c);
    assert_true(now_ms() - t1 < 2000);
  }
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_localhost_seed),
      cmocka_unit_test(test_localhost_from_hosts_file_asks_no_server),
      cmocka_unit_test(test_unresolvable_name_fails),
      cmocka_unit_test(test_silent_dns_times_out),
      cmocka_unit_test(test_pending_lookup_blocks_nothing),
      cmocka_unit_test(test_close_during_lookup),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
