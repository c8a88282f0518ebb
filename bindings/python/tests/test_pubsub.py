"""Pub/sub against the servers fixture: configured and runtime subscriptions, callback and queue
delivery, RESP2 and RESP3, cluster and standalone."""

import asyncio
import queue
import time
import uuid

import pytest

import glide_c
from glide_c import PubSubMsg, PubSubSubscriptions
from glide_c.sync import GlideClient, GlideClusterClient

from conftest import cluster_config, run, standalone_config

Modes = glide_c.GlideClusterClientConfiguration.PubSubChannelModes
N = 20  # messages per channel


@pytest.fixture
def key():
    """Channel names unique to the test, free of glob characters (the test ids hold [])."""
    prefix = f"py:ps:{uuid.uuid4().hex[:12]}:"
    return lambda name="k": prefix + name


def _payload(i: int) -> bytes:
    return b"m\x00" + str(i).encode() + b"\x00\xff"  # NULs and a non-UTF-8 byte


def _collect(q: "queue.Queue", n: int):
    return [q.get(timeout=10) for _ in range(n)]


def _nothing_more(q: "queue.Queue", wait: float = 0.5) -> None:
    time.sleep(wait)
    assert q.empty(), f"unexpected message {q.get_nowait()!r}"


@pytest.mark.parametrize("protocol", [glide_c.ProtocolVersion.RESP3, glide_c.ProtocolVersion.RESP2])
def test_cluster_callback_exact_pattern_sharded(key, protocol):
    exact, pat, sharded = key("exact").encode(), key("pat:").encode(), key("shard").encode()
    received: "queue.Queue" = queue.Queue()
    subs = PubSubSubscriptions(
        channels_and_patterns={Modes.Exact: {exact}, Modes.Pattern: {pat + b"*"},
                               Modes.Sharded: {sharded}},
        callback=lambda msg, ctx: ctx.put(msg), context=received)
    with GlideClusterClient.create(cluster_config(pubsub_subscriptions=subs,
                                                  protocol=protocol)) as sub, \
            GlideClusterClient.create(cluster_config()) as pub:
        for i in range(N):
            pub.publish(_payload(i), exact)
            pub.publish(_payload(i), pat + b"x")
            assert pub.publish(_payload(i), sharded, sharded=True) == 1
        got = _collect(received, 3 * N)
        _nothing_more(received)
    by_channel = {}
    for m in got:
        assert isinstance(m, PubSubMsg)
        by_channel.setdefault(m.channel, []).append(m)
    assert set(by_channel) == {exact, pat + b"x", sharded}
    for channel, msgs in by_channel.items():
        assert [m.message for m in msgs] == [_payload(i) for i in range(N)], channel
        want = pat + b"*" if channel == pat + b"x" else None
        assert all(m.pattern == want for m in msgs)


def test_cluster_queue_runtime_subscribe_unsubscribe_resp2(key):
    ch, pat, sh = key("rt").encode(), key("rtp:").encode(), key("rts").encode()
    cfg = cluster_config(pubsub_subscriptions=PubSubSubscriptions(),  # no channels, no callback
                         protocol=glide_c.ProtocolVersion.RESP2)
    with GlideClusterClient.create(cfg) as sub, GlideClusterClient.create(cluster_config()) as pub:
        assert sub.try_get_pubsub_message() is None
        sub.subscribe({ch})
        sub.psubscribe([pat + b"*"])
        sub.ssubscribe([sh])
        sub.subscribe({ch})  # idempotent
        pub.publish(b"a\x00b", ch)
        pub.publish(b"c", pat + b"1")
        pub.publish(b"d", sh, sharded=True)
        got = [sub.get_pubsub_message(timeout=10) for _ in range(3)]
        assert sorted((m.channel, m.message, m.pattern) for m in got) == sorted([
            (ch, b"a\x00b", None), (pat + b"1", b"c", pat + b"*"), (sh, b"d", None)])
        sub.unsubscribe([ch])
        sub.punsubscribe()  # all patterns
        sub.sunsubscribe([sh])
        pub.publish(b"late", ch)
        pub.publish(b"late", pat + b"1")
        assert pub.publish(b"late", sh, sharded=True) == 0
        time.sleep(0.5)
        assert sub.try_get_pubsub_message() is None
        with pytest.raises(glide_c.TimeoutError):
            sub.get_pubsub_message(timeout=0.1)


def test_queue_is_bounded(key):
    sh = key("bound").encode()
    subs = PubSubSubscriptions({Modes.Sharded: {sh}}, max_queued_messages=5)
    with GlideClusterClient.create(cluster_config(pubsub_subscriptions=subs)) as sub, \
            GlideClusterClient.create(cluster_config()) as pub:
        for i in range(12):
            assert pub.publish(_payload(i), sh, sharded=True) == 1
        deadline = time.monotonic() + 10
        while sub.pubsub_messages_dropped() < 7 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sub.pubsub_messages_dropped() == 7
        # The oldest five stay, in order; the newer ones were dropped.
        assert [sub.try_get_pubsub_message().message for _ in range(5)] == \
            [_payload(i) for i in range(5)]
        assert sub.try_get_pubsub_message() is None
    with pytest.raises(ValueError):
        cluster_config(pubsub_subscriptions=PubSubSubscriptions(max_queued_messages=0))


