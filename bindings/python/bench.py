#!/usr/bin/python3
"""glide_c against redis-py on the same cluster in the same run. Figures, never pass/fail.

    /usr/bin/python3 bindings/python/bench.py                  # starts and stops its own cluster
    /usr/bin/python3 bindings/python/bench.py --servers DIR/servers.env   # an existing cluster

Scenarios (keys drawn at random from --keyspace, so a batch spans every primary):
  batch   a non-atomic ClusterBatch of --batch-size SETs, built anew and exec'd each iteration;
          redis-py: RedisCluster.pipeline(transaction=False) with the same SETs, execute()
  batch, N in flight  --batches-in-flight such batches at once (asyncio.gather), async only
  get     one GET at a time, each awaited (or returned) before the next is sent
  get, N in flight   --concurrency GETs at once (asyncio.gather), glide_c's async client only
redis-py is Debian's python3-redis with python3-hiredis (its C reply parser).
"""

import argparse
import asyncio
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import glide_c  # noqa: E402
from glide_c import ClusterBatch, GlideClusterClient, GlideClusterClientConfiguration, NodeAddress  # noqa: E402,E501

SERVERS_SH = HERE.parents[1] / "tests" / "scripts" / "test_servers.sh"


def read_env(path):
    env = {}
    for line in Path(path).read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep:
            env[name] = value
    return env


