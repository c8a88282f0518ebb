"""GLIDE's string, key, hash, list, set and sorted-set methods: arguments, reply types, chaining;
through a batch, the async client and the blocking client."""

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from conftest import cluster_config, run

import glide_c
from glide_c import (
    ClusterBatch,
    ConditionalChange,
    ExpireOptions,
    ExpirySet,
    ExpiryType,
    GlideClusterClient,
    InfBound,
    LexBoundary,
    Limit,
    RangeByIndex,
    RangeByLex,
    RangeByScore,
    ScoreBoundary,
    UpdateOptions,
)


def exec_sync(batch):
    client = glide_c.sync.GlideClusterClient.create(cluster_config())
    try:
        return client.exec(batch, raise_on_error=True)
    finally:
        client.close()


def test_every_method_returns_the_batch():
    b = ClusterBatch(is_atomic=False)
    calls = [
        lambda: b.set("k", "v"), lambda: b.get("k"), lambda: b.mset({"k": "v"}),
        lambda: b.mget(["k"]), lambda: b.delete(["k"]), lambda: b.exists(["k"]),
        lambda: b.expire("k", 1), lambda: b.ttl("k"), lambda: b.incr("k"),
        lambda: b.incrby("k", 2), lambda: b.hset("h", {"f": "v"}), lambda: b.hget("h", "f"),
        lambda: b.hgetall("h"), lambda: b.lpush("l", ["a"]), lambda: b.rpush("l", ["b"]),
        lambda: b.lrange("l", 0, -1), lambda: b.sadd("s", ["a"]), lambda: b.smembers("s"),
        lambda: b.zadd("z", {"a": 1}), lambda: b.zrange("z", RangeByIndex(0, -1)),
        lambda: b.custom_command(["PING"]), lambda: b.copy("a", "b"),
        lambda: b.publish("m", "c"), lambda: b.pubsub_shardchannels(),
        lambda: b.pubsub_shardnumsub(),
    ]
    for i, call in enumerate(calls, 1):
        assert call() is b
        assert len(b) == i


def test_strings_and_set_options(key):
    k, k2 = key("{s}a"), key("{s}b")
    past = datetime.now(timezone.utc) + timedelta(hours=1)
    b = ClusterBatch(is_atomic=True)  # one slot: a transaction
    b.set(k, "v1")                                                        # 0
    b.set(k, "v2", conditional_set=ConditionalChange.ONLY_IF_DOES_NOT_EXIST)  # 1 None
    b.set(k, "v3", conditional_set=ConditionalChange.ONLY_IF_EXISTS)      # 2 OK
    b.set(k2, "x", conditional_set=ConditionalChange.ONLY_IF_EXISTS)      # 3 None
    b.set(k, "v4", return_old_value=True)                                 # 4 b"v3"
    b.set(k, "v5", expiry=ExpirySet(ExpiryType.SEC, 100))                 # 5
    b.ttl(k)                                                              # 6 100
    b.set(k, "v6", expiry=ExpirySet(ExpiryType.KEEP_TTL, None))           # 7
    b.ttl(k)                                                              # 8 100
    b.set(k, "v7", expiry=ExpirySet(ExpiryType.MILLSEC, timedelta(seconds=50)))  # 9
    b.pttl(k)                                                             # 10
    b.set(k, "v8", expiry=ExpirySet(ExpiryType.UNIX_SEC, past))           # 11
    b.set(k, "v9", expiry=ExpirySet(ExpiryType.UNIX_MILLSEC, int(past.timestamp() * 1000)))
    b.ttl(k)                                                              # 13
    b.get(k)                                                              # 14
    b.get(k2)                                                             # 15 None
    b.append(k, "!")                                                      # 16 3
    b.strlen(k)                                                           # 17
    b.getrange(k, 0, 1)                                                   # 18
    b.mset({k: "10", k2: "20"})                                           # 19
    b.mget([k, k2, key("{s}none")])                                       # 20
    b.incr(k).incrby(k, 5).decr(k).decrby(k, 2).incrbyfloat(k, 0.5)       # 21..25
    b.getdel(k2).exists([k, k2, k])                                       # 26, 27
    r = exec_sync(b)
    assert r[0:5] == ["OK", None, "OK", None, b"v3"]
    assert r[5] == "OK" and 99 <= r[6] <= 100
    assert r[7] == "OK" and 99 <= r[8] <= 100
    assert r[9] == "OK" and 49_000 <= r[10] <= 50_000
    assert r[11] == "OK" and r[12] == "OK" and 3500 <= r[13] <= 3600
    assert r[14:16] == [b"v9", None]
    assert r[16:19] == [3, 3, b"v9"]
    assert r[19:21] == ["OK", [b"10", b"20", None]]
    assert r[21:26] == [11, 16, 15, 13, 13.5]
    assert isinstance(r[25], float)
    assert r[26:28] == [b"20", 2]


