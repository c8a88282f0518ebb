/*
 * Pub/sub against the real cluster (and the standalone server): config-time exact, pattern and
 * sharded subscriptions delivered on the I/O thread and through the dispatch queue, messages
 * published by another client through glide_batch_publish, each once and in order, binary
 * payloads intact; runtime subscribe / unsubscribe; killed subscriber connections and a failover
 * of the sharded channel's primary, after which the subscriptions come back by themselves.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* The protocol the subscribers speak: 3 (pushes on the command connections) or 2 (a dedicated
 * subscriber connection per node); the resp2_* tests run the RESP3 ones again with 2. */
static int g_protocol = 3;

/* ------------------------------------------------------------------ received messages */

enum { MAX_MSGS = 4096 };

typedef struct {
  glide_pubsub_kind kind;
  char channel[128];
  size_t channel_len;
  char pattern[128];
  size_t pattern_len;
  bool has_pattern;
  char payload[256];
  size_t payload_len;
  pthread_t thread;
} rx_msg;

typedef struct {
  pthread_mutex_t mu;
  rx_msg msgs[MAX_MSGS];
  size_t count;
  /* a call from inside the callback (on the I/O thread): what glide_client_subscribe said */
  glide_client *self;
  glide_status inner_status;
  bool inner_called;
} rx_state;

static rx_state *rx_new(void) {
  rx_state *rx = calloc(1, sizeof *rx);
  assert_non_null(rx);
  pthread_mutex_init(&rx->mu, NULL);
  rx->inner_status = GLIDE_OK;
  return rx;
}

static void rx_free(rx_state *rx) {
  pthread_mutex_destroy(&rx->mu);
  free(rx);
}

static void copy_bytes(char *dst, size_t cap, size_t *len, const char *src, size_t n) {
  if (n > cap) n = cap;
  if (n) memcpy(dst, src, n);
  *len = n;
}

static void on_message(void *user_data, const glide_pubsub_message *m) {
  rx_state *rx = user_data;
  pthread_mutex_lock(&rx->mu);
  glide_client *self = rx->inner_called ? NULL : rx->self;
  pthread_mutex_unlock(&rx->mu);
  glide_status inner = GLIDE_OK;
  if (self) {
    /* A blocking call from the I/O thread would wait for itself: refused. */
    const char *ch[] = {"x"};
    const size_t len[] = {1};
    inner = glide_client_subscribe(self, GLIDE_PUBSUB_EXACT, ch, len, 1);
  }
  pthread_mutex_lock(&rx->mu);
  if (self) {
    rx->inner_status = inner;
    rx->inner_called = true;
  }
  if (rx->count < MAX_MSGS) {
    rx_msg *r = &rx->msgs[rx->count++];
    r->kind = m->kind;
    copy_bytes(r->channel, sizeof r->channel, &r->channel_len, m->channel, m->channel_len);
    r->has_pattern = m->pattern != NULL;
    if (m->pattern)
      copy_bytes(r->pattern, sizeof r->pattern, &r->pattern_len, m->pattern, m->pattern_len);
    copy_bytes(r->payload, sizeof r->payload, &r->payload_len, m->payload, m->payload_len);
    r->thread = pthread_self();
  }
  pthread_mutex_unlock(&rx->mu);
}

static size_t rx_count(rx_state *rx) {
  pthread_mutex_lock(&rx->mu);
  const size_t n = rx->count;
  pthread_mutex_unlock(&rx->mu);
  return n;
}

/* How many received messages have this payload (binary). */
static size_t rx_payload_count(rx_state *rx, const void *payload, size_t len) {
  size_t n = 0;
  pthread_mutex_lock(&rx->mu);
  for (size_t i = 0; i < rx->count; i++)
    if (rx->msgs[i].payload_len == len && memcmp(rx->msgs[i].payload, payload, len) == 0) n++;
  pthread_mutex_unlock(&rx->mu);
  return n;
}

/* Waits until at least n messages arrived (dispatching on this thread when c is DISPATCHED). */
static bool rx_wait(rx_state *rx, glide_client *dispatched, size_t n, unsigned timeout_ms) {
  const uint64_t deadline = h_now_ms() + timeout_ms;
  while (rx_count(rx) < n && h_now_ms() < deadline) {
    if (dispatched) {
      struct pollfd p = {.fd = glide_client_event_fd(dispatched), .events = POLLIN};
      if (poll(&p, 1, 20) > 0) glide_client_dispatch(dispatched, 0);
    } else {
      h_sleep_ms(5);
    }
  }
  return rx_count(rx) >= n;
}

/* ------------------------------------------------------------------ publishing */

/* Publishes each payload to the channel through one batch; checks every answer is `receivers`
 * (or skips the check when receivers < 0). */
static void publish_all(glide_client *pub, const char *channel, size_t channel_len,
                        const char *const *payloads, const size_t *lens, size_t n, bool sharded,
                        int receivers) {
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  for (size_t i = 0; i < n; i++)
    OK(glide_batch_publish(b, payloads[i], lens[i], channel, channel_len, sharded));
  glide_value *v = glide_client_exec(pub, b, false, NULL);
  assert_array(v, n);
  for (size_t i = 0; i < n; i++) {
    const glide_value *e = glide_value_at(v, i);
    assert_int_equal(glide_value_get_type(e), GLIDE_VALUE_INTEGER);
    if (receivers >= 0) assert_int_equal(glide_value_integer(e), receivers);
  }
  glide_value_free(v);
  glide_batch_free(b);
}

static int publish_one(glide_client *pub, const char *channel, size_t channel_len,
                       const void *payload, size_t len, bool sharded) {
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_publish(b, payload, len, channel, channel_len, sharded));
  glide_value *v = glide_client_exec(pub, b, true, NULL);
  glide_batch_free(b);
  const int n = glide_value_get_type(v) == GLIDE_VALUE_ARRAY
                    ? (int)glide_value_integer(glide_value_at(v, 0))
                    : -1;
  glide_value_free(v);
  return n;
}

/* ------------------------------------------------------------------ config-time subscribers */

typedef struct {
  char exact[96];
  char pattern[96];
  char pattern_hit[96];
  char pattern_miss[96];
  char sharded[96];
  size_t sharded_len; /* holds a NUL byte */
} names;

static void make_names(names *n, const char *tag) {
  h_key(n->exact, sizeof n->exact, "%s:exact", tag);
  h_key(n->pattern, sizeof n->pattern, "%s:pat:*", tag);
  h_key(n->pattern_hit, sizeof n->pattern_hit, "%s:pat:hit", tag);
  h_key(n->pattern_miss, sizeof n->pattern_miss, "%s:other", tag);
  h_key(n->sharded, sizeof n->sharded, "%s:sharded:", tag);
  n->sharded_len = strlen(n->sharded) + 2; /* "...:sharded:\0z" */
  n->sharded[n->sharded_len - 2] = '\0';
  n->sharded[n->sharded_len - 1] = 'z';
}

