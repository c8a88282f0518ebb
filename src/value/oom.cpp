#include "value/oom.h"

#include <cstring>

#include "value/arena.h"

namespace glide {
namespace {
constexpr char kOomMessage[] = "out of memory";
// Never written after start-up; callers get a non-const pointer only because the API's roots are
// non-const. glide_value_free ignores it.
glide_value g_oom = [] {
  glide_value v{};
  v.type = GLIDE_VALUE_ERROR;
  v.error_kind = GLIDE_ERR_OUT_OF_MEMORY;
  v.u.string.ptr = kOomMessage;
  v.u.string.len = sizeof(kOomMessage) - 1;
  return v;
}();
}  // namespace

glide_value *oom_root() { return &g_oom; }
bool is_oom_root(const glide_value *v) { return v == &g_oom; }

glide_value *error_root(glide_error_kind kind, const char *message, size_t len) {
  glide_value *v = make_error_root(kind, std::string_view(message, len));
  return v ? v : oom_root();
}
}  // namespace glide
