// The generated command table: lookup, key positions (the server's key-spec rules), routing and
// response policies (docs/ROUTING.md), and invariants over every command.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_table.h"

using namespace glide::commands;

namespace {

// An argv built from string literals (or binary strings), kept alive by the object.
struct Argv {
  std::vector<std::string> storage;
  std::vector<const char *> ptrs;
  std::vector<size_t> lens;

  Argv(std::initializer_list<std::string> args) : storage(args) { index(); }
  explicit Argv(std::vector<std::string> args) : storage(std::move(args)) { index(); }
  void index() {
    for (const auto &s : storage) {
      ptrs.push_back(s.data());
      lens.push_back(s.size());
    }
  }
  size_t argc() const { return storage.size(); }
  const Command *command() const { return lookup(argc(), ptrs.data(), lens.data()); }
  std::vector<uint32_t> keys(const Command *cmd) const {
    const size_t n = key_positions(cmd, argc(), ptrs.data(), lens.data(), nullptr, 0);
    std::vector<uint32_t> out(n + 1, 0xFFFFFFFFu);
    const size_t again = key_positions(cmd, argc(), ptrs.data(), lens.data(), out.data(), n);
    if (again != n) out.push_back(0xEEEEEEEEu);  // makes the comparison fail
    out.resize(again > n ? again : n);
    return out;
  }
  std::vector<uint32_t> keys() const { return keys(command()); }
};

std::string join(const std::vector<uint32_t> &v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "}";
}

void check_keys(const char *file, int line, const Argv &args, std::vector<uint32_t> expected) {
  const std::vector<uint32_t> got = args.keys();
  if (got != expected) {
    std::string cmd;
    for (const auto &a : args.storage) cmd += a + " ";
    print_error("%s: key positions %s, expected %s\n", cmd.c_str(), join(got).c_str(),
                join(expected).c_str());
    _fail(file, line);
  }
}
#define ASSERT_KEYS(args, ...) \
  check_keys(__FILE__, __LINE__, Argv args, std::vector<uint32_t> __VA_ARGS__)

const Command *cmd_of(std::initializer_list<std::string> args) { return Argv(args).command(); }

// ---------------------------------------------------------------------------------------------
// lookup

void test_lookup_case_insensitive(void **) {
  const Command *get = cmd_of({"get", "k"});
  assert_non_null(get);
  assert_true(get->name == "get");
  assert_ptr_equal(cmd_of({"GET", "k"}), get);
  assert_ptr_equal(cmd_of({"gEt"}), get);
  assert_int_equal(get->arity, 2);
  assert_true((get->flags & kFlagReadonly) != 0);
  assert_true((get->flags & kFlagFast) != 0);
  assert_true((get->flags & kFlagWrite) == 0);

  const Command *set = cmd_of({"SeT", "k", "v"});
  assert_non_null(set);
  assert_true(set->name == "set");
  assert_true((set->flags & kFlagWrite) != 0);
  assert_true((set->flags & kFlagDenyOom) != 0);

  // Names with '_' (between upper- and lowercase letters in ASCII) and '-'.
  assert_true(cmd_of({"EVAL_RO", "s", "0"})->name == "eval_ro");
  assert_true(cmd_of({"GEORADIUSBYMEMBER_RO"})->name == "georadiusbymember_ro");
  assert_true(cmd_of({"MEMORY", "MALLOC-STATS"})->name == "memory|malloc-stats");
  assert_true(cmd_of({"cluster", "Count-Failure-Reports", "id"})->name ==
              "cluster|count-failure-reports");
}

void test_lookup_subcommands(void **) {
  const Command *cs = cmd_of({"CONFIG", "SET", "maxmemory", "1mb"});
  assert_non_null(cs);
  assert_true(cs->name == "config|set");
  assert_int_equal(cs->arity, -4);
  assert_ptr_equal(cmd_of({"config", "set"}), cs);
  assert_true(cmd_of({"config", "GET", "x"})->name == "config|get");

  const Command *ps = cmd_of({"pubsub", "ShardNumSub", "ch"});
  assert_non_null(ps);
  assert_true(ps->name == "pubsub|shardnumsub");
  assert_true(cmd_of({"PUBSUB", "SHARDCHANNELS"})->name == "pubsub|shardchannels");
  assert_true(cmd_of({"OBJECT", "encoding", "k"})->name == "object|encoding");
  assert_true(cmd_of({"XINFO", "STREAM", "k"})->name == "xinfo|stream");

  // The container when argv[1] is absent or unknown.
  const Command *config = cmd_of({"CONFIG"});
  assert_non_null(config);
  assert_true(config->name == "config");
  assert_true(config->subcommand_count > 0);
  assert_ptr_equal(cmd_of({"config", "nosuchthing"}), config);
  assert_ptr_equal(cmd_of({"config", ""}), config);
  assert_ptr_equal(cmd_of({"config", "sets"}), config);
  // A non-container command ignores argv[1].
  assert_true(cmd_of({"GET", "set"})->name == "get");
}

void test_lookup_unknown(void **) {
  assert_null(cmd_of({"nosuchcommand"}));
  assert_null(cmd_of({"JSON.GET", "k"}));  // a module's
  assert_null(cmd_of({""}));
  assert_null(cmd_of({"ge"}));
  assert_null(cmd_of({"gett"}));
  assert_null(cmd_of({"config|set"}));  // the table's internal spelling is not a command
  assert_null(cmd_of({std::string("get\0", 4)}));
  assert_null(cmd_of({"aaaaaaaa"}));  // before the first entry
  assert_null(cmd_of({"zzzzzzzz"}));  // after the last
  assert_null(lookup(0, nullptr, nullptr));
  const char *argv[] = {"get"};
  const size_t len[] = {3};
  assert_null(lookup(0, argv, len));
  assert_non_null(lookup(1, argv, len));
  // Every name is found in whatever case.
  for (size_t i = 0; i < command_count(); ++i) {
    const Command *c = command_at(i);
    std::string upper(c->name);
    for (auto &ch : upper) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
    assert_ptr_equal(cmd_of({upper}), c);
    for (size_t j = 0; j < c->subcommand_count; ++j) {
      const Command *s = &c->subcommands[j];
      std::string sub(s->name.substr(c->name.size() + 1));
      assert_ptr_equal(cmd_of({std::string(c->name), sub}), s);
      for (auto &ch : sub) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
      assert_ptr_equal(cmd_of({upper, sub}), s);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// key positions

void test_keys_simple(void **) {
  ASSERT_KEYS(({"GET", "k"}), {1});
  ASSERT_KEYS(({"SET", "k", "v"}), {1});
  ASSERT_KEYS(({"SET", "k", "v", "EX", "10", "GET"}), {1});
  ASSERT_KEYS(({"MSET", "a", "1", "b", "2", "c", "3"}), {1, 3, 5});
  ASSERT_KEYS(({"MGET", "a", "b", "c"}), {1, 2, 3});
  ASSERT_KEYS(({"DEL", "a"}), {1});
  ASSERT_KEYS(({"del", "a", "b", "c", "d"}), {1, 2, 3, 4});
  ASSERT_KEYS(({"EXISTS", "a", "b"}), {1, 2});
  ASSERT_KEYS(({"RENAME", "a", "b"}), {1, 2});
  ASSERT_KEYS(({"COPY", "a", "b", "REPLACE"}), {1, 2});
  ASSERT_KEYS(({"LMOVE", "a", "b", "LEFT", "RIGHT"}), {1, 2});
  ASSERT_KEYS(({"BITOP", "AND", "dest", "a", "b"}), {2, 3, 4});
  ASSERT_KEYS(({"BITOP", "NOT", "dest", "a"}), {2, 3});
  ASSERT_KEYS(({"SINTERSTORE", "d", "a", "b"}), {1, 2, 3});
  ASSERT_KEYS(({"OBJECT", "ENCODING", "k"}), {2});
  ASSERT_KEYS(({"object", "freq", "k"}), {2});
  ASSERT_KEYS(({"XINFO", "STREAM", "s", "FULL"}), {2});
  ASSERT_KEYS(({"MEMORY", "USAGE", "k"}), {2});
  // Keyless.
  ASSERT_KEYS(({"PING"}), {});
  ASSERT_KEYS(({"DBSIZE"}), {});
  ASSERT_KEYS(({"CONFIG", "SET", "a", "b"}), {});
  ASSERT_KEYS(({"KEYS", "*"}), {});
  // An empty optional tail of keys: the destination alone (Redis 7.0 finds no key at all).
  ASSERT_KEYS(({"PFMERGE", "d"}), {1});
  ASSERT_KEYS(({"PFMERGE", "d", "a", "b"}), {1, 2, 3});
}

void test_keys_channels(void **) {
  // SPUBLISH's shard channel is a not_key spec of the server; PUBLISH's is ours (override).
  ASSERT_KEYS(({"SPUBLISH", "chan", "msg"}), {1});
  ASSERT_KEYS(({"PUBLISH", "chan", "msg"}), {1});
  ASSERT_KEYS(({"SSUBSCRIBE", "a", "b"}), {1, 2});
  ASSERT_KEYS(({"SUNSUBSCRIBE"}), {});
  ASSERT_KEYS(({"SUBSCRIBE", "a"}), {});
  const Command *pub = cmd_of({"publish"});
  assert_int_equal(pub->key_spec_count, 1);
  assert_true(pub->key_specs[0].not_key);
  assert_true((pub->key_specs[0].flags & kKeyNotKey) != 0);
  assert_true(cmd_of({"spublish"})->key_specs[0].not_key);
}

void test_keys_keynum(void **) {
  ASSERT_KEYS(({"EVAL", "return 1", "2", "k1", "k2", "a1"}), {3, 4});
  ASSERT_KEYS(({"EVAL", "return 1", "0"}), {});
  ASSERT_KEYS(({"EVAL", "return 1", "0", "a1", "a2"}), {});
  ASSERT_KEYS(({"EVALSHA", "abc", "1", "k"}), {3});
  ASSERT_KEYS(({"EVAL_RO", "s", "1", "k"}), {3});
  ASSERT_KEYS(({"FCALL", "f", "2", "a", "b"}), {3, 4});
  // Counts the server would not parse, or too large for the arguments: no keys at all.
  ASSERT_KEYS(({"EVAL", "s", "3", "k1", "k2"}), {});
  ASSERT_KEYS(({"EVAL", "s", "-1", "k1"}), {});
  ASSERT_KEYS(({"EVAL", "s", "+1", "k1"}), {});
  ASSERT_KEYS(({"EVAL", "s", "01", "k1"}), {});
  ASSERT_KEYS(({"EVAL", "s", " 1", "k1"}), {});
  ASSERT_KEYS(({"EVAL", "s", "1x", "k1"}), {});
  ASSERT_KEYS(({"EVAL", "s", "", "k1"}), {});
  ASSERT_KEYS(({"EVAL", "s", "99999999999999999999999", "k1"}), {});
  // ZUNIONSTORE: the destination (index spec) and numkeys sources (keynum spec).
  ASSERT_KEYS(({"ZUNIONSTORE", "dest", "2", "a", "b"}), {1, 3, 4});
  ASSERT_KEYS(({"ZUNIONSTORE", "dest", "2", "a", "b", "WEIGHTS", "1", "2"}), {1, 3, 4});
  ASSERT_KEYS(({"ZUNIONSTORE", "dest", "3", "a", "b"}), {});  // count beyond the arguments
  ASSERT_KEYS(({"ZUNIONSTORE", "dest", "0", "a"}), {});       // a count of 0, as the server
  ASSERT_KEYS(({"ZDIFFSTORE", "dest", "0"}), {});
  ASSERT_KEYS(({"ZINTERSTORE", "dest", "1", "a", "AGGREGATE", "MAX"}), {1, 3});
  ASSERT_KEYS(({"ZDIFFSTORE", "dest", "2", "a", "b"}), {1, 3, 4});
  ASSERT_KEYS(({"ZUNION", "2", "a", "b", "WITHSCORES"}), {2, 3});
  ASSERT_KEYS(({"SINTERCARD", "2", "a", "b", "LIMIT", "5"}), {2, 3});
  // LMPOP / ZMPOP and their blocking forms (count after the timeout).
  ASSERT_KEYS(({"LMPOP", "2", "a", "b", "LEFT"}), {2, 3});
  ASSERT_KEYS(({"LMPOP", "1", "a", "LEFT", "COUNT", "3"}), {2});
  ASSERT_KEYS(({"ZMPOP", "3", "a", "b", "c", "MIN"}), {2, 3, 4});
  ASSERT_KEYS(({"BLMPOP", "0.5", "2", "a", "b", "RIGHT"}), {3, 4});
  ASSERT_KEYS(({"BZMPOP", "1", "1", "z", "MAX"}), {3});
  ASSERT_KEYS(({"LMPOP", "x", "a", "LEFT"}), {});
}

void test_keys_keyword(void **) {
  // XREAD: keys after STREAMS, the first half of what remains.
  ASSERT_KEYS(({"XREAD", "STREAMS", "k1", "k2", "id1", "id2"}), {2, 3});
  ASSERT_KEYS(({"XREAD", "COUNT", "10", "BLOCK", "0", "streams", "k1", "k2", "0", "0"}), {6, 7});
  ASSERT_KEYS(({"XREAD", "STREAMS", "k1", "0"}), {2});
  ASSERT_KEYS(({"XREAD", "COUNT", "1", "STREAMS", "streams", "0"}), {4});  // a key named streams
  ASSERT_KEYS(({"XREAD", "COUNT", "1", "STREAMS", "k"}), {});      // nothing after the keyword half
  ASSERT_KEYS(({"XREAD", "COUNT", "1", "BLOCK", "STREAMS"}), {});  // keyword as last arg: none
  ASSERT_KEYS(({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "k1", "k2", ">", ">"}), {5, 6});
  // GEORADIUS: the source key, plus STORE/STOREDIST destinations searched from argv[6].
  ASSERT_KEYS(({"GEORADIUS", "k", "15", "37", "200", "km"}), {1});
  ASSERT_KEYS(({"GEORADIUS", "k", "15", "37", "200", "km", "STORE", "dst"}), {1, 7});
  ASSERT_KEYS(({"GEORADIUS", "k", "15", "37", "200", "km", "ASC", "storedist", "dd"}), {1, 8});
  ASSERT_KEYS(({"GEORADIUS", "k", "15", "37", "200", "km", "STOREDIST", "b", "STORE", "a"}),
              {1, 7, 9});
  ASSERT_KEYS(({"GEORADIUS", "k", "15", "37", "200", "km", "STORE"}), {1});
  ASSERT_KEYS(({"GEORADIUSBYMEMBER", "k", "m", "200", "km", "STORE", "d"}), {1, 6});
  ASSERT_KEYS(({"GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "km"}), {1, 2});
  // MIGRATE: the key argument, and the keys after KEYS, searched backwards from argv[-2].
  ASSERT_KEYS(({"MIGRATE", "h", "6379", "k", "0", "5000"}), {3});
  // In the KEYS form the key argument is an empty placeholder, not a key (our override).
  ASSERT_KEYS(({"MIGRATE", "h", "6379", "", "0", "5000", "REPLACE", "KEYS", "a", "b"}), {8, 9});
  ASSERT_KEYS(({"MIGRATE", "h", "6379", "", "0", "5000", "keys", "a"}), {7});
  ASSERT_KEYS(({"MIGRATE", "h", "6379", "", "0", "5000", "AUTH", "pw", "KEYS", "a"}), {9});
  ASSERT_KEYS(({"MIGRATE", "h", "6379", "", "0", "5000"}), {});
  ASSERT_KEYS(({"MIGRATE", "h", "6379", "k", "0", "5000", "COPY", "AUTH2", "u", "pw"}), {3});
  // SORT: the sorted key; BY/GET patterns are not keys; STORE (ours: the last one) is.
  ASSERT_KEYS(({"SORT", "k"}), {1});
  ASSERT_KEYS(({"SORT", "k", "BY", "w_*", "GET", "#", "STORE", "dst"}), {1, 7});
  ASSERT_KEYS(({"SORT", "k", "BY", "store"}), {1});
  ASSERT_KEYS(({"SORT", "k", "LIMIT", "0", "10", "store", "d1", "STORE", "d2"}), {1, 8});
  ASSERT_KEYS(({"SORT", "k", "BY", "nosort", "STORE"}), {1});
  ASSERT_KEYS(({"SORT_RO", "k", "BY", "w_*", "GET", "#"}), {1});
}

void test_keys_bad_arity(void **) {
  ASSERT_KEYS(({"GET"}), {});
  ASSERT_KEYS(({"GET", "a", "b"}), {});
  ASSERT_KEYS(({"SET", "k"}), {});
  ASSERT_KEYS(({"MSET", "a"}), {});
  ASSERT_KEYS(({"MGET"}), {});
  ASSERT_KEYS(({"DEL"}), {});
  ASSERT_KEYS(({"EVAL", "s"}), {});
  ASSERT_KEYS(({"ZUNIONSTORE", "d", "1"}), {});
  ASSERT_KEYS(({"OBJECT", "ENCODING"}), {});
  ASSERT_KEYS(({"OBJECT", "ENCODING", "a", "b"}), {});
  ASSERT_KEYS(({"BITOP", "AND", "d"}), {});
  ASSERT_KEYS(({"XREAD", "STREAMS", "k"}), {});
  ASSERT_KEYS(({"SPUBLISH", "chan"}), {});
  ASSERT_KEYS(({"PUBLISH", "chan"}), {});
  ASSERT_KEYS(({"LMPOP", "1", "a"}), {});
}

void test_keys_buffer_and_nulls(void **) {
  Argv mset({"MSET", "a", "1", "b", "2", "c", "3"});
  const Command *cmd = mset.command();
  uint32_t out[3] = {0, 0, 0};
  // A short buffer: filled as far as it goes, the full count returned.
  assert_int_equal(key_positions(cmd, mset.argc(), mset.ptrs.data(), mset.lens.data(), out, 2), 3);
  assert_int_equal(out[0], 1);
  assert_int_equal(out[1], 3);
  assert_int_equal(out[2], 0);
  assert_int_equal(key_positions(cmd, mset.argc(), mset.ptrs.data(), mset.lens.data(), out, 3), 3);
  assert_int_equal(out[2], 5);
  assert_int_equal(key_positions(cmd, mset.argc(), mset.ptrs.data(), mset.lens.data(), nullptr, 0),
                   3);
  assert_int_equal(key_positions(nullptr, mset.argc(), mset.ptrs.data(), mset.lens.data(), out, 3),
                   0);
  assert_int_equal(key_positions(cmd, 0, mset.ptrs.data(), mset.lens.data(), out, 3), 0);
}

// Specs of our own making: several specs naming overlapping positions, out of order.
void test_keys_merge_order_and_duplicates(void **) {
  const KeySpec specs[] = {
      // keys from argv[3] to the end
      {KeySpec::Begin::kIndex, KeySpec::Find::kRange, kKeyRO, 3, "", 0, -1, 1, 0, 0, 0, false},
      // argv[1] and argv[3] (every second from 1 to 3)
      {KeySpec::Begin::kIndex, KeySpec::Find::kRange, kKeyRW, 1, "", 0, 2, 2, 0, 0, 0, false},
      // after the last "TO" (backwards from argv[-1]), one key
      {KeySpec::Begin::kKeyword, KeySpec::Find::kRange, kKeyOW, 0, "to", -1, 0, 1, 0, 0, 0, false},
  };
  const Command cmd{"test", -2, 0,      RequestPolicy::kDefault, ResponsePolicy::kDefault, 3,
                    specs,  0,  nullptr};
  Argv a({"test", "k1", "x", "k3", "TO", "k5"});
  std::vector<uint32_t> got = a.keys(&cmd);
  assert_true(got == (std::vector<uint32_t>{1, 3, 4, 5}));
  // The keyword spec only: backwards from argv[argc-1] down to argv[2], never argv[1].
  const Command kw{"test",    -1, 0,      RequestPolicy::kDefault, ResponsePolicy::kDefault, 1,
                   &specs[2], 0,  nullptr};
  assert_true(Argv({"test", "to", "a", "to", "b"}).keys(&kw) == (std::vector<uint32_t>{4}));
  assert_true(Argv({"test", "to", "a"}).keys(&kw).empty());
  assert_true(Argv({"test", "a", "to"}).keys(&kw).empty());  // no argument after it
  // A limit of 3: the first third of what follows the begin index.
  const KeySpec third{
      KeySpec::Begin::kIndex, KeySpec::Find::kRange, kKeyRO, 1, "", 0, -1, 1, 3, 0, 0, false};
  const Command lim{"test", -1, 0,      RequestPolicy::kDefault, ResponsePolicy::kDefault, 1,
                    &third, 0,  nullptr};
  assert_true(Argv({"test", "a", "b", "x", "y", "z", "w"}).keys(&lim) ==
              (std::vector<uint32_t>{1, 2}));
  // keynum with keystep 2: count keys, two arguments apart.
  const KeySpec pairs{
      KeySpec::Begin::kIndex, KeySpec::Find::kKeynum, kKeyRO, 1, "", 0, 0, 2, 0, 0, 1, false};
  const Command kn{"test", -2, 0,      RequestPolicy::kDefault, ResponsePolicy::kDefault, 1,
                   &pairs, 0,  nullptr};
  assert_true(Argv({"test", "2", "a", "1", "b", "2"}).keys(&kn) == (std::vector<uint32_t>{2, 4}));
  assert_true(Argv({"test", "3", "a", "1", "b", "2"}).keys(&kn).empty());
}

// ---------------------------------------------------------------------------------------------
// policies

struct PolicyCase {
  std::initializer_list<std::string> argv;
  RequestPolicy request;
  ResponsePolicy response;
};

void check_policy(const char *file, int line, const PolicyCase &c) {
  const Command *cmd = Argv(c.argv).command();
  if (cmd == nullptr || cmd->request != c.request || cmd->response != c.response) {
    print_error("%s: request %d response %d, expected %d %d\n",
                cmd ? std::string(cmd->name).c_str() : "(not found)",
                cmd ? static_cast<int>(cmd->request) : -1,
                cmd ? static_cast<int>(cmd->response) : -1, static_cast<int>(c.request),
                static_cast<int>(c.response));
    _fail(file, line);
  }
}
#define ASSERT_POLICY(args, req, resp) \
  check_policy(__FILE__, __LINE__, PolicyCase{std::initializer_list<std::string> args, req, resp})

using Req = RequestPolicy;
using Resp = ResponsePolicy;

void test_policies(void **) {
  ASSERT_POLICY(({"DBSIZE"}), Req::kAllShards, Resp::kAggSum);
  ASSERT_POLICY(({"PUBSUB", "SHARDCHANNELS"}), Req::kAllNodes, Resp::kCombineArraysUnique);
  ASSERT_POLICY(({"PUBSUB", "SHARDNUMSUB", "c"}), Req::kAllNodes, Resp::kCombineMaps);
  ASSERT_POLICY(({"INFO"}), Req::kAllShards, Resp::kPerNode);
  ASSERT_POLICY(({"PING"}), Req::kAllShards, Resp::kAllSucceeded);
  ASSERT_POLICY(({"KEYS", "*"}), Req::kAllShards, Resp::kCombineArrays);
  ASSERT_POLICY(({"MGET", "a"}), Req::kMultiShard, Resp::kDefault);
  ASSERT_POLICY(({"MSET", "a", "1"}), Req::kMultiShard, Resp::kAllSucceeded);
  ASSERT_POLICY(({"DEL", "a"}), Req::kMultiShard, Resp::kAggSum);
}

// Every row of docs/ROUTING.md's tables.
void test_policies_routing_md(void **) {
  // Multi-slot commands.
  ASSERT_POLICY(({"EXISTS"}), Req::kMultiShard, Resp::kAggSum);
  ASSERT_POLICY(({"UNLINK"}), Req::kMultiShard, Resp::kAggSum);
  ASSERT_POLICY(({"TOUCH"}), Req::kMultiShard, Resp::kAggSum);
  ASSERT_POLICY(({"WATCH"}), Req::kMultiShard, Resp::kAllSucceeded);
  ASSERT_POLICY(({"MSETNX"}), Req::kDefault, Resp::kDefault);  // not split: all or nothing
  // all succeeded
  ASSERT_POLICY(({"ACL", "SETUSER"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"ACL", "DELUSER"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"ACL", "SAVE"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"CLIENT", "SETNAME"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"CLIENT", "PAUSE"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"CLIENT", "UNPAUSE"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"CONFIG", "SET"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"CONFIG", "RESETSTAT"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"CONFIG", "REWRITE"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"FLUSHALL"}), Req::kAllShards, Resp::kAllSucceeded);
  ASSERT_POLICY(({"FLUSHDB"}), Req::kAllShards, Resp::kAllSucceeded);
  ASSERT_POLICY(({"FUNCTION", "DELETE"}), Req::kAllShards, Resp::kAllSucceeded);
  ASSERT_POLICY(({"FUNCTION", "FLUSH"}), Req::kAllShards, Resp::kAllSucceeded);
  ASSERT_POLICY(({"FUNCTION", "LOAD"}), Req::kAllShards, Resp::kAllSucceeded);
  ASSERT_POLICY(({"FUNCTION", "RESTORE"}), Req::kAllShards, Resp::kAllSucceeded);
  ASSERT_POLICY(({"MEMORY", "PURGE"}), Req::kAllShards, Resp::kAllSucceeded);
  ASSERT_POLICY(({"SCRIPT", "FLUSH"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"SCRIPT", "LOAD"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"SLOWLOG", "RESET"}), Req::kAllNodes, Resp::kAllSucceeded);
  ASSERT_POLICY(({"UNWATCH"}), Req::kAllShards, Resp::kAllSucceeded);
  // one succeeded
  ASSERT_POLICY(({"FUNCTION", "KILL"}), Req::kAllNodes, Resp::kOneSucceeded);
  ASSERT_POLICY(({"SCRIPT", "KILL"}), Req::kAllNodes, Resp::kOneSucceeded);
  // first non-empty, sum, min, logical and
  ASSERT_POLICY(({"RANDOMKEY"}), Req::kAllShards, Resp::kFirstNonEmpty);
  ASSERT_POLICY(({"CLIENT", "KILL"}), Req::kAllNodes, Resp::kAggSum);
  ASSERT_POLICY(({"LATENCY", "RESET"}), Req::kAllShards, Resp::kAggSum);
  ASSERT_POLICY(({"PUBSUB", "NUMPAT"}), Req::kAllNodes, Resp::kAggSum);
  ASSERT_POLICY(({"SLOWLOG", "LEN"}), Req::kAllNodes, Resp::kAggSum);
  ASSERT_POLICY(({"WAIT", "1", "0"}), Req::kAllShards, Resp::kAggMin);
  ASSERT_POLICY(({"SCRIPT", "EXISTS"}), Req::kAllShards, Resp::kAggLogicalAnd);
  // combine arrays / maps
  ASSERT_POLICY(({"PUBSUB", "CHANNELS"}), Req::kAllNodes, Resp::kCombineArraysUnique);
  ASSERT_POLICY(({"SLOWLOG", "GET"}), Req::kAllNodes, Resp::kCombineArrays);
  ASSERT_POLICY(({"PUBSUB", "NUMSUB"}), Req::kAllNodes, Resp::kCombineMaps);
  // per node
  ASSERT_POLICY(({"FUNCTION", "STATS"}), Req::kAllNodes, Resp::kPerNode);
  ASSERT_POLICY(({"MEMORY", "STATS"}), Req::kAllShards, Resp::kPerNode);
  ASSERT_POLICY(({"MEMORY", "DOCTOR"}), Req::kAllShards, Resp::kPerNode);
  ASSERT_POLICY(({"MEMORY", "MALLOC-STATS"}), Req::kAllShards, Resp::kPerNode);
  ASSERT_POLICY(({"LATENCY", "DOCTOR"}), Req::kAllShards, Resp::kPerNode);
  ASSERT_POLICY(({"LATENCY", "LATEST"}), Req::kAllShards, Resp::kPerNode);
  ASSERT_POLICY(({"LATENCY", "HISTORY", "x"}), Req::kAllShards, Resp::kPerNode);
  ASSERT_POLICY(({"LATENCY", "HISTOGRAM"}), Req::kAllShards, Resp::kPerNode);
  ASSERT_POLICY(({"LATENCY", "GRAPH", "x"}), Req::kAllShards, Resp::kPerNode);
  // One random node (or by key).
  ASSERT_POLICY(({"ECHO", "x"}), Req::kDefault, Resp::kDefault);
  ASSERT_POLICY(({"TIME"}), Req::kDefault, Resp::kDefault);
  ASSERT_POLICY(({"CLUSTER", "SLOTS"}), Req::kDefault, Resp::kDefault);
  ASSERT_POLICY(({"CONFIG", "GET", "x"}), Req::kDefault, Resp::kDefault);
  ASSERT_POLICY(({"CLIENT", "ID"}), Req::kDefault, Resp::kDefault);
  ASSERT_POLICY(({"COMMAND", "INFO"}), Req::kDefault, Resp::kDefault);
  ASSERT_POLICY(({"PUBLISH", "c", "m"}), Req::kDefault, Resp::kDefault);
  ASSERT_POLICY(({"SPUBLISH", "c", "m"}), Req::kDefault, Resp::kDefault);
  ASSERT_POLICY(({"GET", "k"}), Req::kDefault, Resp::kDefault);
  ASSERT_POLICY(({"SCAN", "0"}), Req::kSpecial, Resp::kDefault);
}

void test_key_group_step(void **) {
  assert_int_equal(key_group_step(cmd_of({"MSET"})), 2);
  assert_int_equal(key_group_step(cmd_of({"MGET"})), 1);
  assert_int_equal(key_group_step(cmd_of({"DEL"})), 1);
  assert_int_equal(key_group_step(cmd_of({"EXISTS"})), 1);
  assert_int_equal(key_group_step(cmd_of({"UNLINK"})), 1);
  assert_int_equal(key_group_step(cmd_of({"TOUCH"})), 1);
  assert_int_equal(key_group_step(cmd_of({"WATCH"})), 1);
  assert_int_equal(key_group_step(cmd_of({"MSETNX"})), 0);  // not split
  assert_int_equal(key_group_step(cmd_of({"GET"})), 0);
  assert_int_equal(key_group_step(cmd_of({"SUNIONSTORE"})), 0);
  assert_int_equal(key_group_step(cmd_of({"DBSIZE"})), 0);
  assert_int_equal(key_group_step(nullptr), 0);
}

// ---------------------------------------------------------------------------------------------
// invariants over the whole table

bool lowercase_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                    c == '|' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void check_command(const Command &c, bool is_sub, std::string_view container) {
  if (!lowercase_name(c.name)) fail_msg("bad name %.*s", (int)c.name.size(), c.name.data());
  if (is_sub) {
    assert_true(c.name.size() > container.size() + 1);
    assert_true(c.name.substr(0, container.size()) == container);
    assert_true(c.name[container.size()] == '|');
    assert_int_equal(c.subcommand_count, 0);
  } else {
    assert_true(c.name.find('|') == std::string_view::npos);
  }
  assert_true(c.arity != 0);
  assert_true((c.subcommand_count == 0) == (c.subcommands == nullptr));
  assert_true((c.key_spec_count == 0) == (c.key_specs == nullptr));
  assert_true(c.key_spec_count <= 3);
  for (size_t i = 0; i < c.key_spec_count; ++i) {
    const KeySpec &k = c.key_specs[i];
    assert_true(k.not_key == ((k.flags & kKeyNotKey) != 0));
    assert_true((k.begin == KeySpec::Begin::kUnknown) == (k.find == KeySpec::Find::kUnknown));
    if (k.begin == KeySpec::Begin::kIndex) {
      assert_true(k.index >= 1);
      assert_true(k.keyword.empty());
    }
    if (k.begin == KeySpec::Begin::kKeyword) {
      assert_false(k.keyword.empty());
      assert_true(k.startfrom != 0);
    }
    if (k.find == KeySpec::Find::kRange) {
      assert_true(k.keystep >= 1);
      assert_true(k.limit >= 0);
      assert_true(k.limit <= 1 || k.lastkey == -1);
    }
    if (k.find == KeySpec::Find::kKeynum) {
      assert_true(k.keystep >= 1);
      assert_true(k.keynumidx >= 0);
      assert_true(k.firstkey > k.keynumidx);
    }
  }
  if (c.request == RequestPolicy::kMultiShard) {
    if (key_group_step(&c) == 0)
      fail_msg("%.*s: multi-shard but not splittable", (int)c.name.size(), c.name.data());
  }
  // Any argument count: keys are in range, strictly increasing, and a second call agrees.
  for (size_t argc = 1; argc <= 12; ++argc) {
    std::vector<std::string> args(argc, "1");
    args[0] = std::string(c.name);
    Argv a(std::move(args));
    uint32_t out[16];
    const size_t n = key_positions(&c, argc, a.ptrs.data(), a.lens.data(), out, 16);
    assert_true(n <= argc);
    for (size_t i = 0; i < n && i < 16; ++i) {
      assert_true(out[i] >= 1 && out[i] < argc);
      if (i > 0) assert_true(out[i] > out[i - 1]);
    }
    assert_int_equal(key_positions(&c, argc, a.ptrs.data(), a.lens.data(), nullptr, 0), n);
  }
}

void test_table_invariants(void **) {
  const size_t n = command_count();
  assert_true(n > 200);
  assert_null(command_at(n));
  size_t subs = 0;
  for (size_t i = 0; i < n; ++i) {
    const Command *c = command_at(i);
    assert_non_null(c);
    if (i > 0) assert_true(command_at(i - 1)->name < c->name);  // strictly sorted, bytewise
    check_command(*c, false, {});
    for (size_t j = 0; j < c->subcommand_count; ++j) {
      const Command &s = c->subcommands[j];
      if (j > 0) assert_true(c->subcommands[j - 1].name < s.name);
      check_command(s, true, c->name);
      ++subs;
    }
  }
  assert_true(subs > 100);
  // Keyed commands have key specs: a sample.
  for (const char *name : {"get", "set", "hset", "lpush", "zadd", "xadd", "expire", "incr"}) {
    const Command *c = cmd_of({name});
    assert_non_null(c);
    assert_true(c->key_spec_count >= 1);
  }
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lookup_case_insensitive),
      cmocka_unit_test(test_lookup_subcommands),
      cmocka_unit_test(test_lookup_unknown),
      cmocka_unit_test(test_keys_simple),
      cmocka_unit_test(test_keys_channels),
      cmocka_unit_test(test_keys_keynum),
      cmocka_unit_test(test_keys_keyword),
      cmocka_unit_test(test_keys_bad_arity),
      cmocka_unit_test(test_keys_buffer_and_nulls),
      cmocka_unit_test(test_keys_merge_order_and_duplicates),
      cmocka_unit_test(test_policies),
      cmocka_unit_test(test_policies_routing_md),
      cmocka_unit_test(test_key_group_step),
      cmocka_unit_test(test_table_invariants),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
