/*
 * test_out_of_memory.c - the out-of-memory sweep: with glide_set_allocator installing a counting
 * allocator, a representative exec (a batch across two nodes, a multi-slot split, a MOVED
 * redirect) runs once for every N from 1 upwards with the Nth allocation failing, until a run
 * needs fewer than N allocations. Every run must end in the one callback with either the correct
 * answer or OUT_OF_MEMORY (the root, or elements in place), never a crash, a leak (ASan/LSan
 * builds) or a lost callback; and the client must answer correctly right after.
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include "fake_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ the counting allocator */

static atomic_long g_countdown; /* > 0: allocations until the failing one; 0: off */
static atomic_long g_failed;    /* allocations refused so far */
static atomic_long g_calls;
static atomic_bool g_refuse_all; /* every allocation fails while set */
static atomic_long g_frees;

static bool refuse(void) {
  atomic_fetch_add(&g_calls, 1);
  if (atomic_load(&g_refuse_all)) return true;
  long left = atomic_load(&g_countdown);
  while (left > 0) {
    if (atomic_compare_exchange_weak(&g_countdown, &left, left - 1)) {
      if (left == 1) {
        atomic_fetch_add(&g_failed, 1);
        return true;
      }
      return false;
    }
  }
  return false;
}
static void *t_malloc(void *u, size_t n) {
  (void)u;
  return refuse() ? NULL : malloc(n);
}
static void *t_calloc(void *u, size_t c, size_t n) {
  (void)u;
  return refuse() ? NULL : calloc(c, n);
}
static void *t_realloc(void *u, void *p, size_t n) {
  (void)u;
  return refuse() ? NULL : realloc(p, n);
}
static void t_free(void *u, void *p) {
  (void)u;
  atomic_fetch_add(&g_frees, 1);
  free(p);
}

/* ------------------------------------------------------------------ the sweep */

/* The static OUT_OF_MEMORY root: what a blocking call returns when not even an error root can be
 * allocated. glide_client_command(NULL, ...) wants to answer INVALID_ARGUMENT, but with every
 * allocation refused it can only hand out this root. */
static glide_value *static_oom_root(void) {
  const char *argv[] = {"PING"};
  const size_t argvlen[] = {4};
  atomic_store(&g_refuse_all, true);
  glide_value *r = glide_client_command(NULL, 1, argv, argvlen);
  atomic_store(&g_refuse_all, false);
  return r;
}

static void assert_is_static_oom_root(const glide_value *r) {
  assert_non_null(r);
  assert_int_equal(r->type, GLIDE_VALUE_ERROR);
  assert_int_equal(r->error_kind, GLIDE_ERR_OUT_OF_MEMORY);
  assert_int_equal(glide_value_error_kind(r), GLIDE_ERR_OUT_OF_MEMORY);
  assert_null(glide_value_verbatim_format(r));
  size_t len = 0;
  const char *msg = glide_value_string(r, &len);
  assert_non_null(msg);
  assert_int_equal(len, strlen("out of memory"));
  assert_string_equal(msg, "out of memory");
}

/* Taken before any client exists (refusing every allocation would hit its I/O thread too). */
static const glide_value *g_static_root;

typedef struct outcome {
  atomic_int calls;
  _Atomic(glide_value *) root;
} outcome;

/* The result is published before the count that the test thread waits for. */
static void on_result(void *user_data, glide_value *root) {
  outcome *o = user_data;
  glide_value *none = NULL;
  if (!atomic_compare_exchange_strong(&o->root, &none, root)) glide_value_free(root);
  atomic_fetch_add(&o->calls, 1);
}

static bool is_oom(const glide_value *v) {
  return glide_value_get_type(v) == GLIDE_VALUE_ERROR &&
         glide_value_error_kind(v) == GLIDE_ERR_OUT_OF_MEMORY;
}

static bool is_bulk(const glide_value *v, const char *s) {
  size_t len = 0;
  const char *p = glide_value_string(v, &len);
  return glide_value_get_type(v) == GLIDE_VALUE_BULK_STRING && len == strlen(s) &&
         memcmp(p, s, len) == 0;
}

/* [SET a 1, GET b, EXISTS a b, GET r, GET t]: a and t on node a, b and r on node b (r reached
 * through a MOVED, t after a TRYAGAIN and a retry). */