static glide_client *subscriber(const names *n, glide_callback_mode mode, rx_state *rx,
                                bool cluster) {
  glide_config *cfg = cluster ? h_config_cluster() : h_config_standalone(h_standalone_port());
  OK(glide_config_set_protocol(cfg, g_protocol));
  OK(glide_config_set_callback_mode(cfg, mode));
  OK(glide_config_set_pubsub_callback(cfg, on_message, rx));
  OK(glide_config_subscribe(cfg, GLIDE_PUBSUB_EXACT, n->exact, strlen(n->exact)));
  OK(glide_config_subscribe(cfg, GLIDE_PUBSUB_PATTERN, n->pattern, strlen(n->pattern)));
  OK(glide_config_subscribe(cfg, GLIDE_PUBSUB_SHARDED, n->sharded, n->sharded_len));
  return h_connect(cfg);
}

/* Messages to the three kinds; checks what arrived: each once, in order per channel, payloads
 * with NUL bytes intact, the pattern with pattern messages, nothing for the non-matching channel.
 * exact_receivers: PUBLISH's answer to check (-1: not checked; in a cluster it counts the
 * subscribers of the node it ran on only). */
static void exchange(glide_client *sub, bool dispatched, rx_state *rx, const names *n,
                     glide_client *pub, int exact_receivers) {
  enum { N = 5 };
  char payload[N][16];
  const char *pp[N];
  size_t pl[N];
  for (int i = 0; i < N; i++) {
    pl[i] = (size_t)snprintf(payload[i], sizeof payload[i], "m%d", i) + 3;
    payload[i][pl[i] - 3] = '\0'; /* "m0\0\xff\0" */
    payload[i][pl[i] - 2] = (char)0xff;
    payload[i][pl[i] - 1] = '\0';
    pp[i] = payload[i];
  }
  const pthread_t me = pthread_self();
  glide_stats st0 = {.struct_size = sizeof st0};
  OK(glide_client_get_stats(sub, &st0));
  publish_all(pub, n->exact, strlen(n->exact), pp, pl, N, false, exact_receivers);
  publish_all(pub, n->pattern_hit, strlen(n->pattern_hit), pp, pl, N, false, exact_receivers);
  publish_all(pub, n->pattern_miss, strlen(n->pattern_miss), pp, pl, N, false, 0);
  publish_all(pub, n->sharded, n->sharded_len, pp, pl, N, true, 1);
  if (!rx_wait(rx, dispatched ? sub : NULL, 3 * N, 5000))
    h_fail("received %zu of %d messages", rx_count(rx), 3 * N);
  rx_wait(rx, dispatched ? sub : NULL, 3 * N + 1, 300); /* anything extra shows up now */
  assert_int_equal(rx_count(rx), 3 * N);
  size_t next[3] = {0, 0, 0};
  pthread_mutex_lock(&rx->mu);
  for (size_t i = 0; i < rx->count; i++) {
    const rx_msg *m = &rx->msgs[i];
    const int k = (int)m->kind;
    assert_true(k >= 0 && k < 3);
    const size_t j = next[k]++;
    assert_true(j < N);
    assert_memory_equal(m->payload, payload[j], pl[j]); /* in order per channel */
    assert_int_equal(m->payload_len, pl[j]);
    if (dispatched)
      assert_true(pthread_equal(m->thread, me));
    else
      assert_false(pthread_equal(m->thread, me));
    switch (m->kind) {
      case GLIDE_PUBSUB_EXACT:
        assert_int_equal(m->channel_len, strlen(n->exact));
        assert_memory_equal(m->channel, n->exact, m->channel_len);
        assert_false(m->has_pattern);
        break;
      case GLIDE_PUBSUB_PATTERN:
        assert_int_equal(m->channel_len, strlen(n->pattern_hit));
        assert_memory_equal(m->channel, n->pattern_hit, m->channel_len);
        assert_true(m->has_pattern);
        assert_int_equal(m->pattern_len, strlen(n->pattern));
        assert_memory_equal(m->pattern, n->pattern, m->pattern_len);
        break;
      case GLIDE_PUBSUB_SHARDED:
        assert_int_equal(m->channel_len, n->sharded_len);
        assert_memory_equal(m->channel, n->sharded, n->sharded_len);
        assert_false(m->has_pattern);
        break;
    }
  }
  pthread_mutex_unlock(&rx->mu);
  glide_stats st = {.struct_size = sizeof st};
  OK(glide_client_get_stats(sub, &st));
  assert_int_equal(st.pubsub_messages - st0.pubsub_messages, 3 * N);
  assert_int_equal(st.pubsub_dropped, 0);
  /* A subscriber runs ordinary commands too (RESP2: on its command connections, beside the
   * subscribed ones). */
  char key[96];
  h_key(key, sizeof key, "sub-own-key");
  glide_value *v = h_cmd(sub, "SET", key, "v", NULL);
  assert_ok(v);
  glide_value_free(v);
  v = h_cmd(sub, "GET", key, NULL);
  assert_bulk(v, "v");
  glide_value_free(v);
}

static void test_config_subscriptions_on_io_thread(void **state) {
  (void)state;
  names n;
  make_names(&n, "io");
  rx_state *rx = rx_new();
  glide_client *sub = subscriber(&n, GLIDE_CALLBACKS_ON_IO_THREAD, rx, true);
  glide_client *pub = h_cluster_client();
  exchange(sub, false, rx, &n, pub, -1);
  glide_client_close(sub);
  glide_client_close(pub);
  rx_free(rx);
}

static void test_config_subscriptions_dispatched(void **state) {
  (void)state;
  names n;
  make_names(&n, "disp");
  rx_state *rx = rx_new();
  glide_client *sub = subscriber(&n, GLIDE_CALLBACKS_DISPATCHED, rx, true);
  glide_client *pub = h_cluster_client();
  /* Nothing is delivered until the host dispatches. */
  publish_one(pub, n.exact, strlen(n.exact), "early", 5, false);
  h_sleep_ms(200);
  assert_int_equal(rx_count(rx), 0);
  assert_true(rx_wait(rx, sub, 1, 3000));
  assert_int_equal(rx_payload_count(rx, "early", 5), 1);
  pthread_mutex_lock(&rx->mu);
  rx->count = 0;
  pthread_mutex_unlock(&rx->mu);
  exchange(sub, true, rx, &n, pub, -1);
  glide_client_close(sub);
  glide_client_close(pub);
  rx_free(rx);
}

static void test_standalone_subscriptions(void **state) {
  (void)state;
  names n;
  make_names(&n, "alone");
  rx_state *rx = rx_new();
  glide_client *sub = subscriber(&n, GLIDE_CALLBACKS_ON_IO_THREAD, rx, false);
  glide_client *pub = h_standalone_client();
  exchange(sub, false, rx, &n, pub, 1); /* one server: PUBLISH counts our subscriber exactly */
  glide_client_close(sub);
  glide_client_close(pub);
  rx_free(rx);
}

/* ------------------------------------------------------------------ runtime changes */

static glide_client *bare_subscriber(rx_state *rx, glide_callback_mode mode) {
  glide_config *cfg = h_config_cluster();
  OK(glide_config_set_protocol(cfg, g_protocol));
  OK(glide_config_set_callback_mode(cfg, mode));
  OK(glide_config_set_pubsub_callback(cfg, on_message, rx));
  return h_connect(cfg);
}

