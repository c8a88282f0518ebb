/*
 * test_cluster_semantics.c - cluster semantics against the real 3 primaries + 3 replicas started
 * by tests/scripts/test_servers.sh: slot migration (ASK, then MOVED) set up by the test itself
 * with exact redirect counts from INFO errorstats, wrong-node routes, fan-out aggregation,
 * multi-slot split with a partial failure, routes to primaries and replicas, PREFER_REPLICA, and
 * the periodic topology refresh. (Cases a real cluster cannot produce on demand are in
 * test_fake_node.c.)
 *
 * The library is driven through its public API only; the test looks at and changes the cluster
 * through raw RESP2 connections (h_raw_*), never through the client under test.
 *
 * Everything a test changes in the cluster is put back by its teardown, also when the test fails:
 * slot ownership (moved back to its original owner, migrating/importing states cleared), config
 * values (restored to what they were), keys (deleted), subscriber connections (closed).
 *
 * Redirect counting: CONFIG RESETSTAT on all six nodes, then the test's commands, then the sum of
 * errorstat_ASK / errorstat_MOVED over all six nodes' INFO errorstats. These counters are per
 * node, cluster-wide: the counts are exact only when no other client uses the cluster meanwhile,
 * so this executable must not run in parallel with other integration tests on the same servers
 * (ctest: RUN_SERIAL or a RESOURCE_LOCK on the servers).
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KEYLEN 160
#define RAWCAP (256 * 1024)

static char g_raw[RAWCAP]; /* raw replies (tests run one at a time) */

/* ------------------------------------------------------------------ raw access to the cluster */

/* Raw command that fails the test with the reason. NULL-terminated args. Returns the reply. */
static const char *raw_at(const char *file, int line, uint16_t port, const char *arg0, ...) {
  const char *argv[64];
  size_t argc = 0;
  va_list ap;
  va_start(ap, arg0);
  for (const char *s = arg0; s && argc < 64; s = va_arg(ap, const char *)) argv[argc++] = s;
  va_end(ap);
  if (h_raw_try_cmdv(port, g_raw, sizeof g_raw, 5000, argc, argv, NULL) < 0)
    h_fail_at(file, line, "raw %s on port %u failed: %s", arg0, port, g_raw);
  return g_raw;
}
#define RAW(port, ...) raw_at(__FILE__, __LINE__, (port), __VA_ARGS__, (const char *)NULL)

static void raw_expect_at(const char *file, int line, const char *expected, uint16_t port,
                          const char *arg0, ...) {
  const char *argv[64];
  size_t argc = 0;
  va_list ap;
  va_start(ap, arg0);
  for (const char *s = arg0; s && argc < 64; s = va_arg(ap, const char *)) argv[argc++] = s;
  va_end(ap);
  if (h_raw_try_cmdv(port, g_raw, sizeof g_raw, 5000, argc, argv, NULL) < 0)
    h_fail_at(file, line, "raw %s on port %u failed: %s", arg0, port, g_raw);
  if (strcmp(g_raw, expected) != 0)
    h_fail_at(file, line, "raw %s on port %u: expected %s, got %s", arg0, port, expected, g_raw);
}
#define RAW_EXPECT(expected, port, ...) \
  raw_expect_at(__FILE__, __LINE__, (expected), (port), __VA_ARGS__, (const char *)NULL)

/* The text of a RESP2 bulk reply ("$n\r\n<text>\r\n"), in place; NULL if it is not one. */
static char *bulk_text(char *reply) {
  if (reply[0] != '$' || reply[1] == '-') return NULL;
  char *p = strstr(reply, "\r\n");
  if (!p) return NULL;
  long n = strtol(reply + 1, NULL, 10);
  p += 2;
  p[n] = 0;
  return p;
}

/* A RESP2 array of bulk strings into out[i] (each up to KEYLEN-1); returns the count (<= max). */
static size_t bulk_array(const char *reply, char (*out)[KEYLEN], size_t max) {
  if (reply[0] != '*') return 0;
  long n = strtol(reply + 1, NULL, 10);
  const char *p = strstr(reply, "\r\n");
  size_t got = 0;
  for (long i = 0; i < n && p && got < max; i++) {
    p += 2;
    if (*p != '$') break;
    long l = strtol(p + 1, NULL, 10);
    p = strstr(p, "\r\n");
    if (!p || l < 0 || l >= KEYLEN) break;
    memcpy(out[got], p + 2, (size_t)l);
    out[got][l] = 0;
    got++;
    p += 2 + (size_t)l;
  }
  return got;
}

static const h_servers *S(void) { return h_servers_get(); }

/* ------------------------------------------------------------------ cluster layout (CLUSTER NODES)
 */

typedef struct node_info {
  uint16_t port;
  char id[41];
  bool primary;
  char primary_id[41]; /* replicas */
} node_info;

typedef struct layout {
  node_info nodes[H_MAX_CLUSTER_PORTS];
  size_t n;
  uint16_t owner[16384]; /* primary port per slot, 0 = none */
} layout;

/* Parses a CLUSTER NODES text; false when malformed. */
static bool parse_nodes(const char *text, layout *L) {
  memset(L, 0, sizeof *L);
  const char *line = text;
  while (line && *line) {
    const char *eol = strchr(line, '\n');
    size_t len = eol ? (size_t)(eol - line) : strlen(line);
    char buf[4096];
    if (len >= sizeof buf) return false;
    memcpy(buf, line, len);
    buf[len] = 0;
    line = eol ? eol + 1 : NULL;
    if (len == 0) continue;
    char *save = NULL;
    char *tok[512];
    size_t nt = 0;
    for (char *t = strtok_r(buf, " ", &save); t && nt < 512; t = strtok_r(NULL, " ", &save))
      tok[nt++] = t;
    if (nt < 8 || L->n == H_MAX_CLUSTER_PORTS) return false;
    node_info *ni = &L->nodes[L->n++];
    snprintf(ni->id, sizeof ni->id, "%s", tok[0]);
    char *colon = strrchr(tok[1], ':');
    if (!colon) return false;
    ni->port = (uint16_t)strtol(colon + 1, NULL, 10);
    ni->primary = strstr(tok[2], "master") != NULL;
    if (!ni->primary) snprintf(ni->primary_id, sizeof ni->primary_id, "%s", tok[3]);
    for (size_t i = 8; i < nt && ni->primary; i++) {
      if (tok[i][0] == '[') continue; /* [slot->-id] / [slot-<-id]: migration markers */
      long lo = strtol(tok[i], NULL, 10), hi = lo;
      char *dash = strchr(tok[i], '-');
      if (dash) hi = strtol(dash + 1, NULL, 10);
      if (lo < 0 || hi > 16383 || lo > hi) return false;
      for (long s = lo; s <= hi; s++) L->owner[s] = ni->port;
    }
  }
  return L->n > 0;
}

/* The view of one node; false (with the reason in why) on failure. */
static bool node_view(uint16_t port, layout *L, char *why, size_t cap) {
  static char buf[RAWCAP];
  if (h_raw_try_cmd(port, buf, sizeof buf, "CLUSTER", "NODES", NULL) < 0) {
    snprintf(why, cap, "CLUSTER NODES on %u: %s", port, buf);
    return false;
  }
  char *t = bulk_text(buf);
  if (!t || !parse_nodes(t, L)) {
    snprintf(why, cap, "CLUSTER NODES on %u: unparsable reply", port);
    return false;
  }
  return true;
}

static layout g_layout;

/* The current layout as seen by the first cluster port (fails the test). */
static const layout *load_layout(void) {
  char why[512];
  if (!node_view(S()->cluster_ports[0], &g_layout, why, sizeof why)) h_fail("%s", why);
  size_t primaries = 0;
  for (size_t i = 0; i < g_layout.n; i++) primaries += g_layout.nodes[i].primary;
  if (g_layout.n != 6 || primaries != 3)
    h_fail("expected 6 nodes, 3 primaries; CLUSTER NODES shows %zu, %zu", g_layout.n, primaries);
  for (int s = 0; s < 16384; s++)
    if (!g_layout.owner[s]) h_fail("slot %d has no owner in CLUSTER NODES", s);
  return &g_layout;
}

static const node_info *node_by_port(const layout *L, uint16_t port) {
  for (size_t i = 0; i < L->n; i++)
    if (L->nodes[i].port == port) return &L->nodes[i];
  return NULL;
}

static const node_info *replica_of(const layout *L, uint16_t primary_port) {
  const node_info *p = node_by_port(L, primary_port);
  if (!p) return NULL;
  for (size_t i = 0; i < L->n; i++)
    if (!L->nodes[i].primary && strcmp(L->nodes[i].primary_id, p->id) == 0) return &L->nodes[i];
  return NULL;
}

/* A key (written into out) from h_prefix()+what+i whose slot is owned by port. */
static void key_on_port(char *out, const layout *L, uint16_t port, const char *what) {
  for (int i = 0; i < 100000; i++) {
    h_key(out, KEYLEN, "%s%d", what, i);
    if (L->owner[h_key_slot(out, strlen(out))] == port) return;
  }
  h_fail("no key for port %u", port);
}

/* ------------------------------------------------------------------ INFO counters */

static void resetstat_all(void) {
  for (size_t i = 0; i < S()->cluster_count; i++)
    RAW_EXPECT("+OK\r\n", S()->cluster_ports[i], "CONFIG", "RESETSTAT");
}

