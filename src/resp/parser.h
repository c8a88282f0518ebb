// RESP2/RESP3 reply parser: I/O-free and resumable. Bytes may be fed split at any position; the
// tree of one reply is built directly into a caller-chosen glide_value slot inside an Arena, so
// reply bytes are copied exactly once (from the read buffer into the arena).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "glide_c.h"
#include "value/arena.h"

namespace glide::resp {

struct Limits {
  uint32_t max_depth = 64;                      // nesting of aggregates (top level = depth 1)
  uint64_t max_bulk_len = 512ull * 1024 * 1024;  // bytes of one bulk/verbatim/bulk-error string
  uint64_t max_aggregate_len = 1ull << 24;      // elements of one array/set/push (map: pairs*2)
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
};

}  // namespace glide::resp
