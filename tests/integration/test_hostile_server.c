/*
 * test_hostile_server.c - what a misbehaving or half-dead server must not do to the client:
 * grow its memory or its descriptors without bound, black-hole a slot, hold a connection forever,
 * apply half a command, or make glide_client_new overshoot its bound. Each test is the
 * regression test of one defect found by attacking the library (issue "Reliability gates"); each
 * asserts the bound (VmRSS, open descriptors, time) and the error kind.
 *
 * Scripted fake nodes (fake_node.h) play the servers; every test gets fresh nodes and a client.
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include "fake_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef fake_fixture fx;

static glide_value *get(glide_client *c, const char *key) {
  glide_value *v = h_cmd(c, "GET", key, NULL);
  if (!v) h_fail("glide_client_command returned NULL");
  return v;
}

/* Polls GET key until it answers `want` or timeout_ms passes; returns the elapsed ms, or fails. */
static uint64_t get_until(glide_client *c, const char *key, const char *want, unsigned timeout_ms) {
  const uint64_t t0 = h_now_ms();
  char last[512] = "";
  for (unsigned i = 0; i < 10000; i++) {
    glide_value *v = get(c, key);
    size_t len = 0;
    const char *s = glide_value_string(v, &len);
    const bool ok = glide_value_get_type(v) == GLIDE_VALUE_BULK_STRING && len == strlen(want) &&
                    memcmp(s, want, len) == 0;
    h_describe(v, last, sizeof last);
    glide_value_free(v);
    if (ok) return h_now_ms() - t0;
    if (h_now_ms() - t0 > timeout_ms) break;
    h_sleep_ms(5);
  }
  h_fail("GET %s never answered \"%s\" within %u ms; last answer: %s", key, want, timeout_ms, last);
  return 0;
}

/* ------------------------------------------------------------------ 1. pushes */

/* 32 MiB of RESP3 pushes arrive while a GET waits: they are dropped in their own short-lived
 * memory, not kept in the pending request's arena (which grew by gigabytes before). */
static void test_push_stream_during_pending_request(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 20000, 0, 0);
  static char chunk[64 * 1024];
  size_t len = 0;
  const char *push =
      ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$32\r\n0123456789abcdef0123456789abcdef\r\n";
  const size_t plen = strlen(push);
  while (len + plen <= sizeof chunk) {
    memcpy(chunk + len, push, plen);
    len += plen;
  }
  const size_t repeat = (32u << 20) / len;
  fake_node_on_stream(f->a, "GET", "k", 1, NULL, chunk, len, repeat, "$5\r\nafter\r\n");
  glide_value *warm = h_cmd(f->c, "PING", NULL);
  glide_value_free(warm);
  const size_t rss0 = h_vmrss_kb();
  glide_value *v = get(f->c, "k");
  const size_t rss1 = h_vmrss_kb();
  assert_bulk(v, "after");
  glide_value_free(v);
  print_message("      %zu pushes (%zu MiB) during one GET: VmRSS %zu -> %zu KiB\n",
                repeat * (len / plen), repeat * len >> 20, rss0, rss1);
  h_expect_growth_below("VmRSS while 32 MiB of pushes were dropped", rss0, rss1, 8 * 1024);
  /* the connection is still in step: the next reply is the next command's */
  fake_node_store_set(f->a, "j", "jv");
  v = get(f->c, "j");
  assert_bulk(v, "jv");
  glide_value_free(v);
}

/* A reply that never ends (an array announcing a million elements, 200,000 sent, then silence):
 * TIMEOUT at the deadline, memory bounded by what was sent; the connection, stuck behind it, is
 * replaced after stall_timeouts timeouts, and the client answers again. */
