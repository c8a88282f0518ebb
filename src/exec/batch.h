// A batch as built by glide_batch_*: every command already encoded as RESP in one buffer, with its
// slot and command-table entry found at build time so exec only plans.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_table.h"
#include "glide_c.h"

namespace glide {

constexpr int32_t kNoSlot = -1;     // keyless command
constexpr int32_t kMultiSlot = -2;  // keys in several slots

// How a typed helper's reply is shaped to match the documented Python ClusterBatch types.
enum class Transform : uint8_t {
  kNone = 0,
  kIntToBool,   // COPY: 1/0 -> true/false
  kPairsToMap,  // PUBSUB SHARDNUMSUB under RESP2: [ch, n, ...] -> {ch: n}
};

// 16 bytes a command (100,000 GETs: 1.6 MB, was 3.2 MB with size_t fields and a pointer): the
// offsets are 32-bit, so a batch's encoded buffer is limited to kMaxBatchBytes (add() refuses a
// command past it), and the command-table entry is a 32-bit reference (commands::to_ref).
struct BatchCommand {
  uint32_t offset;  // of the encoded command in Batch::buffer
  uint32_t length;
  uint32_t info_ref;  // commands::to_ref(entry); kNoCommand: unknown to the command table
  int16_t slot;       // >= 0, kNoSlot or kMultiSlot
  Transform transform;
  const commands::Command *info() const { return commands::from_ref(info_ref); }
};
static_assert(sizeof(BatchCommand) == 16, "the batch record is 16 bytes");

// The most encoded bytes one batch holds (the record's 32-bit offsets): 4 GiB - 1.
constexpr size_t kMaxBatchBytes = UINT32_MAX;

struct Batch {
  bool atomic = false;
  std::string buffer;
  std::vector<BatchCommand> commands;
  int32_t first_slot = kNoSlot;  // slot of the first keyed command
  bool cross_slot = false;       // keys of the whole batch span several slots

  // Encodes and classifies one command. Returns GLIDE_ERR_INVALID_ARGUMENT for bad input (or a
  // batch that would hold more than kMaxBatchBytes), GLIDE_ERR_OUT_OF_MEMORY; on failure the
  // batch is unchanged.
  glide_status add(size_t argc, const char *const *argv, const size_t *argvlen,
                   Transform transform = Transform::kNone);
  // For the typed helpers, which know their command: no table lookup, and the slot from
  // argv[key_arg] alone (key_arg < 0: keyless). Arguments must already be valid.
  glide_status add_known(const commands::Command *info, int key_arg, size_t argc,
                         const char *const *argv, const size_t *argvlen, Transform transform);
  // glide_batch_command_many: ncmds commands whose arguments lie back to back in argv/argvlen.
  // All or nothing: on the first failure the batch is put back as it was.
  glide_status add_many(size_t ncmds, const size_t *argcs, const char *const *argv,
                        const size_t *argvlen);
  void clear();

 private:
  glide_status append(const commands::Command *info, int32_t slot, size_t argc,
                      const char *const *argv, const size_t *argvlen, Transform transform);

 public:
  std::string_view encoded(const BatchCommand &c) const {
    return std::string_view(buffer).substr(c.offset, c.length);
  }
};

// Splits an encoded command (as produced by Batch::add) back into its arguments, which point into
// `encoded`. Returns false if it is not a well-formed RESP array of bulk strings.
bool decode_command(std::string_view encoded, std::vector<std::string_view> &args);

}  // namespace glide

struct glide_batch {
  glide::Batch b;
};
