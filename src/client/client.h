// The client: configuration, the I/O thread with its libevent loop, the submit queue from caller
// threads, running requests over the cluster's nodes (planning, sending, redirects and retries,
// completion) and completion delivery. The cluster's shape is its Topology (cluster/).
#pragma once

#include <event2/event.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "cluster/node.h"
#include "cluster/topology.h"
#include "config/config.h"
#include "exec/planner.h"
#include "exec/request.h"
#include "net/connection.h"

namespace glide {

class Client final : public plan::ClusterView,
                     public RequestOwner,
                     public NodeEvents,
                     public cluster::TopologyHost {
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

  // Caller threads. submit() takes ownership of req on GLIDE_OK.
  glide_status submit(Request *req);
  bool on_io_thread() const;

  // Dispatched callbacks.
  int event_fd() const { return dispatch_fd_; }
  size_t dispatch(size_t max);

  // ---- I/O thread only ----
  const Config &config() const { return config_; }
  struct event_base *base() {
    return base_;
  }
  const resp::Limits &limits() const { return config_.limits; }
  uint64_t now_ms() const override;
  void mark_dirty(Connection *c) override;
  void flush_dirty() override;
  // A reply slot of req was answered / failed: complete the request when nothing is left.
  void maybe_complete(Request *req) override;
  // The request will never need its arena again from connections: free it if delivered.
  void release(Request *req);
  // Completes req now: unanswered elements become kind/message errors.
  void force_complete(Request *req, glide_error_kind kind, const std::string &message);
  // What a node's connection reports (NodeEvents).
  ReplyTarget reply_target(const ReplyTag &tag) override;
  void reply_abandoned(const ReplyTag &tag) override;
  void on_reply(Node *from, const ReplyTag &tag, glide_value *v, bool in_target) override;
  void on_reply_lost(const ReplyTag &tag, glide_error_kind kind,
                     const std::string &message) override;
  void on_connection_failed(Node *node) override;
  // An error reply for (req, index, part) from `from`: handles MOVED, ASK, READONLY and (when the
  // batch asks for it) TRYAGAIN & co by re-sending; true when handled (the slot is pending again).
  bool on_error_reply(Request *req, uint32_t index, uint16_t part, glide_value *v, Node *from);
  // A transaction was discarded (EXECABORT) because a command was redirected at queue time.
  bool on_atomic_abort(Request *req, Node *from);
  // A connection died with (req, index, part) unanswered: re-send it if the batch allows.
  bool on_lost(Request *req, uint32_t index, uint16_t part);

  // What the topology asks of its host (cluster::TopologyHost).
  Request *make_slots_request(const Address &to) override;
  void begin(Request *req) override;
  void refresh_finished() override;
  uint64_t next_request_seq() const override { return next_seq_; }
  uint64_t oldest_live_request_seq() const override;
  bool closing() const override { return closing_.load(); }

 private:
  static void on_wake(evutil_socket_t fd, short what, void *arg);
  static void on_timeout(evutil_socket_t fd, short what, void *arg);
  void run();
  void drain_submissions();
  // Runs the planner over req with a sink that sends each step at once (client/send.cpp).
  void plan(Request *req);
  class Sender;
  static constexpr uint32_t kReserveThreshold = 1024;
  void reserve_for(Request *req, Node *forced);
  bool send_to(Node *node, std::string_view bytes, Request *req, uint32_t index, uint16_t part);
  // Every reply expected of a connection is counted in its request's `outstanding` here.
  void send_tagged(Node *node, std::string_view bytes, const ReplyTag &tag);
  void expect(Node *node, const ReplyTag &tag);
  // False (and the slot failed with the node's last error) while the node is in its backoff.
  bool connectable(Node *node, Request *req, uint32_t index, uint16_t part);
  void send_transaction(Request *req, Node *node, bool asking);
  // The planner's view of the cluster (plan::ClusterView).
  Node *primary(uint16_t slot) override { return topology_.slot_primary(slot); }
  Node *replica(uint16_t slot) override { return topology_.replica_of(slot); }
  Node *random_primary() override { return topology_.random_primary(); }
  const std::vector<Node *> &primaries() override { return topology_.primaries(); }
  std::vector<Node *> all_nodes() override { return topology_.all_nodes(); }
  Node *at_address(const std::string &host, uint16_t port) override {
    return topology_.node_for(Address{host, port});
  }
  std::string_view element_bytes(Request *req, uint32_t index, uint16_t part);
  uint8_t *attempts_of(Request *req, uint32_t index, uint16_t part);
  void resend(Request *req, uint32_t index, uint16_t part, Node *node, bool asking);
  // after_refresh: hold the retry until the refresh in flight has installed the new map.
  void schedule_retry(Request *req, uint32_t index, uint16_t part, Node *node, bool asking,
                      uint32_t delay_ms, bool after_refresh = false);
  void arm_retry(Request *req, uint32_t delay_ms);
  static void on_retry_timer(evutil_socket_t fd, short what, void *arg);
  static void on_refresh_reply(Request *req, glide_value *root);
  void deliver(Request *req);
  void complete(Request *req);
  void shutdown_io();

  void discover();
  static void on_discovery_reply(Request *req, glide_value *root);
  static void on_standalone_ping(Request *req, glide_value *root);
  void discovery_finished(glide_status status, std::string_view error) noexcept;
  void note_discovery_failure(glide_error_kind kind);
  void take_discovery_answer(Request *req, glide_value *root);
  Request *make_internal(const char *const *argv, const size_t *lens, size_t argc,
                         void (*hook)(Request *, glide_value *));
  // CLUSTER SLOTS to one address (discovery and refreshes); nullptr when out of memory.
  Request *make_slots_query(const Address &to, void (*hook)(Request *, glide_value *));

  Config config_;
  plan::Planner planner_;
  struct event_base *base_ = nullptr;
  std::thread io_thread_;

  // Submit queue: caller threads push, the I/O thread swaps it out; one wake per burst.
  std::mutex submit_mu_;
  std::vector<Request *> submitted_;
  std::vector<Request *> draining_;
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> closing_{false};
  std::atomic<uint32_t> inflight_{0};
  int wake_fd_ = -1;
  struct event *wake_ev_ = nullptr;

  // Dispatched-callback queue: a FIFO of the requests' own DispatchNodes (no allocation).
  std::mutex dispatch_mu_;
  DispatchNode *dispatch_head_ = nullptr;
  DispatchNode *dispatch_tail_ = nullptr;
  int dispatch_fd_ = -1;

  // I/O thread state.
  cluster::Topology topology_{config_, *this, *this};
  std::vector<Request *> after_refresh_;  // requests whose retries wait for the refresh
  uint64_t next_seq_ = 1;
  glide_client *closing_owner_ = nullptr;  // set by close_from_io_thread
  Connection *dirty_ = nullptr;   // connections to flush this loop turn (intrusive: no allocation)
  Request *live_head_ = nullptr;  // requests not yet completed (for close)
  std::map<uint32_t, struct timeval> common_timeouts_;

  // Start-up handshake with the caller of start().
  std::binary_semaphore started_{0};
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
