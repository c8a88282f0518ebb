// The command table (generated, see tools/gen_command_table.py) and the two questions a cluster
// client asks it: which command is this argv, and which of its arguments are keys.
#include "commands/command_table.h"

#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>

namespace glide::commands {
namespace {

#include "commands/command_table_generated.inc"

constexpr size_t kCommandCount = std::size(kCommands);

constexpr unsigned char ascii_lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

// Compares the ASCII-lowercased bytes s[0..n) with a (lowercase) table name, bytewise.
int compare_lower(const char *s, size_t n, std::string_view name) {
  const size_t m = n < name.size() ? n : name.size();
  for (size_t i = 0; i < m; ++i) {
    const unsigned char a = ascii_lower(static_cast<unsigned char>(s[i]));
    const unsigned char b = static_cast<unsigned char>(name[i]);
    if (a != b) return a < b ? -1 : 1;
  }
  if (n == name.size()) return 0;
  return n < name.size() ? -1 : 1;
}

// Binary search over a table sorted by name. prefix: bytes of every name to skip ("config|").
const Command *find_in(const Command *table, size_t count, size_t prefix, const char *s, size_t n) {
  size_t lo = 0;
  size_t hi = count;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int c = compare_lower(s, n, table[mid].name.substr(prefix));
    if (c == 0) return &table[mid];
    if (c < 0) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return nullptr;
}

bool equals_ignore_case(const char *s, size_t n, std::string_view keyword) {
  if (n != keyword.size()) return false;
  for (size_t i = 0; i < n; ++i) {
    if (ascii_lower(static_cast<unsigned char>(s[i])) !=
        ascii_lower(static_cast<unsigned char>(keyword[i]))) {
      return false;
    }
  }
  return true;
}

// A key count as the server reads it (strict decimal: no sign, no spaces, no leading zeros).
// False for anything else, for a negative count and for a count above max.
bool parse_key_count(const char *s, size_t n, int64_t max, int64_t *out) {
  if (n == 0 || s == nullptr) return false;
  if (n == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  if (s[0] < '1' || s[0] > '9') return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
    if (v > max) return false;
  }
  *out = v;
  return true;
}

// Positions next, next + step, ..., up to last (inclusive).
struct KeyRun {
  int64_t next;
  int64_t last;
  int64_t step;
  bool empty_not_key;  // kKeyEmptyNotKey: an empty argument here is not a key
};

enum class SpecOutcome { kKeys, kNoKeys, kInvalid };

// Where one spec's keys are for these arguments, following the server's key-spec rules:
// - begin_search index: the first key is at that argv index;
// - begin_search keyword: search the keyword (case-insensitive); startfrom > 0 searches forward
//   from argv[startfrom] to argv[argc-2], startfrom <= 0 backwards from argv[argc+startfrom] down
//   to argv[2]; the first key follows the keyword; not found: the spec has no keys;
// - find_keys range: last = first + lastkey when lastkey >= 0; otherwise, from the end:
//   argc + lastkey, or with limit > 1 only the first 1/limit of the remaining arguments,
//   first + (argc - first) / limit + lastkey;
// - find_keys keynum: argv[first + keynumidx] holds the count, keys from first + firstkey,
//   keystep apart;
// - a key beyond the arguments, or a count that is not a positive integer (EVAL s 0,
//   ZUNIONSTORE d 0 ...) invalidates the whole command (0 keys), as it does on the server;
// - kKeyEmptyNotKey (ours): an empty argument at one of the spec's positions is skipped.
// Deliberate differences from Redis 7.0: an empty optional tail (range with lastkey < 0 and no
// argument left, e.g. PFMERGE dest, or a range that ends before it starts) gives this spec no
// keys instead of invalidating the others (7.0 finds no key at all for PFMERGE dest and would run
// it on any node); a keynum spec takes count keys keystep apart (7.0 takes count arguments: the
// same for every keystep-1 spec it has); "unknown" specs give no keys (the server uses its own
// parser there), incomplete ones are used as they are.
SpecOutcome spec_run(const KeySpec &ks, int64_t argc, const char *const *argv,
                     const size_t *argvlen, KeyRun *run) {
  int64_t first = 0;
  switch (ks.begin) {
    case KeySpec::Begin::kIndex:
      first = ks.index;
      break;
    case KeySpec::Begin::kKeyword: {
      if (ks.startfrom > 0) {
        for (int64_t i = ks.startfrom; i < argc - 1; ++i) {
          const auto u = static_cast<size_t>(i);
          if (equals_ignore_case(argv[u], argvlen[u], ks.keyword)) {
            first = i + 1;
            break;
          }
        }
      } else {
        for (int64_t i = argc + ks.startfrom; i >= 2 && i < argc; --i) {
          const auto u = static_cast<size_t>(i);
          if (equals_ignore_case(argv[u], argvlen[u], ks.keyword)) {
            first = i + 1;
            break;
          }
        }
      }
      if (first == 0) return SpecOutcome::kNoKeys;
      break;
    }
    case KeySpec::Begin::kUnknown:
      return SpecOutcome::kNoKeys;
  }
  if (first < 1 || ks.keystep < 1) return SpecOutcome::kInvalid;

  int64_t last = 0;
  switch (ks.find) {
    case KeySpec::Find::kRange:
      if (ks.lastkey >= 0) {
        last = first + ks.lastkey;
        if (first >= argc || last >= argc) return SpecOutcome::kInvalid;
      } else {
        if (first >= argc) return SpecOutcome::kNoKeys;  // empty optional tail
        if (ks.limit > 1) {
          last = first + (argc - first) / ks.limit + ks.lastkey;
        } else {
          last = argc + ks.lastkey;
        }
        if (last >= argc) return SpecOutcome::kInvalid;
        if (last < first) return SpecOutcome::kNoKeys;
      }
      break;
    case KeySpec::Find::kKeynum: {
      const int64_t count_at = first + ks.keynumidx;
      if (ks.keynumidx < 0 || count_at >= argc) return SpecOutcome::kInvalid;
      const auto u = static_cast<size_t>(count_at);
      int64_t count = 0;
      if (!parse_key_count(argv[u], argvlen[u], argc, &count)) return SpecOutcome::kInvalid;
      if (count == 0) return SpecOutcome::kInvalid;  // as on the server (EVAL s 0: no keys)
      first += ks.firstkey;
      last = first + (count - 1) * ks.keystep;
      if (first < 1 || first >= argc || last >= argc) return SpecOutcome::kInvalid;
      break;
    }
    case KeySpec::Find::kUnknown:
      return SpecOutcome::kNoKeys;
  }
  run->next = first;
  run->last = last;
  run->step = ks.keystep;
  run->empty_not_key = (ks.flags & kKeyEmptyNotKey) != 0;
  return SpecOutcome::kKeys;
}

// Top-level names in an open-addressing hash table built once (first lookup, thread-safe static
// init): one lowercase pass and usually one compare, instead of ~8 compares of a binary search.
constexpr size_t kHashSlots = 1024;  // a power of two, > 4x the command count
static_assert(kHashSlots > 2 * std::size(kCommands));
constexpr size_t kMaxNameLen = 32;

uint32_t name_hash(const unsigned char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; ++i) h = (h ^ s[i]) * 16777619u;
  return h;
}

struct NameIndex {
  uint16_t slot[kHashSlots];  // index + 1 into kCommands, 0 = empty
  NameIndex() {
    for (auto &s : slot) s = 0;
    for (size_t i = 0; i < kCommandCount; ++i) {
      const std::string_view name = kCommands[i].name;
      uint32_t h = name_hash(reinterpret_cast<const unsigned char *>(name.data()), name.size());
      while (slot[h & (kHashSlots - 1)] != 0) ++h;
      slot[h & (kHashSlots - 1)] = static_cast<uint16_t>(i + 1);
    }
  }
};

const Command *find_top(const char *s, size_t n) {
  if (n == 0 || n > kMaxNameLen) return nullptr;
  static const NameIndex index;
  unsigned char lower[kMaxNameLen];
  for (size_t i = 0; i < n; ++i) lower[i] = ascii_lower(static_cast<unsigned char>(s[i]));
  for (uint32_t h = name_hash(lower, n);; ++h) {
    const uint16_t e = index.slot[h & (kHashSlots - 1)];
    if (e == 0) return nullptr;
    const std::string_view name = kCommands[e - 1].name;
    if (name.size() == n && std::memcmp(name.data(), lower, n) == 0) return &kCommands[e - 1];
  }
}

bool arity_ok(int32_t arity, size_t argc) {
  if (arity >= 0) return argc == static_cast<size_t>(arity);
  return argc >= static_cast<size_t>(-static_cast<int64_t>(arity));
}

}  // namespace

