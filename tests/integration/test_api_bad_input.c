/*
 * test_api_bad_input.c - every public entry point given bad input: NULL handles, NULL pointers
 * with non-zero lengths, argc 0, unknown enum values, out-of-range numbers. The contract: such
 * calls return GLIDE_ERR_INVALID_ARGUMENT (or an INVALID_ARGUMENT ERROR root), change nothing,
 * never crash, never abort, and never print. No server is needed.
 *
 * Every test runs with fd 1 and 2 redirected to a file (setup/teardown): the teardown fails the
 * test if anything was written there, and shows what was.
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ fixtures: no output */

static int capture_setup(void **state) {
  (void)state;
  h_capture_begin();
  return 0;
}

static int capture_teardown(void **state) {
  (void)state;
  char out[4096];
  size_t n = h_capture_end(out, sizeof out);
  if (n) {
    fprintf(
        stderr,
        "[  ERROR   ] %zu bytes were written to stdout/stderr during the test (the library must "
        "never print; cmocka's own failure messages, if any, are included):\n%s%s\n",
        n, out, n >= sizeof out ? "..." : "");
    fflush(stderr);
    return -1;
  }
  return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, capture_setup, capture_teardown)

/* ------------------------------------------------------------------ version and error names */

static void test_version(void **state) {
  (void)state;
  const char *v = glide_version();
  assert_non_null(v);
  char want[64];
  snprintf(want, sizeof want, "%d.%d.%d", GLIDE_C_VERSION_MAJOR, GLIDE_C_VERSION_MINOR,
           GLIDE_C_VERSION_PATCH);
  assert_string_equal(v, want);
  assert_ptr_equal(glide_version(), v); /* static storage */
  assert_int_equal(glide_version_number(), GLIDE_C_VERSION_NUMBER);
  assert_int_equal(glide_version_number(), (GLIDE_C_VERSION_MAJOR << 16) |
                                               (GLIDE_C_VERSION_MINOR << 8) |
                                               GLIDE_C_VERSION_PATCH);
}

static void test_error_kind_names(void **state) {
  (void)state;
  static const struct {
    glide_error_kind kind;
    const char *name;
  } kinds[] = {
      {GLIDE_OK, "OK"},
      {GLIDE_ERR_INVALID_ARGUMENT, "INVALID_ARGUMENT"},
      {GLIDE_ERR_CONNECTION, "CONNECTION"},
      {GLIDE_ERR_TIMEOUT, "TIMEOUT"},
      {GLIDE_ERR_SERVER, "SERVER"},
      {GLIDE_ERR_EXEC_ABORT, "EXEC_ABORT"},
      {GLIDE_ERR_CROSSSLOT, "CROSSSLOT"},
      {GLIDE_ERR_CLOSING, "CLOSING"},
      {GLIDE_ERR_TLS, "TLS"},
      {GLIDE_ERR_AUTH, "AUTH"},
      {GLIDE_ERR_PROTOCOL, "PROTOCOL"},
      {GLIDE_ERR_OUT_OF_MEMORY, "OUT_OF_MEMORY"},
      {GLIDE_ERR_NOT_SUPPORTED, "NOT_SUPPORTED"},
      {GLIDE_ERR_INFLIGHT_LIMIT, "INFLIGHT_LIMIT"},
  };
  /* The enum values are part of the ABI: never renumbered. */
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    assert_int_equal((int)kinds[i].kind, (int)i);
    const char *n = glide_error_kind_name(kinds[i].kind);
    if (!n || strcmp(n, kinds[i].name) != 0)
      h_fail("glide_error_kind_name(%d) = \"%s\", expected \"%s\"", (int)kinds[i].kind,
             n ? n : "(NULL)", kinds[i].name);
    assert_ptr_equal(glide_error_kind_name(kinds[i].kind), n); /* static storage */
  }
  assert_string_equal(glide_error_kind_name((glide_error_kind)999), "UNKNOWN");
  assert_string_equal(glide_error_kind_name((glide_error_kind)-1), "UNKNOWN");
  assert_string_equal(glide_error_kind_name((glide_error_kind)100000), "UNKNOWN");
}

/* ------------------------------------------------------------------ value accessors */

static void check_len_untouched_or_zero(size_t len, const char *what) {
  if (len != 0 && len != 4242) h_fail("%s: *len = %zu, expected 0 (or left untouched)", what, len);
}

static void test_value_accessors_null(void **state) {
  (void)state;
  assert_int_equal(glide_value_get_type(NULL), GLIDE_VALUE_NIL);
  assert_int_equal(glide_value_integer(NULL), 0);
  assert_true(glide_value_double(NULL) == 0.0);
  assert_false(glide_value_bool(NULL));
  size_t len = 4242;
  assert_null(glide_value_string(NULL, &len));
  check_len_untouched_or_zero(len, "glide_value_string(NULL, &len)");
  assert_null(glide_value_string(NULL, NULL));
  assert_int_equal(glide_value_len(NULL), 0);
  assert_null(glide_value_at(NULL, 0));
  assert_null(glide_value_map_key(NULL, 0));
  assert_null(glide_value_map_value(NULL, 0));
  assert_int_equal(glide_value_error_kind(NULL), GLIDE_OK);
  assert_null(glide_value_verbatim_format(NULL));
  glide_value_free(NULL); /* no-op */
}

