// parser_bench.cpp - instructions (under callgrind) and nanoseconds per reply of glide's RESP
// parser (src/resp/parser.h, replies built into an Arena) next to hiredis's reader (redisReaderFeed
// / redisReaderGetReply, replies built with malloc), on the same bytes:
//
//   ok        "+OK\r\n"                         (what SET answers)
//   int       ":<up to 10 digits>\r\n"
//   bulk16    "$16\r\n<16 bytes>\r\n"
//   bulk1k    "$1024\r\n<1024 bytes>\r\n"
//   array1000 "*1000\r\n" + 1000 x bulk16          (one reply = the whole array)
//
// Both parsers get the input in 16 KiB windows (as a read() would hand it over). For each parser
// and case two regions are counted apart: "parse" (bytes -> reply tree) and "free" (releasing
// the trees: Arena::destroy for glide, freeReplyObject for hiredis).
//
// Under valgrind (valgrind --tool=callgrind --instr-atstart=no ./parser_bench) each region is
// one dump whose "desc: Trigger: Client Request: <parser>:<case>:<region>" line names it; divide
// its total Ir by the reply count this program prints (JSON lines on stdout). Outside valgrind
// it times the same loops (many rounds) and prints ns per reply instead.
#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "resp/parser.h"
#include "value/arena.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(x)
#endif

namespace {

constexpr size_t kWindow = 16 * 1024;

struct Case {
  std::string name;
  std::string bytes;
  size_t replies;
  // expected content, for the check
  glide_value_type type;
  size_t str_len;    // strings
  size_t array_len;  // arrays
};

std::string payload(size_t n, size_t seed) {
  std::string s(n, 'x');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return s;
}

std::string bulk(const std::string &s) {
  std::string out;
  out.reserve(s.size() + 16);
  out.append("$").append(std::to_string(s.size())).append("\r\n").append(s).append("\r\n");
  return out;
}

std::vector<Case> make_cases() {
  std::vector<Case> cs;
  {
    Case c{"ok", "", 20000, GLIDE_VALUE_SIMPLE_STRING, 2, 0};
    for (size_t i = 0; i < c.replies; ++i) c.bytes += "+OK\r\n";
    cs.push_back(c);
  }
  {
    Case c{"int", "", 20000, GLIDE_VALUE_INTEGER, 0, 0};
    for (size_t i = 0; i < c.replies; ++i)
      c.bytes.append(":").append(std::to_string((i * 7919) % 4000000000ull)).append("\r\n");
    cs.push_back(c);
  }
  {
    Case c{"bulk16", "", 20000, GLIDE_VALUE_BULK_STRING, 16, 0};
    for (size_t i = 0; i < c.replies; ++i) c.bytes += bulk(payload(16, i));
    cs.push_back(c);
  }
  {
    Case c{"bulk1k", "", 4000, GLIDE_VALUE_BULK_STRING, 1024, 0};
    for (size_t i = 0; i < c.replies; ++i) c.bytes += bulk(payload(1024, i));
    cs.push_back(c);
  }
  {
    Case c{"array1000", "", 40, GLIDE_VALUE_ARRAY, 16, 1000};
    for (size_t i = 0; i < c.replies; ++i) {
      c.bytes += "*1000\r\n";
      for (size_t j = 0; j < 1000; ++j) c.bytes += bulk(payload(16, i + j));
    }
    cs.push_back(c);
  }
  return cs;
}

[[noreturn]] void fail(const std::string &what) {
  std::fprintf(stderr, "parser_bench: FAILED: %s\n", what.c_str());
  std::exit(1);
}

// ------------------------------------------------------------------ glide

glide::Arena *glide_parse(const Case &c, std::vector<glide_value> &out, glide::resp::Parser &p) {
  glide::Arena *arena = glide::Arena::create(0);
  const char *data = c.bytes.data();
  const size_t len = c.bytes.size();
  size_t pos = 0, avail = len < kWindow ? len : kWindow;
  for (size_t i = 0; i < c.replies; ++i) {
    p.begin(&out[i], arena);
    for (;;) {
      size_t consumed = 0;
      const glide::resp::Status st = p.feed(data + pos, avail - pos, &consumed);
      pos += consumed;
      if (st == glide::resp::Status::kDone) break;
      if (st == glide::resp::Status::kError) fail("glide parser: " + p.error());
      if (avail == len) fail("glide parser: needs more than the whole input");
      avail = avail + kWindow < len ? avail + kWindow : len;
    }
  }
  if (pos != len) fail("glide parser: bytes left over");
  return arena;
}

void glide_check(const Case &c, const std::vector<glide_value> &out) {
  for (size_t i = 0; i < c.replies; ++i) {
    const glide_value &v = out[i];
    if (v.type != c.type) fail(c.name + ": glide: wrong type");
    if (c.type == GLIDE_VALUE_ARRAY) {
      if (v.u.aggregate.len != c.array_len) fail(c.name + ": glide: wrong array length");
      for (size_t j = 0; j < c.array_len; ++j) {
        const glide_value &e = v.u.aggregate.items[j];
        if (e.type != GLIDE_VALUE_BULK_STRING || e.u.string.len != c.str_len ||
            std::memcmp(e.u.string.ptr, payload(16, i + j).data(), 16) != 0)
          fail(c.name + ": glide: wrong element");
      }
    } else if (c.type == GLIDE_VALUE_INTEGER) {
      if (v.u.integer != static_cast<int64_t>((i * 7919) % 4000000000ull))
        fail(c.name + ": glide: wrong integer");
    } else if (v.u.string.len != c.str_len) {
      fail(c.name + ": glide: wrong string length");
    }
  }
}

// ------------------------------------------------------------------ hiredis

void hiredis_parse(const Case &c, std::vector<redisReply *> &out, redisReader *r) {
  const char *data = c.bytes.data();
  const size_t len = c.bytes.size();
  size_t n = 0;
  for (size_t off = 0; off < len; off += kWindow) {
    const size_t chunk = len - off < kWindow ? len - off : kWindow;
    if (redisReaderFeed(r, data + off, chunk) != REDIS_OK) fail("hiredis: feed");
    for (;;) {
      void *reply = nullptr;
      if (redisReaderGetReply(r, &reply) != REDIS_OK) fail(std::string("hiredis: ") + r->errstr);
      if (!reply) break;
      if (n == out.size()) fail("hiredis: too many replies");
      out[n++] = static_cast<redisReply *>(reply);
    }
  }
  if (n != c.replies) fail("hiredis: wrong reply count");
}

void hiredis_check(const Case &c, const std::vector<redisReply *> &out) {
  for (size_t i = 0; i < c.replies; ++i) {
    const redisReply *v = out[i];
    switch (c.type) {
      case GLIDE_VALUE_ARRAY:
        if (v->type != REDIS_REPLY_ARRAY || v->elements != c.array_len)
          fail(c.name + ": hiredis: wrong array");
        break;
      case GLIDE_VALUE_INTEGER:
        if (v->type != REDIS_REPLY_INTEGER ||
            v->integer != static_cast<long long>((i * 7919) % 4000000000ull))
          fail(c.name + ": hiredis: wrong integer");
        break;
      default:
        if ((v->type != REDIS_REPLY_STRING && v->type != REDIS_REPLY_STATUS) || v->len != c.str_len)
          fail(c.name + ": hiredis: wrong string");
    }
  }
}

double now_ns() {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count());
}

}  // namespace

