#!/usr/bin/env python3
"""check_source_lists.py - the CMake source lists and the files on disk agree.

The CMakeLists.txt files name their sources one by one (no GLOB), so a new or moved file is only
built once someone lists it. This check (ctest source_lists, labels unit;artefact) fails when
  - a file that must be built is named by no CMakeLists.txt that builds it:
      src/**/*.cpp                       -> CMakeLists.txt (GLIDE_CORE_SOURCES)
      tests/unit/test_*.c|cpp            -> tests/CMakeLists.txt (UNIT_TESTS)
      tests/integration/test_*.c|cpp     -> tests/CMakeLists.txt (INTEGRATION_*TESTS)
  - any CMakeLists.txt of the project (fuzz, bench and examples included) names a .c/.cpp/.h/.inc
    file that does not exist (e.g. one the core redesign moved).
A path counts as named when it appears in the CMake code (comments excluded) either relative to
that CMakeLists.txt's folder or after ${PROJECT_SOURCE_DIR}/, ${CMAKE_SOURCE_DIR}/ or
${CMAKE_CURRENT_SOURCE_DIR}/; paths built from other variables are not checked.

Usage: tools/check_source_lists.py [ROOT]   (ROOT defaults to the folder above tools/)
Exit status: 0 when the lists agree with the files, 1 otherwise (every problem is printed).
"""
import pathlib
import re
import sys

# (folder, file patterns, the CMakeLists.txt that must name them), relative to ROOT.
REQUIRED = [
    ("src", ["**/*.cpp"], "CMakeLists.txt"),
    ("tests/unit", ["test_*.c", "test_*.cpp"], "tests/CMakeLists.txt"),
    ("tests/integration", ["test_*.c", "test_*.cpp"], "tests/CMakeLists.txt"),
]
SOURCE_SUFFIXES = (".c", ".cpp", ".h", ".inc")
ROOT_VARS = ("${PROJECT_SOURCE_DIR}/", "${CMAKE_SOURCE_DIR}/")
HERE_VARS = ("${CMAKE_CURRENT_SOURCE_DIR}/",)
# A path-like token: letters, digits, _ . / - and ${VAR} references.
TOKEN = re.compile(r"(?:\$\{[A-Za-z0-9_]+\}|[A-Za-z0-9_./+-])+")


def strip_comments(text):
    """CMake code without # comments (a # inside a "quoted argument" is kept)."""
    out = []
    for line in text.splitlines():
        in_quote = False
        cut = len(line)
        for i, ch in enumerate(line):
            if ch == '"' and (i == 0 or line[i - 1] != "\\"):
                in_quote = not in_quote
            elif ch == "#" and not in_quote:
                cut = i
                break
        out.append(line[:cut])
    return "\n".join(out)


def named_paths(cmake_file, root):
    """{resolved path relative to root: line number} for every source path the file names."""
    here = cmake_file.parent
    names = {}
    code = strip_comments(cmake_file.read_text(encoding="utf-8"))
    for lineno, line in enumerate(code.splitlines(), 1):
        for tok in TOKEN.findall(line):
            if not tok.endswith(SOURCE_SUFFIXES) or tok.rsplit("/", 1)[-1].startswith("."):
                continue  # not a file name (e.g. the regex "\\.cpp$")
            if tok.startswith(ROOT_VARS):
                path = root / tok.split("}/", 1)[1]
            elif tok.startswith(HERE_VARS):
                path = here / tok.split("}/", 1)[1]
            elif "$" in tok:
                continue  # built from another variable: not ours to resolve
            else:
                path = here / tok
            path = path.resolve()
            if path.is_relative_to(root):  # root is resolved by the caller
                names.setdefault(path.relative_to(root).as_posix(), lineno)
    return names


def cmake_files(root):
    """Every CMakeLists.txt of the project, not those of build trees (build*/, hidden folders)."""
    found = []
    for f in sorted(root.rglob("CMakeLists.txt")):
        parts = f.relative_to(root).parts[:-1]
        if any(p.startswith(("build", ".")) or p == "_deps" for p in parts):
            continue
        found.append(f)
    return found


def main(argv):
    root = pathlib.Path(argv[1] if len(argv) > 1 else pathlib.Path(__file__).parent.parent)
    root = root.resolve()
    named = {}  # CMakeLists.txt (relative) -> {path: line}
    for f in cmake_files(root):
        named[f.relative_to(root).as_posix()] = named_paths(f, root)

    problems = []
    for folder, patterns, lister in REQUIRED:
        listed = named.get(lister, {})
        for pattern in patterns:
            for f in sorted((root / folder).glob(pattern)):
                rel = f.relative_to(root).as_posix()
                if rel not in listed:
                    problems.append(f"{rel} exists but {lister} does not list it")
    for lister, paths in sorted(named.items()):
        for rel, lineno in sorted(paths.items()):
            if not (root / rel).is_file():
                problems.append(f"{lister}:{lineno} names {rel}, which does not exist")

    if problems:
        for p in problems:
            print(f"source_lists: {p}")
        print(f"source_lists: {len(problems)} problem(s); list sources one per line, "
              "alphabetically, in the CMakeLists.txt named above")
        return 1
    total = sum(len(p) for p in named.values())
    print(f"source_lists: {len(named)} CMakeLists.txt name {total} source paths, all present; "
          "every source that must be built is listed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
