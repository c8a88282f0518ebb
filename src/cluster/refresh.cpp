// Slot-map refresh: CLUSTER SLOTS asked of up to three nodes in parallel, the most common view
// wins; one refresh in flight, MOVED-triggered ones throttled, a periodic check, and back to the
// seed addresses when no known node answers. Never blocks the I/O loop: the answers arrive as
// internal requests like any other.
#include <algorithm>
#include <string>

#include "client/client.h"
#include "util/timeval.h"
#include "util/guard.h"
#include "cluster/topology.h"

namespace glide {
namespace {
constexpr uint64_t kRefreshThrottleMs = 1000;
constexpr size_t kRefreshFanout = 3;
// After a primary's connection is lost: the slot map is asked again this often until its slots
// have a reachable owner (the node is back, or a replica was promoted), at most this many times.
constexpr uint32_t kFastRefreshMs = 150;
constexpr uint32_t kMaxFastRefreshes = 200;  // 30 s, longer than any cluster-node-timeout default
// Nodes outside the slot map (learned from redirects or routes) kept at most at once.
constexpr uint32_t kMaxStrayNodes = 64;

uint64_t fnv(uint64_t h, const void *data, size_t len) {
  const auto *p = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < len; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}
uint64_t fnv(uint64_t h, const Address &a) {
  h = fnv(h, a.host.data(), a.host.size());
  return fnv(h, &a.port, sizeof(a.port));
}
}  // namespace

uint64_t Client::map_hash(const cluster::SlotMap &map) {
  uint64_t h = 0xcbf29ce484222325ull;
  uint16_t prev = cluster::SlotMap::kNoShard - 1;
  for (uint32_t s = 0; s < cluster::kSlotCount; ++s) {
    const uint16_t shard = map.slot_shard[s];
    if (shard == prev) continue;  // hash each run of slots once
    prev = shard;
    h = fnv(h, &s, sizeof(s));
    if (shard == cluster::SlotMap::kNoShard) continue;
    const cluster::Shard &sh = map.shards[shard];
    h = fnv(h, sh.primary);
    for (const Address &r : sh.replicas) h = fnv(h, r);
  }
  return h;
}

void Client::install(cluster::SlotMap map) {
  // Everything that allocates first, then a commit that cannot fail: out of memory half-way
  // leaves the old map whole (never shard indexes without their primaries).
  std::vector<Node *> prims;
  std::vector<std::vector<Node *>> reps;
  prims.reserve(map.shards.size());
  reps.reserve(map.shards.size());
  for (const cluster::Shard &s : map.shards) {
    prims.push_back(node_for(s.primary));
    std::vector<Node *> r;
    r.reserve(s.replicas.size());
    for (const Address &a : s.replicas) r.push_back(node_for(a));
    reps.push_back(std::move(r));
  }
  slots_ = std::move(map);
  primaries_.swap(prims);
  replicas_.swap(reps);
  for (auto &[name, node] : nodes_) node->in_map = false;
  // A node that turned replica must reconnect to send READONLY; one that left the cluster is
  // dropped. Either only once idle: a connection with replies still owed stays as it is.
  auto place = [](Node *n, bool replica) {
    if (n->in_map) return;
    n->in_map = true;
    if (replica && !n->replica) n->conn->close_if_idle();
    n->replica = replica;
  };
  for (size_t i = 0; i < primaries_.size(); ++i) {
    place(primaries_[i], false);
    for (Node *n : replicas_[i]) place(n, true);
  }
  map_nodes_ = 0;
  for (auto &[name, node] : nodes_) map_nodes_ += node->in_map;
  schedule_sweep();
  map_hash_ = map_hash(slots_);
  map_patched_ = false;
}

void Client::retire_stray_nodes() {
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    Node *n = it->second.get();
    if (!n->in_map) n->conn->close_if_idle();
    if (n->in_map || n->conn->state() != Connection::State::kDisconnected || n->conn->dirty) {
      ++it;
      continue;
    }
    // Requests begun so far may hold this node (a route, a fan-out part, a retry): it is freed
    // once they have all completed.
    retired_.push_back(Retired{next_seq_, std::move(it->second)});
    it = nodes_.erase(it);
  }
  free_retired();
}