static void test_runtime_subscribe_and_unsubscribe(void **state) {
  (void)state;
  rx_state *rx = rx_new();
  glide_client *sub = bare_subscriber(rx, GLIDE_CALLBACKS_ON_IO_THREAD);
  glide_client *pub = h_cluster_client();
  char s1[96], s2[96], e1[96], p1[96], p1hit[96];
  h_key(s1, sizeof s1, "rt:s1");
  h_key(s2, sizeof s2, "rt:s2:other-slot");
  h_key(e1, sizeof e1, "rt:e1");
  h_key(p1, sizeof p1, "rt:p*");
  h_key(p1hit, sizeof p1hit, "rt:p-hit");
  const char *sh[] = {s1, s2};
  const size_t shl[] = {strlen(s1), strlen(s2)};
  const char *ex[] = {e1};
  const size_t exl[] = {strlen(e1)};
  const char *pa[] = {p1};
  const size_t pal[] = {strlen(p1)};

  /* bad input */
  INVALID(glide_client_subscribe(sub, (glide_pubsub_kind)7, sh, shl, 2));
  INVALID(glide_client_subscribe(sub, GLIDE_PUBSUB_SHARDED, NULL, shl, 2));
  INVALID(glide_client_subscribe(sub, GLIDE_PUBSUB_SHARDED, sh, NULL, 2));
  INVALID(glide_client_subscribe(sub, GLIDE_PUBSUB_SHARDED, sh, shl, 0));
  const size_t zero[] = {0};
  INVALID(glide_client_subscribe(sub, GLIDE_PUBSUB_EXACT, ex, zero, 1));
  /* a client without a pubsub callback */
  INVALID(glide_client_subscribe(pub, GLIDE_PUBSUB_EXACT, ex, exl, 1));
  INVALID(glide_client_unsubscribe(pub, GLIDE_PUBSUB_EXACT, NULL, NULL, 0));

  const uint64_t t0 = h_now_ms();
  OK(glide_client_subscribe(sub, GLIDE_PUBSUB_SHARDED, sh, shl, 2));
  OK(glide_client_subscribe(sub, GLIDE_PUBSUB_EXACT, ex, exl, 1));
  OK(glide_client_subscribe(sub, GLIDE_PUBSUB_PATTERN, pa, pal, 1));
  print_message("      three runtime subscriptions confirmed in %llu ms\n",
                (unsigned long long)(h_now_ms() - t0));
  /* idempotent */
  OK(glide_client_subscribe(sub, GLIDE_PUBSUB_SHARDED, sh, shl, 2));
  OK(glide_client_subscribe(sub, GLIDE_PUBSUB_EXACT, ex, exl, 1));

  assert_int_equal(publish_one(pub, s1, shl[0], "a", 1, true), 1);
  assert_int_equal(publish_one(pub, s2, shl[1], "b", 1, true), 1);
  publish_one(pub, e1, exl[0], "c", 1, false);
  publish_one(pub, p1hit, strlen(p1hit), "d", 1, false);
  assert_true(rx_wait(rx, NULL, 4, 3000));
  h_sleep_ms(100);
  assert_int_equal(rx_count(rx), 4);
  assert_int_equal(rx_payload_count(rx, "a", 1), 1);
  assert_int_equal(rx_payload_count(rx, "b", 1), 1);
  assert_int_equal(rx_payload_count(rx, "c", 1), 1);
  assert_int_equal(rx_payload_count(rx, "d", 1), 1);

  /* unsubscribe one sharded channel, all exact channels, then again (idempotent) */
  OK(glide_client_unsubscribe(sub, GLIDE_PUBSUB_SHARDED, sh, shl, 1));
  OK(glide_client_unsubscribe(sub, GLIDE_PUBSUB_SHARDED, sh, shl, 1));
  OK(glide_client_unsubscribe(sub, GLIDE_PUBSUB_EXACT, NULL, NULL, 0));
  OK(glide_client_unsubscribe(sub, GLIDE_PUBSUB_EXACT, ex, exl, 1));
  assert_int_equal(publish_one(pub, s1, shl[0], "e", 1, true), 0);
  assert_int_equal(publish_one(pub, s2, shl[1], "f", 1, true), 1);
  publish_one(pub, e1, exl[0], "g", 1, false);
  assert_true(rx_wait(rx, NULL, 5, 3000));
  h_sleep_ms(200);
  assert_int_equal(rx_count(rx), 5);
  assert_int_equal(rx_payload_count(rx, "f", 1), 1);

  /* subscribe again after unsubscribing */
  OK(glide_client_subscribe(sub, GLIDE_PUBSUB_SHARDED, sh, shl, 1));
  assert_int_equal(publish_one(pub, s1, shl[0], "h", 1, true), 1);
  assert_true(rx_wait(rx, NULL, 6, 3000));
  assert_int_equal(rx_payload_count(rx, "h", 1), 1);

  /* from inside the callback on the I/O thread: refused, not a deadlock */
  pthread_mutex_lock(&rx->mu);
  rx->self = sub;
  pthread_mutex_unlock(&rx->mu);
  publish_one(pub, s1, shl[0], "i", 1, true);
  assert_true(rx_wait(rx, NULL, 7, 3000));
  pthread_mutex_lock(&rx->mu);
  assert_true(rx->inner_called);
  assert_int_equal(rx->inner_status, GLIDE_ERR_INVALID_ARGUMENT);
  pthread_mutex_unlock(&rx->mu);

  glide_client_close(sub);
  glide_client_close(pub);
  rx_free(rx);
}

/* ------------------------------------------------------------------ resubscription */

/* Publishes probe messages every 50 ms until one of them arrives (the subscription is back);
 * returns the milliseconds from t0 until then. */
static uint64_t wait_resubscribed(rx_state *rx, glide_client *pub, const char *channel,
                                  size_t channel_len, bool sharded, uint64_t t0,
                                  unsigned timeout_ms) {
  const uint64_t deadline = h_now_ms() + timeout_ms;
  int i = 0;
  while (h_now_ms() < deadline) {
    char probe[32];
    const int len = snprintf(probe, sizeof probe, "probe-%d", i++);
    publish_one(pub, channel, channel_len, probe, (size_t)len, sharded);
    const uint64_t until = h_now_ms() + 50;
    while (h_now_ms() < until) {
      if (rx_payload_count(rx, probe, (size_t)len) > 0) return h_now_ms() - t0;
      h_sleep_ms(2);
    }
  }
  h_fail("no probe message arrived within %u ms", timeout_ms);
  return 0;
}

/* After the subscription is back: more messages, each exactly once. */
static void expect_exactly_once(rx_state *rx, glide_client *pub, const char *channel,
                                size_t channel_len, bool sharded, const char *tag) {
  enum { N = 10 };
  char payload[N][32];
  size_t len[N];
  for (int i = 0; i < N; i++) {
    len[i] = (size_t)snprintf(payload[i], sizeof payload[i], "%s-%d", tag, i);
    publish_one(pub, channel, channel_len, payload[i], len[i], sharded);
  }
  const uint64_t deadline = h_now_ms() + 3000;
  for (int i = 0; i < N; i++)
    while (rx_payload_count(rx, payload[i], len[i]) == 0 && h_now_ms() < deadline) h_sleep_ms(5);
  h_sleep_ms(300);
  for (int i = 0; i < N; i++)
    if (rx_payload_count(rx, payload[i], len[i]) != 1)
      h_fail("%s arrived %zu times", payload[i], rx_payload_count(rx, payload[i], len[i]));
}

