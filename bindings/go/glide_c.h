/**
 * @file glide_c.h
 * @brief The whole public ABI of libglide_c, a Valkey / Redis cluster client.
 *
 * This header is the API reference: every function's comment says what it does, who owns what
 * it takes and returns, how long borrowed pointers live, which threads may call it and how it
 * fails.
 *
 * @par Conventions
 * They apply to every function below unless its comment says otherwise.
 *  - Everything exported is prefixed glide_ / GLIDE_. Handles (glide_config, glide_batch,
 *    glide_client) are opaque.
 *  - Binary-safe strings are (const char *ptr, size_t len); they may hold NUL bytes.
 *    A NULL ptr is accepted only together with len 0 (the empty string).
 *  - Functions that can fail return glide_status. Bad input (NULL handle, NULL pointer with a
 *    non-zero length, argc 0, unknown enum value, port 0) returns GLIDE_ERR_INVALID_ARGUMENT and
 *    changes nothing. The library never prints and never aborts the process.
 *  - Threads: a glide_client may be used from any number of threads at once. A glide_batch and a
 *    glide_config belong to one thread at a time. A glide_value tree is immutable once handed
 *    to the caller and may be read from any thread.
 *  - Ownership: a glide_value * handed to the caller (returned, or passed to a callback) belongs
 *    to the caller and is freed with one glide_value_free(root); the whole tree is one arena.
 *    Inner nodes must not be freed. exec never keeps a reference to the batch.
 *  - Callbacks fire exactly once per accepted request, on the library's I/O thread (default)
 *    or from glide_client_dispatch (GLIDE_CALLBACKS_DISPATCHED). A callback must not block for
 *    long; it may submit new requests, and may close its own client (see glide_client_close).
 *
 * @par ABI stability
 * Within one major version functions, enumerators and (struct_size) struct fields are only
 * added: a program or binding built against 0.x keeps working with every later 0.x. The layout
 * of every public struct on x86-64 is pinned by tests/unit/test_abi_layout.c, the exported
 * functions by the abidiff baseline abi/libglide_c.abi, and every symbol carries the version
 * node GLIDE_C_0.
 */
#ifndef GLIDE_C_H
#define GLIDE_C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Major version of this header: a new one may break the ABI (new SONAME libglide_c.so.N). */
#define GLIDE_C_VERSION_MAJOR 0
/** Minor version of this header: functions and fields added, nothing broken. */
#define GLIDE_C_VERSION_MINOR 2
/** Patch version of this header: fixes only. */
#define GLIDE_C_VERSION_PATCH 0
/** The header's version as one number, comparable with glide_version_number(). */
#define GLIDE_C_VERSION_NUMBER \
  ((GLIDE_C_VERSION_MAJOR << 16) | (GLIDE_C_VERSION_MINOR << 8) | GLIDE_C_VERSION_PATCH)

#if defined(_WIN32)
#if defined(GLIDE_C_BUILDING)
#define GLIDE_API __declspec(dllexport)
#else
#define GLIDE_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
/** Marks the exported functions (default visibility; everything else in the library is hidden). */
#define GLIDE_API __attribute__((visibility("default")))
#else
#define GLIDE_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ versions */

/**
 * The loaded library's version as text.
 * @return "MAJOR.MINOR.PATCH" (compare with the GLIDE_C_VERSION_* macros); static storage, never
 *         freed. Any thread.
 */
GLIDE_API const char *glide_version(void);

/**
 * The loaded library's version as one number.
 * A binding checks at load time that it is at least the version it was written against and
 * of the same major: within one major version functions and struct fields are only added.
 * @return MAJOR << 16 | MINOR << 8 | PATCH (0.2.0 is 0x000200). Any thread.
 */
GLIDE_API uint32_t glide_version_number(void);

/* ------------------------------------------------------------------ errors */

/** Why a call or a request failed. Append-only: new kinds go at the end, existing values are
 * never renumbered. */
typedef enum glide_error_kind {
  GLIDE_OK = 0,                   /**< success (also: not an error) */
  GLIDE_ERR_INVALID_ARGUMENT = 1, /**< bad input to this API */
  GLIDE_ERR_CONNECTION = 2,       /**< could not connect, or the connection was lost */
  GLIDE_ERR_TIMEOUT = 3,          /**< request or batch timeout expired */
  GLIDE_ERR_SERVER = 4,           /**< the server answered with an error reply */
  GLIDE_ERR_EXEC_ABORT = 5,       /**< atomic batch discarded by the server (EXECABORT) */
  GLIDE_ERR_CROSSSLOT = 6,      /**< atomic batch (or single command) with keys in several slots */
  GLIDE_ERR_CLOSING = 7,        /**< the client was closed while the request was pending */
  GLIDE_ERR_TLS = 8,            /**< handshake or certificate verification failed */
  GLIDE_ERR_AUTH = 9,           /**< authentication failed */
  GLIDE_ERR_PROTOCOL = 10,      /**< malformed or over-limit reply from the server */
  GLIDE_ERR_OUT_OF_MEMORY = 11, /**< an allocation failed (see glide_set_allocator) */
  GLIDE_ERR_NOT_SUPPORTED = 12, /**< not implemented yet in this version, or not by the server */
  GLIDE_ERR_INFLIGHT_LIMIT = 13 /**< the client's in-flight request limit is reached */
} glide_error_kind;
/** What functions that can fail return: GLIDE_OK or the kind of failure. */
typedef glide_error_kind glide_status;

/**
 * The name of an error kind, for messages and logs.
 * @param kind any value, inside the enum or not
 * @return "OK", "INVALID_ARGUMENT", "TIMEOUT", ...; "UNKNOWN" for values outside the enum. Never
 *         NULL, static storage. Any thread.
 */
GLIDE_API const char *glide_error_kind_name(glide_error_kind kind);

/* ------------------------------------------------------------------ memory */

/**
 * Where the library's memory comes from (an extension of the contract): every allocation that
 * glide-c's own code makes - reply arenas, buffers, configs, batches, clients, the C++ core's
 * containers - goes through these four functions, so an embedder (Lua, a JVM, a game engine) can
 * account for it or cap it. A function returning NULL is out of memory: the operation that needed
 * it fails with GLIDE_ERR_OUT_OF_MEMORY (or an OUT_OF_MEMORY element), nothing crashes or leaks,
 * and every callback still fires once. Not covered: memory that libevent, OpenSSL and libc
 * allocate inside their own calls (a few KiB per client: its event loop, name resolution; with
 * TLS, the SSL context and tens of KiB per connection), and, when the library is linked
 * statically (libglide_c.a), the C++ core's containers, which then use the program's own
 * operator new.
 */
