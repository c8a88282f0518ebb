/*
 * test_tls.c - TLS against the real servers of tests/scripts/tls_servers.sh (a TLS cluster of 3
 * primaries + 3 replicas, the last replica with a certificate for another name, and standalone
 * TLS servers with a good certificate and ACLs, one from another CA, one for another name, an
 * expired one, and one that requires client certificates). Their ports and the certificates come
 * from the file named by GLIDE_TLS_SERVERS; the plain servers' (GLIDE_TEST_SERVERS) give a
 * server that speaks no TLS.
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#define KEYLEN 160
#define CONNECT_MS 2000

static struct {
  char host[64];
  uint16_t cluster[6];
  uint16_t good, wrongca, othername, expired, mtls;
  char certs[1024];
} tls;

static char *cert_path(const char *name, char *buf, size_t cap) {
  int n = snprintf(buf, cap, "%s/%s", tls.certs, name);
  if (n < 0 || (size_t)n >= cap) h_fail("certificate path too long");
  return buf;
}

static int load_servers(void **state) {
  (void)state;
  const char *path = getenv("GLIDE_TLS_SERVERS");
  FILE *f = path ? fopen(path, "r") : NULL;
  if (!f) {
    fprintf(stderr, "GLIDE_TLS_SERVERS (%s) cannot be read: start tests/scripts/tls_servers.sh\n",
            path ? path : "unset");
    return -1;
  }
  char line[2048];
  int found = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = 0;
    const char *k = line, *v = eq + 1;
    if (strcmp(k, "GLIDE_TLS_HOST") == 0) {
      snprintf(tls.host, sizeof tls.host, "%s", v);
      found++;
    } else if (strcmp(k, "GLIDE_TLS_CLUSTER_PORTS") == 0) {
      char *p = (char *)v;
      for (int i = 0; i < 6; i++) {
        tls.cluster[i] = (uint16_t)strtoul(p, &p, 10);
        if (*p == ',') p++;
      }
      found++;
    } else if (strcmp(k, "GLIDE_TLS_PORT") == 0) {
      tls.good = (uint16_t)atoi(v), found++;
    } else if (strcmp(k, "GLIDE_TLS_WRONGCA_PORT") == 0) {
      tls.wrongca = (uint16_t)atoi(v), found++;
    } else if (strcmp(k, "GLIDE_TLS_OTHERNAME_PORT") == 0) {
      tls.othername = (uint16_t)atoi(v), found++;
    } else if (strcmp(k, "GLIDE_TLS_EXPIRED_PORT") == 0) {
      tls.expired = (uint16_t)atoi(v), found++;
    } else if (strcmp(k, "GLIDE_TLS_MTLS_PORT") == 0) {
      tls.mtls = (uint16_t)atoi(v), found++;
    } else if (strcmp(k, "GLIDE_TLS_CERTS") == 0) {
      snprintf(tls.certs, sizeof tls.certs, "%s", v);
      found++;
    }
  }
  fclose(f);
  if (found != 8 || !tls.cluster[0] || !tls.good) {
    fprintf(stderr, "%s: missing keys\n", path);
    return -1;
  }
  return 0;
}

/* A TLS config trusting the test CA. */
static glide_config *tls_config(const char *host, uint16_t port, bool cluster) {
  char ca[1100];
  glide_config *cfg = glide_config_new();
  assert_non_null(cfg);
  OK(glide_config_add_address(cfg, host, port));
  OK(glide_config_set_cluster_mode(cfg, cluster));
  OK(glide_config_set_tls(cfg, true));
  OK(glide_config_set_tls_ca_file(cfg, cert_path("ca.crt", ca, sizeof ca)));
  OK(glide_config_set_connect_timeout_ms(cfg, CONNECT_MS));
  return cfg;
}

static glide_config *good_config(const char *host) {
  glide_config *cfg = tls_config(host, tls.good, false);
  OK(glide_config_set_credentials(cfg, NULL, "glide-secret"));
  return cfg;
}

/* glide_client_new must fail with `want`, within the connect timeout, with a message naming the
 * node and containing `reason`. Frees cfg. */
