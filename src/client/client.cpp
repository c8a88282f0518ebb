#include "client/client.h"
#include "util/timeval.h"
#include "util/guard.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <algorithm>

#include "cluster/slot.h"
#include "cluster/topology.h"
#include "exec/aggregate.h"
#include "value/alloc.h"
#include "value/oom.h"
#include "value/types.h"

namespace glide {
namespace {
thread_local Client *t_io_client = nullptr;  // set on each client's own I/O thread

void wake(int fd) {
  const uint64_t one = 1;
  ssize_t rc;
  do {
    rc = ::write(fd, &one, sizeof(one));
  } while (rc < 0 && errno == EINTR);
}

// One read resets an eventfd's counter, however many writes it counted.
void drain_fd(int fd) {
  uint64_t v;
  ssize_t rc;
  do {
    rc = ::read(fd, &v, sizeof(v));
  } while (rc < 0 && errno == EINTR);
}
}  // namespace

Client::Client(Config config)
    : config_(std::move(config)),
      planner_(*this, plan::Options{config_.cluster, config_.prefer_replica}) {
  mem::client_created();
}

Client::~Client() {
  mem::client_destroyed();
  // The I/O thread has stopped (close() joined it): tear down on the caller's thread.
  retired_.clear();
  nodes_.clear();
  if (fast_refresh_timer_) event_free(fast_refresh_timer_);
  if (sweep_ev_) event_free(sweep_ev_);
  if (refresh_timer_) event_free(refresh_timer_);
  if (periodic_timer_) event_free(periodic_timer_);
  if (wake_ev_) event_free(wake_ev_);
  // Last before the loop itself: the connections have abandoned their lookups, whose callbacks
  // the resolver lets run (the loop holds no other event now) before freeing its evdns_base.
  resolver_.reset();
  if (base_) event_base_free(base_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (dispatch_fd_ >= 0) ::close(dispatch_fd_);
}

uint64_t Client::now_ms() const {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

glide_status Client::start(std::string *error) {
  struct event_config *ec = event_config_new();
  if (!ec) return GLIDE_ERR_OUT_OF_MEMORY;
  event_config_set_flag(ec, EVENT_BASE_FLAG_NOLOCK);  // only the I/O thread touches the base
  base_ = event_base_new_with_config(ec);
  event_config_free(ec);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (base_) resolver_.reset(new (std::nothrow) Resolver(base_, config_.nameserver));
  if (!base_ || wake_fd_ < 0 || !resolver_) {
    *error = "cannot create the event loop";
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  if (config_.callback_mode == GLIDE_CALLBACKS_DISPATCHED) {
    dispatch_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (dispatch_fd_ < 0) {
      *error = "cannot create the dispatch event fd";
      return GLIDE_ERR_OUT_OF_MEMORY;
    }
  }
  // Edge-triggered: every eventfd write is an edge, so the counter never needs reading (it would
  // take 2^64 wake-ups to fill it): one system call less per wake-up.
  wake_ev_ = event_new(base_, wake_fd_, EV_READ | EV_PERSIST | EV_ET, &Client::on_wake, this);
  refresh_timer_ = evtimer_new(base_, &Client::on_refresh_timer, this);
  fast_refresh_timer_ = evtimer_new(base_, &Client::on_fast_refresh_timer, this);
  sweep_ev_ = evtimer_new(base_, &Client::on_sweep, this);
  if (!wake_ev_ || event_add(wake_ev_, nullptr) != 0) {
    *error = "cannot register the wake-up event";
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  try {
    io_thread_ = std::thread([this] { run(); });
  } catch (...) {
    *error = "cannot start the I/O thread";
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  started_.acquire();
  if (start_status_ != GLIDE_OK) {
    close();                // the I/O thread is joined before anything here can throw
    *error = start_error_;  // (out of memory: glide_client_new reports that instead)
  }
  return start_status_;
}

void Client::run() {
  t_io_client = this;
  discover();
  flush_dirty();
  event_base_dispatch(base_);
  t_io_client = nullptr;
  if (glide_client *owner = closing_owner_) {
    // Closed from one of its own callbacks: nobody joins this thread, so it frees the client
    // itself, now that the loop has stopped. A submitter still finishing submit() (the one whose
    // request's callback closed, say) has left the lock once this thread has taken it. Nothing
    // of `this` is touched after the delete.
    { std::lock_guard<std::mutex> lock(submit_mu_); }
    io_thread_.detach();
    delete owner;
  }
}

void Client::close_from_io_thread(glide_client *owner) {
  {
    std::lock_guard<std::mutex> lock(submit_mu_);
    if (closing_.exchange(true)) return;
  }
  // The close cannot wait for the thread it runs on: the loop finishes it once the callback
  // returns (on_wake -> shutdown_io), and run() then frees the client.
  closing_owner_ = owner;
  wake(wake_fd_);
}

bool Client::on_io_thread() const { return t_io_client == this; }

void Client::close() {
  {
    std::lock_guard<std::mutex> lock(submit_mu_);
    if (closing_.exchange(true)) return;
  }
  wake(wake_fd_);
  if (io_thread_.joinable()) io_thread_.join();
  // Callbacks queued for dispatch still fire exactly once, here.
  dispatch(0);
}

glide_status Client::submit(Request *req) {
  if (config_.callback_mode == GLIDE_CALLBACKS_DISPATCHED && req->cb && !req->hook &&
      !req->dispatch_node) {
    req->dispatch_node = new (std::nothrow) DispatchNode();
    if (!req->dispatch_node) return GLIDE_ERR_OUT_OF_MEMORY;
  }
  if (!req->internal) {
    if (inflight_.fetch_add(1, std::memory_order_relaxed) >= config_.inflight_limit) {
      inflight_.fetch_sub(1, std::memory_order_relaxed);
      return GLIDE_ERR_INFLIGHT_LIMIT;
    }
  }
  {
    std::lock_guard<std::mutex> lock(submit_mu_);
    if (closing_.load()) {
      if (!req->internal) inflight_.fetch_sub(1, std::memory_order_relaxed);
      return GLIDE_ERR_CLOSING;
    }
    try {
      submitted_.push_back(req);
    } catch (...) {
      if (!req->internal) inflight_.fetch_sub(1, std::memory_order_relaxed);
      return GLIDE_ERR_OUT_OF_MEMORY;
    }
    // One wake-up per burst: only the submitter that finds no wake-up pending writes the
    // eventfd. Inside the lock: once the request is queued, its callback may close the client
    // (close_from_io_thread), and the I/O thread frees it only after taking this lock, so no
    // submitter touches the client after that.
    if (!wake_pending_.exchange(true)) wake(wake_fd_);
  }
  return GLIDE_OK;
}

void Client::on_wake(evutil_socket_t, short, void *arg) {
  guarded([&] {
    auto *c = static_cast<Client *>(arg);
    c->wake_pending_.store(false);
    c->drain_submissions();
    if (c->closing_.load()) {
      c->shutdown_io();
      return;
    }
    c->flush_dirty();
  });
}

void Client::drain_submissions() {
  {
    std::lock_guard<std::mutex> lock(submit_mu_);
    draining_.swap(submitted_);
  }
  for (Request *req : draining_) begin(req);
  draining_.clear();
}

void Client::shutdown_io() {
  // Every request still pending completes with CLOSING; then the connections go.
  while (live_head_) force_complete(live_head_, GLIDE_ERR_CLOSING, "the client was closed");
  for (auto &[name, node] : nodes_)
    if (node->conn->state() != Connection::State::kDisconnected)
      node->conn->fail(GLIDE_ERR_CLOSING, "the client was closed");
  event_base_loopbreak(base_);
}

void Client::mark_dirty(Connection *c) {
  if (c->dirty) return;
  c->dirty = true;
  dirty_.push_back(c);
}

void Client::flush_dirty() {
  // One write per connection per loop turn, whatever number of requests queued bytes on it.
  for (size_t i = 0; i < dirty_.size(); ++i) {
    Connection *c = dirty_[i];
    c->dirty = false;
    c->flush();
  }
  dirty_.clear();
}

// ---------------------------------------------------------------- request lifecycle

void Client::begin(Request *req) {
  req->client = this;
  req->seq = next_seq_++;
  req->count = static_cast<uint32_t>(req->batch->commands.size());
  req->unanswered = req->count;
  req->arena = Arena::create(256 + size_t{req->count} * (sizeof(glide_value) + 16));
  if (req->arena) req->results = req->arena->alloc_values(req->count);
  req->exec_reply.type = kPendingType;
  // Link first so that every path below ends in complete().
  req->live_next = live_head_;
  if (live_head_) live_head_->live_prev = req;
  live_head_ = req;
  if (!req->arena || !req->results) {
    // Out of memory: complete at once with the static OUT_OF_MEMORY root (complete() hands it out
    // when the request has no arena).
    Arena::destroy(req->arena);
    req->arena = nullptr;
    req->results = nullptr;
    req->count = req->unanswered = 0;
    complete(req);
    return;
  }
  for (uint32_t i = 0; i < req->count; ++i) req->results[i].type = kPendingType;

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
  evtimer_assign(&req->timer, base_, &Client::on_timeout, req);
  event_add(&req->timer, &tv);
  req->timer_armed = true;
  req->timeout_ms = ms;

  if (closing_.load()) {
    force_complete(req, GLIDE_ERR_CLOSING, "the client was closed");
    return;
  }
  // Guard: planning may complete (and deliver) the request; it must stay alive until plan ends.
  ++req->outstanding;
  try {
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
  --req->outstanding;
  release(req);
}

void Client::on_timeout(evutil_socket_t, short, void *arg) {
  auto *req = static_cast<Request *>(arg);
  req->timer_armed = false;
  Client *c = req->client;
  bool done = false;
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

void Client::maybe_complete(Request *req) {
  if (!req->completed && req->unanswered == 0) complete(req);
}

void Client::release(Request *req) {
  if (req->completed && req->outstanding == 0) delete req;
}

void Client::force_complete(Request *req, glide_error_kind kind, const std::string &message) {
  if (req->completed) return;
  if (req->parsing > 0) {
    // A connection is half-way through a reply into this request's arena. The caller gets a copy
    // of what is finished; the old arena stays with the request until that reply is read.
    for (auto &[name, node] : nodes_) {
      uint32_t index;
      uint16_t part;
      if (node->conn->parsing_into(req, &index, &part) && part == kNoPart)
        request_slot(req, index, part)->type = kPendingType;
    }
    Arena *fresh = Arena::create(256);
    glide_value *results = fresh ? fresh->alloc_values(req->count) : nullptr;
    bool ok = fresh && (results || req->count == 0);
    for (uint32_t i = 0; ok && i < req->count; ++i) {
      if (req->results[i].type == kPendingType)
        results[i].type = kPendingType;
      else
        ok = clone_value(fresh, &req->results[i], &results[i]);
    }
    if (ok && req->atomic && req->exec_reply.type != kPendingType)
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
    for (auto &[name, node] : nodes_) {
      if (node->conn->owes(req) && node->conn->note_timeout()) stalled.push_back(node.get());
    }
  }
  if (kind == GLIDE_ERR_TIMEOUT && !req->atomic) {
    // Name the node each unanswered command was waiting for.
    for (auto &entry : nodes_) {
      const std::string &name =
          entry.first;  // not a structured binding: clang 14 cannot capture one
      entry.second->conn->visit_pending(req, [&](const ReplyTag &t) {
        const uint32_t index = t.index;
        if (role_of(t) != ReplyRole::kElement || index >= req->count || t.part != kNoPart ||
            req->results[index].type != kPendingType)
          return;
        std::string msg = message + " waiting for " + name;
        if (!req->arena->set_error(&req->results[index], kind, msg)) return;
        --req->unanswered;
      });
    }
  }
  request_fail_unanswered(req, kind, message);
  complete(req);  // req may be gone from here on
  for (Node *node : stalled)
    node->conn->fail(GLIDE_ERR_CONNECTION, "connection to " + node->name + " closed: " +
                                               std::to_string(config_.stall_timeouts) +
                                               " requests timed out in a row with no reply read");
}

void Client::complete(Request *req) {
  if (req->completed) return;
  req->completed = true;
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
  glide_value *root = req->arena ? request_build_root(req) : oom_root();
  const bool internal = req->internal;
  if (req->hook) {
    req->hook(req, root);
  } else if (req->dispatch_node) {
    DispatchNode *n = req->dispatch_node;
    req->dispatch_node = nullptr;
    n->cb = req->cb;
    n->user_data = req->user_data;
    n->root = root;
    {
      std::lock_guard<std::mutex> lock(dispatch_mu_);
      (dispatch_tail_ ? dispatch_tail_->next : dispatch_head_) = n;
      dispatch_tail_ = n;
    }
    wake(dispatch_fd_);
  } else {
    req->cb(req->user_data, root);
  }
  if (!internal) inflight_.fetch_sub(1, std::memory_order_relaxed);
  release(req);
}

size_t Client::dispatch(size_t max) {
  if (dispatch_fd_ < 0) return 0;
  DispatchNode *run = nullptr;
  {
    std::lock_guard<std::mutex> lock(dispatch_mu_);
    drain_fd(dispatch_fd_);
    run = dispatch_head_;
    DispatchNode *last = run;
    for (size_t n = 1; last && last->next && (max == 0 || n < max); ++n) last = last->next;
    dispatch_head_ = last ? last->next : nullptr;
    if (!dispatch_head_) dispatch_tail_ = nullptr;
    if (last) last->next = nullptr;
    if (dispatch_head_) wake(dispatch_fd_);  // the rest stays readable
  }
  size_t count = 0;
  while (run) {
    DispatchNode *n = run;
    run = run->next;
    n->cb(n->user_data, n->root);
    delete n;
    ++count;
  }
  return count;
}

// ---------------------------------------------------------------- what connections report

ReplyTarget Node::reply_target(const ReplyTag &tag) {
  Request *req = tag.req;
  if (req->completed || !kept(tag)) return ReplyTarget{nullptr, nullptr};
  ++req->parsing;
  return ReplyTarget{request_slot(req, tag.index, tag.part), req->arena};
}

void Node::reply_abandoned(const ReplyTag &tag) {
  Request *req = tag.req;
  --req->parsing;
  // The slot may hold half a reply (or a push): it is unanswered again. Once the request is
  // complete its results are the caller's; the half reply lies in the orphan arena, unread.
  if (!req->completed) request_slot(req, tag.index, tag.part)->type = kPendingType;
}

void Node::on_reply(const ReplyTag &tag, glide_value *v, bool in_target) {
  if (in_target) --tag.req->parsing;
  client->on_reply(this, tag, v);
}

void Node::on_lost(const ReplyTag &tag, glide_error_kind kind, const std::string &message) {
  client->on_reply_lost(tag, kind, message);
}

void Node::on_failed() { client->on_connection_failed(this); }
void Node::on_queued(Connection *c) { client->mark_dirty(c); }
void Node::after_event() { client->flush_dirty(); }
uint64_t Node::now_ms() const { return client->now_ms(); }

void Client::on_reply(Node *from, const ReplyTag &tag, glide_value *v) {
  Request *req = tag.req;
  --req->outstanding;
  if (req->completed) {
    release(req);
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

void Client::on_reply_lost(const ReplyTag &tag, glide_error_kind kind, const std::string &message) {
  Request *req = tag.req;
  --req->outstanding;
  if (req->completed) {
    release(req);
    return;
  }
  if (!kept(tag)) return;
  if (kind != GLIDE_ERR_CLOSING && on_lost(req, tag.index, tag.part)) return;
  request_set_error(req, tag.index, tag.part, kind, message);
}

void Client::on_connection_failed(Node *node) {
  if (!config_.cluster || !discovered_ || closing_.load()) return;
  if (std::find(primaries_.begin(), primaries_.end(), node) != primaries_.end())
    watch_lost_primary(node);
  else
    request_refresh();
}

// ---------------------------------------------------------------- nodes and topology

std::string Client::node_name(const Address &a) {
  return cluster::normalize_host(a.host) + ":" + std::to_string(a.port);
}

Node *Client::node_for(const Address &addr) {
  std::string name = node_name(addr);
  auto it = nodes_.find(name);
  if (it != nodes_.end()) return it->second.get();
  // One slot per connection in the flush list, taken now: mark_dirty must not allocate.
  dirty_.reserve(nodes_.size() + retired_.size() + 1);
  auto node = std::make_unique<Node>();
  node->address = Address{cluster::normalize_host(addr.host), addr.port};
  node->name = name;
  node->client = this;
  node->conn = std::make_unique<Connection>(node.get(), base_, resolver_.get(), config_,
                                            node->address, node->name);
  Node *raw = node.get();
  nodes_.emplace(std::move(name), std::move(node));
  return raw;
}

Node *Client::slot_primary(uint16_t slot) {
  if (!config_.cluster) return primaries_.empty() ? nullptr : primaries_[0];
  const uint16_t shard = slots_.slot_shard[slot & (cluster::kSlotCount - 1)];
  return shard == cluster::SlotMap::kNoShard ? nullptr : primaries_[shard];
}

Node *Client::random_primary() {
  if (primaries_.empty()) return nullptr;
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return primaries_[rng_ % primaries_.size()];
}

std::vector<Node *> Client::all_nodes() {
  std::vector<Node *> out = primaries_;
  for (const std::vector<Node *> &reps : replicas_) out.insert(out.end(), reps.begin(), reps.end());
  return out;
}

Request *Client::make_internal(const char *const *argv, const size_t *lens, size_t argc,
                               void (*hook)(Request *, glide_value *)) {
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
  req->hook_ctx = this;
  req->timeout_ms = config_.connect_timeout_ms + config_.request_timeout_ms;
  return req;
}

Request *Client::make_slots_request(const Address &to, void (*hook)(Request *, glide_value *)) {
  const char *argv[] = {"CLUSTER", "SLOTS"};
  const size_t lens[] = {7, 5};
  Request *req = make_internal(argv, lens, 2, hook);
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

void Client::discover() {
  if (!config_.cluster) {
    // Standalone: one node; a PING proves the connection and handshake work.
    primaries_.push_back(node_for(config_.addresses[0]));
    const char *argv[] = {"PING"};
    const size_t lens[] = {4};
    Request *req = make_internal(argv, lens, 1, &Client::on_standalone_ping);
    if (!req) return discovery_finished(GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
    req->timeout_ms = config_.connect_timeout_ms;  // glide_client_new's whole bound
    req->route.kind = GLIDE_ROUTE_ADDRESS;
    begin(req);
    return;
  }
  // Cluster: ask every seed in parallel; the first valid CLUSTER SLOTS answer wins.
  discovery_waiting_ = static_cast<uint32_t>(config_.addresses.size());
  for (const Address &seed : config_.addresses) {
    Request *req = make_slots_request(seed, &Client::on_discovery_reply);
    if (!req) {
      --discovery_waiting_;
      continue;
    }
    // Connect, handshake and CLUSTER SLOTS all inside the connect timeout: the bound
    // glide_client_new documents.
    req->timeout_ms = config_.connect_timeout_ms;
    begin(req);
  }
  if (discovery_waiting_ == 0 && !discovered_)
    discovery_finished(GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
}

void Client::on_standalone_ping(Request *req, glide_value *root) {
  Client *c = req->client;
  if (root->type == GLIDE_VALUE_ERROR) {
    const glide_error_kind kind =
        root->error_kind == GLIDE_ERR_SERVER ? GLIDE_ERR_CONNECTION : root->error_kind;
    c->discovery_finished(kind, std::string_view(root->u.string.ptr, root->u.string.len));
  } else {
    c->discovery_finished(GLIDE_OK, "");
  }
  glide_value_free(root);
}

void Client::on_discovery_reply(Request *req, glide_value *root) {
  Client *c = req->client;
  --c->discovery_waiting_;
  try {
    c->take_discovery_answer(req, root);
  } catch (...) {
    c->note_discovery_failure(GLIDE_ERR_OUT_OF_MEMORY);
  }
  if (c->discovery_waiting_ == 0 && !c->discovered_) {
    try {
      c->discovery_finished(c->discovery_kind_,
                            "cannot discover the cluster from any seed: " + c->discovery_errors_);
    } catch (...) {
      c->discovery_finished(GLIDE_ERR_OUT_OF_MEMORY, {});
    }
  }
  glide_value_free(root);
}

void Client::take_discovery_answer(Request *req, glide_value *root) {
  Client *c = this;
  const std::string asked = req->route.host + ":" + std::to_string(req->route.port);
  if (!c->discovered_) {
    std::string error;
    cluster::SlotMap map;
    if (root->type == GLIDE_VALUE_ERROR) {
      error.assign(root->u.string.ptr, root->u.string.len);
      c->note_discovery_failure(root->error_kind);
    } else if (!cluster::parse_cluster_slots(root, Address{req->route.host, req->route.port}, &map,
                                             &error)) {
      c->note_discovery_failure(GLIDE_ERR_PROTOCOL);  // an answer, but not a slot map
    } else {
      c->install(std::move(map));
      // Connect to every primary now so the first batch does not pay for it.
      for (Node *n : c->primaries_) n->conn->ensure_connecting();
      c->discovered_ = true;
      c->last_refresh_ms_ = c->now_ms();
      if (c->config_.topology_refresh_ms) {
        c->periodic_timer_ = event_new(c->base_, -1, EV_PERSIST, &Client::on_periodic_timer, c);
        const uint32_t ms = c->config_.topology_refresh_ms;
        struct timeval tv = ms_to_timeval(ms);
        if (c->periodic_timer_) event_add(c->periodic_timer_, &tv);
      }
      c->discovery_finished(GLIDE_OK, "");
    }
    if (!error.empty()) {
      if (!c->discovery_errors_.empty()) c->discovery_errors_ += "; ";
      c->discovery_errors_ += asked + ": " + error;
    }
  }
}

void Client::note_discovery_failure(glide_error_kind kind) {
  // When every seed failed, the status names the most telling failure: a refused password or a
  // garbled answer says more than a timeout, which says more than a refused connection. A
  // server's error reply (e.g. cluster support disabled) stays CONNECTION: no cluster there.
  auto rank = [](glide_error_kind k) {
    switch (k) {
      case GLIDE_ERR_AUTH:
        return 5;
      case GLIDE_ERR_TLS:
        return 4;
      case GLIDE_ERR_PROTOCOL:
        return 3;
      case GLIDE_ERR_OUT_OF_MEMORY:
        return 2;
      case GLIDE_ERR_TIMEOUT:
        return 1;
      default:
        return 0;
    }
  };
  if (rank(kind) > rank(discovery_kind_)) discovery_kind_ = kind;
}

void Client::discovery_finished(glide_status status, std::string_view error) noexcept {
  // Releases the waiting glide_client_new exactly once, whatever the memory situation: the
  // first outcome counts (a seed's request can fail at once, inside discover()'s own loop, and
  // discover() then finds nothing left waiting too).
  if (discovery_reported_) return;
  discovery_reported_ = true;
  start_status_ = status;
  try {
    start_error_.assign(error);
  } catch (...) {
    if (status != GLIDE_OK) start_status_ = GLIDE_ERR_OUT_OF_MEMORY;
  }
  started_.release();
}

}  // namespace glide
