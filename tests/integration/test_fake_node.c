/*
 * test_fake_node.c - redirects, retries, timeouts and broken connections against scripted fake
 * cluster nodes (fake_node.h): the cases a real cluster cannot produce on demand.
 *
 * Every test gets fresh fake nodes and a fresh client (setup/teardown), so the nodes' logs count
 * exactly what that test's client sent. The clients have the periodic topology check off (0)
 * unless the test is about it, so CLUSTER SLOTS in a log comes from the behaviour under test.
 * fake_node.c is linked into every integration test (tests/CMakeLists.txt, INTEGRATION_SUPPORT).
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include "fake_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ fixture */

typedef fake_fixture fx;

static glide_value *exec_at(glide_client *c, const glide_batch *b, const glide_batch_options *o,
                            const char *file, int line) {
  glide_value *r = glide_client_exec(c, b, false, o);
  if (!r) h_fail_at(file, line, "glide_client_exec returned NULL (the contract says never)");
  return r;
}
#define EXEC(c, b, o) exec_at((c), (b), (o), __FILE__, __LINE__)

static glide_batch *batch_of_gets(const char *const *keys, size_t n) {
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  for (size_t i = 0; i < n; i++) OK(glide_batch_get(b, keys[i], strlen(keys[i])));
  return b;
}

static void opts(glide_batch_options *o, uint32_t timeout_ms, bool retry_server, bool retry_conn) {
  glide_batch_options_init(o);
  o->timeout_ms = timeout_ms;
  o->retry_server_error = retry_server;
  o->retry_connection_error = retry_conn;
}

/* Fails with the node's log when count(name, arg1) != expected. */
static void expect_count_at(fake_node *n, const char *what, const char *name, const char *arg1,
                            size_t expected, const char *file, int line) {
  size_t got = fake_node_count(n, name, arg1);
  if (got != expected) {
    static char log[8192];
    h_fail_at(file, line, "%s received %s%s%s %zu time(s), expected %zu; its log:\n%s", what, name,
              arg1 ? " " : "", arg1 ? arg1 : "", got, expected,
              fake_node_log_describe(n, log, sizeof log));
  }
}
#define EXPECT_COUNT(n, name, arg1, expected) \
  expect_count_at((n), #n, (name), (arg1), (expected), __FILE__, __LINE__)

/* assert_array, but on failure also prints the fake nodes' logs. */
static void expect_array_at(const glide_value *r, size_t n, fake_node *a, fake_node *b,
                            const char *file, int line) {
  if (r && r->type == GLIDE_VALUE_ARRAY && r->u.aggregate.len == n) {
    h_assert_aggregate_at(r, GLIDE_VALUE_ARRAY, n, file, line);
    return;
  }
  static char la[8192], lb[8192], d[2048];
  la[0] = lb[0] = 0;
  if (a) fake_node_log_describe(a, la, sizeof la);
  if (b) fake_node_log_describe(b, lb, sizeof lb);
  h_fail_at(file, line,
            "expected ARRAY of %zu elements; got %s\nnode a's log:\n%s\nnode b's log:\n%s", n,
            h_describe(r, d, sizeof d), la, lb);
}
#define EXPECT_ARRAY(r, n, f) expect_array_at((r), (n), (f)->a, (f)->b, __FILE__, __LINE__)

/* Atomic batch [SET k v, GET k] on f->c, answered [OK, "v"] whatever redirects it went through. */
#define tx_set_get(f, k) tx_set_get_at((f), (k), __FILE__, __LINE__)
static void tx_set_get_at(fx *f, const char *k, const char *file, int line) {
  glide_batch *b = glide_batch_new(true);
  assert_non_null(b);
  OK(glide_batch_set(b, k, strlen(k), "v", 1));
  OK(glide_batch_get(b, k, strlen(k)));
  glide_value *r = exec_at(f->c, b, NULL, file, line);
  expect_array_at(r, 2, f->a, f->b, file, line);
  assert_ok(h_at(r, 0));
  assert_bulk(h_at(r, 1), "v");
  glide_value_free(r);
  glide_batch_free(b);
}

static void expect_elapsed_below(uint64_t t0, uint64_t limit_ms, const char *what) {
  uint64_t el = h_now_ms() - t0;
  if (el > limit_ms)
    h_fail("%s took %llu ms, expected at most %llu", what, (unsigned long long)el,
           (unsigned long long)limit_ms);
}

/* ------------------------------------------------------------------ the fake node itself */

/* The fake node answers a raw client like a cluster node: HELLO 3 map, CLUSTER SLOTS, the store,
 * MULTI/EXEC, rules (nth and every), and logs what it got. Guards the tool the other tests use. */
static void test_fake_node_self_check(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  char buf[4096];
  char expect[512];
  int fd = h_raw_connect(fake_node_port(f->a));

  h_raw_send(fd, "HELLO", "3", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_true(strncmp(buf, "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n", 27) == 0);
  assert_non_null(strstr(
      buf, "$4\r\nmode\r\n$7\r\ncluster\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"));

  h_raw_send(fd, "CLUSTER", "SLOTS", NULL);
  h_raw_read(fd, buf, sizeof buf);
  snprintf(expect, sizeof expect,
           "*1\r\n*3\r\n:0\r\n:16383\r\n*4\r\n$9\r\n127.0.0.1\r\n:%u\r\n$40\r\n%s\r\n%%0\r\n",
           fake_node_port(f->a), fake_node_id(f->a));
  assert_string_equal(buf, expect);

  h_raw_send(fd, "SET", "k", "v", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, "+OK\r\n");
  h_raw_send(fd, "GET", "k", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, "$1\r\nv\r\n");
  h_raw_send(fd, "GET", "nokey", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, "$-1\r\n");

  /* nth rule, then every rule, then built-in */
  fake_node_on_reply(f->a, "GET", "k", 2, "-TRYAGAIN x\r\n");
  fake_node_on_reply(f->a, "get", NULL, 0, ":7\r\n");
  h_raw_send(fd, "GET", "k", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, ":7\r\n"); /* first match of the nth rule: the every rule answers */
  h_raw_send(fd, "get", "K", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, "-TRYAGAIN x\r\n");
  fake_node_clear_rules(f->a);

  /* MULTI/EXEC with an error at queue time: EXECABORT; without: the results */
  fake_node_on_reply(f->a, "SET", "bad", 1, "-MOVED 1 127.0.0.1:1\r\n");
  h_raw_send(fd, "MULTI", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, "+OK\r\n");
  h_raw_send(fd, "SET", "bad", "1", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, "-MOVED 1 127.0.0.1:1\r\n");
  h_raw_send(fd, "EXEC", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, "-EXECABORT Transaction discarded because of previous errors.\r\n");
  h_raw_send(fd, "MULTI", NULL);
  h_raw_read(fd, buf, sizeof buf);
  h_raw_send(fd, "SET", "t", "1", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, "+QUEUED\r\n");
  h_raw_send(fd, "GET", "t", NULL);
  h_raw_read(fd, buf, sizeof buf);
  h_raw_send(fd, "EXEC", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, "*2\r\n+OK\r\n$1\r\n1\r\n");

  /* delayed replies keep their order */
  fake_node_on_delay(f->a, "ECHO", "slow", 1, 200, "$4\r\nslow\r\n");
  uint64_t t0 = h_now_ms();
  h_raw_send(fd, "ECHO", "slow", NULL);
  h_raw_send(fd, "PING", NULL);
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, "$4\r\nslow\r\n");
  h_raw_read(fd, buf, sizeof buf);
  assert_string_equal(buf, "+PONG\r\n");
  uint64_t el = h_now_ms() - t0;
  assert_true(el >= 190 && el < 1500);

  assert_int_equal(fake_node_count(f->a, "GET", NULL), 5);
  assert_int_equal(fake_node_count(f->a, "cluster", "slots"), 1);
  assert_int_equal(fake_node_connections(f->a), 1);
  h_raw_close(fd);

  /* the library connects to it and works */
  f->c = fake_node_client(f->a, 1000, 0, 0);
  glide_value *v = h_cmd(f->c, "SET", "lib", "ok", NULL);
  assert_ok(v);
  glide_value_free(v);
  v = h_cmd(f->c, "GET", "lib", NULL);
  assert_bulk(v, "ok");
  glide_value_free(v);
  assert_true(fake_node_preceded_by(f->a, "CLUSTER", "SLOTS", "HELLO"));
}

/* ------------------------------------------------------------------ server errors and retries */

static const char *const kServerErrors[] = {
    "TRYAGAIN Multiple keys request during rehashing of slot",
    "CLUSTERDOWN The cluster is down",
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    "LOADING Redis is loading the dataset in memory",
};
#define N_SERVER_ERRORS (sizeof kServerErrors / sizeof kServerErrors[0])

/* Without retry_server_error the element is the server's error (kind SERVER) and the command
 * was sent once; the other commands of the batch are unaffected. */
static void test_server_errors_without_retry(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 2000, 0, 0);
  for (size_t i = 0; i < N_SERVER_ERRORS; i++) {
    fake_node_clear_rules(f->a);
    fake_node_clear_log(f->a);
    fake_node_store_set(f->a, "k", "value");
    fake_node_store_set(f->a, "other", "o");
    char reply[256];
    snprintf(reply, sizeof reply, "-%s\r\n", kServerErrors[i]);
    fake_node_on_reply(f->a, "GET", "k", 1, reply);
    const char *keys[] = {"other", "k", "other"};
    glide_batch *b = batch_of_gets(keys, 3);
    glide_batch_options o;
    opts(&o, 2000, false, false);
    uint64_t t0 = h_now_ms();
    glide_value *r = EXEC(f->c, b, &o);
    expect_elapsed_below(t0, 1500, "a batch with a server error and no retry");
    EXPECT_ARRAY(r, 3, f);
    assert_bulk(h_at(r, 0), "o");
    assert_error_prefix(h_at(r, 1), GLIDE_ERR_SERVER, kServerErrors[i]);
    assert_bulk(h_at(r, 2), "o");
    glide_value_free(r);
    glide_batch_free(b);
    h_sleep_ms(300); /* no retry in the background either */
    EXPECT_COUNT(f->a, "GET", "k", 1);
    EXPECT_COUNT(f->a, "GET", "other", 2);
  }
}