const Command *lookup(size_t argc, const char *const *argv, const size_t *argvlen) {
  if (argc == 0 || argv == nullptr || argvlen == nullptr) return nullptr;
  if (argv[0] == nullptr && argvlen[0] != 0) return nullptr;
  const Command *cmd = find_top(argv[0], argvlen[0]);
  if (cmd == nullptr || cmd->subcommand_count == 0 || argc < 2) return cmd;
  if (argv[1] == nullptr && argvlen[1] != 0) return cmd;
  const Command *sub =
      find_in(cmd->subcommands, cmd->subcommand_count, cmd->name.size() + 1, argv[1], argvlen[1]);
  return sub != nullptr ? sub : cmd;
}

size_t key_positions(const Command *cmd, size_t argc, const char *const *argv,
                     const size_t *argvlen, uint32_t *out, size_t cap) {
  if (cmd == nullptr || cmd->key_spec_count == 0 || argv == nullptr || argvlen == nullptr) {
    return 0;
  }
  if (argc > static_cast<size_t>(std::numeric_limits<int32_t>::max())) return 0;
  if (!arity_ok(cmd->arity, argc)) return 0;
  if (cmd->key_spec_count > kMaxKeySpecsPerCommand) return 0;
  const auto n = static_cast<int64_t>(argc);

  KeyRun runs[kMaxKeySpecsPerCommand];
  size_t run_count = 0;
  for (size_t i = 0; i < cmd->key_spec_count; ++i) {
    switch (spec_run(cmd->key_specs[i], n, argv, argvlen, &runs[run_count])) {
      case SpecOutcome::kKeys:
        ++run_count;
        break;
      case SpecOutcome::kNoKeys:
        break;
      case SpecOutcome::kInvalid:
        return 0;
    }
  }

  // Merge the runs in argument order; a position several specs name is reported once.
  size_t total = 0;
  for (;;) {
    int64_t pos = std::numeric_limits<int64_t>::max();
    for (size_t r = 0; r < run_count; ++r) {
      if (runs[r].next <= runs[r].last && runs[r].next < pos) pos = runs[r].next;
    }
    if (pos == std::numeric_limits<int64_t>::max()) break;
    bool is_key = false;
    for (size_t r = 0; r < run_count; ++r) {
      if (runs[r].next != pos) continue;
      runs[r].next += runs[r].step;
      if (!runs[r].empty_not_key || argvlen[static_cast<size_t>(pos)] != 0) is_key = true;
    }
    if (!is_key) continue;
    if (out != nullptr && total < cap) out[total] = static_cast<uint32_t>(pos);
    ++total;
  }
  return total;
}

