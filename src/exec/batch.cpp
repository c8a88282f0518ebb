#include "exec/batch.h"

#include <charconv>

#include "cluster/slot.h"
#include "resp/encoder.h"

namespace glide {

glide_status Batch::add(size_t argc, const char *const *argv, const size_t *argvlen,
                        Transform transform) {
  if (argc == 0 || !argv || !argvlen || argc > UINT32_MAX) return GLIDE_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < argc; ++i)
    if (!argv[i] && argvlen[i]) return GLIDE_ERR_INVALID_ARGUMENT;
  if (argvlen[0] == 0) return GLIDE_ERR_INVALID_ARGUMENT;  // a command needs a name

  const commands::Command *info = commands::lookup(argc, argv, argvlen);
  int32_t slot = kNoSlot;
  if (info) {
    uint32_t inline_pos[16];
    size_t n = commands::key_positions(info, argc, argv, argvlen, inline_pos, 16);
    std::vector<uint32_t> heap_pos;
    const uint32_t *pos = inline_pos;
    if (n > 16) {
      try {
        heap_pos.resize(n);
      } catch (...) {
        return GLIDE_ERR_OUT_OF_MEMORY;
      }
      n = commands::key_positions(info, argc, argv, argvlen, heap_pos.data(), n);
      pos = heap_pos.data();
    }
    for (size_t k = 0; k < n; ++k) {
      const uint32_t p = pos[k];
      if (p >= argc) continue;
      const int32_t s = cluster::key_slot(argv[p] ? argv[p] : "", argvlen[p]);
      if (slot == kNoSlot) {
        slot = s;
      } else if (slot != s) {
        slot = kMultiSlot;
        break;
      }
    }
  }

  return append(info, slot, argc, argv, argvlen, transform);
}

glide_status Batch::add_known(const commands::Command *info, int key_arg, size_t argc,
                              const char *const *argv, const size_t *argvlen, Transform transform) {
  const int32_t slot = key_arg < 0 ? kNoSlot : cluster::key_slot(argv[key_arg], argvlen[key_arg]);
  return append(info, slot, argc, argv, argvlen, transform);
}

glide_status Batch::append(const commands::Command *info, int32_t slot, size_t argc,
                           const char *const *argv, const size_t *argvlen, Transform transform) {
  const size_t offset = buffer.size();
  try {
    resp::encode_command(buffer, argc, argv, argvlen);
  } catch (...) {
    buffer.resize(offset);
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  if (buffer.size() > kMaxBatchBytes) {  // the record's 32-bit offsets
    buffer.resize(offset);
    return GLIDE_ERR_INVALID_ARGUMENT;
  }
  try {
    commands.push_back(BatchCommand{static_cast<uint32_t>(offset),
                                    static_cast<uint32_t>(buffer.size() - offset),
                                    commands::to_ref(info), static_cast<int16_t>(slot), transform});
  } catch (...) {
    buffer.resize(offset);
    return GLIDE_ERR_OUT_OF_MEMORY;
  }

  // Batch-wide slot bookkeeping for atomic batches (one node must own every key).
  if (slot == kMultiSlot) {
    cross_slot = true;
  } else if (slot >= 0) {
    if (first_slot == kNoSlot)
      first_slot = slot;
    else if (first_slot != slot)
      cross_slot = true;
  }
  return GLIDE_OK;
}

glide_status Batch::add_many(size_t ncmds, const size_t *argcs, const char *const *argv,
                             const size_t *argvlen) {
  if (ncmds == 0 || !argcs || !argv || !argvlen) return GLIDE_ERR_INVALID_ARGUMENT;
  const size_t old_buffer = buffer.size(), old_count = commands.size();
  const int32_t old_first_slot = first_slot;
  const bool old_cross_slot = cross_slot;
  glide_status st = GLIDE_OK;
  size_t at = 0;
  try {
    commands.reserve(old_count + ncmds);
  } catch (...) {
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
  for (size_t i = 0; i < ncmds && st == GLIDE_OK; ++i) {
    // add() checks argc 0 and the argument pointers; the running offset must not wrap.
    if (argcs[i] == 0 || argcs[i] > SIZE_MAX - at) {
      st = GLIDE_ERR_INVALID_ARGUMENT;
      break;
    }
    st = add(argcs[i], argv + at, argvlen + at);
    at += argcs[i];
  }
  if (st != GLIDE_OK) {
    buffer.resize(old_buffer);  // shrinking never allocates
    commands.resize(old_count);
    first_slot = old_first_slot;
    cross_slot = old_cross_slot;
  }
  return st;
}

void Batch::clear() {
  buffer.clear();
  commands.clear();
  first_slot = kNoSlot;
  cross_slot = false;
}

namespace {
bool read_len(std::string_view s, size_t &pos, char type, size_t &out) {
  if (pos >= s.size() || s[pos] != type) return false;
  const size_t eol = s.find("\r\n", pos);
  if (eol == std::string_view::npos) return false;
  auto [p, ec] = std::from_chars(s.data() + pos + 1, s.data() + eol, out);
  if (ec != std::errc() || p != s.data() + eol) return false;
  pos = eol + 2;
  return true;
}
}  // namespace

bool decode_command(std::string_view s, std::vector<std::string_view> &args) {
  args.clear();
  size_t pos = 0, argc = 0;
  if (!read_len(s, pos, '*', argc)) return false;
  args.reserve(argc);
  for (size_t i = 0; i < argc; ++i) {
    size_t len = 0;
    if (!read_len(s, pos, '$', len) || len > s.size() - pos || s.size() - pos - len < 2)
      return false;
    args.push_back(s.substr(pos, len));
    pos += len + 2;
  }
  return pos == s.size();
}

}  // namespace glide
