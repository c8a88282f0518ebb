// One pipelined connection to one node, driven by the client's I/O thread: name resolution
// without blocking (IP literals at once, names through the loop's Resolver), non-blocking connect,
// handshake (HELLO 3 with AUTH/SETNAME, falling back to RESP2 commands), one write per flush of
// everything queued, reads parsed in place where its owner says (ConnectionOwner). It knows
// bytes, tags and replies; what a reply means (QUEUED, EXECABORT, MOVED) is its owner's business.
#pragma once

#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "net/connection_owner.h"
#include "net/resolver.h"
#include "net/ring.h"
#include "net/tls_context.h"
#include "net/transport.h"
#include "resp/parser.h"
#include "value/arena.h"

namespace glide {

class Connection final : private Resolver::Waiter {
 public:
  // kConnecting covers resolving the host's name too (requests queue behind both alike).
  // kSecuring: the transport's own handshake (TLS); kHandshake: the RESP handshake (HELLO...).
  enum class State { kDisconnected, kConnecting, kSecuring, kHandshake, kReady };

  // name: "host:port", for messages. The owner and the resolver (of the same event loop)
  // outlive the connection.
  Connection(ConnectionOwner *owner, struct event_base *base, Resolver *resolver,
             const Config &config, const Address &address, const std::string &name);
  ~Connection();
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;

  State state() const { return state_; }
  // Starts connecting if disconnected. Returns false (with the reason in last_error()) when the
  // node is in its reconnect backoff: callers fail their requests at once rather than wait.
  bool ensure_connecting();
  // Queues an encoded command and the tag of its reply (all or nothing).
  void send(std::string_view encoded, const ReplyTag &tag);
  // Queues a command that stays where it is (a blocking exec's borrowed batch: no copy) and the
  // tag of its reply, all or nothing. Written from there until sent or until
  // release_borrowed(); the bytes must stay valid until then. Over TLS it is copied (send).
  void send_borrowed(std::string_view encoded, const ReplyTag &tag);
  // The caller's batch [base, base + len) is about to be released: every byte of it still unsent
  // here (the unsent rest of a command half written too) is copied into the connection's own
  // buffer, in place in the write order, so nothing reads the range after this returns. False
  // when that copy cannot be allocated: the caller must fail() the connection (which drops the
  // references) before releasing the batch.
  bool release_borrowed(const char *base, size_t len);
  // Queues raw bytes with no reply expected of them (the caller adds the pendings itself).
  std::string &out(const Request *req) {
    note_writer(req);
    return out_;
  }
  // Room for `bytes` more output and `replies` more expected replies (big batches). as_spans:
  // the bytes will come as that many send_borrowed() spans at most (copies over TLS).
  void reserve(size_t bytes, size_t replies, bool as_spans = false);
  // One more reply expected, after the bytes already queued (room reserved: never throws then).
  void expect(const ReplyTag &tag);
  // One more reply expected before every other: the owner learnt, from the reply just handed to
  // on_reply, that the server sends one more (an error answering a command queued without a tag,
  // ahead of its fence). Only from inside on_reply; may throw (out of memory).
  void expect_next(const ReplyTag &tag);
  // The RESP version the handshake settled on (2 when the server did not know HELLO).
  int protocol() const { return hello_failed_ ? 2 : config_.protocol; }
  // Writes what is queued (if ready); arms EV_WRITE for the rest.
  void flush();
  // Closes the socket if no reply is owed (a node that left the map, or changed role); the next
  // request to this node reconnects.
  void close_if_idle();
  // Closes the socket and reports every expected reply lost (on_lost) with kind/message.
  void fail(glide_error_kind kind, const std::string &message);

  // Calls f(tag) for every reply of req this connection still owes.
  template <typename F>
  void visit_pending(const Request *req, F &&f) {
    for (size_t i = 0; i < pending_.size(); ++i) {
      const ReplyTag &t = pending_.at(i);
      if (t.req == req) f(t);
    }
  }
  // True while this connection owes req any reply at all.
  bool owes(const Request *req) {
    for (size_t i = 0; i < pending_.size(); ++i)
      if (pending_.at(i).req == req) return true;
    return false;
  }
  const std::string &name() const { return name_; }
  const Address &address() const { return address_; }
  // A pub/sub subscriber connection (cluster/node.h): over RESP2, whose replies have no push
  // type, the arrays a subscribed connection receives unasked (message, pmessage, smessage and
  // the (un)subscribe confirmations) go to on_push like RESP3 pushes instead of answering a tag.
  void make_subscriber() { subscriber_ = true; }

