// TLS over a connected non-blocking socket (OpenSSL): the handshake, reads and writes never
// block; a step that cannot go on says which socket event it waits for (the Transport contract,
// net/transport.h). Each connection verifies its own node: the certificate must name the host or
// IP address this connection was made to.
#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <new>

#include "net/tls_context.h"
#include "net/transport.h"

namespace glide {
namespace {

bool is_ip_literal(const std::string &host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

int clamp_len(size_t len) { return len > INT_MAX ? INT_MAX : static_cast<int>(len); }

// OpenSSL's socket BIO writes with write(2): a peer that reset the connection would raise SIGPIPE
// and end the host process. This BIO is the socket BIO with send(MSG_NOSIGNAL) for writes, as
// the plain TCP transport does.
int nosignal_write(BIO *b, const char *buf, int len) {
  int fd = -1;
  BIO_get_fd(b, &fd);
  BIO_clear_retry_flags(b);
  ssize_t n;
  do {
    n = ::send(fd, buf, static_cast<size_t>(len), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_write(b);
  return static_cast<int>(n);
}

int nosignal_puts(BIO *b, const char *s) { return nosignal_write(b, s, clamp_len(std::strlen(s))); }

const BIO_METHOD *socket_method() {
  static BIO_METHOD *method = [] {
    const BIO_METHOD *base = BIO_s_socket();
    BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOCKET, "glide socket");
    if (!m) return m;
    BIO_meth_set_write(m, nosignal_write);
    BIO_meth_set_puts(m, nosignal_puts);
    BIO_meth_set_read(m, BIO_meth_get_read(base));
    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(base));
    BIO_meth_set_create(m, BIO_meth_get_create(base));
    BIO_meth_set_destroy(m, BIO_meth_get_destroy(base));
    return m;
  }();
  return method;
}

class TlsTransport final : public Transport {
 public:
  TlsTransport(std::unique_ptr<Transport> inner, SSL *ssl, TlsSession *session)
      : inner_(std::move(inner)), ssl_(ssl), session_(session) {}
  ~TlsTransport() override {
    // The session (with TLS 1.3, the latest ticket the server sent) for the next connection to
    // this node; none after a failure.
    if (secured_ && !broken_) {
      // close_notify, once, without waiting for the peer's: without it OpenSSL marks the
      // session as not resumable when the SSL is freed.
      ERR_clear_error();
      SSL_shutdown(ssl_);
      ERR_clear_error();
      if (session_) {
        SSL_SESSION *s = SSL_get1_session(ssl_);
        if (s && SSL_SESSION_is_resumable(s))
          session_->store(s);
        else
          SSL_SESSION_free(s);
      }
    }
    SSL_free(ssl_);
  }
  TlsTransport(const TlsTransport &) = delete;
  TlsTransport &operator=(const TlsTransport &) = delete;

  int fd() const override { return inner_->fd(); }
  std::string connect_error() override { return inner_->connect_error(); }

  HandshakeStep handshake() override {
    ERR_clear_error();
    errno = 0;
    const int rc = SSL_connect(ssl_);
    if (rc == 1) {
      secured_ = true;
      if (session_ && SSL_session_reused(ssl_)) session_->note_resumed();
      return HandshakeStep::kDone;
    }
    const int e = SSL_get_error(ssl_, rc);
    if (e == SSL_ERROR_WANT_READ) return HandshakeStep::kWantRead;
    if (e == SSL_ERROR_WANT_WRITE) return HandshakeStep::kWantWrite;
    broken_ = true;
    if (session_) session_->clear();  // a refused node starts afresh next time
    const long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK) {
      ERR_clear_error();
      kind_ = GLIDE_ERR_TLS;
      error_ =
          std::string("certificate verification failed: ") + X509_verify_cert_error_string(verify);
      return HandshakeStep::kError;
    }
    failed(e, "the server closed the connection during the TLS handshake");
    kind_ = GLIDE_ERR_TLS;  // whatever broke it, the node did not become a TLS peer
    return HandshakeStep::kError;
  }

  IoResult read(char *buf, size_t len) override {
    ERR_clear_error();
    errno = 0;
    const int n = SSL_read(ssl_, buf, clamp_len(len));
    if (n > 0) {
      read_any_ = true;
      return {IoStatus::kOk, static_cast<size_t>(n)};
    }
    const int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return {IoStatus::kWouldBlock, 0};
    if (e == SSL_ERROR_ZERO_RETURN) return {IoStatus::kClosed, 0};
    if (e == SSL_ERROR_SYSCALL && errno == 0 && ERR_peek_error() == 0)
      return {IoStatus::kClosed, 0};
    failed(e, "connection closed");
    return {IoStatus::kError, 0};
  }

  IoResult write(const char *buf, size_t len) override {
    ERR_clear_error();
    errno = 0;
    const int n = SSL_write(ssl_, buf, clamp_len(len));
    if (n > 0) return {IoStatus::kOk, static_cast<size_t>(n)};
    const int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return {IoStatus::kWouldBlock, 0};
    failed(e, "connection closed");
    if (kind_ == GLIDE_ERR_CONNECTION && !read_any_) alert_after_handshake();
    return {IoStatus::kError, 0};
  }

  bool has_buffered() const override { return SSL_pending(ssl_) > 0; }
  const std::string &error() const override { return error_; }
  glide_error_kind error_kind() const override { return kind_; }

 private:
  // A failed step: the socket's error (CONNECTION) or the TLS layer's (TLS), with its reasons.
  void failed(int ssl_error, const char *eof_text) {
    if (ssl_error == SSL_ERROR_SSL) broken_ = true;
    if (ssl_error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      kind_ = GLIDE_ERR_CONNECTION;
      error_ = errno ? std::strerror(errno) : eof_text;
      return;
    }
    kind_ = GLIDE_ERR_TLS;
    error_ = "TLS error: " + tls_error_text(eof_text);
  }

  // With TLS 1.3 the client's handshake ends before the server has checked the client's
  // certificate: a server that wants one and got none sends an alert and closes, and the first
  // write after the handshake may meet the reset before anything was read. The alert is then
  // still in the socket's receive queue: a read brings it out, so the failure names the TLS
  // reason (certificate required) rather than the reset.
  void alert_after_handshake() {
    char scratch[512];
    ERR_clear_error();
    const int n = SSL_read(ssl_, scratch, sizeof scratch);
    if (n <= 0 && SSL_get_error(ssl_, n) == SSL_ERROR_SSL) failed(SSL_ERROR_SSL, "");
    ERR_clear_error();
  }

  std::unique_ptr<Transport> inner_;  // the TCP socket (closed after SSL_free)
  SSL *ssl_;
  TlsSession *session_;    // the node's, kept by its connection (may be null)
  bool read_any_ = false;  // application data has arrived
  bool secured_ = false;   // the handshake succeeded
  bool broken_ = false;    // a TLS-level failure: keep no session from it
  std::string error_;
  glide_error_kind kind_ = GLIDE_ERR_TLS;
};

}  // namespace

std::unique_ptr<Transport> tls_wrap(std::unique_ptr<Transport> inner, const TlsContext &ctx,
                                    const std::string &host, TlsSession *session,
                                    std::string *error) {
  ERR_clear_error();
  SSL *ssl = SSL_new(ctx.ctx());
  if (!ssl) {
    *error = "cannot create a TLS session: " + tls_error_text("out of memory");
    return nullptr;
  }
  const BIO_METHOD *method = socket_method();
  BIO *bio = method ? BIO_new(method) : nullptr;
  bool ok = bio != nullptr;
  if (ok) {
    BIO_set_fd(bio, inner->fd(), BIO_NOCLOSE);  // the TCP transport closes it
    SSL_set_bio(ssl, bio, bio);                 // the SSL owns the BIO from here on
  }
  const bool ip = is_ip_literal(host);
  // SNI names the host; IP literals are not sent (RFC 6066).
  if (ok && !ip) ok = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
  if (ok && ctx.verify()) {
    // This node's own name or address must be in its certificate: checked by OpenSSL during the
    // handshake, for every connection (seeds, slot-map nodes, redirect targets alike).
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
    if (ip) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      ok = X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
    }
  }
  if (!ok) {
    *error = "cannot set up TLS for " + host + ": " + tls_error_text("unknown reason");
    SSL_free(ssl);
    return nullptr;
  }
  // Resumption: the node's last session, if any (a failure to set it only costs a full handshake).
  if (ok && session && session->get() && SSL_set_session(ssl, session->get()) != 1) {
    session->clear();
    ERR_clear_error();
  }
  SSL_set_connect_state(ssl);
  std::unique_ptr<Transport> t(new (std::nothrow) TlsTransport(std::move(inner), ssl, session));
  if (!t) {
    SSL_free(ssl);
    *error = "out of memory";
    return nullptr;
  }
  return t;
}

}  // namespace glide
