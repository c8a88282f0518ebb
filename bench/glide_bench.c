/*
 * glide_bench.c - throughput, CPU per command, latency and memory of libglide_c against a cluster.
 * Uses only the public header. Every reply is checked; any wrong reply makes the exit status 1.
 *
 * Scenarios (--scenario NAME, a letter such as "a" for all of its variants, or "all"):
 *   a-set-1    non-atomic batch of B SETs on random keys across all slots, blocking exec
 *   a-set-8    the same, 8 batches in flight with exec_async
 *   b-get-1    non-atomic batch of B GETs, blocking            b-get-8   8 in flight
 *   c-atomic-1 atomic batch of B SETs on one hash tag, blocking c-atomic-8 8 in flight
 *   d-get-1    single GET, blocking glide_client_command       d-get-64  64 in flight (async)
 *   d-set-1    single SET, blocking                            d-set-64  64 in flight (async)
 *   d-get-64cb, d-set-64cb   64 in flight, each callback submitting the next (no app thread)
 *   e-1000, e-10000, e-100000   one batch of N GETs: time and RSS (run each in its own process
 *                               for a clean RSS figure)
 *   f-idle     RSS and threads added by one (and a second) connected client (use --idle-port
 *              for the 6-node cluster; run it in a fresh process)
 * B is --batch-size (default 100). Latency is per batch for a/b/c and per command for d.
 */
#define _GNU_SOURCE
#include <glide_c.h>

#include "bench_common.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <unistd.h>

#define MAX_INFLIGHT 1024
#define N_TAGS 16
#define WATCHDOG_MS 15000

typedef struct options {
  const char *host;
  uint16_t port;
  uint16_t idle_port;
  size_t value_size;
  size_t keyspace;
  size_t batch_size;
  int warmup_ms;
  int duration_ms;
  const char *scenario;
  bool json;
  bool callgrind; /* count only the measured window (valgrind --instr-atstart=no) */
  uint32_t timeout_ms;
  int preload;        /* 1 = preload then run (default), 0 = --no-preload, 2 = --preload-only */
  const char *tls_ca; /* --tls-ca FILE: TLS, trusting that CA (verified per node) */
} options;

static options O = {"127.0.0.1", 7000,  0,     16,    10000, 100, 500,
                    3000,        "all", false, false, 5000,  1,   NULL};

static char *g_keys;   /* keyspace * BENCH_KEY_LEN */
static char *g_values; /* keyspace * value_size */
static char g_tags[N_TAGS][8];
static size_t g_tag_len[N_TAGS];
static char g_first_error[512];
static pthread_mutex_t g_err_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_exit = 0;

static const char *key_of(size_t i) { return g_keys + i * BENCH_KEY_LEN; }
static const char *value_of(size_t i) { return g_values + i * O.value_size; }

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "glide_bench: FATAL: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  fflush(stdout);
  _exit(2);
}

static void note_error(const char *fmt, ...) {
  pthread_mutex_lock(&g_err_mu);
  if (!g_first_error[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_first_error, sizeof g_first_error, fmt, ap);
    va_end(ap);
  }
  pthread_mutex_unlock(&g_err_mu);
}

static const char *describe(const glide_value *v) {
  static __thread char buf[300];
  if (!v) return "NULL";
  if (v->type == GLIDE_VALUE_ERROR)
    snprintf(buf, sizeof buf, "ERROR %s: %.*s", glide_error_kind_name(v->error_kind),
             (int)(v->u.string.len > 200 ? 200 : v->u.string.len), v->u.string.ptr);
  else
    snprintf(buf, sizeof buf, "type %d", (int)v->type);
  return buf;
}

enum kind { K_SET, K_GET, K_ATOMIC_SET };

/* 0 if v is the right answer to command kind on key index k. */
static int check_one(const glide_value *v, enum kind kind, uint32_t k) {
  if (kind == K_GET) {
    if (v->type == GLIDE_VALUE_BULK_STRING && v->u.string.len == O.value_size &&
        memcmp(v->u.string.ptr, value_of(k), O.value_size) == 0)
      return 0;
    note_error("GET %.*s: expected the preloaded %zu-byte value, got %s", BENCH_KEY_LEN, key_of(k),
               O.value_size, describe(v));
    return 1;
  }
  if (v->type == GLIDE_VALUE_SIMPLE_STRING && v->u.string.len == 2 &&
      memcmp(v->u.string.ptr, "OK", 2) == 0)
    return 0;
  note_error("SET %.*s: expected OK, got %s", BENCH_KEY_LEN, key_of(k), describe(v));
  return 1;
}

