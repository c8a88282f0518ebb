#include "net/resolver.h"

#include <event2/dns.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <new>

namespace glide {
namespace {
// Loop turns the destructor runs, at most, for the cancelled lookups to call back: libevent
// defers those callbacks to the next turn (two at most: the A and AAAA halves), so this bound is
// never reached; it only keeps a broken promise from spinning forever.
constexpr int kDrainTurns = 64;
}  // namespace

// The ticket. Owned by the evdns callback once evdns_getaddrinfo has returned it; the waiter
// holds the pointer only to abandon it.
struct Resolver::Lookup {
  Resolver *resolver;
  Waiter *waiter;                                       // null once abandoned
  struct evdns_getaddrinfo_request *request = nullptr;  // set once evdns_getaddrinfo returned it
  bool returned = false;  // false: an answer now comes from inside evdns_getaddrinfo
  int err = 0;            // that answer
  struct evutil_addrinfo *res = nullptr;
};

Resolver::Resolver(struct event_base *base, std::string nameserver)
    : base_(base), nameserver_(std::move(nameserver)) {}

Resolver::~Resolver() {
  if (!dns_) return;
  // Abandoned lookups were cancelled; libevent calls them back (EVUTIL_EAI_CANCEL) from the
  // loop, and those callbacks still need the evdns_base: let them run before freeing it.
  for (int i = 0; i < kDrainTurns && in_flight_ > 0; ++i) event_base_loop(base_, EVLOOP_NONBLOCK);
  // Nothing of ours is left in it now, so pending requests (only evdns's own nameserver probes)
  // are dropped, not failed: a failed probe's deferred callback would touch its freed nameserver
  // (libevent 2.1). Should a lookup still be in flight, it is failed instead, and its callback
  // (touching only its ticket) runs in the turns after.
  const bool fail = in_flight_ > 0;
  evdns_base_free(dns_, fail ? 1 : 0);
  dns_ = nullptr;
  for (int i = 0; fail && i < kDrainTurns && in_flight_ > 0; ++i)
    event_base_loop(base_, EVLOOP_NONBLOCK);
}

bool Resolver::make_base() {
  // DISABLE_WHEN_INACTIVE: no event of the loop stays armed while no lookup is in flight.
  if (nameserver_.empty()) {
    dns_ =
        evdns_base_new(base_, EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    return dns_ != nullptr;
  }
  dns_ = evdns_base_new(base_, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
  if (!dns_) return false;
  if (evdns_base_nameserver_ip_add(dns_, nameserver_.c_str()) != 0) {
    evdns_base_free(dns_, 0);
    dns_ = nullptr;
    return false;
  }
  evdns_base_load_hosts(dns_, nullptr);  // best effort, as with resolv.conf
  return true;
}

Resolver::Lookup *Resolver::resolve(const std::string &host, uint16_t port, Waiter *waiter,
                                    int *err, struct evutil_addrinfo **res) {
  *err = 0;
  *res = nullptr;
  if (!dns_ && !make_base()) {
    *err = EVUTIL_EAI_FAIL;
    return nullptr;
  }
  const std::string service = std::to_string(port);  // fits the inline buffer: no allocation
  auto *lookup = new (std::nothrow) Lookup{this, waiter};
  if (!lookup) {
    *err = EVUTIL_EAI_MEMORY;
    return nullptr;
  }
  struct evutil_addrinfo hints {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = EVUTIL_AI_NUMERICSERV;
  struct evdns_getaddrinfo_request *request =
      evdns_getaddrinfo(dns_, host.c_str(), service.c_str(), &hints, &Resolver::on_answer, lookup);
  if (!request) {
    // Answered already, from inside evdns_getaddrinfo (which returns NULL exactly then): the
    // answer is in the ticket.
    *err = lookup->err;
    *res = lookup->res;
    delete lookup;
    return nullptr;
  }
  lookup->returned = true;
  lookup->request = request;
  ++in_flight_;
  return lookup;
}

void Resolver::abandon(Lookup *lookup) {
  lookup->waiter = nullptr;
  // libevent still calls back, later (from the loop), with EVUTIL_EAI_CANCEL: on_answer then
  // only frees the ticket.
  evdns_getaddrinfo_cancel(lookup->request);
}

void Resolver::on_answer(int err, struct evutil_addrinfo *res, void *arg) {
  auto *lookup = static_cast<Lookup *>(arg);
  if (!lookup->returned) {
    lookup->err = err;
    lookup->res = res;
    return;
  }
  Resolver *self = lookup->resolver;
  Waiter *waiter = lookup->waiter;
  --self->in_flight_;
  delete lookup;
  if (waiter)
    waiter->resolved(err, res);
  else
    free_addresses(res);
}

}  // namespace glide