/* Hand-built values: the struct is public, and the accessors only read it. */
static void test_value_accessors_wrong_type(void **state) {
  (void)state;
  glide_value integer;
  memset(&integer, 0, sizeof integer);
  integer.type = GLIDE_VALUE_INTEGER;
  integer.u.integer = 42;

  glide_value dbl;
  memset(&dbl, 0, sizeof dbl);
  dbl.type = GLIDE_VALUE_DOUBLE;
  dbl.u.dbl = 2.5;

  glide_value boolean;
  memset(&boolean, 0, sizeof boolean);
  boolean.type = GLIDE_VALUE_BOOLEAN;
  boolean.u.boolean = true;

  static const char text[] = "hello";
  glide_value bulk;
  memset(&bulk, 0, sizeof bulk);
  bulk.type = GLIDE_VALUE_BULK_STRING;
  bulk.u.string.ptr = text;
  bulk.u.string.len = 5;

  glide_value nil;
  memset(&nil, 0, sizeof nil);
  nil.type = GLIDE_VALUE_NIL;

  /* right types first, so the wrong-type results below mean something */
  assert_int_equal(glide_value_get_type(&integer), GLIDE_VALUE_INTEGER);
  assert_int_equal(glide_value_integer(&integer), 42);
  assert_true(glide_value_double(&dbl) == 2.5);
  assert_true(glide_value_bool(&boolean));
  size_t len = 0;
  assert_ptr_equal(glide_value_string(&bulk, &len), text);
  assert_int_equal(len, 5);
  assert_int_equal(glide_value_len(&bulk), 5);

  /* integer read as anything else */
  assert_true(glide_value_double(&integer) == 0.0);
  assert_false(glide_value_bool(&integer));
  len = 4242;
  assert_null(glide_value_string(&integer, &len));
  check_len_untouched_or_zero(len, "glide_value_string(INTEGER)");
  assert_int_equal(glide_value_len(&integer), 0);
  assert_null(glide_value_at(&integer, 0));
  assert_null(glide_value_map_key(&integer, 0));
  assert_null(glide_value_map_value(&integer, 0));
  assert_int_equal(glide_value_error_kind(&integer), GLIDE_OK);
  assert_null(glide_value_verbatim_format(&integer));

  /* others read as integer / string / aggregate */
  assert_int_equal(glide_value_integer(&dbl), 0);
  assert_int_equal(glide_value_integer(&boolean), 0);
  assert_int_equal(glide_value_integer(&bulk), 0);
  assert_false(glide_value_bool(&bulk));
  assert_true(glide_value_double(&bulk) == 0.0);
  assert_null(glide_value_at(&bulk, 0));
  assert_null(glide_value_map_key(&bulk, 0));
  assert_null(glide_value_verbatim_format(&bulk));
  assert_int_equal(glide_value_error_kind(&bulk), GLIDE_OK);
  assert_null(glide_value_string(&dbl, NULL));
  assert_null(glide_value_string(&boolean, NULL));

  /* nil */
  assert_int_equal(glide_value_get_type(&nil), GLIDE_VALUE_NIL);
  assert_int_equal(glide_value_len(&nil), 0);
  assert_null(glide_value_string(&nil, NULL));
  assert_null(glide_value_at(&nil, 0));
  assert_int_equal(glide_value_integer(&nil), 0);

  /* an error value */
  static const char msg[] = "WRONGTYPE Operation against a key holding the wrong kind of value";
  glide_value err;
  memset(&err, 0, sizeof err);
  err.type = GLIDE_VALUE_ERROR;
  err.error_kind = GLIDE_ERR_SERVER;
  err.u.string.ptr = msg;
  err.u.string.len = sizeof msg - 1;
  assert_int_equal(glide_value_error_kind(&err), GLIDE_ERR_SERVER);
  len = 0;
  assert_ptr_equal(glide_value_string(&err, &len), msg);
  assert_int_equal(len, sizeof msg - 1);
  assert_int_equal(glide_value_integer(&err), 0);
  assert_null(glide_value_at(&err, 0));
}

/* glide_value's layout (and every other public struct's) is pinned in tests/unit/test_abi_layout.c.
 */

/* error_kind and verbatim_format share their bytes: the accessors check the type first. */
static void test_value_accessors_error_kind_and_verbatim_format(void **state) {
  (void)state;
  static const char text[] = "Some string";
  glide_value verbatim;
  memset(&verbatim, 0, sizeof verbatim);
  verbatim.type = GLIDE_VALUE_VERBATIM_STRING;
  memcpy(verbatim.verbatim_format, "mkd", 4);
  verbatim.u.string.ptr = text;
  verbatim.u.string.len = sizeof text - 1;
  assert_ptr_equal(glide_value_verbatim_format(&verbatim), verbatim.verbatim_format);
  assert_string_equal(glide_value_verbatim_format(&verbatim), "mkd");
  /* the bytes "mkd\0" are no error kind: a verbatim string is no error */
  assert_int_equal(glide_value_error_kind(&verbatim), GLIDE_OK);
  size_t len = 0;
  assert_ptr_equal(glide_value_string(&verbatim, &len), text);
  assert_int_equal(len, sizeof text - 1);

  glide_value err;
  memset(&err, 0, sizeof err);
  err.type = GLIDE_VALUE_ERROR;
  err.error_kind = GLIDE_ERR_TIMEOUT;
  err.u.string.ptr = text;
  err.u.string.len = sizeof text - 1;
  assert_int_equal(glide_value_error_kind(&err), GLIDE_ERR_TIMEOUT);
  assert_null(glide_value_verbatim_format(&err));
}

