"""exec and the async client: errors both ways, WATCH, timeouts, routes, binary data,
concurrency, close with requests pending, and no leaked reply trees."""

import asyncio
import ctypes
import gc
import os

import pytest
from conftest import CLUSTER_PORTS, HOST, cluster_config, run

import glide_c
from glide_c import (
    BatchRetryStrategy,
    ByAddressRoute,
    ClosingError,
    ClusterBatch,
    ClusterBatchOptions,
    ExecAbortError,
    GlideClusterClient,
    RandomNode,
    RequestError,
    SlotIdRoute,
    SlotKeyRoute,
    SlotType,
    TimeoutError,
)
from glide_c import _ffi


async def client_for_test(**kwargs):
    return await GlideClusterClient.create(cluster_config(**kwargs))


# ------------------------------------------------------------------ errors both ways


def test_raise_on_error_false_returns_errors_in_place(key):
    k, h = key("str"), key("hash")

    async def go():
        client = await client_for_test()
        try:
            b = ClusterBatch(is_atomic=False)
            b.set(k, "v").incr(k).hset(h, {"f": "v"}).lpush(h, ["x"]).get(k)
            r = await client.exec(b, raise_on_error=False)
            assert r[0] == "OK" and r[2] == 1 and r[4] == b"v"
            assert isinstance(r[1], RequestError) and r[1].kind == "SERVER"
            assert str(r[1]).startswith("ERR value is not an integer")
            assert isinstance(r[3], RequestError) and str(r[3]).startswith("WRONGTYPE")
            # Atomic: the errors of EXEC's answer stay in place too.
            t = ClusterBatch(is_atomic=True)
            t.set(k, "w").incr(k).get(k)
            r = await client.exec(t, raise_on_error=False)
            assert r[0] == "OK" and isinstance(r[1], RequestError) and r[2] == b"w"
        finally:
            await client.close()

    run(go())


def test_raise_on_error_true_raises_the_first_error(key):
    k, h = key("str"), key("hash")

    async def go():
        client = await client_for_test()
        try:
            await client.hset(h, {"f": "v"})
            b = ClusterBatch(is_atomic=False)
            b.set(k, "v").lpush(h, ["x"]).incr(k)
            with pytest.raises(RequestError, match="^WRONGTYPE") as e:
                await client.exec(b, raise_on_error=True)
            assert e.value.kind == "SERVER"
            t = ClusterBatch(is_atomic=True).set(k, "v").incr(k)
            with pytest.raises(RequestError, match="not an integer"):
                await client.exec(t, True)
            # A single command's error is raised.
            with pytest.raises(RequestError, match="^WRONGTYPE"):
                await client.get(h)
        finally:
            await client.close()

    run(go())


def test_exec_abort_crossslot_and_unknown_command(key):
    async def go():
        client = await client_for_test()
        try:
            # A command the server refuses while queueing: EXEC answers EXECABORT.
            t = ClusterBatch(is_atomic=True).set(key("a"), "v").custom_command(["SET", key("a")])
            for raise_on_error in (False, True):
                with pytest.raises(ExecAbortError) as e:
                    await client.exec(t, raise_on_error)
                assert e.value.kind == "EXEC_ABORT"
            # An atomic batch over several slots is refused before anything is sent.
            t = ClusterBatch(is_atomic=True).set(key("{x}a"), "v").set(key("{y}b"), "v")
            with pytest.raises(RequestError) as e:
                await client.exec(t, False)
            assert e.value.kind == "CROSSSLOT"
            r = await client.exec(ClusterBatch(False).custom_command(["NOSUCHCOMMAND"]), False)
            assert isinstance(r[0], RequestError)
        finally:
            await client.close()

    run(go())


