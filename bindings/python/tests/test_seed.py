"""The two examples of ClusterBatch.txt, verbatim, and every method it documents."""

import contextlib
import io
import socket
import textwrap

import pytest
from conftest import HOST, cluster_config, run

from glide_c import ClusterBatch, GlideClusterClient

# Copied verbatim from ClusterBatch.txt (Valkey GLIDE's Python ClusterBatch documentation). The
# doc spells the flag `false` and renders the output loosely; the test binds `false` to False and
# expects Python's own rendering of the result.
SEED_ATOMIC = """
>>> transaction = ClusterBatch(is_atomic=True) # Atomic (Transaction)
>>> transaction.set("key", "value")
>>> transaction.get("key")
>>> result = await client.exec(transaction, false)
>>> print(result)
[OK, b"value"]
"""

SEED_PIPELINE = """
>>> pipeline = ClusterBatch(is_atomic=False) # Non-Atomic (Pipeline)
>>> pipeline.set("key1", "value1")
>>> pipeline.set("key2", "value2")
>>> pipeline.get("key1")
>>> pipeline.get("key2")
>>> result = await client.exec(pipeline, false)
>>> print(result)
[OK, OK, b"value1", b"value2"]
"""


async def run_seed(text: str) -> str:
    """Runs the >>> lines of text as the body of a coroutine; returns what they printed."""
    body = "\n".join(line[4:] for line in text.splitlines() if line.startswith(">>> "))
    source = "async def seed(client, false):\n" + textwrap.indent(body, "    ")
    namespace = {"ClusterBatch": ClusterBatch}
    exec(compile(source, "<ClusterBatch.txt>", "exec"), namespace)
    client = await GlideClusterClient.create(cluster_config())
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            await namespace["seed"](client, False)
    finally:
        await client.close()
    return out.getvalue()


def test_seed_atomic_example():
    assert run(run_seed(SEED_ATOMIC)) == "['OK', b'value']\n"


def test_seed_pipeline_example():
    assert run(run_seed(SEED_PIPELINE)) == "['OK', 'OK', b'value1', b'value2']\n"


# ------------------------------------------------------------------ the four documented methods


def test_copy(key):
    src, dst = key("{c}src"), key("{c}dst")  # one slot: COPY is a two-key command

    async def go():
        client = await GlideClusterClient.create(cluster_config())
        try:
            b = ClusterBatch(is_atomic=False)
            b.set(src, "one").copy(src, dst).copy(src, dst).set(src, "two")
            b.copy(src, dst, replace=False).copy(src, dst, replace=True).get(dst)
            b.copy(key("{c}missing"), dst)
            assert await client.exec(b, raise_on_error=True) == [
                "OK", True, False, "OK", False, True, b"two", False]
            # Atomic too, and the client's own copy.
            t = ClusterBatch(is_atomic=True)
            t.delete([dst]).copy(src, dst).get(dst)
            assert await client.exec(t, False) == [1, True, b"two"]
            assert await client.copy(src, dst) is False
            assert await client.copy(src, dst, replace=True) is True
            await client.delete([src, dst])
        finally:
            await client.close()

    run(go())


class ShardSubscriber:
    """A raw RESP connection that SSUBSCRIBEs to channel on the node owning its slot."""

    def __init__(self, port: int, channel: str):
        self.sock = socket.create_connection((HOST, port), timeout=10)
        c = channel.encode()
        self.sock.sendall(b"*2\r\n$10\r\nSSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(c), c))
        data = b""
        while data.count(b"\r\n") < 6:  # *3 $10 ssubscribe $n channel :1
            chunk = self.sock.recv(4096)
            assert chunk, "the subscriber's connection closed"
            data += chunk
        assert b"ssubscribe" in data

    def close(self):
        self.sock.close()


async def _owner_port(client, channel: str) -> int:
    slot = await client.custom_command(["CLUSTER", "KEYSLOT", channel])
    for start, end, primary, *_ in await client.custom_command(["CLUSTER", "SLOTS"]):
        if start <= slot <= end:
            return primary[1]
    raise AssertionError(f"no owner for slot {slot}")


def test_publish_and_shard_pubsub(key):
    channel, quiet = key("chan"), key("quiet")

    async def go():
        client = await GlideClusterClient.create(cluster_config())
        sub = ShardSubscriber(await _owner_port(client, channel), channel)
        try:
            b = ClusterBatch(is_atomic=False)
            b.publish("hello", channel, sharded=True)   # SPUBLISH: one shard subscriber
            b.publish("hello", channel)                 # PUBLISH: no classic subscriber
            b.publish("hello", quiet, sharded=True)
            b.pubsub_shardchannels()
            b.pubsub_shardchannels(channel)
            b.pubsub_shardchannels(key("nomatch*"))
            b.pubsub_shardnumsub([channel, quiet])
            b.pubsub_shardnumsub()
            r = await client.exec(b, raise_on_error=True)
            assert r[0:3] == [1, 0, 0]
            assert channel.encode() in r[3] and all(isinstance(c, bytes) for c in r[3])
            assert r[4] == [channel.encode()]
            assert r[5] == []
            assert r[6] == {channel.encode(): 1, quiet.encode(): 0}
            assert r[7] == {}
            # The same through the client.
            assert await client.publish("again", channel, sharded=True) == 1
            assert await client.pubsub_shardnumsub([channel]) == {channel.encode(): 1}
            assert await client.pubsub_shardchannels(channel) == [channel.encode()]
        finally:
            sub.close()
            await client.close()

    run(go())


def test_seed_methods_default_arguments():
    b = ClusterBatch(is_atomic=False)
    b.copy("a", "b").publish("m", "c").pubsub_shardchannels().pubsub_shardnumsub()
    assert b.commands == [[b"COPY", b"a", b"b"], [b"PUBLISH", b"c", b"m"],
                          [b"PUBSUB", b"SHARDCHANNELS"], [b"PUBSUB", b"SHARDNUMSUB"]]


@pytest.mark.parametrize("call", [
    lambda b: b.copy(1, "b"),
    lambda b: b.copy("a", "b", replace="yes"),
    lambda b: b.publish(b"m", None),
    lambda b: b.publish("m", "c", sharded=1),
    lambda b: b.pubsub_shardchannels(3),
    lambda b: b.pubsub_shardnumsub("channel"),
])
def test_seed_methods_bad_arguments(call):
    b = ClusterBatch(is_atomic=True)
    with pytest.raises(TypeError):
        call(b)
    assert len(b) == 0  # nothing was added
