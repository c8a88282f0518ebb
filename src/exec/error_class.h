// What a server error reply asks of the client (docs/ROUTING.md): a redirect to follow, a retry, a
// topology refresh, or nothing. Kept apart from the exec code so unit tests and the fuzz target
// can reach it without a client.
#pragma once

#include <cstdint>
#include <string_view>

#include "config/config.h"

namespace glide {

enum class ErrorClass { kNone, kMoved, kAsk, kRetryable, kReadonly };

// Classifies by the error's leading word; the message may be anything (never read past its end).
ErrorClass classify_error(std::string_view message);

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 :6381" (empty host: the node that answered, `from`).
// Strict: the slot is all digits and < 16384, the port all digits in 1..65535; the last ':' splits
// host from port (so "::1:7000" is host "::1"), and "[::1]:7000" is host "::1". Fields after the
// address are ignored (a server may append some). Returns false, leaving the outputs untouched,
// for anything malformed.
bool parse_redirect(std::string_view message, const Address &from, uint16_t *slot, Address *to);

}  // namespace glide