static bool element_ok(const glide_value *e, size_t i) {
  if (is_oom(e)) return true;
  switch (i) {
    case 0:
      return glide_value_get_type(e) == GLIDE_VALUE_SIMPLE_STRING;
    case 1:
      return is_bulk(e, "bv");
    case 2:
      return glide_value_get_type(e) == GLIDE_VALUE_INTEGER && glide_value_integer(e) == 2;
    case 3:
      return is_bulk(e, "rv");
    default:
      return is_bulk(e, "tv");
  }
}

/* [SET a 1, GET b, GET r, GET t] (the blocking sweep's batch). */
static bool blocking_element_ok(const glide_value *e, size_t i) {
  if (is_oom(e)) return true;
  static const char *const want[4] = {NULL, "bv", "rv", "tv"};
  return i == 0 ? glide_value_get_type(e) == GLIDE_VALUE_SIMPLE_STRING : is_bulk(e, want[i]);
}

/* The transaction [SET x 1, GET x]. */
static bool tx_element_ok(const glide_value *e, size_t i) {
  if (is_oom(e)) return true;
  return i == 0 ? glide_value_get_type(e) == GLIDE_VALUE_SIMPLE_STRING : is_bulk(e, "1");
}

typedef struct sweep_case {
  const char *name;
  glide_client *c;
  const glide_batch *batch;
  const glide_batch_options *options;
  size_t elements;
  bool (*element_ok)(const glide_value *e, size_t i);
  void (*rules)(void *ctx); /* re-arms the run's redirects/retries before each run */
  void *ctx;
} sweep_case;

/* One run's answer (freed here): the right array, or OUT_OF_MEMORY in place of all of it or of
 * some elements. True when OUT_OF_MEMORY shows anywhere. */
static bool check_answer(const sweep_case *sc, long n_fail, glide_value *r) {
  char d[1024];
  if (r == g_static_root) assert_is_static_oom_root(r); /* the free below ignores it */
  if (!is_oom(r)) {
    if (glide_value_get_type(r) != GLIDE_VALUE_ARRAY || glide_value_len(r) != sc->elements)
      h_fail("%s, N=%ld: answer %s", sc->name, n_fail, h_describe(r, d, sizeof d));
    for (size_t i = 0; i < sc->elements; i++)
      if (!sc->element_ok(glide_value_at(r, i), i))
        h_fail("%s, N=%ld: element %zu of %s", sc->name, n_fail, i, h_describe(r, d, sizeof d));
  }
  bool any_oom = is_oom(r);
  for (size_t i = 0; i < glide_value_len(r) && !any_oom; i++)
    any_oom = is_oom(glide_value_at(r, i));
  glide_value_free(r);
  return any_oom;
}

/* Whatever a run did, the client answers correctly right after. */
static void expect_client_whole(const sweep_case *sc, long n_fail, glide_client *c) {
  glide_value *v = h_cmd(c, "GET", "b", NULL);
  if (!is_bulk(v, "bv")) {
    char d[512];
    h_fail("%s, N=%ld: the client is broken afterwards: GET b -> %s", sc->name, n_fail,
           h_describe(v, d, sizeof d));
  }
  glide_value_free(v);
}

/* A sweep's one line, and its failure when no run got through without a refused allocation. */
static void sweep_report(const sweep_case *sc, long first_clean, long runs_with_oom) {
  print_message(
      "      %s: N = 1..%ld failed the Nth allocation; %ld runs answered OUT_OF_MEMORY "
      "somewhere, all others correctly; run %ld needed fewer allocations\n",
      sc->name, first_clean - 1, runs_with_oom, first_clean);
  if (!first_clean) h_fail("%s: the sweep did not end within 5000 allocations", sc->name);
}

/* Fails the Nth allocation of one exec for N = 1, 2, ... until a run needs fewer than N. */
static void sweep(const sweep_case *sc) {
  long n_fail = 1, runs_with_oom = 0, first_clean = 0;
  for (; n_fail <= 5000; n_fail++) {
    if (sc->rules) sc->rules(sc->ctx);
    outcome o = {0};
    atomic_store(&g_failed, 0);
    atomic_store(&g_countdown, n_fail);
    glide_status st = glide_client_exec_async(sc->c, sc->batch, false, sc->options, on_result, &o);
    bool refused_at_submit = st != GLIDE_OK;
    if (refused_at_submit && st != GLIDE_ERR_OUT_OF_MEMORY)
      h_fail("%s, N=%ld: exec_async returned %s", sc->name, n_fail, glide_error_kind_name(st));
    if (!refused_at_submit && !h_wait_counter(&o.calls, 1, 10000))
      h_fail("%s, N=%ld: the callback never fired (lost)", sc->name, n_fail);
    atomic_store(&g_countdown, 0);
    const bool failed_one = atomic_load(&g_failed) > 0;
    if (!refused_at_submit) {
      h_sleep_ms(1);
      if (atomic_load(&o.calls) != 1)
        h_fail("%s, N=%ld: the callback fired %d times", sc->name, n_fail, atomic_load(&o.calls));
      runs_with_oom += check_answer(sc, n_fail, atomic_load(&o.root));
    }
    expect_client_whole(sc, n_fail, sc->c);
    if (!failed_one) {
      first_clean = n_fail;
      break;
    }
  }
  sweep_report(sc, first_clean, runs_with_oom);
}

