// Reply arena: every glide_value tree handed to the caller lives in one chain of blocks whose
// first block also holds the root value, so glide_value_free(root) frees it all at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "glide_c.h"

namespace glide {

class Arena {
 public:
  // Creates an arena whose first block holds the root value (type NIL) and `reserve` more bytes.
  // Returns nullptr when out of memory.
  static Arena *create(size_t reserve = 0);
  // The arena that owns a root handed out by create()->root().
  static Arena *from_root(glide_value *root);
  // Frees every block, the root included. nullptr is a no-op.
  static void destroy(Arena *arena);

  glide_value *root() { return &root_; }

  // Bump allocation; nullptr when out of memory. Memory is not zeroed.
  void *alloc(size_t bytes, size_t align = alignof(std::max_align_t));
  glide_value *alloc_values(size_t n);
  // n bytes plus a NUL terminator (written by the caller or copy_string).
  char *alloc_string(size_t n);
  // Copies bytes + NUL into the arena; nullptr when out of memory.
  const char *copy_string(std::string_view s);

  // Convenience builders that fill *v (which may live anywhere in this arena). They zero the
  // error_kind / verbatim_format bytes (set_error then sets the kind); no builder makes a
  // VERBATIM_STRING, which only the parser produces, with its format.
  bool set_string(glide_value *v, glide_value_type type, std::string_view s);
  bool set_error(glide_value *v, glide_error_kind kind, std::string_view message);
  static void set_nil(glide_value *v);
  static void set_integer(glide_value *v, int64_t i);

  size_t bytes_allocated() const { return total_; }
  // Drops everything allocated so far except the first block (scratch arenas for dropped replies).
  void reset();

 private:
  struct Block {
    Block *next;
    size_t size;  // usable bytes after the header
  };
  Arena() = default;
  void *alloc_slow(size_t bytes, size_t align);

  Block *blocks_ = nullptr;  // extra blocks, newest first
  char *first_ = nullptr;    // start of the inline space of the first block
  char *first_end_ = nullptr;
  char *cur_ = nullptr;
  char *end_ = nullptr;
  size_t next_block_ = 0;
  size_t total_ = 0;
  glide_value root_{};
};

// A standalone error root (its own arena): what blocking calls return on failure.
glide_value *make_error_root(glide_error_kind kind, std::string_view message);

}  // namespace glide
