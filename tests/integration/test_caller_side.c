/*
 * The caller-side fast path of blocking glide_client_command (docs/ARCHITECTURE.md, "Threads"):
 * the calling thread borrows the quiet connection of the command's primary and does the round
 * trip itself. Checked against the real cluster: it is taken (glide_stats.caller_side_requests)
 * and its answers equal the I/O thread's (values, big replies, server errors); order is kept
 * behind async requests still in flight; a timeout leaves the late reply to the I/O thread, which
 * drops it (the next answers are their own); a connection the server closed while it was on
 * offer is not used; many threads at once (TSan runs this), and a standalone client.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

static glide_stats stats_of(glide_client *c) {
  glide_stats s;
  memset(&s, 0xab, sizeof s);
  s.struct_size = sizeof s;
  OK(glide_client_get_stats(c, &s));
  return s;
}

static glide_value *cmd3(glide_client *c, const char *a, const char *b, const char *v,
                         size_t vlen) {
  const char *argv[3] = {a, b, v};
  size_t lens[3] = {strlen(a), strlen(b), vlen};
  return glide_client_command(c, v ? 3 : 2, argv, lens);
}

/* Repeats blocking GETs until one is answered on the caller side (the I/O thread offers the
 * connection once lending is wanted and the connection is quiet), at most 50 tries. */
static void warm_up(glide_client *c, const char *key) {
  const uint64_t before = stats_of(c).caller_side_requests;
  for (int i = 0; i < 50 && stats_of(c).caller_side_requests == before; i++) {
    glide_value *r = h_cmd(c, "GET", key, NULL);
    glide_value_free(r);
  }
  if (stats_of(c).caller_side_requests == before) h_fail("no GET took the caller-side path");
}

static void test_blocking_commands_take_the_caller_side(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char k[64], l[64];
  h_key(k, sizeof k, "cs:{a}:str");
  h_key(l, sizeof l, "cs:{a}:list");
  h_del_keys(c, k, l, NULL);
  warm_up(c, k);

  const glide_stats s0 = stats_of(c);
  glide_value *r = h_cmd(c, "SET", k, "v1", NULL);
  assert_ok(r);
  glide_value_free(r);
  r = h_cmd(c, "GET", k, NULL);
  assert_bulk(r, "v1");
  glide_value_free(r);
  r = h_cmd(c, "APPEND", k, "23", NULL);
  assert_int(r, 4);
  glide_value_free(r);
  /* A server error is the answer, as on the I/O thread's path. */
  r = h_cmd(c, "LPUSH", k, "x", NULL);
  assert_error_prefix(r, GLIDE_ERR_SERVER, "WRONGTYPE");
  glide_value_free(r);
  r = h_cmd(c, "RPUSH", l, "a", "b", "c", NULL);
  assert_int(r, 3);
  glide_value_free(r);
  r = h_cmd(c, "LRANGE", l, "0", "-1", NULL);
  assert_array(r, 3);
  assert_bulk(h_at(r, 2), "c");
  glide_value_free(r);
  /* A reply bigger than one read (1 MiB of binary data, NULs included). */
  const size_t big = (size_t)1 << 20;
  char *v = malloc(big);
  assert_non_null(v);
  for (size_t i = 0; i < big; i++) v[i] = (char)(i * 7);
  r = cmd3(c, "SET", k, v, big);
  assert_ok(r);
  glide_value_free(r);
  r = cmd3(c, "GET", k, NULL, 0);
  assert_bulk_len(r, v, big);
  glide_value_free(r);
  free(v);
  const glide_stats s1 = stats_of(c);
  /* Every one of the 8 went the caller's way (nothing else was pending), and was counted as the
   * I/O thread's would be. */
  assert_int_equal(s1.caller_side_requests - s0.caller_side_requests, 8);
  assert_int_equal(s1.requests_completed - s0.requests_completed, 8);
  assert_int_equal(s1.commands_sent - s0.commands_sent, 8);
  assert_int_equal(s1.replies_received - s0.replies_received, 8);
  assert_int_equal(s1.inflight_requests, 0);

  /* What the fast path does not take: keyless, multi-slot, blocking commands. */
  r = h_cmd(c, "PING", NULL);
  glide_value_free(r);
  char k2[64];
  h_key(k2, sizeof k2, "cs:{b}:str");
  r = h_cmd(c, "MGET", k, k2, NULL);
  assert_array(r, 2);
  glide_value_free(r);
  r = h_cmd(c, "BLPOP", l, "1", NULL);
  assert_array(r, 2);
  glide_value_free(r);
  assert_int_equal(stats_of(c).caller_side_requests, s1.caller_side_requests);
  h_del_keys(c, k, l, NULL);
  glide_client_close(c);
}

