// RESP2/RESP3 reply parser: I/O-free and resumable. Bytes may be fed split at any position; the
// tree of one reply is built directly into a caller-chosen glide_value slot inside an Arena, so
// reply bytes are copied exactly once (from the read buffer into the arena).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "glide_c.h"
#include "value/arena.h"

namespace glide::resp {

struct Limits {
  uint32_t max_depth = 64;                       // nesting of aggregates (top level = depth 1)
  uint64_t max_bulk_len = 512ull * 1024 * 1024;  // bytes of one bulk/verbatim/bulk-error string
  uint64_t max_aggregate_len = 1ull << 24;       // elements of one array/set/push (map: pairs*2)
};

enum class Status {
  kDone,      // one whole reply was built into the target; `consumed` bytes were used
  kNeedMore,  // all given bytes that could be used were consumed; feed more (starting with the
              // unconsumed rest, followed by new bytes)
  kError      // malformed or over-limit; error() says why. The parser must be reset() before reuse
};

class Parser {
 public:
  explicit Parser(const Limits &limits = Limits{});

  // Starts a new reply to be built into *target with memory from arena. Must be called before the
  // first feed() of each reply (after kDone). target must stay valid until kDone.
  void begin(glide_value *target, Arena *arena);
  // Switches the arena/target of the reply in progress is NOT allowed; begin() only when idle.
  bool idle() const;

  // Parses from data[0..len). Sets *consumed to the bytes used (never more than len). On kDone the
  // reply is complete and bytes after *consumed belong to the next reply. On kNeedMore, the bytes
  // in [*consumed, len) (an incomplete line, at most a few dozen bytes unless a line is huge) must
  // be given again, followed by new data, on the next call. Partial bulk strings are copied into
  // the arena as they arrive, so they are consumed (a huge bulk needs no big input buffer).
  Status feed(const char *data, size_t len, size_t *consumed);

  // Human-readable reason after kError, e.g. "protocol error: invalid type byte 'x'".
  const std::string &error() const;
  void reset();  // back to idle, dropping any reply in progress (its arena memory stays owned by
                 // the arena)

  // Out-of-band RESP3 pushes ('>') are returned like any reply (type GLIDE_VALUE_PUSH); the caller
  // tells them apart from replies. Attributes ('|') are parsed and dropped; the value they annotate
  // is returned.

 private:
  enum class State : uint8_t { kIdle, kLine, kBulk, kBulkCrlf, kError };
  enum class Step : uint8_t { kNext, kReplyDone, kFailed };
  struct Frame {
    glide_value *next;   // slot of the next element; nullptr while discarding (attributes)
    uint64_t remaining;  // elements still to come
    bool attribute;      // dropped when complete; the value after it fills the parent's slot
    glide_value *base;   // the items so far, room up to end (grown when next reaches it)
    glide_value *end;
    glide_value *owner;  // the aggregate value whose items these are
  };

  Step on_line(char type, const char *p, const char *e);
  Step on_bulk(const char *p, const char *e, const char *data, size_t len, size_t *pos);
  Step on_bulk_header(char type, const char *p, const char *e, glide_value *slot);
  Step on_aggregate_header(char type, const char *p, const char *e, glide_value *slot);
  bool take_bulk(const char *data, size_t len, size_t *pos);  // false: need more, or kError
  Step finish_bulk();
  bool store_string(glide_value *v, glide_value_type type, const char *p, size_t n);
  Step complete();  // one value finished: kReplyDone when it was the whole reply
  bool grow_items(Frame &f);
  bool grow_bulk(size_t need);
  glide_value *slot() const { return stack_.empty() ? target_ : stack_.back().next; }
  [[gnu::cold, gnu::noinline, gnu::format(printf, 2, 3)]] Step reject(const char *fmt, ...);
  [[gnu::cold, gnu::noinline]] Step reject_text(const char *what, const char *p, const char *e);

  Limits limits_;
  std::vector<Frame> stack_;  // open aggregates, innermost last; capacity kept between replies
  glide_value *target_ = nullptr;
  Arena *arena_ = nullptr;
  State state_ = State::kIdle;
  size_t line_scanned_ = 0;    // bytes of the pending line already known to hold no '\r'
  char *bulk_dst_ = nullptr;   // where the next payload bytes go; nullptr when discarding
  char *bulk_base_ = nullptr;  // the payload's start and the end of the room reserved for it
  char *bulk_end_ = nullptr;
  glide_value *bulk_value_ = nullptr;  // the string value being streamed
  size_t avail_hint_ = 0;              // bytes at hand after the header being parsed
  bool verbatim_ = false;   // the string being streamed is verbatim: its "xxx:" prefix, at
                            // bulk_base_, is checked and moved to verbatim_format at the end
  uint64_t bulk_left_ = 0;  // payload bytes still to come
  uint8_t crlf_seen_ = 0;   // bytes of the CRLF after a bulk payload already matched
  std::string error_;
};

}  // namespace glide::resp
