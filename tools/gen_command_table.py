#!/usr/bin/env python3
"""Generate src/commands/command_table_generated.inc from the server's own command metadata.

Inputs:
  tools/data/redis-7.0-command.json   written by tools/dump_commands.py (COMMAND of a real server)
  tools/command_overrides.json        docs/ROUTING.md's rules where they differ from the server's tips

Output: a C++ fragment included by src/commands/command_table.cpp inside
namespace glide::commands { namespace { ... } }: static KeySpec arrays, subcommand arrays and the
top-level command array kCommands, sorted by name (bytewise) for binary search.

  gen_command_table.py            regenerate the checked-in file
  gen_command_table.py --check    regenerate in memory; exit 1 (with a diff) if the file differs
  gen_command_table.py --stdout   print the fragment

Standard library only. The output depends on nothing but the two input files.
"""

import argparse
import difflib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join("tools", "data", "redis-7.0-command.json")
DEFAULT_OVERRIDES = os.path.join("tools", "command_overrides.json")
DEFAULT_OUTPUT = os.path.join("src", "commands", "command_table_generated.inc")

# Command flags (COMMAND's "flags") -> Flag bits of command_table.h.
COMMAND_FLAGS = {
    "write": "kFlagWrite",
    "readonly": "kFlagReadonly",
    "denyoom": "kFlagDenyOom",
    "admin": "kFlagAdmin",
    "pubsub": "kFlagPubsub",
    "noscript": "kFlagNoscript",
    "blocking": "kFlagBlocking",
    "loading": "kFlagLoading",
    "stale": "kFlagStale",
    "no_multi": "kFlagNoMulti",
    "movablekeys": "kFlagMovableKeys",
    "fast": "kFlagFast",
    "allow_busy": "kFlagAllowBusy",
}
# Flags a client has no use for. An unknown flag stops the generator: decide, then list it.
IGNORED_COMMAND_FLAGS = {
    "no_async_loading", "skip_monitor", "skip_slowlog", "no_mandatory_keys", "no_auth",
    "asking", "may_replicate", "sentinel", "only_sentinel", "module", "no_propagate",
}

# Key spec flags -> KeyFlag bits of command_table.h.
KEY_FLAGS = {
    "RO": "kKeyRO",
    "RW": "kKeyRW",
    "OW": "kKeyOW",
    "RM": "kKeyRM",
    "access": "kKeyAccess",
    "update": "kKeyUpdate",
    "insert": "kKeyInsert",
    "delete": "kKeyDelete",
    "not_key": "kKeyNotKey",
    "incomplete": "kKeyIncomplete",
    "variable_flags": "kKeyVariableFlags",
    # Ours, only in tools/command_overrides.json: an empty argument there is not a key.
    "glide_empty_not_key": "kKeyEmptyNotKey",
}

REQUEST_POLICIES = {
    "default": "kDefault",
    "all_nodes": "kAllNodes",
    "all_shards": "kAllShards",
    "multi_shard": "kMultiShard",
    "special": "kSpecial",
}
RESPONSE_POLICIES = {
    "default": "kDefault",
    "one_succeeded": "kOneSucceeded",
    "all_succeeded": "kAllSucceeded",
    "agg_logical_and": "kAggLogicalAnd",
    "agg_logical_or": "kAggLogicalOr",
    "agg_min": "kAggMin",
    "agg_max": "kAggMax",
    "agg_sum": "kAggSum",
    "special": "kSpecial",
    # Ours (docs/ROUTING.md), never in a server tip:
    "combine_arrays": "kCombineArrays",
    "combine_arrays_unique": "kCombineArraysUnique",
    "combine_maps": "kCombineMaps",
    "first_non_empty": "kFirstNonEmpty",
    "per_node": "kPerNode",
}
SERVER_RESPONSE_POLICIES = {"default", "one_succeeded", "all_succeeded", "agg_logical_and",
                            "agg_logical_or", "agg_min", "agg_max", "agg_sum", "special"}
KNOWN_TIPS = {"nondeterministic_output", "nondeterministic_output_order"}

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


class GenError(Exception):
    pass


def load_json(path):
    def no_duplicates(pairs):
        seen = {}
        for k, v in pairs:
            if k in seen:
                raise GenError("%s: duplicate key %r" % (path, k))
            seen[k] = v
        return seen
    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=no_duplicates)