/* An async SET still in flight, then a blocking GET of the same key: the GET must not overtake
 * it (the caller side is only taken when nothing is pending on the I/O thread). */
static void test_order_kept_behind_async_requests(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char k[64];
  h_key(k, sizeof k, "cs:order");
  warm_up(c, k);
  enum { N = 300 };
  h_waiter *w[N];
  for (int i = 0; i < N; i++) {
    char val[32];
    snprintf(val, sizeof val, "v%d", i);
    const char *argv[3] = {"SET", k, val};
    size_t lens[3] = {3, strlen(k), strlen(val)};
    w[i] = h_waiter_new();
    OK(glide_client_command_async(c, 3, argv, lens, h_waiter_cb, w[i]));
    glide_value *r = h_cmd(c, "GET", k, NULL);
    assert_bulk(r, val);
    glide_value_free(r);
  }
  for (int i = 0; i < N; i++) {
    glide_value *r = h_waiter_wait(w[i], 5000);
    assert_ok(r);
    glide_value_free(r);
    assert_int_equal(h_waiter_calls(w[i]), 1);
    h_waiter_free(w[i]);
  }
  h_del_keys(c, k, NULL);
  glide_client_close(c);
}

/* A keyed script that runs ~us microseconds, then SETs its key to "after". */
static glide_value *slow_script(glide_client *c, const char *key, const char *us) {
  return h_cmd(c, "EVAL",
               "local t=redis.call('TIME') local s=t[1]*1000000+t[2] "
               "while true do local n=redis.call('TIME') "
               "if n[1]*1000000+n[2]-s>tonumber(ARGV[1]) then break end end "
               "return redis.call('SET', KEYS[1], 'after')",
               "1", key, us, NULL);
}

static void test_timeout_leaves_the_late_reply_to_the_io_thread(void **state) {
  (void)state;
  glide_client *c = h_cluster_client_timeouts(150, 2000);
  char k[64];
  h_key(k, sizeof k, "cs:slow");
  h_del_keys(c, k, NULL);
  warm_up(c, k);
  for (int round = 0; round < 2; round++) {
    const glide_stats s0 = stats_of(c);
    glide_value *r = slow_script(c, k, "400000");
    assert_error_prefix(r, GLIDE_ERR_TIMEOUT, "timed out after 150 ms waiting for ");
    glide_value_free(r);
    const glide_stats s1 = stats_of(c);
    assert_int_equal(s1.timeouts - s0.timeouts, 1);
    assert_int_equal(s1.caller_side_requests - s0.caller_side_requests, 1);
    h_sleep_ms(450); /* the script ends and its late +OK arrives */
    /* The next answers are their own, not the late +OK. */
    r = h_cmd(c, "GET", k, NULL);
    assert_bulk(r, "after");
    glide_value_free(r);
    r = h_cmd(c, "STRLEN", k, NULL);
    assert_int(r, 5);
    glide_value_free(r);
    const glide_stats s2 = stats_of(c);
    /* The late reply was read (by the I/O thread) and the connection kept. */
    assert_int_equal(s2.replies_received - s1.replies_received, 3);
    assert_int_equal(s2.reconnects, s0.reconnects);
    h_del_keys(c, k, NULL);
  }
  glide_client_close(c);
}

/* The server closes the connection while it is on offer (out of the I/O thread's epoll): the
 * next blocking command sees it before writing, and the I/O thread reconnects and answers. */