/* Number of wrong replies in a batch result (all of them if the root is not the right array). */
static uint64_t check_batch(const glide_value *root, enum kind kind, const uint32_t *idx,
                            size_t n) {
  if (!root || root->type != GLIDE_VALUE_ARRAY || root->u.aggregate.len != n) {
    note_error("batch of %zu: expected an ARRAY of %zu, got %s (len %zu)", n, n, describe(root),
               root && root->type == GLIDE_VALUE_ARRAY ? root->u.aggregate.len : (size_t)0);
    return n;
  }
  uint64_t bad = 0;
  for (size_t i = 0; i < n; ++i)
    bad += (uint64_t)check_one(&root->u.aggregate.items[i], kind, idx[i]);
  return bad;
}

static glide_client *connect_client(uint16_t port) {
  glide_config *cfg = glide_config_new();
  if (!cfg) die("glide_config_new: out of memory");
  if (glide_config_add_address(cfg, O.host, port) != GLIDE_OK)
    die("bad address %s:%u", O.host, port);
  glide_config_set_request_timeout_ms(cfg, O.timeout_ms);
  glide_config_set_inflight_limit(cfg, 100000);
  if (O.tls_ca && (glide_config_set_tls(cfg, true) != GLIDE_OK ||
                   glide_config_set_tls_ca_file(cfg, O.tls_ca) != GLIDE_OK))
    die("bad --tls-ca %s", O.tls_ca);
  glide_client *c = NULL;
  char *msg = NULL;
  glide_status st = glide_client_new(cfg, &c, &msg);
  glide_config_free(cfg);
  if (st != GLIDE_OK)
    die("glide_client_new(%s:%u): %s: %s", O.host, port, glide_error_kind_name(st), msg ? msg : "");
  return c;
}

static void prepare_data(void) {
  static bool prepared = false; /* once; f-idle measures before it (see run_idle) */
  if (prepared) return;
  prepared = true;
  g_keys = malloc(O.keyspace * BENCH_KEY_LEN + 1);
  g_values = malloc(O.keyspace * (O.value_size ? O.value_size : 1));
  if (!g_keys || !g_values) die("out of memory for the keyspace");
  char tmp[BENCH_KEY_LEN + 1];
  for (size_t i = 0; i < O.keyspace; ++i) {
    bench_format_key(tmp, i);
    memcpy(g_keys + i * BENCH_KEY_LEN, tmp, BENCH_KEY_LEN);
    bench_fill_value(g_values + i * O.value_size, O.value_size, i);
  }
  for (int t = 0; t < N_TAGS; ++t)
    g_tag_len[t] = (size_t)snprintf(g_tags[t], sizeof g_tags[t], "{t%02d}", t);
}

/* SET every key of the keyspace to its value (pipelined, 1000 per batch). */
static void preload(glide_client *c) {
  glide_batch *b = glide_batch_new(false);
  uint32_t *idx = malloc(1000 * sizeof *idx);
  for (size_t i = 0; i < O.keyspace;) {
    size_t n = 0;
    glide_batch_clear(b);
    for (; n < 1000 && i < O.keyspace; ++n, ++i) {
      idx[n] = (uint32_t)i;
      glide_batch_set(b, key_of(i), BENCH_KEY_LEN, value_of(i), O.value_size);
    }
    glide_batch_options bo;
    glide_batch_options_init(&bo);
    bo.timeout_ms = 30000;
    glide_value *r = glide_client_exec(c, b, false, &bo);
    uint64_t bad = check_batch(r, K_SET, idx, n);
    glide_value_free(r);
    if (bad)
      die("preload failed: %llu wrong replies; first: %s", (unsigned long long)bad, g_first_error);
  }
  glide_batch_free(b);
  free(idx);
}

