package glide;

import static glide.TestServers.await;
import static glide.TestServers.failure;
import static glide.TestServers.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import glide.api.GlideClusterClient;
import glide.api.models.ClusterBatch;
import glide.api.models.configuration.GlideClusterClientConfiguration;
import glide.api.models.configuration.NodeAddress;
import glide.api.models.exceptions.ClosingException;
import glide.internal.NativeClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {
    /** 1000 batches in flight at once on one client, from 8 threads; every reply is its own. */
    @Test
    void thousandConcurrentFutures() throws Exception {
        try (GlideClusterClient client = TestServers.cluster()) {
            int n = 1000;
            String prefix = key("conc");
            List<CompletableFuture<Object[]>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(null);
            }
            CountDownLatch go = new CountDownLatch(1);
            Thread[] threads = new Thread[8];
            for (int t = 0; t < threads.length; t++) {
                int first = t;
                threads[t] = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = first; i < n; i += threads.length) {
                        String k = prefix + ":" + i;
                        ClusterBatch b = new ClusterBatch(i % 2 == 0).set(k, "v" + i).get(k);
                        synchronized (futures) {
                            futures.set(i, client.exec(b, true));
                        }
                    }
                });
                threads[t].start();
            }
            go.countDown();
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(TestServers.TIMEOUT_S));
            }
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]))
                    .get(TestServers.TIMEOUT_S, TimeUnit.SECONDS);
            for (int i = 0; i < n; i++) {
                assertArrayEquals(new Object[] {"OK", "v" + i}, futures.get(i).get(), "batch " + i);
            }
            assertEquals(0, NativeClient.pendingCount());
        }
    }

    /**
     * close() with requests pending: each future completes exactly once, before close returns,
     * with its reply or a ClosingException; requests after close fail with ClosingException.
     */
    @Test
    void closeWithPendingRequests() throws Exception {
        // A request timeout longer than the BLPOPs: they can only end by the close.
        GlideClusterClient client = await(GlideClusterClient.createClient(GlideClusterClientConfiguration.builder()
                .address(NodeAddress.builder().host(TestServers.HOST).port(TestServers.CLUSTER_PORTS.get(0)).build())
                .requestTimeout(10000)
                .build()));
        int n = 300;
        AtomicIntegerArray completions = new AtomicIntegerArray(n);
        List<CompletableFuture<Object[]>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // BLPOP 5: held by the server until the close.
            String k = key("c" + i);
            ClusterBatch b = i % 3 == 0
                    ? new ClusterBatch(false).customCommand(new String[] {"BLPOP", k, "5"})
                    : new ClusterBatch(false).set(k, "v").get(k);
            int idx = i;
            CompletableFuture<Object[]> f = client.exec(b, false);
            f.whenComplete((v, e) -> completions.incrementAndGet(idx));
            futures.add(f);
        }
        long start = System.nanoTime();
        client.close();
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 4000, "close waited " + ms + " ms for the blocked commands");
        int closed = 0;
        for (int i = 0; i < n; i++) {
            CompletableFuture<Object[]> f = futures.get(i);
            assertTrue(f.isDone(), "future " + i + " not complete when close returned");
            assertEquals(1, completions.get(i), "future " + i + " completions");
            if (i % 3 == 0) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
                assertInstanceOf(ClosingException.class, e.getCause());
                closed++;
            } else if (f.isCompletedExceptionally()) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
                assertInstanceOf(ClosingException.class, e.getCause());
            } else {
                assertArrayEquals(new Object[] {"OK", "v"}, f.get());
            }
        }
        assertEquals(100, closed);
        Thread.sleep(200);
        for (int i = 0; i < n; i++) {
            assertEquals(1, completions.get(i), "future " + i + " completed again");
        }
        failure(client.exec(new ClusterBatch(false).get("k"), false), ClosingException.class);
        failure(client.customCommand(new String[] {"PING"}), ClosingException.class);
        client.close(); // idempotent
        assertEquals(0, NativeClient.pendingCount());
    }

    private static long ioThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("glide-c-io"))
                .count();
    }

    /**
     * The library's I/O thread is attached to the JVM once (named glide-c-io, a daemon), and
     * detached when it ends at the close: no Java thread is left behind per client.
     */
    @Test
    void ioThreadAttachedOnceAndDetachedAtClose() throws Exception {
        long before = ioThreads();
        GlideClusterClient client = TestServers.cluster();
        Thread[] seen = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int idx = i;
            // BLPOP 0.2: the reply comes after the stage below is attached, so it runs where the
            // future is completed.
            await(client.exec(new ClusterBatch(false).customCommand(new String[] {"BLPOP", key("io"), "0.2"}), true)
                    .whenComplete((v, e) -> seen[idx] = Thread.currentThread()));
        }
        assertSame(seen[0], seen[1], "one attached thread for every callback");
        assertEquals("glide-c-io", seen[0].getName());
        assertTrue(seen[0].isDaemon());
        assertEquals(before + 1, ioThreads());
        client.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ioThreads() != before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(before, ioThreads(), "the I/O thread is still attached after close");
    }

    /** A completion may submit new requests, and may close its own client. */
    @Test
    void requestsAndCloseFromCompletions() {
        GlideClusterClient client = TestServers.cluster();
        String k = key("chain");
        AtomicInteger steps = new AtomicInteger();
        CompletableFuture<Object[]> chained = client.exec(new ClusterBatch(false).set(k, "1"), true)
                .thenCompose(r -> {
                    steps.incrementAndGet();
                    return client.exec(new ClusterBatch(false).incr(k), true);
                });
        assertArrayEquals(new Object[] {2L}, await(chained));
        CompletableFuture<Object> closedInside = client.exec(new ClusterBatch(false).get(k), true)
                .thenApply(r -> {
                    client.close(); // on the library's I/O thread: does not block
                    return r[0];
                });
        assertEquals("2", await(closedInside));
        assertEquals(1, steps.get());
        failure(client.exec(new ClusterBatch(false).get(k), true), ClosingException.class);
    }
}