static void test_connection_closed_while_offered(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char k[64];
  h_key(k, sizeof k, "cs:killed");
  glide_value *r = h_cmd(c, "SET", k, "kept", NULL);
  assert_ok(r);
  glide_value_free(r);
  warm_up(c, k);
  const uint16_t port = h_slot_owner_port(c, h_key_slot(k, strlen(k)));
  for (int round = 0; round < 3; round++) {
    const glide_stats s0 = stats_of(c);
    char buf[256];
    h_raw_cmd(port, buf, sizeof buf, "CLIENT", "KILL", "TYPE", "normal", NULL);
    h_sleep_ms(50);
    r = h_cmd(c, "GET", k, NULL);
    assert_bulk(r, "kept");
    glide_value_free(r);
    const glide_stats s1 = stats_of(c);
    assert_int_equal(s1.reconnects - s0.reconnects, 1);
  }
  h_del_keys(c, k, NULL);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ threads */

typedef struct {
  glide_client *c;
  int id;
  int errors;
} worker;

static void *blocking_worker(void *arg) {
  worker *w = arg;
  char k[64];
  h_key(k, sizeof k, "cs:thread:%d", w->id);
  for (int i = 0; i < 400; i++) {
    char val[32];
    snprintf(val, sizeof val, "%d-%d", w->id, i);
    glide_value *r = h_cmd(w->c, "SET", k, val, NULL);
    if (r->type != GLIDE_VALUE_SIMPLE_STRING) w->errors++;
    glide_value_free(r);
    r = h_cmd(w->c, "GET", k, NULL);
    if (r->type != GLIDE_VALUE_BULK_STRING || r->u.string.len != strlen(val) ||
        memcmp(r->u.string.ptr, val, r->u.string.len) != 0)
      w->errors++;
    glide_value_free(r);
  }
  return NULL;
}

static void *async_worker(void *arg) {
  worker *w = arg;
  char k[64];
  h_key(k, sizeof k, "cs:thread:async");
  for (int i = 0; i < 50; i++) {
    enum { B = 20 };
    h_waiter *ws[B];
    for (int j = 0; j < B; j++) {
      const char *argv[2] = {"INCR", k};
      size_t lens[2] = {4, strlen(k)};
      ws[j] = h_waiter_new();
      if (glide_client_command_async(w->c, 2, argv, lens, h_waiter_cb, ws[j]) != GLIDE_OK)
        w->errors++;
    }
    for (int j = 0; j < B; j++) {
      glide_value *r = h_waiter_wait(ws[j], 5000);
      if (!r || r->type != GLIDE_VALUE_INTEGER) w->errors++;
      glide_value_free(r);
      h_waiter_free(ws[j]);
    }
  }
  return NULL;
}

static void test_threads_share_the_connections(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  enum { T = 4 };
  pthread_t th[T + 1];
  worker w[T + 1];
  const glide_stats s0 = stats_of(c);
  for (int i = 0; i <= T; i++) {
    w[i] = (worker){c, i, 0};
    assert_int_equal(pthread_create(&th[i], NULL, i < T ? blocking_worker : async_worker, &w[i]),
                     0);
  }
  for (int i = 0; i <= T; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(w[i].errors, 0);
  }
  const glide_stats s1 = stats_of(c);
  printf("caller side: %llu of %d blocking commands\n",
         (unsigned long long)(s1.caller_side_requests - s0.caller_side_requests), T * 800);
  assert_int_equal(s1.requests_completed - s0.requests_completed, T * 800 + 50 * 20);
  assert_int_equal(s1.inflight_requests, 0);
  char k[64];
  h_key(k, sizeof k, "cs:thread:async");
  glide_value *r = h_cmd(c, "GET", k, NULL);
  assert_bulk(r, "1000");
  glide_value_free(r);
  h_del_keys(c, k, NULL);
  for (int i = 0; i < T; i++) {
    h_key(k, sizeof k, "cs:thread:%d", i);
    h_del_keys(c, k, NULL);
  }
  glide_client_close(c);
}

static void test_standalone_client(void **state) {
  (void)state;
  glide_client *c = h_standalone_client();
  char k[64];
  h_key(k, sizeof k, "cs:standalone");
  warm_up(c, k);
  const glide_stats s0 = stats_of(c);
  glide_value *r = h_cmd(c, "SET", k, "s", NULL);
  assert_ok(r);
  glide_value_free(r);
  r = h_cmd(c, "GET", k, NULL);
  assert_bulk(r, "s");
  glide_value_free(r);
  assert_int_equal(stats_of(c).caller_side_requests - s0.caller_side_requests, 2);
  h_del_keys(c, k, NULL);
  glide_client_close(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_blocking_commands_take_the_caller_side),
      cmocka_unit_test(test_order_kept_behind_async_requests),
      cmocka_unit_test(test_timeout_leaves_the_late_reply_to_the_io_thread),
      cmocka_unit_test(test_connection_closed_while_offered),
      cmocka_unit_test(test_threads_share_the_connections),
      cmocka_unit_test(test_standalone_client),
  };
  return cmocka_run_group_tests(tests, h_group_setup, NULL);
}
