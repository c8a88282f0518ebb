/*
 * harness.h - helpers for the black-box integration tests of libglide_c (public API only).
 *
 * The servers are started by tests/scripts/test_servers.sh; their addresses come from the file
 * named by the environment variable GLIDE_TEST_SERVERS (plain KEY=VALUE lines):
 *   GLIDE_TEST_HOST, GLIDE_TEST_CLUSTER_PORTS (p1,...,p6; p1..p3 primaries at creation),
 *   GLIDE_TEST_STANDALONE_PORT, GLIDE_TEST_AUTH_PORT, GLIDE_TEST_REDIS_CLI.
 *
 * Every helper that can fail fails the current cmocka test with a message saying what and where.
 * Include order: this header includes <setjmp.h>, <stdarg.h>, <stddef.h> and <cmocka.h> itself.
 */
#ifndef GLIDE_TEST_HARNESS_H
#define GLIDE_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "glide_c.h"

/* ------------------------------------------------------------------ servers */

#define H_MAX_CLUSTER_PORTS 16

typedef struct h_servers {
  char host[64];
  uint16_t cluster_ports[H_MAX_CLUSTER_PORTS];
  size_t cluster_count;
  uint16_t standalone_port; /* 0 when started with "cluster-only" */
  uint16_t auth_port;       /* 0 when started with "cluster-only" */
  char redis_cli[1024];
} h_servers;

/* Loads the servers file once (thread-safe after the first call). Fails the current test with a
 * clear message when GLIDE_TEST_SERVERS is unset, the file is missing or a key is absent. */
const h_servers *h_servers_get(void);
/* For cmocka group setup: loads the servers file, prints a clear message and returns -1 on
 * failure (then every test of the group is reported as failed). */
int h_group_setup(void **state);

/* ------------------------------------------------------------------ time */

uint64_t h_now_ms(void); /* CLOCK_MONOTONIC */
void h_sleep_ms(unsigned ms);
/* The decimal integer (optional '-', then digits) at p, reading no byte at or past end: for
 * RESP lengths in buffers that are not NUL-terminated (strtoll would need a C string).
 * Saturates at +-LLONG_MAX; 0 when no digit follows. */
long long h_parse_ll(const char *p, const char *end);

/* ------------------------------------------------------------------ keys */

