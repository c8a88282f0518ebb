package glidec

// The bridge to libglide_c.so.0. The package compiles against glide_c.h only: the library is
// opened at run time with dlopen and every call goes through a function pointer, so a Go
// program links no -lglide_c and ships as one binary that finds the library on the system.
//
// Each Go operation is one cgo crossing: the trampolines below build a config or a batch, submit
// it and free what they made, all in C. Go memory passed in holds bytes and lengths only (never
// Go pointers), and C never keeps it past the call: the library copies what it needs.

/*
#cgo CFLAGS: -I${SRCDIR}
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "glide_c.h"

// The functions the binding calls, typed from the header's own declarations.
#define GLIDEC_FUNCS(X)                                                                      \
  X(version) X(error_kind_name) X(value_children) X(value_free) X(config_new)               \
  X(config_free) X(config_add_address) X(config_set_cluster_mode) X(config_set_credentials) \
  X(config_set_tls) X(config_set_request_timeout_ms) X(config_set_connect_timeout_ms)       \
  X(config_set_client_name) X(config_set_protocol) X(config_set_read_from)                  \
  X(config_set_database) X(config_set_inflight_limit) X(client_new) X(client_close)         \
  X(string_free) X(batch_new) X(batch_free) X(batch_command_many) X(batch_copy)             \
  X(batch_publish) X(batch_pubsub_shardchannels) X(batch_pubsub_shardnumsub)                \
  X(batch_options_init) X(client_command_async) X(client_exec_async)                       \
  X(config_set_pubsub_callback) X(config_subscribe) X(client_subscribe) X(client_unsubscribe)

#define GLIDEC_FIELD(name) __typeof__(glide_##name) *name;
static struct { GLIDEC_FUNCS(GLIDEC_FIELD) } glidec_api;
static __typeof__(glide_version_number) *glidec_version_number;

// Resolves every function; on failure writes why into err and returns -1.
static int glidec_load(const char *path, char *err, size_t err_len) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    snprintf(err, err_len, "dlopen %s: %s", path, dlerror());
    return -1;
  }
  // First the version check's own function: a library without it is older than 0.2.0, and
  // saying so is clearer than naming whichever newer function it lacks.
  glidec_version_number = (__typeof__(glidec_version_number))dlsym(h, "glide_version_number");
  if (!glidec_version_number) {
    snprintf(err, err_len,
             "%s has no glide_version_number: it is older than 0.2.0, the oldest version this "
             "package works with",
             path);
    dlclose(h);
    return -1;
  }
#define GLIDEC_SYM(name)                                                           \
  glidec_api.name = (__typeof__(glidec_api.name))dlsym(h, "glide_" #name);         \
  if (!glidec_api.name) {                                                          \
    snprintf(err, err_len, "%s: symbol glide_" #name " not found", path);          \
    dlclose(h);                                                                    \
    return -1;                                                                     \
  }
  GLIDEC_FUNCS(GLIDEC_SYM)
  return 0;
}

static const char *glidec_version(void) { return glidec_api.version(); }
static uint32_t glidec_library_version_number(void) { return glidec_version_number(); }

// Defined in callback.go (an exported Go function).
extern void glidecOnResult(uintptr_t handle, glide_value *result);
static void glidec_on_result(void *user_data, glide_value *result) {
  glidecOnResult((uintptr_t)user_data, result);
}

// Defined in callback.go: every pub/sub message of a subscriber client, on its I/O thread.
extern void glidecOnPubSub(uintptr_t handle, glide_pubsub_message *message);
static void glidec_on_pubsub(void *user_data, const glide_pubsub_message *message) {
  glidecOnPubSub((uintptr_t)user_data, (glide_pubsub_message *)message);
}

static size_t glidec_children(const glide_value *v, const glide_value **first) {
  return glidec_api.value_children(v, first, 1);
}
static void glidec_value_free(glide_value *v) { glidec_api.value_free(v); }
static void glidec_client_close(glide_client *c) { glidec_api.client_close(c); }

#define GLIDEC_TRY(call)                                                                   \
  do {                                                                                     \
    glide_status st_ = (call);                                                             \
    if (st_ != GLIDE_OK) {                                                                 \
      snprintf(err, err_len, "%s: %s", #call, glidec_api.error_kind_name(st_));            \
      glidec_api.config_free(cfg);                                                         \
      return st_;                                                                          \
    }                                                                                      \
  } while (0)

// Builds the config, connects and frees the config. hosts: naddr NUL-terminated names back to
// back. Strings are NUL-terminated or NULL (not set); numbers 0 keep the library's default.
static glide_status glidec_client_new(bool cluster, size_t naddr, const char *hosts,
                                      const uint16_t *ports, const char *username,
                                      const char *password, bool tls, uint32_t request_ms,
                                      uint32_t connect_ms, const char *name, int read_from,
                                      uint32_t database, uint32_t inflight, int protocol,
                                      uintptr_t pubsub, size_t nsubs, const uint8_t *sub_kinds,
                                      const char *sub_data, const size_t *sub_lens,
                                      glide_client **out, char *err, size_t err_len) {
  glide_config *cfg = glidec_api.config_new();
  if (!cfg) {
    snprintf(err, err_len, "glide_config_new: out of memory");
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  GLIDEC_TRY(glidec_api.config_set_cluster_mode(cfg, cluster));
  for (size_t i = 0; i < naddr; ++i) {
    GLIDEC_TRY(glidec_api.config_add_address(cfg, hosts, ports[i]));
    hosts += strlen(hosts) + 1;
  }
  if (password) GLIDEC_TRY(glidec_api.config_set_credentials(cfg, username, password));
  if (tls) GLIDEC_TRY(glidec_api.config_set_tls(cfg, true));
  if (request_ms) GLIDEC_TRY(glidec_api.config_set_request_timeout_ms(cfg, request_ms));
  if (connect_ms) GLIDEC_TRY(glidec_api.config_set_connect_timeout_ms(cfg, connect_ms));
  if (name) GLIDEC_TRY(glidec_api.config_set_client_name(cfg, name));
  if (read_from) GLIDEC_TRY(glidec_api.config_set_read_from(cfg, (glide_read_from)read_from));
  if (database) GLIDEC_TRY(glidec_api.config_set_database(cfg, database));
  if (inflight) GLIDEC_TRY(glidec_api.config_set_inflight_limit(cfg, inflight));
  if (protocol) GLIDEC_TRY(glidec_api.config_set_protocol(cfg, protocol));
  // pubsub: the receiver's cgo.Handle (0: not a subscriber); subscriptions back to back.
  if (pubsub) {
    GLIDEC_TRY(glidec_api.config_set_pubsub_callback(cfg, glidec_on_pubsub, (void *)pubsub));
    for (size_t i = 0; i < nsubs; ++i) {
      GLIDEC_TRY(glidec_api.config_subscribe(cfg, (glide_pubsub_kind)sub_kinds[i], sub_data,
                                             sub_lens[i]));
      sub_data += sub_lens[i];
    }
  }
  char *msg = NULL;
  glide_status st = glidec_api.client_new(cfg, out, &msg);
  glidec_api.config_free(cfg);
  if (st != GLIDE_OK) snprintf(err, err_len, "%s", msg ? msg : glidec_api.error_kind_name(st));
  glidec_api.string_free(msg);
  return st;
}

// Command kinds of a Go batch: plain argv, or one of the typed helpers whose reply the library
// shapes (COPY -> boolean, PUBSUB SHARDNUMSUB -> map).
enum {
  GLIDEC_CMD = 0,
  GLIDEC_COPY = 1,
  GLIDEC_COPY_REPLACE = 2,
  GLIDEC_PUBLISH = 3,
  GLIDEC_SPUBLISH = 4,
  GLIDEC_SHARDCHANNELS = 5,
  GLIDEC_SHARDNUMSUB = 6
};

// Points argv at the arguments in data (lens[i] bytes each, back to back). Returns NULL when out
// of memory; small batches use the caller's stack array.
static const char **glidec_argv(const char *data, const size_t *lens, size_t nargs,
                                const char **stack, size_t stack_len) {
  const char **argv = nargs <= stack_len ? stack : malloc(nargs * sizeof *argv);
  if (!argv) return NULL;
  size_t pos = 0;
  for (size_t i = 0; i < nargs; ++i) {
    argv[i] = data ? data + pos : NULL;
    pos += lens[i];
  }
  return argv;
}

// Runtime (un)subscribe of n channels (lens[i] bytes each, back to back in data).
static glide_status glidec_subscribe(glide_client *c, bool subscribe, int kind, const char *data,
                                     const size_t *lens, size_t n) {
  const char *stack[64];
  const char **argv = glidec_argv(data, lens, n, stack, 64);
  if (!argv) return GLIDE_ERR_OUT_OF_MEMORY;
  glide_status st = (subscribe ? glidec_api.client_subscribe : glidec_api.client_unsubscribe)(
      c, (glide_pubsub_kind)kind, n ? argv : NULL, n ? lens : NULL, n);
  if (argv != stack) free(argv);
  return st;
}

// Adds the commands: runs of plain commands with one glide_batch_command_many each, typed ones
// with their helper.
static glide_status glidec_fill(glide_batch *b, size_t ncmds, const size_t *argcs,
                                const uint8_t *kinds, const char **argv, const size_t *lens) {
  size_t i = 0, at = 0;
  while (i < ncmds) {
    glide_status st = GLIDE_OK;
    if (kinds[i] == GLIDEC_CMD) {
      size_t j = i, n = 0;
      for (; j < ncmds && kinds[j] == GLIDEC_CMD; ++j) n += argcs[j];
      st = glidec_api.batch_command_many(b, j - i, argcs + i, argv + at, lens + at);
      if (st != GLIDE_OK) return st;
      i = j;
      at += n;
      continue;
    }
    const char **a = argv + at;
    const size_t *l = lens + at, n = argcs[i];
    switch (kinds[i]) {
      case GLIDEC_COPY:
      case GLIDEC_COPY_REPLACE:
        st = n != 2 ? GLIDE_ERR_INVALID_ARGUMENT
                    : glidec_api.batch_copy(b, a[0], l[0], a[1], l[1], kinds[i] == GLIDEC_COPY_REPLACE);
        break;
      case GLIDEC_PUBLISH:
      case GLIDEC_SPUBLISH:
        st = n != 2 ? GLIDE_ERR_INVALID_ARGUMENT
                    : glidec_api.batch_publish(b, a[0], l[0], a[1], l[1], kinds[i] == GLIDEC_SPUBLISH);
        break;
      case GLIDEC_SHARDCHANNELS:
        // No argument: every channel (pattern NULL); "" would be a pattern matching nothing.
        st = n > 1 ? GLIDE_ERR_INVALID_ARGUMENT
                   : glidec_api.batch_pubsub_shardchannels(b, n ? (a[0] ? a[0] : "") : NULL,
                                                           n ? l[0] : 0);
        break;
      case GLIDEC_SHARDNUMSUB:
        st = glidec_api.batch_pubsub_shardnumsub(b, n, a, l);
        break;
      default:
        st = GLIDE_ERR_INVALID_ARGUMENT;
    }
    if (st != GLIDE_OK) return st;
    at += n;
    ++i;
  }
  return GLIDE_OK;
}

// Builds a batch from the flat arguments, submits it with glide_client_exec_async (which copies
// it) and frees it. GLIDE_OK: glidecOnResult(handle, ...) will be called exactly once.
static glide_status glidec_exec(glide_client *c, bool atomic, size_t ncmds, const size_t *argcs,
                                const uint8_t *kinds, size_t nargs, const char *data,
                                const size_t *lens, bool raise, uint32_t timeout_ms,
                                bool retry_server, bool retry_connection, int route_kind,
                                bool route_replica, const char *route_key, size_t route_key_len,
                                uint16_t route_slot, const char *route_host, uint16_t route_port,
                                uintptr_t handle) {
  glide_batch *b = glidec_api.batch_new(atomic);
  if (!b) return GLIDE_ERR_OUT_OF_MEMORY;
  const char *stack[128];
  const char **argv = glidec_argv(data, lens, nargs, stack, 128);
  if (!argv) {
    glidec_api.batch_free(b);
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  glide_status st = glidec_fill(b, ncmds, argcs, kinds, argv, lens);
  if (argv != stack) free(argv);
  if (st == GLIDE_OK) {
    glide_batch_options o;
    glidec_api.batch_options_init(&o);
    o.timeout_ms = timeout_ms;
    o.retry_server_error = retry_server;
    o.retry_connection_error = retry_connection;
    o.route.kind = (glide_route_kind)route_kind;
    o.route.replica = route_replica;
    o.route.key = route_key;
    o.route.key_len = route_key_len;
    o.route.slot = route_slot;
    o.route.host = route_host;
    o.route.port = route_port;
    st = glidec_api.client_exec_async(c, b, raise, &o, glidec_on_result, (void *)handle);
  }
  glidec_api.batch_free(b);
  return st;
}

// One command with glide_client_command_async.
static glide_status glidec_command(glide_client *c, size_t argc, const char *data,
                                   const size_t *lens, uintptr_t handle) {
  const char *stack[128];
  const char **argv = glidec_argv(data, lens, argc, stack, 128);
  if (!argv) return GLIDE_ERR_OUT_OF_MEMORY;
  glide_status st = glidec_api.client_command_async(c, argc, argv, lens, glidec_on_result,
                                                    (void *)handle);
  if (argv != stack) free(argv);
  return st;
}
*/
import "C"

