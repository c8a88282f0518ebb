#include "resp/parser.h"

#include <bit>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>

namespace glide::resp {
namespace {
// A header or simple line longer than this (type byte included, CRLF excluded) is garbage: it
// keeps the caller's buffer from growing without bound while waiting for a CRLF.
constexpr size_t kMaxLineLen = 64 * 1024;
// Item arrays larger than this cannot be allocated anyway (half the address space).
constexpr uint64_t kMaxItems = (std::numeric_limits<size_t>::max() / 2) / sizeof(glide_value);
// Frames reserved up front so ordinary replies never grow the stack.
constexpr size_t kReservedFrames = 64;
// Up to these sizes an aggregate's items / a bulk string's bytes are reserved whole at the
// header; past them only as much as the bytes at hand can fill, grown as the rest arrives.
#ifndef GLIDE_FUZZ_SMALL_ROOM
constexpr uint64_t kEagerItems = 64;
constexpr uint64_t kEagerBulk = 64 * 1024;
#else  // fuzz targets: tiny first reservations, so inputs of a few KiB reach the growth paths
constexpr uint64_t kEagerItems = 2;
constexpr uint64_t kEagerBulk = 8;
#endif

// Strict decimal int64: optional '-', at least one digit, nothing else, no overflow.
bool parse_int64(const char *p, const char *e, int64_t *out) {
  bool neg = false;
  if (p != e && *p == '-') {
    neg = true;
    ++p;
  }
  if (p == e) return false;
  uint64_t v = 0;
  if (e - p <= 18) {
    // 18 digits cannot overflow: no per-digit range check on the hot path.
    for (; p != e; ++p) {
      const unsigned d = static_cast<unsigned char>(*p) - unsigned{'0'};
      if (d > 9) return false;
      v = v * 10 + d;
    }
  } else {
    const uint64_t limit = neg ? uint64_t{1} << 63 : uint64_t{INT64_MAX};
    for (; p != e; ++p) {
      const unsigned d = static_cast<unsigned char>(*p) - unsigned{'0'};
      if (d > 9 || v > (limit - d) / 10) return false;
      v = v * 10 + d;
    }
  }
  // C++20 defines the modular conversion, so -2^63 comes out right.
  *out = neg ? static_cast<int64_t>(~v + 1) : static_cast<int64_t>(v);
  return true;
}

// The first '\r' in [p, e). Header lines are a few bytes long: eight bytes at a time in a
// register beats a call into memchr there; long simple strings go to memchr.
inline const char *find_cr(const char *p, const char *e) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  for (int i = 0; i < 4 && e - p >= 8; ++i, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    const uint64_t x = w ^ (kOnes * '\r');
    // High bit set in each byte of x that is zero; exact for the lowest one, which is all we need.
    const uint64_t zero = (x - kOnes) & ~x & kHighs;
    if (zero) return p + (std::countr_zero(zero) >> 3);
  }
  if (e - p >= 8) {
    return static_cast<const char *>(std::memchr(p, '\r', static_cast<size_t>(e - p)));
  }
  for (; p != e; ++p) {
    if (*p == '\r') return p;
  }
  return nullptr;
}

std::string shown(std::string_view s) {
  constexpr size_t kMax = 32;
  std::string out;
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'') {
      out += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (s.size() > kMax) out += "...";
  return out;
}

bool format_char_ok(char c) { return c > 0x20 && c < 0x7f && c != ':'; }
}  // namespace

Parser::Parser(const Limits &limits) : limits_(limits) {
  stack_.reserve(limits_.max_depth < kReservedFrames ? limits_.max_depth : kReservedFrames);
}

void Parser::begin(glide_value *target, Arena *arena) {
  target_ = target;
  arena_ = arena;
  stack_.clear();
  state_ = State::kLine;
  line_scanned_ = 0;
  bulk_dst_ = nullptr;
  verbatim_ = false;
  bulk_left_ = 0;
  crlf_seen_ = 0;
}

bool Parser::idle() const { return state_ == State::kIdle; }

