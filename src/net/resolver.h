// Name resolution that never blocks the I/O loop: libevent's evdns on the client's own event
// loop. One Resolver per event loop, owned by whoever owns the loop; its evdns_base is made on
// the first name it is asked for (clients that only ever see IP literals never make one), reads
// the system's resolv.conf and hosts file, and keeps no event of the loop armed while idle.
//
// Each lookup in flight has a small heap ticket that its evdns callback owns and frees. The
// waiter that asked can give up at any time (abandon): the ticket forgets it, so the late
// callback (libevent calls back even for a cancelled lookup, later, from the loop) touches only
// the ticket.
#pragma once

#include <event2/event.h>
#include <event2/util.h>

#include <cstddef>
#include <cstdint>
#include <string>

struct evdns_base;

namespace glide {

class Resolver {
 public:
  // Who a lookup's answer goes to.
  class Waiter {
   public:
    // err 0: res holds the addresses (the waiter owns them: free_addresses). Else err is an
    // EVUTIL_EAI_* code (error_string) and res is null.
    virtual void resolved(int err, struct evutil_addrinfo *res) = 0;

   protected:
    ~Waiter() = default;
  };
  struct Lookup;  // the ticket of a lookup in flight

  // nameserver: empty for the system's (resolv.conf and hosts file); else "ip:port", the only
  // server asked (the hosts file still answers first). The loop outlives the resolver.
  Resolver(struct event_base *base, std::string nameserver);
  // Every waiter has abandoned its lookup by now. Runs the loop without blocking until the
  // cancelled lookups have called back, then frees the evdns_base. Call before event_base_free.
  ~Resolver();
  Resolver(const Resolver &) = delete;
  Resolver &operator=(const Resolver &) = delete;

  // Starts resolving host (a name: the caller handles IP literals) for a TCP connection to port.
  // Returns the ticket of a lookup in flight: waiter->resolved() is called later from the loop,
  // unless the waiter abandons it first. Returns nullptr when the answer was known at once (a
  // hosts-file entry, a malformed name, no resolver): *err and *res hold it then, as resolved()
  // would have had them.
  Lookup *resolve(const std::string &host, uint16_t port, Waiter *waiter, int *err,
                  struct evutil_addrinfo **res);
  // The waiter gives up on a lookup in flight (its own, not yet answered): the lookup is
  // cancelled and resolved() is never called for it.
  void abandon(Lookup *lookup);

  static const char *error_string(int err) { return evutil_gai_strerror(err); }
  static void free_addresses(struct evutil_addrinfo *res) {
    if (res) evutil_freeaddrinfo(res);
  }
  // Lookups whose callback has not run yet (abandoned ones included).
  size_t in_flight() const { return in_flight_; }

 private:
  static void on_answer(int err, struct evutil_addrinfo *res, void *arg);
  bool make_base();

  struct event_base *base_;
  std::string nameserver_;
  struct evdns_base *dns_ = nullptr;
  size_t in_flight_ = 0;
};

}  // namespace glide
