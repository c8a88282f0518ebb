// Cluster key slots: CRC16-XMODEM vectors, known slots and the hash tag rules.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

#include <string>

#include "cluster/slot.h"

using glide::cluster::crc16;
using glide::cluster::key_slot;
using glide::cluster::kSlotCount;

namespace {

void test_crc16_vectors(void **) {
  assert_int_equal(crc16("123456789", 9), 0x31C3);
  assert_int_equal(crc16("", 0), 0);
  assert_int_equal(crc16(nullptr, 0), 0);
  assert_int_equal(crc16("A", 1), 0x58E5);
}

void test_known_slots(void **) {
  assert_int_equal(key_slot("foo"), 12182);
  assert_int_equal(key_slot("bar"), 5061);
  assert_int_equal(key_slot("key"), 12539);
  assert_int_equal(key_slot("123456789"), 0x31C3 % kSlotCount);
  assert_int_equal(key_slot(""), 0);
  assert_int_equal(key_slot(nullptr, 0), 0);
}

void test_binary_keys(void **) {
  const std::string k("a\0b", 3);
  assert_int_equal(key_slot(k), crc16(k.data(), 3) % kSlotCount);
  assert_int_not_equal(key_slot(k), key_slot("a"));
  const std::string tagged("x{a\0b}y", 7);
  assert_int_equal(key_slot(tagged), key_slot(k));
}

void test_hash_tags(void **) {
  assert_int_equal(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  assert_int_equal(key_slot("{user1000}.following"), key_slot("user1000"));
  assert_int_equal(key_slot("foo{bar}"), key_slot("bar"));
  assert_int_equal(key_slot("a}{b}"), key_slot("b"));   // '}' before the '{' is ignored
  assert_int_equal(key_slot("{a}{b}"), key_slot("a"));  // the first tag wins
  assert_int_equal(key_slot("x{a}b}"), key_slot("a"));  // the first '}' after the '{'
  // An empty tag hashes the whole key, even when a later tag is non-empty.
  assert_int_equal(key_slot("foo{}{bar}"), crc16("foo{}{bar}", 10) % kSlotCount);
  assert_int_not_equal(key_slot("foo{}{bar}"), key_slot("bar"));
  assert_int_equal(key_slot("{}"), crc16("{}", 2) % kSlotCount);
  // The tag starts right after the first '{' and may itself hold a '{'.
  assert_int_equal(key_slot("foo{{bar}}zap"), key_slot("{bar"));
  assert_int_equal(key_slot("foo{{bar}}zap"), crc16("{bar", 4) % kSlotCount);
  // No closing brace: the whole key.
  assert_int_equal(key_slot("foo{bar"), crc16("foo{bar", 7) % kSlotCount);
  assert_int_equal(key_slot("{"), crc16("{", 1) % kSlotCount);
  assert_int_equal(key_slot("}{"), crc16("}{", 2) % kSlotCount);
}

void test_range(void **) {
  for (int i = 0; i < 100000; ++i) {
    const std::string k = "key:" + std::to_string(i);
    assert_true(key_slot(k) < kSlotCount);
  }
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crc16_vectors), cmocka_unit_test(test_known_slots),
      cmocka_unit_test(test_binary_keys),   cmocka_unit_test(test_hash_tags),
      cmocka_unit_test(test_range),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
