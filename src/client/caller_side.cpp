// The caller-side fast path of blocking calls (client.h: try_caller_side for a single command,
// try_caller_side_batch for a non-atomic batch, try_caller_side_atomic for a transaction): the
// calling thread borrows the quiet connections of the primaries concerned, does the round trip
// itself and hands them back, leaving what it cannot finish to the I/O thread (Request::resume).
// The I/O thread's part of the handover is in net/connection_lend.cpp; the why in
// docs/ARCHITECTURE.md, "The caller-side fast path".
#include <limits.h>
#include <poll.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

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
glide_value *error_root(glide_error_kind kind, const std::string &message) {
  return message_root(kind, message);
}

// What is left of timeout_ms since start, at least 1 ms: the I/O thread's share of a request the
// caller side started.
uint32_t remaining_ms(std::chrono::steady_clock::time_point start, uint32_t timeout_ms) {
  const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();
  return spent + 1 >= timeout_ms ? 1u : timeout_ms - static_cast<uint32_t>(spent);
}

// Writes iov[*at..] as far as the socket takes it (IOV_MAX at a time), advancing *at past the
// buffers written whole (*sent counts them) and into one written in part. False: the write failed
// (why set).
bool write_some(Connection *c, std::vector<struct iovec> &iov, size_t *at, size_t *sent,
                std::string *why) {
  const int m = static_cast<int>(std::min<size_t>(iov.size() - *at, IOV_MAX));
  const ssize_t w = c->caller_write(&iov[*at], m, why);
  if (w < 0) return false;
  size_t left = static_cast<size_t>(w);
  while (left > 0) {
    struct iovec &v = iov[*at];
    if (left >= v.iov_len) {
      left -= v.iov_len;
      ++*at;
      ++*sent;
    } else {
      v.iov_base = static_cast<char *>(v.iov_base) + left;
      v.iov_len -= left;
      left = 0;
    }
  }
  return true;
}
}  // namespace

