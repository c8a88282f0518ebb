// Where a blocking caller finds the connection it may borrow for its one command (the caller-side
// fast path, docs/ARCHITECTURE.md): slot -> shard -> the shard primary's connection, published by
// the I/O thread whenever the slot map changes and read by caller threads without a lock.
//
// Memory safety: a caller counts itself in `readers_` from before it reads the table until its
// borrow attempt (Connection::try_borrow) is over; the I/O thread frees a node only after it has
// taken the node's connection out of the table and then seen readers_ at zero (Topology
// free_retired), so no caller ever touches a freed connection. A borrowed connection is never
// freed: it is not idle, so never retired, and shutdown waits for it to come back.
// A stale entry (a slot that moved a moment ago) only costs a MOVED, which the caller hands to
// the I/O thread like any redirect.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <new>

#include "cluster/slot.h"

namespace glide {

class Connection;

namespace cluster {

class LendTable {
 public:
  // Shards past this many are never lent (their commands take the I/O thread's path).
  static constexpr uint16_t kMaxShards = 512;
  static constexpr uint16_t kNone = 0xFFFF;

  // Caller threads: the connection of the slot's primary, counted in readers_ (leave() after the
  // borrow attempt), or nullptr (nothing published, closed).
  Connection *enter(uint16_t slot) {
    enter();
    return lookup(slot);
  }
  // The same for several slots: enter(), lookup() each, leave().
  void enter() { readers_.fetch_add(1, std::memory_order_seq_cst); }
  Connection *lookup(uint16_t slot) const {
    if (!slots_ready_.load(std::memory_order_acquire)) return nullptr;
    const uint16_t shard = slots_[slot & (kSlotCount - 1)].load(std::memory_order_relaxed);
    if (shard >= kMaxShards) return nullptr;
    return shards_[shard].load(std::memory_order_seq_cst);
  }
  void leave() { readers_.fetch_sub(1, std::memory_order_release); }

  // Set by the first blocking caller that could have used it: the I/O thread offers quiet
  // connections only from then on (an offer costs an epoll change), and stops at shutdown.
  bool wanted() const { return wanted_.load(std::memory_order_relaxed); }
  void want() {
    if (!closed_.load(std::memory_order_relaxed)) wanted_.store(true, std::memory_order_relaxed);
  }
  const std::atomic<bool> *wanted_flag() const { return &wanted_; }

  // ---- I/O thread
  // The slot -> shard array (32 KB) is made on the first publish; false when out of memory (the
  // fast path then stays off).
  bool publish_slot(uint16_t slot, uint16_t shard) {
    if (!ensure_slots()) return false;
    slots_[slot & (kSlotCount - 1)].store(shard, std::memory_order_relaxed);
    return true;
  }
  void publish_shard(size_t shard, Connection *conn) {
    if (shard < kMaxShards) shards_[shard].store(conn, std::memory_order_seq_cst);
  }
  // Publishing is done: callers may read. (Entries stay readable throughout: a caller reading
  // half a publish borrows a stale connection at worst, which the server answers with MOVED.)
  void publish_done() {
    if (slots_) slots_ready_.store(true, std::memory_order_release);
  }
  bool readers_gone() const { return readers_.load(std::memory_order_seq_cst) == 0; }
  // Shutdown: no more offers; entries cleared (callers already inside finish their borrow try).
  void close() {
    closed_.store(true, std::memory_order_relaxed);
    wanted_.store(false, std::memory_order_relaxed);
    for (auto &s : shards_) s.store(nullptr, std::memory_order_seq_cst);
  }

 private:
  bool ensure_slots() {
    if (slots_) return true;
    slots_.reset(new (std::nothrow) std::atomic<uint16_t>[kSlotCount]);
    if (!slots_) return false;
    for (uint32_t s = 0; s < kSlotCount; ++s) slots_[s].store(kNone, std::memory_order_relaxed);
    return true;
  }

  std::atomic<uint32_t> readers_{0};
  std::atomic<bool> wanted_{false};
  std::atomic<bool> closed_{false};
  std::atomic<bool> slots_ready_{false};
  std::unique_ptr<std::atomic<uint16_t>[]> slots_;
  std::atomic<Connection *> shards_[kMaxShards] = {};
};

}  // namespace cluster
}  // namespace glide
