// RESP command encoder: exact bytes, binary safety, and encoded_size agreeing with the output.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

#include <string>
#include <string_view>
#include <vector>

#include "resp/encoder.h"

using glide::resp::encode_command;
using glide::resp::encoded_size;

namespace {

// Encodes through both overloads, checks they agree with each other and with encoded_size.
std::string encode(const std::vector<std::string> &args) {
  std::vector<const char *> argv;
  std::vector<size_t> lens;
  std::vector<std::string_view> views;
  for (const auto &a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
    views.emplace_back(a);
  }
  std::string out;
  encode_command(out, args.size(), argv.data(), lens.data());
  assert_int_equal(out.size(), encoded_size(args.size(), argv.data(), lens.data()));
  std::string out2;
  encode_command(out2, views.data(), views.size());
  assert_true(out == out2);
  return out;
}

void test_exact_bytes(void **) {
  assert_string_equal(encode({"SET", "key", "value"}).c_str(),
                      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
  assert_string_equal(encode({"PING"}).c_str(), "*1\r\n$4\r\nPING\r\n");
}

void test_no_args(void **) {
  assert_string_equal(encode({}).c_str(), "*0\r\n");
  std::string out;
  encode_command(out, 0, nullptr, nullptr);
  assert_string_equal(out.c_str(), "*0\r\n");
  assert_int_equal(encoded_size(0, nullptr, nullptr), 4);
}

void test_empty_args(void **) {
  assert_string_equal(encode({"SET", "", ""}).c_str(), "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n");
  // argv[i] may be NULL when its length is 0.
  const char *argv[] = {"ECHO", nullptr};
  const size_t lens[] = {4, 0};
  std::string out;
  encode_command(out, 2, argv, lens);
  assert_string_equal(out.c_str(), "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
  assert_int_equal(out.size(), encoded_size(2, argv, lens));
}

void test_nul_bytes(void **) {
  const std::string arg("a\0b\r\n\0", 6);
  const std::string out = encode({"SET", arg});
  const std::string want = std::string("*2\r\n$3\r\nSET\r\n$6\r\n") + arg + "\r\n";
  assert_int_equal(out.size(), want.size());
  assert_memory_equal(out.data(), want.data(), want.size());
}

void test_appends(void **) {
  std::string out = "*1\r\n$4\r\nPING\r\n";
  const char *argv[] = {"GET", "k"};
  const size_t lens[] = {3, 1};
  encode_command(out, 2, argv, lens);
  assert_string_equal(out.c_str(), "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

void test_length_digits(void **) {
  // Lengths around every power of ten up to 10^6, and an argc needing several digits.
  for (size_t p = 1; p <= 1000000; p *= 10) {
    for (size_t n : {p - 1, p, p + 1}) {
      const std::string arg(n, 'x');
      const std::string out = encode({arg});
      const std::string head = "*1\r\n$" + std::to_string(n) + "\r\n";
      assert_int_equal(out.size(), head.size() + n + 2);
      assert_true(out.compare(0, head.size(), head) == 0);
      assert_true(out.compare(head.size() + n, 2, "\r\n") == 0);
    }
  }
  std::vector<std::string> many(12345, "v");
  const std::string out = encode(many);
  assert_true(out.compare(0, 9, "*12345\r\n$") == 0);
  assert_int_equal(out.size(), 8 + 12345 * 7);
}

void test_encoded_size_large_lengths(void **) {
  // Only the lengths matter to encoded_size, so huge ones can be checked without the bytes.
  const char *argv[] = {nullptr, nullptr};
  const size_t lens[] = {SIZE_MAX / 4, 10000000000ull};
  const size_t want = 4 + (1 + std::to_string(SIZE_MAX / 4).size() + 2 + SIZE_MAX / 4 + 2) +
                      (1 + 11 + 2 + 10000000000ull + 2);
  assert_int_equal(encoded_size(2, argv, lens), want);
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_bytes),
      cmocka_unit_test(test_no_args),
      cmocka_unit_test(test_empty_args),
      cmocka_unit_test(test_nul_bytes),
      cmocka_unit_test(test_appends),
      cmocka_unit_test(test_length_digits),
      cmocka_unit_test(test_encoded_size_large_lengths),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