typedef struct redirect_rules {
  fake_node *a;
  const char *moved;
} redirect_rules;

static void arm_redirects(void *ctx) {
  const redirect_rules *rr = ctx;
  fake_node_clear_rules(rr->a);
  fake_node_on_reply(rr->a, "GET", "r", 1, rr->moved);             /* a redirect in every run */
  fake_node_on_reply(rr->a, "GET", "t", 1, "-TRYAGAIN later\r\n"); /* and a retry */
}

/* The sweep of one blocking GET key (expected value `want`) on a fresh client per run: each run
 * first puts the connection of `warm`'s node on offer (GETs until one went the caller's way),
 * then fails the Nth allocation of the GET. With rr, node a answers it MOVED (the fast path
 * hands the request to the I/O thread, which follows the redirect). */
static void sweep_blocking(fake_node *a, const char *key, const char *want, const char *warm,
                           const char *warm_want, const redirect_rules *rr) {
  long n_fail = 1, runs_with_oom = 0, first_clean = 0;
  uint64_t fast = 0;
  for (; n_fail <= 5000; n_fail++) {
    glide_client *c = fake_node_client(a, 3000, 0, 0);
    const uint64_t before = h_stats(c).caller_side_requests;
    for (int i = 0; i < 50 && h_stats(c).caller_side_requests == before; i++) {
      glide_value *w = h_cmd(c, "GET", warm, NULL);
      if (!is_bulk(w, warm_want)) h_fail("blocking sweep: warm-up GET %s failed", warm);
      glide_value_free(w);
    }
    if (h_stats(c).caller_side_requests == before)
      h_fail("blocking sweep: the fast path is never taken");
    if (rr) arm_redirects((void *)rr);
    const uint64_t at = h_stats(c).caller_side_requests;
    atomic_store(&g_failed, 0);
    atomic_store(&g_countdown, n_fail);
    glide_value *r = h_cmd(c, "GET", key, NULL);
    atomic_store(&g_countdown, 0);
    const bool failed_one = atomic_load(&g_failed) > 0;
    fast += h_stats(c).caller_side_requests - at;
    char d[512];
    if (r == g_static_root) assert_is_static_oom_root(r);
    if (is_oom(r))
      runs_with_oom++;
    else if (!is_bulk(r, want))
      h_fail("blocking sweep GET %s, N=%ld: answer %s", key, n_fail, h_describe(r, d, sizeof d));
    glide_value_free(r);
    if (rr) arm_redirects((void *)rr); /* a claims r's slot again, as a real node would */
    glide_value *v = h_cmd(c, "GET", key, NULL);
    if (!is_bulk(v, want))
      h_fail("blocking sweep GET %s, N=%ld: the client is broken afterwards: %s", key, n_fail,
             h_describe(v, d, sizeof d));
    glide_value_free(v);
    glide_client_close(c);
    if (!failed_one) {
      first_clean = n_fail;
      break;
    }
  }
  print_message(
      "      blocking GET %s: N = 1..%ld failed the Nth allocation; %ld runs answered "
      "OUT_OF_MEMORY, all others correctly (%llu answered on the caller side); run %ld needed "
      "fewer allocations\n",
      key, first_clean - 1, runs_with_oom, (unsigned long long)fast, first_clean);
  if (!first_clean) h_fail("blocking sweep: did not end within 5000 allocations");
}

/* The pipeline sweep again, blocking, on the caller-side fast path: a fresh client per run with
 * both nodes' connections on offer (the batch run until one went the caller's way), then the Nth
 * allocation of one exec fails. The MOVED and TRYAGAIN are handed to the I/O thread inside the
 * request, with the answers so far. */
