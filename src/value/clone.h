// Deep copy of a value tree into another arena (a timeout that cuts a parse short hands the caller
// a copy of what is finished while the old arena waits for the rest of the reply).
#pragma once

#include "glide_c.h"
#include "value/arena.h"

namespace glide {

// Copies *src and everything it points to into `arena`, writing the copy to *dst (which may be
// src itself). False when out of memory (dst then holds a partial copy: drop it).
bool clone_value(Arena *arena, const glide_value *src, glide_value *dst);

}  // namespace glide
