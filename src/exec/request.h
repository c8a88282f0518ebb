// One request in flight: a batch (or a single command) being executed. Lives on the I/O thread
// from submission until every reply it expects has been read (late replies after a timeout are
// read into a scratch arena and dropped), even if the caller already got its result.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "config/config.h"
#include "exec/batch.h"
#include "exec/planner.h"
#include "glide_c.h"
#include "net/connection_owner.h"
#include "value/arena.h"

namespace glide {

struct Node;
struct Request;
class Connection;
class RequestPool;

// Who runs requests: told when a request's last element has its final answer.
class RequestOwner {
 public:
  virtual void maybe_complete(Request *req) = 0;

 protected:
  ~RequestOwner() = default;
};

// One node's share of a split (multi-slot) or fan-out (keyless, several nodes) element.
struct Part {
  glide_value value;
  Node *node;                  // fan-out: the node it goes to (and goes to again on a retry)
  std::string_view node_name;  // fan-out: how per-node answers name it (lives as long as node)
  const char *bytes;           // multi-slot: this part's own encoded command (for re-sending)
  size_t len;
  uint8_t attempts;           // redirect / retry rounds so far
  const uint32_t *key_index;  // multi-slot: original key positions this part carries (MGET order)
  uint32_t key_count;
  int32_t slot;  // multi-slot: the slot of this part's keys
};

struct Split {
  Part *parts;
  uint32_t count;
  uint32_t remaining;
  uint32_t total_keys;  // multi-slot: keys in the original command
  bool multi_slot;
  commands::ResponsePolicy policy;
};

// A completion waiting for glide_client_dispatch (GLIDE_CALLBACKS_DISPATCHED). Allocated when the
// request is submitted, so queueing it at completion cannot fail: a dispatched callback never
// has to run on the I/O thread for want of memory.
// A pub/sub message queued the same way (pubsub_cb set) carries its own copy of the message:
// allocated when it arrives, so one that cannot be allocated (or is over the queue's bound) is
// dropped and counted, never delivered on the I/O thread instead.
struct DispatchNode {
  glide_result_callback cb = nullptr;
  void *user_data = nullptr;
  glide_value *root = nullptr;
  DispatchNode *next = nullptr;
  glide_pubsub_callback pubsub_cb = nullptr;
  glide_pubsub_message message{};  // points into data
  size_t message_bytes = 0;        // what it counts against the queue's bound
  char *data = nullptr;
  ~DispatchNode() { delete[] data; }
};

struct Request {
  RequestOwner *owner = nullptr;  // the client running it
  uint64_t seq = 0;  // order of begin(); nodes retired after it may be freed once it completes

  // What to run. `batch` points at `owned` (async) or at the caller's batch (blocking: the caller
  // is parked until completion, so no copy is needed). Never read after completion.
  Batch owned;
  const Batch *batch = nullptr;
  // While planning a borrowed batch of at least kBorrowMinBytes: its commands are queued on the
  // connections as spans of the caller's buffer (Connection::send_borrowed), not copied. Each
  // connection given a span is listed in borrowed_on; complete() has them copy whatever of it is
  // still unsent (Connection::release_borrowed) before the caller is released.
  bool borrow_sends = false;
  std::vector<Connection *> borrowed_on;
  bool atomic = false;
  bool raise_on_error = false;
  bool single = false;  // glide_client_command: the root is the one element
  bool internal = false;
  uint32_t timeout_ms = 0;
  plan::Route route;
  // Elements the caller side (client.h, try_caller_side*) started but could not finish: begin()
  // takes each over as if its node had just answered (kFollow: an error reply to follow, MOVED /
  // ASK / READONLY / TRYAGAIN & co) or its connection had just failed (kLost), instead of
  // sending it again blindly. With
  // `adopted`, the caller side also built the arena, results and answered bits (its final
  // answers are kept; ~Request frees an adopted arena nobody took).
  struct Resume {
    // kAbort: a transaction the node discarded (EXECABORT) for a redirect at queue time: sent
    // again where the redirect says (Executor::on_atomic_abort), or the EXECABORT is the answer.
    enum What : uint8_t { kFollow, kLost, kAbort } what;
    uint32_t index;
    glide_error_kind kind;  // kLost
    std::string text;       // kFollow: the error reply; kLost: why; kAbort: the queue-time error
    Address from;           // kFollow, kAbort: the node that answered
    std::string answer;     // kAbort: the EXEC reply (EXECABORT ...)
  };
  std::vector<Resume> resume;
  bool adopted = false;
  bool retry_server_error = false;
  bool retry_connection_error = false;
  Node *forced = nullptr;       // every command goes to this node (route, standalone)
  uint8_t *attempts = nullptr;  // per command redirect / retry rounds (arena, on first use)
  uint8_t atomic_attempts = 0;  // atomic: rounds of the whole transaction
  // Commands waiting for their retry timer (backoff after TRYAGAIN, a lost connection, ...).
  struct Retry {
    uint32_t index;
    uint16_t part;
    Node *node;  // nullptr: route again by slot
    bool asking;
  };
  std::vector<Retry> retries;
  struct event retry_timer;
  bool retry_armed = false;
  bool waiting_refresh = false;  // retries held until the slot-map refresh in flight ends

