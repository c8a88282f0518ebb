// OpenSSL loaded on first use (GLIDE_TLS_DLOPEN, the default with OpenSSL 3): libglide_c.so does
// not link libssl/libcrypto, so a process whose clients never use TLS never maps them (about
// 1.8 MB of RSS: relocating and initialising libcrypto at load). The functions tls_context.cpp
// and tls_transport.cpp call are defined here, with the exact signatures of OpenSSL's headers
// (the compiler checks them against those declarations), each forwarding to the function
// dlsym() found in libssl (and, through it, libcrypto). They are local to the shared object
// (the version script exports glide_* only), so a host process that links OpenSSL itself keeps
// its own symbols; dlopen then finds the library already loaded and shares it.
//
// openssl_load() runs before any of them can be reached: TlsContext::create calls it first,
// and every other TLS object is made from a TlsContext. The library is never unloaded.
#include "net/tls_context.h"

#ifdef GLIDE_TLS_DLOPEN
#include <dlfcn.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <mutex>
#include <string>

#if OPENSSL_VERSION_MAJOR < 3
#error "GLIDE_TLS_DLOPEN needs OpenSSL 3 (configure with -DGLIDE_TLS_DLOPEN=OFF)"
#endif

namespace {
using BioCreate = int (*)(BIO *);
using BioCtrl = long (*)(BIO *, int, long, void *);
using BioRead = int (*)(BIO *, char *, int);
using BioWrite = int (*)(BIO *, const char *, int);
using BioPuts = int (*)(BIO *, const char *);
}  // namespace

// X(return type, name, (parameters), (arguments))
#define GLIDE_OPENSSL_FUNCTIONS(X)                                                               \
  X(void, BIO_clear_flags, (BIO * b, int flags), (b, flags))                                     \
  X(long, BIO_ctrl, (BIO * bp, int cmd, long larg, void *parg), (bp, cmd, larg, parg))           \
  X(long, BIO_int_ctrl, (BIO * bp, int cmd, long larg, int iarg), (bp, cmd, larg, iarg))         \
  X(BioCreate, BIO_meth_get_create, (const BIO_METHOD *m), (m))                                  \
  X(BioCtrl, BIO_meth_get_ctrl, (const BIO_METHOD *m), (m))                                      \
  X(BioCreate, BIO_meth_get_destroy, (const BIO_METHOD *m), (m))                                 \
  X(BioRead, BIO_meth_get_read, (const BIO_METHOD *m), (m))                                      \
  X(BIO_METHOD *, BIO_meth_new, (int type, const char *name), (type, name))                      \
  X(int, BIO_meth_set_create, (BIO_METHOD * m, BioCreate f), (m, f))                             \
  X(int, BIO_meth_set_ctrl, (BIO_METHOD * m, BioCtrl f), (m, f))                                 \
  X(int, BIO_meth_set_destroy, (BIO_METHOD * m, BioCreate f), (m, f))                            \
  X(int, BIO_meth_set_puts, (BIO_METHOD * m, BioPuts f), (m, f))                                 \
  X(int, BIO_meth_set_read, (BIO_METHOD * m, BioRead f), (m, f))                                 \
  X(int, BIO_meth_set_write, (BIO_METHOD * m, BioWrite f), (m, f))                               \
  X(BIO *, BIO_new, (const BIO_METHOD *type), (type))                                            \
  X(const BIO_METHOD *, BIO_s_socket, (void), ())                                                \
  X(void, BIO_set_flags, (BIO * b, int flags), (b, flags))                                       \
  X(void, ERR_clear_error, (void), ())                                                           \
  X(void, ERR_error_string_n, (unsigned long e, char *buf, size_t len), (e, buf, len))           \
  X(unsigned long, ERR_get_error, (void), ())                                                    \
  X(unsigned long, ERR_peek_error, (void), ())                                                   \
  X(int, OPENSSL_init_ssl, (uint64_t opts, const OPENSSL_INIT_SETTINGS *s), (opts, s))           \
  X(int, SSL_CTX_check_private_key, (const SSL_CTX *ctx), (ctx))                                 \
  X(long, SSL_CTX_ctrl, (SSL_CTX * ctx, int cmd, long larg, void *parg), (ctx, cmd, larg, parg)) \
  X(void, SSL_CTX_free, (SSL_CTX * ctx), (ctx))                                                  \
  X(int, SSL_CTX_load_verify_locations, (SSL_CTX * ctx, const char *f, const char *p),           \
    (ctx, f, p))                                                                                 \
  X(SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *meth), (meth))                                    \
  X(int, SSL_CTX_set_default_verify_paths, (SSL_CTX * ctx), (ctx))                               \
  X(uint64_t, SSL_CTX_set_options, (SSL_CTX * ctx, uint64_t op), (ctx, op))                      \
  X(void, SSL_CTX_set_verify, (SSL_CTX * ctx, int mode, SSL_verify_cb cb), (ctx, mode, cb))      \
  X(int, SSL_CTX_use_PrivateKey_file, (SSL_CTX * ctx, const char *file, int type),               \
    (ctx, file, type))                                                                           \
  X(int, SSL_CTX_use_certificate_chain_file, (SSL_CTX * ctx, const char *file), (ctx, file))     \
  X(void, SSL_SESSION_free, (SSL_SESSION * s), (s))                                              \
  X(int, SSL_SESSION_is_resumable, (const SSL_SESSION *s), (s))                                  \
  X(int, SSL_connect, (SSL * s), (s))                                                            \
  X(long, SSL_ctrl, (SSL * s, int cmd, long larg, void *parg), (s, cmd, larg, parg))             \
  X(void, SSL_free, (SSL * s), (s))                                                              \
  X(X509_VERIFY_PARAM *, SSL_get0_param, (SSL * s), (s))                                         \
  X(SSL_SESSION *, SSL_get1_session, (SSL * s), (s))                                             \
  X(int, SSL_get_error, (const SSL *s, int ret), (s, ret))                                       \
  X(long, SSL_get_verify_result, (const SSL *s), (s))                                            \
  X(SSL *, SSL_new, (SSL_CTX * ctx), (ctx))                                                      \
  X(int, SSL_pending, (const SSL *s), (s))                                                       \
  X(int, SSL_read, (SSL * s, void *buf, int num), (s, buf, num))                                 \
  X(int, SSL_session_reused, (const SSL *s), (s))                                                \
  X(void, SSL_set_bio, (SSL * s, BIO * r, BIO * w), (s, r, w))                                   \
  X(void, SSL_set_connect_state, (SSL * s), (s))                                                 \
  X(int, SSL_set_session, (SSL * to, SSL_SESSION * session), (to, session))                      \
  X(int, SSL_shutdown, (SSL * s), (s))                                                           \
  X(int, SSL_write, (SSL * s, const void *buf, int num), (s, buf, num))                          \
  X(const SSL_METHOD *, TLS_client_method, (void), ())                                           \
  X(int, X509_VERIFY_PARAM_set1_host, (X509_VERIFY_PARAM * p, const char *name, size_t len),     \
    (p, name, len))                                                                              \
  X(int, X509_VERIFY_PARAM_set1_ip_asc, (X509_VERIFY_PARAM * p, const char *ip), (p, ip))        \
  X(void, X509_VERIFY_PARAM_set_hostflags, (X509_VERIFY_PARAM * p, unsigned int flags),          \
    (p, flags))                                                                                  \
  X(const char *, X509_verify_cert_error_string, (long n), (n))