static void test_value_accessors_out_of_range(void **state) {
  (void)state;
  glide_value items[4];
  memset(items, 0, sizeof items);
  static const char a[] = "a", b[] = "b";
  items[0].type = GLIDE_VALUE_BULK_STRING;
  items[0].u.string.ptr = a;
  items[0].u.string.len = 1;
  items[1].type = GLIDE_VALUE_INTEGER;
  items[1].u.integer = 1;
  items[2].type = GLIDE_VALUE_BULK_STRING;
  items[2].u.string.ptr = b;
  items[2].u.string.len = 1;
  items[3].type = GLIDE_VALUE_INTEGER;
  items[3].u.integer = 2;

  glide_value array;
  memset(&array, 0, sizeof array);
  array.type = GLIDE_VALUE_ARRAY;
  array.u.aggregate.items = items;
  array.u.aggregate.len = 4;
  assert_int_equal(glide_value_len(&array), 4);
  assert_ptr_equal(glide_value_at(&array, 0), &items[0]);
  assert_ptr_equal(glide_value_at(&array, 3), &items[3]);
  assert_null(glide_value_at(&array, 4));
  assert_null(glide_value_at(&array, (size_t)-1));
  assert_null(glide_value_at(&array, SIZE_MAX / 2));
  assert_null(glide_value_map_key(&array, 0)); /* not a map */
  assert_null(glide_value_map_value(&array, 0));

  glide_value set = array;
  set.type = GLIDE_VALUE_SET;
  assert_ptr_equal(glide_value_at(&set, 1), &items[1]);
  assert_null(glide_value_at(&set, 4));
  glide_value push = array;
  push.type = GLIDE_VALUE_PUSH;
  assert_ptr_equal(glide_value_at(&push, 2), &items[2]);
  assert_null(glide_value_at(&push, 4));

  glide_value map;
  memset(&map, 0, sizeof map);
  map.type = GLIDE_VALUE_MAP;
  map.u.aggregate.items = items;
  map.u.aggregate.len = 2; /* pairs */
  assert_int_equal(glide_value_len(&map), 2);
  assert_ptr_equal(glide_value_map_key(&map, 0), &items[0]);
  assert_ptr_equal(glide_value_map_value(&map, 0), &items[1]);
  assert_ptr_equal(glide_value_map_key(&map, 1), &items[2]);
  assert_ptr_equal(glide_value_map_value(&map, 1), &items[3]);
  assert_null(glide_value_map_key(&map, 2));
  assert_null(glide_value_map_value(&map, 2));
  assert_null(glide_value_map_key(&map, (size_t)-1));
  assert_null(glide_value_map_value(&map, SIZE_MAX / 2 + 1)); /* 2*i would overflow */
  assert_null(glide_value_at(&map, 0));                       /* at is for array/set/push */

  glide_value empty;
  memset(&empty, 0, sizeof empty);
  empty.type = GLIDE_VALUE_ARRAY;
  empty.u.aggregate.items = NULL;
  empty.u.aggregate.len = 0;
  assert_int_equal(glide_value_len(&empty), 0);
  assert_null(glide_value_at(&empty, 0));

  /* glide_value_children: every child at once, never past max */
  const glide_value *out[5] = {NULL, NULL, NULL, NULL, NULL};
  assert_int_equal(glide_value_children(&array, NULL, 0), 4);
  assert_int_equal(glide_value_children(&array, out, 2), 4);
  assert_ptr_equal(out[0], &items[0]);
  assert_ptr_equal(out[1], &items[1]);
  assert_null(out[2]);                                     /* past max: untouched */
  assert_int_equal(glide_value_children(&map, out, 5), 4); /* 2 pairs = 4 children */
  assert_ptr_equal(out[3], &items[3]);
  assert_null(out[4]);
  assert_int_equal(glide_value_children(&set, out, 5), 4);
  assert_int_equal(glide_value_children(&push, out, 5), 4);
  assert_int_equal(glide_value_children(&empty, out, 5), 0);
  assert_int_equal(glide_value_children(NULL, out, 5), 0);
  assert_int_equal(glide_value_children(&items[0], out, 5), 0); /* a string has no children */
  assert_int_equal(glide_value_children(&items[1], NULL, 0), 0);
}

/* ------------------------------------------------------------------ frees and close with NULL */

static void test_free_null_is_noop(void **state) {
  (void)state;
  glide_value_free(NULL);
  glide_config_free(NULL);
  glide_batch_free(NULL);
  glide_batch_clear(NULL);
  glide_string_free(NULL);
  glide_client_close(NULL);
  glide_batch_options_init(NULL);
  assert_int_equal(glide_batch_size(NULL), 0);
}