def test_watch_abort_returns_none(key):
    k = key("{w}k")

    async def go():
        client = await client_for_test()
        other = await client_for_test()
        try:
            await client.set(k, "orig")
            assert await client.watch([k]) == "OK"
            await other.set(k, "changed")  # another connection changes the WATCHed key
            t = ClusterBatch(is_atomic=True).set(k, "mine").get(k)
            assert await client.exec(t, raise_on_error=False) is None
            assert await client.get(k) == b"changed"
            # Without interference the transaction runs; unwatch forgets the key.
            await client.watch([k])
            assert await client.exec(t, raise_on_error=True) == ["OK", b"mine"]
            await client.watch([k])
            assert await client.unwatch() == "OK"
            await other.set(k, "again")
            assert await client.exec(t, False) == ["OK", b"mine"]
            # The blocking client too.
            sync = glide_c.sync.GlideClusterClient.create(cluster_config())
            try:
                sync.watch([k])
                other_sync = glide_c.sync.GlideClusterClient.create(cluster_config())
                other_sync.set(k, "x")
                other_sync.close()
                assert sync.exec(t, True) is None
            finally:
                sync.close()
        finally:
            await client.close()
            await other.close()

    run(go())


# ------------------------------------------------------------------ options


def test_batch_timeout(key):
    k = key("list")

    async def go():
        # Its own client: the BLPOP left behind keeps that connection busy for 2 s.
        client = await client_for_test()
        try:
            b = ClusterBatch(is_atomic=False).custom_command(["BLPOP", k, "2"])
            opts = ClusterBatchOptions(timeout=200)
            with pytest.raises(TimeoutError) as e:
                await client.exec(b, True, opts)
            assert e.value.kind == "TIMEOUT"
            r = await client.exec(b, False, ClusterBatchOptions(timeout=200))
            assert isinstance(r[0], TimeoutError)
        finally:
            await client.close()

    run(go())


def test_routes_and_retry_strategy(key):
    port = CLUSTER_PORTS[0]

    async def go():
        client = await client_for_test()
        try:
            b = ClusterBatch(is_atomic=False).custom_command(["CONFIG", "GET", "port"])
            by_address = ClusterBatchOptions(route=ByAddressRoute(HOST, port))
            assert await client.exec(b, True, by_address) == [{b"port": str(port).encode()}]
            by_string = ClusterBatchOptions(route=ByAddressRoute(f"{HOST}:{port}"))
            assert await client.exec(b, True, by_string) == [{b"port": str(port).encode()}]
            k = key("routed")
            slot = await client.custom_command(["CLUSTER", "KEYSLOT", k])
            by_key = await client.exec(b, True, ClusterBatchOptions(
                route=SlotKeyRoute(SlotType.PRIMARY, k)))
            by_slot = await client.exec(b, True, ClusterBatchOptions(
                route=SlotIdRoute(SlotType.PRIMARY, slot)))
            assert by_key == by_slot
            r = await client.exec(b, True, ClusterBatchOptions(route=RandomNode()))
            assert int(r[0][b"port"]) in CLUSTER_PORTS
            retry = ClusterBatchOptions(timeout=5000, retry_strategy=BatchRetryStrategy(
                retry_server_error=True, retry_connection_error=True))
            assert await client.exec(ClusterBatch(False).get(k), True, retry) == [None]
        finally:
            await client.close()

    run(go())


# ------------------------------------------------------------------ binary data


def test_binary_keys_and_values(key):
    keys = [key("nul\x00key").encode(), b"\xff\xfe" + key("bin").encode(), key("é€").encode()]
    values = [b"\x00", b"\xff\x00\xfe" * 1000, "żółw".encode(), b""]

    async def go():
        client = await client_for_test()
        try:
            b = ClusterBatch(is_atomic=False)
            for k in keys:
                for v in values:
                    b.set(k, v).get(k)
            r = await client.exec(b, True)
            expected = [x for _ in keys for v in values for x in ("OK", v)]
            assert r == expected
            h = keys[0]
            await client.hset(h + b"h", {b"\x00f": b"\x80v"})
            assert await client.hgetall(h + b"h") == {b"\x00f": b"\x80v"}
            # str keys are UTF-8 and address the same key as their bytes.
            assert await client.get(keys[2].decode()) == b""
            await client.delete(keys + [h + b"h"])
        finally:
            await client.close()

    run(go())