typedef struct glide_allocator {
  /** Like malloc(size); user_data is the struct's user_data. NULL: out of memory. */
  void *(*malloc_fn)(void *user_data, size_t size);
  /** Like calloc(count, size): zeroed memory. NULL: out of memory. */
  void *(*calloc_fn)(void *user_data, size_t count, size_t size);
  /** Like realloc(ptr, size) (ptr may be NULL). NULL: out of memory, ptr is left as it was. */
  void *(*realloc_fn)(void *user_data, void *ptr, size_t size);
  /** Like free(ptr), for memory from the three others; ptr may be NULL. */
  void (*free_fn)(void *user_data, void *ptr);
  /** Passed as is to the four functions. */
  void *user_data;
} glide_allocator;
/**
 * Installs the allocator every later allocation of the library goes through.
 * Call it before anything else of the library (configs, batches and values made before must not
 * be freed after the switch).
 * @param allocator copied; NULL restores malloc/calloc/realloc/free
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT while a client exists or when a function pointer
 *         is NULL (nothing changes then).
 */
GLIDE_API glide_status glide_set_allocator(const glide_allocator *allocator);

/* ------------------------------------------------------------------ the reply value tree */

/** The RESP3 type of a glide_value, which says which member of glide_value::u holds it. */
typedef enum glide_value_type {
  GLIDE_VALUE_NIL = 0,             /**< null (RESP3 null, RESP2 nil bulk or array) */
  GLIDE_VALUE_SIMPLE_STRING = 1,   /**< e.g. OK; u.string */
  GLIDE_VALUE_BULK_STRING = 2,     /**< binary-safe string; u.string */
  GLIDE_VALUE_VERBATIM_STRING = 3, /**< string holds the text; verbatim_format the "txt" */
  GLIDE_VALUE_INTEGER = 4,         /**< u.integer */
  GLIDE_VALUE_DOUBLE = 5,          /**< u.dbl, including inf, -inf and nan */
  GLIDE_VALUE_BOOLEAN = 6,         /**< u.boolean */
  GLIDE_VALUE_BIG_NUMBER = 7,      /**< decimal digits as a string; u.string */
  GLIDE_VALUE_ARRAY = 8,           /**< u.aggregate */
  GLIDE_VALUE_MAP = 9,             /**< len counts pairs; items are key, value, key, value ... */
  GLIDE_VALUE_SET = 10,            /**< u.aggregate */
  GLIDE_VALUE_PUSH = 11,           /**< out-of-band push (pub/sub and the like); u.aggregate */
  GLIDE_VALUE_ERROR = 12           /**< string holds the message; error_kind says which kind */
} glide_value_type;

/** Typedef of struct glide_value. */
typedef struct glide_value glide_value;
/**
 * One node of a reply tree. The layout is fixed (bindings read it directly): on LP64 it is 24
 * bytes, type at offset 0, the small union at 4 and u at 8.
 * The anonymous union after type holds what only one type needs, so read its member only after
 * checking type (or use the accessors, which check it):
 *   - error_kind: ERROR values only: which kind of error. glide_value_error_kind gives
 *     GLIDE_OK for any other value.
 *   - verbatim_format: VERBATIM_STRING values only: the three-letter format ("txt", "mkd"),
 *     NUL-terminated. glide_value_verbatim_format gives NULL for any other value.
 *
 * For other types the bytes hold nothing meaningful. A tree is owned by whoever the library
 * handed its root to, is freed with glide_value_free(root), and is immutable: any thread may read
 * it. Every pointer inside it lives as long as the tree.
 */
struct glide_value {
  glide_value_type type; /**< which member of u (and of the small union) is meaningful */
  union {
    glide_error_kind error_kind; /**< ERROR only: which kind */
    char verbatim_format[4];     /**< VERBATIM_STRING only: "txt", "mkd" (NUL-terminated) */
  };
  /** The value itself, by type. */
  union {
    int64_t integer; /**< INTEGER */
    double dbl;      /**< DOUBLE */
    bool boolean;    /**< BOOLEAN */
    /** SIMPLE/BULK/VERBATIM_STRING, BIG_NUMBER, ERROR */
    struct {
      const char *ptr; /**< NUL-terminated for convenience; len excludes the NUL */
      size_t len;      /**< bytes, without the NUL */
    } string;          /**< SIMPLE/BULK/VERBATIM_STRING, BIG_NUMBER, ERROR */
    /** ARRAY, MAP, SET, PUSH */
    struct {
      glide_value *items; /**< the children, contiguous */
      size_t len;         /**< elements; for MAP the number of pairs (items holds 2*len) */
    } aggregate;          /**< ARRAY, MAP, SET, PUSH */
  } u;                    /**< the value itself, by type */
};

/* Accessors for runtimes where unions are awkward (JNA, cgo). Given NULL, the wrong type or an
 * index out of range they return 0 / false / NULL and never crash. Any thread. */

/** @param v a node or NULL. @return v's type; GLIDE_VALUE_NIL for NULL. Any thread. */
GLIDE_API glide_value_type glide_value_get_type(const glide_value *v); /* NIL for NULL */
/** @param v a node or NULL. @return an INTEGER's value; 0 for NULL or another type. */
GLIDE_API int64_t glide_value_integer(const glide_value *v);
/** @param v a node or NULL. @return a DOUBLE's value; 0 for NULL or another type. */
GLIDE_API double glide_value_double(const glide_value *v);
/** @param v a node or NULL. @return a BOOLEAN's value; false for NULL or another type. */
GLIDE_API bool glide_value_bool(const glide_value *v);
/**
 * The bytes of a string-like value: simple, bulk and verbatim strings, big numbers and error
 * messages.
 * @param v a node or NULL
 * @param len if not NULL, gets the byte count (0 when the result is NULL)
 * @return borrowed, NUL-terminated (the NUL not counted in *len), living as long as the tree;
 *         NULL for NULL or another type.
 */
GLIDE_API const char *glide_value_string(const glide_value *v, size_t *len);
/**
 * @param v a node or NULL
 * @return items of array/set/push, pairs of a map, bytes of a string-like value; 0 otherwise.
 */
GLIDE_API size_t glide_value_len(const glide_value *v);
/**
 * Item i of an array, set or push.
 * @param v a node or NULL
 * @param i 0 .. glide_value_len(v) - 1
 * @return borrowed: it lives as long as the tree (freed with its root, never on its own); NULL
 *         for NULL, another type or i out of range.
 */
GLIDE_API const glide_value *glide_value_at(const glide_value *v, size_t i); /* array/set/push */
/**
 * Key of pair i of a map.
 * @param v a node or NULL
 * @param i 0 .. glide_value_len(v) - 1 (len counts pairs)
 * @return borrowed, lives as long as the tree; NULL for NULL, a non-map or i out of range.
 */
GLIDE_API const glide_value *glide_value_map_key(const glide_value *v, size_t i);
/**
 * Value of pair i of a map.
 * @param v a node or NULL
 * @param i 0 .. glide_value_len(v) - 1 (len counts pairs)
 * @return borrowed, lives as long as the tree; NULL for NULL, a non-map or i out of range.
 */
