/* fake_node.c - see fake_node.h. */
#define _POSIX_C_SOURCE 200809L

#include "fake_node.h"

#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define FAKE_MAX_CONNS 64
#define FAKE_MAX_RULES 256
#define FAKE_MAX_RANGES 64
#define FAKE_LOG_MAX 100000
#define FAKE_IN_MAX (4u * 1024u * 1024u) /* a client sending more than this unparsed: closed */
#define FAKE_NEVER UINT64_MAX

enum { ACT_REPLY, ACT_DELAY, ACT_SILENT, ACT_CLOSE, ACT_STREAM };

typedef struct rule {
  char name[64];
  char arg1[FAKE_ARG_CAP];
  bool has_arg1;
  unsigned nth;
  unsigned seen;
  int action;
  unsigned delay_ms;
  char *bytes;
  size_t len;
  size_t repeat;     /* ACT_STREAM: bytes sent this many times, then final */
  char *final_bytes; /* ACT_STREAM, may be NULL */
  char *prefix;      /* ACT_STREAM, may be NULL */
} rule;

typedef struct out_item {
  char *bytes;
  size_t len;
  size_t off;
  uint64_t due;  /* FAKE_NEVER: silent */
  size_t repeat; /* times the bytes are sent (1 for ordinary replies) */
  struct out_item *next;
} out_item;

/* One parsed command with full-length arguments. */
typedef struct argvec {
  size_t argc;
  char **argv;
  size_t *len;
} argvec;

typedef struct conn {
  int fd;
  unsigned id;
  int proto;
  char *in;
  size_t in_len, in_cap;
  out_item *head, *tail;
  bool closing; /* a close rule fired: flush what is due, then close; ignore input */
  bool in_multi, dirty;
  argvec *queued;
  size_t nqueued, queued_cap;
} conn;

typedef struct kv {
  char *key, *value;
  size_t klen, vlen;
} kv;

struct fake_node {
  pthread_t thread;
  pthread_mutex_t mu;
  int listen_fd;
  int wake[2];
  uint16_t port;
  char id[41];
  bool stop;
  bool drop;
  bool not_reading;

  conn *conns[FAKE_MAX_CONNS];
  unsigned accepted;
  unsigned open;

  rule rules[FAKE_MAX_RULES];
  size_t nrules;

  fake_slot_range ranges[FAKE_MAX_RANGES];
  size_t nranges;

  fake_cmd *log;
  size_t nlog, log_cap;

  kv *store;
  size_t nstore, store_cap;
};

/* ------------------------------------------------------------------ small helpers */

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fprintf(stderr, "fake_node: out of memory\n");
    abort();
  }
  return q;
}

static char *xmemdup(const char *p, size_t n) {
  char *q = xrealloc(NULL, n + 1);
  if (n) memcpy(q, p, n);
  q[n] = 0;
  return q;
}

static bool ieq(const char *a, size_t alen, const char *b) {
  size_t bl = strlen(b);
  return alen == bl && strncasecmp(a, b, bl) == 0;
}

static void wake(fake_node *n) {
  char c = 1;
  ssize_t r = write(n->wake[1], &c, 1);
  (void)r;
}

typedef struct sbuf {
  char *p;
  size_t len, cap;
} sbuf;

static void sb_add(sbuf *s, const char *p, size_t n) {
  if (s->len + n + 1 > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    while (cap < s->len + n + 1) cap *= 2;
    s->p = xrealloc(s->p, cap);
    s->cap = cap;
  }
  if (n) memcpy(s->p + s->len, p, n);
  s->len += n;
  s->p[s->len] = 0;
}

static void sb_fmt(sbuf *s, const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(2, 3);
static void sb_fmt(sbuf *s, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof tmp) n = (int)sizeof tmp - 1;
  sb_add(s, tmp, (size_t)n);
}

static void sb_bulk(sbuf *s, const char *p, size_t n) {
  sb_fmt(s, "$%zu\r\n", n);
  sb_add(s, p, n);
  sb_add(s, "\r\n", 2);
}

static void sb_bulkz(sbuf *s, const char *p) { sb_bulk(s, p, strlen(p)); }

void fake_node_id_for_port(uint16_t port, char out[41]) {
  snprintf(out, 41, "fa4e%036u", (unsigned)port);
}

/* ------------------------------------------------------------------ connections */

static void argvec_free(argvec *a) {
  for (size_t i = 0; i < a->argc; i++) free(a->argv[i]);
  free(a->argv);
  free(a->len);
  a->argc = 0;
  a->argv = NULL;
  a->len = NULL;
}

static void clear_multi(conn *c) {
  for (size_t i = 0; i < c->nqueued; i++) argvec_free(&c->queued[i]);
  c->nqueued = 0;
  c->in_multi = false;
  c->dirty = false;
}