/* Sum over all nodes of errorstat_<name>:count. */
static int64_t errorstat_sum(const char *name) {
  char field[64];
  snprintf(field, sizeof field, "errorstat_%s:count=", name);
  int64_t sum = 0;
  for (size_t i = 0; i < S()->cluster_count; i++)
    sum += h_info_int(RAW(S()->cluster_ports[i], "INFO", "errorstats"), field);
  return sum;
}

static void errorstats_describe(char *out, size_t cap) {
  size_t len = 0;
  out[0] = 0;
  for (size_t i = 0; i < S()->cluster_count && len < cap; i++) {
    char *t = bulk_text((char *)RAW(S()->cluster_ports[i], "INFO", "errorstats"));
    len += (size_t)snprintf(out + len, cap - len, "[%u] %s", S()->cluster_ports[i], t ? t : "?");
  }
}

static void expect_redirects_at(const char *file, int line, int64_t ask, int64_t moved,
                                const char *why) {
  int64_t a = errorstat_sum("ASK"), m = errorstat_sum("MOVED");
  if (a != ask || m != moved) {
    char d[4096];
    errorstats_describe(d, sizeof d);
    h_fail_at(file, line,
              "%s: expected %lld ASK and %lld MOVED over all nodes, INFO errorstats say %lld ASK "
              "and %lld MOVED:\n%s",
              why, (long long)ask, (long long)moved, (long long)a, (long long)m, d);
  }
}
#define EXPECT_REDIRECTS(ask, moved, why) \
  expect_redirects_at(__FILE__, __LINE__, (ask), (moved), (why))

static int64_t cmdstat_calls(uint16_t port, const char *cmd) {
  char field[64];
  snprintf(field, sizeof field, "cmdstat_%s:calls=", cmd);
  return h_info_int(RAW(port, "INFO", "commandstats"), field);
}

/* ------------------------------------------------------------------ slot moves (never fail the
 * test) */

/* CLUSTER SETSLOT slot <sub> [id] on port; false (reason in why) unless +OK. */
static bool setslot(uint16_t port, uint16_t slot, const char *sub, const char *id, char *why,
                    size_t cap) {
  char s[8], buf[1024];
  snprintf(s, sizeof s, "%u", slot);
  long r = id ? h_raw_try_cmd(port, buf, sizeof buf, "CLUSTER", "SETSLOT", s, sub, id, NULL)
              : h_raw_try_cmd(port, buf, sizeof buf, "CLUSTER", "SETSLOT", s, sub, NULL);
  if (r < 0 || strcmp(buf, "+OK\r\n") != 0) {
    snprintf(why, cap, "CLUSTER SETSLOT %u %s on %u: %s", slot, sub, port, buf);
    return false;
  }
  return true;
}

static bool node_id(uint16_t port, char id[41], char *why, size_t cap) {
  char buf[256];
  if (h_raw_try_cmd(port, buf, sizeof buf, "CLUSTER", "MYID", NULL) < 0 || !bulk_text(buf) ||
      strlen(bulk_text(buf)) != 40) {
    snprintf(why, cap, "CLUSTER MYID on %u: %s", port, buf);
    return false;
  }
  snprintf(id, 41, "%s", buf + 5); /* "$40\r\n" */
  return true;
}

/* MIGRATE the listed keys (or, with n == 0, every key of the slot, in rounds) from -> to. */
static bool migrate_keys(uint16_t slot, uint16_t from, uint16_t to, char (*keys)[KEYLEN], size_t n,
                         char *why, size_t cap) {
  static char buf[RAWCAP];
  static char found[100][KEYLEN];
  char to_s[8], slot_s[8];
  snprintf(to_s, sizeof to_s, "%u", to);
  snprintf(slot_s, sizeof slot_s, "%u", slot);
  for (int round = 0; round < 1000; round++) {
    char(*list)[KEYLEN] = keys;
    size_t count = n;
    if (!keys) {
      if (h_raw_try_cmd(from, buf, sizeof buf, "CLUSTER", "GETKEYSINSLOT", slot_s, "100", NULL) <
          0) {
        snprintf(why, cap, "CLUSTER GETKEYSINSLOT on %u: %s", from, buf);
        return false;
      }
      count = bulk_array(buf, found, 100);
      if (count == 0) return true;
      list = found;
    }
    const char *argv[120];
    size_t argc = 0;
    argv[argc++] = "MIGRATE";
    argv[argc++] = "127.0.0.1";
    argv[argc++] = to_s;
    argv[argc++] = "";
    argv[argc++] = "0";
    argv[argc++] = "5000";
    argv[argc++] = "REPLACE";
    argv[argc++] = "KEYS";
    for (size_t i = 0; i < count; i++) argv[argc++] = list[i];
    if (h_raw_try_cmdv(from, buf, sizeof buf, 10000, argc, argv, NULL) < 0 ||
        (strcmp(buf, "+OK\r\n") != 0 && strcmp(buf, "+NOKEY\r\n") != 0)) {
      snprintf(why, cap, "MIGRATE %zu keys of slot %u from %u to %u: %s", count, slot, from, to,
               buf);
      return false;
    }
    if (keys) return true;
  }
  snprintf(why, cap, "slot %u still has keys on %u after 1000 MIGRATE rounds", slot, from);
  return false;
}

/* Polls (10 s at most) until every node's CLUSTER NODES gives the slot to owner and shows no
 * migration marker for it on any node. */
static bool wait_owner_everywhere(uint16_t slot, uint16_t owner, char *why, size_t cap) {
  static layout L;
  uint64_t end = h_now_ms() + 10000;
  for (;;) {
    bool all = true;
    for (size_t i = 0; i < S()->cluster_count && all; i++) {
      if (!node_view(S()->cluster_ports[i], &L, why, cap)) return false;
      if (L.owner[slot] != owner) {
        all = false;
        snprintf(why, cap, "after 10 s, node %u still says slot %u belongs to %u, not %u",
                 S()->cluster_ports[i], slot, L.owner[slot], owner);
      }
    }
    if (all) return true;
    if (h_now_ms() > end) return false;
    h_sleep_ms(50);
  }
}

/* Gives the slot to `to` on every primary (the importing node first, so it bumps its epoch), then
 * waits until all six nodes agree. */
static bool finish_move(uint16_t slot, uint16_t from, uint16_t to, char *why, size_t cap) {
  char to_id[41];
  if (!node_id(to, to_id, why, cap)) return false;
  if (!setslot(to, slot, "NODE", to_id, why, cap)) return false;
  if (!setslot(from, slot, "NODE", to_id, why, cap)) return false;
  const layout *L = &g_layout;
  for (size_t i = 0; i < L->n; i++) {
    uint16_t p = L->nodes[i].port;
    if (L->nodes[i].primary && p != from && p != to && !setslot(p, slot, "NODE", to_id, why, cap))
      return false;
  }
  return wait_owner_everywhere(slot, to, why, cap);
}

static bool begin_move(uint16_t slot, uint16_t from, uint16_t to, char *why, size_t cap) {
  char from_id[41], to_id[41];
  if (!node_id(from, from_id, why, cap) || !node_id(to, to_id, why, cap)) return false;
  return setslot(to, slot, "IMPORTING", from_id, why, cap) &&
         setslot(from, slot, "MIGRATING", to_id, why, cap);
}

/* The whole move from -> to: IMPORTING/MIGRATING, every key, NODE everywhere, convergence. */
static bool move_slot(uint16_t slot, uint16_t from, uint16_t to, char *why, size_t cap) {
  return begin_move(slot, from, to, why, cap) && migrate_keys(slot, from, to, NULL, 0, why, cap) &&
         finish_move(slot, from, to, why, cap);
}

static long count_keys_in_slot(uint16_t port, uint16_t slot) {
  char s[8], buf[128];
  snprintf(s, sizeof s, "%u", slot);
  if (h_raw_try_cmd(port, buf, sizeof buf, "CLUSTER", "COUNTKEYSINSLOT", s, NULL) < 0 ||
      buf[0] != ':')
    return -1;
  return strtol(buf + 1, NULL, 10);
}

/* Puts slot back on `a` from whatever state a test left it in between a and b: owned by a with
 * some keys already migrated to b (finish the move to b first), owned by b, or owned by a with
 * stale migrating/importing marks. Ends with every node agreeing that a owns it. */
static bool restore_slot(uint16_t slot, uint16_t a, uint16_t b, char *why, size_t cap) {
  static layout L;
  if (!node_view(a, &L, why, cap)) return false;
  uint16_t owner = L.owner[slot];
  if (owner == a) {
    long on_b = count_keys_in_slot(b, slot);
    if (on_b < 0) {
      snprintf(why, cap, "CLUSTER COUNTKEYSINSLOT on %u failed", b);
      return false;
    }
    if (on_b > 0) {
      /* mid-migration a -> b: complete it, then move back */
      if (!begin_move(slot, a, b, why, cap) || !migrate_keys(slot, a, b, NULL, 0, why, cap) ||
          !finish_move(slot, a, b, why, cap))
        return false;
      owner = b;
    } else {
      if (!setslot(a, slot, "STABLE", NULL, why, cap) ||
          !setslot(b, slot, "STABLE", NULL, why, cap))
        return false;
      return wait_owner_everywhere(slot, a, why, cap);
    }
  }
  if (owner != b) {
    snprintf(why, cap, "slot %u is owned by %u, neither %u nor %u", slot, owner, a, b);
    return false;
  }
  return move_slot(slot, b, a, why, cap);
}

/* ------------------------------------------------------------------ library helpers */

static glide_value *exec_at(glide_client *c, const glide_batch *b, const glide_batch_options *o,
                            const char *file, int line) {
  glide_value *r = glide_client_exec(c, b, false, o);
  if (!r) h_fail_at(file, line, "glide_client_exec returned NULL (the contract says never)");
  return r;
}
#define EXEC(c, b, o) exec_at((c), (b), (o), __FILE__, __LINE__)