/* ------------------------------------------------------------------ config */

static void dummy_pubsub_cb(void *user_data, const glide_pubsub_message *m) {
  (void)user_data;
  (void)m;
}

static void test_config_null_handle(void **state) {
  (void)state;
  INVALID(glide_config_add_address(NULL, "127.0.0.1", 6379));
  INVALID(glide_config_set_cluster_mode(NULL, true));
  INVALID(glide_config_set_credentials(NULL, NULL, "pw"));
  INVALID(glide_config_set_tls(NULL, false));
  INVALID(glide_config_set_tls(NULL, true));
  INVALID(glide_config_set_tls_ca_file(NULL, "/tmp/ca.pem"));
  INVALID(glide_config_set_tls_client_cert(NULL, "/tmp/c.pem", "/tmp/k.pem"));
  INVALID(glide_config_set_tls_insecure(NULL, false));
  INVALID(glide_config_set_request_timeout_ms(NULL, 1000));
  INVALID(glide_config_set_connect_timeout_ms(NULL, 1000));
  INVALID(glide_config_set_client_name(NULL, "name"));
  INVALID(glide_config_set_protocol(NULL, 3));
  INVALID(glide_config_set_read_from(NULL, GLIDE_READ_FROM_PRIMARY));
  INVALID(glide_config_set_reconnect(NULL, 5, 100, 2000));
  INVALID(glide_config_set_database(NULL, 0));
  INVALID(glide_config_set_inflight_limit(NULL, 10));
  INVALID(glide_config_set_callback_mode(NULL, GLIDE_CALLBACKS_ON_IO_THREAD));
  INVALID(glide_config_set_pubsub_callback(NULL, dummy_pubsub_cb, NULL));
  INVALID(glide_config_subscribe(NULL, GLIDE_PUBSUB_EXACT, "ch", 2));
  INVALID(glide_config_set_reply_limits(NULL, 0, 0, 0));
}

