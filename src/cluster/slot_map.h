// The cluster's shape as CLUSTER SLOTS reports it, validated strictly (libvalkey's lesson: a
// malformed or partial answer must never become a slot map).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "cluster/slot.h"
#include "glide_c.h"

namespace glide::cluster {

struct Shard {
  Address primary;
  std::vector<Address> replicas;
};

struct SlotMap {
  static constexpr uint16_t kNoShard = 0xFFFF;
  std::vector<Shard> shards;
  // Shard index per slot (kSlotCount of them), kNoShard if unserved. On the heap: a 32 KB member
  // put every SlotMap on the stack (discovery, refreshes) in ~100 KB of touched I/O-thread stack.
  std::vector<uint16_t> slot_shard;
  uint32_t covered = 0;  // slots with an owner
  SlotMap() : slot_shard(kSlotCount, kNoShard) {}
};

// One spelling per address, so a node is known once whatever way a server or a redirect writes
// it: IPv4 literals in any inet_aton form ("127.1", "0x7f.0.0.1") become dotted quads, IPv6
// literals (with or without brackets) their canonical text, host names lower case without a
// trailing dot.
std::string normalize_host(std::string_view host);

// Parses a CLUSTER SLOTS reply. `asked` is the address the question went to: an empty host (or
// "?") in the reply means that address. Returns false with *error set when the reply is malformed:
// not an array, a range outside 0..16383 or reversed, overlapping ranges, a bad port, a missing
// host. Ranges with the same primary share one Shard.
bool parse_cluster_slots(const glide_value *reply, const Address &asked, SlotMap *out,
                         std::string *error);

}  // namespace glide::cluster