static glide_value *cmdv(glide_client *c, size_t argc, const char *const *argv) {
  size_t lens[256];
  if (argc > 256) h_fail("too many args");
  for (size_t i = 0; i < argc; i++) lens[i] = strlen(argv[i]);
  glide_value *v = glide_client_command(c, argc, argv, lens);
  if (!v) h_fail("glide_client_command returned NULL");
  return v;
}

static glide_status batch_cmdv(glide_batch *b, size_t argc, const char *const *argv) {
  size_t lens[256];
  if (argc > 256) h_fail("too many args");
  for (size_t i = 0; i < argc; i++) lens[i] = strlen(argv[i]);
  return glide_batch_command(b, argc, argv, lens);
}

static void set_ok(glide_client *c, const char *k, const char *v) {
  glide_value *r = h_cmd(c, "SET", k, v, NULL);
  assert_ok(r);
  glide_value_free(r);
}

static void get_is(glide_client *c, const char *k, const char *v) {
  glide_value *r = h_cmd(c, "GET", k, NULL);
  if (v)
    assert_bulk(r, v);
  else
    assert_nil(r);
  glide_value_free(r);
}

/* The string of a BULK/SIMPLE/VERBATIM value (NUL-terminated by the library), or fails. */
static const char *str_of(const glide_value *v) {
  glide_value_type t = glide_value_get_type(v);
  if (t != GLIDE_VALUE_BULK_STRING && t != GLIDE_VALUE_SIMPLE_STRING &&
      t != GLIDE_VALUE_VERBATIM_STRING) {
    char d[512];
    h_fail("expected a string, got %s", h_describe(v, d, sizeof d));
  }
  return glide_value_string(v, NULL);
}

/* CONFIG GET port -> the port (RESP3 map or RESP2 array). */
static long config_port(const glide_value *v) {
  if (glide_value_get_type(v) == GLIDE_VALUE_MAP && glide_value_len(v) == 1)
    return strtol(str_of(glide_value_map_value(v, 0)), NULL, 10);
  if (glide_value_get_type(v) == GLIDE_VALUE_ARRAY && glide_value_len(v) == 2)
    return strtol(str_of(glide_value_at(v, 1)), NULL, 10);
  char d[512];
  h_fail("CONFIG GET port: unexpected %s", h_describe(v, d, sizeof d));
  return 0;
}

/* ------------------------------------------------------------------ fixture */

#define FX_MAX_KEYS 128
#define FX_MAX_CONFIGS 16
#define FX_MAX_FDS 4

typedef struct fx {
  glide_client *c, *c2;
  /* slot moved by the test, to restore: slot back to a (from b) */
  bool slot_touched;
  uint16_t slot, a, b;
  /* configs to restore */
  struct {
    uint16_t port;
    char name[64];
    char value[KEYLEN];
  } cfg[FX_MAX_CONFIGS];
  size_t ncfg;
  /* keys to delete at the end (through raw DEL on their owner) */
  char keys[FX_MAX_KEYS][KEYLEN];
  size_t nkeys;
  int fds[FX_MAX_FDS];
  size_t nfds;
} fx;

static int setup(void **state) {
  fx *f = calloc(1, sizeof *f);
  if (!f) return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  int rc = 0;
  char why[1024];
  glide_client_close(f->c);
  glide_client_close(f->c2);
  for (size_t i = 0; i < f->nfds; i++) h_raw_close(f->fds[i]);
  if (f->slot_touched && !restore_slot(f->slot, f->a, f->b, why, sizeof why)) {
    fprintf(stderr, "[  ERROR   ] teardown: could not put slot %u back on %u: %s\n", f->slot, f->a,
            why);
    rc = -1;
  }
  char buf[1024];
  for (size_t i = f->ncfg; i-- > 0;) {
    if (h_raw_try_cmd(f->cfg[i].port, buf, sizeof buf, "CONFIG", "SET", f->cfg[i].name,
                      f->cfg[i].value, NULL) < 0 ||
        strcmp(buf, "+OK\r\n") != 0) {
      fprintf(stderr, "[  ERROR   ] teardown: CONFIG SET %s %s on %u: %s\n", f->cfg[i].name,
              f->cfg[i].value, f->cfg[i].port, buf);
      rc = -1;
    }
  }
  if (f->nkeys) {
    static layout L;
    if (node_view(S()->cluster_ports[0], &L, why, sizeof why)) {
      for (size_t i = 0; i < f->nkeys; i++) {
        uint16_t owner = L.owner[h_key_slot(f->keys[i], strlen(f->keys[i]))];
        if (owner &&
            (h_raw_try_cmd(owner, buf, sizeof buf, "DEL", f->keys[i], NULL) < 0 || buf[0] != ':')) {
          fprintf(stderr, "[  ERROR   ] teardown: DEL %s on %u: %s\n", f->keys[i], owner, buf);
          rc = -1;
        }
      }
    } else {
      fprintf(stderr, "[  ERROR   ] teardown: %s\n", why);
      rc = -1;
    }
  }
  free(f);
  return rc;
}

static void fx_key(fx *f, const char *key) {
  if (f->nkeys == FX_MAX_KEYS) h_fail("fixture: too many keys");
  snprintf(f->keys[f->nkeys++], KEYLEN, "%s", key);
}

/* Saves a config value on port (restored by the teardown) and returns it. */
static const char *fx_save_config(fx *f, uint16_t port, const char *name) {
  if (f->ncfg == FX_MAX_CONFIGS) h_fail("fixture: too many configs");
  static char vals[FX_MAX_KEYS][KEYLEN];
  size_t n = bulk_array(RAW(port, "CONFIG", "GET", name), vals, 2);
  if (n != 2) h_fail("CONFIG GET %s on %u: %s", name, port, g_raw);
  f->cfg[f->ncfg].port = port;
  snprintf(f->cfg[f->ncfg].name, sizeof f->cfg[f->ncfg].name, "%s", name);
  snprintf(f->cfg[f->ncfg].value, sizeof f->cfg[f->ncfg].value, "%s", vals[1]);
  return f->cfg[f->ncfg++].value;
}

static int fx_raw_connect(fx *f, uint16_t port) {
  if (f->nfds == FX_MAX_FDS) h_fail("fixture: too many raw connections");
  int fd = h_raw_connect(port);
  f->fds[f->nfds++] = fd;
  return fd;
}

/* ------------------------------------------------------------------ slot migration: ASK, then
 * MOVED */

/*
 * Slot S (of a hash tag unique to this run) is owned by primary A; B is another primary.
 * k0..k5 are written, then B IMPORTING from A, A MIGRATING to B, and k0..k2 MIGRATEd to B.
 *
 * ASK phase (client's map: S -> A, and it stays so: ASK never patches the map). For each command
 * of slot S whose key is not on A, A answers ASK once and B serves the ASKING+command pair: one
 * ASK per such command, no MOVED.
 *  - non-atomic batch: GET k0, GET k3, SET k1, GET k1, GET k4, SET knew, EXISTS k2, GET other-slot
 *    key -> 5 ASK (k0, k1 twice, knew: missing everywhere so A redirects, k2).
 *  - atomic batch of migrated keys only (GET k0, SET k2, GET k2): each queued command gets ASK at
 *    queue time (3 ASK), EXEC gets EXECABORT (1), then ASKING+MULTI..EXEC on B succeeds.
 *  - single command GET k1: 1 ASK.
 * Then every key of S is MIGRATEd and S is given to B on every primary (SETSLOT NODE), and the
 * test waits until all six nodes agree. The client still maps S -> A.
 * MOVED phase:
 *  - first batch: 4 commands of slot S (GET k0, GET k3, SET k4, GET knew) plus one other-slot GET.
 *    The four are planned and written to A before any reply arrives, so A answers MOVED to each
 *    of them; the client patches its map at the first and re-sends each of the four to B: exactly
 *    4 MOVED, 0 ASK.
 *  - second batch (same commands) and an atomic batch and a single command for S: 0 MOVED (the
 *    map was patched).
 * Teardown moves S back to A (also from any intermediate state) and deletes the keys.
 */
