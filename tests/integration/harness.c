/* harness.c - see harness.h. */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define H_MAX_ARGS 64

/* ------------------------------------------------------------------ failing */

void h_fail_at(const char *file, int line, const char *fmt, ...) {
  char msg[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  print_error("%s\n", msg);
  _fail(file, line);
}

/* ------------------------------------------------------------------ servers */

static h_servers g_servers;
static bool g_servers_loaded;
static char g_servers_error[1200];

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
    s[--n] = 0;
  if (n >= 2 && ((s[0] == '"' && s[n - 1] == '"') || (s[0] == '\'' && s[n - 1] == '\''))) {
    s[n - 1] = 0;
    s++;
  }
  return s;
}

static bool parse_port(const char *s, uint16_t *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *trim(end) != 0 || v < 1 || v > 65535) return false;
  *out = (uint16_t)v;
  return true;
}

static bool load_servers(void) {
  if (g_servers_loaded) return true;
  const char *path = getenv("GLIDE_TEST_SERVERS");
  if (!path || !*path) {
    snprintf(
        g_servers_error, sizeof g_servers_error,
        "GLIDE_TEST_SERVERS is not set: it must name the servers.env written by "
        "tests/scripts/test_servers.sh start <dir> (run the tests through ctest, or export it)");
    return false;
  }
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(g_servers_error, sizeof g_servers_error,
             "cannot open GLIDE_TEST_SERVERS=%s (%s): start the servers with "
             "tests/scripts/test_servers.sh start <dir>",
             path, strerror(errno));
    return false;
  }
  h_servers s;
  memset(&s, 0, sizeof s);
  bool have_host = false, have_cluster = false, have_sa = false, have_auth = false;
  char line[2048];
  bool bad = false;
  while (fgets(line, sizeof line, f)) {
    char *l = trim(line);
    if (!*l || *l == '#') continue;
    if (strncmp(l, "export ", 7) == 0) l = trim(l + 7);
    char *eq = strchr(l, '=');
    if (!eq) continue;
    *eq = 0;
    char *key = trim(l);
    char *val = trim(eq + 1);
    if (strcmp(key, "GLIDE_TEST_HOST") == 0) {
      snprintf(s.host, sizeof s.host, "%s", val);
      have_host = *val != 0;
    } else if (strcmp(key, "GLIDE_TEST_CLUSTER_PORTS") == 0) {
      char *save = NULL;
      for (char *tok = strtok_r(val, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (s.cluster_count >= H_MAX_CLUSTER_PORTS ||
            !parse_port(trim(tok), &s.cluster_ports[s.cluster_count])) {
          bad = true;
          break;
        }
        s.cluster_count++;
      }
      have_cluster = s.cluster_count > 0;
    } else if (strcmp(key, "GLIDE_TEST_STANDALONE_PORT") == 0) {
      /* empty when the servers were started with "cluster-only" */
      have_sa = true;
      bad |= *val && !parse_port(val, &s.standalone_port);
    } else if (strcmp(key, "GLIDE_TEST_AUTH_PORT") == 0) {
      have_auth = true;
      bad |= *val && !parse_port(val, &s.auth_port);
    } else if (strcmp(key, "GLIDE_TEST_REDIS_CLI") == 0) {
      snprintf(s.redis_cli, sizeof s.redis_cli, "%s", val);
    }
  }
  fclose(f);
  if (bad || !have_host || !have_cluster || !have_sa || !have_auth) {
    snprintf(g_servers_error, sizeof g_servers_error,
             "%s is incomplete or malformed: need GLIDE_TEST_HOST, GLIDE_TEST_CLUSTER_PORTS "
             "(comma-separated ports), GLIDE_TEST_STANDALONE_PORT, GLIDE_TEST_AUTH_PORT",
             path);
    return false;
  }
  g_servers = s;
  g_servers_loaded = true;
  return true;
}

const h_servers *h_servers_get(void) {
  if (!load_servers()) h_fail("%s", g_servers_error);
  return &g_servers;
}