/* "gt:<pid>:<monotonic ns>:" - unique per test run, no braces (so it never forms a hash tag). */
const char *h_prefix(void);
/* h_prefix() followed by the formatted text, into buf; returns buf (fails the test on overflow). */
char *h_key(char *buf, size_t cap, const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(3, 4);
/* Cluster slot of a key: CRC16-XMODEM with the hash-tag rule, mod 16384 (computed locally). */
uint16_t h_key_slot(const void *key, size_t len);

/* ------------------------------------------------------------------ clients */

/* A config with the first cluster port as seed (cluster mode on). The caller owns it. */
glide_config *h_config_cluster(void);
/* A standalone config for 127.0.0.1:port (cluster mode off). */
glide_config *h_config_standalone(uint16_t port);
/* glide_client_new(cfg); fails the test with the status and message if it does not succeed.
 * Frees cfg. */
glide_client *h_connect(glide_config *cfg);
/* The standalone / auth server port; fails the test clearly when the servers file has none. */
uint16_t h_standalone_port(void);
uint16_t h_auth_port(void);
glide_client *h_cluster_client(void);
/* 0 keeps the library default for that timeout. */
glide_client *h_cluster_client_timeouts(uint32_t request_timeout_ms, uint32_t connect_timeout_ms);
glide_client *h_standalone_client(void);
glide_client *h_standalone_client_timeouts(uint32_t request_timeout_ms,
                                           uint32_t connect_timeout_ms);

/* ------------------------------------------------------------------ commands */

/* The client's counters (glide_client_get_stats with the whole struct; fails the test if refused).
 */
glide_stats h_stats(glide_client *c);

/* A command from NUL-terminated strings, terminated by NULL: h_cmd(c, "SET", "k", "v", NULL).
 * At most 64 arguments. Returns the library's root (never NULL is checked). */
glide_value *h_cmd(glide_client *c, const char *arg0, ...);
/* Same, through glide_batch_command; returns its status. */
glide_status h_batch_cmd(glide_batch *b, const char *arg0, ...);
/* Binary form: h_cmdn(c, argc, "SET", (size_t)3, key, key_len, ...) is awkward in C, so the
 * binary tests call glide_client_command directly. */

/* Runs DEL on each key separately (so it also works in cluster mode without splitting) and
 * checks each reply is an INTEGER. Terminated by NULL. */
void h_del_keys(glide_client *c, const char *key0, ...);

/* Slot and owning primary through the library (CLUSTER KEYSLOT, CLUSTER SLOTS). The slot is
 * cross-checked against h_key_slot. */
uint16_t h_cluster_keyslot(glide_client *c, const char *key, size_t len);
uint16_t h_slot_owner_port(glide_client *c, uint16_t slot);
/* The whole slot map from one CLUSTER SLOTS: owner_port[slot] = primary's port (0 = unassigned). */
void h_cluster_slot_map(glide_client *c, uint16_t owner_port[16384]);

/* ------------------------------------------------------------------ value assertions */

/* Renders a value tree for messages ("[OK, \"value\", (error SERVER) \"WRONGTYPE ...\"]").
 * Always NUL-terminates; truncates with "...". Returns buf. */
char *h_describe(const glide_value *v, char *buf, size_t cap);

void h_assert_type_at(const glide_value *v, glide_value_type t, const char *file, int line);
void h_assert_ok_at(const glide_value *v, const char *file, int line);
void h_assert_bulk_at(const glide_value *v, const void *s, size_t len, const char *file, int line);
void h_assert_int_at(const glide_value *v, int64_t n, const char *file, int line);
void h_assert_bool_at(const glide_value *v, bool b, const char *file, int line);
void h_assert_nil_at(const glide_value *v, const char *file, int line);
void h_assert_error_kind_at(const glide_value *v, glide_error_kind k, const char *file, int line);
void h_assert_error_prefix_at(const glide_value *v, glide_error_kind k, const char *prefix,
                              const char *file, int line);
void h_assert_aggregate_at(const glide_value *v, glide_value_type t, size_t len, const char *file,
                           int line);

#define assert_type(v, t) h_assert_type_at((v), (t), __FILE__, __LINE__)
/* SIMPLE_STRING "OK" */
#define assert_ok(v) h_assert_ok_at((v), __FILE__, __LINE__)
/* BULK_STRING equal to the C string s */
#define assert_bulk(v, s) h_assert_bulk_at((v), (s), strlen(s), __FILE__, __LINE__)
/* BULK_STRING equal to len bytes at p (may contain NUL) */
#define assert_bulk_len(v, p, n) h_assert_bulk_at((v), (p), (n), __FILE__, __LINE__)
#define assert_int(v, n) h_assert_int_at((v), (n), __FILE__, __LINE__)
#define assert_bool(v, b) h_assert_bool_at((v), (b), __FILE__, __LINE__)
#define assert_nil(v) h_assert_nil_at((v), __FILE__, __LINE__)
/* ERROR of kind k, with a non-empty message */
#define assert_error_kind(v, k) h_assert_error_kind_at((v), (k), __FILE__, __LINE__)
/* ERROR of kind k whose message starts with prefix */
#define assert_error_prefix(v, k, p) h_assert_error_prefix_at((v), (k), (p), __FILE__, __LINE__)
/* ARRAY / MAP / SET of exactly n elements (pairs for MAP) */
#define assert_array(v, n) h_assert_aggregate_at((v), GLIDE_VALUE_ARRAY, (n), __FILE__, __LINE__)
#define assert_map(v, n) h_assert_aggregate_at((v), GLIDE_VALUE_MAP, (n), __FILE__, __LINE__)

/* Element i of an ARRAY (fails the test when out of range). */
const glide_value *h_at(const glide_value *v, size_t i);
/* Value of a MAP entry whose key is the string s; NULL if absent. */
const glide_value *h_map_get(const glide_value *map, const void *s, size_t len);

/* Fails the test with a formatted message and the given location. */
void h_fail_at(const char *file, int line, const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(3, 4);
#define h_fail(...) h_fail_at(__FILE__, __LINE__, __VA_ARGS__)

/* A glide_status call that must return `expected` (OK: GLIDE_OK); fails the test naming both. */
#define ST(expr, expected)                                                                    \
  do {                                                                                        \
    glide_status st_ = (expr);                                                                \
    if (st_ != (expected))                                                                    \
      h_fail("%s returned %s (%d), expected %s", #expr, glide_error_kind_name(st_), (int)st_, \
             glide_error_kind_name(expected));                                                \
  } while (0)
#define OK(expr) ST(expr, GLIDE_OK)
#define INVALID(expr) ST(expr, GLIDE_ERR_INVALID_ARGUMENT)

/* ------------------------------------------------------------------ process resources */

/* This process's resident memory (VmRSS) and address space (VmSize) in KiB, and its open file
 * descriptors. */
size_t h_vmrss_kb(void);
size_t h_vmsize_kb(void);
size_t h_open_fds(void);
size_t h_thread_count(void); /* threads of this process (/proc/self/task) */
/* Fails the test when after_kb - before_kb exceeds bound_kb, naming `what`. Sanitizer builds keep
 * freed memory in quarantine and shadow every byte, so there memory growth is not judged (the
 * plain build, scripts/test.sh's first stage, enforces every bound); descriptors are counted the
 * same everywhere and are checked with plain comparisons. */
void h_expect_growth_below_at(const char *what, size_t before_kb, size_t after_kb, size_t bound_kb,
                              const char *file, int line);
#define h_expect_growth_below(what, before, after, bound) \
  h_expect_growth_below_at((what), (before), (after), (bound), __FILE__, __LINE__)

/* ------------------------------------------------------------------ async */

/* One-shot completion for an async call: counts calls, keeps the first result. */
typedef struct h_waiter h_waiter;
h_waiter *h_waiter_new(void);
/* glide_result_callback: pass the waiter as user_data. Extra calls are counted; their results are
 * freed. */
void h_waiter_cb(void *user_data, glide_value *result);
/* Waits up to timeout_ms for the first call; returns its result (caller frees) or fails. */
glide_value *h_waiter_wait(h_waiter *w, unsigned timeout_ms);
int h_waiter_calls(h_waiter *w);
void h_waiter_free(h_waiter *w);

/* Polls until *counter >= target or timeout_ms passes; true if reached. */
bool h_wait_counter(atomic_int *counter, int target, unsigned timeout_ms);

/* ------------------------------------------------------------------ sockets */

/* A loopback port that was free a moment ago and is closed now (bind 127.0.0.1:0, close). */
uint16_t h_free_port(void);

/* Raw RESP connection to 127.0.0.1:port with 3 s send/receive timeouts (fails the test). */
int h_raw_connect(uint16_t port);
/* Writes a RESP array of bulk strings from NUL-terminated args, NULL-terminated. */
void h_raw_send(int fd, const char *arg0, ...);
/* Reads exactly one complete RESP2/RESP3 reply; copies its raw bytes into buf (NUL-terminated,
 * fails if it does not fit) and returns the length. Bytes beyond that reply stay buffered for the
 * next call (per fd; up to 8 raw fds at once). Fails after 3 s without a complete reply. */
size_t h_raw_read(int fd, char *buf, size_t cap);
void h_raw_close(int fd);
/* Connect, send, read one reply, close. Returns the reply length; reply in buf. */
size_t h_raw_cmd(uint16_t port, char *buf, size_t cap, const char *arg0, ...);

/* ------------------------------------------------------------------ stdout/stderr capture */

/* Redirects fd 1 and 2 into a temporary file (after flushing stdio). Not nestable. */
void h_capture_begin(void);
/* Restores fd 1 and 2; copies up to cap-1 captured bytes into buf (NUL-terminated, if buf) and
 * returns the total number of bytes that were written to fd 1/2 meanwhile. */
size_t h_capture_end(char *buf, size_t cap);
/* True while a capture is active (the teardown restores it if a test failed in the middle). */
bool h_capture_active(void);

/* ------------------------------------------------------------------ teardowns and INFO */

/* Like h_raw_cmd, but never fails the test (for teardowns): connects to 127.0.0.1:port, sends
 * argv (binary-safe, argvlen may be NULL for NUL-terminated strings), reads one complete reply
 * within timeout_ms into buf (NUL-terminated) and returns its length, or -1 on any failure
 * (connect, write, timeout, malformed or too big for cap; buf then holds a short reason). */
long h_raw_try_cmdv(uint16_t port, char *buf, size_t cap, unsigned timeout_ms, size_t argc,
                    const char *const *argv, const size_t *argvlen);
/* Variadic form, NUL-terminated strings, NULL-terminated, 5 s timeout. */
long h_raw_try_cmd(uint16_t port, char *buf, size_t cap, const char *arg0, ...);
/* The integer after "field" in an INFO text ("errorstat_ASK:count=" -> 3, "cmdstat_get:calls="
 * -> 12): the digits right after the first occurrence of field at the start of a line; 0 when
 * the field is absent. */
int64_t h_info_int(const char *info, const char *field);

#endif /* GLIDE_TEST_HARNESS_H */