static void sweep_blocking_batch(fake_node *a, const glide_batch *warm, const sweep_case *sc) {
  long n_fail = 1, runs_with_oom = 0, first_clean = 0;
  for (; n_fail <= 5000; n_fail++) {
    glide_client *c = fake_node_client(a, 3000, 0, 0);
    const uint64_t before = h_stats(c).caller_side_requests;
    for (int i = 0; i < 50 && h_stats(c).caller_side_requests == before; i++) {
      glide_value *w = glide_client_exec(c, warm, false, NULL);
      glide_value_free(w);
    }
    if (h_stats(c).caller_side_requests == before)
      h_fail("%s: the fast path is never taken", sc->name);
    if (sc->rules) sc->rules(sc->ctx);
    atomic_store(&g_failed, 0);
    atomic_store(&g_countdown, n_fail);
    glide_value *r = glide_client_exec(c, sc->batch, false, sc->options);
    atomic_store(&g_countdown, 0);
    const bool failed_one = atomic_load(&g_failed) > 0;
    runs_with_oom += check_answer(sc, n_fail, r);
    expect_client_whole(sc, n_fail, c);
    glide_client_close(c);
    if (!failed_one) {
      first_clean = n_fail;
      break;
    }
  }
  sweep_report(sc, first_clean, runs_with_oom);
}

static void test_out_of_memory_sweep(void **state) {
  (void)state;
  const glide_allocator counting = {t_malloc, t_calloc, t_realloc, t_free, NULL};
  OK(glide_set_allocator(&counting));
  g_static_root = static_oom_root();
  assert_is_static_oom_root(g_static_root);
  fake_node *a = fake_node_start();
  fake_node *b = fake_node_start();
  const uint16_t sb = h_key_slot("b", 1), sr = h_key_slot("r", 1);
  assert_true(sb != h_key_slot("a", 1) && sr != h_key_slot("a", 1));
  fake_slot_range map[5];
  size_t n = 0;
  uint16_t lo = 0;
  const uint16_t on_b[2] = {sb < sr ? sb : sr, sb < sr ? sr : sb};
  for (int k = 0; k < 2; k++) {
    if (on_b[k] > lo)
      map[n++] = (fake_slot_range){lo, (uint16_t)(on_b[k] - 1), fake_node_port(a), 0};
    /* r's slot is on b in b's own map but a still claims it: a answers MOVED for r */
    map[n++] = (fake_slot_range){on_b[k], on_b[k], fake_node_port(on_b[k] == sb ? b : a), 0};
    lo = (uint16_t)(on_b[k] + 1);
  }
  map[n++] = (fake_slot_range){lo, 16383, fake_node_port(a), 0};
  fake_node_set_slots(a, map, n);
  fake_node_set_slots(b, map, n);
  fake_node_store_set(a, "a", "av");
  fake_node_store_set(b, "b", "bv");
  fake_node_store_set(b, "r", "rv");
  char moved[128];
  snprintf(moved, sizeof moved, "-MOVED %u 127.0.0.1:%u\r\n", sr, fake_node_port(b));

  fake_node_store_set(a, "t", "tv");
  glide_client *c = fake_node_client(a, 3000, 0, 0);
  glide_batch *batch = glide_batch_new(false);
  assert_non_null(batch);
  OK(h_batch_cmd(batch, "SET", "a", "1", NULL));
  OK(h_batch_cmd(batch, "GET", "b", NULL));
  OK(h_batch_cmd(batch, "EXISTS", "a", "b", NULL)); /* split per slot, counts summed */
  OK(h_batch_cmd(batch, "GET", "r", NULL));
  OK(h_batch_cmd(batch, "GET", "t", NULL));
  glide_batch_options o;
  glide_batch_options_init(&o);
  o.retry_server_error = true;
  redirect_rules rr = {a, moved};
  const sweep_case pipeline = {"pipeline sweep", c, batch, &o, 5, element_ok, arm_redirects, &rr};
  sweep(&pipeline);
  /* Blocking, on the caller side: [SET a 1, GET b, GET r, GET t] (no multi-slot command, which
   * would take the I/O thread's path), after a warm-up batch [GET a, GET b]. */
  glide_batch *warm = glide_batch_new(false);
  glide_batch *blocking_batch = glide_batch_new(false);
  assert_non_null(warm);
  assert_non_null(blocking_batch);
  OK(h_batch_cmd(warm, "GET", "a", NULL));
  OK(h_batch_cmd(warm, "GET", "b", NULL));
  OK(h_batch_cmd(blocking_batch, "SET", "a", "1", NULL));
  OK(h_batch_cmd(blocking_batch, "GET", "b", NULL));
  OK(h_batch_cmd(blocking_batch, "GET", "r", NULL));
  OK(h_batch_cmd(blocking_batch, "GET", "t", NULL));
  const sweep_case blocking = {"blocking pipeline sweep (caller side)",
                               c,
                               blocking_batch,
                               &o,
                               4,
                               blocking_element_ok,
                               arm_redirects,
                               &rr};
  sweep_blocking_batch(a, warm, &blocking);
  glide_batch_free(blocking_batch);

  glide_batch *tx = glide_batch_new(true);
  assert_non_null(tx);
  OK(h_batch_cmd(tx, "SET", "x", "1", NULL));
  OK(h_batch_cmd(tx, "GET", "x", NULL));
  const sweep_case transaction = {"transaction sweep", c, tx, NULL, 2, tx_element_ok, NULL, NULL};
  sweep(&transaction);
  const sweep_case blocking_tx = {
      "blocking transaction sweep (caller side)", c, tx, NULL, 2, tx_element_ok, NULL, NULL};
  sweep_blocking_batch(a, warm, &blocking_tx);
  glide_batch_free(tx);
  glide_batch_free(warm);

  /* Blocking single commands, which take the caller-side fast path (the calling thread borrows
   * the node's connection): a plain GET, and one answered MOVED (handed to the I/O thread). */
  sweep_blocking(a, "b", "bv", "b", "bv", NULL);
  sweep_blocking(a, "r", "rv", "a", "1", &rr); /* a: SET to 1 by the pipeline sweep */

  glide_batch_free(batch);
  glide_client_close(c);
  fake_node_stop(a);
  fake_node_stop(b);
  OK(glide_set_allocator(NULL));
}