static void test_killed_connections_resubscribe(void **state) {
  (void)state;
  names n;
  make_names(&n, "kill");
  rx_state *rx = rx_new();
  glide_client *sub = subscriber(&n, GLIDE_CALLBACKS_ON_IO_THREAD, rx, true);
  glide_client *pub = h_cluster_client();
  const h_servers *s = h_servers_get();
  char buf[256];
  const uint64_t t0 = h_now_ms();
  long killed = 0;
  for (size_t i = 0; i < s->cluster_count; i++) {
    h_raw_cmd(s->cluster_ports[i], buf, sizeof buf, "CLIENT", "KILL", "TYPE", "pubsub", NULL);
    killed += buf[0] == ':' ? atol(buf + 1) : 0;
  }
  assert_true(killed >= 1); /* the classic node's and the sharded channel's (maybe one) */
  const uint64_t exact_ms = wait_resubscribed(rx, pub, n.exact, strlen(n.exact), false, t0, 5000);
  const uint64_t sharded_ms = wait_resubscribed(rx, pub, n.sharded, n.sharded_len, true, t0, 5000);
  print_message(
      "      %ld subscriber connections killed; exact back after %llu ms, sharded after "
      "%llu ms\n",
      killed, (unsigned long long)exact_ms, (unsigned long long)sharded_ms);
  expect_exactly_once(rx, pub, n.exact, strlen(n.exact), false, "after-kill-e");
  expect_exactly_once(rx, pub, n.sharded, n.sharded_len, true, "after-kill-s");
  glide_stats st = {.struct_size = sizeof st};
  OK(glide_client_get_stats(sub, &st));
  assert_true(st.reconnects >= 1); /* RESP2: the subscriber connections' reconnects count too */
  glide_client_close(sub);
  glide_client_close(pub);
  rx_free(rx);
}

/* The port of the replica of the primary on `primary_port` (INFO replication of each node). */
static uint16_t replica_of(uint16_t primary_port) {
  const h_servers *s = h_servers_get();
  char want[64];
  snprintf(want, sizeof want, "master_port:%u\r", (unsigned)primary_port);
  static char buf[8192];
  for (size_t i = 0; i < s->cluster_count; i++) {
    if (s->cluster_ports[i] == primary_port) continue;
    if (h_raw_try_cmd(s->cluster_ports[i], buf, sizeof buf, "INFO", "replication", NULL) < 0)
      continue;
    if (strstr(buf, want)) return s->cluster_ports[i];
  }
  return 0;
}

/* ROLE says master. */
static bool is_master(uint16_t port) {
  char buf[256];
  return h_raw_try_cmd(port, buf, sizeof buf, "ROLE", NULL) > 0 &&
         strncmp(buf, "*3\r\n$6\r\nmaster\r\n", 16) == 0;
}

/* CLUSTER FAILOVER on `replica` once its replication link is up (a manual failover waits for
 * the replica to catch up); waits until the slot's owner is the replica (asked again every 5 s). */
static void failover_to(glide_client *c, uint16_t replica, uint16_t slot) {
  static char info[8192];
  const uint64_t synced_by = h_now_ms() + 20000;
  while (h_now_ms() < synced_by) {
    if (h_raw_try_cmd(replica, info, sizeof info, "INFO", "replication", NULL) > 0 &&
        strstr(info, "role:slave") && strstr(info, "master_link_status:up"))
      break;
    h_sleep_ms(50);
  }
  const uint64_t deadline = h_now_ms() + 30000;
  while (h_now_ms() < deadline) {
    /* A failover that went through while the map asked was still stale (a node not yet told)
     * is not asked for again: the node would refuse it, being a primary already. */
    if (!is_master(replica)) {
      char buf[256];
      h_raw_cmd(replica, buf, sizeof buf, "CLUSTER", "FAILOVER", NULL);
      if (strncmp(buf, "+OK", 3) != 0 && !is_master(replica))
        h_fail("CLUSTER FAILOVER on %u: %s", (unsigned)replica, buf);
    }
    const uint64_t again = h_now_ms() + 5000;
    while (h_now_ms() < again) {
      if (h_slot_owner_port(c, slot) == replica) return;
      h_sleep_ms(50);
    }
  }
  h_fail("port %u did not take over slot %u", (unsigned)replica, (unsigned)slot);
}

/* PUBSUB SHARDNUMSUB channel on one node: its own subscribers of the channel (-1: no answer). */
static long shard_numsub(uint16_t port, const char *channel, size_t len) {
  char buf[512];
  const char *argv[] = {"PUBSUB", "SHARDNUMSUB", channel};
  const size_t lens[] = {6, 11, len};
  const long len_read = h_raw_try_cmdv(port, buf, sizeof buf, 2000, 3, argv, lens);
  if (len_read < 0) return -1;
  /* *2\r\n$N\r\n<channel, NUL bytes and all>\r\n:<count>\r\n: the count is the last line */
  for (long i = len_read - 1; i >= 0; i--)
    if (buf[i] == ':') return atol(buf + i + 1);
  return -1;
}

/* Waits until the node on `port` has `want` subscribers of the channel; ms from t0, or fails. */
static uint64_t wait_numsub(uint16_t port, const char *channel, size_t len, long want,
                            uint64_t t0) {
  const uint64_t deadline = h_now_ms() + 10000;
  while (h_now_ms() < deadline) {
    if (shard_numsub(port, channel, len) == want) return h_now_ms() - t0;
    h_sleep_ms(5);
  }
  h_fail("node %u never had %ld subscriber(s) of the sharded channel", (unsigned)port, want);
  return 0;
}

/* Before leaving a test that changed the cluster: every node says cluster_state:ok and every
 * replica's link is up (the next test finds the cluster as test_servers.sh left it). */
static void settle_cluster(void) {
  const h_servers *s = h_servers_get();
  static char buf[8192];
  const uint64_t deadline = h_now_ms() + 20000;
  for (size_t i = 0; i < s->cluster_count; i++) {
    for (;;) {
      bool ok = h_raw_try_cmd(s->cluster_ports[i], buf, sizeof buf, "CLUSTER", "INFO", NULL) > 0 &&
                strstr(buf, "cluster_state:ok");
      ok = ok &&
           h_raw_try_cmd(s->cluster_ports[i], buf, sizeof buf, "INFO", "replication", NULL) > 0 &&
           (strstr(buf, "role:master") || strstr(buf, "master_link_status:up"));
      if (ok) break;
      if (h_now_ms() > deadline) h_fail("node %u did not settle", (unsigned)s->cluster_ports[i]);
      h_sleep_ms(50);
    }
  }
}