/* With retry_server_error the command is sent again (after a short backoff) and the element is
 * the success value; only that command is re-sent. */
static void test_server_errors_with_retry(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 3000, 0, 0);
  for (size_t i = 0; i < N_SERVER_ERRORS; i++) {
    fake_node_clear_rules(f->a);
    fake_node_clear_log(f->a);
    fake_node_store_set(f->a, "k", "value");
    fake_node_store_set(f->a, "other", "o");
    char reply[256];
    snprintf(reply, sizeof reply, "-%s\r\n", kServerErrors[i]);
    fake_node_on_reply(f->a, "GET", "k", 1, reply);
    fake_node_on_reply(f->a, "SET", "w", 1, reply); /* a write is retried the same way */
    glide_batch *b = glide_batch_new(false);
    assert_non_null(b);
    OK(glide_batch_get(b, "other", 5));
    OK(glide_batch_get(b, "k", 1));
    OK(glide_batch_set(b, "w", 1, "written", 7));
    OK(glide_batch_get(b, "other", 5));
    glide_batch_options o;
    opts(&o, 3000, true, false);
    uint64_t t0 = h_now_ms();
    glide_value *r = EXEC(f->c, b, &o);
    expect_elapsed_below(t0, 2000, "a batch with one retried server error");
    EXPECT_ARRAY(r, 4, f);
    assert_bulk(h_at(r, 0), "o");
    assert_bulk(h_at(r, 1), "value");
    assert_ok(h_at(r, 2));
    assert_bulk(h_at(r, 3), "o");
    glide_value_free(r);
    glide_batch_free(b);
    h_sleep_ms(200);
    EXPECT_COUNT(f->a, "GET", "k", 2);
    EXPECT_COUNT(f->a, "SET", "w", 2);
    EXPECT_COUNT(f->a, "GET", "other", 2);
    glide_value *v = h_cmd(f->c, "GET", "w", NULL);
    assert_bulk(v, "written");
    glide_value_free(v);
  }
}

/* A server error that never clears: with retry_server_error the retries stop after the bounded
 * number of rounds (max_redirects, here 2: at most 3 sends), the element is the error, and it
 * comes back well within the batch deadline. */
