package glide;

import static glide.TestServers.TIMEOUT_S;
import static glide.TestServers.await;
import static glide.TestServers.failure;
import static glide.TestServers.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import glide.api.BaseClient;
import glide.api.GlideClient;
import glide.api.GlideClusterClient;
import glide.api.models.Batch;
import glide.api.models.ClusterBatch;
import glide.api.models.GlideString;
import glide.api.models.PubSubMessage;
import glide.api.models.configuration.ClusterSubscriptionConfiguration;
import glide.api.models.configuration.ClusterSubscriptionConfiguration.PubSubClusterChannelMode;
import glide.api.models.configuration.GlideClientConfiguration;
import glide.api.models.configuration.GlideClusterClientConfiguration;
import glide.api.models.configuration.NodeAddress;
import glide.api.models.configuration.ProtocolVersion;
import glide.api.models.configuration.StandaloneSubscriptionConfiguration;
import glide.api.models.configuration.StandaloneSubscriptionConfiguration.PubSubChannelMode;
import glide.api.models.exceptions.ClosingException;
import glide.api.models.exceptions.ConfigurationError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pub/sub against the fixture's cluster and standalone server: configured and runtime
 * subscriptions of each kind, the callback and the queue, RESP2 and RESP3, the queue's bound.
 * Messages are published through the binding's own batches (publish / sharded publish).
 */
class PubSubTest {
    /** After the expected messages arrived, how long nothing more may arrive. */
    private static final long QUIET_MS = 300;

    static GlideClusterClient publisher;

    @BeforeAll
    static void connect() {
        publisher = TestServers.cluster();
    }

    @AfterAll
    static void close() {
        publisher.close();
    }

    static GlideClusterClient subscriber(ProtocolVersion protocol, ClusterSubscriptionConfiguration subs) {
        return await(GlideClusterClient.createClient(GlideClusterClientConfiguration.builder()
                .address(NodeAddress.builder().host(TestServers.HOST).port(TestServers.CLUSTER_PORTS.get(0)).build())
                .protocol(protocol)
                .subscriptionConfiguration(subs)
                .build()));
    }

    /** A payload with NUL bytes and bytes that are not UTF-8, numbered i. */
    static GlideString payload(String tag, int i) {
        byte[] t = (tag + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] b = new byte[t.length + 5];
        b[0] = 0;
        System.arraycopy(t, 0, b, 1, t.length);
        b[t.length + 1] = 0;
        b[t.length + 2] = (byte) 0xff;
        b[t.length + 3] = (byte) 0xc3;
        b[t.length + 4] = 0;
        return GlideString.of(b);
    }

