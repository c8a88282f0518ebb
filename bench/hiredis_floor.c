/*
 * hiredis_floor.c - the floor: a plain hiredis client (Debian's libhiredis) against ONE node.
 *
 *   blocking-get / blocking-set   redisCommand round trips, one command in flight
 *   pipeline-get / pipeline-set   batches of B (default 100): redisAppendCommand x B, then
 *                                 redisGetReply x B, one batch in flight
 *
 * Against a cluster node, the keys are the first --keyspace keys "key:%012u" whose slot that node
 * owns (from CLUSTER SLOTS), so no command is redirected; against a standalone server every key.
 * Values and checks are the same as glide_bench's. Metrics: cmds/s, CPU us per command
 * (getrusage RUSAGE_SELF), p50/p99 per command (blocking) or per batch (pipeline), peak RSS.
 */
#define _GNU_SOURCE
#include <hiredis/hiredis.h>

#include "bench_common.h"

#include <stdarg.h>
#include <unistd.h>

typedef struct options {
  const char *host;
  int port;
  size_t value_size, keyspace, batch_size;
  int warmup_ms, duration_ms;
  const char *mode;
  bool json;
  bool callgrind; /* count only the measured window (valgrind --instr-atstart=no) */
} options;

static options O = {"127.0.0.1", 7000, 16, 10000, 100, 500, 3000, "all", false, false};
static char *g_keys, *g_values;
static char g_first_error[512];

static const char *key_of(size_t i) { return g_keys + i * BENCH_KEY_LEN; }
static const char *value_of(size_t i) { return g_values + i * O.value_size; }

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "hiredis_floor: FATAL: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(2);
}

static void note_error(const char *fmt, ...) {
  if (g_first_error[0]) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_first_error, sizeof g_first_error, fmt, ap);
  va_end(ap);
}

static int check(redisReply *r, bool get, size_t k) {
  if (!r) {
    note_error("no reply (connection error)");
    return 1;
  }
  if (get) {
    if (r->type == REDIS_REPLY_STRING && r->len == O.value_size &&
        memcmp(r->str, value_of(k), O.value_size) == 0)
      return 0;
    note_error("GET %.*s: type %d %.*s", BENCH_KEY_LEN, key_of(k), r->type,
               (int)(r->str && r->len < 200 ? r->len : 0), r->str ? r->str : "");
    return 1;
  }
  if (r->type == REDIS_REPLY_STATUS && r->len == 2 && memcmp(r->str, "OK", 2) == 0) return 0;
  note_error("SET %.*s: type %d %.*s", BENCH_KEY_LEN, key_of(k), r->type,
             (int)(r->str && r->len < 200 ? r->len : 0), r->str ? r->str : "");
  return 1;
}

/* Slots owned by the node we talk to; all of them when it is not in cluster mode. */
static void owned_slots(redisContext *c, bool owned[16384]) {
  redisReply *r = redisCommand(c, "CLUSTER SLOTS");
  if (!r) die("CLUSTER SLOTS: %s", c->errstr);
  if (r->type == REDIS_REPLY_ERROR) {
    for (int i = 0; i < 16384; ++i) owned[i] = true;
    freeReplyObject(r);
    return;
  }
  memset(owned, 0, 16384 * sizeof(bool));
  size_t n = 0;
  for (size_t i = 0; i < r->elements; ++i) {
    redisReply *range = r->element[i];
    if (range->type != REDIS_REPLY_ARRAY || range->elements < 3) continue;
    redisReply *primary = range->element[2];
    if (primary->type != REDIS_REPLY_ARRAY || primary->elements < 2) continue;
    if (primary->element[1]->integer != O.port) continue;
    for (long long s = range->element[0]->integer; s <= range->element[1]->integer && s < 16384;
         ++s) {
      owned[s] = true;
      n++;
    }
  }
  freeReplyObject(r);
  if (n == 0) die("port %d owns no slot (not a primary?)", O.port);
}

static void prepare(redisContext *c) {
  static bool owned[16384];
  owned_slots(c, owned);
  g_keys = malloc(O.keyspace * BENCH_KEY_LEN);
  g_values = malloc(O.keyspace * (O.value_size ? O.value_size : 1));
  if (!g_keys || !g_values) die("out of memory");
  char tmp[BENCH_KEY_LEN + 1];
  size_t j = 0;
  for (uint64_t i = 0; j < O.keyspace; ++i) {
    bench_format_key(tmp, i);
    if (!owned[bench_key_slot(tmp, BENCH_KEY_LEN)]) continue;
    memcpy(g_keys + j * BENCH_KEY_LEN, tmp, BENCH_KEY_LEN);
    bench_fill_value(g_values + j * O.value_size, O.value_size, i);
    j++;
  }
  /* preload */
  for (size_t i = 0; i < O.keyspace; i += 1000) {
    size_t n = O.keyspace - i < 1000 ? O.keyspace - i : 1000;
    for (size_t k = i; k < i + n; ++k)
      redisAppendCommand(c, "SET %b %b", key_of(k), (size_t)BENCH_KEY_LEN, value_of(k),
                         O.value_size);
    for (size_t k = i; k < i + n; ++k) {
      redisReply *r = NULL;
      if (redisGetReply(c, (void **)&r) != REDIS_OK) die("preload: %s", c->errstr);
      if (check(r, false, k)) die("preload: %s", g_first_error);
      freeReplyObject(r);
    }
  }
}

