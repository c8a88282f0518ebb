"""Shared fixtures: the servers of the ctest `servers` fixture (GLIDE_TEST_SERVERS names their
servers.env), unique keys, and a bounded asyncio runner."""

import asyncio
import os
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bindings/python: the package

import glide_c  # noqa: E402


def _servers():
    path = os.environ.get("GLIDE_TEST_SERVERS")
    if not path:
        raise pytest.UsageError(
            "GLIDE_TEST_SERVERS is not set: point it at the servers.env written by "
            "tests/scripts/test_servers.sh start DIR (ctest does it)")
    env = {}
    for line in Path(path).read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep:
            env[name.strip()] = value.strip()
    return env


SERVERS = _servers()
HOST = SERVERS["GLIDE_TEST_HOST"]
CLUSTER_PORTS = [int(p) for p in SERVERS["GLIDE_TEST_CLUSTER_PORTS"].split(",") if p]
STANDALONE_PORT = int(SERVERS.get("GLIDE_TEST_STANDALONE_PORT") or 0)
TIMEOUT_S = 60  # no test may wait longer than this for anything


def cluster_config(**kwargs):
    return glide_c.GlideClusterClientConfiguration(
        [glide_c.NodeAddress(HOST, CLUSTER_PORTS[0])], **kwargs)


def standalone_config(**kwargs):
    if not STANDALONE_PORT:
        pytest.skip("no standalone server in servers.env")
    return glide_c.GlideClientConfiguration([glide_c.NodeAddress(HOST, STANDALONE_PORT)],
                                            **kwargs)


def run(coro, timeout=TIMEOUT_S):
    """Runs coro on a fresh event loop, failing (not hanging) after timeout seconds."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture
def key(request):
    """key("name") -> a key unique to this test run and test."""
    prefix = f"py:{uuid.uuid4().hex[:8]}:{request.node.name}:"
    return lambda name="k": prefix + name


@pytest.fixture
def sync_cluster():
    client = glide_c.sync.GlideClusterClient.create(cluster_config())
    yield client
    client.close()