  // Results, built in `arena`.
  Arena *arena = nullptr;
  glide_value *results = nullptr;  // one per command
  Split **splits = nullptr;        // per command, nullptr unless split / fanned out
  // One bit per command: its final answer is in results[i]. Until then the slot holds nothing
  // meaningful (a reply being parsed, an error being followed), and nothing reads it.
  uint64_t *answered = nullptr;
  uint32_t count = 0;
  uint32_t unanswered = 0;  // elements not final yet
  bool is_answered(uint32_t i) const { return (answered[i >> 6] >> (i & 63)) & 1u; }
  void mark_answered(uint32_t i) { answered[i >> 6] |= uint64_t{1} << (i & 63); }
  // Atomic: the EXEC reply (final once exec_answered), or a MULTI/queueing error.
  bool exec_answered = false;
  glide_value exec_reply{};
  glide_value queue_error{};
  bool has_queue_error = false;

  uint32_t outstanding = 0;  // holds: replies still expected on connections, RequestHold scopes
  uint32_t parsing = 0;      // connections in the middle of parsing a reply into `arena`
  bool completed = false;    // the caller has its result (or will, once delivered)
  Arena *orphan = nullptr;   // the old arena after a timeout cut a parse short (freed with us)

  struct event timer;
  bool timer_armed = false;
  Request *live_prev = nullptr;  // the client's list of requests not yet completed
  Request *live_next = nullptr;

  // Delivery: the user's callback, or an internal hook (blocking waiters, topology discovery).
  glide_result_callback cb = nullptr;
  void *user_data = nullptr;
  void (*hook)(Request *req, glide_value *root) = nullptr;
  void *hook_ctx = nullptr;

  DispatchNode *dispatch_node = nullptr;  // owned until the completion is queued

  RequestPool *pool = nullptr;   // where it goes back once released (nullptr: deleted)
  Request *pool_next = nullptr;  // the pool's free list

  ~Request() {
    if (adopted) Arena::destroy(arena);  // a caller-side arena begin() never took
    Arena::destroy(orphan);
    delete dispatch_node;
  }
};

// A per-client free list of Requests, so that an async command allocates nothing on the hot path
// but its reply arena: a released request goes back here, reset in place with its batch's
// buffer and command vector (and its retry vector) emptied but their capacity kept, and the C
// shims take it again for the next command. Caller threads get(), the I/O thread put()s (and a
// caller thread, for a request its submit refused): a mutex guards the list, held only to link
// or unlink one request (the reset is done outside it). Bounded: at most kMaxPooled requests are
// kept, and a request whose buffers grew past kMaxKeptBytes / kMaxKeptCommands (a big async
// batch) is freed instead, so the pool holds at most about kMaxPooled * (sizeof(Request) +
// kMaxKeptBytes + kMaxKeptCommands * sizeof(BatchCommand)), ~0.7 MB, and only after that many
// were in flight at once. Must outlive every request it handed out (the client declares it
// before its executor).
class RequestPool {
 public:
  static constexpr size_t kMaxPooled = 128;
  static constexpr size_t kMaxKeptBytes = 2048;
  static constexpr size_t kMaxKeptCommands = 16;