int h_group_setup(void **state) {
  (void)state;
  if (!load_servers()) {
    fprintf(stderr, "[  ERROR   ] %s\n", g_servers_error);
    fflush(stderr);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------ time */

uint64_t h_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

long long h_parse_ll(const char *p, const char *end) {
  bool neg = false;
  if (p < end && *p == '-') {
    neg = true;
    p++;
  }
  long long v = 0;
  for (; p < end && *p >= '0' && *p <= '9'; p++) {
    const int d = *p - '0';
    if (v > (LLONG_MAX - d) / 10) {
      v = LLONG_MAX;
      break;
    }
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

void h_sleep_ms(unsigned ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* ------------------------------------------------------------------ keys */

const char *h_prefix(void) {
  static char prefix[64];
  if (!prefix[0]) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(prefix, sizeof prefix, "gt:%ld:%lld%09ld:", (long)getpid(), (long long)ts.tv_sec,
             ts.tv_nsec);
  }
  return prefix;
}

char *h_key(char *buf, size_t cap, const char *fmt, ...) {
  int n = snprintf(buf, cap, "%s", h_prefix());
  if (n < 0 || (size_t)n >= cap) h_fail("h_key: buffer of %zu bytes too small", cap);
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
  va_end(ap);
  if (m < 0 || (size_t)(n + m) >= cap) h_fail("h_key: buffer of %zu bytes too small", cap);
  return buf;
}

static uint16_t crc16_xmodem(const unsigned char *p, size_t n) {
  uint16_t crc = 0;
  for (size_t i = 0; i < n; i++) {
    crc ^= (uint16_t)(p[i] << 8);
    for (int b = 0; b < 8; b++)
      crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  }
  return crc;
}

uint16_t h_key_slot(const void *key, size_t len) {
  const unsigned char *k = key;
  size_t open = 0;
  while (open < len && k[open] != '{') open++;
  if (open < len) {
    size_t close = open + 1;
    while (close < len && k[close] != '}') close++;
    if (close < len && close > open + 1)
      return crc16_xmodem(k + open + 1, close - open - 1) & 16383;
  }
  return crc16_xmodem(k, len) & 16383;
}

/* ------------------------------------------------------------------ clients */

glide_config *h_config_cluster(void) {
  const h_servers *s = h_servers_get();
  glide_config *cfg = glide_config_new();
  if (!cfg) h_fail("glide_config_new returned NULL");
  glide_status st = glide_config_add_address(cfg, s->host, s->cluster_ports[0]);
  if (st != GLIDE_OK)
    h_fail("glide_config_add_address(%s, %u) = %s", s->host, s->cluster_ports[0],
           glide_error_kind_name(st));
  st = glide_config_set_cluster_mode(cfg, true);
  if (st != GLIDE_OK) h_fail("glide_config_set_cluster_mode(true) = %s", glide_error_kind_name(st));
  return cfg;
}

glide_config *h_config_standalone(uint16_t port) {
  const h_servers *s = h_servers_get();
  glide_config *cfg = glide_config_new();
  if (!cfg) h_fail("glide_config_new returned NULL");
  glide_status st = glide_config_add_address(cfg, s->host, port);
  if (st != GLIDE_OK)
    h_fail("glide_config_add_address(%s, %u) = %s", s->host, port, glide_error_kind_name(st));
  st = glide_config_set_cluster_mode(cfg, false);
  if (st != GLIDE_OK)
    h_fail("glide_config_set_cluster_mode(false) = %s", glide_error_kind_name(st));
  return cfg;
}

glide_client *h_connect(glide_config *cfg) {
  glide_client *c = NULL;
  char *msg = NULL;
  glide_status st = glide_client_new(cfg, &c, &msg);
  glide_config_free(cfg);
  if (st != GLIDE_OK || c == NULL) {
    char m[1024];
    snprintf(m, sizeof m, "%s", msg ? msg : "(no message)");
    glide_string_free(msg);
    h_fail("glide_client_new failed: status %s (%d), client %p, message: %s",
           glide_error_kind_name(st), (int)st, (void *)c, m);
  }
  glide_string_free(msg);
  return c;
}

static void set_timeouts(glide_config *cfg, uint32_t request_timeout_ms,
                         uint32_t connect_timeout_ms) {
  glide_status st;
  if (request_timeout_ms &&
      (st = glide_config_set_request_timeout_ms(cfg, request_timeout_ms)) != GLIDE_OK)
    h_fail("glide_config_set_request_timeout_ms(%u) = %s", request_timeout_ms,
           glide_error_kind_name(st));
  if (connect_timeout_ms &&
      (st = glide_config_set_connect_timeout_ms(cfg, connect_timeout_ms)) != GLIDE_OK)
    h_fail("glide_config_set_connect_timeout_ms(%u) = %s", connect_timeout_ms,
           glide_error_kind_name(st));
}

glide_client *h_cluster_client(void) { return h_connect(h_config_cluster()); }

glide_client *h_cluster_client_timeouts(uint32_t request_timeout_ms, uint32_t connect_timeout_ms) {
  glide_config *cfg = h_config_cluster();
  set_timeouts(cfg, request_timeout_ms, connect_timeout_ms);
  return h_connect(cfg);
}

uint16_t h_standalone_port(void) {
  uint16_t p = h_servers_get()->standalone_port;
  if (!p)
    h_fail(
        "GLIDE_TEST_STANDALONE_PORT is empty (servers started with \"cluster-only\"?); this test "
        "needs \"start\"");
  return p;
}

uint16_t h_auth_port(void) {
  uint16_t p = h_servers_get()->auth_port;
  if (!p)
    h_fail(
        "GLIDE_TEST_AUTH_PORT is empty (servers started with \"cluster-only\"?); this test needs "
        "\"start\"");
  return p;
}

glide_client *h_standalone_client(void) {
  return h_connect(h_config_standalone(h_standalone_port()));
}

glide_client *h_standalone_client_timeouts(uint32_t request_timeout_ms,
                                           uint32_t connect_timeout_ms) {
  glide_config *cfg = h_config_standalone(h_standalone_port());
  set_timeouts(cfg, request_timeout_ms, connect_timeout_ms);
  return h_connect(cfg);
}

/* ------------------------------------------------------------------ commands */

static size_t collect_args(const char *arg0, va_list ap, const char **argv, size_t *argvlen) {
  size_t argc = 0;
  for (const char *a = arg0; a; a = va_arg(ap, const char *)) {
    if (argc == H_MAX_ARGS) h_fail("too many arguments (max %d)", H_MAX_ARGS);
    argv[argc] = a;
    argvlen[argc] = strlen(a);
    argc++;
  }
  return argc;
}

glide_stats h_stats(glide_client *c) {
  glide_stats s;
  memset(&s, 0xab, sizeof s); /* whatever the library does not write shows */
  s.struct_size = sizeof s;
  OK(glide_client_get_stats(c, &s));
  return s;
}

glide_value *h_cmd(glide_client *c, const char *arg0, ...) {
  const char *argv[H_MAX_ARGS];
  size_t argvlen[H_MAX_ARGS];
  va_list ap;
  va_start(ap, arg0);
  size_t argc = collect_args(arg0, ap, argv, argvlen);
  va_end(ap);
  glide_value *v = glide_client_command(c, argc, argv, argvlen);
  if (!v)
    h_fail("glide_client_command(%s ...) returned NULL (the contract says never)",
           arg0 ? arg0 : "(none)");
  return v;
}

glide_status h_batch_cmd(glide_batch *b, const char *arg0, ...) {
  const char *argv[H_MAX_ARGS];
  size_t argvlen[H_MAX_ARGS];
  va_list ap;
  va_start(ap, arg0);
  size_t argc = collect_args(arg0, ap, argv, argvlen);
  va_end(ap);
  return glide_batch_command(b, argc, argv, argvlen);
}

void h_del_keys(glide_client *c, const char *key0, ...) {
  va_list ap;
  va_start(ap, key0);
  for (const char *k = key0; k; k = va_arg(ap, const char *)) {
    glide_value *v = h_cmd(c, "DEL", k, NULL);
    if (glide_value_get_type(v) != GLIDE_VALUE_INTEGER) {
      char d[512];
      h_describe(v, d, sizeof d);
      glide_value_free(v);
      va_end(ap);
      h_fail("cleanup DEL %s: expected an INTEGER, got %s", k, d);
    }
    glide_value_free(v);
  }
  va_end(ap);
}

uint16_t h_cluster_keyslot(glide_client *c, const char *key, size_t len) {
  const char *argv[3] = {"CLUSTER", "KEYSLOT", key};
  size_t argvlen[3] = {7, 7, len};
  glide_value *v = glide_client_command(c, 3, argv, argvlen);
  if (!v) h_fail("CLUSTER KEYSLOT returned NULL");
  if (glide_value_get_type(v) != GLIDE_VALUE_INTEGER) {
    char d[512];
    h_describe(v, d, sizeof d);
    glide_value_free(v);
    h_fail("CLUSTER KEYSLOT: expected an INTEGER, got %s", d);
  }
  int64_t slot = glide_value_integer(v);
  glide_value_free(v);
  if (slot < 0 || slot > 16383 || (uint16_t)slot != h_key_slot(key, len))
    h_fail("CLUSTER KEYSLOT says %lld, local CRC16 says %u", (long long)slot, h_key_slot(key, len));
  return (uint16_t)slot;
}

void h_cluster_slot_map(glide_client *c, uint16_t owner_port[16384]) {
  memset(owner_port, 0, 16384 * sizeof owner_port[0]);
  glide_value *v = h_cmd(c, "CLUSTER", "SLOTS", NULL);
  char d[2048];
  if (glide_value_get_type(v) != GLIDE_VALUE_ARRAY || glide_value_len(v) == 0) {
    h_describe(v, d, sizeof d);
    glide_value_free(v);
    h_fail("CLUSTER SLOTS: expected a non-empty ARRAY, got %s", d);
  }
  for (size_t i = 0; i < glide_value_len(v); i++) {
    const glide_value *range = glide_value_at(v, i);
    if (glide_value_get_type(range) != GLIDE_VALUE_ARRAY || glide_value_len(range) < 3) continue;
    int64_t lo = glide_value_integer(glide_value_at(range, 0));
    int64_t hi = glide_value_integer(glide_value_at(range, 1));
    const glide_value *node = glide_value_at(range, 2);
    int64_t p = glide_value_integer(glide_value_at(node, 1));
    if (lo < 0 || hi > 16383 || lo > hi || p <= 0 || p > 65535) {
      h_describe(range, d, sizeof d);
      glide_value_free(v);
      h_fail("CLUSTER SLOTS: malformed range %s", d);
    }
    for (int64_t s = lo; s <= hi; s++) owner_port[s] = (uint16_t)p;
  }
  glide_value_free(v);
}

uint16_t h_slot_owner_port(glide_client *c, uint16_t slot) {
  static uint16_t map[16384];
  if (slot > 16383) h_fail("slot %u out of range", slot);
  h_cluster_slot_map(c, map);
  if (!map[slot]) h_fail("CLUSTER SLOTS: no primary owns slot %u", slot);
  return map[slot];
}

/* ------------------------------------------------------------------ describing values */

static const char *type_name(glide_value_type t) {
  static const char *names[] = {"NIL",     "SIMPLE_STRING", "BULK_STRING", "VERBATIM_STRING",
                                "INTEGER", "DOUBLE",        "BOOLEAN",     "BIG_NUMBER",
                                "ARRAY",   "MAP",           "SET",         "PUSH",
                                "ERROR"};
  if ((unsigned)t < sizeof names / sizeof names[0]) return names[t];
  return "?TYPE";
}

typedef struct {
  char *buf;
  size_t cap, len;
} sbuf;

static void sb_put(sbuf *s, const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(2, 3);
static void sb_put(sbuf *s, const char *fmt, ...) {
  if (s->len + 1 >= s->cap) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  s->len += (size_t)n;
  if (s->len >= s->cap) s->len = s->cap - 1;
}

static void sb_bytes(sbuf *s, const char *p, size_t n) {
  sb_put(s, "\"");
  size_t shown = n > 120 ? 120 : n;
  for (size_t i = 0; i < shown; i++) {
    unsigned char ch = (unsigned char)(p ? p[i] : 0);
    if (ch == '"' || ch == '\\')
      sb_put(s, "\\%c", ch);
    else if (ch >= 32 && ch < 127)
      sb_put(s, "%c", ch);
    else
      sb_put(s, "\\x%02x", ch);
  }
  if (shown < n) sb_put(s, "...(%zu bytes)", n);
  sb_put(s, "\"");
}

static void describe(sbuf *s, const glide_value *v, int depth) {
  if (!v) {
    sb_put(s, "(null pointer)");
    return;
  }
  if (depth > 8) {
    sb_put(s, "...");
    return;
  }
  switch (v->type) {
    case GLIDE_VALUE_NIL:
      sb_put(s, "nil");
      break;
    case GLIDE_VALUE_SIMPLE_STRING:
      sb_put(s, "+");
      sb_bytes(s, v->u.string.ptr, v->u.string.len);
      break;
    case GLIDE_VALUE_BULK_STRING:
      sb_bytes(s, v->u.string.ptr, v->u.string.len);
      break;
    case GLIDE_VALUE_VERBATIM_STRING:
      sb_put(s, "verbatim:");
      sb_bytes(s, v->u.string.ptr, v->u.string.len);
      break;
    case GLIDE_VALUE_BIG_NUMBER:
      sb_put(s, "bignum:");
      sb_bytes(s, v->u.string.ptr, v->u.string.len);
      break;
    case GLIDE_VALUE_INTEGER:
      sb_put(s, "(integer) %lld", (long long)v->u.integer);
      break;
    case GLIDE_VALUE_DOUBLE:
      sb_put(s, "(double) %g", v->u.dbl);
      break;
    case GLIDE_VALUE_BOOLEAN:
      sb_put(s, "%s", v->u.boolean ? "true" : "false");
      break;
    case GLIDE_VALUE_ERROR:
      sb_put(s, "(error %s) ", glide_error_kind_name(v->error_kind));
      sb_bytes(s, v->u.string.ptr, v->u.string.len);
      break;
    case GLIDE_VALUE_ARRAY:
    case GLIDE_VALUE_SET:
    case GLIDE_VALUE_PUSH:
    case GLIDE_VALUE_MAP: {
      bool map = v->type == GLIDE_VALUE_MAP;
      size_t n = v->u.aggregate.len;
      sb_put(s, "%s",
             v->type == GLIDE_VALUE_ARRAY ? "["
             : map                        ? "{"
             : v->type == GLIDE_VALUE_SET ? "set{"
                                          : "push[");
      size_t shown = n > 12 ? 12 : n;
      for (size_t i = 0; i < shown; i++) {
        if (i) sb_put(s, ", ");
        if (map) {
          describe(s, &v->u.aggregate.items[2 * i], depth + 1);
          sb_put(s, ": ");
          describe(s, &v->u.aggregate.items[2 * i + 1], depth + 1);
        } else {
          describe(s, &v->u.aggregate.items[i], depth + 1);
        }
      }
      if (shown < n) sb_put(s, ", ...(%zu in all)", n);
      sb_put(s, "%s", map || v->type == GLIDE_VALUE_SET ? "}" : "]");
      break;
    }
    default:
      sb_put(s, "(unknown type %d)", (int)v->type);
      break;
  }
}

char *h_describe(const glide_value *v, char *buf, size_t cap) {
  if (!cap) return buf;
  sbuf s = {buf, cap, 0};
  buf[0] = 0;
  describe(&s, v, 0);
  if (s.len + 1 >= cap && cap > 4) memcpy(buf + cap - 4, "...", 4);
  return buf;
}

/* ------------------------------------------------------------------ value assertions */

#define DESCRIBE_AND_FAIL(v, file, line, ...)                                 \
  do {                                                                        \
    char d_[2048];                                                            \
    char what_[1024];                                                         \
    snprintf(what_, sizeof what_, __VA_ARGS__);                               \
    h_fail_at(file, line, "%s; got %s", what_, h_describe(v, d_, sizeof d_)); \
  } while (0)

void h_assert_type_at(const glide_value *v, glide_value_type t, const char *file, int line) {
  if (!v || v->type != t) DESCRIBE_AND_FAIL(v, file, line, "expected type %s", type_name(t));
  if (glide_value_get_type(v) != t)
    DESCRIBE_AND_FAIL(v, file, line, "glide_value_get_type disagrees with ->type (%s)",
                      type_name(t));
}

void h_assert_ok_at(const glide_value *v, const char *file, int line) {
  if (!v || v->type != GLIDE_VALUE_SIMPLE_STRING || v->u.string.len != 2 || !v->u.string.ptr ||
      memcmp(v->u.string.ptr, "OK", 2) != 0)
    DESCRIBE_AND_FAIL(v, file, line, "expected +\"OK\" (SIMPLE_STRING)");
}

void h_assert_bulk_at(const glide_value *v, const void *s, size_t len, const char *file, int line) {
  if (!v || v->type != GLIDE_VALUE_BULK_STRING || v->u.string.len != len || !v->u.string.ptr ||
      (len && memcmp(v->u.string.ptr, s, len) != 0) || v->u.string.ptr[len] != 0) {
    char e[512];
    sbuf sb = {e, sizeof e, 0};
    e[0] = 0;
    sb_bytes(&sb, s, len);
    DESCRIBE_AND_FAIL(v, file, line, "expected BULK_STRING %s (%zu bytes, NUL-terminated)", e, len);
  }
  size_t l = 99999;
  const char *p = glide_value_string(v, &l);
  if (p != v->u.string.ptr || l != len || glide_value_len(v) != len)
    DESCRIBE_AND_FAIL(v, file, line, "accessors glide_value_string/len disagree with the struct");
}

void h_assert_int_at(const glide_value *v, int64_t n, const char *file, int line) {
  if (!v || v->type != GLIDE_VALUE_INTEGER || v->u.integer != n)
    DESCRIBE_AND_FAIL(v, file, line, "expected (integer) %lld", (long long)n);
  if (glide_value_integer(v) != n)
    DESCRIBE_AND_FAIL(v, file, line, "glide_value_integer disagrees");
}

void h_assert_bool_at(const glide_value *v, bool b, const char *file, int line) {
  if (!v || v->type != GLIDE_VALUE_BOOLEAN || v->u.boolean != b)
    DESCRIBE_AND_FAIL(v, file, line, "expected BOOLEAN %s", b ? "true" : "false");
  if (glide_value_bool(v) != b) DESCRIBE_AND_FAIL(v, file, line, "glide_value_bool disagrees");
}

void h_assert_nil_at(const glide_value *v, const char *file, int line) {
  if (!v || v->type != GLIDE_VALUE_NIL) DESCRIBE_AND_FAIL(v, file, line, "expected nil");
}

void h_assert_error_kind_at(const glide_value *v, glide_error_kind k, const char *file, int line) {
  if (!v || v->type != GLIDE_VALUE_ERROR || v->error_kind != k)
    DESCRIBE_AND_FAIL(v, file, line, "expected an ERROR of kind %s", glide_error_kind_name(k));
  if (!v->u.string.ptr || v->u.string.len == 0)
    DESCRIBE_AND_FAIL(v, file, line, "expected a non-empty error message");
  if (glide_value_error_kind(v) != k)
    DESCRIBE_AND_FAIL(v, file, line, "glide_value_error_kind disagrees");
}

void h_assert_error_prefix_at(const glide_value *v, glide_error_kind k, const char *prefix,
                              const char *file, int line) {
  h_assert_error_kind_at(v, k, file, line);
  size_t pl = strlen(prefix);
  if (v->u.string.len < pl || memcmp(v->u.string.ptr, prefix, pl) != 0)
    DESCRIBE_AND_FAIL(v, file, line, "expected an error message starting with \"%s\"", prefix);
}

void h_assert_aggregate_at(const glide_value *v, glide_value_type t, size_t len, const char *file,
                           int line) {
  if (!v || v->type != t || v->u.aggregate.len != len)
    DESCRIBE_AND_FAIL(v, file, line, "expected %s of %zu %s", type_name(t), len,
                      t == GLIDE_VALUE_MAP ? "pairs" : "elements");
  if (len && !v->u.aggregate.items) DESCRIBE_AND_FAIL(v, file, line, "items pointer is NULL");
  if (glide_value_len(v) != len) DESCRIBE_AND_FAIL(v, file, line, "glide_value_len disagrees");
}

const glide_value *h_at(const glide_value *v, size_t i) {
  if (!v ||
      (v->type != GLIDE_VALUE_ARRAY && v->type != GLIDE_VALUE_SET && v->type != GLIDE_VALUE_PUSH) ||
      i >= v->u.aggregate.len) {
    char d[1024];
    h_fail("element %zu of a non-array or out of range: %s", i, h_describe(v, d, sizeof d));
  }
  const glide_value *e = &v->u.aggregate.items[i];
  if (glide_value_at(v, i) != e) h_fail("glide_value_at(%zu) disagrees with items[%zu]", i, i);
  return e;
}

const glide_value *h_map_get(const glide_value *map, const void *s, size_t len) {
  if (!map || map->type != GLIDE_VALUE_MAP) return NULL;
  for (size_t i = 0; i < map->u.aggregate.len; i++) {
    const glide_value *k = &map->u.aggregate.items[2 * i];
    if ((k->type == GLIDE_VALUE_BULK_STRING || k->type == GLIDE_VALUE_SIMPLE_STRING) &&
        k->u.string.len == len && (len == 0 || memcmp(k->u.string.ptr, s, len) == 0))
      return &map->u.aggregate.items[2 * i + 1];
  }
  return NULL;
}

/* ------------------------------------------------------------------ async */

struct h_waiter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int calls;
  glide_value *result;
};

h_waiter *h_waiter_new(void) {
  h_waiter *w = calloc(1, sizeof *w);
  if (!w) h_fail("out of memory");
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  return w;
}

void h_waiter_cb(void *user_data, glide_value *result) {
  h_waiter *w = user_data;
  pthread_mutex_lock(&w->mu);
  w->calls++;
  if (w->calls == 1) {
    w->result = result;
    result = NULL;
  }
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  glide_value_free(result);
}

glide_value *h_waiter_wait(h_waiter *w, unsigned timeout_ms) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += (time_t)(timeout_ms / 1000);
  deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&w->mu);
  while (w->calls == 0) {
    if (pthread_cond_timedwait(&w->cv, &w->mu, &deadline) == ETIMEDOUT) break;
  }
  int calls = w->calls;
  glide_value *r = w->result;
  w->result = NULL;
  pthread_mutex_unlock(&w->mu);
  if (calls == 0) h_fail("async callback not called within %u ms", timeout_ms);
  return r;
}

int h_waiter_calls(h_waiter *w) {
  pthread_mutex_lock(&w->mu);
  int n = w->calls;
  pthread_mutex_unlock(&w->mu);
  return n;
}

void h_waiter_free(h_waiter *w) {
  if (!w) return;
  glide_value_free(w->result);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  free(w);
}

bool h_wait_counter(atomic_int *counter, int target, unsigned timeout_ms) {
  uint64_t end = h_now_ms() + timeout_ms;
  for (;;) {
    if (atomic_load(counter) >= target) return true;
    if (h_now_ms() >= end) return atomic_load(counter) >= target;
    h_sleep_ms(1);
  }
}

/* ------------------------------------------------------------------ sockets */

uint16_t h_free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) h_fail("socket: %s", strerror(errno));
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    int e = errno;
    close(fd);
    h_fail("bind 127.0.0.1:0: %s", strerror(e));
  }
  socklen_t al = sizeof a;
  if (getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
    int e = errno;
    close(fd);
    h_fail("getsockname: %s", strerror(e));
  }
  close(fd);
  return ntohs(a.sin_port);
}