int main(int argc, char **argv) {
  const bool under_valgrind = RUNNING_ON_VALGRIND;
  int rounds = under_valgrind ? 1 : 30;
  if (argc > 1) rounds = std::atoi(argv[1]);
  if (rounds < 1) rounds = 1;
  std::vector<Case> cases = make_cases();
  glide::resp::Parser parser;  // default limits, as the client's
  for (const Case &c : cases) {
    std::vector<glide_value> gv(c.replies);
    std::vector<redisReply *> hv(c.replies, nullptr);
    redisReader *reader = redisReaderCreate();
    if (!reader) fail("redisReaderCreate");
    // warm-up (also the correctness check), not counted
    {
      glide::Arena *a = glide_parse(c, gv, parser);
      glide_check(c, gv);
      glide::Arena::destroy(a);
      hiredis_parse(c, hv, reader);
      hiredis_check(c, hv);
      for (redisReply *r : hv) freeReplyObject(r);
    }
    double g_parse = 0, g_free = 0, h_parse = 0, h_free = 0;
    for (int round = 0; round < rounds; ++round) {
      const std::string g_parse_tag = "glide:" + c.name + ":parse";
      const std::string g_free_tag = "glide:" + c.name + ":free";
      const std::string h_parse_tag = "hiredis:" + c.name + ":parse";
      const std::string h_free_tag = "hiredis:" + c.name + ":free";
      double t0 = now_ns();
      CALLGRIND_START_INSTRUMENTATION;
      CALLGRIND_ZERO_STATS;
      glide::Arena *a = glide_parse(c, gv, parser);
      CALLGRIND_DUMP_STATS_AT(g_parse_tag.c_str());
      double t1 = now_ns();
      CALLGRIND_ZERO_STATS;
      glide::Arena::destroy(a);
      CALLGRIND_DUMP_STATS_AT(g_free_tag.c_str());
      CALLGRIND_STOP_INSTRUMENTATION;
      double t2 = now_ns();
      g_parse += t1 - t0;
      g_free += t2 - t1;

      t0 = now_ns();
      CALLGRIND_START_INSTRUMENTATION;
      CALLGRIND_ZERO_STATS;
      hiredis_parse(c, hv, reader);
      CALLGRIND_DUMP_STATS_AT(h_parse_tag.c_str());
      t1 = now_ns();
      CALLGRIND_ZERO_STATS;
      for (redisReply *r : hv) freeReplyObject(r);
      CALLGRIND_DUMP_STATS_AT(h_free_tag.c_str());
      CALLGRIND_STOP_INSTRUMENTATION;
      t2 = now_ns();
      h_parse += t1 - t0;
      h_free += t2 - t1;
    }
    redisReaderFree(reader);
    const double n = static_cast<double>(c.replies) * rounds;
    std::printf(
        "{\"tool\":\"parser\",\"case\":\"%s\",\"replies\":%zu,\"bytes_per_reply\":%.1f,"
        "\"rounds\":%d,\"glide_parse_ns\":%.2f,\"glide_free_ns\":%.2f,"
        "\"hiredis_parse_ns\":%.2f,\"hiredis_free_ns\":%.2f}\n",
        c.name.c_str(), c.replies, static_cast<double>(c.bytes.size()) / c.replies, rounds,
        g_parse / n, g_free / n, h_parse / n, h_free / n);
  }
  return 0;
}
