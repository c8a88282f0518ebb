// The planner (see planner.h). Non-atomic: each command goes to the primary of its slot (or a
// replica for reads with PREFER_REPLICA); multi-slot commands with a multi-shard request policy
// are split per slot; keyless commands with an all-shards / all-nodes policy fan out; other
// keyless ones go to a random primary. Atomic: MULTI ... EXEC on the one node that owns the
// batch's slot.
#include "exec/planner.h"

#include <map>

#include "cluster/slot.h"
#include "exec/request.h"
#include "resp/encoder.h"

namespace glide::plan {

bool is_read_only(const commands::Command *info) {
  return info && (info->flags & commands::kFlagReadonly) && !(info->flags & commands::kFlagWrite);
}

Node *route_node(const Route &route, const Options &opt, ClusterView &view, std::string *why) {
  if (!opt.cluster) {
    const std::vector<Node *> &servers = view.primaries();  // standalone: the one server
    if (servers.empty()) *why = "no server configured";
    return servers.empty() ? nullptr : servers[0];
  }
  Node *n = nullptr;
  switch (route.kind) {
    case GLIDE_ROUTE_NONE:
      return nullptr;
    case GLIDE_ROUTE_RANDOM:
      n = view.random_primary();
      if (!n) *why = "no known node";
      return n;
    case GLIDE_ROUTE_SLOT_KEY:
    case GLIDE_ROUTE_SLOT_ID: {
      const auto slot = static_cast<uint16_t>(route.slot);
      n = route.replica ? view.replica(slot) : view.primary(slot);
      if (!n) *why = "no node serves slot " + std::to_string(route.slot);
      return n;
    }
    case GLIDE_ROUTE_ADDRESS:
      return view.at_address(route.host, route.port);
  }
  return nullptr;
}

Node *Planner::slot_node(uint16_t slot, const commands::Command *info) {
  return opt_.prefer_replica && is_read_only(info) ? view_.replica(slot) : view_.primary(slot);
}

void Planner::plan_batch(const Batch &b, Node *forced, PlanSink &sink) {
  const auto count = static_cast<uint32_t>(b.commands.size());
  for (uint32_t i = 0; i < count; ++i)
    if (!plan_command(b, i, forced, sink)) return;
}

bool Planner::plan_command(const Batch &b, uint32_t index, Node *forced, PlanSink &sink) {
  const BatchCommand &c = b.commands[index];
  const std::string_view bytes = b.encoded(c);
  if (forced) return sink.send(forced, index, kNoPart, bytes);
  if (c.slot >= 0) {
    Node *n = slot_node(static_cast<uint16_t>(c.slot), c.info());
    if (!n)
      return sink.reject(index, kNoPart, GLIDE_ERR_CONNECTION,
                         "no node serves slot " + std::to_string(c.slot));
    return sink.send(n, index, kNoPart, bytes);
  }
  if (c.slot == kMultiSlot) {
    if (c.info() && c.info()->request == commands::RequestPolicy::kMultiShard &&
        commands::key_group_step(c.info()) > 0)
      return plan_split(b, index, sink);
    return sink.reject(index, kNoPart, GLIDE_ERR_CROSSSLOT,
                       "CROSSSLOT the keys of this command are in different slots and it cannot "
                       "be split per slot");
  }
  // Keyless.
  if (c.info()) {
    switch (c.info()->request) {
      case commands::RequestPolicy::kAllShards:
        return plan_fanout(b, index, view_.primaries(), sink);
      case commands::RequestPolicy::kAllNodes:
        return plan_fanout(b, index, view_.all_nodes(), sink);
      default:
        break;
    }
  }
  Node *n = view_.random_primary();
  if (!n) return sink.reject(index, kNoPart, GLIDE_ERR_CONNECTION, "no known node");
  return sink.send(n, index, kNoPart, bytes);
}

bool Planner::plan_fanout(const Batch &b, uint32_t index, const std::vector<Node *> &targets,
                          PlanSink &sink) {
  const BatchCommand &c = b.commands[index];
  if (targets.empty()) return sink.reject(index, kNoPart, GLIDE_ERR_CONNECTION, "no known node");
  const auto parts = static_cast<uint32_t>(targets.size());
  if (!sink.split(index, parts, false, c.info()->response, 0))
    return sink.reject(index, kNoPart, GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
  const std::string_view bytes = b.encoded(c);
  for (uint32_t j = 0; j < parts; ++j)
    if (!sink.part(index, static_cast<uint16_t>(j), targets[j], -1, nullptr, 0, {}))
      return sink.reject(index, static_cast<uint16_t>(j), GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
  for (uint32_t j = 0; j < parts; ++j)
    if (!sink.send(targets[j], index, static_cast<uint16_t>(j), bytes)) return false;
  return true;
}

namespace {
// The server's own arity rule, and whole key groups after the first key (MSET: key value pairs).
bool split_arity_ok(const commands::Command *info, size_t argc, uint32_t step) {
  const auto arity = static_cast<int64_t>(info->arity);
  const auto n = static_cast<int64_t>(argc);
  if (arity >= 0 ? n != arity : n < -arity) return false;
  const auto first = static_cast<size_t>(info->key_specs[0].index);
  return argc > first && (argc - first) % step == 0;
}
}  // namespace

bool Planner::plan_split(const Batch &b, uint32_t index, PlanSink &sink) {
  const BatchCommand &c = b.commands[index];
  std::vector<std::string_view> &args = args_;
  if (!decode_command(b.encoded(c), args))
    return sink.reject(index, kNoPart, GLIDE_ERR_INVALID_ARGUMENT, "cannot re-read the command");
  std::vector<const char *> argv(args.size());
  std::vector<size_t> lens(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    argv[i] = args[i].data();
    lens[i] = args[i].size();
  }
  const uint32_t step = commands::key_group_step(c.info());
  if (!split_arity_ok(c.info(), args.size(), step)) {
    // Split as it is, some parts would run and the rest be refused (MSET a 1 b would write a):
    // a split command goes out whole or not at all.
    std::string name(args[0]);
    for (char &ch : name)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return sink.reject(index, kNoPart, GLIDE_ERR_INVALID_ARGUMENT,
                       "ERR wrong number of arguments for '" + name +
                           "' command (nothing was sent: its keys span slots)");
  }
  std::vector<uint32_t> pos(args.size());
  const size_t nkeys = commands::key_positions(c.info(), args.size(), argv.data(), lens.data(),
                                               pos.data(), pos.size());
  // Keys grouped by slot, in first-seen order; each group keeps the original key ordinals.
  std::map<uint16_t, std::vector<uint32_t>> groups;
  std::vector<uint16_t> order;
  for (uint32_t k = 0; k < nkeys; ++k) {
    const uint16_t slot = cluster::key_slot(args[pos[k]]);
    auto [it, fresh] = groups.try_emplace(slot);
    if (fresh) order.push_back(slot);
    it->second.push_back(k);
  }
  if (nkeys == 0 || !sink.split(index, static_cast<uint32_t>(order.size()), true,
                                c.info()->response, static_cast<uint32_t>(nkeys)))
    return sink.reject(index, kNoPart, GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
  const uint32_t first = pos[0];
  for (uint32_t j = 0; j < order.size(); ++j) {
    const auto jp = static_cast<uint16_t>(j);
    const std::vector<uint32_t> &ks = groups[order[j]];
    // The command's own prefix (its name, up to the first key), then this slot's key groups.
    sub_.assign(args.begin(), args.begin() + first);
    for (uint32_t k : ks)
      for (uint32_t a = 0; a < step && pos[k] + a < args.size(); ++a)
        sub_.push_back(args[pos[k] + a]);
    encoded_.clear();
    resp::encode_command(encoded_, sub_.data(), sub_.size());
    Node *node = slot_node(order[j], c.info());
    if (!sink.part(index, jp, node, order[j], ks.data(), static_cast<uint32_t>(ks.size()),
                   encoded_)) {
      if (!sink.reject(index, jp, GLIDE_ERR_OUT_OF_MEMORY, "out of memory")) return false;
      continue;
    }
    const bool go = node ? sink.send(node, index, jp, encoded_)
                         : sink.reject(index, jp, GLIDE_ERR_CONNECTION,
                                       "no node serves slot " + std::to_string(order[j]));
    if (!go) return false;
  }
  return true;
}

Node *Planner::transaction_node(const Batch &b, const Route &route, std::string *why) {
  if (!opt_.cluster || route.kind != GLIDE_ROUTE_NONE) return forced_node(route, why);
  return b.first_slot >= 0 ? view_.primary(static_cast<uint16_t>(b.first_slot))
                           : view_.random_primary();
}

void Planner::plan_atomic(const Batch &b, const Route &route, PlanSink &sink) {
  if (opt_.cluster && route.kind == GLIDE_ROUTE_NONE && b.cross_slot) {
    sink.reject(kExecIndex, kNoPart, GLIDE_ERR_CROSSSLOT,
                "CROSSSLOT the keys of an atomic batch must all be in one slot; nothing was sent");
    return;
  }
  std::string why;
  Node *node = transaction_node(b, route, &why);
  if (!node) {
    sink.reject(kExecIndex, kNoPart, GLIDE_ERR_CONNECTION,
                why.empty() ? "no node serves the batch's slot" : why);
    return;
  }
  sink.transaction(node);
}

}  // namespace glide::plan