static void test_slot_migration_ask_then_moved(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  f->c = h_cluster_client();
  char tag[96];
  snprintf(tag, sizeof tag, "{%smig}", h_prefix());
  char k[7][KEYLEN], other[KEYLEN];
  for (int i = 0; i < 6; i++) snprintf(k[i], KEYLEN, "%s:k%d", tag, i);
  snprintf(k[6], KEYLEN, "%s:new", tag);
  const uint16_t slot = h_key_slot(tag, strlen(tag));
  const uint16_t a = L->owner[slot];
  uint16_t b = 0;
  for (size_t i = 0; i < L->n && !b; i++)
    if (L->nodes[i].primary && L->nodes[i].port != a) b = L->nodes[i].port;
  key_on_port(other, L, a, "mig-other"); /* on A, in another slot: never redirected */
  if (h_key_slot(other, strlen(other)) == slot) h_fail("other key in the migrating slot");
  for (int i = 0; i < 7; i++) fx_key(f, k[i]);
  fx_key(f, other);
  /* Keys of other tests may hash to this slot too (they live on A and move with the slot at the
   * end): the counts below are on top of them. */
  const long foreign = count_keys_in_slot(a, slot);
  assert_true(foreign >= 0);
  assert_int_equal(count_keys_in_slot(b, slot), 0);
  for (int i = 0; i < 6; i++) {
    char v[8];
    snprintf(v, sizeof v, "v%d", i);
    set_ok(f->c, k[i], v);
  }
  set_ok(f->c, other, "x");
  assert_int_equal(count_keys_in_slot(a, slot), 6 + foreign);

  /* start the migration and move k0..k2 */
  f->slot = slot;
  f->a = a;
  f->b = b;
  f->slot_touched = true;
  char why[1024];
  if (!begin_move(slot, a, b, why, sizeof why)) h_fail("%s", why);
  if (!migrate_keys(slot, a, b, k, 3, why, sizeof why)) h_fail("%s", why);
  assert_int_equal(count_keys_in_slot(a, slot), 3 + foreign);
  assert_int_equal(count_keys_in_slot(b, slot), 3);

  /* ASK, non-atomic */
  resetstat_all();
  glide_batch *bt = glide_batch_new(false);
  assert_non_null(bt);
  OK(glide_batch_get(bt, k[0], strlen(k[0])));
  OK(glide_batch_get(bt, k[3], strlen(k[3])));
  OK(glide_batch_set(bt, k[1], strlen(k[1]), "v1b", 3));
  OK(glide_batch_get(bt, k[1], strlen(k[1])));
  OK(glide_batch_get(bt, k[4], strlen(k[4])));
  OK(glide_batch_set(bt, k[6], strlen(k[6]), "n", 1));
  OK(h_batch_cmd(bt, "EXISTS", k[2], NULL));
  OK(glide_batch_get(bt, other, strlen(other)));
  glide_value *r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, 8);
  assert_bulk(h_at(r, 0), "v0");
  assert_bulk(h_at(r, 1), "v3");
  assert_ok(h_at(r, 2));
  assert_bulk(h_at(r, 3), "v1b");
  assert_bulk(h_at(r, 4), "v4");
  assert_ok(h_at(r, 5));
  assert_int(h_at(r, 6), 1);
  assert_bulk(h_at(r, 7), "x");
  glide_value_free(r);
  EXPECT_REDIRECTS(5, 0, "non-atomic batch during the migration");
  assert_int_equal(count_keys_in_slot(b, slot), 4); /* k0..k2 and the new key */

  /* ASK, atomic: the whole transaction goes to B with ASKING */
  resetstat_all();
  bt = glide_batch_new(true);
  assert_non_null(bt);
  OK(glide_batch_get(bt, k[0], strlen(k[0])));
  OK(glide_batch_set(bt, k[2], strlen(k[2]), "v2b", 3));
  OK(glide_batch_get(bt, k[2], strlen(k[2])));
  r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, 3);
  assert_bulk(h_at(r, 0), "v0");
  assert_ok(h_at(r, 1));
  assert_bulk(h_at(r, 2), "v2b");
  glide_value_free(r);
  EXPECT_REDIRECTS(3, 0, "atomic batch of migrated keys");
  assert_int_equal(errorstat_sum("EXECABORT"), 1);

  /* ASK, single command */
  resetstat_all();
  get_is(f->c, k[1], "v1b");
  EXPECT_REDIRECTS(1, 0, "single GET of a migrated key");

  /* finish the move */
  if (!migrate_keys(slot, a, b, NULL, 0, why, sizeof why)) h_fail("%s", why);
  if (!finish_move(slot, a, b, why, sizeof why)) h_fail("%s", why);
  assert_int_equal(count_keys_in_slot(b, slot), 7 + foreign);

  /* MOVED: the first batch after the move */
  resetstat_all();
  bt = glide_batch_new(false);
  assert_non_null(bt);
  OK(glide_batch_get(bt, k[0], strlen(k[0])));
  OK(glide_batch_get(bt, other, strlen(other)));
  OK(glide_batch_get(bt, k[3], strlen(k[3])));
  OK(glide_batch_set(bt, k[4], strlen(k[4]), "v4b", 3));
  OK(glide_batch_get(bt, k[6], strlen(k[6])));
  r = EXEC(f->c, bt, NULL);
  assert_array(r, 5);
  assert_bulk(h_at(r, 0), "v0");
  assert_bulk(h_at(r, 1), "x");
  assert_bulk(h_at(r, 2), "v3");
  assert_ok(h_at(r, 3));
  assert_bulk(h_at(r, 4), "n");
  glide_value_free(r);
  EXPECT_REDIRECTS(
      0, 4, "first batch after the move (4 commands of the moved slot in flight to the old owner)");

  /* the map is patched: no more MOVED */
  resetstat_all();
  r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, 5);
  assert_bulk(h_at(r, 0), "v0");
  assert_bulk(h_at(r, 1), "x");
  assert_bulk(h_at(r, 2), "v3");
  assert_ok(h_at(r, 3));
  assert_bulk(h_at(r, 4), "n");
  glide_value_free(r);
  bt = glide_batch_new(true);
  assert_non_null(bt);
  OK(glide_batch_get(bt, k[4], strlen(k[4])));
  OK(glide_batch_get(bt, k[5], strlen(k[5])));
  r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, 2);
  assert_bulk(h_at(r, 0), "v4b");
  assert_bulk(h_at(r, 1), "v5");
  glide_value_free(r);
  get_is(f->c, k[2], "v2b");
  EXPECT_REDIRECTS(0, 0, "commands after the map was patched");
}

/*
 * Periodic topology refresh: a client with glide_config_set_topology_refresh_ms(200) that has used
 * slot S (owned by A) sees S move to B (the whole move done behind its back, all nodes agreeing);
 * after 1 s its next commands for S go straight to B: 0 MOVED. A control client with the periodic
 * check off, used the same way, gets exactly 1 MOVED for its single GET (proving the move really
 * needed a redirect).
 */
static void test_periodic_refresh_follows_slot_move(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  glide_config *cfg = h_config_cluster();
  OK(glide_config_set_topology_refresh_ms(cfg, 200));
  f->c = h_connect(cfg);
  cfg = h_config_cluster();
  OK(glide_config_set_topology_refresh_ms(cfg, 0));
  f->c2 = h_connect(cfg);
  char tag[96], k1[KEYLEN], k2[KEYLEN];
  snprintf(tag, sizeof tag, "{%stopo}", h_prefix());
  snprintf(k1, sizeof k1, "%s:1", tag);
  snprintf(k2, sizeof k2, "%s:2", tag);
  fx_key(f, k1);
  fx_key(f, k2);
  const uint16_t slot = h_key_slot(tag, strlen(tag));
  const uint16_t a = L->owner[slot];
  uint16_t b = 0;
  for (size_t i = 0; i < L->n && !b; i++)
    if (L->nodes[i].primary && L->nodes[i].port != a) b = L->nodes[i].port;
  set_ok(f->c, k1, "one");
  set_ok(f->c, k2, "two");
  get_is(f->c2, k1, "one");

  f->slot = slot;
  f->a = a;
  f->b = b;
  f->slot_touched = true;
  char why[1024];
  if (!move_slot(slot, a, b, why, sizeof why)) h_fail("%s", why);
  h_sleep_ms(1000);

  resetstat_all();
  get_is(f->c, k1, "one");
  glide_batch *bt = glide_batch_new(false);
  assert_non_null(bt);
  OK(glide_batch_get(bt, k1, strlen(k1)));
  OK(glide_batch_get(bt, k2, strlen(k2)));
  OK(glide_batch_set(bt, k2, strlen(k2), "2b", 2));
  glide_value *r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, 3);
  assert_bulk(h_at(r, 0), "one");
  assert_bulk(h_at(r, 1), "two");
  assert_ok(h_at(r, 2));
  glide_value_free(r);
  EXPECT_REDIRECTS(0, 0, "client with a 200 ms refresh, 1 s after the slot moved");

  resetstat_all();
  get_is(f->c2, k1, "one");
  EXPECT_REDIRECTS(0, 1, "control client without periodic refresh");
}

/* ------------------------------------------------------------------ wrong-node routes */

/* A primary that does not own the slot. */
static uint16_t other_primary(const layout *L, uint16_t owner) {
  for (size_t i = 0; i < L->n; i++)
    if (L->nodes[i].primary && L->nodes[i].port != owner) return L->nodes[i].port;
  h_fail("no other primary");
  return 0;
}

/* Batch options routing the whole batch to 127.0.0.1:port. */
static void route_to_address(glide_batch_options *o, uint16_t port) {
  glide_batch_options_init(o);
  o->route.kind = GLIDE_ROUTE_ADDRESS;
  o->route.host = S()->host;
  o->route.port = port;
}

/* Atomic batch routed (ADDRESS) to a primary C that does not own its slot: C answers MULTI +OK,
 * MOVED for each of the 3 queued commands, EXECABORT for EXEC; the client re-sends the whole
 * transaction to the owner, whose EXEC result is the element list. Exactly 3 MOVED, 1 EXECABORT;
 * the data is on the owner. */