static void test_config_bad_values(void **state) {
  (void)state;
  glide_config *cfg = glide_config_new();
  assert_non_null(cfg);

  /* addresses */
  INVALID(glide_config_add_address(cfg, NULL, 6379));
  INVALID(glide_config_add_address(cfg, "", 6379));
  INVALID(glide_config_add_address(cfg, "127.0.0.1", 0));
  OK(glide_config_add_address(cfg, "127.0.0.1", 1));
  OK(glide_config_add_address(cfg, "127.0.0.1", 65535));
  OK(glide_config_add_address(cfg, "localhost", 6379));

  /* credentials: the password must not be NULL; username NULL = default user */
  INVALID(glide_config_set_credentials(cfg, NULL, NULL));
  INVALID(glide_config_set_credentials(cfg, "user", NULL));
  OK(glide_config_set_credentials(cfg, NULL, "pw"));
  OK(glide_config_set_credentials(cfg, "user", "pw"));

  /* TLS: on and off; file paths must be non-empty strings (they are read by glide_client_new) */
  OK(glide_config_set_tls(cfg, true));
  OK(glide_config_set_tls(cfg, false));
  OK(glide_config_set_tls_insecure(cfg, true));
  OK(glide_config_set_tls_insecure(cfg, false));
  INVALID(glide_config_set_tls_ca_file(cfg, NULL));
  INVALID(glide_config_set_tls_ca_file(cfg, ""));
  OK(glide_config_set_tls_ca_file(cfg, "/nonexistent/ca.pem"));
  INVALID(glide_config_set_tls_client_cert(cfg, NULL, "/tmp/k.pem"));
  INVALID(glide_config_set_tls_client_cert(cfg, "/tmp/c.pem", NULL));
  INVALID(glide_config_set_tls_client_cert(cfg, "", "/tmp/k.pem"));
  INVALID(glide_config_set_tls_client_cert(cfg, "/tmp/c.pem", ""));
  OK(glide_config_set_tls_client_cert(cfg, "/tmp/c.pem", "/tmp/k.pem"));

  /* timeouts: 1 .. 3,600,000 ms */
  INVALID(glide_config_set_request_timeout_ms(cfg, 0));
  INVALID(glide_config_set_request_timeout_ms(cfg, 3600001));
  INVALID(glide_config_set_request_timeout_ms(cfg, UINT32_MAX));
  OK(glide_config_set_request_timeout_ms(cfg, 1));
  OK(glide_config_set_request_timeout_ms(cfg, 3600000));
  INVALID(glide_config_set_connect_timeout_ms(cfg, 0));
  INVALID(glide_config_set_connect_timeout_ms(cfg, 3600001));
  INVALID(glide_config_set_connect_timeout_ms(cfg, UINT32_MAX));
  OK(glide_config_set_connect_timeout_ms(cfg, 1));
  OK(glide_config_set_connect_timeout_ms(cfg, 3600000));

  /* client name: no spaces or newlines; NULL clears */
  INVALID(glide_config_set_client_name(cfg, "has space"));
  INVALID(glide_config_set_client_name(cfg, "has\nnewline"));
  INVALID(glide_config_set_client_name(cfg, "cr\r"));
  OK(glide_config_set_client_name(cfg, "glide-test_name.1"));
  OK(glide_config_set_client_name(cfg, NULL));

  /* protocol: 2 or 3 */
  INVALID(glide_config_set_protocol(cfg, 4));
  INVALID(glide_config_set_protocol(cfg, 1));
  INVALID(glide_config_set_protocol(cfg, 0));
  INVALID(glide_config_set_protocol(cfg, -1));
  INVALID(glide_config_set_protocol(cfg, 99));
  OK(glide_config_set_protocol(cfg, 2));
  OK(glide_config_set_protocol(cfg, 3));

  /* enums */
  INVALID(glide_config_set_read_from(cfg, (glide_read_from)99));
  INVALID(glide_config_set_read_from(cfg, (glide_read_from)-1));
  OK(glide_config_set_read_from(cfg, GLIDE_READ_FROM_PRIMARY));
  OK(glide_config_set_read_from(cfg, GLIDE_READ_FROM_PREFER_REPLICA));
  INVALID(glide_config_set_callback_mode(cfg, (glide_callback_mode)99));
  INVALID(glide_config_set_callback_mode(cfg, (glide_callback_mode)-1));
  OK(glide_config_set_callback_mode(cfg, GLIDE_CALLBACKS_DISPATCHED));
  OK(glide_config_set_callback_mode(cfg, GLIDE_CALLBACKS_ON_IO_THREAD));

  /* reconnect: base >= 1, base <= max */
  INVALID(glide_config_set_reconnect(cfg, 5, 2001, 2000));
  INVALID(glide_config_set_reconnect(cfg, 5, 0, 2000));
  INVALID(glide_config_set_reconnect(cfg, 5, 0, 0));
  OK(glide_config_set_reconnect(cfg, 5, 100, 2000));
  OK(glide_config_set_reconnect(cfg, 3, 500, 500));

  /* in-flight limit: 1 .. 1,000,000 */
  INVALID(glide_config_set_inflight_limit(cfg, 0));
  INVALID(glide_config_set_inflight_limit(cfg, 1000001));
  OK(glide_config_set_inflight_limit(cfg, 1));
  OK(glide_config_set_inflight_limit(cfg, 1000000));

  OK(glide_config_set_database(cfg, 0));
  OK(glide_config_set_cluster_mode(cfg, false));
  OK(glide_config_set_cluster_mode(cfg, true));

  /* pub/sub: bad input is INVALID_ARGUMENT; channels are non-empty */
  INVALID(glide_config_subscribe(cfg, (glide_pubsub_kind)99, "ch", 2));
  INVALID(glide_config_subscribe(cfg, GLIDE_PUBSUB_EXACT, NULL, 2));
  INVALID(glide_config_subscribe(cfg, GLIDE_PUBSUB_EXACT, "ch", 0));
  OK(glide_config_subscribe(cfg, GLIDE_PUBSUB_EXACT, "ch", 2));
  OK(glide_config_subscribe(cfg, GLIDE_PUBSUB_EXACT, "ch", 2)); /* a set: counted once */
  OK(glide_config_subscribe(cfg, GLIDE_PUBSUB_SHARDED, "ch", 2));
  OK(glide_config_set_pubsub_callback(cfg, dummy_pubsub_cb, NULL));
  OK(glide_config_set_pubsub_callback(cfg, NULL, NULL)); /* cleared */

  /* reply limits: depth at most 1024; 0 keeps the current value */
  INVALID(glide_config_set_reply_limits(cfg, 1025, 0, 0));
  INVALID(glide_config_set_reply_limits(cfg, UINT32_MAX, 0, 0));
  OK(glide_config_set_reply_limits(cfg, 0, 0, 0));
  OK(glide_config_set_reply_limits(cfg, 1024, 1024, 1024));
  OK(glide_config_set_reply_limits(cfg, 1, 0, 0));

  glide_config_free(cfg);
}

/* ------------------------------------------------------------------ batches */

static void test_batch_null_handle(void **state) {
  (void)state;
  const char *argv[] = {"GET", "k"};
  const size_t argvlen[] = {3, 1};
  const char *chans[] = {"a"};
  const size_t chan_lens[] = {1};
  INVALID(glide_batch_command(NULL, 2, argv, argvlen));
  INVALID(glide_batch_set(NULL, "k", 1, "v", 1));
  INVALID(glide_batch_get(NULL, "k", 1));
  INVALID(glide_batch_copy(NULL, "a", 1, "b", 1, false));
  INVALID(glide_batch_publish(NULL, "m", 1, "c", 1, false));
  INVALID(glide_batch_publish(NULL, "m", 1, "c", 1, true));
  INVALID(glide_batch_pubsub_shardchannels(NULL, NULL, 0));
  INVALID(glide_batch_pubsub_shardnumsub(NULL, 1, chans, chan_lens));
  const size_t argcs[] = {2};
  INVALID(glide_batch_command_many(NULL, 1, argcs, argv, argvlen));
  assert_int_equal(glide_batch_size(NULL), 0);
  glide_batch_clear(NULL);
  glide_batch_free(NULL);
}