GLIDE_API const glide_value *glide_value_map_value(const glide_value *v, size_t i);
/**
 * Every child of an aggregate in one call (prefer it from FFI to one glide_value_at per item):
 * writes pointers to the first min(total, max) children into out and returns total.
 * The children of one aggregate are also contiguous: out[k] == out[0] + k. The pointers are
 * borrowed and live as long as the tree.
 * @param v a node or NULL
 * @param out room for max pointers; may be NULL when max is 0 (ask for the count first)
 * @param max how many pointers out can hold
 * @return total, the number of children: items of an array/set/push, 2 * pairs of a map (key,
 *         value, key, value ...); 0 for NULL or a non-aggregate.
 */
GLIDE_API size_t glide_value_children(const glide_value *v, const glide_value **out, size_t max);
/**
 * @param v a node or NULL
 * @return the kind of an ERROR value; GLIDE_OK for any other value or NULL.
 */
GLIDE_API glide_error_kind glide_value_error_kind(const glide_value *v);
/**
 * @param v a node or NULL
 * @return the three-letter format of a VERBATIM_STRING ("txt", "mkd"), NUL-terminated:
 *         v->verbatim_format, living as long as the tree. NULL for any other value or NULL.
 */
GLIDE_API const char *glide_value_verbatim_format(const glide_value *v);
/**
 * Frees a whole tree, every node and string in it; pointers borrowed from it die with it.
 * Any thread (not necessarily the one that received it).
 * @param root a root handed out by the library (returned, or passed to a callback), freed once;
 *        never an inner node. NULL is a no-op.
 */
GLIDE_API void glide_value_free(glide_value *root);

/* ------------------------------------------------------------------ configuration */

/** A connection configuration: an opaque builder, owned by one thread at a time
 * (glide_config_new, glide_config_free). */
typedef struct glide_config glide_config;

/** Where read-only commands go (glide_config_set_read_from). */
typedef enum glide_read_from {
  GLIDE_READ_FROM_PRIMARY = 0,       /**< everything to primaries (default) */
  GLIDE_READ_FROM_PREFER_REPLICA = 1 /**< read-only commands to replicas, round-robin */
} glide_read_from;

/** Where completion callbacks run (glide_config_set_callback_mode). */
typedef enum glide_callback_mode {
  GLIDE_CALLBACKS_ON_IO_THREAD = 0, /**< on the client's I/O thread (default) */
  GLIDE_CALLBACKS_DISPATCHED = 1    /**< on the host's thread, from glide_client_dispatch */
} glide_callback_mode;

/** The kind of a pub/sub subscription. */
typedef enum glide_pubsub_kind {
  GLIDE_PUBSUB_EXACT = 0,   /**< a channel (SUBSCRIBE) */
  GLIDE_PUBSUB_PATTERN = 1, /**< a glob-style pattern (PSUBSCRIBE) */
  GLIDE_PUBSUB_SHARDED = 2  /**< a sharded channel (SSUBSCRIBE), on its slot's primary */
} glide_pubsub_kind;

/**
 * One pub/sub message: the channel it was published to, the pattern that matched it (PATTERN
 * subscriptions only), and the payload; all binary-safe. Borrowed: valid only during the
 * callback (copy what you keep).
 */
typedef struct glide_pubsub_message {
  glide_pubsub_kind kind; /**< the kind of the subscription that matched */
  const char *channel;    /**< the channel it was published to */
  size_t channel_len;     /**< bytes of channel */
  const char *pattern;    /**< PATTERN only, else NULL/0 */
  size_t pattern_len;     /**< bytes of pattern */
  const char *payload;    /**< the message */
  size_t payload_len;     /**< bytes of payload */
} glide_pubsub_message;   /* valid only during the callback */
/**
 * Receives every pub/sub message of a subscriber client (glide_config_set_pubsub_callback), on
 * the I/O thread or from glide_client_dispatch (the client's callback mode).
 * @param user_data as given to glide_config_set_pubsub_callback
 * @param message borrowed: valid only during the call
 */
typedef void (*glide_pubsub_callback)(void *user_data, const glide_pubsub_message *message);

/**
 * Makes a config with the defaults: cluster mode on, RESP3, connect timeout 2000 ms, request
 * timeout 1000 ms, read from primary, reconnect 5 attempts 100..2000 ms, in-flight limit 1000,
 * callbacks on the I/O thread. A config is a builder owned by one thread at a time;
 * glide_client_new copies what it needs, so the config may be freed or reused right after.
 * @return a new config, freed with glide_config_free; NULL only when out of memory.
 */
GLIDE_API glide_config *glide_config_new(void);
/** Frees a config (its secrets are wiped). @param cfg NULL is a no-op. */
GLIDE_API void glide_config_free(glide_config *cfg); /* NULL is a no-op */

/* Setters: each returns GLIDE_OK, or GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out
 * of its range (the config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails.
 * Strings are copied. */

/**
 * Adds a seed address (cluster) or sets the server (standalone; the first address is used).
 * An IP literal is connected to at once; a name is resolved without blocking the client's I/O
 * thread (libevent's evdns, through the system's /etc/resolv.conf and /etc/hosts, e.g.
 * "localhost"), within the connect timeout: a lookup still pending then fails that connection
 * with GLIDE_ERR_CONNECTION ("timed out resolving host:port after N ms"), a failed one with
 * "cannot resolve host:port: reason".
 * @param cfg the config
 * @param host NUL-terminated name or IP literal, non-empty; copied
 * @param port 1..65535
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails.
 */
GLIDE_API glide_status glide_config_add_address(glide_config *cfg, const char *host, uint16_t port);
/** @param cfg the config @param cluster true (default): a cluster; false: one standalone server.
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_cluster_mode(glide_config *cfg, bool cluster);
/**
 * Credentials sent on every new connection (HELLO 3 AUTH, or AUTH with RESP2); a refusal fails
 * glide_client_new (or the node's requests) with GLIDE_ERR_AUTH and the server's message.
 * Strings are copied; the library's copies are wiped when the config (or client) is freed, and
 * never appear in messages. See also glide_client_update_password.
 * @param cfg the config
 * @param username NULL = the default user
 * @param password must not be NULL
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails.
 */
GLIDE_API glide_status glide_config_set_credentials(glide_config *cfg, const char *username,
                                                    const char *password);
