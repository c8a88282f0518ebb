// What a Connection reports to, and the tags it carries: the whole of what the connection knows
// about the requests it serves. It keeps each request's tag in send order and hands it back with
// the reply (or with the loss of the connection); it never looks inside a tag.
#pragma once

#include <cstdint>
#include <string>

#include "glide_c.h"

namespace glide {

class Arena;
class Connection;
struct Request;  // the owner's: only compared and handed back here, never used

// One expected reply, as the owner tagged it. `role` is the owner's (what the reply is for).
struct ReplyTag {
  Request *req;
  uint32_t index;
  uint16_t part;
  uint8_t role;
};

// Where the reply for a tag is built: a value slot in its arena, or nowhere (slot null): the
// connection then reads it into its own scratch arena and hands it to on_reply there, valid only
// during that call (replies nobody keeps: +QUEUED, +OK of ASKING, answers after a timeout).
struct ReplyTarget {
  glide_value *slot;
  Arena *arena;
};

class ConnectionOwner {
 public:
  // The reply for `tag` starts arriving.
  virtual ReplyTarget reply_target(const ReplyTag &tag) = 0;
  // A reply begun into a target that reply_target gave will not be finished there (the
  // connection was closed, or it was a push): the slot is unanswered again.
  virtual void reply_abandoned(const ReplyTag &tag) = 0;
  // The whole reply for `tag` is at v: in the target reply_target gave (in_target), or in scratch.
  virtual void on_reply(const ReplyTag &tag, glide_value *v, bool in_target) = 0;
  // The connection was closed with `tag` unanswered: kind and message say why.
  virtual void on_lost(const ReplyTag &tag, glide_error_kind kind, const std::string &message) = 0;
  // A RESP3 push (out-of-band: pub/sub messages and confirmations, invalidations) was read, in
  // the connection's scratch arena: valid only during the call. False when the owner has no use
  // for it (the connection counts it dropped).
  virtual bool on_push(glide_value *push) = 0;
  // The connection failed (after every on_lost of that failure).
  virtual void on_failed() = 0;
  // The handshake finished: requests flow. / A ready connection closed (failed, or idle).
  virtual void on_ready() = 0;
  virtual void on_down() = 0;
  // Bytes were queued on the connection: flush it at the end of this loop turn.
  virtual void on_queued(Connection *c) = 0;
  // An event of the connection was handled: write what it (or its owner) queued meanwhile.
  virtual void after_event() = 0;
  // The handshake of a cluster connection sends READONLY (the node serves reads as a replica).
  virtual bool read_only() const = 0;
  virtual uint64_t now_ms() const = 0;

 protected:
  ~ConnectionOwner() = default;
};

}  // namespace glide
