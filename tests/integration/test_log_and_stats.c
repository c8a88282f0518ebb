/*
 * The log callback and client statistics against the real cluster: bad input, a connect logged
 * at INFO, a forced MOVED logged at DEBUG and counted once, counters that move by exactly the
 * expected amounts over a known sequence (a batch of N commands, a forced MOVED, a killed
 * connection that comes back), an older caller's shorter glide_stats, and no password in any log
 * line of a failing authentication.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

/* ------------------------------------------------------------------ a log capture */

#define MAX_LINES 512
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_lines[MAX_LINES][512];
static glide_log_level g_levels[MAX_LINES];
static size_t g_count; /* lines seen (those past MAX_LINES are counted, not kept) */
static atomic_int g_reentry_status = -1;

static void capture(void *user_data, glide_log_level level, const char *message) {
  (void)user_data;
  pthread_mutex_lock(&g_mu);
  if (g_count < MAX_LINES) {
    snprintf(g_lines[g_count], sizeof g_lines[0], "%s", message);
    g_levels[g_count] = level;
  }
  g_count++;
  pthread_mutex_unlock(&g_mu);
}

/* Tries to change the callback from inside it: refused. */
static void reentrant(void *user_data, glide_log_level level, const char *message) {
  (void)user_data;
  (void)level;
  (void)message;
  atomic_store(&g_reentry_status, (int)glide_set_log_callback(GLIDE_LOG_INFO, NULL, NULL));
}

static void capture_start(glide_log_level min) {
  pthread_mutex_lock(&g_mu);
  g_count = 0;
  pthread_mutex_unlock(&g_mu);
  OK(glide_set_log_callback(min, capture, NULL));
}

static void capture_stop(void) { OK(glide_set_log_callback(GLIDE_LOG_ERROR, NULL, NULL)); }

/* The first kept line containing `needle` (at `level` exactly), or -1. */
static int find_line(glide_log_level level, const char *needle) {
  int found = -1;
  pthread_mutex_lock(&g_mu);
  for (size_t i = 0; i < g_count && i < MAX_LINES && found < 0; i++)
    if (g_levels[i] == level && strstr(g_lines[i], needle)) found = (int)i;
  pthread_mutex_unlock(&g_mu);
  return found;
}

static void expect_no_line_with(const char *secret) {
  pthread_mutex_lock(&g_mu);
  for (size_t i = 0; i < g_count && i < MAX_LINES; i++)
    if (strstr(g_lines[i], secret)) {
      char copy[512];
      snprintf(copy, sizeof copy, "%s", g_lines[i]);
      pthread_mutex_unlock(&g_mu);
      h_fail("a log line shows a secret: %s", copy);
    }
  pthread_mutex_unlock(&g_mu);
}

/* ------------------------------------------------------------------ helpers */

/* A primary other than `owner` (from the live slot map). */
static uint16_t other_primary(glide_client *c, uint16_t owner) {
  static uint16_t map[16384];
  h_cluster_slot_map(c, map);
  for (size_t s = 0; s < 16384; s++)
    if (map[s] != 0 && map[s] != owner) return map[s];
  h_fail("no other primary");
  return 0;
}

/* One GET of `key`, routed to 127.0.0.1:port (a node that may not own it). */
static glide_value *get_routed(glide_client *c, const char *key, uint16_t port) {
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_get(b, key, strlen(key)));
  glide_batch_options o;
  glide_batch_options_init(&o);
  o.route.kind = GLIDE_ROUTE_ADDRESS;
  o.route.host = h_servers_get()->host;
  o.route.port = port;
  glide_value *r = glide_client_exec(c, b, false, &o);
  glide_batch_free(b);
  return r;
}

/* The id of the connection named `name` on the node at `port` (0 if none). */
static long long client_id_named(uint16_t port, const char *name) {
  static char buf[1 << 16];
  h_raw_cmd(port, buf, sizeof buf, "CLIENT", "LIST", "TYPE", "normal", NULL);
  char needle[128];
  snprintf(needle, sizeof needle, " name=%s ", name);
  const char *at = strstr(buf, needle);
  if (!at) return 0;
  const char *line = at;
  while (line > buf && line[-1] != '\n') line--;
  const char *id = strstr(line, "id=");
  return id && id < at ? atoll(id + 3) : 0;
}

/* ------------------------------------------------------------------ tests */

