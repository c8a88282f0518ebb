#include "exec/pubsub.h"

#include <algorithm>
#include <utility>

#include "cluster/slot.h"
#include "resp/encoder.h"
#include "util/guard.h"
#include "util/log.h"
#include "util/timeval.h"
#include "value/types.h"

namespace glide {
namespace {
constexpr uint32_t kTickMs = 100;    // while anything is not in place
constexpr uint32_t kRetryMs = 200;   // after an error reply to a subscribe
constexpr uint32_t kAvoidMs = 3000;  // how long a node that dropped a channel is not asked again
constexpr uint32_t kRefreshAskMs = 200;
constexpr size_t kMaxPerCommand = 1000;

const char *const kSubscribe[3] = {"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"};
const char *const kUnsubscribe[3] = {"UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"};

bool is_str(const glide_value &v) {
  return v.type == GLIDE_VALUE_BULK_STRING || v.type == GLIDE_VALUE_SIMPLE_STRING;
}
std::string_view str(const glide_value &v) {
  return std::string_view(v.u.string.ptr, v.u.string.len);
}

std::string key_of(int kind, std::string_view channel) {
  std::string k;
  k.reserve(channel.size() + 1);
  k += static_cast<char>('0' + kind);
  k.append(channel);
  return k;
}
}  // namespace

PubSub::PubSub(const Config &config, cluster::Topology &topology, NodeEvents &events,
               PubSubSink &sink)
    : config_(config),
      topology_(topology),
      events_(events),
      sink_(sink),
      dedicated_(config.protocol == 2) {
  marker_.internal = true;
  marker_.completed = true;  // never live, never delivered: only its address is used
}

PubSub::~PubSub() { detach(); }

bool PubSub::attach(struct event_base *base) {
  base_ = base;
  timer_ = evtimer_new(base, &PubSub::on_timer, this);
  return timer_ != nullptr;
}

void PubSub::detach() {
  if (timer_) event_free(timer_);
  timer_ = nullptr;
  timer_armed_ = false;
}

void PubSub::schedule(uint32_t delay_ms) {
  if (!timer_ || !started_) return;
  const uint64_t due = events_.now_ms() + delay_ms;
  if (timer_armed_ && timer_due_ms_ <= due) return;
  struct timeval tv = ms_to_timeval(delay_ms);
  event_add(timer_, &tv);
  timer_armed_ = true;
  timer_due_ms_ = due;
}

void PubSub::on_timer(evutil_socket_t, short, void *arg) {
  auto *p = static_cast<PubSub *>(arg);
  p->timer_armed_ = false;
  bool ok = false;
  guarded([&] {
    p->reconcile();
    p->check_changes();
    p->events_.flush_dirty();
    ok = true;
  });
  if (!ok || p->anything_pending()) p->schedule(ok ? kTickMs : 10);
}

// ---------------------------------------------------------------- targets

Connection &PubSub::conn_of(Node *n) {
  return dedicated_ ? topology_.subscriber_conn(n) : *n->conn;
}

Node *PubSub::classic_node() {
  const std::vector<Node *> &prim = topology_.primaries();
  if (prim.empty()) return nullptr;
  const bool known = classic_ && std::find(prim.begin(), prim.end(), classic_) != prim.end();
  if (known && conn_of(classic_).ensure_connecting()) return classic_;
  for (Node *n : prim) {
    if (conn_of(n).ensure_connecting()) {
      classic_ = n;
      return n;
    }
  }
  if (!known) classic_ = prim[0];
  return classic_;
}

Node *PubSub::target_for(int kind, const std::string &channel) {
  if (kind == GLIDE_PUBSUB_SHARDED)
    return topology_.slot_primary(cluster::key_slot(channel.data(), channel.size()));
  return classic_node();
}

// ---------------------------------------------------------------- reconcile

void PubSub::reconcile() {
  if (!started_) return;
  struct Group {
    Node *node;
    int kind;
    int slot;
    bool subscribe;
    std::vector<Map::iterator> subs;
  };
  std::vector<Group> groups;
  auto add = [&](Node *node, int kind, bool subscribe, Map::iterator it) {
    const int slot =
        kind == GLIDE_PUBSUB_SHARDED ? cluster::key_slot(it->first.data(), it->first.size()) : -1;
    for (Group &g : groups) {
      if (g.node == node && g.kind == kind && g.slot == slot && g.subscribe == subscribe &&
          g.subs.size() < kMaxPerCommand) {
        g.subs.push_back(it);
        return;
      }
    }
    groups.push_back(Group{node, kind, slot, subscribe, {it}});
  };
  const uint64_t now = events_.now_ms();
  for (int kind = 0; kind < 3; ++kind) {
    Map &m = subs(kind);
    for (auto it = m.begin(); it != m.end();) {
      Sub &s = it->second;
      if (!s.wanted) {
        if (!s.at) {
          it = m.erase(it);
          continue;
        }
        if (s.unsub_inflight == 0) add(s.at, kind, false, it);
        ++it;
        continue;
      }
      Node *t = target_for(kind, it->first);
      if (s.at && s.at != t) {
        // Moved (slot map, another classic node): leave the old node; messages from it are no
        // longer delivered (only `at` delivers).
        GLIDE_LOG(GLIDE_LOG_DEBUG, "pub/sub: moving a %s subscription from %s to %s",
                  kSubscribe[kind], s.at->name.c_str(), t ? t->name.c_str() : "(no node)");
        if (s.unsub_inflight == 0) add(s.at, kind, false, it);
        s.at = nullptr;
        s.confirmed = false;
        s.unsub_inflight = 0;
      }
      if (s.at || !t || now < s.retry_at_ms) {
        ++it;
        continue;
      }
      if (t == s.avoid && now < s.avoid_until_ms) {
        // The map still names the node that dropped the channel: it is stale (a failover or a
        // slot move not seen yet). Ask again, a few times a second, until it names the new owner.
        if (now >= last_refresh_ask_ms_ + kRefreshAskMs) {
          last_refresh_ask_ms_ = now;
          topology_.request_refresh(true);
        }
        ++it;
        continue;
      }
      s.avoid = nullptr;
      Connection &tc = conn_of(t);
      if (tc.state() != Connection::State::kReady) {
        tc.ensure_connecting();  // ready -> on_node_ready / on_subscriber_ready -> here again
      } else if (dedicated_ || tc.protocol() == 3) {
        add(t, kind, true, it);
      }
      ++it;
    }
  }
  for (Group &g : groups) {
    std::vector<std::string> channels;
    channels.reserve(g.subs.size());
    for (Map::iterator it : g.subs) channels.push_back(it->first);
    write(g.node, g.kind, g.subscribe, std::move(channels));
    for (Map::iterator it : g.subs) {
      Sub &s = it->second;
      if (g.subscribe) {
        s.at = g.node;
        s.confirmed = false;
      } else if (s.at == g.node) {
        ++s.unsub_inflight;
      }
    }
  }
}

void PubSub::write(Node *node, int kind, bool subscribe, std::vector<std::string> channels) {
  std::vector<std::string_view> args;
  args.reserve(channels.size() + 1);
  args.push_back(subscribe ? kSubscribe[kind] : kUnsubscribe[kind]);
  for (const std::string &c : channels) args.push_back(c);
  std::string bytes;
  resp::encode_command(bytes, args.data(), args.size());
  static const std::string_view kPing[1] = {"PING"};
  std::string ping;
  resp::encode_command(ping, kPing, 1);
  uint32_t id = next_fence_++;
  if (id == kDropIndex) id = next_fence_++;
  GLIDE_LOG(GLIDE_LOG_DEBUG, "pub/sub: %s of %zu channel(s) to %s", args[0].data(), channels.size(),
            node->name.c_str());
  Connection &c = conn_of(node);
  fences_.emplace(id, Fenced{node, &c, static_cast<uint8_t>(kind), subscribe, std::move(channels)});
  // No tag for the command itself (its confirmations are pushes); the PING behind it carries
  // ours. Room first, so command and fence are queued together or not at all.
  try {
    c.reserve(bytes.size() + ping.size(), 1);
  } catch (...) {
    fences_.erase(id);
    throw;
  }
  c.out(&marker_).append(bytes);
  c.send(ping, ReplyTag{&marker_, id, 0, 0});
}

// ---------------------------------------------------------------- what the nodes say

void PubSub::on_fence_reply(Node *from, const ReplyTag &tag, glide_value *v) {
  if (tag.index == kDropIndex) return;  // the +PONG behind an error
  auto f = fences_.find(tag.index);
  if (f == fences_.end()) return;
  const Fenced fenced = std::move(f->second);
  fences_.erase(f);
  if (v->type != GLIDE_VALUE_ERROR) return;  // +PONG (["pong", ""]): the command was taken
  try {
    handle_fence_reply(from, fenced, v);
  } catch (...) {
    // Out of memory: the connection's tag order can no longer be trusted.
    fenced.conn->fail(GLIDE_ERR_OUT_OF_MEMORY, "out of memory reading a pub/sub answer");
  }
}

void PubSub::handle_fence_reply(Node *from, const Fenced &fenced, glide_value *v) {
  // The command's own error; its fence's +PONG comes next.
  fenced.conn->expect_next(ReplyTag{&marker_, kDropIndex, 0, 0});
  const std::string_view err = value::string_of(*v);
  GLIDE_LOG(GLIDE_LOG_WARN, "pub/sub: %s on %s failed: %.*s",
            fenced.subscribe ? kSubscribe[fenced.kind] : kUnsubscribe[fenced.kind],
            from->name.c_str(), static_cast<int>(std::min<size_t>(err.size(), 200)), err.data());
  // Redirects and a cluster in flux pass: the channels go again (after a refresh). Anything
  // else (NOPERM, CROSSSLOT) is the server's answer for good: those channels leave the wanted
  // set and the changes waiting for them fail with it.
  const bool redirect = value::is_error_with(*v, "MOVED") || value::is_error_with(*v, "ASK") ||
                        value::is_error_with(*v, "CLUSTERDOWN");
  const bool transient = redirect || value::is_error_with(*v, "TRYAGAIN") ||
                         value::is_error_with(*v, "LOADING") ||
                         value::is_error_with(*v, "MASTERDOWN");
  Map &m = subs_[fenced.kind];
  std::vector<std::string> refused;
  for (const std::string &ch : fenced.channels) {
    auto it = m.find(ch);
    if (it == m.end() || it->second.at != from) continue;
    if (!fenced.subscribe) {
      sub_gone(fenced.kind, it);
    } else if (transient) {
      it->second.at = nullptr;
      it->second.confirmed = false;
      it->second.unsub_inflight = 0;
      it->second.retry_at_ms = events_.now_ms() + kRetryMs;
    } else {
      refused.push_back(key_of(fenced.kind, ch));
      m.erase(it);
    }
  }
  if (redirect) topology_.request_refresh(true);
  schedule(kRetryMs);
  if (!refused.empty()) fail_changes(refused, err);
  check_changes();
}

void PubSub::fail_changes(const std::vector<std::string> &refused, std::string_view error) {
  std::vector<PubSubChange *> failed;
  std::erase_if(changes_, [&](PubSubChange *c) {
    if (!c->subscribe) return false;
    for (const std::string &k : c->keys) {
      if (std::find(refused.begin(), refused.end(), k) != refused.end()) {
        failed.push_back(c);
        return true;
      }
    }
    return false;
  });
  for (PubSubChange *c : failed) {
    try {
      c->error.assign(error);
    } catch (...) {
    }
    c->done(c, GLIDE_ERR_SERVER);
  }
}

void PubSub::on_fence_lost(const ReplyTag &tag) { fences_.erase(tag.index); }

void PubSub::sub_gone(int kind, Map::iterator it) {
  Sub &s = it->second;
  if (s.unsub_inflight > 0 && --s.unsub_inflight > 0) return;
  if (!s.wanted) {
    subs(kind).erase(it);
    return;
  }
  s.at = nullptr;  // to be subscribed again, wherever its target is now
  s.confirmed = false;
  schedule(0);
}

bool PubSub::on_push(Node *from, glide_value *push) {
  if (!enabled() || push->u.aggregate.len < 3) return false;
  const glide_value *it = push->u.aggregate.items;
  const size_t n = push->u.aggregate.len;
  if (!is_str(it[0])) return false;
  const std::string_view name = str(it[0]);
  auto deliver = [&](int kind, const glide_value &key, const glide_value *pattern,
                     const glide_value &channel, const glide_value &payload) {
    if (!is_str(key) || !is_str(channel) || !is_str(payload)) return;
    auto e = subs(kind).find(str(key));
    if (e == subs(kind).end() || !e->second.wanted || e->second.at != from) return;
    glide_pubsub_message m{};
    m.kind = static_cast<glide_pubsub_kind>(kind);
    m.channel = channel.u.string.ptr;
    m.channel_len = channel.u.string.len;
    if (pattern) {
      m.pattern = pattern->u.string.ptr;
      m.pattern_len = pattern->u.string.len;
    }
    m.payload = payload.u.string.ptr;
    m.payload_len = payload.u.string.len;
    sink_.deliver_message(m);
  };
  if (name == "message" && n == 3) {
    deliver(GLIDE_PUBSUB_EXACT, it[1], nullptr, it[1], it[2]);
    return true;
  }
  if (name == "pmessage" && n == 4) {
    deliver(GLIDE_PUBSUB_PATTERN, it[1], &it[1], it[2], it[3]);
    return true;
  }
  if (name == "smessage" && n == 3) {
    deliver(GLIDE_PUBSUB_SHARDED, it[1], nullptr, it[1], it[2]);
    return true;
  }
  static const std::string_view kSubName[3] = {"subscribe", "psubscribe", "ssubscribe"};
  static const std::string_view kUnsubName[3] = {"unsubscribe", "punsubscribe", "sunsubscribe"};
  for (int kind = 0; kind < 3; ++kind) {
    const bool confirm = name == kSubName[kind];
    if (!confirm && name != kUnsubName[kind]) continue;
    if (!is_str(it[1])) return true;  // unsubscribe-all with nothing subscribed: channel nil
    auto e = subs(kind).find(str(it[1]));
    if (e == subs(kind).end() || e->second.at != from) return true;  // an old node's echo
    Sub &s = e->second;
    if (confirm) {
      if (s.wanted && s.unsub_inflight == 0) s.confirmed = true;
    } else {
      const bool unasked = s.unsub_inflight == 0 && s.wanted;
      if (unasked) {
        // The server dropped it (a sharded channel's slot left the node): ask for the new map;
        // the channel goes to its new owner once it is in.
        GLIDE_LOG(GLIDE_LOG_INFO, "pub/sub: %s dropped a %s subscription; resubscribing",
                  from->name.c_str(), kSubscribe[kind]);
        if (kind == GLIDE_PUBSUB_SHARDED) {
          s.avoid = from;
          s.avoid_until_ms = events_.now_ms() + kAvoidMs;
          last_refresh_ask_ms_ = events_.now_ms();
          topology_.request_refresh(true);
        }
      }
      sub_gone(kind, e);
    }
    check_changes();
    return true;
  }
  return false;
}

void PubSub::on_node_ready(Node *) { schedule(0); }

void PubSub::on_subscriber_ready(Node *) { schedule(0); }

void PubSub::on_node_down(Node *node) {
  if (!dedicated_) lost_at(node);
}

void PubSub::on_subscriber_down(Node *node) {
  if (dedicated_) lost_at(node);
}

void PubSub::lost_at(Node *node) {
  bool any = false;
  for (Map &m : subs_) {
    for (auto e = m.begin(); e != m.end();) {
      Sub &s = e->second;
      if (s.at != node) {
        ++e;
        continue;
      }
      any = true;
      if (!s.wanted) {
        e = m.erase(e);  // the server forgot it with the connection
        continue;
      }
      s.at = nullptr;
      s.confirmed = false;
      s.unsub_inflight = 0;
      ++e;
    }
  }
  if (any) {
    GLIDE_LOG(GLIDE_LOG_DEBUG, "pub/sub: subscriptions on %s lost with its connection",
              node->name.c_str());
    schedule(0);
  }
}

void PubSub::map_changed() { schedule(0); }

// ---------------------------------------------------------------- changes

void PubSub::start(PubSubChange *initial) {
  started_ = true;
  for (const auto &[kind, channel] : config_.subscriptions) {
    subs(kind).try_emplace(channel);
    initial->keys.push_back(key_of(kind, channel));
  }
  initial->subscribe = true;
  initial->deadline_ms = events_.now_ms() + initial->timeout_ms;
  if (change_done(initial)) {
    initial->done(initial, GLIDE_OK);
    return;
  }
  changes_.push_back(initial);
  schedule(0);
}

void PubSub::change(PubSubChange *c) {
  Map &m = subs_[c->kind];
  c->keys.clear();
  if (c->all) {
    for (auto &[channel, s] : m) c->keys.push_back(key_of(c->kind, channel));
  } else {
    for (const std::string &ch : c->channels) c->keys.push_back(key_of(c->kind, ch));
  }
  if (c->subscribe) {
    for (const std::string &ch : c->channels) {
      Sub &s = m[ch];
      if (!s.wanted) {
        s.wanted = true;
        s.confirmed = false;  // still leaving: subscribed again once the unsubscribe is confirmed
      }
    }
  } else {
    for (const std::string &k : c->keys) {
      auto e = m.find(std::string_view(k).substr(1));
      if (e == m.end()) continue;
      e->second.wanted = false;
      e->second.confirmed = false;
      if (!e->second.at) m.erase(e);
    }
  }
  c->deadline_ms = events_.now_ms() + c->timeout_ms;
  if (change_done(c)) {
    c->done(c, GLIDE_OK);
    return;
  }
  changes_.push_back(c);
  schedule(0);
}

bool PubSub::change_done(const PubSubChange *c) const {
  for (const std::string &k : c->keys) {
    const Map &m = subs_[static_cast<size_t>(k[0] - '0')];
    auto e = m.find(std::string_view(k).substr(1));
    if (c->subscribe) {
      if (e == m.end() || !e->second.wanted || !e->second.confirmed) return false;
    } else if (e != m.end()) {
      return false;
    }
  }
  return true;
}

void PubSub::check_changes() {
  if (changes_.empty()) return;
  const uint64_t now = events_.now_ms();
  // done() may wake a caller that frees its change: taken out of the list first.
  std::vector<std::pair<PubSubChange *, glide_status>> finished;
  std::erase_if(changes_, [&](PubSubChange *c) {
    if (change_done(c)) {
      finished.emplace_back(c, GLIDE_OK);
      return true;
    }
    if (now >= c->deadline_ms) {
      finished.emplace_back(c, GLIDE_ERR_TIMEOUT);
      return true;
    }
    return false;
  });
  for (auto &[c, st] : finished) c->done(c, st);
}

bool PubSub::anything_pending() const {
  if (!changes_.empty()) return true;
  for (const Map &m : subs_)
    for (const auto &[channel, s] : m)
      if (!s.wanted || !s.confirmed) return true;
  return false;
}

void PubSub::shutdown() {
  std::vector<PubSubChange *> waiting;
  waiting.swap(changes_);
  for (PubSubChange *c : waiting) c->done(c, GLIDE_ERR_CLOSING);
}

}  // namespace glide