/* Fills b with n commands of kind on random keys; idx gets the key indexes. */
static void build_batch(glide_batch *b, enum kind kind, size_t n, uint32_t *idx, uint64_t *rng) {
  glide_batch_clear(b);
  if (kind == K_ATOMIC_SET) {
    char key[8 + BENCH_KEY_LEN];
    size_t t = (size_t)(bench_rand(rng) % N_TAGS);
    memcpy(key, g_tags[t], g_tag_len[t]);
    for (size_t i = 0; i < n; ++i) {
      uint32_t k = (uint32_t)(bench_rand(rng) % O.keyspace);
      idx[i] = k;
      memcpy(key + g_tag_len[t], key_of(k), BENCH_KEY_LEN);
      if (glide_batch_set(b, key, g_tag_len[t] + BENCH_KEY_LEN, value_of(k), O.value_size) !=
          GLIDE_OK)
        die("glide_batch_set failed");
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    uint32_t k = (uint32_t)(bench_rand(rng) % O.keyspace);
    idx[i] = k;
    glide_status st = kind == K_GET
                          ? glide_batch_get(b, key_of(k), BENCH_KEY_LEN)
                          : glide_batch_set(b, key_of(k), BENCH_KEY_LEN, value_of(k), O.value_size);
    if (st != GLIDE_OK)
      die("glide_batch_%s failed: %s", kind == K_GET ? "get" : "set", glide_error_kind_name(st));
  }
}

static size_t lat_capacity(size_t per_sample_cmds) {
  /* up to 4M commands/s over the measured window */
  size_t cap = (size_t)O.duration_ms * 4000 / (per_sample_cmds ? per_sample_cmds : 1) + 1024;
  return cap;
}

static void finish(bench_result *r, bench_lat *lat, uint64_t t0, uint64_t t1, bench_usage cpu0,
                   bench_usage cpu1, uint64_t cmds, uint64_t errors) {
  bench_result_window(r, t0, t1, cpu0, cpu1, cmds);
  bench_lat_sort(lat);
  r->p50_us = bench_lat_pct(lat, 50);
  r->p99_us = bench_lat_pct(lat, 99);
  r->peak_rss_kb = bench_maxrss_kb();
  r->errors = errors;
  if (lat->dropped)
    fprintf(stderr, "glide_bench: %s: %zu latency samples past capacity not recorded\n",
            r->scenario, lat->dropped);
}

/* ------------------------------------------------------------------ blocking loops */

static void run_batch_sync(glide_client *c, const char *name, enum kind kind, bench_result *r) {
  const bool atomic = kind == K_ATOMIC_SET;
  glide_batch *b = glide_batch_new(atomic);
  uint32_t *idx = malloc(O.batch_size * sizeof *idx);
  bench_lat lat;
  if (!b || !idx || !bench_lat_init(&lat, lat_capacity(O.batch_size))) die("out of memory");
  uint64_t rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)kind;
  const enum kind check_kind = kind == K_GET ? K_GET : K_SET;
  uint64_t errors = 0, batches = 0;
  bench_window w;
  bench_window_init(&w, O.warmup_ms, O.duration_ms, O.callgrind);
  for (;;) {
    uint64_t now = bench_now_ns();
    bench_window_start(&w, now);
    if (bench_window_over(&w, now)) break;
    build_batch(b, kind, O.batch_size, idx, &rng);
    uint64_t sent = bench_now_ns();
    glide_value *res = glide_client_exec(c, b, false, NULL);
    uint64_t done = bench_now_ns();
    uint64_t bad = check_batch(res, check_kind, idx, O.batch_size);
    glide_value_free(res);
    if (w.measuring) {
      bench_lat_add(&lat, done - sent);
      batches++;
      errors += bad;
    } else if (bad) {
      errors += bad;
    }
  }
  bench_window_stop(&w, bench_now_ns());
  bench_result_init(r, "glide", name);
  r->lat_unit = "batch";
  finish(r, &lat, w.t0, w.t1, w.cpu0, w.cpu1, batches * O.batch_size, errors);
  free(lat.v);
  free(idx);
  glide_batch_free(b);
}

static void run_single_sync(glide_client *c, const char *name, enum kind kind, bench_result *r) {
  bench_lat lat;
  if (!bench_lat_init(&lat, lat_capacity(1))) die("out of memory");
  uint64_t rng = 0x1234567ull ^ (uint64_t)kind;
  const char *argv[3];
  size_t lens[3];
  argv[0] = kind == K_GET ? "GET" : "SET";
  lens[0] = 3;
  lens[1] = BENCH_KEY_LEN;
  lens[2] = O.value_size;
  size_t argc = kind == K_GET ? 2 : 3;
  uint64_t errors = 0, cmds = 0;
  bench_window w;
  bench_window_init(&w, O.warmup_ms, O.duration_ms, O.callgrind);
  for (;;) {
    uint64_t now = bench_now_ns();
    bench_window_start(&w, now);
    if (bench_window_over(&w, now)) break;
    uint32_t k = (uint32_t)(bench_rand(&rng) % O.keyspace);
    argv[1] = key_of(k);
    argv[2] = value_of(k);
    glide_value *res = glide_client_command(c, argc, argv, lens);
    uint64_t done = bench_now_ns();
    int bad = check_one(res, kind, k);
    glide_value_free(res);
    errors += (uint64_t)bad;
    if (w.measuring) {
      bench_lat_add(&lat, done - now);
      cmds++;
    }
  }
  bench_window_stop(&w, bench_now_ns());
  bench_result_init(r, "glide", name);
  finish(r, &lat, w.t0, w.t1, w.cpu0, w.cpu1, cmds, errors);
  free(lat.v);
}

