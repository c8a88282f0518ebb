// The client: configuration, the I/O thread with its libevent loop, the submit queue from caller
// threads, the cluster's nodes and slot map, and completion delivery.
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

#include "cluster/topology.h"
#include "config/config.h"
#include "exec/request.h"
#include "net/connection.h"
#include "net/resolver.h"

namespace glide {

// One node of the cluster and its connection, whose owner it is: it hands what the connection
// reports to the client, naming itself.
struct Node final : ConnectionOwner {
  Client *client = nullptr;
  Address address;
  std::string name;      // "host:port", as the per-node maps show it
  bool replica = false;  // a replica in the current slot map: its connection sends READONLY
  bool in_map = false;   // in the current slot map (else its idle connection is closed)
  std::unique_ptr<Connection> conn;

  ReplyTarget reply_target(const ReplyTag &tag) override;
  void reply_abandoned(const ReplyTag &tag) override;
  void on_reply(const ReplyTag &tag, glide_value *v, bool in_target) override;
  void on_lost(const ReplyTag &tag, glide_error_kind kind, const std::string &message) override;
  void on_failed() override;
  void on_queued(Connection *c) override;
  void after_event() override;
  bool read_only() const override { return replica; }
  uint64_t now_ms() const override;
};

class Client final : public plan::ClusterView {
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
  uint64_t now_ms() const;
  void mark_dirty(Connection *c);
  void flush_dirty();
  // A reply slot of req was answered / failed: complete the request when nothing is left.
  void maybe_complete(Request *req);
  // The request will never need its arena again from connections: free it if delivered.
  void release(Request *req);
  // Completes req now: unanswered elements become kind/message errors.
  void force_complete(Request *req, glide_error_kind kind, const std::string &message);
  // What a node's connection reports (Node's ConnectionOwner calls).
  void on_reply(Node *from, const ReplyTag &tag, glide_value *v);
  void on_reply_lost(const ReplyTag &tag, glide_error_kind kind, const std::string &message);
  void on_connection_failed(Node *node);
  // An error reply for (req, index, part) from `from`: handles MOVED, ASK, READONLY and (when the
  // batch asks for it) TRYAGAIN & co by re-sending; true when handled (the slot is pending again).
  bool on_error_reply(Request *req, uint32_t index, uint16_t part, glide_value *v, Node *from);
  // A transaction was discarded (EXECABORT) because a command was redirected at queue time.
  bool on_atomic_abort(Request *req, Node *from);
  // A connection died with (req, index, part) unanswered: re-send it if the batch allows.
  bool on_lost(Request *req, uint32_t index, uint16_t part);
  // Asks for a slot-map refresh (one in flight at a time; throttled unless urgent).
  void request_refresh(bool urgent = false);  // never throws: out of memory skips the refresh
  void refresh_now_or_later(bool urgent);

 private:
  static void on_wake(evutil_socket_t fd, short what, void *arg);
  static void on_timeout(evutil_socket_t fd, short what, void *arg);
  void run();
  void drain_submissions();
  void begin(Request *req);
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
  Node *primary(uint16_t slot) override { return slot_primary(slot); }
  Node *replica(uint16_t slot) override;
  const std::vector<Node *> &primaries() override { return primaries_; }
  Node *at_address(const std::string &host, uint16_t port) override {
    return node_for(Address{host, port});
  }
  std::string_view element_bytes(Request *req, uint32_t index, uint16_t part);
  uint8_t *attempts_of(Request *req, uint32_t index, uint16_t part);
  void resend(Request *req, uint32_t index, uint16_t part, Node *node, bool asking);
  // after_refresh: hold the retry until the refresh in flight has installed the new map.
  void schedule_retry(Request *req, uint32_t index, uint16_t part, Node *node, bool asking,
                      uint32_t delay_ms, bool after_refresh = false);
  void arm_retry(Request *req, uint32_t delay_ms);
  static void on_retry_timer(evutil_socket_t fd, short what, void *arg);
  void patch_slot(uint16_t slot, Node *owner);
  void install(cluster::SlotMap map);
  void start_refresh();
  static void on_refresh_reply(Request *req, glide_value *root);
  void finish_refresh();
  static void on_refresh_timer(evutil_socket_t fd, short what, void *arg);
  static void on_periodic_timer(evutil_socket_t fd, short what, void *arg);
  static uint64_t map_hash(const cluster::SlotMap &map);
  void deliver(Request *req);
  void complete(Request *req);
  void shutdown_io();