bool Client::caller_side_may_start() {
  cluster::LendTable &table = executor_.topology().lend_table();
  if (!table.wanted()) {
    want_lending(table);  // quiet connections are offered from now on; this call goes its way
    return false;
  }
  // Nothing pending on the I/O thread's path (so the call overtakes nothing submitted before it,
  // from this thread or any it synchronised with), and room under the limit. Counted in
  // inflight_ from here until the call subtracts kCallerSide again.
  const uint64_t before = inflight_.fetch_add(kCallerSide, std::memory_order_acq_rel);
  const uint64_t all = before & 0xFFFFFFFFu, caller_side = before >> 32;
  if (all == caller_side && all < config_.inflight_limit && !closing_.load()) return true;
  inflight_.fetch_sub(kCallerSide, std::memory_order_relaxed);
  return false;
}

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
  if (!caller_side_may_start()) return nullptr;
  cluster::LendTable &table = executor_.topology().lend_table();
  Connection *c = table.enter(static_cast<uint16_t>(bc.slot));
  const bool borrowed = c && c->try_borrow();
  table.leave();
  Arena *arena = borrowed ? Arena::create() : nullptr;
  if (!arena) {
    inflight_.fetch_sub(kCallerSide, std::memory_order_relaxed);
    if (borrowed) hand_back(c);
    return nullptr;
  }

  const auto start = std::chrono::steady_clock::now();
  const ReplyTag owed = reply_tag(req, 0, kNoPart);
  Connection::TripResult r{Connection::Trip::kLost, GLIDE_ERR_OUT_OF_MEMORY, {}, false};
  glide_value *root = nullptr;
  bool sent = true, replied = false;
  try {
    r = c->caller_round_trip(b.encoded(bc), arena, arena->root(), timeout_ms, owed);
  } catch (...) {
    // Out of memory half-way (a message): the connection is out of step, the answer is OOM.
    c->caller_fail(GLIDE_ERR_OUT_OF_MEMORY, "out of memory (while lent) with");
    root = error_root(GLIDE_ERR_OUT_OF_MEMORY, "out of memory", 13);
  }
  try {
    if (!root) {
      switch (r.trip) {
        case Connection::Trip::kAnswered: {
          replied = true;
          glide_value *v = arena->root();
          const ErrorClass kind = v->type == GLIDE_VALUE_ERROR
                                      ? classify_error(value::string_of(*v))
                                      : ErrorClass::kNone;
          if (!config_.cluster || kind == ErrorClass::kNone || kind == ErrorClass::kRetryable) {
            root = v;  // the answer (TRYAGAIN & co too: a single command does not retry them)
          } else {
            // MOVED, ASK, READONLY: the I/O thread follows it from this answer, as for any request.
            req->resume.push_back(Request::Resume{Request::Resume::kFollow,
                                                  0,
                                                  GLIDE_OK,
                                                  std::string(value::string_of(*v)),
                                                  c->address(),
                                                  {}});
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
    }
  } catch (...) {
    root = message_root(GLIDE_ERR_OUT_OF_MEMORY, {});
  }
  if (root != arena->root()) Arena::destroy(arena);
  if (sent) cs_sent_.fetch_add(1, std::memory_order_relaxed);
  if (replied) cs_replies_.fetch_add(1, std::memory_order_relaxed);
  if (root) cs_completed_.fetch_add(1, std::memory_order_relaxed);
  if (!root) {
    // The I/O thread's path, within what is left of the timeout.
    req->timeout_ms = remaining_ms(start, timeout_ms);
  }
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

glide_value *Client::try_caller_side_batch(Request *req) {
  const Batch &b = *req->batch;
  const uint32_t timeout_ms = req->timeout_ms ? req->timeout_ms : config_.request_timeout_ms;
  const size_t count = b.commands.size();
  if (config_.tls || config_.pubsub_cb || timeout_ms == 0 || req->single || req->atomic ||
      req->route.kind != GLIDE_ROUTE_NONE || count == 0 || count > kMaxCallerSideCommands)
    return nullptr;
  for (const BatchCommand &bc : b.commands) {
    const commands::Command *info = bc.info();
    if (bc.slot < 0 || !info || (info->flags & (commands::kFlagBlocking | commands::kFlagPubsub)) ||
        (config_.prefer_replica && (info->flags & commands::kFlagReadonly)))
      return nullptr;
  }
  if (!caller_side_may_start()) return nullptr;
  cluster::LendTable &table = executor_.topology().lend_table();
  const auto start = std::chrono::steady_clock::now();

  // One entry per node: its borrowed connection, its commands in send order, where their
  // replies go, and how far writing and reading got.
  struct Lent {
    Connection *c = nullptr;
    std::vector<uint32_t> idx;
    std::vector<glide_value *> targets;
    std::vector<struct iovec> iov;
    size_t iov_at = 0;  // iov[iov_at..] unsent (the first one possibly in part)
    size_t sent = 0;    // commands written whole
    size_t done = 0;    // replies read
    bool failed = false;
    glide_error_kind kind = GLIDE_OK;
    std::string why;
  };
  Lent lent[kMaxCallerSideNodes];
  size_t n = 0;
  bool ok = true;
  table.enter();
  for (uint32_t i = 0; i < count && ok; ++i) {
    Connection *c = table.lookup(static_cast<uint16_t>(b.commands[i].slot));
    size_t k = 0;
    while (k < n && lent[k].c != c) ++k;
    if (k == n) {
      ok = c && n < kMaxCallerSideNodes && c->try_borrow();
      if (ok) lent[n++].c = c;
    }
    try {
      if (ok) lent[k].idx.push_back(i);
    } catch (...) {
      ok = false;
    }
  }
  table.leave();
  Arena *arena = nullptr;
  glide_value *results = nullptr;
  uint64_t *answered = nullptr;
  const size_t words = (count + 63) / 64;
  if (ok) {
    arena = Arena::create(request_arena_bytes(static_cast<uint32_t>(count)));
    results = arena ? arena->alloc_values(count) : nullptr;
    answered =
        results ? static_cast<uint64_t *>(arena->alloc(words * sizeof(uint64_t), alignof(uint64_t)))
                : nullptr;
    ok = answered != nullptr;
    if (ok) std::memset(answered, 0, words * sizeof(uint64_t));  // arena memory is not zeroed
  }
  try {
    for (size_t k = 0; k < n && ok; ++k) {
      Lent &l = lent[k];
      l.targets.reserve(l.idx.size());
      l.iov.reserve(l.idx.size());
      for (uint32_t i : l.idx) {
        const std::string_view cmd = b.encoded(b.commands[i]);
        l.targets.push_back(&results[i]);
        l.iov.push_back(iovec{const_cast<char *>(cmd.data()), cmd.size()});
      }
    }
  } catch (...) {
    ok = false;
  }
  // Bytes, an EOF or an error already waiting on a borrowed (quiet) connection: the server
  // closed it, or sent what nobody asked for. The I/O thread's business; nothing is sent.
  struct pollfd fds[kMaxCallerSideNodes];
  if (ok) {
    for (size_t k = 0; k < n; ++k) fds[k] = pollfd{lent[k].c->caller_fd(), POLLIN | POLLRDHUP, 0};
    if (::poll(fds, n, 0) != 0) {
      for (size_t k = 0; k < n; ++k)
        if (fds[k].revents) lent[k].c->caller_saw_news();
      ok = false;
    }
  }
  if (!ok) {
    Arena::destroy(arena);
    inflight_.fetch_sub(kCallerSide, std::memory_order_relaxed);
    for (size_t k = 0; k < n; ++k) hand_back(lent[k].c);
    return nullptr;
  }

  bool oom = false, timed_out = false;
  size_t sent = 0, replies = 0;
  try {
    // Write every node's share, read the replies as they come (never waiting to write while
    // replies pile up), until every reply is in, a connection fails, or the timeout.
    const auto deadline = start + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      for (size_t k = 0; k < n; ++k) {
        Lent &l = lent[k];
        if (l.failed || l.iov_at == l.iov.size()) continue;
        if (!write_some(l.c, l.iov, &l.iov_at, &l.sent, &l.why)) {
          l.failed = true;
          l.kind = GLIDE_ERR_CONNECTION;
        }
      }
      size_t waiting = 0;
      for (size_t k = 0; k < n; ++k) {
        Lent &l = lent[k];
        if (l.failed || l.done == l.idx.size()) continue;
        fds[waiting] =
            pollfd{l.c->caller_fd(),
                   static_cast<short>(POLLIN | (l.iov_at < l.iov.size() ? POLLOUT : 0)), 0};
        ++waiting;
      }
      if (waiting == 0) break;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        timed_out = true;
        break;
      }
      const auto left_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
      const int r = ::poll(fds, waiting, static_cast<int>(left_ms));
      if (r < 0 && errno != EINTR) {
        timed_out = true;  // cannot wait: treated as the timeout (the connections fail)
        break;
      }
      size_t f = 0;
      for (size_t k = 0; k < n; ++k) {
        Lent &l = lent[k];
        if (l.failed || l.done == l.idx.size()) continue;
        const short ev = fds[f++].revents;
        if (!(ev & (POLLIN | POLLHUP | POLLERR))) continue;
        if (!l.c->caller_read(arena, l.targets.data(), l.sent, &l.done, &l.kind, &l.why))
          l.failed = true;
      }
    }

    // What each element got: a final answer (kept in place), a redirect or a lost connection for
    // the I/O thread to finish (Request::resume), or the timeout.
    const std::string timeout_text = "timed out after " + std::to_string(timeout_ms) + " ms";
    for (size_t k = 0; k < n; ++k) {
      Lent &l = lent[k];
      sent += l.sent;
      replies += l.done;
      try {
        for (size_t j = 0; j < l.idx.size(); ++j) {
          const uint32_t i = l.idx[j];
          glide_value *v = &results[i];
          if (j < l.done) {
            const ErrorClass kind = v->type == GLIDE_VALUE_ERROR
                                        ? classify_error(value::string_of(*v))
                                        : ErrorClass::kNone;
            if (config_.cluster && kind != ErrorClass::kNone &&
                (kind != ErrorClass::kRetryable || req->retry_server_error)) {
              req->resume.push_back(Request::Resume{Request::Resume::kFollow,
                                                    i,
                                                    GLIDE_OK,
                                                    std::string(value::string_of(*v)),
                                                    l.c->address(),
                                                    {}});
              continue;
            }
            request_apply_transform(b.commands[i].transform, v);
          } else if (l.failed) {
            // Lost with its connection, written or still queued (as on the I/O thread's path,
            // where a failing connection loses what it had queued too): an error, or re-sent when
            // the batch allows it.
            req->resume.push_back(
                Request::Resume{Request::Resume::kLost, i, l.kind, l.why, {}, {}});
            continue;
          } else if (!arena->set_error(v, GLIDE_ERR_TIMEOUT,
                                       timeout_text + " waiting for " + l.c->name())) {
            *v = *oom_root();
          }
          answered[i >> 6] |= uint64_t{1} << (i & 63);
        }
      } catch (...) {
        oom = true;
      }
      if (timed_out && !l.failed && l.done < l.idx.size())
        l.c->caller_fail(GLIDE_ERR_TIMEOUT, "timed out (while lent) with replies owed by");
    }
  } catch (...) {
    // Out of memory half-way (a message): every connection is out of step, the answer is OOM.
    for (size_t k = 0; k < n; ++k)
      lent[k].c->caller_fail(GLIDE_ERR_OUT_OF_MEMORY, "out of memory (while lent) with");
    Arena::destroy(arena);
    req->resume.clear();
    request_free(req);
    inflight_.fetch_sub(kCallerSide, std::memory_order_release);
    for (size_t k = 0; k < n; ++k) hand_back(lent[k].c);
    return error_root(GLIDE_ERR_OUT_OF_MEMORY, "out of memory", 13);
  }
  req->arena = arena;
  req->results = results;
  req->answered = answered;
  req->count = static_cast<uint32_t>(count);
  glide_value *root = nullptr;
  if (oom) {
    req->resume.clear();
    root = error_root(GLIDE_ERR_OUT_OF_MEMORY, "out of memory", 13);
  } else if (req->resume.empty()) {
    root = request_build_root(req);  // the arena becomes the caller's
  } else {
    // The I/O thread finishes it (run_blocking submits it), within what is left of the timeout.
    req->adopted = true;
    req->timeout_ms = remaining_ms(start, timeout_ms);
  }
  if (timed_out) cs_timeouts_.fetch_add(1, std::memory_order_relaxed);
  cs_sent_.fetch_add(sent, std::memory_order_relaxed);
  cs_replies_.fetch_add(replies, std::memory_order_relaxed);
  if (root) {
    cs_completed_.fetch_add(1, std::memory_order_relaxed);
    if (req->arena) Arena::destroy(req->arena);  // oom: nobody took it
    req->arena = nullptr;
    request_free(req);
  }
  inflight_.fetch_sub(kCallerSide, std::memory_order_release);
  for (size_t k = 0; k < n; ++k) hand_back(lent[k].c);  // the last use of the client
  return root;
}

glide_value *Client::try_caller_side_atomic(Request *req) {
  const Batch &b = *req->batch;
  const uint32_t timeout_ms = req->timeout_ms ? req->timeout_ms : config_.request_timeout_ms;
  const size_t count = b.commands.size();
  if (config_.tls || config_.pubsub_cb || timeout_ms == 0 || !req->atomic || !config_.cluster ||
      req->route.kind != GLIDE_ROUTE_NONE || b.cross_slot || b.first_slot < 0 || count == 0 ||
      count > kMaxCallerSideCommands)
    return nullptr;
  for (const BatchCommand &bc : b.commands) {
    const commands::Command *info = bc.info();
    if (!info || (info->flags & commands::kFlagPubsub)) return nullptr;
  }
  if (!caller_side_may_start()) return nullptr;
  cluster::LendTable &table = executor_.topology().lend_table();
  const auto start = std::chrono::steady_clock::now();
  Connection *c = table.enter(static_cast<uint16_t>(b.first_slot));
  const bool borrowed = c && c->try_borrow();
  table.leave();

  // The transaction as the I/O thread sends it (Executor::send_transaction): MULTI, the
  // commands, EXEC. Replies: MULTI's +OK and one +QUEUED per command (kept, to find the first
  // queue-time error), then EXEC's.
  static const char kMulti[] = "*1\r\n$5\r\nMULTI\r\n";
  static const char kExec[] = "*1\r\n$4\r\nEXEC\r\n";
  Arena *arena = nullptr;
  glide_value *queued = nullptr;
  std::vector<struct iovec> iov;
  std::vector<glide_value *> targets;
  bool ok = borrowed;
  if (ok) {
    arena = Arena::create(request_arena_bytes(static_cast<uint32_t>(count)) +
                          (count + 2) * sizeof(glide_value));
    queued = arena ? arena->alloc_values(count + 2) : nullptr;  // + the EXEC reply
    ok = queued != nullptr;
  }
  try {
    if (ok) {
      iov.reserve(count + 2);
      targets.reserve(count + 2);
      iov.push_back(iovec{const_cast<char *>(kMulti), sizeof kMulti - 1});
      for (const BatchCommand &bc : b.commands) {
        const std::string_view cmd = b.encoded(bc);
        iov.push_back(iovec{const_cast<char *>(cmd.data()), cmd.size()});
      }
      iov.push_back(iovec{const_cast<char *>(kExec), sizeof kExec - 1});
      for (size_t i = 0; i < count + 2; ++i) targets.push_back(&queued[i]);
    }
  } catch (...) {
    ok = false;
  }
  if (ok) {
    struct pollfd p = {c->caller_fd(), POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) != 0) {
      c->caller_saw_news();
      ok = false;
    }
  }
  if (!ok) {
    Arena::destroy(arena);
    inflight_.fetch_sub(kCallerSide, std::memory_order_relaxed);
    if (borrowed) hand_back(c);
    return nullptr;
  }

  glide_value *root = nullptr;
  size_t at = 0, sent = 0, done = 0;
  bool failed = false, timed_out = false;
  glide_error_kind kind = GLIDE_OK;
  std::string why;
  try {
    const auto deadline = start + std::chrono::milliseconds(timeout_ms);
    while (!failed && done < count + 2) {
      if (at < iov.size() && !write_some(c, iov, &at, &sent, &why)) {
        failed = true;
        kind = GLIDE_ERR_CONNECTION;
        break;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        timed_out = true;
        break;
      }
      struct pollfd p = {c->caller_fd(),
                         static_cast<short>(POLLIN | (at < iov.size() ? POLLOUT : 0)), 0};
      const auto left_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
      const int r = ::poll(&p, 1, static_cast<int>(left_ms));
      if (r < 0 && errno != EINTR) {
        timed_out = true;
        break;
      }
      if (r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) &&
          !c->caller_read(arena, targets.data(), sent, &done, &kind, &why))
        failed = true;
    }
    if (timed_out) {
      c->caller_fail(GLIDE_ERR_TIMEOUT, "timed out (while lent) with replies owed by");
      root = error_root(GLIDE_ERR_TIMEOUT, "timed out after " + std::to_string(timeout_ms) + " ms");
      cs_timeouts_.fetch_add(1, std::memory_order_relaxed);
    } else if (failed) {
      root = error_root(kind, why);  // as the I/O thread answers a transaction's lost EXEC
    } else {
      // The first queue-time error, as the I/O thread keeps it (ReplyRole::kQueued).
      const glide_value *queue_error = nullptr;
      for (size_t i = 0; i <= count && !queue_error; ++i)
        if (queued[i].type == GLIDE_VALUE_ERROR) queue_error = &queued[i];
      glide_value &exec = queued[count + 1];
      const ErrorClass redirect =
          queue_error ? classify_error(value::string_of(*queue_error)) : ErrorClass::kNone;
      if (exec.type == GLIDE_VALUE_ERROR && value::is_error_with(exec, "EXECABORT") &&
          (redirect == ErrorClass::kMoved || redirect == ErrorClass::kAsk ||
           redirect == ErrorClass::kReadonly)) {
        // Discarded for a redirect at queue time (nothing ran): the I/O thread sends it again
        // where the redirect says, as if this node had just answered it.
        req->resume.push_back(Request::Resume{Request::Resume::kAbort, kExecIndex, GLIDE_OK,
                                              std::string(value::string_of(*queue_error)),
                                              c->address(), std::string(value::string_of(exec))});
      } else {
        req->arena = arena;
        req->count = static_cast<uint32_t>(count);
        req->exec_reply = exec;
        if (queue_error) {
          req->queue_error = *queue_error;
          req->has_queue_error = true;
        }
        request_take_exec_reply(req);
        root = request_build_root(req);  // the arena becomes the caller's
        arena = nullptr;
      }
    }
  } catch (...) {
    c->caller_fail(GLIDE_ERR_OUT_OF_MEMORY, "out of memory (while lent) with");
    req->resume.clear();
    req->arena = nullptr;
    root = error_root(GLIDE_ERR_OUT_OF_MEMORY, "out of memory", 13);
  }
  Arena::destroy(arena);
  cs_sent_.fetch_add(sent, std::memory_order_relaxed);
  cs_replies_.fetch_add(done, std::memory_order_relaxed);
  if (root) {
    cs_completed_.fetch_add(1, std::memory_order_relaxed);
    request_free(req);
  } else {
    // The I/O thread's path, within what is left of the timeout.
    req->timeout_ms = remaining_ms(start, timeout_ms);
  }
  inflight_.fetch_sub(kCallerSide, std::memory_order_release);
  hand_back(c);  // the last use of the client
  return root;
}

void Client::want_lending(cluster::LendTable &table) {
  // The I/O thread offers a connection when it goes quiet; those quiet already are offered by
  // its next scan (take_returned), which this asks for.
  std::lock_guard<std::mutex> lock(submit_mu_);
  table.want();
  returns_pending_.store(true, std::memory_order_release);
  wake_if_idle();
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