#define H_RAW_SLOTS 8
#define H_RAW_BUF (256 * 1024)
static struct {
  int fd;
  size_t len;
  char buf[H_RAW_BUF];
} g_raw[H_RAW_SLOTS];
static pthread_mutex_t g_raw_mu = PTHREAD_MUTEX_INITIALIZER;

static int raw_slot(int fd, bool create) {
  pthread_mutex_lock(&g_raw_mu);
  int found = -1, freeslot = -1;
  for (int i = 0; i < H_RAW_SLOTS; i++) {
    if (g_raw[i].fd == fd + 1)
      found = i; /* fd stored +1 so that 0 means unused */
    else if (g_raw[i].fd == 0 && freeslot < 0)
      freeslot = i;
  }
  if (found < 0 && create && freeslot >= 0) {
    g_raw[freeslot].fd = fd + 1;
    g_raw[freeslot].len = 0;
    found = freeslot;
  }
  pthread_mutex_unlock(&g_raw_mu);
  return found;
}

int h_raw_connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) h_fail("socket: %s", strerror(errno));
  struct timeval tv = {3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    int e = errno;
    close(fd);
    h_fail("raw connect to 127.0.0.1:%u: %s", port, strerror(e));
  }
  if (raw_slot(fd, true) < 0) {
    close(fd);
    h_fail("too many raw connections open at once (max %d)", H_RAW_SLOTS);
  }
  return fd;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) h_fail("raw send: %s", w < 0 ? strerror(errno) : "closed");
    p += w;
    n -= (size_t)w;
  }
}

