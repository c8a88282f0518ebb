// RESP parser: every type at every split position, limits and malformed input.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "resp/parser.h"
#include "value/arena.h"

using glide::Arena;
using glide::resp::Limits;
using glide::resp::Parser;
using glide::resp::Status;

// The out-of-memory tests ask for absurd sizes; under ASan malloc must fail, not abort.
extern "C" const char *__asan_default_options() { return "allocator_may_return_null=1"; }

namespace {

std::string escaped(const char *p, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != ',' && c != ']' && c != '}') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// A compact, binary-safe rendering of a tree, so trees compare as strings.
std::string render(const glide_value *v) {
  switch (v->type) {
    case GLIDE_VALUE_NIL:
      return "nil";
    case GLIDE_VALUE_SIMPLE_STRING:
    case GLIDE_VALUE_BULK_STRING:
    case GLIDE_VALUE_BIG_NUMBER:
    case GLIDE_VALUE_ERROR:
    case GLIDE_VALUE_VERBATIM_STRING: {
      const char *p = v->u.string.ptr;
      const size_t n = v->u.string.len;
      if (!p || p[n] != '\0') return "<string not NUL-terminated>";
      const std::string body = escaped(p, n);
      switch (v->type) {
        case GLIDE_VALUE_SIMPLE_STRING:
          return "+" + body;
        case GLIDE_VALUE_BULK_STRING:
          return "$" + body;
        case GLIDE_VALUE_BIG_NUMBER:
          return "(" + body;
        case GLIDE_VALUE_ERROR:
          return (v->error_kind == GLIDE_ERR_SERVER ? "-" : "-?") + body;
        default: {
          // The format lives in the value itself, NUL-terminated; the accessor gives that place.
          const char *f = v->verbatim_format;
          if (f[3] != '\0' || std::strlen(f) != 3 || glide_value_verbatim_format(v) != f)
            return "<bad verbatim format>";
          return "=" + std::string(f, 3) + ":" + body;
        }
      }
    }
    case GLIDE_VALUE_INTEGER:
      return ":" + std::to_string(v->u.integer);
    case GLIDE_VALUE_DOUBLE: {
      if (std::isnan(v->u.dbl)) return ",nan";
      char buf[64];
      std::snprintf(buf, sizeof buf, ",%.17g", v->u.dbl);
      return buf;
    }
    case GLIDE_VALUE_BOOLEAN:
      return v->u.boolean ? "#t" : "#f";
    case GLIDE_VALUE_ARRAY:
    case GLIDE_VALUE_SET:
    case GLIDE_VALUE_PUSH: {
      std::string out = v->type == GLIDE_VALUE_ARRAY ? "*["
                        : v->type == GLIDE_VALUE_SET ? "~["
                                                     : ">[";
      for (size_t i = 0; i < v->u.aggregate.len; ++i) {
        if (i) out += ",";
        out += render(&v->u.aggregate.items[i]);
      }
      return out + "]";
    }
    case GLIDE_VALUE_MAP: {
      std::string out = "%{";
      for (size_t i = 0; i < v->u.aggregate.len; ++i) {
        if (i) out += ",";
        out +=
            render(&v->u.aggregate.items[2 * i]) + ":" + render(&v->u.aggregate.items[2 * i + 1]);
      }
      return out + "}";
    }
  }
  return "<bad type>";
}

// Feeds `input` cut at the given positions the way a connection would: bytes not consumed stay
// at the front of the buffer and new bytes are appended. Returns each reply rendered, then
// "ERR:<message>" on error or "MORE" when input ran out in the middle of a reply.
std::vector<std::string> parse_chunks(const std::string &input, const std::vector<size_t> &cuts,
                                      const Limits &limits = Limits{},
                                      size_t *max_leftover = nullptr) {
  std::vector<std::string> out;
  Parser parser(limits);
  Arena *arena = nullptr;
  std::string buf;
  size_t prev = 0;
  if (max_leftover) *max_leftover = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    buf.append(input, prev, end - prev);
    prev = end;
    for (;;) {
      if (parser.idle()) {
        if (buf.empty()) break;
        arena = Arena::create();
        parser.begin(arena->root(), arena);
      }
      size_t consumed = 0;
      const Status st = parser.feed(buf.data(), buf.size(), &consumed);
      assert_true(consumed <= buf.size());
      buf.erase(0, consumed);
      if (st == Status::kDone) {
        out.push_back(render(arena->root()));
        Arena::destroy(arena);
        arena = nullptr;
        continue;
      }
      if (st == Status::kError) {
        out.push_back("ERR:" + parser.error());
        Arena::destroy(arena);
        return out;
      }
      if (max_leftover && buf.size() > *max_leftover) *max_leftover = buf.size();
      break;
    }
  }
  if (arena) {
    out.push_back("MORE");
    Arena::destroy(arena);
  }
  return out;
}

