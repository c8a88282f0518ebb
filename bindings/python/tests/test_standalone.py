"""Batch and GlideClient against the standalone server (GLIDE_TEST_STANDALONE_PORT)."""

import pytest
from conftest import run, standalone_config

import glide_c
from glide_c import Batch, BatchOptions, GlideClient, RequestError, TimeoutError


def test_standalone_batch_async(key):
    k1, k2, lst = key("a"), key("b"), key("l")

    async def go():
        client = await GlideClient.create(standalone_config())
        try:
            pipeline = Batch(is_atomic=False)
            pipeline.set(k1, "value1").set(k2, "value2").get(k1).get(k2)
            assert await client.exec(pipeline, False) == ["OK", "OK", b"value1", b"value2"]
            t = Batch(is_atomic=True)
            t.mset({k1: "1", k2: "2"}).mget([k1, k2]).incr(k1).rpush(lst, ["x"]).lrange(lst, 0, -1)
            t.copy(k1, k2).copy(k1, k2, replace=True).copy(k1, k1, destinationDB=1, replace=True)
            t.publish("msg", key("channel")).delete([k1, k2, lst])
            r = await client.exec(t, raise_on_error=True, options=BatchOptions(timeout=2000))
            assert r == ["OK", [b"1", b"2"], 2, 1, [b"x"], False, True, True, 0, 3]
            t = Batch(is_atomic=True).set(k1, "v").incr(k1)
            with pytest.raises(RequestError):
                await client.exec(t, True)
            assert isinstance((await client.exec(t, False))[1], RequestError)
            with pytest.raises(TimeoutError):
                await client.exec(Batch(False).custom_command(["BLPOP", lst, "1"]), True,
                                  BatchOptions(timeout=100))
        finally:
            await client.close()

    run(go())


def test_standalone_watch_and_database(key):
    k = key("w")

    async def go():
        client = await GlideClient.create(standalone_config())
        other = await GlideClient.create(standalone_config(database_id=1))
        try:
            await client.set(k, "orig")
            await client.watch([k])
            assert await other.set(k, "db1") == "OK"  # database 1: not the WATCHed key
            t = Batch(is_atomic=True).set(k, "mine").get(k)
            assert await client.exec(t, False) == ["OK", b"mine"]
            await client.watch([k])
            await client.custom_command(["SET", k, "changed"])  # same connection: still a change
            assert await client.exec(t, False) is None
            assert await other.get(k) == b"db1"
            await other.delete([k])
            await client.delete([k])
        finally:
            await client.close()
            await other.close()

    run(go())


def test_standalone_sync(key):
    k = key("s")
    with glide_c.sync.GlideClient.create(standalone_config()) as client:
        assert client.set(k, b"\x00\xff") == "OK"
        assert client.get(k) == b"\x00\xff"
        b = Batch(is_atomic=False).get(k).delete([k]).exists([k])
        assert client.exec(b, True) == [b"\x00\xff", 1, 0]
        with pytest.raises(TypeError):
            client.exec(glide_c.ClusterBatch(False).get(k), True)
    with pytest.raises(glide_c.ClosingError):
        client.get(k)