import (
	"fmt"
	"math"
	"os"
	"runtime/cgo"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// DefaultLibrary is the name dlopen searches for (the usual library path, LD_LIBRARY_PATH, the
// ld.so cache) when GLIDE_C_LIBRARY is not set.
const DefaultLibrary = "libglide_c.so.0"

// Command kinds of a batch entry (GLIDEC_* in the preamble).
const (
	kindCommand       = 0
	kindCopy          = 1
	kindCopyReplace   = 2
	kindPublish       = 3
	kindSPublish      = 4
	kindShardChannels = 5
	kindShardNumSub   = 6
)

var (
	loadOnce    sync.Once
	loadErr     error
	loadVersion string
)

// load opens the library once per process; every later call returns the first outcome.
func load() error {
	loadOnce.Do(func() {
		path := os.Getenv("GLIDE_C_LIBRARY")
		if path == "" {
			path = DefaultLibrary
		}
		cpath := C.CString(path)
		defer C.free(unsafe.Pointer(cpath))
		var buf [512]C.char
		if C.glidec_load(cpath, &buf[0], C.size_t(len(buf))) != 0 {
			loadErr = fmt.Errorf("glidec: %s", C.GoString(&buf[0]))
			return
		}
		loadVersion = C.GoString(C.glidec_version())
		loadErr = checkVersion(uint32(C.glidec_library_version_number()), path)
	})
	return loadErr
}

// MinLibraryVersion is the oldest library this package works with, as glide_version_number()
// gives it (MAJOR << 16 | MINOR << 8 | PATCH): 0.2.0, the first with glide_version_number and
// glide_batch_command_many.
const MinLibraryVersion uint32 = 0x000200

func versionText(n uint32) string {
	return fmt.Sprintf("%d.%d.%d", n>>16, (n>>8)&0xff, n&0xff)
}

// checkVersion says whether the library at path, of version number (glide_version_number()), can
// serve this package: the ABI is stable within a major version and only grows, so the library
// must have MinLibraryVersion's major and be at least MinLibraryVersion.
func checkVersion(number uint32, path string) error {
	if number>>16 != MinLibraryVersion>>16 || number < MinLibraryVersion {
		return fmt.Errorf("glidec: %s is version %s, this package needs %s or a later %d.x",
			path, versionText(number), versionText(MinLibraryVersion), MinLibraryVersion>>16)
	}
	return nil
}

// LibraryVersion loads the library if needed and returns its version ("MAJOR.MINOR.PATCH").
func LibraryVersion() (string, error) {
	if err := load(); err != nil {
		return "", err
	}
	return loadVersion, nil
}

// cBytes returns b as a pointer C may read during one call (nil when empty). The bytes are Go
// memory without Go pointers, so cgo allows it; C copies what it keeps.
func cBytes(b []byte) *C.char {
	if len(b) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer(&b[0]))
}