def version_tuple(v):
    return tuple(int(x) for x in re.findall(r"\d+", v or "0"))


def tips_policies(cmd):
    request, response = "default", "default"
    for tip in cmd.get("tips", []):
        if tip.startswith("request_policy:"):
            request = tip.split(":", 1)[1]
            if request not in REQUEST_POLICIES:
                raise GenError("%s: unknown request policy tip %r" % (cmd["name"], tip))
        elif tip.startswith("response_policy:"):
            response = tip.split(":", 1)[1]
            if response not in SERVER_RESPONSE_POLICIES:
                raise GenError("%s: unknown response policy tip %r" % (cmd["name"], tip))
        elif tip not in KNOWN_TIPS:
            raise GenError("%s: unknown tip %r" % (cmd["name"], tip))
    return request, response


def int32(name, what, value):
    if not isinstance(value, int) or isinstance(value, bool) or not INT32_MIN <= value <= INT32_MAX:
        raise GenError("%s: %s is not a 32-bit integer: %r" % (name, what, value))
    return value


def c_string(s):
    if not re.fullmatch(r"[\x20-\x7e]*", s) or '"' in s or "\\" in s:
        raise GenError("unexpected characters in %r" % s)
    return '"%s"' % s


def normalize_key_spec(name, raw):
    """Validates one key spec and returns the KeySpec fields (all of them, ints and strings)."""
    flags = raw.get("flags", [])
    for f in flags:
        if f not in KEY_FLAGS:
            raise GenError("%s: unknown key spec flag %r" % (name, f))
    bs, fk = raw.get("begin_search", {}), raw.get("find_keys", {})
    bs_spec, fk_spec = bs.get("spec", {}), fk.get("spec", {})
    ks = {
        "begin": "kUnknown", "find": "kUnknown", "flags": flags, "index": 0, "keyword": "",
        "startfrom": 0, "lastkey": 0, "keystep": 0, "limit": 0, "keynumidx": 0, "firstkey": 0,
        "not_key": "not_key" in flags,
    }
    if bs.get("type") == "index":
        ks["begin"] = "kIndex"
        ks["index"] = int32(name, "begin_search index", bs_spec["index"])
        if ks["index"] < 1:
            raise GenError("%s: begin_search index %d < 1" % (name, ks["index"]))
    elif bs.get("type") == "keyword":
        ks["begin"] = "kKeyword"
        ks["keyword"] = bs_spec["keyword"]
        if not ks["keyword"]:
            raise GenError("%s: empty begin_search keyword" % name)
        ks["startfrom"] = int32(name, "startfrom", bs_spec["startfrom"])
    elif bs.get("type") != "unknown":
        raise GenError("%s: unknown begin_search %r" % (name, bs))
    if fk.get("type") == "range":
        ks["find"] = "kRange"
        ks["lastkey"] = int32(name, "lastkey", fk_spec["lastkey"])
        ks["keystep"] = int32(name, "keystep", fk_spec["keystep"])
        ks["limit"] = int32(name, "limit", fk_spec["limit"])
        if ks["limit"] < 0:
            raise GenError("%s: negative limit" % name)
    elif fk.get("type") == "keynum":
        ks["find"] = "kKeynum"
        ks["keynumidx"] = int32(name, "keynumidx", fk_spec["keynumidx"])
        ks["firstkey"] = int32(name, "firstkey", fk_spec["firstkey"])
        ks["keystep"] = int32(name, "keystep", fk_spec["keystep"])
        if ks["keynumidx"] < 0 or ks["firstkey"] < 1:
            raise GenError("%s: keynum spec with keynumidx < 0 or firstkey < 1" % name)
    elif fk.get("type") != "unknown":
        raise GenError("%s: unknown find_keys %r" % (name, fk))
    if ks["find"] != "kUnknown" and ks["keystep"] < 1:
        raise GenError("%s: keystep %d < 1" % (name, ks["keystep"]))
    if (ks["begin"] == "kUnknown") != (ks["find"] == "kUnknown"):
        raise GenError("%s: half-unknown key spec" % name)
    return ks


