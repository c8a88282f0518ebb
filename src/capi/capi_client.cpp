// C shims for glide_client_*: validate, wrap into a Request, hand to the client.
#include <cstdlib>
#include <cstring>
#include <new>

#include <atomic>
#include <string>

#include "capi/enum_value.h"
#include "client/client.h"
#include "client/waiter.h"
#include "cluster/slot.h"
#include "value/alloc.h"
#include "value/oom.h"

namespace {
using glide::Request;

glide_value *error_root(glide_error_kind kind, std::string_view msg) {
  return glide::error_root(kind, msg.data(), msg.size());
}

// Reply bookkeeping numbers commands with 32-bit indexes (the top ones mark MULTI/EXEC replies).
constexpr size_t kMaxBatchCommands = size_t{1} << 30;

// Reads only the option fields that fit inside the caller's struct_size.
#define GLIDE_HAS_FIELD(o, f) \
  ((o)->struct_size >= offsetof(glide_batch_options, f) + sizeof((o)->f))

glide_status apply_options(Request *req, bool atomic, const glide_batch_options *o,
                           std::string *why) {
  if (!o) return GLIDE_OK;
  if (o->struct_size < sizeof(size_t)) {
    *why = "options.struct_size is not set (call glide_batch_options_init)";
    return GLIDE_ERR_INVALID_ARGUMENT;
  }
  if (GLIDE_HAS_FIELD(o, timeout_ms)) req->timeout_ms = o->timeout_ms;
  const bool retry_server = GLIDE_HAS_FIELD(o, retry_server_error) && o->retry_server_error;
  const bool retry_conn = GLIDE_HAS_FIELD(o, retry_connection_error) && o->retry_connection_error;
  if (atomic && (retry_server || retry_conn)) {
    *why = "retry_server_error and retry_connection_error apply to non-atomic batches only";
    return GLIDE_ERR_INVALID_ARGUMENT;
  }
  req->retry_server_error = retry_server;
  req->retry_connection_error = retry_conn;
  if (!GLIDE_HAS_FIELD(o, route)) return GLIDE_OK;
  const glide_route &r = o->route;
  const int kind_value = glide::enum_value(r.kind);
  if (kind_value < GLIDE_ROUTE_NONE || kind_value > GLIDE_ROUTE_ADDRESS) {
    *why = "route.kind is not a glide_route_kind";
    return GLIDE_ERR_INVALID_ARGUMENT;
  }
  switch (r.kind) {
    case GLIDE_ROUTE_NONE:
    case GLIDE_ROUTE_RANDOM:
      break;
    case GLIDE_ROUTE_SLOT_KEY:
      if (!r.key && r.key_len) {
        *why = "route.key is NULL with a non-zero length";
        return GLIDE_ERR_INVALID_ARGUMENT;
      }
      req->route.slot = glide::cluster::key_slot(r.key ? r.key : "", r.key_len);
      break;
    case GLIDE_ROUTE_SLOT_ID:
      if (r.slot >= glide::cluster::kSlotCount) {
        *why = "route.slot must be in 0..16383";
        return GLIDE_ERR_INVALID_ARGUMENT;
      }
      req->route.slot = r.slot;
      break;
    case GLIDE_ROUTE_ADDRESS:
      if (!r.host || !*r.host || r.port == 0) {
        *why = "route.host must be a non-empty string and route.port non-zero";
        return GLIDE_ERR_INVALID_ARGUMENT;
      }
      req->route.host = r.host;
      req->route.port = r.port;
      break;
    default:
      *why = "route.kind is not a glide_route_kind";
      return GLIDE_ERR_INVALID_ARGUMENT;
  }
  req->route.replica =
      r.replica && (r.kind == GLIDE_ROUTE_SLOT_KEY || r.kind == GLIDE_ROUTE_SLOT_ID);
  req->route.kind = r.kind;
  return GLIDE_OK;
}

// Builds the request for a batch. On failure returns nullptr and sets status/why.
Request *make_batch_request(glide_client *c, const glide_batch *batch, bool raise_on_error,
                            const glide_batch_options *options, bool copy, glide_status *status,
                            std::string *why) {
  if (batch->b.commands.empty()) {
    *status = GLIDE_ERR_INVALID_ARGUMENT;
    *why = "the batch is empty";
    return nullptr;
  }
  if (batch->b.commands.size() >= kMaxBatchCommands) {
    *status = GLIDE_ERR_INVALID_ARGUMENT;
    *why = "the batch has more than 2^30 commands";
    return nullptr;
  }
  Request *req = c->impl->request_pool().get();
  if (!req) {
    *status = GLIDE_ERR_OUT_OF_MEMORY;
    *why = "out of memory";
    return nullptr;
  }
  try {
    *status = apply_options(req, batch->b.atomic, options, why);
    if (*status == GLIDE_OK && copy) req->owned = batch->b;  // async: the caller may reuse it
  } catch (...) {
    *status = GLIDE_ERR_OUT_OF_MEMORY;
    *why = "out of memory";
  }
  if (*status != GLIDE_OK) {
    glide::request_free(req);
    return nullptr;
  }
  // Blocking: the request borrows the caller's batch. Safe because the caller stays parked until
  // the request completes, and after completion nothing reads the batch (late replies are only
  // counted and dropped; see the lifetime rules in exec/executor.h).
  req->batch = copy ? &req->owned : &batch->b;
  req->atomic = batch->b.atomic;
  req->raise_on_error = raise_on_error;
  return req;
}

Request *make_command_request(glide_client *c, size_t argc, const char *const *argv,
                              const size_t *argvlen, glide_status *status) {
  Request *req = c->impl->request_pool().get();
  if (!req) {
    *status = GLIDE_ERR_OUT_OF_MEMORY;
    return nullptr;
  }
  *status = req->owned.add(argc, argv, argvlen);
  if (*status != GLIDE_OK) {
    glide::request_free(req);
    return nullptr;
  }
  req->batch = &req->owned;
  req->single = true;
  return req;
}

void waiter_hook(Request *req, glide_value *root) {
  auto *w = static_cast<glide::Waiter *>(req->hook_ctx);
  w->root = root;
  w->wake();
}

glide_value *run_blocking(glide_client *c, Request *req) {
  if (c->impl->on_io_thread()) {
    glide::request_free(req);
    return error_root(GLIDE_ERR_INVALID_ARGUMENT,
                      "blocking call from one of this client's callbacks would deadlock; use the "
                      "async API there");
  }
  // The caller-side fast path first (client.h): nullptr when the I/O thread must run it.
  glide::Client &client = *c->impl;
  glide_value *root = req->single   ? client.try_caller_side(req)
                      : req->atomic ? client.try_caller_side_atomic(req)
                                    : client.try_caller_side_batch(req);
  if (root) return root;
  glide::Waiter w;
  req->hook = &waiter_hook;
  req->hook_ctx = &w;
  const glide_status st = c->impl->submit(req);
  if (st != GLIDE_OK) {
    glide::request_free(req);
    return error_root(st, st == GLIDE_ERR_CLOSING
                              ? "the client is closing"
                              : "the client's in-flight request limit is reached");
  }
  w.wait();
  return w.root;
}

glide_status run_async(glide_client *c, Request *req, glide_result_callback cb, void *user_data) {
  req->cb = cb;
  req->user_data = user_data;
  const glide_status st = c->impl->submit(req);
  if (st != GLIDE_OK) glide::request_free(req);
  return st;
}

// No exception leaves an extern "C" function: out of memory anywhere in a shim (an error text, a
// batch copy) becomes that function's out-of-memory answer.
template <typename R, typename F>
R shielded(R out_of_memory, F &&body) noexcept {
  try {
    return body();
  } catch (...) {
    return out_of_memory;
  }
}

bool bad_argv(size_t argc, const char *const *argv, const size_t *argvlen) {
  return argc == 0 || !argv || !argvlen;
}

// glide_client_subscribe / unsubscribe: the change goes to the I/O thread; the caller parks
// until the server confirmed it (or the request timeout).
struct PubSubCall {
  glide::PubSubChange change;
  glide::Waiter waiter;
  glide_status status = GLIDE_OK;
};

void pubsub_done(glide::PubSubChange *change, glide_status status) {
  auto *call = static_cast<PubSubCall *>(change->ctx);
  call->status = status;
  call->waiter.wake();
}

// k: the kind's bits, read as an int by the shim (a C caller may pass any value).
glide_status pubsub_call(glide_client *c, int k, const char *const *channels, const size_t *lens,
                         size_t n, bool subscribe) {
  return shielded(GLIDE_ERR_OUT_OF_MEMORY, [&] {
    if (!c || (k != GLIDE_PUBSUB_EXACT && k != GLIDE_PUBSUB_PATTERN && k != GLIDE_PUBSUB_SHARDED))
      return GLIDE_ERR_INVALID_ARGUMENT;
    if ((n > 0 && (!channels || !lens)) || (subscribe && n == 0)) return GLIDE_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < n; ++i)
      if (!channels[i] || lens[i] == 0) return GLIDE_ERR_INVALID_ARGUMENT;
    if (!c->impl->pubsub_enabled() || c->impl->on_io_thread()) return GLIDE_ERR_INVALID_ARGUMENT;
    PubSubCall call;
    call.change.kind = static_cast<glide_pubsub_kind>(k);  // checked above
    call.change.subscribe = subscribe;
    call.change.all = !subscribe && n == 0;
    call.change.channels.reserve(n);
    for (size_t i = 0; i < n; ++i) call.change.channels.emplace_back(channels[i], lens[i]);
    call.change.timeout_ms = c->impl->request_timeout_ms();
    call.change.done = &pubsub_done;
    call.change.ctx = &call;
    const glide_status st = c->impl->pubsub_change(&call.change);
    if (st != GLIDE_OK) return st;
    call.waiter.wait();
    return call.status;
  });
}
}  // namespace

