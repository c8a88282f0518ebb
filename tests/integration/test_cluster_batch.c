/*
 * test_cluster_batch.c - black-box tests of glide_client_exec / glide_client_command against the
 * real servers started by tests/scripts/test_servers.sh (cluster of 3 primaries + 3 replicas, a
 * standalone server, a standalone server with a password and an ACL user).
 *
 * The semantics tested are those of include/glide_c.h and the ClusterBatch documentation
 * (shared/seed/ClusterBatch.txt): one reply element per command, in the order added.
 * Keys carry h_prefix() (unique per run) except the seed examples, which use the documented
 * literal keys; every test deletes what it wrote.
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define KEYLEN 160

static glide_value *exec_at(glide_client *c, const glide_batch *b, bool raise,
                            const glide_batch_options *o, const char *file, int line) {
  glide_value *r = glide_client_exec(c, b, raise, o);
  if (!r) h_fail_at(file, line, "glide_client_exec returned NULL (the contract says never)");
  return r;
}
#define EXEC(c, b, raise, o) exec_at((c), (b), (raise), (o), __FILE__, __LINE__)

static glide_value *cmd_bin(glide_client *c, size_t argc, const char *const *argv,
                            const size_t *argvlen) {
  glide_value *v = glide_client_command(c, argc, argv, argvlen);
  if (!v) h_fail("glide_client_command returned NULL (the contract says never)");
  return v;
}

/* Expects an ERROR of kind CROSSSLOT, or a server error (kind SERVER) whose text starts with
 * CROSSSLOT: both are "a CROSSSLOT error" for a non-splittable command sent as one. */
static void assert_crossslot_error(const glide_value *v) {
  if (v && v->type == GLIDE_VALUE_ERROR && v->error_kind == GLIDE_ERR_SERVER) {
    assert_error_prefix(v, GLIDE_ERR_SERVER, "CROSSSLOT");
    return;
  }
  assert_error_kind(v, GLIDE_ERR_CROSSSLOT);
}

static void assert_exists(glide_client *c, const char *key, int64_t n) {
  glide_value *v = h_cmd(c, "EXISTS", key, NULL);
  assert_int(v, n);
  glide_value_free(v);
}

static void set_ok(glide_client *c, const char *key, const char *value) {
  glide_value *v = h_cmd(c, "SET", key, value, NULL);
  assert_ok(v);
  glide_value_free(v);
}

static void get_is(glide_client *c, const char *key, const char *value) {
  glide_value *v = h_cmd(c, "GET", key, NULL);
  if (value)
    assert_bulk(v, value);
  else
    assert_nil(v);
  glide_value_free(v);
}

/* Two keys (written into a and b) built from the prefix and tags, in different slots. */
static void two_slot_keys(char *a, char *b, const char *what) {
  h_key(a, KEYLEN, "{%s-a}", what);
  for (int i = 0; i < 100; i++) {
    h_key(b, KEYLEN, "{%s-b%d}", what, i);
    if (h_key_slot(a, strlen(a)) != h_key_slot(b, strlen(b))) return;
  }
  h_fail("could not find two keys in different slots");
}

/* ------------------------------------------------------------------ seed examples */

/* ClusterBatch(is_atomic=True): set("key","value"); get("key"); exec(.., false) -> [OK, b"value"]
 */
static void test_seed_atomic_example(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  h_del_keys(c, "key", NULL);

  glide_batch *transaction = glide_batch_new(true);
  assert_non_null(transaction);
  OK(glide_batch_set(transaction, "key", 3, "value", 5));
  OK(glide_batch_get(transaction, "key", 3));
  glide_value *result = EXEC(c, transaction, false, NULL);
  glide_batch_free(transaction); /* exec keeps no reference */
  assert_array(result, 2);
  assert_ok(h_at(result, 0));
  assert_bulk(h_at(result, 1), "value");
  glide_value_free(result);

  h_del_keys(c, "key", NULL);
  glide_client_close(c);
}