# ------------------------------------------------------------------ concurrency and close


def test_1000_concurrent_execs(key):
    async def go():
        client = await client_for_test()
        try:
            async def one(i):
                k = key(f"c{i}")
                b = ClusterBatch(is_atomic=(i % 2 == 0))
                b.set(k, str(i)).get(k).delete([k])
                return await client.exec(b, raise_on_error=True)

            results = await asyncio.gather(*(one(i) for i in range(1000)))
            assert results == [["OK", str(i).encode(), 1] for i in range(1000)]
            assert client._pending == {}
        finally:
            await client.close()

    run(go())


def test_close_with_requests_pending(key):
    k = key("blocked")

    async def go():
        client = await client_for_test(request_timeout=10_000)
        command = asyncio.ensure_future(client.custom_command(["BLPOP", k, "5"]))
        b = ClusterBatch(is_atomic=False).custom_command(["BLPOP", k, "5"])
        batch_in_place = asyncio.ensure_future(client.exec(b, raise_on_error=False))
        batch_raising = asyncio.ensure_future(client.exec(b, raise_on_error=True))
        await asyncio.sleep(0.2)  # sent and blocked on the server
        assert not (command.done() or batch_in_place.done() or batch_raising.done())
        await client.close()
        # Resolved by close itself, each exactly once.
        with pytest.raises(ClosingError) as e:
            await asyncio.wait_for(command, 1)
        assert e.value.kind == "CLOSING"
        r = await asyncio.wait_for(batch_in_place, 1)
        assert len(r) == 1 and isinstance(r[0], ClosingError)
        with pytest.raises(ClosingError):
            await asyncio.wait_for(batch_raising, 1)
        assert client._pending == {}
        # A closed client refuses at once, and closing twice is harmless.
        with pytest.raises(ClosingError):
            await client.get(k)
        with pytest.raises(ClosingError):
            await client.exec(ClusterBatch(False).get(k), False)
        await client.close()

    run(go())


def test_close_with_completions_queued(key):
    async def go():
        client = await client_for_test()
        futures = [asyncio.ensure_future(client.set(key(str(i)), "v")) for i in range(200)]
        await client.close()  # no loop turn in between: completions are still queued or pending
        done = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), 5)
        assert all(r == "OK" or isinstance(r, ClosingError) for r in done)

    run(go())


def test_cancelled_request_does_not_break_the_client(key):
    k = key("k")

    async def go():
        client = await client_for_test()
        try:
            task = asyncio.ensure_future(client.set(k, "v"))
            task.cancel()  # sent already: its reply arrives later and is dropped
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await client.get(k) == b"v"
            assert client._pending == {}
        finally:
            await client.close()

    run(go())


def test_create_failures():
    async def go():
        bad = glide_c.GlideClusterClientConfiguration(
            [glide_c.NodeAddress(HOST, 1)],
            advanced_config=glide_c.AdvancedGlideClusterClientConfiguration(
                connection_timeout=500))
        with pytest.raises(glide_c.ConnectionError):
            await GlideClusterClient.create(bad)
        with pytest.raises(TypeError):
            await GlideClusterClient.create(
                glide_c.GlideClientConfiguration([glide_c.NodeAddress(HOST, 1)]))
        # TLS to a plain-text cluster: the TLS handshake never completes (a TLS error, no hang).
        with pytest.raises(glide_c.ConnectionError) as tls_failure:
            await GlideClusterClient.create(cluster_config(use_tls=True))
        assert "TLS" in str(tls_failure.value)
        with pytest.raises(TypeError):
            GlideClusterClient()

    run(go())


