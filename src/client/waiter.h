// The parking spot of a blocking call (glide_client_command / glide_client_exec).
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "glide_c.h"

namespace glide {

// A blocking call parks its thread on a futex that the I/O thread wakes. Not a
// std::binary_semaphore: libstdc++'s spins with sched_yield first, a syscall storm per call.
// States: 0 running, 1 sleeping (the waker must FUTEX_WAKE), 2 done.
struct Waiter {
  std::atomic<uint32_t> state{0};
  glide_value *root = nullptr;

  void wait() {
    uint32_t expected = 0;
    if (!state.compare_exchange_strong(expected, 1, std::memory_order_acquire)) return;  // done
    while (state.load(std::memory_order_acquire) != 2)
      syscall(SYS_futex, reinterpret_cast<uint32_t *>(&state), FUTEX_WAIT_PRIVATE, 1, nullptr,
              nullptr, 0);
  }
  void wake() {
    if (state.exchange(2, std::memory_order_release) == 1)
      syscall(SYS_futex, reinterpret_cast<uint32_t *>(&state), FUTEX_WAKE_PRIVATE, 1, nullptr,
              nullptr, 0);
  }
};
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));

}  // namespace glide