static void test_failover_resubscribes_sharded(void **state) {
  (void)state;
  names n;
  make_names(&n, "failover");
  rx_state *rx = rx_new();
  glide_client *sub = subscriber(&n, GLIDE_CALLBACKS_ON_IO_THREAD, rx, true);
  glide_client *pub = h_cluster_client();
  const uint16_t slot = h_key_slot(n.sharded, n.sharded_len);
  const uint16_t old_primary = h_slot_owner_port(pub, slot);
  const uint16_t replica = replica_of(old_primary);
  if (!replica) h_fail("no replica found for %u", (unsigned)old_primary);
  assert_int_equal(publish_one(pub, n.sharded, n.sharded_len, "before", 6, true), 1);
  assert_true(rx_wait(rx, NULL, 1, 3000));

  assert_int_equal(shard_numsub(old_primary, n.sharded, n.sharded_len), 1);
  assert_int_equal(shard_numsub(replica, n.sharded, n.sharded_len), 0);

  const uint64_t t0 = h_now_ms();
  failover_to(pub, replica, slot);
  const uint64_t promoted = h_now_ms() - t0;
  /* Subscribed on the new primary, and no longer on the old one (a replica now). */
  const uint64_t moved = wait_numsub(replica, n.sharded, n.sharded_len, 1, t0);
  const uint64_t left = wait_numsub(old_primary, n.sharded, n.sharded_len, 0, t0);
  const uint64_t back = wait_resubscribed(rx, pub, n.sharded, n.sharded_len, true, t0, 10000);
  print_message(
      "      failover %u -> %u: promotion seen after %llu ms; SSUBSCRIBEd on the new "
      "primary after %llu ms (%llu ms after the promotion), gone from the old one "
      "after %llu ms; messages flowing after %llu ms\n",
      (unsigned)old_primary, (unsigned)replica, (unsigned long long)promoted,
      (unsigned long long)moved, (unsigned long long)(moved > promoted ? moved - promoted : 0),
      (unsigned long long)left, (unsigned long long)back);
  expect_exactly_once(rx, pub, n.sharded, n.sharded_len, true, "after-failover");
  /* the exact channel and the pattern still work too */
  expect_exactly_once(rx, pub, n.exact, strlen(n.exact), false, "exact-after-failover");

  /* and back (the cluster as the other tests found it) */
  const uint64_t t1 = h_now_ms();
  failover_to(pub, old_primary, slot);
  const uint64_t promoted2 = h_now_ms() - t1;
  const uint64_t moved2 = wait_numsub(old_primary, n.sharded, n.sharded_len, 1, t1);
  wait_numsub(replica, n.sharded, n.sharded_len, 0, t1);
  wait_resubscribed(rx, pub, n.sharded, n.sharded_len, true, t1, 10000);
  print_message(
      "      failover back: promotion seen after %llu ms, SSUBSCRIBEd on it after "
      "%llu ms\n",
      (unsigned long long)promoted2, (unsigned long long)moved2);
  expect_exactly_once(rx, pub, n.sharded, n.sharded_len, true, "after-failback");
  settle_cluster();
  glide_client_close(sub);
  glide_client_close(pub);
  rx_free(rx);
}

/* ------------------------------------------------------------------ the dispatch queue's bound */

static void count_only(void *user_data, const glide_pubsub_message *m) {
  (void)m;
  atomic_fetch_add((atomic_int *)user_data, 1);
}

/* A host that does not dispatch: at most 100,000 messages wait in the queue, the rest are
 * dropped and counted; memory stays bounded; what was queued is delivered in full afterwards. */
static void test_dispatch_queue_is_bounded(void **state) {
  (void)state;
  enum { QUEUED = 100000, EXTRA = 500, PER_BATCH = 10000 };
  static atomic_int delivered;
  atomic_store(&delivered, 0);
  char ch[96];
  h_key(ch, sizeof ch, "flood");
  glide_config *cfg = h_config_cluster();
  OK(glide_config_set_callback_mode(cfg, GLIDE_CALLBACKS_DISPATCHED));
  OK(glide_config_set_pubsub_callback(cfg, count_only, &delivered));
  OK(glide_config_subscribe(cfg, GLIDE_PUBSUB_SHARDED, ch, strlen(ch)));
  glide_client *sub = h_connect(cfg);
  glide_client *pub = h_cluster_client();
  const size_t rss0 = h_vmrss_kb();
  const char payload[] = "0123456789abcdef0123456789abcdef"; /* 32 bytes */
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  for (int i = 0; i < PER_BATCH; i++)
    OK(glide_batch_publish(b, payload, sizeof payload - 1, ch, strlen(ch), true));
  const uint64_t t0 = h_now_ms();
  int sent = 0;
  while (sent < QUEUED + EXTRA) {
    if (sent + PER_BATCH > QUEUED + EXTRA) { /* the last, short batch */
      glide_batch_clear(b);
      for (int i = sent; i < QUEUED + EXTRA; i++)
        OK(glide_batch_publish(b, payload, sizeof payload - 1, ch, strlen(ch), true));
    }
    glide_value *v = glide_client_exec(pub, b, false, NULL);
    assert_int_equal(glide_value_get_type(v), GLIDE_VALUE_ARRAY);
    sent += (int)glide_value_len(v);
    glide_value_free(v);
  }
  glide_batch_free(b);
  glide_stats st = {.struct_size = sizeof st};
  const uint64_t deadline = h_now_ms() + 20000;
  do {
    OK(glide_client_get_stats(sub, &st));
    if (st.pubsub_dropped >= EXTRA) break;
    h_sleep_ms(10);
  } while (h_now_ms() < deadline);
  const size_t rss1 = h_vmrss_kb();
  print_message(
      "      %d messages published in %llu ms; %llu dropped, RSS +%zu KiB while "
      "queued\n",
      sent, (unsigned long long)(h_now_ms() - t0), (unsigned long long)st.pubsub_dropped,
      rss1 > rss0 ? rss1 - rss0 : 0);
  assert_int_equal(st.pubsub_dropped, EXTRA);
  assert_int_equal(st.pubsub_messages, 0);
  assert_int_equal(atomic_load(&delivered), 0);
  /* 100,000 entries of ~150 bytes: well under 64 MiB */
  h_expect_growth_below("RSS with a full dispatch queue", rss0, rss1, 64 * 1024);
  size_t ran = 0;
  while (ran < QUEUED) {
    const size_t n = glide_client_dispatch(sub, 0);
    if (n == 0) break;
    ran += n;
  }
  assert_int_equal(ran, QUEUED);
  assert_int_equal(atomic_load(&delivered), QUEUED);
  OK(glide_client_get_stats(sub, &st));
  assert_int_equal(st.pubsub_messages, QUEUED);
  /* room again: new messages queue */
  publish_one(pub, ch, strlen(ch), "after", 5, true);
  const uint64_t until = h_now_ms() + 3000;
  while (atomic_load(&delivered) < QUEUED + 1 && h_now_ms() < until) {
    struct pollfd p = {.fd = glide_client_event_fd(sub), .events = POLLIN};
    if (poll(&p, 1, 20) > 0) glide_client_dispatch(sub, 0);
  }
  assert_int_equal(atomic_load(&delivered), QUEUED + 1);
  glide_client_close(sub);
  glide_client_close(pub);
}