static void run(redisContext *c, const char *name, bool get, bool pipeline, bench_result *res) {
  size_t per = pipeline ? O.batch_size : 1;
  size_t cap = (size_t)O.duration_ms * 4000 / per + 1024;
  bench_lat lat;
  if (!bench_lat_init(&lat, cap)) die("out of memory");
  uint32_t *idx = malloc(per * sizeof *idx);
  if (!idx) die("out of memory");
  uint64_t rng = 0x5DEECE66Dull ^ (get ? 1u : 2u) ^ (pipeline ? 4u : 8u);
  uint64_t cmds = 0, errors = 0;
  bench_window w;
  bench_window_init(&w, O.warmup_ms, O.duration_ms, O.callgrind);
  for (;;) {
    uint64_t now = bench_now_ns();
    bench_window_start(&w, now);
    if (bench_window_over(&w, now)) break;
    uint64_t bad = 0;
    if (!pipeline) {
      uint32_t k = (uint32_t)(bench_rand(&rng) % O.keyspace);
      redisReply *r = get ? redisCommand(c, "GET %b", key_of(k), (size_t)BENCH_KEY_LEN)
                          : redisCommand(c, "SET %b %b", key_of(k), (size_t)BENCH_KEY_LEN,
                                         value_of(k), O.value_size);
      uint64_t done = bench_now_ns();
      if (!r) die("%s: %s", name, c->errstr);
      bad = (uint64_t)check(r, get, k);
      freeReplyObject(r);
      if (w.measuring) bench_lat_add(&lat, done - now);
    } else {
      for (size_t i = 0; i < per; ++i) {
        uint32_t k = (uint32_t)(bench_rand(&rng) % O.keyspace);
        idx[i] = k;
        if (get)
          redisAppendCommand(c, "GET %b", key_of(k), (size_t)BENCH_KEY_LEN);
        else
          redisAppendCommand(c, "SET %b %b", key_of(k), (size_t)BENCH_KEY_LEN, value_of(k),
                             O.value_size);
      }
      for (size_t i = 0; i < per; ++i) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) die("%s: %s", name, c->errstr);
        bad += (uint64_t)check(r, get, idx[i]);
        freeReplyObject(r);
      }
      uint64_t done = bench_now_ns();
      if (w.measuring) bench_lat_add(&lat, done - now);
    }
    errors += bad;
    if (w.measuring) cmds += per;
  }
  bench_window_stop(&w, bench_now_ns());
  bench_result_init(res, "hiredis", name);
  res->lat_unit = pipeline ? "batch" : "cmd";
  bench_result_window(res, w.t0, w.t1, w.cpu0, w.cpu1, cmds);
  bench_lat_sort(&lat);
  res->p50_us = bench_lat_pct(&lat, 50);
  res->p99_us = bench_lat_pct(&lat, 99);
  res->peak_rss_kb = bench_maxrss_kb();
  res->errors = errors;
  free(lat.v);
  free(idx);
}

static void usage(void) {
  fprintf(
      stderr,
      "usage: hiredis_floor [--host H] [--port P] [--value-size N] [--keyspace N] [--batch-size "
      "N]\n"
      "                     [--warmup-ms N] [--duration-ms N] [--json] [--callgrind]\n"
      "                     [--mode blocking-get|blocking-set|pipeline-get|pipeline-set|all]\n");
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
      O.port = atoi(NEXT());
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
    else if (!strcmp(a, "--mode"))
      O.mode = NEXT();
    else if (!strcmp(a, "--json"))
      O.json = true;
    else if (!strcmp(a, "--callgrind"))
      O.callgrind = true;
    else
      usage();
#undef NEXT
  }
  if (O.port <= 0 || O.keyspace == 0 || O.batch_size == 0 || O.duration_ms <= 0) usage();
  struct timeval tv = {5, 0};
  redisContext *c = redisConnectWithTimeout(O.host, O.port, tv);
  if (!c || c->err) die("connect %s:%d: %s", O.host, O.port, c ? c->errstr : "out of memory");
  redisSetTimeout(c, tv);
  prepare(c);
  static const struct {
    const char *name;
    bool get, pipeline;
  } modes[] = {{"blocking-get", true, false},
               {"blocking-set", false, false},
               {"pipeline-get", true, true},
               {"pipeline-set", false, true}};
  bench_print_header(O.json);
  int rc = 0, any = 0;
  for (size_t m = 0; m < sizeof modes / sizeof *modes; ++m) {
    if (strcmp(O.mode, "all") != 0 && strcmp(O.mode, modes[m].name) != 0) continue;
    any = 1;
    bench_result r;
    run(c, modes[m].name, modes[m].get, modes[m].pipeline, &r);
    bench_print(&r, O.json);
    if (r.errors) {
      fprintf(stderr, "hiredis_floor: %s: %llu WRONG REPLIES; first: %s\n", modes[m].name,
              (unsigned long long)r.errors, g_first_error);
      rc = 1;
    }
  }
  redisFree(c);
  if (!any) usage();
  return rc;
}
