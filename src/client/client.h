// The client: its configuration, the I/O thread with its libevent loop, the submit queue from
// caller threads, glide_client_new's discovery, and delivery of completed requests (callbacks on
// the I/O thread, the dispatch queue behind the event fd, or internal hooks). Running requests
// over the cluster is its Executor's job (exec/executor.h).
#pragma once

#include <event2/event.h>
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "exec/executor.h"
#include "exec/request.h"
#include "net/resolver.h"
#include "net/tls_context.h"

namespace glide {

class Client final : public ExecutorHost {
 public:
  explicit Client(Config config);
  ~Client();

  // Starts the I/O thread and connects (cluster: discovers the slot map). Blocks up to the
  // connect timeout (per seed, tried in parallel).
  glide_status start(std::string *error);
  // Stops the I/O thread after failing every pending request with CLOSING. Not on the I/O thread.
  void close();
  // glide_client_close from one of this client's callbacks: marks it closing and returns; the
  // I/O thread finishes the close after the callback and then deletes `owner`.
  void close_from_io_thread(glide_client *owner);

  // Where the C shims take their Requests (any thread).
  RequestPool &request_pool() { return request_pool_; }
  // Caller threads. submit() takes ownership of req on GLIDE_OK.
  glide_status submit(Request *req);
  // The caller-side fast path of a blocking glide_client_command (docs/ARCHITECTURE.md,
  // "The caller-side fast path"): when the command goes to one slot's primary, nothing is pending
  // on the I/O thread, and that primary's connection is offered, the calling thread borrows the
  // connection, writes the command and reads the reply itself. Returns the result (req is then the
  // client's: freed, or kept until a reply owed after a timeout is read), or nullptr: req takes
  // the I/O thread's path (submit), untouched, or after a MOVED / ASK / READONLY answer carrying
  // it for the I/O thread to follow (Request::resume).
  glide_value *try_caller_side(Request *req);
  // The same for a blocking non-atomic glide_client_exec whose commands each go to one slot's
  // primary: every node's connection is borrowed (all or none), each node's share written with
  // gathering writes straight from the batch, the replies read into their places with poll over
  // the sockets. What the I/O thread must finish (a redirect, a lost connection) is handed to
  // it inside the request (Request::resume) with the answers so far: nullptr then, and req goes
  // to submit.
  glide_value *try_caller_side_batch(Request *req);
  // The same for a blocking atomic glide_client_exec (MULTI ... EXEC on the primary of its
  // slot): a transaction discarded for a redirect at queue time is handed to the I/O thread.
  glide_value *try_caller_side_atomic(Request *req);
  static constexpr size_t kMaxCallerSideCommands = 4096;  // bigger batches: the I/O thread
  static constexpr size_t kMaxCallerSideNodes = 16;
  // glide_client_update_password (caller threads, not the I/O thread): the I/O thread changes the
  // password its connections' handshakes send (nullptr: none); with immediate_auth it also sends
  // AUTH on every connected node and this returns once all have answered (the first failure's
  // kind and message, which never holds the password).
  glide_status update_password(const char *password, bool immediate_auth, std::string *error);
  bool on_io_thread() const;

  // Dispatched callbacks.
  int event_fd() const { return dispatch_fd_; }
  size_t dispatch(size_t max);

  // glide_client_get_stats: every field the caller's struct has room for. Any thread.
  void stats(glide_stats *out) const;

  // Pub/sub (caller threads): configured with a callback; a change to run on the I/O thread
  // (its done() is called there once).
  bool pubsub_enabled() const { return config_.pubsub_cb != nullptr; }
  glide_status pubsub_change(PubSubChange *change);
  uint32_t request_timeout_ms() const { return config_.request_timeout_ms; }

  // Bound of the dispatch queue's pub/sub messages: past either, new messages are dropped.
  static constexpr size_t kMaxQueuedMessages = 100000;
  static constexpr size_t kMaxQueuedMessageBytes = size_t{64} << 20;
  // The I/O thread's stack: the loop itself needs a few tens of kB; the rest is for callbacks
  // run on the I/O thread (GLIDE_CALLBACKS_ON_IO_THREAD). Only pages touched count in RSS.
  static constexpr size_t kIoStackSize = size_t{1} << 20;

  // ---- ExecutorHost (I/O thread)
  void deliver(Request *req, glide_value *root) override;
  void deliver_message(const glide_pubsub_message &m) override;
  bool closing() const override { return closing_.load(); }

 private:
  static void on_wake(evutil_socket_t fd, short what, void *arg);
  static void *thread_main(void *arg);
  void run();
  void loop();     // the I/O thread's loop: one libevent turn at a time, then service()
  void service();  // drain the submit queue, finish a close, write what the turn queued
  void drain_submissions();
  void wake_if_idle();  // under submit_mu_: the eventfd write, only if the loop may be asleep

  // A password change handed to the I/O thread (update_password waits on `done`).
  struct PasswordChange {
    std::string password;  // wiped once applied
    bool clear = false;
    bool immediate = false;
    uint32_t waiting = 0;  // AUTH answers still expected
    glide_status status = GLIDE_OK;
    std::string error;
    Client *client = nullptr;
    std::binary_semaphore done{0};
  };
  void apply_password(PasswordChange *pc);
  static void on_auth_reply(Request *req, glide_value *root);
  void shutdown_io();

