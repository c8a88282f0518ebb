/*
 * cluster_batch.c - the two ClusterBatch examples from Valkey GLIDE's Python documentation,
 * written against the glide-c API.
 *
 *   Atomic Batch - Transaction in a Cluster:
 *     transaction = ClusterBatch(is_atomic=True)
 *     transaction.set("key", "value")
 *     transaction.get("key")
 *     result = await client.exec(transaction, false)   ->  [OK, b"value"]
 *
 *   Non-Atomic Batch - Pipeline in a Cluster:
 *     pipeline = ClusterBatch(is_atomic=False)
 *     pipeline.set("key1", "value1")
 *     pipeline.set("key2", "value2")
 *     pipeline.get("key1")
 *     pipeline.get("key2")
 *     result = await client.exec(pipeline, false)      ->  [OK, OK, b"value1", b"value2"]
 *
 * key1 and key2 live in different hash slots (usually on different primaries): the pipeline is
 * split per node and the answers come back in the order the commands were added.
 *
 * Usage: cluster_batch [HOST [PORT]]   (default 127.0.0.1 7100; any node of the cluster)
 * Exit status 0 when both results are exactly the documented ones.
 */
#include <glide_c.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ a tiny growable string */

typedef struct strbuf {
  char *data;
  size_t len;
  size_t cap;
  bool failed; /* out of memory */
} strbuf;

static void sb_append(strbuf *sb, const char *s, size_t n) {
  if (sb->failed) return;
  if (sb->len + n + 1 > sb->cap) {
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + n + 1) cap *= 2;
    char *p = realloc(sb->data, cap);
    if (!p) {
      sb->failed = true;
      return;
    }
    sb->data = p;
    sb->cap = cap;
  }
  memcpy(sb->data + sb->len, s, n);
  sb->len += n;
  sb->data[sb->len] = '\0';
}

static void sb_puts(strbuf *sb, const char *s) { sb_append(sb, s, strlen(s)); }

static void sb_printf(strbuf *sb, const char *fmt, ...) {
  char tmp[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof tmp) {
    sb->failed = true;
    return;
  }
  sb_append(sb, tmp, (size_t)n);
}

/* ------------------------------------------------------------------ glide_value, Python style */

/* Bytes as Python shows them, with the double quotes of the GLIDE documentation: b"value"
 * (without the b when prefix is false). */
static void repr_bytes(strbuf *sb, const char *p, size_t n, bool prefix) {
  sb_puts(sb, prefix ? "b\"" : "\"");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    switch (c) {
      case '\\':
        sb_puts(sb, "\\\\");
        break;
      case '"':
        sb_puts(sb, "\\\"");
        break;
      case '\n':
        sb_puts(sb, "\\n");
        break;
      case '\r':
        sb_puts(sb, "\\r");
        break;
      case '\t':
        sb_puts(sb, "\\t");
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          sb_printf(sb, "\\x%02x", c);
        } else {
          char ch = (char)c;
          sb_append(sb, &ch, 1);
        }
    }
  }
  sb_puts(sb, "\"");
}

/* The shortest decimal that reads back as the same double, as Python's repr does. */
static void repr_double(strbuf *sb, double d) {
  if (isnan(d)) {
    sb_puts(sb, "nan");
    return;
  }
  if (isinf(d)) {
    sb_puts(sb, d > 0 ? "inf" : "-inf");
    return;
  }
  char tmp[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, d);
    if (strtod(tmp, NULL) == d) break;
  }
  sb_puts(sb, tmp);
  if (!strpbrk(tmp, ".en")) sb_puts(sb, ".0"); /* 3 -> 3.0 */
}