std::string joined(const std::vector<std::string> &v) {
  std::string s;
  for (const auto &x : v) s += x + "\n";
  return s;
}

// Whole, cut in two at every position, and byte by byte must all give `expected`.
void check_all_splits(const std::string &input, const std::vector<std::string> &expected,
                      const Limits &limits = Limits{}, size_t stride = 1) {
  const std::string want = joined(expected);
  assert_string_equal(joined(parse_chunks(input, {}, limits)).c_str(), want.c_str());
  for (size_t i = 0; i <= input.size(); i += stride) {
    const std::string got = joined(parse_chunks(input, {i}, limits));
    if (got != want) {
      std::fprintf(stderr, "split at %zu of '%s'\n", i,
                   escaped(input.data(), input.size()).c_str());
    }
    assert_string_equal(got.c_str(), want.c_str());
  }
  std::vector<size_t> bytes;
  for (size_t i = 1; i < input.size(); i += stride) bytes.push_back(i);
  assert_string_equal(joined(parse_chunks(input, bytes, limits)).c_str(), want.c_str());
}

void check1(const std::string &input, const std::string &expected,
            const Limits &limits = Limits{}) {
  check_all_splits(input, {expected}, limits);
}

// A malformed input must fail the same way however it is split.
void check_error(const std::string &input, const char *message_part,
                 const Limits &limits = Limits{}, size_t stride = 1) {
  const auto whole = parse_chunks(input, {}, limits);
  assert_false(whole.empty());
  const std::string &last = whole.back();
  if (last.rfind("ERR:", 0) != 0 || last.find(message_part) == std::string::npos) {
    std::fprintf(stderr, "input '%s': got '%s', want an error with '%s'\n",
                 escaped(input.data(), input.size()).c_str(), last.c_str(), message_part);
    fail();
  }
  check_all_splits(input, whole, limits, stride);
}

// ---------------------------------------------------------------- scalars

void test_simple_string(void **) {
  check1("+OK\r\n", "+OK");
  check1("+\r\n", "+");
  check1("+hello world\r\n", "+hello world");
}

void test_simple_error(void **) {
  check1("-ERR unknown command 'foo'\r\n", "-ERR unknown command 'foo'");
  check1("-MOVED 3999 127.0.0.1:6381\r\n", "-MOVED 3999 127.0.0.1:6381");
}

void test_integer(void **) {
  check1(":0\r\n", ":0");
  check1(":1000\r\n", ":1000");
  check1(":-42\r\n", ":-42");
  check1(":007\r\n", ":7");
  check1(":9223372036854775807\r\n", ":9223372036854775807");
  check1(":-9223372036854775808\r\n", ":-9223372036854775808");
}

void test_double(void **) {
  check1(",1.5\r\n", ",1.5");
  check1(",-2.25e10\r\n", ",-22500000000");
  check1(",0\r\n", ",0");
  check1(",3\r\n", ",3");
  check1(",1.0000000000000001e+300\r\n", ",1.0000000000000001e+300");
  check1(",inf\r\n", ",inf");
  check1(",-inf\r\n", ",-inf");
  check1(",nan\r\n", ",nan");
}

void test_boolean_null_bignum(void **) {
  check1("#t\r\n", "#t");
  check1("#f\r\n", "#f");
  check1("_\r\n", "nil");
  check1("(3492890328409238509324850943850943825024385\r\n",
         "(3492890328409238509324850943850943825024385");
  check1("(-12\r\n", "(-12");
}