static void test_reply_that_never_ends(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 300, 0, 0);
  static char chunk[4000];
  for (size_t i = 0; i < sizeof chunk; i += 4) memcpy(chunk + i, ":1\r\n", 4);
  fake_node_on_stream(f->a, "GET", "k", 1, "*1000000\r\n", chunk, sizeof chunk, 200,
                      NULL); /* 200,000 sent */
  const size_t rss0 = h_vmrss_kb();
  glide_value *v = get(f->c, "k");
  assert_error_kind(v, GLIDE_ERR_TIMEOUT);
  glide_value_free(v);
  const size_t rss1 = h_vmrss_kb();
  fake_node_store_set(f->a, "j", "jv");
  const uint64_t ms = get_until(f->c, "j", "jv", 5000);
  print_message(
      "      unfinished reply: TIMEOUT, VmRSS %zu -> %zu KiB; answering again after %llu ms\n",
      rss0, rss1, (unsigned long long)ms);
  h_expect_growth_below("VmRSS", rss0, rss1, 32 * 1024);
}

/* Headers announcing huge sizes with a few bytes behind them reserve no memory for the announced
 * size (a 512 MiB bulk string, 16,777,216-element arrays nested 8 deep): TIMEOUT, and neither the
 * resident memory nor the address space (VmSize: untouched reservations do not show in VmRSS)
 * grows. */
static void test_huge_declared_lengths(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 300, 0, 0);
  const char *replies[] = {"$536870912\r\nabc",
                           "*16777216\r\n*16777216\r\n*16777216\r\n*16777216\r\n"
                           "*16777216\r\n*16777216\r\n*16777216\r\n*16777216\r\n:1\r\n",
                           "%8388608\r\n+k\r\n"};
  const size_t rss0 = h_vmrss_kb(), vm0 = h_vmsize_kb();
  size_t vm_peak = vm0;
  for (size_t i = 0; i < 3; i++) {
    char key[8];
    snprintf(key, sizeof key, "h%zu", i);
    fake_node_on_reply(f->a, "GET", key, 1, replies[i]);
    glide_value *v = get(f->c, key);
    assert_error_kind(v, GLIDE_ERR_TIMEOUT);
    glide_value_free(v);
    const size_t vm = h_vmsize_kb();
    if (vm > vm_peak) vm_peak = vm;
  }
  const size_t rss1 = h_vmrss_kb();
  print_message(
      "      huge declared lengths: VmRSS %zu -> %zu KiB, VmSize %zu -> at most %zu KiB\n", rss0,
      rss1, vm0, vm_peak);
  h_expect_growth_below("VmRSS", rss0, rss1, 4 * 1024);
  h_expect_growth_below("VmSize", vm0, vm_peak, 64 * 1024);
}

/* ------------------------------------------------------------------ 2. a MOVED to a dead node */

/* One MOVED to an address that turns out dead patched the slot map; the refresh that brings back
 * the right owner must replace the patched map (it was compared with a hash of the unpatched
 * one and ignored, so the slot failed "not connected" for the life of the process). */
static void test_moved_to_dead_address_is_repaired(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 1000, 0, 0);
  const uint16_t dead = h_free_port();
  char moved[128];
  snprintf(moved, sizeof moved, "-MOVED %u 127.0.0.1:%u\r\n", h_key_slot("k", 1), dead);
  fake_node_on_reply(f->a, "GET", "k", 1, moved);
  fake_node_store_set(f->a, "k", "kv");
  glide_value *v = get(f->c, "k");
  assert_error_kind(v, GLIDE_ERR_CONNECTION);
  glide_value_free(v);
  const uint64_t ms = get_until(f->c, "k", "kv", 4000);
  print_message("      slot repaired %llu ms after the bad MOVED\n", (unsigned long long)ms);
}

/* ------------------------------------------------------------------ 3. a peer that stops reading
 */

/* The node stops reading: bytes queue up to max_unsent_bytes, then new requests fail at once
 * (nothing queues without bound); after stall_timeouts timeouts with nothing read the connection
 * is torn down and a new one made; once the node reads again, requests succeed. */