const std::string &Parser::error() const { return error_; }

void Parser::reset() {
  begin(nullptr, nullptr);
  state_ = State::kIdle;
  error_.clear();
}

Parser::Step Parser::reject(const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  error_ = buf;
  state_ = State::kError;
  // Leave no half-built tree (with uninitialised items) reachable from the target.
  if (target_) Arena::set_nil(target_);
  stack_.clear();
  return Step::kFailed;
}

Parser::Step Parser::reject_text(const char *what, const char *p, const char *e) {
  return reject("protocol error: invalid %s '%s'", what,
                shown({p, static_cast<size_t>(e - p)}).c_str());
}

inline Parser::Step Parser::complete() {
  while (!stack_.empty()) {
    Frame &f = stack_.back();
    if (f.next) ++f.next;
    if (--f.remaining) {
      if (f.next == f.end && f.end) [[unlikely]]
        return grow_items(f) ? Step::kNext : Step::kFailed;
      return Step::kNext;
    }
    const bool attribute = f.attribute;
    stack_.pop_back();
    // An attribute annotates the value that follows it, which takes the parent's slot.
    if (attribute) return Step::kNext;
  }
  return Step::kReplyDone;
}

// An aggregate whose header announced more elements than its bytes so far could hold was given
// room for part of them: twice as much now (the filled part copied), never more than announced.
bool Parser::grow_items(Frame &f) {
  const auto filled = static_cast<uint64_t>(f.end - f.base);
  uint64_t cap = filled + f.remaining;
  if (cap > filled * 2) cap = filled * 2;
  glide_value *items = arena_->alloc_values(static_cast<size_t>(cap));
  if (!items) {
    reject("out of memory");
    return false;
  }
  std::memcpy(items, f.base, static_cast<size_t>(filled) * sizeof(glide_value));
  f.owner->u.aggregate.items = items;
  f.base = items;
  f.next = items + filled;
  f.end = items + cap;
  return true;
}

inline bool Parser::store_string(glide_value *v, glide_value_type type, const char *p, size_t n) {
  auto *s = static_cast<char *>(arena_->alloc(n + 1, 1));
  if (!s) return false;
  if (n) std::memcpy(s, p, n);
  s[n] = '\0';
  v->type = type;
  v->error_kind = type == GLIDE_VALUE_ERROR ? GLIDE_ERR_SERVER : GLIDE_OK;
  v->u.string.ptr = s;
  v->u.string.len = n;
  return true;
}

bool Parser::take_bulk(const char *data, size_t len, size_t *pos) {
  size_t at = *pos;
  if (state_ == State::kBulk) {
    const size_t avail = len - at;
    const size_t n = bulk_left_ < avail ? static_cast<size_t>(bulk_left_) : avail;
    if (n && bulk_dst_) {
      if (static_cast<size_t>(bulk_end_ - bulk_dst_) < n && !grow_bulk(n)) {
        *pos = at;
        return false;
      }
      std::memcpy(bulk_dst_, data + at, n);
      bulk_dst_ += n;
    }
    at += n;
    bulk_left_ -= n;
    if (bulk_left_) {
      *pos = at;
      return false;
    }
    if (bulk_dst_) *bulk_dst_ = '\0';
    state_ = State::kBulkCrlf;
    crlf_seen_ = 0;
  }
  for (; crlf_seen_ < 2; ++crlf_seen_, ++at) {
    if (at == len || data[at] != (crlf_seen_ ? '\n' : '\r')) {
      if (at != len) reject("protocol error: bulk string not followed by CRLF");
      *pos = at;
      return false;
    }
  }
  state_ = State::kLine;
  *pos = at;
  return true;
}

