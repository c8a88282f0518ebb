#include "exec/error_class.h"

#include <string>

#include "cluster/slot.h"

namespace glide {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A non-empty run of ASCII digits whose value is at most `max` (no sign, no spaces, no junk).
bool parse_uint(std::string_view s, uint32_t max, uint32_t *out) {
  if (s.empty()) return false;
  uint32_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
    if (v > max) return false;  // checked per digit, so v never overflows
  }
  *out = v;
  return true;
}

// No spaces or control bytes: the address field ends at the first space anyway, and anything
// else unprintable is not a host name we could connect to.
bool plain_host(std::string_view h) {
  for (const char c : h) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '[' || c == ']') return false;
  }
  return true;
}

}  // namespace

ErrorClass classify_error(std::string_view msg) {
  if (starts_with(msg, "MOVED ")) return ErrorClass::kMoved;
  if (starts_with(msg, "ASK ")) return ErrorClass::kAsk;
  if (starts_with(msg, "TRYAGAIN") || starts_with(msg, "CLUSTERDOWN") ||
      starts_with(msg, "MASTERDOWN") || starts_with(msg, "LOADING"))
    return ErrorClass::kRetryable;
  if (starts_with(msg, "READONLY")) return ErrorClass::kReadonly;
  return ErrorClass::kNone;
}

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 :6381" (empty host: the node that answered).
bool parse_redirect(std::string_view msg, const Address &from, uint16_t *slot, Address *to) {
  const size_t sp1 = msg.find(' ');
  if (sp1 == std::string_view::npos) return false;
  const size_t sp2 = msg.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  const std::string_view slot_s = msg.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view addr = msg.substr(sp2 + 1);
  const size_t sp3 = addr.find(' ');
  if (sp3 != std::string_view::npos) addr = addr.substr(0, sp3);  // trailing fields: ignored
  const size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos) return false;
  uint32_t s = 0, port = 0;
  if (!parse_uint(slot_s, cluster::kSlotCount - 1, &s) ||
      !parse_uint(addr.substr(colon + 1), 65535, &port) || port == 0)
    return false;
  std::string_view host = addr.substr(0, colon);
  if (!host.empty() && host.front() == '[') {
    // Bracketed IPv6 literal: "[::1]:7000". An empty "[]" is no host at all.
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  }
  if (!plain_host(host)) return false;
  *slot = static_cast<uint16_t>(s);
  to->host = host.empty() ? from.host : std::string(host);
  to->port = static_cast<uint16_t>(port);
  return true;
}

}  // namespace glide