/**
 * TLS (OpenSSL, TLS 1.2 or later) on every connection: seeds, the slot map's nodes and redirect
 * targets alike. By default each server's certificate must chain to a trusted CA (the system
 * trust store, or glide_config_set_tls_ca_file) and name the host or IP address the client
 * connects to (the seed as given, or the address the cluster announces); SNI is sent for host
 * names. A refused handshake fails with GLIDE_ERR_TLS and a message naming the node and the
 * reason (unknown CA, host name or IP address mismatch, expired certificate, certificate
 * required, ...): glide_client_new for the seeds, the node's commands in place otherwise.
 * The files of the TLS setters are read once, by glide_client_new: one that cannot be read or
 * used makes it fail with GLIDE_ERR_TLS naming the file.
 * @param cfg the config
 * @param enabled default false
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails.
 */
GLIDE_API glide_status glide_config_set_tls(glide_config *cfg, bool enabled);
/** PEM file of the CAs to trust instead of the system trust store.
 * @param cfg the config @param path non-empty, NUL-terminated; copied
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_tls_ca_file(glide_config *cfg, const char *path);
/** Mutual TLS: the client's certificate chain and its unencrypted private key (PEM files).
 * @param cfg the config @param cert_path certificate chain file @param key_path key file
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_tls_client_cert(glide_config *cfg, const char *cert_path,
                                                        const char *key_path);
/** Turns certificate and host name verification off. A client made so logs one WARN line saying
 * so (glide_set_log_callback), once per client.
 * @param cfg the config
 * @param skip_verification true: no certificate or host name verification at all (encryption
 *        without authentication of the server: an explicit opt-out, for tests). Default false.
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_tls_insecure(glide_config *cfg, bool skip_verification);
/** The request timeout, also the default batch timeout.
 * @param cfg the config @param ms milliseconds, 1 .. 3,600,000 (default 1000)
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_request_timeout_ms(glide_config *cfg, uint32_t ms);
/** The connect timeout bounds each connection attempt as a whole: name lookup, TCP connect and
 * handshake. @param cfg the config @param ms milliseconds (default 2000)
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_connect_timeout_ms(glide_config *cfg, uint32_t ms);
/** Sent with HELLO ... SETNAME (or CLIENT SETNAME).
 * @param cfg the config @param name NULL clears it; no spaces or newlines; copied
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_client_name(glide_config *cfg, const char *name);
/** @param cfg the config
 * @param resp_version 2 or 3 (default 3: HELLO 3, falling back to RESP2 when the server does not
 *        know HELLO)
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_protocol(glide_config *cfg, int resp_version);
/** PRIMARY (default): everything to primaries. PREFER_REPLICA (cluster mode): read-only commands
 * go round-robin to the replicas of their slot (connections in READONLY mode), the primary when
 * no replica is reachable. @param cfg the config @param strategy the strategy
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_read_from(glide_config *cfg, glide_read_from strategy);
/**
 * Reconnect after a lost connection. The first reconnect is immediate; after each further failure
 * the node waits base_delay_ms, doubled up to max_attempts times and capped at max_delay_ms
 * (GLIDE's "number of retries" semantics: the client never gives up on a node). While a node
 * waits, requests for it fail at once with GLIDE_ERR_CONNECTION and the last error, rather than
 * sit until their timeout.
 * @param cfg the config
 * @param max_attempts at most 64 (default 5)
 * @param base_delay_ms 1 <= base <= max (default 100)
 * @param max_delay_ms at most 3,600,000 (default 2000)
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails.
 */
GLIDE_API glide_status glide_config_set_reconnect(glide_config *cfg, uint32_t max_attempts,
                                                  uint32_t base_delay_ms, uint32_t max_delay_ms);
/** SELECT db after connecting; standalone mode only (a non-zero db in cluster mode makes
 * glide_client_new fail with GLIDE_ERR_INVALID_ARGUMENT). @param cfg the config @param db the
 * database number
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_database(glide_config *cfg, uint32_t db);
/** Maximum requests (commands or batches) pending at once; beyond it new requests fail with
 * GLIDE_ERR_INFLIGHT_LIMIT. @param cfg the config @param max_requests 1 .. 1,000,000 (default
 * 1000)
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_inflight_limit(glide_config *cfg, uint32_t max_requests);
/** Where completion (and pub/sub) callbacks run: see glide_client_event_fd.
 * @param cfg the config @param mode default GLIDE_CALLBACKS_ON_IO_THREAD
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_callback_mode(glide_config *cfg, glide_callback_mode mode);
/**
 * Pub/sub, over RESP3 and RESP2 (RESP3: messages arrive as pushes on the command connections;
 * RESP2: each node holding subscriptions gets one more, dedicated connection, as the protocol
 * requires). Publishing needs none of this (glide_batch_publish).
 *
 * set_pubsub_callback: where every message goes (cb NULL clears it). A client made with a
 * callback is a subscriber: it may subscribe at any time (glide_client_subscribe).
 *
 * Where: a SHARDED channel on the primary owning its slot; EXACT channels and patterns on one
 * primary (classic pub/sub reaches every node of a cluster). The client keeps them there: after a
 * reconnect, a failover or a slot move (the slot map refreshed, or the server's own sunsubscribe)
 * it subscribes again on the new owner by itself; messages published meanwhile may be missed.
 * A message is delivered once, from the node its subscription is on.
 *
 * Delivery: GLIDE_CALLBACKS_ON_IO_THREAD calls cb on the I/O thread; GLIDE_CALLBACKS_DISPATCHED
 * copies each message into the dispatch queue, in arrival order with the completions, run by
 * glide_client_dispatch. That queue holds at most 100,000 messages or 64 MiB of them (channel,
 * pattern and payload bytes plus a small header each), whichever comes first: past it (a host
 * that does not dispatch) new messages are dropped and counted in glide_stats.pubsub_dropped, as
 * are messages that could not be allocated. glide_stats.pubsub_messages counts those delivered.
 * A slow ON_IO_THREAD callback is backpressure instead: the I/O thread reads nothing while it
 * runs, so the messages wait in the server's output buffer for the connection, whose limit
 * (client-output-buffer-limit pubsub, by default 32 MiB, or 8 MiB for 60 s) makes the server
 * close it; the client then subscribes again, and the messages in that buffer are lost. The
 * library keeps no queue of its own in this mode: its read buffer and the message being delivered
 * (within the reply limits of glide_config_set_reply_limits).
 * @param cfg the config
 * @param cb called for every message; NULL clears it
 * @param user_data passed to cb; must stay valid as long as a client made from the config lives
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails.
 */
GLIDE_API glide_status glide_config_set_pubsub_callback(glide_config *cfg, glide_pubsub_callback cb,
                                                        void *user_data);
/**
 * One channel (EXACT), glob-style pattern (PATTERN) or sharded channel (SHARDED) to be
 * subscribed from the start; the config keeps the set (a channel given twice counts once).
 * A config with subscriptions and no callback makes glide_client_new fail with
 * GLIDE_ERR_INVALID_ARGUMENT. glide_client_new returns once the server confirmed every one of them
 * (or fails, within the connect timeout, with GLIDE_ERR_TIMEOUT, or with GLIDE_ERR_SERVER when
 * the server refused one, e.g. NOPERM from an ACL). See glide_config_set_pubsub_callback.
 * @param cfg the config
 * @param kind the kind of subscription
 * @param channel binary-safe, non-empty; copied
 * @param len bytes of channel
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails.
 */