/* ------------------------------------------------------------------ async loops */

typedef struct async_state async_state;
typedef struct async_slot {
  async_state *st;
  uint64_t t_submit;
  uint32_t *idx; /* batch_size entries (1 for single commands) */
  struct async_slot *next_free;
} async_slot;

struct async_state {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool waiting;
  enum kind kind;
  bool batch;
  size_t per_request; /* commands per request */
  size_t inflight;
  bool measuring;
  uint64_t completed_measured; /* requests completed while measuring */
  uint64_t completed_total;
  uint64_t errors;
  async_slot *free_list;
  bench_lat lat;
};

static void async_cb(void *user_data, glide_value *result) {
  async_slot *s = user_data;
  async_state *st = s->st;
  uint64_t now = bench_now_ns();
  uint64_t bad;
  if (st->batch)
    bad = check_batch(result, st->kind == K_GET ? K_GET : K_SET, s->idx, st->per_request);
  else
    bad = (uint64_t)check_one(result, st->kind, s->idx[0]);
  glide_value_free(result);
  pthread_mutex_lock(&st->mu);
  st->errors += bad;
  st->completed_total++;
  if (st->measuring) {
    st->completed_measured++;
    bench_lat_add(&st->lat, now - s->t_submit);
  }
  s->next_free = st->free_list;
  st->free_list = s;
  st->inflight--;
  if (st->waiting) pthread_cond_signal(&st->cv);
  pthread_mutex_unlock(&st->mu);
}

/* Waits (mu held) until pred: fails loudly when nothing completes for WATCHDOG_MS. */
static void async_wait(async_state *st, size_t max_inflight) {
  uint64_t last_total = st->completed_total;
  uint64_t since = bench_now_ns();
  while (st->inflight > max_inflight) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 200000000;
    if (ts.tv_nsec >= 1000000000) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
    }
    st->waiting = true;
    pthread_cond_timedwait(&st->cv, &st->mu, &ts);
    st->waiting = false;
    if (st->completed_total != last_total) {
      last_total = st->completed_total;
      since = bench_now_ns();
    } else if (bench_now_ns() - since > (uint64_t)WATCHDOG_MS * 1000000ull) {
      die("HANG: %zu requests outstanding and no completion for %d ms (%llu completed so far)",
          st->inflight, WATCHDOG_MS, (unsigned long long)st->completed_total);
    }
  }
}

/* d-*-64cb: the same 64 commands in flight, each callback submitting the next command itself
 * (on the I/O thread, which the API allows), so no other thread is woken per command: what the
 * library's async path costs without the application's own hand-off (d-*-64 keeps 64 in flight
 * from the main thread with a mutex and condition variable per completion). */
typedef struct chain_state {
  glide_client *c;
  enum kind kind;
  atomic_bool stop;
  atomic_bool measuring;
  atomic_ullong completed_measured;
  atomic_ullong completed_total;
  atomic_ullong errors;
  atomic_int inflight;
  uint64_t rng; /* I/O thread only (every callback runs there) */
  bench_lat lat;
} chain_state;

typedef struct chain_slot {
  chain_state *st;
  uint64_t t_submit;
  uint32_t idx;
} chain_slot;

static void chain_cb(void *user_data, glide_value *result);

static glide_status chain_submit(chain_slot *s) {
  chain_state *st = s->st;
  const uint32_t k = (uint32_t)(bench_rand(&st->rng) % O.keyspace);
  const char *argv[3] = {st->kind == K_GET ? "GET" : "SET", key_of(k), value_of(k)};
  size_t lens[3] = {3, BENCH_KEY_LEN, O.value_size};
  s->idx = k;
  s->t_submit = bench_now_ns();
  return glide_client_command_async(st->c, st->kind == K_GET ? 2 : 3, argv, lens, chain_cb, s);
}

