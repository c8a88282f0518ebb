// The seam between a connection and its socket: bytes in and out without blocking. The plain TCP
// transport is here; a TLS transport implements the same contract over the same kind of socket,
// so a Connection never knows whether its bytes are encrypted.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <memory>
#include <string>

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

class Transport {
 public:
  virtual ~Transport() = default;
  // The socket, for the event loop to watch.
  virtual int fd() const = 0;
  // A non-blocking connect finished (the socket turned writable): empty on success, else why not.
  virtual std::string connect_error() = 0;
  virtual IoResult read(char *buf, size_t len) = 0;
  virtual IoResult write(const char *buf, size_t len) = 0;
  // Why the last read or write failed.
  virtual const std::string &error() const = 0;
};

// A non-blocking TCP socket to `addr`, with the configured socket options, connecting.
// nullptr (with *error set, and *out_of_memory when that was the reason) when the socket cannot
// be made or the connect fails at once.
std::unique_ptr<Transport> tcp_connect(const sockaddr *addr, socklen_t addrlen, const Config &cfg,
                                       std::string *error, bool *out_of_memory);

}  // namespace glide