GLIDE_API glide_status glide_config_subscribe(glide_config *cfg, glide_pubsub_kind kind,
                                              const char *channel, size_t len);
/** Cluster topology refresh (an extension of the contract): besides refreshing on MOVED,
 * connection loss and READONLY, the client checks the slot map every interval_ms.
 * @param cfg the config
 * @param interval_ms default 60000; 0 disables the periodic check; at least 100 otherwise
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_topology_refresh_ms(glide_config *cfg,
                                                            uint32_t interval_ms);
/** Redirect and retry rounds per command inside one exec: MOVED, ASK, READONLY and, when the
 * batch asks for it, TRYAGAIN/CLUSTERDOWN/... and lost connections.
 * @param cfg the config @param rounds default 3, at most 16
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails. */
GLIDE_API glide_status glide_config_set_max_redirects(glide_config *cfg, uint32_t rounds);
/**
 * Protocol limits (an extension of the contract): a reply nested deeper than max_depth, a bulk
 * string longer than max_bulk_len bytes or an aggregate with more than max_aggregate_len elements
 * is a GLIDE_ERR_PROTOCOL on that connection (which is then closed). The handshake replies count
 * too (HELLO 3 answers a 7-pair map), so very small limits make glide_client_new fail.
 * Memory follows the bytes that arrived, not the sizes a header announces: a reply announcing a
 * 512 MiB string or 16 million elements and sending a few bytes costs kilobytes. RESP3 pushes
 * (out-of-band messages: pub/sub, CLIENT TRACKING) are parsed into per-connection scratch memory,
 * handed to the pub/sub callback or dropped: a push stream never grows a pending request.
 * 0 keeps the current value of any of the three.
 * @param cfg the config
 * @param max_depth default 64, at most 1024
 * @param max_bulk_len default 512 MiB
 * @param max_aggregate_len default 16,777,216
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails.
 */
GLIDE_API glide_status glide_config_set_reply_limits(glide_config *cfg, uint32_t max_depth,
                                                     uint64_t max_bulk_len,
                                                     uint64_t max_aggregate_len);

/**
 * Bounds for a node that stops reading or answering (an extension of the contract). Every
 * connection's memory stays bounded whatever its peer does.
 * @param cfg the config
 * @param max_unsent_bytes once this many command bytes wait to be written to one node (it stopped
 *        reading), new requests for that node fail at once with GLIDE_ERR_CONNECTION ("... bytes
 *        unsent ...") instead of queueing. A request is never refused for its own size: the bound
 *        applies to what other requests left queued before it. Default 64 MiB, at least 4096;
 *        0 keeps the current value.
 * @param stall_timeouts after this many request timeouts on one connection with no whole reply
 *        read in between, the connection is closed and opened again (a fresh connection, so a node
 *        that stopped answering, or trickles an endless reply, cannot hold requests forever); the
 *        replies it still owed fail with GLIDE_ERR_CONNECTION, or are re-sent when their batch has
 *        retry_connection_error. Default 3; 0 never tears a connection down for silence.
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails.
 */
GLIDE_API glide_status glide_config_set_connection_limits(glide_config *cfg,
                                                          uint64_t max_unsent_bytes,
                                                          uint32_t stall_timeouts);
/**
 * TCP-level liveness of every connection.
 * @param cfg the config
 * @param idle_s keepalive probes after idle_s seconds of silence (then every idle_s / 3 seconds,
 *        3 probes); 0 turns keepalive off; default 15, at most 7200
 * @param user_timeout_ms TCP_USER_TIMEOUT, the longest written data may stay unacknowledged (or
 *        the peer's window closed) before the kernel drops the connection; default 30000; 0 = the
 *        operating system's default; at most 3,600,000
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a NULL config or a value out of range (the
 *         config is then unchanged); GLIDE_ERR_OUT_OF_MEMORY when a copy fails.
 */
GLIDE_API glide_status glide_config_set_tcp_keepalive(glide_config *cfg, uint32_t idle_s,
                                                      uint32_t user_timeout_ms);

/* ------------------------------------------------------------------ batch */

/** A batch of commands: an opaque builder, owned by one thread at a time (glide_batch_new,
 * glide_batch_free). */
typedef struct glide_batch glide_batch;

/**
 * Makes an empty batch. One thread at a time.
 * @param is_atomic true: a MULTI/EXEC transaction on one slot's primary; false: a pipeline split
 *        by slot
 * @return a new batch, freed with glide_batch_free; NULL only when out of memory.
 */
GLIDE_API glide_batch *glide_batch_new(bool is_atomic);
/** Frees a batch (an exec in flight keeps nothing of it). @param b NULL is a no-op. */
GLIDE_API void glide_batch_free(glide_batch *b); /* NULL is a no-op */
/** Removes every command; keeps is_atomic and the memory. @param b NULL is a no-op. */
GLIDE_API void glide_batch_clear(glide_batch *b); /* keeps is_atomic and the memory */
/** @param b the batch @return the number of commands in it; 0 for NULL. */
GLIDE_API size_t glide_batch_size(const glide_batch *b); /* 0 for NULL */
/**
 * Adds any command. Keys are found with the command table generated from the server's own
 * command metadata; an unknown command (a module's) goes to a random primary.
 * @param b the batch
 * @param argc number of arguments, at least 1
 * @param argv the arguments, argv[0] the command's name; binary-safe, copied
 * @param argvlen bytes of each argument
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT (nothing added; also when the batch's encoded
 *         commands would pass 4 GiB - 1 bytes); GLIDE_ERR_OUT_OF_MEMORY.
 */
GLIDE_API glide_status glide_batch_command(glide_batch *b, size_t argc, const char *const *argv,
                                           const size_t *argvlen);
/**
 * Adds many commands in one call (the form to prefer from FFI: one crossing per batch). All or
 * nothing: on any bad command (or out of memory) nothing is added and the status is that of the
 * first failure.
 * @param b the batch
 * @param ncmds number of commands; 0 is GLIDE_ERR_INVALID_ARGUMENT
 * @param argcs argcs[i] says how many arguments belong to command i (each >= 1)
 * @param argv the arguments of all ncmds commands back to back; argv[0] of each command is its
 *        name; copied
 * @param argvlen bytes of each argument of argv
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT (nothing added); GLIDE_ERR_OUT_OF_MEMORY.
 */
GLIDE_API glide_status glide_batch_command_many(glide_batch *b, size_t ncmds, const size_t *argcs,
                                                const char *const *argv, const size_t *argvlen);