/* Writes one RESP array of bulk strings. */
static void write_command(int fd, size_t argc, const char *const *argv, const size_t *argvlen) {
  char head[64];
  int n = snprintf(head, sizeof head, "*%zu\r\n", argc);
  write_all(fd, head, (size_t)n);
  for (size_t i = 0; i < argc; i++) {
    n = snprintf(head, sizeof head, "$%zu\r\n", argvlen[i]);
    write_all(fd, head, (size_t)n);
    write_all(fd, argv[i], argvlen[i]);
    write_all(fd, "\r\n", 2);
  }
}

void h_raw_send(int fd, const char *arg0, ...) {
  const char *argv[H_MAX_ARGS];
  size_t argvlen[H_MAX_ARGS];
  va_list ap;
  va_start(ap, arg0);
  size_t argc = collect_args(arg0, ap, argv, argvlen);
  va_end(ap);
  write_command(fd, argc, argv, argvlen);
}

/* Returns the end offset of the complete reply starting at pos, 0 if incomplete, -1 if malformed.
 */
static long resp_end(const char *b, size_t n, size_t pos, int depth) {
  if (depth > 32 || pos >= n) return depth > 32 ? -1 : 0;
  const char *nl = NULL;
  for (size_t i = pos + 1; i + 1 < n; i++)
    if (b[i] == '\r' && b[i + 1] == '\n') {
      nl = b + i;
      break;
    }
  if (!nl) return 0;
  size_t after = (size_t)(nl - b) + 2;
  char t = b[pos];
  long long num = 0;
  switch (t) {
    case '+':
    case '-':
    case ':':
    case ',':
    case '_':
    case '#':
    case '(':
      return (long)after;
    case '$':
    case '!':
    case '=': {
      num = h_parse_ll(b + pos + 1, nl);
      if (num < 0) return (long)after;
      if (n < after + (size_t)num + 2) return 0;
      return (long)(after + (size_t)num + 2);
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      num = h_parse_ll(b + pos + 1, nl);
      if (num < 0) return (long)after;
      long long items = (t == '%' || t == '|') ? 2 * num : num;
      size_t p = after;
      for (long long i = 0; i < items; i++) {
        long e = resp_end(b, n, p, depth + 1);
        if (e <= 0) return e;
        p = (size_t)e;
      }
      if (t == '|') return resp_end(b, n, p, depth + 1); /* attribute, then the real reply */
      return (long)p;
    }
    default:
      return -1;
  }
}