static void test_wrong_node_route_atomic(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  f->c = h_cluster_client();
  char tag[96], k1[KEYLEN], k2[KEYLEN];
  snprintf(tag, sizeof tag, "{%swr}", h_prefix());
  snprintf(k1, sizeof k1, "%s:1", tag);
  snprintf(k2, sizeof k2, "%s:2", tag);
  fx_key(f, k1);
  fx_key(f, k2);
  uint16_t owner = L->owner[h_key_slot(tag, strlen(tag))];
  uint16_t wrong = other_primary(L, owner);
  set_ok(f->c, k2, "10");
  glide_batch *bt = glide_batch_new(true);
  assert_non_null(bt);
  OK(glide_batch_set(bt, k1, strlen(k1), "v1", 2));
  OK(h_batch_cmd(bt, "INCR", k2, NULL));
  OK(glide_batch_get(bt, k1, strlen(k1)));
  glide_batch_options o;
  route_to_address(&o, wrong);
  resetstat_all();
  glide_value *r = EXEC(f->c, bt, &o);
  glide_batch_free(bt);
  assert_array(r, 3);
  assert_ok(h_at(r, 0));
  assert_int(h_at(r, 1), 11);
  assert_bulk(h_at(r, 2), "v1");
  glide_value_free(r);
  EXPECT_REDIRECTS(0, 3, "atomic batch routed to the wrong primary");
  assert_int_equal(errorstat_sum("EXECABORT"), 1);
  RAW_EXPECT("$2\r\nv1\r\n", owner, "GET", k1);
  RAW_EXPECT("$2\r\n11\r\n", owner, "GET", k2);
}

/* Non-atomic batch routed (ADDRESS) to primary C: commands whose slot C owns are answered there,
 * each other command gets one MOVED and is re-sent to its owner. */
static void test_wrong_node_route_non_atomic(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  f->c = h_cluster_client();
  uint16_t prim[3];
  size_t np = 0;
  for (size_t i = 0; i < L->n; i++)
    if (L->nodes[i].primary) prim[np++] = L->nodes[i].port;
  uint16_t route_to = prim[0];
  char ka[KEYLEN], kb[KEYLEN], kc[KEYLEN];
  key_on_port(ka, L, prim[0], "wrn-a");
  key_on_port(kb, L, prim[1], "wrn-b");
  key_on_port(kc, L, prim[2], "wrn-c");
  fx_key(f, ka);
  fx_key(f, kb);
  fx_key(f, kc);
  glide_batch *bt = glide_batch_new(false);
  assert_non_null(bt);
  OK(glide_batch_set(bt, ka, strlen(ka), "A", 1)); /* on C */
  OK(glide_batch_set(bt, kb, strlen(kb), "B", 1)); /* MOVED */
  OK(glide_batch_set(bt, kc, strlen(kc), "C", 1)); /* MOVED */
  OK(glide_batch_get(bt, ka, strlen(ka)));         /* on C */
  OK(glide_batch_get(bt, kb, strlen(kb)));         /* MOVED */
  OK(glide_batch_get(bt, kc, strlen(kc)));         /* MOVED */
  glide_batch_options o;
  route_to_address(&o, route_to);
  resetstat_all();
  glide_value *r = EXEC(f->c, bt, &o);
  glide_batch_free(bt);
  assert_array(r, 6);
  assert_ok(h_at(r, 0));
  assert_ok(h_at(r, 1));
  assert_ok(h_at(r, 2));
  assert_bulk(h_at(r, 3), "A");
  assert_bulk(h_at(r, 4), "B");
  assert_bulk(h_at(r, 5), "C");
  glide_value_free(r);
  EXPECT_REDIRECTS(0, 4, "non-atomic batch routed to one primary (4 commands owned elsewhere)");
  RAW_EXPECT("$1\r\nB\r\n", prim[1], "GET", kb);
  RAW_EXPECT("$1\r\nC\r\n", prim[2], "GET", kc);
}

/* ------------------------------------------------------------------ fan-out */

static int64_t raw_dbsize_primaries(const layout *L) {
  int64_t sum = 0;
  for (size_t i = 0; i < L->n; i++) {
    if (!L->nodes[i].primary) continue;
    const char *rep = RAW(L->nodes[i].port, "DBSIZE");
    if (rep[0] != ':') h_fail("DBSIZE on %u: %s", L->nodes[i].port, rep);
    sum += strtoll(rep + 1, NULL, 10);
  }
  return sum;
}

/* DBSIZE (single command and in a batch) is the sum of the primaries' DBSIZE. Compared with raw
 * per-node DBSIZE read just before and after; retried (5 times at most) if another client changed
 * the key count in between. */
static void test_fanout_dbsize_sums(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  f->c = h_cluster_client();
  for (int i = 0; i < 12; i++) {
    char k[KEYLEN];
    h_key(k, sizeof k, "dbsize%d", i);
    fx_key(f, k);
    set_ok(f->c, k, "v");
  }
  for (int batch = 0; batch < 2; batch++) {
    bool matched = false;
    int64_t got = -1, before = -1, after = -1;
    for (int attempt = 0; attempt < 5 && !matched; attempt++) {
      before = raw_dbsize_primaries(L);
      glide_value *r;
      if (batch) {
        glide_batch *bt = glide_batch_new(false);
        assert_non_null(bt);
        OK(h_batch_cmd(bt, "DBSIZE", NULL));
        glide_value *all = EXEC(f->c, bt, NULL);
        glide_batch_free(bt);
        assert_array(all, 1);
        assert_type(h_at(all, 0), GLIDE_VALUE_INTEGER);
        got = glide_value_integer(h_at(all, 0));
        glide_value_free(all);
        r = NULL;
      } else {
        r = h_cmd(f->c, "DBSIZE", NULL);
        assert_type(r, GLIDE_VALUE_INTEGER);
        got = glide_value_integer(r);
        glide_value_free(r);
      }
      after = raw_dbsize_primaries(L);
      matched = before == after && got == before;
    }
    if (!matched)
      h_fail("DBSIZE%s = %lld, raw sum over primaries %lld before and %lld after",
             batch ? " (batch)" : "", (long long)got, (long long)before, (long long)after);
    if (got < 12) h_fail("DBSIZE %lld is below the 12 keys this test wrote", (long long)got);
  }
}

/* CONFIG SET reaches all six nodes and gives one OK (single command and batch element); the
 * teardown restores every node's value. */
static void test_fanout_config_set(void **state) {
  fx *f = *state;
  f->c = h_cluster_client();
  for (size_t i = 0; i < S()->cluster_count; i++)
    fx_save_config(f, S()->cluster_ports[i], "slowlog-max-len");
  glide_value *r = h_cmd(f->c, "CONFIG", "SET", "slowlog-max-len", "129", NULL);
  assert_ok(r);
  glide_value_free(r);
  for (size_t i = 0; i < S()->cluster_count; i++)
    RAW_EXPECT("*2\r\n$15\r\nslowlog-max-len\r\n$3\r\n129\r\n", S()->cluster_ports[i], "CONFIG",
               "GET", "slowlog-max-len");
  glide_batch *bt = glide_batch_new(false);
  assert_non_null(bt);
  OK(h_batch_cmd(bt, "CONFIG", "SET", "slowlog-max-len", "131", NULL));
  OK(h_batch_cmd(bt, "CONFIG", "GET", "slowlog-max-len", NULL));
  r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, 2);
  assert_ok(h_at(r, 0));
  glide_value_free(r);
  for (size_t i = 0; i < S()->cluster_count; i++)
    RAW_EXPECT("*2\r\n$15\r\nslowlog-max-len\r\n$3\r\n131\r\n", S()->cluster_ports[i], "CONFIG",
               "GET", "slowlog-max-len");
  /* an error on every node is one error */
  r = h_cmd(f->c, "CONFIG", "SET", "slowlog-max-len", "not-a-number", NULL);
  assert_error_kind(r, GLIDE_ERR_SERVER);
  glide_value_free(r);
}

/* INFO: a map "host:port" -> that primary's INFO text, exactly the three primaries. */
static void check_info_map(const glide_value *v, const layout *L) {
  assert_map(v, 3);
  for (size_t i = 0; i < L->n; i++) {
    if (!L->nodes[i].primary) continue;
    char name[96], want[64];
    snprintf(name, sizeof name, "%s:%u", S()->host, L->nodes[i].port);
    const glide_value *text = h_map_get(v, name, strlen(name));
    if (!text) {
      char d[2048];
      h_fail("INFO map has no entry \"%s\": %s", name, h_describe(v, d, sizeof d));
    }
    const char *s = str_of(text);
    snprintf(want, sizeof want, "tcp_port:%u\r\n", L->nodes[i].port);
    if (!strstr(s, want)) h_fail("INFO entry %s does not contain %s", name, want);
    if (!strstr(s, "role:master\r\n")) h_fail("INFO entry %s is not a primary's", name);
  }
}

static void test_fanout_info_per_node(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  f->c = h_cluster_client();
  glide_value *r = h_cmd(f->c, "INFO", NULL);
  check_info_map(r, L);
  glide_value_free(r);
  glide_batch *bt = glide_batch_new(false);
  assert_non_null(bt);
  OK(h_batch_cmd(bt, "INFO", NULL));
  OK(h_batch_cmd(bt, "INFO", "server", "replication", NULL));
  r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, 2);
  check_info_map(h_at(r, 0), L);
  check_info_map(h_at(r, 1), L);
  glide_value_free(r);
}

/* A shard channel with one raw SSUBSCRIBE subscriber on its slot's primary and one on that
 * primary's replica (no READONLY needed for SSUBSCRIBE on a replica in 7.0): PUBSUB SHARDCHANNELS
 * lists it once, PUBSUB SHARDNUMSUB counts 2 (single commands and batch helpers). */