/* ------------------------------------------------------------------ a refused subscribe */

/* Runs one command on the auth server as the default user (raw connection). */
static void auth_server_cmd(char *buf, size_t cap, const char *a0, const char *a1, const char *a2,
                            const char *a3, const char *a4, const char *a5) {
  const int fd = h_raw_connect(h_auth_port());
  h_raw_send(fd, "AUTH", "glide-secret", NULL);
  h_raw_read(fd, buf, cap);
  assert_true(strncmp(buf, "+OK", 3) == 0);
  h_raw_send(fd, a0, a1, a2, a3, a4, a5, NULL);
  h_raw_read(fd, buf, cap);
  h_raw_close(fd);
}

/* The server refuses a SUBSCRIBE with an ordinary error reply (NOPERM): the PING fence behind
 * it keeps the connection's replies in step, so commands on the same connection still get their
 * own answers; the subscribe call fails with SERVER, the allowed one succeeds; a config-time
 * subscription refused makes glide_client_new fail with SERVER. */
static void test_refused_subscribe_keeps_replies_in_step(void **state) {
  (void)state;
  char buf[512];
  char user[64];
  snprintf(user, sizeof user, "ps-%d", (int)getpid());
  auth_server_cmd(buf, sizeof buf, "ACL", "SETUSER", user, "on", ">ps-pass",
                  "+@all"); /* no channel allowed (acl-pubsub-default resetchannels) */
  auth_server_cmd(buf, sizeof buf, "ACL", "SETUSER", user, "~*", "&allowed*", "on");
  rx_state *rx = rx_new();
  glide_config *cfg = h_config_standalone(h_auth_port());
  OK(glide_config_set_credentials(cfg, user, "ps-pass"));
  OK(glide_config_set_request_timeout_ms(cfg, 500));
  OK(glide_config_set_pubsub_callback(cfg, on_message, rx));
  glide_client *c = h_connect(cfg);
  char key[96];
  h_key(key, sizeof key, "refused");
  const char *bad[] = {"forbidden"};
  const size_t bad_len[] = {9};
  const char *good[] = {"allowed-ch"};
  const size_t good_len[] = {10};
  /* commands queued around the refused subscribe, on the same connection */
  h_waiter *w1 = h_waiter_new();
  const char *set_argv[] = {"SET", key, "v1"};
  const size_t set_lens[] = {3, strlen(key), 2};
  OK(glide_client_command_async(c, 3, set_argv, set_lens, h_waiter_cb, w1));
  ST(glide_client_subscribe(c, GLIDE_PUBSUB_EXACT, bad, bad_len, 1), GLIDE_ERR_SERVER);
  glide_value *v = h_waiter_wait(w1, 3000);
  assert_ok(v);
  glide_value_free(v);
  h_waiter_free(w1);
  for (int i = 0; i < 5; i++) {
    v = h_cmd(c, "GET", key, NULL);
    assert_bulk(v, "v1");
    glide_value_free(v);
    v = h_cmd(c, "PING", NULL);
    assert_type(v, GLIDE_VALUE_SIMPLE_STRING);
    glide_value_free(v);
  }
  OK(glide_client_subscribe(c, GLIDE_PUBSUB_EXACT, good, good_len, 1));
  v = h_cmd(c, "PUBLISH", "allowed-ch", "hello", NULL);
  assert_int(v, 1);
  glide_value_free(v);
  assert_true(rx_wait(rx, NULL, 1, 3000));
  assert_int_equal(rx_payload_count(rx, "hello", 5), 1);
  OK(glide_client_unsubscribe(c, GLIDE_PUBSUB_EXACT, bad, bad_len, 1)); /* not kept: no-op */
  glide_client_close(c);
  cfg = h_config_standalone(h_auth_port());
  OK(glide_config_set_credentials(cfg, user, "ps-pass"));
  OK(glide_config_set_pubsub_callback(cfg, on_message, rx));
  OK(glide_config_subscribe(cfg, GLIDE_PUBSUB_EXACT, "allowed-x", 9));
  OK(glide_config_subscribe(cfg, GLIDE_PUBSUB_PATTERN, "forbidden*", 10));
  c = NULL;
  char *err = NULL;
  ST(glide_client_new(cfg, &c, &err), GLIDE_ERR_SERVER);
  assert_null(c);
  assert_non_null(err);
  assert_non_null(strstr(err, "NOPERM"));
  glide_string_free(err);
  glide_config_free(cfg);
  auth_server_cmd(buf, sizeof buf, "ACL", "DELUSER", user, NULL, NULL, NULL);
  rx_free(rx);
}

/* ------------------------------------------------------------------ slot move */

static void raw_myid(uint16_t port, char id[41]) {
  char buf[128];
  h_raw_cmd(port, buf, sizeof buf, "CLUSTER", "MYID", NULL);
  assert_true(strncmp(buf, "$40\r\n", 5) == 0);
  memcpy(id, buf + 5, 40);
  id[40] = '\0';
}

/* Gives an empty slot to `to` on every primary (the new owner first), then waits until every
 * node's CLUSTER SLOTS (through c) names it. */
static void give_slot(glide_client *c, uint16_t slot, uint16_t from, uint16_t to,
                      const uint16_t *primaries, size_t np) {
  char id[41], s[8], buf[256];
  raw_myid(to, id);
  snprintf(s, sizeof s, "%u", (unsigned)slot);
  h_raw_cmd(to, buf, sizeof buf, "CLUSTER", "SETSLOT", s, "NODE", id, NULL);
  assert_true(strncmp(buf, "+OK", 3) == 0);
  h_raw_cmd(from, buf, sizeof buf, "CLUSTER", "SETSLOT", s, "NODE", id, NULL);
  assert_true(strncmp(buf, "+OK", 3) == 0);
  for (size_t i = 0; i < np; i++) {
    if (primaries[i] == from || primaries[i] == to) continue;
    h_raw_cmd(primaries[i], buf, sizeof buf, "CLUSTER", "SETSLOT", s, "NODE", id, NULL);
  }
  const uint64_t deadline = h_now_ms() + 10000;
  while (h_slot_owner_port(c, slot) != to && h_now_ms() < deadline) h_sleep_ms(20);
  assert_int_equal(h_slot_owner_port(c, slot), to);
}

/* The sharded channel's slot is moved to another primary (and back): the old owner drops the
 * subscription (sunsubscribe), the client subscribes on the new owner. */

/* ------------------------------------------------------------------ a killed primary */

/* DIR/node-PORT: the node's folder beside the servers file (tests/scripts/test_servers.sh). */
static void node_dir(uint16_t port, char *buf, size_t cap) {
  const char *env = getenv("GLIDE_TEST_SERVERS");
  if (!env) h_fail("GLIDE_TEST_SERVERS is not set");
  const char *slash = strrchr(env, '/');
  snprintf(buf, cap, "%.*s/node-%u", slash ? (int)(slash - env) : 1, slash ? env : ".",
           (unsigned)port);
}

