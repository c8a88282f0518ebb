// The topology (topology.h). Refresh: CLUSTER SLOTS asked of up to three nodes in parallel, the
// most common view wins; one refresh in flight, MOVED-triggered ones throttled, a periodic check,
// and back to the seed addresses when no known node answers. Never blocks the I/O loop: the
// answers arrive as the host's requests like any other.
#include "cluster/topology.h"

#include <algorithm>
#include <string>

#include "util/guard.h"
#include "util/log.h"
#include "util/timeval.h"

namespace glide::cluster {
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

Topology::Topology(const Config &config, NodeEvents &events, TopologyHost &host)
    : config_(config),
      events_(events),
      host_(host),
      lend_allowed_(!config.tls && !config.pubsub_cb) {}

Topology::~Topology() { detach(); }

bool Topology::attach(struct event_base *base, Resolver *resolver) {
  base_ = base;
  resolver_ = resolver;
  refresh_timer_ = evtimer_new(base, &Topology::on_refresh_timer, this);
  fast_refresh_timer_ = evtimer_new(base, &Topology::on_fast_refresh_timer, this);
  sweep_ev_ = evtimer_new(base, &Topology::on_sweep, this);
  return refresh_timer_ && fast_refresh_timer_ && sweep_ev_;
}

void Topology::detach() {
  retired_.clear();
  primaries_.clear();
  replicas_.clear();
  nodes_.clear();
  for (struct event **ev : {&fast_refresh_timer_, &sweep_ev_, &refresh_timer_, &periodic_timer_})
    if (*ev) {
      event_free(*ev);
      *ev = nullptr;
    }
}

// ---------------------------------------------------------------- nodes

std::string Topology::node_name(const Address &a) {
  return normalize_host(a.host) + ":" + std::to_string(a.port);
}

Node *Topology::node_for(const Address &addr) {
  std::string name = node_name(addr);
  auto it = nodes_.find(name);
  if (it != nodes_.end()) return it->second.get();
  auto node = std::make_unique<Node>();
  node->events = &events_;
  node->address = Address{normalize_host(addr.host), addr.port};
  node->name = name;
  node->conn = std::make_unique<Connection>(node.get(), base_, resolver_, config_, node->address,
                                            node->name);
  Node *raw = node.get();
  nodes_.emplace(std::move(name), std::move(node));
  return raw;
}

Connection &Topology::subscriber_conn(Node *n) {
  if (!n->subscriber) {
    n->subscriber_side.node = n;
    n->subscriber = std::make_unique<Connection>(&n->subscriber_side, base_, resolver_, config_,
                                                 n->address, n->name);
    n->subscriber->make_subscriber();
  }
  return *n->subscriber;
}

Node *Topology::redirect_node(const Address &a) {
  if (nodes_.find(node_name(a)) == nodes_.end() && nodes_.size() >= map_nodes_ + kMaxStrayNodes) {
    schedule_sweep();  // idle strays make room for the next redirect
    return nullptr;
  }
  return node_for(a);
}

// ---------------------------------------------------------------- the slot map

Node *Topology::slot_primary(uint16_t slot) {
  if (!config_.cluster) return primaries_.empty() ? nullptr : primaries_[0];
  const uint16_t shard = slots_.slot_shard[slot & (kSlotCount - 1)];
  return shard == SlotMap::kNoShard ? nullptr : primaries_[shard];
}

Node *Topology::replica_of(uint16_t slot) {
  const uint16_t shard = slots_.slot_shard[slot & (kSlotCount - 1)];
  if (shard == SlotMap::kNoShard) return nullptr;
  const std::vector<Node *> &reps = replicas_[shard];
  // Round-robin over the replicas that are connected or may connect now; else the primary.
  for (size_t k = 0; k < reps.size(); ++k) {
    Node *n = reps[replica_rr_++ % reps.size()];
    if (n->conn->ensure_connecting()) return n;
  }
  return primaries_[shard];
}

Node *Topology::random_primary() {
  if (primaries_.empty()) return nullptr;
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return primaries_[rng_ % primaries_.size()];
}

std::vector<Node *> Topology::all_nodes() {
  std::vector<Node *> out = primaries_;
  for (const std::vector<Node *> &reps : replicas_) out.insert(out.end(), reps.begin(), reps.end());
  return out;
}

bool Topology::is_primary(const Node *n) const {
  return std::find(primaries_.begin(), primaries_.end(), n) != primaries_.end();
}

int Topology::shard_of(uint16_t slot) const {
  const uint16_t shard = slots_.slot_shard[slot & (kSlotCount - 1)];
  return shard == SlotMap::kNoShard ? -1 : shard;
}

void Topology::set_standalone(Node *server) {
  primaries_.assign(1, server);
  replicas_.assign(1, {});
  server->in_map = true;
  publish_lend();
}

void Topology::publish_lend() {
  // Only once some caller wants to borrow (the slot array is 32 KB): a client used only
  // asynchronously never makes it. Client::take_returned publishes when lending is first wanted.
  if (!lend_allowed_ || !lend_.wanted()) return;
  lend_published_ = true;
  // Every slot -> its shard (standalone: all to the one server), then each shard's primary.
  for (uint32_t s = 0; s < kSlotCount; ++s) {
    const uint16_t shard = config_.cluster ? slots_.slot_shard[s] : uint16_t{0};
    if (!lend_.publish_slot(static_cast<uint16_t>(s),
                            shard == SlotMap::kNoShard ? LendTable::kNone : shard))
      return;  // out of memory: the fast path stays off
  }
  for (size_t i = 0; i < LendTable::kMaxShards; ++i)
    lend_.publish_shard(i, i < primaries_.size() ? primaries_[i]->conn.get() : nullptr);
  // Only primaries' command connections are lent; a node that is no longer one stops being.
  for (auto &[name, node] : nodes_) {
    const bool lendable = !node->replica && is_primary(node.get());
    node->conn->set_lendable(lendable ? lend_.wanted_flag() : nullptr);
  }
  lend_.publish_done();
}

bool Topology::lend_stop() {
  lend_.close();
  bool done = lend_.readers_gone();
  for (auto &[name, node] : nodes_) {
    node->conn->set_lendable(nullptr);
    done = node->conn->reclaim() && done;
  }
  return done;
}

uint64_t Topology::map_hash(const SlotMap &map) {
  uint64_t h = 0xcbf29ce484222325ull;
  uint16_t prev = SlotMap::kNoShard - 1;
  for (uint32_t s = 0; s < kSlotCount; ++s) {
    const uint16_t shard = map.slot_shard[s];
    if (shard == prev) continue;  // hash each run of slots once
    prev = shard;
    h = fnv(h, &s, sizeof(s));
    if (shard == SlotMap::kNoShard) continue;
    const Shard &sh = map.shards[shard];
    h = fnv(h, sh.primary);
    for (const Address &r : sh.replicas) h = fnv(h, r);
  }
  return h;
}

void Topology::install(SlotMap map) {
  // Everything that allocates first, then a commit that cannot fail: out of memory half-way
  // leaves the old map whole (never shard indexes without their primaries).
  std::vector<Node *> prims;
  std::vector<std::vector<Node *>> reps;
  prims.reserve(map.shards.size());
  reps.reserve(map.shards.size());
  for (const Shard &s : map.shards) {
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
  publish_lend();
  schedule_sweep();
  const uint64_t old_hash = map_hash_;
  map_hash_ = map_hash(slots_);
  map_patched_ = false;
  if (log::enabled(GLIDE_LOG_INFO) && old_hash != map_hash_) {
    size_t replicas = 0;
    for (const auto &r : replicas_) replicas += r.size();
    GLIDE_LOG(GLIDE_LOG_INFO,
              "slot map installed: %zu shard(s), %zu replica(s), %u of 16384 slots "
              "covered, %u node(s) known (%zu kept outside the map)",
              primaries_.size(), replicas, slots_.covered, map_nodes_, nodes_.size() - map_nodes_);
  }
}

void Topology::patch_slot(uint16_t slot, Node *owner) {
  size_t idx = 0;
  while (idx < primaries_.size() && primaries_[idx] != owner) ++idx;
  if (idx == primaries_.size()) {
    if (idx >= SlotMap::kNoShard) return;
    // Room in all three first, so they grow together or not at all.
    slots_.shards.reserve(idx + 1);
    primaries_.reserve(idx + 1);
    replicas_.reserve(idx + 1);
    slots_.shards.push_back(Shard{owner->address, {}});
    primaries_.push_back(owner);
    replicas_.emplace_back();
    owner->replica = false;
    owner->in_map = true;
  }
  map_patched_ = true;  // map_hash_ no longer describes slots_: the next refresh must install
  uint16_t &cur = slots_.slot_shard[slot & (kSlotCount - 1)];
  if (cur == SlotMap::kNoShard) ++slots_.covered;
  cur = static_cast<uint16_t>(idx);
  if (lend_published_) {
    lend_.publish_shard(idx, owner->conn.get());
    owner->conn->set_lendable(lend_.wanted_flag());
    lend_.publish_slot(slot, static_cast<uint16_t>(idx));
  }
}

void Topology::discovered() {
  discovered_ = true;
  last_refresh_ms_ = host_.now_ms();
  if (config_.topology_refresh_ms) {
    periodic_timer_ = event_new(base_, -1, EV_PERSIST, &Topology::on_periodic_timer, this);
    struct timeval tv = ms_to_timeval(config_.topology_refresh_ms);
    if (periodic_timer_) event_add(periodic_timer_, &tv);
  }
}

// ---------------------------------------------------------------- retirement

void Topology::retire_stray_nodes() {
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    Node *n = it->second.get();
    if (!n->in_map) {
      n->conn->close_if_idle();
      // Pub/sub has moved its channels away from a node outside the map (or will once this
      // closes): nothing of its subscriber connection is owed to a request.
      if (n->subscriber) n->subscriber->close_if_idle();
    }
    if (n->in_map || n->conn->state() != Connection::State::kDisconnected || n->conn->dirty ||
        (n->subscriber &&
         (n->subscriber->state() != Connection::State::kDisconnected || n->subscriber->dirty))) {
      ++it;
      continue;
    }
    // Requests begun so far may hold this node (a route, a fan-out part, a retry): it is freed
    // once they have all completed.
    retired_.push_back(Retired{host_.next_request_seq(), std::move(it->second)});
    it = nodes_.erase(it);
  }
  free_retired();
}

void Topology::free_retired() {
  // A caller may be between reading the lend table and its borrow try: nothing is freed under
  // it (the next sweep frees it; retired nodes are out of the table since the install).
  if (!lend_.readers_gone()) return;
  const uint64_t oldest = host_.oldest_live_request_seq();
  std::erase_if(retired_, [&](Retired &r) {
    Connection *conn = r.node->conn.get();
    conn->close_if_idle();  // an old request may have used it again meanwhile
    Connection *sub = r.node->subscriber.get();
    if (sub) sub->close_if_idle();
    return r.after_seq <= oldest && conn->state() == Connection::State::kDisconnected &&
           !conn->dirty &&
           (!sub || (sub->state() == Connection::State::kDisconnected && !sub->dirty));
  });
}

void Topology::schedule_sweep() {
  // Never inline: a connection's own event handler may be on the stack (a reply delivered, a
  // refresh finished), so nodes are retired and freed from a callback of their own.
  if (sweep_ev_) event_active(sweep_ev_, EV_TIMEOUT, 0);
}

void Topology::on_sweep(evutil_socket_t, short, void *arg) {
  guarded([&] { static_cast<Topology *>(arg)->retire_stray_nodes(); });
}

// ---------------------------------------------------------------- refresh

void Topology::request_refresh(bool urgent) {
  try {
    refresh_now_or_later(urgent);
  } catch (...) {
    // Out of memory: no refresh now; the next trigger (MOVED, loss, timer) asks again.
  }
}

void Topology::refresh_now_or_later(bool urgent) {
  if (!config_.cluster || !discovered_ || host_.closing()) return;
  if (refresh_in_flight_) {
    refresh_again_ = true;
    return;
  }
  const uint64_t now = host_.now_ms();
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

void Topology::start_refresh() {
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
    if (Request *req = host_.make_slots_request(n->address)) reqs.push_back(req);
  if (reqs.empty()) return;
  // Counted before any starts: an answer may come (fail) at once, inside begin().
  refresh_in_flight_ = true;
  refreshes_started_.store(refreshes_started_.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);  // written by the I/O thread only
  GLIDE_LOG(GLIDE_LOG_DEBUG, "refreshing the slot map from %zu node(s)%s", reqs.size(),
            refresh_from_seeds_ ? " (the seed addresses)" : "");
  last_refresh_ms_ = host_.now_ms();
  refresh_views_.clear();
  refresh_waiting_ = static_cast<uint32_t>(reqs.size());
  for (Request *req : reqs) host_.begin(req);
}

void Topology::on_slots_answer(const Address &asked, const glide_value *root) {
  if (!host_.closing() && root->type != GLIDE_VALUE_ERROR) {
    try {
      SlotMap map;
      std::string error;
      if (parse_cluster_slots(root, asked, &map, &error)) {
        const uint64_t h = map_hash(map);
        refresh_views_.emplace_back(h, std::move(map));
      }
    } catch (...) {
      // out of memory: this view does not count
    }
  }
  if (--refresh_waiting_ > 0) return;
  refresh_in_flight_ = false;
  if (host_.closing()) return;
  finish_refresh();
}

void Topology::finish_refresh() {
  if (refresh_views_.empty()) {
    refresh_from_seeds_ = true;  // nobody we know answered: ask the seeds next time
  } else {
    refresh_from_seeds_ = false;
    size_t best = 0, best_votes = 0;
    for (size_t i = 0; i < refresh_views_.size(); ++i) {
      size_t votes = 0;
      for (const auto &v : refresh_views_) votes += v.first == refresh_views_[i].first;
      if (votes > best_votes) {
        best = i;
        best_votes = votes;
      }
    }
    // A map patched by MOVED is always replaced: a redirect to an address that then proved dead
    // must never outlive the refresh that brings the right owner back.
    if (refresh_views_[best].first != map_hash_ || map_patched_) {
      try {
        install(std::move(refresh_views_[best].second));
      } catch (...) {
        refresh_again_ = true;  // out of memory: the old map stays; ask again
      }
    }
    refresh_views_.clear();
  }
  if (!retired_.empty()) schedule_sweep();
  check_lost_primaries();
  if (refresh_again_) {
    refresh_again_ = false;
    request_refresh();
  }
  host_.refresh_finished();
}

void Topology::on_refresh_timer(evutil_socket_t, short, void *arg) {
  guarded([&] {
    auto *t = static_cast<Topology *>(arg);
    t->refresh_timer_armed_ = false;
    t->request_refresh();
    t->host_.flush_dirty();
  });
}

void Topology::on_periodic_timer(evutil_socket_t, short, void *arg) {
  guarded([&] {
    auto *t = static_cast<Topology *>(arg);
    if (!t->refresh_in_flight_ && !t->host_.closing()) t->start_refresh();
    t->host_.flush_dirty();
  });
}

void Topology::on_connection_failed(Node *node) {
  if (!config_.cluster || !discovered_ || host_.closing()) return;
  if (is_primary(node))
    watch_lost_primary(node);
  else
    request_refresh();
}

void Topology::watch_lost_primary(Node *node) {
  const bool known =
      std::any_of(lost_primaries_.begin(), lost_primaries_.end(), [&](const Address &a) {
        return a.host == node->address.host && a.port == node->address.port;
      });
  if (!known) {
    GLIDE_LOG(GLIDE_LOG_WARN,
              "primary %s lost: asking for the slot map every %u ms until its slots "
              "have a reachable owner",
              node->name.c_str(), kFastRefreshMs);
    try {
      lost_primaries_.push_back(node->address);
    } catch (...) {
      // Without the watch the ordinary (throttled) refresh still repairs the map, only later.
    }
    fast_refreshes_ = 0;
  }
  request_refresh(true);
}

void Topology::check_lost_primaries() {
  std::erase_if(lost_primaries_, [&](const Address &a) {
    auto it = nodes_.find(node_name(a));
    if (it == nodes_.end()) return true;  // left the cluster
    Node *n = it->second.get();
    if (!is_primary(n)) return true;                                 // failed over
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

void Topology::on_fast_refresh_timer(evutil_socket_t, short, void *arg) {
  guarded([&] {
    auto *t = static_cast<Topology *>(arg);
    if (t->host_.closing()) return;
    // One in flight already: its end checks the lost primaries again and re-arms this timer.
    if (!t->refresh_in_flight_) t->start_refresh();
    t->host_.flush_dirty();
  });
}

}  // namespace glide::cluster