static void test_fanout_shard_channels_primary_and_replica(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  f->c = h_cluster_client();
  char ch[KEYLEN], pattern[KEYLEN], buf[4096];
  h_key(ch, sizeof ch, "shardch");
  h_key(pattern, sizeof pattern, "shard*");
  uint16_t primary = L->owner[h_key_slot(ch, strlen(ch))];
  const node_info *rep = replica_of(L, primary);
  if (!rep) h_fail("primary %u has no replica", primary);
  int fds[2] = {fx_raw_connect(f, primary), fx_raw_connect(f, rep->port)};
  for (int i = 0; i < 2; i++) {
    h_raw_send(fds[i], "SSUBSCRIBE", ch, NULL);
    h_raw_read(fds[i], buf, sizeof buf);
    if (!strstr(buf, "ssubscribe") || !strstr(buf, ch))
      h_fail("SSUBSCRIBE on %u: %s", i ? rep->port : primary, buf);
  }
  /* the subscriptions are live on both nodes */
  char numsub[256];
  snprintf(numsub, sizeof numsub, "*2\r\n$%zu\r\n%s\r\n:1\r\n", strlen(ch), ch);
  RAW_EXPECT(numsub, primary, "PUBSUB", "SHARDNUMSUB", ch);
  RAW_EXPECT(numsub, rep->port, "PUBSUB", "SHARDNUMSUB", ch);

  glide_value *r = h_cmd(f->c, "PUBSUB", "SHARDCHANNELS", pattern, NULL);
  assert_array(r, 1);
  assert_bulk(h_at(r, 0), ch);
  glide_value_free(r);
  r = h_cmd(f->c, "PUBSUB", "SHARDNUMSUB", ch, NULL);
  assert_map(r, 1);
  const glide_value *count = h_map_get(r, ch, strlen(ch));
  assert_non_null(count);
  assert_int(count, 2);
  glide_value_free(r);

  glide_batch *bt = glide_batch_new(false);
  assert_non_null(bt);
  OK(glide_batch_pubsub_shardchannels(bt, pattern, strlen(pattern)));
  const char *chans[] = {ch};
  const size_t lens[] = {strlen(ch)};
  OK(glide_batch_pubsub_shardnumsub(bt, 1, chans, lens));
  r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, 2);
  assert_array(h_at(r, 0), 1);
  assert_bulk(h_at(h_at(r, 0), 0), ch);
  assert_map(h_at(r, 1), 1);
  assert_int(h_map_get(h_at(r, 1), ch, strlen(ch)), 2);
  glide_value_free(r);
}

/* ------------------------------------------------------------------ multi-slot commands */

#define MS_N 50

typedef struct ms_keys {
  char k[MS_N][KEYLEN];
  char v[MS_N][KEYLEN];
  uint16_t slot[MS_N];
  size_t nslots; /* distinct */
} ms_keys;

static void make_ms_keys(fx *f, ms_keys *m, const layout *L, const char *what) {
  bool seen[16384];
  memset(seen, 0, sizeof seen);
  uint16_t owners[3] = {0};
  size_t nowners = 0;
  m->nslots = 0;
  for (int i = 0; i < MS_N; i++) {
    h_key(m->k[i], KEYLEN, "%s%d", what, i);
    snprintf(m->v[i], KEYLEN, "val-%d", i);
    m->slot[i] = h_key_slot(m->k[i], strlen(m->k[i]));
    if (!seen[m->slot[i]]) m->nslots++;
    seen[m->slot[i]] = true;
    uint16_t o = L->owner[m->slot[i]];
    bool known = false;
    for (size_t j = 0; j < nowners; j++) known |= owners[j] == o;
    if (!known && nowners < 3) owners[nowners++] = o;
    fx_key(f, m->k[i]);
  }
  if (nowners != 3) h_fail("the %d keys cover %zu primaries, expected 3", MS_N, nowners);
  if (m->nslots < 40) h_fail("the %d keys cover only %zu slots", MS_N, m->nslots);
}

/* argv = name k1 [v1] k2 [v2] ... from index lo..hi-1 */
static size_t ms_argv(const ms_keys *m, const char *name, bool with_values, size_t lo, size_t hi,
                      const char **argv) {
  size_t argc = 0;
  argv[argc++] = name;
  for (size_t i = lo; i < hi; i++) {
    argv[argc++] = m->k[i];
    if (with_values) argv[argc++] = m->v[i];
  }
  return argc;
}

static void check_mget(const glide_value *r, const ms_keys *m, size_t lo, size_t hi, bool present) {
  assert_array(r, hi - lo);
  for (size_t i = lo; i < hi; i++) {
    if (present)
      assert_bulk(h_at(r, i - lo), m->v[i]);
    else
      assert_nil(h_at(r, i - lo));
  }
}

/* 50 keys over ~50 slots on all three primaries, single commands: MSET -> OK; MGET -> values in
 * key order; EXISTS with a duplicate and a missing key -> 51; TOUCH -> 50; DEL 25 + UNLINK 25 ->
 * 25 + 25; MGET -> all nil. Every key is checked on its owner with a raw GET. */
static void test_multislot_single_commands(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  f->c = h_cluster_client();
  static ms_keys m;
  make_ms_keys(f, &m, L, "ms1-");
  const char *argv[2 * MS_N + 4];
  size_t argc = ms_argv(&m, "MSET", true, 0, MS_N, argv);
  glide_value *r = cmdv(f->c, argc, argv);
  assert_ok(r);
  glide_value_free(r);
  for (int i = 0; i < MS_N; i++) {
    char want[KEYLEN + 32];
    snprintf(want, sizeof want, "$%zu\r\n%s\r\n", strlen(m.v[i]), m.v[i]);
    RAW_EXPECT(want, L->owner[m.slot[i]], "GET", m.k[i]);
  }
  argc = ms_argv(&m, "MGET", false, 0, MS_N, argv);
  r = cmdv(f->c, argc, argv);
  check_mget(r, &m, 0, MS_N, true);
  glide_value_free(r);

  char missing[KEYLEN];
  h_key(missing, sizeof missing, "ms1-missing");
  argc = ms_argv(&m, "EXISTS", false, 0, MS_N, argv);
  argv[argc++] = m.k[7];
  argv[argc++] = missing;
  r = cmdv(f->c, argc, argv);
  assert_int(r, MS_N + 1);
  glide_value_free(r);

  argc = ms_argv(&m, "TOUCH", false, 0, MS_N, argv);
  r = cmdv(f->c, argc, argv);
  assert_int(r, MS_N);
  glide_value_free(r);

  argc = ms_argv(&m, "DEL", false, 0, MS_N / 2, argv);
  argv[argc++] = missing;
  r = cmdv(f->c, argc, argv);
  assert_int(r, MS_N / 2);
  glide_value_free(r);
  argc = ms_argv(&m, "UNLINK", false, MS_N / 2, MS_N, argv);
  r = cmdv(f->c, argc, argv);
  assert_int(r, MS_N - MS_N / 2);
  glide_value_free(r);

  argc = ms_argv(&m, "MGET", false, 0, MS_N, argv);
  r = cmdv(f->c, argc, argv);
  check_mget(r, &m, 0, MS_N, false);
  glide_value_free(r);
}

/* The same inside one non-atomic batch: [MSET 50, MGET 50, EXISTS 50, DEL 0..9, MGET 0..19,
 * DEL 10..49, EXISTS 50] -> [OK, values, 50, 10, 10 nil + 10 values, 40, 0]. */
static void test_multislot_in_batch(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  f->c = h_cluster_client();
  static ms_keys m;
  make_ms_keys(f, &m, L, "ms2-");
  const char *argv[2 * MS_N + 4];
  glide_batch *bt = glide_batch_new(false);
  assert_non_null(bt);
  OK(batch_cmdv(bt, ms_argv(&m, "MSET", true, 0, MS_N, argv), argv));
  OK(batch_cmdv(bt, ms_argv(&m, "MGET", false, 0, MS_N, argv), argv));
  OK(batch_cmdv(bt, ms_argv(&m, "EXISTS", false, 0, MS_N, argv), argv));
  OK(batch_cmdv(bt, ms_argv(&m, "DEL", false, 0, 10, argv), argv));
  OK(batch_cmdv(bt, ms_argv(&m, "MGET", false, 0, 20, argv), argv));
  OK(batch_cmdv(bt, ms_argv(&m, "DEL", false, 10, MS_N, argv), argv));
  OK(batch_cmdv(bt, ms_argv(&m, "EXISTS", false, 0, MS_N, argv), argv));
  glide_value *r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, 7);
  assert_ok(h_at(r, 0));
  check_mget(h_at(r, 1), &m, 0, MS_N, true);
  assert_int(h_at(r, 2), MS_N);
  assert_int(h_at(r, 3), 10);
  const glide_value *mg = h_at(r, 4);
  assert_array(mg, 20);
  for (size_t i = 0; i < 20; i++) {
    if (i < 10)
      assert_nil(h_at(mg, i));
    else
      assert_bulk(h_at(mg, i), m.v[i]);
  }
  assert_int(h_at(r, 5), MS_N - 10);
  assert_int(h_at(r, 6), 0);
  glide_value_free(r);
}

/* Parses "<text> (failed in slot N; K of M parts succeeded)" / "(failed in slots N, M, ...; ...)".
 * Checks the text before " (failed", the set of slots, K and M. */
