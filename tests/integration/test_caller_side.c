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

static glide_value *cmd3(glide_client *c, const char *a, const char *b, const char *v,
                         size_t vlen) {
  const char *argv[3] = {a, b, v};
  size_t lens[3] = {strlen(a), strlen(b), vlen};
  return glide_client_command(c, v ? 3 : 2, argv, lens);
}

/* Repeats blocking GETs until one is answered on the caller side (the I/O thread offers the
 * connection once lending is wanted and the connection is quiet), at most 50 tries. */
static void warm_up(glide_client *c, const char *key) {
  const uint64_t before = h_stats(c).caller_side_requests;
  for (int i = 0; i < 50 && h_stats(c).caller_side_requests == before; i++) {
    glide_value *r = h_cmd(c, "GET", key, NULL);
    glide_value_free(r);
  }
  if (h_stats(c).caller_side_requests == before) h_fail("no GET took the caller-side path");
}

static void test_blocking_commands_take_the_caller_side(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char k[64], l[64];
  h_key(k, sizeof k, "cs:{a}:str");
  h_key(l, sizeof l, "cs:{a}:list");
  h_del_keys(c, k, l, NULL);
  warm_up(c, k);

  const glide_stats s0 = h_stats(c);
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
  const glide_stats s1 = h_stats(c);
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
  assert_int_equal(h_stats(c).caller_side_requests, s1.caller_side_requests);
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
    const glide_stats s0 = h_stats(c);
    glide_value *r = slow_script(c, k, "400000");
    assert_error_prefix(r, GLIDE_ERR_TIMEOUT, "timed out after 150 ms waiting for ");
    glide_value_free(r);
    const glide_stats s1 = h_stats(c);
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
    const glide_stats s2 = h_stats(c);
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
    const glide_stats s0 = h_stats(c);
    char buf[256];
    h_raw_cmd(port, buf, sizeof buf, "CLIENT", "KILL", "TYPE", "normal", NULL);
    h_sleep_ms(50);
    r = h_cmd(c, "GET", k, NULL);
    assert_bulk(r, "kept");
    glide_value_free(r);
    const glide_stats s1 = h_stats(c);
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
  const glide_stats s0 = h_stats(c);
  for (int i = 0; i <= T; i++) {
    w[i] = (worker){c, i, 0};
    assert_int_equal(pthread_create(&th[i], NULL, i < T ? blocking_worker : async_worker, &w[i]),
                     0);
  }
  for (int i = 0; i <= T; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(w[i].errors, 0);
  }
  const glide_stats s1 = h_stats(c);
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
  const glide_stats s0 = h_stats(c);
  glide_value *r = h_cmd(c, "SET", k, "s", NULL);
  assert_ok(r);
  glide_value_free(r);
  r = h_cmd(c, "GET", k, NULL);
  assert_bulk(r, "s");
  glide_value_free(r);
  assert_int_equal(h_stats(c).caller_side_requests - s0.caller_side_requests, 2);
  h_del_keys(c, k, NULL);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ batches */

/* Keys on every primary: cs:b:<i>, 24 of them spread over the slots. */
#define NK 24
static void batch_keys(char k[NK][64]) {
  for (int i = 0; i < NK; i++) h_key(k[i], sizeof k[i], "cs:b:%d", i);
}

/* Repeats a blocking batch of GETs of every key until one is answered on the caller side (all
 * of the nodes' connections on offer), at most 50 tries. */
static void warm_up_batch(glide_client *c, char k[NK][64]) {
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  for (int i = 0; i < NK; i++) OK(glide_batch_get(b, k[i], strlen(k[i])));
  const uint64_t before = h_stats(c).caller_side_requests;
  for (int i = 0; i < 50 && h_stats(c).caller_side_requests == before; i++) {
    glide_value *r = glide_client_exec(c, b, false, NULL);
    assert_array(r, NK);
    glide_value_free(r);
  }
  glide_batch_free(b);
  if (h_stats(c).caller_side_requests == before) h_fail("no batch took the caller-side path");
}

static void test_blocking_batch_takes_the_caller_side(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char k[NK][64];
  batch_keys(k);
  for (int i = 0; i < NK; i++) h_del_keys(c, k[i], NULL);
  warm_up_batch(c, k);
  for (int round = 0; round < 3; round++) {
    const glide_stats s0 = h_stats(c);
    glide_batch *b = glide_batch_new(false);
    assert_non_null(b);
    for (int i = 0; i < NK; i++) {
      char v[32];
      snprintf(v, sizeof v, "r%d-%d", round, i);
      OK(glide_batch_set(b, k[i], strlen(k[i]), v, strlen(v)));
      OK(glide_batch_get(b, k[i], strlen(k[i])));
    }
    OK(h_batch_cmd(b, "LPUSH", k[0], "x", NULL)); /* WRONGTYPE, in place */
    glide_value *r = glide_client_exec(c, b, false, NULL);
    assert_array(r, 2 * NK + 1);
    for (int i = 0; i < NK; i++) {
      char v[32];
      snprintf(v, sizeof v, "r%d-%d", round, i);
      assert_ok(h_at(r, 2 * (size_t)i));
      assert_bulk(h_at(r, 2 * (size_t)i + 1), v);
    }
    assert_error_prefix(h_at(r, 2 * NK), GLIDE_ERR_SERVER, "WRONGTYPE");
    glide_value_free(r);
    /* raise_on_error: the first error is the root, as on the I/O thread's path */
    r = glide_client_exec(c, b, true, NULL);
    assert_error_prefix(r, GLIDE_ERR_SERVER, "WRONGTYPE");
    glide_value_free(r);
    glide_batch_free(b);
    const glide_stats s1 = h_stats(c);
    assert_int_equal(s1.caller_side_requests - s0.caller_side_requests, 2);
    assert_int_equal(s1.requests_completed - s0.requests_completed, 2);
    assert_int_equal(s1.commands_sent - s0.commands_sent, 2 * (2 * NK + 1));
    assert_int_equal(s1.replies_received - s0.replies_received, 2 * (2 * NK + 1));
  }
  /* A typed helper's reply is shaped the same (COPY: a boolean). */
  char src[64], dst[64];
  h_key(src, sizeof src, "cs:{copy}:src");
  h_key(dst, sizeof dst, "cs:{copy}:dst");
  h_del_keys(c, src, dst, NULL);
  glide_batch *b = glide_batch_new(false);
  OK(glide_batch_set(b, src, strlen(src), "s", 1));
  OK(glide_batch_copy(b, src, strlen(src), dst, strlen(dst), false));
  OK(glide_batch_copy(b, src, strlen(src), dst, strlen(dst), false));
  const uint64_t before = h_stats(c).caller_side_requests;
  glide_value *r = glide_client_exec(c, b, false, NULL);
  assert_array(r, 3);
  assert_bool(h_at(r, 1), true);
  assert_bool(h_at(r, 2), false);
  glide_value_free(r);
  glide_batch_free(b);
  assert_int_equal(h_stats(c).caller_side_requests - before, 1);
  h_del_keys(c, src, dst, NULL);
  for (int i = 0; i < NK; i++) h_del_keys(c, k[i], NULL);
  glide_client_close(c);
}

/* 4,000 SETs of 2 KiB (8 MB written over three sockets while the replies come back): writes
 * the sockets take in part, interleaved with reading. Past 4,096 commands the I/O thread runs it.
 */
static void test_big_batch_on_the_caller_side(void **state) {
  (void)state;
  glide_client *c = h_cluster_client_timeouts(10000, 2000);
  char k[NK][64];
  batch_keys(k);
  warm_up_batch(c, k);
  static char v[2048];
  memset(v, 'v', sizeof v);
  for (int n = 4000; n <= 4200; n += 200) {
    glide_batch *b = glide_batch_new(false);
    for (int i = 0; i < n; i++) {
      char k[64];
      h_key(k, sizeof k, "cs:big:%d", i % 500);
      OK(glide_batch_set(b, k, strlen(k), v, sizeof v));
    }
    const uint64_t before = h_stats(c).caller_side_requests;
    glide_value *r = glide_client_exec(c, b, false, NULL);
    assert_array(r, (size_t)n);
    for (int i = 0; i < n; i++) assert_ok(h_at(r, (size_t)i));
    glide_value_free(r);
    glide_batch_free(b);
    assert_int_equal(h_stats(c).caller_side_requests - before, n <= 4096 ? 1 : 0);
  }
  for (int i = 0; i < 500; i++) {
    char k[64];
    h_key(k, sizeof k, "cs:big:%d", i);
    h_del_keys(c, k, NULL);
  }
  glide_client_close(c);
}

/* A batch whose slow element times out on the caller side: that element is TIMEOUT, the others
 * are answered; its connection is out of step (a reply still owed) and reconnects; the next
 * answers are their own. */
static void test_batch_timeout_on_the_caller_side(void **state) {
  (void)state;
  glide_client *c = h_cluster_client_timeouts(150, 2000);
  char k[NK][64];
  batch_keys(k);
  char slow[64];
  h_key(slow, sizeof slow, "cs:b:slow");
  warm_up_batch(c, k);
  const glide_stats s0 = h_stats(c);
  glide_batch *b = glide_batch_new(false);
  for (int i = 0; i < NK; i++) OK(glide_batch_set(b, k[i], strlen(k[i]), "t", 1));
  OK(h_batch_cmd(b, "EVAL",
                 "local t=redis.call('TIME') local s=t[1]*1000000+t[2] "
                 "while true do local n=redis.call('TIME') "
                 "if n[1]*1000000+n[2]-s>tonumber(ARGV[1]) then break end end "
                 "return redis.call('SET', KEYS[1], 'after')",
                 "1", slow, "400000", NULL));
  glide_value *r = glide_client_exec(c, b, false, NULL);
  glide_batch_free(b);
  assert_array(r, NK + 1);
  assert_error_prefix(h_at(r, NK), GLIDE_ERR_TIMEOUT, "timed out after 150 ms waiting for ");
  size_t ok = 0, timed_out = 0;
  for (int i = 0; i < NK; i++) {
    const glide_value *e = h_at(r, (size_t)i);
    if (e->type == GLIDE_VALUE_SIMPLE_STRING)
      ok++;
    else if (e->type == GLIDE_VALUE_ERROR && e->error_kind == GLIDE_ERR_TIMEOUT)
      timed_out++; /* queued behind the script on its node */
    else
      h_fail("element %d is neither OK nor TIMEOUT", i);
  }
  assert_true(ok > 0);
  glide_value_free(r);
  const glide_stats s1 = h_stats(c);
  assert_int_equal(s1.timeouts - s0.timeouts, 1);
  assert_int_equal(s1.caller_side_requests - s0.caller_side_requests, 1);
  h_sleep_ms(450);
  r = h_cmd(c, "GET", slow, NULL);
  assert_bulk(r, "after");
  glide_value_free(r);
  for (int i = 0; i < NK; i++) {
    r = h_cmd(c, "GET", k[i], NULL);
    assert_bulk(r, "t");
    glide_value_free(r);
    h_del_keys(c, k[i], NULL);
  }
  assert_int_equal(h_stats(c).reconnects - s0.reconnects, 1); /* the script's node */
  printf("%zu elements answered, %zu timed out behind the script\n", ok, timed_out);
  h_del_keys(c, slow, NULL);
  glide_client_close(c);
}

/* Connections the server closed while on offer: the batch sees it before writing anything and
 * takes the I/O thread's path, which reconnects. */
static void test_batch_connections_closed_while_offered(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char k[NK][64];
  batch_keys(k);
  warm_up_batch(c, k);
  uint16_t ports[3] = {0};
  size_t np = 0;
  for (int i = 0; i < NK && np < 3; i++) {
    const uint16_t p = h_slot_owner_port(c, h_key_slot(k[i], strlen(k[i])));
    bool seen = false;
    for (size_t j = 0; j < np; j++) seen |= ports[j] == p;
    if (!seen) ports[np++] = p;
  }
  for (int round = 0; round < 2; round++) {
    glide_batch *b = glide_batch_new(false);
    for (int i = 0; i < NK; i++) OK(glide_batch_set(b, k[i], strlen(k[i]), "w", 1));
    glide_value *r = glide_client_exec(c, b, false, NULL); /* every connection on offer */
    assert_array(r, NK);
    glide_value_free(r);
    const glide_stats s0 = h_stats(c);
    char buf[256];
    h_raw_cmd(ports[round % np], buf, sizeof buf, "CLIENT", "KILL", "TYPE", "normal", NULL);
    h_sleep_ms(50);
    r = glide_client_exec(c, b, false, NULL);
    assert_array(r, NK);
    for (int i = 0; i < NK; i++) assert_ok(h_at(r, (size_t)i));
    glide_value_free(r);
    glide_batch_free(b);
    assert_int_equal(h_stats(c).reconnects - s0.reconnects, 1);
  }
  for (int i = 0; i < NK; i++) h_del_keys(c, k[i], NULL);
  glide_client_close(c);
}

/* Transactions on the caller side: MULTI ... EXEC written and read by the calling thread. */
static void test_atomic_batch_on_the_caller_side(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  glide_client *other = h_cluster_client();
  char a[64], s[64];
  h_key(a, sizeof a, "cs:{tx}:a");
  h_key(s, sizeof s, "cs:{tx}:s");
  h_del_keys(c, a, s, NULL);
  warm_up(c, a);
  const glide_stats s0 = h_stats(c);

  glide_batch *b = glide_batch_new(true);
  OK(glide_batch_set(b, a, strlen(a), "1", 1));
  OK(h_batch_cmd(b, "INCR", a, NULL));
  OK(glide_batch_get(b, a, strlen(a)));
  OK(glide_batch_set(b, s, strlen(s), "text", 4));
  OK(h_batch_cmd(b, "INCR", s, NULL)); /* fails when run: an ERROR element */
  glide_value *r = glide_client_exec(c, b, false, NULL);
  assert_array(r, 5);
  assert_ok(h_at(r, 0));
  assert_int(h_at(r, 1), 2);
  assert_bulk(h_at(r, 2), "2");
  assert_ok(h_at(r, 3));
  assert_error_prefix(h_at(r, 4), GLIDE_ERR_SERVER, "ERR value is not an integer");
  glide_value_free(r);
  r = glide_client_exec(c, b, true, NULL); /* raise_on_error: that error is the root */
  assert_error_prefix(r, GLIDE_ERR_SERVER, "ERR value is not an integer");
  glide_value_free(r);
  glide_batch_free(b);

  /* Refused at queue time: the server discards it (EXEC_ABORT, with the first error). */
  b = glide_batch_new(true);
  OK(glide_batch_set(b, a, strlen(a), "never", 5));
  OK(h_batch_cmd(b, "INCRBY", a, "1", "2", NULL)); /* wrong number of arguments */
  r = glide_client_exec(c, b, false, NULL);
  assert_error_prefix(r, GLIDE_ERR_EXEC_ABORT, "EXECABORT");
  if (!strstr(r->u.string.ptr, "First error: ERR wrong number of arguments"))
    h_fail("EXEC_ABORT without its first error: %s", r->u.string.ptr);
  glide_value_free(r);
  glide_batch_free(b);
  r = h_cmd(c, "GET", a, NULL);
  assert_bulk(r, "2"); /* nothing of it ran */
  glide_value_free(r);

  /* WATCH (a single command, on the same borrowed connection), a change from another client:
   * the transaction does not run (NIL). */
  r = h_cmd(c, "WATCH", a, NULL);
  assert_ok(r);
  glide_value_free(r);
  r = h_cmd(other, "SET", a, "changed", NULL);
  assert_ok(r);
  glide_value_free(r);
  b = glide_batch_new(true);
  OK(glide_batch_set(b, a, strlen(a), "mine", 4));
  r = glide_client_exec(c, b, false, NULL);
  assert_nil(r);
  glide_value_free(r);
  glide_batch_free(b);
  r = h_cmd(c, "GET", a, NULL);
  assert_bulk(r, "changed");
  glide_value_free(r);

  const glide_stats s1 = h_stats(c);
  /* 3 transactions + GET + WATCH + GET on the caller side */
  assert_int_equal(s1.caller_side_requests - s0.caller_side_requests, 7);
  h_del_keys(c, a, s, NULL);
  glide_client_close(other);
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
      cmocka_unit_test(test_blocking_batch_takes_the_caller_side),
      cmocka_unit_test(test_big_batch_on_the_caller_side),
      cmocka_unit_test(test_batch_timeout_on_the_caller_side),
      cmocka_unit_test(test_batch_connections_closed_while_offered),
      cmocka_unit_test(test_atomic_batch_on_the_caller_side),
  };
  return cmocka_run_group_tests(tests, h_group_setup, NULL);
}