void test_bulk_string(void **) {
  check1("$5\r\nhello\r\n", "$hello");
  check1("$0\r\n\r\n", "$");
  check1("$-1\r\n", "nil");
  // Binary safe: NUL, CR and LF inside the payload.
  check1(std::string("$6\r\na\0b\r\nc\r\n", 12), "$a\\x00b\\x0d\\x0ac");
}

void test_bulk_error(void **) {
  check1("!21\r\nSYNTAX invalid syntax\r\n", "-SYNTAX invalid syntax");
  check1("!0\r\n\r\n", "-");
}

void test_verbatim(void **) {
  check1("=15\r\ntxt:Some string\r\n", "=txt:Some string");
  check1("=4\r\nmkd:\r\n", "=mkd:");
  check1("=8\r\nmkd:a\r\nb\r\n", "=mkd:a\\x0d\\x0ab");
}

// Parses one whole reply into a fresh arena (the caller destroys it).
Arena *parse_one(const std::string &in) {
  Arena *arena = Arena::create();
  Parser parser;
  parser.begin(arena->root(), arena);
  size_t consumed = 0;
  assert_int_equal(parser.feed(in.data(), in.size(), &consumed), Status::kDone);
  assert_int_equal(consumed, in.size());
  return arena;
}

void test_verbatim_format_accessible(void **) {
  Arena *arena = parse_one("=15\r\ntxt:Some string\r\n");
  const glide_value *v = arena->root();
  assert_int_equal(v->type, GLIDE_VALUE_VERBATIM_STRING);
  assert_int_equal(v->u.string.len, 11);
  assert_memory_equal(v->u.string.ptr, "Some string", 12);  // NUL-terminated like every string
  // The format has its own place in the value: read through the struct and the accessor.
  assert_string_equal(v->verbatim_format, "txt");
  assert_ptr_equal(glide_value_verbatim_format(v), v->verbatim_format);
  assert_int_equal(glide_value_error_kind(v), GLIDE_OK);  // the accessor checks the type
  Arena::destroy(arena);

  arena = parse_one("=8\r\nmkd:# hi\r\n");
  v = arena->root();
  assert_string_equal(glide_value_verbatim_format(v), "mkd");
  assert_int_equal(v->u.string.len, 4);
  assert_memory_equal(v->u.string.ptr, "# hi", 5);
  Arena::destroy(arena);
}

void test_verbatim_binary_and_empty(void **) {
  // Binary text: NUL, CR and LF in it (and a NUL right after the prefix) are kept byte for byte.
  const std::string bin("=11\r\ntxt:\0a\0\r\nb\0\r\n", 18);
  check1(bin, "=txt:\\x00a\\x00\\x0d\\x0ab\\x00");
  Arena *arena = parse_one(bin);
  const glide_value *v = arena->root();
  assert_string_equal(glide_value_verbatim_format(v), "txt");
  assert_int_equal(v->u.string.len, 7);
  assert_memory_equal(v->u.string.ptr, "\0a\0\r\nb\0", 8);
  Arena::destroy(arena);

  // Empty text: the format alone.
  check1("=4\r\ntxt:\r\n", "=txt:");
  arena = parse_one("=4\r\ntxt:\r\n");
  v = arena->root();
  assert_int_equal(v->type, GLIDE_VALUE_VERBATIM_STRING);
  assert_string_equal(v->verbatim_format, "txt");
  assert_int_equal(v->u.string.len, 0);
  assert_non_null(v->u.string.ptr);
  assert_int_equal(v->u.string.ptr[0], '\0');
  Arena::destroy(arena);

  // Inside aggregates, next to errors: each value keeps its own format or kind.
  arena = parse_one("*3\r\n=5\r\nmkd:x\r\n-ERR e\r\n=5\r\ntxt:y\r\n");
  v = arena->root();
  assert_string_equal(glide_value_verbatim_format(&v->u.aggregate.items[0]), "mkd");
  assert_int_equal(glide_value_error_kind(&v->u.aggregate.items[1]), GLIDE_ERR_SERVER);
  assert_null(glide_value_verbatim_format(&v->u.aggregate.items[1]));
  assert_string_equal(glide_value_verbatim_format(&v->u.aggregate.items[2]), "txt");
  Arena::destroy(arena);
}