Status Parser::feed(const char *data, size_t len, size_t *consumed) {
  if (state_ == State::kError || state_ == State::kIdle) [[unlikely]] {
    *consumed = 0;
    if (state_ == State::kIdle) error_ = "parser: feed() without begin()";
    return Status::kError;
  }
  size_t pos = 0;
  Step step;
  do {
    if (state_ != State::kLine) {
      if (!take_bulk(data, len, &pos)) {
        *consumed = pos;
        return state_ == State::kError ? Status::kError : Status::kNeedMore;
      }
      step = finish_bulk();
      continue;
    }
    // One whole line (type byte .. CRLF) must be in the buffer.
    const size_t avail = len - pos;
    const char *start = data + pos;
    const size_t window = avail < kMaxLineLen + 1 ? avail : kMaxLineLen + 1;
    if (line_scanned_ > window) line_scanned_ = 0;  // caller did not hand the rest back as told
    const char *cr = find_cr(start + line_scanned_, start + window);
    if (!cr) {
      *consumed = pos;
      if (avail > kMaxLineLen) {
        reject("protocol error: line longer than %zu bytes without CRLF", kMaxLineLen);
        return Status::kError;
      }
      line_scanned_ = avail;
      return Status::kNeedMore;
    }
    const auto line_len = static_cast<size_t>(cr - start);
    if (line_len + 1 == avail) {
      line_scanned_ = line_len;  // look at this '\r' again once its '\n' may be there
      *consumed = pos;
      return Status::kNeedMore;
    }
    if (cr[1] != '\n' || line_len == 0) [[unlikely]] {
      *consumed = pos;
      reject(line_len ? "protocol error: CR not followed by LF"
                      : "protocol error: empty line where a type byte was expected");
      return Status::kError;
    }
    line_scanned_ = 0;
    pos += line_len + 2;
    avail_hint_ = len - pos;  // bytes at hand after this line: what an announced size can fill
    if (*start == '$') {
      step = on_bulk(start + 1, cr, data, len, &pos);
    } else {
      step = on_line(*start, start + 1, cr);
    }
  } while (step == Step::kNext);
  *consumed = pos;
  if (step == Step::kFailed) return Status::kError;
  state_ = State::kIdle;
  target_ = nullptr;
  arena_ = nullptr;
  return Status::kDone;
}

// '$': when the whole payload is already in the buffer (the common case) it is copied right
// away; otherwise the generic header path streams it.
Parser::Step Parser::on_bulk(const char *p, const char *e, const char *data, size_t len,
                             size_t *pos) {
  glide_value *v = slot();
  int64_t n;
  if (v && parse_int64(p, e, &n) && n >= 0 && static_cast<uint64_t>(n) <= limits_.max_bulk_len &&
      static_cast<uint64_t>(n) + 2 <= len - *pos) {
    const auto size = static_cast<size_t>(n);
    const char *src = data + *pos;
    if (!store_string(v, GLIDE_VALUE_BULK_STRING, src, size)) return reject("out of memory");
    if (src[size] != '\r' || src[size + 1] != '\n') {
      return reject("protocol error: bulk string not followed by CRLF");
    }
    *pos += size + 2;
    return complete();
  }
  return on_bulk_header('$', p, e, v);
}

Parser::Step Parser::on_line(char type, const char *p, const char *e) {
  glide_value *v = slot();  // nullptr inside an attribute: parse, check, store nothing
  const auto n = static_cast<size_t>(e - p);
  switch (type) {
    case '$':
    case '!':
    case '=':
      return on_bulk_header(type, p, e, v);
    case '*':
    case '%':
    case '~':
    case '>':
    case '|':
      return on_aggregate_header(type, p, e, v);
    case '+':
    case '-':
      if (v) {
        const auto t = type == '+' ? GLIDE_VALUE_SIMPLE_STRING : GLIDE_VALUE_ERROR;
        if (!store_string(v, t, p, n)) return reject("out of memory");
      }
      break;
    case ':': {
      int64_t i;
      if (!parse_int64(p, e, &i)) {
        return reject_text("integer", p, e);
      }
      if (v) Arena::set_integer(v, i);
      break;
    }
    case ',': {
      double d = 0;
      // from_chars is locale-free and takes "inf", "-inf" and "nan" too; no leading '+'.
      const auto r = std::from_chars(p, e, d, std::chars_format::general);
      if (n == 0 || r.ec != std::errc() || r.ptr != e) {
        return reject_text("double", p, e);
      }
      if (v) {
        v->type = GLIDE_VALUE_DOUBLE;
        v->error_kind = GLIDE_OK;
        v->u.dbl = d;
      }
      break;
    }
    case '#':
      if (n != 1 || (*p != 't' && *p != 'f')) {
        return reject_text("boolean", p, e);
      }
      if (v) {
        v->type = GLIDE_VALUE_BOOLEAN;
        v->error_kind = GLIDE_OK;
        v->u.boolean = *p == 't';
      }
      break;
    case '(': {
      const char *d = p != e && *p == '-' ? p + 1 : p;
      bool ok = d != e;
      for (; ok && d != e; ++d) ok = *d >= '0' && *d <= '9';
      if (!ok) return reject_text("big number", p, e);
      if (v && !store_string(v, GLIDE_VALUE_BIG_NUMBER, p, n)) return reject("out of memory");
      break;
    }
    case '_':
      if (n) return reject_text("null", p, e);
      if (v) Arena::set_nil(v);
      break;
    default:
      return reject_text("type byte", &type, &type + 1);
  }
  return complete();
}