static void test_peer_stops_reading(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  glide_config *cfg = fake_node_config(f->a, 200, 0, 0);
  OK(glide_config_set_connection_limits(cfg, 1u << 20, 3));
  f->c = h_connect(cfg);
  fake_node_store_set(f->a, "k", "kv");
  glide_value *v = get(f->c, "k");
  assert_bulk(v, "kv");
  glide_value_free(v);
  const unsigned conns0 = fake_node_connections(f->a);

  fake_node_set_reading(f->a, false);
  const size_t vlen = 1u << 20;
  char *value = malloc(vlen);
  assert_non_null(value);
  memset(value, 'x', vlen);
  const char *argv[] = {"SET", "big", value};
  const size_t lens[] = {3, 3, vlen};
  const size_t rss0 = h_vmrss_kb();
  /* answered: the fake node reads a connection again once its peer hangs up (poll reports the
   * hang-up), so a SET on a replaced connection may get its OK */
  int refused = 0, timed_out = 0, answered = 0;
  const uint64_t t0 = h_now_ms();
  for (int i = 0; i < 200 && h_now_ms() - t0 < 20000; i++) {
    v = glide_client_command(f->c, 3, argv, lens);
    const glide_error_kind k = glide_value_error_kind(v);
    size_t mlen = 0;
    const char *msg = glide_value_string(v, &mlen);
    if (k == GLIDE_ERR_CONNECTION && msg && strstr(msg, "bytes unsent"))
      refused++;
    else if (k == GLIDE_ERR_TIMEOUT)
      timed_out++;
    else if (glide_value_get_type(v) == GLIDE_VALUE_SIMPLE_STRING)
      answered++; /* see below */
    else if (k != GLIDE_ERR_CONNECTION) {
      char d[512];
      h_fail("SET to a node that does not read answered %s", h_describe(v, d, sizeof d));
    }
    glide_value_free(v);
  }
  const size_t rss1 = h_vmrss_kb();
  free(value);
  print_message(
      "      200 x 1 MiB SETs to a node not reading: %d timed out, %d refused at once, "
      "%d answered, VmRSS %zu -> %zu KiB, %u new connections\n",
      timed_out, refused, answered, rss0, rss1, fake_node_connections(f->a) - conns0);
  if (refused == 0) h_fail("no request was refused for the unsent-bytes bound");
  h_expect_growth_below("VmRSS", rss0, rss1, 48 * 1024);
  /* torn down after 3 silent timeouts, and connected again for the next requests */
  if (fake_node_connections(f->a) <= conns0) h_fail("the stalled connection was never replaced");

  fake_node_set_reading(f->a, true);
  get_until(f->c, "k", "kv", 5000);
}

/* ------------------------------------------------------------------ 4. redirect floods */

/* 2,000 MOVED replies naming the other node in 2,000 spellings of 127.0.0.1 ("127.0.0.01",
 * "0177.0.0.1", "0x7f.0.0.1" ...): one node, one connection, not thousands. Then the map that no
 * longer names it retires it: its connection is closed. */
static void test_redirect_spellings_are_one_node(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  fake_slot_range all_a = {0, 16383, fake_node_port(f->a), 0};
  fake_node_set_slots(f->b, &all_a, 1); /* b agrees that a owns every slot (refresh views) */
  f->c = fake_node_client(f->a, 2000, 0, 0);
  fake_node_store_set(f->b, "k", "from-b");
  const size_t fds0 = h_open_fds();
  static const char *firsts[] = {"127", "0177", "0x7f", "0X7F", "00177", "0x07f"};
  glide_batch *batch = glide_batch_new(false);
  assert_non_null(batch);
  OK(glide_batch_get(batch, "k", 1));
  glide_batch_options o;
  glide_batch_options_init(&o);
  o.route.kind = GLIDE_ROUTE_ADDRESS; /* to a every time: a answers MOVED, the client follows */
  o.route.host = "127.0.0.1";
  o.route.port = fake_node_port(f->a);
  int n = 0;
  for (int p = 0; p < 6 && n < 2000; p++)
    for (int z1 = 0; z1 < 8 && n < 2000; z1++)
      for (int z2 = 0; z2 < 8 && n < 2000; z2++)
        for (int z3 = 0; z3 < 8 && n < 2000; z3++, n++) {
          char moved[256];
          snprintf(moved, sizeof moved, "-MOVED %u %s.%.*s0.%.*s0.%.*s1:%u\r\n", h_key_slot("k", 1),
                   firsts[p], z1, "00000000", z2, "00000000", z3, "00000000", fake_node_port(f->b));
          fake_node_clear_rules(f->a);
          fake_node_on_reply(f->a, "GET", "k", 1, moved);
          glide_value *r = glide_client_exec(f->c, batch, false, &o);
          char d[512];
          if (glide_value_get_type(r) != GLIDE_VALUE_ARRAY ||
              glide_value_get_type(glide_value_at(r, 0)) != GLIDE_VALUE_BULK_STRING)
            h_fail("redirect %d (%s) answered %s", n, moved, h_describe(r, d, sizeof d));
          glide_value_free(r);
        }
  glide_batch_free(batch);
  const size_t fds1 = h_open_fds();
  print_message(
      "      %d redirects to spellings of 127.0.0.1: open descriptors %zu -> %zu, "
      "node b accepted %u connection(s)\n",
      n, fds0, fds1, fake_node_connections(f->b));
  /* one connection, or a few: each refresh (at most 1/s) retires b, the next MOVED brings it back
   */
  if (fake_node_connections(f->b) > 5)
    h_fail("node b got %u connections", fake_node_connections(f->b));
  if (fds1 > fds0 + 4) h_fail("open descriptors grew from %zu to %zu", fds0, fds1);
  /* a's map never named b: the next refresh (MOVED-triggered, throttled to 1/s) retires it */
  const uint64_t deadline = h_now_ms() + 4000;
  while (fake_node_open_connections(f->b) > 0 && h_now_ms() < deadline) h_sleep_ms(20);
  assert_int_equal(fake_node_open_connections(f->b), 0);
}

