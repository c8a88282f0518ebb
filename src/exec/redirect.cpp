// Redirects and retries inside one exec (docs/ROUTING.md): MOVED patches the slot map and re-sends
// only the command that got it; ASK sends ASKING + the command back-to-back; READONLY refreshes the
// topology and retries; TRYAGAIN/CLUSTERDOWN/MASTERDOWN/LOADING and lost connections are retried
// after a backoff only when the batch asks for it. Every command has a bounded number of rounds,
// and everything stays inside the request's deadline (its timer completes it regardless).
#include <charconv>
#include <cstring>
#include <new>
#include <string>
#include <string_view>

#include "exec/error_class.h"
#include "exec/executor.h"
#include "util/guard.h"
#include "util/log.h"
#include "util/timeval.h"

namespace glide {
namespace {

uint32_t backoff_ms(uint8_t attempt) {
  const uint32_t d = 20u << (attempt > 5 ? 5 : attempt);
  return d > 500 ? 500 : d;
}

constexpr std::string_view kAsking = "*1\r\n$6\r\nASKING\r\n";

}  // namespace

std::string_view Executor::element_bytes(Request *req, uint32_t index, uint16_t part) {
  if (part != kNoPart && req->splits[index]->parts[part].bytes)
    return {req->splits[index]->parts[part].bytes, req->splits[index]->parts[part].len};
  return req->batch->encoded(req->batch->commands[index]);
}

uint8_t *Executor::attempts_of(Request *req, uint32_t index, uint16_t part) {
  if (part != kNoPart) return &req->splits[index]->parts[part].attempts;
  if (!req->attempts) {
    req->attempts = static_cast<uint8_t *>(req->arena->alloc(req->count, 1));
    if (!req->attempts) return nullptr;
    std::memset(req->attempts, 0, req->count);
  }
  return &req->attempts[index];
}

void Executor::resend(Request *req, uint32_t index, uint16_t part, Node *node, bool asking) {
  if (index == kExecIndex) {
    std::string why;
    if (!node) node = planner_.transaction_node(*req->batch, req->route, &why);
    if (!node) {
      request_set_error(req, kExecIndex, kNoPart, GLIDE_ERR_CONNECTION, why);
      return;
    }
    send_transaction(req, node, asking);
    return;
  }
  if (!node) {
    // Route again with the current slot map.
    const BatchCommand &c = req->batch->commands[index];
    if (part != kNoPart && req->splits[index]->multi_slot) {
      node =
          planner_.slot_node(static_cast<uint16_t>(req->splits[index]->parts[part].slot), c.info());
    } else if (part != kNoPart) {
      node = req->splits[index]->parts[part].node;  // fan-out: the same node again
    } else {
      node = req->forced   ? req->forced
             : c.slot >= 0 ? planner_.slot_node(static_cast<uint16_t>(c.slot), c.info())
                           : random_primary();
    }
    if (!node) {
      request_set_error(req, index, part, GLIDE_ERR_CONNECTION,
                        "no node serves the command's slot");
      return;
    }
  }
  if (!connectable(node, req, index, part)) return;
  if (asking) {
    node->conn->reserve(kAsking.size() + element_bytes(req, index, part).size(), 2);
    node->conn->out(req).append(kAsking);
    expect(node, reply_tag(req, index, part, ReplyRole::kChecked));
  }
  send_tagged(node, element_bytes(req, index, part), reply_tag(req, index, part));
}

void Executor::schedule_retry(Request *req, uint32_t index, uint16_t part, Node *node, bool asking,
                              uint32_t delay_ms, bool after_refresh) {
  try {
    req->retries.push_back(Request::Retry{index, part, node, asking});
    if (after_refresh && topology_.refresh_in_flight()) {
      if (!req->waiting_refresh) after_refresh_.push_back(req);
      req->waiting_refresh = true;
    }
  } catch (...) {
    request_set_error(req, index, part, GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
    return;
  }
  ++req->outstanding;  // the retry keeps the request alive
  if (!req->waiting_refresh) arm_retry(req, delay_ms);
}

void Executor::arm_retry(Request *req, uint32_t delay_ms) {
  if (req->retry_armed) return;
  evtimer_assign(&req->retry_timer, base_, &Executor::on_retry_timer, req);
  struct timeval tv = ms_to_timeval(delay_ms);
  event_add(&req->retry_timer, &tv);
  req->retry_armed = true;
}

void Executor::on_retry_timer(evutil_socket_t, short, void *arg) {
  guarded([&] {
    auto *req = static_cast<Request *>(arg);
    auto *c = static_cast<Executor *>(req->owner);
    req->retry_armed = false;
    std::vector<Request::Retry> due;
    due.swap(req->retries);
    {
      RequestHold hold(req);  // a re-send may complete the request (and free it at the end)
      for (const Request::Retry &r : due) {
        --req->outstanding;  // each waiting retry held the request; now it is this loop's
        if (req->completed) continue;
        try {
          c->resend(req, r.index, r.part, r.node, r.asking);
        } catch (...) {
          // Out of memory: this one fails now; the other retries still go.
          request_set_error(req, r.index, r.part, GLIDE_ERR_OUT_OF_MEMORY,
                            "out of memory while retrying");
        }
      }
    }
    c->flush_dirty();
  });
}

void Executor::follow_resume(Request *req) {
  std::vector<Request::Resume> resume = std::move(req->resume);
  req->resume.clear();
  for (Request::Resume &r : resume) {
    if (req->completed) break;
    switch (r.what) {
      case Request::Resume::kFollow: {
        // As if its node had just answered this: the redirect (or retry) is followed from here.
        glide_value v{};
        v.type = GLIDE_VALUE_ERROR;
        v.error_kind = GLIDE_ERR_SERVER;
        v.u.string.ptr = r.text.data();
        v.u.string.len = r.text.size();
        Node *from = topology_.node_for(r.from);
        if (!on_error_reply(req, r.index, kNoPart, &v, from))
          request_set_error(req, r.index, kNoPart, GLIDE_ERR_SERVER, r.text);  // the answer
        break;
      }
      case Request::Resume::kAbort: {
        req->has_queue_error = req->arena->set_error(&req->queue_error, GLIDE_ERR_SERVER, r.text);
        if (req->has_queue_error && on_atomic_abort(req, topology_.node_for(r.from))) break;
        // Not followed: the EXECABORT is the answer, as when its node had just sent it.
        if (!req->arena->set_error(&req->exec_reply, GLIDE_ERR_SERVER, r.answer))
          throw std::bad_alloc();
        request_reply_done(req, kExecIndex, kNoPart);
        break;
      }
      case Request::Resume::kLost:
        if (!on_lost(req, r.index, kNoPart))
          request_set_error(req, r.index, kNoPart, r.kind, r.text);
        break;
    }
  }
}

bool Executor::on_error_reply(Request *req, uint32_t index, uint16_t part, glide_value *v,
                              Node *from) {
  if (req->atomic || !config_.cluster) return false;
  const std::string_view msg(v->u.string.ptr, v->u.string.len);
  const ErrorClass kind = classify_error(msg);
  if (kind == ErrorClass::kNone) return false;
  if (kind == ErrorClass::kRetryable && !req->retry_server_error) return false;
  uint8_t *att = attempts_of(req, index, part);
  if (!att) throw std::bad_alloc();  // the caller fails the element with OUT_OF_MEMORY
  if (*att >= config_.max_redirects) return false;
  ++*att;
  uint16_t slot = 0;
  Address to;
  switch (kind) {
    case ErrorClass::kMoved: {
      if (!parse_redirect(msg, from->address, &slot, &to)) return false;
      Node *target = topology_.redirect_node(to);
      if (!target) return false;  // too many unknown nodes: the MOVED stays the answer
      topology_.patch_slot(slot, target);
      topology_.request_refresh();
      ExecCounters::add(counters_.moved_redirects);
      GLIDE_LOG(GLIDE_LOG_DEBUG, "MOVED: slot %u now at %s (was asked of %s), round %u",
                unsigned{slot}, target->name.c_str(), from->name.c_str(), unsigned{*att});
      if (target == from) {
        // The node says it owns the slot it just refused: its view is changing. Retry after a
        // backoff (bounded by the rounds) rather than loop.
        schedule_retry(req, index, part, target, false, backoff_ms(*att));
      } else {
        resend(req, index, part, target, false);
      }
      return true;
    }
    case ErrorClass::kAsk: {
      if (!parse_redirect(msg, from->address, &slot, &to)) return false;
      Node *target = topology_.redirect_node(to);
      if (!target) return false;
      ExecCounters::add(counters_.ask_redirects);
      GLIDE_LOG(GLIDE_LOG_DEBUG, "ASK: slot %u served by %s during a migration (asked of %s)",
                unsigned{slot}, target->name.c_str(), from->name.c_str());
      resend(req, index, part, target, true);
      return true;
    }
    case ErrorClass::kRetryable:
      ExecCounters::add(counters_.retries);
      GLIDE_LOG(GLIDE_LOG_DEBUG, "retrying a command refused by %s in %u ms, round %u",
                from->name.c_str(), backoff_ms(*att), unsigned{*att});
      schedule_retry(req, index, part, nullptr, false, backoff_ms(*att));
      return true;
    case ErrorClass::kReadonly:
      // A write reached a demoted primary: learn the new primary, then retry with that map.
      ExecCounters::add(counters_.retries);
      GLIDE_LOG(GLIDE_LOG_DEBUG, "READONLY from %s: retrying after the slot map is refreshed",
                from->name.c_str());
      topology_.request_refresh(true);
      schedule_retry(req, index, part, nullptr, false, 100u * *att, true);
      return true;
    case ErrorClass::kNone:
      break;
  }
  return false;
}

bool Executor::on_atomic_abort(Request *req, Node *from) {
  if (!config_.cluster || !req->has_queue_error || req->atomic_attempts >= config_.max_redirects)
    return false;
  const std::string_view msg(req->queue_error.u.string.ptr, req->queue_error.u.string.len);
  const ErrorClass kind = classify_error(msg);
  uint16_t slot = 0;
  Address to;
  Node *target = nullptr;
  bool asking = false;
  switch (kind) {
    case ErrorClass::kMoved:
      if (!parse_redirect(msg, from->address, &slot, &to)) return false;
      target = topology_.redirect_node(to);
      if (!target) return false;
      topology_.patch_slot(slot, target);
      topology_.request_refresh();
      ExecCounters::add(counters_.moved_redirects);
      break;
    case ErrorClass::kAsk:
      if (!parse_redirect(msg, from->address, &slot, &to)) return false;
      target = topology_.redirect_node(to);
      if (!target) return false;
      asking = true;
      ExecCounters::add(counters_.ask_redirects);
      break;
    case ErrorClass::kReadonly:
      topology_.request_refresh(true);
      ExecCounters::add(counters_.retries);
      break;
    default:
      return false;
  }
  ++req->atomic_attempts;
  req->has_queue_error = false;
  GLIDE_LOG(GLIDE_LOG_DEBUG, "transaction aborted by %s for a redirect: sending it again, round %u",
            from->name.c_str(), unsigned{req->atomic_attempts});
  if (kind == ErrorClass::kReadonly || target == from)
    schedule_retry(req, kExecIndex, kNoPart, nullptr, false, 100u * req->atomic_attempts,
                   kind == ErrorClass::kReadonly);
  else
    send_transaction(req, target, asking);
  return true;
}

bool Executor::on_lost(Request *req, uint32_t index, uint16_t part) {
  topology_.request_refresh();
  if (req->atomic || !req->retry_connection_error || index >= req->count) return false;
  uint8_t *att = attempts_of(req, index, part);
  if (!att || *att >= config_.max_redirects) return false;
  ++*att;
  ExecCounters::add(counters_.retries);
  GLIDE_LOG(GLIDE_LOG_DEBUG, "re-sending a command lost with its connection in %u ms, round %u",
            backoff_ms(*att), unsigned{*att});
  schedule_retry(req, index, part, nullptr, false, backoff_ms(*att));
  return true;
}

}  // namespace glide
