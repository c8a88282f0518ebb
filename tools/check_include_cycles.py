#!/usr/bin/env python3
"""check_include_cycles.py - no include cycle between the folders of src/.

Each file src/<folder>/... belongs to <folder> (a file right in src/ to "src"). A file of folder
A that includes (#include "...") a file of folder B != A makes the edge A -> B. The folders must
form an acyclic graph, so that each one can be understood (and tested) with only the folders
below it.

Until the core redesign removes them, the edges that take part in today's cycles are listed in
tools/include_cycles_allowed.txt. The check (ctest include_cycles, labels unit;artefact) fails
  - on every cycle that uses an edge NOT on that list (each printed as a folder chain, with one
    include line, file:line, per edge);
  - when an edge on the list no longer exists, or no longer lies on any cycle: take it off the
    list, so the list only shrinks.
On success it prints the graph (folder -> folders) and the allowed cycles that remain.

An include is resolved like the compiler does for glide_core: next to the including file, then
under src/, then under include/; one that resolves outside src/ (glide_c.h, system headers)
makes no edge. Scanned: src/**/*.{h,cpp,inc} (the .inc files are included code too).

Usage: tools/check_include_cycles.py [ROOT]   (ROOT defaults to the folder above tools/)
Exit status: 0 when every cycle is allowed and every allowed edge is still needed, 1 otherwise.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SUFFIXES = (".h", ".cpp", ".inc")
ALLOWED_FILE = "tools/include_cycles_allowed.txt"
MAX_CYCLES_PRINTED = 200  # the folder graph is small; this only bounds a pathological case


def folder_of(rel):
    """The folder of a path relative to src/ ("src" for a file right in src/)."""
    return rel.parts[0] if len(rel.parts) > 1 else "src"


def scan(root):
    """{(A, B): [(file:line, include text), ...]} for every include from folder A into B != A,
    and the set of all folders."""
    src = root / "src"
    edges = {}
    folders = set()
    for f in sorted(src.rglob("*")):
        if not f.is_file() or f.suffix not in SUFFIXES:
            continue
        rel = f.relative_to(src)
        a = folder_of(rel)
        folders.add(a)
        lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
        for lineno, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = None
            for base in (f.parent, src, root / "include"):
                cand = (base / m.group(1)).resolve()
                if cand.is_file():
                    target = cand
                    break
            if target is None or not target.is_relative_to(src.resolve()):
                continue  # outside src/ (or not found: the compiler will say so)
            b = folder_of(target.relative_to(src.resolve()))
            if b != a:
                where = f"src/{rel.as_posix()}:{lineno}"
                edges.setdefault((a, b), []).append((where, line.strip()))
    for a, b in edges:
        folders.update((a, b))
    return edges, folders


def read_allowed(path):
    """{(A, B): line number} from the allow-list; raises ValueError on a malformed line."""
    allowed = {}
    if not path.exists():
        return allowed
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"(\S+)\s*->\s*(\S+)", line)
        if not m:
            raise ValueError(f"{ALLOWED_FILE}:{lineno}: expected 'A -> B  # why', got {raw!r}")
        edge = (m.group(1), m.group(2))
        if edge in allowed:
            raise ValueError(f"{ALLOWED_FILE}:{lineno}: {edge[0]} -> {edge[1]} listed twice")
        allowed[edge] = lineno
    return allowed


def strongly_connected(nodes, succ):
    """{node: component id} (Tarjan's algorithm, iterative)."""
    index, low, comp, stack, on_stack = {}, {}, {}, [], set()
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(succ.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(succ.get(w, ())))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp[w] = v
                    if w == v:
                        break
    return comp


def elementary_cycles(nodes, succ, limit):
    """Every elementary cycle (as a node list, smallest node first), at most limit of them."""
    cycles = []
    order = sorted(nodes)
    for i, s in enumerate(order):
        allowed_nodes = set(order[i:])  # cycles through s whose other nodes sort after s

        def walk(path, seen):
            for w in sorted(succ.get(path[-1], ())):
                if len(cycles) >= limit:
                    return
                if w == s:
                    cycles.append(list(path))
                elif w in allowed_nodes and w not in seen:
                    seen.add(w)
                    path.append(w)
                    walk(path, seen)
                    path.pop()
                    seen.discard(w)

        walk([s], {s})
    return cycles


def chain(cycle):
    return " -> ".join(cycle + [cycle[0]])


def cycle_edges(cycle):
    return [(cycle[i], cycle[(i + 1) % len(cycle)]) for i in range(len(cycle))]


def main(argv):
    root = pathlib.Path(argv[1] if len(argv) > 1 else pathlib.Path(__file__).parent.parent)
    root = root.resolve()
    edges, folders = scan(root)
    try:
        allowed = read_allowed(root / ALLOWED_FILE)
    except ValueError as e:
        print(f"include_cycles: {e}")
        return 1

    succ = {}
    for a, b in edges:
        succ.setdefault(a, set()).add(b)
    print("include graph between the folders of src/ (folder -> folders it includes):")
    for a in sorted(folders):
        print(f"  {a} -> {', '.join(sorted(succ.get(a, ()))) or '(nothing)'}")

    comp = strongly_connected(folders, succ)
    # An edge lies on a cycle exactly when both ends are in the same strongly connected component.
    on_cycle = {e for e in edges if comp[e[0]] == comp[e[1]]}
    cycles = elementary_cycles(folders, succ, MAX_CYCLES_PRINTED)

    # Decided on the edges (complete), printed as cycles (possibly cut at MAX_CYCLES_PRINTED).
    bad_edges = sorted(on_cycle - set(allowed))
    failed = bool(bad_edges)
    bad = [c for c in cycles if any(e not in allowed for e in cycle_edges(c))]
    if bad_edges:
        print(f"\nedges on an include cycle that {ALLOWED_FILE} does not allow: "
              + ", ".join(f"{a} -> {b}" for a, b in bad_edges))
    if bad:
        print(f"\ninclude cycles using an edge that {ALLOWED_FILE} does not allow:")
        for c in bad:
            print(f"  {chain(c)}")
            for e in cycle_edges(c):
                where, text = edges[e][0]
                mark = "" if e in allowed else "   <- not allowed"
                print(f"    {e[0]} -> {e[1]}: {where}: {text}{mark}")
        if len(cycles) >= MAX_CYCLES_PRINTED:
            print(f"  (stopped after {MAX_CYCLES_PRINTED} cycles)")
    for e, lineno in sorted(allowed.items(), key=lambda kv: kv[1]):
        if e not in edges:
            failed = True
            print(f"\n{ALLOWED_FILE}:{lineno}: {e[0]} -> {e[1]} no longer exists: "
                  "take it off the list")
        elif e not in on_cycle:
            failed = True
            print(f"\n{ALLOWED_FILE}:{lineno}: {e[0]} -> {e[1]} is no longer on any cycle: "
                  "take it off the list")

    if failed:
        return 1
    if not cycles:
        print("\nno include cycle between the folders of src/")
        return 0
    print(f"\nonly allowed include cycles between the folders of src/ "
          f"({len(allowed)} edges on {ALLOWED_FILE}, until the core redesign):")
    for c in cycles:
        print(f"  {chain(c)}")
    for e in sorted(on_cycle):
        where, text = edges[e][0]
        print(f"    {e[0]} -> {e[1]}: {where}: {text} ({len(edges[e])} include(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