/* The static root is shared and read-only: glide_value_free on it is a no-op (as often as one
 * likes, and without calling the allocator), and every call hands out the same, intact value. */
static void test_static_oom_root(void **state) {
  (void)state;
  const glide_allocator counting = {t_malloc, t_calloc, t_realloc, t_free, NULL};
  OK(glide_set_allocator(&counting));
  glide_value *r = static_oom_root();
  assert_is_static_oom_root(r);
  const glide_value before = *r;
  atomic_store(&g_calls, 0);
  atomic_store(&g_frees, 0);
  glide_value_free(r);
  glide_value_free(r);
  assert_int_equal(atomic_load(&g_calls), 0);
  assert_int_equal(atomic_load(&g_frees), 0);
  assert_memory_equal(r, &before, sizeof before); /* untouched by the frees */
  assert_is_static_oom_root(r);
  glide_value *again = static_oom_root();
  assert_ptr_equal(again, r); /* one static value, not a copy */
  glide_value_free(again);
  OK(glide_set_allocator(NULL));
}

/* The same sweep over glide_client_new and a first blocking command: every run connects or
 * returns OUT_OF_MEMORY, and a client that connected answers the command correctly or with
 * OUT_OF_MEMORY; closing it frees everything (LeakSanitizer checks in the ASan builds). */
static void test_out_of_memory_sweep_connect(void **state) {
  (void)state;
  const glide_allocator counting = {t_malloc, t_calloc, t_realloc, t_free, NULL};
  OK(glide_set_allocator(&counting));
  fake_node *a = fake_node_start();
  fake_node_store_set(a, "k", "kv");
  glide_config *cfg = fake_node_config(a, 2000, 0, 0);
  long n_fail = 1, refused = 0, first_clean = 0;
  for (; n_fail <= 5000; n_fail++) {
    atomic_store(&g_failed, 0);
    atomic_store(&g_countdown, n_fail);
    glide_client *c = NULL;
    char *err = NULL;
    const glide_status st = glide_client_new(cfg, &c, &err);
    if (st != GLIDE_OK) {
      atomic_store(&g_countdown, 0);
      if (st != GLIDE_ERR_OUT_OF_MEMORY)
        h_fail("N=%ld: glide_client_new returned %s: %s", n_fail, glide_error_kind_name(st),
               err ? err : "");
      assert_null(c);
      refused++;
    } else {
      glide_value *v = h_cmd(c, "GET", "k", NULL);
      atomic_store(&g_countdown, 0);
      if (!is_oom(v) && !is_bulk(v, "kv")) {
        char d[512];
        h_fail("N=%ld: GET k -> %s", n_fail, h_describe(v, d, sizeof d));
      }
      glide_value_free(v);
      glide_client_close(c);
    }
    glide_string_free(err);
    if (atomic_load(&g_failed) == 0) {
      first_clean = n_fail;
      break;
    }
  }
  print_message(
      "      connect sweep: N = 1..%ld; %ld runs refused with OUT_OF_MEMORY, the others "
      "connected\n",
      first_clean - 1, refused);
  if (!first_clean) h_fail("the sweep did not end within 5000 allocations");
  glide_config_free(cfg);
  fake_node_stop(a);
  OK(glide_set_allocator(NULL));
}

