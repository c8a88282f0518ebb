#include "value/oom.h"

#include "value/arena.h"

namespace glide {
namespace {
constexpr char kOomMessage[] = "out of memory";
// constexpr: constant-initialised and const, so it lives in read-only memory (in the shared
// object .data.rel.ro, as it holds a pointer: read-only once relocated). Nothing runs at start-up.
constexpr glide_value g_oom = {GLIDE_VALUE_ERROR,
                               {GLIDE_ERR_OUT_OF_MEMORY},
                               {.string = {kOomMessage, sizeof(kOomMessage) - 1}}};
}  // namespace

const glide_value *oom_root() { return &g_oom; }
bool is_oom_root(const glide_value *v) { return v == &g_oom; }

glide_value *oom_root_for_caller() {
  // The one const_cast: the C API hands out roots as non-const glide_value *. Safe, since nothing
  // writes through it: reply trees are immutable to their callers, and glide_value_free (the one
  // function that takes a root to change what it owns) recognises this root and ignores it. Were
  // a caller to write anyway, the read-only page would make it crash rather than corrupt state.
  return const_cast<glide_value *>(&g_oom);
}

glide_value *error_root(glide_error_kind kind, const char *message, size_t len) {
  glide_value *v = make_error_root(kind, std::string_view(message, len));
  return v ? v : oom_root_for_caller();
}
}  // namespace glide