def build_command(raw, overrides, applied, version):
    name = raw["name"]
    if name != name.lower() or not re.fullmatch(r"[a-z0-9_\-|.]+", name):
        raise GenError("unexpected command name %r" % name)
    flags = []
    for f in raw.get("flags", []):
        if f in COMMAND_FLAGS:
            flags.append(COMMAND_FLAGS[f])
        elif f not in IGNORED_COMMAND_FLAGS:
            raise GenError("%s: unknown command flag %r (map it or ignore it)" % (name, f))
    request, response = tips_policies(raw)
    key_specs_raw = raw.get("key_specs", [])
    notes = []
    ov = overrides.get(name)
    if ov is not None:
        applied.add(name)
        changed = False
        if "request_policy" in ov:
            if ov["request_policy"] not in REQUEST_POLICIES:
                raise GenError("override %s: unknown request_policy" % name)
            changed |= ov["request_policy"] != request
            notes.append("request %s -> %s" % (request, ov["request_policy"]))
            request = ov["request_policy"]
        if "response_policy" in ov:
            if ov["response_policy"] not in RESPONSE_POLICIES:
                raise GenError("override %s: unknown response_policy" % name)
            changed |= ov["response_policy"] != response
            notes.append("response %s -> %s" % (response, ov["response_policy"]))
            response = ov["response_policy"]
        if "key_specs" in ov:
            changed |= ov["key_specs"] != key_specs_raw
            notes.append("key specs replaced")
            key_specs_raw = ov["key_specs"]
        if not changed:
            raise GenError("override %s changes nothing the server does not already say: "
                           "remove it" % name)
    if request == "multi_shard" and not key_specs_raw:
        raise GenError("%s: multi_shard without key specs" % name)
    key_specs = [normalize_key_spec(name, k) for k in key_specs_raw]
    if raw.get("first_key", 0) and not key_specs:
        raise GenError("%s: COMMAND gives first_key %d but no key spec" % (name, raw["first_key"]))
    if len(key_specs) > 255:
        raise GenError("%s: too many key specs" % name)
    subs = [build_command(s, overrides, applied, version) for s in raw.get("subcommands", [])]
    subs.sort(key=lambda c: c["name"].encode())
    for s in subs:
        if not s["name"].startswith(name + "|"):
            raise GenError("subcommand %s of %s is not named %s|..." % (s["name"], name, name))
        if s["subcommands"]:
            raise GenError("%s: nested subcommands are not supported" % s["name"])
    if len(subs) > 65535:
        raise GenError("%s: too many subcommands" % name)
    return {
        "name": name,
        "arity": int32(name, "arity", raw["arity"]),
        "flags": flags,
        "request": request,
        "response": response,
        "key_specs": key_specs,
        "subcommands": subs,
        "notes": notes,
    }


def ident(name):
    # "config|set" -> config_set (no double underscore: reserved in C++); clashes are checked.
    return re.sub(r"[^a-z0-9]", "_", name)


def emit_key_spec(ks):
    flags = " | ".join(KEY_FLAGS[f] for f in ks["flags"]) or "0"
    return ("  {.begin = KeySpec::Begin::%s, .find = KeySpec::Find::%s, .flags = %s, .index = %d, "
            ".keyword = %s, .startfrom = %d, .lastkey = %d, .keystep = %d, .limit = %d, "
            ".keynumidx = %d, .firstkey = %d, .not_key = %s},"
            % (ks["begin"], ks["find"], flags, ks["index"], c_string(ks["keyword"]),
               ks["startfrom"], ks["lastkey"], ks["keystep"], ks["limit"], ks["keynumidx"],
               ks["firstkey"], "true" if ks["not_key"] else "false"))


def emit_command(cmd):
    flags = " | ".join(cmd["flags"]) or "0"
    ks = "kKeySpecs_%s" % ident(cmd["name"]) if cmd["key_specs"] else "nullptr"
    subs = "kSubcommands_%s" % ident(cmd["name"]) if cmd["subcommands"] else "nullptr"
    line = ("  {.name = %s, .arity = %d, .flags = %s, .request = RequestPolicy::%s, "
            ".response = ResponsePolicy::%s, .key_spec_count = %d, .key_specs = %s, "
            ".subcommand_count = %d, .subcommands = %s},"
            % (c_string(cmd["name"]), cmd["arity"], flags, REQUEST_POLICIES[cmd["request"]],
               RESPONSE_POLICIES[cmd["response"]], len(cmd["key_specs"]), ks,
               len(cmd["subcommands"]), subs))
    if cmd["notes"]:
        line = "  // override: %s\n%s" % ("; ".join(cmd["notes"]), line)
    return line


