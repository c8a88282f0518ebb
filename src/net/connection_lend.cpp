// Lending a quiet connection to a blocking caller (connection.h, "Lending"): the offer and its
// taking back on the I/O thread, and the caller's own round trip on the borrowed socket.
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "net/connection.h"
#include "util/log.h"
#include "value/alloc.h"

namespace glide {
namespace {
constexpr size_t kLendReadChunk = 16 * 1024;

uint64_t mono_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}
}  // namespace

// ---------------------------------------------------------------- I/O thread

void Connection::set_lendable(const std::atomic<bool> *wanted) {
  lend_wanted_ = wanted;
  if (!wanted) reclaim();  // an offer made before is taken back (a lent one is not offered again)
}

bool Connection::quiet() const {
  return state_ == State::kReady && pending_.empty() && !in_reply_ && rlen_ == 0 && unsent() == 0 &&
         segs_.size() == seg_head_ && !write_armed_ && hs_expected_ == 0 && !subscriber_ &&
         transport_ && !config_.tls_context && !fail_deferred_;
}

bool Connection::offer_if_quiet() {
  if (!lend_wanted_ || !lend_wanted_->load(std::memory_order_relaxed)) return false;
  if (lend_.load(std::memory_order_relaxed) != kHeld || !quiet()) return false;
  // Out of epoll while offered: a caller reading its reply must not wake the I/O thread too.
  // (A server closing the idle socket meanwhile is seen by the caller's peek, or at reclaim.)
  if (!read_paused_) event_del(&ev_read_);
  read_paused_ = true;
  lend_.store(kOffered, std::memory_order_release);
  return true;
}

void Connection::hold_for_io() {
  uint32_t w = lend_.load(std::memory_order_acquire);
  while (w == kOffered || w == kLent) {
    const uint32_t to = w == kOffered ? kHeld : (kLent | kWanted);
    if (lend_.compare_exchange_weak(w, to, std::memory_order_acquire, std::memory_order_acquire)) {
      if (to == kHeld && read_paused_) {  // replies are coming: back in epoll at once
        read_paused_ = false;
        if (transport_ && events_assigned_) event_add(&ev_read_, nullptr);
      }
      return;
    }
  }
}

bool Connection::reclaim() {
  uint32_t w = lend_.load(std::memory_order_acquire);
  for (;;) {
    if (w == kOffered) {
      if (lend_.compare_exchange_weak(w, kHeld, std::memory_order_acquire,
                                      std::memory_order_acquire))
        break;
      continue;
    }
    if (w & kLent) {
      if (w & kWanted) return false;
      if (lend_.compare_exchange_weak(w, w | kWanted, std::memory_order_acquire,
                                      std::memory_order_acquire))
        return false;
      continue;
    }
    break;  // held (kReturned: settled below)
  }
  if (read_paused_) {
    read_paused_ = false;
    if (transport_ && events_assigned_) event_add(&ev_read_, nullptr);
  }
  if (w & kReturned) {
    lend_.store(kHeld, std::memory_order_relaxed);
    settle_return();
  }
  if (fail_deferred_) {
    fail_deferred_ = false;
    const std::string why = std::move(deferred_why_);
    deferred_why_.clear();
    if (transport_) fail_now(deferred_kind_, why);
  }
  return true;
}

