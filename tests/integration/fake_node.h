/*
 * fake_node.h - a scripted fake cluster node for the integration tests: what a real cluster cannot
 * produce on demand (TRYAGAIN, CLUSTERDOWN, READONLY, circular MOVED, silence, garbage bytes, a
 * connection closed in the middle of a pipeline).
 *
 * A fake node is a TCP server on 127.0.0.1:<ephemeral port> with its own thread (one poll loop,
 * any number of connections at once). It speaks RESP2/RESP3 like a Valkey/Redis cluster node:
 *  - built-in answers (used when no rule matches): HELLO [2|3] (a RESP3 map like a real 7.0
 *    server's: server, version, proto, id, mode cluster, role master, modules []; RESP2: the same
 *    as a flat array), AUTH / SELECT / READONLY / READWRITE / ASKING / CLIENT <anything> -> +OK
 *    (CLIENT ID -> :id), PING -> +PONG, ECHO, CLUSTER SLOTS (all 16384 slots to itself, or the map
 *    set with fake_node_set_slots), CLUSTER MYID, MULTI / EXEC / DISCARD (commands are queued,
 *    EXEC runs them; EXECABORT when a queued command was answered with an error), and a tiny
 *    key-value store shared by all connections: SET k v -> +OK, GET k -> the value or nil,
 *    DEL / UNLINK / EXISTS k... -> counts. Anything else: -ERR unknown command.
 *  - rules: "when the Nth (or every) command named X (optionally whose first argument is Y)
 *    arrives, answer these raw bytes / answer them after a delay / never answer / close the
 *    connection". A rule counts the commands it matches from the moment it is added. For each
 *    command, every matching rule counts it; then the first rule whose nth equals its count wins,
 *    else the first "every" rule (nth 0), else the built-in answer. Rules override built-ins too
 *    (HELLO, CLUSTER SLOTS ...). Inside MULTI, a rule's answer replaces +QUEUED: an error answer
 *    marks the transaction for EXECABORT, any other answer still queues the command.
 *  - replies on one connection leave in order: a delayed reply holds back the later ones (like a
 *    busy server), a silent one holds them back forever (until the connection closes).
 *  - every command it processes is logged (connection number, name, arguments). Bytes that arrive
 *    after a "close" rule fired on that connection are discarded, not logged.
 *
 * Thread-safety: all functions may be called from the test thread while the node runs. Setup
 * failures fail the current cmocka test (harness.h's h_fail).
 */
#ifndef GLIDE_TEST_FAKE_NODE_H
#define GLIDE_TEST_FAKE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "glide_c.h"

typedef struct fake_node fake_node;

/* One CLUSTER SLOTS range: slots lo..hi served by 127.0.0.1:port (0 = this fake node), with one
 * replica 127.0.0.1:replica_port listed when replica_port is not 0. */
typedef struct fake_slot_range {
  uint16_t lo, hi;
  uint16_t port;
  uint16_t replica_port;
} fake_slot_range;

#define FAKE_ARGS_MAX 16
#define FAKE_ARG_CAP 128

/* A logged command. */
typedef struct fake_cmd {
  unsigned conn;  /* connection number on this node: 1, 2, ... in accept order */
  uint64_t at_ms; /* arrival, CLOCK_MONOTONIC milliseconds (h_now_ms) */
  size_t argc;    /* the real argument count; argv keeps the first FAKE_ARGS_MAX */
  char argv[FAKE_ARGS_MAX][FAKE_ARG_CAP]; /* NUL-terminated, truncated to FAKE_ARG_CAP - 1 */
} fake_cmd;

/* Starts a node on 127.0.0.1:0 claiming all slots. Fails the test on error. */
fake_node *fake_node_start(void);
/* Closes every socket, joins the thread, frees. NULL is a no-op. */
void fake_node_stop(fake_node *n);

uint16_t fake_node_port(const fake_node *n);
/* The 40-character node id this node reports (HELLO id is a number; this is CLUSTER MYID). */
const char *fake_node_id(const fake_node *n);
/* The id a fake node on that port reports (so maps may name other fake nodes). */
void fake_node_id_for_port(uint16_t port, char out[41]);

/* Replaces the CLUSTER SLOTS answer (count 1..64 ranges; copied). */
void fake_node_set_slots(fake_node *n, const fake_slot_range *ranges, size_t count);

/* Rules. name is matched case-insensitively against argv[0], arg1 (NULL = any) case-insensitively
 * against argv[1] (so "CLUSTER", "SLOTS" matches CLUSTER SLOTS; keys in tests differ by more
 * than case). nth: 1 = the first matching command after the rule is added, 2 = the second, ...;
 * 0 = every one. bytes are sent as they are (write complete RESP). */
