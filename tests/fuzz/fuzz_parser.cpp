// libFuzzer target for the RESP parser. The first bytes pick the chunk sizes; the rest is fed as
// a connection would (unconsumed bytes kept, new ones appended), and the replies must match those
// of one whole-buffer parse: a split may never change the outcome.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "resp/parser.h"
#include "value/arena.h"

namespace {

using glide::Arena;
using glide::resp::Limits;
using glide::resp::Parser;
using glide::resp::Status;

// Touches every byte of the tree so ASan sees any bad pointer, and folds it into a string.
void walk(const glide_value *v, std::string &out) {
  out += static_cast<char>('A' + v->type);
  switch (v->type) {
    case GLIDE_VALUE_SIMPLE_STRING:
    case GLIDE_VALUE_BULK_STRING:
    case GLIDE_VALUE_VERBATIM_STRING:
    case GLIDE_VALUE_BIG_NUMBER:
    case GLIDE_VALUE_ERROR:
      if (v->u.string.ptr[v->u.string.len] != '\0') std::abort();
      if (v->type == GLIDE_VALUE_VERBATIM_STRING) {
        // Three format bytes and a NUL, in the value itself.
        const char *f = v->verbatim_format;
        if (f[0] == '\0' || f[1] == '\0' || f[2] == '\0' || f[3] != '\0') std::abort();
        out.append(f, 3);
      }
      out += std::to_string(v->u.string.len) + ":";
      out.append(v->u.string.ptr, v->u.string.len);
      break;
    case GLIDE_VALUE_INTEGER:
      out += std::to_string(v->u.integer);
      break;
    case GLIDE_VALUE_DOUBLE:
      out += v->u.dbl == v->u.dbl ? std::to_string(v->u.dbl) : "nan";
      break;
    case GLIDE_VALUE_BOOLEAN:
      out += v->u.boolean ? 't' : 'f';
      break;
    case GLIDE_VALUE_ARRAY:
    case GLIDE_VALUE_SET:
    case GLIDE_VALUE_PUSH:
    case GLIDE_VALUE_MAP: {
      const size_t n = v->u.aggregate.len * (v->type == GLIDE_VALUE_MAP ? 2 : 1);
      out += std::to_string(n) + "[";
      for (size_t i = 0; i < n; ++i) walk(&v->u.aggregate.items[i], out);
      out += "]";
      break;
    }
    default:
      break;
  }
}

// Feeds the input in chunks whose sizes come from `sizes` (cycled; 0 = whole input at once).
std::string run(std::string_view input, std::string_view sizes) {
  Limits limits;
  limits.max_depth = 16;
  limits.max_bulk_len = 1 << 20;
  limits.max_aggregate_len = 1 << 16;
  Parser parser(limits);
  Arena *arena = nullptr;
  std::string buf;
  std::string out;
  size_t pos = 0;
  size_t k = 0;
  while (pos < input.size()) {
    size_t chunk = input.size() - pos;
    if (!sizes.empty()) {
      const size_t s = static_cast<unsigned char>(sizes[k++ % sizes.size()]) % 17 + 1;
      if (s < chunk) chunk = s;
    }
    buf.append(input.substr(pos, chunk));
    pos += chunk;
    for (;;) {
      if (parser.idle()) {
        if (buf.empty()) break;
        arena = Arena::create();
        if (!arena) std::abort();
        parser.begin(arena->root(), arena);
      }
      size_t consumed = 0;
      const Status st = parser.feed(buf.data(), buf.size(), &consumed);
      if (consumed > buf.size()) std::abort();
      buf.erase(0, consumed);
      if (st == Status::kNeedMore) {
        if (buf.size() > 64 * 1024 + 1) std::abort();  // the line limit bounds what waits
        break;
      }
      if (st == Status::kError) {
        out += "E:" + parser.error();
        Arena::destroy(arena);
        return out;
      }
      walk(arena->root(), out);
      out += '\n';
      Arena::destroy(arena);
      arena = nullptr;
    }
  }
  if (arena) {
    out += "MORE";
    Arena::destroy(arena);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  // data[0] says how many of the following bytes are chunk sizes (0..7).
  const size_t nsizes = data[0] % 8 < size - 1 ? data[0] % 8 : size - 1;
  const std::string_view sizes(reinterpret_cast<const char *>(data) + 1, nsizes);
  const std::string_view input(reinterpret_cast<const char *>(data) + 1 + nsizes,
                               size - 1 - nsizes);
  const std::string whole = run(input, {});
  const std::string split = run(input, sizes.empty() ? std::string_view("\0", 1) : sizes);
  if (whole != split) std::abort();
  return 0;
}