/* One pipeline of 200 GETs, each answered MOVED to a new dead address: at most a bounded number
 * of unknown nodes is made (64 beyond the map); past it the MOVED stays the answer (kind SERVER)
 * instead of one node and socket more per redirect. Descriptors stay flat, the client works. */
static void test_redirect_flood_to_new_addresses_is_bounded(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->c = fake_node_client(f->a, 2000, 1, 0);
  fake_node_store_set(f->a, "j", "jv");
  const size_t fds0 = h_open_fds();
  const uint16_t dead = h_free_port();
  enum { N = 200 };
  static char keys[N][16];
  glide_batch *batch = glide_batch_new(false);
  assert_non_null(batch);
  for (int i = 0; i < N; i++) {
    snprintf(keys[i], sizeof keys[i], "k%d", i);
    char moved[128];
    snprintf(moved, sizeof moved, "-MOVED %u 127.0.%d.%d:%u\r\n",
             h_key_slot(keys[i], strlen(keys[i])), 1 + i / 100, 1 + i % 100, dead);
    fake_node_on_reply(f->a, "GET", keys[i], 1, moved);
    OK(glide_batch_get(batch, keys[i], strlen(keys[i])));
  }
  glide_batch_options o;
  glide_batch_options_init(&o);
  o.route.kind = GLIDE_ROUTE_ADDRESS;
  o.route.host = "127.0.0.1";
  o.route.port = fake_node_port(f->a);
  glide_value *r = glide_client_exec(f->c, batch, false, &o);
  assert_array(r, N);
  int moved_kept = 0, followed = 0;
  for (int i = 0; i < N; i++) {
    const glide_value *e = h_at(r, (size_t)i);
    const char *s = glide_value_string(e, NULL);
    if (glide_value_error_kind(e) == GLIDE_ERR_SERVER && s && strncmp(s, "MOVED", 5) == 0)
      moved_kept++;
    else if (glide_value_error_kind(e) == GLIDE_ERR_CONNECTION)
      followed++;
  }
  glide_value_free(r);
  glide_batch_free(batch);
  const size_t fds1 = h_open_fds();
  print_message(
      "      %d redirects to new dead addresses in one pipeline: %d followed, %d answered "
      "with the MOVED itself; open descriptors %zu -> %zu\n",
      N, followed, moved_kept, fds0, fds1);
  if (followed > 64) h_fail("%d unknown nodes made for one pipeline (bound: 64)", followed);
  if (moved_kept + followed != N)
    h_fail("unexpected answers: %d followed + %d kept of %d", followed, moved_kept, N);
  if (fds1 > fds0 + 8) h_fail("open descriptors grew from %zu to %zu", fds0, fds1);
  glide_value *v = get(f->c, "j");
  assert_bulk(v, "jv");
  glide_value_free(v);
}

