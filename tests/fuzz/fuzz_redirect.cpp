// libFuzzer target for server error classification and MOVED/ASK parsing: the bytes are the error
// message. A parsed redirect must be usable as is (slot in range, a host, a port), and must read
// back the same once printed again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "exec/error_class.h"

namespace {

using glide::Address;
using glide::ErrorClass;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string_view msg(reinterpret_cast<const char *>(data), size);
  static const Address kFrom{"10.0.0.9", 7000};

  const ErrorClass kind = glide::classify_error(msg);
  if (kind == ErrorClass::kMoved) check(starts_with(msg, "MOVED "));
  if (kind == ErrorClass::kAsk) check(starts_with(msg, "ASK "));

  uint16_t slot = 0;
  Address to;
  if (!glide::parse_redirect(msg, kFrom, &slot, &to)) {
    check(slot == 0 && to.host.empty() && to.port == 0);  // outputs untouched on failure
    return 0;
  }
  check(slot < 16384 && to.port != 0 && !to.host.empty());
  check(to.host.find(' ') == std::string::npos);

  // Round trip: print it the way a server would (IPv6 in brackets) and parse again.
  const bool v6 = to.host.find(':') != std::string::npos;
  const std::string again = "MOVED " + std::to_string(slot) + " " + (v6 ? "[" : "") + to.host +
                            (v6 ? "]" : "") + ":" + std::to_string(to.port);
  uint16_t slot2 = 0;
  Address to2;
  check(glide::parse_redirect(again, kFrom, &slot2, &to2));
  check(slot2 == slot && to2.host == to.host && to2.port == to.port);
  return 0;
}