Parser::Step Parser::on_bulk_header(char type, const char *p, const char *e, glide_value *v) {
  int64_t n;
  if (!parse_int64(p, e, &n)) {
    return reject_text("length", p, e);
  }
  if (n < 0) {
    // RESP2's null bulk string; no other negative length exists.
    if (n != -1 || type != '$')
      return reject("protocol error: invalid length %lld", static_cast<long long>(n));
    if (v) Arena::set_nil(v);
    return complete();
  }
  const auto len = static_cast<uint64_t>(n);
  if (len > limits_.max_bulk_len) {
    return reject("protocol error: bulk length %llu exceeds the limit %llu",
                  static_cast<unsigned long long>(len),
                  static_cast<unsigned long long>(limits_.max_bulk_len));
  }
  if (type == '=' && len < 4) {
    return reject("protocol error: verbatim string of %llu bytes has no format prefix",
                  static_cast<unsigned long long>(len));
  }
  bulk_dst_ = nullptr;
  verbatim_ = false;
  if (v) {
    if (len >= std::numeric_limits<size_t>::max()) return reject("out of memory");
    // Room for what may plausibly come: the whole string when it is small or already here,
    // else what has arrived (at least 64 KiB), grown as the rest streams in. A header that
    // announces 512 MiB and sends three bytes reserves no 512 MiB.
    uint64_t room = len;
    if (len > kEagerBulk && len > avail_hint_)
      room = avail_hint_ > kEagerBulk ? avail_hint_ : kEagerBulk;
    char *s = arena_->alloc_string(static_cast<size_t>(room));
    if (!s) return reject("out of memory");
    s[room] = '\0';
    bulk_value_ = v;
    bulk_base_ = s;
    bulk_end_ = s + room;
    v->error_kind = GLIDE_OK;
    v->u.string.ptr = s;
    v->u.string.len = static_cast<size_t>(len);
    if (type == '$') {
      v->type = GLIDE_VALUE_BULK_STRING;
    } else if (type == '!') {
      v->type = GLIDE_VALUE_ERROR;
      v->error_kind = GLIDE_ERR_SERVER;
    } else {
      // The whole payload ("txt:" and the text) streams into s; the text is s + 4 on, and
      // finish_bulk moves the checked format into verbatim_format (all NULs until then).
      v->type = GLIDE_VALUE_VERBATIM_STRING;
      v->u.string.ptr = s + 4;
      v->u.string.len = static_cast<size_t>(len) - 4;
      verbatim_ = true;
    }
    bulk_dst_ = s;
  }
  bulk_left_ = len;
  state_ = State::kBulk;
  return Step::kNext;
}