/* ClusterBatch(is_atomic=False): set key1/key2, get key1/key2 -> [OK, OK, b"value1", b"value2"] */
static void test_seed_pipeline_example(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  h_del_keys(c, "key1", "key2", NULL);

  glide_batch *pipeline = glide_batch_new(false);
  assert_non_null(pipeline);
  OK(glide_batch_set(pipeline, "key1", 4, "value1", 6));
  OK(glide_batch_set(pipeline, "key2", 4, "value2", 6));
  OK(glide_batch_get(pipeline, "key1", 4));
  OK(glide_batch_get(pipeline, "key2", 4));
  assert_int_equal(glide_batch_size(pipeline), 4);
  glide_value *result = EXEC(c, pipeline, false, NULL);
  assert_array(result, 4);
  assert_ok(h_at(result, 0));
  assert_ok(h_at(result, 1));
  assert_bulk(h_at(result, 2), "value1");
  assert_bulk(h_at(result, 3), "value2");
  glide_value_free(result);

  /* the same batch object may be executed again */
  result = EXEC(c, pipeline, true, NULL);
  assert_array(result, 4);
  assert_bulk(h_at(result, 3), "value2");
  glide_value_free(result);
  glide_batch_free(pipeline);

  h_del_keys(c, "key1", "key2", NULL);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ big pipeline */

#define BIG_N 2000

static void test_pipeline_2000_commands_all_nodes(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  static char keys[BIG_N][KEYLEN];
  static char vals[BIG_N][KEYLEN];
  static uint16_t owner[16384];
  h_cluster_slot_map(c, owner);

  /* the keys cover every primary and many slots */
  uint16_t ports[16] = {0};
  size_t nports = 0;
  static bool slot_used[16384];
  memset(slot_used, 0, sizeof slot_used);
  size_t nslots = 0;
  for (int i = 0; i < BIG_N; i++) {
    /* The hash tag fixes each key's slot whatever the run's prefix: the slot spread is the same
     * on every run (1,000+ distinct slots), never left to chance. */
    h_key(keys[i], KEYLEN, "{big:%d}", i);
    snprintf(vals[i], KEYLEN, "value-%d-%s", i, h_prefix());
    uint16_t slot = h_key_slot(keys[i], strlen(keys[i]));
    if (!slot_used[slot]) nslots++;
    slot_used[slot] = true;
    uint16_t p = owner[slot];
    assert_true(p != 0);
    bool seen = false;
    for (size_t j = 0; j < nports; j++) seen |= ports[j] == p;
    if (!seen && nports < 16) ports[nports++] = p;
  }
  assert_int_equal(nports, 3);
  assert_true(nslots > 1500);

  glide_batch_options o;
  glide_batch_options_init(&o);
  o.timeout_ms = 10000; /* this test is about order and completeness, not speed */

  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  for (int i = 0; i < BIG_N; i++)
    OK(glide_batch_set(b, keys[i], strlen(keys[i]), vals[i], strlen(vals[i])));
  assert_int_equal(glide_batch_size(b), BIG_N);
  glide_value *r = EXEC(c, b, false, &o);
  assert_array(r, BIG_N);
  for (int i = 0; i < BIG_N; i++) assert_ok(h_at(r, (size_t)i));
  glide_value_free(r);

  glide_batch_clear(b);
  for (int i = 0; i < BIG_N; i++) OK(glide_batch_get(b, keys[i], strlen(keys[i])));
  r = EXEC(c, b, false, &o);
  assert_array(r, BIG_N);
  for (int i = 0; i < BIG_N; i++) assert_bulk(h_at(r, (size_t)i), vals[i]);
  glide_value_free(r);

  /* cleanup, also a 2000-command pipeline: each DEL removes exactly its key */
  glide_batch_clear(b);
  for (int i = 0; i < BIG_N; i++) OK(h_batch_cmd(b, "DEL", keys[i], NULL));
  r = EXEC(c, b, false, &o);
  assert_array(r, BIG_N);
  for (int i = 0; i < BIG_N; i++) assert_int(h_at(r, (size_t)i), 1);
  glide_value_free(r);
  glide_batch_free(b);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ atomic with hash tags */

static void test_atomic_batch_hash_tags(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char a[KEYLEN], b2[KEYLEN];
  h_key(a, sizeof a, "{tx}a");
  h_key(b2, sizeof b2, "{tx}b");
  assert_int_equal(h_key_slot(a, strlen(a)), h_key_slot(b2, strlen(b2)));

  glide_batch *b = glide_batch_new(true);
  assert_non_null(b);
  OK(glide_batch_set(b, a, strlen(a), "1", 1));
  OK(glide_batch_set(b, b2, strlen(b2), "2", 1));
  OK(glide_batch_get(b, a, strlen(a)));
  OK(glide_batch_get(b, b2, strlen(b2)));
  OK(h_batch_cmd(b, "INCR", a, NULL));
  OK(h_batch_cmd(b, "MGET", a, b2, NULL));
  OK(h_batch_cmd(b, "DEL", a, b2, NULL));
  OK(glide_batch_get(b, a, strlen(a)));
  glide_value *r = EXEC(c, b, false, NULL);
  assert_array(r, 8);
  assert_ok(h_at(r, 0));
  assert_ok(h_at(r, 1));
  assert_bulk(h_at(r, 2), "1");
  assert_bulk(h_at(r, 3), "2");
  assert_int(h_at(r, 4), 2);
  const glide_value *mget = h_at(r, 5);
  assert_array(mget, 2);
  assert_bulk(h_at(mget, 0), "2");
  assert_bulk(h_at(mget, 1), "2");
  assert_int(h_at(r, 6), 2);
  assert_nil(h_at(r, 7));
  glide_value_free(r);
  glide_batch_free(b);
  assert_exists(c, a, 0);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ copy */

static void run_copy_batch(glide_client *c, bool atomic) {
  char src[KEYLEN], src2[KEYLEN], dst[KEYLEN], dst2[KEYLEN], missing[KEYLEN];
  h_key(src, sizeof src, "{cp}src");
  h_key(src2, sizeof src2, "{cp}src2");
  h_key(dst, sizeof dst, "{cp}dst");
  h_key(dst2, sizeof dst2, "{cp}dst2");
  h_key(missing, sizeof missing, "{cp}missing");
  h_del_keys(c, src, src2, dst, dst2, NULL);

  glide_batch *b = glide_batch_new(atomic);
  assert_non_null(b);
  OK(glide_batch_set(b, src, strlen(src), "v1", 2));                            /* 0 */
  OK(glide_batch_copy(b, src, strlen(src), dst, strlen(dst), false));           /* 1 copied */
  OK(glide_batch_get(b, dst, strlen(dst)));                                     /* 2 */
  OK(glide_batch_set(b, src2, strlen(src2), "v2", 2));                          /* 3 */
  OK(glide_batch_copy(b, src2, strlen(src2), dst, strlen(dst), false));         /* 4 exists */
  OK(glide_batch_get(b, dst, strlen(dst)));                                     /* 5 unchanged */
  OK(glide_batch_copy(b, src2, strlen(src2), dst, strlen(dst), true));          /* 6 replace */
  OK(glide_batch_get(b, dst, strlen(dst)));                                     /* 7 replaced */
  OK(glide_batch_copy(b, missing, strlen(missing), dst2, strlen(dst2), false)); /* 8 no source */
  OK(h_batch_cmd(b, "EXISTS", dst2, NULL));                                     /* 9 */
  OK(glide_batch_get(b, src, strlen(src)));                                     /* 10 source kept */
  glide_value *r = EXEC(c, b, false, NULL);
  assert_array(r, 11);
  assert_ok(h_at(r, 0));
  assert_bool(h_at(r, 1), true);
  assert_bulk(h_at(r, 2), "v1");
  assert_ok(h_at(r, 3));
  assert_bool(h_at(r, 4), false);
  assert_bulk(h_at(r, 5), "v1");
  assert_bool(h_at(r, 6), true);
  assert_bulk(h_at(r, 7), "v2");
  assert_bool(h_at(r, 8), false);
  assert_int(h_at(r, 9), 0);
  assert_bulk(h_at(r, 10), "v1");
  glide_value_free(r);
  glide_batch_free(b);
  get_is(c, dst, "v2");
  h_del_keys(c, src, src2, dst, dst2, NULL);
}

static void test_copy(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  run_copy_batch(c, true);
  run_copy_batch(c, false);

  /* across slots in a non-atomic batch: that element is a CROSSSLOT error, the rest is fine */
  char src[KEYLEN], dst[KEYLEN];
  two_slot_keys(src, dst, "cpx");
  h_del_keys(c, src, dst, NULL);
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_set(b, src, strlen(src), "v", 1));
  OK(glide_batch_copy(b, src, strlen(src), dst, strlen(dst), false));
  OK(glide_batch_get(b, src, strlen(src)));
  glide_value *r = EXEC(c, b, false, NULL);
  assert_array(r, 3);
  assert_ok(h_at(r, 0));
  assert_crossslot_error(h_at(r, 1));
  assert_bulk(h_at(r, 2), "v");
  glide_value_free(r);
  glide_batch_free(b);
  assert_exists(c, dst, 0);
  h_del_keys(c, src, dst, NULL);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ publish */

static void test_publish(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char ch[KEYLEN];
  h_key(ch, sizeof ch, "pubch");
  static const char binmsg[] = "bin\0ary\r\nmsg";

  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_publish(b, "hello", 5, ch, strlen(ch), false));
  OK(glide_batch_publish(b, "hello", 5, ch, strlen(ch), true));
  OK(glide_batch_publish(b, binmsg, sizeof binmsg - 1, ch, strlen(ch), true));
  OK(glide_batch_publish(b, NULL, 0, ch, strlen(ch), false)); /* empty message */
  glide_value *r = EXEC(c, b, false, NULL);
  assert_array(r, 4);
  for (size_t i = 0; i < 4; i++) assert_int(h_at(r, i), 0);
  glide_value_free(r);
  glide_batch_free(b);

  /* sharded publish in an atomic batch goes to the channel's slot */
  b = glide_batch_new(true);
  assert_non_null(b);
  OK(glide_batch_publish(b, "hello", 5, ch, strlen(ch), true));
  OK(glide_batch_publish(b, "again", 5, ch, strlen(ch), true));
  r = EXEC(c, b, false, NULL);
  assert_array(r, 2);
  assert_int(h_at(r, 0), 0);
  assert_int(h_at(r, 1), 0);
  glide_value_free(r);
  glide_batch_free(b);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ sharded pub/sub introspection
 */

static glide_value *shard_introspect(glide_client *c, const char *ch, const char *other,
                                     const char *pattern) {
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  const char *chans[2] = {ch, other};
  const size_t lens[2] = {strlen(ch), strlen(other)};
  OK(glide_batch_pubsub_shardchannels(b, NULL, 0));                  /* 0: all */
  OK(glide_batch_pubsub_shardchannels(b, pattern, strlen(pattern))); /* 1: ours */
  OK(glide_batch_pubsub_shardchannels(b, "nomatch-glide-*", 15));    /* 2: none */
  OK(glide_batch_pubsub_shardnumsub(b, 0, NULL, NULL));              /* 3: {} */
  OK(glide_batch_pubsub_shardnumsub(b, 2, chans, lens));             /* 4 */
  OK(glide_batch_pubsub_shardnumsub(b, 1, &chans[1], &lens[1]));     /* 5 */
  glide_value *r = EXEC(c, b, false, NULL);
  glide_batch_free(b);
  assert_array(r, 6);
  return r;
}

static void assert_numsub(const glide_value *map, const char *ch, int64_t n) {
  const glide_value *v = h_map_get(map, ch, strlen(ch));
  if (!v) {
    char d[1024];
    h_fail("channel %s missing from the SHARDNUMSUB map %s", ch, h_describe(map, d, sizeof d));
  }
  assert_int(v, n);
}

static void test_pubsub_shard_introspection(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char ch[KEYLEN], other[KEYLEN], pattern[KEYLEN];
  h_key(ch, sizeof ch, "shardch");
  h_key(other, sizeof other, "shardch-other");
  h_key(pattern, sizeof pattern, "shardch*");

  /* no subscribers */
  glide_value *r = shard_introspect(c, ch, other, pattern);
  assert_array(h_at(r, 0), 0);
  assert_array(h_at(r, 1), 0);
  assert_array(h_at(r, 2), 0);
  assert_map(h_at(r, 3), 0);
  assert_map(h_at(r, 4), 2);
  assert_numsub(h_at(r, 4), ch, 0);
  assert_numsub(h_at(r, 4), other, 0);
  assert_map(h_at(r, 5), 1);
  assert_numsub(h_at(r, 5), other, 0);
  glide_value_free(r);

  /* a raw subscriber on the node that owns ch's slot */
  uint16_t slot = h_cluster_keyslot(c, ch, strlen(ch));
  uint16_t port = h_slot_owner_port(c, slot);
  int fd = h_raw_connect(port);
  h_raw_send(fd, "SSUBSCRIBE", ch, NULL);
  char reply[1024], want[1024];
  h_raw_read(fd, reply, sizeof reply);
  snprintf(want, sizeof want, "*3\r\n$10\r\nssubscribe\r\n$%zu\r\n%s\r\n:1\r\n", strlen(ch), ch);
  assert_string_equal(reply, want);

  r = shard_introspect(c, ch, other, pattern);
  assert_array(h_at(r, 0), 1);
  assert_bulk(h_at(h_at(r, 0), 0), ch);
  assert_array(h_at(r, 1), 1);
  assert_bulk(h_at(h_at(r, 1), 0), ch);
  assert_array(h_at(r, 2), 0);
  assert_map(h_at(r, 3), 0);
  assert_map(h_at(r, 4), 2);
  assert_numsub(h_at(r, 4), ch, 1);
  assert_numsub(h_at(r, 4), other, 0);
  assert_map(h_at(r, 5), 1);
  assert_numsub(h_at(r, 5), other, 0);
  glide_value_free(r);

  /* sharded publish reaches the subscriber; plain publish does not */
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_publish(b, "payload", 7, ch, strlen(ch), true));
  OK(glide_batch_publish(b, "payload", 7, ch, strlen(ch), false));
  r = EXEC(c, b, false, NULL);
  assert_array(r, 2);
  assert_int(h_at(r, 0), 1);
  assert_int(h_at(r, 1), 0);
  glide_value_free(r);
  glide_batch_free(b);
  h_raw_read(fd, reply, sizeof reply);
  snprintf(want, sizeof want, "*3\r\n$8\r\nsmessage\r\n$%zu\r\n%s\r\n$7\r\npayload\r\n", strlen(ch),
           ch);
  assert_string_equal(reply, want);

  /* the subscriber leaves: back to no channels (the server notices the close promptly) */
  h_raw_close(fd);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; i++) {
    r = shard_introspect(c, ch, other, pattern);
    gone = glide_value_len(h_at(r, 1)) == 0;
    if (gone) assert_numsub(h_at(r, 4), ch, 0);
    glide_value_free(r);
    if (!gone) h_sleep_ms(20);
  }
  assert_true(gone);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ raise_on_error */

static void test_raise_on_error(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char k[KEYLEN];
  h_key(k, sizeof k, "roe");
  for (int atomic = 0; atomic <= 1; atomic++) {
    glide_batch *b = glide_batch_new(atomic);
    assert_non_null(b);
    OK(glide_batch_set(b, k, strlen(k), "v", 1));
    OK(h_batch_cmd(b, "LPUSH", k, "x", NULL));
    OK(glide_batch_get(b, k, strlen(k)));

    glide_value *r = EXEC(c, b, false, NULL);
    assert_array(r, 3);
    assert_ok(h_at(r, 0));
    assert_error_prefix(h_at(r, 1), GLIDE_ERR_SERVER, "WRONGTYPE");
    assert_bulk(h_at(r, 2), "v");
    glide_value_free(r);

    r = EXEC(c, b, true, NULL);
    assert_error_prefix(r, GLIDE_ERR_SERVER, "WRONGTYPE");
    glide_value_free(r);
    glide_batch_free(b);
    get_is(c, k, "v"); /* the other commands ran */
  }
  h_del_keys(c, k, NULL);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ cross-slot atomic */

static void test_crossslot_atomic_batch(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char a[KEYLEN], b2[KEYLEN];
  two_slot_keys(a, b2, "xs");
  h_del_keys(c, a, b2, NULL);
  for (int raise = 0; raise <= 1; raise++) {
    glide_batch *b = glide_batch_new(true);
    assert_non_null(b);
    OK(glide_batch_set(b, a, strlen(a), "1", 1));
    OK(glide_batch_set(b, b2, strlen(b2), "2", 1));
    glide_value *r = EXEC(c, b, raise, NULL);
    assert_error_kind(r, GLIDE_ERR_CROSSSLOT);
    glide_value_free(r);
    glide_batch_free(b);
    /* nothing was written */
    assert_exists(c, a, 0);
    assert_exists(c, b2, 0);
  }
  glide_client_close(c);
}

/* ------------------------------------------------------------------ WATCH -> NIL root */

static void run_watch(glide_client *c, uint16_t raw_port, const char *k) {
  set_ok(c, k, "orig");

  /* WATCH, then another connection changes the key: EXEC is aborted -> NIL root */
  glide_value *v = h_cmd(c, "WATCH", k, NULL);
  assert_ok(v);
  glide_value_free(v);
  char reply[256];
  h_raw_cmd(raw_port, reply, sizeof reply, "SET", k, "changed", NULL);
  assert_string_equal(reply, "+OK\r\n");
  glide_batch *b = glide_batch_new(true);
  assert_non_null(b);
  OK(glide_batch_set(b, k, strlen(k), "mine", 4));
  OK(glide_batch_get(b, k, strlen(k)));
  glide_value *r = EXEC(c, b, false, NULL);
  assert_nil(r);
  glide_value_free(r);
  get_is(c, k, "changed");

  /* WATCH without interference: the transaction runs */
  v = h_cmd(c, "WATCH", k, NULL);
  assert_ok(v);
  glide_value_free(v);
  r = EXEC(c, b, false, NULL);
  assert_array(r, 2);
  assert_ok(h_at(r, 0));
  assert_bulk(h_at(r, 1), "mine");
  glide_value_free(r);

  /* EXEC cleared the watch: a later change does not abort the next transaction */
  h_raw_cmd(raw_port, reply, sizeof reply, "SET", k, "changed2", NULL);
  assert_string_equal(reply, "+OK\r\n");
  r = EXEC(c, b, false, NULL);
  assert_array(r, 2);
  assert_bulk(h_at(r, 1), "mine");
  glide_value_free(r);
  glide_batch_free(b);
  h_del_keys(c, k, NULL);
}

static void test_watch_abort_standalone(void **state) {
  (void)state;
  glide_client *c = h_standalone_client();
  char k[KEYLEN];
  h_key(k, sizeof k, "watch-sa");
  run_watch(c, h_standalone_port(), k);
  glide_client_close(c);
}

static void test_watch_abort_cluster(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char k[KEYLEN];
  h_key(k, sizeof k, "watch-cl");
  uint16_t port = h_slot_owner_port(c, h_cluster_keyslot(c, k, strlen(k)));
  run_watch(c, port, k);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ binary safety */

static void test_binary_keys_and_values(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char key[KEYLEN + 16];
  size_t klen = strlen(h_key(key, KEYLEN, "bin"));
  memcpy(key + klen, "\0k\0\xff\r\n", 6);
  klen += 6;
  char key2[KEYLEN + 16];
  memcpy(key2, key, klen);
  key2[klen] = '\0'; /* differs from key only by a trailing NUL */
  size_t klen2 = klen + 1;

  enum { VLEN = 100003 };
  char *val = malloc(VLEN);
  assert_non_null(val);
  for (size_t i = 0; i < VLEN; i++) val[i] = (char)(i * 7 % 256);
  val[0] = 0;
  val[VLEN - 1] = 0;

  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_set(b, key, klen, val, VLEN));
  OK(glide_batch_set(b, key2, klen2, "\0", 1));
  OK(glide_batch_get(b, key, klen));
  OK(glide_batch_get(b, key2, klen2));
  glide_value *r = EXEC(c, b, false, NULL);
  assert_array(r, 4);
  assert_ok(h_at(r, 0));
  assert_ok(h_at(r, 1));
  assert_bulk_len(h_at(r, 2), val, VLEN);
  assert_bulk_len(h_at(r, 3), "\0", 1);
  glide_value_free(r);
  glide_batch_free(b);

  /* single commands, binary both ways */
  const char *argv[3] = {"STRLEN", key, NULL};
  size_t argvlen[3] = {6, klen, 0};
  glide_value *v = cmd_bin(c, 2, argv, argvlen);
  assert_int(v, VLEN);
  glide_value_free(v);
  argv[0] = "GET";
  argvlen[0] = 3;
  v = cmd_bin(c, 2, argv, argvlen);
  assert_bulk_len(v, val, VLEN);
  glide_value_free(v);
  argv[0] = "SET";
  argvlen[0] = 3;
  argv[2] = "a\0b";
  argvlen[2] = 3;
  v = cmd_bin(c, 3, argv, argvlen);
  assert_ok(v);
  glide_value_free(v);
  argv[0] = "GET";
  argvlen[0] = 3;
  v = cmd_bin(c, 2, argv, argvlen);
  assert_bulk_len(v, "a\0b", 3);
  glide_value_free(v);
  /* the empty value */
  argv[0] = "SET";
  argv[2] = NULL; /* NULL with length 0 is the empty string */
  argvlen[2] = 0;
  v = cmd_bin(c, 3, argv, argvlen);
  assert_ok(v);
  glide_value_free(v);
  argv[0] = "GET";
  v = cmd_bin(c, 2, argv, argvlen);
  assert_bulk_len(v, "", 0);
  glide_value_free(v);

  /* cleanup */
  const char *del[3] = {"DEL", key, NULL};
  size_t dellen[3] = {3, klen, 0};
  v = cmd_bin(c, 2, del, dellen);
  assert_int(v, 1);
  glide_value_free(v);
  del[1] = key2;
  dellen[1] = klen2;
  v = cmd_bin(c, 2, del, dellen);
  assert_int(v, 1);
  glide_value_free(v);
  free(val);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ async */

static pthread_mutex_t g_fail_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_first_failure[1024];
static atomic_int g_failures;

static void record_failure(const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(1, 2);
static void record_failure(const char *fmt, ...) {
  atomic_fetch_add(&g_failures, 1);
  pthread_mutex_lock(&g_fail_mu);
  if (!g_first_failure[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_first_failure, sizeof g_first_failure, fmt, ap);
    va_end(ap);
  }
  pthread_mutex_unlock(&g_fail_mu);
}

static void reset_failures(void) {
  pthread_mutex_lock(&g_fail_mu);
  g_first_failure[0] = 0;
  pthread_mutex_unlock(&g_fail_mu);
  atomic_store(&g_failures, 0);
}

static void check_no_failures(void) {
  int n = atomic_load(&g_failures);
  if (n) {
    pthread_mutex_lock(&g_fail_mu);
    char first[1024];
    snprintf(first, sizeof first, "%s", g_first_failure);
    pthread_mutex_unlock(&g_fail_mu);
    h_fail("%d callback check(s) failed; first: %s", n, first);
  }
}

static bool is_bulk(const glide_value *v, const char *s, size_t n) {
  return v && v->type == GLIDE_VALUE_BULK_STRING && v->u.string.len == n &&
         memcmp(v->u.string.ptr, s, n) == 0;
}
static bool is_ok(const glide_value *v) {
  return v && v->type == GLIDE_VALUE_SIMPLE_STRING && v->u.string.len == 2 &&
         memcmp(v->u.string.ptr, "OK", 2) == 0;
}
static bool is_int(const glide_value *v, int64_t n) {
  return v && v->type == GLIDE_VALUE_INTEGER && v->u.integer == n;
}

#define ASYNC_N 500

typedef struct async_ctx {
  int idx;
  char key[KEYLEN];  /* a */
  char key2[KEYLEN]; /* b: another slot (non-atomic) or the same slot (atomic) */
  char val[64];
  char val2[64];
  char appended[64];
  atomic_int calls;
} async_ctx;

static async_ctx g_ctx[ASYNC_N];
static atomic_int g_done;
static atomic_int g_accepted;

static void batch_cb(void *user_data, glide_value *r) {
  async_ctx *x = user_data;
  if (atomic_fetch_add(&x->calls, 1) != 0)
    record_failure("batch %d: callback called more than once", x->idx);
  /* expected: [OK, OK, val, len(appended), appended, val2, 1, 1] */
  char d[1024];
  if (!r || r->type != GLIDE_VALUE_ARRAY || r->u.aggregate.len != 8) {
    record_failure("batch %d: expected an array of 8, got %s", x->idx, h_describe(r, d, sizeof d));
  } else {
    const glide_value *it = r->u.aggregate.items;
    if (!is_ok(&it[0]) || !is_ok(&it[1]) || !is_bulk(&it[2], x->val, strlen(x->val)) ||
        !is_int(&it[3], (int64_t)strlen(x->appended)) ||
        !is_bulk(&it[4], x->appended, strlen(x->appended)) ||
        !is_bulk(&it[5], x->val2, strlen(x->val2)) || !is_int(&it[6], 1) || !is_int(&it[7], 1))
      record_failure("batch %d: unexpected reply %s (keys %s, %s)", x->idx,
                     h_describe(r, d, sizeof d), x->key, x->key2);
  }
  glide_value_free(r);
  atomic_fetch_add(&g_done, 1);
}

#define ASYNC_THREADS 4

typedef struct {
  glide_client *c;
  int first, count;
} submitter_arg;

/* Submits its share of the batches; no cmocka asserts off the main thread. */
static void *submitter(void *p) {
  submitter_arg *a = p;
  for (int i = a->first; i < a->first + a->count; i++) {
    async_ctx *x = &g_ctx[i];
    glide_batch *b = glide_batch_new(i % 2 == 1);
    if (!b) {
      record_failure("glide_batch_new returned NULL");
      continue;
    }
    glide_status st = GLIDE_OK;
    st |= glide_batch_set(b, x->key, strlen(x->key), x->val, strlen(x->val));
    st |= glide_batch_set(b, x->key2, strlen(x->key2), x->val2, strlen(x->val2));
    st |= glide_batch_get(b, x->key, strlen(x->key));
    st |= h_batch_cmd(b, "APPEND", x->key, "!", NULL);
    st |= glide_batch_get(b, x->key, strlen(x->key));
    st |= glide_batch_get(b, x->key2, strlen(x->key2));
    st |= h_batch_cmd(b, "DEL", x->key, NULL);
    st |= h_batch_cmd(b, "DEL", x->key2, NULL);
    if (st != GLIDE_OK) record_failure("batch %d: adding commands failed", i);
    st = glide_client_exec_async(a->c, b, false, NULL, batch_cb, x);
    glide_batch_free(b); /* exec keeps no reference to the batch */
    if (st != GLIDE_OK)
      record_failure("exec_async %d returned %s", i, glide_error_kind_name(st));
    else
      atomic_fetch_add(&g_accepted, 1);
  }
  return NULL;
}

static void test_async_500_concurrent_batches(void **state) {
  (void)state;
  glide_client *c = h_cluster_client_timeouts(10000, 0);
  reset_failures();
  atomic_store(&g_done, 0);
  atomic_store(&g_accepted, 0);
  for (int i = 0; i < ASYNC_N; i++) {
    async_ctx *x = &g_ctx[i];
    x->idx = i;
    atomic_store(&x->calls, 0);
    /* odd batches are atomic (hash tag: one slot); even ones span two slots */
    if (i % 2) {
      h_key(x->key, sizeof x->key, "{async:%d}a", i);
      h_key(x->key2, sizeof x->key2, "{async:%d}b", i);
    } else {
      h_key(x->key, sizeof x->key, "async:%d:a", i);
      h_key(x->key2, sizeof x->key2, "async:%d:b", i);
    }
    snprintf(x->val, sizeof x->val, "val-%d", i);
    snprintf(x->val2, sizeof x->val2, "other-%d", i);
    snprintf(x->appended, sizeof x->appended, "val-%d!", i);
  }
  /* submitted from several threads at once: the client is shared */
  pthread_t th[ASYNC_THREADS];
  submitter_arg args[ASYNC_THREADS];
  uint64_t t0 = h_now_ms();
  for (int t = 0; t < ASYNC_THREADS; t++) {
    args[t].c = c;
    args[t].first = t * (ASYNC_N / ASYNC_THREADS);
    args[t].count = ASYNC_N / ASYNC_THREADS;
    assert_int_equal(pthread_create(&th[t], NULL, submitter, &args[t]), 0);
  }
  for (int t = 0; t < ASYNC_THREADS; t++) pthread_join(th[t], NULL);
  int accepted = atomic_load(&g_accepted);
  bool all = h_wait_counter(&g_done, accepted, 20000);
  uint64_t elapsed = h_now_ms() - t0;
  if (!all)
    h_fail("only %d of %d async batches completed within 20 s", atomic_load(&g_done), accepted);
  h_sleep_ms(100); /* a duplicate callback would show up here */
  assert_int_equal(atomic_load(&g_done), accepted);
  for (int i = 0; i < ASYNC_N; i++) {
    int calls = atomic_load(&g_ctx[i].calls);
    if (calls > 1 || (calls == 0 && accepted == ASYNC_N))
      record_failure("batch %d: %d callbacks", i, calls);
  }
  check_no_failures();
  assert_int_equal(accepted, ASYNC_N);
  print_message("      %d async batches from %d threads in %llu ms\n", ASYNC_N, ASYNC_THREADS,
                (unsigned long long)elapsed);
  glide_client_close(c);
}

#define CMD_N 50
typedef struct cmd_ctx {
  int idx;
  int phase; /* 0 SET, 1 GET, 2 DEL */
  char key[KEYLEN];
  char val[64];
  atomic_int calls;
} cmd_ctx;
static cmd_ctx g_cmd[CMD_N];

static void cmd_cb(void *user_data, glide_value *r) {
  cmd_ctx *x = user_data;
  atomic_fetch_add(&x->calls, 1);
  char d[256];
  bool good = x->phase == 0   ? is_ok(r)
              : x->phase == 1 ? is_bulk(r, x->val, strlen(x->val))
                              : is_int(r, 1);
  if (!good)
    record_failure("command %d phase %d: unexpected reply %s", x->idx, x->phase,
                   h_describe(r, d, sizeof d));
  glide_value_free(r);
  atomic_fetch_add(&g_done, 1);
}

static void test_async_single_commands(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  reset_failures();
  for (int i = 0; i < CMD_N; i++) {
    g_cmd[i].idx = i;
    h_key(g_cmd[i].key, sizeof g_cmd[i].key, "acmd:%d", i);
    snprintf(g_cmd[i].val, sizeof g_cmd[i].val, "v%d", i);
  }
  for (int phase = 0; phase < 3; phase++) {
    atomic_store(&g_done, 0);
    for (int i = 0; i < CMD_N; i++) {
      cmd_ctx *x = &g_cmd[i];
      x->phase = phase;
      atomic_store(&x->calls, 0);
      const char *argv[3] = {phase == 0 ? "SET" : phase == 1 ? "GET" : "DEL", x->key, x->val};
      size_t argvlen[3] = {3, strlen(x->key), strlen(x->val)};
      OK(glide_client_command_async(c, phase == 0 ? 3 : 2, argv, argvlen, cmd_cb, x));
    }
    if (!h_wait_counter(&g_done, CMD_N, 10000))
      h_fail("phase %d: only %d of %d async commands completed within 10 s", phase,
             atomic_load(&g_done), CMD_N);
    for (int i = 0; i < CMD_N; i++) assert_int_equal(atomic_load(&g_cmd[i].calls), 1);
    check_no_failures();
  }

  /* one more, through a waiter */
  h_waiter *w = h_waiter_new();
  const char *argv[2] = {"ECHO", "hi\0there"};
  size_t argvlen[2] = {4, 8};
  OK(glide_client_command_async(c, 2, argv, argvlen, h_waiter_cb, w));
  glide_value *v = h_waiter_wait(w, 5000);
  assert_bulk_len(v, "hi\0there", 8);
  glide_value_free(v);
  h_sleep_ms(50);
  assert_int_equal(h_waiter_calls(w), 1);
  h_waiter_free(w);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ connection errors */

static void test_unreachable_seed(void **state) {
  (void)state;
  for (int cluster = 1; cluster >= 0; cluster--) {
    uint16_t port = h_free_port();
    glide_config *cfg = glide_config_new();
    assert_non_null(cfg);
    OK(glide_config_add_address(cfg, "127.0.0.1", port));
    OK(glide_config_set_cluster_mode(cfg, cluster));
    OK(glide_config_set_connect_timeout_ms(cfg, 500));
    glide_client *c = NULL;
    char *msg = NULL;
    char out[1024];
    uint64_t t0 = h_now_ms();
    h_capture_begin();
    glide_status st = glide_client_new(cfg, &c, &msg);
    size_t printed = h_capture_end(out, sizeof out);
    uint64_t elapsed = h_now_ms() - t0;
    glide_config_free(cfg);
    if (st != GLIDE_ERR_CONNECTION)
      h_fail("%s, unreachable 127.0.0.1:%u: status %s, expected CONNECTION (message: %s)",
             cluster ? "cluster" : "standalone", port, glide_error_kind_name(st),
             msg ? msg : "(none)");
    assert_null(c);
    assert_non_null(msg);
    assert_true(strlen(msg) > 0);
    glide_string_free(msg);
    if (elapsed >= 3000)
      h_fail("glide_client_new took %llu ms with a 500 ms connect timeout",
             (unsigned long long)elapsed);
    if (printed) h_fail("the library printed %zu bytes: %s", printed, out);
  }
}

/* ------------------------------------------------------------------ argument checks at exec */

static void test_empty_batch(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  for (int atomic = 0; atomic <= 1; atomic++) {
    glide_batch *b = glide_batch_new(atomic);
    assert_non_null(b);
    for (int raise = 0; raise <= 1; raise++) {
      glide_value *r = EXEC(c, b, raise, NULL);
      assert_error_kind(r, GLIDE_ERR_INVALID_ARGUMENT);
      glide_value_free(r);
    }
    /* async: either rejected up front (no callback) or an INVALID_ARGUMENT root, exactly once */
    h_waiter *w = h_waiter_new();
    glide_status st = glide_client_exec_async(c, b, false, NULL, h_waiter_cb, w);
    if (st == GLIDE_OK) {
      glide_value *r = h_waiter_wait(w, 5000);
      assert_error_kind(r, GLIDE_ERR_INVALID_ARGUMENT);
      glide_value_free(r);
      h_sleep_ms(20);
      assert_int_equal(h_waiter_calls(w), 1);
    } else {
      assert_int_equal(st, GLIDE_ERR_INVALID_ARGUMENT);
      h_sleep_ms(20);
      assert_int_equal(h_waiter_calls(w), 0);
    }
    h_waiter_free(w);
    glide_batch_free(b);
  }
  glide_client_close(c);
}

static void test_atomic_batch_with_retry_flags(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  char k[KEYLEN];
  h_key(k, sizeof k, "retryflags");
  h_del_keys(c, k, NULL);
  glide_batch *b = glide_batch_new(true);
  assert_non_null(b);
  OK(glide_batch_set(b, k, strlen(k), "v", 1));
  for (int which = 0; which < 3; which++) {
    glide_batch_options o;
    glide_batch_options_init(&o);
    o.retry_server_error = which != 1;
    o.retry_connection_error = which != 0;
    glide_value *r = EXEC(c, b, false, &o);
    assert_error_kind(r, GLIDE_ERR_INVALID_ARGUMENT);
    glide_value_free(r);
  }
  glide_batch_free(b);
  assert_exists(c, k, 0); /* nothing was sent */

  /* the same flags are fine for a non-atomic batch */
  b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_set(b, k, strlen(k), "v", 1));
  OK(glide_batch_get(b, k, strlen(k)));
  glide_batch_options o;
  glide_batch_options_init(&o);
  o.retry_server_error = true;
  o.retry_connection_error = true;
  glide_value *r = EXEC(c, b, false, &o);
  assert_array(r, 2);
  assert_ok(h_at(r, 0));
  assert_bulk(h_at(r, 1), "v");
  glide_value_free(r);
  glide_batch_free(b);
  h_del_keys(c, k, NULL);
  glide_client_close(c);
}

static void test_live_client_bad_input(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  const char *argv[2] = {"GET", "k"};
  const size_t argvlen[2] = {3, 1};
  glide_value *v = glide_client_command(c, 0, argv, argvlen);
  assert_error_kind(v, GLIDE_ERR_INVALID_ARGUMENT);
  glide_value_free(v);
  v = glide_client_command(c, 2, NULL, argvlen);
  assert_error_kind(v, GLIDE_ERR_INVALID_ARGUMENT);
  glide_value_free(v);
  v = glide_client_command(c, 2, argv, NULL);
  assert_error_kind(v, GLIDE_ERR_INVALID_ARGUMENT);
  glide_value_free(v);
  const char *argv_null[2] = {"GET", NULL};
  v = glide_client_command(c, 2, argv_null, argvlen);
  assert_error_kind(v, GLIDE_ERR_INVALID_ARGUMENT);
  glide_value_free(v);

  h_waiter *w = h_waiter_new();
  INVALID(glide_client_command_async(c, 0, argv, argvlen, h_waiter_cb, w));
  INVALID(glide_client_command_async(c, 2, NULL, argvlen, h_waiter_cb, w));
  INVALID(glide_client_command_async(c, 2, argv, argvlen, NULL, NULL)); /* no callback */
  INVALID(glide_client_exec_async(c, NULL, false, NULL, h_waiter_cb, w));

  v = EXEC(c, NULL, false, NULL);
  assert_error_kind(v, GLIDE_ERR_INVALID_ARGUMENT);
  glide_value_free(v);

  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(h_batch_cmd(b, "PING", NULL));
  INVALID(glide_client_exec_async(c, b, false, NULL, NULL, NULL)); /* no callback */

  glide_batch_options o;
  glide_batch_options_init(&o);
  o.route.kind = (glide_route_kind)99;
  v = EXEC(c, b, false, &o);
  assert_error_kind(v, GLIDE_ERR_INVALID_ARGUMENT);
  glide_value_free(v);
  glide_batch_options_init(&o);
  o.route.kind = GLIDE_ROUTE_SLOT_ID;
  o.route.slot = 16384;
  v = EXEC(c, b, false, &o);
  assert_error_kind(v, GLIDE_ERR_INVALID_ARGUMENT);
  glide_value_free(v);
  glide_batch_options_init(&o);
  o.route.kind = GLIDE_ROUTE_SLOT_KEY;
  o.route.key = NULL;
  o.route.key_len = 3;
  v = EXEC(c, b, false, &o);
  assert_error_kind(v, GLIDE_ERR_INVALID_ARGUMENT);
  glide_value_free(v);
  glide_batch_options_init(&o);
  o.route.kind = GLIDE_ROUTE_ADDRESS;
  o.route.host = NULL;
  o.route.port = h_servers_get()->cluster_ports[0];
  v = EXEC(c, b, false, &o);
  assert_error_kind(v, GLIDE_ERR_INVALID_ARGUMENT);
  glide_value_free(v);
  o.route.host = "127.0.0.1";
  o.route.port = 0;
  v = EXEC(c, b, false, &o);
  assert_error_kind(v, GLIDE_ERR_INVALID_ARGUMENT);
  glide_value_free(v);

  /* still fine afterwards */
  glide_batch_options_init(&o);
  v = EXEC(c, b, false, &o);
  assert_array(v, 1);
  assert_type(h_at(v, 0), GLIDE_VALUE_SIMPLE_STRING);
  glide_value_free(v);
  glide_batch_free(b);
  h_sleep_ms(20);
  assert_int_equal(h_waiter_calls(w), 0); /* rejected requests never call back */
  h_waiter_free(w);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ timeouts */

static void test_batch_timeout_then_recovers(void **state) {
  (void)state;
  /* a long request timeout, so the single commands below may wait for the blocked connection */
  glide_client *c = h_cluster_client_timeouts(5000, 0);
  char k[KEYLEN], lst[KEYLEN];
  h_key(k, sizeof k, "{bt}k");
  h_key(lst, sizeof lst, "{bt}list");
  h_del_keys(c, lst, NULL);
  set_ok(c, k, "v");

  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_get(b, k, strlen(k)));
  OK(h_batch_cmd(b, "BLPOP", lst, "1", NULL));
  glide_batch_options o;
  glide_batch_options_init(&o);
  o.timeout_ms = 200;
  uint64_t t0 = h_now_ms();
  glide_value *r = EXEC(c, b, false, &o);
  uint64_t elapsed = h_now_ms() - t0;
  assert_array(r, 2);
  assert_bulk(h_at(r, 0), "v");
  assert_error_kind(h_at(r, 1), GLIDE_ERR_TIMEOUT);
  glide_value_free(r);
  glide_batch_free(b);
  if (elapsed < 150 || elapsed > 900)
    h_fail("batch with timeout_ms 200 returned after %llu ms", (unsigned long long)elapsed);

  /* the BLPOP's late nil reply (about 0.8 s from now) must be consumed and dropped: the next
   * commands on that node's connection get their own replies */
  get_is(c, k, "v");
  set_ok(c, k, "v2");
  get_is(c, k, "v2");
  b = glide_batch_new(false);
  assert_non_null(b);
  for (int i = 0; i < 20; i++) OK(glide_batch_get(b, k, strlen(k)));
  r = EXEC(c, b, false, NULL);
  assert_array(r, 20);
  for (size_t i = 0; i < 20; i++) assert_bulk(h_at(r, i), "v2");
  glide_value_free(r);
  glide_batch_free(b);
  h_del_keys(c, k, lst, NULL);
  glide_client_close(c);
}

static void test_command_timeout_then_recovers(void **state) {
  (void)state;
  glide_client *c = h_cluster_client_timeouts(200, 0);
  char k[KEYLEN], lst[KEYLEN];
  h_key(k, sizeof k, "{ct}k");
  h_key(lst, sizeof lst, "{ct}list");
  h_del_keys(c, lst, NULL);
  set_ok(c, k, "v");
  uint64_t t0 = h_now_ms();
  glide_value *r = h_cmd(c, "BLPOP", lst, "1", NULL);
  uint64_t elapsed = h_now_ms() - t0;
  assert_error_kind(r, GLIDE_ERR_TIMEOUT);
  glide_value_free(r);
  if (elapsed < 150 || elapsed > 900)
    h_fail("command with a 200 ms request timeout returned after %llu ms",
           (unsigned long long)elapsed);
  h_sleep_ms(1000); /* the BLPOP has answered nil by now */
  get_is(c, k, "v");
  set_ok(c, k, "w");
  get_is(c, k, "w");
  h_del_keys(c, k, lst, NULL);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ close with pending requests */

static void test_close_with_pending_requests(void **state) {
  (void)state;
  glide_client *c = h_cluster_client_timeouts(10000, 0);
  /* 0..2: single commands; 3: non-atomic batch, raise_on_error false; 4: raise_on_error true */
  enum { N = 5, SINGLE = 3 };
  h_waiter *w[N];
  char lst[N][KEYLEN];
  for (int i = 0; i < N; i++) {
    w[i] = h_waiter_new();
    h_key(lst[i], sizeof lst[i], "closing:%d", i);
  }
  for (int i = 0; i < SINGLE; i++) {
    const char *argv[3] = {"BLPOP", lst[i], "5"};
    size_t argvlen[3] = {5, strlen(lst[i]), 1};
    OK(glide_client_command_async(c, 3, argv, argvlen, h_waiter_cb, w[i]));
  }
  for (int i = SINGLE; i < N; i++) {
    glide_batch *b = glide_batch_new(false);
    assert_non_null(b);
    OK(h_batch_cmd(b, "BLPOP", lst[i], "5", NULL));
    OK(glide_client_exec_async(c, b, i == N - 1, NULL, h_waiter_cb, w[i]));
    glide_batch_free(b);
  }
  h_sleep_ms(200); /* the requests are on the wire, blocked on the server */
  for (int i = 0; i < N; i++) assert_int_equal(h_waiter_calls(w[i]), 0);

  uint64_t t0 = h_now_ms();
  glide_client_close(c);
  uint64_t elapsed = h_now_ms() - t0;
  if (elapsed > 3000) h_fail("glide_client_close took %llu ms", (unsigned long long)elapsed);
  /* the callbacks fired before close returned, each exactly once, with CLOSING */
  for (int i = 0; i < N; i++) {
    if (h_waiter_calls(w[i]) != 1)
      h_fail("request %d: %d callbacks when close returned", i, h_waiter_calls(w[i]));
    glide_value *r = h_waiter_wait(w[i], 0);
    if (i == SINGLE && glide_value_get_type(r) == GLIDE_VALUE_ARRAY) {
      /* raise_on_error false: the unanswered command's element is the CLOSING error (the
       * contract allows that as well as a CLOSING root) */
      assert_array(r, 1);
      assert_error_kind(h_at(r, 0), GLIDE_ERR_CLOSING);
    } else {
      assert_error_kind(r, GLIDE_ERR_CLOSING);
    }
    glide_value_free(r);
  }
  h_sleep_ms(200);
  for (int i = 0; i < N; i++) {
    assert_int_equal(h_waiter_calls(w[i]), 1);
    h_waiter_free(w[i]);
  }
}

/* ------------------------------------------------------------------ standalone */

static void test_standalone_mode(void **state) {
  (void)state;
  glide_client *c = h_standalone_client();
  char k1[KEYLEN], k2[KEYLEN], k3[KEYLEN];
  h_key(k1, sizeof k1, "sa1");
  h_key(k2, sizeof k2, "sa2");
  h_key(k3, sizeof k3, "sa3");
  h_del_keys(c, k1, k2, k3, NULL);

  set_ok(c, k1, "value1");
  get_is(c, k1, "value1");
  glide_value *v = h_cmd(c, "MGET", k1, k2, NULL);
  assert_array(v, 2);
  assert_bulk(h_at(v, 0), "value1");
  assert_nil(h_at(v, 1));
  glide_value_free(v);

  /* pipeline: the seed example with prefixed keys, plus copy and publish (no slots here) */
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_set(b, k1, strlen(k1), "value1", 6));
  OK(glide_batch_set(b, k2, strlen(k2), "value2", 6));
  OK(glide_batch_get(b, k1, strlen(k1)));
  OK(glide_batch_get(b, k2, strlen(k2)));
  OK(glide_batch_copy(b, k1, strlen(k1), k3, strlen(k3), false));
  OK(glide_batch_copy(b, k2, strlen(k2), k3, strlen(k3), false));
  OK(glide_batch_publish(b, "m", 1, k1, strlen(k1), false));
  OK(h_batch_cmd(b, "LPUSH", k1, "x", NULL));
  glide_value *r = EXEC(c, b, false, NULL);
  assert_array(r, 8);
  assert_ok(h_at(r, 0));
  assert_ok(h_at(r, 1));
  assert_bulk(h_at(r, 2), "value1");
  assert_bulk(h_at(r, 3), "value2");
  assert_bool(h_at(r, 4), true);
  assert_bool(h_at(r, 5), false);
  assert_int(h_at(r, 6), 0);
  assert_error_prefix(h_at(r, 7), GLIDE_ERR_SERVER, "WRONGTYPE");
  glide_value_free(r);
  r = EXEC(c, b, true, NULL);
  assert_error_prefix(r, GLIDE_ERR_SERVER, "WRONGTYPE");
  glide_value_free(r);
  glide_batch_free(b);
  get_is(c, k3, "value1");

  /* transaction: keys need no common slot in standalone mode */
  b = glide_batch_new(true);
  assert_non_null(b);
  OK(glide_batch_set(b, k1, strlen(k1), "t1", 2));
  OK(glide_batch_set(b, k2, strlen(k2), "t2", 2));
  OK(glide_batch_get(b, k1, strlen(k1)));
  OK(glide_batch_get(b, k2, strlen(k2)));
  r = EXEC(c, b, false, NULL);
  assert_array(r, 4);
  assert_ok(h_at(r, 0));
  assert_ok(h_at(r, 1));
  assert_bulk(h_at(r, 2), "t1");
  assert_bulk(h_at(r, 3), "t2");
  glide_value_free(r);
  glide_batch_free(b);

  /* async in standalone */
  h_waiter *w = h_waiter_new();
  const char *argv[2] = {"GET", k2};
  size_t argvlen[2] = {3, strlen(k2)};
  OK(glide_client_command_async(c, 2, argv, argvlen, h_waiter_cb, w));
  v = h_waiter_wait(w, 5000);
  assert_bulk(v, "t2");
  glide_value_free(v);
  h_waiter_free(w);

  h_del_keys(c, k1, k2, k3, NULL);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ protocol versions */

static glide_client *cluster_client_protocol(int resp) {
  glide_config *cfg = h_config_cluster();
  OK(glide_config_set_protocol(cfg, resp));
  return h_connect(cfg);
}

static void check_client_info(glide_client *c, int resp) {
  glide_value *v = h_cmd(c, "CLIENT", "INFO", NULL);
  char d[1024];
  if (resp == 2) {
    assert_type(v, GLIDE_VALUE_BULK_STRING);
  } else if (glide_value_get_type(v) == GLIDE_VALUE_VERBATIM_STRING) {
    const char *fmt = glide_value_verbatim_format(v);
    assert_non_null(fmt);
    assert_string_equal(fmt, "txt");
  } else {
    assert_type(v, GLIDE_VALUE_BULK_STRING);
  }
  size_t len = 0;
  const char *s = glide_value_string(v, &len);
  assert_non_null(s);
  const char *want = resp == 2 ? "resp=2" : "resp=3";
  if (!strstr(s, want)) h_fail("CLIENT INFO does not say %s: %s", want, h_describe(v, d, sizeof d));
  glide_value_free(v);
}

static void test_resp2_and_resp3_replies(void **state) {
  (void)state;
  glide_client *c2 = cluster_client_protocol(2);
  glide_client *c3 = cluster_client_protocol(3);
  char h[KEYLEN], ch[KEYLEN], src[KEYLEN], dst[KEYLEN];
  h_key(h, sizeof h, "hash");
  h_key(ch, sizeof ch, "resp-ch");
  h_key(src, sizeof src, "{rc}src");
  h_key(dst, sizeof dst, "{rc}dst");
  h_del_keys(c3, h, src, dst, NULL);
  glide_value *v = h_cmd(c3, "HSET", h, "f1", "v1", "f2", "v2", NULL);
  assert_int(v, 2);
  glide_value_free(v);

  /* RESP2: a flat array field, value, field, value */
  v = h_cmd(c2, "HGETALL", h, NULL);
  assert_array(v, 4);
  for (size_t i = 0; i < 4; i += 2) {
    const glide_value *f = h_at(v, i);
    if (is_bulk(f, "f1", 2))
      assert_bulk(h_at(v, i + 1), "v1");
    else if (is_bulk(f, "f2", 2))
      assert_bulk(h_at(v, i + 1), "v2");
    else
      h_fail("unexpected field at %zu", i);
  }
  glide_value_free(v);

  /* RESP3: a MAP of 2 pairs */
  v = h_cmd(c3, "HGETALL", h, NULL);
  assert_map(v, 2);
  assert_bulk(h_map_get(v, "f1", 2), "v1");
  assert_bulk(h_map_get(v, "f2", 2), "v2");
  /* the accessors agree with the struct */
  const glide_value *k0 = glide_value_map_key(v, 0);
  assert_ptr_equal(k0, &v->u.aggregate.items[0]);
  assert_ptr_equal(glide_value_map_value(v, 0), &v->u.aggregate.items[1]);
  assert_ptr_equal(glide_value_map_value(v, 1), &v->u.aggregate.items[3]);
  assert_null(glide_value_map_key(v, 2));
  glide_value_free(v);

  check_client_info(c2, 2);
  check_client_info(c3, 3);

  /* typed helpers give the documented shapes whatever the protocol */
  for (int p = 2; p <= 3; p++) {
    glide_client *c = p == 2 ? c2 : c3;
    glide_batch *b = glide_batch_new(false);
    assert_non_null(b);
    const char *chans[1] = {ch};
    const size_t lens[1] = {strlen(ch)};
    OK(glide_batch_set(b, src, strlen(src), "x", 1));
    OK(glide_batch_copy(b, src, strlen(src), dst, strlen(dst), true));
    OK(glide_batch_pubsub_shardnumsub(b, 1, chans, lens));
    OK(glide_batch_pubsub_shardnumsub(b, 0, NULL, NULL));
    OK(glide_batch_pubsub_shardchannels(b, ch, strlen(ch)));
    glide_value *r = EXEC(c, b, false, NULL);
    assert_array(r, 5);
    assert_ok(h_at(r, 0));
    assert_bool(h_at(r, 1), true);
    assert_map(h_at(r, 2), 1);
    assert_numsub(h_at(r, 2), ch, 0);
    assert_map(h_at(r, 3), 0);
    assert_array(h_at(r, 4), 0);
    glide_value_free(r);
    glide_batch_free(b);
  }
  h_del_keys(c3, h, src, dst, NULL);
  glide_client_close(c2);
  glide_client_close(c3);
}

/* ------------------------------------------------------------------ client name */

static void test_client_name(void **state) {
  (void)state;
  char name[64];
  snprintf(name, sizeof name, "glide-it-%ld", (long)getpid());
  for (int cluster = 1; cluster >= 0; cluster--) {
    glide_config *cfg = cluster ? h_config_cluster() : h_config_standalone(h_standalone_port());
    OK(glide_config_set_client_name(cfg, name));
    glide_client *c = h_connect(cfg);
    /* cluster: CLIENT GETNAME goes to a random node; every connection carries the name */
    for (int i = 0; i < 6; i++) {
      glide_value *v = h_cmd(c, "CLIENT", "GETNAME", NULL);
      assert_bulk(v, name);
      glide_value_free(v);
    }
    glide_client_close(c);
  }
}

/* ------------------------------------------------------------------ authentication */

static glide_status auth_connect(const char *user, const char *password, glide_client **out,
                                 char **msg) {
  glide_config *cfg = h_config_standalone(h_auth_port());
  OK(glide_config_set_credentials(cfg, user, password));
  OK(glide_config_set_connect_timeout_ms(cfg, 2000));
  *out = NULL;
  *msg = NULL;
  glide_status st = glide_client_new(cfg, out, msg);
  glide_config_free(cfg);
  return st;
}

static void test_auth_wrong_password(void **state) {
  (void)state;
  static const char *cases[][2] = {
      {NULL, "wrong-password"},
      {"glideuser", "wrong-password"},
      {"glideuser", "glide-secret"}, /* the default user's password */
      {"no-such-user", "glide-pass"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    glide_client *c;
    char *msg;
    glide_status st = auth_connect(cases[i][0], cases[i][1], &c, &msg);
    if (st != GLIDE_ERR_AUTH) {
      char m[512];
      snprintf(m, sizeof m, "%s", msg ? msg : "(none)");
      glide_string_free(msg);
      glide_client_close(c);
      h_fail("user %s password %s: status %s, expected AUTH (message: %s)",
             cases[i][0] ? cases[i][0] : "(default)", cases[i][1], glide_error_kind_name(st), m);
    }
    assert_null(c);
    assert_non_null(msg);
    assert_true(strlen(msg) > 0);
    glide_string_free(msg);
  }
}

static void test_auth_right_password(void **state) {
  (void)state;
  static const char *cases[][3] = {
      {NULL, "glide-secret", "default"},
      {"default", "glide-secret", "default"},
      {"glideuser", "glide-pass", "glideuser"},
  };
  char k[KEYLEN];
  h_key(k, sizeof k, "auth");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    glide_client *c;
    char *msg;
    glide_status st = auth_connect(cases[i][0], cases[i][1], &c, &msg);
    if (st != GLIDE_OK) {
      char m[512];
      snprintf(m, sizeof m, "%s", msg ? msg : "(none)");
      glide_string_free(msg);
      h_fail("user %s: status %s, expected OK (message: %s)",
             cases[i][0] ? cases[i][0] : "(default)", glide_error_kind_name(st), m);
    }
    glide_string_free(msg);
    glide_value *v = h_cmd(c, "ACL", "WHOAMI", NULL);
    assert_bulk(v, cases[i][2]);
    glide_value_free(v);
    set_ok(c, k, cases[i][2]);
    get_is(c, k, cases[i][2]);
    h_del_keys(c, k, NULL);
    glide_client_close(c);
  }
}

/* ------------------------------------------------------------------ multi-slot single commands */

static void test_multi_slot_single_commands(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  static uint16_t owner[16384];
  h_cluster_slot_map(c, owner);
  /* three keys on three different primaries */
  char k[3][KEYLEN];
  uint16_t ports[3];
  int found = 0;
  for (int t = 0; t < 200 && found < 3; t++) {
    char cand[KEYLEN];
    h_key(cand, sizeof cand, "ms%d", t);
    uint16_t p = owner[h_key_slot(cand, strlen(cand))];
    bool dup = false;
    for (int j = 0; j < found; j++) dup |= ports[j] == p;
    if (!dup) {
      ports[found] = p;
      memcpy(k[found++], cand, KEYLEN);
    }
  }
  assert_int_equal(found, 3);
  char missing[KEYLEN];
  h_key(missing, sizeof missing, "ms-missing");
  h_del_keys(c, k[0], k[1], k[2], NULL);

  glide_value *v = h_cmd(c, "MSET", k[0], "v0", k[1], "v1", k[2], "v2", NULL);
  assert_ok(v);
  glide_value_free(v);
  v = h_cmd(c, "MGET", k[2], k[0], missing, k[1], NULL);
  assert_array(v, 4);
  assert_bulk(h_at(v, 0), "v2");
  assert_bulk(h_at(v, 1), "v0");
  assert_nil(h_at(v, 2));
  assert_bulk(h_at(v, 3), "v1");
  glide_value_free(v);
  v = h_cmd(c, "EXISTS", k[0], k[1], k[2], missing, k[0], NULL);
  assert_int(v, 4);
  glide_value_free(v);

  /* the same inside a non-atomic batch: one aggregated element per command */
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(h_batch_cmd(b, "MGET", k[1], k[2], k[0], NULL));
  OK(h_batch_cmd(b, "TOUCH", k[0], k[1], k[2], missing, NULL));
  OK(glide_batch_get(b, k[0], strlen(k[0])));
  glide_value *r = EXEC(c, b, false, NULL);
  assert_array(r, 3);
  const glide_value *m = h_at(r, 0);
  assert_array(m, 3);
  assert_bulk(h_at(m, 0), "v1");
  assert_bulk(h_at(m, 1), "v2");
  assert_bulk(h_at(m, 2), "v0");
  assert_int(h_at(r, 1), 3);
  assert_bulk(h_at(r, 2), "v0");
  glide_value_free(r);
  glide_batch_free(b);

  v = h_cmd(c, "DEL", k[0], k[1], k[2], missing, NULL);
  assert_int(v, 3);
  glide_value_free(v);
  v = h_cmd(c, "MGET", k[0], k[1], k[2], NULL);
  assert_array(v, 3);
  for (size_t i = 0; i < 3; i++) assert_nil(h_at(v, i));
  glide_value_free(v);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ batch routes */

/* The port a node reports for CONFIG GET port (RESP3: MAP {"port": "..."}). */
static long config_port(const glide_value *v) {
  const glide_value *p = h_map_get(v, "port", 4);
  char d[512];
  if (!p || p->type != GLIDE_VALUE_BULK_STRING)
    h_fail("CONFIG GET port: %s", h_describe(v, d, sizeof d));
  return strtol(p->u.string.ptr, NULL, 10);
}

static long routed_port(glide_client *c, bool atomic, const glide_batch_options *o) {
  glide_batch *b = glide_batch_new(atomic);
  assert_non_null(b);
  OK(h_batch_cmd(b, "CONFIG", "GET", "port", NULL));
  glide_value *r = EXEC(c, b, false, o);
  glide_batch_free(b);
  assert_array(r, 1);
  long p = config_port(h_at(r, 0));
  glide_value_free(r);
  return p;
}

static void test_batch_routes(void **state) {
  (void)state;
  glide_client *c = h_cluster_client();
  const h_servers *s = h_servers_get();
  static uint16_t owner[16384];
  h_cluster_slot_map(c, owner);
  glide_batch_options o;

  /* ADDRESS: every node, primaries and replicas */
  for (size_t i = 0; i < s->cluster_count; i++) {
    glide_batch_options_init(&o);
    o.route.kind = GLIDE_ROUTE_ADDRESS;
    o.route.host = s->host;
    o.route.port = s->cluster_ports[i];
    assert_int_equal(routed_port(c, false, &o), s->cluster_ports[i]);
  }
  /* SLOT_ID and SLOT_KEY: the slot's primary, atomic or not */
  const uint16_t slots[] = {0, 5000, 8191, 12000, 16383};
  for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
    glide_batch_options_init(&o);
    o.route.kind = GLIDE_ROUTE_SLOT_ID;
    o.route.slot = slots[i];
    assert_int_equal(routed_port(c, false, &o), owner[slots[i]]);
    assert_int_equal(routed_port(c, true, &o), owner[slots[i]]);
  }
  for (int i = 0; i < 5; i++) {
    char k[KEYLEN];
    h_key(k, sizeof k, "route%d", i);
    glide_batch_options_init(&o);
    o.route.kind = GLIDE_ROUTE_SLOT_KEY;
    o.route.key = k;
    o.route.key_len = strlen(k);
    assert_int_equal(routed_port(c, false, &o), owner[h_key_slot(k, strlen(k))]);
  }
  /* RANDOM: one of the cluster's nodes */
  for (int i = 0; i < 5; i++) {
    glide_batch_options_init(&o);
    o.route.kind = GLIDE_ROUTE_RANDOM;
    long p = routed_port(c, false, &o);
    bool known = false;
    for (size_t j = 0; j < s->cluster_count; j++) known |= p == s->cluster_ports[j];
    if (!known) h_fail("ROUTE_RANDOM answered from port %ld, not a cluster node", p);
  }
  glide_client_close(c);
}

/* ------------------------------------------------------------------ standalone database */

static void test_standalone_database(void **state) {
  (void)state;
  glide_config *cfg = h_config_standalone(h_standalone_port());
  OK(glide_config_set_database(cfg, 1));
  glide_client *c = h_connect(cfg);
  char k[KEYLEN];
  h_key(k, sizeof k, "db1");
  set_ok(c, k, "in-db-1");
  char reply[256];
  h_raw_cmd(h_standalone_port(), reply, sizeof reply, "GET", k, NULL);
  assert_string_equal(reply, "$-1\r\n"); /* not in db 0 */
  int fd = h_raw_connect(h_standalone_port());
  h_raw_send(fd, "SELECT", "1", NULL);
  h_raw_read(fd, reply, sizeof reply);
  assert_string_equal(reply, "+OK\r\n");
  h_raw_send(fd, "GET", k, NULL);
  h_raw_read(fd, reply, sizeof reply);
  assert_string_equal(reply, "$7\r\nin-db-1\r\n");
  h_raw_close(fd);
  /* batches use the same database */
  glide_batch *b = glide_batch_new(true);
  assert_non_null(b);
  OK(glide_batch_get(b, k, strlen(k)));
  glide_value *r = EXEC(c, b, false, NULL);
  assert_array(r, 1);
  assert_bulk(h_at(r, 0), "in-db-1");
  glide_value_free(r);
  glide_batch_free(b);
  h_del_keys(c, k, NULL);
  glide_client_close(c);
}

/* ------------------------------------------------------------------ main */

/* ------------------------------------------------------------------ big borrowed batches */

/* A blocking exec of a big batch sends it straight from the caller's buffer (no copy in the
 * connection). These check that the bytes still unsent when exec returns early are the
 * connection's own by then: the batch is freed and its memory overwritten at once. */

#define SPAN_N 50000
#define SPAN_VAL 1024

static void big_value(char *v, int i) {
  memset(v, 'a' + i % 26, SPAN_VAL);
  snprintf(v, 16, "%08d:", i);
}

static void big_key(char *k, const char *what, int i) { h_key(k, KEYLEN, "%s:%d", what, i); }

static void *debug_sleep_thread(void *arg) {
  glide_client *c = arg;
  glide_value *r = h_cmd(c, "DEBUG", "SLEEP", "1", NULL);
  glide_value_free(r);
  return NULL;
}

static void test_big_batch_timeout_then_batch_freed(void **state) {
  (void)state;
  /* a long request timeout: the commands after the batch wait behind its 50,000 late replies */
  glide_client *c = h_standalone_client_timeouts(20000, 0);
  glide_client *sleeper = h_standalone_client_timeouts(5000, 0);
  char k[KEYLEN], v[SPAN_VAL];
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  for (int i = 0; i < SPAN_N; i++) {
    big_key(k, "bigto", i);
    big_value(v, i);
    OK(glide_batch_set(b, k, strlen(k), v, SPAN_VAL));
  }
  /* the server stops reading for a second: most of the 54 MB stay unsent at the timeout */
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, debug_sleep_thread, sleeper), 0);
  h_sleep_ms(100);
  glide_batch_options o;
  glide_batch_options_init(&o);
  o.timeout_ms = 200;
  uint64_t t0 = h_now_ms();
  glide_value *r = EXEC(c, b, false, &o);
  uint64_t elapsed = h_now_ms() - t0;
  /* freed and overwritten at once: a read of the batch after exec returned would send garbage
   * (and ASan reports it) */
  glide_batch_free(b);
  size_t junk_len = (size_t)SPAN_N * (SPAN_VAL + 64);
  char *junk = malloc(junk_len);
  assert_non_null(junk);
  memset(junk, '#', junk_len);
  /* Joined before any check can fail the test (a failed check leaves the function). */
  assert_int_equal(pthread_join(t, NULL), 0);
  /* Returned by its timeout, with the server still asleep: the last SETs are unanswered. (How
   * long after the 200 ms is a figure, not a check: planning 50,000 commands under a sanitizer
   * takes most of a second before the loop can run the timer.) */
  assert_array(r, SPAN_N);
  assert_error_kind(h_at(r, SPAN_N - 1), GLIDE_ERR_TIMEOUT);
  glide_value_free(r);
  print_message("      the 200 ms batch returned after %llu ms\n", (unsigned long long)elapsed);

  /* the rest of the batch went from the connection's own copy: every SET arrived intact, and the
   * next commands get their own answers */
  for (int i = 0; i < SPAN_N; i += 997) {
    big_key(k, "bigto", i);
    glide_value *g = h_cmd(c, "GET", k, NULL);
    big_value(v, i);
    assert_type(g, GLIDE_VALUE_BULK_STRING);
    assert_int_equal(g->u.string.len, SPAN_VAL);
    assert_memory_equal(g->u.string.ptr, v, SPAN_VAL);
    glide_value_free(g);
  }
  big_key(k, "bigto", SPAN_N - 1);
  glide_value *g = h_cmd(c, "STRLEN", k, NULL);
  assert_int(g, SPAN_VAL);
  glide_value_free(g);
  set_ok(c, k, "after");
  get_is(c, k, "after");
  free(junk);

  b = glide_batch_new(false);
  assert_non_null(b);
  for (int i = 0; i < SPAN_N; i++) {
    big_key(k, "bigto", i);
    OK(h_batch_cmd(b, "DEL", k, NULL));
  }
  r = EXEC(c, b, false, NULL);
  assert_array(r, SPAN_N);
  glide_value_free(r);
  glide_batch_free(b);
  glide_client_close(sleeper);
  glide_client_close(c);
}

static void test_big_batch_answers(void **state) {
  (void)state;
  enum { N = 20000 };
  glide_client *c = h_cluster_client_timeouts(20000, 0);
  char k[KEYLEN], v[SPAN_VAL];
  char k2[KEYLEN], v2[SPAN_VAL];
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  size_t n = 0;
  for (int i = 0; i < N; i++) {
    big_key(k, "bigok", i);
    big_value(v, i);
    OK(glide_batch_set(b, k, strlen(k), v, SPAN_VAL));
    OK(glide_batch_get(b, k, strlen(k)));
    n += 2;
    if (i % 1000 == 999) {
      /* a multi-slot command: split in parts the planner encodes itself (copied, not spans) */
      big_key(k2, "bigok", i - 1);
      OK(h_batch_cmd(b, "MGET", k2, k, NULL));
      n++;
    }
  }
  glide_value *r = EXEC(c, b, false, NULL);
  glide_batch_free(b);
  assert_array(r, n);
  size_t at = 0;
  for (int i = 0; i < N; i++) {
    big_value(v, i);
    assert_ok(h_at(r, at++));
    assert_bulk_len(h_at(r, at++), v, SPAN_VAL);
    if (i % 1000 == 999) {
      const glide_value *m = h_at(r, at++);
      big_value(v2, i - 1);
      assert_array(m, 2);
      assert_bulk_len(h_at(m, 0), v2, SPAN_VAL);
      assert_bulk_len(h_at(m, 1), v, SPAN_VAL);
    }
  }
  glide_value_free(r);
  b = glide_batch_new(false);
  assert_non_null(b);
  for (int i = 0; i < N; i++) {
    big_key(k, "bigok", i);
    OK(h_batch_cmd(b, "DEL", k, NULL));
  }
  r = EXEC(c, b, false, NULL);
  assert_array(r, N);
  for (int i = 0; i < N; i++) assert_int(h_at(r, (size_t)i), 1);
  glide_value_free(r);
  glide_batch_free(b);
  glide_client_close(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seed_atomic_example),
      cmocka_unit_test(test_seed_pipeline_example),
      cmocka_unit_test(test_pipeline_2000_commands_all_nodes),
      cmocka_unit_test(test_atomic_batch_hash_tags),
      cmocka_unit_test(test_copy),
      cmocka_unit_test(test_publish),
      cmocka_unit_test(test_pubsub_shard_introspection),
      cmocka_unit_test(test_raise_on_error),
      cmocka_unit_test(test_crossslot_atomic_batch),
      cmocka_unit_test(test_watch_abort_standalone),
      cmocka_unit_test(test_watch_abort_cluster),
      cmocka_unit_test(test_binary_keys_and_values),
      cmocka_unit_test(test_async_500_concurrent_batches),
      cmocka_unit_test(test_async_single_commands),
      cmocka_unit_test(test_unreachable_seed),
      cmocka_unit_test(test_empty_batch),
      cmocka_unit_test(test_atomic_batch_with_retry_flags),
      cmocka_unit_test(test_live_client_bad_input),
      cmocka_unit_test(test_batch_timeout_then_recovers),
      cmocka_unit_test(test_command_timeout_then_recovers),
      cmocka_unit_test(test_close_with_pending_requests),
      cmocka_unit_test(test_standalone_mode),
      cmocka_unit_test(test_resp2_and_resp3_replies),
      cmocka_unit_test(test_client_name),
      cmocka_unit_test(test_auth_wrong_password),
      cmocka_unit_test(test_auth_right_password),
      cmocka_unit_test(test_multi_slot_single_commands),
      cmocka_unit_test(test_batch_routes),
      cmocka_unit_test(test_standalone_database),
      cmocka_unit_test(test_big_batch_timeout_then_batch_freed),
      cmocka_unit_test(test_big_batch_answers),
  };
  return cmocka_run_group_tests_name("cluster_batch", tests, h_group_setup, NULL);
}