size_t h_raw_read(int fd, char *buf, size_t cap) {
  int s = raw_slot(fd, false);
  if (s < 0) h_fail("h_raw_read: fd %d was not opened with h_raw_connect", fd);
  uint64_t end = h_now_ms() + 3000;
  for (;;) {
    long e = resp_end(g_raw[s].buf, g_raw[s].len, 0, 0);
    if (e < 0) h_fail("h_raw_read: malformed reply from the server");
    if (e > 0) {
      size_t n = (size_t)e;
      if (n + 1 > cap) h_fail("h_raw_read: reply of %zu bytes does not fit in %zu", n, cap);
      memcpy(buf, g_raw[s].buf, n);
      buf[n] = 0;
      memmove(g_raw[s].buf, g_raw[s].buf + n, g_raw[s].len - n);
      g_raw[s].len -= n;
      return n;
    }
    if (g_raw[s].len == H_RAW_BUF) h_fail("h_raw_read: reply larger than %d bytes", H_RAW_BUF);
    if (h_now_ms() > end) h_fail("h_raw_read: no complete reply within 3 s");
    ssize_t r = recv(fd, g_raw[s].buf + g_raw[s].len, H_RAW_BUF - g_raw[s].len, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      h_fail("h_raw_read: no complete reply within 3 s");
    if (r <= 0)
      h_fail("h_raw_read: %s", r < 0 ? strerror(errno) : "connection closed by the server");
    g_raw[s].len += (size_t)r;
  }
}

void h_raw_close(int fd) {
  if (fd < 0) return;
  int s = raw_slot(fd, false);
  if (s >= 0) {
    pthread_mutex_lock(&g_raw_mu);
    g_raw[s].fd = 0;
    g_raw[s].len = 0;
    pthread_mutex_unlock(&g_raw_mu);
  }
  close(fd);
}

size_t h_raw_cmd(uint16_t port, char *buf, size_t cap, const char *arg0, ...) {
  const char *argv[H_MAX_ARGS];
  size_t argvlen[H_MAX_ARGS];
  va_list ap;
  va_start(ap, arg0);
  size_t argc = collect_args(arg0, ap, argv, argvlen);
  va_end(ap);
  int fd = h_raw_connect(port);
  write_command(fd, argc, argv, argvlen);
  size_t len = h_raw_read(fd, buf, cap);
  h_raw_close(fd);
  return len;
}

/* ------------------------------------------------------------------ capture */

static int g_cap_fd = -1, g_saved_out = -1, g_saved_err = -1;

/* In a sanitizer build, where reports go (every sanitizer runtime has it; NULL otherwise).
 * While fd 2 is captured, a report must still reach the real stderr: the process ends right
 * after it, before the capture could show what it caught. */
extern void __sanitizer_set_report_fd(void *fd) __attribute__((weak));
static void report_to_fd(int fd) {
  if (__sanitizer_set_report_fd) __sanitizer_set_report_fd((void *)(intptr_t)fd);
}

void h_capture_begin(void) {
  if (g_cap_fd >= 0) h_fail("h_capture_begin: a capture is already active");
  char path[] = "/tmp/glide-capture-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) h_fail("mkstemp: %s", strerror(errno));
  unlink(path);
  fflush(stdout);
  fflush(stderr);
  g_saved_out = dup(1);
  g_saved_err = dup(2);
  if (g_saved_out < 0 || g_saved_err < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
    int e = errno;
    if (g_saved_out >= 0) {
      dup2(g_saved_out, 1);
      close(g_saved_out);
    }
    if (g_saved_err >= 0) {
      dup2(g_saved_err, 2);
      close(g_saved_err);
    }
    g_saved_out = g_saved_err = -1;
    close(fd);
    h_fail("redirecting fd 1/2: %s", strerror(e));
  }
  g_cap_fd = fd;
  report_to_fd(g_saved_err);
}

bool h_capture_active(void) { return g_cap_fd >= 0; }

size_t h_capture_end(char *buf, size_t cap) {
  if (g_cap_fd < 0) {
    if (buf && cap) buf[0] = 0;
    return 0;
  }
  fflush(stdout);
  fflush(stderr);
  dup2(g_saved_out, 1);
  dup2(g_saved_err, 2);
  report_to_fd(2);
  close(g_saved_out);
  close(g_saved_err);
  g_saved_out = g_saved_err = -1;
  struct stat st;
  size_t total = 0;
  if (fstat(g_cap_fd, &st) == 0) total = (size_t)st.st_size;
  if (buf && cap) {
    size_t want = total < cap - 1 ? total : cap - 1;
    size_t got = 0;
    while (got < want) {
      ssize_t r = pread(g_cap_fd, buf + got, want - got, (off_t)got);
      if (r <= 0) break;
      got += (size_t)r;
    }
    buf[got] = 0;
  }
  close(g_cap_fd);
  g_cap_fd = -1;
  return total;
}

/* ------------------------------------------------------------------ added for the
 * cluster-semantics tests */

long h_raw_try_cmdv(uint16_t port, char *buf, size_t cap, unsigned timeout_ms, size_t argc,
                    const char *const *argv, const size_t *argvlen) {
  if (!buf || cap < 64) return -1;
  buf[0] = 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    snprintf(buf, cap, "socket: %s", strerror(errno));
    return -1;
  }
  struct timeval tv = {(time_t)(timeout_ms / 1000), (suseconds_t)((timeout_ms % 1000) * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    snprintf(buf, cap, "connect 127.0.0.1:%u: %s", port, strerror(errno));
    close(fd);
    return -1;
  }
  /* encode */
  size_t need = 32;
  for (size_t i = 0; i < argc; i++) need += 32 + (argvlen ? argvlen[i] : strlen(argv[i]));
  char *out = malloc(need);
  if (!out) {
    close(fd);
    snprintf(buf, cap, "out of memory");
    return -1;
  }
  size_t n = (size_t)snprintf(out, need, "*%zu\r\n", argc);
  for (size_t i = 0; i < argc; i++) {
    size_t l = argvlen ? argvlen[i] : strlen(argv[i]);
    n += (size_t)snprintf(out + n, need - n, "$%zu\r\n", l);
    if (l) memcpy(out + n, argv[i], l);
    n += l;
    memcpy(out + n, "\r\n", 2);
    n += 2;
  }
  size_t off = 0;
  while (off < n) {
    ssize_t w = send(fd, out + off, n - off, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      free(out);
      close(fd);
      snprintf(buf, cap, "send: %s", w < 0 ? strerror(errno) : "closed");
      return -1;
    }
    off += (size_t)w;
  }
  free(out);
  /* read one reply */
  size_t len = 0;
  uint64_t end = h_now_ms() + timeout_ms;
  for (;;) {
    long e = resp_end(buf, len, 0, 0);
    if (e < 0) {
      close(fd);
      snprintf(buf, cap, "malformed reply");
      return -1;
    }
    if (e > 0) {
      close(fd);
      buf[e] = 0;
      return e;
    }
    if (len + 1 >= cap) {
      close(fd);
      snprintf(buf, cap, "reply does not fit in %zu bytes", cap);
      return -1;
    }
    if (h_now_ms() > end) {
      close(fd);
      snprintf(buf, cap, "no complete reply within %u ms", timeout_ms);
      return -1;
    }
    ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      int err = errno;
      close(fd);
      snprintf(buf, cap, "recv: %s", r < 0 ? strerror(err) : "connection closed");
      return -1;
    }
    len += (size_t)r;
    buf[len] = 0;
  }
}

