#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "config/config.h"
#include "net/transport.h"

namespace glide {
namespace {

// No Nagle delay; keepalive probes and TCP_USER_TIMEOUT so the kernel notices a peer that
// vanished (or closed its window for good) even when no request is waiting. Best effort: a
// system without one of these options still works, only less watchfully.
void set_socket_options(int fd, const Config &cfg) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (cfg.keepalive_idle_s > 0) {
    const int idle = static_cast<int>(cfg.keepalive_idle_s);
    const int interval = idle >= 3 ? idle / 3 : 1;
    const int probes = 3;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
  }
  if (cfg.tcp_user_timeout_ms > 0) {
    const unsigned ms = cfg.tcp_user_timeout_ms;
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
  }
}

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(int fd) : fd_(fd) {}
  ~TcpTransport() override { ::close(fd_); }
  TcpTransport(const TcpTransport &) = delete;
  TcpTransport &operator=(const TcpTransport &) = delete;

  int fd() const override { return fd_; }

  std::string connect_error() override {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    return err ? std::strerror(err) : std::string();
  }

  IoResult read(char *buf, size_t len) override {
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, len, 0);
      if (n > 0) return {IoStatus::kOk, static_cast<size_t>(n)};
      if (n == 0) return {IoStatus::kClosed, 0};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kWouldBlock, 0};
      return failed();
    }
  }

  IoResult write(const char *buf, size_t len) override {
    for (;;) {
      const ssize_t n = ::send(fd_, buf, len, MSG_NOSIGNAL);
      if (n >= 0) return {n ? IoStatus::kOk : IoStatus::kWouldBlock, static_cast<size_t>(n)};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kWouldBlock, 0};
      return failed();
    }
  }

  IoResult writev(const struct iovec *iov, int count) override {
    struct msghdr msg {};
    msg.msg_iov = const_cast<struct iovec *>(iov);
    msg.msg_iovlen = static_cast<size_t>(count);
    for (;;) {
      const ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
      if (n >= 0) return {n ? IoStatus::kOk : IoStatus::kWouldBlock, static_cast<size_t>(n)};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kWouldBlock, 0};
      return failed();
    }
  }

  const std::string &error() const override { return error_; }

 private:
  IoResult failed() {
    error_ = std::strerror(errno);
    return {IoStatus::kError, 0};
  }

  int fd_;
  std::string error_;
};

}  // namespace

std::unique_ptr<Transport> tcp_connect(const sockaddr *addr, socklen_t addrlen, const Config &cfg,
                                       std::string *error, bool *out_of_memory) {
  *out_of_memory = false;
  const int fd = ::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("cannot create a socket: ") + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<Transport> t(new (std::nothrow) TcpTransport(fd));  // owns fd from here on
  if (!t) {
    ::close(fd);
    *out_of_memory = true;
    *error = "out of memory";
    return nullptr;
  }
  set_socket_options(fd, cfg);
  if (::connect(fd, addr, addrlen) != 0 && errno != EINPROGRESS) {
    *error = std::strerror(errno);
    return nullptr;
  }
  return t;
}

}  // namespace glide