void Client::free_retired() {
  uint64_t oldest = next_seq_;
  for (Request *r = live_head_; r; r = r->live_next) oldest = std::min(oldest, r->seq);
  std::erase_if(retired_, [&](Retired &r) {
    Connection *conn = r.node->conn.get();
    conn->close_if_idle();  // an old request may have used it again meanwhile
    return r.after_seq <= oldest && conn->state() == Connection::State::kDisconnected &&
           !conn->dirty;
  });
}

Node *Client::redirect_node(const Address &a) {
  if (nodes_.find(node_name(a)) == nodes_.end() && nodes_.size() >= map_nodes_ + kMaxStrayNodes) {
    schedule_sweep();  // idle strays make room for the next redirect
    return nullptr;
  }
  return node_for(a);
}

void Client::schedule_sweep() {
  // Never inline: a connection's own event handler may be on the stack (a reply delivered, a
  // refresh finished), so nodes are retired and freed from a callback of their own.
  if (sweep_ev_) event_active(sweep_ev_, EV_TIMEOUT, 0);
}

void Client::on_sweep(evutil_socket_t, short, void *arg) {
  guarded([&] { static_cast<Client *>(arg)->retire_stray_nodes(); });
}

void Client::patch_slot(uint16_t slot, Node *owner) {
  size_t idx = 0;
  while (idx < primaries_.size() && primaries_[idx] != owner) ++idx;
  if (idx == primaries_.size()) {
    if (idx >= cluster::SlotMap::kNoShard) return;
    // Room in all three first, so they grow together or not at all.
    slots_.shards.reserve(idx + 1);
    primaries_.reserve(idx + 1);
    replicas_.reserve(idx + 1);
    slots_.shards.push_back(cluster::Shard{owner->address, {}});
    primaries_.push_back(owner);
    replicas_.emplace_back();
    owner->replica = false;
    owner->in_map = true;
  }
  map_patched_ = true;  // map_hash_ no longer describes slots_: the next refresh must install
  uint16_t &cur = slots_.slot_shard[slot & (cluster::kSlotCount - 1)];
  if (cur == cluster::SlotMap::kNoShard) ++slots_.covered;
  cur = static_cast<uint16_t>(idx);
}

void Client::request_refresh(bool urgent) {
  try {
    refresh_now_or_later(urgent);
  } catch (...) {
    // Out of memory: no refresh now; the next trigger (MOVED, loss, timer) asks again.
  }
}

void Client::refresh_now_or_later(bool urgent) {
  if (!config_.cluster || !discovered_ || closing_.load()) return;
  if (refresh_in_flight_) {
    refresh_again_ = true;
    return;
  }
  const uint64_t now = now_ms();
  if (!urgent && now - last_refresh_ms_ < kRefreshThrottleMs) {
    if (!refresh_timer_armed_ && refresh_timer_) {
      const uint64_t wait = kRefreshThrottleMs - (now - last_refresh_ms_);
      struct timeval tv = ms_to_timeval(wait);
      event_add(refresh_timer_, &tv);
      refresh_timer_armed_ = true;
    }
    return;
  }
  start_refresh();
}

void Client::start_refresh() {
  std::vector<Node *> targets;
  if (refresh_from_seeds_) {
    for (const Address &a : config_.addresses) targets.push_back(node_for(a));
  } else {
    // Connected nodes first (their answer costs no connect), primaries before replicas.
    std::vector<Node *> all = all_nodes();
    std::stable_partition(all.begin(), all.end(),
                          [](Node *n) { return n->conn->state() == Connection::State::kReady; });
    for (Node *n : all) {
      if (targets.size() == kRefreshFanout) break;
      targets.push_back(n);
    }
    if (targets.empty())
      for (const Address &a : config_.addresses) targets.push_back(node_for(a));
  }
  std::vector<Request *> reqs;
  reqs.reserve(targets.size());  // push_back below cannot throw with a request in hand
  for (Node *n : targets)
    if (Request *req = make_slots_request(n->address, &Client::on_refresh_reply))
      reqs.push_back(req);
  if (reqs.empty()) return;
  refresh_in_flight_ = true;
  last_refresh_ms_ = now_ms();
  refresh_views_.clear();
  refresh_waiting_ = static_cast<uint32_t>(reqs.size());
  for (Request *req : reqs) begin(req);
}