namespace {
struct Table {
#define GLIDE_OPENSSL_POINTER(ret, name, params, args) ret(*name) params = nullptr;
  GLIDE_OPENSSL_FUNCTIONS(GLIDE_OPENSSL_POINTER)
#undef GLIDE_OPENSSL_POINTER
};
Table t_ssl;

#define GLIDE_STR2(x) #x
#define GLIDE_STR(x) GLIDE_STR2(x)
constexpr const char *kLibSsl = "libssl.so." GLIDE_STR(OPENSSL_VERSION_MAJOR);
}  // namespace

// The forwarding definitions: the names OpenSSL's headers declare, kept local by the version
// script.
extern "C" {
#define GLIDE_OPENSSL_FORWARD(ret, name, params, args) \
  ret name params { return t_ssl.name args; }
GLIDE_OPENSSL_FUNCTIONS(GLIDE_OPENSSL_FORWARD)
#undef GLIDE_OPENSSL_FORWARD
}

namespace glide {

bool openssl_load(std::string *error) {
  static std::once_flag once;
  static std::string failure;  // empty: loaded
  std::call_once(once, [] {
    void *lib = dlopen(kLibSsl, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char *why = dlerror();
      failure = std::string("cannot load ") + kLibSsl + ": " + (why ? why : "unknown reason");
      return;
    }
    Table table;
    const char *missing = nullptr;
#define GLIDE_OPENSSL_LOOKUP(ret, name, params, args)                \
  if (!missing) {                                                    \
    table.name = reinterpret_cast<ret(*) params>(dlsym(lib, #name)); \
    if (!table.name) missing = #name;                                \
  }
    GLIDE_OPENSSL_FUNCTIONS(GLIDE_OPENSSL_LOOKUP)
#undef GLIDE_OPENSSL_LOOKUP
    if (missing) {
      failure = std::string(kLibSsl) + " has no " + missing;
      return;  // the handle stays open: harmless, and never closing it is the rule anyway
    }
    t_ssl = table;  // published to other threads by call_once
  });
  if (failure.empty()) return true;
  *error = failure;
  return false;
}

}  // namespace glide

#else  // OpenSSL linked as usual: nothing to load

namespace glide {
bool openssl_load(std::string *) { return true; }
}  // namespace glide

#endif
