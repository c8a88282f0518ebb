// C shims for glide_batch_*: check arguments, then hand the argv to Batch::add.
#include <cstring>
#include <new>

#include "exec/batch.h"

namespace {
using glide::Transform;

bool bad_str(const char *p, size_t len) { return !p && len; }
const char *str(const char *p) { return p ? p : ""; }

// The typed helpers know their command: its table entry is looked up once per process.
const glide::commands::Command *known(const char *name, const char *sub = nullptr) {
  const char *argv[] = {name, sub};
  const size_t lens[] = {std::strlen(name), sub ? std::strlen(sub) : 0};
  return glide::commands::lookup(sub ? 2 : 1, argv, lens);
}

// key_arg: the argument that holds the key (or channel); -1 for keyless commands.
template <size_t N>
glide_status add(glide_batch *b, const glide::commands::Command *info, int key_arg,
                 const char *const (&argv)[N], const size_t (&lens)[N], size_t argc,
                 Transform t = Transform::kNone) {
  return b->b.add_known(info, key_arg, argc, argv, lens, t);
}
}  // namespace

extern "C" {

GLIDE_API glide_batch *glide_batch_new(bool is_atomic) {
  auto *b = new (std::nothrow) glide_batch();
  if (b) b->b.atomic = is_atomic;
  return b;
}

GLIDE_API void glide_batch_free(glide_batch *b) { delete b; }

GLIDE_API void glide_batch_clear(glide_batch *b) {
  if (b) b->b.clear();
}

GLIDE_API size_t glide_batch_size(const glide_batch *b) { return b ? b->b.commands.size() : 0; }

GLIDE_API glide_status glide_batch_command(glide_batch *b, size_t argc, const char *const *argv,
                                           const size_t *argvlen) {
  if (!b) return GLIDE_ERR_INVALID_ARGUMENT;
  return b->b.add(argc, argv, argvlen);
}

GLIDE_API glide_status glide_batch_command_many(glide_batch *b, size_t ncmds, const size_t *argcs,
                                                const char *const *argv, const size_t *argvlen) {
  if (!b) return GLIDE_ERR_INVALID_ARGUMENT;
  return b->b.add_many(ncmds, argcs, argv, argvlen);
}

GLIDE_API glide_status glide_batch_set(glide_batch *b, const char *key, size_t key_len,
                                       const char *value, size_t value_len) {
  if (!b || bad_str(key, key_len) || bad_str(value, value_len)) return GLIDE_ERR_INVALID_ARGUMENT;
  static const auto *cmd = known("SET");
  const char *argv[] = {"SET", str(key), str(value)};
  const size_t lens[] = {3, key_len, value_len};
  return add(b, cmd, 1, argv, lens, 3);
}

GLIDE_API glide_status glide_batch_get(glide_batch *b, const char *key, size_t key_len) {
  if (!b || bad_str(key, key_len)) return GLIDE_ERR_INVALID_ARGUMENT;
  static const auto *cmd = known("GET");
  const char *argv[] = {"GET", str(key)};
  const size_t lens[] = {3, key_len};
  return add(b, cmd, 1, argv, lens, 2);
}

GLIDE_API glide_status glide_batch_copy(glide_batch *b, const char *source, size_t source_len,
                                        const char *destination, size_t destination_len,
                                        bool replace) {
  if (!b || bad_str(source, source_len) || bad_str(destination, destination_len))
    return GLIDE_ERR_INVALID_ARGUMENT;
  // Two keys: the general path finds both and flags a cross-slot pair.
  const char *argv[] = {"COPY", str(source), str(destination), "REPLACE"};
  const size_t lens[] = {4, source_len, destination_len, 7};
  return b->b.add(replace ? 4 : 3, argv, lens, Transform::kIntToBool);
}

GLIDE_API glide_status glide_batch_publish(glide_batch *b, const char *message, size_t message_len,
                                           const char *channel, size_t channel_len, bool sharded) {
  if (!b || bad_str(message, message_len) || bad_str(channel, channel_len))
    return GLIDE_ERR_INVALID_ARGUMENT;
  static const auto *spublish = known("SPUBLISH");
  static const auto *publish = known("PUBLISH");
  const char *argv[] = {sharded ? "SPUBLISH" : "PUBLISH", str(channel), str(message)};
  const size_t lens[] = {sharded ? size_t{8} : size_t{7}, channel_len, message_len};
  return add(b, sharded ? spublish : publish, 1, argv, lens, 3);
}

GLIDE_API glide_status glide_batch_pubsub_shardchannels(glide_batch *b, const char *pattern,
                                                        size_t pattern_len) {
  if (!b || bad_str(pattern, pattern_len)) return GLIDE_ERR_INVALID_ARGUMENT;
  static const auto *cmd = known("PUBSUB", "SHARDCHANNELS");
  const char *argv[] = {"PUBSUB", "SHARDCHANNELS", str(pattern)};
  const size_t lens[] = {6, 13, pattern_len};
  return add(b, cmd, -1, argv, lens, pattern ? 3 : 2);
}

GLIDE_API glide_status glide_batch_pubsub_shardnumsub(glide_batch *b, size_t count,
                                                      const char *const *channels,
                                                      const size_t *channel_lens) {
  if (!b || (count && (!channels || !channel_lens))) return GLIDE_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < count; ++i)
    if (bad_str(channels[i], channel_lens[i])) return GLIDE_ERR_INVALID_ARGUMENT;
  try {
    std::vector<const char *> argv(count + 2);
    std::vector<size_t> lens(count + 2);
    argv[0] = "PUBSUB";
    lens[0] = 6;
    argv[1] = "SHARDNUMSUB";
    lens[1] = 11;
    for (size_t i = 0; i < count; ++i) {
      argv[i + 2] = str(channels[i]);
      lens[i + 2] = channel_lens[i];
    }
    return b->b.add(count + 2, argv.data(), lens.data(), Transform::kPairsToMap);
  } catch (...) {
    return GLIDE_ERR_OUT_OF_MEMORY;
  }
}

// glide_batch_options_init writes this many bytes forever (the struct as of 0.2.0): callers built
// against that header have no more room. When the struct grows, this stays 64 and the assert
// below moves to the new size.
constexpr size_t kBatchOptionsInitSize = 64;
static_assert(sizeof(glide_batch_options) == kBatchOptionsInitSize,
              "glide_batch_options grew: keep kBatchOptionsInitSize at 64 (what _init writes)");

GLIDE_API void glide_batch_options_init_size(glide_batch_options *options, size_t size) {
  if (!options || size < sizeof(size_t)) return;
  glide_batch_options d{};
  d.route.kind = GLIDE_ROUTE_NONE;
  const size_t n = size < sizeof d ? size : sizeof d;
  d.struct_size = n;
  std::memcpy(options, &d, n);
}

GLIDE_API void glide_batch_options_init(glide_batch_options *options) {
  glide_batch_options_init_size(options, kBatchOptionsInitSize);
}

}  // extern "C"
