// The one value the library can hand out when even an error root cannot be allocated: a static
// ERROR of kind OUT_OF_MEMORY that glide_value_free recognises and ignores.
#pragma once

#include "glide_c.h"

namespace glide {
// Constant-initialised and const, so it lives in read-only memory: nothing may write through it.
const glide_value *oom_root();
bool is_oom_root(const glide_value *v);
// oom_root() as the non-const root the C API hands out (see the comment in oom.cpp).
glide_value *oom_root_for_caller();
// make_error_root, falling back to oom_root_for_caller(): never nullptr.
glide_value *error_root(glide_error_kind kind, const char *message, size_t len);
}  // namespace glide
