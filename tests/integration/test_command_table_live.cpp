// test_command_table_live.cpp - our key extraction (glide::commands::lookup / key_positions, the
// generated command table) against the live server's own: for every command and subcommand the
// standalone server lists in COMMAND, sample argument vectors are built generically, the server is
// asked COMMAND GETKEYS <argv...>, and its answer is compared with key_positions on the same argv.
//
// Sample arguments, generically (no per-command code):
//  - the argument at position i is the decimal string "i" (so every argument is distinct and any
//    key count argument is a valid small number, and the key names the server returns map back
//    to positions); container commands keep their subcommand at argv[1];
//  - lengths: exactly the arity, or for "at least N" arities N .. N+8;
//  - for every keyword that a key spec searches for (the server's specs and ours, e.g. STREAMS,
//    KEYS, STORE), one variant per position with that keyword there;
//  - for our specs flagged "empty not key" (MIGRATE's key placeholder), variants with that
//    position empty.
// A variant counts when the server answers it: an array of key names, or "no key arguments"
// (no keys). Variants the server rejects ("Invalid arguments", "Invalid number of arguments")
// are not compared. Key sets are compared as sets (the server lists keys spec by spec, we list
// them in argument order, each once).
//
// Every difference must match a documented, deliberate one (kAllowed below, each with why);
// anything else fails the test. It prints how many commands were checked, skipped (no variant
// the server accepted) and mismatched, and how often each allowed difference occurred.
//
// Needs GLIDE_TEST_SERVERS (servers.env with GLIDE_TEST_STANDALONE_PORT). Links the internal
// object library glide_core (for the table) and uses the public C API (for the server).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_table.h"
#include "glide_c.h"

// cmocka last: its fail() macro would clash with std::basic_ios::fail.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include <cmocka.h>
}

using namespace glide::commands;

