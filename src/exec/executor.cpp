// The executor's request lifecycle (executor.h): begin, timeouts, completion, what connections
// report, and the topology's requests.
#include "exec/executor.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "util/guard.h"
#include "util/timeval.h"
#include "value/clone.h"
#include "value/oom.h"
#include "value/types.h"

namespace glide {

Executor::Executor(const Config &config, ExecutorHost &host)
    : config_(config),
      host_(host),
      planner_(*this, plan::Options{config.cluster, config.prefer_replica}),
      topology_(config, *this, *this),
      pubsub_(config, topology_, *this, host) {}

Executor::~Executor() { detach(); }

bool Executor::attach(struct event_base *base, Resolver *resolver) {
  base_ = base;
  return topology_.attach(base, resolver) && pubsub_.attach(base);
}

void Executor::detach() {
  pubsub_.detach();
  topology_.detach();
}

void Executor::shutdown() {
  // Every request still pending completes with CLOSING (pub/sub changes waiting for their
  // confirmations too); then the connections go.
  pubsub_.shutdown();
  while (live_head_) force_complete(live_head_, GLIDE_ERR_CLOSING, "the client was closed");
  topology_.for_each_node([](Node *node) {
    for (Connection *c : {node->conn.get(), node->subscriber.get()})
      if (c && c->state() != Connection::State::kDisconnected)
        c->fail(GLIDE_ERR_CLOSING, "the client was closed");
  });
}

uint64_t Executor::now_ms() const {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

void Executor::mark_dirty(Connection *c) {
  if (c->dirty) return;
  c->dirty = true;
  c->next_dirty = dirty_;
  dirty_ = c;
}

void Executor::flush_dirty() {
  if (!defer_flush_) flush_now();
}

void Executor::flush_now() {
  // One write per connection per loop turn, whatever number of requests queued bytes on it.
  // (A flush that fails may queue work on other connections: they join the list and go too.)
  while (Connection *c = dirty_) {
    dirty_ = c->next_dirty;
    c->next_dirty = nullptr;
    c->dirty = false;
    c->flush();
  }
}

// ---------------------------------------------------------------- request lifecycle

void Executor::begin(Request *req) {
  req->owner = this;
  req->seq = next_seq_++;
  req->count = static_cast<uint32_t>(req->batch->commands.size());
  req->unanswered = req->count;
  const size_t words = (size_t{req->count} + 63) / 64;
  const bool adopted = req->adopted;  // the caller side built the answers so far
  req->adopted = false;
  if (adopted) {
    for (size_t w = 0; w < words; ++w)
      req->unanswered -= static_cast<uint32_t>(__builtin_popcountll(req->answered[w]));
  } else {
    req->arena = Arena::create(request_arena_bytes(req->count));
    if (req->arena) {
      req->results = req->arena->alloc_values(req->count);
      req->answered = words ? static_cast<uint64_t *>(
                                  req->arena->alloc(words * sizeof(uint64_t), alignof(uint64_t)))
                            : nullptr;
    }
  }
  // Link first so that every path below ends in complete().
  req->live_next = live_head_;
  if (live_head_) live_head_->live_prev = req;
  live_head_ = req;
  if (!req->arena || !req->results || (words && !req->answered)) {
    // Out of memory: complete at once with the static OUT_OF_MEMORY root (complete() hands it out
    // when the request has no arena).
    Arena::destroy(req->arena);
    req->arena = nullptr;
    req->results = nullptr;
    req->count = req->unanswered = 0;
    complete(req);
    return;
  }
  if (!adopted)
    for (size_t w = 0; w < words; ++w) req->answered[w] = 0;

  const uint32_t ms = req->timeout_ms ? req->timeout_ms : config_.request_timeout_ms;
  struct timeval tv = ms_to_timeval(ms);
  auto it = common_timeouts_.find(ms);
  if (it != common_timeouts_.end()) {
    tv = it->second;
  } else if (common_timeouts_.size() < 16) {
    // Common timeouts keep same-duration timers in an O(1) queue instead of the heap.
    if (const struct timeval *common = event_base_init_common_timeout(base_, &tv)) {
      try {
        common_timeouts_.emplace(ms, *common);
        tv = *common;
      } catch (...) {
        // out of memory: this one timer goes in the heap
      }
    }
  }
  evtimer_assign(&req->timer, base_, &Executor::on_timeout, req);
  event_add(&req->timer, &tv);
  req->timer_armed = true;
  req->timeout_ms = ms;

  if (host_.closing()) {
    force_complete(req, GLIDE_ERR_CLOSING, "the client was closed");
    return;
  }
  // Planning may complete (and deliver) the request; it must stay alive until plan ends.
  RequestHold hold(req);
  try {
    if (!req->resume.empty())
      follow_resume(req);
    else
      plan(req);
  } catch (...) {
    // Out of memory half-way: what was queued is read and dropped when it comes; the rest fails
    // now (connections only ever queue whole commands with their reply entries).
    if (!req->completed) {
      request_fail_unanswered(req, GLIDE_ERR_OUT_OF_MEMORY,
                              "out of memory while sending the batch");
      complete(req);
    }
  }
}

void Executor::on_timeout(evutil_socket_t, short, void *arg) {
  auto *req = static_cast<Request *>(arg);
  req->timer_armed = false;
  auto *c = static_cast<Executor *>(req->owner);
  bool done = false;
  if (!req->internal && !req->completed) ExecCounters::add(c->counters_.timeouts);
  guarded([&] {
    c->force_complete(req, GLIDE_ERR_TIMEOUT,
                      "timed out after " + std::to_string(req->timeout_ms) + " ms");
    done = true;
    c->flush_dirty();
  });
  if (!done && !req->completed) {
    // Out of memory before the request could complete: try again shortly, never drop it.
    struct timeval tv = {0, 10000};
    event_add(&req->timer, &tv);
    req->timer_armed = true;
  }
}

void Executor::maybe_complete(Request *req) {
  if (!req->completed && req->unanswered == 0) complete(req);
}

void Executor::force_complete(Request *req, glide_error_kind kind, const std::string &message) {
  if (req->completed) return;
  if (req->parsing > 0) {
    // A connection is half-way through a reply into this request's arena. The caller gets a copy
    // of what is final (the answered elements; the half-built one is not); the old arena stays
    // with the request until that reply is read. (The answered bits stay there too.)
    Arena *fresh = Arena::create(256);
    glide_value *results = fresh ? fresh->alloc_values(req->count) : nullptr;
    bool ok = fresh && (results || req->count == 0);
    for (uint32_t i = 0; ok && i < req->count; ++i) {
      if (req->is_answered(i))
        ok = clone_value(fresh, &req->results[i], &results[i]);
      else
        Arena::set_nil(&results[i]);  // replaced below by the unanswered error
    }
    if (ok && req->atomic && req->exec_answered)
      ok = clone_value(fresh, &req->exec_reply, &req->exec_reply);
    if (ok && req->has_queue_error) ok = clone_value(fresh, &req->queue_error, &req->queue_error);
    if (!ok) {
      Arena::destroy(fresh);
      fresh = nullptr;  // the caller gets the static OUT_OF_MEMORY root
      results = nullptr;
      req->count = req->unanswered = 0;
    }
    req->orphan = req->arena;  // the reply in progress finishes into it
    req->arena = fresh;
    req->results = results;
    if (!req->arena) {
      complete(req);
      return;
    }
  }
  // Connections that owed this request a reply and have read nothing through several timeouts
  // in a row are torn down once the request is complete (below): a node that stopped answering
  // must not hold a connection, and every request queued on it, forever.
  std::vector<Node *> stalled;
  if (kind == GLIDE_ERR_TIMEOUT) {
    topology_.for_each_node([&](Node *node) {
      if (node->conn->owes(req) && node->conn->note_timeout()) stalled.push_back(node);
    });
  }
  if (kind == GLIDE_ERR_TIMEOUT && !req->atomic) {
    // Name the node each unanswered command was waiting for.
    topology_.for_each_node([&](Node *node) {
      node->conn->visit_pending(req, [&](const ReplyTag &t) {
        const uint32_t index = t.index;
        if (role_of(t) != ReplyRole::kElement || index >= req->count || t.part != kNoPart ||
            req->is_answered(index))
          return;
        std::string msg = message + " waiting for " + node->name;
        if (!req->arena->set_error(&req->results[index], kind, msg)) return;
        req->mark_answered(index);
        --req->unanswered;
      });
    });
  }
  request_fail_unanswered(req, kind, message);
  complete(req);  // req may be gone from here on
  for (Node *node : stalled)
    node->conn->fail(GLIDE_ERR_CONNECTION, "connection to " + node->name + " closed: " +
                                               std::to_string(config_.stall_timeouts) +
                                               " requests timed out in a row with no reply read");
}

void Executor::complete(Request *req) {
  if (req->completed) return;
  req->completed = true;
  if (!req->internal) ExecCounters::add(counters_.requests_completed);
  if (req->live_prev)
    req->live_prev->live_next = req->live_next;
  else
    live_head_ = req->live_next;
  if (req->live_next) req->live_next->live_prev = req->live_prev;
  req->live_prev = req->live_next = nullptr;
  if (req->timer_armed) {
    event_del(&req->timer);
    req->timer_armed = false;
  }
  if (req->waiting_refresh) {
    std::erase(after_refresh_, req);
    req->waiting_refresh = false;
  }
  if (req->retry_armed) {
    event_del(&req->retry_timer);
    req->retry_armed = false;
  }
  req->outstanding -= static_cast<uint32_t>(req->retries.size());
  req->retries.clear();
  if (!req->borrowed_on.empty()) release_borrowed(req);
  glide_value *root = req->arena ? request_build_root(req) : oom_root_for_caller();
  host_.deliver(req, root);
  request_release(req);
}

void Executor::release_borrowed(Request *req) {
  // The caller may free its batch as soon as deliver() releases it: no connection may keep a
  // span of it. A connection failed here gives back its holds on req (on_reply_lost): a hold of
  // ours keeps req alive meanwhile.
  static const std::string kOutOfMemory = "out of memory";  // inline: copying it allocates nothing
  const std::string &buf = req->batch->buffer;
  ++req->outstanding;
  for (size_t i = 0; i < req->borrowed_on.size(); ++i) {
    Connection *conn = req->borrowed_on[i];
    if (!conn->release_borrowed(buf.data(), buf.size()))
      guarded([&] { conn->fail(GLIDE_ERR_CONNECTION, kOutOfMemory); });
  }
  req->borrowed_on.clear();
  --req->outstanding;
}

// ---------------------------------------------------------------- what connections report

ReplyTarget Executor::reply_target(const ReplyTag &tag) {
  Request *req = tag.req;
  if (req == pubsub_.marker() || req->completed || !kept(tag)) return ReplyTarget{nullptr, nullptr};
  ++req->parsing;
  return ReplyTarget{request_slot(req, tag.index, tag.part), req->arena};
}

void Executor::reply_abandoned(const ReplyTag &tag) {
  Request *req = tag.req;
  if (req == pubsub_.marker()) return;  // never given a target
  --req->parsing;
  // The slot may hold half a reply (or a push): it is still unanswered (answered bits are set
  // only by a final answer), so nothing reads it.
}

void Executor::on_reply(Node *from, const ReplyTag &tag, glide_value *v, bool in_target) {
  Request *req = tag.req;
  if (req == pubsub_.marker()) {
    // The fence behind a (un)subscribe command (exec/pubsub.h).
    pubsub_.on_fence_reply(from, tag, v);
    return;
  }
  if (in_target) --req->parsing;
  --req->outstanding;
  if (!req->internal) ExecCounters::add(counters_.replies_received);
  if (req->completed) {
    request_release(req);
    return;
  }
  switch (role_of(tag)) {
    case ReplyRole::kExec:
      // A transaction discarded because a command was redirected at queue time goes again, whole.
      if (value::is_error_with(*v, "EXECABORT")) {
        bool handled = false;
        try {
          handled = on_atomic_abort(req, from);
        } catch (...) {
          handled = false;  // out of memory: the EXECABORT stays the answer
        }
        if (handled) return;
      }
      request_reply_done(req, tag.index, tag.part);
      return;
    case ReplyRole::kQueued:
    case ReplyRole::kChecked:
      // MULTI's +OK, each +QUEUED, ASKING's +OK: only an error matters (it makes EXEC abort).
      if (v->type == GLIDE_VALUE_ERROR && !req->has_queue_error &&
          req->arena->set_error(&req->queue_error, GLIDE_ERR_SERVER, value::string_of(*v)))
        req->has_queue_error = true;
      return;
    case ReplyRole::kElement:
      break;
  }
  if (v->type == GLIDE_VALUE_ERROR) {
    bool handled = false;
    try {
      handled = on_error_reply(req, tag.index, tag.part, v, from);
    } catch (...) {
      // Out of memory while following a redirect: nothing was re-sent, the element fails.
      request_set_error(req, tag.index, tag.part, GLIDE_ERR_OUT_OF_MEMORY,
                        "out of memory while following a redirect");
      return;
    }
    if (handled) return;
  }
  request_reply_done(req, tag.index, tag.part);
}

void Executor::on_reply_lost(const ReplyTag &tag, glide_error_kind kind,
                             const std::string &message) {
  Request *req = tag.req;
  if (req == pubsub_.marker()) {
    pubsub_.on_fence_lost(tag);
    return;
  }
  --req->outstanding;
  if (req->completed) {
    request_release(req);
    return;
  }
  if (!kept(tag)) return;
  if (kind != GLIDE_ERR_CLOSING && on_lost(req, tag.index, tag.part)) return;
  request_set_error(req, tag.index, tag.part, kind, message);
}

bool Executor::on_push(Node *from, glide_value *push) {
  try {
    return pubsub_.on_push(from, push);
  } catch (...) {
    return false;  // out of memory: dropped (counted by the connection)
  }
}

void Executor::on_connection_failed(Node *node) { topology_.on_connection_failed(node); }

void Executor::on_node_ready(Node *node) {
  ExecCounters::add(counters_.connected_nodes);
  if (node->was_ready) ExecCounters::add(counters_.reconnects);
  node->was_ready = true;
  pubsub_.on_node_ready(node);
}

void Executor::on_node_down(Node *node) {
  ExecCounters::add(counters_.connected_nodes, -1);
  pubsub_.on_node_down(node);
}

void Executor::on_subscriber_ready(Node *node) {
  if (node->subscriber_side.was_ready) ExecCounters::add(counters_.reconnects);
  node->subscriber_side.was_ready = true;
  pubsub_.on_subscriber_ready(node);
}

void Executor::on_subscriber_down(Node *node) { pubsub_.on_subscriber_down(node); }

// ---------------------------------------------------------------- the topology's host

uint64_t Executor::oldest_live_request_seq() const {
  uint64_t oldest = next_seq_;
  for (Request *r = live_head_; r; r = r->live_next) oldest = std::min(oldest, r->seq);
  return oldest;
}

Request *Executor::make_slots_request(const Address &to) {
  return make_slots_query(to, &Executor::on_refresh_reply, this);
}

void Executor::on_refresh_reply(Request *req, glide_value *root) {
  auto *c = static_cast<Executor *>(req->hook_ctx);
  c->topology_.on_slots_answer(Address{req->route.host, req->route.port}, root);
  glide_value_free(root);
}

void Executor::refresh_finished() {
  pubsub_.map_changed();  // sharded channels follow their slots
  // Retries that waited for the new map go now.
  std::vector<Request *> waiting;
  waiting.swap(after_refresh_);
  for (Request *req : waiting) {
    req->waiting_refresh = false;
    arm_retry(req, 0);
  }
}

// ---------------------------------------------------------------- internal requests

Request *Executor::make_internal(const char *const *argv, const size_t *lens, size_t argc,
                                 void (*hook)(Request *, glide_value *), void *hook_ctx) {
  auto *req = new (std::nothrow) Request();
  if (!req) return nullptr;
  if (req->owned.add(argc, argv, lens) != GLIDE_OK) {
    delete req;
    return nullptr;
  }
  req->batch = &req->owned;
  req->internal = true;
  req->single = true;
  req->hook = hook;
  req->hook_ctx = hook_ctx;
  req->timeout_ms = config_.connect_timeout_ms + config_.request_timeout_ms;
  return req;
}

Request *Executor::make_slots_query(const Address &to, void (*hook)(Request *, glide_value *),
                                    void *hook_ctx) {
  const char *argv[] = {"CLUSTER", "SLOTS"};
  const size_t lens[] = {7, 5};
  Request *req = make_internal(argv, lens, 2, hook, hook_ctx);
  if (!req) return nullptr;
  req->route.kind = GLIDE_ROUTE_ADDRESS;
  req->route.port = to.port;
  try {
    req->route.host = to.host;
  } catch (...) {
    delete req;
    return nullptr;
  }
  return req;
}

}  // namespace glide