static void test_log_bad_input(void **state) {
  (void)state;
  INVALID(glide_set_log_callback((glide_log_level)5, capture, NULL));
  INVALID(glide_set_log_callback((glide_log_level)-1, capture, NULL));
  INVALID(glide_set_log_callback((glide_log_level)99, NULL, NULL));
  OK(glide_set_log_callback(GLIDE_LOG_TRACE, NULL, NULL)); /* off */
  INVALID(glide_client_get_stats(NULL, NULL));
  glide_client *c = h_cluster_client();
  INVALID(glide_client_get_stats(c, NULL));
  glide_stats s;
  s.struct_size = sizeof(size_t); /* not even the first counter */
  INVALID(glide_client_get_stats(c, &s));
  glide_client_close(c);

  /* Changing the callback from inside it is refused (and would deadlock otherwise). */
  OK(glide_set_log_callback(GLIDE_LOG_INFO, reentrant, NULL));
  c = h_cluster_client(); /* connects: INFO lines */
  glide_client_close(c);
  capture_stop();
  assert_int_equal(atomic_load(&g_reentry_status), GLIDE_ERR_INVALID_ARGUMENT);
}

static void test_connect_is_logged_at_info(void **state) {
  (void)state;
  capture_start(GLIDE_LOG_INFO);
  glide_client *c = h_cluster_client();
  glide_value *r = h_cmd(c, "PING", NULL);
  glide_value_free(r);
  glide_client_close(c);
  capture_stop();
  if (find_line(GLIDE_LOG_INFO, "connected to ") < 0) h_fail("no INFO line says 'connected to'");
  if (find_line(GLIDE_LOG_INFO, "slot map installed") < 0) h_fail("no INFO slot-map line");
  for (size_t i = 0; i < g_count && i < MAX_LINES; i++)
    if (g_levels[i] > GLIDE_LOG_INFO) h_fail("a line above the level asked: %s", g_lines[i]);
}

static void test_stats_move_exactly(void **state) {
  (void)state;
  char name[64];
  snprintf(name, sizeof name, "stats-%s", h_prefix());
  glide_config *cfg = h_config_cluster();
  OK(glide_config_set_client_name(cfg, name));
  glide_client *c = h_connect(cfg);

  /* Where the forced MOVED will come from (these helpers use the client too). */
  char moved_key[96];
  h_key(moved_key, sizeof moved_key, "moved");
  const uint16_t owner = h_slot_owner_port(c, h_key_slot(moved_key, strlen(moved_key)));
  const uint16_t wrong = other_primary(c, owner);

  /* Warm: one command to every primary, so that no connect happens inside the sequence. */
  glide_value *r = h_cmd(c, "DBSIZE", NULL);
  glide_value_free(r);
  glide_stats s0 = h_stats(c);
  assert_int_equal(s0.struct_size, sizeof s0);
  assert_int_equal(s0.inflight_requests, 0);
  assert_int_equal(s0.pubsub_messages, 0);
  assert_true(s0.connected_nodes >= 3);
  assert_true(s0.topology_refreshes == 0 || s0.topology_refreshes < 100);

  /* 1. A batch of N GETs across slots: N commands, N replies, one request. */
  enum { N = 40 };
  glide_batch *b = glide_batch_new(false);
  char key[96];
  for (int i = 0; i < N; i++)
    OK(glide_batch_get(b, h_key(key, sizeof key, "st%d", i), strlen(key)));
  r = glide_client_exec(c, b, false, NULL);
  glide_batch_free(b);
  h_assert_aggregate_at(r, GLIDE_VALUE_ARRAY, N, __FILE__, __LINE__);
  glide_value_free(r);
  glide_stats s1 = h_stats(c);
  assert_int_equal(s1.commands_sent - s0.commands_sent, N);
  assert_int_equal(s1.replies_received - s0.replies_received, N);
  assert_int_equal(s1.requests_completed - s0.requests_completed, 1);
  assert_int_equal(s1.moved_redirects, s0.moved_redirects);
  assert_int_equal(s1.inflight_requests, 0);

  /* 2. A forced MOVED: a GET routed to a primary that does not own the key. One MOVED followed,
   *    two commands sent (the first try and the re-send), two replies, logged at DEBUG. */
  capture_start(GLIDE_LOG_DEBUG);
  r = get_routed(c, moved_key, wrong);
  h_assert_aggregate_at(r, GLIDE_VALUE_ARRAY, 1, __FILE__, __LINE__);
  h_assert_nil_at(h_at(r, 0), __FILE__, __LINE__);
  glide_value_free(r);
  capture_stop();
  glide_stats s2 = h_stats(c);
  assert_int_equal(s2.moved_redirects - s1.moved_redirects, 1);
  assert_int_equal(s2.ask_redirects, s1.ask_redirects);
  assert_int_equal(s2.commands_sent - s1.commands_sent, 2);
  assert_int_equal(s2.replies_received - s1.replies_received, 2);
  assert_int_equal(s2.requests_completed - s1.requests_completed, 1);
  if (find_line(GLIDE_LOG_DEBUG, "MOVED") < 0) h_fail("the MOVED was not logged at DEBUG");

  /* 3. Kill our connection to the owner: the client notices the lost primary and connects again
   *    by itself (the lost-primary watch): one reconnect, the same nodes connected as before; the
   *    next command to it is answered on the new connection. */
  const long long id = client_id_named(owner, name);
  assert_true(id > 0);
  char id_text[32], buf[256];
  snprintf(id_text, sizeof id_text, "%lld", id);
  h_raw_cmd(owner, buf, sizeof buf, "CLIENT", "KILL", "ID", id_text, NULL);
  const uint64_t deadline = h_now_ms() + 3000;
  glide_stats s3 = h_stats(c);
  while (s3.reconnects == s2.reconnects && h_now_ms() < deadline) {
    h_sleep_ms(5);
    s3 = h_stats(c);
  }
  assert_int_equal(s3.reconnects - s2.reconnects, 1);
  assert_int_equal(s3.connected_nodes, s2.connected_nodes);
  assert_true(client_id_named(owner, name) != id);      /* a new connection */
  assert_int_equal(s3.commands_sent, s2.commands_sent); /* nothing of ours was lost or re-sent */
  assert_int_equal(s3.retries, s2.retries);
  r = h_cmd(c, "GET", moved_key, NULL);
  h_assert_nil_at(r, __FILE__, __LINE__);
  glide_value_free(r);
  glide_stats s4 = h_stats(c);
  assert_int_equal(s4.reconnects, s3.reconnects);
  assert_int_equal(s4.connected_nodes, s2.connected_nodes);
  assert_int_equal(s4.commands_sent - s3.commands_sent, 1);
  assert_int_equal(s4.replies_received - s3.replies_received, 1);
  assert_int_equal(s4.timeouts, s0.timeouts);
  assert_true(s4.topology_refreshes > s2.topology_refreshes); /* the lost primary was watched */
  glide_client_close(c);
}

