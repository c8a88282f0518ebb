// The library's own operator new and delete, compiled into libglide_c.so only (not into the
// object library the unit tests link, whose executables keep the C++ runtime's, or a
// sanitizer's). The shared object's version script keeps them local, so they serve libglide_c's
// own code only (the host's new/delete are untouched); the C++ core's allocations thus reach
// glide_set_allocator's hooks like the arenas' do. tests/scripts/check_symbols.sh checks that the
// library imports no operator new/delete.
#include <new>

#include "value/alloc.h"

void *operator new(size_t size) {
  if (void *p = glide::mem::alloc(size)) return p;
  throw std::bad_alloc();
}
void *operator new[](size_t size) {
  if (void *p = glide::mem::alloc(size)) return p;
  throw std::bad_alloc();
}
void *operator new(size_t size, const std::nothrow_t &) noexcept { return glide::mem::alloc(size); }
void *operator new[](size_t size, const std::nothrow_t &) noexcept {
  return glide::mem::alloc(size);
}
void operator delete(void *p) noexcept { glide::mem::release(p); }
void operator delete[](void *p) noexcept { glide::mem::release(p); }
void operator delete(void *p, size_t) noexcept { glide::mem::release(p); }
void operator delete[](void *p, size_t) noexcept { glide::mem::release(p); }
void operator delete(void *p, const std::nothrow_t &) noexcept { glide::mem::release(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept { glide::mem::release(p); }