static void chain_cb(void *user_data, glide_value *result) {
  chain_slot *s = user_data;
  chain_state *st = s->st;
  const uint64_t now = bench_now_ns();
  atomic_fetch_add(&st->errors, (unsigned long long)check_one(result, st->kind, s->idx));
  glide_value_free(result);
  atomic_fetch_add(&st->completed_total, 1);
  if (atomic_load(&st->measuring)) {
    atomic_fetch_add(&st->completed_measured, 1);
    bench_lat_add(&st->lat, now - s->t_submit);
  }
  if (atomic_load(&st->stop) || chain_submit(s) != GLIDE_OK) atomic_fetch_sub(&st->inflight, 1);
}

static void run_async_chained(glide_client *c, const char *name, enum kind kind, size_t depth,
                              bench_result *r) {
  chain_state st;
  memset(&st, 0, sizeof st);
  st.c = c;
  st.kind = kind;
  st.rng = 0x5EED1234ull ^ (uint64_t)kind;
  if (!bench_lat_init(&st.lat, lat_capacity(1))) die("out of memory");
  chain_slot *slots = calloc(depth, sizeof *slots);
  if (!slots) die("out of memory");
  bench_window w;
  bench_window_init(&w, O.warmup_ms, O.duration_ms, O.callgrind);
  atomic_store(&st.inflight, (int)depth);
  for (size_t i = 0; i < depth; ++i) {
    slots[i].st = &st;
    if (chain_submit(&slots[i]) != GLIDE_OK) die("command_async refused at the start");
  }
  uint64_t done0 = 0, done1 = 0;
  for (;;) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    uint64_t now = bench_now_ns();
    if (bench_window_start(&w, now)) {
      done0 = atomic_load(&st.completed_measured);
      atomic_store(&st.measuring, true);
    } else if (bench_window_over(&w, now)) {
      bench_window_stop(&w, now);
      atomic_store(&st.measuring, false);
      done1 = atomic_load(&st.completed_measured);
      break;
    }
  }
  atomic_store(&st.stop, true);
  const uint64_t since = bench_now_ns();
  while (atomic_load(&st.inflight) > 0) {
    if (bench_now_ns() - since > (uint64_t)WATCHDOG_MS * 1000000ull)
      die("HANG: %d chained requests outstanding", atomic_load(&st.inflight));
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  bench_result_init(r, "glide", name);
  r->lat_unit = "cmd";
  finish(r, &st.lat, w.t0, w.t1, w.cpu0, w.cpu1, done1 - done0, atomic_load(&st.errors));
  free(st.lat.v);
  free(slots);
}

static void run_async(glide_client *c, const char *name, enum kind kind, bool batch, size_t depth,
                      bench_result *r) {
  async_state st;
  memset(&st, 0, sizeof st);
  pthread_mutex_init(&st.mu, NULL);
  pthread_cond_init(&st.cv, NULL);
  st.kind = kind;
  st.batch = batch;
  st.per_request = batch ? O.batch_size : 1;
  if (!bench_lat_init(&st.lat, lat_capacity(st.per_request))) die("out of memory");
  async_slot *slots = calloc(depth, sizeof *slots);
  if (!slots) die("out of memory");
  for (size_t i = 0; i < depth; ++i) {
    slots[i].st = &st;
    slots[i].idx = malloc(st.per_request * sizeof(uint32_t));
    if (!slots[i].idx) die("out of memory");
    slots[i].next_free = st.free_list;
    st.free_list = &slots[i];
  }
  glide_batch *b = batch ? glide_batch_new(kind == K_ATOMIC_SET) : NULL;
  uint64_t rng = 0xABCDEF12345ull ^ (uint64_t)kind ^ depth;
  const char *argv[3];
  size_t lens[3] = {3, BENCH_KEY_LEN, O.value_size};
  argv[0] = kind == K_GET ? "GET" : "SET";
  size_t argc = kind == K_GET ? 2 : 3;

  bench_window w;
  bench_window_init(&w, O.warmup_ms, O.duration_ms, O.callgrind);
  uint64_t done0 = 0, done1 = 0;
  uint64_t submit_failures = 0;
  for (;;) {
    pthread_mutex_lock(&st.mu);
    async_wait(&st, depth - 1);
    uint64_t now = bench_now_ns();
    if (bench_window_start(&w, now)) {
      st.measuring = true;
      done0 = st.completed_measured;
    } else if (bench_window_over(&w, now)) {
      bench_window_stop(&w, now);
      done1 = st.completed_measured;
      st.measuring = false;
      pthread_mutex_unlock(&st.mu);
      break;
    }
    async_slot *s = st.free_list;
    st.free_list = s->next_free;
    st.inflight++;
    pthread_mutex_unlock(&st.mu);

    glide_status rc;
    if (batch) {
      build_batch(b, kind, st.per_request, s->idx, &rng);
      s->t_submit = bench_now_ns();
      rc = glide_client_exec_async(c, b, false, NULL, async_cb, s);
    } else {
      uint32_t k = (uint32_t)(bench_rand(&rng) % O.keyspace);
      s->idx[0] = k;
      argv[1] = key_of(k);
      argv[2] = value_of(k);
      s->t_submit = bench_now_ns();
      rc = glide_client_command_async(c, argc, argv, lens, async_cb, s);
    }
    if (rc != GLIDE_OK) {
      note_error("%s_async returned %s", batch ? "exec" : "command", glide_error_kind_name(rc));
      submit_failures++;
      pthread_mutex_lock(&st.mu);
      s->next_free = st.free_list;
      st.free_list = s;
      st.inflight--;
      pthread_mutex_unlock(&st.mu);
      if (submit_failures > 1000) die("too many submission failures: %s", g_first_error);
    }
  }
  pthread_mutex_lock(&st.mu);
  async_wait(&st, 0);
  uint64_t errors = st.errors + submit_failures;
  pthread_mutex_unlock(&st.mu);

  bench_result_init(r, "glide", name);
  r->lat_unit = batch ? "batch" : "cmd";
  finish(r, &st.lat, w.t0, w.t1, w.cpu0, w.cpu1, (done1 - done0) * st.per_request, errors);
  free(st.lat.v);
  for (size_t i = 0; i < depth; ++i) free(slots[i].idx);
  free(slots);
  glide_batch_free(b);
  pthread_mutex_destroy(&st.mu);
  pthread_cond_destroy(&st.cv);
}

