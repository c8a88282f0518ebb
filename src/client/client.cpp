#include "client/client.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <time.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>

#include "cluster/slot_map.h"
#include "cluster/topology.h"
#include "net/tls_context.h"
#include "util/guard.h"
#include "util/log.h"
#include "value/alloc.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif

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
uint64_t steady_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

void drain_fd(int fd) {
  uint64_t v;
  ssize_t rc;
  do {
    rc = ::read(fd, &v, sizeof(v));
  } while (rc < 0 && errno == EINTR);
}
}  // namespace

Client::Client(Config config) : config_(std::move(config)) { mem::client_created(); }

Client::~Client() {
  mem::client_destroyed();
  // The I/O thread has stopped (close() joined it): tear down on the caller's thread, the
  // nodes (their connections' events) and timers before the loop.
  executor_.detach();
  if (wake_ev_) event_free(wake_ev_);
  // Last before the loop itself: the connections have abandoned their lookups, whose callbacks
  // the resolver lets run (the loop holds no other event now) before freeing its evdns_base.
  resolver_.reset();
  if (base_) event_base_free(base_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (dispatch_fd_ >= 0) ::close(dispatch_fd_);
  while (DispatchNode *n = dispatch_free_) {
    dispatch_free_ = n->next;
    delete n;
  }
}

DispatchNode *Client::take_dispatch_node() {
  {
    std::lock_guard<std::mutex> lock(dispatch_mu_);
    if (DispatchNode *n = dispatch_free_) {
      dispatch_free_ = n->next;
      --dispatch_free_count_;
      n->next = nullptr;
      return n;
    }
  }
  return new (std::nothrow) DispatchNode();
}

glide_status Client::start(std::string *error) {
  start_ms_ = steady_ms();
  if (config_.tls) {
    // Read the CA file, certificate and key once, here: an unusable one fails glide_client_new.
    bool oom = false;
    tls_ = TlsContext::create(config_, error, &oom);
    if (!tls_) return oom ? GLIDE_ERR_OUT_OF_MEMORY : GLIDE_ERR_TLS;
    config_.tls_context = tls_.get();
    // Once per client, not per connection: the host is told that anyone on the path can pose
    // as the cluster.
    if (config_.tls_insecure)
      GLIDE_LOG(GLIDE_LOG_WARN,
                "TLS without verification (glide_config_set_tls_insecure): no certificate or "
                "host name is checked for %s and the nodes it names",
                config_.addresses.empty() ? "(no seed)" : config_.addresses[0].host.c_str());
  }
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
  if (!executor_.attach(base_, resolver_.get())) {
    *error = "cannot create the topology's timers";
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  if (!wake_ev_ || event_add(wake_ev_, nullptr) != 0) {
    *error = "cannot register the wake-up event";
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  pthread_attr_t attr;
  int rc = pthread_attr_init(&attr);
  if (rc == 0) {
#if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__) && \
    !__has_feature(thread_sanitizer) && !__has_feature(address_sanitizer)
    // (Sanitizers keep the default: their instrumentation needs far bigger frames.)
    pthread_attr_setstacksize(&attr, kIoStackSize);
#endif
    rc = pthread_create(&io_thread_, &attr, &Client::thread_main, this);
    pthread_attr_destroy(&attr);
  }
  if (rc != 0) {
    *error = "cannot start the I/O thread";
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  io_joinable_ = true;
  started_.acquire();
  if (start_status_ != GLIDE_OK) {
    close();                // the I/O thread is joined before anything here can throw
    *error = start_error_;  // (out of memory: glide_client_new reports that instead)
  }
  return start_status_;
}

void *Client::thread_main(void *arg) {
  static_cast<Client *>(arg)->run();
  return nullptr;
}

void Client::run() {
  t_io_client = this;
  discover();
  executor_.flush_dirty();
  loop();
  t_io_client = nullptr;
  if (glide_client *owner = closing_owner_) {
    // Closed from one of its own callbacks: nobody joins this thread, so it frees the client
    // itself, now that the loop has stopped. A submitter still finishing submit() (the one whose
    // request's callback closed, say) has left the lock once this thread has taken it. Nothing
    // of `this` is touched after the delete.
    { std::lock_guard<std::mutex> lock(submit_mu_); }
    io_joinable_ = false;
    pthread_detach(io_thread_);
    delete owner;
  }
}

void Client::loop() {
  executor_.set_defer_flush(true);
  while (!stopped_) {
    bool queued;
    {
      std::lock_guard<std::mutex> lock(submit_mu_);
      queued = !submitted_.empty() || !pubsub_changes_.empty() || !password_changes_.empty() ||
               closing_.load();
      // From here on, a submitter finds idle_ set and writes the eventfd: nothing queued after
      // this check can wait unannounced while the loop sleeps.
      idle_.store(!queued, std::memory_order_relaxed);
    }
    if (!queued) event_base_loop(base_, EVLOOP_ONCE);  // waits, runs one turn's callbacks
    service();
  }
  executor_.set_defer_flush(false);
}

void Client::service() {
  drain_submissions();
  if (closing_.load()) {
    shutdown_io();
    return;
  }
  executor_.flush_now();
}

void Client::wake_if_idle() {
  // One write per sleep: wake_pending_ is cleared when the I/O thread drains.
  if (idle_.load(std::memory_order_relaxed) && !wake_pending_.exchange(true)) wake(wake_fd_);
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
  if (io_joinable_) {
    io_joinable_ = false;
    pthread_join(io_thread_, nullptr);
  }
  // Callbacks queued for dispatch still fire exactly once, here.
  dispatch(0);
}

glide_status Client::submit(Request *req) {
  if (config_.callback_mode == GLIDE_CALLBACKS_DISPATCHED && req->cb && !req->hook &&
      !req->dispatch_node) {
    req->dispatch_node = take_dispatch_node();
    if (!req->dispatch_node) return GLIDE_ERR_OUT_OF_MEMORY;
  }
  if (!req->internal) {
    if ((inflight_.fetch_add(1, std::memory_order_relaxed) & 0xFFFFFFFFu) >=
        config_.inflight_limit) {
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
    // At most one wake-up per sleep of the loop (wake_if_idle). Inside the lock: once the
    // request is queued, its callback may close the client (close_from_io_thread), and the I/O
    // thread frees it only after taking this lock, so no submitter touches the client after that.
    wake_if_idle();
  }
  return GLIDE_OK;
}

void Client::on_wake(evutil_socket_t, short, void *) {
  // Nothing to do here: the loop services the queue after every turn (Client::loop), and this
  // event only ends the wait for one.
}

void Client::drain_submissions() {
  std::vector<PasswordChange *> changes;
  {
    std::lock_guard<std::mutex> lock(submit_mu_);
    idle_.store(false, std::memory_order_relaxed);
    wake_pending_.store(false);
    draining_.swap(submitted_);
    pubsub_draining_.swap(pubsub_changes_);
    changes.swap(password_changes_);
  }
  // Borrowed connections handed back with work for this thread: settled before any new request
  // queues behind what they owe.
  if (returns_pending_.exchange(false, std::memory_order_acq_rel)) take_returned();
  // Password changes first: requests submitted after one reconnect with the new password.
  for (PasswordChange *pc : changes) apply_password(pc);
  for (Request *req : draining_) executor_.begin(req);
  draining_.clear();
  for (PubSubChange *change : pubsub_draining_) {
    try {
      executor_.pubsub().change(change);
    } catch (...) {
      change->done(change, GLIDE_ERR_OUT_OF_MEMORY);
    }
  }
  pubsub_draining_.clear();
}

glide_status Client::pubsub_change(PubSubChange *change) {
  std::lock_guard<std::mutex> lock(submit_mu_);
  if (closing_.load()) return GLIDE_ERR_CLOSING;
  try {
    pubsub_changes_.push_back(change);  // the I/O thread swaps the vector out: no allocation there
  } catch (...) {
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  wake_if_idle();
  return GLIDE_OK;
}

glide_status Client::update_password(const char *password, bool immediate_auth,
                                     std::string *error) {
  if (on_io_thread()) {
    *error = "glide_client_update_password cannot wait on the client's own I/O thread";
    return GLIDE_ERR_INVALID_ARGUMENT;
  }
  PasswordChange pc;
  pc.client = this;
  pc.clear = password == nullptr;
  pc.immediate = immediate_auth;
  try {
    if (password) pc.password = password;
    std::lock_guard<std::mutex> lock(submit_mu_);
    if (closing_.load()) {
      wipe(pc.password);
      return GLIDE_ERR_CLOSING;
    }
    password_changes_.push_back(&pc);
    wake_if_idle();
  } catch (...) {
    wipe(pc.password);
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  pc.done.acquire();  // the I/O thread touches pc no more after its release
  wipe(pc.password);
  if (pc.status != GLIDE_OK) *error = pc.error;
  return pc.status;
}

void Client::apply_password(PasswordChange *pc) {
  // The connections read config_.password at each handshake, on this thread.
  if (pc->clear) {
    wipe(config_.password);
    config_.has_credentials = false;
  } else {
    config_.password.assign(pc->password);
    config_.has_credentials = true;
  }
  std::vector<Node *> live;
  if (pc->immediate && !pc->clear) {
    executor_.topology().for_each_node([&](Node *n) {
      if (n->conn->state() != Connection::State::kDisconnected) live.push_back(n);
    });
  }
  pc->waiting = static_cast<uint32_t>(live.size()) + 1;  // + 1 until every AUTH is sent
  for (Node *n : live) {
    const bool user = !config_.username.empty();
    const char *argv[3] = {"AUTH", user ? config_.username.c_str() : config_.password.c_str(),
                           config_.password.c_str()};
    const size_t lens[3] = {4, user ? config_.username.size() : config_.password.size(),
                            config_.password.size()};
    Request *req = executor_.make_internal(argv, lens, user ? 3 : 2, &Client::on_auth_reply, pc);
    if (req) {
      try {
        req->route.kind = GLIDE_ROUTE_ADDRESS;
        req->route.host = n->address.host;
        req->route.port = n->address.port;
      } catch (...) {
        wipe(req->owned.buffer);
        delete req;
        req = nullptr;
      }
    }
    if (!req) {
      if (pc->status == GLIDE_OK) pc->status = GLIDE_ERR_OUT_OF_MEMORY;
      --pc->waiting;
      continue;
    }
    req->timeout_ms = config_.request_timeout_ms;
    executor_.begin(req);  // may answer at once (on_auth_reply)
  }
  if (--pc->waiting == 0) pc->done.release();
}

void Client::on_auth_reply(Request *req, glide_value *root) {
  auto *pc = static_cast<PasswordChange *>(req->hook_ctx);
  wipe(req->owned.buffer);  // AUTH's bytes held the password
  if (root->type == GLIDE_VALUE_ERROR && pc->status == GLIDE_OK) {
    const std::string_view msg(root->u.string.ptr, root->u.string.len);
    bool refused = false;
    if (root->error_kind == GLIDE_ERR_SERVER)
      for (std::string_view p : {"WRONGPASS", "NOAUTH", "NOPERM", "ERR invalid password",
                                 "ERR AUTH", "ERR Client sent AUTH"})
        refused = refused || msg.starts_with(p);
    pc->status = refused ? GLIDE_ERR_AUTH : root->error_kind;
    try {
      pc->error = "AUTH with the new password failed on " + req->route.host + ":" +
                  std::to_string(req->route.port) + ": " + std::string(msg);
    } catch (...) {
      pc->error.clear();
    }
  }
  glide_value_free(root);
  if (--pc->waiting == 0) pc->done.release();
}

void Client::take_returned() {
  cluster::Topology &topology = executor_.topology();
  if (!topology.lend_published() && topology.lend_table().wanted()) topology.publish_lend();
  topology.for_each_node([](Node *n) {
    Connection *c = n->conn.get();
    if (c->returned() && c->reclaim()) c->flush();  // what was queued here while it was lent
    c->offer_if_quiet();
  });
}

void Client::shutdown_io() {
  // A connection lent to a caller comes back within that caller's timeout: no more offers, and
  // the sockets are closed only once every borrowed one is back (and no caller is still reading
  // the lend table). Bounded: the request timeout (a blocking caller with none waits for its
  // reply), checked every 100 us.
  while (!executor_.topology().lend_stop()) {
    struct timespec ts = {0, 100000};
    nanosleep(&ts, nullptr);
  }
  // What was submitted between the last drain and the close (closing_ is set under submit_mu_,
  // after which nothing more is accepted): begun now, so it completes with CLOSING below like
  // every other pending request instead of being left in the queue without a callback.
  drain_submissions();
  executor_.shutdown();
  stopped_ = true;
  event_base_loopbreak(base_);
}

void Client::deliver(Request *req, glide_value *root) {
  // No longer in flight once its result is handed over: counted off first, so that a woken
  // caller (or the callback itself) sees the count without it.
  if (!req->internal) inflight_.fetch_sub(1, std::memory_order_relaxed);
  // Awake until the end of this turn: what the completion makes its caller submit next is
  // drained then, with no eventfd write (see idle_).
  idle_.store(false, std::memory_order_relaxed);
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
}

void Client::deliver_message(const glide_pubsub_message &m) {
  if (config_.callback_mode != GLIDE_CALLBACKS_DISPATCHED) {
    config_.pubsub_cb(config_.pubsub_user_data, &m);
    pubsub_delivered_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // A copy of the message in its own queue entry, behind the completions already queued.
  const size_t bytes = m.channel_len + m.pattern_len + m.payload_len;
  auto *n = new (std::nothrow) DispatchNode();
  char *data = n ? new (std::nothrow) char[bytes + 1] : nullptr;
  if (!n || !data) {
    delete n;
    pubsub_dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  n->data = data;
  auto copy = [&](const char *src, size_t len) {
    if (len) std::memcpy(data, src, len);
    const char *at = data;
    data += len;
    return at;
  };
  n->message.kind = m.kind;
  n->message.channel = copy(m.channel, m.channel_len);
  n->message.channel_len = m.channel_len;
  if (m.pattern) {
    n->message.pattern = copy(m.pattern, m.pattern_len);
    n->message.pattern_len = m.pattern_len;
  }
  n->message.payload = copy(m.payload, m.payload_len);
  n->message.payload_len = m.payload_len;
  n->pubsub_cb = config_.pubsub_cb;
  n->user_data = config_.pubsub_user_data;
  n->message_bytes = bytes + sizeof(DispatchNode);
  bool queued = false;
  {
    std::lock_guard<std::mutex> lock(dispatch_mu_);
    if (queued_messages_ < kMaxQueuedMessages &&
        queued_message_bytes_ + n->message_bytes <= kMaxQueuedMessageBytes) {
      ++queued_messages_;
      queued_message_bytes_ += n->message_bytes;
      (dispatch_tail_ ? dispatch_tail_->next : dispatch_head_) = n;
      dispatch_tail_ = n;
      queued = true;
    }
  }
  if (!queued) {
    delete n;
    pubsub_dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  wake(dispatch_fd_);
}

void Client::stats(glide_stats *out) const {
  const ExecCounters &c = executor_.counters();
  auto get = [](const std::atomic<uint64_t> &v) { return v.load(std::memory_order_relaxed); };
  glide_stats s{};
  s.commands_sent = get(c.commands_sent);
  s.replies_received = get(c.replies_received);
  s.requests_completed = get(c.requests_completed);
  s.moved_redirects = get(c.moved_redirects);
  s.ask_redirects = get(c.ask_redirects);
  s.retries = get(c.retries);
  s.reconnects = get(c.reconnects);
  s.timeouts = get(c.timeouts);
  s.topology_refreshes = executor_.refreshes_started();
  s.pubsub_messages = pubsub_delivered_.load(std::memory_order_relaxed);
  s.pubsub_dropped = pubsub_dropped_.load(std::memory_order_relaxed);
  s.inflight_requests = inflight_.load(std::memory_order_relaxed) & 0xFFFFFFFFu;
  s.commands_sent += get(cs_sent_);
  s.replies_received += get(cs_replies_);
  s.requests_completed += get(cs_completed_);
  s.timeouts += get(cs_timeouts_);
  s.caller_side_requests = get(cs_completed_);
  s.connected_nodes = get(c.connected_nodes);
  // Only what the caller's (possibly older, shorter) struct has room for; struct_size stays.
  const size_t n = out->struct_size < sizeof s ? out->struct_size : sizeof s;
  const size_t skip = sizeof s.struct_size;
  std::memcpy(reinterpret_cast<char *>(out) + skip, reinterpret_cast<const char *>(&s) + skip,
              n - skip);
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
    for (DispatchNode *n = run; n; n = n->next) {
      if (!n->pubsub_cb) continue;
      --queued_messages_;
      queued_message_bytes_ -= n->message_bytes;
    }
  }
  size_t count = 0;
  DispatchNode *recycled = nullptr;  // completion nodes, for the next dispatched submissions
  while (run) {
    DispatchNode *n = run;
    run = run->next;
    if (n->pubsub_cb) {
      n->pubsub_cb(n->user_data, &n->message);
      pubsub_delivered_.fetch_add(1, std::memory_order_relaxed);
      delete n;  // a message's node carries its own copy: not kept
    } else {
      n->cb(n->user_data, n->root);
      n->cb = nullptr;
      n->user_data = nullptr;
      n->root = nullptr;
      n->next = recycled;
      recycled = n;
    }
    ++count;
  }
  if (recycled) {
    std::lock_guard<std::mutex> lock(dispatch_mu_);
    while (recycled && dispatch_free_count_ < kMaxFreeDispatchNodes) {
      DispatchNode *n = recycled;
      recycled = n->next;
      n->next = dispatch_free_;
      dispatch_free_ = n;
      ++dispatch_free_count_;
    }
  }
  while (recycled) {  // past the bound
    DispatchNode *n = recycled;
    recycled = n->next;
    delete n;
  }
  return count;
}

void Client::discover() {
  if (!config_.cluster) {
    // Standalone: one node; a PING proves the connection and handshake work.
    cluster::Topology &topology = executor_.topology();
    topology.set_standalone(topology.node_for(config_.addresses[0]));
    const char *argv[] = {"PING"};
    const size_t lens[] = {4};
    Request *req = executor_.make_internal(argv, lens, 1, &Client::on_standalone_ping, this);
    if (!req) return discovery_finished(GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
    req->timeout_ms = config_.connect_timeout_ms;  // glide_client_new's whole bound
    req->route.kind = GLIDE_ROUTE_ADDRESS;
    executor_.begin(req);
    return;
  }
  // Cluster: ask every seed in parallel; the first valid CLUSTER SLOTS answer wins.
  discovery_waiting_ = static_cast<uint32_t>(config_.addresses.size());
  for (const Address &seed : config_.addresses) {
    Request *req = executor_.make_slots_query(seed, &Client::on_discovery_reply, this);
    if (!req) {
      --discovery_waiting_;
      continue;
    }
    // Connect, handshake and CLUSTER SLOTS all inside the connect timeout: the bound
    // glide_client_new documents.
    req->timeout_ms = config_.connect_timeout_ms;
    executor_.begin(req);
  }
  if (discovery_waiting_ == 0 && !executor_.topology().is_discovered())
    discovery_finished(GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
}

void Client::on_standalone_ping(Request *req, glide_value *root) {
  auto *c = static_cast<Client *>(req->hook_ctx);
  if (root->type == GLIDE_VALUE_ERROR) {
    // A server that wants a password and got none (RESP2: no HELLO) answers PING with NOAUTH.
    const std::string_view msg(root->u.string.ptr, root->u.string.len);
    const glide_error_kind kind = root->error_kind != GLIDE_ERR_SERVER ? root->error_kind
                                  : msg.starts_with("NOAUTH")          ? GLIDE_ERR_AUTH
                                                                       : GLIDE_ERR_CONNECTION;
    c->discovery_finished(kind, std::string_view(root->u.string.ptr, root->u.string.len));
  } else {
    c->discovery_finished(GLIDE_OK, "");
  }
  glide_value_free(root);
}

void Client::on_discovery_reply(Request *req, glide_value *root) {
  auto *c = static_cast<Client *>(req->hook_ctx);
  --c->discovery_waiting_;
  try {
    c->take_discovery_answer(req, root);
  } catch (...) {
    c->note_discovery_failure(GLIDE_ERR_OUT_OF_MEMORY);
  }
  if (c->discovery_waiting_ == 0 && !c->executor_.topology().is_discovered()) {
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
  if (!c->executor_.topology().is_discovered()) {
    std::string error;
    cluster::SlotMap map;
    if (root->type == GLIDE_VALUE_ERROR) {
      error.assign(root->u.string.ptr, root->u.string.len);
      c->note_discovery_failure(root->error_kind);
    } else if (!cluster::parse_cluster_slots(root, Address{req->route.host, req->route.port}, &map,
                                             &error)) {
      c->note_discovery_failure(GLIDE_ERR_PROTOCOL);  // an answer, but not a slot map
    } else {
      c->executor_.topology().install(std::move(map));
      // Connect to every primary now so the first batch does not pay for it.
      for (Node *n : c->executor_.topology().primaries()) n->conn->ensure_connecting();
      c->executor_.topology().discovered();
      c->discovery_finished(GLIDE_OK, "");
    }
    if (!error.empty()) {
      if (!c->discovery_errors_.empty()) c->discovery_errors_ += "; ";
      c->discovery_errors_ += asked + ": " + error;
    }
  }
}

void Client::on_initial_subscriptions(PubSubChange *change, glide_status status) {
  auto *c = static_cast<Client *>(change->ctx);
  if (status == GLIDE_ERR_SERVER) {
    try {
      c->discovery_finished(status, "a subscription was refused: " + change->error);
      return;
    } catch (...) {
    }
  }
  c->discovery_finished(status, status == GLIDE_ERR_TIMEOUT
                                    ? "the subscriptions were not confirmed within the connect "
                                      "timeout"
                                    : "the pub/sub subscriptions failed");
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
  if (status == GLIDE_OK && config_.pubsub_cb && !pubsub_started_) {
    // Connected: glide_client_new returns once the config's subscriptions are confirmed, within
    // what is left of the connect timeout (on_initial_subscriptions reports).
    pubsub_started_ = true;
    const uint64_t spent = steady_ms() - start_ms_;
    initial_.timeout_ms = spent < config_.connect_timeout_ms
                              ? static_cast<uint32_t>(config_.connect_timeout_ms - spent)
                              : 1;
    initial_.done = &Client::on_initial_subscriptions;
    initial_.ctx = this;
    try {
      executor_.pubsub().start(&initial_);
      executor_.flush_dirty();
    } catch (...) {
      discovery_finished(GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
    }
    return;
  }
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
