package glide;

import static glide.TestServers.assertShown;
import static glide.TestServers.await;
import static glide.TestServers.failure;
import static glide.TestServers.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import glide.api.GlideClient;
import glide.api.GlideClusterClient;
import glide.api.models.Batch;
import glide.api.models.ClusterBatch;
import glide.api.models.GlideString;
import glide.api.models.commands.batch.BatchOptions;
import glide.api.models.commands.batch.ClusterBatchOptions;
import glide.api.models.commands.batch.ClusterBatchRetryStrategy;
import glide.api.models.configuration.RequestRoutingConfiguration.ByAddressRoute;
import glide.api.models.configuration.RequestRoutingConfiguration.SimpleSingleNodeRoute;
import glide.api.models.configuration.RequestRoutingConfiguration.SingleNodeRoute;
import glide.api.models.configuration.RequestRoutingConfiguration.SlotIdRoute;
import glide.api.models.configuration.RequestRoutingConfiguration.SlotKeyRoute;
import glide.api.models.configuration.RequestRoutingConfiguration.SlotType;
import glide.api.models.exceptions.ExecAbortException;
import glide.api.models.exceptions.RequestException;
import glide.api.models.exceptions.TimeoutException;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchTest {
    static GlideClusterClient client;

    @BeforeAll
    static void connect() {
        client = TestServers.cluster();
    }

    @AfterAll
    static void close() {
        client.close();
    }

    @Test
    void copy() {
        String src = key("{c}src");
        String dst = key("{c}dst");
        ClusterBatch b = new ClusterBatch(true);
        b.set(src, "one").copy(src, dst).set(src, "two").copy(src, dst).copy(src, dst, true).get(dst);
        assertArrayEquals(new Object[] {"OK", true, "OK", false, true, "two"}, await(client.exec(b, true)));
        // Non-atomic too, and keys of two slots are refused by the server (CROSSSLOT) in place.
        ClusterBatch cross = new ClusterBatch(false).copy(key("{x}a"), key("{y}b"));
        Object[] r = await(client.exec(cross, false));
        RequestException e = assertInstanceOf(RequestException.class, r[0]);
        assertTrue(e.getMessage().contains("CROSSSLOT"), e.getMessage());
    }

    @Test
    void publishAndShardPubsub() {
        String ch = key("chan");
        ClusterBatch b = new ClusterBatch(false)
                .publish("hello", ch)
                .publish("hello", ch, true)
                .pubsubShardChannels()
                .pubsubShardChannels(ch + "*")
                .pubsubShardNumSub(new String[] {ch, ch + "x"})
                .pubsubShardNumSub(new String[0]);
        Object[] r = await(client.exec(b, true));
        assertEquals(0L, r[0]);
        assertEquals(0L, r[1]);
        assertInstanceOf(Object[].class, r[2]);
        assertArrayEquals(new Object[0], (Object[]) r[3]);
        Map<Object, Object> want = new LinkedHashMap<>();
        want.put(ch, 0L);
        want.put(ch + "x", 0L);
        assertEquals(want, r[4]);
        assertEquals(Map.of(), r[5]);
    }

    @Test
    void commonCommands() {
        String k = key("{cc}k");
        String n = key("{cc}n");
        String h = key("{cc}h");
        String l = key("{cc}l");
        ClusterBatch b = new ClusterBatch(false)
                .mset(Map.of(k, "v"))
                .mget(new String[] {k, key("{cc}missing")})
                .incr(n)
                .incr(n)
                .hset(h, Map.of("f", "x"))
                .hget(h, "f")
                .hget(h, "nofield")
                .lpush(l, new String[] {"a", "b", "c"})
                .lrange(l, 0, -1)
                .del(new String[] {k, n, h, l})
                .customCommand(new String[] {"EXISTS", k});
        assertShown("[OK, [v, null], 1, 2, 1, x, null, 3, [c, b, a], 4, 0]", await(client.exec(b, false)));
    }

    @Test
    void customCommandOnClient() {
        String k = key("custom");
        assertEquals("OK", await(client.customCommand(new String[] {"SET", k, "v"})).getSingleValue());
        assertEquals("v", await(client.customCommand(new String[] {"GET", k})).getSingleValue());
        GlideString bin = (GlideString) await(client.customCommand(
                new GlideString[] {GlideString.of("GET"), GlideString.of(k)})).getSingleValue();
        assertEquals(GlideString.of("v"), bin);
        // Multi-slot DEL: split and summed by the library.
        assertEquals(1L, await(client.customCommand(
                new String[] {"DEL", k, key("{x}other"), key("{y}other")})).getSingleValue());
        RequestException e = failure(client.customCommand(new String[] {"NOSUCHCOMMAND"}), RequestException.class);
        assertTrue(e.getMessage().startsWith("ERR unknown command"), e.getMessage());
    }

    @Test
    void errorsInPlaceAndRaised() {
        String k = key("{e}wrongtype");
        String other = key("{e}fine");
        ClusterBatch b = new ClusterBatch(false)
                .set(k, "string")
                .lpush(k, new String[] {"x"})
                .set(other, "ok")
                .get(other);
        Object[] r = await(client.exec(b, false));
        RequestException e = assertInstanceOf(RequestException.class, r[1]);
        assertSame(RequestException.class, e.getClass());
        assertTrue(e.getMessage().startsWith("WRONGTYPE"), e.getMessage());
        assertEquals("OK", r[0]);
        assertEquals("OK", r[2]);
        assertEquals("ok", r[3]);

        RequestException raised = failure(client.exec(b, true), RequestException.class);
        assertTrue(raised.getMessage().startsWith("WRONGTYPE"), raised.getMessage());

        // Atomic: the server runs the rest of the transaction; the error stays in place.
        ClusterBatch tx = new ClusterBatch(true).set(k, "s").lpush(k, new String[] {"x"}).get(k);
        r = await(client.exec(tx, false));
        assertInstanceOf(RequestException.class, r[1]);
        assertEquals("s", r[2]);
        failure(client.exec(tx, true), RequestException.class);

        // Whole-batch failures fail the future either way.
        ClusterBatch abort = new ClusterBatch(true).set(k, "v").customCommand(new String[] {"SET", k});
        for (boolean raise : new boolean[] {false, true}) {
            ExecAbortException x = failure(client.exec(abort, raise), ExecAbortException.class);
            assertTrue(x.getMessage().contains("EXECABORT"), x.getMessage());
        }
        ClusterBatch cross = new ClusterBatch(true).set(key("{a}x"), "1").set(key("{b}x"), "2");
        RequestException c = failure(client.exec(cross, false), RequestException.class);
        assertSame(RequestException.class, c.getClass());
        assertEquals(0, c.getMessage().isEmpty() ? 1 : 0);
        // Bad input: an empty batch, a command without arguments.
        failure(client.exec(new ClusterBatch(false), false), RequestException.class);
        failure(client.exec(new ClusterBatch(false).customCommand(new String[0]), false), RequestException.class);
        failure(client.customCommand(new String[0]), RequestException.class);
    }

    @Test
    void watchAbort() {
        try (GlideClusterClient other = TestServers.cluster()) {
            String k = key("watch");
            await(client.customCommand(new String[] {"SET", k, "orig"}));
            assertEquals("OK", await(client.customCommand(new String[] {"WATCH", k})).getSingleValue());
            await(other.customCommand(new String[] {"SET", k, "changed"}));
            ClusterBatch tx = new ClusterBatch(true).set(k, "mine").get(k);
            assertNull(await(client.exec(tx, false)), "a transaction aborted by WATCH completes with null");
            assertEquals("changed", await(client.customCommand(new String[] {"GET", k})).getSingleValue());
            // Without interference the transaction runs.
            await(client.customCommand(new String[] {"WATCH", k}));
            assertArrayEquals(new Object[] {"OK", "mine"}, await(client.exec(tx, false)));
        }
    }

    @Test
    void binaryData() {
        byte[] all = new byte[257];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        all[256] = 0;
        GlideString k = GlideString.of(("bin\0\u00ff\r\n" + key("b")).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        GlideString v = GlideString.of(all);
        assertFalse(v.canConvertToString());
        ClusterBatch b = new ClusterBatch(false)
                .set(k, v)
                .get(k)
                .mget(new GlideString[] {k})
                .set(k, GlideString.of(new byte[0]))
                .get(k)
                .del(new GlideString[] {k})
                .get(k);
        assertTrue(b.isBinaryOutput());
        Object[] r = await(client.exec(b, false));
        assertEquals("OK", r[0]);
        GlideString got = assertInstanceOf(GlideString.class, r[1]);
        assertArrayEquals(all, got.getBytes());
        assertArrayEquals(new Object[] {v}, (Object[]) r[2]);
        assertEquals("OK", r[3]);
        assertEquals(GlideString.of(new byte[0]), r[4]);
        assertEquals(1L, r[5]);
        assertNull(r[6]);
        // String arguments with withBinaryOutput: GlideString replies too.
        String sk = key("s");
        Object[] s = await(client.exec(new ClusterBatch(true).set(sk, "é\0x").get(sk).withBinaryOutput(), false));
        assertEquals(GlideString.of("é\0x"), s[1]);
        // And without: the UTF-8 String, NUL included.
        assertEquals("é\0x", await(client.exec(new ClusterBatch(true).get(sk), false))[0]);
    }

    // The RESP3 types, from DEBUG PROTOCOL on the standalone server.
    @Test
    void valueTypes() {
        try (GlideClient sa = TestServers.standalone()) {
            Batch b = new Batch(false);
            for (String t : new String[] {"string", "integer", "double", "bignum", "null", "array", "set", "map",
                    "verbatim", "true", "false"}) {
                b.customCommand(new String[] {"DEBUG", "PROTOCOL", t});
            }
            Object[] r = await(sa.exec(b, false));
            assertEquals("Hello World", r[0]);
            assertEquals(12345L, r[1]);
            assertEquals(3.141, r[2]);
            assertEquals(new BigInteger("1234567999999999999999999999999999999"), r[3]);
            assertNull(r[4]);
            assertArrayEquals(new Object[] {0L, 1L, 2L}, (Object[]) r[5]);
            assertEquals(Set.of(0L, 1L, 2L), r[6]);
            assertEquals(Map.of(0L, false, 1L, true, 2L, false), r[7]);
            assertEquals("This is a verbatim\nstring", r[8]);
            assertEquals(true, r[9]);
            assertEquals(false, r[10]);
        }
    }

    @Test
    void standaloneClient() {
        try (GlideClient sa = TestServers.standalone()) {
            String k1 = key("sa1");
            String k2 = key("sa2");
            for (boolean atomic : new boolean[] {true, false}) {
                Batch b = new Batch(atomic)
                        .set(k1, "v1")
                        .set(k2, "v2")
                        .get(k1)
                        .mget(new String[] {k1, k2})
                        .copy(k1, k2, true)
                        .get(k2)
                        .publish("m", key("chan"))
                        .del(new String[] {k1, k2});
                assertShown("[OK, OK, v1, [v1, v2], true, v1, 0, 2]", await(sa.exec(b, false)));
            }
            assertShown("[PONG]", await(sa.exec(new Batch(false).customCommand(new String[] {"PING"}), true,
                    BatchOptions.builder().timeout(1000).build())));
            assertEquals("x", await(sa.customCommand(new String[] {"ECHO", "x"})));
        }
    }

    @Test
    void optionsRoutesAndTimeout() {
        int port = TestServers.CLUSTER_PORTS.get(1);
        ClusterBatch b = new ClusterBatch(false).customCommand(new String[] {"CONFIG", "GET", "port"});
        Object[] r = await(client.exec(b, true, ClusterBatchOptions.builder()
                .route(new ByAddressRoute(TestServers.HOST, port)).build()));
        assertEquals(Map.of("port", Integer.toString(port)), r[0]);
        for (SingleNodeRoute route : new SingleNodeRoute[] {SimpleSingleNodeRoute.RANDOM,
                new SlotKeyRoute("k", SlotType.PRIMARY), new SlotIdRoute(100, SlotType.PRIMARY),
                new SlotKeyRoute("k", SlotType.REPLICA)}) {
            assertShown("[PONG]", await(client.exec(new ClusterBatch(false).customCommand(new String[] {"PING"}),
                    true, ClusterBatchOptions.builder().route(route).build())));
        }
        // A batch timeout: the blocked command becomes a TimeoutException element, the other is answered.
        ClusterBatch slow = new ClusterBatch(false)
                .set(key("{t}x"), "1")
                .customCommand(new String[] {"BLPOP", key("{t}blpop"), "2"});
        long start = System.nanoTime();
        r = await(client.exec(slow, false, ClusterBatchOptions.builder()
                .timeout(150)
                .retryStrategy(ClusterBatchRetryStrategy.builder().retryServerError(true).build())
                .build()));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals("OK", r[0]);
        assertInstanceOf(TimeoutException.class, r[1]);
        assertTrue(ms < 1000, "timeout 150 ms took " + ms + " ms");
        // A retry flag on an atomic batch is bad input.
        failure(client.exec(new ClusterBatch(true).get(key("r")), false, ClusterBatchOptions.builder()
                .retryStrategy(ClusterBatchRetryStrategy.builder().retryConnectionError(true).build()).build()),
                RequestException.class);
    }
}