static void test_server_error_retries_are_bounded(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 5000, 2, 0);
  fake_node_on_reply(f->a, "GET", "k", 0,
                     "-TRYAGAIN Multiple keys request during rehashing of slot\r\n");
  const char *keys[] = {"k"};
  glide_batch *b = batch_of_gets(keys, 1);
  glide_batch_options o;
  opts(&o, 5000, true, false);
  uint64_t t0 = h_now_ms();
  glide_value *r = EXEC(f->c, b, &o);
  expect_elapsed_below(t0, 4000, "a batch with a TRYAGAIN that never clears");
  EXPECT_ARRAY(r, 1, f);
  assert_error_prefix(h_at(r, 0), GLIDE_ERR_SERVER, "TRYAGAIN");
  glide_value_free(r);
  glide_batch_free(b);
  h_sleep_ms(300);
  size_t sends = fake_node_count(f->a, "GET", "k");
  if (sends < 2 || sends > 3)
    h_fail("GET k sent %zu times with max_redirects 2 (expected 2..3)", sends);
}

/* ------------------------------------------------------------------ READONLY */

/* Index in n's log of the occurrence-th (1-based) command matching name/arg1; SIZE_MAX if none. */
static size_t log_index(fake_node *n, const char *name, const char *arg1, size_t occurrence) {
  size_t seen = 0;
  for (size_t i = 0; i < fake_node_log_len(n); i++) {
    fake_cmd e;
    if (!fake_node_log_get(n, i, &e)) break;
    if (e.argc < 1 || strcasecmp(e.argv[0], name) != 0) continue;
    if (arg1 && (e.argc < 2 || strcasecmp(e.argv[1], arg1) != 0)) continue;
    if (++seen == occurrence) return i;
  }
  return SIZE_MAX;
}

/* A write answered READONLY (it reached a demoted primary): the client refreshes the topology
 * (CLUSTER SLOTS asked again, after the READONLY) and retries the write after that refresh,
 * without any flag: retrying before the new map is known would hit the same demoted node. */
static void readonly_case(fx *f) {
  size_t slots_before = fake_node_count(f->a, "CLUSTER", "SLOTS");
  fake_node_on_reply(f->a, "SET", "k", 1,
                     "-READONLY You can't write against a read only replica.\r\n");
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_set(b, "k", 1, "v", 1));
  OK(glide_batch_get(b, "k", 1));
  glide_batch_options o;
  opts(&o, 3000, false, false);
  glide_value *r = EXEC(f->c, b, &o);
  EXPECT_ARRAY(r, 2, f);
  assert_ok(h_at(r, 0));
  /* GET k was answered in the first round (nil: the SET had failed); it is not re-sent */
  assert_nil(h_at(r, 1));
  glide_value_free(r);
  glide_batch_free(b);
  EXPECT_COUNT(f->a, "SET", "k", 2);
  EXPECT_COUNT(f->a, "GET", "k", 1);
  size_t slots_after = fake_node_count(f->a, "CLUSTER", "SLOTS");
  if (slots_after <= slots_before)
    h_fail("no CLUSTER SLOTS after the READONLY reply (%zu before, %zu after)", slots_before,
           slots_after);
  /* the refresh came after the READONLY and before the retry */
  size_t first_set = log_index(f->a, "SET", "k", 1), second_set = log_index(f->a, "SET", "k", 2);
  size_t refresh = log_index(f->a, "CLUSTER", "SLOTS", slots_before + 1);
  if (!(first_set < refresh && refresh < second_set)) {
    char log[4096];
    h_fail("expected SET k, CLUSTER SLOTS, SET k in that order; log:\n%s",
           fake_node_log_describe(f->a, log, sizeof log));
  }
  glide_value *v = h_cmd(f->c, "GET", "k", NULL);
  assert_bulk(v, "v");
  glide_value_free(v);
}

/* Steady state: the client has been up for more than a second (any refresh throttle after
 * discovery has expired). */
static void test_readonly_refreshes_and_retries(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 3000, 0, 0);
  h_sleep_ms(1100);
  readonly_case(f);
}

/* Right after connecting (a failover that happened just after discovery): the refresh must still
 * come before the retry, or every retry round hits the demoted node again. */
static void test_readonly_right_after_connect(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 3000, 0, 0);
  readonly_case(f);
}

/* Atomic: READONLY at queue time makes EXEC abort; the client refreshes and re-sends the whole
 * transaction, which then succeeds. */
static void test_readonly_atomic_whole_transaction_retried(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 3000, 0, 0);
  size_t slots_before = fake_node_count(f->a, "CLUSTER", "SLOTS");
  fake_node_on_reply(f->a, "SET", "{t}k", 1,
                     "-READONLY You can't write against a read only replica.\r\n");
  glide_batch *b = glide_batch_new(true);
  assert_non_null(b);
  OK(glide_batch_set(b, "{t}k", 4, "v", 1));
  OK(glide_batch_get(b, "{t}k", 4));
  glide_value *r = EXEC(f->c, b, NULL);
  EXPECT_ARRAY(r, 2, f);
  assert_ok(h_at(r, 0));
  assert_bulk(h_at(r, 1), "v");
  glide_value_free(r);
  glide_batch_free(b);
  EXPECT_COUNT(f->a, "MULTI", NULL, 2);
  EXPECT_COUNT(f->a, "EXEC", NULL, 2);
  EXPECT_COUNT(f->a, "SET", "{t}k", 2);
  EXPECT_COUNT(f->a, "GET", "{t}k", 2);
  if (fake_node_count(f->a, "CLUSTER", "SLOTS") <= slots_before)
    h_fail("no topology refresh after READONLY");
}

/* ------------------------------------------------------------------ MOVED */

/* A node that answers MOVED to itself for ever: "reconnect and retry", bounded by max_redirects
 * (default 3: at most 4 sends), then an ERROR element (not a timeout, not a hang). With
 * max_redirects 1: at most 2 sends. The client keeps working afterwards. */