namespace {

// ------------------------------------------------------------------------------ setup

std::string g_error;

uint16_t standalone_port() {
  const char *path = std::getenv("GLIDE_TEST_SERVERS");
  if (!path || !*path) {
    g_error =
        "GLIDE_TEST_SERVERS is not set (run through ctest, or export it: the servers.env written "
        "by tests/scripts/test_servers.sh start DIR)";
    return 0;
  }
  FILE *in = std::fopen(path, "r");
  if (!in) {
    g_error = std::string("cannot open GLIDE_TEST_SERVERS=") + path;
    return 0;
  }
  char buf[1024];
  const std::string key = "GLIDE_TEST_STANDALONE_PORT=";
  while (std::fgets(buf, sizeof buf, in)) {
    const std::string line(buf);
    if (line.rfind(key, 0) == 0) {
      long p = std::strtol(line.c_str() + key.size(), nullptr, 10);
      if (p > 0 && p < 65536) {
        std::fclose(in);
        return static_cast<uint16_t>(p);
      }
    }
  }
  std::fclose(in);
  g_error =
      std::string(path) + " has no GLIDE_TEST_STANDALONE_PORT (servers started with cluster-only?)";
  return 0;
}

struct ValueDeleter {
  void operator()(glide_value *v) const { glide_value_free(v); }
};
using ValuePtr = std::unique_ptr<glide_value, ValueDeleter>;

std::string str_of(const glide_value *v) {
  size_t len = 0;
  const char *p = glide_value_string(v, &len);
  return p ? std::string(p, len) : std::string();
}

std::string lower(std::string s) {
  for (auto &c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

std::string upper(std::string s) {
  for (auto &c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return s;
}

// Value of a map entry (RESP3 map, or a RESP2 flat array of pairs) whose key is name.
const glide_value *field(const glide_value *m, std::string_view name) {
  if (glide_value_get_type(m) == GLIDE_VALUE_MAP) {
    for (size_t i = 0; i < glide_value_len(m); ++i)
      if (str_of(glide_value_map_key(m, i)) == name) return glide_value_map_value(m, i);
  } else if (glide_value_get_type(m) == GLIDE_VALUE_ARRAY) {
    for (size_t i = 0; i + 1 < glide_value_len(m); i += 2)
      if (str_of(glide_value_at(m, i)) == name) return glide_value_at(m, i + 1);
  }
  return nullptr;
}

// ------------------------------------------------------------------------------ COMMAND

struct Entry {
  std::string name;                 // "get", "config|set"
  std::vector<std::string> prefix;  // argv[0] (and argv[1] for a subcommand)
  int64_t arity = 0;
  std::set<std::string> keywords;  // from the server's key specs
};

void collect(const glide_value *e, const std::string &container, std::vector<Entry> *out) {
  if (glide_value_get_type(e) != GLIDE_VALUE_ARRAY || glide_value_len(e) < 10) return;
  Entry en;
  en.name = lower(str_of(glide_value_at(e, 0)));
  en.arity = glide_value_integer(glide_value_at(e, 1));
  if (container.empty()) {
    en.prefix = {upper(en.name)};
  } else {
    // the server names subcommands "container|sub"
    const size_t bar = en.name.find('|');
    en.prefix = {upper(container),
                 upper(bar == std::string::npos ? en.name : en.name.substr(bar + 1))};
  }
  const glide_value *specs = glide_value_at(e, 8);
  for (size_t i = 0; i < glide_value_len(specs); ++i) {
    const glide_value *bs = field(glide_value_at(specs, i), "begin_search");
    if (!bs || str_of(field(bs, "type")) != "keyword") continue;
    const glide_value *spec = field(bs, "spec");
    if (spec && field(spec, "keyword")) en.keywords.insert(str_of(field(spec, "keyword")));
  }
  const glide_value *subs = glide_value_at(e, 9);
  const bool is_container = glide_value_len(subs) > 0;
  if (!is_container) out->push_back(en);  // a container itself has no keys of its own
  for (size_t i = 0; i < glide_value_len(subs); ++i) collect(glide_value_at(subs, i), en.name, out);
}

// ------------------------------------------------------------------------------ comparison

using Argv = std::vector<std::string>;
using Positions = std::set<uint32_t>;

std::string show(const Argv &a) {
  std::string s;
  for (const auto &x : a) s += (s.empty() ? "" : " ") + (x.empty() ? std::string("\"\"") : x);
  return s;
}

std::string show(const Positions &p) {
  std::string s = "{";
  for (uint32_t x : p) s += (s.size() > 1 ? "," : "") + std::to_string(x);
  return s + "}";
}

Positions ours_of(const Argv &a, const Command **cmd_out) {
  std::vector<const char *> ptrs;
  std::vector<size_t> lens;
  for (const auto &s : a) {
    ptrs.push_back(s.data());
    lens.push_back(s.size());
  }
  const Command *cmd = lookup(a.size(), ptrs.data(), lens.data());
  *cmd_out = cmd;
  const size_t n = key_positions(cmd, a.size(), ptrs.data(), lens.data(), nullptr, 0);
  std::vector<uint32_t> out(n);
  key_positions(cmd, a.size(), ptrs.data(), lens.data(), out.data(), n);
  return Positions(out.begin(), out.end());
}

// A deliberate difference: name (the table entry), why, and a predicate over (argv, server, ours).
struct Allowed {
  const char *name;
  const char *command;
  const char *why;
  bool (*matches)(const Argv &, const Positions &server, const Positions &ours);
};

const Allowed kAllowed[] = {
    {"pfmerge-empty-tail", "pfmerge",
     "PFMERGE dest (no sources): Redis 7.0 finds no key at all (its empty source range invalidates "
     "the whole command, so the command would run on any node); we keep the destination, so it is "
     "routed to dest's slot (src/commands/command_table.cpp, 'Deliberate differences'). 7.0.15's "
     "COMMAND GETKEYS refuses this sample (Invalid arguments), so it is not compared there; the "
     "rule is for servers that answer it with no keys.",
     [](const Argv &a, const Positions &s, const Positions &o) {
       return a.size() == 2 && s.empty() && o == Positions{1};
     }},
    {"migrate-lone-empty-key", "migrate",
     "MIGRATE host port \"\" db timeout with no usable KEYS clause: the server reports the empty "
     "key "
     "(slot 0); for us an empty argv[3] is the KEYS placeholder, never a key, so the command has "
     "no "
     "key and goes to a random node (tools/command_overrides.json, migrate).",
     [](const Argv &a, const Positions &s, const Positions &o) {
       bool keys_clause = false;  // KEYS at 6 or later with at least one key after it
       for (size_t i = 6; i + 1 < a.size(); ++i) keys_clause |= lower(a[i]) == "keys";
       return a.size() >= 6 && a[3].empty() && !keys_clause && s == Positions{3} && o.empty();
     }},
    {"migrate-invalid-keys-position", "migrate",
     "MIGRATE with the word KEYS where the server cannot accept it: as the port (argv[2]), the db "
     "(argv[4]) or the timeout (argv[5]), which must be integers, or as the last argument (no keys "
     "follow). The server refuses to run such a MIGRATE; its key parser looks for KEYS from "
     "argv[6] "
     "on, our key spec (the server's own spec: KEYS searched backwards from argv[-2]) finds it "
     "anywhere from argv[2], so the two disagree on vectors that never execute. (KEYS as the key "
     "argv[3] itself is valid MIGRATE syntax and is NOT allowed here.)",
     [](const Argv &a, const Positions &, const Positions &) {
       for (size_t i = 2; i < a.size(); ++i) {
         if (lower(a[i]) != "keys") continue;
         if (i == 2 || i == 4 || i == 5 || i + 1 == a.size()) return true;
       }
       return false;
     }},
    {"channels-as-keys", "publish",
     "PUBLISH routes by its channel's slot (docs/ROUTING.md): our override gives it a not_key spec "
     "for "
     "the channel; the server declares none, so COMMAND GETKEYS reports no key.",
     [](const Argv &, const Positions &s, const Positions &o) {
       return s.empty() && o == Positions{1};
     }},
    {"channels-as-keys", "spublish",
     "SPUBLISH's shard channel is a not_key spec of the server: it hashes to a slot but COMMAND "
     "GETKEYS leaves it out; key_positions includes not_key specs so SPUBLISH routes by its "
     "channel "
     "(command_table.h).",
     [](const Argv &, const Positions &s, const Positions &o) {
       return s.empty() && o == Positions{1};
     }},
    {"channels-as-keys", "ssubscribe",
     "SSUBSCRIBE's shard channels: not_key specs, included by key_positions for routing, left out "
     "by "
     "COMMAND GETKEYS.",
     [](const Argv &a, const Positions &s, const Positions &o) {
       Positions all;
       for (uint32_t i = 1; i < a.size(); ++i) all.insert(i);
       return s.empty() && o == all;
     }},
    {"channels-as-keys", "sunsubscribe",
     "SUNSUBSCRIBE's shard channels: not_key specs, included by key_positions for routing, left "
     "out "
     "by COMMAND GETKEYS.",
     [](const Argv &a, const Positions &s, const Positions &o) {
       Positions all;
       for (uint32_t i = 1; i < a.size(); ++i) all.insert(i);
       return s.empty() && o == all;
     }},
};

const Allowed *allowed_for(const std::string &name, const Argv &a, const Positions &s,
                           const Positions &o) {
  for (const Allowed &al : kAllowed)
    if (name == al.command && al.matches(a, s, o)) return &al;
  return nullptr;
}

// Candidate argument vectors for one entry.
std::vector<Argv> candidates(const Entry &e) {
  std::set<std::string> keywords = e.keywords;
  std::set<uint32_t> empty_not_key;  // positions of our kKeyEmptyNotKey index specs
  {
    std::vector<const char *> ptrs;
    std::vector<size_t> lens;
    for (const auto &s : e.prefix) {
      ptrs.push_back(s.data());
      lens.push_back(s.size());
    }
    const Command *cmd = lookup(ptrs.size(), ptrs.data(), lens.data());
    if (cmd) {
      for (size_t i = 0; i < cmd->key_spec_count; ++i) {
        const KeySpec &ks = cmd->key_specs[i];
        if (ks.begin == KeySpec::Begin::kKeyword && !ks.keyword.empty())
          keywords.insert(std::string(ks.keyword));
        if (ks.begin == KeySpec::Begin::kIndex && (ks.flags & kKeyEmptyNotKey))
          empty_not_key.insert(static_cast<uint32_t>(ks.index));
      }
    }
  }
  const size_t base = e.prefix.size();
  std::vector<size_t> lengths;
  if (e.arity > 0) {
    lengths.push_back(static_cast<size_t>(e.arity));
  } else {
    for (size_t l = static_cast<size_t>(-e.arity); l <= static_cast<size_t>(-e.arity) + 8; ++l)
      lengths.push_back(l);
  }
  std::set<Argv> seen;
  std::vector<Argv> out;
  auto add = [&](const Argv &a) {
    if (seen.insert(a).second) out.push_back(a);
  };
  for (size_t len : lengths) {
    if (len < base) continue;
    Argv a = e.prefix;
    for (size_t i = base; i < len; ++i) a.push_back(std::to_string(i));
    std::vector<Argv> forms = {a};
    for (const std::string &kw : keywords)
      for (size_t p = base; p < len; ++p) {
        Argv k = a;
        k[p] = kw;
        forms.push_back(k);
      }
    for (const Argv &f : forms) {
      add(f);
      for (uint32_t p : empty_not_key)
        if (p < f.size() && p >= base) {
          Argv z = f;
          z[p] = "";
          add(z);
        }
    }
  }
  return out;
}

// ------------------------------------------------------------------------------ the test

void test_key_positions_match_command_getkeys(void **) {
  const uint16_t port = standalone_port();
  if (!port) {
    print_error("%s\n", g_error.c_str());
    fail();
  }
  glide_config *cfg = glide_config_new();
  assert_non_null(cfg);
  assert_int_equal(glide_config_add_address(cfg, "127.0.0.1", port), GLIDE_OK);
  assert_int_equal(glide_config_set_cluster_mode(cfg, false), GLIDE_OK);
  assert_int_equal(glide_config_set_request_timeout_ms(cfg, 10000), GLIDE_OK);
  glide_client *c = nullptr;
  char *msg = nullptr;
  const glide_status st = glide_client_new(cfg, &c, &msg);
  glide_config_free(cfg);
  if (st != GLIDE_OK) {
    print_error("glide_client_new on 127.0.0.1:%u: %s %s\n", port, glide_error_kind_name(st),
                msg ? msg : "");
    glide_string_free(msg);
    fail();
  }

  const char *cmd_argv[] = {"COMMAND"};
  const size_t cmd_len[] = {7};
  ValuePtr all(glide_client_command(c, 1, cmd_argv, cmd_len));
  if (glide_value_get_type(all.get()) != GLIDE_VALUE_ARRAY || glide_value_len(all.get()) < 100) {
    print_error("COMMAND: unexpected reply (type %d, %zu elements)\n",
                glide_value_get_type(all.get()), glide_value_len(all.get()));
    glide_client_close(c);
    fail();
  }
  std::vector<Entry> entries;
  for (size_t i = 0; i < glide_value_len(all.get()); ++i)
    collect(glide_value_at(all.get(), i), "", &entries);
  std::sort(entries.begin(), entries.end(),
            [](const Entry &a, const Entry &b) { return a.name < b.name; });

  size_t checked = 0, skipped = 0, mismatched = 0, variants = 0, not_in_table = 0;
  std::map<std::string, size_t> allowed_hits;
  std::vector<std::string> skipped_names, failures;

  for (const Entry &e : entries) {
    const std::vector<Argv> cands = candidates(e);
    glide_batch *b = glide_batch_new(false);
    assert_non_null(b);
    for (const Argv &a : cands) {
      std::vector<const char *> ptrs = {"COMMAND", "GETKEYS"};
      std::vector<size_t> lens = {7, 7};
      for (const auto &s : a) {
        ptrs.push_back(s.data());
        lens.push_back(s.size());
      }
      assert_int_equal(glide_batch_command(b, ptrs.size(), ptrs.data(), lens.data()), GLIDE_OK);
    }
    glide_batch_options o;
    glide_batch_options_init(&o);
    o.timeout_ms = 30000;
    ValuePtr res(glide_client_exec(c, b, false, &o));
    glide_batch_free(b);
    if (glide_value_get_type(res.get()) != GLIDE_VALUE_ARRAY ||
        glide_value_len(res.get()) != cands.size()) {
      failures.push_back(e.name + ": batch of COMMAND GETKEYS failed: " + str_of(res.get()));
      ++mismatched;
      continue;
    }
    size_t compared = 0;
    bool bad = false;
    for (size_t i = 0; i < cands.size(); ++i) {
      const Argv &a = cands[i];
      const glide_value *r = glide_value_at(res.get(), i);
      Positions server;
      if (glide_value_get_type(r) == GLIDE_VALUE_ERROR) {
        const std::string m = str_of(r);
        if (m.find("no key arguments") == std::string::npos)
          continue;  // the server refuses this sample
      } else if (glide_value_get_type(r) == GLIDE_VALUE_ARRAY) {
        bool unknown = false;
        for (size_t j = 0; j < glide_value_len(r); ++j) {
          const std::string k = str_of(glide_value_at(r, j));
          size_t pos = 0;
          for (size_t p = e.prefix.size(); p < a.size() && !pos; ++p)
            if (a[p] == k) pos = p;
          if (!pos) unknown = true;
          server.insert(static_cast<uint32_t>(pos));
        }
        if (unknown) {
          failures.push_back(e.name + ": " + show(a) +
                             ": the server named a key that is not an argument");
          bad = true;
          continue;
        }
      } else {
        continue;
      }
      const Command *cmd = nullptr;
      const Positions ours = ours_of(a, &cmd);
      if (!cmd) {
        ++not_in_table;
        failures.push_back(
            e.name + ": not in our command table (regenerate it from this server's COMMAND?)");
        bad = true;
        break;
      }
      ++compared;
      ++variants;
      if (ours == server) continue;
      if (const Allowed *al = allowed_for(e.name, a, server, ours)) {
        ++allowed_hits[std::string(al->name) + " (" + al->command + ")"];
        continue;
      }
      bad = true;
      if (failures.size() < 200)
        failures.push_back(e.name + ": " + show(a) + ": server " + show(server) + ", ours " +
                           show(ours));
    }
    if (bad) {
      ++mismatched;
    } else if (compared == 0) {
      ++skipped;
      skipped_names.push_back(e.name);
    } else {
      ++checked;
    }
  }
  glide_client_close(c);

  std::printf(
      "[ INFO     ] COMMAND lists %zu commands and subcommands (containers excluded): %zu checked, "
      "%zu skipped (no sample the server accepts), %zu mismatched; %zu argument vectors compared\n",
      entries.size(), checked, skipped, mismatched, variants);
  if (!skipped_names.empty()) {
    std::string s;
    for (const auto &n : skipped_names) s += " " + n;
    std::printf(
        "[ INFO     ] skipped (COMMAND GETKEYS accepted none of their samples; for arity-1 "
        "commands "
        "it cannot be asked at all, it needs an argument after the name):%s\n",
        s.c_str());
  }
  for (const Allowed &al : kAllowed) {
    const std::string rule = std::string(al.name) + " (" + al.command + ")";
    const auto it = allowed_hits.find(rule);
    std::printf("[ INFO     ] allowed difference %s: %zu vectors\n", rule.c_str(),
                it == allowed_hits.end() ? size_t{0} : it->second);
  }
  if (!failures.empty()) {
    for (const auto &f : failures) print_error("%s\n", f.c_str());
    fail_msg("%zu commands disagree with COMMAND GETKEYS outside the allowed differences",
             mismatched);
  }
  // The check is only meaningful if it covers most of the table.
  if (checked < entries.size() / 2)
    fail_msg("only %zu of %zu commands could be checked", checked, entries.size());
  (void)not_in_table;
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_key_positions_match_command_getkeys),
  };
  return cmocka_run_group_tests_name("command_table_live", tests, nullptr, nullptr);
}