// cString returns s NUL-terminated for C, or an INVALID_ARGUMENT error when s holds a NUL
// (C would silently cut it there).
func cString(what, s string) ([]byte, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, invalidArgument(what + " contains a NUL byte")
	}
	return append([]byte(s), 0), nil
}

// children returns the children of an aggregate value (items; a map's keys and values
// alternating) with one call of glide_value_children: they are contiguous, so the first one
// and the count are enough.
func children(v *C.glide_value) []C.glide_value {
	var first *C.glide_value
	n := C.glidec_children(v, &first)
	if n == 0 || first == nil {
		return nil
	}
	return unsafe.Slice(first, int(n))
}

func freeValue(v *C.glide_value) { C.glidec_value_free(v) }

func closeClient(c *C.glide_client) { C.glidec_client_close(c) }

// connectParams is what NewClient and NewClusterClient hand to glidec_client_new.
type connectParams struct {
	cluster        bool
	addresses      []NodeAddress
	credentials    *ServerCredentials
	tls            bool
	readFrom       ReadFrom
	requestTimeout time.Duration
	connectTimeout time.Duration
	clientName     string
	database       int
	inflightLimit  int
	protocol       int
	pubsub         *PubSubConfig
	receiver       cgo.Handle // of the *receiver when pubsub is set
}