  // Command bytes queued before `req` started queueing here and not written yet: what the
  // max_unsent_bytes bound counts (a request is never refused for its own size).
  size_t backlog_for(const Request *req) const {
    const size_t unsent = this->unsent();
    return req == last_req_ ? (backlog_before_last_ < unsent ? backlog_before_last_ : unsent)
                            : unsent;
  }
  // One of the requests waiting on this connection timed out. True when the connection has now
  // stalled (stall_timeouts timeouts in a row with no whole reply read): the caller tears it down.
  bool note_timeout();
  // RESP3 pushes read and dropped (the owner had no use for them), for tests and statistics.
  uint64_t pushes_dropped() const { return pushes_dropped_; }
  // TLS handshakes that resumed this node's previous session, for tests and statistics.
  uint64_t tls_resumptions() const { return tls_session_.resumed(); }

  // ---- Lending the connection to a blocking caller (the caller-side fast path,
  // docs/ARCHITECTURE.md, "The caller-side fast path"). The lend word says who may touch the
  // socket, the read buffer and the parser: the I/O thread (kHeld), nobody but any caller may take
  // it (kOffered: quiet, out of epoll), one caller thread (kLent). While lent the I/O thread still
  // queues bytes and replies (out_, pending_ stay its own) but writes nothing: it sets kWanted, and
  // the caller then hands the connection back through its client (Client::hand_back) instead of
  // offering it again. kReturned: handed back with something to settle first (a reply still owed
  // after a timeout, a failure), done by the I/O thread before it touches the socket again.
  enum Lend : uint32_t { kHeld = 0, kOffered = 1, kLent = 2, kWanted = 4, kReturned = 8 };
  // I/O thread: this connection may be offered when quiet while *wanted is set (plain TCP, a
  // primary's command connection); nullptr: never again (an offer now is taken back).
  void set_lendable(const std::atomic<bool> *wanted);
  // I/O thread, at the end of an event or of a hand-back (or as its last reply is read): offers
  // the connection if it is quiet (ready, nothing queued, owed or half-read) and lending is
  // wanted; true when it did (the caller then touches nothing of the socket, buffer or parser).
  bool offer_if_quiet();
  // I/O thread: true once it holds the socket again (an offer taken back, a hand-back settled;
  // the connection may have failed while settling); false while a caller holds it (kWanted set).
  bool reclaim();
  // Caller thread: takes an offered connection (false: not offered now).
  bool try_borrow() {
    uint32_t w = kOffered;
    return lend_.compare_exchange_strong(w, kLent, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }
  // How a caller's own round trip on a borrowed connection ended.
  enum class Trip : uint8_t {
    kAnswered,  // the reply is built in the target
    kNotSent,   // nothing written (the socket had news: bytes, EOF, an error): take the I/O path
    kLost,      // written, and the connection failed before the whole reply: lost_kind/why
    kTimeout,   // written, no whole reply before the deadline
    kProtocol,  // the reply was malformed: why
  };
  struct TripResult {
    Trip trip;
    glide_error_kind lost_kind;
    std::string why;    // kLost, kProtocol
    bool owed = false;  // kTimeout: the reply is now owed to `owed` (its request must wait)
  };
  // Caller thread, on a borrowed connection: writes `encoded` and reads its one reply into
  // *target (memory from arena) within timeout_ms (0: none). A timeout with no byte of the reply
  // read leaves the reply owed to the tag `owed` (its request completed, kept until the reply is
  // read by the I/O thread); anything else that leaves the connection out of step makes it fail
  // once handed back. No heap allocation but the arena's (and the read buffer's first growth).
  TripResult caller_round_trip(std::string_view encoded, Arena *arena, glide_value *target,
                               uint32_t timeout_ms, const ReplyTag &owed);
  // Caller thread, on a borrowed connection: the pieces of a round trip the caller drives itself
  // over several connections at once (a batch, Client::try_caller_side_batch).
  int caller_fd() const { return transport_->fd(); }
  void caller_saw_news() { lend_check_ = true; }  // the probe found bytes / EOF: nothing sent
  // Writes iov[0..n) as far as the socket takes it: the bytes written (0: would block), or -1:
  // failed (why set; the connection fails once handed back).
  ssize_t caller_write(const struct iovec *iov, int n, std::string *why);
  // Reads once and parses every whole reply there: reply k goes to *targets[*done + k] (memory
  // from arena), *done advances; `count` replies are expected in all. False: the connection
  // closed, failed or sent garbage (kind/why set; it fails once handed back).
  bool caller_read(Arena *arena, glide_value *const *targets, size_t count, size_t *done,
                   glide_error_kind *kind, std::string *why);
  // Caller thread: the caller stops with the connection out of step (a reply half-read or
  // still owed at its timeout, out of memory half-way): it fails once handed back.
  void caller_fail(glide_error_kind kind, const char *why) {
    caller_mid_reply_ = false;
    parser_.reset();
    rlen_ = 0;
    lend_owed_ = ReplyTag{};
    lend_fail_kind_ = kind;
    lend_fail_why_ = why;
  }

  // Caller thread, done with a borrowed connection: offers it again (true), unless the I/O thread
  // wants it (kWanted) or must settle something first (false: return_to_io(), and the client
  // tells the I/O thread). Neither touches the connection after its atomic store.
  bool try_offer();
  void return_to_io() { lend_.store(kHeld | kReturned, std::memory_order_release); }
  // I/O thread: handed back with something to settle (Client::take_returned).
  bool returned() const { return lend_.load(std::memory_order_acquire) & kReturned; }

  glide_error_kind last_error_kind() const { return last_kind_; }
  const std::string &last_error() const { return last_error_; }
  bool dirty = false;                // in the client's flush list
  Connection *next_dirty = nullptr;  // that list's link

 private:
  static void on_event(evutil_socket_t fd, short what, void *arg);
  static void on_connect_timer(evutil_socket_t fd, short what, void *arg);
  void start_connect();
  // The host's addresses are known (err 0) or not: connects to the first, or fails.
  // res stays the caller's.
  void on_addresses(int err, const struct evutil_addrinfo *res);
  void connect_to(const struct sockaddr *addr, socklen_t addrlen);
  void resolved(int err, struct evutil_addrinfo *res) override;  // Resolver::Waiter
  void connected();
  void secure();  // one step of the transport's handshake (TLS), then the RESP handshake
  void start_handshake();
  void handle_readable();
  void handle_writable();
  void close_socket();                   // back to kDisconnected; pending replies untouched
  void note_writer(const Request *req);  // req starts queueing bytes (backlog bookkeeping)
  void fail_out_of_memory();             // fail() that allocates nothing itself
  void fail_now(glide_error_kind kind, const std::string &message);  // fail() while held
  void settle_return();  // reclaim(): what a caller's hand-back left (owed reply, failure)
  bool wait_socket(short events, uint64_t deadline_ms);  // caller thread: poll until the deadline
  void
  hold_for_io();  // bytes or replies are being queued: an offer is taken back (kWanted if lent)
  bool quiet() const;
  // Sends buf[*pos..] as far as the socket takes it; arms EV_WRITE for the rest. False when the
  // connection failed (and was closed).
  bool write_out(const std::string &buf, size_t *pos);
  // Writes the queue (segments, then the open tail of out_) as far as the socket takes it, with
  // one gathering write per round; arms EV_WRITE for the rest. False when the connection failed.
  bool write_queue();
  void consume(size_t n);  // n bytes of the queue were written
  // Closes the open tail of out_ into a segment, so that a span queued next goes after it.
  // Throws (out of memory) unless room for one more segment was reserved.
  void seal();
  size_t unsent() const { return queued_ + (out_.size() - own_mark_); }
  bool handle_handshake_reply(const glide_value *v);
  void handshake_done();
  std::string describe(std::string_view what) const;

  ConnectionOwner *owner_;
  struct event_base *base_;
  Resolver *resolver_;
  Resolver::Lookup *lookup_ = nullptr;  // the name lookup in flight (state kConnecting), if any
  const Config &config_;
  const Address &address_;
  const std::string &name_;
  State state_ = State::kDisconnected;
  TlsSession tls_session_;                // this node's last TLS session (resumption)
  std::unique_ptr<Transport> transport_;  // the socket; null while disconnected
  struct event ev_read_ {};
  struct event ev_write_ {};
  struct event ev_timer_ {};  // resolve + connect + handshake deadline (assigned at construction)
  bool events_assigned_ = false;  // ev_read_ / ev_write_
  bool write_armed_ = false;

  // The write queue of user commands (written only once ready), in order: the segments
  // segs_[seg_head_..] (seg_pos_ bytes of the first written already), then the open tail
  // out_[own_mark_..]. A segment is either the connection's own bytes (out_[at, at + len)) or a
  // span of a borrowed batch (a blocking exec's, the caller's memory: see release_borrowed).
  // Without borrowed spans there are no segments and out_ is written in order as before.
  struct Segment {
    uint64_t at;  // own: offset in out_; borrowed: the address
    uint32_t len;
    uint32_t borrowed;
  };
  std::string out_;      // own bytes
  size_t own_mark_ = 0;  // out_[0, own_mark_) is in segments or written; the rest is the open tail
  std::vector<Segment> segs_;
  size_t seg_head_ = 0;
  size_t seg_pos_ = 0;
  size_t queued_ = 0;    // unsent bytes in segments
  size_t borrowed_ = 0;  // borrowed segments not written yet
  std::string hs_out_;   // handshake commands (written first)
  size_t hs_pos_ = 0;
  int hs_phase_ = 0;           // 1: HELLO sent; 2: AUTH/SETNAME/SELECT sent
  int hs_expected_ = 0;        // handshake replies still expected
  bool hello_failed_ = false;  // the server does not know HELLO: RESP2 commands instead
  bool subscriber_ = false;    // make_subscriber()
  Ring<ReplyTag> pending_;

  char *rbuf_ = nullptr;
  size_t rlen_ = 0, rcap_ = 0;
  resp::Parser parser_;
  bool in_reply_ = false;  // parser holds a partial reply
  ReplyTag cur_{};
  glide_value *cur_target_ = nullptr;  // where the reply in progress is being built
  bool cur_scratch_ = false;
  Arena *scratch_ = nullptr;  // replies nobody waits for any more, handshake replies

  const Request *last_req_ = nullptr;  // the request that queued bytes last, and the backlog
  size_t backlog_before_last_ = 0;     // other requests had left when it started
  uint32_t timeouts_since_reply_ = 0;
  uint64_t pushes_dropped_ = 0;

  // Lending (see Lend). The lend_* fields below are written by the caller that holds the
  // connection, before its release store of lend_, and read by the I/O thread after reclaim().
  std::atomic<uint32_t> lend_{kHeld};
  const std::atomic<bool> *lend_wanted_ = nullptr;  // I/O thread: set_lendable
  bool read_paused_ = false;                        // I/O thread: ev_read_ out of epoll (offered)
  ReplyTag lend_owed_{};                            // req set: a reply owed to this tag first
  bool lend_check_ = false;                         // the socket had news: the I/O thread reads
  bool caller_mid_reply_ = false;                   // caller_read: the parser holds part of a reply
  glide_error_kind lend_fail_kind_ = GLIDE_OK;      // the connection must fail, and why
  const char *lend_fail_why_ = nullptr;
  bool fail_deferred_ = false;  // I/O thread: fail() came while lent; done once handed back
  glide_error_kind deferred_kind_ = GLIDE_OK;
  std::string deferred_why_;

  uint32_t failures_ = 0;
  uint64_t retry_at_ms_ = 0;
  glide_error_kind last_kind_ = GLIDE_OK;
  std::string last_error_;
};

}  // namespace glide
