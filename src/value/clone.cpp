#include "value/clone.h"

#include "value/types.h"

namespace glide {

bool clone_value(Arena *arena, const glide_value *src, glide_value *dst) {
  *dst = *src;  // type, error kind or verbatim format, and the scalars
  switch (src->type) {
    case GLIDE_VALUE_SIMPLE_STRING:
    case GLIDE_VALUE_BULK_STRING:
    case GLIDE_VALUE_VERBATIM_STRING:
    case GLIDE_VALUE_BIG_NUMBER:
    case GLIDE_VALUE_ERROR:
      dst->u.string.ptr = arena->copy_string(value::string_of(*src));
      return dst->u.string.ptr != nullptr;
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