static void test_moved_to_self_is_bounded(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  for (int round = 0; round < 2; round++) {
    uint32_t max_redirects = round == 0 ? 0 : 1; /* 0: default 3 */
    size_t max_sends = round == 0 ? 4 : 2;
    glide_client_close(f->c);
    f->c = fake_node_client(f->a, 5000, max_redirects, 0);
    fake_node_clear_rules(f->a);
    fake_node_clear_log(f->a);
    char moved[128];
    fake_redirect_reply(moved, sizeof moved, "MOVED", "k", f->a);
    fake_node_on_reply(f->a, "GET", "k", 0, moved);
    fake_node_store_set(f->a, "j", "jv");
    const char *keys[] = {"j", "k", "j"};
    glide_batch *b = batch_of_gets(keys, 3);
    glide_batch_options o;
    opts(&o, 5000, false, false);
    uint64_t t0 = h_now_ms();
    glide_value *r = EXEC(f->c, b, &o);
    expect_elapsed_below(t0, 3000, "a batch with a MOVED loop");
    EXPECT_ARRAY(r, 3, f);
    assert_bulk(h_at(r, 0), "jv");
    const glide_value *e = h_at(r, 1);
    assert_type(e, GLIDE_VALUE_ERROR);
    if (e->error_kind == GLIDE_ERR_TIMEOUT || e->u.string.len == 0) {
      char d[512];
      h_fail("MOVED loop: expected a non-timeout ERROR with a message, got %s",
             h_describe(e, d, sizeof d));
    }
    assert_bulk(h_at(r, 2), "jv");
    glide_value_free(r);
    glide_batch_free(b);
    h_sleep_ms(300);
    size_t sends = fake_node_count(f->a, "GET", "k");
    if (sends < 2 || sends > max_sends) {
      char log[4096];
      h_fail(
          "GET k sent %zu times (max_redirects %u): expected 2..%zu (a MOVED to the same node "
          "means reconnect and retry, bounded); log:\n%s",
          sends, max_redirects ? max_redirects : 3, max_sends,
          fake_node_log_describe(f->a, log, sizeof log));
    }
    fake_node_clear_rules(f->a);
    glide_value *v = h_cmd(f->c, "GET", "j", NULL);
    assert_bulk(v, "jv");
    glide_value_free(v);
  }
}

/* Two nodes that send the command to each other for ever: bounded (at most max_redirects + 1 = 4
 * sends over both), an ERROR element within the deadline. */
static void test_moved_ping_pong_is_bounded(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  f->c = fake_node_client(f->a, 5000, 0, 0);
  char to_b[128], to_a[128];
  fake_redirect_reply(to_b, sizeof to_b, "MOVED", "k", f->b);
  fake_redirect_reply(to_a, sizeof to_a, "MOVED", "k", f->a);
  fake_node_on_reply(f->a, "GET", "k", 0, to_b);
  fake_node_on_reply(f->b, "GET", "k", 0, to_a);
  const char *keys[] = {"k"};
  glide_batch *b = batch_of_gets(keys, 1);
  glide_batch_options o;
  opts(&o, 5000, false, false);
  uint64_t t0 = h_now_ms();
  glide_value *r = EXEC(f->c, b, &o);
  expect_elapsed_below(t0, 3000, "a batch with a MOVED ping-pong");
  EXPECT_ARRAY(r, 1, f);
  const glide_value *e = h_at(r, 0);
  assert_type(e, GLIDE_VALUE_ERROR);
  if (e->error_kind == GLIDE_ERR_TIMEOUT)
    h_fail("MOVED ping-pong ended in a timeout, not a bounded error");
  glide_value_free(r);
  glide_batch_free(b);
  h_sleep_ms(300);
  size_t sends = fake_node_count(f->a, "GET", "k") + fake_node_count(f->b, "GET", "k");
  if (sends < 2 || sends > 4) h_fail("GET k sent %zu times over both nodes, expected 2..4", sends);
  if (fake_node_count(f->b, "GET", "k") < 1) h_fail("the MOVED to node b was not followed");
}

/* MOVED for one command of a pipeline: only that command goes to the new owner; the others stay
 * on the first node, each sent once. The slot map is patched at once: the next command for that
 * slot goes straight to the new owner. */
static void test_moved_resends_only_that_command(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  f->c = fake_node_client(f->a, 3000, 0, 0); /* learns: every slot on a */
  const char *moving = "k2";
  uint16_t slot = h_key_slot(moving, 2);
  const char *keys[] = {"k1", "k2", "k3", "k4"};
  for (int i = 0; i < 4; i++) {
    if (i != 1 && h_key_slot(keys[i], 2) == slot) h_fail("test keys share a slot");
    fake_node_store_set(f->a, keys[i], "from-a");
  }
  fake_node_store_set(f->b, moving, "from-b");
  /* the slot has moved to b: both nodes now say so, a answers MOVED for it */
  fake_fixture_map_slot_to(f, slot, f->b, f->a);
  char moved[128];
  fake_redirect_reply(moved, sizeof moved, "MOVED", moving, f->b);
  fake_node_on_reply(f->a, "GET", moving, 0, moved);

  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_get(b, "k1", 2));
  OK(glide_batch_get(b, "k2", 2));
  OK(glide_batch_set(b, "k3", 2, "new3", 4));
  OK(glide_batch_get(b, "k4", 2));
  glide_value *r = EXEC(f->c, b, NULL);
  EXPECT_ARRAY(r, 4, f);
  assert_bulk(h_at(r, 0), "from-a");
  assert_bulk(h_at(r, 1), "from-b");
  assert_ok(h_at(r, 2));
  assert_bulk(h_at(r, 3), "from-a");
  glide_value_free(r);
  glide_batch_free(b);
  EXPECT_COUNT(f->a, "GET", "k1", 1);
  EXPECT_COUNT(f->a, "GET", "k2", 1);
  EXPECT_COUNT(f->a, "SET", "k3", 1);
  EXPECT_COUNT(f->a, "GET", "k4", 1);
  EXPECT_COUNT(f->b, "GET", "k2", 1);
  EXPECT_COUNT(f->b, "GET", "k1", 0);
  EXPECT_COUNT(f->b, "SET", "k3", 0);
  EXPECT_COUNT(f->b, "GET", "k4", 0);
  EXPECT_COUNT(f->b, "ASKING", NULL, 0);

  /* the map was patched: the slot's next command goes to b directly */
  glide_value *v = h_cmd(f->c, "GET", moving, NULL);
  assert_bulk(v, "from-b");
  glide_value_free(v);
  EXPECT_COUNT(f->a, "GET", "k2", 1);
  EXPECT_COUNT(f->b, "GET", "k2", 2);
}

/* ASK for one command: ASKING and the command back-to-back on one connection to the target; the
 * slot map is not changed (the next command for the slot goes to the old owner again). */