// A streaming bulk string outgrew its room: twice as much (or what this chunk needs), never more
// than announced; the bytes so far are copied over.
bool Parser::grow_bulk(size_t need) {
  const auto written = static_cast<uint64_t>(bulk_dst_ - bulk_base_);
  uint64_t cap = 2 * static_cast<uint64_t>(bulk_end_ - bulk_base_);
  if (cap < written + need) cap = written + need;
  if (cap > written + bulk_left_) cap = written + bulk_left_;
  char *s = arena_->alloc_string(static_cast<size_t>(cap));
  if (!s) {
    reject("out of memory");
    return false;
  }
  std::memcpy(s, bulk_base_, static_cast<size_t>(written));
  bulk_value_->u.string.ptr = s + (bulk_value_->u.string.ptr - bulk_base_);
  bulk_base_ = s;
  bulk_dst_ = s + written;
  bulk_end_ = s + cap;
  return true;
}

Parser::Step Parser::finish_bulk() {
  if (verbatim_) {
    verbatim_ = false;
    const char *f = bulk_base_;  // "xxx:" then the text
    if (!format_char_ok(f[0]) || !format_char_ok(f[1]) || !format_char_ok(f[2]) || f[3] != ':') {
      return reject("protocol error: verbatim string without a 'xxx:' format prefix");
    }
    // The format gets its own place in the value; the 4 bytes before the text are unused now.
    char *fmt = bulk_value_->verbatim_format;
    std::memcpy(fmt, f, 3);
    fmt[3] = '\0';
  }
  return complete();
}

Parser::Step Parser::on_aggregate_header(char type, const char *p, const char *e, glide_value *v) {
  int64_t n;
  if (!parse_int64(p, e, &n)) {
    return reject_text("length", p, e);
  }
  if (n < 0) {
    if (n != -1 || type != '*')
      return reject("protocol error: invalid length %lld", static_cast<long long>(n));
    if (v) Arena::set_nil(v);
    return complete();
  }
  const auto pairs = static_cast<uint64_t>(n);
  const bool paired = type == '%' || type == '|';
  const uint64_t max = limits_.max_aggregate_len;
  if (paired ? pairs > max / 2 : pairs > max) {
    return reject("protocol error: aggregate length %llu exceeds the limit %llu",
                  static_cast<unsigned long long>(paired ? pairs * 2 : pairs),
                  static_cast<unsigned long long>(max));
  }
  const uint64_t count = paired ? pairs * 2 : pairs;
  if (stack_.size() >= limits_.max_depth) {
    return reject("protocol error: aggregates nested deeper than %u", limits_.max_depth);
  }
  if (type == '|') {
    if (count) stack_.push_back(Frame{nullptr, count, true, nullptr, nullptr, nullptr});
    return Step::kNext;  // the annotated value follows either way
  }
  glide_value *items = nullptr;
  uint64_t room = count;
  if (v) {
    if (count) {
      // Far beyond any memory, and keeps the arena's size arithmetic clear of overflow.
      if (count > kMaxItems) return reject("out of memory");
      // Every element takes at least 3 bytes ("_\r\n"): a header announcing more elements than
      // the bytes at hand could hold gets room for those (at least kEagerItems), grown as the
      // rest arrives. *16777216 in a tiny reply reserves no 384 MiB.
      if (count > kEagerItems && count > avail_hint_ / 3)
        room = avail_hint_ / 3 > kEagerItems ? avail_hint_ / 3 : kEagerItems;
      items = arena_->alloc_values(static_cast<size_t>(room));
      if (!items) return reject("out of memory");
    }
    switch (type) {
      case '*':
        v->type = GLIDE_VALUE_ARRAY;
        break;
      case '%':
        v->type = GLIDE_VALUE_MAP;
        break;
      case '~':
        v->type = GLIDE_VALUE_SET;
        break;
      default:
        v->type = GLIDE_VALUE_PUSH;
        break;
    }
    v->error_kind = GLIDE_OK;
    v->u.aggregate.items = items;
    v->u.aggregate.len = static_cast<size_t>(pairs);
  }
  if (!count) return complete();
  stack_.push_back(Frame{items, count, false, items, items ? items + room : nullptr, v});
  return Step::kNext;
}

}  // namespace glide::resp
