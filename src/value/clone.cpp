#include "value/clone.h"

#include <cstring>

#include "value/types.h"

namespace glide {

bool clone_value(Arena *arena, const glide_value *src, glide_value *dst) {
  *dst = *src;
  switch (src->type) {
    case GLIDE_VALUE_SIMPLE_STRING:
    case GLIDE_VALUE_BULK_STRING:
    case GLIDE_VALUE_BIG_NUMBER:
    case GLIDE_VALUE_ERROR:
      dst->u.string.ptr = arena->copy_string(value::string_of(*src));
      return dst->u.string.ptr != nullptr;
    case GLIDE_VALUE_VERBATIM_STRING: {
      // Keep the "fmt\0" prefix in front of the text, as the parser lays it out.
      char *p = arena->alloc_string(src->u.string.len + 4);
      if (!p) return false;
      std::memcpy(p, src->u.string.ptr - 4, src->u.string.len + 4);
      p[src->u.string.len + 4] = '\0';
      dst->u.string.ptr = p + 4;
      return true;
    }
    case GLIDE_VALUE_ARRAY:
    case GLIDE_VALUE_SET:
    case GLIDE_VALUE_PUSH:
    case GLIDE_VALUE_MAP: {
      const size_t n =
          src->type == GLIDE_VALUE_MAP ? src->u.aggregate.len * 2 : src->u.aggregate.len;
      glide_value *items = arena->alloc_values(n);
      if (!items && n) return false;
      for (size_t i = 0; i < n; ++i)
        if (!clone_value(arena, &src->u.aggregate.items[i], &items[i])) return false;
      dst->u.aggregate.items = items;
      return true;
    }
    default:
      return true;
  }
}

}  // namespace glide