// A verbatim string long enough to stream through grown room keeps its format.
void test_verbatim_streamed_keeps_format(void **) {
  const std::string text(300000, 'q');
  const std::string in = "=300004\r\nmkd:" + text + "\r\n";
  Parser parser;
  Arena *arena = Arena::create();
  parser.begin(arena->root(), arena);
  size_t pos = 0;
  Status st = Status::kNeedMore;
  while (st == Status::kNeedMore && pos < in.size()) {
    const size_t n = std::min<size_t>(in.size() - pos, 4096);  // arrives 4 KiB at a time
    size_t consumed = 0;
    st = parser.feed(in.data() + pos, n, &consumed);
    pos += consumed;
    if (st == Status::kNeedMore && consumed == 0) break;
  }
  assert_int_equal(st, Status::kDone);
  const glide_value *v = arena->root();
  assert_string_equal(glide_value_verbatim_format(v), "mkd");
  assert_int_equal(v->u.string.len, text.size());
  assert_true(std::string(v->u.string.ptr, v->u.string.len) == text);
  Arena::destroy(arena);
}

// ---------------------------------------------------------------- aggregates

void test_arrays(void **) {
  check1("*0\r\n", "*[]");
  check1("*-1\r\n", "nil");
  check1("*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n", "*[$foo,$bar]");
  check1("*3\r\n:1\r\n:2\r\n:3\r\n", "*[:1,:2,:3]");
  check1("*5\r\n:1\r\n$-1\r\n+OK\r\n-ERR x\r\n_\r\n", "*[:1,nil,+OK,-ERR x,nil]");
  check1("*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n",
         "*[*[:1,:2,:3],*[+Hello,-World]]");
  check1("*3\r\n*0\r\n*1\r\n*0\r\n$0\r\n\r\n", "*[*[],*[*[]],$]");
  check1("*1\r\n*1\r\n*1\r\n*1\r\n:7\r\n", "*[*[*[*[:7]]]]");
}