#define SIZE_IS(b, n)                                                                         \
  do {                                                                                        \
    size_t sz_ = glide_batch_size(b);                                                         \
    if (sz_ != (size_t)(n)) h_fail("glide_batch_size = %zu, expected %zu", sz_, (size_t)(n)); \
  } while (0)

static void test_batch_bad_args(void **state) {
  (void)state;
  for (int atomic = 0; atomic <= 1; atomic++) {
    glide_batch *b = glide_batch_new(atomic);
    assert_non_null(b);
    SIZE_IS(b, 0);

    /* glide_batch_command */
    const char *argv[] = {"SET", "k", "v"};
    const size_t argvlen[] = {3, 1, 1};
    INVALID(glide_batch_command(b, 0, argv, argvlen)); /* argc 0 */
    INVALID(glide_batch_command(b, 0, NULL, NULL));    /* argc 0 */
    INVALID(glide_batch_command(b, 3, NULL, argvlen)); /* NULL argv, argc 3 */
    INVALID(glide_batch_command(b, 3, argv, NULL));    /* NULL lengths, argc 3 */
    const char *argv_null_arg[] = {"SET", NULL, "v"};
    INVALID(glide_batch_command(b, 3, argv_null_arg, argvlen)); /* NULL arg with length 1 */
    const char *argv_null_name[] = {NULL, "k", "v"};
    INVALID(glide_batch_command(b, 3, argv_null_name, argvlen));
    SIZE_IS(b, 0); /* nothing was added */

    /* typed helpers: NULL pointer with a non-zero length */
    INVALID(glide_batch_set(b, NULL, 3, "v", 1));
    INVALID(glide_batch_set(b, "k", 1, NULL, 5));
    INVALID(glide_batch_get(b, NULL, 3));
    INVALID(glide_batch_copy(b, NULL, 1, "d", 1, false));
    INVALID(glide_batch_copy(b, "s", 1, NULL, 1, true));
    INVALID(glide_batch_publish(b, NULL, 1, "c", 1, false));
    INVALID(glide_batch_publish(b, "m", 1, NULL, 1, true));
    INVALID(glide_batch_pubsub_shardchannels(b, NULL, 3));
    const char *chans[] = {"a", NULL};
    const size_t chan_lens[] = {1, 1};
    INVALID(glide_batch_pubsub_shardnumsub(b, 2, NULL, chan_lens));
    INVALID(glide_batch_pubsub_shardnumsub(b, 2, chans, NULL));
    INVALID(glide_batch_pubsub_shardnumsub(b, 2, chans, chan_lens)); /* chans[1] NULL, len 1 */
    SIZE_IS(b, 0);

    /* NULL with length 0 is the empty string, which is valid */
    const char *argv_empty[] = {"SET", NULL, "v"};
    const size_t argvlen_empty[] = {3, 0, 1};
    OK(glide_batch_command(b, 3, argv_empty, argvlen_empty));
    SIZE_IS(b, 1);
    OK(glide_batch_set(b, NULL, 0, NULL, 0));
    OK(glide_batch_get(b, NULL, 0));
    OK(glide_batch_pubsub_shardchannels(b, NULL, 0));     /* all channels */
    OK(glide_batch_pubsub_shardnumsub(b, 0, NULL, NULL)); /* empty map */
    SIZE_IS(b, 5);

    /* bad input after good input changes nothing either */
    INVALID(glide_batch_command(b, 0, argv, argvlen));
    INVALID(glide_batch_get(b, NULL, 1));
    SIZE_IS(b, 5);

    /* glide_batch_command_many: all or nothing */
    const char *many[] = {"SET", "k", "v", "GET", "k", "PING"};
    const size_t many_lens[] = {3, 1, 1, 3, 1, 4};
    const size_t argcs[] = {3, 2, 1};
    INVALID(glide_batch_command_many(b, 0, argcs, many, many_lens));
    INVALID(glide_batch_command_many(b, 3, NULL, many, many_lens));
    INVALID(glide_batch_command_many(b, 3, argcs, NULL, many_lens));
    INVALID(glide_batch_command_many(b, 3, argcs, many, NULL));
    const size_t argcs_zero[] = {3, 0, 1};
    INVALID(glide_batch_command_many(b, 3, argcs_zero, many, many_lens));
    const size_t argcs_past_end[] = {3, 2, SIZE_MAX};
    INVALID(glide_batch_command_many(b, 3, argcs_past_end, many, many_lens));
    const char *many_bad_last[] = {"SET", "k", "v", "GET", "k", NULL};
    INVALID(glide_batch_command_many(b, 3, argcs, many_bad_last, many_lens)); /* 3rd bad */
    SIZE_IS(b, 5); /* the first two good commands were taken back */
    OK(glide_batch_command_many(b, 3, argcs, many, many_lens));
    SIZE_IS(b, 8);
    glide_batch_free(b);
  }
}

