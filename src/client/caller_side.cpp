// The caller-side fast path of a blocking single command (client.h, try_caller_side): the
// calling thread borrows the quiet connection of the command's primary, does the round trip
// itself and hands the connection back. The I/O thread's part of the handover is in
// net/connection_lend.cpp; the why in docs/ARCHITECTURE.md ("Threads").
#include <string>

#include "client/client.h"
#include "cluster/lend_table.h"
#include "exec/error_class.h"
#include "value/oom.h"
#include "value/types.h"

namespace glide {
namespace {
glide_value *message_root(glide_error_kind kind, const std::string &message) {
  return error_root(kind, message.data(), message.size());
}
}  // namespace

glide_value *Client::try_caller_side(Request *req) {
  // Only what the I/O thread would send as is to one slot's primary, with the client's timeout.
  const uint32_t timeout_ms = config_.request_timeout_ms;
  if (config_.tls || config_.pubsub_cb || timeout_ms == 0) return nullptr;
  const Batch &b = *req->batch;
  if (!req->single || req->atomic || b.commands.size() != 1 || req->timeout_ms != 0 ||
      req->route.kind != GLIDE_ROUTE_NONE)
    return nullptr;
  const BatchCommand &bc = b.commands[0];
  const commands::Command *info = bc.info();
  if (bc.slot < 0 || bc.transform != Transform::kNone || !info ||
      (info->flags & (commands::kFlagBlocking | commands::kFlagPubsub)) ||
      (config_.prefer_replica && (info->flags & commands::kFlagReadonly)))
    return nullptr;
  cluster::LendTable &table = executor_.topology().lend_table();
  if (!table.wanted()) {
    table.want();  // the I/O thread offers quiet connections from now on; this one goes its way
    return nullptr;
  }

  // Nothing pending on the I/O thread's path (so this command overtakes nothing submitted
  // before it, from this thread or any it synchronised with), and room under the limit.
  const uint64_t before = inflight_.fetch_add(kCallerSide, std::memory_order_acq_rel);
  const uint64_t all = before & 0xFFFFFFFFu, caller_side = before >> 32;
  if (all != caller_side || all >= config_.inflight_limit || closing_.load()) {
    inflight_.fetch_sub(kCallerSide, std::memory_order_relaxed);
    return nullptr;
  }
  Connection *c = table.enter(static_cast<uint16_t>(bc.slot));
  const bool borrowed = c && c->try_borrow();
  table.leave();
  Arena *arena = borrowed ? Arena::create() : nullptr;
  if (!arena) {
    inflight_.fetch_sub(kCallerSide, std::memory_order_relaxed);
    if (borrowed) hand_back(c);
    return nullptr;
  }

  const ReplyTag owed = reply_tag(req, 0, kNoPart);
  Connection::TripResult r =
      c->caller_round_trip(b.encoded(bc), arena, arena->root(), timeout_ms, owed);
  glide_value *root = nullptr;
  bool sent = true, replied = false;
  try {
    switch (r.trip) {
      case Connection::Trip::kAnswered: {
        replied = true;
        glide_value *v = arena->root();
        const ErrorClass kind =
            v->type == GLIDE_VALUE_ERROR ? classify_error(value::string_of(*v)) : ErrorClass::kNone;
        if (!config_.cluster || kind == ErrorClass::kNone || kind == ErrorClass::kRetryable) {
          root = v;  // the answer (TRYAGAIN & co too: a single command does not retry them)
        } else {
          // MOVED, ASK, READONLY: the I/O thread follows it from this answer, as for any request.
          req->first_error = value::string_of(*v);
          req->first_from = c->address();
        }
        break;
      }
      case Connection::Trip::kNotSent:
        sent = false;
        break;
      case Connection::Trip::kTimeout:
        root = message_root(GLIDE_ERR_TIMEOUT, "timed out after " + std::to_string(timeout_ms) +
                                                   " ms waiting for " + c->name());
        cs_timeouts_.fetch_add(1, std::memory_order_relaxed);
        break;
      case Connection::Trip::kLost:
      case Connection::Trip::kProtocol:
        root = message_root(r.lost_kind, r.why);
        break;
    }
  } catch (...) {
    root = message_root(GLIDE_ERR_OUT_OF_MEMORY, {});
  }
  if (root != arena->root()) Arena::destroy(arena);
  if (sent) cs_sent_.fetch_add(1, std::memory_order_relaxed);
  if (replied) cs_replies_.fetch_add(1, std::memory_order_relaxed);
  if (root) cs_completed_.fetch_add(1, std::memory_order_relaxed);
  if (r.owed) {
    // The reply is still to come: the request waits for it on the connection (the I/O thread
    // reads it into scratch and frees the request then), like any request after a timeout.
    req->completed = true;
    req->outstanding = 1;
  } else if (root) {
    request_free(req);
  }
  inflight_.fetch_sub(kCallerSide, std::memory_order_release);
  hand_back(c);  // the last use of the client (a close may free it once the connection is back)
  return root;   // nullptr: req goes to the I/O thread untouched
}

void Client::hand_back(Connection *c) {
  if (c->try_offer()) return;
  // The I/O thread has to see it: under the submit lock, which the I/O thread takes before it
  // can finish a close, so the client outlives this.
  std::lock_guard<std::mutex> lock(submit_mu_);
  c->return_to_io();
  returns_pending_.store(true, std::memory_order_release);
  wake_if_idle();
}

}  // namespace glide