    /** Publishes n numbered payloads to each channel in one pipeline; the replies (receivers). */
    static Object[] publish(int n, GlideString[] channels, boolean[] sharded, String[] tags) {
        ClusterBatch b = new ClusterBatch(false);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < channels.length; c++) {
                b.publish(payload(tags[c], i), channels[c], sharded[c]);
            }
        }
        return await(publisher.exec(b, true));
    }

    /** Checks that the messages hold each channel's n payloads once, in order, with its pattern. */
    static void assertDelivered(List<PubSubMessage> got, int n, GlideString[] channels, String[] tags,
            GlideString[] patterns) {
        Map<GlideString, Integer> next = new HashMap<>();
        for (PubSubMessage m : got) {
            int c = indexOf(channels, m.getChannel());
            assertTrue(c >= 0, "a message of an unexpected channel: " + m);
            int i = next.merge(m.getChannel(), 1, Integer::sum) - 1;
            assertTrue(i < n, "more than " + n + " messages on " + m.getChannel());
            assertArrayEquals(payload(tags[c], i).getBytes(), m.getMessage().getBytes(),
                    "message " + i + " of " + m.getChannel() + " (out of order, duplicated or altered)");
            if (patterns[c] == null) {
                assertFalse(m.getPattern().isPresent(), "a pattern on " + m);
            } else {
                assertEquals(patterns[c], m.getPattern().orElse(null), "the pattern of " + m);
            }
        }
        for (GlideString ch : channels) {
            assertEquals(n, next.getOrDefault(ch, 0), "messages on " + ch);
        }
    }

    static int indexOf(GlideString[] a, GlideString x) {
        for (int i = 0; i < a.length; i++) {
            if (a[i].equals(x)) {
                return i;
            }
        }
        return -1;
    }

    /** n messages from the client's queue (each within TIMEOUT_S), then QUIET_MS of nothing. */
    static List<PubSubMessage> readQueue(BaseClient client, int n) throws InterruptedException {
        List<PubSubMessage> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            got.add(await(client.getPubSubMessage()));
        }
        Thread.sleep(QUIET_MS);
        assertNull(client.tryGetPubSubMessage(), "a message more than expected");
        return got;
    }

    @Test
    void configuredSubscriptionsWithCallback() throws Exception {
        int n = 20;
        GlideString exact = GlideString.of(key("exact"));
        String prefix = key("pat");
        GlideString pattern = GlideString.of(prefix + ":*");
        GlideString matching = GlideString.of(prefix + ":x");
        GlideString sharded = GlideString.of(key("sharded"));
        LinkedBlockingQueue<PubSubMessage> received = new LinkedBlockingQueue<>();
        Object context = new Object();
        List<Object> contexts = new ArrayList<>();
        ClusterSubscriptionConfiguration subs = ClusterSubscriptionConfiguration.builder()
                .subscription(PubSubClusterChannelMode.EXACT, exact)
                .subscription(PubSubClusterChannelMode.PATTERN, pattern)
                .subscription(PubSubClusterChannelMode.SHARDED, sharded)
                .callback((msg, ctx) -> {
                    synchronized (contexts) {
                        contexts.add(ctx);
                    }
                    received.add(msg);
                }, context)
                .build();
        try (GlideClusterClient client = subscriber(ProtocolVersion.RESP3, subs)) {
            GlideString[] channels = {exact, matching, sharded};
            Object[] r = publish(n, channels, new boolean[] {false, false, true}, new String[] {"e", "p", "s"});
            for (int i = 2; i < r.length; i += 3) {
                assertEquals(1L, r[i], "SPUBLISH's receivers");
            }
            List<PubSubMessage> got = new ArrayList<>();
            for (int i = 0; i < 3 * n; i++) {
                PubSubMessage m = received.poll(TIMEOUT_S, TimeUnit.SECONDS);
                assertNotNull(m, "message " + i + " of " + 3 * n + " did not arrive");
                got.add(m);
            }
            Thread.sleep(QUIET_MS);
            assertNull(received.poll(), "a message more than expected");
            assertDelivered(got, n, channels, new String[] {"e", "p", "s"}, new GlideString[] {null, pattern, null});
            synchronized (contexts) {
                assertEquals(3 * n, contexts.size());
                for (Object c : contexts) {
                    assertSame(context, c);
                }
            }
            // Messages go to the callback: there is no queue to read.
            assertThrows(ConfigurationError.class, client::getPubSubMessage);
            assertThrows(ConfigurationError.class, client::tryGetPubSubMessage);
        }
    }

    @Test
    void configuredSubscriptionsWithQueueOverResp2() throws Exception {
        int n = 15;
        // Binary channel names: NUL bytes and bytes that are not UTF-8.
        GlideString exact = GlideString.of((key("exact") + "\0\u00e9").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String prefix = key("pat");
        GlideString pattern = GlideString.of(prefix + "*");
        GlideString matching = GlideString.of(prefix + "-y");
        byte[] sb = (key("sharded") + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        sb = java.util.Arrays.copyOf(sb, sb.length + 1);
        sb[sb.length - 1] = (byte) 0xfe;
        GlideString sharded = GlideString.of(sb);
        ClusterSubscriptionConfiguration subs = ClusterSubscriptionConfiguration.builder()
                .subscription(PubSubClusterChannelMode.EXACT, exact)
                .subscription(PubSubClusterChannelMode.PATTERN, pattern)
                .subscription(PubSubClusterChannelMode.SHARDED, sharded)
                .build();
        try (GlideClusterClient client = subscriber(ProtocolVersion.RESP2, subs)) {
            assertNull(client.tryGetPubSubMessage());
            GlideString[] channels = {exact, matching, sharded};
            String[] tags = {"E", "P", "S"};
            Object[] r = publish(n, channels, new boolean[] {false, false, true}, tags);
            for (int i = 2; i < r.length; i += 3) {
                assertEquals(1L, r[i], "SPUBLISH's receivers");
            }
            List<PubSubMessage> got = readQueue(client, 3 * n);
            assertDelivered(got, n, channels, tags, new GlideString[] {null, pattern, null});
            assertEquals(0, client.pubsubMessagesDropped());
            // The subscriber still serves commands (RESP2: subscriptions on connections of their own).
            assertEquals("PONG", await(client.customCommand(new String[] {"PING"})).getSingleValue());
        }
    }

    @Test
    void runtimeSubscribeAndUnsubscribe() throws Exception {
        GlideString sharded = GlideString.of(key("rt-sharded"));
        GlideString exact = GlideString.of(key("rt-exact"));
        String prefix = key("rt-pat");
        GlideString pattern = GlideString.of(prefix + ".*");
        GlideString matching = GlideString.of(prefix + ".z");
        // A subscriber with no channel to start with.
        try (GlideClusterClient client = subscriber(null, ClusterSubscriptionConfiguration.builder().build())) {
            assertEquals(0L, publish(1, new GlideString[] {sharded}, new boolean[] {true}, new String[] {"a"})[0]);
            await(client.ssubscribe(new GlideString[] {sharded}));
            await(client.subscribe(new GlideString[] {exact}));
            await(client.psubscribe(new GlideString[] {pattern}));
            await(client.ssubscribe(new GlideString[] {sharded})); // again: idempotent
            GlideString[] channels = {sharded, exact, matching};
            String[] tags = {"s", "e", "p"};
            Object[] r = publish(5, channels, new boolean[] {true, false, false}, tags);
            for (int i = 0; i < r.length; i += 3) {
                assertEquals(1L, r[i], "SPUBLISH's receivers once subscribed");
            }
            assertDelivered(readQueue(client, 15), 5, channels, tags, new GlideString[] {null, null, pattern});

            await(client.sunsubscribe(new GlideString[] {sharded}));
            await(client.unsubscribe());
            await(client.punsubscribe(new String[] {pattern.getString()}));
            r = publish(3, channels, new boolean[] {true, false, false}, tags);
            for (int i = 0; i < r.length; i += 3) {
                assertEquals(0L, r[i], "SPUBLISH's receivers after sunsubscribe");
            }
            Thread.sleep(QUIET_MS);
            assertNull(client.tryGetPubSubMessage(), "a message after unsubscribing");
            // Unsubscribing what is not subscribed is no error; neither is an empty list.
            await(client.sunsubscribe(new String[] {"never-subscribed"}));
            await(client.subscribe(new String[0]));
        }
    }

    @Test
    void runtimeSubscribeNeedsASubscriberClient() {
        try (GlideClusterClient plain = TestServers.cluster()) {
            ConfigurationError e = failure(plain.subscribe(new String[] {key("c")}), ConfigurationError.class);
            assertTrue(e.getMessage().contains("without a subscription configuration"), e.getMessage());
            failure(plain.ssubscribe(new String[] {key("c")}), ConfigurationError.class);
            failure(plain.unsubscribe(), ConfigurationError.class);
            assertThrows(ConfigurationError.class, plain::getPubSubMessage);
            assertThrows(ConfigurationError.class, plain::tryGetPubSubMessage);
            assertEquals(0, plain.pubsubMessagesDropped());
        }
    }

    @Test
    void queueBoundKeepsTheOldestAndCountsTheDropped() throws Exception {
        GlideString ch = GlideString.of(key("bound"));
        ClusterSubscriptionConfiguration subs = ClusterSubscriptionConfiguration.builder()
                .subscription(PubSubClusterChannelMode.SHARDED, ch)
                .maxQueuedMessages(3)
                .build();
        try (GlideClusterClient client = subscriber(null, subs)) {
            publish(10, new GlideString[] {ch}, new boolean[] {true}, new String[] {"q"});
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (client.pubsubMessagesDropped() < 7 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(7, client.pubsubMessagesDropped());
            for (int i = 0; i < 3; i++) {
                PubSubMessage m = client.tryGetPubSubMessage();
                assertNotNull(m, "queued message " + i);
                assertEquals(payload("q", i), m.getMessage());
            }
            assertNull(client.tryGetPubSubMessage());
            // Room again: the next message is queued.
            publish(1, new GlideString[] {ch}, new boolean[] {true}, new String[] {"r"});
            assertEquals(payload("r", 0), await(client.getPubSubMessage()).getMessage());
            assertEquals(7, client.pubsubMessagesDropped());
        }
        assertThrows(IllegalArgumentException.class,
                () -> ClusterSubscriptionConfiguration.builder().maxQueuedMessages(0));
    }

    @Test
    void closeFailsAWaitingReader() {
        GlideClusterClient client = subscriber(null, ClusterSubscriptionConfiguration.builder()
                .subscription(PubSubClusterChannelMode.EXACT, key("close"))
                .build());
        CompletableFuture<PubSubMessage> waiting = client.getPubSubMessage();
        client.close();
        failure(waiting, ClosingException.class);
        failure(client.getPubSubMessage(), ClosingException.class);
        failure(client.subscribe(new String[] {key("late")}), ClosingException.class);
    }

    @Test
    void standaloneOverResp2() throws Exception {
        String exact = key("sa-exact");
        String prefix = key("sa-pat");
        StandaloneSubscriptionConfiguration subs = StandaloneSubscriptionConfiguration.builder()
                .subscription(PubSubChannelMode.EXACT, exact)
                .subscription(PubSubChannelMode.PATTERN, prefix + "*")
                .build();
        assertTrue(TestServers.STANDALONE_PORT > 0, "no standalone server in servers.env");
        GlideClientConfiguration cfg = GlideClientConfiguration.builder()
                .address(NodeAddress.builder().host(TestServers.HOST).port(TestServers.STANDALONE_PORT).build())
                .protocol(ProtocolVersion.RESP2)
                .subscriptionConfiguration(subs)
                .build();
        String runtime = key("sa-runtime");
        try (GlideClient client = await(GlideClient.createClient(cfg));
                GlideClient pub = TestServers.standalone()) {
            await(client.subscribe(new String[] {runtime}));
            Batch b = new Batch(false);
            for (int i = 0; i < 4; i++) {
                b.publish(payload("x", i), GlideString.of(exact));
                b.publish(payload("y", i), GlideString.of(prefix + "1"));
                b.publish(payload("z", i), GlideString.of(runtime));
            }
            Object[] r = await(pub.exec(b, true));
            for (Object o : r) {
                assertEquals(1L, o, "PUBLISH's receivers");
            }
            GlideString[] channels = {GlideString.of(exact), GlideString.of(prefix + "1"), GlideString.of(runtime)};
            assertDelivered(readQueue(client, 12), 4, channels, new String[] {"x", "y", "z"},
                    new GlideString[] {null, GlideString.of(prefix + "*"), null});
            await(client.unsubscribe(new String[] {runtime}));
            assertEquals(0L, await(pub.exec(new Batch(false).publish("late", runtime), true))[0]);
        }
    }

    @Test
    void messageAsText() {
        PubSubMessage m = new PubSubMessage(GlideString.of("hi"), GlideString.of("ch"), GlideString.of("c*"));
        assertEquals("PubSubMessage{message=hi, channel=ch, pattern=c*}", m.toString());
        assertEquals("PubSubMessage{message=hi, channel=ch}", new PubSubMessage(GlideString.of("hi"), GlideString.of("ch")).toString());
    }
}