static void check_partial_error(const glide_value *e, const char *server_text,
                                const uint16_t *failed, size_t nfailed, size_t ok_parts,
                                size_t parts) {
  char d[4096];
  assert_error_kind(e, GLIDE_ERR_SERVER);
  const char *msg = e->u.string.ptr;
  size_t tl = strlen(server_text);
  if (strncmp(msg, server_text, tl) != 0)
    h_fail("partial failure: message does not start with the server's error \"%s\": %s",
           server_text, h_describe(e, d, sizeof d));
  const char *p = msg + tl;
  const char *intro = nfailed == 1 ? " (failed in slot " : " (failed in slots ";
  if (strncmp(p, intro, strlen(intro)) != 0)
    h_fail("partial failure: expected \"%s\" after the server's text: %s", intro,
           h_describe(e, d, sizeof d));
  p += strlen(intro);
  bool seen[16384];
  memset(seen, 0, sizeof seen);
  size_t got = 0;
  for (;;) {
    char *end = NULL;
    long s = strtol(p, &end, 10);
    if (end == p || s < 0 || s > 16383)
      h_fail("partial failure: bad slot list: %s", h_describe(e, d, sizeof d));
    bool expected = false;
    for (size_t i = 0; i < nfailed; i++) expected |= failed[i] == s;
    if (!expected || seen[s])
      h_fail("partial failure: slot %ld unexpected or repeated: %s", s, h_describe(e, d, sizeof d));
    seen[s] = true;
    got++;
    p = end;
    if (strncmp(p, ", ", 2) == 0) {
      p += 2;
      continue;
    }
    break;
  }
  if (got != nfailed)
    h_fail("partial failure: %zu slots named, expected %zu: %s", got, nfailed,
           h_describe(e, d, sizeof d));
  char tail[128];
  snprintf(tail, sizeof tail, "; %zu of %zu parts succeeded)", ok_parts, parts);
  if (strcmp(p, tail) != 0)
    h_fail("partial failure: expected the message to end with \"%s\": %s", tail,
           h_describe(e, d, sizeof d));
  if (e->u.string.len != strlen(msg)) h_fail("partial failure: length and NUL disagree");
}

static int cmp_u16(const void *a, const void *b) {
  return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* One primary P refuses writes (min-replicas-to-write 5: NOREPLICAS). A split MSET / DEL whose
 * parts partly live on P gives an ERROR element naming the failed slots and how many parts
 * succeeded: "<server error> (failed in slot N; K of M parts succeeded)" or "(failed in slots N,
 * M; ...)". The other parts were applied. Small exact cases, then 50 keys, single commands and in
 * a batch. The teardown restores min-replicas-to-write. */
static void test_multislot_partial_failure(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  f->c = h_cluster_client();
  uint16_t p = 0;
  for (size_t i = 0; i < L->n && !p; i++)
    if (L->nodes[i].primary) p = L->nodes[i].port;
  fx_save_config(f, p, "min-replicas-to-write");
  RAW_EXPECT("+OK\r\n", p, "CONFIG", "SET", "min-replicas-to-write", "5");
  char probe[KEYLEN];
  key_on_port(probe, L, p, "pf-probe");
  fx_key(f, probe);
  const char *norep = "NOREPLICAS Not enough good replicas to write.";
  char want[128];
  snprintf(want, sizeof want, "-%s\r\n", norep);
  RAW_EXPECT(want, p, "SET", probe, "x");

  /* exact small cases: 3 keys with one slot on P; 6 keys with two slots on P (ascending) */
  char on_p[2][KEYLEN], off_p[4][KEYLEN];
  {
    bool used[16384];
    memset(used, 0, sizeof used);
    used[h_key_slot(probe, strlen(probe))] = true;
    int found_on = 0, found_off = 0;
    for (int i = 0; (found_on < 2 || found_off < 4) && i < 100000; i++) {
      char cand[KEYLEN];
      h_key(cand, KEYLEN, "pf-%d", i);
      uint16_t s = h_key_slot(cand, strlen(cand));
      if (used[s]) continue; /* every key in its own slot: parts = keys */
      bool on = L->owner[s] == p;
      if (on && found_on < 2)
        memcpy(on_p[found_on++], cand, KEYLEN);
      else if (!on && found_off < 4)
        memcpy(off_p[found_off++], cand, KEYLEN);
      else
        continue;
      used[s] = true;
    }
    if (found_on < 2 || found_off < 4) h_fail("could not pick the partial-failure keys");
  }
  if (h_key_slot(on_p[0], strlen(on_p[0])) > h_key_slot(on_p[1], strlen(on_p[1]))) {
    char t[KEYLEN];
    memcpy(t, on_p[0], KEYLEN);
    memcpy(on_p[0], on_p[1], KEYLEN);
    memcpy(on_p[1], t, KEYLEN);
  }
  uint16_t sl_on[2] = {h_key_slot(on_p[0], strlen(on_p[0])), h_key_slot(on_p[1], strlen(on_p[1]))};
  for (int i = 0; i < 2; i++) fx_key(f, on_p[i]);
  for (int i = 0; i < 4; i++) fx_key(f, off_p[i]);
  {
    const char *argv[] = {"MSET", off_p[0], "a", on_p[0], "b", off_p[1], "c"};
    glide_value *r = cmdv(f->c, 7, argv);
    check_partial_error(r, norep, sl_on, 1, 2, 3);
    char exact[256];
    snprintf(exact, sizeof exact, "%s (failed in slot %u; 2 of 3 parts succeeded)", norep,
             sl_on[0]);
    assert_string_equal(r->u.string.ptr, exact);
    glide_value_free(r);
    get_is(f->c, off_p[0], "a");
    get_is(f->c, on_p[0], NULL);
    get_is(f->c, off_p[1], "c");
  }
  {
    const char *argv[] = {"MSET",   off_p[0], "1",     on_p[0], "2",      off_p[1], "3",
                          off_p[2], "4",      on_p[1], "5",     off_p[3], "6"};
    glide_value *r = cmdv(f->c, 13, argv);
    char exact[256];
    snprintf(exact, sizeof exact, "%s (failed in slots %u, %u; 4 of 6 parts succeeded)", norep,
             sl_on[0], sl_on[1]);
    check_partial_error(r, norep, sl_on, 2, 4, 6);
    assert_string_equal(r->u.string.ptr, exact);
    glide_value_free(r);
    get_is(f->c, off_p[3], "6");
    /* in a batch: same element, the next command unaffected */
    glide_batch *bt = glide_batch_new(false);
    assert_non_null(bt);
    OK(batch_cmdv(bt, 13, argv));
    OK(glide_batch_get(bt, off_p[2], strlen(off_p[2])));
    r = EXEC(f->c, bt, NULL);
    glide_batch_free(bt);
    assert_array(r, 2);
    check_partial_error(h_at(r, 0), norep, sl_on, 2, 4, 6);
    assert_string_equal(h_at(r, 0)->u.string.ptr, exact);
    assert_bulk(h_at(r, 1), "4");
    glide_value_free(r);
  }

  /* 50 keys */
  static ms_keys m;
  make_ms_keys(f, &m, L, "pf50-");
  uint16_t failed[MS_N];
  size_t nfailed = 0;
  bool seen[16384];
  memset(seen, 0, sizeof seen);
  for (int i = 0; i < MS_N; i++) {
    if (L->owner[m.slot[i]] == p && !seen[m.slot[i]]) failed[nfailed++] = m.slot[i];
    seen[m.slot[i]] = true;
  }
  qsort(failed, nfailed, sizeof failed[0], cmp_u16);
  const char *argv[2 * MS_N + 4];
  size_t argc = ms_argv(&m, "MSET", true, 0, MS_N, argv);
  glide_value *r = cmdv(f->c, argc, argv);
  check_partial_error(r, norep, failed, nfailed, m.nslots - nfailed, m.nslots);
  glide_value_free(r);
  argc = ms_argv(&m, "MGET", false, 0, MS_N, argv);
  r = cmdv(f->c, argc, argv);
  assert_array(r, MS_N);
  for (int i = 0; i < MS_N; i++) {
    if (L->owner[m.slot[i]] == p)
      assert_nil(h_at(r, (size_t)i));
    else
      assert_bulk(h_at(r, (size_t)i), m.v[i]);
  }
  glide_value_free(r);
  glide_batch *bt = glide_batch_new(false);
  assert_non_null(bt);
  OK(batch_cmdv(bt, ms_argv(&m, "MSET", true, 0, MS_N, argv), argv));
  OK(batch_cmdv(bt, ms_argv(&m, "DEL", false, 0, MS_N, argv), argv));
  r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, 2);
  check_partial_error(h_at(r, 0), norep, failed, nfailed, m.nslots - nfailed, m.nslots);
  check_partial_error(h_at(r, 1), norep, failed, nfailed, m.nslots - nfailed, m.nslots);
  glide_value_free(r);
  argc = ms_argv(&m, "EXISTS", false, 0, MS_N, argv);
  r = cmdv(f->c, argc, argv);
  assert_int(r, 0);
  glide_value_free(r);
}

/* ------------------------------------------------------------------ routes */

/* SLOT_KEY and SLOT_ID routes to the key's primary: everything answered there (CONFIG GET port
 * proves the node), zero MOVED over the cluster. */
static void test_route_slot_key_zero_moved(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  f->c = h_cluster_client();
  resetstat_all();
  for (int i = 0; i < 6; i++) {
    char k[KEYLEN];
    h_key(k, sizeof k, "rk%d", i);
    fx_key(f, k);
    uint16_t slot = h_key_slot(k, strlen(k));
    glide_batch_options o;
    glide_batch_options_init(&o);
    if (i % 2 == 0) {
      o.route.kind = GLIDE_ROUTE_SLOT_KEY;
      o.route.key = k;
      o.route.key_len = strlen(k);
    } else {
      o.route.kind = GLIDE_ROUTE_SLOT_ID;
      o.route.slot = slot;
    }
    for (int atomic = 0; atomic < 2; atomic++) {
      glide_batch *bt = glide_batch_new(atomic);
      assert_non_null(bt);
      OK(glide_batch_set(bt, k, strlen(k), "routed", 6));
      OK(glide_batch_get(bt, k, strlen(k)));
      OK(h_batch_cmd(bt, "CONFIG", "GET", "port", NULL));
      glide_value *r = EXEC(f->c, bt, &o);
      glide_batch_free(bt);
      assert_array(r, 3);
      assert_ok(h_at(r, 0));
      assert_bulk(h_at(r, 1), "routed");
      assert_int_equal(config_port(h_at(r, 2)), L->owner[slot]);
      glide_value_free(r);
    }
  }
  EXPECT_REDIRECTS(0, 0, "batches routed to the keys' own slots");
}