static void expect_refused(glide_config *cfg, glide_status want, const char *node,
                           const char *reason) {
  glide_client *c = NULL;
  char *msg = NULL;
  const uint64_t t0 = h_now_ms();
  glide_status st = glide_client_new(cfg, &c, &msg);
  const uint64_t took = h_now_ms() - t0;
  glide_config_free(cfg);
  char m[1024];
  snprintf(m, sizeof m, "%s", msg ? msg : "(none)");
  glide_string_free(msg);
  if (st != want) {
    glide_client_close(c);
    h_fail("status %s, expected %s (message: %s)", glide_error_kind_name(st),
           glide_error_kind_name(want), m);
  }
  assert_null(c);
  if (node && !strstr(m, node)) h_fail("message does not name %s: %s", node, m);
  if (reason && !strstr(m, reason)) h_fail("message does not say \"%s\": %s", reason, m);
  if (strstr(m, "glide-secret")) h_fail("message shows the password: %s", m);
  if (took > CONNECT_MS + 500) h_fail("refused after %llu ms", (unsigned long long)took);
}

static char *node_name(uint16_t port, char *buf, size_t cap) {
  snprintf(buf, cap, "%s:%u", tls.host, (unsigned)port);
  return buf;
}

/* ------------------------------------------------------------------ cluster */

static glide_client *tls_cluster_client(void) {
  return h_connect(tls_config(tls.host, tls.cluster[0], true));
}

static void test_cluster_seed_examples(void **state) {
  (void)state;
  glide_client *c = tls_cluster_client();
  h_del_keys(c, "key", "key1", "key2", NULL);

  glide_batch *transaction = glide_batch_new(true);
  OK(glide_batch_set(transaction, "key", 3, "value", 5));
  OK(glide_batch_get(transaction, "key", 3));
  glide_value *r = glide_client_exec(c, transaction, false, NULL);
  glide_batch_free(transaction);
  assert_array(r, 2);
  assert_ok(h_at(r, 0));
  assert_bulk(h_at(r, 1), "value");
  glide_value_free(r);

  glide_batch *pipeline = glide_batch_new(false);
  OK(glide_batch_set(pipeline, "key1", 4, "value1", 6));
  OK(glide_batch_set(pipeline, "key2", 4, "value2", 6));
  OK(glide_batch_get(pipeline, "key1", 4));
  OK(glide_batch_get(pipeline, "key2", 4));
  r = glide_client_exec(c, pipeline, false, NULL);
  glide_batch_free(pipeline);
  assert_array(r, 4);
  assert_ok(h_at(r, 0));
  assert_ok(h_at(r, 1));
  assert_bulk(h_at(r, 2), "value1");
  assert_bulk(h_at(r, 3), "value2");
  glide_value_free(r);

  h_del_keys(c, "key", "key1", "key2", NULL);
  glide_client_close(c);
}

#define BIG_N 2000

static void test_cluster_2000_command_batch(void **state) {
  (void)state;
  glide_client *c = tls_cluster_client();
  static char keys[BIG_N][KEYLEN];
  glide_batch *b = glide_batch_new(false);
  bool slot_seen[3] = {false, false, false};
  for (int i = 0; i < BIG_N; i++) {
    h_key(keys[i], KEYLEN, "big%d", i);
    char val[32];
    snprintf(val, sizeof val, "v%d", i);
    if (i % 2 == 0)
      OK(glide_batch_set(b, keys[i], strlen(keys[i]), val, strlen(val)));
    else
      OK(glide_batch_get(b, keys[i - 1], strlen(keys[i - 1])));
    slot_seen[h_key_slot(keys[i], strlen(keys[i])) * 3 / 16384] = true;
  }
  assert_true(slot_seen[0] && slot_seen[1] && slot_seen[2]); /* every third of the slots */
  glide_value *r = glide_client_exec(c, b, false, NULL);
  glide_batch_free(b);
  assert_array(r, BIG_N);
  for (int i = 0; i < BIG_N; i++) {
    if (i % 2 == 0) {
      assert_ok(h_at(r, (size_t)i));
    } else {
      char val[32];
      snprintf(val, sizeof val, "v%d", i - 1);
      assert_bulk(h_at(r, (size_t)i), val);
    }
  }
  glide_value_free(r);
  glide_batch *del = glide_batch_new(false);
  for (int i = 0; i < BIG_N; i += 2) OK(h_batch_cmd(del, "DEL", keys[i], NULL));
  r = glide_client_exec(c, del, true, NULL);
  glide_batch_free(del);
  assert_array(r, BIG_N / 2);
  glide_value_free(r);
  glide_client_close(c);
}

/* Seeded by host name: the seed is checked against "localhost" (with SNI), the nodes of the
 * slot map against the IP addresses the cluster announces. */
