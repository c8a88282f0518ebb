// The planner: a pure function from a batch (its route and the cluster's shape) to the steps that
// run it: which node gets which command bytes for which reply slot, which commands are split per
// slot or fanned out to several nodes (and how their parts are put back together), and which
// fail before anything is sent (CROSSSLOT, no node for a slot). It opens no socket and waits for
// nothing: the cluster is asked through ClusterView and the steps go to a PlanSink, in batch
// order. The client's sink sends each step at once (no plan is stored: a 100,000-command batch
// costs no memory here); the unit tests' sink records them (tests/unit/test_planner.cpp).
// The routing rules are docs/ROUTING.md's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_table.h"
#include "exec/batch.h"
#include "glide_c.h"

namespace glide {

struct Node;  // opaque here: the view hands nodes out, the sink takes them back

namespace plan {

// What the planner asks of the cluster's current shape. Answers only; whatever an answer costs
// (starting a connection to a replica, making a node for an address) is the view's business.
class ClusterView {
 public:
  virtual Node *primary(uint16_t slot) = 0;  // nullptr: nobody serves the slot
  // A node to read the slot from: a replica that can take requests now, else the primary.
  virtual Node *replica(uint16_t slot) = 0;
  virtual Node *random_primary() = 0;  // nullptr: no node known
  virtual const std::vector<Node *> &primaries() = 0;
  virtual std::vector<Node *> all_nodes() = 0;
  virtual Node *at_address(const std::string &host, uint16_t port) = 0;

 protected:
  ~ClusterView() = default;
};

// Where the steps go. A step returning false stops the planning (the request completed early,
// e.g. the client is closing); reject() is final for its element or part.
class PlanSink {
 public:
  virtual bool send(Node *node, uint32_t index, uint16_t part, std::string_view bytes) = 0;
  virtual bool reject(uint32_t index, uint16_t part, glide_error_kind kind,
                      std::string_view message) = 0;
  // Element `index` goes out in `parts` parts (multi_slot: one per slot, the keys regrouped;
  // else the whole command to each node). False: no memory for it (the planner rejects the
  // element instead).
  virtual bool split(uint32_t index, uint32_t parts, bool multi_slot,
                     commands::ResponsePolicy policy, uint32_t total_keys) = 0;
  // Part j of a split, before its send: its node (nullptr when nobody serves its slot), its
  // slot (-1 for a fan-out) and, multi-slot, which of the command's keys (by ordinal) it carries
  // and its own command bytes, which the sink keeps for re-sending the part alone. False: no
  // memory for it (the planner rejects the part instead of sending it).
  virtual bool part(uint32_t index, uint16_t j, Node *node, int32_t slot, const uint32_t *keys,
                    uint32_t nkeys, std::string_view bytes) = 0;
  // Atomic batches: MULTI, the commands, EXEC, all to `node`.
  virtual bool transaction(Node *node) = 0;

 protected:
  ~PlanSink() = default;
};

struct Route {
  glide_route_kind kind = GLIDE_ROUTE_NONE;
  int32_t slot = -1;  // SLOT_KEY / SLOT_ID
  std::string host;   // ADDRESS
  uint16_t port = 0;
  bool replica = false;  // SLOT_*: a replica of the slot instead of its primary
};

struct Options {
  bool cluster = true;
  bool prefer_replica = false;  // read-only commands go to replicas
};

// The node every command of the batch goes to when a route (or standalone mode) says so;
// nullptr with *why empty when the commands are routed one by one, with *why set when the
// route names no node.
Node *route_node(const Route &route, const Options &opt, ClusterView &view, std::string *why);

// A read-only command (and not a write): a replica may serve it.
bool is_read_only(const commands::Command *info);

class Planner {
 public:
  Planner(ClusterView &view, const Options &opt) : view_(view), opt_(opt) {}
  // Non-atomic: every command of `b` in order; `forced` (from route_node) takes them all.
  void plan_batch(const Batch &b, Node *forced, PlanSink &sink);
  bool plan_command(const Batch &b, uint32_t index, Node *forced, PlanSink &sink);
  // Atomic: the node owning the batch's slot (or the route's), or CROSSSLOT / no node.
  void plan_atomic(const Batch &b, const Route &route, PlanSink &sink);
  // route_node with this planner's view and options.
  Node *forced_node(const Route &route, std::string *why) {
    return route_node(route, opt_, view_, why);
  }
  // The node a transaction goes to; nullptr (with *why set when the route says why) when none.
  Node *transaction_node(const Batch &b, const Route &route, std::string *why);
  // The node for a keyed command: a replica for reads when replicas are preferred.
  Node *slot_node(uint16_t slot, const commands::Command *info);

 private:
  bool plan_split(const Batch &b, uint32_t index, PlanSink &sink);
  bool plan_fanout(const Batch &b, uint32_t index, const std::vector<Node *> &targets,
                   PlanSink &sink);

  ClusterView &view_;
  Options opt_;
  // Reused between commands: a split's arguments and its parts' bytes.
  std::vector<std::string_view> args_, sub_;
  std::string encoded_;
};

}  // namespace plan
}  // namespace glide
