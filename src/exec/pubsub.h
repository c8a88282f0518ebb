// Pub/sub subscriptions: the wanted set, where each channel is subscribed, the server's
// confirmations, delivery of messages, and putting subscriptions back after reconnects and
// topology changes. I/O thread only.
//
// The wanted set lives here (one map per kind, channel -> Sub), seeded from the config and
// changed by glide_client_(un)subscribe. Each entry says where it is subscribed (`at`, a node
// whose connection is ready: the subscribe was written on that connection) and whether the
// server confirmed it. A reconcile pass (deferred to a zero-delay timer, so it never runs inside
// a connection's own callbacks) compares each entry with its target - the primary owning a
// sharded channel's slot, one chosen primary for exact channels and patterns - and writes
// (S|P)SUBSCRIBE / (S|P)UNSUBSCRIBE. Triggers: a node's connection becoming ready (so a
// reconnect resubscribes by itself), a node going down, a slot-map refresh finishing, an unasked
// sunsubscribe push, a runtime change, and a 100 ms tick while anything is not in place.
//
// These commands have no ordinary reply in RESP3 (their confirmations are pushes), so they are
// written without a tag; an error (MOVED, CROSSSLOT, NOPERM) however IS an ordinary reply. Each
// one is therefore followed by a PING carrying a tag of ours (a fence): its answer is +PONG, or
// the command's error, then +PONG, which expect_next then consumes. The connection's tag order
// stays exact either way.
//
// Messages are delivered only from the node an entry is subscribed at: a channel being moved
// never delivers twice (one from the old node, one from the new).
//
// Which connection: over RESP3 the node's command connection (pushes are told apart from
// replies by their type). RESP2 has no push type and a subscribed RESP2 connection takes no
// other command, so with protocol 2 every node that holds subscriptions gets a second,
// dedicated subscriber connection (Node::subscriber, made on first use), which classifies the
// pub/sub arrays as pushes (Connection::make_subscriber); the same fences keep its tags in order
// (PING answers ["pong", ""] there). Its losses, not the command connection's, lose the node's
// subscriptions then.
#pragma once

#include <event2/event.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cluster/node.h"
#include "cluster/topology.h"
#include "config/config.h"
#include "exec/request.h"

namespace glide {

// A change asked by a caller (glide_client_subscribe / unsubscribe, the config's set at start):
// done(change, status) is called once, on the I/O thread, when the server confirmed every
// channel (GLIDE_OK), refused one (SERVER: NOPERM, CROSSSLOT; the refused channels are dropped
// from the wanted set), at the deadline (TIMEOUT) or at close (CLOSING).
struct PubSubChange {
  glide_pubsub_kind kind = GLIDE_PUBSUB_EXACT;
  bool subscribe = true;
  bool all = false;  // unsubscribe: every channel of the kind
  std::vector<std::string> channels;
  uint32_t timeout_ms = 0;
  void (*done)(PubSubChange *change, glide_status status) = nullptr;
  void *ctx = nullptr;
  // The I/O thread's
  std::vector<std::string> keys;  // what is waited for
  uint64_t deadline_ms = 0;
  std::string error;  // GLIDE_ERR_SERVER: the server's refusal
};

// Where delivered messages go (the client).
class PubSubSink {
 public:
  virtual void deliver_message(const glide_pubsub_message &m) = 0;

 protected:
  ~PubSubSink() = default;
};

class PubSub {
 public:
  PubSub(const Config &config, cluster::Topology &topology, NodeEvents &events, PubSubSink &sink);
  ~PubSub();
  PubSub(const PubSub &) = delete;
  PubSub &operator=(const PubSub &) = delete;

  bool attach(struct event_base *base);  // false when out of memory
  void detach();
  bool enabled() const { return config_.pubsub_cb != nullptr; }

  // The tag owner of the fences: tags whose req is marker() are ours.
  Request *marker() { return &marker_; }
  void on_fence_reply(Node *from, const ReplyTag &tag, glide_value *v);  // never throws
  void on_fence_lost(const ReplyTag &tag);

  // What the nodes report.
  bool on_push(Node *from, glide_value *push);
  void on_node_ready(Node *node);
  void on_node_down(Node *node);
  void on_subscriber_ready(Node *node);
  void on_subscriber_down(Node *node);
  void map_changed();

  // Discovery is over: subscribe the config's set; done when confirmed.
  void start(PubSubChange *initial);
  // A caller's change (may complete at once: idempotent).
  void change(PubSubChange *c);
  // Every waiting change completes with CLOSING.
  void shutdown();

 private:
  struct Sub {
    bool wanted = true;
    Node *at = nullptr;  // subscribed (written) on this node's current connection
    bool confirmed = false;
    uint32_t unsub_inflight = 0;  // unsubscribes written to `at`, not yet confirmed
    uint64_t retry_at_ms = 0;     // after an error reply: not before
    // The node that dropped it unasked (its slot left): not subscribed there again until the
    // slot map names another owner, or avoid_until_ms passes (the map really says so).
    Node *avoid = nullptr;
    uint64_t avoid_until_ms = 0;
  };
  // One command written with its fence: what an error answer concerns.
  struct Fenced {
    Node *node;
    Connection *conn;  // the one written to (lives while the fence is owed)
    uint8_t kind;
    bool subscribe;
    std::vector<std::string> channels;
  };
  using Map = std::map<std::string, Sub, std::less<>>;

  static void on_timer(evutil_socket_t fd, short what, void *arg);
  void schedule(uint32_t delay_ms);
  void reconcile();
  Node *target_for(int kind, const std::string &channel);
  // The connection a node's subscriptions use (see the top); may throw (made on first use).
  Connection &conn_of(Node *n);
  void handle_fence_reply(Node *from, const Fenced &fenced, glide_value *v);
  void lost_at(Node *node);  // the connection holding node's subscriptions closed
  Node *classic_node();
  void write(Node *node, int kind, bool subscribe, std::vector<std::string> channels);
  void sub_gone(int kind, Map::iterator it);  // an unsubscribe of `at` confirmed (or unasked)
  void check_changes();
  void fail_changes(const std::vector<std::string> &refused, std::string_view error);
  bool change_done(const PubSubChange *c) const;
  bool anything_pending() const;

  const Config &config_;
  cluster::Topology &topology_;
  NodeEvents &events_;
  PubSubSink &sink_;
  struct event_base *base_ = nullptr;
  struct event *timer_ = nullptr;
  bool timer_armed_ = false;
  uint64_t timer_due_ms_ = 0;
  bool started_ = false;
  const bool dedicated_;              // RESP2: subscriber connections
  uint64_t last_refresh_ask_ms_ = 0;  // refreshes asked while a channel waits for its new owner

  std::array<Map, 3> subs_;  // by glide_pubsub_kind
  Map &subs(int kind) { return subs_[static_cast<size_t>(kind)]; }
  Node *classic_ = nullptr;  // the node holding exact channels and patterns
  Request marker_;
  uint32_t next_fence_ = 0;
  std::map<uint32_t, Fenced> fences_;
  static constexpr uint32_t kDropIndex = 0xFFFFFFFF;  // the +PONG after a fenced error
  std::vector<PubSubChange *> changes_;
};

}  // namespace glide
