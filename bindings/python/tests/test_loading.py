"""How the library is found: GLIDE_C_LIBRARY alone when set, else the build tree, else the
system."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE_DIR = str(Path(__file__).resolve().parents[1])
PROBE = "import glide_c._ffi as f; print(f.lib._name); print(f.VERSION)"


def probe(env_value):
    env = dict(os.environ, PYTHONPATH=PACKAGE_DIR, PYTHONDONTWRITEBYTECODE="1")
    env.pop("GLIDE_C_LIBRARY", None)
    if env_value is not None:
        env["GLIDE_C_LIBRARY"] = env_value
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, timeout=60)


def test_explicit_path_is_the_only_candidate():
    r = probe("/nonexistent/libglide_c.so.0")
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "GLIDE_C_LIBRARY" in r.stderr


def test_explicit_path_is_used():
    path = os.environ.get("GLIDE_C_LIBRARY") or str(
        Path(PACKAGE_DIR).parents[1] / "build" / "libglide_c.so.0")
    r = probe(path)
    assert r.returncode == 0, r.stderr
    name, version = r.stdout.split()
    assert name == path and version.startswith("0.")


def test_without_the_variable_the_build_tree_is_used():
    build = Path(PACKAGE_DIR).parents[1] / "build" / "libglide_c.so.0"
    if not build.exists():
        pytest.skip("no <repo>/build/libglide_c.so.0 (built elsewhere)")
    r = probe(None)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == str(build)
