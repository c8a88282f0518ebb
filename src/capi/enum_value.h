// C callers may pass any int where the header names an enum; in C++ loading an enum object that
// holds a value outside the enum is undefined (clang's -fsanitize=enum reports it). The shims read
// such a value's bits as an int and check that instead.
#pragma once

#include <cstring>

namespace glide {

template <typename E>
int enum_value(const E &e) {
  static_assert(sizeof(E) == sizeof(int), "the public enums are int-sized");
  int v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

}  // namespace glide
