#include "util/log.h"

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <shared_mutex>

namespace glide::log {

std::atomic<int> g_min_level{-1};

namespace {
// Guards the callback: writers (a message going out) share it, glide_set_log_callback takes it
// alone, so once that returns the old callback is neither running nor called again.
std::shared_mutex g_mu;
glide_log_callback g_cb = nullptr;
void *g_user_data = nullptr;
thread_local bool t_in_callback = false;
}  // namespace

void write(glide_log_level level, const char *format, ...) noexcept {
  if (t_in_callback) return;  // the callback's own calls into the library log nothing
  char buf[512];
  va_list ap;
  va_start(ap, format);
  vsnprintf(buf, sizeof buf, format, ap);
  va_end(ap);
  try {
    std::shared_lock<std::shared_mutex> lock(g_mu);
    if (!g_cb || static_cast<int>(level) > g_min_level.load(std::memory_order_relaxed)) return;
    t_in_callback = true;
    g_cb(g_user_data, level, buf);
    t_in_callback = false;
  } catch (...) {
    t_in_callback = false;  // the lock could not be taken: this message is lost
  }
}

glide_status set_callback(int min_level, glide_log_callback cb, void *user_data) {
  if (t_in_callback) return GLIDE_ERR_INVALID_ARGUMENT;
  if (min_level < GLIDE_LOG_ERROR || min_level > GLIDE_LOG_TRACE) return GLIDE_ERR_INVALID_ARGUMENT;
  std::unique_lock<std::shared_mutex> lock(g_mu);  // waits for messages going out
  g_cb = cb;
  g_user_data = user_data;
  g_min_level.store(cb ? min_level : -1, std::memory_order_relaxed);
  return GLIDE_OK;
}

}  // namespace glide::log
