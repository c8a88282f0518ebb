// libevent calls back through C frames: no C++ exception may cross them. Out of memory inside a
// std::string or std::vector on the I/O thread would otherwise terminate the process; caught here,
// the request's own timer still completes whatever was left half done.
#pragma once

namespace glide {
template <typename F>
void guarded(F &&f) noexcept {
  try {
    f();
  } catch (...) {
  }
}
}  // namespace glide