// subscribeC is glidec_subscribe (static in this file's preamble) for pubsub.go.
func subscribeC(c *C.glide_client, subscribe bool, mode PubSubChannelMode, data []byte, lens *C.size_t, n int) C.glide_status {
	return C.glidec_subscribe(c, C.bool(subscribe), C.int(mode), cBytes(data), lens, C.size_t(n))
}

func connect(p connectParams) (*C.glide_client, error) {
	if err := load(); err != nil {
		return nil, err
	}
	var hosts []byte
	ports := make([]C.uint16_t, len(p.addresses))
	for i, a := range p.addresses {
		if a.Port < 1 || a.Port > 65535 {
			return nil, invalidArgument(fmt.Sprintf("address %d: port %d is not in 1..65535", i, a.Port))
		}
		h, err := cString("host", a.Host)
		if err != nil {
			return nil, err
		}
		hosts = append(hosts, h...)
		ports[i] = C.uint16_t(a.Port)
	}
	var user, pass, name []byte
	var err error
	if p.credentials != nil {
		if p.credentials.Username != "" {
			if user, err = cString("username", p.credentials.Username); err != nil {
				return nil, err
			}
		}
		if pass, err = cString("password", p.credentials.Password); err != nil {
			return nil, err
		}
	}
	if p.clientName != "" {
		if name, err = cString("client name", p.clientName); err != nil {
			return nil, err
		}
	}
	reqMs, err := millis("request timeout", p.requestTimeout)
	if err != nil {
		return nil, err
	}
	connMs, err := millis("connection timeout", p.connectTimeout)
	if err != nil {
		return nil, err
	}
	db, err := uint32Of("database id", p.database)
	if err != nil {
		return nil, err
	}
	inflight, err := uint32Of("inflight limit", p.inflightLimit)
	if err != nil {
		return nil, err
	}
	var subKinds []C.uint8_t
	var subData []byte
	var subLens []C.size_t
	if p.pubsub != nil {
		if subKinds, subData, subLens, err = p.pubsub.subscriptions(); err != nil {
			return nil, err
		}
	}
	var kindsPtr *C.uint8_t
	var lensPtr *C.size_t
	if len(subKinds) > 0 {
		kindsPtr, lensPtr = &subKinds[0], &subLens[0]
	}
	var portsPtr *C.uint16_t
	if len(ports) > 0 {
		portsPtr = &ports[0]
	}
	var out *C.glide_client
	var msg [1024]C.char
	st := C.glidec_client_new(C.bool(p.cluster), C.size_t(len(ports)), cBytes(hosts), portsPtr,
		cBytes(user), cBytes(pass), C.bool(p.tls), reqMs, connMs, cBytes(name),
		C.int(p.readFrom), db, inflight, C.int(p.protocol), C.uintptr_t(p.receiver),
		C.size_t(len(subKinds)), kindsPtr, cBytes(subData), lensPtr, &out, &msg[0], C.size_t(len(msg)))
	if st != C.GLIDE_OK {
		return nil, &RequestError{Kind: ErrorKind(st), Message: C.GoString(&msg[0])}
	}
	return out, nil
}

