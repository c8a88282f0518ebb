// Batch building: encoding, slot classification at build time, decode round trip, bad input;
// the request pool that keeps requests (and their batch buffers) for reuse.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

#include <string>
#include <vector>

#include "cluster/slot.h"
#include "exec/batch.h"
#include "exec/request.h"

using glide::Batch;
using glide::kMultiSlot;
using glide::kNoSlot;

namespace {

glide_status add(Batch &b, std::vector<std::string> args) {
  std::vector<const char *> argv;
  std::vector<size_t> lens;
  for (auto &a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return b.add(args.size(), argv.data(), lens.data());
}

void test_encoding_and_slots(void **) {
  Batch b;
  assert_int_equal(add(b, {"SET", "foo", "bar"}), GLIDE_OK);
  assert_int_equal(add(b, {"get", "foo"}), GLIDE_OK);
  assert_int_equal(add(b, {"PING"}), GLIDE_OK);
  assert_int_equal(add(b, {"MGET", "foo", "bar"}), GLIDE_OK);
  assert_int_equal(add(b, {"MGET", "{t}a", "{t}b"}), GLIDE_OK);
  assert_int_equal(b.commands.size(), 5);
  assert_string_equal(std::string(b.encoded(b.commands[0])).c_str(),
                      "*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$3\r\nbar\r\n");
  assert_int_equal(b.commands[0].slot, 12182);
  assert_int_equal(b.commands[1].slot, 12182);
  assert_non_null(b.commands[1].info());
  assert_int_equal(b.commands[2].slot, kNoSlot);
  assert_int_equal(b.commands[3].slot, kMultiSlot);
  assert_int_equal(b.commands[4].slot, glide::cluster::key_slot("t"));
  assert_int_equal(b.first_slot, 12182);
  assert_true(b.cross_slot);
}

void test_single_slot_batch_is_not_cross_slot(void **) {
  Batch b;
  assert_int_equal(add(b, {"SET", "{u}1", "x"}), GLIDE_OK);
  assert_int_equal(add(b, {"INCR", "{u}2"}), GLIDE_OK);
  assert_int_equal(add(b, {"PING"}), GLIDE_OK);
  assert_false(b.cross_slot);
  b.clear();
  assert_int_equal(b.commands.size(), 0);
  assert_int_equal(b.first_slot, kNoSlot);
}

void test_unknown_command_is_keyless(void **) {
  Batch b;
  assert_int_equal(add(b, {"MODULE.THING", "k"}), GLIDE_OK);
  assert_null(b.commands[0].info());
  assert_int_equal(b.commands[0].slot, kNoSlot);
}

void test_binary_arguments_round_trip(void **) {
  Batch b;
  const std::string key("k\0y", 3), val("\0\r\n", 3);
  assert_int_equal(add(b, {"SET", key, val}), GLIDE_OK);
  std::vector<std::string_view> args;
  assert_true(glide::decode_command(b.encoded(b.commands[0]), args));
  assert_int_equal(args.size(), 3);
  assert_true(args[1] == key);
  assert_true(args[2] == val);
  assert_int_equal(b.commands[0].slot, glide::cluster::key_slot(key));
  assert_false(glide::decode_command("*2\r\n$3\r\nGET\r\n", args));
  assert_false(glide::decode_command("*1\r\n$9\r\nGET\r\n", args));
}

void test_bad_input_changes_nothing(void **) {
  Batch b;
  assert_int_equal(add(b, {"SET", "a", "b"}), GLIDE_OK);
  const std::string before = b.buffer;
  const char *argv[] = {"GET", nullptr};
  const size_t lens[] = {3, 4};
  assert_int_equal(b.add(0, argv, lens), GLIDE_ERR_INVALID_ARGUMENT);
  assert_int_equal(b.add(2, nullptr, lens), GLIDE_ERR_INVALID_ARGUMENT);
  assert_int_equal(b.add(2, argv, nullptr), GLIDE_ERR_INVALID_ARGUMENT);
  assert_int_equal(b.add(2, argv, lens), GLIDE_ERR_INVALID_ARGUMENT);  // NULL with length 4
  const char *empty_name[] = {""};
  const size_t zero[] = {0};
  assert_int_equal(b.add(1, empty_name, zero), GLIDE_ERR_INVALID_ARGUMENT);
  assert_int_equal(b.commands.size(), 1);
  assert_true(b.buffer == before);
  // NULL with length 0 is the empty string: a valid (empty) key.
  const size_t lens0[] = {3, 0};
  assert_int_equal(b.add(2, argv, lens0), GLIDE_OK);
  assert_int_equal(b.commands[1].slot, 0);
}

void test_add_many_is_all_or_nothing(void **) {
  Batch one, many;
  const char *argv[] = {"SET", "{a}k", "v", "MGET", "{a}k", "x", "PING"};
  const size_t lens[] = {3, 4, 1, 4, 4, 1, 4};
  const size_t argcs[] = {3, 3, 1};
  assert_int_equal(many.add_many(3, argcs, argv, lens), GLIDE_OK);
  for (size_t i = 0, at = 0; i < 3; at += argcs[i++])
    assert_int_equal(one.add(argcs[i], argv + at, lens + at), GLIDE_OK);
  assert_true(many.buffer == one.buffer);  // the same bytes and classification as one by one
  assert_int_equal(many.commands.size(), 3);
  assert_int_equal(many.commands[1].slot, kMultiSlot);
  assert_true(many.cross_slot);

  Batch b;
  assert_int_equal(add(b, {"GET", "{b}1"}), GLIDE_OK);
  const std::string before = b.buffer;
  const int32_t first_slot = b.first_slot;
  // The third command is bad: the first two (one of them cross-slot) are taken back.
  const char *bad[] = {"SET", "x", "v", "MGET", "y", "z", ""};
  const size_t bad_lens[] = {3, 1, 1, 4, 1, 1, 0};
  assert_int_equal(b.add_many(3, argcs, bad, bad_lens), GLIDE_ERR_INVALID_ARGUMENT);
  assert_int_equal(b.commands.size(), 1);
  assert_true(b.buffer == before);
  assert_int_equal(b.first_slot, first_slot);
  assert_false(b.cross_slot);
  assert_int_equal(b.add_many(0, argcs, argv, lens), GLIDE_ERR_INVALID_ARGUMENT);
  const size_t zero_argc[] = {3, 0};
  assert_int_equal(b.add_many(2, zero_argc, argv, lens), GLIDE_ERR_INVALID_ARGUMENT);
  assert_int_equal(b.commands.size(), 1);
}

// The request pool: a request comes back reset with its buffers' capacity, the pool keeps at
// most kMaxPooled, and a request whose buffers grew past the bound is freed rather than kept.
void test_request_pool_is_bounded_and_resets(void **) {
  glide::RequestPool pool;
  glide::Request *r = pool.get();
  assert_non_null(r);
  assert_ptr_equal(r->pool, &pool);
  assert_int_equal(add(r->owned, {"SET", "key", "value"}), GLIDE_OK);
  r->completed = true;
  r->timeout_ms = 5;
  const size_t cap = r->owned.buffer.capacity();
  glide::request_release(r);
  assert_int_equal(pool.pooled(), 1);
  glide::Request *again = pool.get();
  assert_ptr_equal(again, r);
  assert_int_equal(pool.pooled(), 0);
  assert_false(again->completed);
  assert_int_equal(again->timeout_ms, 0);
  assert_true(again->owned.buffer.empty());
  assert_true(again->owned.commands.empty());
  assert_int_equal(again->owned.buffer.capacity(), cap);
  // Too big to keep.
  again->owned.buffer.reserve(glide::RequestPool::kMaxKeptBytes + 1);
  pool.put(again);
  assert_int_equal(pool.pooled(), 0);
  // Bounded.
  std::vector<glide::Request *> many;
  for (size_t i = 0; i < glide::RequestPool::kMaxPooled + 10; ++i) many.push_back(pool.get());
  for (glide::Request *m : many) pool.put(m);
  assert_int_equal(pool.pooled(), glide::RequestPool::kMaxPooled);
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_encoding_and_slots),
      cmocka_unit_test(test_single_slot_batch_is_not_cross_slot),
      cmocka_unit_test(test_unknown_command_is_keyless),
      cmocka_unit_test(test_binary_arguments_round_trip),
      cmocka_unit_test(test_bad_input_changes_nothing),
      cmocka_unit_test(test_add_many_is_all_or_nothing),
      cmocka_unit_test(test_request_pool_is_bounded_and_resets),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
