#!/usr/bin/env python3
"""check_include_cycles.py - no include cycle between the folders of src/.

Each file src/<folder>/... belongs to <folder> (a file right in src/ to "src"). A file of folder
A that includes (#include "...") a file of folder B != A makes the edge A -> B. The folders must
form an acyclic graph, so that each one can be understood (and tested) with only the folders
below it.

The check (ctest include_cycles, labels unit;artefact) fails on every cycle, each printed as a
folder chain with one include line (file:line) per edge. It always prints the graph
(folder -> folders). (Until the core redesign a list of allowed edges let the old cycles pass
while they were taken apart; the last went with it, and no cycle is allowed any more.)

An include is resolved like the compiler does for glide_core: next to the including file, then
under src/, then under include/; one that resolves outside src/ (glide_c.h, system headers)
makes no edge. Scanned: src/**/*.{h,cpp,inc} (the .inc files are included code too).

Usage: tools/check_include_cycles.py [ROOT]   (ROOT defaults to the folder above tools/)
Exit status: 0 when there is no cycle, 1 otherwise.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SUFFIXES = (".h", ".cpp", ".inc")
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


def elementary_cycles(nodes, succ, limit):
    """Every elementary cycle (as a node list, smallest node first), at most limit of them."""
    cycles = []
    order = sorted(nodes)
    for i, s in enumerate(order):
        later_nodes = set(order[i:])  # cycles through s whose other nodes sort after s

        def walk(path, seen):
            for w in sorted(succ.get(path[-1], ())):
                if len(cycles) >= limit:
                    return
                if w == s:
                    cycles.append(list(path))
                elif w in later_nodes and w not in seen:
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
    succ = {}
    for a, b in edges:
        succ.setdefault(a, set()).add(b)
    print("include graph between the folders of src/ (folder -> folders it includes):")
    for a in sorted(folders):
        print(f"  {a} -> {', '.join(sorted(succ.get(a, ()))) or '(nothing)'}")

    cycles = elementary_cycles(folders, succ, MAX_CYCLES_PRINTED)
    if not cycles:
        print("\nno include cycle between the folders of src/")
        return 0
    print("\ninclude cycles between the folders of src/ (none is allowed):")
    for c in cycles:
        print(f"  {chain(c)}")
        for e in cycle_edges(c):
            where, text = edges[e][0]
            print(f"    {e[0]} -> {e[1]}: {where}: {text} ({len(edges[e])} include(s))")
    if len(cycles) >= MAX_CYCLES_PRINTED:
        print(f"  (stopped after {MAX_CYCLES_PRINTED} cycles)")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