static void test_ask_resends_with_asking(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  f->c = fake_node_client(f->a, 3000, 0, 0);
  fake_node_store_set(f->a, "k1", "a1");
  fake_node_store_set(f->a, "k3", "a3");
  fake_node_store_set(f->b, "k2", "b2");
  char ask[128];
  fake_redirect_reply(ask, sizeof ask, "ASK", "k2", f->b);
  fake_node_on_reply(f->a, "GET", "k2", 1, ask);
  const char *keys[] = {"k1", "k2", "k3"};
  glide_batch *b = batch_of_gets(keys, 3);
  glide_value *r = EXEC(f->c, b, NULL);
  EXPECT_ARRAY(r, 3, f);
  assert_bulk(h_at(r, 0), "a1");
  assert_bulk(h_at(r, 1), "b2");
  assert_bulk(h_at(r, 2), "a3");
  glide_value_free(r);
  glide_batch_free(b);
  EXPECT_COUNT(f->b, "GET", "k2", 1);
  EXPECT_COUNT(f->b, "ASKING", NULL, 1);
  if (!fake_node_preceded_by(f->b, "GET", "k2", "ASKING")) {
    char log[4096];
    h_fail("GET k2 on b was not right after ASKING on its connection; b's log:\n%s",
           fake_node_log_describe(f->b, log, sizeof log));
  }
  EXPECT_COUNT(f->b, "GET", "k1", 0);
  EXPECT_COUNT(f->b, "GET", "k3", 0);
  /* ASK leaves the map alone */
  fake_node_store_set(f->a, "k2", "a2");
  glide_value *v = h_cmd(f->c, "GET", "k2", NULL);
  assert_bulk(v, "a2");
  glide_value_free(v);
  EXPECT_COUNT(f->a, "GET", "k2", 2);
  EXPECT_COUNT(f->b, "GET", "k2", 1);
}

/* Atomic batch, MOVED at queue time: a answers MULTI +OK, SET -MOVED, GET -MOVED, EXEC
 * -EXECABORT (the fake node's MULTI semantics); the whole transaction is re-sent to b, which
 * answers +OK, +QUEUED, +QUEUED, *2 ... -> [OK, "v"]. */
static void test_atomic_moved_at_queue_time(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  f->c = fake_node_client(f->a, 3000, 0, 0);
  const char *k = "{tx}k";
  uint16_t slot = h_key_slot(k, strlen(k));
  fake_fixture_map_slot_to(f, slot, f->b, f->a);
  char moved[128];
  fake_redirect_reply(moved, sizeof moved, "MOVED", k, f->b);
  fake_node_on_reply(f->a, "SET", k, 0, moved);
  fake_node_on_reply(f->a, "GET", k, 0, moved);
  tx_set_get(f, k);
  EXPECT_COUNT(f->a, "MULTI", NULL, 1);
  EXPECT_COUNT(f->a, "EXEC", NULL, 1);
  EXPECT_COUNT(f->b, "MULTI", NULL, 1);
  EXPECT_COUNT(f->b, "SET", k, 1);
  EXPECT_COUNT(f->b, "GET", k, 1);
  EXPECT_COUNT(f->b, "EXEC", NULL, 1);
  EXPECT_COUNT(f->b, "ASKING", NULL, 0);
  /* b got MULTI, SET, GET, EXEC in that order on one connection */
  size_t m = log_index(f->b, "MULTI", NULL, 1), s = log_index(f->b, "SET", k, 1),
         g = log_index(f->b, "GET", k, 1), e = log_index(f->b, "EXEC", NULL, 1);
  fake_cmd cm, ce;
  assert_true(fake_node_log_get(f->b, m, &cm));
  assert_true(fake_node_log_get(f->b, e, &ce));
  if (!(m < s && s < g && g < e) || cm.conn != ce.conn) {
    char log[4096];
    h_fail("b did not get MULTI, SET, GET, EXEC in order on one connection:\n%s",
           fake_node_log_describe(f->b, log, sizeof log));
  }
}

/* Atomic batch, ASK at queue time: the whole transaction goes to the target with ASKING first
 * (ASKING, MULTI, SET, EXEC on one connection). */
static void test_atomic_ask_at_queue_time(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  f->c = fake_node_client(f->a, 3000, 0, 0);
  const char *k = "{tx}k";
  char ask[128];
  fake_redirect_reply(ask, sizeof ask, "ASK", k, f->b);
  fake_node_on_reply(f->a, "SET", k, 1, ask);
  glide_batch *b = glide_batch_new(true);
  assert_non_null(b);
  OK(glide_batch_set(b, k, strlen(k), "v", 1));
  glide_value *r = EXEC(f->c, b, NULL);
  EXPECT_ARRAY(r, 1, f);
  assert_ok(h_at(r, 0));
  glide_value_free(r);
  glide_batch_free(b);
  EXPECT_COUNT(f->b, "MULTI", NULL, 1);
  EXPECT_COUNT(f->b, "SET", k, 1);
  EXPECT_COUNT(f->b, "EXEC", NULL, 1);
  if (!fake_node_preceded_by(f->b, "MULTI", NULL, "ASKING")) {
    char log[4096];
    h_fail("the transaction on b did not start with ASKING:\n%s",
           fake_node_log_describe(f->b, log, sizeof log));
  }
  /* the map is unchanged: a later write of k goes to a */
  glide_value *v = h_cmd(f->c, "SET", k, "again", NULL);
  assert_ok(v);
  glide_value_free(v);
  EXPECT_COUNT(f->a, "SET", k, 2);
}

/* Atomic batch, MOVED to the node itself at queue time (its view is changing): EXECABORT, then
 * the whole transaction is retried (after a backoff) on that node and succeeds. */
static void test_atomic_moved_to_self_retried(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 3000, 0, 0);
  const char *k = "{tx}k";
  char moved[128];
  fake_redirect_reply(moved, sizeof moved, "MOVED", k, f->a);
  fake_node_on_reply(f->a, "SET", k, 1, moved);
  tx_set_get(f, k);
  EXPECT_COUNT(f->a, "MULTI", NULL, 2);
  EXPECT_COUNT(f->a, "SET", k, 2);
  EXPECT_COUNT(f->a, "EXEC", NULL, 2);
}

/* ------------------------------------------------------------------ timeouts */

/* Silence until the deadline: a TIMEOUT element (the other commands of the batch keep their
 * answers), nothing re-sent; the node answers late, and the client keeps working. */