static pid_t node_pid(uint16_t port) {
  char path[1200], dir[1024], text[32] = {0};
  node_dir(port, dir, sizeof dir);
  snprintf(path, sizeof path, "%s/redis.pid", dir);
  FILE *f = fopen(path, "r");
  if (!f) h_fail("cannot open %s", path);
  const size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  const long pid = atol(text);
  if (pid <= 1) h_fail("no pid in %s", path);
  return (pid_t)pid;
}

/* Starts the node again from its own config (it daemonizes, rejoins the cluster from its
 * nodes.conf and becomes a replica of whoever took its slots); returns once it answers PING. */
static void restart_node(uint16_t port) {
  char dir[1024], conf[1200], server[1100];
  node_dir(port, dir, sizeof dir);
  snprintf(conf, sizeof conf, "%s/redis.conf", dir);
  const char *cli = h_servers_get()->redis_cli;
  const char *slash = strrchr(cli, '/');
  if (slash)
    snprintf(server, sizeof server, "%.*s/redis-server", (int)(slash - cli), cli);
  else
    snprintf(server, sizeof server, "redis-server");
  const pid_t child = fork();
  if (child < 0) h_fail("fork failed");
  if (child == 0) {
    const int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
    }
    execlp(server, server, conf, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0); /* daemonize yes: the parent exits once the daemon forked */
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    h_fail("%s %s failed (status %d)", server, conf, status);
  const uint64_t deadline = h_now_ms() + 10000;
  char buf[64];
  while (h_now_ms() < deadline) {
    if (h_raw_try_cmd(port, buf, sizeof buf, "PING", NULL) > 0 && strncmp(buf, "+PONG", 5) == 0)
      return;
    h_sleep_ms(50);
  }
  h_fail("node %u did not come back", (unsigned)port);
}

/* Waits until the node on `port` replicates with its link up. */
static void wait_replica_synced(uint16_t port) {
  static char info[8192];
  const uint64_t deadline = h_now_ms() + 30000;
  while (h_now_ms() < deadline) {
    if (h_raw_try_cmd(port, info, sizeof info, "INFO", "replication", NULL) > 0 &&
        strstr(info, "role:slave") && strstr(info, "master_link_status:up"))
      return;
    h_sleep_ms(50);
  }
  h_fail("node %u did not become a synced replica", (unsigned)port);
}

/* The primary owning a sharded channel's slot is killed (SIGKILL: no goodbye, its sockets just
 * close); the cluster promotes its replica after cluster-node-timeout. Two subscribers, one over
 * RESP3 and one over RESP2 (a dedicated connection), must come back on the new primary by
 * themselves. Meanwhile a publisher sends numbered messages without pause: every message is
 * received exactly as many times as SPUBLISH said it was delivered (no duplicate, none lost
 * once a subscription is back), in order per subscriber. */
static void test_sigkill_failover_resubscribes_sharded(void **state) {
  (void)state;
  names n;
  make_names(&n, "sigkill");
  rx_state *rx3 = rx_new(), *rx2 = rx_new();
  glide_client *sub3 = subscriber(&n, GLIDE_CALLBACKS_ON_IO_THREAD, rx3, true);
  g_protocol = 2;
  glide_client *sub2 = subscriber(&n, GLIDE_CALLBACKS_ON_IO_THREAD, rx2, true);
  g_protocol = 3;
  glide_client *pub = h_cluster_client();
  const uint16_t slot = h_key_slot(n.sharded, n.sharded_len);
  const uint16_t old_primary = h_slot_owner_port(pub, slot);
  const uint16_t replica = replica_of(old_primary);
  if (!replica) h_fail("no replica found for %u", (unsigned)old_primary);
  wait_replica_synced(replica);
  assert_int_equal(publish_one(pub, n.sharded, n.sharded_len, "before", 6, true), 2);
  assert_true(rx_wait(rx3, NULL, 1, 3000));
  assert_true(rx_wait(rx2, NULL, 1, 3000));

  enum { MAX_SENT = 4000, TAIL = 20 };
  static int delivered[MAX_SENT]; /* SPUBLISH's answer per message; -1: not published */
  const pid_t pid = node_pid(old_primary);
  const uint64_t t0 = h_now_ms();
  if (kill(pid, SIGKILL) != 0) h_fail("kill %ld failed", (long)pid);
  uint64_t promoted = 0, back3 = 0, back2 = 0;
  int sent = 0, tail = -1;
  const uint64_t deadline = t0 + 60000;
  while (sent < MAX_SENT && h_now_ms() < deadline && (tail < 0 || sent < tail + TAIL)) {
    char payload[32];
    const int len = snprintf(payload, sizeof payload, "k%d", sent);
    delivered[sent] = publish_one(pub, n.sharded, n.sharded_len, payload, (size_t)len, true);
    sent++;
    if (!promoted && is_master(replica)) promoted = h_now_ms() - t0;
    /* back: a message published after the kill arrived */
    for (int k = 0; k < 2; k++) {
      rx_state *rx = k ? rx2 : rx3;
      uint64_t *back = k ? &back2 : &back3;
      if (*back) continue;
      pthread_mutex_lock(&rx->mu);
      const bool any = rx->count > 1;
      pthread_mutex_unlock(&rx->mu);
      if (any) *back = h_now_ms() - t0;
    }
    if (tail < 0 && back3 && back2) tail = sent;
    h_sleep_ms(10);
  }
  if (tail < 0)
    h_fail("after %d messages, RESP3 back: %s, RESP2 back: %s", sent, back3 ? "yes" : "no",
           back2 ? "yes" : "no");
  h_sleep_ms(500); /* the last ones arrive */
  print_message(
      "      SIGKILL of %u: %u promoted after %llu ms; RESP3 subscriber receiving again after "
      "%llu ms (%lld ms after the promotion), RESP2 after %llu ms (%lld ms after)\n",
      (unsigned)old_primary, (unsigned)replica, (unsigned long long)promoted,
      (unsigned long long)back3, (long long)back3 - (long long)promoted, (unsigned long long)back2,
      (long long)back2 - (long long)promoted);

  /* Exactly once: each message as often as the server delivered it (to our two connections,
   * the channel's only subscribers), each subscriber in publishing order. */
  int received_total = 0;
  for (int k = 0; k < 2; k++) {
    rx_state *rx = k ? rx2 : rx3;
    pthread_mutex_lock(&rx->mu);
    int last = -1;
    for (size_t i = 1; i < rx->count; i++) {
      const int seq = atoi(rx->msgs[i].payload + 1);
      if (seq <= last) h_fail("subscriber %d: k%d after k%d", k ? 2 : 3, seq, last);
      last = seq;
    }
    received_total += (int)rx->count - 1;
    pthread_mutex_unlock(&rx->mu);
  }
  int published_total = 0;
  for (int i = 0; i < sent; i++) {
    char payload[32];
    const int len = snprintf(payload, sizeof payload, "k%d", i);
    const int got = (int)(rx_payload_count(rx3, payload, (size_t)len) +
                          rx_payload_count(rx2, payload, (size_t)len));
    const int want = delivered[i] < 0 ? 0 : delivered[i];
    if (got != want) h_fail("k%d: delivered to %d subscriber(s), received %d times", i, want, got);
    if (i >= tail) assert_int_equal(delivered[i], 2); /* both back: nothing is missed */
    published_total += want;
  }
  assert_int_equal(received_total, published_total);
  print_message(
      "      %d messages published during and after the failover, %d deliveries, all "
      "received once, in order\n",
      sent, published_total);

  /* The killed node back, as a replica, then the cluster as the other tests found it. */
  restart_node(old_primary);
  wait_replica_synced(old_primary);
  failover_to(pub, old_primary, slot);
  wait_numsub(old_primary, n.sharded, n.sharded_len, 2, h_now_ms());
  settle_cluster();
  glide_client_close(sub3);
  glide_client_close(sub2);
  glide_client_close(pub);
  rx_free(rx3);
  rx_free(rx2);
}