/* Typed helpers, argument order as in the Python ClusterBatch. Strings are binary-safe (ptr, len)
 * pairs and copied. Each returns GLIDE_OK, GLIDE_ERR_INVALID_ARGUMENT (nothing added) or
 * GLIDE_ERR_OUT_OF_MEMORY. */
/** SET key value; reply "OK" (SIMPLE_STRING).
 * @param b the batch @param key the key @param key_len its bytes @param value the value
 * @param value_len its bytes
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT (nothing added); GLIDE_ERR_OUT_OF_MEMORY. */
GLIDE_API glide_status glide_batch_set(glide_batch *b, const char *key, size_t key_len,
                                       const char *value, size_t value_len);
/** GET key; reply BULK_STRING, or NIL when the key does not exist.
 * @param b the batch @param key the key @param key_len its bytes
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT (nothing added); GLIDE_ERR_OUT_OF_MEMORY. */
GLIDE_API glide_status glide_batch_get(glide_batch *b, const char *key, size_t key_len);
/** COPY source destination [REPLACE]; reply BOOLEAN (true if copied).
 * @param b the batch @param source the source key @param source_len its bytes
 * @param destination the destination key (same slot as source in a cluster)
 * @param destination_len its bytes @param replace overwrite an existing destination
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT (nothing added); GLIDE_ERR_OUT_OF_MEMORY. */
GLIDE_API glide_status glide_batch_copy(glide_batch *b, const char *source, size_t source_len,
                                        const char *destination, size_t destination_len,
                                        bool replace);
/** PUBLISH channel message, or SPUBLISH when sharded (routed by the channel's slot); reply
 * INTEGER (receivers).
 * @param b the batch @param message the payload @param message_len its bytes
 * @param channel the channel @param channel_len its bytes @param sharded SPUBLISH
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT (nothing added); GLIDE_ERR_OUT_OF_MEMORY. */
GLIDE_API glide_status glide_batch_publish(glide_batch *b, const char *message, size_t message_len,
                                           const char *channel, size_t channel_len, bool sharded);
/** PUBSUB SHARDCHANNELS [pattern]; reply ARRAY of channel names.
 * @param b the batch @param pattern NULL = all @param pattern_len its bytes
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT (nothing added); GLIDE_ERR_OUT_OF_MEMORY. */
GLIDE_API glide_status glide_batch_pubsub_shardchannels(glide_batch *b, const char *pattern,
                                                        size_t pattern_len);
/** PUBSUB SHARDNUMSUB channel...; reply MAP channel -> INTEGER (count 0 = empty map).
 * @param b the batch @param count number of channels @param channels the channels
 * @param channel_lens bytes of each
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT (nothing added); GLIDE_ERR_OUT_OF_MEMORY. */
GLIDE_API glide_status glide_batch_pubsub_shardnumsub(glide_batch *b, size_t count,
                                                      const char *const *channels,
                                                      const size_t *channel_lens);

/** Where a whole batch goes (glide_route::kind). */
typedef enum glide_route_kind {
  GLIDE_ROUTE_NONE = 0,     /**< route each command by its keys (default) */
  GLIDE_ROUTE_RANDOM = 1,   /**< the whole batch to one random primary */
  GLIDE_ROUTE_SLOT_KEY = 2, /**< the node owning key's slot */
  GLIDE_ROUTE_SLOT_ID = 3,  /**< the node owning slot */
  GLIDE_ROUTE_ADDRESS = 4   /**< host:port */
} glide_route_kind;

/** The route of a batch (glide_batch_options::route): the fields kind names are read, the
 * others ignored. Pointers are borrowed for the exec call only. */
typedef struct glide_route {
  glide_route_kind kind; /**< which fields below count */
  bool replica;          /**< SLOT_KEY, SLOT_ID: a replica of the slot (READONLY connection) */
  const char *key;       /**< SLOT_KEY */
  size_t key_len;        /**< SLOT_KEY: bytes of key */
  uint16_t slot;         /**< SLOT_ID, 0..16383 */
  const char *host;      /**< ADDRESS, NUL-terminated */
  uint16_t port;         /**< ADDRESS */
} glide_route;

/**
 * Options of one exec. Caller-allocated; starts with its own size so it can grow without
 * breaking old callers: the library reads only the fields inside struct_size. Always fill it
 * with glide_batch_options_init.
 */
typedef struct glide_batch_options {
  size_t struct_size;  /**< set by glide_batch_options_init / _init_size */
  uint32_t timeout_ms; /**< 0 = the client's request timeout; covers the whole exec */
  /** Non-atomic only: retry commands answered TRYAGAIN, CLUSTERDOWN, MASTERDOWN or LOADING after a
   * short backoff. */
  bool retry_server_error;
  /** Non-atomic only: re-send a lost connection's unanswered commands after reconnecting (they
   * may then run twice). */
  bool retry_connection_error;
  glide_route route; /**< default GLIDE_ROUTE_NONE */
} glide_batch_options;
/** Fills options with the defaults. It writes exactly the struct as of 0.2.0 (64 bytes on x86-64,
 * struct_size set to that), in this and every later version: a caller built against this header
 * is never written past its struct, even by a library whose struct has grown since. To get fields
 * appended later, use glide_batch_options_init_size.
 * @param options caller-allocated; NULL is a no-op */
GLIDE_API void glide_batch_options_init(glide_batch_options *options);
/** Fills the first `size` bytes of options (at most this library's sizeof(glide_batch_options))
 * with the defaults and sets struct_size to what it filled. Pass sizeof(glide_batch_options) as
 * your header declares it: a binding mirroring the struct passes the size of its own mirror.
 * @param options caller-allocated; NULL is a no-op
 * @param size the caller's struct size; below sizeof(size_t) nothing is written */
GLIDE_API void glide_batch_options_init_size(glide_batch_options *options, size_t size);

/* ------------------------------------------------------------------ client */

/** A connected client: opaque, usable from any number of threads at once (glide_client_new,
 * glide_client_close). */
typedef struct glide_client glide_client;

/**
 * Connects (cluster: discovers the slot map from the seeds with CLUSTER SLOTS, all seeds at once)
 * and returns within the connect timeout: connecting, the handshake and the CLUSTER SLOTS answer
 * all count. Starts one I/O thread.
 * @param cfg the config; only read (it may be freed or reused once this returns)
 * @param out gets the client (freed with glide_client_close); stays NULL on failure
 * @param error_message if not NULL, on failure gets a message naming each seed's failure, freed
 *        with glide_string_free (NULL on success)
 * @return GLIDE_OK, or why it failed - AUTH (credentials refused), TLS (a TLS file unusable, or a
 *         seed's TLS handshake refused), PROTOCOL (a seed answered garbage or no slot map),
 *         TIMEOUT (a seed did not finish answering in time), CONNECTION (refused, unreachable,
 *         not a cluster), INVALID_ARGUMENT; with several seeds the most telling of their
 *         failures, in that order.
 */