void fake_node_on_reply(fake_node *n, const char *name, const char *arg1, unsigned nth,
                        const char *bytes);
void fake_node_on_reply_len(fake_node *n, const char *name, const char *arg1, unsigned nth,
                            const char *bytes, size_t len);
void fake_node_on_delay(fake_node *n, const char *name, const char *arg1, unsigned nth,
                        unsigned delay_ms, const char *bytes);
void fake_node_on_silent(fake_node *n, const char *name, const char *arg1, unsigned nth);
/* Sends the replies already due on that connection, then closes it; later input is discarded. */
void fake_node_on_close(fake_node *n, const char *name, const char *arg1, unsigned nth);
void fake_node_clear_rules(fake_node *n);
/* Answers with `prefix` (NULL: none), then `chunk` sent `repeat` times (as fast as the client
 * reads), then `final_bytes` (NULL: nothing more): pushes before a reply, a reply that never
 * ends, floods. */
void fake_node_on_stream(fake_node *n, const char *name, const char *arg1, unsigned nth,
                         const char *prefix, const char *chunk, size_t chunk_len, size_t repeat,
                         const char *final_bytes);
/* false: the node stops reading from its connections (their data piles up in the client, as
 * with a server that hangs); true: it reads again. New connections are still accepted. */
void fake_node_set_reading(fake_node *n, bool reading);

/* The store: sets a key directly (as if SET had been received; not logged). */
void fake_node_store_set(fake_node *n, const char *key, const char *value);

/* Log access. count: logged commands matching name (case-insensitive) and arg1 (NULL = any),
 * same matching as the rules. */
size_t fake_node_count(fake_node *n, const char *name, const char *arg1);
size_t fake_node_log_len(fake_node *n);
/* Copies entry i (0-based, arrival order over all connections); false when out of range. */
bool fake_node_log_get(fake_node *n, size_t i, fake_cmd *out);
/* True when some entry matches name/arg1 and the entry just before it on the same connection
 * is named prev_name (e.g. ASKING right before GET k). */
bool fake_node_preceded_by(fake_node *n, const char *name, const char *arg1, const char *prev_name);
/* "conn#: NAME arg ...\n" lines (the last ones if it does not fit), NUL-terminated; returns buf. */
char *fake_node_log_describe(fake_node *n, char *buf, size_t cap);
/* Polls up to timeout_ms until count(name, arg1) >= target; true if reached. */
bool fake_node_wait_count(fake_node *n, const char *name, const char *arg1, size_t target,
                          unsigned timeout_ms);
void fake_node_clear_log(fake_node *n);

/* Connections accepted so far, and open now. */
unsigned fake_node_connections(fake_node *n);
unsigned fake_node_open_connections(fake_node *n);
/* True while connection number id (fake_cmd.conn) is open. */
bool fake_node_conn_open(fake_node *n, unsigned id);
/* Closes every client connection now (the listener stays). */
void fake_node_drop_connections(fake_node *n);

/* A cluster client seeded with the fake node: the given request timeout, connect timeout 1000 ms,
 * quick reconnects (10..100 ms), periodic topology check every refresh_ms (0 = off),
 * max_redirects 0 = the library default (3). Fails the test if it cannot connect. */
glide_config *fake_node_config(fake_node *seed, uint32_t request_timeout_ms, uint32_t max_redirects,
                               uint32_t refresh_ms); /* the same config, for more settings */
glide_client *fake_node_client(fake_node *seed, uint32_t request_timeout_ms, uint32_t max_redirects,
                               uint32_t refresh_ms);

/* The fixture of the fake-node tests (cmocka setup/teardown with *state a fake_fixture): up to
 * two nodes and a client, which the teardown closes first and then stops. */
typedef struct fake_fixture {
  fake_node *a, *b;
  glide_client *c;
} fake_fixture;
int fake_fixture_setup(void **state);
int fake_fixture_teardown(void **state);
/* Points `slot` at node `to` and every other slot at `rest`, in the CLUSTER SLOTS of a and b. */
void fake_fixture_map_slot_to(fake_fixture *f, uint16_t slot, fake_node *to, fake_node *rest);
/* "-<kind> <slot of key> 127.0.0.1:<port of to>\r\n" (kind MOVED or ASK) into buf. */
void fake_redirect_reply(char *buf, size_t cap, const char *kind, const char *key,
                         const fake_node *to);

#endif /* GLIDE_TEST_FAKE_NODE_H */
