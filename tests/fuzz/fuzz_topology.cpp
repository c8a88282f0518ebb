// libFuzzer target for the CLUSTER SLOTS validation: bytes -> RESP parser -> parse_cluster_slots.
// Whatever the reply, a successful parse must yield a consistent slot map (the routing code indexes
// shards by slot_shard without further checks), and a failure must say why.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/slot_map.h"
#include "resp/parser.h"
#include "value/arena.h"

namespace {

using glide::Address;
using glide::Arena;
using glide::cluster::SlotMap;

bool good(const Address &a) { return !a.host.empty() && a.port != 0; }

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  glide::resp::Limits limits;
  limits.max_depth = 16;
  limits.max_bulk_len = 1 << 20;
  limits.max_aggregate_len = 1 << 16;
  glide::resp::Parser parser(limits);
  Arena *arena = Arena::create();
  if (!arena) __builtin_trap();
  parser.begin(arena->root(), arena);
  size_t used = 0;
  if (parser.feed(reinterpret_cast<const char *>(data), size, &used) !=
      glide::resp::Status::kDone) {
    Arena::destroy(arena);
    return 0;  // not a whole reply: fuzz_parser's business
  }

  static const Address kAsked{"10.0.0.9", 7000};
  SlotMap map;
  std::string err;
  const bool ok = glide::cluster::parse_cluster_slots(arena->root(), kAsked, &map, &err);
  if (ok) {
    std::vector<uint32_t> owned(map.shards.size(), 0);
    uint32_t covered = 0;
    for (const uint16_t s : map.slot_shard) {
      if (s == SlotMap::kNoShard) continue;
      check(s < map.shards.size());
      ++owned[s];
      ++covered;
    }
    check(covered == map.covered && covered > 0);
    for (size_t i = 0; i < map.shards.size(); ++i) {
      const glide::cluster::Shard &sh = map.shards[i];
      check(owned[i] > 0);  // a shard exists only because a range named it
      check(good(sh.primary));
      for (const Address &r : sh.replicas) check(good(r));
      for (size_t j = 0; j < i; ++j)  // ranges of one primary share one shard
        check(map.shards[j].primary.host != sh.primary.host ||
              map.shards[j].primary.port != sh.primary.port);
    }
  } else {
    check(!err.empty());
    check(map.shards.empty() && map.covered == 0);  // a failed parse leaves *out alone
  }
  Arena::destroy(arena);
  return 0;
}