GLIDE_API glide_status glide_client_new(const glide_config *cfg, glide_client **out,
                                        char **error_message);
/**
 * Closes and frees a client. Pending requests complete with GLIDE_ERR_CLOSING (their callbacks
 * fire; a pending batch gets an ARRAY whose unanswered elements are CLOSING errors, like a
 * timeout), then the I/O thread stops and the client is freed; in DISPATCHED mode completions
 * still queued run on the closing thread before close returns. No other thread may use the client
 * once close has begun. From inside one of this client's callbacks on its I/O thread, close does
 * not block: it marks the client closing (new requests get GLIDE_ERR_CLOSING) and returns at
 * once; the close then completes on the I/O thread when the callback returns (pending requests
 * fail with CLOSING, the thread stops and frees the client). From a dispatched callback it closes
 * as from any thread.
 * @param client NULL is a no-op
 */
GLIDE_API void glide_client_close(glide_client *client);
/** Frees a string the library handed out (glide_client_new's error_message).
 * @param s NULL is a no-op */
GLIDE_API void glide_string_free(char *s); /* NULL is a no-op */
/**
 * Password rotation: connections made from now on authenticate with `password` (the user set by
 * glide_config_set_credentials, or the default user). With immediate_auth (and a password) every
 * live connection sends AUTH with it now, and the call returns once all have answered. Blocks at
 * most about the request timeout; the string is copied and the library's copies are wiped when no
 * longer needed; it never appears in a message. Thread-safe.
 * @param c the client
 * @param password NULL clears the password (new connections send no credentials)
 * @param immediate_auth re-authenticate the live connections now
 * @return GLIDE_OK, or the first failure (GLIDE_ERR_AUTH when a server refused it; that
 *         connection stays authenticated as before); GLIDE_ERR_INVALID_ARGUMENT from one of this
 *         client's callbacks (the I/O thread).
 */
GLIDE_API glide_status glide_client_update_password(glide_client *c, const char *password,
                                                    bool immediate_auth);

/**
 * One command, blocking. A command with keys in several slots is split per slot and aggregated
 * (cluster mode). Any thread but the client's I/O thread.
 *
 * Fast path: a command whose keys are in one slot, sent to that slot's primary over plain TCP
 * (no TLS, no pub/sub callback, not a blocking or pub/sub command, a read not sent to a replica by
 * glide_config_set_prefer_replica) while nothing submitted earlier is still pending on the I/O
 * thread, is written and its reply read by the calling thread itself on the primary's
 * connection, which the I/O thread lends it (one round trip of system calls, no thread
 * hand-off). Anything else takes the I/O thread as usual, and so does what a MOVED, ASK or
 * READONLY answer asks for (followed from that answer: the command is not sent twice); answers,
 * errors, ordering and the request timeout are the same either way. Such calls are counted in
 * glide_stats.caller_side_requests.
 * @param c the client
 * @param argc number of arguments, at least 1
 * @param argv the arguments, argv[0] the command's name; binary-safe, only read during the call
 * @param argvlen bytes of each argument
 * @return the reply tree, owned by the caller (glide_value_free). Never NULL: failures are an
 *         ERROR root with kind and message.
 */
GLIDE_API glide_value *glide_client_command(glide_client *c, size_t argc, const char *const *argv,
                                            const size_t *argvlen);
/**
 * A batch, blocking. An empty batch, or an atomic batch with a retry flag, is an
 * INVALID_ARGUMENT root. The batch is only read during the call.
 *
 * Fast path, as for glide_client_command: a batch of at most 4,096 commands with no route option,
 * under the same conditions, is run by the calling thread itself over borrowed connections. A
 * non-atomic one whose commands each have their keys in one slot goes over its primaries'
 * connections (at most 16): each node's share written straight from the batch, the replies read
 * into place as they come. An atomic one (cluster mode, its keys in one slot) is sent as MULTI,
 * the commands and EXEC to that slot's primary. What the I/O thread has to finish (redirects,
 * retries, a lost connection, a transaction discarded for a redirect) it finishes from there,
 * within what is left of the timeout. Answers, errors and options (timeout_ms,
 * retry_server_error, retry_connection_error, raise_on_error) mean the same either way. A
 * timeout on this path also closes the connections that still owed replies (they reconnect on
 * next use).
 * @param c the client
 * @param batch the batch
 * @param raise_on_error the root is the first ERROR element instead of the array
 * @param options NULL = defaults; only read during the call
 * @return owned by the caller (glide_value_free), never NULL: an ARRAY with one element per
 *         command in the order added (atomic: NIL if a WATCHed key changed; ERROR of kind
 *         EXEC_ABORT if the server discarded it), or an ERROR root.
 */
GLIDE_API glide_value *glide_client_exec(glide_client *c, const glide_batch *batch,
                                         bool raise_on_error, const glide_batch_options *options);

/**
 * Receives the result of an asynchronous request, exactly once.
 * @param user_data as given with the request
 * @param result owned by the callback: free it with glide_value_free (from any thread, at any
 *        time)
 */
typedef void (*glide_result_callback)(void *user_data, glide_value *result);
/**
 * glide_client_command without waiting: the result goes to cb. The arguments are copied before
 * this returns.
 * @param c the client
 * @param argc number of arguments, at least 1
 * @param argv the arguments, argv[0] the command's name
 * @param argvlen bytes of each argument
 * @param cb the completion callback
 * @param user_data passed to cb
 * @return GLIDE_OK: cb is called exactly once. Any other status: cb is never called
 *         (INVALID_ARGUMENT for bad input, INFLIGHT_LIMIT, CLOSING, OUT_OF_MEMORY).
 */
GLIDE_API glide_status glide_client_command_async(glide_client *c, size_t argc,
                                                  const char *const *argv, const size_t *argvlen,
                                                  glide_result_callback cb, void *user_data);
/**
 * glide_client_exec without waiting: the result goes to cb. The batch and the options are only
 * read before this returns.
 * @param c the client
 * @param batch the batch
 * @param raise_on_error as for glide_client_exec
 * @param options NULL = defaults
 * @param cb the completion callback
 * @param user_data passed to cb
 * @return GLIDE_OK: cb is called exactly once. Any other status: cb is never called
 *         (INVALID_ARGUMENT for bad input, INFLIGHT_LIMIT, CLOSING, OUT_OF_MEMORY).
 */
GLIDE_API glide_status glide_client_exec_async(glide_client *c, const glide_batch *batch,
                                               bool raise_on_error,
                                               const glide_batch_options *options,
                                               glide_result_callback cb, void *user_data);