void Connection::settle_return() {
  if (lend_check_) {
    // The caller saw bytes, an EOF or an error waiting (and sent nothing): read them now, before
    // anything is written on a socket the server may have closed (a reply nobody asked for
    // fails the connection as a protocol error, an EOF as a lost connection).
    lend_check_ = false;
    if (state_ == State::kReady && transport_) {
      try {
        handle_readable();
      } catch (...) {
        fail_out_of_memory();
      }
    }
  }
  if (lend_owed_.req) {
    // The caller timed out with nothing of its reply read: the reply comes first on the wire,
    // before anything queued here meanwhile (not written while lent).
    const ReplyTag owed = lend_owed_;
    lend_owed_ = ReplyTag{};
    try {
      pending_.push_front(owed);
    } catch (...) {
      owner_->on_lost(owed, GLIDE_ERR_OUT_OF_MEMORY, "out of memory");  // frees its request
      fail_now(GLIDE_ERR_OUT_OF_MEMORY, describe("out of memory keeping a reply owed by"));
      return;
    }
    if (note_timeout()) {
      fail_now(GLIDE_ERR_CONNECTION, "connection to " + name_ +
                                         " closed: " + std::to_string(config_.stall_timeouts) +
                                         " requests timed out in a row with no reply read");
      return;
    }
  }
  if (lend_fail_kind_ != GLIDE_OK) {
    const glide_error_kind kind = lend_fail_kind_;
    lend_fail_kind_ = GLIDE_OK;
    fail_now(kind, describe(lend_fail_why_ ? lend_fail_why_ : "failed while lent:"));
  }
}

// ---------------------------------------------------------------- caller thread

bool Connection::wait_socket(short events, uint64_t deadline_ms) {
  struct pollfd p {};
  p.fd = transport_->fd();
  p.events = events;
  for (;;) {
    int wait = -1;
    if (deadline_ms) {
      const uint64_t now = mono_ms();
      if (now >= deadline_ms) return false;
      wait = static_cast<int>(deadline_ms - now);
    }
    const int n = ::poll(&p, 1, wait);
    if (n > 0) return true;  // ready, or an error / hang-up the next read or write reports
    if (n < 0 && errno != EINTR) return true;
  }
}