void Client::on_refresh_reply(Request *req, glide_value *root) {
  auto *c = static_cast<Client *>(req->owner);
  if (!c->closing_.load() && root->type != GLIDE_VALUE_ERROR) {
    try {
      cluster::SlotMap map;
      std::string error;
      if (cluster::parse_cluster_slots(root, Address{req->route.host, req->route.port}, &map,
                                       &error)) {
        const uint64_t h = map_hash(map);
        c->refresh_views_.emplace_back(h, std::move(map));
      }
    } catch (...) {
      // out of memory: this view does not count
    }
  }
  glide_value_free(root);
  if (--c->refresh_waiting_ > 0) return;
  c->refresh_in_flight_ = false;
  if (c->closing_.load()) return;
  c->finish_refresh();
}

void Client::finish_refresh() {
  Client *c = this;
  if (c->refresh_views_.empty()) {
    c->refresh_from_seeds_ = true;  // nobody we know answered: ask the seeds next time
  } else {
    c->refresh_from_seeds_ = false;
    size_t best = 0, best_votes = 0;
    for (size_t i = 0; i < c->refresh_views_.size(); ++i) {
      size_t votes = 0;
      for (const auto &v : c->refresh_views_) votes += v.first == c->refresh_views_[i].first;
      if (votes > best_votes) {
        best = i;
        best_votes = votes;
      }
    }
    // A map patched by MOVED is always replaced: a redirect to an address that then proved dead
    // must never outlive the refresh that brings the right owner back.
    if (c->refresh_views_[best].first != c->map_hash_ || c->map_patched_) {
      try {
        c->install(std::move(c->refresh_views_[best].second));
      } catch (...) {
        c->refresh_again_ = true;  // out of memory: the old map stays; ask again
      }
    }
    c->refresh_views_.clear();
  }
  if (!c->retired_.empty()) c->schedule_sweep();
  c->check_lost_primaries();
  if (c->refresh_again_) {
    c->refresh_again_ = false;
    c->request_refresh();
  }
  // Retries that waited for the new map go now.
  std::vector<Request *> waiting;
  waiting.swap(c->after_refresh_);
  for (Request *req : waiting) {
    req->waiting_refresh = false;
    c->arm_retry(req, 0);
  }
}

void Client::on_refresh_timer(evutil_socket_t, short, void *arg) {
  guarded([&] {
    auto *c = static_cast<Client *>(arg);
    c->refresh_timer_armed_ = false;
    c->request_refresh();
    c->flush_dirty();
  });
}

void Client::on_periodic_timer(evutil_socket_t, short, void *arg) {
  guarded([&] {
    auto *c = static_cast<Client *>(arg);
    if (!c->refresh_in_flight_ && !c->closing_.load()) c->start_refresh();
    c->flush_dirty();
  });
}

void Client::watch_lost_primary(Node *node) {
  const bool known =
      std::any_of(lost_primaries_.begin(), lost_primaries_.end(), [&](const Address &a) {
        return a.host == node->address.host && a.port == node->address.port;
      });
  if (!known) {
    try {
      lost_primaries_.push_back(node->address);
    } catch (...) {
      // Without the watch the ordinary (throttled) refresh still repairs the map, only later.
    }
    fast_refreshes_ = 0;
  }
  request_refresh(true);
}

void Client::check_lost_primaries() {
  std::erase_if(lost_primaries_, [&](const Address &a) {
    auto it = nodes_.find(node_name(a));
    if (it == nodes_.end()) return true;  // left the cluster
    Node *n = it->second.get();
    if (std::find(primaries_.begin(), primaries_.end(), n) == primaries_.end())
      return true;                                                   // failed over
    if (n->conn->state() == Connection::State::kReady) return true;  // back
    n->conn->ensure_connecting();  // try it again when its backoff allows
    return false;
  });
  if (lost_primaries_.empty() || fast_refreshes_ >= kMaxFastRefreshes) {
    lost_primaries_.clear();
    fast_refreshes_ = 0;
    return;
  }
  ++fast_refreshes_;
  struct timeval tv = ms_to_timeval(kFastRefreshMs);
  if (fast_refresh_timer_) event_add(fast_refresh_timer_, &tv);
}

void Client::on_fast_refresh_timer(evutil_socket_t, short, void *arg) {
  guarded([&] {
    auto *c = static_cast<Client *>(arg);
    if (c->closing_.load()) return;
    // One in flight already: its end checks the lost primaries again and re-arms this timer.
    if (!c->refresh_in_flight_) c->start_refresh();
    c->flush_dirty();
  });
}

}  // namespace glide
