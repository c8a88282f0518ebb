// The cluster as the client sees it: its nodes (each with its connection), the slot map, keeping
// that map fresh (refreshes, the periodic check, the watch on lost primaries) and retiring nodes
// that left it. It owns no request logic: a refresh asks its host to send CLUSTER SLOTS and gets
// the answers back through on_slots_answer. I/O thread only.
#pragma once

#include <event2/event.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cluster/lend_table.h"
#include "cluster/node.h"
#include "cluster/slot_map.h"
#include "config/config.h"

namespace glide {

struct Request;  // the host's; handed back and forth, never used here

namespace cluster {

// What the topology needs from the client that runs it.
class TopologyHost {
 public:
  // A CLUSTER SLOTS request to `to` (nullptr when out of memory), then its start; its answer
  // comes back through Topology::on_slots_answer.
  virtual Request *make_slots_request(const Address &to) = 0;
  virtual void begin(Request *req) = 0;
  // A refresh ended (a new map or the same): requests waiting for it may go again.
  virtual void refresh_finished() = 0;
  // Every request begun so far has a number; the oldest live one (next_request_seq() if none).
  virtual uint64_t next_request_seq() const = 0;
  virtual uint64_t oldest_live_request_seq() const = 0;
  virtual bool closing() const = 0;
  virtual void flush_dirty() = 0;
  virtual uint64_t now_ms() const = 0;

 protected:
  ~TopologyHost() = default;
};

class Topology {
 public:
  Topology(const Config &config, NodeEvents &events, TopologyHost &host);
  ~Topology();
  Topology(const Topology &) = delete;
  Topology &operator=(const Topology &) = delete;

  // The timers, on the I/O thread's loop, and the loop's name resolver for the connections;
  // false when out of memory.
  bool attach(struct event_base *base, Resolver *resolver);
  // Before the loop is freed: connections and timers go.
  void detach();

  // ---- nodes
  // The key of the node table and a node's shown name: "host:port" with the host normalised.
  static std::string node_name(const Address &a);
  Node *node_for(const Address &a);  // made on first use; may throw (out of memory)
  // The node a MOVED/ASK names: nullptr when that would be one node too many outside the slot
  // map (a server flooding redirects to ever new addresses must not make nodes without bound).
  Node *redirect_node(const Address &a);
  // The node's RESP2 subscriber connection (cluster/node.h), made on first use; may throw.
  Connection &subscriber_conn(Node *n);
  template <typename F>
  void for_each_node(F &&f) {
    for (auto &entry : nodes_) f(entry.second.get());
  }

  // ---- the slot map
  Node *slot_primary(uint16_t slot);
  // A replica of the slot's shard that can take requests now (round robin), else the primary.
  Node *replica_of(uint16_t slot);
  Node *random_primary();
  std::vector<Node *> all_nodes();  // primaries, then replicas
  const std::vector<Node *> &primaries() const { return primaries_; }
  bool is_primary(const Node *n) const;
  // The shard index serving the slot, or -1.
  int shard_of(uint16_t slot) const;
  // Standalone: the one server is the only "primary".
  void set_standalone(Node *server);
  // Installs a map; out of memory (thrown) leaves the old one whole.
  void install(SlotMap map);
  // A MOVED named a new owner for one slot.
  void patch_slot(uint16_t slot, Node *owner);
  // The first map is in (discovery): the periodic check starts.
  void discovered();
  bool is_discovered() const { return discovered_; }

  // ---- refresh
  // Asks for a slot-map refresh: one in flight at a time, throttled unless urgent. Never throws
  // (out of memory skips this one; the next trigger asks again).
  void request_refresh(bool urgent = false);
  bool refresh_in_flight() const { return refresh_in_flight_; }
  // Refreshes started so far (glide_client_get_stats; readable from any thread).
  uint64_t refreshes_started() const { return refreshes_started_.load(std::memory_order_relaxed); }
  // One CLUSTER SLOTS answer of a refresh (root: the reply, an ERROR value on failure).
  void on_slots_answer(const Address &asked, const glide_value *root);
  // A node's connection failed: a lost primary is watched (fast refreshes until its slots have
  // a reachable owner), anything else asks for an ordinary refresh.
  void on_connection_failed(Node *node);

  // ---- lending (cluster/lend_table.h): slot -> primary connection for blocking callers
  LendTable &lend_table() { return lend_; }
  // After the map changed, or lending was first wanted: the lend table follows the map, and
  // which connections may be lent.
  void publish_lend();
  bool lend_published() const { return lend_published_; }
  // Shutdown: no more offers; true once no connection is lent and no caller is reading the table.
  bool lend_stop();

  // ---- retirement: nodes in no slot map and idle are closed and forgotten; freed once every
  // request that may still hold a pointer to them (those begun before) has completed.
  void schedule_sweep();

 private:
  static void on_refresh_timer(evutil_socket_t fd, short what, void *arg);
  static void on_periodic_timer(evutil_socket_t fd, short what, void *arg);
  static void on_fast_refresh_timer(evutil_socket_t fd, short what, void *arg);
  static void on_sweep(evutil_socket_t fd, short what, void *arg);
  static uint64_t map_hash(const SlotMap &map);
  void refresh_now_or_later(bool urgent);
  void start_refresh();
  void finish_refresh();
  void watch_lost_primary(Node *node);
  void check_lost_primaries();
  void retire_stray_nodes();
  void free_retired();

  const Config &config_;
  NodeEvents &events_;
  TopologyHost &host_;
  struct event_base *base_ = nullptr;
  Resolver *resolver_ = nullptr;

  std::map<std::string, std::unique_ptr<Node>> nodes_;
  SlotMap slots_;
  std::vector<Node *> primaries_;
  std::vector<std::vector<Node *>> replicas_;  // per shard, as primaries_
  uint64_t map_hash_ = 0;
  bool map_patched_ = false;  // a MOVED changed slots_ since the last install: map_hash_ is stale
  uint32_t map_nodes_ = 0;    // nodes in the installed map (the rest are strays)
  uint32_t replica_rr_ = 0;
  uint64_t rng_ = 0x9E3779B97F4A7C15ull;
  bool discovered_ = false;

  // Refresh: one in flight; MOVED-triggered ones at most once per throttle period.
  bool refresh_in_flight_ = false;
  bool refresh_again_ = false;
  bool refresh_timer_armed_ = false;
  bool refresh_from_seeds_ = false;
  uint64_t last_refresh_ms_ = 0;
  uint32_t refresh_waiting_ = 0;
  std::atomic<uint64_t> refreshes_started_{0};
  std::vector<std::pair<uint64_t, SlotMap>> refresh_views_;
  struct event *refresh_timer_ = nullptr;
  struct event *periodic_timer_ = nullptr;
  std::vector<Address> lost_primaries_;
  uint32_t fast_refreshes_ = 0;
  struct event *fast_refresh_timer_ = nullptr;

  LendTable lend_;
  // Lending is possible at all: plain TCP (a TLS session is the I/O thread's), and no pub/sub
  // callback (RESP3 pushes arrive on the command connections).
  bool lend_allowed_ = false;
  bool lend_published_ = false;  // publish_lend ran with lending wanted

  struct Retired {
    uint64_t after_seq;  // free once no request older than this is live
    std::unique_ptr<Node> node;
  };
  std::vector<Retired> retired_;
  struct event *sweep_ev_ = nullptr;
};

}  // namespace cluster
}  // namespace glide