/**
 * GLIDE_CALLBACKS_DISPATCHED: completions queue up and the returned fd becomes readable; the
 * host's own thread runs them with glide_client_dispatch. A dispatched callback never runs on the
 * I/O thread: its queue entry is allocated when the request is accepted (an async call returns
 * GLIDE_ERR_OUT_OF_MEMORY otherwise), so queueing at completion cannot fail.
 * @param c the client
 * @return the fd to poll for reading, owned by the client (do not close it); -1 in the default
 *         mode.
 */
GLIDE_API int glide_client_event_fd(glide_client *c);
/**
 * Runs queued completions (and pub/sub messages) on the calling thread, in completion order.
 * @param c the client
 * @param max_callbacks at most this many; 0 = all queued
 * @return the count run; 0 in the default mode.
 */
GLIDE_API size_t glide_client_dispatch(glide_client *c, size_t max_callbacks);

/**
 * Runtime pub/sub on a client made with a pubsub callback (glide_config_set_pubsub_callback):
 * subscribes to n channels, patterns or sharded channels of one kind, where
 * glide_config_subscribe says, and returns once the server confirmed each one, at most the
 * request timeout later (GLIDE_ERR_TIMEOUT; the client keeps trying). Idempotent: subscribing a
 * channel already subscribed succeeds at once. Any thread but this client's I/O thread.
 * @param c the client
 * @param kind the kind of the channels
 * @param channels binary-safe, non-empty; copied
 * @param lens bytes of each channel
 * @param n number of channels
 * @return GLIDE_OK; GLIDE_ERR_SERVER: the server refused a channel (NOPERM from an ACL, say); the
 *         refused channels are not kept (the others of the call are). GLIDE_ERR_INVALID_ARGUMENT:
 *         bad input, a client made without a pubsub callback, or a call from inside one of this
 *         client's callbacks on its I/O thread (it would wait for that very thread);
 *         GLIDE_ERR_CLOSING once close has begun.
 */
GLIDE_API glide_status glide_client_subscribe(glide_client *c, glide_pubsub_kind kind,
                                              const char *const *channels, const size_t *lens,
                                              size_t n);
/**
 * The reverse of glide_client_subscribe, with the same rules and errors. Unsubscribing a channel
 * that is not subscribed succeeds at once.
 * @param c the client
 * @param kind the kind of the channels
 * @param channels the channels; with n == 0 (channels and lens may then be NULL) every
 *        subscription of that kind is dropped
 * @param lens bytes of each channel
 * @param n number of channels
 * @return as glide_client_subscribe.
 */
GLIDE_API glide_status glide_client_unsubscribe(glide_client *c, glide_pubsub_kind kind,
                                                const char *const *channels, const size_t *lens,
                                                size_t n);

/* ------------------------------------------------------------------ logging */

/** Log levels, ordered from the most to the least severe: a callback set for INFO gets ERROR,
 * WARN and INFO. */
typedef enum glide_log_level {
  GLIDE_LOG_ERROR = 0, /**< something failed that the library cannot recover by itself */
  GLIDE_LOG_WARN = 1,  /**< a node lost, a reconnect failing, verification turned off */
  GLIDE_LOG_INFO = 2,  /**< connects and disconnects, slot-map changes */
  GLIDE_LOG_DEBUG = 3, /**< redirects, retries, reconnect backoff, refreshes */
  GLIDE_LOG_TRACE = 4  /**< everything, per request */
} glide_log_level;
/**
 * Receives the library's log lines. Called on whichever library thread logs (mostly a client's
 * I/O thread), possibly on several at once; it must not block for long and must not call
 * glide_set_log_callback. The library logs nothing else anywhere (never to stdout or stderr),
 * never a password, and never a key, value or payload.
 * @param user_data as given to glide_set_log_callback
 * @param level the line's level
 * @param message one line without a newline, NUL-terminated, borrowed: valid during the call
 *        only (at most 511 bytes; longer ones are cut)
 */
typedef void (*glide_log_callback)(void *user_data, glide_log_level level, const char *message);
/**
 * Sets the process-wide log callback; any thread, at any time. When it returns, the previous
 * callback is neither running nor called again, so its user_data may be freed.
 * @param min_level messages of level <= min_level go to cb
 * @param cb NULL turns logging off (the default)
 * @param user_data passed to cb
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for a min_level outside the enum, or when called
 *         from inside the log callback.
 */
GLIDE_API glide_status glide_set_log_callback(glide_log_level min_level, glide_log_callback cb,
                                              void *user_data);

/* ------------------------------------------------------------------ statistics */

/**
 * Counters of one client since it was made, exact, read without stopping it. Fields are only
 * ever appended: set struct_size = sizeof(glide_stats) before the call; a caller built against
 * an older, shorter struct gets only the fields it knows. Counted for the caller's requests only
 * (not the library's own: handshakes, CLUSTER SLOTS, health checks).
 */
typedef struct glide_stats {
  size_t struct_size;            /**< set by the caller: sizeof(glide_stats) */
  uint64_t commands_sent;        /**< commands queued to nodes, re-sends and split parts each
                                    counted, MULTI / EXEC / ASKING included */
  uint64_t replies_received;     /**< replies read for them (late ones after a timeout included) */
  uint64_t requests_completed;   /**< glide_client_command / exec calls that completed, any way */
  uint64_t moved_redirects;      /**< MOVED followed */
  uint64_t ask_redirects;        /**< ASK followed */
  uint64_t retries;              /**< retries scheduled after TRYAGAIN & co (when the batch allows
                                    them), READONLY, or a lost connection */
  uint64_t reconnects;           /**< connections made ready again after the node's first (RESP2
                                    subscriber connections included) */
  uint64_t timeouts;             /**< requests completed by their timeout */
  uint64_t topology_refreshes;   /**< slot-map refreshes started (periodic, MOVED, lost nodes) */
  uint64_t pubsub_messages;      /**< pub/sub messages delivered (their callback called) */
  uint64_t inflight_requests;    /**< now: accepted and not yet completed */
  uint64_t connected_nodes;      /**< now: connections ready */
  uint64_t pubsub_dropped;       /**< pub/sub messages dropped: the dispatch queue's bound, or no
                                    memory for the copy (see glide_config_set_pubsub_callback) */
  uint64_t caller_side_requests; /**< blocking glide_client_command / glide_client_exec calls
                                    answered by the calling thread itself, the I/O thread not
                                    involved (also counted in the fields above; see
                                    glide_client_command). Since 0.2.0 */
} glide_stats;
/**
 * Reads a client's counters. Any thread.
 * @param c the client
 * @param out caller-allocated, struct_size set; only the fields inside struct_size are written
 * @return GLIDE_OK; GLIDE_ERR_INVALID_ARGUMENT for NULL, or struct_size smaller than the two first
 *         fields (sizeof(size_t) + sizeof(uint64_t)).
 */
GLIDE_API glide_status glide_client_get_stats(glide_client *c, glide_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* GLIDE_C_H */
