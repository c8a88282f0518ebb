#!/usr/bin/env python3
"""Dump the server's own command metadata (COMMAND, spoken in RESP3) as JSON.

The output is the input of tools/gen_command_table.py. Nothing here is interpreted: every
field the server sends is written under its own name, maps stay maps, sets and arrays become
lists in the order the server sent them; only the list of top-level commands (a hash table
on the server) and each command's subcommands are sorted by name so that the file is stable.

Usage:
  dump_commands.py --server /usr/bin/redis-server --port 7391 -o tools/data/redis-7.0-command.json
      starts a throwaway server (no persistence) on 127.0.0.1:PORT, dumps, and always stops it;
  dump_commands.py --connect 127.0.0.1:6379 -o out.json
      dumps from a server that is already running.

Standard library only.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time


class RespError(Exception):
    pass


class Resp3Connection:
    """A minimal blocking RESP2/RESP3 client: enough for HELLO, COMMAND and INFO."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        reply = self._read()
        if isinstance(reply, RespError):
            raise reply
        return reply

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b",":
            return float(rest)
        if kind == b"(":
            return int(rest)
        if kind == b"#":
            return rest == b"t"
        if kind == b"_":
            return None
        if kind in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                return None
            data = self._exact(n).decode()
            if kind == b"!":
                return RespError(data)
            return data
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            return [self._read() for _ in range(n)]
        if kind == b"%":
            n = int(rest)
            m = {}
            for _ in range(n):
                k = self._read()
                m[k] = self._read()
            return m
        if kind == b"|":  # attribute: skip it, return the value it decorates
            n = int(rest)
            for _ in range(2 * n):
                self._read()
            return self._read()
        raise ValueError("unexpected RESP type byte %r" % kind)


# Positions of the fields in a COMMAND entry (COMMAND INFO documentation, Redis 7.0).
FIELDS = ["name", "arity", "flags", "first_key", "last_key", "step", "acl_categories",
          "tips", "key_specs", "subcommands"]


def command_entry(raw):
    if not isinstance(raw, list) or len(raw) < 6:
        raise ValueError("malformed COMMAND entry: %r" % (raw,))
    entry = {}
    for i, value in enumerate(raw):
        name = FIELDS[i] if i < len(FIELDS) else "field_%d" % i
        if name == "subcommands":
            value = sorted((command_entry(s) for s in value), key=lambda c: c["name"])
        entry[name] = value
    if "key_specs" in entry:
        entry["key_specs"] = [key_spec(s) for s in entry["key_specs"]]
    return entry


def key_spec(raw):
    # RESP3 gives maps; a RESP2 server gives flat [k, v, k, v] lists: accept both.
    if isinstance(raw, list):
        raw = dict(zip(raw[0::2], raw[1::2]))
    out = {}
    for k, v in raw.items():
        if k in ("begin_search", "find_keys"):
            if isinstance(v, list):
                v = dict(zip(v[0::2], v[1::2]))
            spec = v.get("spec")
            if isinstance(spec, list):
                v = dict(v, spec=dict(zip(spec[0::2], spec[1::2])))
        out[k] = v
    return out


def dump(host, port):
    conn = Resp3Connection(host, port)
    try:
        hello = conn.call("HELLO", "3")
        commands = conn.call("COMMAND")
        docs = conn.call("COMMAND", "DOCS")
    finally:
        conn.close()
    entries = sorted((command_entry(c) for c in commands), key=lambda c: c["name"])
    # From COMMAND DOCS only the group (informative) and, per command, its docs' own
    # subcommand names (a cross-check that COMMAND listed them all).
    for e in entries:
        d = docs.get(e["name"], {}) if isinstance(docs, dict) else {}
        if "group" in d:
            e["group"] = d["group"]
        for s in e.get("subcommands", []):
            sd = d.get("subcommands", {}).get(s["name"], {})
            if "group" in sd:
                s["group"] = sd["group"]
    return {
        "source": "COMMAND (RESP3) of %s %s" % (hello.get("server", "?"), hello.get("version", "?")),
        "server": hello.get("server"),
        "version": hello.get("version"),
        "commands": entries,
    }


def wait_for_port(host, port, proc, deadline):
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited early with status %d" % proc.returncode)
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("server did not listen on %s:%d" % (host, port))


def port_in_use(host, port):
    try:
        socket.create_connection((host, port), timeout=0.2).close()
        return True
    except OSError:
        return False


def dump_with_throwaway_server(server, host, port):
    if port_in_use(host, port):
        raise RuntimeError("port %d is already in use; pick another with --port" % port)
    workdir = tempfile.mkdtemp(prefix="glide-dump-commands-")
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", host, "--save", "", "--appendonly", "no",
         "--daemonize", "no", "--dir", workdir, "--logfile", os.path.join(workdir, "log")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(host, port, proc, time.monotonic() + 10)
        return dump(host, port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--server", help="path of a redis-server/valkey-server binary to start")
    g.add_argument("--connect", help="host:port of a running server")
    ap.add_argument("--port", type=int, default=7391, help="port for --server (default 7391)")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    try:
        if args.server:
            data = dump_with_throwaway_server(args.server, "127.0.0.1", args.port)
        else:
            host, _, port = args.connect.rpartition(":")
            data = dump(host or "127.0.0.1", int(port))
    except (OSError, RuntimeError, RespError, ValueError) as e:
        print("dump_commands: error: %s" % e, file=sys.stderr)
        return 1
    text = json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False) + "\n"
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    n_sub = sum(len(c.get("subcommands", [])) for c in data["commands"])
    print("%s: %d commands, %d subcommands" % (args.output, len(data["commands"]), n_sub),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
