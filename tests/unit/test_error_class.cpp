// Error classification and MOVED/ASK parsing: a malformed redirect is never followed.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

#include <string>
#include <string_view>

#include "exec/error_class.h"

using glide::Address;
using glide::classify_error;
using glide::ErrorClass;
using glide::parse_redirect;

namespace {

const Address kFrom{"10.0.0.9", 7000};

// Parses msg; on success checks the outcome against (slot, host, port).
void expect(std::string_view msg, uint16_t slot, const char *host, uint16_t port) {
  uint16_t s = 0;
  Address to;
  assert_true(parse_redirect(msg, kFrom, &s, &to));
  assert_int_equal(s, slot);
  assert_string_equal(to.host.c_str(), host);
  assert_int_equal(to.port, port);
}

void reject(std::string_view msg) {
  uint16_t s = 77;
  Address to{"untouched", 1};
  assert_false(parse_redirect(msg, kFrom, &s, &to));
  assert_int_equal(s, 77);  // outputs left alone on failure
  assert_string_equal(to.host.c_str(), "untouched");
}

void expect_class(std::string_view msg, ErrorClass want) {
  assert_int_equal(static_cast<int>(classify_error(msg)), static_cast<int>(want));
}

void test_classify(void **) {
  expect_class("MOVED 1 h:1", ErrorClass::kMoved);
  expect_class("ASK 1 h:1", ErrorClass::kAsk);
  expect_class("TRYAGAIN Multiple keys request during rehashing of slot", ErrorClass::kRetryable);
  expect_class("CLUSTERDOWN The cluster is down", ErrorClass::kRetryable);
  expect_class("MASTERDOWN Link with MASTER is down", ErrorClass::kRetryable);
  expect_class("LOADING Redis is loading the dataset in memory", ErrorClass::kRetryable);
  expect_class("READONLY You can't write against a read only replica.", ErrorClass::kReadonly);
  expect_class("MOVED", ErrorClass::kNone);  // no target: not a redirect
  expect_class("ASKING", ErrorClass::kNone);
  expect_class("ERR unknown command", ErrorClass::kNone);
  expect_class("", ErrorClass::kNone);
}

void test_parses_well_formed(void **) {
  expect("MOVED 3999 127.0.0.1:6381", 3999, "127.0.0.1", 6381);
  expect("ASK 0 node-1.example.com:7001", 0, "node-1.example.com", 7001);
  expect("MOVED 16383 h:65535", 16383, "h", 65535);
  expect("MOVED 00012 h:07000", 12, "h", 7000);  // leading zeros are still all digits
}

void test_empty_host_means_from(void **) {
  expect("ASK 3999 :6381", 3999, "10.0.0.9", 6381);
  expect("MOVED 1 :7002 extra", 1, "10.0.0.9", 7002);
}

void test_trailing_fields_are_ignored(void **) {
  expect("MOVED 5 10.0.0.1:7000 some future field", 5, "10.0.0.1", 7000);
  expect("MOVED 5 10.0.0.1:7000 ", 5, "10.0.0.1", 7000);
}

void test_ipv6(void **) {
  expect("MOVED 1 ::1:7000", 1, "::1", 7000);  // the last colon splits off the port
  expect("MOVED 1 [::1]:7000", 1, "::1", 7000);
  expect("ASK 2 [fe80::1:2]:6379 x", 2, "fe80::1:2", 6379);
  expect("MOVED 1 2001:db8::7:7000", 1, "2001:db8::7", 7000);
  reject("MOVED 1 []:7000");      // brackets around nothing
  reject("MOVED 1 [::1:7000");    // unclosed
  reject("MOVED 1 ::1]:7000");    // stray closing bracket
  reject("MOVED 1 [::1]x:7000");  // junk after the bracket
}

void test_rejects_malformed(void **) {
  reject("");
  reject("MOVED");
  reject("MOVED ");
  reject("MOVED 1");
  reject("MOVED 1 ");
  reject("MOVED 1 h");        // no port
  reject("MOVED 1 h:");       // empty port
  reject("MOVED 1 h:0");      // port 0
  reject("MOVED 1 h:65536");  // port too big
  reject("MOVED 1 h:99999999999999999999");
  reject("MOVED 1 h:+7000");  // sign
  reject("MOVED 1 h:-7000");
  reject("MOVED 1 h:7000x");  // trailing junk in the port
  reject("MOVED 1 h: 7000");
  reject("MOVED  1 h:7000");  // empty slot
  reject("MOVED +1 h:7000");  // sign
  reject("MOVED -1 h:7000");
  reject("MOVED 1x h:7000");  // trailing junk in the slot
  reject("MOVED 0x1 h:7000");
  reject("MOVED 16384 h:7000");                      // slot out of range
  reject("MOVED 4294967297 h:7000");                 // would wrap a 32-bit parse to 1
  reject(std::string_view("MOVED 1 h\0:7000", 15));  // control byte in the host
  reject("MOVED 1 h\t:7000");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_classify),
      cmocka_unit_test(test_parses_well_formed),
      cmocka_unit_test(test_empty_host_means_from),
      cmocka_unit_test(test_trailing_fields_are_ignored),
      cmocka_unit_test(test_ipv6),
      cmocka_unit_test(test_rejects_malformed),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