/* ------------------------------------------------------------------ e: one big batch */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void run_big_batch(glide_client *c, const char *name, size_t n, bench_result *r) {
  int reps = (int)(100000 / n);
  if (reps < 3) reps = 3;
  if (reps > 50) reps = 50;
  double *times = calloc((size_t)reps, sizeof *times);
  if (!times) die("out of memory");
  long rss_before = bench_proc_status("VmRSS");
  bool hwm_ok = bench_reset_hwm();
  uint32_t *idx = malloc(n * sizeof *idx);
  glide_batch *b = glide_batch_new(false);
  if (!idx || !b) die("out of memory");
  for (size_t i = 0; i < n; ++i) {
    idx[i] = (uint32_t)(i % O.keyspace);
    if (glide_batch_get(b, key_of(idx[i]), BENCH_KEY_LEN) != GLIDE_OK)
      die("glide_batch_get failed");
  }
  long rss_built = bench_proc_status("VmRSS");
  glide_batch_options bo;
  glide_batch_options_init(&bo);
  bo.timeout_ms = 120000;
  uint64_t errors = 0;
  bench_usage cpu0 = bench_usage_now();
  for (int rep = 0; rep < reps; ++rep) {
    uint64_t t0 = bench_now_ns();
    glide_value *res = glide_client_exec(c, b, false, &bo);
    uint64_t t1 = bench_now_ns();
    times[rep] = (double)(t1 - t0) / 1e6;
    errors += check_batch(res, K_GET, idx, n);
    glide_value_free(res);
  }
  bench_usage cpu1 = bench_usage_now();
  long hwm = bench_proc_status("VmHWM");
  qsort(times, (size_t)reps, sizeof *times, cmp_double);
  bench_result_init(r, "glide", name);
  r->lat_unit = "batch";
  r->reps = reps;
  r->exec_ms = times[reps / 2];
  r->exec_ms_min = times[0];
  double total_s = 0;
  for (int i = 0; i < reps; ++i) total_s += times[i] / 1000.0;
  r->seconds = total_s;
  /* CPU over all the reps; the rate from the median exec time */
  bench_result_window(r, 0, 1, cpu0, cpu1, (uint64_t)n * (uint64_t)reps);
  r->seconds = total_s;
  r->cmds_per_s = (double)n / (r->exec_ms / 1000.0);
  r->p50_us = times[reps / 2] * 1000.0;
  r->p99_us = times[(size_t)((reps - 1) * 0.99 + 0.5)] * 1000.0;
  r->peak_rss_kb = bench_maxrss_kb();
  r->errors = errors;
  /* bytes of the replies on the wire: "$<len>\r\n<value>\r\n" each */
  char lenbuf[32];
  int digits = snprintf(lenbuf, sizeof lenbuf, "%zu", O.value_size);
  r->reply_bytes = (double)n * (double)(1 + digits + 2 + O.value_size + 2);
  r->rss_before_kb = rss_before;
  r->batch_kb = rss_built - rss_before;
  if (hwm_ok) {
    r->exec_peak_kb = hwm - rss_built;
    r->peak_delta_kb = hwm - rss_before;
  } else {
    fprintf(stderr, "glide_bench: cannot reset VmHWM; using ru_maxrss\n");
    r->exec_peak_kb = r->peak_rss_kb - rss_built;
    r->peak_delta_kb = r->peak_rss_kb - rss_before;
  }
  glide_batch_free(b);
  free(idx);
  free(times);
}