static void test_batch_size_and_clear(void **state) {
  (void)state;
  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  const char *chans[] = {"c1", "c2"};
  const size_t chan_lens[] = {2, 2};
  OK(glide_batch_set(b, "key1", 4, "value1", 6));
  OK(glide_batch_set(b, "key2", 4, "value2", 6));
  OK(glide_batch_get(b, "key1", 4));
  OK(glide_batch_get(b, "key2", 4));
  SIZE_IS(b, 4);
  OK(glide_batch_copy(b, "{t}a", 4, "{t}b", 4, true));
  OK(glide_batch_publish(b, "msg", 3, "chan", 4, false));
  OK(glide_batch_publish(b, "msg", 3, "chan", 4, true));
  OK(glide_batch_pubsub_shardchannels(b, "c*", 2));
  OK(glide_batch_pubsub_shardnumsub(b, 2, chans, chan_lens));
  OK(h_batch_cmd(b, "PING", NULL));
  SIZE_IS(b, 10);
  glide_batch_clear(b);
  SIZE_IS(b, 0);
  glide_batch_clear(b); /* twice is fine */
  SIZE_IS(b, 0);
  /* reusable after clear */
  OK(glide_batch_get(b, "key1", 4));
  SIZE_IS(b, 1);
  /* a bigger batch, counted exactly */
  glide_batch_clear(b);
  char key[32];
  for (int i = 0; i < 1000; i++) {
    int n = snprintf(key, sizeof key, "k%d", i);
    OK(glide_batch_set(b, key, (size_t)n, key, (size_t)n));
  }
  SIZE_IS(b, 1000);
  glide_batch_clear(b);
  SIZE_IS(b, 0);
  glide_batch_free(b);

  glide_batch *a = glide_batch_new(true);
  assert_non_null(a);
  OK(glide_batch_set(a, "key", 3, "value", 5));
  OK(glide_batch_get(a, "key", 3));
  SIZE_IS(a, 2);
  glide_batch_clear(a);
  SIZE_IS(a, 0);
  glide_batch_free(a);
}

static void test_batch_options_init(void **state) {
  (void)state;
  glide_batch_options o;
  memset(&o, 0xA5, sizeof o);
  glide_batch_options_init(&o);
  assert_int_equal(o.struct_size, sizeof(glide_batch_options));
  assert_int_equal(o.timeout_ms, 0);
  assert_false(o.retry_server_error);
  assert_false(o.retry_connection_error);
  assert_int_equal(o.route.kind, GLIDE_ROUTE_NONE);
  assert_false(o.route.replica);
  assert_null(o.route.key);
  assert_int_equal(o.route.key_len, 0);
  assert_int_equal(o.route.slot, 0);
  assert_null(o.route.host);
  assert_int_equal(o.route.port, 0);
  glide_batch_options_init(NULL); /* no crash */

  /* _init_size writes no byte past the size it is given (an older, shorter mirror of the
   * struct), and sets struct_size to what it wrote; the library then reads only that much. */
  unsigned char buf[sizeof(glide_batch_options) + 16];
  memset(buf, 0xA5, sizeof buf);
  const size_t older = offsetof(glide_batch_options, route);
  glide_batch_options_init_size((glide_batch_options *)(void *)buf, older);
  size_t got;
  memcpy(&got, buf, sizeof got);
  assert_int_equal(got, older);
  for (size_t i = older; i < sizeof buf; i++) assert_int_equal(buf[i], 0xA5);
  /* a bigger size than the library knows: only the library's struct is written */
  memset(buf, 0xA5, sizeof buf);
  glide_batch_options_init_size((glide_batch_options *)(void *)buf, sizeof buf);
  memcpy(&got, buf, sizeof got);
  assert_int_equal(got, sizeof(glide_batch_options));
  for (size_t i = sizeof(glide_batch_options); i < sizeof buf; i++) assert_int_equal(buf[i], 0xA5);
  /* too small for struct_size itself, or NULL: nothing written */
  memset(buf, 0xA5, sizeof buf);
  glide_batch_options_init_size((glide_batch_options *)(void *)buf, sizeof(size_t) - 1);
  assert_int_equal(buf[0], 0xA5);
  glide_batch_options_init_size(NULL, sizeof(glide_batch_options));
  /* _init writes the 0.2.0 struct, whatever this library's size is */
  memset(buf, 0xA5, sizeof buf);
  glide_batch_options_init((glide_batch_options *)(void *)buf);
  memcpy(&got, buf, sizeof got);
  assert_int_equal(got, 64);
  for (size_t i = 64; i < sizeof buf; i++) assert_int_equal(buf[i], 0xA5);
}

/* ------------------------------------------------------------------ clients */