static void test_cluster_seeded_by_name(void **state) {
  (void)state;
  glide_client *c = h_connect(tls_config("localhost", tls.cluster[1], true));
  glide_batch *b = glide_batch_new(false);
  char k[3][KEYLEN];
  for (int i = 0; i < 3; i++) {
    h_key(k[i], KEYLEN, "byname%d", i);
    OK(h_batch_cmd(b, "SET", k[i], "v", NULL));
  }
  for (int i = 0; i < 3; i++) OK(h_batch_cmd(b, "DEL", k[i], NULL));
  glide_value *r = glide_client_exec(c, b, true, NULL);
  glide_batch_free(b);
  assert_array(r, 6);
  for (size_t i = 0; i < 3; i++) assert_ok(h_at(r, i));
  glide_value_free(r);
  glide_client_close(c);
}

/* Reads from replicas; one replica's certificate names another host: within one batch, the
 * reads routed to it fail in place with TLS errors naming it, every other answer is intact. */
static void test_refused_replica_in_place(void **state) {
  (void)state;
  glide_client *c = tls_cluster_client();
  enum { N = 60 };
  static char keys[N][KEYLEN];
  glide_batch *b = glide_batch_new(false);
  for (int i = 0; i < N; i++) {
    h_key(keys[i], KEYLEN, "replica%d", i);
    OK(h_batch_cmd(b, "SET", keys[i], keys[i], NULL));
  }
  glide_value *r = glide_client_exec(c, b, true, NULL);
  assert_array(r, N);
  glide_value_free(r);
  glide_batch_free(b);
  /* replica writes arrive asynchronously: WAIT (sent to every primary) for them */
  r = h_cmd(c, "WAIT", "1", "2000", NULL);
  glide_value_free(r);
  glide_client_close(c);

  glide_config *cfg = tls_config(tls.host, tls.cluster[0], true);
  OK(glide_config_set_read_from(cfg, GLIDE_READ_FROM_PREFER_REPLICA));
  c = h_connect(cfg);
  char bad[80];
  node_name(tls.cluster[5], bad, sizeof bad);
  b = glide_batch_new(false);
  for (int i = 0; i < N; i++) OK(h_batch_cmd(b, "GET", keys[i], NULL));
  r = glide_client_exec(c, b, false, NULL);
  assert_array(r, N);
  int refused = 0, answered = 0;
  for (int i = 0; i < N; i++) {
    const glide_value *e = h_at(r, (size_t)i);
    if (e->type == GLIDE_VALUE_ERROR) {
      assert_error_kind(e, GLIDE_ERR_TLS);
      if (!strstr(e->u.string.ptr, bad)) h_fail("element %d does not name %s", i, bad);
      refused++;
    } else {
      assert_bulk(e, keys[i]);
      answered++;
    }
  }
  glide_value_free(r);
  glide_batch_free(b);
  if (refused == 0 || answered == 0)
    h_fail("%d refused, %d answered: expected both (the refused replica serves one shard of 3)",
           refused, answered);
  glide_client_close(c);
  c = tls_cluster_client();
  for (int i = 0; i < N; i++) h_del_keys(c, keys[i], NULL);
  glide_client_close(c);
}

/* INFO commandstats of one node (route to its address): cmdstat_auth calls. */
static long long node_auth_calls(glide_client *c, uint16_t port) {
  glide_batch_options o;
  glide_batch_options_init(&o);
  o.route.kind = GLIDE_ROUTE_ADDRESS;
  o.route.host = tls.host;
  o.route.port = port;
  glide_batch *b = glide_batch_new(false);
  OK(h_batch_cmd(b, "INFO", "commandstats", NULL));
  glide_value *r = glide_client_exec(c, b, true, &o);
  glide_batch_free(b);
  assert_array(r, 1);
  size_t len = 0;
  const char *text = glide_value_string(h_at(r, 0), &len);
  assert_non_null(text);
  char *copy = malloc(len + 1);
  memcpy(copy, text, len);
  copy[len] = 0;
  long long n = (long long)h_info_int(copy, "cmdstat_auth:calls=");
  free(copy);
  glide_value_free(r);
  return n;
}

/* glide_client_update_password with immediate_auth sends AUTH to every connected node of the
 * cluster (here the servers have no password, so each refuses it: GLIDE_ERR_AUTH, and the
 * connections stay as they were). */
