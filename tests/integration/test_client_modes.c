/*
 * Client modes and cluster-wide commands: dispatched callbacks, fan-out with response policies as
 * single commands, reply limits turning into PROTOCOL errors (and recovery), the in-flight limit,
 * blocking calls from a callback, and subscriptions refused without a pubsub callback.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#include "fake_node.h"

/* ------------------------------------------------------------------ dispatched callbacks */

typedef struct {
  int calls;
  pthread_t thread;
  bool ok;
} dispatch_state;

#include <pthread.h>

static void dispatch_cb(void *user_data, glide_value *v) {
  dispatch_state *s = user_data;
  s->calls++;
  s->thread = pthread_self();
  s->ok = glide_value_get_type(v) == GLIDE_VALUE_SIMPLE_STRING;
  glide_value_free(v);
}

static void test_dispatched_callbacks_run_on_the_host_thread(void **state) {
  (void)state;
  glide_config *cfg = h_config_cluster();
  assert_int_equal(glide_config_set_callback_mode(cfg, GLIDE_CALLBACKS_DISPATCHED), GLIDE_OK);
  glide_client *c = h_connect(cfg);
  const int fd = glide_client_event_fd(c);
  assert_true(fd >= 0);
  enum { N = 20 };
  dispatch_state st[N];
  memset(st, 0, sizeof st);
  const char *argv[] = {"PING"};
  const size_t lens[] = {4};
  for (int i = 0; i < N; i++)
    assert_int_equal(glide_client_command_async(c, 1, argv, lens, dispatch_cb, &st[i]), GLIDE_OK);
  /* Nothing runs until the host dispatches; the fd becomes readable when completions queue up. */
  size_t ran = 0;
  const uint64_t deadline = h_now_ms() + 5000;
  bool limited_once = false;
  while (ran < N && h_now_ms() < deadline) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 100) <= 0) continue;
    /* First round: at most 3, to check that max_callbacks is honoured and the rest stays. */
    const size_t n = glide_client_dispatch(c, limited_once ? 0 : 3);
    if (!limited_once && n > 0) {
      assert_true(n <= 3);
      limited_once = true;
    }
    ran += n;
  }
  assert_int_equal(ran, N);
  for (int i = 0; i < N; i++) {
    assert_int_equal(st[i].calls, 1);
    assert_true(pthread_equal(st[i].thread, pthread_self()));
    assert_true(st[i].ok);
  }
  assert_int_equal(glide_client_dispatch(c, 0), 0);
  glide_client_close(c);
}

static void test_dispatched_close_runs_queued_callbacks(void **state) {
  (void)state;
  glide_config *cfg = h_config_cluster();
  assert_int_equal(glide_config_set_callback_mode(cfg, GLIDE_CALLBACKS_DISPATCHED), GLIDE_OK);
  glide_client *c = h_connect(cfg);
  dispatch_state st;
  memset(&st, 0, sizeof st);
  const char *argv[] = {"PING"};
  const size_t lens[] = {4};
  assert_int_equal(glide_client_command_async(c, 1, argv, lens, dispatch_cb, &st), GLIDE_OK);
  h_sleep_ms(200); /* answered and queued, never dispatched */
  glide_client_close(c);
  assert_int_equal(st.calls, 1); /* close fires it: exactly once, never lost */
}

