// Every allocation the library makes goes through here: the arenas and buffers call these, and
// the library's own operator new/delete (operator_new.cpp, local to libglide_c.so) route the C++
// core's containers and objects the same way. glide_set_allocator replaces the four functions.
#pragma once

#include <cstddef>

namespace glide::mem {

void *alloc(size_t size);  // nullptr when out of memory
void *alloc_zeroed(size_t count, size_t size);
void *resize(void *ptr, size_t size);  // realloc semantics
void release(void *ptr);               // nullptr is a no-op

// glide_set_allocator refuses to switch while clients live (their memory came from the old one).
void client_created();
void client_destroyed();

}  // namespace glide::mem