/* ------------------------------------------------------------------ RESP2 */

/* The same cases over RESP2, where each node holding subscriptions gets a dedicated subscriber
 * connection (a subscribed RESP2 connection takes no other command). */
#define RESP2(name)                             \
  static void test_resp2_##name(void **state) { \
    g_protocol = 2;                             \
    test_##name(state);                         \
    g_protocol = 3;                             \
  }
RESP2(config_subscriptions_on_io_thread)
RESP2(config_subscriptions_dispatched)
RESP2(standalone_subscriptions)
RESP2(runtime_subscribe_and_unsubscribe)
RESP2(killed_connections_resubscribe)

/* RESP2: the subscriber connection is a connection of its own: the command connections never
 * carry a subscription (a SUBSCRIBE there would make them refuse every other command). */
static void test_resp2_dedicated_connection(void **state) {
  (void)state;
  g_protocol = 2;
  names n;
  make_names(&n, "r2conn");
  rx_state *rx = rx_new();
  glide_client *sub = subscriber(&n, GLIDE_CALLBACKS_ON_IO_THREAD, rx, false);
  /* standalone: one server; CLIENT LIST shows our connections with their flags and sub counts */
  static char list[65536];
  h_raw_cmd(h_standalone_port(), list, sizeof list, "CLIENT", "LIST", "TYPE", "pubsub", NULL);
  /* exactly one pubsub-type connection holds our 3 subscriptions (1 exact + 1 sharded + 1
   * pattern): "sub=1 psub=1 ssub=1" */
  assert_non_null(strstr(list, "sub=1 psub=1 ssub=1"));
  /* The command connection still answers while subscribed. */
  for (int i = 0; i < 3; i++) {
    glide_value *v = h_cmd(sub, "PING", NULL);
    assert_type(v, GLIDE_VALUE_SIMPLE_STRING);
    glide_value_free(v);
  }
  glide_client_close(sub);
  rx_free(rx);
  g_protocol = 3;
}

static void test_slot_move_resubscribes_sharded(void **state) {
  (void)state;
  glide_client *pub = h_cluster_client();
  static uint16_t owner[16384];
  h_cluster_slot_map(pub, owner);
  uint16_t primaries[H_MAX_CLUSTER_PORTS];
  size_t np = 0;
  for (int i = 0; i < 16384; i++) {
    bool seen = false;
    for (size_t j = 0; j < np; j++) seen |= primaries[j] == owner[i];
    if (!seen && owner[i] && np < H_MAX_CLUSTER_PORTS) primaries[np++] = owner[i];
  }
  assert_true(np >= 2);
  /* a channel whose slot holds no key (an empty slot moves without MIGRATE) */
  char ch[96];
  uint16_t slot = 0;
  for (int i = 0;; i++) {
    assert_true(i < 100);
    h_key(ch, sizeof ch, "move:%d", i);
    slot = h_key_slot(ch, strlen(ch));
    char s[8], buf[64];
    snprintf(s, sizeof s, "%u", (unsigned)slot);
    h_raw_cmd(owner[slot], buf, sizeof buf, "CLUSTER", "COUNTKEYSINSLOT", s, NULL);
    if (strcmp(buf, ":0\r\n") == 0) break;
  }
  const uint16_t from = owner[slot];
  const uint16_t to = primaries[0] == from ? primaries[1] : primaries[0];
  rx_state *rx = rx_new();
  glide_config *cfg = h_config_cluster();
  OK(glide_config_set_pubsub_callback(cfg, on_message, rx));
  OK(glide_config_subscribe(cfg, GLIDE_PUBSUB_SHARDED, ch, strlen(ch)));
  glide_client *sub = h_connect(cfg);
  assert_int_equal(shard_numsub(from, ch, strlen(ch)), 1);

  const uint64_t t0 = h_now_ms();
  give_slot(pub, slot, from, to, primaries, np);
  const uint64_t moved = wait_numsub(to, ch, strlen(ch), 1, t0);
  wait_numsub(from, ch, strlen(ch), 0, t0);
  wait_resubscribed(rx, pub, ch, strlen(ch), true, t0, 10000);
  print_message("      slot %u moved %u -> %u: SSUBSCRIBEd on the new owner after %llu ms\n",
                (unsigned)slot, (unsigned)from, (unsigned)to, (unsigned long long)moved);
  expect_exactly_once(rx, pub, ch, strlen(ch), true, "after-move");

  const uint64_t t1 = h_now_ms();
  give_slot(pub, slot, to, from, primaries, np);
  const uint64_t back = wait_numsub(from, ch, strlen(ch), 1, t1);
  wait_numsub(to, ch, strlen(ch), 0, t1);
  print_message("      and back: SSUBSCRIBEd on %u after %llu ms\n", (unsigned)from,
                (unsigned long long)back);
  expect_exactly_once(rx, pub, ch, strlen(ch), true, "after-move-back");
  settle_cluster();
  glide_client_close(sub);
  glide_client_close(pub);
  rx_free(rx);
}

static void log_to_stderr(void *user_data, glide_log_level level, const char *message) {
  (void)user_data;
  fprintf(stderr, "[glide %d] %s\n", (int)level, message);
}

int main(void) {
  if (getenv("GLIDE_TEST_LOG")) glide_set_log_callback(GLIDE_LOG_DEBUG, log_to_stderr, NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_config_subscriptions_on_io_thread),
      cmocka_unit_test(test_config_subscriptions_dispatched),
      cmocka_unit_test(test_standalone_subscriptions),
      cmocka_unit_test(test_runtime_subscribe_and_unsubscribe),
      cmocka_unit_test(test_killed_connections_resubscribe),
      cmocka_unit_test(test_failover_resubscribes_sharded),
      cmocka_unit_test(test_slot_move_resubscribes_sharded),
      cmocka_unit_test(test_dispatch_queue_is_bounded),
      cmocka_unit_test(test_refused_subscribe_keeps_replies_in_step),
      cmocka_unit_test(test_resp2_config_subscriptions_on_io_thread),
      cmocka_unit_test(test_resp2_config_subscriptions_dispatched),
      cmocka_unit_test(test_resp2_standalone_subscriptions),
      cmocka_unit_test(test_resp2_runtime_subscribe_and_unsubscribe),
      cmocka_unit_test(test_resp2_killed_connections_resubscribe),
      cmocka_unit_test(test_resp2_dedicated_connection),
      cmocka_unit_test(test_sigkill_failover_resubscribes_sharded),
  };
  return cmocka_run_group_tests(tests, h_group_setup, NULL);
}