/* ------------------------------------------------------------------ f: idle client */

static void run_idle(bench_result *r) {
  uint16_t port = O.idle_port ? O.idle_port : O.port;
  long rss0 = bench_proc_status("VmRSS"), th0 = bench_proc_status("Threads");
  glide_client *c1 = connect_client(port);
  usleep(500000);
  long rss1 = bench_proc_status("VmRSS"), th1 = bench_proc_status("Threads");
  glide_client *c2 = connect_client(port);
  usleep(500000);
  long rss2 = bench_proc_status("VmRSS"), th2 = bench_proc_status("Threads");
  /* the keyspace only now: VmRSS above is the library's and a minimal program's, not the
     bench's 10,000 keys and values */
  prepare_data();
  /* each must work */
  const char *argv[2] = {"GET", key_of(0)};
  size_t lens[2] = {3, BENCH_KEY_LEN};
  uint64_t errors = 0;
  glide_client *cs[2] = {c1, c2};
  for (int i = 0; i < 2; ++i) {
    glide_value *v = glide_client_command(cs[i], 2, argv, lens);
    if (v->type != GLIDE_VALUE_BULK_STRING && v->type != GLIDE_VALUE_NIL) {
      note_error("f-idle GET: %s", describe(v));
      errors++;
    }
    glide_value_free(v);
  }
  glide_client_close(c2);
  glide_client_close(c1);
  long th3 = bench_proc_status("Threads");
  if (th3 != th0) {
    note_error("f-idle: %ld threads after closing both clients, %ld before", th3, th0);
    errors++;
  }
  bench_result_init(r, "glide", "f-idle");
  r->peak_rss_kb = bench_maxrss_kb();
  r->idle_rss_kb_1 = rss1 - rss0;
  r->idle_rss_kb_total = rss1;
  r->idle_rss_kb_2 = rss2 - rss1;
  r->threads_1 = th1 - th0;
  r->threads_2 = th2 - th1;
  r->errors = errors;
}

/* ------------------------------------------------------------------ main */

typedef struct scenario {
  const char *name;
  int type; /* 0 batch sync, 1 batch async, 2 single sync, 3 single async, 4 big, 5 idle,
               6 single async chained from the callbacks */
  enum kind kind;
  size_t depth;
} scenario;

static const scenario SCENARIOS[] = {
    {"f-idle", 5, K_GET, 0}, /* first: nothing of the library touched yet in this process */
    {"a-set-1", 0, K_SET, 1},
    {"a-set-8", 1, K_SET, 8},
    {"b-get-1", 0, K_GET, 1},
    {"b-get-8", 1, K_GET, 8},
    {"c-atomic-1", 0, K_ATOMIC_SET, 1},
    {"c-atomic-8", 1, K_ATOMIC_SET, 8},
    {"d-get-1", 2, K_GET, 1},
    {"d-set-1", 2, K_SET, 1},
    {"d-get-64", 3, K_GET, 64},
    {"d-set-64", 3, K_SET, 64},
    {"d-get-64cb", 6, K_GET, 64},
    {"d-set-64cb", 6, K_SET, 64},
    {"e-1000", 4, K_GET, 1000},
    {"e-10000", 4, K_GET, 10000},
    {"e-100000", 4, K_GET, 100000},
};

static bool selected(const scenario *s) {
  if (strcmp(O.scenario, "all") == 0) return true;
  if (strcmp(O.scenario, s->name) == 0) return true;
  return strlen(O.scenario) == 1 && O.scenario[0] == s->name[0];
}