long h_raw_try_cmd(uint16_t port, char *buf, size_t cap, const char *arg0, ...) {
  const char *argv[H_MAX_ARGS];
  size_t argvlen[H_MAX_ARGS];
  size_t argc = 0;
  va_list ap;
  va_start(ap, arg0);
  for (const char *s = arg0; s; s = va_arg(ap, const char *)) {
    if (argc == H_MAX_ARGS) {
      va_end(ap);
      if (buf && cap) snprintf(buf, cap, "too many arguments");
      return -1;
    }
    argv[argc] = s;
    argvlen[argc] = strlen(s);
    argc++;
  }
  va_end(ap);
  return h_raw_try_cmdv(port, buf, cap, 5000, argc, argv, argvlen);
}

int64_t h_info_int(const char *info, const char *field) {
  if (!info || !field || !*field) return 0;
  size_t fl = strlen(field);
  for (const char *p = info; (p = strstr(p, field)) != NULL; p += fl) {
    if (p != info && p[-1] != '\n' && p[-1] != ':') continue; /* ':' for "txt:" verbatim starts */
    return strtoll(p + fl, NULL, 10);
  }
  return 0;
}

/* ------------------------------------------------------------------ process resources */

static size_t proc_status_kb(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) h_fail("cannot open /proc/self/status");
  char line[256];
  size_t kb = 0, flen = strlen(field);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
      kb = (size_t)strtoull(line + flen + 1, NULL, 10);
      break;
    }
  fclose(f);
  if (!kb) h_fail("no %s in /proc/self/status", field);
  return kb;
}

size_t h_vmrss_kb(void) { return proc_status_kb("VmRSS"); }
size_t h_vmsize_kb(void) { return proc_status_kb("VmSize"); }

/* Entries of a /proc directory, "." and ".." not counted. */
static size_t proc_entries(const char *path) {
  DIR *d = opendir(path);
  if (!d) h_fail("cannot open %s", path);
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

size_t h_open_fds(void) {
  return proc_entries("/proc/self/fd") - 1; /* the directory stream's own descriptor */
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define H_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define H_SANITIZED 1
#endif
#endif

void h_expect_growth_below_at(const char *what, size_t before_kb, size_t after_kb, size_t bound_kb,
                              const char *file, int line) {
#ifdef H_SANITIZED
  (void)what, (void)before_kb, (void)after_kb, (void)bound_kb, (void)file, (void)line;
#else
  if (after_kb > before_kb + bound_kb)
    h_fail_at(file, line, "%s grew by %zu KiB (bound: %zu KiB)", what, after_kb - before_kb,
              bound_kb);
#endif
}

size_t h_thread_count(void) { return proc_entries("/proc/self/task"); }