/* ------------------------------------------------------------------ 5. malformed split */

/* MSET a 1 b with a and b on different nodes: nothing is sent (a=1 was written before the server
 * refused the other part); a well-formed MSET on the same keys still splits. */
static void test_malformed_multislot_command_is_not_applied(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  const char *ka = "a", *kb = "b";
  assert_true(h_key_slot(ka, 1) != h_key_slot(kb, 1));
  fake_fixture_map_slot_to(f, h_key_slot(kb, 1), f->b, f->a);
  f->c = fake_node_client(f->a, 2000, 0, 0);
  glide_value *v = h_cmd(f->c, "MSET", ka, "1", kb, NULL);
  assert_error_prefix(v, GLIDE_ERR_INVALID_ARGUMENT, "ERR wrong number of arguments for 'mset'");
  glide_value_free(v);
  glide_batch *b = glide_batch_new(false);
  OK(h_batch_cmd(b, "MSET", ka, "1", kb, NULL));
  OK(h_batch_cmd(b, "DEL", NULL));
  glide_value *r = glide_client_exec(f->c, b, false, NULL);
  assert_array(r, 2);
  assert_error_prefix(h_at(r, 0), GLIDE_ERR_INVALID_ARGUMENT, "ERR wrong number of arguments");
  glide_value_free(r);
  glide_batch_free(b);
  h_sleep_ms(50);
  assert_int_equal(fake_node_count(f->a, "MSET", NULL), 0);
  assert_int_equal(fake_node_count(f->b, "MSET", NULL), 0);
  v = h_cmd(f->c, "MSET", ka, "1", kb, "2", NULL); /* whole groups: split, one part per node */
  glide_value_free(v);
  assert_int_equal(fake_node_count(f->a, "MSET", NULL), 1);
  assert_int_equal(fake_node_count(f->b, "MSET", NULL), 1);
}

/* ------------------------------------------------------------------ 8. glide_client_new's bound */

/* A seed that never finishes its CLUSTER SLOTS reply: glide_client_new returns TIMEOUT within the
 * connect timeout (it took connect + request timeout and said CONNECTION); a garbled answer is
 * PROTOCOL. */
static void test_client_new_bound_and_kinds(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  fake_node_on_reply(f->a, "CLUSTER", "SLOTS", 0, "*3\r\n*3\r\n:0\r\n"); /* never ends */
  glide_config *cfg = fake_node_config(f->a, 10000, 0, 0);
  OK(glide_config_set_connect_timeout_ms(cfg, 500));
  glide_client *c = NULL;
  char *err = NULL;
  uint64_t t0 = h_now_ms();
  glide_status st = glide_client_new(cfg, &c, &err);
  uint64_t el = h_now_ms() - t0;
  print_message("      unfinished CLUSTER SLOTS: %s after %llu ms: %s\n", glide_error_kind_name(st),
                (unsigned long long)el, err ? err : "");
  assert_int_equal(st, GLIDE_ERR_TIMEOUT);
  assert_null(c);
  glide_string_free(err);
  if (el > 900)
    h_fail("glide_client_new with a 500 ms connect timeout took %llu ms", (unsigned long long)el);

  struct {
    const char *reply;
    const char *what;
  } cases[] = {{"?garbage\r\n", "garbage"}, {"*1\r\n:5\r\n", "a reply that is no slot map"}};
  for (size_t i = 0; i < 2; i++) {
    fake_node_clear_rules(f->a);
    fake_node_on_reply(f->a, "CLUSTER", "SLOTS", 0, cases[i].reply);
    err = NULL;
    st = glide_client_new(cfg, &c, &err);
    print_message("      %s: %s: %s\n", cases[i].what, glide_error_kind_name(st), err ? err : "");
    if (st != GLIDE_ERR_PROTOCOL)
      h_fail("%s: got %s, expected PROTOCOL", cases[i].what, glide_error_kind_name(st));
    assert_null(c);
    glide_string_free(err);
  }
  glide_config_free(cfg);
}