def test_keys(key):
    k, other = key("a"), key("b")

    async def go():
        client = await GlideClusterClient.create(cluster_config())
        try:
            assert await client.set(k, "v") == "OK"
            assert await client.expire(k, 100) is True
            assert await client.expire(k, 50, ExpireOptions.NewExpiryGreaterThanCurrent) is False
            assert await client.expire(key("none"), 100) is False
            assert 99 <= await client.ttl(k) <= 100
            assert await client.pexpire(k, 200_000) is True
            assert 199_000 <= await client.pttl(k) <= 200_000
            assert await client.persist(k) is True
            assert await client.ttl(k) == -1
            assert await client.ttl(key("none")) == -2
            assert await client.set(other, "w") == "OK"
            # Keys in different slots: the core splits and sums (one element per command).
            assert await client.exists([k, other, key("none")]) == 2
            assert await client.touch([k, other]) == 2
            assert await client.delete([k, other, key("none")]) == 2
            assert await client.unlink([k]) == 0
            src, dst = key("{r}src"), key("{r}dst")
            await client.set(src, "v")
            assert await client.rename(src, dst) == "OK"
            assert await client.get(dst) == b"v"
            await client.delete([dst])
        finally:
            await client.close()

    run(go())


def test_hashes(key):
    h = key("h")
    b = ClusterBatch(is_atomic=False)
    b.hset(h, {"f1": "v1", b"f2": b"v2"}).hget(h, "f1").hget(h, "nope").hgetall(h)
    b.hgetall(key("none")).hsetnx(h, "f1", "x").hsetnx(h, "f3", "3").hexists(h, "f3")
    b.hmget(h, ["f1", "nope"]).hdel(h, ["f3", "nope"]).hlen(h).hkeys(h).hvals(h)
    b.hincrby(h, "n", 5).hincrbyfloat(h, "n", 1.5)
    r = exec_sync(b)
    assert r[0:5] == [2, b"v1", None, {b"f1": b"v1", b"f2": b"v2"}, {}]
    assert r[5:8] == [False, True, True]
    assert r[8:11] == [[b"v1", None], 1, 2]
    assert sorted(r[11]) == [b"f1", b"f2"] and sorted(r[12]) == [b"v1", b"v2"]
    assert r[13:] == [5, 6.5]


def test_lists(key):
    lst = key("l")
    b = ClusterBatch(is_atomic=False)
    b.rpush(lst, ["a", "b"]).lpush(lst, ["z"]).lrange(lst, 0, -1).llen(lst).lindex(lst, 1)
    b.lindex(lst, 99).lset(lst, 0, "y").lpop(lst).rpop(lst).rpush(lst, ["c", "c", "d"])
    b.lrem(lst, 2, "c").lpop_count(lst, 5).rpop_count(key("none"), 1).ltrim(lst, 0, 1)
    r = exec_sync(b)
    assert r[0:6] == [2, 3, [b"z", b"a", b"b"], 3, b"a", None]
    assert r[6:9] == ["OK", b"y", b"b"]
    assert r[9:] == [4, 2, [b"a", b"d"], None, "OK"]


def test_sets(key):
    s = key("s")
    b = ClusterBatch(is_atomic=False)
    b.sadd(s, ["a", "b", "a"]).smembers(s).smembers(key("none")).sismember(s, "a")
    b.sismember(s, "x").srem(s, ["a", "x"]).scard(s)
    r = exec_sync(b)
    assert r == [2, {b"a", b"b"}, set(), True, False, 1, 1]
    assert isinstance(r[1], set)


def test_sorted_sets(key):
    z = key("z")
    b = ClusterBatch(is_atomic=False)
    b.zadd(z, {"a": 1, "b": 2.5, "c": 3})                                 # 0: 3
    b.zadd(z, {"a": 5}, existing_options=ConditionalChange.ONLY_IF_DOES_NOT_EXIST)  # 1: 0
    b.zadd(z, {"a": 0.5, "d": 4}, update_condition=UpdateOptions.GREATER_THAN,
           changed=True)                                                  # 2: 1 (d added)
    b.zrange(z, RangeByIndex(0, -1))                                       # 3
    b.zrange(z, RangeByIndex(0, 1), reverse=True)                          # 4
    b.zrange(z, RangeByScore(ScoreBoundary(2.5), InfBound.POS_INF))        # 5
    b.zrange(z, RangeByScore(ScoreBoundary(2.5, is_inclusive=False), InfBound.POS_INF,
                             Limit(0, 1)))                                 # 6
    b.zrange_withscores(z, RangeByIndex(0, -1))                            # 7
    b.zscore(z, "b").zscore(z, "nope").zcard(z).zincrby(z, 1, "a").zrank(z, "a")  # 8..12
    b.zadd_incr(z, "a", 2.0).zrem(z, ["a", "nope"])                       # 13, 14
    r = exec_sync(b)
    assert r[0:3] == [3, 0, 1]
    assert r[3] == [b"a", b"b", b"c", b"d"]
    assert r[4] == [b"d", b"c"]
    assert r[5] == [b"b", b"c", b"d"]
    assert r[6] == [b"c"]
    assert r[7] == {b"a": 1.0, b"b": 2.5, b"c": 3.0, b"d": 4.0}
    assert list(r[7]) == [b"a", b"b", b"c", b"d"]  # range order kept
    assert r[8:13] == [2.5, None, 4, 2.0, 0]
    assert r[13:] == [4.0, 1]

    lex = key("lex")
    b = ClusterBatch(is_atomic=False)
    b.zadd(lex, {"a": 0, "b": 0, "c": 0})
    b.zrange(lex, RangeByLex(LexBoundary("b"), InfBound.POS_INF))
    b.zrange(lex, RangeByLex(InfBound.NEG_INF, LexBoundary("c", is_inclusive=False)))
    assert exec_sync(b) == [3, [b"b", b"c"], [b"a", b"b"]]