static void test_cluster_update_password_reaches_every_node(void **state) {
  (void)state;
  glide_client *c = tls_cluster_client();
  static uint16_t owner[16384];
  h_cluster_slot_map(c, owner);
  uint16_t primaries[3];
  size_t np = 0;
  for (size_t slot = 0; slot < 16384 && np < 3; slot++) {
    bool seen = owner[slot] == 0;
    for (size_t j = 0; j < np; j++) seen = seen || primaries[j] == owner[slot];
    if (!seen) primaries[np++] = owner[slot];
  }
  assert_int_equal(np, 3);
  long long before[3];
  for (size_t i = 0; i < 3; i++) before[i] = node_auth_calls(c, primaries[i]);
  ST(glide_client_update_password(c, "rot-x-pass", true), GLIDE_ERR_AUTH);
  for (size_t i = 0; i < 3; i++) {
    const long long after = node_auth_calls(c, primaries[i]);
    if (after < before[i] + 1)
      h_fail("node %u: AUTH calls %lld -> %lld", (unsigned)primaries[i], before[i], after);
  }
  OK(glide_client_update_password(c, NULL, true)); /* cleared: nothing to send */
  glide_value *v = h_cmd(c, "SET", "key", "v", NULL);
  assert_ok(v);
  glide_value_free(v);
  h_del_keys(c, "key", NULL);
  glide_client_close(c);
}

/* A batch routed to a node whose certificate is refused gets TLS errors in place, and again (the
 * node's last failure kind) while the node waits to reconnect. */
