package glide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import glide.api.GlideClient;
import glide.api.GlideClusterClient;
import glide.api.models.configuration.GlideClientConfiguration;
import glide.api.models.configuration.GlideClusterClientConfiguration;
import glide.api.models.configuration.NodeAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The servers of the ctest fixture `servers`: GLIDE_TEST_SERVERS names the servers.env that
 * tests/scripts/test_servers.sh writes (KEY=VALUE lines). Also unique keys and bounded waits.
 */
public final class TestServers {
    public static final String HOST;
    public static final List<Integer> CLUSTER_PORTS = new ArrayList<>();
    public static final int STANDALONE_PORT;
    /** No test waits longer than this for anything. */
    public static final long TIMEOUT_S = 30;

    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final AtomicLong SEQ = new AtomicLong();

    static {
        String path = System.getenv("GLIDE_TEST_SERVERS");
        if (path == null || path.isEmpty()) {
            throw new IllegalStateException(
                    "GLIDE_TEST_SERVERS is not set: point it at the servers.env written by"
                            + " tests/scripts/test_servers.sh start DIR (ctest does it)");
        }
        Map<String, String> env = new HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of(path))) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    env.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("GLIDE_TEST_SERVERS: " + e, e);
        }
        HOST = env.get("GLIDE_TEST_HOST");
        for (String p : env.getOrDefault("GLIDE_TEST_CLUSTER_PORTS", "").split(",")) {
            if (!p.isEmpty()) {
                CLUSTER_PORTS.add(Integer.parseInt(p));
            }
        }
        String sp = env.get("GLIDE_TEST_STANDALONE_PORT");
        STANDALONE_PORT = sp == null || sp.isEmpty() ? 0 : Integer.parseInt(sp);
        if (HOST == null || CLUSTER_PORTS.isEmpty()) {
            throw new IllegalStateException(path + ": no GLIDE_TEST_HOST or GLIDE_TEST_CLUSTER_PORTS");
        }
    }

    private TestServers() {}

    public static GlideClusterClientConfiguration clusterConfig() {
        return GlideClusterClientConfiguration.builder()
                .address(NodeAddress.builder().host(HOST).port(CLUSTER_PORTS.get(0)).build())
                .build();
    }

    public static GlideClusterClient cluster() {
        return await(GlideClusterClient.createClient(clusterConfig()));
    }

    public static GlideClient standalone() {
        assertTrue(STANDALONE_PORT > 0, "no standalone server in servers.env");
        return await(GlideClient.createClient(GlideClientConfiguration.builder()
                .address(NodeAddress.builder().host(HOST).port(STANDALONE_PORT).build())
                .build()));
    }

    /** A key no other test (or earlier run) uses; name may hold a hash tag. */
    public static String key(String name) {
        return "java:" + RUN + ":" + SEQ.incrementAndGet() + ":" + name;
    }

    /** The future's value, failing the test after TIMEOUT_S or on an exception. */
    public static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the future failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError("the future did not complete: " + e, e);
        }
    }

    /** The exception the future failed with, asserted to be of class type. */
    public static <E extends Throwable> E failure(CompletableFuture<?> f, Class<E> type) {
        try {
            Object v = f.get(TIMEOUT_S, TimeUnit.SECONDS);
            fail("expected " + type.getSimpleName() + ", got the value " + show(v));
            return null;
        } catch (ExecutionException e) {
            return assertInstanceOf(type, e.getCause(), "the future's exception");
        } catch (Exception e) {
            throw new AssertionError("the future did not complete: " + e, e);
        }
    }

    /** A value as text, arrays included ([OK, value]). */
    public static String show(Object v) {
        if (v instanceof Object[]) {
            StringBuilder sb = new StringBuilder("[");
            for (Object o : (Object[]) v) {
                sb.append(sb.length() > 1 ? ", " : "").append(show(o));
            }
            return sb.append(']').toString();
        }
        return String.valueOf(v);
    }

    public static void assertShown(String expected, Object actual) {
        assertEquals(expected, show(actual));
    }
}