static void test_silence_then_timeout_then_recovers(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 4000, 0, 0);
  fake_node_store_set(f->a, "j", "jv");
  fake_node_on_delay(f->a, "GET", "k", 1, 1500, "$4\r\nlate\r\n");
  const char *keys[] = {"j", "k"};
  glide_batch *b = batch_of_gets(keys, 2);
  glide_batch_options o;
  opts(&o, 300, true, true); /* retries do not apply to timeouts */
  uint64_t t0 = h_now_ms();
  glide_value *r = EXEC(f->c, b, &o);
  uint64_t el = h_now_ms() - t0;
  EXPECT_ARRAY(r, 2, f);
  assert_bulk(h_at(r, 0), "jv");
  assert_error_kind(h_at(r, 1), GLIDE_ERR_TIMEOUT);
  glide_value_free(r);
  glide_batch_free(b);
  if (el < 250 || el > 1000)
    h_fail("batch with timeout_ms 300 returned after %llu ms", (unsigned long long)el);
  /* later commands: answered after the late reply (which the client drops) */
  glide_value *v = h_cmd(f->c, "SET", "j", "j2", NULL);
  assert_ok(v);
  glide_value_free(v);
  v = h_cmd(f->c, "GET", "j", NULL);
  assert_bulk(v, "j2");
  glide_value_free(v);
  fake_node_store_set(f->a, "k", "kv");
  v = h_cmd(f->c, "GET", "k", NULL);
  assert_bulk(v, "kv");
  glide_value_free(v);
  EXPECT_COUNT(f->a, "GET", "k", 2); /* the timed-out one once, the last one once */

  /* a single command times out the same way */
  fake_node_on_delay(f->a, "GET", "s", 1, 800, "$4\r\nlate\r\n");
  glide_client_close(f->c);
  f->c = fake_node_client(f->a, 200, 0, 0);
  t0 = h_now_ms();
  v = h_cmd(f->c, "GET", "s", NULL);
  el = h_now_ms() - t0;
  assert_error_kind(v, GLIDE_ERR_TIMEOUT);
  glide_value_free(v);
  if (el < 150 || el > 800)
    h_fail("command with a 200 ms request timeout returned after %llu ms", (unsigned long long)el);
}

/* A node that never answers: the TIMEOUT element arrives at the deadline, the command is sent
 * once. */
static void test_silent_node_times_out(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 4000, 0, 0);
  fake_node_on_silent(f->a, "GET", "k", 1);
  const char *keys[] = {"k"};
  glide_batch *b = batch_of_gets(keys, 1);
  glide_batch_options o;
  opts(&o, 300, false, false);
  uint64_t t0 = h_now_ms();
  glide_value *r = EXEC(f->c, b, &o);
  uint64_t el = h_now_ms() - t0;
  EXPECT_ARRAY(r, 1, f);
  assert_error_kind(h_at(r, 0), GLIDE_ERR_TIMEOUT);
  glide_value_free(r);
  glide_batch_free(b);
  if (el < 250 || el > 1000)
    h_fail("batch with timeout_ms 300 returned after %llu ms", (unsigned long long)el);
  h_sleep_ms(200);
  EXPECT_COUNT(f->a, "GET", "k", 1);
}

/* ------------------------------------------------------------------ malformed replies */

/* Garbage bytes: a PROTOCOL error element; the connection is closed and the next command gets a
 * new one. */
static void test_malformed_reply_then_reconnects(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 2000, 0, 0);
  fake_node_store_set(f->a, "k", "kv");
  fake_node_on_reply(f->a, "GET", "k", 1, "?xx\r\n");
  unsigned conns_before = fake_node_connections(f->a);
  const char *keys[] = {"k"};
  glide_batch *b = batch_of_gets(keys, 1);
  glide_value *r = EXEC(f->c, b, NULL);
  EXPECT_ARRAY(r, 1, f);
  assert_error_kind(h_at(r, 0), GLIDE_ERR_PROTOCOL);
  glide_value_free(r);
  glide_batch_free(b);
  glide_value *v = h_cmd(f->c, "GET", "k", NULL);
  assert_bulk(v, "kv");
  glide_value_free(v);
  if (fake_node_connections(f->a) <= conns_before)
    h_fail("no new connection after the malformed reply (%u accepted before, %u after)",
           conns_before, fake_node_connections(f->a));
  /* the connection that got the garbage is closed by the client */
  fake_cmd bad;
  assert_true(fake_node_log_get(f->a, log_index(f->a, "GET", "k", 1), &bad));
  uint64_t end = h_now_ms() + 1000;
  while (fake_node_conn_open(f->a, bad.conn) && h_now_ms() < end) h_sleep_ms(10);
  if (fake_node_conn_open(f->a, bad.conn))
    h_fail("the connection that got garbage is still open after 1 s");
  fake_cmd good;
  assert_true(fake_node_log_get(f->a, log_index(f->a, "GET", "k", 2), &good));
  assert_true(good.conn != bad.conn);

  /* garbage in the middle of a pipeline: that element is PROTOCOL; the commands after it lost
   * their connection (CONNECTION, or PROTOCOL: the same failure), those before it keep their
   * answers */
  fake_node_on_reply(f->a, "GET", "bad", 1, "$3\r\nabcdef\r\n"); /* bulk longer than announced */
  fake_node_store_set(f->a, "j", "jv");
  const char *keys2[] = {"j", "bad", "j"};
  b = batch_of_gets(keys2, 3);
  r = EXEC(f->c, b, NULL);
  EXPECT_ARRAY(r, 3, f);
  assert_bulk(h_at(r, 0), "jv");
  assert_error_kind(h_at(r, 1), GLIDE_ERR_PROTOCOL);
  const glide_value *after = h_at(r, 2);
  assert_type(after, GLIDE_VALUE_ERROR);
  if (after->error_kind != GLIDE_ERR_CONNECTION && after->error_kind != GLIDE_ERR_PROTOCOL)
    h_fail("the command after the garbage: kind %s, expected CONNECTION or PROTOCOL",
           glide_error_kind_name(after->error_kind));
  glide_value_free(r);
  glide_batch_free(b);
  v = h_cmd(f->c, "GET", "j", NULL);
  assert_bulk(v, "jv");
  glide_value_free(v);
}

/* ------------------------------------------------------------------ connection loss */

static glide_batch *five_gets(void) {
  static const char *keys[] = {"c1", "c2", "c3", "c4", "c5"};
  return batch_of_gets(keys, 5);
}