static void test_default_mode_has_no_event_fd(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  assert_int_equal(glide_client_event_fd(c), -1);
  assert_int_equal(glide_client_dispatch(c, 0), 0);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ fan-out single commands */

static int64_t node_dbsize(uint16_t port) {
  char buf[64];
  h_raw_cmd(port, buf, sizeof buf, "DBSIZE", NULL);
  assert_int_equal(buf[0], ':');
  return strtoll(buf + 1, NULL, 10);
}

static void test_fanout_single_commands(void **state) {
  (void)state;
  const h_servers *s = h_servers_get();
  glide_client *c = h_cluster_client();
  char k[128];
  for (int i = 0; i < 30; i++) {
    glide_value *v = h_cmd(c, "SET", h_key(k, sizeof k, "fan:%d", i), "x", NULL);
    assert_ok(v);
    glide_value_free(v);
  }
  /* DBSIZE: sum over the primaries (replicas hold copies and are not counted). */
  uint16_t owner[16384];
  h_cluster_slot_map(c, owner);
  int64_t expected = 0;
  uint16_t primaries[H_MAX_CLUSTER_PORTS];
  size_t np = 0;
  for (size_t i = 0; i < 16384; i++) {
    bool seen = false;
    for (size_t j = 0; j < np; j++) seen = seen || primaries[j] == owner[i];
    if (!seen && owner[i]) primaries[np++] = owner[i];
  }
  assert_int_equal(np, 3);
  for (size_t j = 0; j < np; j++) expected += node_dbsize(primaries[j]);
  glide_value *v = h_cmd(c, "DBSIZE", NULL);
  assert_int(v, expected);
  glide_value_free(v);

  /* PING to all primaries: all succeeded -> one PONG. */
  v = h_cmd(c, "PING", NULL);
  assert_type(v, GLIDE_VALUE_SIMPLE_STRING);
  glide_value_free(v);

  /* INFO: a map "host:port" -> that primary's text. */
  v = h_cmd(c, "INFO", "server", NULL);
  assert_map(v, 3);
  for (size_t i = 0; i < 3; i++) {
    size_t n;
    const char *key = glide_value_string(glide_value_map_key(v, i), &n);
    assert_non_null(key);
    assert_true(strncmp(key, s->host, strlen(s->host)) == 0);
    const char *text = glide_value_string(glide_value_map_value(v, i), &n);
    assert_non_null(text);
    assert_non_null(strstr(text, "redis_version"));
  }
  glide_value_free(v);

  /* KEYS: arrays of all primaries concatenated. */
  v = h_cmd(c, "KEYS", h_key(k, sizeof k, "fan:*"), NULL);
  assert_array(v, 30);
  glide_value_free(v);

  /* Multi-slot DEL as a single command: split per slot, counts summed. */
  glide_batch *b = glide_batch_new(false);
  assert_int_equal(h_batch_cmd(b, "DEL", h_key(k, sizeof k, "fan:%d", 0), NULL), GLIDE_OK);
  glide_batch_free(b);
  const char *argv[31];
  size_t lens[31];
  char keys[30][128];
  argv[0] = "DEL";
  lens[0] = 3;
  for (int i = 0; i < 30; i++) {
    h_key(keys[i], sizeof keys[i], "fan:%d", i);
    argv[i + 1] = keys[i];
    lens[i + 1] = strlen(keys[i]);
  }
  v = glide_client_command(c, 31, argv, lens);
  assert_int(v, 30);
  glide_value_free(v);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ limits */

static void test_reply_limit_is_a_protocol_error_and_the_client_recovers(void **state) {
  (void)state;
  glide_config *cfg = h_config_standalone(h_standalone_port());
  /* 16 elements: the HELLO 3 reply (7 pairs = 14) still fits. */
  assert_int_equal(glide_config_set_reply_limits(cfg, 0, 0, 16), GLIDE_OK);
  glide_client *c = h_connect(cfg);
  char k[128];
  h_key(k, sizeof k, "limit");
  glide_value *v = h_cmd(c, "DEL", k, NULL);
  glide_value_free(v);
  v = h_cmd(c, "RPUSH", k, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13",
            "14", "15", "16", "17", NULL);
  assert_int(v, 17);
  glide_value_free(v);
  v = h_cmd(c, "LRANGE", k, "0", "-1", NULL); /* 17 elements > limit 16 */
  assert_error_kind(v, GLIDE_ERR_PROTOCOL);
  glide_value_free(v);
  /* The connection was dropped; the next request reconnects and works. */
  v = h_cmd(c, "LRANGE", k, "0", "2", NULL);
  assert_array(v, 3);
  glide_value_free(v);
  v = h_cmd(c, "DEL", k, NULL);
  assert_int(v, 1);
  glide_value_free(v);
  glide_client_close(c);
}

static void test_inflight_limit(void **state) {
  (void)state;
  glide_config *cfg = h_config_standalone(h_standalone_port());
  assert_int_equal(glide_config_set_inflight_limit(cfg, 2), GLIDE_OK);
  glide_client *c = h_connect(cfg);
  char k[128];
  h_key(k, sizeof k, "inflight");
  const char *argv[] = {"BLPOP", k, "1"};
  const size_t lens[] = {5, strlen(k), 1};
  h_waiter *w1 = h_waiter_new(), *w2 = h_waiter_new(), *w3 = h_waiter_new();
  assert_int_equal(glide_client_command_async(c, 3, argv, lens, h_waiter_cb, w1), GLIDE_OK);
  assert_int_equal(glide_client_command_async(c, 3, argv, lens, h_waiter_cb, w2), GLIDE_OK);
  assert_int_equal(glide_client_command_async(c, 3, argv, lens, h_waiter_cb, w3),
                   GLIDE_ERR_INFLIGHT_LIMIT);
  glide_value *v = glide_client_command(c, 3, argv, lens);
  assert_error_kind(v, GLIDE_ERR_INFLIGHT_LIMIT);
  glide_value_free(v);
  /* BLPOP 1 s under the 1 s default request timeout may go either way; both calls complete. */
  glide_value_free(h_waiter_wait(w1, 5000));
  glide_value_free(h_waiter_wait(w2, 5000));
  assert_int_equal(h_waiter_calls(w1), 1);
  assert_int_equal(h_waiter_calls(w3), 0);
  h_waiter_free(w1);
  h_waiter_free(w2);
  h_waiter_free(w3);
  /* A BLPOP blocks its connection on the server: let both end before the next command. */
  h_sleep_ms(600);
  v = h_cmd(c, "PING", NULL); /* capacity is back */
  assert_type(v, GLIDE_VALUE_SIMPLE_STRING);
  glide_value_free(v);
  glide_client_close(c);
}

typedef struct {
  glide_client *client;
  glide_value *inner;
  atomic_int done;
} reentry_state;

static void reentry_cb(void *user_data, glide_value *v) {
  reentry_state *s = user_data;
  glide_value_free(v);
  const char *argv[] = {"PING"};
  const size_t lens[] = {4};
  s->inner = glide_client_command(s->client, 1, argv, lens); /* would deadlock: refused */
  atomic_store(&s->done, 1);
}

static void test_blocking_call_inside_a_callback_is_refused(void **state) {
  (void)state;
  reentry_state s = {.client = h_cluster_client()};
  atomic_init(&s.done, 0);
  const char *argv[] = {"PING"};
  const size_t lens[] = {4};
  assert_int_equal(glide_client_command_async(s.client, 1, argv, lens, reentry_cb, &s), GLIDE_OK);
  assert_true(h_wait_counter(&s.done, 1, 5000));
  assert_error_kind(s.inner, GLIDE_ERR_INVALID_ARGUMENT);
  glide_value_free(s.inner);
  glide_client_close(s.client);
}

/* glide_client_close from inside a callback on the I/O thread: it returns at once; when the
 * callback returns, the close completes there: the request still pending gets CLOSING, the I/O
 * thread ends and frees the client (LeakSanitizer checks the freeing in the ASan builds). */
typedef struct self_close {
  glide_client *client;
  atomic_int closed;
  h_waiter *pending;
} self_close;

static void close_from_callback_cb(void *user_data, glide_value *v) {
  self_close *s = user_data;
  glide_value_free(v);
  glide_client_close(s->client);
  atomic_store(&s->closed, 1);
}

static void test_close_from_inside_a_callback(void **state) {
  (void)state;
  /* "never" lives on node b, which never answers it; "a" on node a, whose answer closes. */
  fake_fixture f = {.a = fake_node_start(), .b = fake_node_start()};
  fake_fixture_map_slot_to(&f, h_key_slot("never", 5), f.b, f.a);
  fake_node_on_silent(f.b, "GET", "never", 0);
  const size_t threads0 = h_thread_count();
  self_close s = {.client = fake_node_client(f.a, 5000, 0, 0), .pending = h_waiter_new()};
  atomic_init(&s.closed, 0);
  const char *get[] = {"GET", "never"};
  const size_t get_lens[] = {3, 5};
  assert_int_equal(glide_client_command_async(s.client, 2, get, get_lens, h_waiter_cb, s.pending),
                   GLIDE_OK);
  const char *get_a[] = {"GET", "a"};
  const size_t get_a_lens[] = {3, 1};
  assert_int_equal(
      glide_client_command_async(s.client, 2, get_a, get_a_lens, close_from_callback_cb, &s),
      GLIDE_OK);
  assert_true(h_wait_counter(&s.closed, 1, 5000));
  glide_value *v = h_waiter_wait(s.pending, 2000); /* long before its 5 s timeout */
  assert_error_kind(v, GLIDE_ERR_CLOSING);
  glide_value_free(v);
  assert_int_equal(h_waiter_calls(s.pending), 1);
  h_waiter_free(s.pending);
  const uint64_t deadline = h_now_ms() + 3000;
  while (h_thread_count() > threads0 && h_now_ms() < deadline) h_sleep_ms(10);
  if (h_thread_count() > threads0)
    h_fail(
        "the I/O thread did not end after a close from its own callback (%zu threads, %zu before)",
        h_thread_count(), threads0);
  fake_node_stop(f.a);
  fake_node_stop(f.b);
}

static void dummy_pubsub(void *u, const glide_pubsub_message *m) {
  (void)u;
  (void)m;
}

static void test_subscriptions_need_a_callback(void **state) {
  (void)state;
  glide_config *cfg = h_config_cluster();
  assert_int_equal(glide_config_subscribe(cfg, GLIDE_PUBSUB_SHARDED, "ch", 2), GLIDE_OK);
  glide_client *c = NULL;
  /* Subscriptions without a callback (set, then cleared) are refused, in either protocol. */
  assert_int_equal(glide_config_set_pubsub_callback(cfg, dummy_pubsub, NULL), GLIDE_OK);
  assert_int_equal(glide_config_set_pubsub_callback(cfg, NULL, NULL), GLIDE_OK);
  assert_int_equal(glide_client_new(cfg, &c, NULL), GLIDE_ERR_INVALID_ARGUMENT);
  assert_null(c);
  assert_int_equal(glide_config_set_protocol(cfg, 2), GLIDE_OK);
  assert_int_equal(glide_client_new(cfg, &c, NULL), GLIDE_ERR_INVALID_ARGUMENT);
  assert_null(c);
  glide_config_free(cfg);
}

/* ------------------------------------------------------------------ close with requests pending */

/* Every request accepted before glide_client_close has had its callback exactly once when close
 * returns: commands blocked on the server (BLPOP), batches in flight, and whatever is still in
 * the submit queue. Several rounds, so the close meets the requests at different stages. */
enum { CLOSE_N = 300, CLOSE_ROUNDS = 15 };

typedef struct {
  atomic_int calls[CLOSE_N];
  atomic_int closing;
} close_state;

typedef struct {
  close_state *s;
  int i;
} close_ref;

static void close_cb(void *user_data, glide_value *v) {
  close_ref *r = user_data;
  atomic_fetch_add(&r->s->calls[r->i], 1);
  if (glide_value_get_type(v) == GLIDE_VALUE_ERROR &&
      glide_value_error_kind(v) == GLIDE_ERR_CLOSING)
    atomic_fetch_add(&r->s->closing, 1);
  glide_value_free(v);
}

static void test_close_completes_every_pending_request(void **state) {
  (void)state;
  static close_state s;
  static close_ref refs[CLOSE_N];
  for (int round = 0; round < CLOSE_ROUNDS; round++) {
    memset(&s, 0, sizeof s);
    glide_config *cfg = h_config_cluster();
    OK(glide_config_set_request_timeout_ms(cfg, 10000));
    glide_client *c = h_connect(cfg);
    char keys[CLOSE_N][64];
    for (int i = 0; i < CLOSE_N; i++) {
      refs[i] = (close_ref){&s, i};
      h_key(keys[i], sizeof keys[i], "close:%d:%d", round, i);
      glide_status st;
      if (i % 3 == 0) {
        const char *argv[] = {"BLPOP", keys[i], "5"};
        const size_t lens[] = {5, strlen(keys[i]), 1};
        st = glide_client_command_async(c, 3, argv, lens, close_cb, &refs[i]);
      } else {
        glide_batch *b = glide_batch_new(false);
        assert_non_null(b);
        OK(h_batch_cmd(b, "SET", keys[i], "v", NULL));
        OK(h_batch_cmd(b, "GET", keys[i], NULL));
        st = glide_client_exec_async(c, b, false, NULL, close_cb, &refs[i]);
        glide_batch_free(b);
      }
      assert_int_equal(st, GLIDE_OK);
    }
    if (round % 3 == 1) h_sleep_ms(5); /* some answered, some on the wire, BLPOPs held */
    const uint64_t t0 = h_now_ms();
    glide_client_close(c);
    const uint64_t ms = h_now_ms() - t0;
    if (ms > 4000) h_fail("round %d: close took %llu ms", round, (unsigned long long)ms);
    for (int i = 0; i < CLOSE_N; i++)
      if (atomic_load(&s.calls[i]) != 1)
        h_fail("round %d: request %d had %d callbacks when close returned", round, i,
               atomic_load(&s.calls[i]));
    /* every BLPOP ended by the close */
    assert_true(atomic_load(&s.closing) >= CLOSE_N / 3);
    /* The SETs that ran leave keys behind: gone again (other tests count keys in slots). */
    glide_client *cleaner = h_cluster_client();
    glide_batch *del = glide_batch_new(false);
    assert_non_null(del);
    for (int i = 0; i < CLOSE_N; i++) OK(h_batch_cmd(del, "DEL", keys[i], NULL));
    glide_value *gone = glide_client_exec(cleaner, del, true, NULL);
    assert_array(gone, CLOSE_N);
    glide_value_free(gone);
    glide_batch_free(del);
    glide_client_close(cleaner);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dispatched_callbacks_run_on_the_host_thread),
      cmocka_unit_test(test_dispatched_close_runs_queued_callbacks),
      cmocka_unit_test(test_default_mode_has_no_event_fd),
      cmocka_unit_test(test_fanout_single_commands),
      cmocka_unit_test(test_reply_limit_is_a_protocol_error_and_the_client_recovers),
      cmocka_unit_test(test_inflight_limit),
      cmocka_unit_test(test_blocking_call_inside_a_callback_is_refused),
      cmocka_unit_test(test_close_from_inside_a_callback),
      cmocka_unit_test(test_subscriptions_need_a_callback),
      cmocka_unit_test(test_close_completes_every_pending_request),
  };
  return cmocka_run_group_tests(tests, h_group_setup, NULL);
}
