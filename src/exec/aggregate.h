// Combining the answers of several nodes (fan-out) or of a command's per-slot parts (multi-slot
// split) into one element, per the response policies in docs/ROUTING.md.
#pragma once

#include "exec/request.h"
#include "value/arena.h"
#include "value/clone.h"  // clone_value lived here; its users include this header

namespace glide {

// Writes the combined element into *out (memory from arena). Never fails silently: out of memory
// becomes an OUT_OF_MEMORY error element.
void aggregate(Arena *arena, const Split &split, glide_value *out);

}  // namespace glide