/* glide_set_allocator: NULL function pointers and a switch while a client lives are refused. */
static void test_set_allocator_rules(void **state) {
  (void)state;
  glide_allocator bad = {t_malloc, NULL, t_realloc, t_free, NULL};
  ST(glide_set_allocator(&bad), GLIDE_ERR_INVALID_ARGUMENT);
  fake_node *a = fake_node_start();
  glide_client *c = fake_node_client(a, 1000, 0, 0);
  const glide_allocator counting = {t_malloc, t_calloc, t_realloc, t_free, NULL};
  ST(glide_set_allocator(&counting), GLIDE_ERR_INVALID_ARGUMENT);
  glide_client_close(c);
  fake_node_stop(a);
  OK(glide_set_allocator(&counting));
  atomic_store(&g_calls, 0);
  glide_config *cfg = glide_config_new();
  glide_batch *b = glide_batch_new(false);
  OK(glide_batch_get(b, "k", 1));
  if (atomic_load(&g_calls) < 2) h_fail("configs and batches did not allocate through the hooks");
  glide_batch_free(b);
  glide_config_free(cfg);
  OK(glide_set_allocator(NULL));
}

/* ------------------------------------------------------------------ allocations per command */

static atomic_int g_done;
static void count_done(void *user_data, glide_value *result) {
  (void)user_data;
  glide_value_free(result);
  atomic_fetch_add(&g_done, 1);
}

/* n async GETs in bursts of 50, each burst waited for (dispatched: run by glide_client_dispatch
 * here); returns the allocations they made. */
static long async_gets(glide_client *c, glide_callback_mode mode, const char *key, int n) {
  const long before = atomic_load(&g_calls);
  const char *argv[2] = {"GET", key};
  size_t lens[2] = {3, strlen(key)};
  for (int sent = 0; sent < n; sent += 50) {
    atomic_store(&g_done, 0);
    for (int i = 0; i < 50; i++) OK(glide_client_command_async(c, 2, argv, lens, count_done, NULL));
    const uint64_t t0 = h_now_ms();
    while (atomic_load(&g_done) < 50) {
      if (h_now_ms() - t0 > 10000) h_fail("async GETs did not complete");
      if (mode == GLIDE_CALLBACKS_DISPATCHED)
        glide_client_dispatch(c, 0);
      else
        h_sleep_ms(1);
    }
  }
  return atomic_load(&g_calls) - before;
}

/* Once warm, an async command allocates its reply arena and nothing else (issue 13): the Request
 * comes from the client's pool, a dispatched completion's node from the client's free list. */
static void test_allocations_per_async_command(void **state) {
  (void)state;
  const glide_allocator counting = {t_malloc, t_calloc, t_realloc, t_free, NULL};
  const glide_callback_mode modes[2] = {GLIDE_CALLBACKS_ON_IO_THREAD, GLIDE_CALLBACKS_DISPATCHED};
  for (int m = 0; m < 2; m++) {
    OK(glide_set_allocator(&counting));
    glide_config *cfg = h_config_cluster();
    OK(glide_config_set_callback_mode(cfg, modes[m]));
    glide_client *c = h_connect(cfg);
    char k[64];
    h_key(k, sizeof k, "oom:allocs");
    async_gets(c, modes[m], k, 300); /* warm: pools, buffers */
    const long allocs = async_gets(c, modes[m], k, 1000);
    print_message("      %s: %ld allocations for 1000 async GETs\n",
                  modes[m] == GLIDE_CALLBACKS_DISPATCHED ? "dispatched" : "on the I/O thread",
                  allocs);
    glide_client_close(c);
    OK(glide_set_allocator(NULL));
    /* one per command, give or take a vector growing to a new high once */
    assert_in_range(allocs, 1000, 1010);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_set_allocator_rules),
      cmocka_unit_test(test_static_oom_root),
      cmocka_unit_test(test_allocations_per_async_command),
      cmocka_unit_test(test_out_of_memory_sweep),
      cmocka_unit_test(test_out_of_memory_sweep_connect),
  };
  return cmocka_run_group_tests_name("out_of_memory", tests, NULL, NULL);
}