void test_maps_sets_pushes(void **) {
  check1("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", "%{+first::1,+second::2}");
  check1("%0\r\n", "%{}");
  check1("%1\r\n$3\r\nkey\r\n*2\r\n#t\r\n,1.5\r\n", "%{$key:*[#t,,1.5]}");
  check1("~3\r\n+a\r\n+b\r\n:3\r\n", "~[+a,+b,:3]");
  check1("~0\r\n", "~[]");
  check1(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n", ">[$message,$ch,$hello]");
  check1("*2\r\n%1\r\n~1\r\n:1\r\n>1\r\n(9\r\n=5\r\ntxt:x\r\n", "*[%{~[:1]:>[(9]},=txt:x]");
}

void test_every_type_in_one_array(void **) {
  const std::string in =
      "*15\r\n+s\r\n-E e\r\n$2\r\nbb\r\n!2\r\nEE\r\n=6\r\ntxt:vv\r\n:-5\r\n,2.5\r\n#t\r\n"
      "(123\r\n_\r\n*1\r\n:1\r\n%1\r\n:1\r\n:2\r\n~1\r\n:3\r\n>1\r\n:4\r\n$-1\r\n";
  check1(in, "*[+s,-E e,$bb,-EE,=txt:vv,:-5,,2.5,#t,(123,nil,*[:1],%{:1::2},~[:3],>[:4],nil]");
}

void test_attributes(void **) {
  // Top level: the attribute is dropped and the value after it is the reply.
  check1(
      "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n"
      "*2\r\n:2039123\r\n:9543892\r\n",
      "*[:2039123,:9543892]");
  // Before an element: the element keeps its place.
  check1("*3\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n$3\r\nfoo\r\n:3\r\n", "*[:1,$foo,:3]");
  // Before a map value, holding every kind of value (all of it discarded).
  check1(
      "%1\r\n+k\r\n|2\r\n+a\r\n*2\r\n$3\r\nxyz\r\n=6\r\ntxt:zz\r\n!1\r\nE\r\n%1\r\n~1\r\n_\r\n"
      "|1\r\n:1\r\n:2\r\n#f\r\n+v\r\n",
      "%{+k:+v}");
  check1("|0\r\n:5\r\n", ":5");
  check1("|1\r\n+a\r\n+b\r\n|1\r\n+c\r\n+d\r\n$-1\r\n", "nil");
  check1("|1\r\n+a\r\n+b\r\n*0\r\n", "*[]");
}

void test_back_to_back(void **) {
  check_all_splits("+OK\r\n:1\r\n$3\r\nfoo\r\n*2\r\n:1\r\n:2\r\n>2\r\n+a\r\n+b\r\n_\r\n",
                   {"+OK", ":1", "$foo", "*[:1,:2]", ">[+a,+b]", "nil"});
  // A reply cut short is reported as unfinished, not as an error.
  check_all_splits("+OK\r\n*2\r\n:1\r\n", {"+OK", "MORE"});
}

void test_done_consumes_exactly_one_reply(void **) {
  Arena *arena = Arena::create();
  Parser parser;
  parser.begin(arena->root(), arena);
  const char in[] = "*1\r\n:1\r\n+NEXT\r\n";
  size_t consumed = 0;
  assert_int_equal(parser.feed(in, sizeof in - 1, &consumed), Status::kDone);
  assert_int_equal(consumed, 8);
  assert_true(parser.idle());
  Arena::destroy(arena);
}

void test_big_bulk_streams_through_small_buffer(void **) {
  const size_t n = 1 << 20;
  std::string payload(n, 'x');
  for (size_t i = 0; i < n; ++i) payload[i] = static_cast<char>('a' + i % 26);
  const std::string in = "$" + std::to_string(n) + "\r\n" + payload + "\r\n:5\r\n";
  std::vector<size_t> cuts;
  for (size_t i = 4096; i < in.size(); i += 4096) cuts.push_back(i);
  size_t max_leftover = 0;
  const auto out = parse_chunks(in, cuts, Limits{}, &max_leftover);
  assert_int_equal(out.size(), 2);
  assert_true(out[0] == "$" + payload);
  assert_string_equal(out[1].c_str(), ":5");
  assert_true(max_leftover < 64);  // the payload never piles up in the caller's buffer
}

void test_limits_at_the_boundary(void **) {
  Limits l;
  l.max_depth = 3;
  l.max_bulk_len = 5;
  l.max_aggregate_len = 4;
  check1("*1\r\n*1\r\n*1\r\n:1\r\n", "*[*[*[:1]]]", l);
  check1("$5\r\nhello\r\n", "$hello", l);
  check1("=5\r\ntxt:a\r\n", "=txt:a", l);
  check1("*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n", "*[:1,:2,:3,:4]", l);
  check1("%2\r\n:1\r\n:2\r\n:3\r\n:4\r\n", "%{:1::2,:3::4}", l);
}

// ---------------------------------------------------------------- malformed input

void test_bad_type_byte(void **) {
  check_error("x\r\n", "invalid type byte 'x'");
  check_error("\x01OK\r\n", "invalid type byte '\\x01'");
  check_error("*1\r\n?\r\n", "invalid type byte '?'");
  check_error("\r\n", "empty line");
  check_error("$?\r\n", "invalid length");  // streamed strings are not supported
}

void test_bad_integer(void **) {
  check_error(":12a\r\n", "invalid integer '12a'");
  check_error(":\r\n", "invalid integer");
  check_error(":-\r\n", "invalid integer");
  check_error(":+1\r\n", "invalid integer");
  check_error(": 1\r\n", "invalid integer");
  check_error(":9223372036854775808\r\n", "invalid integer");
  check_error(":-9223372036854775809\r\n", "invalid integer");
  check_error(":99999999999999999999999\r\n", "invalid integer");
  check_error("$1x\r\nab\r\n", "invalid length");
}

void test_bad_line_endings(void **) {
  check_error("$3\r\nfooX\r\n", "bulk string not followed by CRLF");
  check_error("$3\r\nfoo\rX", "bulk string not followed by CRLF");
  check_error("$3\r\nfoo\n\r", "bulk string not followed by CRLF");
  check_error("*1\r\n$0\r\nX", "bulk string not followed by CRLF");
  check_error("+OK\rX\r\n", "CR not followed by LF");
  check_error(":1\r\r\n", "CR not followed by LF");
}

void test_negative_lengths(void **) {
  check_error("$-2\r\n", "invalid length -2");
  check_error("*-5\r\n", "invalid length -5");
  check_error("%-1\r\n", "invalid length -1");
  check_error("~-1\r\n", "invalid length -1");
  check_error(">-1\r\n", "invalid length -1");
  check_error("|-1\r\n", "invalid length -1");
  check_error("!-1\r\n", "invalid length -1");
  check_error("=-1\r\n", "invalid length -1");
}

void test_over_limits(void **) {
  Limits l;
  l.max_depth = 3;
  l.max_bulk_len = 5;
  l.max_aggregate_len = 4;
  check_error("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", "nested deeper than 3", l);
  check_error("*1\r\n*1\r\n*1\r\n*0\r\n", "nested deeper than 3", l);
  check_error("*1\r\n%1\r\n:1\r\n~1\r\n>0\r\n", "nested deeper than 3", l);
  check_error("$6\r\nhello!\r\n", "bulk length 6 exceeds the limit 5", l);
  check_error("!6\r\nhello!\r\n", "bulk length 6 exceeds the limit 5", l);
  check_error("=6\r\ntxt:ab\r\n", "bulk length 6 exceeds the limit 5", l);
  check_error("*5\r\n", "aggregate length 5 exceeds the limit 4", l);
  check_error("%3\r\n", "aggregate length 6 exceeds the limit 4", l);
  check_error("|3\r\n", "aggregate length 6 exceeds the limit 4", l);
  check_error("~9223372036854775807\r\n", "exceeds the limit", l);
  check_error("%9223372036854775807\r\n", "exceeds the limit", l);
  // Default limits: no allocation is attempted for a length beyond them.
  check_error("$9223372036854775807\r\n", "exceeds the limit");
  check_error("*9223372036854775807\r\n", "exceeds the limit");
}

void test_line_limit(void **) {
  // A line of 64 KiB is fine; one more byte without CRLF is garbage.
  const std::string ok = "+" + std::string(64 * 1024 - 1, 'a') + "\r\n";
  const auto out = parse_chunks(ok, {100, 40000});
  assert_int_equal(out.size(), 1);
  assert_int_equal(out[0].size(), 64 * 1024);
  check_error("+" + std::string(64 * 1024, 'a') + "\r\n", "line longer than 65536", Limits{}, 997);
  check_error(std::string(70000, '7'), "line longer than 65536", Limits{}, 1999);
  check_error("*1\r\n:" + std::string(70000, '1'), "line longer than 65536", Limits{}, 1999);
}

void test_bad_double_boolean_bignum_null(void **) {
  check_error(",abc\r\n", "invalid double 'abc'");
  check_error(",\r\n", "invalid double");
  check_error(",1.5x\r\n", "invalid double");
  check_error(",1,5\r\n", "invalid double");
  check_error(", 1\r\n", "invalid double");
  check_error(",1e999\r\n", "invalid double");
  check_error("#x\r\n", "invalid boolean 'x'");
  check_error("#\r\n", "invalid boolean");
  check_error("#tt\r\n", "invalid boolean");
  check_error("(\r\n", "invalid big number");
  check_error("(-\r\n", "invalid big number");
  check_error("(12a\r\n", "invalid big number");
  check_error("_x\r\n", "invalid null 'x'");
}

void test_bad_verbatim(void **) {
  check_error("=3\r\ntxt\r\n", "protocol error: verbatim string of 3 bytes has no format prefix");
  check_error("=0\r\n\r\n", "has no format prefix");
  check_error("=4\r\ntxtx\r\n", "protocol error: verbatim string without a 'xxx:' format prefix");
  check_error("=8\r\ntxt-abcd\r\n", "format prefix");  // no ':' after the format
  check_error("*2\r\n=5\r\ntxt:a\r\n=5\r\ntx:ab\r\n", "format prefix");
  check_error("=5\r\ntxtxy\r\n", "format prefix");
  check_error("=5\r\nt:t:y\r\n", "format prefix");
  check_error("=5\r\n t x:\r\n", "format prefix");
}

void test_error_is_sticky_and_reset_recovers(void **) {
  Arena *arena = Arena::create();
  Parser parser;
  size_t consumed = 7;
  assert_int_equal(parser.feed(":1\r\n", 4, &consumed), Status::kError);  // no begin()
  assert_int_equal(consumed, 0);
  parser.begin(arena->root(), arena);
  assert_int_equal(parser.feed("*2\r\n:1\r\n@\r\n", 11, &consumed), Status::kError);
  assert_string_equal(parser.error().c_str(), "protocol error: invalid type byte '@'");
  assert_int_equal(arena->root()->type, GLIDE_VALUE_NIL);  // no half-built tree left behind
  assert_false(parser.idle());
  assert_int_equal(parser.feed(":1\r\n", 4, &consumed), Status::kError);
  parser.reset();
  assert_true(parser.idle());
  assert_true(parser.error().empty());
  parser.begin(arena->root(), arena);
  assert_int_equal(parser.feed(":1\r\n", 4, &consumed), Status::kDone);
  assert_int_equal(arena->root()->u.integer, 1);
  Arena::destroy(arena);
}

void test_reset_mid_reply(void **) {
  Arena *arena = Arena::create();
  Parser parser;
  size_t consumed = 0;
  parser.begin(arena->root(), arena);
  assert_int_equal(parser.feed("*3\r\n$10\r\nabc", 12, &consumed), Status::kNeedMore);
  assert_int_equal(consumed, 12);
  parser.reset();
  parser.begin(arena->root(), arena);
  assert_int_equal(parser.feed("+OK\r\n", 5, &consumed), Status::kDone);
  assert_string_equal(render(arena->root()).c_str(), "+OK");
  Arena::destroy(arena);
}

void test_out_of_memory(void **) {
  Limits l;
  l.max_bulk_len = UINT64_MAX;
  l.max_aggregate_len = UINT64_MAX;
  check_error("*4611686018427387904\r\n", "out of memory", l);
  check_error("%2305843009213693952\r\n", "out of memory", l);
  // Just below SIZE_MAX / sizeof(glide_value): the byte count must not wrap inside the arena.
  check_error("*768614336404564650\r\n", "out of memory", l);
  // A huge announced bulk string reserves only what its bytes so far can fill: no 8 EiB malloc,
  // it waits for its bytes (reservation_follows_the_bytes checks the memory).
  const auto bulk = parse_chunks("$9223372036854775807\r\n", {}, l);
  assert_int_equal(bulk.size(), 1);
  assert_string_equal(bulk[0].c_str(), "MORE");
  // Inside an attribute nothing is allocated, so a huge length only waits for its bytes.
  const auto out = parse_chunks("|1\r\n+a\r\n$9223372036854775807\r\nabc", {}, l);
  assert_int_equal(out.size(), 1);
  assert_string_equal(out[0].c_str(), "MORE");
}

// Headers that announce far more than they send reserve memory for what arrived, not for what
// they announce (64 headers of *16777216 in 768 bytes reserved 25 GB of address space before).
void test_reservation_follows_the_bytes(void **) {
  struct Case {
    std::string input;
    size_t max_bytes;
  } cases[] = {
      {"*16777216\r\n_\r\n_\r\n_\r\n", 16 * 1024}, {"%8388608\r\n+k\r\n", 16 * 1024},
      {"*2\r\n*16777216\r\n:1\r\n", 16 * 1024},    {"$536870912\r\nabc", 80 * 1024},
      {"=536870912\r\ntxt:abc", 80 * 1024},
  };
  for (const Case &c : cases) {
    Arena *arena = Arena::create();
    Parser parser;
    parser.begin(arena->root(), arena);
    size_t consumed = 0;
    assert_int_equal(parser.feed(c.input.data(), c.input.size(), &consumed), Status::kNeedMore);
    if (arena->bytes_allocated() > c.max_bytes)
      fail_msg("%s: %zu bytes reserved (bound %zu)",
               escaped(c.input.data(), c.input.size()).c_str(), arena->bytes_allocated(),
               c.max_bytes);
    Arena::destroy(arena);
  }
}

// Big replies that arrive in small pieces grow their room as they come and come out exactly as
// when parsed in one piece: a 100,000-element array, a 1 MiB bulk string, a verbatim string.
void test_streamed_big_replies_grow(void **) {
  std::string arr = "*100000\r\n";
  for (int i = 0; i < 100000; ++i)
    arr += (i % 3 == 0) ? "$3\r\nabc\r\n" : (i % 3 == 1 ? ":7\r\n" : "*2\r\n_\r\n+x\r\n");
  std::string bulk = "$1048576\r\n" + std::string(1 << 20, 'b') + "\r\n";
  std::string verb = "=200004\r\ntxt:" + std::string(200000, 'v') + "\r\n";
  for (const std::string *in : {&arr, &bulk, &verb}) {
    const std::string whole = joined(parse_chunks(*in, {}));
    std::vector<size_t> cuts;
    for (size_t at = 997; at < in->size(); at += 997) cuts.push_back(at);
    assert_string_equal(joined(parse_chunks(*in, cuts)).c_str(), whole.c_str());
  }
  // Streamed, the array costs at most about twice the arena of a parse in one piece (the items
  // grow by doubling; the elements' own memory is the same).
  size_t arena_bytes[2] = {0, 0};
  for (size_t chunk : {arr.size(), size_t{4096}}) {
    Arena *arena = Arena::create();
    Parser parser;
    parser.begin(arena->root(), arena);
    size_t pos = 0;
    Status st = Status::kNeedMore;
    std::string buf;
    while (st == Status::kNeedMore && pos < arr.size()) {
      buf.append(arr, pos, chunk);
      pos += chunk;
      size_t consumed = 0;
      st = parser.feed(buf.data(), buf.size(), &consumed);
      buf.erase(0, consumed);
    }
    assert_int_equal(st, Status::kDone);
    assert_int_equal(arena->root()->u.aggregate.len, 100000);
    arena_bytes[chunk == arr.size() ? 0 : 1] = arena->bytes_allocated();
    Arena::destroy(arena);
  }
  if (arena_bytes[1] > 2 * arena_bytes[0])
    fail_msg("100,000-element array: %zu arena bytes streamed, %zu in one piece", arena_bytes[1],
             arena_bytes[0]);
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_simple_string),
      cmocka_unit_test(test_simple_error),
      cmocka_unit_test(test_integer),
      cmocka_unit_test(test_double),
      cmocka_unit_test(test_boolean_null_bignum),
      cmocka_unit_test(test_bulk_string),
      cmocka_unit_test(test_bulk_error),
      cmocka_unit_test(test_verbatim),
      cmocka_unit_test(test_verbatim_format_accessible),
      cmocka_unit_test(test_verbatim_binary_and_empty),
      cmocka_unit_test(test_verbatim_streamed_keeps_format),
      cmocka_unit_test(test_arrays),
      cmocka_unit_test(test_maps_sets_pushes),
      cmocka_unit_test(test_every_type_in_one_array),
      cmocka_unit_test(test_attributes),
      cmocka_unit_test(test_back_to_back),
      cmocka_unit_test(test_done_consumes_exactly_one_reply),
      cmocka_unit_test(test_big_bulk_streams_through_small_buffer),
      cmocka_unit_test(test_limits_at_the_boundary),
      cmocka_unit_test(test_bad_type_byte),
      cmocka_unit_test(test_bad_integer),
      cmocka_unit_test(test_bad_line_endings),
      cmocka_unit_test(test_negative_lengths),
      cmocka_unit_test(test_over_limits),
      cmocka_unit_test(test_line_limit),
      cmocka_unit_test(test_bad_double_boolean_bignum_null),
      cmocka_unit_test(test_bad_verbatim),
      cmocka_unit_test(test_error_is_sticky_and_reset_recovers),
      cmocka_unit_test(test_reset_mid_reply),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_reservation_follows_the_bytes),
      cmocka_unit_test(test_streamed_big_replies_grow),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