def cpu_seconds():
    """User + system CPU of the whole process (every thread: the caller and glide's I/O
    thread)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(fn, warmup, duration, ops_per_call):
    """Calls fn until duration seconds have passed (after warmup seconds).
    Returns (ops per second, CPU microseconds per op)."""
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        fn()
    calls, start, cpu = 0, time.perf_counter(), cpu_seconds()
    end = start + duration
    while time.perf_counter() < end:
        fn()
        calls += 1
    ops = calls * ops_per_call
    return ops / (time.perf_counter() - start), (cpu_seconds() - cpu) * 1e6 / ops


async def measure_async(fn, warmup, duration, ops_per_call):
    """measure() for a coroutine function, awaited in the running loop."""
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        await fn()
    calls, start, cpu = 0, time.perf_counter(), cpu_seconds()
    end = start + duration
    while time.perf_counter() < end:
        await fn()
        calls += 1
    ops = calls * ops_per_call
    return ops / (time.perf_counter() - start), (cpu_seconds() - cpu) * 1e6 / ops


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--servers", help="servers.env of a running cluster (default: start one)")
    ap.add_argument("--duration", type=float, default=1.0,
                    help="seconds measured per row and round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=float, default=0.2)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--value-size", type=int, default=16)
    ap.add_argument("--keyspace", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=100, help="GETs in flight (get, N in flight)")
    ap.add_argument("--batches-in-flight", type=int, default=8)
    args = ap.parse_args()

    tmp = None
    if args.servers:
        env = read_env(args.servers)
    else:
        tmp = tempfile.mkdtemp(prefix="glide-py-bench-")
        os.rmdir(tmp)  # test_servers.sh makes it
        subprocess.run(["bash", str(SERVERS_SH), "cluster-only", tmp], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
        env = read_env(Path(tmp) / "servers.env")
    try:
        run(args, env["GLIDE_TEST_HOST"], int(env["GLIDE_TEST_CLUSTER_PORTS"].split(",")[0]))
    finally:
        if tmp:
            subprocess.run(["bash", str(SERVERS_SH), "stop", tmp], timeout=120,
                           stdout=subprocess.DEVNULL)


def run(args, host, port):
    rnd = random.Random(42)
    value = b"v" * args.value_size
    keys = [f"bench:{i}".encode() for i in range(args.keyspace)]
    n = args.batch_size
    config = GlideClusterClientConfiguration([NodeAddress(host, port)])
    loop = asyncio.new_event_loop()
    rows = []  # (scenario, client, calls fn, ops per call)

    # Preload, so that GETs find values.
    sync = glide_c.sync.GlideClusterClient.create(config)
    for i in range(0, len(keys), 1000):
        sync.mset({k: value for k in keys[i:i + 1000]})
    aio = loop.run_until_complete(GlideClusterClient.create(config))

    def batch():
        b = ClusterBatch(is_atomic=False)
        for k in rnd.sample(keys, n):
            b.set(k, value)
        return b

    async def batches():
        await asyncio.gather(*(aio.exec(batch(), True) for _ in range(args.batches_in_flight)))

    async def gets():
        await asyncio.gather(*(aio.get(rnd.choice(keys)) for _ in range(args.concurrency)))

    # Async rows are coroutine functions, timed inside the running loop.
    rows += [
        ("batch", "glide_c async", lambda: aio.exec(batch(), True), n),
        ("batch", "glide_c.sync", lambda: sync.exec(batch(), True), n),
        (f"batch, {args.batches_in_flight} in flight", "glide_c async", batches,
         n * args.batches_in_flight),
        ("get", "glide_c async", lambda: aio.get(rnd.choice(keys)), 1),
        ("get", "glide_c.sync", lambda: sync.get(rnd.choice(keys)), 1),
        (f"get, {args.concurrency} in flight", "glide_c async", gets, args.concurrency),
    ]

    try:
        import redis
        from redis.cluster import RedisCluster
    except ImportError:
        print("redis-py not importable with this interpreter (Debian: python3-redis, run "
              "with /usr/bin/python3): no comparison", file=sys.stderr)
        redis = None
    rc = None
    if redis is not None:
        rc = RedisCluster(host=host, port=port)

        def pipeline():
            p = rc.pipeline(transaction=False)
            for k in rnd.sample(keys, n):
                p.set(k, value)
            return p.execute()
        assert pipeline() == [True] * n
        name = f"redis-py {redis.__version__}"
        rows += [("batch", name, pipeline, n),
                 ("get", name, lambda: rc.get(rnd.choice(keys)), 1)]

    # Rounds interleave the clients, so a change in the machine's load (it is shared) hits them
    # alike; each row reports its median round.
    results = [[] for _ in rows]
    for _ in range(args.rounds):
        for i, (_, client, fn, ops) in enumerate(rows):
            if client == "glide_c async":
                ops_s = loop.run_until_complete(
                    measure_async(fn, args.warmup, args.duration, ops))
            else:
                ops_s = measure(fn, args.warmup, args.duration, ops)
            results[i].append(ops_s)
    sync.close()
    loop.run_until_complete(aio.close())
    loop.close()
    if rc is not None:
        rc.close()

    medians = [statistics.median(ops for ops, _ in r) for r in results]
    cpus = [statistics.median(cpu for _, cpu in r) for r in results]
    base = {s: m for (s, c, _, _), m in zip(rows, medians) if c.startswith("redis-py")}
    try:
        import hiredis
        parser = f"hiredis {hiredis.__version__}"
    except ImportError:
        parser = "no hiredis"
    print(f"glide_c over libglide_c {glide_c.LIBRARY_VERSION}; Python {sys.version.split()[0]}; "
          f"redis-py with {parser}; {args.batch_size} SETs per batch, {args.value_size}-byte "
          f"values, keyspace {args.keyspace}; median of {args.rounds} interleaved rounds of "
          f"{args.duration:g} s; cluster {host}:{port}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}")
    print()
    print("| scenario | client | commands/s (median) | rounds min..max | vs redis-py "
          "| client CPU µs per command |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for (scenario, client, _, _), med, cpu, r in zip(rows, medians, cpus, results):
        ref = base.get(scenario)
        ratio = f"{med / ref:.1f}x" if ref and not client.startswith("redis-py") else ""
        lo, hi = min(ops for ops, _ in r), max(ops for ops, _ in r)
        print(f"| {scenario} | {client} | {med:,.0f} | {lo:,.0f}..{hi:,.0f} | {ratio} "
              f"| {cpu:.1f} |")


if __name__ == "__main__":
    main()
