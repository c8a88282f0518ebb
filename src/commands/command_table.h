// The command table: for every command the server knows (generated from its own COMMAND output
// by tools/gen_command_table.py, never hand-typed), its flags, where its keys are, and how a
// cluster client routes it and combines answers (docs/ROUTING.md; overrides in
// tools/command_overrides.json).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace glide::commands {

// Where a keyless or multi-key command is sent.
enum class RequestPolicy : uint8_t {
  kDefault = 0,  // by its keys; keyless: one random primary
  kAllNodes,     // every node, primaries and replicas
  kAllShards,    // every primary
  kMultiShard,   // keys may span slots: split per slot (MGET, MSET, DEL, ...)
  kSpecial,      // the client must know the command (e.g. SCAN); treated as kDefault for now
};

// How the answers of several nodes (or of split parts) become one element.
enum class ResponsePolicy : uint8_t {
  kDefault = 0,    // multi-shard: keyed results in original key order (MGET); keyless fan-out:
                   // the first error if any, else arrays concatenated, else a per-node map
  kOneSucceeded,   // first non-error answer, else the first error
  kAllSucceeded,   // any error -> that error, else one (the first) answer
  kAggLogicalAnd,  // element-wise AND of integer arrays (SCRIPT EXISTS)
  kAggLogicalOr,
  kAggMin,  // integer minimum (WAIT)
  kAggMax,
  kAggSum,               // integer sum (DBSIZE, DEL, ...)
  kCombineArrays,        // concatenation (KEYS, SLOWLOG GET)
  kCombineArraysUnique,  // concatenation without duplicates (PUBSUB [SHARD]CHANNELS)
  kCombineMaps,          // map key -> summed integer (PUBSUB [SHARD]NUMSUB)
  kFirstNonEmpty,        // first non-nil answer, else nil (RANDOMKEY)
  kPerNode,              // map "host:port" -> that node's answer (INFO, ...)
  kSpecial,              // treated as kPerNode
};

enum Flag : uint32_t {
  kFlagWrite = 1u << 0,
  kFlagReadonly = 1u << 1,
  kFlagDenyOom = 1u << 2,
  kFlagAdmin = 1u << 3,
  kFlagPubsub = 1u << 4,
  kFlagNoscript = 1u << 5,
  kFlagBlocking = 1u << 6,
  kFlagLoading = 1u << 7,
  kFlagStale = 1u << 8,
  kFlagNoMulti = 1u << 9,       // "no_multi": not allowed inside MULTI
  kFlagMovableKeys = 1u << 10,  // keys found by parsing arguments (key specs with keynum/keyword)
  kFlagFast = 1u << 11,
  kFlagAllowBusy = 1u << 12,
};

// Key spec flags (KeySpec::flags): the server's own (COMMAND INFO key specs), informative except
// kKeyNotKey (mirrored in KeySpec::not_key). kKeyIncomplete: the server finds the keys with its own
// parser (MIGRATE ... KEYS); key_positions uses the spec as it is. kKeyEmptyNotKey is ours (from
// tools/command_overrides.json): an empty argument there is a placeholder, not a key (MIGRATE's
// key argument in the KEYS form).
enum KeyFlag : uint16_t {
  kKeyRO = 1u << 0,
  kKeyRW = 1u << 1,
  kKeyOW = 1u << 2,
  kKeyRM = 1u << 3,
  kKeyAccess = 1u << 4,
  kKeyUpdate = 1u << 5,
  kKeyInsert = 1u << 6,
  kKeyDelete = 1u << 7,
  kKeyNotKey = 1u << 8,
  kKeyIncomplete = 1u << 9,
  kKeyVariableFlags = 1u << 10,
  kKeyEmptyNotKey = 1u << 15,
};

// One key specification in the server's own terms (COMMAND DOCS / COMMAND INFO "key specs").
struct KeySpec {
  enum class Begin : uint8_t { kUnknown, kIndex, kKeyword } begin;
  enum class Find : uint8_t { kUnknown, kRange, kKeynum } find;
  uint16_t flags;            // kKeyRO ... below (informative)
  int32_t index;             // kIndex: argv position of the first key
  std::string_view keyword;  // kKeyword: search for this (case-insensitive) ...
  int32_t startfrom;         // ... starting at this argv index (negative: from the end, backwards)
  int32_t lastkey;           // kRange: last key relative to the first (-1 = last arg, -2 ...)
  int32_t keystep;           // kRange/kKeynum: step between keys
  int32_t limit;             // kRange: when lastkey is -1, 0 = all, 2 = half the args, ...
  int32_t keynumidx;         // kKeynum: relative index of the argument holding the key count
  int32_t firstkey;          // kKeynum: relative index of the first key
  bool not_key;              // e.g. SPUBLISH's shard channel: hashes to a slot but is not a key
};

struct Command {
  std::string_view name;  // lowercase; subcommands as "container|sub", e.g. "config|set"
  int32_t arity;          // server's arity: N = exactly N args, -N = at least N
  uint32_t flags;         // Flag bits
  RequestPolicy request;
  ResponsePolicy response;
  uint8_t key_spec_count;
  const KeySpec *key_specs;
  // For container commands (CONFIG, CLIENT, PUBSUB, ...): their subcommands, else nullptr/0.
  uint16_t subcommand_count;
  const Command *subcommands;
};

// Looks argv[0] up case-insensitively, and for a container command argv[1] among its
// subcommands (falling back to the container when argv[1] is absent or unknown).
// nullptr when the server does not know the command (a module's): route it to a random primary.
// No allocation.
const Command *lookup(size_t argc, const char *const *argv, const size_t *argvlen);

// A command-table entry as 32 bits (for the 16-byte batch record, exec/batch.h): every entry,
// subcommands included, lives in this library's read-only data, so its distance from the table
// fits an int32. kNoCommand stands for nullptr. No allocation.
constexpr uint32_t kNoCommand = 0x80000000u;
uint32_t to_ref(const Command *cmd);
const Command *from_ref(uint32_t ref);

// Writes the argv indexes of the command's keys (in argument order, for every key spec,
// channels of not_key specs included so SPUBLISH routes by its channel) to out[0..cap) and
// returns how many there are (which may exceed cap: call again with a larger buffer).
// Arguments that do not fit the specs (too few, bad key count) yield 0 keys; the server will
// reject the command itself. No allocation.
size_t key_positions(const Command *cmd, size_t argc, const char *const *argv,
                     const size_t *argvlen, uint32_t *out, size_t cap);

// For multi-key commands split per slot (request policy kMultiShard): how many arguments form
// one key's group (1 for MGET/DEL, 2 for MSET). 0 when the command cannot be split.
uint32_t key_group_step(const Command *cmd);

// Number of commands (top-level) in the table, and the i-th (for tests).
size_t command_count();
const Command *command_at(size_t i);

}  // namespace glide::commands