Connection::TripResult Connection::caller_round_trip(std::string_view encoded, Arena *arena,
                                                     glide_value *target, uint32_t timeout_ms,
                                                     const ReplyTag &owed) {
  const uint64_t deadline = timeout_ms ? mono_ms() + timeout_ms : 0;
  // Bytes, an EOF or an error already waiting (nothing is expected on a quiet connection): the
  // I/O thread's business. Nothing is sent; the caller takes the I/O thread's path.
  char probe;
  const ssize_t peek = ::recv(transport_->fd(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peek >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    lend_check_ = true;
    return {Trip::kNotSent, GLIDE_OK, {}};
  }

  std::string why;
  size_t off = 0;
  while (off < encoded.size()) {
    struct iovec v = {const_cast<char *>(encoded.data() + off), encoded.size() - off};
    const ssize_t w = caller_write(&v, 1, &why);
    if (w > 0) {
      off += static_cast<size_t>(w);
      continue;
    }
    if (w == 0 && wait_socket(POLLOUT, deadline)) continue;
    if (off == 0) return {Trip::kNotSent, GLIDE_OK, {}};  // (a failed write fails it once back)
    if (w < 0) return {Trip::kLost, lend_fail_kind_, std::move(why)};
    caller_fail(GLIDE_ERR_TIMEOUT, "timed out half-way through writing a command to");
    return {Trip::kTimeout, GLIDE_ERR_TIMEOUT, {}};
  }

  // The reply cannot be there before the server has run: wait before each read rather than
  // spend a recv on EAGAIN.
  size_t done = 0;
  glide_error_kind kind = GLIDE_OK;
  while (done == 0) {
    if (!wait_socket(POLLIN, deadline)) {
      if (rlen_ == 0 && !caller_mid_reply_) {  // nothing of the reply read
        lend_owed_ = owed;                     // read by the I/O thread once handed back
        return {Trip::kTimeout, GLIDE_ERR_TIMEOUT, {}, true};
      }
      caller_fail(GLIDE_ERR_TIMEOUT, "timed out half-way through a reply (while lent) from");
      return {Trip::kTimeout, GLIDE_ERR_TIMEOUT, {}};
    }
    // A failure after the whole reply (bytes after it) leaves the answer standing; the
    // connection fails once handed back.
    if (!caller_read(arena, &target, 1, &done, &kind, &why) && done == 0)
      return {kind == GLIDE_ERR_PROTOCOL ? Trip::kProtocol : Trip::kLost, kind, std::move(why)};
  }
  return {Trip::kAnswered, GLIDE_OK, {}};
}

ssize_t Connection::caller_write(const struct iovec *iov, int n, std::string *why) {
  const IoResult r = transport_->writev(iov, n);
  if (r.status == IoStatus::kOk) return static_cast<ssize_t>(r.bytes);
  if (r.status == IoStatus::kWouldBlock) return 0;
  lend_fail_kind_ = transport_->error_kind();
  lend_fail_why_ = "write failed (while lent) to";
  *why = describe("write failed to") + ": " + transport_->error();
  return -1;
}

bool Connection::caller_read(Arena *arena, glide_value *const *targets, size_t count, size_t *done,
                             glide_error_kind *kind, std::string *why) {
  auto failed = [&](glide_error_kind k, const char *lent_why, std::string message) {
    caller_mid_reply_ = false;
    parser_.reset();
    rlen_ = 0;
    lend_fail_kind_ = k;
    lend_fail_why_ = lent_why;
    *kind = k;
    *why = std::move(message);
    return false;
  };
  if (rcap_ - rlen_ < kLendReadChunk / 4) {
    const size_t cap = rcap_ ? rcap_ * 2 : kLendReadChunk;
    char *nb = static_cast<char *>(mem::resize(rbuf_, cap));
    if (!nb)
      return failed(GLIDE_ERR_OUT_OF_MEMORY, "out of memory reading (while lent) from",
                    describe("out of memory reading from"));
    rbuf_ = nb;
    rcap_ = cap;
  }
  const IoResult r = transport_->read(rbuf_ + rlen_, rcap_ - rlen_);
  if (r.status == IoStatus::kWouldBlock) return true;
  if (r.status == IoStatus::kClosed)
    return failed(GLIDE_ERR_CONNECTION, "connection closed by", describe("connection closed by"));
  if (r.status != IoStatus::kOk)
    return failed(transport_->error_kind(), "read failed (while lent) from",
                  describe("read failed from") + ": " + transport_->error());
  rlen_ += r.bytes;
  size_t pos = 0;
  while (pos < rlen_) {
    if (*done >= count)
      return failed(GLIDE_ERR_PROTOCOL, "unexpected bytes after the replies (while lent) from",
                    "protocol error from " + name_ + ": reply with no request");
    glide_value *target = targets[*done];
    if (!caller_mid_reply_) {
      parser_.begin(target, arena);
      caller_mid_reply_ = true;
    }
    size_t consumed = 0;
    const resp::Status st = parser_.feed(rbuf_ + pos, rlen_ - pos, &consumed);
    pos += consumed;
    if (st == resp::Status::kNeedMore) break;
    if (st == resp::Status::kError) {
      const bool oom = parser_.error().rfind("out of memory", 0) == 0;
      std::string message = "reply from " + name_ + ": " + parser_.error();
      return failed(oom ? GLIDE_ERR_OUT_OF_MEMORY : GLIDE_ERR_PROTOCOL, "malformed reply from",
                    std::move(message));
    }
    caller_mid_reply_ = false;
    if (target->type == GLIDE_VALUE_PUSH) continue;  // out-of-band (nobody subscribed): dropped
    timeouts_since_reply_ = 0;
    ++*done;
  }
  if (pos > 0) {
    std::memmove(rbuf_, rbuf_ + pos, rlen_ - pos);
    rlen_ -= pos;
  }
  return true;
}

bool Connection::try_offer() {
  if (lend_owed_.req || lend_fail_kind_ != GLIDE_OK || lend_check_) return false;
  uint32_t w = kLent;
  return lend_.compare_exchange_strong(w, kOffered, std::memory_order_release,
                                       std::memory_order_relaxed);
}

}  // namespace glide
