/*
 * test_auth.c - authentication against the auth server of tests/scripts/test_servers.sh
 * (requirepass glide-secret; user glideuser/glide-pass): refused credentials at connect, NOPERM
 * in place, re-authentication on reconnect, and password rotation with
 * glide_client_update_password. Each test makes its own ACL user (named after h_prefix()) through
 * an admin client and deletes it, so nothing else on the server changes. No secret may appear in
 * any message.
 */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#define KEYLEN 160

static const char *const kSecrets[] = {"glide-secret", "glide-pass", "rot-pass-1", "rot-pass-2",
                                       "rot-pass-3",   "rot-wrong",  "lim-pass"};

static void assert_no_secret_at(const char *msg, const char *file, int line) {
  if (!msg) return;
  for (size_t i = 0; i < sizeof kSecrets / sizeof kSecrets[0]; i++)
    if (strstr(msg, kSecrets[i])) h_fail_at(file, line, "a secret shows in: %s", msg);
}
#define assert_no_secret(msg) assert_no_secret_at((msg), __FILE__, __LINE__)

static void assert_value_no_secret(const glide_value *v) {
  if (!v) return;
  if (v->type == GLIDE_VALUE_ERROR) {
    char buf[1024];
    size_t n = v->u.string.len < sizeof buf - 1 ? v->u.string.len : sizeof buf - 1;
    memcpy(buf, v->u.string.ptr, n);
    buf[n] = 0;
    assert_no_secret(buf);
  }
  if (v->type == GLIDE_VALUE_ARRAY)
    for (size_t i = 0; i < glide_value_len(v); i++) assert_value_no_secret(glide_value_at(v, i));
}

static glide_config *auth_config(const char *user, const char *password, int protocol) {
  glide_config *cfg = h_config_standalone(h_auth_port());
  if (password) OK(glide_config_set_credentials(cfg, user, password));
  OK(glide_config_set_protocol(cfg, protocol));
  OK(glide_config_set_connect_timeout_ms(cfg, 2000));
  return cfg;
}

static glide_client *admin(void) { return h_connect(auth_config(NULL, "glide-secret", 3)); }

/* Runs a command on the admin client and checks it is not an error. */
static void admin_cmd(glide_client *a, const char *arg0, ...) {
  const char *argv[16];
  size_t lens[16];
  size_t n = 0;
  va_list ap;
  va_start(ap, arg0);
  for (const char *s = arg0; s && n < 16; s = va_arg(ap, const char *)) {
    argv[n] = s;
    lens[n++] = strlen(s);
  }
  va_end(ap);
  glide_value *v = glide_client_command(a, n, argv, lens);
  if (v->type == GLIDE_VALUE_ERROR) {
    char d[512];
    h_fail("%s: %s", arg0, h_describe(v, d, sizeof d));
  }
  glide_value_free(v);
}

static char *user_name(char *buf, size_t cap, const char *what) {
  /* ACL user names: no spaces; h_prefix() is "gt:<pid>:<ns>:" */
  return h_key(buf, cap, "%s", what);
}

static void test_refused_at_connect(void **state) {
  (void)state;
  struct {
    const char *user, *password;
    int protocol;
  } cases[] = {
      {NULL, "rot-wrong", 3},           {NULL, "rot-wrong", 2}, {"nobody-here", "glide-secret", 3},
      {"nobody-here", "glide-pass", 2}, {NULL, NULL, 3},        {NULL, NULL, 2},
      {"glideuser", "glide-secret", 3},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    glide_client *c = NULL;
    char *msg = NULL;
    glide_config *cfg = auth_config(cases[i].user, cases[i].password, cases[i].protocol);
    glide_status st = glide_client_new(cfg, &c, &msg);
    glide_config_free(cfg);
    char m[1024];
    snprintf(m, sizeof m, "%s", msg ? msg : "(none)");
    glide_string_free(msg);
    if (st != GLIDE_ERR_AUTH) {
      glide_client_close(c);
      h_fail("case %zu: status %s, expected AUTH (%s)", i, glide_error_kind_name(st), m);
    }
    assert_null(c);
    assert_true(strstr(m, "WRONGPASS") || strstr(m, "NOAUTH"));
    assert_no_secret(m);
  }
}

static void test_noperm_in_place(void **state) {
  (void)state;
  glide_client *a = admin();
  char user[KEYLEN], k[KEYLEN];
  user_name(user, sizeof user, "limited");
  h_key(k, sizeof k, "noperm");
  admin_cmd(a, "ACL", "SETUSER", user, "on", ">lim-pass", "~*", "+@connection", "+get", NULL);
  glide_client *c = h_connect(auth_config(user, "lim-pass", 3));
  glide_batch *b = glide_batch_new(false);
  OK(h_batch_cmd(b, "SET", k, "v", NULL));
  OK(h_batch_cmd(b, "GET", k, NULL));
  glide_value *r = glide_client_exec(c, b, false, NULL);
  glide_batch_free(b);
  assert_array(r, 2);
  assert_error_prefix(h_at(r, 0), GLIDE_ERR_SERVER, "NOPERM");
  assert_nil(h_at(r, 1));
  assert_value_no_secret(r);
  glide_value_free(r);
  glide_client_close(c);
  admin_cmd(a, "ACL", "DELUSER", user, NULL);
  glide_client_close(a);
}