def test_exec_bad_arguments():
    async def go():
        client = await client_for_test()
        try:
            b = ClusterBatch(is_atomic=True).get("k")
            with pytest.raises(TypeError):
                await client.exec(b, "false")
            with pytest.raises(TypeError):
                await client.exec(glide_c.Batch(is_atomic=False).get("k"), False)
            with pytest.raises(ValueError):
                await client.exec(ClusterBatch(is_atomic=False), False)
            with pytest.raises(TypeError):
                await client.exec(b, False, glide_c.BatchOptions())
            with pytest.raises(ValueError):
                await client.exec(b, False, ClusterBatchOptions(
                    retry_strategy=BatchRetryStrategy(retry_server_error=True)))
            for make in (lambda: ClusterBatchOptions(timeout=0),
                         lambda: SlotIdRoute(SlotType.PRIMARY, 16384),
                         lambda: ByAddressRoute("nohost"),
                         lambda: glide_c.NodeAddress(HOST, 0)):
                with pytest.raises(ValueError):
                    make()
            with pytest.raises(TypeError):
                ClusterBatch(is_atomic=1)
            with pytest.raises(TypeError):
                ClusterBatchOptions(route="random")
            assert client._pending == {}
        finally:
            await client.close()

    run(go())


# ------------------------------------------------------------------ the reply tree


def test_struct_reader_agrees_with_glide_value_children(key):
    """The converter reads struct glide_value directly; glide_value_children must see the same
    children at the same addresses."""
    client = glide_c.sync.GlideClusterClient.create(cluster_config())
    k = key("h")
    try:
        client.hset(k, {"a": "1", "b": "2"})
        argv = [b"HGETALL", k.encode()]
        keep, ptrs, lens = _ffi.argv(argv)  # noqa: F841 - alive through the call
        root = _ffi.lib.glide_client_command(client._handle, 2, ptrs, lens)
        try:
            value = _ffi.GlideValue.from_address(root)
            assert value.type == _ffi.MAP and value.u.aggregate.len == 2
            kids = _ffi.children(root)
            assert kids == [value.u.aggregate.items + i * ctypes.sizeof(_ffi.GlideValue)
                            for i in range(4)]
            assert [_ffi.value_at(a) for a in kids] == [b"a", b"1", b"b", b"2"]
            assert _ffi.value_at(root) == {b"a": b"1", b"b": b"2"}
        finally:
            _ffi.lib.glide_value_free(root)
    finally:
        client.close()


def _rss_kib() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def test_reply_trees_are_freed(key):
    """300 execs of 100 GETs of 4 KiB values: 120 MiB of replies if roots were not freed."""
    keys = [key(f"{{leak}}{i}") for i in range(100)]
    value = b"x" * 4096

    async def go():
        client = await client_for_test()
        try:
            await client.mset({k: value for k in keys})
            b = ClusterBatch(is_atomic=False)
            for k in keys:
                b.get(k)
            for _ in range(30):  # warm up allocators
                await client.exec(b, True)
            gc.collect()
            before = _rss_kib()
            for _ in range(300):
                r = await client.exec(b, True)
                assert r[0] == value
            gc.collect()
            grown = _rss_kib() - before
            assert grown < 30 * 1024, f"RSS grew by {grown} KiB"
            await client.delete(keys)
        finally:
            await client.close()

    run(go())


def test_every_resp3_type_converts(sync_cluster):
    """DEBUG PROTOCOL answers each RESP3 type (the test servers allow DEBUG from loopback)."""
    expected = {
        "string": b"Hello World", "integer": 12345, "double": 3.141,
        "bignum": 1234567999999999999999999999999999999, "null": None, "array": [0, 1, 2],
        "set": {0, 1, 2}, "map": {0: False, 1: True, 2: False}, "true": True, "false": False,
        "verbatim": b"This is a verbatim\nstring",
        "attrib": b"Some real reply following the attribute",
    }
    b = ClusterBatch(is_atomic=False)
    for name in expected:
        b.custom_command(["DEBUG", "PROTOCOL", name])
    assert sync_cluster.exec(b, True) == list(expected.values())
    assert type(sync_cluster.custom_command(["DEBUG", "PROTOCOL", "true"])) is bool
    big = b"\x00" * (8 << 20)
    assert sync_cluster.set("py:big", big) == "OK" and sync_cluster.get("py:big") == big
    assert sync_cluster.delete(["py:big"]) == 1
