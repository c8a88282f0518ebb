// The planner without sockets: a fake three-shard cluster view and a sink that records every
// step. Covers keyed routing, multi-slot splits (parts, key order, each part's own bytes),
// fan-out, routes, replica reads, atomic batches on one slot, CROSSSLOT and missing owners.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

#include <string>
#include <vector>

#include "cluster/slot.h"
#include "exec/batch.h"
#include "exec/planner.h"
#include "exec/request.h"

using glide::Batch;
using glide::kExecIndex;
using glide::kNoPart;
using glide::Node;
using glide::cluster::key_slot;
namespace plan = glide::plan;

namespace {

// Nodes are opaque to the planner: distinct addresses are enough.
char storage[16];
Node *node(int k) { return reinterpret_cast<Node *>(&storage[k]); }
Node *const P0 = node(0), *const P1 = node(1), *const P2 = node(2);  // primaries
Node *const R0 = node(3), *const R1 = node(4), *const R2 = node(5);  // their replicas
Node *const ELSEWHERE = node(6);                                     // a routed address

// Shard k serves slots [k * 5462, (k + 1) * 5462); `unserved` slots have no owner.
struct FakeView final : plan::ClusterView {
  std::vector<Node *> prims{P0, P1, P2};
  int unserved = -1;
  std::string asked_host;
  uint16_t asked_port = 0;
  int shard(uint16_t slot) const { return slot / 5462; }
  Node *primary(uint16_t slot) override {
    return slot == unserved ? nullptr : prims[static_cast<size_t>(shard(slot))];
  }
  Node *replica(uint16_t slot) override {
    return slot == unserved ? nullptr : node(3 + shard(slot));
  }
  Node *random_primary() override { return P1; }
  const std::vector<Node *> &primaries() override { return prims; }
  std::vector<Node *> all_nodes() override { return {P0, P1, P2, R0, R1, R2}; }
  Node *at_address(const std::string &host, uint16_t port) override {
    asked_host = host;
    asked_port = port;
    return ELSEWHERE;
  }
};

struct Step {
  std::string what;  // send, reject, split, part, transaction
  Node *node = nullptr;
  uint32_t index = 0;
  uint16_t part = kNoPart;
  std::string bytes;  // send/part: the command; reject: the message
  glide_error_kind kind = GLIDE_OK;
  std::vector<uint32_t> keys;
  int32_t slot = -1;
  uint32_t parts = 0;
  bool multi_slot = false;
};

struct Recorder final : plan::PlanSink {
  std::vector<Step> steps;
  bool split_ok = true;
  bool send(Node *n, uint32_t index, uint16_t part, std::string_view bytes) override {
    steps.push_back(Step{"send", n, index, part, std::string(bytes)});
    return true;
  }
  bool reject(uint32_t index, uint16_t part, glide_error_kind kind,
              std::string_view message) override {
    Step s{"reject", nullptr, index, part, std::string(message)};
    s.kind = kind;
    steps.push_back(s);
    return true;
  }
  bool split(uint32_t index, uint32_t parts, bool multi_slot, glide::commands::ResponsePolicy,
             uint32_t) override {
    Step s{"split", nullptr, index};
    s.parts = parts;
    s.multi_slot = multi_slot;
    steps.push_back(s);
    return split_ok;
  }
  bool part(uint32_t index, uint16_t j, Node *n, int32_t slot, const uint32_t *keys, uint32_t nkeys,
            std::string_view bytes) override {
    Step s{"part", n, index, j, std::string(bytes)};
    s.slot = slot;
    s.keys.assign(keys, keys + nkeys);
    steps.push_back(s);
    return true;
  }
  bool transaction(Node *n) override {
    steps.push_back(Step{"transaction", n});
    return true;
  }
};

void add(Batch &b, std::vector<std::string> args) {
  std::vector<const char *> argv;
  std::vector<size_t> lens;
  for (auto &a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  assert_int_equal(b.add(args.size(), argv.data(), lens.data()), GLIDE_OK);
}

std::string resp(std::vector<std::string> args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (auto &a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

Node *owner(const std::string &key) { return node(key_slot(key) / 5462); }

void test_keyed_commands_go_to_their_slots_primary(void **) {
  FakeView view;
  plan::Planner p(view, plan::Options{});
  Batch b;
  add(b, {"SET", "key1", "v"});
  add(b, {"GET", "key2"});
  add(b, {"INCR", "{key1}x"});
  Recorder r;
  p.plan_batch(b, nullptr, r);
  assert_int_equal(r.steps.size(), 3);
  for (uint32_t i = 0; i < 3; ++i) {
    assert_string_equal(r.steps[i].what.c_str(), "send");
    assert_int_equal(r.steps[i].index, i);
    assert_int_equal(r.steps[i].part, kNoPart);
    assert_true(r.steps[i].bytes == b.encoded(b.commands[i]));
  }
  assert_ptr_equal(r.steps[0].node, owner("key1"));
  assert_ptr_equal(r.steps[1].node, owner("key2"));
  assert_ptr_equal(r.steps[2].node, owner("key1"));  // the hash tag's slot
}

void test_multi_slot_command_is_split_per_slot(void **) {
  FakeView view;
  plan::Planner p(view, plan::Options{});
  Batch b;
  // a and {a}2 share a slot; b and c have their own.
  add(b, {"MGET", "a", "b", "{a}2", "c"});
  Recorder r;
  p.plan_batch(b, nullptr, r);
  assert_string_equal(r.steps[0].what.c_str(), "split");
  assert_true(r.steps[0].multi_slot);
  assert_int_equal(r.steps[0].parts, 3);
  // Each part: recorded (keys by ordinal, its own bytes), then sent, in first-seen slot order.
  const std::vector<std::vector<std::string>> cmds = {
      {"MGET", "a", "{a}2"}, {"MGET", "b"}, {"MGET", "c"}};
  const std::vector<std::vector<uint32_t>> keys = {{0, 2}, {1}, {3}};
  const char *first[] = {"a", "b", "c"};
  assert_int_equal(r.steps.size(), 1 + 2 * 3);
  for (size_t j = 0; j < 3; ++j) {
    const Step &part = r.steps[1 + 2 * j], &send = r.steps[2 + 2 * j];
    assert_string_equal(part.what.c_str(), "part");
    assert_int_equal(part.part, j);
    assert_true(part.keys == keys[j]);
    assert_int_equal(part.slot, key_slot(first[j]));
    assert_true(part.bytes == resp(cmds[j]));
    assert_string_equal(send.what.c_str(), "send");
    assert_int_equal(send.part, j);
    assert_ptr_equal(send.node, owner(first[j]));
    assert_true(send.bytes == part.bytes);
  }
}

void test_mset_split_keeps_pairs_and_checks_arity(void **) {
  FakeView view;
  plan::Planner p(view, plan::Options{});
  Batch b;
  add(b, {"MSET", "a", "1", "b", "2"});
  add(b, {"MSET", "a", "1", "b"});  // a value missing: nothing may be sent
  Recorder r;
  p.plan_batch(b, nullptr, r);
  assert_string_equal(r.steps[1].what.c_str(), "part");
  assert_true(r.steps[1].bytes == resp({"MSET", "a", "1"}));
  assert_true(r.steps[3].bytes == resp({"MSET", "b", "2"}));
  const Step &last = r.steps.back();
  assert_string_equal(last.what.c_str(), "reject");
  assert_int_equal(last.index, 1);
  assert_int_equal(last.kind, GLIDE_ERR_INVALID_ARGUMENT);
  for (const Step &s : r.steps) assert_false(s.what == "send" && s.index == 1);
}

void test_cross_slot_without_split_policy_fails(void **) {
  FakeView view;
  plan::Planner p(view, plan::Options{});
  Batch b;
  add(b, {"SUNION", "a", "b"});
  Recorder r;
  p.plan_batch(b, nullptr, r);
  assert_int_equal(r.steps.size(), 1);
  assert_string_equal(r.steps[0].what.c_str(), "reject");
  assert_int_equal(r.steps[0].kind, GLIDE_ERR_CROSSSLOT);
}

void test_keyless_commands_fan_out_or_go_anywhere(void **) {
  FakeView view;
  plan::Planner p(view, plan::Options{});
  Batch b;
  add(b, {"DBSIZE"});                              // all shards
  add(b, {"CONFIG", "SET", "maxclients", "100"});  // all nodes
  add(b, {"MODULE.THING", "x"});                   // unknown: a random primary
  Recorder r;
  p.plan_batch(b, nullptr, r);
  std::vector<Node *> dbsize, config;
  for (const Step &s : r.steps) {
    if (s.what != "send") continue;
    if (s.index == 0) dbsize.push_back(s.node);
    if (s.index == 1) config.push_back(s.node);
    if (s.index == 2) {
      assert_ptr_equal(s.node, P1);
      assert_int_equal(s.part, kNoPart);
    }
  }
  assert_true(dbsize == (std::vector<Node *>{P0, P1, P2}));
  assert_true(config == (std::vector<Node *>{P0, P1, P2, R0, R1, R2}));
  assert_string_equal(r.steps[0].what.c_str(), "split");
  assert_false(r.steps[0].multi_slot);
}

void test_fan_out_out_of_memory_fails_the_element(void **) {
  FakeView view;
  plan::Planner p(view, plan::Options{});
  Batch b;
  add(b, {"DBSIZE"});
  Recorder r;
  r.split_ok = false;
  p.plan_batch(b, nullptr, r);
  assert_string_equal(r.steps.back().what.c_str(), "reject");
  assert_int_equal(r.steps.back().kind, GLIDE_ERR_OUT_OF_MEMORY);
  for (const Step &s : r.steps) assert_true(s.what != "send");
}

void test_routes_pick_one_node_for_everything(void **) {
  FakeView view;
  plan::Options opt;
  std::string why;
  plan::Route route;
  route.kind = GLIDE_ROUTE_SLOT_ID;
  route.slot = 12000;
  assert_ptr_equal(plan::route_node(route, opt, view, &why), P2);
  route.replica = true;
  assert_ptr_equal(plan::route_node(route, opt, view, &why), R2);
  route = plan::Route{};
  route.kind = GLIDE_ROUTE_ADDRESS;
  route.host = "127.0.0.1";
  route.port = 7105;
  assert_ptr_equal(plan::route_node(route, opt, view, &why), ELSEWHERE);
  assert_string_equal(view.asked_host.c_str(), "127.0.0.1");
  assert_int_equal(view.asked_port, 7105);
  route = plan::Route{};
  assert_null(plan::route_node(route, opt, view, &why));  // NONE: command by command
  assert_true(why.empty());
  view.unserved = 100;
  route.kind = GLIDE_ROUTE_SLOT_ID;
  route.slot = 100;
  assert_null(plan::route_node(route, opt, view, &why));
  assert_string_equal(why.c_str(), "no node serves slot 100");

  // Forced: every command, keyed or not, to that node.
  plan::Planner p(view, opt);
  Batch b;
  add(b, {"GET", "a"});
  add(b, {"MGET", "a", "b"});
  add(b, {"DBSIZE"});
  Recorder r;
  p.plan_batch(b, ELSEWHERE, r);
  assert_int_equal(r.steps.size(), 3);
  for (const Step &s : r.steps) {
    assert_string_equal(s.what.c_str(), "send");
    assert_ptr_equal(s.node, ELSEWHERE);
  }
}

void test_replica_reads_only_for_read_only_commands(void **) {
  FakeView view;
  plan::Options opt;
  opt.prefer_replica = true;
  plan::Planner p(view, opt);
  Batch b;
  add(b, {"GET", "a"});
  add(b, {"SET", "a", "1"});
  add(b, {"MGET", "a", "b"});
  Recorder r;
  p.plan_batch(b, nullptr, r);
  assert_ptr_equal(r.steps[0].node, node(3 + key_slot("a") / 5462));  // a replica
  assert_ptr_equal(r.steps[1].node, owner("a"));                      // a write: the primary
  for (const Step &s : r.steps)
    if (s.what == "send" && s.index == 2) assert_true(s.node >= R0 && s.node <= R2);
}

void test_unserved_slot_fails_that_command_only(void **) {
  FakeView view;
  view.unserved = key_slot("a");
  plan::Planner p(view, plan::Options{});
  Batch b;
  add(b, {"GET", "a"});
  add(b, {"GET", "b"});
  Recorder r;
  p.plan_batch(b, nullptr, r);
  assert_string_equal(r.steps[0].what.c_str(), "reject");
  assert_int_equal(r.steps[0].kind, GLIDE_ERR_CONNECTION);
  assert_string_equal(r.steps[1].what.c_str(), "send");
}

void test_atomic_batches(void **) {
  FakeView view;
  plan::Planner p(view, plan::Options{});
  Batch one;
  one.atomic = true;
  add(one, {"SET", "{u}1", "x"});
  add(one, {"INCR", "{u}2"});
  add(one, {"PING"});
  Recorder r;
  p.plan_atomic(one, plan::Route{}, r);
  assert_int_equal(r.steps.size(), 1);
  assert_string_equal(r.steps[0].what.c_str(), "transaction");
  assert_ptr_equal(r.steps[0].node, owner("u"));

  Batch cross;
  cross.atomic = true;
  add(cross, {"SET", "a", "1"});
  add(cross, {"SET", "b", "2"});
  Recorder c;
  p.plan_atomic(cross, plan::Route{}, c);
  assert_int_equal(c.steps.size(), 1);
  assert_string_equal(c.steps[0].what.c_str(), "reject");
  assert_int_equal(c.steps[0].index, kExecIndex);
  assert_int_equal(c.steps[0].kind, GLIDE_ERR_CROSSSLOT);

  // A route decides even for keys in several slots (the server will judge them).
  plan::Route route;
  route.kind = GLIDE_ROUTE_SLOT_ID;
  route.slot = 0;
  Recorder routed;
  p.plan_atomic(cross, route, routed);
  assert_string_equal(routed.steps[0].what.c_str(), "transaction");
  assert_ptr_equal(routed.steps[0].node, P0);

  Batch keyless;
  keyless.atomic = true;
  add(keyless, {"PING"});
  Recorder k;
  p.plan_atomic(keyless, plan::Route{}, k);
  assert_ptr_equal(k.steps[0].node, P1);  // a random primary

  view.unserved = key_slot("u");
  Recorder none;
  p.plan_atomic(one, plan::Route{}, none);
  assert_string_equal(none.steps[0].what.c_str(), "reject");
  assert_int_equal(none.steps[0].kind, GLIDE_ERR_CONNECTION);
}

void test_standalone_sends_everything_to_the_server(void **) {
  FakeView view;
  view.prims = {P0};
  plan::Options opt;
  opt.cluster = false;
  std::string why;
  assert_ptr_equal(plan::route_node(plan::Route{}, opt, view, &why), P0);
  view.prims.clear();
  assert_null(plan::route_node(plan::Route{}, opt, view, &why));
  assert_string_equal(why.c_str(), "no server configured");
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keyed_commands_go_to_their_slots_primary),
      cmocka_unit_test(test_multi_slot_command_is_split_per_slot),
      cmocka_unit_test(test_mset_split_keeps_pairs_and_checks_arity),
      cmocka_unit_test(test_cross_slot_without_split_policy_fails),
      cmocka_unit_test(test_keyless_commands_fan_out_or_go_anywhere),
      cmocka_unit_test(test_fan_out_out_of_memory_fails_the_element),
      cmocka_unit_test(test_routes_pick_one_node_for_everything),
      cmocka_unit_test(test_replica_reads_only_for_read_only_commands),
      cmocka_unit_test(test_unserved_slot_fails_that_command_only),
      cmocka_unit_test(test_atomic_batches),
      cmocka_unit_test(test_standalone_sends_everything_to_the_server),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
