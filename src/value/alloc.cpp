#include "value/alloc.h"

#include <atomic>
#include <cstdlib>

#include "glide_c.h"

namespace glide::mem {
namespace {
void *sys_malloc(void *, size_t size) { return std::malloc(size); }
void *sys_calloc(void *, size_t count, size_t size) { return std::calloc(count, size); }
void *sys_realloc(void *, void *ptr, size_t size) { return std::realloc(ptr, size); }
void sys_free(void *, void *ptr) { std::free(ptr); }

constexpr glide_allocator kSystem = {&sys_malloc, &sys_calloc, &sys_realloc, &sys_free, nullptr};
// Written only while no client lives (glide_set_allocator's contract), read everywhere.
glide_allocator g_alloc = kSystem;
std::atomic<int> g_clients{0};
}  // namespace

void *alloc(size_t size) { return g_alloc.malloc_fn(g_alloc.user_data, size ? size : 1); }
void *alloc_zeroed(size_t count, size_t size) {
  return g_alloc.calloc_fn(g_alloc.user_data, count ? count : 1, size ? size : 1);
}
void *resize(void *ptr, size_t size) {
  return g_alloc.realloc_fn(g_alloc.user_data, ptr, size ? size : 1);
}
void release(void *ptr) {
  if (ptr) g_alloc.free_fn(g_alloc.user_data, ptr);
}
void client_created() { g_clients.fetch_add(1, std::memory_order_relaxed); }
void client_destroyed() { g_clients.fetch_sub(1, std::memory_order_relaxed); }

glide_status set_allocator(const glide_allocator *a) {
  if (a && (!a->malloc_fn || !a->calloc_fn || !a->realloc_fn || !a->free_fn))
    return GLIDE_ERR_INVALID_ARGUMENT;
  if (g_clients.load() != 0) return GLIDE_ERR_INVALID_ARGUMENT;
  g_alloc = a ? *a : kSystem;
  return GLIDE_OK;
}

}  // namespace glide::mem

extern "C" GLIDE_API glide_status glide_set_allocator(const glide_allocator *allocator) {
  return glide::mem::set_allocator(allocator);
}