static void test_timeout_is_counted(void **state) {
  (void)state;
  glide_client *c = h_cluster_client_timeouts(200, 2000);
  glide_stats s0 = h_stats(c);
  glide_value *r = h_cmd(c, "DEBUG", "SLEEP", "0.5", NULL);
  h_assert_error_kind_at(r, GLIDE_ERR_TIMEOUT, __FILE__, __LINE__);
  glide_value_free(r);
  glide_stats s1 = h_stats(c);
  assert_int_equal(s1.timeouts - s0.timeouts, 1);
  assert_int_equal(s1.requests_completed - s0.requests_completed, 1);
  glide_client_close(c);
}

/* A caller built against an older, shorter glide_stats gets only what it has room for. */
static void test_shorter_struct(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  unsigned char raw[sizeof(glide_stats) + 16];
  memset(raw, 0x5a, sizeof raw);
  glide_stats *s = (glide_stats *)raw;
  const size_t short_size = offsetof(glide_stats, replies_received);
  s->struct_size = short_size;
  OK(glide_client_get_stats(c, s));
  assert_int_equal(s->struct_size, short_size);
  assert_true(s->commands_sent < 1000000); /* written */
  for (size_t i = short_size; i < sizeof raw; i++) assert_int_equal(raw[i], 0x5a);
  glide_client_close(c);
}

static void test_no_password_in_log_lines(void **state) {
  (void)state;
  capture_start(GLIDE_LOG_TRACE);
  glide_config *cfg = h_config_standalone(h_auth_port());
  OK(glide_config_set_credentials(cfg, "glideuser", "not-the-password-xyz"));
  OK(glide_config_set_connect_timeout_ms(cfg, 1000));
  glide_client *c = NULL;
  char *err = NULL;
  assert_int_equal(glide_client_new(cfg, &c, &err), GLIDE_ERR_AUTH);
  glide_config_free(cfg);
  assert_non_null(err);
  if (strstr(err, "not-the-password-xyz")) h_fail("the error shows the password: %s", err);
  glide_string_free(err);
  capture_stop();
  assert_true(g_count > 0);
  expect_no_line_with("not-the-password-xyz");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_log_bad_input),      cmocka_unit_test(test_connect_is_logged_at_info),
      cmocka_unit_test(test_stats_move_exactly), cmocka_unit_test(test_timeout_is_counted),
      cmocka_unit_test(test_shorter_struct),     cmocka_unit_test(test_no_password_in_log_lines),
  };
  return cmocka_run_group_tests(tests, h_group_setup, NULL);
}