/* replica=true: the batch is answered by a replica of the slot (ROLE's first element is "slave",
 * CONFIG GET port is that replica's port), reads work there (READONLY connection), zero MOVED. */
static void test_route_replica(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  f->c = h_cluster_client();
  uint16_t prim[3];
  size_t np = 0;
  for (size_t i = 0; i < L->n; i++)
    if (L->nodes[i].primary) prim[np++] = L->nodes[i].port;
  for (size_t i = 0; i < np; i++) {
    char k[KEYLEN];
    key_on_port(k, L, prim[i], "rrep");
    fx_key(f, k);
    const node_info *rep = replica_of(L, prim[i]);
    if (!rep) h_fail("primary %u has no replica", prim[i]);
    set_ok(f->c, k, "replicated");
    /* wait (bounded) until the replica has it */
    int fd = h_raw_connect(rep->port);
    char buf[512];
    h_raw_send(fd, "READONLY", NULL);
    h_raw_read(fd, buf, sizeof buf);
    bool there = false;
    for (int t = 0; t < 200 && !there; t++) {
      h_raw_send(fd, "GET", k, NULL);
      h_raw_read(fd, buf, sizeof buf);
      there = strcmp(buf, "$10\r\nreplicated\r\n") == 0;
      if (!there) h_sleep_ms(25);
    }
    h_raw_close(fd);
    if (!there) h_fail("replica %u did not get %s within 5 s", rep->port, k);

    resetstat_all();
    for (int kind = 0; kind < 2; kind++) {
      glide_batch_options o;
      glide_batch_options_init(&o);
      o.route.replica = true;
      if (kind == 0) {
        o.route.kind = GLIDE_ROUTE_SLOT_KEY;
        o.route.key = k;
        o.route.key_len = strlen(k);
      } else {
        o.route.kind = GLIDE_ROUTE_SLOT_ID;
        o.route.slot = h_key_slot(k, strlen(k));
      }
      glide_batch *bt = glide_batch_new(false);
      assert_non_null(bt);
      OK(h_batch_cmd(bt, "ROLE", NULL));
      OK(h_batch_cmd(bt, "CONFIG", "GET", "port", NULL));
      OK(glide_batch_get(bt, k, strlen(k)));
      glide_value *r = EXEC(f->c, bt, &o);
      glide_batch_free(bt);
      assert_array(r, 3);
      const glide_value *role = h_at(r, 0);
      assert_type(role, GLIDE_VALUE_ARRAY);
      assert_bulk(h_at(role, 0), "slave");
      assert_int_equal(config_port(h_at(r, 1)), rep->port);
      assert_bulk(h_at(r, 2), "replicated");
      glide_value_free(r);
    }
    EXPECT_REDIRECTS(0, 0, "batches routed to a replica");
  }
}

/* ------------------------------------------------------------------ PREFER_REPLICA */

/* A PREFER_REPLICA client, n keys written through it (so on primaries) and present on every
 * replica (waited for, bounded). Returns the number of distinct slots. */
static size_t prefer_replica_setup(fx *f, const layout *L, char (*k)[KEYLEN], int n,
                                   const char *what) {
  glide_config *cfg = h_config_cluster();
  OK(glide_config_set_read_from(cfg, GLIDE_READ_FROM_PREFER_REPLICA));
  f->c = h_connect(cfg);
  bool seen[16384];
  memset(seen, 0, sizeof seen);
  size_t nslots = 0;
  for (int i = 0; i < n; i++) {
    h_key(k[i], KEYLEN, "%s%d", what, i);
    fx_key(f, k[i]);
    set_ok(f->c, k[i], k[i]);
    uint16_t s = h_key_slot(k[i], strlen(k[i]));
    nslots += !seen[s];
    seen[s] = true;
  }
  for (int i = 0; i < n; i++) {
    const node_info *rep = replica_of(L, L->owner[h_key_slot(k[i], strlen(k[i]))]);
    if (!rep) h_fail("no replica for %s", k[i]);
    int fd = h_raw_connect(rep->port);
    char buf[512];
    h_raw_send(fd, "READONLY", NULL);
    h_raw_read(fd, buf, sizeof buf);
    bool there = false;
    for (int t = 0; t < 200 && !there; t++) {
      h_raw_send(fd, "EXISTS", k[i], NULL);
      h_raw_read(fd, buf, sizeof buf);
      there = strcmp(buf, ":1\r\n") == 0;
      if (!there) h_sleep_ms(25);
    }
    h_raw_close(fd);
    if (!there) h_fail("replica %u did not get %s within 5 s", rep->port, k[i]);
  }
  return nslots;
}

/* Sum of cmdstat_<cmd> calls over the primaries (primary = true) or the replicas. */
static int64_t calls_on(const layout *L, bool primary, const char *cmd) {
  int64_t sum = 0;
  for (size_t i = 0; i < L->n; i++)
    if (L->nodes[i].primary == primary) sum += cmdstat_calls(L->nodes[i].port, cmd);
  return sum;
}

/* With GLIDE_READ_FROM_PREFER_REPLICA, GET (single commands and a batch) is served by the
 * replicas (their cmdstat_get calls grow, the primaries' stay 0) and SET by the primaries
 * (cmdstat_set on primaries = the SETs sent; replicas also count the replicated SETs, so they are
 * not checked). No MOVED. */
static void test_prefer_replica_reads_on_replicas(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  enum { N = 30 };
  static char k[N][KEYLEN];
  prefer_replica_setup(f, L, k, N, "pr");
  resetstat_all();
  for (int i = 0; i < N; i++) get_is(f->c, k[i], k[i]);
  glide_batch *bt = glide_batch_new(false);
  assert_non_null(bt);
  for (int i = 0; i < N; i++) OK(glide_batch_get(bt, k[i], strlen(k[i])));
  glide_value *r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, N);
  for (int i = 0; i < N; i++) assert_bulk(h_at(r, (size_t)i), k[i]);
  glide_value_free(r);
  for (int i = 0; i < 5; i++) set_ok(f->c, k[i], "rewritten");
  int64_t get_p = calls_on(L, true, "get"), get_r = calls_on(L, false, "get"),
          set_p = calls_on(L, true, "set");
  if (get_p != 0 || get_r != 2 * N)
    h_fail("GET calls: %lld on primaries (expected 0), %lld on replicas (expected %d)",
           (long long)get_p, (long long)get_r, 2 * N);
  if (set_p != 5) h_fail("SET calls on primaries: %lld, expected 5", (long long)set_p);
  EXPECT_REDIRECTS(0, 0, "PREFER_REPLICA reads");
}

/* PREFER_REPLICA and a read-only multi-slot command: the per-slot parts of a split MGET are reads
 * too, so they go to the replicas: cmdstat_mget calls = one per slot on the replicas, 0 on the
 * primaries (single command and in a batch). */
static void test_prefer_replica_split_mget_on_replicas(void **state) {
  fx *f = *state;
  const layout *L = load_layout();
  enum { N = 30 };
  static char k[N][KEYLEN];
  size_t nslots = prefer_replica_setup(f, L, k, N, "prm");
  resetstat_all();
  const char *argv[N + 1];
  argv[0] = "MGET";
  for (int i = 0; i < N; i++) argv[i + 1] = k[i];
  glide_value *r = cmdv(f->c, N + 1, argv);
  assert_array(r, N);
  for (int i = 0; i < N; i++) assert_bulk(h_at(r, (size_t)i), k[i]);
  glide_value_free(r);
  glide_batch *bt = glide_batch_new(false);
  assert_non_null(bt);
  OK(batch_cmdv(bt, N + 1, argv));
  r = EXEC(f->c, bt, NULL);
  glide_batch_free(bt);
  assert_array(r, 1);
  assert_array(h_at(r, 0), N);
  glide_value_free(r);
  int64_t mget_p = calls_on(L, true, "mget"), mget_r = calls_on(L, false, "mget");
  if (mget_p != 0 || mget_r != 2 * (int64_t)nslots)
    h_fail(
        "MGET calls: %lld on primaries (expected 0), %lld on replicas (expected one per slot per "
        "MGET: %zu)",
        (long long)mget_p, (long long)mget_r, 2 * nslots);
  EXPECT_REDIRECTS(0, 0, "PREFER_REPLICA split MGET");
}

/* ------------------------------------------------------------------ main */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_slot_migration_ask_then_moved),
      T(test_periodic_refresh_follows_slot_move),
      T(test_wrong_node_route_atomic),
      T(test_wrong_node_route_non_atomic),
      T(test_fanout_dbsize_sums),
      T(test_fanout_config_set),
      T(test_fanout_info_per_node),
      T(test_fanout_shard_channels_primary_and_replica),
      T(test_multislot_single_commands),
      T(test_multislot_in_batch),
      T(test_multislot_partial_failure),
      T(test_route_slot_key_zero_moved),
      T(test_route_replica),
      T(test_prefer_replica_reads_on_replicas),
      T(test_prefer_replica_split_mget_on_replicas),
  };
  return cmocka_run_group_tests_name("cluster_semantics", tests, h_group_setup, NULL);
}