static void usage(void) {
  fprintf(
      stderr,
      "usage: glide_bench [--host H] [--port P] [--idle-port P] [--value-size N] [--keyspace N]\n"
      "                   [--batch-size N] [--warmup-ms N] [--duration-ms N] [--timeout-ms N]\n"
      "                   [--scenario NAME|LETTER|all] [--json] [--callgrind] [--list]\n"
      "                   [--no-preload | --preload-only] [--tls-ca FILE]\n"
      "  --no-preload: the keyspace already holds this --value-size's values (an earlier\n"
      "  --preload-only run); keeps the preload's freed heap out of the RSS figures.\n"
      "  --tls-ca: connect with TLS, verifying each node against that CA (PEM).\n");
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEXT() (v ? (++i, v) : (usage(), ""))
    if (!strcmp(a, "--host"))
      O.host = NEXT();
    else if (!strcmp(a, "--port"))
      O.port = (uint16_t)atoi(NEXT());
    else if (!strcmp(a, "--idle-port"))
      O.idle_port = (uint16_t)atoi(NEXT());
    else if (!strcmp(a, "--value-size"))
      O.value_size = (size_t)atol(NEXT());
    else if (!strcmp(a, "--keyspace"))
      O.keyspace = (size_t)atol(NEXT());
    else if (!strcmp(a, "--batch-size"))
      O.batch_size = (size_t)atol(NEXT());
    else if (!strcmp(a, "--warmup-ms"))
      O.warmup_ms = atoi(NEXT());
    else if (!strcmp(a, "--duration-ms"))
      O.duration_ms = atoi(NEXT());
    else if (!strcmp(a, "--timeout-ms"))
      O.timeout_ms = (uint32_t)atol(NEXT());
    else if (!strcmp(a, "--scenario"))
      O.scenario = NEXT();
    else if (!strcmp(a, "--json"))
      O.json = true;
    else if (!strcmp(a, "--callgrind"))
      O.callgrind = true;
    else if (!strcmp(a, "--no-preload"))
      O.preload = 0;
    else if (!strcmp(a, "--preload-only"))
      O.preload = 2;
    else if (!strcmp(a, "--tls-ca"))
      O.tls_ca = NEXT();
    else if (!strcmp(a, "--list")) {
      for (size_t s = 0; s < sizeof SCENARIOS / sizeof *SCENARIOS; ++s) puts(SCENARIOS[s].name);
      return 0;
    } else
      usage();
#undef NEXT
  }
  if (O.port == 0 || O.keyspace == 0 || O.keyspace > UINT32_MAX || O.batch_size == 0 ||
      O.duration_ms <= 0 || O.warmup_ms < 0)
    usage();
  bool any = false;
  for (size_t s = 0; s < sizeof SCENARIOS / sizeof *SCENARIOS; ++s) any |= selected(&SCENARIOS[s]);
  if (!any) {
    fprintf(stderr, "glide_bench: unknown scenario %s (--list)\n", O.scenario);
    return 2;
  }
  if (O.preload == 2 || !selected(&SCENARIOS[0])) prepare_data(); /* [0] is f-idle */
  if (O.preload == 2) {
    glide_client *pc = connect_client(O.port);
    preload(pc);
    glide_client_close(pc);
    return 0;
  }
  bench_print_header(O.json);

  glide_client *c = NULL;
  bool preloaded = false;
  uint64_t total_errors = 0;
  for (size_t i = 0; i < sizeof SCENARIOS / sizeof *SCENARIOS; ++i) {
    const scenario *s = &SCENARIOS[i];
    if (!selected(s)) continue;
    bench_result r;
    if (s->type == 5) {
      if (c)
        fprintf(stderr,
                "glide_bench: f-idle after other scenarios: the RSS figure includes warm state\n");
      run_idle(&r);
    } else {
      prepare_data();
      if (!c) c = connect_client(O.port);
      if (!preloaded) {
        if (O.preload) preload(c);
        preloaded = true;
      }
      switch (s->type) {
        case 0:
          run_batch_sync(c, s->name, s->kind, &r);
          break;
        case 1:
          run_async(c, s->name, s->kind, true, s->depth, &r);
          break;
        case 2:
          run_single_sync(c, s->name, s->kind, &r);
          break;
        case 3:
          run_async(c, s->name, s->kind, false, s->depth, &r);
          break;
        case 6:
          run_async_chained(c, s->name, s->kind, s->depth, &r);
          break;
        default:
          run_big_batch(c, s->name, s->depth, &r);
          break;
      }
    }
    bench_print(&r, O.json);
    total_errors += r.errors;
    if (r.errors) {
      fprintf(stderr, "glide_bench: %s: %llu WRONG REPLIES; first: %s\n", s->name,
              (unsigned long long)r.errors, g_first_error);
      g_exit = 1;
    }
  }
  if (c) glide_client_close(c);
  if (total_errors)
    fprintf(stderr, "glide_bench: FAILED: %llu wrong replies in total\n",
            (unsigned long long)total_errors);
  free(g_keys);
  free(g_values);
  return g_exit;
}
