/*
 * bench_common.h - small helpers shared by glide_bench.c and hiredis_floor.c (header-only, C11).
 *
 * Keys are "key:%012u" (the shape redis-benchmark -r uses), values are value_size bytes derived
 * from the key's index so that every GET reply can be checked byte for byte.
 */
#ifndef GLIDE_BENCH_COMMON_H
#define GLIDE_BENCH_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BENCH_KEY_LEN 16 /* "key:" + 12 digits */

static inline uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* user + system CPU of the whole process (every thread), in microseconds. */
static inline uint64_t bench_cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)ru.ru_utime.tv_sec * 1000000ull + (uint64_t)ru.ru_utime.tv_usec +
         (uint64_t)ru.ru_stime.tv_sec * 1000000ull + (uint64_t)ru.ru_stime.tv_usec;
}

/* CPU (user and system, microseconds) and context switches of the whole process so far. */
typedef struct bench_usage {
  uint64_t user_us, sys_us;
  uint64_t csw;  /* voluntary + involuntary context switches */
  uint64_t vcsw; /* the voluntary part */
} bench_usage;

static inline bench_usage bench_usage_now(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  bench_usage u;
  u.user_us = (uint64_t)ru.ru_utime.tv_sec * 1000000ull + (uint64_t)ru.ru_utime.tv_usec;
  u.sys_us = (uint64_t)ru.ru_stime.tv_sec * 1000000ull + (uint64_t)ru.ru_stime.tv_usec;
  u.csw = (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
  u.vcsw = (uint64_t)ru.ru_nvcsw;
  return u;
}

/* Callgrind markers: only the measured window counts (valgrind --instr-atstart=no). */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#endif

/* The measured window: a warm-up, then duration_ms counted (CPU, and callgrind's instructions when
 * asked), the same in every scenario of both programs. */
typedef struct bench_window {
  uint64_t warm_end, duration_ns, t0, t1, end;
  bench_usage cpu0, cpu1;
  bool measuring, callgrind;
} bench_window;

static inline void bench_window_init(bench_window *w, int warmup_ms, int duration_ms,
                                     bool callgrind) {
  memset(w, 0, sizeof *w);
  w->warm_end = bench_now_ns() + (uint64_t)warmup_ms * 1000000ull;
  w->duration_ns = (uint64_t)duration_ms * 1000000ull;
  w->callgrind = callgrind;
}
/* Starts measuring once the warm-up is over; true at that moment. */
static inline bool bench_window_start(bench_window *w, uint64_t now) {
  if (w->measuring || now < w->warm_end) return false;
  w->measuring = true;
  if (w->callgrind) {
    CALLGRIND_ZERO_STATS;
    CALLGRIND_START_INSTRUMENTATION;
  }
  w->t0 = now;
  w->cpu0 = bench_usage_now();
  w->end = now + w->duration_ns;
  return true;
}
static inline bool bench_window_over(const bench_window *w, uint64_t now) {
  return w->measuring && now >= w->end;
}
static inline void bench_window_stop(bench_window *w, uint64_t now) {
  w->t1 = now;
  w->cpu1 = bench_usage_now();
  if (w->callgrind) CALLGRIND_STOP_INSTRUMENTATION;
}

/* Peak resident set size of the process so far, KiB. */
static inline long bench_maxrss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* A "Name:   value kB" (or plain number) field of /proc/self/status; -1 if absent. */
static inline long bench_proc_status(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  size_t n = strlen(field);
  long v = -1;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, field, n) == 0 && line[n] == ':') {
      v = strtol(line + n + 1, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

/* Resets VmHWM to the current RSS (Linux >= 4.0); false if not possible. */
static inline bool bench_reset_hwm(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  bool ok = fputs("5", f) >= 0;
  if (fclose(f) != 0) ok = false;
  return ok;
}

/* xorshift64* */
static inline uint64_t bench_rand(uint64_t *s) {
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

static inline void bench_format_key(char *dst, uint64_t n) {
  snprintf(dst, BENCH_KEY_LEN + 1, "key:%012llu", (unsigned long long)(n % 1000000000000ull));
}

/* value_size bytes for the key with index n (the same on every run). */
static inline void bench_fill_value(char *dst, size_t value_size, uint64_t n) {
  char digits[24];
  int d = snprintf(digits, sizeof digits, "v%llu-", (unsigned long long)n);
  for (size_t i = 0; i < value_size; ++i) dst[i] = digits[i % (size_t)d];
}

/* Latency samples: a preallocated array of nanoseconds (clamped to 32 bits), sorted at the end. */
typedef struct bench_lat {
  uint32_t *v;
  size_t n, cap;
  size_t dropped; /* samples past cap (not recorded) */
} bench_lat;

static inline bool bench_lat_init(bench_lat *l, size_t cap) {
  l->v = malloc((cap ? cap : 1) * sizeof *l->v);
  l->n = 0;
  l->cap = cap;
  l->dropped = 0;
  return l->v != NULL;
}

static inline void bench_lat_add(bench_lat *l, uint64_t ns) {
  if (l->n < l->cap)
    l->v[l->n++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
  else
    l->dropped++;
}

static int bench_cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* p in [0,100]; microseconds. */
static inline double bench_lat_pct(bench_lat *l, double p) {
  if (l->n == 0) return 0.0;
  size_t i = (size_t)((p / 100.0) * (double)(l->n - 1) + 0.5);
  if (i >= l->n) i = l->n - 1;
  return l->v[i] / 1000.0;
}

static inline void bench_lat_sort(bench_lat *l) { qsort(l->v, l->n, sizeof *l->v, bench_cmp_u32); }

/* CRC16-CCITT (XModem) as in the Redis cluster spec, and the hash-tag rule. */
static inline uint16_t bench_crc16(const char *buf, size_t len) {
  uint16_t crc = 0;
  for (size_t i = 0; i < len; ++i) {
    crc ^= (uint16_t)((uint8_t)buf[i] << 8);
    for (int b = 0; b < 8; ++b)
      crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  }
  return crc;
}

static inline uint16_t bench_key_slot(const char *key, size_t len) {
  size_t s, e;
  for (s = 0; s < len; ++s)
    if (key[s] == '{') break;
  if (s < len) {
    for (e = s + 1; e < len; ++e)
      if (key[e] == '}') break;
    if (e < len && e != s + 1) return bench_crc16(key + s + 1, e - s - 1) & 16383;
  }
  return bench_crc16(key, len) & 16383;
}

/* Result line shared by both programs. Fields not relevant to a scenario are left negative and
 * omitted. */
typedef struct bench_result {
  const char *tool;     /* "glide", "hiredis" */
  const char *scenario; /* name */
  const char *lat_unit; /* "batch" or "cmd" */
  double seconds;
  uint64_t cmds;
  double cmds_per_s;
  double cpu_us_per_cmd;
  double sys_us_per_cmd; /* the system (kernel) part of cpu_us_per_cmd */
  double csw_per_cmd;    /* context switches of the process per command */
  double vcsw_per_cmd;   /* the voluntary ones (a thread blocked); the rest were preempted */
  double p50_us, p99_us;
  long peak_rss_kb;
  uint64_t errors;
  /* scenario e */
  long rss_before_kb, batch_kb, exec_peak_kb, peak_delta_kb;
  double reply_bytes, exec_ms, exec_ms_min;
  int reps;
  /* scenario f */
  long idle_rss_kb_1, idle_rss_kb_2, threads_1, threads_2;
  long idle_rss_kb_total; /* VmRSS of the whole process with the first client connected */
} bench_result;

static inline void bench_result_init(bench_result *r, const char *tool, const char *scenario) {
  memset(r, 0, sizeof *r);
  r->tool = tool;
  r->scenario = scenario;
  r->lat_unit = "cmd";
  r->rss_before_kb = r->batch_kb = r->exec_peak_kb = r->peak_delta_kb = -1;
  r->reply_bytes = r->exec_ms = r->exec_ms_min = -1;
  r->reps = -1;
  r->idle_rss_kb_1 = r->idle_rss_kb_2 = r->threads_1 = r->threads_2 = -1;
  r->idle_rss_kb_total = -1;
  r->p50_us = r->p99_us = -1;
}

/* Fills the rate and CPU fields from a measured window. */
static inline void bench_result_window(bench_result *r, uint64_t t0_ns, uint64_t t1_ns,
                                       bench_usage u0, bench_usage u1, uint64_t cmds) {
  r->seconds = (double)(t1_ns - t0_ns) / 1e9;
  r->cmds = cmds;
  r->cmds_per_s = r->seconds > 0 ? (double)cmds / r->seconds : 0;
  if (cmds) {
    r->cpu_us_per_cmd =
        (double)((u1.user_us - u0.user_us) + (u1.sys_us - u0.sys_us)) / (double)cmds;
    r->sys_us_per_cmd = (double)(u1.sys_us - u0.sys_us) / (double)cmds;
    r->csw_per_cmd = (double)(u1.csw - u0.csw) / (double)cmds;
    r->vcsw_per_cmd = (double)(u1.vcsw - u0.vcsw) / (double)cmds;
  }
}

static inline void bench_print_header(bool json) {
  if (json) return;
  printf("%-8s %-14s %12s %10s %10s %8s %10s %10s %6s %10s %11s %8s\n", "tool", "scenario",
         "cmds/s", "cpu_us/cmd", "sys_us/cmd", "csw/cmd", "p50_us", "p99_us", "per", "peakRSS_kB",
         "commands", "errors");
}

static inline void bench_print(const bench_result *r, bool json) {
  if (json) {
    printf(
        "{\"tool\":\"%s\",\"scenario\":\"%s\",\"lat_unit\":\"%s\",\"seconds\":%.6f,"
        "\"cmds\":%llu,\"cmds_per_s\":%.1f,\"cpu_us_per_cmd\":%.4f,\"sys_us_per_cmd\":%.4f,"
        "\"csw_per_cmd\":%.4f,\"vcsw_per_cmd\":%.4f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"peak_rss_"
        "kb\":%ld,\"errors\":%llu",
        r->tool, r->scenario, r->lat_unit, r->seconds, (unsigned long long)r->cmds, r->cmds_per_s,
        r->cpu_us_per_cmd, r->sys_us_per_cmd, r->csw_per_cmd, r->vcsw_per_cmd, r->p50_us, r->p99_us,
        r->peak_rss_kb, (unsigned long long)r->errors);
    if (r->reps >= 0)
      printf(
          ",\"reps\":%d,\"exec_ms\":%.3f,\"exec_ms_min\":%.3f,\"reply_bytes\":%.0f,"
          "\"rss_before_kb\":%ld,\"batch_kb\":%ld,\"exec_peak_kb\":%ld,\"peak_delta_kb\":%ld",
          r->reps, r->exec_ms, r->exec_ms_min, r->reply_bytes, r->rss_before_kb, r->batch_kb,
          r->exec_peak_kb, r->peak_delta_kb);
    if (r->threads_1 >= 0)
      printf(
          ",\"idle_rss_kb_1\":%ld,\"threads_1\":%ld,\"idle_rss_kb_2\":%ld,\"threads_2\":%ld"
          ",\"idle_rss_kb_total\":%ld",
          r->idle_rss_kb_1, r->threads_1, r->idle_rss_kb_2, r->threads_2, r->idle_rss_kb_total);
    printf("}\n");
  } else {
    printf("%-8s %-14s %12.0f %10.3f %10.3f %8.3f %10.1f %10.1f %6s %10ld %11llu %8llu\n", r->tool,
           r->scenario, r->cmds_per_s, r->cpu_us_per_cmd, r->sys_us_per_cmd, r->csw_per_cmd,
           r->p50_us, r->p99_us, r->lat_unit, r->peak_rss_kb, (unsigned long long)r->cmds,
           (unsigned long long)r->errors);
    if (r->reps >= 0)
      printf(
          "         %-14s exec %.3f ms (median of %d, min %.3f), replies %.0f B, RSS before %ld "
          "kB, "
          "+batch %ld kB, +exec peak %ld kB, peak delta %ld kB (%.2fx reply bytes)\n",
          "", r->exec_ms, r->reps, r->exec_ms_min, r->reply_bytes, r->rss_before_kb, r->batch_kb,
          r->exec_peak_kb, r->peak_delta_kb,
          r->reply_bytes > 0 ? (double)r->peak_delta_kb * 1024.0 / r->reply_bytes : 0.0);
    if (r->threads_1 >= 0)
      printf(
          "         %-14s first client: +%ld kB RSS (VmRSS %ld kB in all), +%ld threads; second "
          "client: +%ld kB, +%ld threads\n",
          "", r->idle_rss_kb_1, r->idle_rss_kb_total, r->threads_1, r->idle_rss_kb_2, r->threads_2);
  }
  fflush(stdout);
}

#endif
