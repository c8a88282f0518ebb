// One node of the cluster with its connection, and what it passes on from that connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"
#include "net/connection.h"
#include "net/connection_owner.h"

namespace glide {

struct Node;

// Whoever runs requests over the nodes (the client): a node's connection reports through its
// node, which names itself.
class NodeEvents {
 public:
  virtual ReplyTarget reply_target(const ReplyTag &tag) = 0;
  virtual void reply_abandoned(const ReplyTag &tag) = 0;
  virtual void on_reply(Node *from, const ReplyTag &tag, glide_value *v, bool in_target) = 0;
  virtual void on_reply_lost(const ReplyTag &tag, glide_error_kind kind,
                             const std::string &message) = 0;
  // A RESP3 push from the node's connection, valid during the call; false: dropped.
  virtual bool on_push(Node *from, glide_value *push) = 0;
  virtual void on_connection_failed(Node *node) = 0;
  virtual void on_node_ready(Node *node) = 0;
  virtual void on_node_down(Node *node) = 0;
  // The node's RESP2 subscriber connection (Node::subscriber) became ready / closed.
  virtual void on_subscriber_ready(Node *node) = 0;
  virtual void on_subscriber_down(Node *node) = 0;
  virtual void mark_dirty(Connection *c) = 0;
  virtual void flush_dirty() = 0;
  virtual uint64_t now_ms() const = 0;

 protected:
  ~NodeEvents() = default;
};

// RESP2 allows nothing but (un)subscribe commands and PING on a subscribed connection, so pub/sub
// over RESP2 gets a dedicated connection per node (exec/pubsub.h), made on first use by
// Topology::subscriber_conn. It reports to the node's events as the pub/sub side: its tags are
// all pub/sub fences, its pushes are messages and confirmations.
struct SubscriberSide final : ConnectionOwner {
  Node *node = nullptr;
  bool was_ready = false;  // the next ready is a reconnect
  ReplyTarget reply_target(const ReplyTag &tag) override;
  void reply_abandoned(const ReplyTag &tag) override;
  void on_reply(const ReplyTag &tag, glide_value *v, bool in_target) override;
  void on_lost(const ReplyTag &tag, glide_error_kind kind, const std::string &message) override;
  bool on_push(glide_value *push) override;
  void on_failed() override {}  // the node's command connection speaks for the node's health
  void on_ready() override;
  void on_down() override;
  void on_queued(Connection *c) override;
  void after_event() override;
  bool read_only() const override { return false; }  // subscriptions live on primaries
  uint64_t now_ms() const override;
};

struct Node final : ConnectionOwner {
  NodeEvents *events = nullptr;
  Address address;         // host normalised (cluster::normalize_host)
  std::string name;        // "host:port", as the per-node maps show it
  bool replica = false;    // a replica in the current slot map: its connection sends READONLY
  bool in_map = false;     // in the current slot map (else its idle connection is closed)
  bool was_ready = false;  // its connection has been ready before (the next ready is a reconnect)
  std::unique_ptr<Connection> conn;
  SubscriberSide subscriber_side;          // before subscriber: it outlives the connection
  std::unique_ptr<Connection> subscriber;  // RESP2 pub/sub only; null until first used

  ReplyTarget reply_target(const ReplyTag &tag) override { return events->reply_target(tag); }
  void reply_abandoned(const ReplyTag &tag) override { events->reply_abandoned(tag); }
  void on_reply(const ReplyTag &tag, glide_value *v, bool in_target) override {
    events->on_reply(this, tag, v, in_target);
  }
  void on_lost(const ReplyTag &tag, glide_error_kind kind, const std::string &message) override {
    events->on_reply_lost(tag, kind, message);
  }
  bool on_push(glide_value *push) override { return events->on_push(this, push); }
  void on_failed() override { events->on_connection_failed(this); }
  void on_ready() override { events->on_node_ready(this); }
  void on_down() override { events->on_node_down(this); }
  void on_queued(Connection *c) override { events->mark_dirty(c); }
  void after_event() override { events->flush_dirty(); }
  bool read_only() const override { return replica; }
  uint64_t now_ms() const override { return events->now_ms(); }
};

}  // namespace glide

namespace glide {

inline ReplyTarget SubscriberSide::reply_target(const ReplyTag &tag) {
  return node->events->reply_target(tag);
}
inline void SubscriberSide::reply_abandoned(const ReplyTag &tag) {
  node->events->reply_abandoned(tag);
}
inline void SubscriberSide::on_reply(const ReplyTag &tag, glide_value *v, bool in_target) {
  node->events->on_reply(node, tag, v, in_target);
}
inline void SubscriberSide::on_lost(const ReplyTag &tag, glide_error_kind kind,
                                    const std::string &message) {
  node->events->on_reply_lost(tag, kind, message);
}
inline bool SubscriberSide::on_push(glide_value *push) { return node->events->on_push(node, push); }
inline void SubscriberSide::on_ready() { node->events->on_subscriber_ready(node); }
inline void SubscriberSide::on_down() { node->events->on_subscriber_down(node); }
inline void SubscriberSide::on_queued(Connection *c) { node->events->mark_dirty(c); }
inline void SubscriberSide::after_event() { node->events->flush_dirty(); }
inline uint64_t SubscriberSide::now_ms() const { return node->events->now_ms(); }

}  // namespace glide
