// The seam between a connection and its socket: bytes in and out without blocking. The plain TCP
// transport is here; a TLS transport implements the same contract over the same kind of socket,
// so a Connection never knows whether its bytes are encrypted.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <string>

#include "glide_c.h"

namespace glide {

struct Config;

enum class IoStatus : unsigned char {
  kOk,          // `bytes` moved (more than 0)
  kWouldBlock,  // nothing now: wait until the socket is ready again
  kClosed,      // the peer closed the connection (reads only)
  kError,       // failed: error() says why
};

struct IoResult {
  IoStatus status;
  size_t bytes;
};

// One step of a transport's own handshake (TLS), after the TCP connect and before any byte of
// the RESP handshake.
enum class HandshakeStep : unsigned char {
  kDone,       // secure (or nothing to do): bytes may flow
  kWantRead,   // call handshake() again once the socket is readable
  kWantWrite,  // call handshake() again once the socket is writable
  kError,      // failed: error() says why, error_kind() what kind of failure it is
};

class Transport {
 public:
  virtual ~Transport() = default;
  // The socket, for the event loop to watch.
  virtual int fd() const = 0;
  // A non-blocking connect finished (the socket turned writable): empty on success, else why not.
  virtual std::string connect_error() = 0;
  // Drives the transport's own handshake without blocking, after the connect finished: called
  // again on the socket event the last step asked for, until kDone or kError. Plain TCP has none.
  virtual HandshakeStep handshake() { return HandshakeStep::kDone; }
  virtual IoResult read(char *buf, size_t len) = 0;
  virtual IoResult write(const char *buf, size_t len) = 0;
  // Gathers count (> 0) buffers in order. The default writes only the first (TLS: one record
  // stream, written buffer by buffer); plain TCP sends them all with one system call.
  virtual IoResult writev(const struct iovec *iov, int count) {
    (void)count;
    return write(static_cast<const char *>(iov[0].iov_base), iov[0].iov_len);
  }
  // Bytes the transport has read from the socket and holds decoded, which a readable event will
  // not announce (TLS records read whole): the reader calls read() again while this is true.
  virtual bool has_buffered() const { return false; }
  // Why the last handshake step, read or write failed, and the kind of that failure
  // (GLIDE_ERR_CONNECTION for the socket, GLIDE_ERR_TLS for the TLS layer).
  virtual const std::string &error() const = 0;
  virtual glide_error_kind error_kind() const { return GLIDE_ERR_CONNECTION; }
};

// A non-blocking TCP socket to `addr`, with the configured socket options, connecting.
// nullptr (with *error set, and *out_of_memory when that was the reason) when the socket cannot
// be made or the connect fails at once.
std::unique_ptr<Transport> tcp_connect(const sockaddr *addr, socklen_t addrlen, const Config &cfg,
                                       std::string *error, bool *out_of_memory);

class TlsContext;
class TlsSession;
// TLS over `inner` (connected), verifying the peer's certificate against `host` (a name or an
// IP literal) unless the context skips verification; SNI for names. `session` (may be null) is
// the node's last session: offered for resumption, and replaced by this connection's when it
// closes after a good handshake. nullptr with *error set when the TLS session cannot be made
// (net/tls_transport.cpp).
std::unique_ptr<Transport> tls_wrap(std::unique_ptr<Transport> inner, const TlsContext &ctx,
                                    const std::string &host, TlsSession *session,
                                    std::string *error);

}  // namespace glide