// millis converts a timeout for the config: 0 keeps the library's default, a positive duration
// is rounded up to whole milliseconds (the library checks the range).
func millis(what string, d time.Duration) (C.uint32_t, error) {
	if d < 0 {
		return 0, invalidArgument(what + " is negative")
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxUint32 {
		ms = math.MaxUint32 // out of the library's range: it refuses it with a status
	}
	return C.uint32_t(ms), nil
}

func uint32Of(what string, n int) (C.uint32_t, error) {
	if n < 0 || uint64(n) > math.MaxUint32 {
		return 0, invalidArgument(fmt.Sprintf("%s %d is out of range", what, n))
	}
	return C.uint32_t(n), nil
}

// execParams is one exec: the batch's flat arguments and its options, checked and converted
// for C by prepare.
type execParams struct {
	batch   *batchData
	raise   bool
	timeout time.Duration
	retrySv bool
	retryCn bool
	route   Route

	timeoutMs C.uint32_t
	kind      C.int
	replica   bool
	slot      C.uint16_t
	port      C.uint16_t
	key, host []byte
}

// prepare converts the options; what cannot be said to C (a negative timeout, a slot or port
// out of range, a NUL in a host name) is an INVALID_ARGUMENT error here.
func (p *execParams) prepare() error {
	var err error
	if p.timeoutMs, err = millis("timeout", p.timeout); err != nil {
		return err
	}
	switch r := p.route.(type) {
	case nil:
		p.kind = C.GLIDE_ROUTE_NONE
	case RandomRoute:
		p.kind = C.GLIDE_ROUTE_RANDOM
	case SlotKeyRoute:
		p.kind, p.key, p.replica = C.GLIDE_ROUTE_SLOT_KEY, []byte(r.Key), r.Replica
	case SlotIdRoute:
		if r.Slot < 0 || r.Slot > 16383 {
			return invalidArgument(fmt.Sprintf("route slot %d is not in 0..16383", r.Slot))
		}
		p.kind, p.slot, p.replica = C.GLIDE_ROUTE_SLOT_ID, C.uint16_t(r.Slot), r.Replica
	case ByAddressRoute:
		if r.Port < 1 || r.Port > 65535 {
			return invalidArgument(fmt.Sprintf("route port %d is not in 1..65535", r.Port))
		}
		if p.host, err = cString("route host", r.Host); err != nil {
			return err
		}
		p.kind, p.port = C.GLIDE_ROUTE_ADDRESS, C.uint16_t(r.Port)
	default:
		return invalidArgument(fmt.Sprintf("unknown route type %T", r))
	}
	return nil
}

// submitExec hands the batch to glidec_exec: one cgo crossing.
func submitExec(c *C.glide_client, p *execParams, handle C.uintptr_t) C.glide_status {
	b := p.batch
	var argcs, lens *C.size_t
	var kinds *C.uint8_t
	if len(b.argcs) > 0 {
		argcs, kinds = &b.argcs[0], &b.kinds[0]
	}
	if len(b.lens) > 0 {
		lens = &b.lens[0]
	}
	return C.glidec_exec(c, C.bool(b.atomic), C.size_t(len(b.argcs)), argcs, kinds,
		C.size_t(len(b.lens)), cBytes(b.data), lens, C.bool(p.raise), p.timeoutMs,
		C.bool(p.retrySv), C.bool(p.retryCn), p.kind, C.bool(p.replica), cBytes(p.key),
		C.size_t(len(p.key)), p.slot, cBytes(p.host), p.port, handle)
}

// submitCommand hands one command to glide_client_command_async.
func submitCommand(c *C.glide_client, args []string, handle C.uintptr_t) C.glide_status {
	if len(args) == 0 {
		return C.GLIDE_ERR_INVALID_ARGUMENT
	}
	var data []byte
	lens := make([]C.size_t, len(args))
	for i, a := range args {
		data = append(data, a...)
		lens[i] = C.size_t(len(a))
	}
	return C.glidec_command(c, C.size_t(len(args)), cBytes(data), &lens[0], handle)
}

// libraryVersionNumber is the loaded library's glide_version_number() (load must have succeeded).
func libraryVersionNumber() uint32 { return uint32(C.glidec_library_version_number()) }
