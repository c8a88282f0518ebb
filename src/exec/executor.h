// The executor: runs requests over the cluster's nodes on the I/O thread. It plans each request
// (exec/planner.h) and sends the steps, turns what the connections report into answers, follows
// redirects and retries, enforces the timeout, and completes every request exactly once, handing
// the result to its host (the client) to deliver.
//
// Request lifetime (who may still touch a Request):
//  - until it completes, the executor (it is on the live list);
//  - after that, every connection still owing it a reply: each expected reply is one hold
//    (Request::outstanding), taken when the reply is queued (send_tagged / expect) and given
//    back exactly once, by on_reply or on_reply_lost (the Connection contract). A scoped
//    RequestHold (exec/request.h) covers planning, which may complete the request half-way;
//  - a connection parsing a reply into the request's arena (Request::parsing): a timeout then
//    gives the caller a copy and the parse finishes into the old arena (Request::orphan).
//  The request is freed when it is complete and holds nothing (release()).
// The batch: an async request owns a copy (Request::owned); a blocking one borrows the caller's
// batch (Request::batch points at it), which is safe because the caller is parked until the
// request completes and nothing reads the batch after completion (every re-send of a part uses
// bytes the request keeps in its own arena, and late replies are only counted and dropped).
// A big borrowed batch is not even copied into the connections' output: its commands are queued
// as spans of the caller's buffer and written from there (Connection::send_borrowed); complete()
// has every connection copy what of them is still unsent before the caller is released
// (release_borrowed), failing a connection that cannot, so no span outlives the exec call.
// Re-sends (redirects, retries, split parts) and transactions are copied as before.
#pragma once

#include <event2/event.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/node.h"
#include "cluster/topology.h"
#include "config/config.h"
#include "exec/planner.h"
#include "exec/pubsub.h"
#include "exec/request.h"

namespace glide {

// The executor's counters (glide_client_get_stats). Written by the I/O thread only (a relaxed
// load and store: no locked instruction on the hot path), read from any thread.
struct ExecCounters {
  std::atomic<uint64_t> commands_sent{0}, replies_received{0}, requests_completed{0},
      moved_redirects{0}, ask_redirects{0}, retries{0}, reconnects{0}, timeouts{0},
      connected_nodes{0};
  static void add(std::atomic<uint64_t> &c, int64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + static_cast<uint64_t>(n),
            std::memory_order_relaxed);
  }
};

// What the executor needs from the client that runs it (and, as a PubSubSink, where pub/sub
// messages go: deliver_message, on the I/O thread, the message valid during the call).
class ExecutorHost : public PubSubSink {
 public:
  // req is complete: hand root (the caller's now) to its callback, dispatch queue or hook.
  // The request itself stays the executor's.
  virtual void deliver(Request *req, glide_value *root) = 0;
  virtual bool closing() const = 0;

 protected:
  ~ExecutorHost() = default;
};