  void discover();
  static void on_discovery_reply(Request *req, glide_value *root);
  static void on_standalone_ping(Request *req, glide_value *root);
  void discovery_finished(glide_status status, std::string_view error) noexcept;
  void note_discovery_failure(glide_error_kind kind);
  static void on_initial_subscriptions(PubSubChange *change, glide_status status);
  void take_discovery_answer(Request *req, glide_value *root);

  Config config_;
  std::unique_ptr<TlsContext> tls_;  // config_.tls_context: the SSL_CTX of every connection
  // Requests for reuse (exec/request.h): declared before the executor, so it outlives every
  // request the executor frees at teardown.
  RequestPool request_pool_;
  Executor executor_{config_, *this};
  struct event_base *base_ = nullptr;
  // The loop's name resolver (its evdns_base is made on the first host name): freed after every
  // connection and before base_.
  std::unique_ptr<Resolver> resolver_;
  // The I/O thread, started with an explicit stack size (kIoStackSize) rather than the process's
  // RLIMIT_STACK (8 MB by default, unbounded with `ulimit -s unlimited`).
  pthread_t io_thread_{};
  bool io_joinable_ = false;

  // Submit queue: caller threads push, the I/O thread swaps it out. The eventfd is written only
  // when the loop may be asleep, once: idle_ is set by the I/O thread, under submit_mu_, just
  // before it waits for events with nothing queued, and cleared as soon as it delivers a
  // completion (the usual cause of the next submission) or drains. A submission while the I/O
  // thread is awake is picked up at the end of its turn, unannounced.
  std::mutex submit_mu_;
  std::atomic<bool> idle_{false};  // set under submit_mu_; read by submitters under it
  bool stopped_ = false;           // I/O thread only: shutdown_io ran, the loop ends
  std::vector<Request *> submitted_;
  std::vector<Request *> draining_;
  std::vector<PubSubChange *> pubsub_changes_;  // glide_client_(un)subscribe, under submit_mu_
  std::vector<PubSubChange *> pubsub_draining_;
  std::vector<PasswordChange *> password_changes_;  // under submit_mu_, like submitted_
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> closing_{false};
  // Accepted and not yet completed: the low 32 bits count every request, the high 32 bits the
  // caller-side ones among them (kCallerSide adds to both), so "nothing pending on the I/O
  // thread" is one load. Requests submit() accepted add 1.
  static constexpr uint64_t kCallerSide = (uint64_t{1} << 32) | 1;
  std::atomic<uint64_t> inflight_{0};
  // A caller handed a borrowed connection back with something for the I/O thread (queued work,
  // a reply owed, a failure), or lending was just wanted: it scans the nodes at the end of its
  // turn (take_returned: settles kReturned, offers what is quiet).
  std::atomic<bool> returns_pending_{false};
  void take_returned();
  void hand_back(Connection *c);  // caller thread: a borrowed connection, offered or returned
  void want_lending(cluster::LendTable &table);  // caller thread: the first eligible call
  // Caller thread: lending is wanted (the first call asks for it and goes the I/O thread's way),
  // nothing is pending on the I/O thread and there is room under the in-flight limit; the call
  // is then counted (kCallerSide) until it subtracts it again.
  bool caller_side_may_start();
  // Caller-side requests: sent, replies read, completed (any way), timed out; added to stats().
  std::atomic<uint64_t> cs_sent_{0}, cs_replies_{0}, cs_completed_{0}, cs_timeouts_{0};
  int wake_fd_ = -1;
  struct event *wake_ev_ = nullptr;

  // Dispatched-callback queue: a FIFO of the requests' own DispatchNodes (no allocation).
  std::mutex dispatch_mu_;
  DispatchNode *dispatch_head_ = nullptr;
  DispatchNode *dispatch_tail_ = nullptr;
  // Completion nodes dispatch() ran, kept for the next dispatched submissions (dispatch_mu_):
  // a dispatched async command allocates none once warm. At most kMaxFreeDispatchNodes (~16 kB).
  DispatchNode *dispatch_free_ = nullptr;
  size_t dispatch_free_count_ = 0;
  static constexpr size_t kMaxFreeDispatchNodes = 128;
  DispatchNode *take_dispatch_node();  // any thread: from the free list, or new; nullptr: OOM
  int dispatch_fd_ = -1;
  size_t queued_messages_ = 0;  // pub/sub messages in the FIFO, and their bytes (dispatch_mu_)
  size_t queued_message_bytes_ = 0;
  std::atomic<uint64_t> pubsub_delivered_{0}, pubsub_dropped_{0};

  glide_client *closing_owner_ = nullptr;  // set by close_from_io_thread

  // Start-up handshake with the caller of start().
  std::binary_semaphore started_{0};
  uint64_t start_ms_ = 0;        // glide_client_new's clock: the connect timeout bounds it all
  bool pubsub_started_ = false;  // the config's subscriptions were handed to PubSub
  PubSubChange initial_;         // ... and are waited for before glide_client_new returns
  glide_status start_status_ = GLIDE_OK;
  std::string start_error_;
  uint32_t discovery_waiting_ = 0;
  bool discovery_reported_ = false;  // discovery_finished ran (glide_client_new was released)
  std::string discovery_errors_;
  glide_error_kind discovery_kind_ = GLIDE_ERR_CONNECTION;
};

}  // namespace glide

struct glide_client {
  std::unique_ptr<glide::Client> impl;
};