  Node *node_for(const Address &a);
  // The key of nodes_ and a node's shown name: "host:port" with the host normalised.
  static std::string node_name(const Address &a);
  // The node a MOVED/ASK names: nullptr when that would be one node too many outside the slot
  // map (a server flooding redirects to ever new addresses must not make nodes without bound).
  Node *redirect_node(const Address &a);
  // Nodes in no slot map and idle are closed and forgotten; freed once every request that may
  // still hold a pointer to them (those begun before) has completed.
  void retire_stray_nodes();
  void free_retired();
  void schedule_sweep();
  static void on_sweep(evutil_socket_t fd, short what, void *arg);
  // After a primary's connection is lost: refresh every kFastRefreshMs until each lost primary
  // answers again or the map names another owner for its slots (a failover), a bounded number
  // of times.
  void watch_lost_primary(Node *node);
  void check_lost_primaries();
  static void on_fast_refresh_timer(evutil_socket_t fd, short what, void *arg);
  Node *slot_primary(uint16_t slot);
  Node *random_primary() override;
  std::vector<Node *> all_nodes() override;
  void discover();
  static void on_discovery_reply(Request *req, glide_value *root);
  static void on_standalone_ping(Request *req, glide_value *root);
  void discovery_finished(glide_status status, std::string_view error) noexcept;
  void note_discovery_failure(glide_error_kind kind);
  void take_discovery_answer(Request *req, glide_value *root);
  Request *make_internal(const char *const *argv, const size_t *lens, size_t argc,
                         void (*hook)(Request *, glide_value *));
  // CLUSTER SLOTS to one address (discovery and refreshes); nullptr when out of memory.
  Request *make_slots_request(const Address &to, void (*hook)(Request *, glide_value *));

  Config config_;
  plan::Planner planner_;
  struct event_base *base_ = nullptr;
  // The loop's name resolver (its evdns_base is made on the first host name): freed after every
  // connection and before base_.
  std::unique_ptr<Resolver> resolver_;
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
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  cluster::SlotMap slots_;
  std::vector<Node *> primaries_;
  std::vector<std::vector<Node *>> replicas_;  // per shard, as primaries_
  uint64_t map_hash_ = 0;
  uint32_t replica_rr_ = 0;
  // Topology refresh: one in flight; MOVED-triggered ones at most once per kRefreshThrottleMs.
  bool refresh_in_flight_ = false;
  bool refresh_again_ = false;
  bool refresh_timer_armed_ = false;
  bool refresh_from_seeds_ = false;
  uint64_t last_refresh_ms_ = 0;
  uint32_t refresh_waiting_ = 0;
  std::vector<std::pair<uint64_t, cluster::SlotMap>> refresh_views_;
  std::vector<Request *> after_refresh_;  // requests whose retries wait for the refresh
  struct event *refresh_timer_ = nullptr;
  struct event *periodic_timer_ = nullptr;
  bool map_patched_ = false;  // a MOVED changed slots_ since the last install: map_hash_ is stale
  uint32_t map_nodes_ = 0;    // nodes in the installed map (the rest are strays)
  struct Retired {
    uint64_t after_seq;  // free once no request older than this is live
    std::unique_ptr<Node> node;
  };
  std::vector<Retired> retired_;
  uint64_t next_seq_ = 1;
  std::vector<Address> lost_primaries_;
  uint32_t fast_refreshes_ = 0;
  struct event *fast_refresh_timer_ = nullptr;
  struct event *sweep_ev_ = nullptr;
  glide_client *closing_owner_ = nullptr;  // set by close_from_io_thread
  std::vector<Connection *> dirty_;
  Request *live_head_ = nullptr;  // requests not yet completed (for close)
  uint64_t rng_ = 0x9E3779B97F4A7C15ull;
  std::map<uint32_t, struct timeval> common_timeouts_;

  // Start-up handshake with the caller of start().
  std::binary_semaphore started_{0};
  glide_status start_status_ = GLIDE_OK;
  std::string start_error_;
  uint32_t discovery_waiting_ = 0;
  bool discovered_ = false;
  bool discovery_reported_ = false;  // discovery_finished ran (glide_client_new was released)
  std::string discovery_errors_;
  glide_error_kind discovery_kind_ = GLIDE_ERR_CONNECTION;
};

}  // namespace glide

struct glide_client {
  std::unique_ptr<glide::Client> impl;
};
