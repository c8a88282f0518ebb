// CLUSTER SLOTS validation: a malformed or partial answer never becomes a slot map.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

#include <cstring>
#include <string>

#include "cluster/slot_map.h"
#include "resp/parser.h"

using glide::Address;
using glide::Arena;
using glide::cluster::parse_cluster_slots;
using glide::cluster::SlotMap;

namespace {

// Parses RESP text into a tree (the arena is the caller's to destroy).
glide_value *parse(Arena **arena, const std::string &resp) {
  *arena = Arena::create();
  glide::resp::Parser p;
  p.begin((*arena)->root(), *arena);
  size_t used = 0;
  assert_int_equal(static_cast<int>(p.feed(resp.data(), resp.size(), &used)),
                   static_cast<int>(glide::resp::Status::kDone));
  assert_int_equal(used, resp.size());
  return (*arena)->root();
}

std::string node(const std::string &host, int port) {
  return "*3\r\n$" + std::to_string(host.size()) + "\r\n" + host + "\r\n:" + std::to_string(port) +
         "\r\n$2\r\nid\r\n";
}

std::string range(int a, int b, const std::string &nodes, int n) {
  return "*" + std::to_string(2 + n) + "\r\n:" + std::to_string(a) + "\r\n:" + std::to_string(b) +
         "\r\n" + nodes;
}

bool try_parse(const std::string &resp, SlotMap *map, std::string *err) {
  Arena *a;
  glide_value *v = parse(&a, resp);
  const bool ok = parse_cluster_slots(v, Address{"10.0.0.9", 7000}, map, err);
  Arena::destroy(a);
  return ok;
}

void test_three_shards_with_replicas(void **) {
  std::string r = "*3\r\n";
  r += range(0, 5460, node("127.0.0.1", 7000) + node("127.0.0.1", 7003), 2);
  r += range(5461, 10922, node("127.0.0.1", 7001) + node("127.0.0.1", 7004), 2);
  r += range(10923, 16383, node("127.0.0.1", 7002) + node("127.0.0.1", 7005), 2);
  SlotMap m;
  std::string err;
  assert_true(try_parse(r, &m, &err));
  assert_int_equal(m.shards.size(), 3);
  assert_int_equal(m.covered, 16384);
  assert_int_equal(m.slot_shard[0], 0);
  assert_int_equal(m.slot_shard[5461], 1);
  assert_int_equal(m.slot_shard[16383], 2);
  assert_int_equal(m.shards[1].primary.port, 7001);
  assert_int_equal(m.shards[1].replicas.size(), 1);
  assert_int_equal(m.shards[1].replicas[0].port, 7004);
}

void test_ranges_of_one_primary_share_a_shard(void **) {
  std::string r = "*2\r\n";
  r += range(0, 99, node("127.0.0.1", 7000), 1);
  r += range(200, 299, node("127.0.0.1", 7000), 1);
  SlotMap m;
  std::string err;
  assert_true(try_parse(r, &m, &err));
  assert_int_equal(m.shards.size(), 1);
  assert_int_equal(m.covered, 200);
  assert_int_equal(m.slot_shard[150], SlotMap::kNoShard);
}

void test_empty_host_means_the_address_asked(void **) {
  SlotMap m;
  std::string err;
  assert_true(try_parse("*1\r\n" + range(0, 16383, node("", 7000), 1), &m, &err));
  assert_string_equal(m.shards[0].primary.host.c_str(), "10.0.0.9");
  assert_true(try_parse("*1\r\n" + range(0, 16383, node("?", 7000), 1), &m, &err));
  assert_string_equal(m.shards[0].primary.host.c_str(), "10.0.0.9");
}

void test_rejects_malformed(void **) {
  SlotMap m;
  std::string err;
  const char *bad[] = {
      ":1\r\n",                    // not an array
      "*0\r\n",                    // no slots at all
      "*1\r\n*2\r\n:0\r\n:5\r\n",  // no primary
  };
  for (const char *b : bad) {
    err.clear();
    assert_false(try_parse(b, &m, &err));
    assert_false(err.empty());
  }
  assert_false(try_parse("*1\r\n" + range(5, 4, node("h", 7000), 1), &m, &err));  // reversed
  assert_false(
      try_parse("*1\r\n" + range(0, 16384, node("h", 7000), 1), &m, &err));         // past the end
  assert_false(try_parse("*1\r\n" + range(-1, 10, node("h", 7000), 1), &m, &err));  // negative
  assert_false(try_parse("*1\r\n" + range(0, 10, node("h", 0), 1), &m, &err));      // port 0
  assert_false(try_parse("*1\r\n" + range(0, 10, node("h", 70000), 1), &m, &err));  // port too big
  assert_false(
      try_parse("*2\r\n" + range(0, 10, node("h", 7000), 1) + range(10, 20, node("h", 7001), 1), &m,
                &err));  // overlap
  assert_non_null(std::strstr(err.c_str(), "overlap"));
  assert_false(try_parse("*1\r\n*3\r\n:0\r\n:10\r\n*1\r\n$1\r\nh\r\n", &m, &err));  // node w/o port
  assert_false(try_parse("*1\r\n*3\r\n:0\r\n:10\r\n*2\r\n_\r\n:7000\r\n", &m, &err));  // nil host
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_three_shards_with_replicas),
      cmocka_unit_test(test_ranges_of_one_primary_share_a_shard),
      cmocka_unit_test(test_empty_host_means_the_address_asked),
      cmocka_unit_test(test_rejects_malformed),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