uint32_t key_group_step(const Command *cmd) {
  if (cmd == nullptr || cmd->request != RequestPolicy::kMultiShard || cmd->key_spec_count != 1) {
    return 0;
  }
  const KeySpec &ks = cmd->key_specs[0];
  // Splittable: keys from a fixed index to the end, each followed by its own arguments.
  if (ks.begin != KeySpec::Begin::kIndex || ks.find != KeySpec::Find::kRange || ks.lastkey != -1 ||
      ks.limit > 1 || ks.keystep < 1 || ks.not_key) {
    return 0;
  }
  return static_cast<uint32_t>(ks.keystep);
}

size_t command_count() { return kCommandCount; }

const Command *command_at(size_t i) { return i < kCommandCount ? &kCommands[i] : nullptr; }

uint32_t to_ref(const Command *cmd) {
  if (!cmd) return kNoCommand;
  const auto delta = static_cast<int64_t>(reinterpret_cast<uintptr_t>(cmd) -
                                          reinterpret_cast<uintptr_t>(&kCommands[0]));
  // Both in this library's .rodata: far inside +-2 GiB (kNoCommand, INT32_MIN, is never one).
  if (delta <= std::numeric_limits<int32_t>::min() || delta > std::numeric_limits<int32_t>::max())
    __builtin_trap();
  return static_cast<uint32_t>(static_cast<int32_t>(delta));
}

const Command *from_ref(uint32_t ref) {
  if (ref == kNoCommand) return nullptr;
  return reinterpret_cast<const Command *>(
      reinterpret_cast<uintptr_t>(&kCommands[0]) +
      static_cast<uintptr_t>(static_cast<int64_t>(static_cast<int32_t>(ref))));
}

}  // namespace glide::commands