extern "C" {

GLIDE_API glide_status glide_client_new(const glide_config *cfg, glide_client **out,
                                        char **error_message) {
  if (error_message) *error_message = nullptr;
  auto fail = [&](glide_status st, const std::string &msg) {
    if (error_message) {
      *error_message = static_cast<char *>(glide::mem::alloc(msg.size() + 1));
      if (*error_message) std::memcpy(*error_message, msg.c_str(), msg.size() + 1);
    }
    return st;
  };
  if (!out) return fail(GLIDE_ERR_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (!cfg) return fail(GLIDE_ERR_INVALID_ARGUMENT, "config is NULL");
  if (cfg->c.addresses.empty()) return fail(GLIDE_ERR_INVALID_ARGUMENT, "no address configured");
  if (cfg->c.cluster && cfg->c.database != 0)
    return fail(GLIDE_ERR_INVALID_ARGUMENT, "a database other than 0 needs standalone mode");
  if (!cfg->c.subscriptions.empty() && !cfg->c.pubsub_cb)
    return fail(GLIDE_ERR_INVALID_ARGUMENT, "subscriptions need a pubsub callback");
  try {
    auto c = std::make_unique<glide_client>();
    c->impl = std::make_unique<glide::Client>(cfg->c);
    std::string error;
    const glide_status st = c->impl->start(&error);
    if (st != GLIDE_OK) return fail(st, error);
    *out = c.release();
    return GLIDE_OK;
  } catch (...) {
    return fail(GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
  }
}

GLIDE_API void glide_client_close(glide_client *client) {
  if (!client) return;
  if (client->impl->on_io_thread()) {
    client->impl->close_from_io_thread(client);  // finished by the I/O thread (see the header)
    return;
  }
  client->impl->close();
  delete client;
}

GLIDE_API void glide_string_free(char *s) { glide::mem::release(s); }

GLIDE_API glide_value *glide_client_command(glide_client *c, size_t argc, const char *const *argv,
                                            const size_t *argvlen) {
  return shielded(glide::oom_root_for_caller(), [&] {
    if (!c) return error_root(GLIDE_ERR_INVALID_ARGUMENT, "client is NULL");
    if (bad_argv(argc, argv, argvlen))
      return error_root(GLIDE_ERR_INVALID_ARGUMENT, "argc must be > 0 and argv, argvlen non-NULL");
    glide_status st;
    Request *req = make_command_request(c, argc, argv, argvlen, &st);
    if (!req)
      return error_root(
          st, st == GLIDE_ERR_INVALID_ARGUMENT ? "invalid command arguments" : "out of memory");
    return run_blocking(c, req);
  });
}

GLIDE_API glide_value *glide_client_exec(glide_client *c, const glide_batch *batch,
                                         bool raise_on_error, const glide_batch_options *options) {
  return shielded(glide::oom_root_for_caller(), [&] {
    if (!c || !batch) return error_root(GLIDE_ERR_INVALID_ARGUMENT, "client or batch is NULL");
    glide_status st;
    std::string why;
    Request *req = make_batch_request(c, batch, raise_on_error, options, false, &st, &why);
    if (!req) return error_root(st, why);
    return run_blocking(c, req);
  });
}

GLIDE_API glide_status glide_client_command_async(glide_client *c, size_t argc,
                                                  const char *const *argv, const size_t *argvlen,
                                                  glide_result_callback cb, void *user_data) {
  return shielded(GLIDE_ERR_OUT_OF_MEMORY, [&] {
    if (!c || !cb || bad_argv(argc, argv, argvlen)) return GLIDE_ERR_INVALID_ARGUMENT;
    glide_status st;
    Request *req = make_command_request(c, argc, argv, argvlen, &st);
    if (!req) return st;
    return run_async(c, req, cb, user_data);
  });
}

GLIDE_API glide_status glide_client_exec_async(glide_client *c, const glide_batch *batch,
                                               bool raise_on_error,
                                               const glide_batch_options *options,
                                               glide_result_callback cb, void *user_data) {
  return shielded(GLIDE_ERR_OUT_OF_MEMORY, [&] {
    if (!c || !batch || !cb) return GLIDE_ERR_INVALID_ARGUMENT;
    glide_status st;
    std::string why;
    Request *req = make_batch_request(c, batch, raise_on_error, options, true, &st, &why);
    if (!req) return st;
    return run_async(c, req, cb, user_data);
  });
}

GLIDE_API glide_status glide_client_subscribe(glide_client *c, glide_pubsub_kind kind,
                                              const char *const *channels, const size_t *lens,
                                              size_t n) {
  return pubsub_call(c, glide::enum_value(kind), channels, lens, n, true);
}

GLIDE_API glide_status glide_client_unsubscribe(glide_client *c, glide_pubsub_kind kind,
                                                const char *const *channels, const size_t *lens,
                                                size_t n) {
  return pubsub_call(c, glide::enum_value(kind), channels, lens, n, false);
}

GLIDE_API glide_status glide_client_update_password(glide_client *c, const char *password,
                                                    bool immediate_auth) {
  return shielded(GLIDE_ERR_OUT_OF_MEMORY, [&] {
    if (!c) return GLIDE_ERR_INVALID_ARGUMENT;
    std::string error;
    return c->impl->update_password(password, immediate_auth, &error);
  });
}

GLIDE_API int glide_client_event_fd(glide_client *c) { return c ? c->impl->event_fd() : -1; }

GLIDE_API size_t glide_client_dispatch(glide_client *c, size_t max_callbacks) {
  return c ? c->impl->dispatch(max_callbacks) : 0;
}

GLIDE_API glide_status glide_client_get_stats(glide_client *c, glide_stats *out) {
  if (!c || !out || out->struct_size < sizeof(size_t) + sizeof(uint64_t))
    return GLIDE_ERR_INVALID_ARGUMENT;
  c->impl->stats(out);
  return GLIDE_OK;
}

}  // extern "C"
