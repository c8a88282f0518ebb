#include "net/connection.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstring>

#include "resp/encoder.h"
#include "util/guard.h"
#include "util/log.h"
#include "util/timeval.h"
#include "value/alloc.h"
#include "value/types.h"

namespace glide {
namespace {
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kShrinkAbove = 1 << 20;  // give back output buffers grown by a huge batch

// Addresses from the resolver, freed with it.
struct FreeAddresses {
  void operator()(struct evutil_addrinfo *res) const { Resolver::free_addresses(res); }
};
using AddressList = std::unique_ptr<struct evutil_addrinfo, FreeAddresses>;

bool is_auth_error(const glide_value *v) {
  for (std::string_view p : {"WRONGPASS", "NOAUTH", "NOPERM", "ERR invalid password", "ERR AUTH",
                             "ERR Client sent AUTH"})
    if (value::is_error_with(*v, p)) return true;
  return false;
}

// What a RESP2 subscribed connection receives unasked: ["message", channel, payload],
// ["pmessage", pattern, channel, payload], ["smessage", ...] and the (un)subscribe confirmations
// [kind, channel, count]. Its one reply to a command of ours, PING, is ["pong", ""] (or +PONG).
bool resp2_push(const glide_value &v) {
  if (v.type != GLIDE_VALUE_ARRAY || v.u.aggregate.len < 3) return false;
  const glide_value &head = v.u.aggregate.items[0];
  if (head.type != GLIDE_VALUE_BULK_STRING) return false;
  const std::string_view name(head.u.string.ptr, head.u.string.len);
  for (std::string_view k : {"message", "pmessage", "smessage", "subscribe", "psubscribe",
                             "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe"})
    if (name == k) return true;
  return false;
}
}  // namespace

Connection::Connection(ConnectionOwner *owner, struct event_base *base, Resolver *resolver,
                       const Config &config, const Address &address, const std::string &name)
    : owner_(owner),
      base_(base),
      resolver_(resolver),
      config_(config),
      address_(address),
      name_(name),
      parser_(config.limits),
      scratch_(Arena::create(4096)) {
  evtimer_assign(&ev_timer_, base_, &Connection::on_connect_timer, this);
}

Connection::~Connection() {
  if (lookup_) resolver_->abandon(lookup_);  // its late callback never reaches this object
  if (events_assigned_) {
    event_del(&ev_read_);
    event_del(&ev_write_);
  }
  event_del(&ev_timer_);
  transport_.reset();
  mem::release(rbuf_);
  Arena::destroy(scratch_);
}

std::string Connection::describe(std::string_view what) const {
  std::string s(what);
  s += ' ';
  s += name_;
  return s;
}

bool Connection::ensure_connecting() {
  if (state_ != State::kDisconnected) return true;
  if (failures_ > 0 && owner_->now_ms() < retry_at_ms_) return false;
  start_connect();
  return state_ != State::kDisconnected;
}

void Connection::start_connect() {
  if (!scratch_) {
    last_kind_ = GLIDE_ERR_OUT_OF_MEMORY;
    last_error_ = "out of memory";
    return;
  }
  // The deadline covers the name lookup, the TCP connect and the handshake.
  state_ = State::kConnecting;
  struct timeval tv = ms_to_timeval(config_.connect_timeout_ms);
  event_add(&ev_timer_, &tv);

  // An IP literal (what cluster topologies announce) is parsed without any I/O and connected to
  // at once.
  struct addrinfo hints {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  struct addrinfo *res = nullptr;
  const std::string port = std::to_string(address_.port);
  const int rc = getaddrinfo(address_.host.c_str(), port.c_str(), &hints, &res);
  if (rc != EAI_NONAME) {
    const std::unique_ptr<struct addrinfo, void (*)(struct addrinfo *)> owned(res, &freeaddrinfo);
    if (rc != 0) {
      fail(GLIDE_ERR_CONNECTION, describe("cannot resolve") + ": " + gai_strerror(rc));
      return;
    }
    on_addresses(0, res);
    return;
  }
  // A name: resolved by the loop's resolver, without blocking. The answer may be known at once
  // (a hosts-file entry such as localhost).
  int err = 0;
  struct evutil_addrinfo *found = nullptr;
  Resolver::Lookup *lookup = resolver_->resolve(address_.host, address_.port, this, &err, &found);
  if (lookup) {
    lookup_ = lookup;  // resolved() follows from the loop, or the connection abandons it
    return;
  }
  const AddressList owned(found);
  on_addresses(err, found);
}

void Connection::resolved(int err, struct evutil_addrinfo *res) {
  lookup_ = nullptr;  // the resolver freed the ticket
  try {
    const AddressList owned(res);
    on_addresses(err, res);
  } catch (...) {
    fail_out_of_memory();
  }
  guarded([&] { owner_->after_event(); });
}

void Connection::on_addresses(int err, const struct evutil_addrinfo *res) {
  if (err != 0 || !res) {
    fail(GLIDE_ERR_CONNECTION, describe("cannot resolve") + ": " +
                                   (err != 0 ? Resolver::error_string(err) : "no address"));
    return;
  }
  connect_to(res->ai_addr, static_cast<socklen_t>(res->ai_addrlen));
}

void Connection::connect_to(const struct sockaddr *addr, socklen_t addrlen) {
  std::string why;
  bool oom = false;
  transport_ = tcp_connect(addr, addrlen, config_, &why, &oom);
  if (!transport_) {
    fail(oom ? GLIDE_ERR_OUT_OF_MEMORY : GLIDE_ERR_CONNECTION,
         describe("cannot connect to") + ": " + why);
    return;
  }
  const int fd = transport_->fd();
  event_assign(&ev_read_, base_, fd, EV_READ | EV_PERSIST, &Connection::on_event, this);
  event_assign(&ev_write_, base_, fd, EV_WRITE | EV_PERSIST, &Connection::on_event, this);
  events_assigned_ = true;
  event_add(&ev_write_, nullptr);
  write_armed_ = true;
}

void Connection::on_connect_timer(evutil_socket_t, short, void *arg) {
  auto *c = static_cast<Connection *>(arg);
  try {
    const char *what = c->lookup_                        ? "timed out resolving"
                       : c->state_ == State::kConnecting ? "timed out connecting to"
                       : c->state_ == State::kSecuring   ? "timed out in the TLS handshake with"
                                                         : "timed out in the handshake with";
    c->fail(c->state_ == State::kSecuring ? GLIDE_ERR_TLS : GLIDE_ERR_CONNECTION,
            c->describe(what) + " after " + std::to_string(c->config_.connect_timeout_ms) + " ms");
  } catch (...) {
    c->fail_out_of_memory();
  }
}

void Connection::on_event(evutil_socket_t, short what, void *arg) {
  auto *c = static_cast<Connection *>(arg);
  try {
    if (c->state_ == State::kSecuring) {
      c->secure();
    } else if (what & EV_WRITE) {
      if (c->state_ == State::kConnecting) {
        const std::string err = c->transport_->connect_error();
        if (!err.empty()) {
          c->fail(GLIDE_ERR_CONNECTION, c->describe("cannot connect to") + ": " + err);
        } else {
          c->connected();
        }
      } else {
        c->handle_writable();
      }
    }
    // A TLS transport may hold decoded bytes the socket will not announce again: read on.
    if ((what & EV_READ) && c->transport_ && c->state_ != State::kSecuring) {
      do {
        c->handle_readable();
      } while (c->transport_ && c->transport_->has_buffered());
    }
  } catch (...) {
    c->fail_out_of_memory();
  }
  guarded([&] { c->owner_->after_event(); });
  c->offer_if_quiet();
}

void Connection::fail_out_of_memory() {
  // Out of memory half-way through connecting, a handshake or a read: the connection cannot be
  // trusted to be in step any more. It fails like a lost one (every reply it owed fails with
  // OUT_OF_MEMORY, or is retried) and reconnects. The message fits std::string's inline buffer:
  // reporting it allocates nothing.
  static const std::string kOutOfMemory = "out of memory";
  guarded([&] { fail(GLIDE_ERR_OUT_OF_MEMORY, kOutOfMemory); });
}

void Connection::connected() {
  event_del(&ev_write_);
  write_armed_ = false;
  if (config_.tls_context) {
    std::string why;
    std::unique_ptr<Transport> tls =
        tls_wrap(std::move(transport_), *config_.tls_context, address_.host, &tls_session_, &why);
    if (!tls) {
      fail(GLIDE_ERR_TLS, describe("cannot start TLS with") + ": " + why);
      return;
    }
    transport_ = std::move(tls);
  }
  state_ = State::kSecuring;
  secure();
}

void Connection::secure() {
  // Plain TCP is done at once: the RESP handshake starts right after the connect.
  switch (transport_->handshake()) {
    case HandshakeStep::kDone:
      state_ = State::kHandshake;
      if (write_armed_) event_del(&ev_write_);
      write_armed_ = false;
      event_add(&ev_read_, nullptr);
      start_handshake();
      return;
    case HandshakeStep::kWantRead:
      if (write_armed_) event_del(&ev_write_);
      write_armed_ = false;
      event_add(&ev_read_, nullptr);
      return;
    case HandshakeStep::kWantWrite:
      event_del(&ev_read_);
      if (!write_armed_) event_add(&ev_write_, nullptr);
      write_armed_ = true;
      return;
    case HandshakeStep::kError:
      fail(transport_->error_kind(),
           describe("TLS handshake failed with") + ": " + transport_->error());
      return;
  }
}

namespace {
void encode(std::string &out, std::initializer_list<std::string_view> args) {
  resp::encode_command(out, args.begin(), args.size());
}
}  // namespace

void Connection::start_handshake() {
  const Config &cfg = config_;
  wipe(hs_out_);
  hs_pos_ = 0;
  hs_expected_ = 0;
  if (hs_phase_ == 0 && cfg.protocol == 3) {
    // HELLO 3 authenticates and names the connection in one round trip.
    std::string_view args[7] = {"HELLO", "3"};
    size_t n = 2;
    if (cfg.has_credentials) {
      args[n++] = "AUTH";
      args[n++] = cfg.username.empty() ? std::string_view("default") : cfg.username;
      args[n++] = cfg.password;
    }
    if (!cfg.client_name.empty()) {
      args[n++] = "SETNAME";
      args[n++] = cfg.client_name;
    }
    resp::encode_command(hs_out_, args, n);
    hs_phase_ = 1;
    hs_expected_ = 1;
  } else {
    const bool after_hello = hs_phase_ == 1 && !hello_failed_;
    if (!after_hello) {
      if (cfg.has_credentials) {
        if (cfg.username.empty())
          encode(hs_out_, {"AUTH", cfg.password});
        else
          encode(hs_out_, {"AUTH", cfg.username, cfg.password});
        ++hs_expected_;
      }
      if (!cfg.client_name.empty()) {
        encode(hs_out_, {"CLIENT", "SETNAME", cfg.client_name});
        ++hs_expected_;
      }
    }
    if (!cfg.cluster && cfg.database != 0) {
      encode(hs_out_, {"SELECT", std::to_string(cfg.database)});
      ++hs_expected_;
    }
    if (cfg.cluster && owner_->read_only()) {
      encode(hs_out_, {"READONLY"});  // reads served by this replica, not redirected
      ++hs_expected_;
    }
    hs_phase_ = 2;
    if (hs_expected_ == 0) {
      handshake_done();
      return;
    }
  }
  handle_writable();
}

bool Connection::handle_handshake_reply(const glide_value *v) {
  if (hs_phase_ == 1) {
    if (v->type == GLIDE_VALUE_ERROR) {
      if (value::is_error_with(*v, "NOPROTO") || value::is_error_with(*v, "ERR unknown command")) {
        hello_failed_ = true;  // a server without RESP3: AUTH/SETNAME the RESP2 way
        start_handshake();
        return state_ != State::kDisconnected;
      }
      fail(is_auth_error(v) ? GLIDE_ERR_AUTH : GLIDE_ERR_CONNECTION,
           describe("handshake failed with") + ": " + std::string(value::string_of(*v)));
      return false;
    }
    start_handshake();  // phase 2: SELECT if needed
    return state_ != State::kDisconnected;
  }
  if (v->type == GLIDE_VALUE_ERROR) {
    fail(is_auth_error(v) ? GLIDE_ERR_AUTH : GLIDE_ERR_CONNECTION,
         describe("handshake failed with") + ": " + std::string(value::string_of(*v)));
    return false;
  }
  if (--hs_expected_ == 0) handshake_done();
  return true;
}

void Connection::handshake_done() {
  wipe(hs_out_);  // HELLO ... AUTH carried the password
  hs_pos_ = 0;
  state_ = State::kReady;
  failures_ = 0;
  event_del(&ev_timer_);
  GLIDE_LOG(GLIDE_LOG_INFO, "connected to %s (RESP%d)", name_.c_str(),
            hello_failed_ ? 2 : config_.protocol);
  owner_->on_ready();
  flush();
}

void Connection::send(std::string_view encoded, const ReplyTag &tag) {
  // All or nothing, so bytes and expected replies never part: room for the reply entry first
  // (may throw, nothing queued yet), then the bytes (std::string's strong guarantee), then the
  // entry (no allocation left).
  pending_.reserve(pending_.size() + 1);
  note_writer(tag.req);
  out_.append(encoded);
  expect(tag);
}

void Connection::send_borrowed(std::string_view encoded, const ReplyTag &tag) {
  if (config_.tls_context || encoded.size() > UINT32_MAX) {
    send(encoded, tag);  // TLS writes one buffer at a time: copied, as it always was
    return;
  }
  // All or nothing: every allocation first (the reply entry, room for two segments), then
  // nothing that can fail.
  pending_.reserve(pending_.size() + 1);
  if (segs_.capacity() - segs_.size() < 2) segs_.reserve(std::max<size_t>(16, segs_.size() * 2));
  note_writer(tag.req);
  seal();
  const auto at = reinterpret_cast<uint64_t>(encoded.data());
  const auto len = static_cast<uint32_t>(encoded.size());
  Segment *last = segs_.size() > seg_head_ ? &segs_.back() : nullptr;
  if (last && last->borrowed && last->at + last->len == at && last->len <= UINT32_MAX - len) {
    last->len += len;  // the next command of the same batch, right behind: one span
  } else {
    segs_.push_back(Segment{at, len, 1});
    ++borrowed_;
  }
  queued_ += len;
  expect(tag);
}

void Connection::seal() {
  while (own_mark_ < out_.size()) {
    const size_t n = std::min<size_t>(out_.size() - own_mark_, UINT32_MAX);
    Segment *last = segs_.size() > seg_head_ ? &segs_.back() : nullptr;
    if (last && !last->borrowed && last->at + last->len == own_mark_ &&
        last->len <= UINT32_MAX - n) {
      last->len += static_cast<uint32_t>(n);
    } else {
      segs_.push_back(Segment{own_mark_, static_cast<uint32_t>(n), 0});
    }
    queued_ += n;
    own_mark_ += n;
  }
}

bool Connection::release_borrowed(const char *base, size_t len) {
  if (borrowed_ == 0) return true;
  const auto lo = reinterpret_cast<uint64_t>(base), hi = lo + len;
  auto in_range = [&](const Segment &g) { return g.borrowed && g.at < hi && g.at + g.len > lo; };
  // Room first (the copies and one segment for the open tail), so nothing below can fail.
  size_t bytes = 0;
  for (size_t i = seg_head_; i < segs_.size(); ++i)
    if (in_range(segs_[i])) bytes += segs_[i].len - (i == seg_head_ ? seg_pos_ : 0);
  if (bytes == 0) return true;
  try {
    if (segs_.capacity() == segs_.size()) segs_.reserve(segs_.size() + 1);
    out_.reserve(out_.size() + bytes);
  } catch (...) {
    return false;
  }
  seal();  // the open tail goes after every segment: it stays where it is in the order
  for (size_t i = seg_head_; i < segs_.size(); ++i) {
    Segment &g = segs_[i];
    if (!in_range(g)) continue;
    const size_t skip = i == seg_head_ ? seg_pos_ : 0;
    const size_t off = out_.size();
    out_.append(reinterpret_cast<const char *>(g.at) + skip, g.len - skip);
    g = Segment{off, static_cast<uint32_t>(g.len - skip), 0};
    if (i == seg_head_) seg_pos_ = 0;
    --borrowed_;
  }
  own_mark_ = out_.size();  // the copies are in segments already
  return true;
}

void Connection::note_writer(const Request *req) {
  hold_for_io();
  if (req == last_req_) return;
  last_req_ = req;
  backlog_before_last_ = unsent();
}

bool Connection::note_timeout() {
  const uint32_t limit = config_.stall_timeouts;
  return limit > 0 && ++timeouts_since_reply_ >= limit;
}

void Connection::reserve(size_t bytes, size_t replies, bool as_spans) {
  pending_.reserve(pending_.size() + replies);
  if (as_spans && !config_.tls_context)
    segs_.reserve(segs_.size() + replies + 1);  // + 1: the open tail sealed before the first
  else
    out_.reserve(out_.size() + bytes);
}

void Connection::expect(const ReplyTag &tag) {
  hold_for_io();
  pending_.push_back(tag);
  owner_->on_queued(this);
}

void Connection::expect_next(const ReplyTag &tag) { pending_.push_front(tag); }

bool Connection::write_out(const std::string &buf, size_t *pos) {
  while (*pos < buf.size()) {
    const IoResult r = transport_->write(buf.data() + *pos, buf.size() - *pos);
    if (r.status == IoStatus::kWouldBlock) break;
    if (r.status != IoStatus::kOk) {
      fail(transport_->error_kind(), describe("write failed to") + ": " + transport_->error());
      return false;
    }
    *pos += r.bytes;
  }
  // Whatever the socket did not take waits for EV_WRITE.
  const bool rest = *pos < buf.size();
  if (rest && !write_armed_) event_add(&ev_write_, nullptr);
  if (!rest && write_armed_) event_del(&ev_write_);
  write_armed_ = rest;
  return true;
}

void Connection::handle_writable() {
  if (state_ == State::kHandshake) {
    write_out(hs_out_, &hs_pos_);
    return;
  }
  flush();
}

bool Connection::write_queue() {
  // IOV_MAX on Linux (16 KiB of stack): a span of a big batch is often one small command.
  constexpr int kMaxIov = 1024;
  for (;;) {
    struct iovec iov[kMaxIov];
    int n = 0;
    for (size_t i = seg_head_; i < segs_.size() && n < kMaxIov; ++i, ++n) {
      const Segment &g = segs_[i];
      const char *data = g.borrowed ? reinterpret_cast<const char *>(g.at) : out_.data() + g.at;
      const size_t skip = i == seg_head_ ? seg_pos_ : 0;
      iov[n].iov_base = const_cast<char *>(data + skip);
      iov[n].iov_len = g.len - skip;
    }
    if (n < kMaxIov && own_mark_ < out_.size()) {
      iov[n].iov_base = out_.data() + own_mark_;
      iov[n].iov_len = out_.size() - own_mark_;
      ++n;
    }
    if (n == 0) break;
    const IoResult r =
        n == 1 ? transport_->write(static_cast<const char *>(iov[0].iov_base), iov[0].iov_len)
               : transport_->writev(iov, n);
    if (r.status == IoStatus::kWouldBlock) break;
    if (r.status != IoStatus::kOk) {
      fail(transport_->error_kind(), describe("write failed to") + ": " + transport_->error());
      return false;
    }
    consume(r.bytes);
  }
  // Whatever the socket did not take waits for EV_WRITE.
  const bool rest = unsent() > 0;
  if (rest && !write_armed_) event_add(&ev_write_, nullptr);
  if (!rest && write_armed_) event_del(&ev_write_);
  write_armed_ = rest;
  return true;
}

void Connection::consume(size_t n) {
  while (n > 0 && seg_head_ < segs_.size()) {
    Segment &g = segs_[seg_head_];
    const size_t take = std::min(n, g.len - seg_pos_);
    seg_pos_ += take;
    queued_ -= take;
    n -= take;
    if (seg_pos_ == g.len) {
      if (g.borrowed) --borrowed_;
      ++seg_head_;
      seg_pos_ = 0;
    }
  }
  if (seg_head_ == segs_.size() && seg_head_ > 0) {
    if (segs_.capacity() * sizeof(Segment) > kShrinkAbove) std::vector<Segment>().swap(segs_);
    segs_.clear();
    seg_head_ = 0;
  }
  own_mark_ += n;  // the rest came from the open tail
}

void Connection::flush() {
  if (state_ != State::kReady) return;
  // Lent: written once the caller hands it back (kWanted makes it come back through the client).
  if (!reclaim() || state_ != State::kReady) return;
  if (!write_queue()) return;
  if (segs_.empty() && own_mark_ == out_.size()) {
    if (out_.capacity() > kShrinkAbove) std::string().swap(out_);
    out_.clear();
    own_mark_ = 0;
  }
}

void Connection::handle_readable() {
  if (rcap_ - rlen_ < kReadChunk / 4) {
    const size_t cap = rcap_ ? rcap_ * 2 : kReadChunk;
    char *nb = static_cast<char *>(mem::resize(rbuf_, cap));
    if (!nb) {
      fail(GLIDE_ERR_OUT_OF_MEMORY, describe("out of memory reading from"));
      return;
    }
    rbuf_ = nb;
    rcap_ = cap;
  }
  const IoResult r = transport_->read(rbuf_ + rlen_, rcap_ - rlen_);
  if (r.status == IoStatus::kWouldBlock) return;
  if (r.status == IoStatus::kClosed) {
    fail(GLIDE_ERR_CONNECTION, describe("connection closed by"));
    return;
  }
  if (r.status != IoStatus::kOk) {
    fail(transport_->error_kind(), describe("read failed from") + ": " + transport_->error());
    return;
  }
  rlen_ += r.bytes;

  size_t pos = 0;
  while (pos < rlen_) {
    glide_value *target;
    if (!in_reply_) {
      const bool handshake = state_ == State::kHandshake;
      // A RESP3 push ('>') is not the reply the head request waits for: it is parsed into the
      // scratch arena and handed to the owner there (or dropped), so a push stream never grows a
      // pending request's memory.
      const bool push = rbuf_[pos] == '>';
      cur_ = (handshake || push || pending_.empty()) ? ReplyTag{} : pending_.front();
      const ReplyTarget where = cur_.req ? owner_->reply_target(cur_) : ReplyTarget{};
      cur_scratch_ = !where.slot;
      if (cur_scratch_) {
        target = scratch_->root();
        parser_.begin(target, scratch_);
      } else {
        target = where.slot;
        parser_.begin(target, where.arena);
      }
      cur_target_ = target;
      in_reply_ = true;
    }
    size_t consumed = 0;
    const resp::Status st = parser_.feed(rbuf_ + pos, rlen_ - pos, &consumed);
    pos += consumed;
    if (st == resp::Status::kNeedMore) break;
    if (st == resp::Status::kError) {
      const bool oom = parser_.error().rfind("out of memory", 0) == 0;
      fail(oom ? GLIDE_ERR_OUT_OF_MEMORY : GLIDE_ERR_PROTOCOL,
           "reply from " + name_ + ": " + parser_.error());
      return;
    }
    in_reply_ = false;
    // The slot chosen at begin(): a timeout may have moved the request's results meanwhile.
    target = cur_target_;

    if (target->type == GLIDE_VALUE_PUSH ||
        (subscriber_ && state_ == State::kReady && resp2_push(*target))) {
      // Out-of-band (RESP3 push): not a reply. The owner gets it (pub/sub), valid during the
      // call; what it has no use for is counted and dropped. (A push behind an attribute reaches
      // here built into the owner's slot: it gets it back as abandoned, to reset, and it is
      // dropped.)
      bool used = false;
      if (!cur_scratch_)
        owner_->reply_abandoned(cur_);
      else
        used = owner_->on_push(target);
      if (!used) ++pushes_dropped_;
      scratch_->reset();
      if (!transport_) return;  // failed while delivering
      continue;
    }
    if (state_ == State::kHandshake) {
      const bool ok = handle_handshake_reply(target);
      scratch_->reset();
      if (!ok) return;
      continue;
    }
    if (!cur_.req) {
      fail(GLIDE_ERR_PROTOCOL, "protocol error from " + name_ + ": reply with no request");
      return;
    }
    pending_.pop_front();
    // A whole reply: the connection makes progress (bytes alone do not count: a peer trickling
    // an endless reply would hold every request behind it forever).
    timeouts_since_reply_ = 0;
    if (pos == rlen_ && pending_.empty()) {
      // The last reply owed, and nothing after it: the connection may go on offer before the
      // reply is delivered, so that the blocking caller it wakes finds it offered. Nothing of
      // the socket, read buffer or parser is touched after an offer.
      rlen_ = 0;  // all of it read
      if (offer_if_quiet()) {
        owner_->on_reply(cur_, target, !cur_scratch_);
        if (cur_scratch_) scratch_->reset();
        return;
      }
      pos = 0;
    }
    owner_->on_reply(cur_, target, !cur_scratch_);
    if (cur_scratch_) scratch_->reset();
    if (!transport_) return;  // failed while delivering
  }
  if (pos > 0) {
    std::memmove(rbuf_, rbuf_ + pos, rlen_ - pos);
    rlen_ -= pos;
  }
}

void Connection::close_socket() {
  const bool was_ready = state_ == State::kReady;
  if (lookup_) {
    resolver_->abandon(lookup_);  // cancelled; its late callback only frees the ticket
    lookup_ = nullptr;
  }
  if (events_assigned_) {
    event_del(&ev_read_);
    event_del(&ev_write_);
  }
  event_del(&ev_timer_);
  write_armed_ = false;
  transport_.reset();
  if (in_reply_ && !cur_scratch_ && cur_.req) owner_->reply_abandoned(cur_);
  in_reply_ = false;
  parser_.reset();
  if (scratch_) scratch_->reset();
  state_ = State::kDisconnected;
  hs_phase_ = 0;
  hello_failed_ = false;
  hs_expected_ = 0;
  wipe(hs_out_);
  hs_pos_ = 0;
  out_.clear();
  own_mark_ = 0;
  segs_.clear();
  seg_head_ = seg_pos_ = queued_ = borrowed_ = 0;
  last_req_ = nullptr;
  backlog_before_last_ = 0;
  timeouts_since_reply_ = 0;
  rlen_ = 0;
  if (was_ready) owner_->on_down();
}

void Connection::close_if_idle() {
  if (!reclaim()) return;  // lent: not idle
  if (state_ == State::kDisconnected || !pending_.empty() || in_reply_ || hs_expected_ > 0) return;
  GLIDE_LOG(GLIDE_LOG_INFO, "closed the idle connection to %s", name_.c_str());
  close_socket();
  failures_ = 0;  // not a failure: reconnect at once when needed
}

void Connection::fail(glide_error_kind kind, const std::string &message) {
  if (!reclaim()) {
    // Lent to a caller: its socket is not ours to close until it comes back (within the caller's
    // timeout); the failure is done then (reclaim).
    if (!fail_deferred_) {
      fail_deferred_ = true;
      deferred_kind_ = kind;
      deferred_why_ = message;
    }
    return;
  }
  fail_now(kind, message);
}

void Connection::fail_now(glide_error_kind kind, const std::string &message) {
  close_socket();
  ++failures_;
  // Exponential backoff; the first reconnect after a loss is immediate.
  const Config &cfg = config_;
  uint64_t delay = 0;
  if (failures_ > 1) {
    const uint32_t steps = std::min(failures_ - 2, cfg.reconnect_attempts);
    delay = std::min<uint64_t>(cfg.reconnect_max_ms,
                               uint64_t{cfg.reconnect_base_ms} << std::min(steps, 30u));
  }
  retry_at_ms_ = owner_->now_ms() + delay;
  last_kind_ = kind;
  last_error_ = message;
  if (kind != GLIDE_ERR_CLOSING) {
    GLIDE_LOG(GLIDE_LOG_WARN, "connection to %s failed (%s): %s; %zu replies owed", name_.c_str(),
              glide_error_kind_name(kind), message.c_str(), pending_.size());
    GLIDE_LOG(GLIDE_LOG_DEBUG, "reconnect to %s allowed in %llu ms (failure %u in a row)",
              name_.c_str(), static_cast<unsigned long long>(delay), failures_);
  }

  // Every reply this connection still owed fails in place (or is re-sent when the batch allows).
  // Taken out first: re-sends and refreshes may queue new work on this very connection.
  Ring<ReplyTag> lost;
  std::swap(lost, pending_);
  while (!lost.empty()) {
    const ReplyTag t = lost.front();
    lost.pop_front();
    owner_->on_lost(t, kind, message);
  }
  owner_->on_failed();
}

}  // namespace glide