static void repr_value(strbuf *sb, const glide_value *v) {
  size_t n;
  switch (glide_value_get_type(v)) {
    case GLIDE_VALUE_NIL:
      sb_puts(sb, "None");
      break;
    case GLIDE_VALUE_SIMPLE_STRING: { /* OK, PONG, QUEUED: shown bare */
      const char *s = glide_value_string(v, &n);
      sb_append(sb, s, n);
      break;
    }
    case GLIDE_VALUE_BULK_STRING:
    case GLIDE_VALUE_VERBATIM_STRING: {
      const char *s = glide_value_string(v, &n);
      repr_bytes(sb, s, n, true);
      break;
    }
    case GLIDE_VALUE_INTEGER:
      sb_printf(sb, "%" PRId64, glide_value_integer(v));
      break;
    case GLIDE_VALUE_DOUBLE:
      repr_double(sb, glide_value_double(v));
      break;
    case GLIDE_VALUE_BOOLEAN:
      sb_puts(sb, glide_value_bool(v) ? "True" : "False");
      break;
    case GLIDE_VALUE_BIG_NUMBER: {
      const char *s = glide_value_string(v, &n);
      sb_append(sb, s, n);
      break;
    }
    case GLIDE_VALUE_ARRAY:
    case GLIDE_VALUE_PUSH:
      sb_puts(sb, "[");
      for (size_t i = 0; i < glide_value_len(v); i++) {
        if (i) sb_puts(sb, ", ");
        repr_value(sb, glide_value_at(v, i));
      }
      sb_puts(sb, "]");
      break;
    case GLIDE_VALUE_SET:
      if (glide_value_len(v) == 0) {
        sb_puts(sb, "set()");
        break;
      }
      sb_puts(sb, "{");
      for (size_t i = 0; i < glide_value_len(v); i++) {
        if (i) sb_puts(sb, ", ");
        repr_value(sb, glide_value_at(v, i));
      }
      sb_puts(sb, "}");
      break;
    case GLIDE_VALUE_MAP:
      sb_puts(sb, "{");
      for (size_t i = 0; i < glide_value_len(v); i++) {
        if (i) sb_puts(sb, ", ");
        repr_value(sb, glide_value_map_key(v, i));
        sb_puts(sb, ": ");
        repr_value(sb, glide_value_map_value(v, i));
      }
      sb_puts(sb, "}");
      break;
    case GLIDE_VALUE_ERROR: {
      const char *s = glide_value_string(v, &n);
      sb_puts(sb, "Error(");
      sb_puts(sb, glide_error_kind_name(glide_value_error_kind(v)));
      sb_puts(sb, ", ");
      repr_bytes(sb, s, n, false);
      sb_puts(sb, ")");
      break;
    }
    default:
      sb_puts(sb, "<unknown>");
      break;
  }
}

/* ------------------------------------------------------------------ the examples */

static int check(glide_status st, const char *what) {
  if (st != GLIDE_OK) {
    fprintf(stderr, "cluster_batch: %s failed: %s\n", what, glide_error_kind_name(st));
    return 1;
  }
  return 0;
}

/* An ERROR anywhere in the tree (a raise_on_error=false batch keeps errors in place). */
static const glide_value *first_error(const glide_value *v) {
  glide_value_type t = glide_value_get_type(v);
  if (t == GLIDE_VALUE_ERROR) return v;
  if (t == GLIDE_VALUE_ARRAY || t == GLIDE_VALUE_SET || t == GLIDE_VALUE_PUSH) {
    for (size_t i = 0; i < glide_value_len(v); i++) {
      const glide_value *e = first_error(glide_value_at(v, i));
      if (e) return e;
    }
  }
  return NULL;
}