/* A command after the server dropped the connection; the first may meet the dead connection. */
static glide_value *cmd_after_kill(glide_client *c, const char *arg0, const char *arg1) {
  for (int attempt = 0;; attempt++) {
    glide_value *v = h_cmd(c, arg0, arg1, NULL);
    if (v->type != GLIDE_VALUE_ERROR || v->error_kind != GLIDE_ERR_CONNECTION || attempt == 5)
      return v;
    glide_value_free(v);
    h_sleep_ms(50);
  }
}

static void whoami_is(glide_client *c, const char *user) {
  glide_value *v = cmd_after_kill(c, "ACL", "WHOAMI");
  assert_bulk(v, user);
  glide_value_free(v);
}

static void test_reconnect_reauthenticates(void **state) {
  (void)state;
  glide_client *a = admin();
  char user[KEYLEN];
  user_name(user, sizeof user, "reconnect");
  admin_cmd(a, "ACL", "SETUSER", user, "on", ">rot-pass-1", "~*", "+@all", NULL);
  for (int protocol = 2; protocol <= 3; protocol++) {
    glide_client *c = h_connect(auth_config(user, "rot-pass-1", protocol));
    whoami_is(c, user);
    admin_cmd(a, "CLIENT", "KILL", "USER", user, NULL);
    h_sleep_ms(50);
    whoami_is(c, user);
    glide_client_close(c);
  }
  admin_cmd(a, "ACL", "DELUSER", user, NULL);
  glide_client_close(a);
}

static long long auth_calls(glide_client *a) {
  glide_value *v = h_cmd(a, "INFO", "commandstats", NULL);
  size_t len = 0;
  const char *s = glide_value_string(v, &len);
  char *copy = malloc(len + 1);
  memcpy(copy, s, len);
  copy[len] = 0;
  long long n = (long long)h_info_int(copy, "cmdstat_auth:calls=");
  free(copy);
  glide_value_free(v);
  return n;
}

static void test_password_rotation(void **state) {
  (void)state;
  glide_client *a = admin();
  char user[KEYLEN];
  user_name(user, sizeof user, "rotate");
  admin_cmd(a, "ACL", "SETUSER", user, "on", ">rot-pass-1", "~*", "+@all", NULL);
  glide_client *c = h_connect(auth_config(user, "rot-pass-1", 3));
  whoami_is(c, user);

  /* immediate: the live connection re-authenticates now (one AUTH), then the old password goes */
  admin_cmd(a, "ACL", "SETUSER", user, ">rot-pass-2", NULL);
  const long long before = auth_calls(a);
  OK(glide_client_update_password(c, "rot-pass-2", true));
  assert_true(auth_calls(a) >= before + 1);
  admin_cmd(a, "ACL", "SETUSER", user, "<rot-pass-1", NULL);
  admin_cmd(a, "CLIENT", "KILL", "USER", user, NULL);
  whoami_is(c, user); /* reconnected with rot-pass-2 */

  /* immediate with a password the server refuses: AUTH; the connection stays as it was */
  ST(glide_client_update_password(c, "rot-wrong", true), GLIDE_ERR_AUTH);
  whoami_is(c, user);

  /* deferred: the server changes first; nothing is sent until a new connection is made */
  admin_cmd(a, "ACL", "SETUSER", user, "resetpass", ">rot-pass-3", NULL);
  OK(glide_client_update_password(c, "rot-pass-3", false));
  whoami_is(c, user);
  admin_cmd(a, "CLIENT", "KILL", "USER", user, NULL);
  whoami_is(c, user); /* reconnected with rot-pass-3 */

  /* cleared: a new connection sends no credentials and is refused, with no secret shown */
  OK(glide_client_update_password(c, NULL, false));
  admin_cmd(a, "CLIENT", "KILL", "USER", user, NULL);
  glide_value *v = cmd_after_kill(c, "ACL", "WHOAMI");
  assert_error_kind(v, GLIDE_ERR_AUTH);
  assert_value_no_secret(v);
  glide_value_free(v);

  /* and back */
  OK(glide_client_update_password(c, "rot-pass-3", true));
  h_sleep_ms(150); /* past the reconnect backoff of the refused connection */
  whoami_is(c, user);

  glide_client_close(c);
  admin_cmd(a, "ACL", "DELUSER", user, NULL);
  glide_client_close(a);
}

/* From a callback on the client's I/O thread the call cannot wait: INVALID_ARGUMENT. */
typedef struct {
  glide_client *c;
  atomic_int status;
  atomic_int done;
} cb_state;

static void update_from_callback(void *user_data, glide_value *result) {
  cb_state *s = user_data;
  glide_value_free(result);
  atomic_store(&s->status, (int)glide_client_update_password(s->c, "rot-pass-1", true));
  atomic_store(&s->done, 1);
}

static void test_update_password_from_callback_refused(void **state) {
  (void)state;
  cb_state s = {.c = admin()};
  atomic_init(&s.status, -1);
  atomic_init(&s.done, 0);
  const char *argv[] = {"PING"};
  const size_t lens[] = {4};
  OK(glide_client_command_async(s.c, 1, argv, lens, update_from_callback, &s));
  assert_true(h_wait_counter(&s.done, 1, 3000));
  assert_int_equal(atomic_load(&s.status), GLIDE_ERR_INVALID_ARGUMENT);
  glide_client_close(s.c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refused_at_connect),
      cmocka_unit_test(test_noperm_in_place),
      cmocka_unit_test(test_reconnect_reauthenticates),
      cmocka_unit_test(test_password_rotation),
      cmocka_unit_test(test_update_password_from_callback_refused),
  };
  return cmocka_run_group_tests(tests, h_group_setup, NULL);
}
