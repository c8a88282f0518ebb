// The library's log (glide_set_log_callback): process-wide, off unless the host sets a callback.
// A level check costs one relaxed atomic load; only a message that goes out is formatted (into a
// stack buffer: logging never allocates) and takes the callback's shared lock.
#pragma once

#include <atomic>

#include "glide_c.h"

namespace glide::log {

extern std::atomic<int> g_min_level;  // -1: off

inline bool enabled(glide_log_level level) {
  return static_cast<int>(level) <= g_min_level.load(std::memory_order_relaxed);
}

// printf-style; never pass secrets or payloads. Never throws.
void write(glide_log_level level, const char *format, ...) noexcept
    __attribute__((format(printf, 2, 3)));

// glide_set_log_callback.
glide_status set_callback(int min_level, glide_log_callback cb, void *user_data);

}  // namespace glide::log

// Formats only when the level is on.
#define GLIDE_LOG(level, ...)                                                  \
  do {                                                                         \
    if (::glide::log::enabled(level)) ::glide::log::write(level, __VA_ARGS__); \
  } while (0)
