// The planner: turns a batch into per-node pipelines. Non-atomic: each command goes to the
// primary of its slot; multi-slot commands are split per slot; keyless commands with a
// request policy fan out. Atomic: MULTI ... EXEC on the one node that owns the batch's slot.
#include <map>
#include <string>
#include <vector>

#include "client/client.h"
#include "cluster/slot.h"
#include "resp/encoder.h"

namespace glide {

bool Client::connectable(Node *node, Request *req, uint32_t index, uint16_t part) {
  if (!node->conn->ensure_connecting()) {
    // In its reconnect backoff: fail now with the reason rather than wait for the timeout.
    // Refused credentials and a lack of memory keep their kind; anything else is a connection
    // that is not there.
    const glide_error_kind last = node->conn->last_error_kind();
    request_set_error(
        req, index, part,
        last == GLIDE_ERR_AUTH || last == GLIDE_ERR_OUT_OF_MEMORY ? last : GLIDE_ERR_CONNECTION,
        "not connected to " + node->name + ": " + node->conn->last_error());
    return false;
  }
  const size_t backlog = node->conn->backlog_for(req);
  if (backlog >= config_.max_unsent_bytes) {
    // The node stopped reading: queueing more would only grow memory without bound.
    request_set_error(req, index, part, GLIDE_ERR_CONNECTION,
                      "not sent to " + node->name + ": " + std::to_string(backlog) +
                          " bytes unsent to it already (limit " +
                          std::to_string(config_.max_unsent_bytes) + "); the node is not reading");
    return false;
  }
  return true;
}

bool Client::send_to(Node *node, std::string_view bytes, Request *req, uint32_t index,
                     uint16_t part) {
  if (!connectable(node, req, index, part)) return false;
  send_tagged(node, bytes, reply_tag(req, index, part));
  return true;
}

Node *Client::slot_node(uint16_t slot, const commands::Command *info) {
  return is_read_only(info) ? read_node(slot) : slot_primary(slot);
}

Node *Client::route_node(Request *req, std::string *why) {
  if (!config_.cluster) {
    if (primaries_.empty()) *why = "no server configured";
    return primaries_.empty() ? nullptr : primaries_[0];
  }
  Node *n = nullptr;
  switch (req->route_kind) {
    case GLIDE_ROUTE_NONE:
      return nullptr;
    case GLIDE_ROUTE_RANDOM:
      n = random_primary();
      if (!n) *why = "no known node";
      return n;
    case GLIDE_ROUTE_SLOT_KEY:
    case GLIDE_ROUTE_SLOT_ID: {
      const auto slot = static_cast<uint16_t>(req->route_slot);
      n = req->route_replica ? replica_of(slot) : slot_primary(slot);
      if (!n) *why = "no node serves slot " + std::to_string(req->route_slot);
      return n;
    }
    case GLIDE_ROUTE_ADDRESS:
      return node_for(Address{req->route_host, req->route_port});
  }
  return nullptr;
}

void Client::plan(Request *req) {
  std::string why;
  Node *forced = route_node(req, &why);
  if (!why.empty()) {
    request_fail_unanswered(req, GLIDE_ERR_CONNECTION, why);
    maybe_complete(req);
    return;
  }
  req->forced = forced;
  if (req->count >= kReserveThreshold) reserve_for(req, forced);
  for (uint32_t i = 0; i < req->count && !req->completed; ++i) plan_command(req, i, forced);
}

void Client::reserve_for(Request *req, Node *forced) {
  // Big batches: size each primary's output buffer and reply queue once, instead of growing them
  // by doubling (each doubling copies everything and briefly holds both buffers).
  const Batch &b = *req->batch;
  std::vector<size_t> bytes(primaries_.size() + 1, 0), replies(primaries_.size() + 1, 0);
  for (const BatchCommand &c : b.commands) {
    size_t k = primaries_.size();  // the rest: forced node, keyless, split
    if (!forced && config_.cluster && c.slot >= 0) {
      const uint16_t shard = slots_.slot_shard[static_cast<uint16_t>(c.slot)];
      if (shard != cluster::SlotMap::kNoShard) k = shard;
    }
    bytes[k] += c.length;
    ++replies[k];
  }
  if (forced) forced->conn->reserve(bytes.back(), replies.back());
  for (size_t k = 0; k < primaries_.size(); ++k)
    if (bytes[k]) primaries_[k]->conn->reserve(bytes[k], replies[k]);
}

Node *Client::replica_of(uint16_t slot) {
  const uint16_t shard = slots_.slot_shard[slot & (cluster::kSlotCount - 1)];
  if (shard == cluster::SlotMap::kNoShard) return nullptr;
  const std::vector<Node *> &reps = replicas_[shard];
  // Round-robin over the replicas that are connected or may connect now; else the primary.
  for (size_t k = 0; k < reps.size(); ++k) {
    Node *n = reps[replica_rr_++ % reps.size()];
    if (n->conn->ensure_connecting()) return n;
  }
  return primaries_[shard];
}

bool Client::is_read_only(const commands::Command *info) {
  return info && (info->flags & commands::kFlagReadonly) && !(info->flags & commands::kFlagWrite);
}

Node *Client::read_node(uint16_t slot) {
  return config_.prefer_replica ? replica_of(slot) : slot_primary(slot);
}

void Client::plan_command(Request *req, uint32_t index, Node *forced) {
  const BatchCommand &c = req->batch->commands[index];
  const std::string_view bytes = req->batch->encoded(c);
  if (forced) {
    send_to(forced, bytes, req, index, kNoPart);
    return;
  }
  if (c.slot >= 0) {
    Node *n = slot_node(static_cast<uint16_t>(c.slot), c.info);
    if (!n) {
      request_set_error(req, index, kNoPart, GLIDE_ERR_CONNECTION,
                        "no node serves slot " + std::to_string(c.slot));
      return;
    }
    send_to(n, bytes, req, index, kNoPart);
    return;
  }
  if (c.slot == kMultiSlot) {
    if (c.info && c.info->request == commands::RequestPolicy::kMultiShard &&
        commands::key_group_step(c.info) > 0) {
      plan_split(req, index);
    } else {
      request_set_error(req, index, kNoPart, GLIDE_ERR_CROSSSLOT,
                        "CROSSSLOT the keys of this command are in different slots and it cannot "
                        "be split per slot");
    }
    return;
  }
  // Keyless.
  if (c.info) {
    switch (c.info->request) {
      case commands::RequestPolicy::kAllShards:
        plan_fanout(req, index, primaries_);
        return;
      case commands::RequestPolicy::kAllNodes:
        plan_fanout(req, index, all_nodes());
        return;
      default:
        break;
    }
  }
  Node *n = random_primary();
  if (!n) {
    request_set_error(req, index, kNoPart, GLIDE_ERR_CONNECTION, "no known node");
    return;
  }
  send_to(n, bytes, req, index, kNoPart);
}

namespace {
Split *new_split(Request *req, uint32_t index, uint32_t parts) {
  if (!req->splits) {
    req->splits =
        static_cast<Split **>(req->arena->alloc(sizeof(Split *) * req->count, alignof(Split *)));
    if (!req->splits) return nullptr;
    for (uint32_t i = 0; i < req->count; ++i) req->splits[i] = nullptr;
  }
  auto *s = static_cast<Split *>(req->arena->alloc(sizeof(Split), alignof(Split)));
  auto *p = static_cast<Part *>(req->arena->alloc(sizeof(Part) * parts, alignof(Part)));
  if (!s || !p) return nullptr;
  *s = Split{p, parts, parts, 0, false, commands::ResponsePolicy::kDefault};
  for (uint32_t j = 0; j < parts; ++j) {
    p[j] = Part{};
    p[j].value.type = kPendingType;
    p[j].slot = -1;
  }
  req->splits[index] = s;
  return s;
}
}  // namespace

void Client::plan_fanout(Request *req, uint32_t index, const std::vector<Node *> &targets) {
  const BatchCommand &c = req->batch->commands[index];
  if (targets.empty()) {
    request_set_error(req, index, kNoPart, GLIDE_ERR_CONNECTION, "no known node");
    return;
  }
  Split *s = new_split(req, index, static_cast<uint32_t>(targets.size()));
  if (!s) {
    request_set_error(req, index, kNoPart, GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
    return;
  }
  s->policy = c.info->response;
  const std::string_view bytes = req->batch->encoded(c);
  for (uint32_t j = 0; j < targets.size(); ++j) s->parts[j].node = targets[j];
  for (uint32_t j = 0; j < targets.size() && !req->completed; ++j)
    send_to(targets[j], bytes, req, index, static_cast<uint16_t>(j));
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

void Client::plan_split(Request *req, uint32_t index) {
  const BatchCommand &c = req->batch->commands[index];
  std::vector<std::string_view> args;
  if (!decode_command(req->batch->encoded(c), args)) {
    request_set_error(req, index, kNoPart, GLIDE_ERR_INVALID_ARGUMENT,
                      "cannot re-read the command");
    return;
  }
  std::vector<const char *> argv(args.size());
  std::vector<size_t> lens(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    argv[i] = args[i].data();
    lens[i] = args[i].size();
  }
  const uint32_t step = commands::key_group_step(c.info);
  if (!split_arity_ok(c.info, args.size(), step)) {
    // Split as it is, some parts would run and the rest be refused (MSET a 1 b would write a):
    // a split command goes out whole or not at all.
    std::string name(args[0]);
    for (char &ch : name)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    request_set_error(req, index, kNoPart, GLIDE_ERR_INVALID_ARGUMENT,
                      "ERR wrong number of arguments for '" + name +
                          "' command (nothing was sent: its keys span slots)");
    return;
  }
  std::vector<uint32_t> pos(args.size());
  const size_t nkeys = commands::key_positions(c.info, args.size(), argv.data(), lens.data(),
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
  Split *s = new_split(req, index, static_cast<uint32_t>(order.size()));
  if (!s || nkeys == 0) {
    request_set_error(req, index, kNoPart, GLIDE_ERR_OUT_OF_MEMORY, "out of memory");
    return;
  }
  s->multi_slot = true;
  s->policy = c.info->response;
  s->total_keys = static_cast<uint32_t>(nkeys);
  const uint32_t first = pos[0];
  std::string encoded;
  std::vector<std::string_view> sub;
  std::vector<Node *> nodes(order.size());
  for (uint32_t j = 0; j < order.size(); ++j) {
    const std::vector<uint32_t> &ks = groups[order[j]];
    auto *key_index =
        static_cast<uint32_t *>(req->arena->alloc(sizeof(uint32_t) * ks.size(), alignof(uint32_t)));
    if (!key_index) {
      request_set_error(req, index, static_cast<uint16_t>(j), GLIDE_ERR_OUT_OF_MEMORY,
                        "out of memory");
      continue;
    }
    for (size_t k = 0; k < ks.size(); ++k) key_index[k] = ks[k];
    s->parts[j].key_index = key_index;
    s->parts[j].key_count = static_cast<uint32_t>(ks.size());
    s->parts[j].slot = order[j];
    nodes[j] = slot_node(order[j], c.info);
    s->parts[j].node = nodes[j];
  }
  for (uint32_t j = 0; j < order.size() && !req->completed; ++j) {
    if (s->parts[j].value.type != kPendingType) continue;
    if (!nodes[j]) {
      request_set_error(req, index, static_cast<uint16_t>(j), GLIDE_ERR_CONNECTION,
                        "no node serves slot " + std::to_string(order[j]));
      continue;
    }
    // The command's own prefix (its name, up to the first key), then this slot's key groups.
    sub.assign(args.begin(), args.begin() + first);
    for (uint32_t k : groups[order[j]])
      for (uint32_t a = 0; a < step && pos[k] + a < args.size(); ++a)
        sub.push_back(args[pos[k] + a]);
    encoded.clear();
    resp::encode_command(encoded, sub.data(), sub.size());
    // Kept in the arena: a redirect re-sends this part alone.
    const char *bytes = req->arena->copy_string(encoded);
    if (!bytes) {
      request_set_error(req, index, static_cast<uint16_t>(j), GLIDE_ERR_OUT_OF_MEMORY,
                        "out of memory");
      continue;
    }
    s->parts[j].bytes = bytes;
    s->parts[j].len = encoded.size();
    send_to(nodes[j], encoded, req, index, static_cast<uint16_t>(j));
  }
}

void Client::plan_atomic(Request *req) {
  const Batch &b = *req->batch;
  Node *node = nullptr;
  std::string why;
  if (config_.cluster && req->route_kind == GLIDE_ROUTE_NONE && b.cross_slot) {
    req->arena->set_error(
        &req->exec_reply, GLIDE_ERR_CROSSSLOT,
        "CROSSSLOT the keys of an atomic batch must all be in one slot; nothing was sent");
    req->unanswered = 0;
    maybe_complete(req);
    return;
  }
  node = transaction_node(req, &why);
  if (!node) {
    request_set_error(req, kExecIndex, kNoPart, GLIDE_ERR_CONNECTION,
                      why.empty() ? "no node serves the batch's slot" : why);
    return;
  }
  send_transaction(req, node, false);
}

Node *Client::transaction_node(Request *req, std::string *why) {
  if (!config_.cluster || req->route_kind != GLIDE_ROUTE_NONE) return route_node(req, why);
  const Batch &b = *req->batch;
  return b.first_slot >= 0 ? slot_primary(static_cast<uint16_t>(b.first_slot)) : random_primary();
}

void Client::send_transaction(Request *req, Node *node, bool asking) {
  const Batch &b = *req->batch;
  if (!connectable(node, req, kExecIndex, kNoPart)) return;
  Connection *conn = node->conn.get();
  // Room for all of it first: a failure then leaves nothing half queued.
  size_t bytes = 64;
  for (uint32_t i = 0; i < req->count; ++i) bytes += b.commands[i].length;
  conn->reserve(bytes, size_t{req->count} + 3);
  std::string &out = conn->out(req);
  if (asking) {
    // The ASKING flag lasts through MULTI ... EXEC, so one ASKING covers the transaction.
    out.append("*1\r\n$6\r\nASKING\r\n");
    expect(node, reply_tag(req, 0, kNoPart, ReplyRole::kChecked));
  }
  out.append("*1\r\n$5\r\nMULTI\r\n");
  expect(node, reply_tag(req, 0, kNoPart, ReplyRole::kQueued));
  for (uint32_t i = 0; i < req->count; ++i) {
    out.append(b.encoded(b.commands[i]));
    expect(node, reply_tag(req, i, kNoPart, ReplyRole::kQueued));
  }
  out.append("*1\r\n$4\r\nEXEC\r\n");
  expect(node, reply_tag(req, kExecIndex, kNoPart, ReplyRole::kExec));
}

}  // namespace glide