def test_runtime_subscribe_needs_a_subscriber_client(sync_cluster, key):
    with pytest.raises(glide_c.ConfigurationError, match="without pubsub_subscriptions"):
        sync_cluster.subscribe({key("c")})
    with pytest.raises(glide_c.ConfigurationError, match="without pubsub_subscriptions"):
        sync_cluster.sunsubscribe()
    with pytest.raises(glide_c.ConfigurationError):
        sync_cluster.try_get_pubsub_message()


def test_configuration_is_checked():
    with pytest.raises(TypeError):
        cluster_config(pubsub_subscriptions={Modes.Exact: {"c"}})
    with pytest.raises(TypeError):
        cluster_config(pubsub_subscriptions=PubSubSubscriptions({Modes.Exact: "one-str"}))
    with pytest.raises(ValueError):
        cluster_config(pubsub_subscriptions=PubSubSubscriptions({Modes.Exact: {b""}}))
    with pytest.raises(ValueError):
        cluster_config(pubsub_subscriptions=PubSubSubscriptions({7: {"c"}}))
    # Standalone has no sharded mode.
    with pytest.raises(ValueError):
        glide_c.GlideClientConfiguration(
            [glide_c.NodeAddress()], pubsub_subscriptions=PubSubSubscriptions({Modes.Sharded: {"c"}}))
    assert glide_c.GlideClientConfiguration.PubSubChannelModes.Pattern == 1


def test_callback_mode_has_no_queue(key):
    subs = PubSubSubscriptions({Modes.Exact: {key("c")}}, callback=lambda m, c: None)
    with GlideClusterClient.create(cluster_config(pubsub_subscriptions=subs)) as sub:
        with pytest.raises(glide_c.ConfigurationError, match="callback"):
            sub.try_get_pubsub_message()


def test_async_cluster_queue_and_runtime(key):
    ch, sh = key("a").encode(), key("as").encode()

    async def main():
        sub = await glide_c.GlideClusterClient.create(cluster_config(
            pubsub_subscriptions=PubSubSubscriptions({Modes.Exact: {ch}})))
        pub = await glide_c.GlideClusterClient.create(cluster_config())
        try:
            for i in range(N):
                await pub.publish(_payload(i), ch)
            got = [await asyncio.wait_for(sub.get_pubsub_message(), 10) for _ in range(N)]
            assert [(m.channel, m.message, m.pattern) for m in got] == [
                (ch, _payload(i), None) for i in range(N)]
            await sub.ssubscribe([sh])
            assert await pub.publish(b"x\x00", sh, sharded=True) == 1
            m = await asyncio.wait_for(sub.get_pubsub_message(), 10)
            assert (m.channel, m.message) == (sh, b"x\x00")
            await sub.sunsubscribe()
            await sub.unsubscribe()
            assert await pub.publish(b"late", sh, sharded=True) == 0
            await pub.publish(b"late", ch)
            await asyncio.sleep(0.5)
            assert sub.try_get_pubsub_message() is None
            with pytest.raises(glide_c.ConfigurationError, match="without pubsub_subscriptions"):
                await pub.subscribe({ch})
        finally:
            await pub.close()
            await sub.close()
        with pytest.raises(glide_c.ClosingError):
            await sub.get_pubsub_message()

    run(main())


def test_async_callback_runs_on_the_loop(key):
    ch = key("cb").encode()

    async def main():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        seen = []

        def on_message(msg, ctx):
            assert asyncio.get_running_loop() is loop  # dispatched on the loop's thread
            ctx.append(msg)
            if len(ctx) == N and not done.done():
                done.set_result(None)

        sub = await glide_c.GlideClusterClient.create(cluster_config(
            pubsub_subscriptions=PubSubSubscriptions({Modes.Pattern: {ch + b"*"}}, on_message,
                                                     seen),
            protocol=glide_c.ProtocolVersion.RESP2))
        async with sub, await glide_c.GlideClusterClient.create(cluster_config()) as pub:
            for i in range(N):  # three channels: per-channel order (nodes relay PUBLISH)
                await pub.publish(_payload(i), ch + b"." + str(i % 3).encode())
            await asyncio.wait_for(done, 10)
        for c in range(3):
            channel = ch + b"." + str(c).encode()
            assert [m.message for m in seen if m.channel == channel] == [
                _payload(i) for i in range(N) if i % 3 == c]
        assert all(m.pattern == ch + b"*" for m in seen)

    run(main())


@pytest.mark.parametrize("protocol", [glide_c.ProtocolVersion.RESP3, glide_c.ProtocolVersion.RESP2])
def test_standalone(key, protocol):
    SModes = glide_c.GlideClientConfiguration.PubSubChannelModes
    ch, pat = key("s").encode(), key("sp:").encode()
    subs = PubSubSubscriptions({SModes.Exact: {ch}, SModes.Pattern: {pat + b"*"}})
    with GlideClient.create(standalone_config(pubsub_subscriptions=subs, protocol=protocol)) as sub, \
            GlideClient.create(standalone_config()) as pub:
        assert pub.publish(b"1\x00", ch) == 1
        assert pub.publish(b"2", pat + b"z") == 1
        a, b = sub.get_pubsub_message(timeout=10), sub.get_pubsub_message(timeout=10)
        assert (a.channel, a.message, a.pattern) == (ch, b"1\x00", None)
        assert (b.channel, b.message, b.pattern) == (pat + b"z", b"2", pat + b"*")
        sub.unsubscribe()
        assert pub.publish(b"3", ch) == 0
        sub.subscribe(["x" + key("str")])  # str channels too
        assert pub.publish(b"4", "x" + key("str")) == 1
        m = sub.get_pubsub_message(timeout=10)
        assert m.channel == ("x" + key("str")).encode()
