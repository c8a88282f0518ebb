#include "value/arena.h"
#include "value/alloc.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace glide {
namespace {
constexpr size_t kFirstInline = 512;
constexpr size_t kMinBlock = 4096;
constexpr size_t kMaxBlock = 1 << 20;

size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }
}  // namespace

Arena *Arena::create(size_t reserve) {
  const size_t head = align_up(sizeof(Arena), alignof(std::max_align_t));
  const size_t inline_bytes = reserve ? reserve : kFirstInline;
  void *mem = mem::alloc(head + inline_bytes);
  if (!mem) return nullptr;
  auto *a = new (mem) Arena();
  a->first_ = a->cur_ = static_cast<char *>(mem) + head;
  a->first_end_ = a->end_ = a->cur_ + inline_bytes;
  a->next_block_ = kMinBlock;
  a->total_ = head + inline_bytes;
  a->root_.type = GLIDE_VALUE_NIL;
  a->root_.error_kind = GLIDE_OK;
  return a;
}

Arena *Arena::from_root(glide_value *root) {
  return reinterpret_cast<Arena *>(reinterpret_cast<char *>(root) - offsetof(Arena, root_));
}

void Arena::destroy(Arena *arena) {
  if (!arena) return;
  Block *b = arena->blocks_;
  while (b) {
    Block *next = b->next;
    mem::release(b);
    b = next;
  }
  arena->~Arena();
  mem::release(arena);
}

void Arena::reset() {
  Block *b = blocks_;
  while (b) {
    Block *next = b->next;
    mem::release(b);
    b = next;
  }
  blocks_ = nullptr;
  cur_ = first_;
  end_ = first_end_;
  total_ = static_cast<size_t>(first_end_ - reinterpret_cast<char *>(this));
  set_nil(&root_);
}

void *Arena::alloc(size_t bytes, size_t align) {
  auto p = reinterpret_cast<uintptr_t>(cur_);
  uintptr_t aligned = (p + align - 1) & ~(static_cast<uintptr_t>(align) - 1);
  const auto end = reinterpret_cast<uintptr_t>(end_);
  // Compare against the room left, never `aligned + bytes`, which can wrap around.
  if (aligned >= p && aligned <= end && bytes <= end - aligned) {
    cur_ = reinterpret_cast<char *>(aligned + bytes);
    return reinterpret_cast<void *>(aligned);
  }
  return alloc_slow(bytes, align);
}

void *Arena::alloc_slow(size_t bytes, size_t align) {
  const size_t head = align_up(sizeof(Block), alignof(std::max_align_t));
  if (bytes > SIZE_MAX - head - align) return nullptr;
  // Large requests get a block of their own so the current block keeps its free tail.
  const bool dedicated = bytes + align > next_block_ / 2;
  const size_t size = dedicated ? bytes + align : next_block_;
  auto *b = static_cast<Block *>(mem::alloc(head + size));
  if (!b) return nullptr;
  b->size = size;
  b->next = blocks_;
  blocks_ = b;
  total_ += head + size;
  char *start = reinterpret_cast<char *>(b) + head;
  auto p = reinterpret_cast<uintptr_t>(start);
  uintptr_t aligned = (p + align - 1) & ~(static_cast<uintptr_t>(align) - 1);
  if (!dedicated) {
    cur_ = reinterpret_cast<char *>(aligned + bytes);
    end_ = start + size;
    if (next_block_ < kMaxBlock) next_block_ *= 2;
  }
  return reinterpret_cast<void *>(aligned);
}

glide_value *Arena::alloc_values(size_t n) {
  if (n > SIZE_MAX / sizeof(glide_value)) return nullptr;
  return static_cast<glide_value *>(alloc(n * sizeof(glide_value), alignof(glide_value)));
}

char *Arena::alloc_string(size_t n) {
  if (n == SIZE_MAX) return nullptr;
  return static_cast<char *>(alloc(n + 1, 1));
}

const char *Arena::copy_string(std::string_view s) {
  char *p = alloc_string(s.size());
  if (!p) return nullptr;
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

bool Arena::set_string(glide_value *v, glide_value_type type, std::string_view s) {
  const char *p = copy_string(s);
  if (!p) return false;
  v->type = type;
  v->error_kind = GLIDE_OK;
  v->u.string.ptr = p;
  v->u.string.len = s.size();
  return true;
}

bool Arena::set_error(glide_value *v, glide_error_kind kind, std::string_view message) {
  if (!set_string(v, GLIDE_VALUE_ERROR, message)) return false;
  v->error_kind = kind;
  return true;
}

void Arena::set_nil(glide_value *v) {
  v->type = GLIDE_VALUE_NIL;
  v->error_kind = GLIDE_OK;
  v->u.aggregate.items = nullptr;
  v->u.aggregate.len = 0;
}

void Arena::set_integer(glide_value *v, int64_t i) {
  v->type = GLIDE_VALUE_INTEGER;
  v->error_kind = GLIDE_OK;
  v->u.integer = i;
}

glide_value *make_error_root(glide_error_kind kind, std::string_view message) {
  Arena *a = Arena::create(message.size() + 64);
  if (!a) return nullptr;
  if (!a->set_error(a->root(), kind, message)) {
    Arena::destroy(a);
    return nullptr;
  }
  return a->root();
}

}  // namespace glide