static void store_five(fake_node *n) {
  fake_node_store_set(n, "c1", "v1");
  fake_node_store_set(n, "c2", "v2");
  fake_node_store_set(n, "c3", "v3");
  fake_node_store_set(n, "c4", "v4");
  fake_node_store_set(n, "c5", "v5");
}

/* The node closes the connection when the third command arrives (after answering the first two):
 * without retry_connection_error the unanswered commands are CONNECTION errors in place; the
 * client reconnects for later commands. */
static void test_connection_closed_mid_batch_without_retry(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 3000, 0, 0);
  store_five(f->a);
  fake_node_on_close(f->a, "GET", "c3", 1);
  glide_batch *b = five_gets();
  glide_batch_options o;
  opts(&o, 3000, false, false);
  uint64_t t0 = h_now_ms();
  glide_value *r = EXEC(f->c, b, &o);
  expect_elapsed_below(t0, 2000, "a batch whose connection closed");
  EXPECT_ARRAY(r, 5, f);
  assert_bulk(h_at(r, 0), "v1");
  assert_bulk(h_at(r, 1), "v2");
  assert_error_kind(h_at(r, 2), GLIDE_ERR_CONNECTION);
  assert_error_kind(h_at(r, 3), GLIDE_ERR_CONNECTION);
  assert_error_kind(h_at(r, 4), GLIDE_ERR_CONNECTION);
  glide_value_free(r);
  glide_batch_free(b);
  h_sleep_ms(300);
  EXPECT_COUNT(f->a, "GET", "c3", 1); /* not re-sent */
  EXPECT_COUNT(f->a, "GET", "c4", 0);
  glide_value *v = h_cmd(f->c, "GET", "c4", NULL);
  assert_bulk(v, "v4");
  glide_value_free(v);
}

/* With retry_connection_error the unanswered commands are re-sent after the reconnect and
 * succeed. The node had processed c3 (then closed), c4 and c5 never reached it: so c3 appears
 * twice in its log, c4/c5 once (on the new connection), c1/c2 once. Writes likewise. */
static void test_connection_closed_mid_batch_with_retry(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 3000, 0, 0);
  store_five(f->a);
  fake_node_on_close(f->a, "GET", "c3", 1);
  glide_batch *b = five_gets();
  OK(glide_batch_set(b, "w", 1, "wv", 2));
  glide_batch_options o;
  opts(&o, 3000, false, true);
  uint64_t t0 = h_now_ms();
  glide_value *r = EXEC(f->c, b, &o);
  expect_elapsed_below(t0, 2500, "a batch re-sent after a lost connection");
  EXPECT_ARRAY(r, 6, f);
  assert_bulk(h_at(r, 0), "v1");
  assert_bulk(h_at(r, 1), "v2");
  assert_bulk(h_at(r, 2), "v3");
  assert_bulk(h_at(r, 3), "v4");
  assert_bulk(h_at(r, 4), "v5");
  assert_ok(h_at(r, 5));
  glide_value_free(r);
  glide_batch_free(b);
  EXPECT_COUNT(f->a, "GET", "c1", 1);
  EXPECT_COUNT(f->a, "GET", "c2", 1);
  EXPECT_COUNT(f->a, "GET", "c3", 2);
  EXPECT_COUNT(f->a, "GET", "c4", 1);
  EXPECT_COUNT(f->a, "GET", "c5", 1);
  EXPECT_COUNT(f->a, "SET", "w", 1);
  /* the re-sent ones came on a later connection than the first c3 */
  fake_cmd first, again;
  assert_true(fake_node_log_get(f->a, log_index(f->a, "GET", "c3", 1), &first));
  assert_true(fake_node_log_get(f->a, log_index(f->a, "GET", "c3", 2), &again));
  if (again.conn <= first.conn)
    h_fail("c3 was re-sent on connection %u, the closed one was %u", again.conn, first.conn);
  glide_value *v = h_cmd(f->c, "GET", "w", NULL);
  assert_bulk(v, "wv");
  glide_value_free(v);
}

/* A lost connection triggers a topology refresh (CLUSTER SLOTS asked again) without any
 * command in flight. */
static void test_connection_loss_triggers_refresh(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 2000, 0, 0);
  size_t before = fake_node_count(f->a, "CLUSTER", "SLOTS");
  fake_node_drop_connections(f->a);
  if (!fake_node_wait_count(f->a, "CLUSTER", "SLOTS", before + 1, 3000)) {
    char log[4096];
    h_fail("no CLUSTER SLOTS within 3 s after the connection was lost; log:\n%s",
           fake_node_log_describe(f->a, log, sizeof log));
  }
  fake_node_store_set(f->a, "k", "kv");
  glide_value *v = h_cmd(f->c, "GET", "k", NULL);
  assert_bulk(v, "kv");
  glide_value_free(v);
}

/* ------------------------------------------------------------------ periodic topology check */

/* refresh every 200 ms: CLUSTER SLOTS keeps arriving while idle, and a slot moved behind the
 * client's back (both nodes' maps changed, no MOVED ever sent) is followed: the next command
 * for it goes straight to the new owner. With 0, no periodic CLUSTER SLOTS. */
static void test_periodic_topology_refresh(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  f->c = fake_node_client(f->a, 2000, 0, 200);
  const char *k = "pk";
  uint16_t slot = h_key_slot(k, strlen(k));
  fake_node_store_set(f->b, k, "from-b");
  fake_node_store_set(f->a, k, "from-a");
  glide_value *v = h_cmd(f->c, "GET", k, NULL);
  assert_bulk(v, "from-a");
  glide_value_free(v);
  size_t before =
      fake_node_count(f->a, "CLUSTER", "SLOTS") + fake_node_count(f->b, "CLUSTER", "SLOTS");
  fake_fixture_map_slot_to(f, slot, f->b, f->a);
  char moved[128];
  fake_redirect_reply(moved, sizeof moved, "MOVED", k, f->b);
  fake_node_on_reply(f->a, "GET", k, 0, moved);
  h_sleep_ms(1000);
  size_t after =
      fake_node_count(f->a, "CLUSTER", "SLOTS") + fake_node_count(f->b, "CLUSTER", "SLOTS");
  if (after < before + 3)
    h_fail("%zu CLUSTER SLOTS in 1 s with a 200 ms refresh interval (expected >= 3)",
           after - before);
  v = h_cmd(f->c, "GET", k, NULL);
  assert_bulk(v, "from-b");
  glide_value_free(v);
  EXPECT_COUNT(f->a, "GET", k, 1); /* no MOVED needed */

  /* interval 0: none while idle */
  glide_client_close(f->c);
  f->c = fake_node_client(f->a, 2000, 0, 0);
  before = fake_node_count(f->a, "CLUSTER", "SLOTS") + fake_node_count(f->b, "CLUSTER", "SLOTS");
  h_sleep_ms(1000);
  after = fake_node_count(f->a, "CLUSTER", "SLOTS") + fake_node_count(f->b, "CLUSTER", "SLOTS");
  if (after != before)
    h_fail("%zu CLUSTER SLOTS in 1 s with the periodic check off", after - before);
}

