#include "cluster/slot_map.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string_view>

#include "value/types.h"

namespace glide::cluster {

std::string normalize_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || host.size() > 255) return std::string(host);
  char buf[256];
  host.copy(buf, host.size());
  buf[host.size()] = '\0';
  char text[INET6_ADDRSTRLEN];
  struct in6_addr a6;
  if (inet_pton(AF_INET6, buf, &a6) == 1 && inet_ntop(AF_INET6, &a6, text, sizeof text))
    return text;
  struct in_addr a4;
  if (inet_aton(buf, &a4) != 0 && inet_ntop(AF_INET, &a4, text, sizeof text)) return text;
  std::string name(host);
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  for (char &ch : name)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return name;
}

namespace {

bool is_str(const glide_value *v) { return value::is_text(v->type); }

bool parse_node(const glide_value *v, const Address &asked, Address *out, std::string *error) {
  if (v->type != GLIDE_VALUE_ARRAY || v->u.aggregate.len < 2) {
    *error = "node entry is not an array of at least [host, port]";
    return false;
  }
  const glide_value *host = &v->u.aggregate.items[0];
  const glide_value *port = &v->u.aggregate.items[1];
  if (port->type != GLIDE_VALUE_INTEGER || port->u.integer < 1 || port->u.integer > 65535) {
    *error = "node port is not an integer in 1..65535";
    return false;
  }
  if (host->type == GLIDE_VALUE_NIL) {
    *error = "node host is missing";  // hostname-only announcements are unsupported
    return false;
  }
  if (!is_str(host)) {
    *error = "node host is not a string";
    return false;
  }
  std::string_view h(host->u.string.ptr, host->u.string.len);
  if (h.empty() || h == "?") {
    out->host = asked.host;  // the node does not know its own IP: it is the one we asked
  } else {
    out->host.assign(h);
  }
  out->port = static_cast<uint16_t>(port->u.integer);
  return true;
}

bool same(const Address &a, const Address &b) { return a.port == b.port && a.host == b.host; }

}  // namespace

bool parse_cluster_slots(const glide_value *reply, const Address &asked, SlotMap *out,
                         std::string *error) {
  SlotMap map;
  if (!reply || reply->type != GLIDE_VALUE_ARRAY) {
    *error = "CLUSTER SLOTS reply is not an array";
    return false;
  }
  for (size_t i = 0; i < reply->u.aggregate.len; ++i) {
    const glide_value *range = &reply->u.aggregate.items[i];
    if (range->type != GLIDE_VALUE_ARRAY || range->u.aggregate.len < 3) {
      *error = "CLUSTER SLOTS entry is not [start, end, primary, replicas...]";
      return false;
    }
    const glide_value *items = range->u.aggregate.items;
    if (items[0].type != GLIDE_VALUE_INTEGER || items[1].type != GLIDE_VALUE_INTEGER ||
        items[0].u.integer < 0 || items[1].u.integer >= kSlotCount ||
        items[0].u.integer > items[1].u.integer) {
      *error = "CLUSTER SLOTS slot range is invalid";
      return false;
    }
    Shard shard;
    if (!parse_node(&items[2], asked, &shard.primary, error)) return false;
    for (size_t r = 3; r < range->u.aggregate.len; ++r) {
      Address replica;
      if (!parse_node(&items[r], asked, &replica, error)) return false;
      shard.replicas.push_back(std::move(replica));
    }
    size_t index = map.shards.size();
    for (size_t s = 0; s < map.shards.size(); ++s)
      if (same(map.shards[s].primary, shard.primary)) index = s;
    if (index == map.shards.size()) {
      if (index >= SlotMap::kNoShard) {
        *error = "CLUSTER SLOTS lists too many shards";
        return false;
      }
      map.shards.push_back(std::move(shard));
    }
    for (int64_t s = items[0].u.integer; s <= items[1].u.integer; ++s) {
      if (map.slot_shard[static_cast<size_t>(s)] != SlotMap::kNoShard) {
        *error = "CLUSTER SLOTS ranges overlap at slot " + std::to_string(s);
        return false;
      }
      map.slot_shard[static_cast<size_t>(s)] = static_cast<uint16_t>(index);
      ++map.covered;
    }
  }
  if (map.covered == 0) {
    *error = "CLUSTER SLOTS reports no slots (cluster not initialised?)";
    return false;
  }
  *out = std::move(map);
  return true;
}

}  // namespace glide::cluster