static void conn_free(fake_node *n, size_t slot) {
  conn *c = n->conns[slot];
  if (!c) return;
  if (c->fd >= 0) close(c->fd);
  free(c->in);
  out_item *o = c->head;
  while (o) {
    out_item *next = o->next;
    free(o->bytes);
    free(o);
    o = next;
  }
  clear_multi(c);
  free(c->queued);
  free(c);
  n->conns[slot] = NULL;
  n->open--;
}

static void conn_push(conn *c, const char *bytes, size_t len, uint64_t due) {
  out_item *o = xrealloc(NULL, sizeof *o);
  o->bytes = xmemdup(bytes, len);
  o->len = len;
  o->off = 0;
  o->due = due;
  o->repeat = 1;
  o->next = NULL;
  if (c->tail)
    c->tail->next = o;
  else
    c->head = o;
  c->tail = o;
}

/* Sends the due items in order; false when the connection failed. */
static bool conn_flush(conn *c, uint64_t now) {
  while (c->head && c->head->due <= now) {
    out_item *o = c->head;
    while (o->off < o->len) {
      ssize_t w = send(c->fd, o->bytes + o->off, o->len - o->off, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
      if (w <= 0) return false;
      o->off += (size_t)w;
    }
    if (--o->repeat > 0) {
      o->off = 0;
      continue;
    }
    c->head = o->next;
    if (!c->head) c->tail = NULL;
    free(o->bytes);
    free(o);
  }
  return true;
}

/* ------------------------------------------------------------------ the store */

static kv *store_find(fake_node *n, const char *k, size_t klen) {
  for (size_t i = 0; i < n->nstore; i++)
    if (n->store[i].klen == klen && memcmp(n->store[i].key, k, klen) == 0) return &n->store[i];
  return NULL;
}

static void store_put(fake_node *n, const char *k, size_t klen, const char *v, size_t vlen) {
  kv *e = store_find(n, k, klen);
  if (e) {
    free(e->value);
    e->value = xmemdup(v, vlen);
    e->vlen = vlen;
    return;
  }
  if (n->nstore == n->store_cap) {
    n->store_cap = n->store_cap ? n->store_cap * 2 : 16;
    n->store = xrealloc(n->store, n->store_cap * sizeof *n->store);
  }
  n->store[n->nstore].key = xmemdup(k, klen);
  n->store[n->nstore].klen = klen;
  n->store[n->nstore].value = xmemdup(v, vlen);
  n->store[n->nstore].vlen = vlen;
  n->nstore++;
}

static bool store_del(fake_node *n, const char *k, size_t klen) {
  kv *e = store_find(n, k, klen);
  if (!e) return false;
  free(e->key);
  free(e->value);
  *e = n->store[--n->nstore];
  return true;
}

/* ------------------------------------------------------------------ built-in answers */

static void cluster_slots_reply(fake_node *n, conn *c, sbuf *out) {
  sb_fmt(out, "*%zu\r\n", n->nranges);
  for (size_t i = 0; i < n->nranges; i++) {
    const fake_slot_range *r = &n->ranges[i];
    sb_fmt(out, "*%d\r\n:%u\r\n:%u\r\n", r->replica_port ? 4 : 3, (unsigned)r->lo, (unsigned)r->hi);
    uint16_t ports[2] = {r->port ? r->port : n->port, r->replica_port};
    for (int j = 0; j < (r->replica_port ? 2 : 1); j++) {
      char id[41];
      fake_node_id_for_port(ports[j], id);
      sb_fmt(out, "*4\r\n");
      sb_bulkz(out, "127.0.0.1");
      sb_fmt(out, ":%u\r\n", (unsigned)ports[j]);
      sb_bulkz(out, id);
      sb_fmt(out, c->proto == 3 ? "%%0\r\n" : "*0\r\n");
    }
  }
}

static void hello_reply(fake_node *n, conn *c, sbuf *out) {
  /* field order and values as a Redis 7.0 cluster node answers */
  sb_fmt(out, c->proto == 3 ? "%%7\r\n" : "*14\r\n");
  sb_bulkz(out, "server");
  sb_bulkz(out, "redis");
  sb_bulkz(out, "version");
  sb_bulkz(out, "7.0.15");
  sb_bulkz(out, "proto");
  sb_fmt(out, ":%d\r\n", c->proto);
  sb_bulkz(out, "id");
  sb_fmt(out, ":%u\r\n", c->id);
  sb_bulkz(out, "mode");
  sb_bulkz(out, "cluster");
  sb_bulkz(out, "role");
  sb_bulkz(out, "master");
  sb_bulkz(out, "modules");
  sb_fmt(out, "*0\r\n");
  (void)n;
}

static void unknown_reply(const argvec *a, sbuf *out) {
  char name[64];
  size_t l = a->len[0] < sizeof name - 1 ? a->len[0] : sizeof name - 1;
  memcpy(name, a->argv[0], l);
  name[l] = 0;
  for (size_t i = 0; i < l; i++)
    if (name[i] == '\r' || name[i] == '\n') name[i] = ' ';
  sb_fmt(out, "-ERR unknown command '%s' (fake node)\r\n", name);
}

/* The built-in answer to a command outside MULTI (or run by EXEC). */
static void builtin_reply(fake_node *n, conn *c, const argvec *a, sbuf *out) {
  const char *name = a->argv[0];
  size_t nl = a->len[0];
  if (ieq(name, nl, "HELLO")) {
    if (a->argc >= 2) {
      if (ieq(a->argv[1], a->len[1], "3"))
        c->proto = 3;
      else if (ieq(a->argv[1], a->len[1], "2"))
        c->proto = 2;
      else {
        sb_fmt(out, "-NOPROTO unsupported protocol version\r\n");
        return;
      }
    }
    hello_reply(n, c, out);
  } else if (ieq(name, nl, "AUTH") || ieq(name, nl, "SELECT") || ieq(name, nl, "READONLY") ||
             ieq(name, nl, "READWRITE") || ieq(name, nl, "ASKING")) {
    sb_fmt(out, "+OK\r\n");
  } else if (ieq(name, nl, "CLIENT")) {
    if (a->argc >= 2 && ieq(a->argv[1], a->len[1], "ID"))
      sb_fmt(out, ":%u\r\n", c->id);
    else
      sb_fmt(out, "+OK\r\n");
  } else if (ieq(name, nl, "PING")) {
    if (a->argc >= 2)
      sb_bulk(out, a->argv[1], a->len[1]);
    else
      sb_fmt(out, "+PONG\r\n");
  } else if (ieq(name, nl, "ECHO") && a->argc == 2) {
    sb_bulk(out, a->argv[1], a->len[1]);
  } else if (ieq(name, nl, "CLUSTER") && a->argc >= 2 && ieq(a->argv[1], a->len[1], "SLOTS")) {
    cluster_slots_reply(n, c, out);
  } else if (ieq(name, nl, "CLUSTER") && a->argc >= 2 && ieq(a->argv[1], a->len[1], "MYID")) {
    sb_bulkz(out, n->id);
  } else if (ieq(name, nl, "SET") && a->argc >= 3) {
    store_put(n, a->argv[1], a->len[1], a->argv[2], a->len[2]);
    sb_fmt(out, "+OK\r\n");
  } else if (ieq(name, nl, "GET") && a->argc == 2) {
    kv *e = store_find(n, a->argv[1], a->len[1]);
    if (e)
      sb_bulk(out, e->value, e->vlen);
    else
      sb_fmt(out, "$-1\r\n");
  } else if ((ieq(name, nl, "DEL") || ieq(name, nl, "UNLINK")) && a->argc >= 2) {
    long long count = 0;
    for (size_t i = 1; i < a->argc; i++) count += store_del(n, a->argv[i], a->len[i]);
    sb_fmt(out, ":%lld\r\n", count);
  } else if (ieq(name, nl, "EXISTS") && a->argc >= 2) {
    long long count = 0;
    for (size_t i = 1; i < a->argc; i++) count += store_find(n, a->argv[i], a->len[i]) != NULL;
    sb_fmt(out, ":%lld\r\n", count);
  } else {
    unknown_reply(a, out);
  }
}

/* ------------------------------------------------------------------ rules and the log */

static bool cmd_matches(const char *name, const char *arg1, bool has_arg1, const argvec *a) {
  if (!ieq(a->argv[0], a->len[0], name)) return false;
  if (!has_arg1) return true;
  return a->argc >= 2 && ieq(a->argv[1], a->len[1], arg1);
}

static bool log_matches(const fake_cmd *e, const char *name, const char *arg1) {
  if (e->argc < 1 || strcasecmp(e->argv[0], name) != 0) return false;
  if (!arg1) return true;
  return e->argc >= 2 && strcasecmp(e->argv[1], arg1) == 0;
}

static void log_command(fake_node *n, conn *c, const argvec *a) {
  if (n->nlog >= FAKE_LOG_MAX) return;
  if (n->nlog == n->log_cap) {
    n->log_cap = n->log_cap ? n->log_cap * 2 : 64;
    n->log = xrealloc(n->log, n->log_cap * sizeof *n->log);
  }
  fake_cmd *e = &n->log[n->nlog++];
  memset(e, 0, sizeof *e);
  e->conn = c->id;
  e->at_ms = h_now_ms();
  e->argc = a->argc;
  for (size_t i = 0; i < a->argc && i < FAKE_ARGS_MAX; i++) {
    size_t l = a->len[i] < FAKE_ARG_CAP - 1 ? a->len[i] : FAKE_ARG_CAP - 1;
    memcpy(e->argv[i], a->argv[i], l);
    e->argv[i][l] = 0;
  }
}

static rule *pick_rule(fake_node *n, const argvec *a) {
  rule *nth_hit = NULL, *every = NULL;
  for (size_t i = 0; i < n->nrules; i++) {
    rule *r = &n->rules[i];
    if (!cmd_matches(r->name, r->arg1, r->has_arg1, a)) continue;
    r->seen++;
    if (r->nth != 0 && r->seen == r->nth && !nth_hit) nth_hit = r;
    if (r->nth == 0 && !every) every = r;
  }
  return nth_hit ? nth_hit : every;
}

static bool is_error_reply(const char *p, size_t len) { return len > 0 && p[0] == '-'; }

/* Processes one command: logs it, answers it. */
static void process(fake_node *n, conn *c, argvec *a) {
  log_command(n, c, a);
  uint64_t now = h_now_ms();
  rule *r = pick_rule(n, a);
  const char *name = a->argv[0];
  size_t nl = a->len[0];
  bool multi_ctl = ieq(name, nl, "MULTI") || ieq(name, nl, "EXEC") || ieq(name, nl, "DISCARD");

  if (r) {
    if (r->action == ACT_CLOSE) {
      c->closing = true;
      return;
    }
    if (c->in_multi && !multi_ctl) {
      /* the rule's answer replaces +QUEUED */
      if (r->action == ACT_REPLY && is_error_reply(r->bytes, r->len))
        c->dirty = true;
      else if (r->action == ACT_REPLY || r->action == ACT_DELAY) {
        if (c->nqueued == c->queued_cap) {
          c->queued_cap = c->queued_cap ? c->queued_cap * 2 : 8;
          c->queued = xrealloc(c->queued, c->queued_cap * sizeof *c->queued);
        }
        c->queued[c->nqueued++] = *a;
        a->argc = 0;
        a->argv = NULL;
        a->len = NULL;
      }
    } else if (ieq(name, nl, "EXEC") || ieq(name, nl, "DISCARD")) {
      clear_multi(c);
    } else if (ieq(name, nl, "MULTI")) {
      clear_multi(c);
      c->in_multi = true;
    }
    switch (r->action) {
      case ACT_REPLY:
        conn_push(c, r->bytes, r->len, now);
        break;
      case ACT_DELAY:
        conn_push(c, r->bytes, r->len, now + r->delay_ms);
        break;
      case ACT_SILENT:
        conn_push(c, "", 0, FAKE_NEVER);
        break;
      case ACT_STREAM:
        if (r->prefix) conn_push(c, r->prefix, strlen(r->prefix), now);
        conn_push(c, r->bytes, r->len, now);
        c->tail->repeat = r->repeat;
        if (r->final_bytes) conn_push(c, r->final_bytes, strlen(r->final_bytes), now);
        break;
      default:
        break;
    }
    return;
  }

  sbuf out = {0};
  if (ieq(name, nl, "MULTI")) {
    if (c->in_multi) {
      sb_fmt(&out, "-ERR MULTI calls can not be nested\r\n");
      c->dirty = true;
    } else {
      clear_multi(c);
      c->in_multi = true;
      sb_fmt(&out, "+OK\r\n");
    }
  } else if (ieq(name, nl, "DISCARD")) {
    if (c->in_multi)
      sb_fmt(&out, "+OK\r\n");
    else
      sb_fmt(&out, "-ERR DISCARD without MULTI\r\n");
    clear_multi(c);
  } else if (ieq(name, nl, "EXEC")) {
    if (!c->in_multi) {
      sb_fmt(&out, "-ERR EXEC without MULTI\r\n");
    } else if (c->dirty) {
      sb_fmt(&out, "-EXECABORT Transaction discarded because of previous errors.\r\n");
    } else {
      sb_fmt(&out, "*%zu\r\n", c->nqueued);
      for (size_t i = 0; i < c->nqueued; i++) builtin_reply(n, c, &c->queued[i], &out);
    }
    clear_multi(c);
  } else if (c->in_multi) {
    /* queue it, like a server: unknown commands fail at queue time */
    static const char *known[] = {"SET", "GET", "DEL", "UNLINK", "EXISTS", "PING", "ECHO", NULL};
    bool ok = false;
    for (size_t i = 0; known[i]; i++) ok |= ieq(name, nl, known[i]);
    if (!ok) {
      unknown_reply(a, &out);
      c->dirty = true;
    } else {
      if (c->nqueued == c->queued_cap) {
        c->queued_cap = c->queued_cap ? c->queued_cap * 2 : 8;
        c->queued = xrealloc(c->queued, c->queued_cap * sizeof *c->queued);
      }
      c->queued[c->nqueued++] = *a;
      a->argc = 0;
      a->argv = NULL;
      a->len = NULL;
      sb_fmt(&out, "+QUEUED\r\n");
    }
  } else {
    builtin_reply(n, c, a, &out);
  }
  conn_push(c, out.p ? out.p : "", out.len, now);
  free(out.p);
}

/* Parses complete commands from c->in; false on a protocol error (the connection is closed). */
static bool parse_input(fake_node *n, conn *c) {
  size_t pos = 0;
  while (!c->closing && pos < c->in_len) {
    const char *b = c->in + pos;
    size_t avail = c->in_len - pos;
    if (b[0] != '*') return false; /* the client sends arrays of bulk strings only */
    const char *nl = memchr(b, '\n', avail);
    if (!nl) break;
    long long argc = h_parse_ll(b + 1, nl);
    if (argc < 1 || argc > 1000000) return false;
    size_t p = (size_t)(nl - b) + 1;
    argvec a = {0};
    a.argv = xrealloc(NULL, (size_t)argc * sizeof *a.argv);
    a.len = xrealloc(NULL, (size_t)argc * sizeof *a.len);
    bool complete = true;
    for (long long i = 0; i < argc; i++) {
      if (p >= avail) {
        complete = false;
        break;
      }
      if (b[p] != '$') {
        argvec_free(&a);
        return false;
      }
      const char *l = memchr(b + p, '\n', avail - p);
      if (!l) {
        complete = false;
        break;
      }
      long long len = h_parse_ll(b + p + 1, l);
      if (len < 0 || len > (long long)FAKE_IN_MAX) {
        argvec_free(&a);
        return false;
      }
      size_t start = (size_t)(l - b) + 1;
      if (start + (size_t)len + 2 > avail) {
        complete = false;
        break;
      }
      a.argv[a.argc] = xmemdup(b + start, (size_t)len);
      a.len[a.argc] = (size_t)len;
      a.argc++;
      p = start + (size_t)len + 2;
    }
    if (!complete) {
      argvec_free(&a);
      break;
    }
    pos += p;
    process(n, c, &a);
    argvec_free(&a);
  }
  if (c->closing) pos = c->in_len; /* discard what follows the close */
  memmove(c->in, c->in + pos, c->in_len - pos);
  c->in_len -= pos;
  return true;
}

/* ------------------------------------------------------------------ the loop */

static void accept_all(fake_node *n) {
  for (;;) {
    int fd = accept(n->listen_fd, NULL, NULL);
    if (fd < 0) return;
    size_t slot = FAKE_MAX_CONNS;
    for (size_t i = 0; i < FAKE_MAX_CONNS; i++)
      if (!n->conns[i]) {
        slot = i;
        break;
      }
    if (slot == FAKE_MAX_CONNS) {
      close(fd);
      continue;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn *c = xrealloc(NULL, sizeof *c);
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->id = ++n->accepted;
    c->proto = 2;
    n->conns[slot] = c;
    n->open++;
  }
}

static void *loop(void *arg) {
  fake_node *n = arg;
  struct pollfd pfd[FAKE_MAX_CONNS + 2];
  size_t map[FAKE_MAX_CONNS + 2];
  char buf[65536];
  for (;;) {
    pthread_mutex_lock(&n->mu);
    if (n->stop) {
      pthread_mutex_unlock(&n->mu);
      break;
    }
    if (n->drop) {
      for (size_t i = 0; i < FAKE_MAX_CONNS; i++) conn_free(n, i);
      n->drop = false;
    }
    uint64_t now = h_now_ms();
    int timeout = 50;
    size_t np = 0;
    pfd[np].fd = n->wake[0];
    pfd[np].events = POLLIN;
    map[np++] = SIZE_MAX;
    pfd[np].fd = n->listen_fd;
    pfd[np].events = POLLIN;
    map[np++] = SIZE_MAX;
    for (size_t i = 0; i < FAKE_MAX_CONNS; i++) {
      conn *c = n->conns[i];
      if (!c) continue;
      if (!conn_flush(c, now)) {
        conn_free(n, i);
        continue;
      }
      if (c->closing && (!c->head || c->head->due > now)) {
        conn_free(n, i);
        continue;
      }
      short ev = n->not_reading ? 0 : POLLIN;
      if (c->head && c->head->due <= now) ev |= POLLOUT; /* partially written */
      if (c->head && c->head->due > now && c->head->due != FAKE_NEVER) {
        uint64_t wait = c->head->due - now;
        if (wait < (uint64_t)timeout) timeout = (int)wait;
      }
      pfd[np].fd = c->fd;
      pfd[np].events = ev;
      map[np++] = i;
    }
    pthread_mutex_unlock(&n->mu);

    int r = poll(pfd, (nfds_t)np, timeout);
    if (r < 0 && errno != EINTR) break;

    pthread_mutex_lock(&n->mu);
    if (pfd[0].revents & POLLIN) {
      char drain[64];
      while (read(n->wake[0], drain, sizeof drain) > 0) {
      }
    }
    if (pfd[1].revents & POLLIN) accept_all(n);
    for (size_t k = 2; k < np; k++) {
      size_t i = map[k];
      conn *c = n->conns[i];
      if (!c || c->fd != pfd[k].fd) continue;
      if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      bool dead = false;
      for (;;) {
        ssize_t got = recv(c->fd, buf, sizeof buf, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (got <= 0) {
          dead = true;
          break;
        }
        if (c->closing) continue; /* discarded */
        if (c->in_len + (size_t)got > FAKE_IN_MAX) {
          dead = true;
          break;
        }
        if (c->in_len + (size_t)got > c->in_cap) {
          size_t cap = c->in_cap ? c->in_cap : 4096;
          while (cap < c->in_len + (size_t)got) cap *= 2;
          c->in = xrealloc(c->in, cap);
          c->in_cap = cap;
        }
        memcpy(c->in + c->in_len, buf, (size_t)got);
        c->in_len += (size_t)got;
      }
      if (!dead && c->in_len && !parse_input(n, c)) dead = true;
      if (dead) conn_free(n, i);
    }
    pthread_mutex_unlock(&n->mu);
  }
  pthread_mutex_lock(&n->mu);
  for (size_t i = 0; i < FAKE_MAX_CONNS; i++) conn_free(n, i);
  pthread_mutex_unlock(&n->mu);
  return NULL;
}

/* ------------------------------------------------------------------ API */

fake_node *fake_node_start(void) {
  fake_node *n = xrealloc(NULL, sizeof *n);
  memset(n, 0, sizeof *n);
  pthread_mutex_init(&n->mu, NULL);
  if (pipe(n->wake) != 0) h_fail("fake_node: pipe: %s", strerror(errno));
  fcntl(n->wake[0], F_SETFL, fcntl(n->wake[0], F_GETFL) | O_NONBLOCK);
  fcntl(n->wake[1], F_SETFL, fcntl(n->wake[1], F_GETFL) | O_NONBLOCK);
  n->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  if (n->listen_fd < 0) h_fail("fake_node: socket: %s", strerror(errno));
  int one = 1;
  setsockopt(n->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(n->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(n->listen_fd, 64) != 0)
    h_fail("fake_node: bind/listen on 127.0.0.1:0: %s", strerror(errno));
  socklen_t al = sizeof a;
  if (getsockname(n->listen_fd, (struct sockaddr *)&a, &al) != 0)
    h_fail("fake_node: getsockname: %s", strerror(errno));
  fcntl(n->listen_fd, F_SETFL, fcntl(n->listen_fd, F_GETFL) | O_NONBLOCK);
  n->port = ntohs(a.sin_port);
  fake_node_id_for_port(n->port, n->id);
  n->ranges[0] = (fake_slot_range){0, 16383, 0, 0};
  n->nranges = 1;
  int e = pthread_create(&n->thread, NULL, loop, n);
  if (e != 0) h_fail("fake_node: pthread_create: %s", strerror(e));
  return n;
}

void fake_node_stop(fake_node *n) {
  if (!n) return;
  pthread_mutex_lock(&n->mu);
  n->stop = true;
  pthread_mutex_unlock(&n->mu);
  wake(n);
  pthread_join(n->thread, NULL);
  close(n->listen_fd);
  close(n->wake[0]);
  close(n->wake[1]);
  for (size_t i = 0; i < n->nrules; i++) {
    free(n->rules[i].bytes);
    free(n->rules[i].final_bytes);
    free(n->rules[i].prefix);
  }
  for (size_t i = 0; i < n->nstore; i++) {
    free(n->store[i].key);
    free(n->store[i].value);
  }
  free(n->store);
  free(n->log);
  pthread_mutex_destroy(&n->mu);
  free(n);
}

uint16_t fake_node_port(const fake_node *n) { return n->port; }

const char *fake_node_id(const fake_node *n) { return n->id; }

void fake_node_set_slots(fake_node *n, const fake_slot_range *ranges, size_t count) {
  if (count == 0 || count > FAKE_MAX_RANGES)
    h_fail("fake_node_set_slots: %zu ranges (1..%d)", count, FAKE_MAX_RANGES);
  for (size_t i = 0; i < count; i++)
    if (ranges[i].lo > ranges[i].hi || ranges[i].hi > 16383)
      h_fail("fake_node_set_slots: bad range %u..%u", ranges[i].lo, ranges[i].hi);
  pthread_mutex_lock(&n->mu);
  memcpy(n->ranges, ranges, count * sizeof *ranges);
  n->nranges = count;
  pthread_mutex_unlock(&n->mu);
}

static void add_rule(fake_node *n, const char *name, const char *arg1, unsigned nth, int action,
                     unsigned delay_ms, const char *bytes, size_t len) {
  if (!name || strlen(name) >= sizeof n->rules[0].name) h_fail("fake_node rule: bad name");
  if (arg1 && strlen(arg1) >= FAKE_ARG_CAP)
    h_fail("fake_node rule: arg1 longer than %d", FAKE_ARG_CAP - 1);
  pthread_mutex_lock(&n->mu);
  if (n->nrules == FAKE_MAX_RULES) {
    pthread_mutex_unlock(&n->mu);
    h_fail("fake_node: more than %d rules", FAKE_MAX_RULES);
  }
  rule *r = &n->rules[n->nrules++];
  memset(r, 0, sizeof *r);
  snprintf(r->name, sizeof r->name, "%s", name);
  if (arg1) {
    snprintf(r->arg1, sizeof r->arg1, "%s", arg1);
    r->has_arg1 = true;
  }
  r->nth = nth;
  r->action = action;
  r->delay_ms = delay_ms;
  r->bytes = xmemdup(bytes ? bytes : "", bytes ? len : 0);
  r->len = bytes ? len : 0;
  pthread_mutex_unlock(&n->mu);
}

void fake_node_on_reply(fake_node *n, const char *name, const char *arg1, unsigned nth,
                        const char *bytes) {
  add_rule(n, name, arg1, nth, ACT_REPLY, 0, bytes, strlen(bytes));
}

void fake_node_on_reply_len(fake_node *n, const char *name, const char *arg1, unsigned nth,
                            const char *bytes, size_t len) {
  add_rule(n, name, arg1, nth, ACT_REPLY, 0, bytes, len);
}

void fake_node_on_delay(fake_node *n, const char *name, const char *arg1, unsigned nth,
                        unsigned delay_ms, const char *bytes) {
  add_rule(n, name, arg1, nth, ACT_DELAY, delay_ms, bytes, strlen(bytes));
}

void fake_node_on_silent(fake_node *n, const char *name, const char *arg1, unsigned nth) {
  add_rule(n, name, arg1, nth, ACT_SILENT, 0, NULL, 0);
}

void fake_node_on_close(fake_node *n, const char *name, const char *arg1, unsigned nth) {
  add_rule(n, name, arg1, nth, ACT_CLOSE, 0, NULL, 0);
}

void fake_node_on_stream(fake_node *n, const char *name, const char *arg1, unsigned nth,
                         const char *prefix, const char *chunk, size_t chunk_len, size_t repeat,
                         const char *final_bytes) {
  if (repeat == 0) h_fail("fake_node_on_stream: repeat 0");
  add_rule(n, name, arg1, nth, ACT_STREAM, 0, chunk, chunk_len);
  pthread_mutex_lock(&n->mu);
  rule *r = &n->rules[n->nrules - 1];
  r->repeat = repeat;
  r->final_bytes = final_bytes ? xmemdup(final_bytes, strlen(final_bytes)) : NULL;
  r->prefix = prefix ? xmemdup(prefix, strlen(prefix)) : NULL;
  pthread_mutex_unlock(&n->mu);
}

void fake_node_set_reading(fake_node *n, bool reading) {
  pthread_mutex_lock(&n->mu);
  n->not_reading = !reading;
  pthread_mutex_unlock(&n->mu);
  wake(n);
}

void fake_node_clear_rules(fake_node *n) {
  pthread_mutex_lock(&n->mu);
  for (size_t i = 0; i < n->nrules; i++) {
    free(n->rules[i].bytes);
    free(n->rules[i].final_bytes);
    free(n->rules[i].prefix);
  }
  n->nrules = 0;
  pthread_mutex_unlock(&n->mu);
}

void fake_node_store_set(fake_node *n, const char *key, const char *value) {
  pthread_mutex_lock(&n->mu);
  store_put(n, key, strlen(key), value, strlen(value));
  pthread_mutex_unlock(&n->mu);
}

size_t fake_node_count(fake_node *n, const char *name, const char *arg1) {
  pthread_mutex_lock(&n->mu);
  size_t count = 0;
  for (size_t i = 0; i < n->nlog; i++) count += log_matches(&n->log[i], name, arg1);
  pthread_mutex_unlock(&n->mu);
  return count;
}

size_t fake_node_log_len(fake_node *n) {
  pthread_mutex_lock(&n->mu);
  size_t len = n->nlog;
  pthread_mutex_unlock(&n->mu);
  return len;
}

bool fake_node_log_get(fake_node *n, size_t i, fake_cmd *out) {
  pthread_mutex_lock(&n->mu);
  bool ok = i < n->nlog;
  if (ok) *out = n->log[i];
  pthread_mutex_unlock(&n->mu);
  return ok;
}

bool fake_node_preceded_by(fake_node *n, const char *name, const char *arg1,
                           const char *prev_name) {
  pthread_mutex_lock(&n->mu);
  bool found = false;
  for (size_t i = 0; i < n->nlog && !found; i++) {
    if (!log_matches(&n->log[i], name, arg1)) continue;
    for (size_t j = i; j-- > 0;) {
      if (n->log[j].conn != n->log[i].conn) continue;
      found = strcasecmp(n->log[j].argv[0], prev_name) == 0;
      break;
    }
  }
  pthread_mutex_unlock(&n->mu);
  return found;
}

char *fake_node_log_describe(fake_node *n, char *buf, size_t cap) {
  if (!cap) return buf;
  buf[0] = 0;
  pthread_mutex_lock(&n->mu);
  /* the last entries that fit */
  size_t first = n->nlog, used = 0;
  while (first > 0) {
    const fake_cmd *e = &n->log[first - 1];
    size_t need = 16;
    for (size_t j = 0; j < e->argc && j < FAKE_ARGS_MAX; j++) need += strlen(e->argv[j]) + 1;
    if (used + need + 32 >= cap) break;
    used += need;
    first--;
  }
  size_t len = 0;
  if (first > 0) len += (size_t)snprintf(buf + len, cap - len, "(%zu earlier entries)\n", first);
  for (size_t i = first; i < n->nlog && len < cap; i++) {
    const fake_cmd *e = &n->log[i];
    len += (size_t)snprintf(buf + len, cap - len, "%u:", e->conn);
    for (size_t j = 0; j < e->argc && j < FAKE_ARGS_MAX && len < cap; j++)
      len += (size_t)snprintf(buf + len, cap - len, " %s", e->argv[j]);
    if (len < cap) len += (size_t)snprintf(buf + len, cap - len, "\n");
  }
  pthread_mutex_unlock(&n->mu);
  buf[cap - 1] = 0;
  return buf;
}

bool fake_node_wait_count(fake_node *n, const char *name, const char *arg1, size_t target,
                          unsigned timeout_ms) {
  uint64_t end = h_now_ms() + timeout_ms;
  for (;;) {
    if (fake_node_count(n, name, arg1) >= target) return true;
    if (h_now_ms() >= end) return false;
    h_sleep_ms(5);
  }
}

void fake_node_clear_log(fake_node *n) {
  pthread_mutex_lock(&n->mu);
  n->nlog = 0;
  pthread_mutex_unlock(&n->mu);
}

unsigned fake_node_connections(fake_node *n) {
  pthread_mutex_lock(&n->mu);
  unsigned v = n->accepted;
  pthread_mutex_unlock(&n->mu);
  return v;
}

unsigned fake_node_open_connections(fake_node *n) {
  pthread_mutex_lock(&n->mu);
  unsigned v = n->open;
  pthread_mutex_unlock(&n->mu);
  return v;
}

bool fake_node_conn_open(fake_node *n, unsigned id) {
  pthread_mutex_lock(&n->mu);
  bool open = false;
  for (size_t i = 0; i < FAKE_MAX_CONNS; i++) open |= n->conns[i] && n->conns[i]->id == id;
  pthread_mutex_unlock(&n->mu);
  return open;
}

void fake_node_drop_connections(fake_node *n) {
  pthread_mutex_lock(&n->mu);
  n->drop = true;
  pthread_mutex_unlock(&n->mu);
  wake(n);
  /* bounded wait until the loop has done it */
  uint64_t end = h_now_ms() + 2000;
  for (;;) {
    pthread_mutex_lock(&n->mu);
    bool done = !n->drop;
    pthread_mutex_unlock(&n->mu);
    if (done || h_now_ms() > end) return;
    h_sleep_ms(1);
  }
}

/* ------------------------------------------------------------------ clients */

glide_config *fake_node_config(fake_node *seed, uint32_t request_timeout_ms, uint32_t max_redirects,
                               uint32_t refresh_ms) {
  glide_config *cfg = glide_config_new();
  assert_non_null(cfg);
  OK(glide_config_add_address(cfg, "127.0.0.1", fake_node_port(seed)));
  OK(glide_config_set_cluster_mode(cfg, true));
  OK(glide_config_set_request_timeout_ms(cfg, request_timeout_ms));
  OK(glide_config_set_connect_timeout_ms(cfg, 1000));
  OK(glide_config_set_reconnect(cfg, 10, 10, 100));
  OK(glide_config_set_topology_refresh_ms(cfg, refresh_ms));
  if (max_redirects) OK(glide_config_set_max_redirects(cfg, max_redirects));
  return cfg;
}

glide_client *fake_node_client(fake_node *seed, uint32_t request_timeout_ms, uint32_t max_redirects,
                               uint32_t refresh_ms) {
  return h_connect(fake_node_config(seed, request_timeout_ms, max_redirects, refresh_ms));
}

/* ------------------------------------------------------------------ the tests' fixture */

int fake_fixture_setup(void **state) {
  fake_fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  *state = f;
  return 0;
}

int fake_fixture_teardown(void **state) {
  fake_fixture *f = *state;
  if (!f) return 0;
  glide_client_close(f->c); /* first: its connections go to the fake nodes */
  fake_node_stop(f->a);
  fake_node_stop(f->b);
  free(f);
  return 0;
}

void fake_fixture_map_slot_to(fake_fixture *f, uint16_t slot, fake_node *to, fake_node *rest) {
  fake_slot_range r[3];
  size_t n = 0;
  if (slot > 0) r[n++] = (fake_slot_range){0, (uint16_t)(slot - 1), fake_node_port(rest), 0};
  r[n++] = (fake_slot_range){slot, slot, fake_node_port(to), 0};
  if (slot < 16383)
    r[n++] = (fake_slot_range){(uint16_t)(slot + 1), 16383, fake_node_port(rest), 0};
  fake_node_set_slots(f->a, r, n);
  if (f->b) fake_node_set_slots(f->b, r, n);
}

void fake_redirect_reply(char *buf, size_t cap, const char *kind, const char *key,
                         const fake_node *to) {
  snprintf(buf, cap, "-%s %u 127.0.0.1:%u\r\n", kind, h_key_slot(key, strlen(key)),
           fake_node_port(to));
}