/* ------------------------------------------------------------------ 11. a late MOVED */

/* A blocking exec times out; the caller frees its batch at once; then the node answers MOVED.
 * The late reply must not make the library read the freed batch (ASan builds check this). */
static void test_late_moved_after_timeout_with_freed_batch(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  f->c = fake_node_client(f->a, 2000, 0, 0);
  char moved[128];
  fake_redirect_reply(moved, sizeof moved, "MOVED", "k", f->b);
  fake_node_on_delay(f->a, "GET", "k", 1, 300, moved);
  glide_batch *b = glide_batch_new(false);
  OK(glide_batch_get(b, "k", 1));
  OK(glide_batch_set(b, "other", 5, "v", 1));
  glide_batch_options o;
  glide_batch_options_init(&o);
  o.timeout_ms = 100;
  o.retry_server_error = true;
  glide_value *r = glide_client_exec(f->c, b, false, &o);
  glide_batch_free(b); /* allowed: exec returned */
  assert_array(r, 2);
  assert_error_kind(h_at(r, 0), GLIDE_ERR_TIMEOUT);
  glide_value_free(r);
  h_sleep_ms(500); /* the MOVED arrives and is dropped */
  assert_int_equal(fake_node_count(f->b, "GET", "k"), 0);
  fake_node_store_set(f->a, "k", "kv");
  get_until(f->c, "k", "kv", 3000);
}

/* ------------------------------------------------------------------ failover */

/* The primary dies; its replica is promoted a second later. From the moment the promotion shows
 * in CLUSTER SLOTS, the client reaches the slot quickly: once a primary's connection is lost the
 * map is asked again every 150 ms until the slot has a reachable owner (it was once a second at
 * most, and never again after a refresh that still named the dead primary). */
static void test_failover_recovery_time(void **state) {
  fx *f = *state;
  f->a = fake_node_start();
  f->b = fake_node_start();
  fake_slot_range before = {0, 16383, fake_node_port(f->a), fake_node_port(f->b)};
  fake_node_set_slots(f->a, &before, 1);
  fake_node_set_slots(f->b, &before, 1);
  f->c = fake_node_client(f->a, 1000, 0, 0);
  fake_node_store_set(f->a, "k", "on-a");
  fake_node_store_set(f->b, "k", "on-b");
  glide_value *v = get(f->c, "k");
  assert_bulk(v, "on-a");
  glide_value_free(v);

  fake_node_stop(f->a); /* SIGKILL-like: its sockets close, its port refuses */
  f->a = NULL;
  /* the application keeps trying meanwhile (each try fails at once: not connected) */
  const uint64_t t_kill = h_now_ms();
  while (h_now_ms() - t_kill < 1500) {
    v = get(f->c, "k");
    assert_error_kind(v, GLIDE_ERR_CONNECTION);
    glide_value_free(v);
    h_sleep_ms(10);
  }
  fake_slot_range after = {0, 16383, fake_node_port(f->b), 0};
  fake_node_set_slots(f->b, &after, 1); /* the promotion becomes visible now */
  const uint64_t ms = get_until(f->c, "k", "on-b", 5000);
  print_message("      first success %llu ms after the promotion showed in CLUSTER SLOTS\n",
                (unsigned long long)ms);
  if (ms > 300)
    h_fail("recovery took %llu ms after the promotion (bound: 300 ms)", (unsigned long long)ms);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fake_fixture_setup, fake_fixture_teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_push_stream_during_pending_request),
      T(test_reply_that_never_ends),
      T(test_huge_declared_lengths),
      T(test_moved_to_dead_address_is_repaired),
      T(test_peer_stops_reading),
      T(test_redirect_spellings_are_one_node),
      T(test_redirect_flood_to_new_addresses_is_bounded),
      T(test_malformed_multislot_command_is_not_applied),
      T(test_client_new_bound_and_kinds),
      T(test_late_moved_after_timeout_with_freed_batch),
      T(test_failover_recovery_time),
  };
  return cmocka_run_group_tests_name("hostile_server", tests, NULL, NULL);
}
