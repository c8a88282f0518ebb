// Milliseconds as the struct timeval libevent's timers take.
#pragma once

#include <sys/time.h>

#include <cstdint>

namespace glide {
inline struct timeval ms_to_timeval(uint64_t ms) {
  return {static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}
}  // namespace glide