def test_server_and_custom(key):
    k = key("k")

    async def go():
        client = await GlideClusterClient.create(cluster_config())
        try:
            assert await client.ping() == "PONG"
            assert await client.echo(b"\x00hi") == b"\x00hi"
            assert await client.custom_command(["SET", k, "1"]) == "OK"
            assert await client.custom_command([b"INCRBY", k.encode(), b"41"]) == 42
            assert isinstance(await client.dbsize(), int)
            # Many single commands at once, each resolved with its own reply.
            got = await asyncio.gather(*(client.incr(k) for _ in range(100)))
            assert sorted(got) == list(range(43, 143))
        finally:
            await client.close()

    run(go())


def test_resp2(key):
    """Under RESP2 the shapers give the same Python types (maps, sets, scores)."""
    h, s, z = key("{r}h"), key("{r}s"), key("{r}z")
    client = glide_c.sync.GlideClusterClient.create(
        cluster_config(protocol=glide_c.ProtocolVersion.RESP2))
    try:
        b = ClusterBatch(is_atomic=True)
        b.hset(h, {"f": "v"}).hgetall(h).sadd(s, ["a"]).smembers(s).zadd(z, {"m": 1.5})
        b.zrange_withscores(z, RangeByIndex(0, -1)).zscore(z, "m").expire(h, 10)
        b.pubsub_shardnumsub([h])
        assert client.exec(b, True) == [1, {b"f": b"v"}, 1, {b"a"}, 1, {b"m": 1.5}, 1.5, True,
                                        {h.encode(): 0}]
    finally:
        client.close()


@pytest.mark.parametrize("call, error", [
    (lambda b: b.set(1, "v"), TypeError),
    (lambda b: b.set("k", 1), TypeError),
    (lambda b: b.set("k", "v", conditional_set="NX"), TypeError),
    (lambda b: b.set("k", "v", expiry=10), TypeError),
    (lambda b: b.set("k", "v", return_old_value=1), TypeError),
    (lambda b: b.get(None), TypeError),
    (lambda b: b.mset({}), ValueError),
    (lambda b: b.mset([("k", "v")]), TypeError),
    (lambda b: b.mget("key"), TypeError),
    (lambda b: b.delete([]), ValueError),
    (lambda b: b.exists(["k", 1]), TypeError),
    (lambda b: b.expire("k", 1.5), TypeError),
    (lambda b: b.expire("k", True), TypeError),
    (lambda b: b.expire("k", 1, "NX"), TypeError),
    (lambda b: b.incrby("k", "1"), TypeError),
    (lambda b: b.hset("h", {}), ValueError),
    (lambda b: b.lpush("l", "abc"), TypeError),
    (lambda b: b.lrange("l", 0, None), TypeError),
    (lambda b: b.sadd("s", []), ValueError),
    (lambda b: b.zadd("z", {"a": "1"}), TypeError),
    (lambda b: b.zadd("z", {"a": 1}, ConditionalChange.ONLY_IF_DOES_NOT_EXIST,
                      UpdateOptions.LESS_THAN), ValueError),
    (lambda b: b.zrange("z", (0, -1)), TypeError),
    (lambda b: b.zrange_withscores("z", RangeByLex(InfBound.NEG_INF, InfBound.POS_INF)),
     TypeError),
    (lambda b: b.custom_command([]), ValueError),
    (lambda b: b.custom_command("PING"), TypeError),
    (lambda b: ExpirySet(ExpiryType.SEC, "10"), ValueError),
    (lambda b: ExpirySet(ExpiryType.KEEP_TTL, 5), ValueError),
    (lambda b: RangeByIndex(0, 1.0), TypeError),
])
def test_bad_arguments_raise_before_anything_is_added(call, error):
    b = ClusterBatch(is_atomic=False).set("before", "x")
    with pytest.raises(error):
        call(b)
    assert b.commands == [[b"SET", b"before", b"x"]]