/* Runs the batch, prints the result and compares it with the documented one. */
static int run(glide_client *client, const glide_batch *batch, const char *expected) {
  glide_value *result = glide_client_exec(client, batch, false, NULL);
  if (!result) { /* never happens: exec reports failures as an ERROR root */
    fprintf(stderr, "cluster_batch: exec returned NULL\n");
    return 1;
  }
  int rc = 0;
  const glide_value *err = first_error(result);
  if (err) {
    const char *msg = glide_value_string(err, NULL);
    fprintf(stderr, "cluster_batch: exec failed: %s: %s\n",
            glide_error_kind_name(glide_value_error_kind(err)), msg ? msg : "");
    rc = 1;
  }
  strbuf sb = {0};
  repr_value(&sb, result);
  if (sb.failed) {
    fprintf(stderr, "cluster_batch: out of memory\n");
    rc = 1;
  } else {
    printf("%s\n", sb.data);
    if (rc == 0 && strcmp(sb.data, expected) != 0) {
      fprintf(stderr, "cluster_batch: expected %s\n", expected);
      rc = 1;
    }
  }
  free(sb.data);
  glide_value_free(result);
  return rc;
}

#define LIT(s) (s), (sizeof(s) - 1) /* a string literal as (ptr, len) */

static int atomic_example(glide_client *client) {
  printf("Atomic Batch - Transaction in a Cluster:\n");
  glide_batch *transaction = glide_batch_new(true); /* Atomic (Transaction) */
  if (!transaction) return check(GLIDE_ERR_OUT_OF_MEMORY, "glide_batch_new");
  int rc = check(glide_batch_set(transaction, LIT("key"), LIT("value")), "set");
  if (!rc) rc = check(glide_batch_get(transaction, LIT("key")), "get");
  if (!rc) rc = run(client, transaction, "[OK, b\"value\"]");
  glide_batch_free(transaction);
  return rc;
}

static int pipeline_example(glide_client *client) {
  printf("Non-Atomic Batch - Pipeline in a Cluster:\n");
  glide_batch *pipeline = glide_batch_new(false); /* Non-Atomic (Pipeline) */
  if (!pipeline) return check(GLIDE_ERR_OUT_OF_MEMORY, "glide_batch_new");
  int rc = check(glide_batch_set(pipeline, LIT("key1"), LIT("value1")), "set");
  if (!rc) rc = check(glide_batch_set(pipeline, LIT("key2"), LIT("value2")), "set");
  if (!rc) rc = check(glide_batch_get(pipeline, LIT("key1")), "get");
  if (!rc) rc = check(glide_batch_get(pipeline, LIT("key2")), "get");
  if (!rc) rc = run(client, pipeline, "[OK, OK, b\"value1\", b\"value2\"]");
  glide_batch_free(pipeline);
  return rc;
}

int main(int argc, char **argv) {
  const char *host = argc > 1 ? argv[1] : "127.0.0.1";
  long port = 7100;
  if (argc > 3) {
    fprintf(stderr, "usage: %s [HOST [PORT]]\n", argv[0]);
    return 2;
  }
  if (argc > 2) {
    char *end = NULL;
    errno = 0;
    port = strtol(argv[2], &end, 10);
    if (errno || end == argv[2] || *end != '\0' || port < 1 || port > 65535) {
      fprintf(stderr, "cluster_batch: bad port '%s'\n", argv[2]);
      return 2;
    }
  }

  glide_config *cfg = glide_config_new();
  if (!cfg) return check(GLIDE_ERR_OUT_OF_MEMORY, "glide_config_new");
  int rc = check(glide_config_add_address(cfg, host, (uint16_t)port), "glide_config_add_address");
  if (!rc) rc = check(glide_config_set_cluster_mode(cfg, true), "glide_config_set_cluster_mode");
  glide_client *client = NULL;
  if (!rc) {
    char *message = NULL;
    glide_status st = glide_client_new(cfg, &client, &message);
    if (st != GLIDE_OK) {
      fprintf(stderr, "cluster_batch: cannot connect to %s:%ld: %s: %s\n", host, port,
              glide_error_kind_name(st), message ? message : "");
      rc = 1;
    }
    glide_string_free(message);
  }
  glide_config_free(cfg);

  if (!rc) rc = atomic_example(client);
  if (!rc) rc = pipeline_example(client);
  glide_client_close(client);
  return rc;
}