static void test_refused_node_errors_in_place(void **state) {
  (void)state;
  glide_client *c = tls_cluster_client();
  glide_batch_options o;
  glide_batch_options_init(&o);
  o.route.kind = GLIDE_ROUTE_ADDRESS;
  o.route.host = tls.host;
  o.route.port = tls.wrongca;
  glide_batch *b = glide_batch_new(false);
  OK(h_batch_cmd(b, "PING", NULL));
  OK(h_batch_cmd(b, "ECHO", "x", NULL));
  char name[80];
  node_name(tls.wrongca, name, sizeof name);
  for (int round = 0; round < 2; round++) {
    glide_value *r = glide_client_exec(c, b, false, &o);
    assert_array(r, 2);
    for (size_t i = 0; i < 2; i++) {
      const glide_value *e = h_at(r, i);
      assert_error_kind(e, GLIDE_ERR_TLS);
      if (!strstr(e->u.string.ptr, name)) h_fail("round %d: %s not named", round, name);
    }
    glide_value_free(r);
  }
  glide_batch_free(b);
  /* the cluster's own nodes still answer */
  glide_value *v = h_cmd(c, "SET", "key", "v", NULL);
  assert_ok(v);
  glide_value_free(v);
  h_del_keys(c, "key", NULL);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ standalone */

static void test_standalone_by_ip_and_by_name(void **state) {
  (void)state;
  const char *hosts[] = {"127.0.0.1", "localhost"}; /* IP SAN; DNS SAN with SNI */
  for (size_t i = 0; i < 2; i++) {
    glide_client *c = h_connect(good_config(hosts[i]));
    char k[KEYLEN];
    h_key(k, sizeof k, "standalone");
    glide_value *v = h_cmd(c, "SET", k, "tls", NULL);
    assert_ok(v);
    glide_value_free(v);
    v = h_cmd(c, "GET", k, NULL);
    assert_bulk(v, "tls");
    glide_value_free(v);
    h_del_keys(c, k, NULL);
    glide_client_close(c);
  }
}

static void test_wrong_ca_refused(void **state) {
  (void)state;
  char name[80];
  expect_refused(tls_config(tls.host, tls.wrongca, false), GLIDE_ERR_TLS,
                 node_name(tls.wrongca, name, sizeof name), "unable to get local issuer");
}

static void test_wrong_name_refused(void **state) {
  (void)state;
  char name[80];
  expect_refused(tls_config(tls.host, tls.othername, false), GLIDE_ERR_TLS,
                 node_name(tls.othername, name, sizeof name), "IP address mismatch");
  expect_refused(tls_config("localhost", tls.othername, false), GLIDE_ERR_TLS, "localhost",
                 "hostname mismatch");
}

static void test_expired_refused(void **state) {
  (void)state;
  char name[80];
  expect_refused(tls_config(tls.host, tls.expired, false), GLIDE_ERR_TLS,
                 node_name(tls.expired, name, sizeof name), "expired");
}

static void test_client_certificate(void **state) {
  (void)state;
  char name[80];
  /* the server requires one and gets none */
  expect_refused(tls_config(tls.host, tls.mtls, false), GLIDE_ERR_TLS,
                 node_name(tls.mtls, name, sizeof name), "certificate required");
  /* with one */
  char crt[1100], key[1100];
  glide_config *cfg = tls_config(tls.host, tls.mtls, false);
  OK(glide_config_set_tls_client_cert(cfg, cert_path("client.crt", crt, sizeof crt),
                                      cert_path("client.key", key, sizeof key)));
  glide_client *c = h_connect(cfg);
  glide_value *v = h_cmd(c, "PING", NULL);
  assert_type(v, GLIDE_VALUE_SIMPLE_STRING);
  glide_value_free(v);
  glide_client_close(c);
}

/* WARN lines about verification being off, seen by the log callback. */
static atomic_int g_insecure_warnings;
static atomic_int g_verified_warnings; /* the same line from a verifying client: never */
static atomic_bool g_expect_insecure;

static void count_insecure(void *user_data, glide_log_level level, const char *message) {
  (void)user_data;
  if (level == GLIDE_LOG_WARN && strstr(message, "without verification"))
    atomic_fetch_add(atomic_load(&g_expect_insecure) ? &g_insecure_warnings : &g_verified_warnings,
                     1);
}

static void test_insecure_skips_verification(void **state) {
  (void)state;
  OK(glide_set_log_callback(GLIDE_LOG_WARN, count_insecure, NULL));
  atomic_store(&g_insecure_warnings, 0);
  atomic_store(&g_verified_warnings, 0);
  const uint16_t ports[] = {tls.othername, tls.wrongca, tls.expired};
  atomic_store(&g_expect_insecure, true);
  for (size_t i = 0; i < 3; i++) {
    glide_config *cfg = tls_config(tls.host, ports[i], false);
    OK(glide_config_set_tls_insecure(cfg, true));
    glide_client *c = h_connect(cfg);
    glide_value *v = h_cmd(c, "PING", NULL);
    assert_type(v, GLIDE_VALUE_SIMPLE_STRING);
    glide_value_free(v);
    glide_client_close(c);
  }
  /* A cluster client: six connections (one to the node whose certificate names another host),
   * one warning. */
  glide_config *cfg = tls_config(tls.host, tls.cluster[0], true);
  OK(glide_config_set_tls_insecure(cfg, true));
  glide_client *c = h_connect(cfg);
  glide_value *v = h_cmd(c, "PING", NULL);
  glide_value_free(v);
  glide_client_close(c);
  assert_int_equal(atomic_load(&g_insecure_warnings), 4); /* once per client */
  /* and none for a verifying client */
  atomic_store(&g_expect_insecure, false);
  glide_client *verified = tls_cluster_client();
  glide_client_close(verified);
  assert_int_equal(atomic_load(&g_verified_warnings), 0);
  OK(glide_set_log_callback(GLIDE_LOG_ERROR, NULL, NULL));
}

static void test_unreadable_files_fail_client_new(void **state) {
  (void)state;
  glide_config *cfg = tls_config(tls.host, tls.good, false);
  OK(glide_config_set_tls_ca_file(cfg, "/nonexistent/glide-ca.pem"));
  expect_refused(cfg, GLIDE_ERR_TLS, NULL, "/nonexistent/glide-ca.pem");

  char crt[1100];
  cfg = tls_config(tls.host, tls.mtls, false);
  OK(glide_config_set_tls_client_cert(cfg, cert_path("client.crt", crt, sizeof crt),
                                      "/nonexistent/glide-client.key"));
  expect_refused(cfg, GLIDE_ERR_TLS, NULL, "/nonexistent/glide-client.key");

  /* a CA file that is not a certificate */
  char key[1100];
  cfg = tls_config(tls.host, tls.good, false);
  OK(glide_config_set_tls_ca_file(cfg, cert_path("ca.cnf", key, sizeof key)));
  expect_refused(cfg, GLIDE_ERR_TLS, NULL, "ca.cnf");
}

/* A plain (non-TLS) client against a TLS port fails. */
static void test_plain_client_on_tls_port_fails(void **state) {
  (void)state;
  glide_config *cfg = glide_config_new();
  OK(glide_config_add_address(cfg, tls.host, tls.good));
  OK(glide_config_set_cluster_mode(cfg, false));
  OK(glide_config_set_connect_timeout_ms(cfg, 500));
  glide_client *c = NULL;
  char *msg = NULL;
  glide_status st = glide_client_new(cfg, &c, &msg);
  glide_config_free(cfg);
  glide_string_free(msg);
  assert_null(c);
  assert_int_not_equal(st, GLIDE_OK);
}

/* The server drops the connection (CLIENT KILL): writes meet a reset socket (no SIGPIPE may
 * end the process), and the client reconnects over TLS. */
static void test_server_drops_connection(void **state) {
  (void)state;
  glide_client *c = h_connect(good_config(tls.host));
  glide_client *admin = h_connect(good_config(tls.host));
  for (int round = 0; round < 3; round++) {
    glide_value *id = h_cmd(c, "CLIENT", "ID", NULL);
    assert_type(id, GLIDE_VALUE_INTEGER);
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)id->u.integer);
    glide_value_free(id);
    glide_value *v = h_cmd(admin, "CLIENT", "KILL", "ID", idbuf, NULL);
    assert_int(v, 1);
    glide_value_free(v);
    glide_batch *b = glide_batch_new(false);
    for (int i = 0; i < 200; i++) OK(h_batch_cmd(b, "PING", NULL));
    for (int attempt = 0; attempt < 2; attempt++) {
      glide_value *r = glide_client_exec(c, b, false, NULL);
      assert_array(r, 200);
      glide_value_free(r); /* the first may fail with CONNECTION: the connection was dropped */
    }
    glide_batch_free(b);
    v = h_cmd(c, "PING", NULL);
    if (v->type == GLIDE_VALUE_ERROR) {
      glide_value_free(v);
      h_sleep_ms(100);
      v = h_cmd(c, "PING", NULL);
    }
    assert_type(v, GLIDE_VALUE_SIMPLE_STRING);
    glide_value_free(v);
  }
  glide_client_close(admin);
  glide_client_close(c);
}

