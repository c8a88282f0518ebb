// From plan to bytes on connections: the executor's PlanSink sends each step the planner
// (exec/planner.h) gives, checking that the node can take it now (reconnect backoff, the unsent
// bytes bound); the executor is also the planner's ClusterView.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "exec/executor.h"

namespace glide {

// Sends each step of one request at once; planning stops once the request has completed (its
// client is closing, or every element failed already).
class Executor::Sender final : public plan::PlanSink {
 public:
  Sender(Executor &executor, Request *req) : c_(executor), req_(req) {}

  bool send(Node *node, uint32_t index, uint16_t part, std::string_view bytes) override {
    // Only the batch's own bytes are borrowed: a split part is encoded in the planner's buffer.
    const std::string &buf = req_->batch->buffer;
    const auto at = reinterpret_cast<uintptr_t>(bytes.data()),
               lo = reinterpret_cast<uintptr_t>(buf.data());
    const bool borrow = req_->borrow_sends && at >= lo && at - lo <= buf.size() &&
                        bytes.size() <= buf.size() - (at - lo);
    c_.send_to(node, bytes, req_, index, part, borrow);
    return !req_->completed;
  }
  bool reject(uint32_t index, uint16_t part, glide_error_kind kind,
              std::string_view message) override {
    request_set_error(req_, index, part, kind, message);
    return !req_->completed;
  }
  bool split(uint32_t index, uint32_t parts, bool multi_slot, commands::ResponsePolicy policy,
             uint32_t total_keys) override {
    Request *req = req_;
    if (!req->splits) {
      req->splits =
          static_cast<Split **>(req->arena->alloc(sizeof(Split *) * req->count, alignof(Split *)));
      if (!req->splits) return false;
      for (uint32_t i = 0; i < req->count; ++i) req->splits[i] = nullptr;
    }
    auto *s = static_cast<Split *>(req->arena->alloc(sizeof(Split), alignof(Split)));
    auto *p = static_cast<Part *>(req->arena->alloc(sizeof(Part) * parts, alignof(Part)));
    if (!s || !p) return false;
    *s = Split{p, parts, parts, total_keys, multi_slot, policy};
    for (uint32_t j = 0; j < parts; ++j) {
      p[j] = Part{};
      p[j].slot = -1;
    }
    req->splits[index] = s;
    return true;
  }
  bool part(uint32_t index, uint16_t j, Node *node, int32_t slot, const uint32_t *keys,
            uint32_t nkeys, std::string_view bytes) override {
    Part &p = req_->splits[index]->parts[j];
    p.node = node;
    if (node) p.node_name = node->name;
    p.slot = slot;
    if (!req_->splits[index]->multi_slot) return true;  // a fan-out re-sends the whole command
    // Kept in the arena: a redirect re-sends this part alone, and the aggregation puts its keys
    // back in the command's order.
    auto *key_index =
        static_cast<uint32_t *>(req_->arena->alloc(sizeof(uint32_t) * nkeys, alignof(uint32_t)));
    const char *copy = req_->arena->copy_string(bytes);
    if (!key_index || !copy) return false;
    for (uint32_t k = 0; k < nkeys; ++k) key_index[k] = keys[k];
    p.key_index = key_index;
    p.key_count = nkeys;
    p.bytes = copy;
    p.len = bytes.size();
    return true;
  }
  bool transaction(Node *node) override {
    c_.send_transaction(req_, node, false);
    return !req_->completed;
  }

 private:
  Executor &c_;
  Request *req_;
};

void Executor::plan(Request *req) {
  Sender sender(*this, req);
  if (req->atomic) {
    planner_.plan_atomic(*req->batch, req->route, sender);
    return;
  }
  std::string why;
  Node *forced = planner_.forced_node(req->route, &why);
  if (!why.empty()) {
    request_fail_unanswered(req, GLIDE_ERR_CONNECTION, why);
    maybe_complete(req);
    return;
  }
  req->forced = forced;
  req->borrow_sends = req->batch != &req->owned && req->batch->buffer.size() >= kBorrowMinBytes;
  if (req->count >= kReserveThreshold) reserve_for(req, forced);
  try {
    planner_.plan_batch(*req->batch, forced, sender);
  } catch (...) {
    req->borrow_sends = false;
    throw;
  }
  req->borrow_sends = false;  // re-sends copy
}

bool Executor::connectable(Node *node, Request *req, uint32_t index, uint16_t part) {
  if (!node->conn->ensure_connecting()) {
    // In its reconnect backoff: fail now with the reason rather than wait for the timeout.
    // Refused credentials, a refused TLS handshake and a lack of memory keep their kind;
    // anything else is a connection that is not there.
    const glide_error_kind last = node->conn->last_error_kind();
    request_set_error(
        req, index, part,
        last == GLIDE_ERR_AUTH || last == GLIDE_ERR_TLS || last == GLIDE_ERR_OUT_OF_MEMORY
            ? last
            : GLIDE_ERR_CONNECTION,
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

bool Executor::send_to(Node *node, std::string_view bytes, Request *req, uint32_t index,
                       uint16_t part, bool borrow) {
  if (!connectable(node, req, index, part)) return false;
  send_tagged(node, bytes, reply_tag(req, index, part), borrow);
  return true;
}

void Executor::reserve_for(Request *req, Node *forced) {
  // Big batches: size each primary's output buffer and reply queue once, instead of growing them
  // by doubling (each doubling copies everything and briefly holds both buffers).
  const Batch &b = *req->batch;
  const std::vector<Node *> &primaries = topology_.primaries();
  std::vector<size_t> bytes(primaries.size() + 1, 0), replies(primaries.size() + 1, 0);
  for (const BatchCommand &c : b.commands) {
    size_t k = primaries.size();  // the rest: forced node, keyless, split
    if (!forced && config_.cluster && c.slot >= 0) {
      const int shard = topology_.shard_of(static_cast<uint16_t>(c.slot));
      if (shard >= 0) k = static_cast<size_t>(shard);
    }
    bytes[k] += c.length;
    ++replies[k];
  }
  // A borrowed batch's commands go as spans (at most one per command), not copies.
  const bool spans = req->borrow_sends;
  auto room = [&](Node *node, size_t k) { node->conn->reserve(bytes[k], replies[k], spans); };
  if (forced) room(forced, primaries.size());
  for (size_t k = 0; k < primaries.size(); ++k)
    if (bytes[k]) room(primaries[k], k);
}

void Executor::send_transaction(Request *req, Node *node, bool asking) {
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

void Executor::send_tagged(Node *node, std::string_view bytes, const ReplyTag &tag, bool borrow) {
  Connection *conn = node->conn.get();
  if (borrow) {
    Request *req = tag.req;
    // Listed before anything is queued (the list may throw): complete() finds every span.
    if (std::find(req->borrowed_on.begin(), req->borrowed_on.end(), conn) == req->borrowed_on.end())
      req->borrowed_on.push_back(conn);
    conn->send_borrowed(bytes, tag);
  } else {
    conn->send(bytes, tag);  // all or nothing: counted once queued
  }
  ++tag.req->outstanding;
  if (!tag.req->internal) ExecCounters::add(counters_.commands_sent);
}

void Executor::expect(Node *node, const ReplyTag &tag) {
  node->conn->expect(tag);
  ++tag.req->outstanding;
  if (!tag.req->internal) ExecCounters::add(counters_.commands_sent);
}

}  // namespace glide
