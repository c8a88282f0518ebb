// The value tree's type groups and string view, defined once for the whole library.
#pragma once

#include <string_view>

#include "glide_c.h"

namespace glide::value {

// Values whose payload is u.string: simple, bulk and verbatim strings, big numbers, errors.
constexpr bool is_string(glide_value_type t) {
  return t == GLIDE_VALUE_SIMPLE_STRING || t == GLIDE_VALUE_BULK_STRING ||
         t == GLIDE_VALUE_VERBATIM_STRING || t == GLIDE_VALUE_BIG_NUMBER || t == GLIDE_VALUE_ERROR;
}
// Text a server sends as a name or a host: simple, bulk or verbatim strings.
constexpr bool is_text(glide_value_type t) {
  return t == GLIDE_VALUE_SIMPLE_STRING || t == GLIDE_VALUE_BULK_STRING ||
         t == GLIDE_VALUE_VERBATIM_STRING;
}
// Values whose payload is u.aggregate with one item per element (maps hold pairs).
constexpr bool is_list(glide_value_type t) {
  return t == GLIDE_VALUE_ARRAY || t == GLIDE_VALUE_SET || t == GLIDE_VALUE_PUSH;
}
// The bytes of a string value; empty for any other type.
inline std::string_view string_of(const glide_value &v) {
  return is_string(v.type) ? std::string_view(v.u.string.ptr, v.u.string.len) : std::string_view();
}

// An ERROR value whose message starts with prefix ("EXECABORT", "NOAUTH", ...).
inline bool is_error_with(const glide_value &v, std::string_view prefix) {
  return v.type == GLIDE_VALUE_ERROR && string_of(v).starts_with(prefix);
}

}  // namespace glide::value