static void test_client_new_bad_input(void **state) {
  (void)state;
  glide_client *c = NULL;
  char *msg = NULL;

  /* NULL config */
  INVALID(glide_client_new(NULL, &c, &msg));
  assert_null(c);
  glide_string_free(msg);
  msg = NULL;
  INVALID(glide_client_new(NULL, &c, NULL));
  assert_null(c);

  /* NULL out */
  glide_config *cfg = glide_config_new();
  assert_non_null(cfg);
  uint16_t port = h_free_port();
  OK(glide_config_add_address(cfg, "127.0.0.1", port));
  OK(glide_config_set_connect_timeout_ms(cfg, 200));
  INVALID(glide_client_new(cfg, NULL, &msg));
  glide_string_free(msg);
  msg = NULL;
  INVALID(glide_client_new(cfg, NULL, NULL));
  glide_config_free(cfg);

  /* no addresses, cluster and standalone */
  for (int cluster = 0; cluster <= 1; cluster++) {
    cfg = glide_config_new();
    assert_non_null(cfg);
    OK(glide_config_set_cluster_mode(cfg, cluster));
    c = NULL;
    INVALID(glide_client_new(cfg, &c, &msg));
    assert_null(c);
    if (msg) assert_true(strlen(msg) > 0);
    glide_string_free(msg);
    msg = NULL;
    glide_config_free(cfg);
  }

  /* a non-zero database in cluster mode */
  cfg = glide_config_new();
  assert_non_null(cfg);
  OK(glide_config_add_address(cfg, "127.0.0.1", port));
  OK(glide_config_set_cluster_mode(cfg, true));
  OK(glide_config_set_connect_timeout_ms(cfg, 200));
  OK(glide_config_set_database(cfg, 1));
  c = NULL;
  INVALID(glide_client_new(cfg, &c, &msg));
  assert_null(c);
  glide_string_free(msg);
  msg = NULL;
  glide_config_free(cfg);
}

static atomic_int g_cb_calls;

static void counting_cb(void *user_data, glide_value *result) {
  (void)user_data;
  atomic_fetch_add(&g_cb_calls, 1);
  glide_value_free(result);
}

static void check_invalid_root(glide_value *v, const char *what) {
  if (!v) h_fail("%s returned NULL (the contract says never)", what);
  char d[512];
  if (v->type != GLIDE_VALUE_ERROR || v->error_kind != GLIDE_ERR_INVALID_ARGUMENT) {
    h_describe(v, d, sizeof d);
    glide_value_free(v);
    h_fail("%s: expected an INVALID_ARGUMENT ERROR root, got %s", what, d);
  }
  size_t len = 0;
  const char *m = glide_value_string(v, &len);
  if (!m || len == 0 || m[len] != 0) {
    glide_value_free(v);
    h_fail("%s: the error message is empty or not NUL-terminated", what);
  }
  assert_int_equal(glide_value_error_kind(v), GLIDE_ERR_INVALID_ARGUMENT);
  assert_int_equal(glide_value_get_type(v), GLIDE_VALUE_ERROR);
  glide_value_free(v);
}

static void test_client_null_handle(void **state) {
  (void)state;
  const char *argv[] = {"PING"};
  const size_t argvlen[] = {4};
  atomic_store(&g_cb_calls, 0);

  check_invalid_root(glide_client_command(NULL, 1, argv, argvlen),
                     "glide_client_command(NULL client)");
  check_invalid_root(glide_client_command(NULL, 0, NULL, NULL),
                     "glide_client_command(NULL, argc 0)");

  glide_batch *b = glide_batch_new(false);
  assert_non_null(b);
  OK(glide_batch_get(b, "k", 1));
  glide_batch_options o;
  glide_batch_options_init(&o);
  check_invalid_root(glide_client_exec(NULL, b, false, NULL), "glide_client_exec(NULL client)");
  check_invalid_root(glide_client_exec(NULL, b, true, &o),
                     "glide_client_exec(NULL client, options)");
  check_invalid_root(glide_client_exec(NULL, NULL, false, NULL), "glide_client_exec(NULL, NULL)");

  INVALID(glide_client_command_async(NULL, 1, argv, argvlen, counting_cb, NULL));
  INVALID(glide_client_exec_async(NULL, b, false, NULL, counting_cb, NULL));
  INVALID(glide_client_exec_async(NULL, NULL, false, NULL, counting_cb, NULL));
  glide_batch_free(b);

  {
    const char *chans[] = {"ch"};
    const size_t chan_lens[] = {2};
    INVALID(glide_client_subscribe(NULL, GLIDE_PUBSUB_EXACT, chans, chan_lens, 1));
    INVALID(glide_client_unsubscribe(NULL, GLIDE_PUBSUB_EXACT, chans, chan_lens, 1));
    INVALID(glide_client_unsubscribe(NULL, GLIDE_PUBSUB_SHARDED, NULL, NULL, 0));
  }

  assert_int_equal(glide_client_event_fd(NULL), -1);
  assert_int_equal(glide_client_dispatch(NULL, 0), 0);
  assert_int_equal(glide_client_dispatch(NULL, 10), 0);
  INVALID(glide_client_update_password(NULL, "pw", true));
  INVALID(glide_client_update_password(NULL, NULL, false));
  glide_client_close(NULL);

  /* rejected async calls never call back */
  h_sleep_ms(50);
  assert_int_equal(atomic_load(&g_cb_calls), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_version),
      T(test_error_kind_names),
      T(test_value_accessors_null),
      T(test_value_accessors_wrong_type),
      T(test_value_accessors_error_kind_and_verbatim_format),
      T(test_value_accessors_out_of_range),
      T(test_free_null_is_noop),
      T(test_config_null_handle),
      T(test_config_bad_values),
      T(test_batch_null_handle),
      T(test_batch_bad_args),
      T(test_batch_size_and_clear),
      T(test_batch_options_init),
      T(test_client_new_bad_input),
      T(test_client_null_handle),
  };
  return cmocka_run_group_tests_name("api_bad_input", tests, NULL, NULL);
}