/* A TLS client against a plain server: the handshake fails (TLS) within the connect timeout. */
static void test_tls_client_on_plain_port_fails(void **state) {
  (void)state;
  char name[80];
  /* the server waits for the end of a line that never comes: the connect timeout ends it */
  glide_config *cfg = tls_config(tls.host, h_standalone_port(), false);
  OK(glide_config_set_connect_timeout_ms(cfg, 300));
  expect_refused(cfg, GLIDE_ERR_TLS, node_name(h_standalone_port(), name, sizeof name),
                 "TLS handshake");
}

/* ------------------------------------------------------------------ auth over TLS */

static void test_auth_over_tls(void **state) {
  (void)state;
  /* wrong password, unknown user, none at all: AUTH, with no secret in the message */
  glide_config *cfg = tls_config(tls.host, tls.good, false);
  OK(glide_config_set_credentials(cfg, NULL, "not-the-glide-secret"));
  expect_refused(cfg, GLIDE_ERR_AUTH, NULL, "WRONGPASS");
  cfg = tls_config(tls.host, tls.good, false);
  OK(glide_config_set_credentials(cfg, "nobody-here", "glide-secret"));
  expect_refused(cfg, GLIDE_ERR_AUTH, NULL, "WRONGPASS");
  cfg = tls_config(tls.host, tls.good, false);
  expect_refused(cfg, GLIDE_ERR_AUTH, NULL, NULL);

  cfg = tls_config(tls.host, tls.good, false);
  OK(glide_config_set_credentials(cfg, "glideuser", "glide-pass"));
  glide_client *c = h_connect(cfg);
  glide_value *v = h_cmd(c, "ACL", "WHOAMI", NULL);
  assert_bulk(v, "glideuser");
  glide_value_free(v);
  glide_client_close(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cluster_seed_examples),
      cmocka_unit_test(test_cluster_2000_command_batch),
      cmocka_unit_test(test_cluster_seeded_by_name),
      cmocka_unit_test(test_refused_node_errors_in_place),
      cmocka_unit_test(test_refused_replica_in_place),
      cmocka_unit_test(test_cluster_update_password_reaches_every_node),
      cmocka_unit_test(test_standalone_by_ip_and_by_name),
      cmocka_unit_test(test_wrong_ca_refused),
      cmocka_unit_test(test_wrong_name_refused),
      cmocka_unit_test(test_expired_refused),
      cmocka_unit_test(test_client_certificate),
      cmocka_unit_test(test_insecure_skips_verification),
      cmocka_unit_test(test_unreadable_files_fail_client_new),
      cmocka_unit_test(test_plain_client_on_tls_port_fails),
      cmocka_unit_test(test_tls_client_on_plain_port_fails),
      cmocka_unit_test(test_server_drops_connection),
      cmocka_unit_test(test_auth_over_tls),
  };
  return cmocka_run_group_tests(tests, load_servers, NULL);
}