/* A node that leaves the slot map is disconnected once idle (its Node stays, so a later map that
 * names it again reconnects). */
static void test_node_leaving_the_map_is_disconnected(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  const char *k = "pk";
  const uint16_t slot = h_key_slot(k, strlen(k));
  fake_fixture_map_slot_to(f, slot, f->b, f->a);
  f->c = fake_node_client(f->a, 2000, 0, 200);
  fake_node_store_set(f->b, k, "from-b");
  glide_value *v = h_cmd(f->c, "GET", k, NULL);
  assert_bulk(v, "from-b");
  glide_value_free(v);
  assert_int_equal(fake_node_open_connections(f->b), 1);
  /* b leaves: a serves every slot now. */
  fake_slot_range all = {0, 16383, 0, 0};
  fake_node_set_slots(f->a, &all, 1);
  fake_slot_range all_a = {0, 16383, fake_node_port(f->a), 0};
  fake_node_set_slots(f->b, &all_a, 1);
  const uint64_t deadline = h_now_ms() + 3000;
  while (fake_node_open_connections(f->b) > 0 && h_now_ms() < deadline) h_sleep_ms(50);
  assert_int_equal(fake_node_open_connections(f->b), 0);
  fake_node_store_set(f->a, k, "from-a");
  v = h_cmd(f->c, "GET", k, NULL);
  assert_bulk(v, "from-a");
  glide_value_free(v);
}

/* ------------------------------------------------------------------ config bounds */

static void test_redirect_and_refresh_config_bounds(void **state) {
  (void)state;
  glide_config *cfg = glide_config_new();
  assert_non_null(cfg);
  ST(glide_config_set_max_redirects(cfg, 17), GLIDE_ERR_INVALID_ARGUMENT);
  ST(glide_config_set_max_redirects(cfg, 16), GLIDE_OK);
  ST(glide_config_set_max_redirects(cfg, 0), GLIDE_OK); /* 0 rounds: no redirects followed */
  ST(glide_config_set_max_redirects(NULL, 3), GLIDE_ERR_INVALID_ARGUMENT);
  ST(glide_config_set_topology_refresh_ms(cfg, 99), GLIDE_ERR_INVALID_ARGUMENT);
  ST(glide_config_set_topology_refresh_ms(cfg, 1), GLIDE_ERR_INVALID_ARGUMENT);
  ST(glide_config_set_topology_refresh_ms(cfg, 100), GLIDE_OK);
  ST(glide_config_set_topology_refresh_ms(cfg, 0), GLIDE_OK);
  ST(glide_config_set_topology_refresh_ms(NULL, 1000), GLIDE_ERR_INVALID_ARGUMENT);
  ST(glide_config_set_read_from(cfg, GLIDE_READ_FROM_PREFER_REPLICA), GLIDE_OK);
  ST(glide_config_set_read_from(cfg, (glide_read_from)7), GLIDE_ERR_INVALID_ARGUMENT);
  glide_config_free(cfg);
}

/* max_redirects 0: a MOVED is not followed; the element is the MOVED error itself (kind SERVER),
 * sent once. */
static void test_max_redirects_zero_does_not_follow(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  glide_config *cfg = glide_config_new();
  assert_non_null(cfg);
  OK(glide_config_add_address(cfg, "127.0.0.1", fake_node_port(f->a)));
  OK(glide_config_set_cluster_mode(cfg, true));
  OK(glide_config_set_topology_refresh_ms(cfg, 0));
  OK(glide_config_set_max_redirects(cfg, 0));
  f->c = h_connect(cfg);
  char moved[128];
  fake_redirect_reply(moved, sizeof moved, "MOVED", "k", f->b);
  fake_node_on_reply(f->a, "GET", "k", 1, moved);
  const char *keys[] = {"k"};
  glide_batch *b = batch_of_gets(keys, 1);
  glide_value *r = EXEC(f->c, b, NULL);
  EXPECT_ARRAY(r, 1, f);
  assert_error_prefix(h_at(r, 0), GLIDE_ERR_SERVER, "MOVED");
  glide_value_free(r);
  glide_batch_free(b);
  EXPECT_COUNT(f->b, "GET", "k", 0);
}

/* ------------------------------------------------------------------ main */

#define T(fn) cmocka_unit_test_setup_teardown(fn, fake_fixture_setup, fake_fixture_teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_fake_node_self_check),
      T(test_server_errors_without_retry),
      T(test_server_errors_with_retry),
      T(test_server_error_retries_are_bounded),
      T(test_readonly_refreshes_and_retries),
      T(test_readonly_right_after_connect),
      T(test_readonly_atomic_whole_transaction_retried),
      T(test_moved_to_self_is_bounded),
      T(test_moved_ping_pong_is_bounded),
      T(test_moved_resends_only_that_command),
      T(test_ask_resends_with_asking),
      T(test_atomic_moved_at_queue_time),
      T(test_atomic_ask_at_queue_time),
      T(test_atomic_moved_to_self_retried),
      T(test_silence_then_timeout_then_recovers),
      T(test_silent_node_times_out),
      T(test_malformed_reply_then_reconnects),
      T(test_connection_closed_mid_batch_without_retry),
      T(test_connection_closed_mid_batch_with_retry),
      T(test_connection_loss_triggers_refresh),
      T(test_periodic_topology_refresh),
      T(test_redirect_and_refresh_config_bounds),
      T(test_max_redirects_zero_does_not_follow),
      T(test_node_leaving_the_map_is_disconnected),
  };
  return cmocka_run_group_tests_name("fake_node", tests, NULL, NULL);
}