  RequestPool() = default;
  RequestPool(const RequestPool &) = delete;
  RequestPool &operator=(const RequestPool &) = delete;
  ~RequestPool();

  // A fresh Request (from the list, or new) whose pool is this one; nullptr when out of memory.
  Request *get() noexcept;
  // Takes back a request nothing refers to any more: reset and kept, or deleted.
  void put(Request *req) noexcept;
  size_t pooled() const;  // tests

 private:
  mutable std::mutex mu_;
  Request *free_ = nullptr;  // linked through Request::pool_next
  size_t count_ = 0;
};

// The first block of a request's arena: room for its results and answered bits (and a little
// more), so a small batch's answers need no second block.
inline size_t request_arena_bytes(uint32_t count) {
  const size_t words = (size_t{count} + 63) / 64;
  return 256 + size_t{count} * (sizeof(glide_value) + 16) + words * sizeof(uint64_t);
}

// A request nobody refers to any more: back to its pool, or deleted.
inline void request_free(Request *req) {
  if (req->pool)
    req->pool->put(req);
  else
    delete req;
}

// Frees req once it is complete and nothing holds it any more (see exec/executor.h).
inline void request_release(Request *req) {
  if (req->completed && req->outstanding == 0) request_free(req);
}

// Keeps a request alive across a scope that may complete it (planning): a hold like an expected
// reply's, given back at the end of the scope (freeing the request if it was the last).
class RequestHold {
 public:
  explicit RequestHold(Request *req) : req_(req) { ++req_->outstanding; }
  ~RequestHold() {
    --req_->outstanding;
    request_release(req_);
  }
  RequestHold(const RequestHold &) = delete;
  RequestHold &operator=(const RequestHold &) = delete;

 private:
  Request *req_;
};

// Element bookkeeping shared by the planner and the connections.
// Sets element i (or one of its parts) and finishes the element when complete.
void request_set_error(Request *req, uint32_t index, uint16_t part, glide_error_kind kind,
                       std::string_view message);
// The reply of element i / part `part` has been written into its slot (by the parser).
void request_reply_done(Request *req, uint32_t index, uint16_t part);
// An atomic request's EXEC reply (exec_reply) is in: its elements become the results (transforms
// applied), or a wrong count becomes a PROTOCOL error. May throw (out of memory, the message).
void request_take_exec_reply(Request *req);
// Shapes a typed helper's reply (BatchCommand::transform) once it is final.
void request_apply_transform(Transform t, glide_value *v);
// Fills every unanswered element with an error (timeout, closing).
void request_fail_unanswered(Request *req, glide_error_kind kind, std::string_view message);
// Builds the root for the caller (the request's arena moves to the caller).
glide_value *request_build_root(Request *req);
// Where the parser should build the reply for (index, part).
glide_value *request_slot(Request *req, uint32_t index, uint16_t part);

constexpr uint16_t kNoPart = 0xFFFF;
// The element number of a transaction's own answer (its EXEC reply) in the request functions
// above and in retries; a command's elements are 0 .. count - 1.
constexpr uint32_t kExecIndex = 0xFFFFFFFF;

// What an expected reply is for, so a connection knows what to keep without decoding indexes.
enum class ReplyRole : uint8_t {
  kElement,  // a command's reply, or one part of a split or fanned-out command: kept
  kExec,     // a transaction's EXEC reply: kept (the whole batch's answer)
  kQueued,   // MULTI's +OK and each +QUEUED: read and dropped; an error there makes EXEC abort
  kChecked,  // ASKING's +OK before a redirected command: read and dropped
};

// The tag of one expected reply on a connection (net/connection_owner.h): which request, which
// element (and part) it fills, and what it is for.
inline ReplyTag reply_tag(Request *req, uint32_t index, uint16_t part,
                          ReplyRole role = ReplyRole::kElement) {
  return ReplyTag{req, index, part, static_cast<uint8_t>(role)};
}
inline ReplyRole role_of(const ReplyTag &t) { return static_cast<ReplyRole>(t.role); }
// Replies built into the request's own slots; the others are read into scratch and dropped.
inline bool kept(const ReplyTag &t) {
  return role_of(t) == ReplyRole::kElement || role_of(t) == ReplyRole::kExec;
}

}  // namespace glide