class Executor final : public plan::ClusterView,
                       public RequestOwner,
                       public NodeEvents,
                       public cluster::TopologyHost {
 public:
  Executor(const Config &config, ExecutorHost &host);
  ~Executor();
  Executor(const Executor &) = delete;
  Executor &operator=(const Executor &) = delete;

  // The I/O thread's loop; false when out of memory. detach() before the loop is freed.
  bool attach(struct event_base *base, Resolver *resolver);
  void detach();

  // Starts a request: plans and sends it, or completes it at once (closing, out of memory).
  void begin(Request *req) override;
  // Every live request completes with CLOSING, then every connection closes.
  void shutdown();
  // An internal request (hook gets the root; hook_ctx is the hook's); nullptr when out of memory.
  Request *make_internal(const char *const *argv, const size_t *lens, size_t argc,
                         void (*hook)(Request *, glide_value *), void *hook_ctx);
  // CLUSTER SLOTS to one address (discovery and refreshes); nullptr when out of memory.
  Request *make_slots_query(const Address &to, void (*hook)(Request *, glide_value *),
                            void *hook_ctx);
  cluster::Topology &topology() { return topology_; }
  PubSub &pubsub() { return pubsub_; }
  const ExecCounters &counters() const { return counters_; }
  uint64_t refreshes_started() const { return topology_.refreshes_started(); }

  // ---- RequestOwner
  void maybe_complete(Request *req) override;

  // ---- NodeEvents: what a node's connection reports
  ReplyTarget reply_target(const ReplyTag &tag) override;
  void reply_abandoned(const ReplyTag &tag) override;
  void on_reply(Node *from, const ReplyTag &tag, glide_value *v, bool in_target) override;
  void on_reply_lost(const ReplyTag &tag, glide_error_kind kind,
                     const std::string &message) override;
  bool on_push(Node *from, glide_value *push) override;
  void on_connection_failed(Node *node) override;
  void on_node_ready(Node *node) override;
  void on_node_down(Node *node) override;
  void on_subscriber_ready(Node *node) override;
  void on_subscriber_down(Node *node) override;
  void mark_dirty(Connection *c) override;
  // Writes what this loop turn queued: one write per connection, whatever the requests.
  void flush_dirty() override;
  // While set (the client's loop turn), flush_dirty() only leaves the connections on the dirty
  // list, and the client writes them all with flush_now() once the turn is over: one write per
  // node per loop turn, however many events and submissions queued bytes for it.
  void set_defer_flush(bool defer) { defer_flush_ = defer; }
  void flush_now();
  uint64_t now_ms() const override;

  // ---- cluster::TopologyHost
  Request *make_slots_request(const Address &to) override;
  void refresh_finished() override;
  uint64_t next_request_seq() const override { return next_seq_; }
  uint64_t oldest_live_request_seq() const override;
  bool closing() const override { return host_.closing(); }

 private:
  // ---- plan::ClusterView
  Node *primary(uint16_t slot) override { return topology_.slot_primary(slot); }
  Node *replica(uint16_t slot) override { return topology_.replica_of(slot); }
  Node *random_primary() override { return topology_.random_primary(); }
  const std::vector<Node *> &primaries() override { return topology_.primaries(); }
  std::vector<Node *> all_nodes() override { return topology_.all_nodes(); }
  Node *at_address(const std::string &host, uint16_t port) override {
    return topology_.node_for(Address{host, port});
  }

  // ---- lifecycle (executor.cpp)
  static void on_timeout(evutil_socket_t fd, short what, void *arg);
  // Completes req now: unanswered elements become kind/message errors.
  void force_complete(Request *req, glide_error_kind kind, const std::string &message);
  void complete(Request *req);
  static void on_refresh_reply(Request *req, glide_value *root);

  // ---- sending (send.cpp)
  // Runs the planner over req with a sink that sends each step at once.
  void plan(Request *req);
  class Sender;
  static constexpr uint32_t kReserveThreshold = 1024;
  void reserve_for(Request *req, Node *forced);
  bool send_to(Node *node, std::string_view bytes, Request *req, uint32_t index, uint16_t part,
               bool borrow = false);
  // Every reply expected of a connection is one hold on its request, taken here.
  void send_tagged(Node *node, std::string_view bytes, const ReplyTag &tag, bool borrow = false);
  // complete(): every connection that holds spans of req's borrowed batch copies what of it is
  // still unsent (one that cannot is failed), so the caller may free the batch once released.
  void release_borrowed(Request *req);
  // A borrowed batch this big or bigger is sent from the caller's buffer (spans), not copied.
  static constexpr size_t kBorrowMinBytes = 16 * 1024;
  void expect(Node *node, const ReplyTag &tag);
  // False (and the slot failed with the node's last error) while the node is in its backoff.
  bool connectable(Node *node, Request *req, uint32_t index, uint16_t part);
  void send_transaction(Request *req, Node *node, bool asking);

  // ---- redirects and retries (redirect.cpp)
  // begin() of a request the caller side started (Request::resume).
  void follow_resume(Request *req);
  // An error reply for (req, index, part) from `from`: handles MOVED, ASK, READONLY and (when the
  // batch asks for it) TRYAGAIN & co by re-sending; true when handled (the slot is pending again).
  bool on_error_reply(Request *req, uint32_t index, uint16_t part, glide_value *v, Node *from);
  // A transaction was discarded (EXECABORT) because a command was redirected at queue time.
  bool on_atomic_abort(Request *req, Node *from);
  // A connection died with (req, index, part) unanswered: re-send it if the batch allows.
  bool on_lost(Request *req, uint32_t index, uint16_t part);
  std::string_view element_bytes(Request *req, uint32_t index, uint16_t part);
  uint8_t *attempts_of(Request *req, uint32_t index, uint16_t part);
  void resend(Request *req, uint32_t index, uint16_t part, Node *node, bool asking);
  // after_refresh: hold the retry until the refresh in flight has installed the new map.
  void schedule_retry(Request *req, uint32_t index, uint16_t part, Node *node, bool asking,
                      uint32_t delay_ms, bool after_refresh = false);
  void arm_retry(Request *req, uint32_t delay_ms);
  static void on_retry_timer(evutil_socket_t fd, short what, void *arg);

  const Config &config_;
  ExecutorHost &host_;
  struct event_base *base_ = nullptr;
  plan::Planner planner_;
  cluster::Topology topology_;
  PubSub pubsub_;
  std::vector<Request *> after_refresh_;  // requests whose retries wait for the refresh
  uint64_t next_seq_ = 1;
  Request *live_head_ = nullptr;  // requests not yet completed
  bool defer_flush_ = false;
  Connection *dirty_ = nullptr;  // connections to flush this loop turn (intrusive: no allocation)
  std::map<uint32_t, struct timeval> common_timeouts_;
  ExecCounters counters_;
};

}  // namespace glide
