// Response policies: how answers of several nodes, or of a command's per-slot parts, become one
// element (docs/ROUTING.md), and the deep copy used when a timeout cuts a parse short.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cstring>
#include <string>
#include <vector>

#include "exec/aggregate.h"

// After the project headers: cmocka defines a `fail` macro.
extern "C" {
#include <cmocka.h>
}

using glide::Arena;
using glide::Part;
using glide::Split;
using glide::commands::ResponsePolicy;

namespace {

struct Fixture {
  Arena *arena = Arena::create();
  std::vector<Part> parts;
  std::vector<std::string> names;  // the parts' node names (the aggregation knows no Node)
  ~Fixture() { Arena::destroy(arena); }

  glide_value str(const char *s, glide_value_type t = GLIDE_VALUE_BULK_STRING) {
    glide_value v{};
    arena->set_string(&v, t, s);
    return v;
  }
  glide_value integer(int64_t i) {
    glide_value v{};
    Arena::set_integer(&v, i);
    return v;
  }
  glide_value err(const char *s) {
    glide_value v{};
    arena->set_error(&v, GLIDE_ERR_SERVER, s);
    return v;
  }
  glide_value list(std::vector<glide_value> items, glide_value_type t = GLIDE_VALUE_ARRAY) {
    glide_value v{};
    v.type = t;
    v.u.aggregate.items = arena->alloc_values(items.size());
    for (size_t i = 0; i < items.size(); ++i) v.u.aggregate.items[i] = items[i];
    v.u.aggregate.len = t == GLIDE_VALUE_MAP ? items.size() / 2 : items.size();
    return v;
  }
  void part(glide_value v, int32_t slot = -1, std::vector<uint32_t> keys = {}) {
    Part p{};
    p.value = v;
    p.slot = slot;
    if (!keys.empty()) {
      auto *k =
          static_cast<uint32_t *>(arena->alloc(sizeof(uint32_t) * keys.size(), alignof(uint32_t)));
      for (size_t i = 0; i < keys.size(); ++i) k[i] = keys[i];
      p.key_index = k;
      p.key_count = static_cast<uint32_t>(keys.size());
    }
    parts.push_back(p);
  }
  glide_value run(ResponsePolicy policy, bool multi_slot = false, uint32_t total_keys = 0) {
    names.resize(parts.size());
    for (size_t i = 0; i < parts.size(); ++i) {
      names[i] = "127.0.0.1:" + std::to_string(7000 + i);
      parts[i].node_name = names[i];
    }
    Split s{parts.data(), static_cast<uint32_t>(parts.size()), 0, total_keys, multi_slot, policy};
    glide_value out{};
    glide::aggregate(arena, s, &out);
    return out;
  }
};

std::string text(const glide_value &v) { return std::string(v.u.string.ptr, v.u.string.len); }

void test_sum_min_max(void **) {
  Fixture f;
  f.part(f.integer(3));
  f.part(f.integer(10));
  f.part(f.integer(-2));
  assert_int_equal(f.run(ResponsePolicy::kAggSum).u.integer, 11);
  assert_int_equal(f.run(ResponsePolicy::kAggMin).u.integer, -2);
  assert_int_equal(f.run(ResponsePolicy::kAggMax).u.integer, 10);
}

void test_all_succeeded_and_one_succeeded(void **) {
  Fixture f;
  f.part(f.str("OK", GLIDE_VALUE_SIMPLE_STRING));
  f.part(f.err("ERR boom"));
  glide_value v = f.run(ResponsePolicy::kAllSucceeded);
  assert_int_equal(v.type, GLIDE_VALUE_ERROR);
  assert_string_equal(text(v).c_str(), "ERR boom");
  v = f.run(ResponsePolicy::kOneSucceeded);
  assert_int_equal(v.type, GLIDE_VALUE_SIMPLE_STRING);
  Fixture g;
  g.part(g.str("OK", GLIDE_VALUE_SIMPLE_STRING));
  g.part(g.str("OK", GLIDE_VALUE_SIMPLE_STRING));
  assert_string_equal(text(g.run(ResponsePolicy::kAllSucceeded)).c_str(), "OK");
}

void test_first_non_empty(void **) {
  Fixture f;
  glide_value nil{};
  f.part(nil);
  f.part(f.str("key7"));
  assert_string_equal(text(f.run(ResponsePolicy::kFirstNonEmpty)).c_str(), "key7");
  Fixture g;
  g.part(nil);
  g.part(nil);
  assert_int_equal(g.run(ResponsePolicy::kFirstNonEmpty).type, GLIDE_VALUE_NIL);
}

void test_combine_arrays_unique(void **) {
  Fixture f;
  f.part(f.list({f.str("a"), f.str("b")}));
  f.part(f.list({f.str("b"), f.str("c")}));
  glide_value v = f.run(ResponsePolicy::kCombineArraysUnique);
  assert_int_equal(v.type, GLIDE_VALUE_ARRAY);
  assert_int_equal(v.u.aggregate.len, 3);
  assert_string_equal(text(v.u.aggregate.items[2]).c_str(), "c");
  v = f.run(ResponsePolicy::kCombineArrays);
  assert_int_equal(v.u.aggregate.len, 4);
}

void test_combine_maps_sums_per_key(void **) {
  Fixture f;
  // RESP2-style flat array from one node, a map from another.
  f.part(f.list({f.str("ch1"), f.integer(1), f.str("ch2"), f.integer(0)}));
  f.part(f.list({f.str("ch1"), f.integer(2), f.str("ch2"), f.integer(5)}, GLIDE_VALUE_MAP));
  glide_value v = f.run(ResponsePolicy::kCombineMaps);
  assert_int_equal(v.type, GLIDE_VALUE_MAP);
  assert_int_equal(v.u.aggregate.len, 2);
  assert_string_equal(text(v.u.aggregate.items[0]).c_str(), "ch1");
  assert_int_equal(v.u.aggregate.items[1].u.integer, 3);
  assert_int_equal(v.u.aggregate.items[3].u.integer, 5);
  Fixture g;  // no channels asked: an empty map
  g.part(g.list({}));
  g.part(g.list({}));
  v = g.run(ResponsePolicy::kCombineMaps);
  assert_int_equal(v.type, GLIDE_VALUE_MAP);
  assert_int_equal(v.u.aggregate.len, 0);
}

void test_per_node_map(void **) {
  Fixture f;
  f.part(f.str("info-a"));
  f.part(f.err("ERR down"));
  glide_value v = f.run(ResponsePolicy::kPerNode);
  assert_int_equal(v.type, GLIDE_VALUE_MAP);
  assert_int_equal(v.u.aggregate.len, 2);
  assert_string_equal(text(v.u.aggregate.items[0]).c_str(), "127.0.0.1:7000");
  assert_int_equal(v.u.aggregate.items[3].type, GLIDE_VALUE_ERROR);
}

void test_logical_and(void **) {
  Fixture f;
  f.part(f.list({f.integer(1), f.integer(1), f.integer(0)}));
  f.part(f.list({f.integer(1), f.integer(0), f.integer(0)}));
  glide_value v = f.run(ResponsePolicy::kAggLogicalAnd);
  assert_int_equal(v.u.aggregate.len, 3);
  assert_int_equal(v.u.aggregate.items[0].u.integer, 1);
  assert_int_equal(v.u.aggregate.items[1].u.integer, 0);
}

void test_multi_slot_mget_reorders(void **) {
  Fixture f;
  // Keys 0..3; part A carries keys 0 and 2, part B keys 1 and 3.
  f.part(f.list({f.str("v0"), f.str("v2")}), 100, {0, 2});
  f.part(f.list({f.str("v1"), f.str("v3")}), 200, {1, 3});
  glide_value v = f.run(ResponsePolicy::kDefault, true, 4);
  assert_int_equal(v.type, GLIDE_VALUE_ARRAY);
  assert_int_equal(v.u.aggregate.len, 4);
  for (int i = 0; i < 4; ++i)
    assert_string_equal(text(v.u.aggregate.items[i]).c_str(), ("v" + std::to_string(i)).c_str());
}

void test_multi_slot_sum_and_partial_failure(void **) {
  Fixture f;
  f.part(f.integer(2), 10, {0, 1});
  f.part(f.integer(1), 20, {2});
  assert_int_equal(f.run(ResponsePolicy::kAggSum, true, 3).u.integer, 3);
  Fixture g;
  g.part(g.str("OK", GLIDE_VALUE_SIMPLE_STRING), 10, {0});
  g.part(g.err("WRONGTYPE Operation against a key holding the wrong kind of value"), 20, {1});
  g.part(g.err("OOM command not allowed"), 30, {2});
  glide_value v = g.run(ResponsePolicy::kAllSucceeded, true, 3);
  assert_int_equal(v.type, GLIDE_VALUE_ERROR);
  assert_int_equal(v.error_kind, GLIDE_ERR_SERVER);
  const std::string msg = text(v);
  assert_true(msg.rfind("WRONGTYPE", 0) == 0);
  assert_non_null(std::strstr(msg.c_str(), "slots 20, 30"));
  assert_non_null(std::strstr(msg.c_str(), "1 of 3 parts succeeded"));
}

void test_clone_is_deep(void **) {
  Fixture f;
  glide_value src = f.list({f.str("a"), f.list({f.integer(1), f.str("b")}), f.err("ERR x")});
  Arena *other = Arena::create();
  glide_value dst{};
  assert_true(glide::clone_value(other, &src, &dst));
  Arena::destroy(f.arena);  // the copy must not depend on the source arena
  f.arena = Arena::create();
  assert_int_equal(dst.u.aggregate.len, 3);
  assert_string_equal(dst.u.aggregate.items[0].u.string.ptr, "a");
  assert_string_equal(dst.u.aggregate.items[1].u.aggregate.items[1].u.string.ptr, "b");
  assert_int_equal(dst.u.aggregate.items[2].error_kind, GLIDE_ERR_SERVER);
  Arena::destroy(other);
}

// A verbatim string's format is part of the value, so the copy keeps it (and its text, binary
// and empty alike) without the source arena; so does a copy made in place (src == dst), as
// Client::detach does for the EXEC reply.
void test_clone_keeps_verbatim_format(void **) {
  Fixture f;
  auto verbatim = [&](const char *fmt, const std::string &text) {
    glide_value v{};
    v.type = GLIDE_VALUE_VERBATIM_STRING;
    std::memcpy(v.verbatim_format, fmt, 4);
    v.u.string.ptr = f.arena->copy_string(text);
    v.u.string.len = text.size();
    return v;
  };
  const std::string binary("a\0b\r\n", 5);
  glide_value src = f.list({verbatim("txt", "Some string"), verbatim("mkd", binary),
                            verbatim("txt", ""), f.err("ERR x")});
  Arena *other = Arena::create();
  glide_value dst{};
  assert_true(glide::clone_value(other, &src, &dst));
  Arena::destroy(f.arena);  // the copy must not depend on the source arena
  f.arena = Arena::create();
  const glide_value *items = dst.u.aggregate.items;
  assert_string_equal(items[0].verbatim_format, "txt");
  assert_string_equal(glide_value_verbatim_format(&items[0]), "txt");
  assert_int_equal(items[0].u.string.len, 11);
  assert_string_equal(items[0].u.string.ptr, "Some string");
  assert_string_equal(glide_value_verbatim_format(&items[1]), "mkd");
  assert_int_equal(items[1].u.string.len, 5);
  assert_memory_equal(items[1].u.string.ptr, "a\0b\r\n", 6);  // and NUL-terminated
  assert_string_equal(glide_value_verbatim_format(&items[2]), "txt");
  assert_int_equal(items[2].u.string.len, 0);
  assert_int_equal(items[2].u.string.ptr[0], '\0');
  assert_int_equal(glide_value_error_kind(&items[3]), GLIDE_ERR_SERVER);
  assert_null(glide_value_verbatim_format(&items[3]));

  glide_value in_place = verbatim("mkd", "# title");
  Arena *third = Arena::create();
  assert_true(glide::clone_value(third, &in_place, &in_place));
  Arena::destroy(f.arena);
  f.arena = Arena::create();
  assert_string_equal(glide_value_verbatim_format(&in_place), "mkd");
  assert_string_equal(in_place.u.string.ptr, "# title");
  Arena::destroy(third);
  Arena::destroy(other);
}

// Sums beyond int64 (only lying servers produce them) are a PROTOCOL error in place, never
// signed overflow: multi-slot counts, fan-out sums, summed map values.
void test_sums_that_overflow_are_errors(void **) {
  {
    Fixture f;
    f.part(f.integer(INT64_MAX), 1, {0});
    f.part(f.integer(1), 2, {1});
    glide_value out = f.run(ResponsePolicy::kAggSum, true, 2);
    assert_int_equal(out.type, GLIDE_VALUE_ERROR);
    assert_int_equal(out.error_kind, GLIDE_ERR_PROTOCOL);
  }
  {
    Fixture f;
    f.part(f.integer(INT64_MIN));
    f.part(f.integer(-1));
    glide_value out = f.run(ResponsePolicy::kAggSum);
    assert_int_equal(out.type, GLIDE_VALUE_ERROR);
    assert_int_equal(out.error_kind, GLIDE_ERR_PROTOCOL);
  }
  {
    Fixture f;
    f.part(f.list({f.str("ch"), f.integer(INT64_MAX)}, GLIDE_VALUE_MAP));
    f.part(f.list({f.str("ch"), f.integer(INT64_MAX)}, GLIDE_VALUE_MAP));
    glide_value out = f.run(ResponsePolicy::kCombineMaps);
    assert_int_equal(out.type, GLIDE_VALUE_ERROR);
    assert_int_equal(out.error_kind, GLIDE_ERR_PROTOCOL);
  }
  {
    Fixture f;  // at the edge, no overflow: the exact sum
    f.part(f.integer(INT64_MAX - 1));
    f.part(f.integer(1));
    glide_value out = f.run(ResponsePolicy::kAggSum);
    assert_int_equal(out.type, GLIDE_VALUE_INTEGER);
    assert_true(out.u.integer == INT64_MAX);
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sums_that_overflow_are_errors),
      cmocka_unit_test(test_sum_min_max),
      cmocka_unit_test(test_all_succeeded_and_one_succeeded),
      cmocka_unit_test(test_first_non_empty),
      cmocka_unit_test(test_combine_arrays_unique),
      cmocka_unit_test(test_combine_maps_sums_per_key),
      cmocka_unit_test(test_per_node_map),
      cmocka_unit_test(test_logical_and),
      cmocka_unit_test(test_multi_slot_mget_reorders),
      cmocka_unit_test(test_multi_slot_sum_and_partial_failure),
      cmocka_unit_test(test_clone_is_deep),
      cmocka_unit_test(test_clone_keeps_verbatim_format),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
