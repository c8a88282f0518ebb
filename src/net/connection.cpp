#include "net/connection.h"
#include "client/timeval.h"
#include "client/guard.h"

#include <netdb.h>
#include <sys/socket.h>

#include <cstring>

#include "client/client.h"
#include "resp/encoder.h"
#include "value/alloc.h"
#include "value/types.h"

namespace glide {
namespace {
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kShrinkAbove = 1 << 20;  // give back output buffers grown by a huge batch

bool is_auth_error(const glide_value *v) {
  for (std::string_view p : {"WRONGPASS", "NOAUTH", "NOPERM", "ERR invalid password", "ERR AUTH",
                             "ERR Client sent AUTH"})
    if (value::is_error_with(*v, p)) return true;
  return false;
}
}  // namespace

Connection::Connection(Client *client, Node *node)
    : client_(client), node_(node), parser_(client->limits()), scratch_(Arena::create(4096)) {}

Connection::~Connection() {
  if (events_assigned_) {
    event_del(&ev_read_);
    event_del(&ev_write_);
    event_del(&ev_timer_);
  }
  transport_.reset();
  mem::release(rbuf_);
  Arena::destroy(scratch_);
}

const std::string &Connection::name() const { return node_->name; }

std::string Connection::describe(std::string_view what) const {
  std::string s(what);
  s += ' ';
  s += node_->name;
  return s;
}

bool Connection::ensure_connecting() {
  if (state_ != State::kDisconnected) return true;
  if (failures_ > 0 && client_->now_ms() < retry_at_ms_) return false;
  start_connect();
  return state_ != State::kDisconnected;
}

void Connection::start_connect() {
  if (!scratch_) {
    last_kind_ = GLIDE_ERR_OUT_OF_MEMORY;
    last_error_ = "out of memory";
    return;
  }
  struct addrinfo hints {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  struct addrinfo *res = nullptr;
  const std::string port = std::to_string(node_->address.port);
  // Numeric hosts resolve without I/O; a name is resolved synchronously (cluster topologies
  // announce IPs, so this is the seed's name at most once).
  int rc = getaddrinfo(node_->address.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0 || !res) {
    fail(GLIDE_ERR_CONNECTION, describe("cannot resolve") + ": " + gai_strerror(rc));
    return;
  }
  std::string why;
  bool oom = false;
  transport_ = tcp_connect(res->ai_addr, res->ai_addrlen, client_->config(), &why, &oom);
  freeaddrinfo(res);
  if (!transport_) {
    fail(oom ? GLIDE_ERR_OUT_OF_MEMORY : GLIDE_ERR_CONNECTION,
         describe("cannot connect to") + ": " + why);
    return;
  }
  const int fd = transport_->fd();
  state_ = State::kConnecting;
  event_assign(&ev_read_, client_->base(), fd, EV_READ | EV_PERSIST, &Connection::on_event, this);
  event_assign(&ev_write_, client_->base(), fd, EV_WRITE | EV_PERSIST, &Connection::on_event, this);
  evtimer_assign(&ev_timer_, client_->base(), &Connection::on_connect_timer, this);
  events_assigned_ = true;
  const uint32_t ms = client_->config().connect_timeout_ms;
  struct timeval tv = ms_to_timeval(ms);
  event_add(&ev_timer_, &tv);
  event_add(&ev_write_, nullptr);
  write_armed_ = true;
}

void Connection::on_connect_timer(evutil_socket_t, short, void *arg) {
  auto *c = static_cast<Connection *>(arg);
  try {
    c->fail(GLIDE_ERR_CONNECTION,
            c->describe(c->state_ == State::kConnecting ? "timed out connecting to"
                                                        : "timed out in the handshake with") +
                " after " + std::to_string(c->client_->config().connect_timeout_ms) + " ms");
  } catch (...) {
    c->fail_out_of_memory();
  }
}

void Connection::on_event(evutil_socket_t, short what, void *arg) {
  auto *c = static_cast<Connection *>(arg);
  try {
    if (what & EV_WRITE) {
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
    if ((what & EV_READ) && c->transport_) c->handle_readable();
  } catch (...) {
    c->fail_out_of_memory();
  }
  guarded([&] { c->client_->flush_dirty(); });
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
  state_ = State::kHandshake;
  event_del(&ev_write_);
  write_armed_ = false;
  event_add(&ev_read_, nullptr);
  start_handshake();
}

namespace {
void encode(std::string &out, std::initializer_list<std::string_view> args) {
  resp::encode_command(out, args.begin(), args.size());
}
}  // namespace

void Connection::start_handshake() {
  const Config &cfg = client_->config();
  hs_out_.clear();
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
    if (cfg.cluster && node_->replica) {
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
  state_ = State::kReady;
  failures_ = 0;
  event_del(&ev_timer_);
  flush();
}

void Connection::send(std::string_view encoded, Request *req, uint32_t index, uint16_t part) {
  // All or nothing, so bytes and expected replies never part: room for the reply entry first
  // (may throw, nothing queued yet), then the bytes (std::string's strong guarantee), then the
  // entry (no allocation left).
  pending_.reserve(pending_.size() + 1);
  note_writer(req);
  out_.append(encoded);
  expect(req, index, part);
}

void Connection::note_writer(const Request *req) {
  if (req == last_req_) return;
  last_req_ = req;
  backlog_before_last_ = out_.size() - out_pos_;
}

bool Connection::note_timeout() {
  const uint32_t limit = client_->config().stall_timeouts;
  return limit > 0 && ++timeouts_since_reply_ >= limit;
}

void Connection::reserve(size_t bytes, size_t replies) {
  pending_.reserve(pending_.size() + replies);
  out_.reserve(out_.size() + bytes);
}

void Connection::expect(Request *req, uint32_t index, uint16_t part, ReplyRole role) {
  pending_.push_back(Pending{req, index, part, role});
  ++req->outstanding;
  client_->mark_dirty(this);
}

bool Connection::write_out(const std::string &buf, size_t *pos) {
  while (*pos < buf.size()) {
    const IoResult r = transport_->write(buf.data() + *pos, buf.size() - *pos);
    if (r.status == IoStatus::kWouldBlock) break;
    if (r.status != IoStatus::kOk) {
      fail(GLIDE_ERR_CONNECTION, describe("write failed to") + ": " + transport_->error());
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

void Connection::flush() {
  if (state_ != State::kReady) return;
  if (!write_out(out_, &out_pos_)) return;
  if (out_pos_ == out_.size()) {
    if (out_.capacity() > kShrinkAbove) std::string().swap(out_);
    out_.clear();
    out_pos_ = 0;
  }
}

bool Connection::parsing_into(const Request *req, uint32_t *index, uint16_t *part) const {
  if (!in_reply_ || cur_scratch_ || cur_.req != req) return false;
  *index = cur_.index;
  *part = cur_.part;
  return true;
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
    fail(GLIDE_ERR_CONNECTION, describe("read failed from") + ": " + transport_->error());
    return;
  }
  rlen_ += r.bytes;

  size_t pos = 0;
  while (pos < rlen_) {
    glide_value *target;
    if (!in_reply_) {
      const bool handshake = state_ == State::kHandshake;
      // A RESP3 push ('>') is not the reply the head request waits for: it is parsed into the
      // scratch arena and dropped there, so a push stream never grows a pending request's memory.
      const bool push = rbuf_[pos] == '>';
      cur_ = (handshake || push || pending_.empty())
                 ? Pending{nullptr, 0, kNoPart, ReplyRole::kChecked}
                 : pending_.front();
      Request *req = cur_.req;
      cur_scratch_ = !req || req->completed || !cur_.kept();
      if (cur_scratch_) {
        target = scratch_->root();
        parser_.begin(target, scratch_);
      } else {
        target = request_slot(req, cur_.index, cur_.part);
        ++req->parsing;
        parser_.begin(target, req->arena);
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
           "reply from " + node_->name + ": " + parser_.error());
      return;
    }
    in_reply_ = false;
    // The slot chosen at begin(): a timeout may have moved the request's results meanwhile.
    target = cur_target_;
    if (!cur_scratch_) --cur_.req->parsing;

    if (target->type == GLIDE_VALUE_PUSH) {
      // Out-of-band (RESP3 push): not a reply; dropped and counted until pub/sub delivery lands.
      // (A push behind an attribute reaches here built into a request's slot: reset that too.)
      if (!cur_scratch_) target->type = kPendingType;
      ++pushes_dropped_;
      scratch_->reset();
      continue;
    }
    if (state_ == State::kHandshake) {
      const bool ok = handle_handshake_reply(target);
      scratch_->reset();
      if (!ok) return;
      continue;
    }
    if (!cur_.req) {
      fail(GLIDE_ERR_PROTOCOL, "protocol error from " + node_->name + ": reply with no request");
      return;
    }
    pending_.pop_front();
    // A whole reply: the connection makes progress (bytes alone do not count: a peer trickling
    // an endless reply would hold every request behind it forever).
    timeouts_since_reply_ = 0;
    deliver(cur_, target);
    if (cur_scratch_) scratch_->reset();
    if (!transport_) return;  // failed while delivering
  }
  if (pos > 0) {
    std::memmove(rbuf_, rbuf_ + pos, rlen_ - pos);
    rlen_ -= pos;
  }
}

void Connection::deliver(const Pending &p, glide_value *slot) {
  Request *req = p.req;
  --req->outstanding;
  if (req->completed) {
    client_->release(req);
    return;
  }
  if (p.role == ReplyRole::kExec) {
    // A transaction discarded because a command was redirected at queue time goes again, whole.
    if (value::is_error_with(*slot, "EXECABORT")) {
      bool handled = false;
      try {
        handled = client_->on_atomic_abort(req, node_);
      } catch (...) {
        handled = false;  // out of memory: the EXECABORT stays the answer
      }
      if (handled) return;
    }
    request_reply_done(req, p.index, p.part);
    return;
  }
  if (!p.kept()) {
    // MULTI's +OK, each +QUEUED, ASKING's +OK: only an error matters (it makes EXEC abort).
    if (slot->type == GLIDE_VALUE_ERROR && !req->has_queue_error &&
        req->arena->set_error(&req->queue_error, GLIDE_ERR_SERVER, value::string_of(*slot)))
      req->has_queue_error = true;
    return;
  }
  if (slot->type == GLIDE_VALUE_ERROR) {
    bool handled = false;
    try {
      handled = client_->on_error_reply(req, p.index, p.part, slot, node_);
    } catch (...) {
      // Out of memory while following a redirect: nothing was re-sent, the element fails.
      request_set_error(req, p.index, p.part, GLIDE_ERR_OUT_OF_MEMORY,
                        "out of memory while following a redirect");
      return;
    }
    if (handled) return;
  }
  request_reply_done(req, p.index, p.part);
}

void Connection::close_socket() {
  if (events_assigned_) {
    event_del(&ev_read_);
    event_del(&ev_write_);
    event_del(&ev_timer_);
  }
  write_armed_ = false;
  transport_.reset();
  if (in_reply_ && !cur_scratch_ && cur_.req) --cur_.req->parsing;
  in_reply_ = false;
  parser_.reset();
  if (scratch_) scratch_->reset();
  state_ = State::kDisconnected;
  hs_phase_ = 0;
  hello_failed_ = false;
  hs_expected_ = 0;
  hs_out_.clear();
  hs_pos_ = 0;
  out_.clear();
  out_pos_ = 0;
  last_req_ = nullptr;
  backlog_before_last_ = 0;
  timeouts_since_reply_ = 0;
  rlen_ = 0;
}

void Connection::close_if_idle() {
  if (state_ == State::kDisconnected || !pending_.empty() || in_reply_ || hs_expected_ > 0) return;
  close_socket();
  failures_ = 0;  // not a failure: reconnect at once when needed
}

void Connection::fail(glide_error_kind kind, const std::string &message) {
  close_socket();
  ++failures_;
  // Exponential backoff; the first reconnect after a loss is immediate.
  const Config &cfg = client_->config();
  uint64_t delay = 0;
  if (failures_ > 1) {
    const uint32_t steps = std::min(failures_ - 2, cfg.reconnect_attempts);
    delay = std::min<uint64_t>(cfg.reconnect_max_ms,
                               uint64_t{cfg.reconnect_base_ms} << std::min(steps, 30u));
  }
  retry_at_ms_ = client_->now_ms() + delay;
  last_kind_ = kind;
  last_error_ = message;

  // Every reply this connection still owed fails in place (or is re-sent when the batch allows).
  // Taken out first: re-sends and refreshes may queue new work on this very connection.
  Ring<Pending> lost;
  std::swap(lost, pending_);
  while (!lost.empty()) {
    const Pending p = lost.front();
    lost.pop_front();
    Request *req = p.req;
    --req->outstanding;
    if (req->completed) {
      client_->release(req);
      continue;
    }
    if (!p.kept()) continue;
    if (kind != GLIDE_ERR_CLOSING && client_->on_lost(req, p.index, p.part)) continue;
    request_set_error(req, p.index, p.part, kind, message);
  }
  client_->on_connection_failed(node_);
}

}  // namespace glide