def generate(data_path, overrides_path):
    data = load_json(os.path.join(ROOT, data_path))
    ov_doc = load_json(os.path.join(ROOT, overrides_path))
    version = data.get("version", "0")
    overrides = {}
    for name, ov in ov_doc["commands"].items():
        unknown = set(ov) - {"request_policy", "response_policy", "key_specs", "since", "why"}
        if unknown:
            raise GenError("override %s: unknown fields %s" % (name, sorted(unknown)))
        if not str(ov.get("why", "")).strip():
            raise GenError("override %s: no 'why'" % name)
        if "since" in ov and version_tuple(version) < version_tuple(ov["since"]):
            continue
        overrides[name] = ov

    applied = set()
    commands = [build_command(c, overrides, applied, version) for c in data["commands"]]
    commands.sort(key=lambda c: c["name"].encode())
    missing = sorted(set(overrides) - applied)
    if missing:
        raise GenError("overrides for commands the server does not know: %s" % ", ".join(missing))
    names = [c["name"] for c in commands]
    if len(set(names)) != len(names):
        raise GenError("duplicate command names")

    everything = []
    for c in commands:
        everything.append(c)
        everything.extend(c["subcommands"])
    idents = [ident(c["name"]) for c in everything]
    if len(set(idents)) != len(idents):
        raise GenError("two command names map to the same C++ identifier")
    max_specs = max(len(c["key_specs"]) for c in everything)
    n_subs = sum(len(c["subcommands"]) for c in commands)

    out = []
    out.append("// GENERATED by tools/gen_command_table.py from %s" % data_path.replace(os.sep, "/"))
    out.append("// (%s) and %s. DO NOT EDIT: change" % (data.get("source", "?"),
                                                        overrides_path.replace(os.sep, "/")))
    out.append("// the overrides or the generator and run `python3 tools/gen_command_table.py`.")
    out.append("// Included by src/commands/command_table.cpp inside namespace glide::commands {"
               " namespace {.")
    out.append("// %d commands, %d subcommands, %d overrides applied."
               % (len(commands), n_subs, len(applied)))
    out.append("// NOLINTBEGIN")
    out.append("// clang-format off")
    out.append("")
    out.append("constexpr size_t kMaxKeySpecsPerCommand = %d;" % max_specs)
    out.append("")
    for c in everything:
        if c["key_specs"]:
            out.append("constexpr KeySpec kKeySpecs_%s[] = {" % ident(c["name"]))
            out.extend(emit_key_spec(k) for k in c["key_specs"])
            out.append("};")
    out.append("")
    for c in commands:
        if c["subcommands"]:
            out.append("constexpr Command kSubcommands_%s[] = {" % ident(c["name"]))
            out.extend(emit_command(s) for s in c["subcommands"])
            out.append("};")
    out.append("")
    out.append("constexpr Command kCommands[] = {")
    out.extend(emit_command(c) for c in commands)
    out.append("};")
    out.append("")
    out.append("// clang-format on")
    out.append("// NOLINTEND")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA, help="relative to the repository root")
    ap.add_argument("--overrides", default=DEFAULT_OVERRIDES)
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="fail if the checked-in output differs from a fresh generation")
    mode.add_argument("--stdout", action="store_true")
    args = ap.parse_args()
    try:
        text = generate(args.data, args.overrides)
    except (GenError, KeyError, OSError, ValueError) as e:
        print("gen_command_table: error: %s" % e, file=sys.stderr)
        return 2
    out_path = os.path.join(ROOT, args.output)
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        try:
            with open(out_path, encoding="utf-8", newline="") as f:
                current = f.read()
        except OSError as e:
            print("gen_command_table: %s: %s" % (args.output, e), file=sys.stderr)
            return 1
        if current == text:
            print("gen_command_table: %s is up to date" % args.output)
            return 0
        sys.stderr.writelines(difflib.unified_diff(
            current.splitlines(True), text.splitlines(True),
            "%s (checked in)" % args.output, "%s (generated)" % args.output, n=1))
        print("gen_command_table: %s is stale: run python3 tools/gen_command_table.py"
              % args.output, file=sys.stderr)
        return 1
    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("gen_command_table: wrote %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
