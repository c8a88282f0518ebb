package glide;

import static glide.TestServers.await;
import static glide.TestServers.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import glide.api.BaseClient;
import glide.api.GlideClusterClient;
import glide.api.models.ClusterBatch;
import glide.api.models.GlideString;
import glide.api.models.configuration.GlideClusterClientConfiguration;
import glide.api.models.configuration.NodeAddress;
import glide.api.models.exceptions.ConfigurationError;
import glide.api.models.exceptions.ConnectionException;
import glide.api.models.exceptions.GlideException;
import glide.internal.GlideC;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InputTest {
    @Test
    void libraryVersion() {
        String v = BaseClient.libraryVersion();
        assertEquals(v, GlideC.versionString(GlideC.glide_version_number() & 0xffffffffL));
        assertTrue(GlideC.glide_version_number() >= GlideC.WRITTEN_FOR, v);
        System.out.println("libglide_c " + v);
    }

    @Test
    void versionCheck() {
        GlideC.checkVersion(0x000200, "lib"); // the version written for
        GlideC.checkVersion(0x000201, "lib");
        GlideC.checkVersion(0x00ff00, "lib"); // a later 0.x
        UnsatisfiedLinkError old = assertThrows(UnsatisfiedLinkError.class, () -> GlideC.checkVersion(0x000105, "lib"));
        assertEquals("lib is glide-c 0.1.5, but this binding needs 0.2.0 or a later 0.x", old.getMessage());
        UnsatisfiedLinkError major = assertThrows(UnsatisfiedLinkError.class, () -> GlideC.checkVersion(0x010200, "lib"));
        assertTrue(major.getMessage().contains("is glide-c 1.2.0"), major.getMessage());
    }

    @Test
    void libraryNotFound() {
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> GlideC.open("/nonexistent/libglide_c.so.0"));
        assertTrue(e.getMessage().contains("cannot load libglide_c from \"/nonexistent/libglide_c.so.0\""), e.getMessage());
        assertTrue(e.getMessage().contains("GLIDE_C_LIBRARY"), e.getMessage());
        // A library that is not glide-c (no glide_version_number): libm.
        UnsatisfiedLinkError notGlide = assertThrows(UnsatisfiedLinkError.class, () -> GlideC.open("libm.so.6"));
        assertTrue(notGlide.getMessage().contains("has no glide_version_number"), notGlide.getMessage());
    }

    /** A whole JVM whose GLIDE_C_LIBRARY is wrong: createClient fails with a clear error. */
    @Test
    void wrongLibraryInANewJvm() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        // The launcher loads the tests with a class loader of its own: the probe's class path is
        // where the test classes, the binding and JNA were loaded from.
        String cp = String.join(File.pathSeparator, where(LoadProbe.class), where(GlideC.class),
                where(com.sun.jna.Native.class));
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", cp, "glide.LoadProbe");
        pb.environment().put("GLIDE_C_LIBRARY", "/nonexistent/libglide_c.so.0");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        assertTrue(p.waitFor(TestServers.TIMEOUT_S, TimeUnit.SECONDS), "the probe JVM did not exit");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("UnsatisfiedLinkError: cannot load libglide_c from \"/nonexistent/libglide_c.so.0\""), out);
    }

    private static String where(Class<?> c) throws Exception {
        return new File(c.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
    }

    @Test
    void unreachableHost() {
        GlideClusterClientConfiguration refused = GlideClusterClientConfiguration.builder()
                .address(NodeAddress.builder().host("127.0.0.1").port(1).build())
                .connectionTimeout(1000)
                .build();
        ConnectionException e = failure(GlideClusterClient.createClient(refused), ConnectionException.class);
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        GlideClusterClientConfiguration unresolved = GlideClusterClientConfiguration.builder()
                .address(NodeAddress.builder().host("no-such-host.invalid").port(7000).build())
                .connectionTimeout(1000)
                .build();
        failure(GlideClusterClient.createClient(unresolved), ConnectionException.class);
    }

    @Test
    void badConfiguration() {
        failure(GlideClusterClient.createClient(GlideClusterClientConfiguration.builder().build()),
                ConfigurationError.class);
        failure(GlideClusterClient.createClient(GlideClusterClientConfiguration.builder()
                .address(NodeAddress.builder().host("127.0.0.1").port(0).build()).build()), ConfigurationError.class);
        failure(GlideClusterClient.createClient(GlideClusterClientConfiguration.builder()
                .address(NodeAddress.builder().host("").port(7000).build()).build()), ConfigurationError.class);
        failure(GlideClusterClient.createClient(TestServersConfig.withRequestTimeout(0)), ConfigurationError.class);
        failure(GlideClusterClient.createClient(null), ConfigurationError.class);
        GlideException e = failure(GlideClusterClient.createClient(TestServersConfig.withRequestTimeout(-5)),
                ConfigurationError.class);
        assertTrue(e.getMessage().contains("requestTimeout -5"), e.getMessage());
    }

    @Test
    void badBatchInput() {
        ClusterBatch b = new ClusterBatch(false);
        assertThrows(NullPointerException.class, () -> b.set((String) null, "v"));
        assertThrows(NullPointerException.class, () -> b.get((GlideString) null));
        assertThrows(NullPointerException.class, () -> b.customCommand(new String[] {"GET", null}));
        assertEquals(0, b.size());
        try (GlideClusterClient c = await(GlideClusterClient.createClient(TestServers.clusterConfig()))) {
            assertThrows(NullPointerException.class, () -> c.exec(null, false));
            assertThrows(NullPointerException.class, () -> c.customCommand((String[]) null));
        }
    }

    /** Configurations for the tests above. */
    static final class TestServersConfig {
        static GlideClusterClientConfiguration withRequestTimeout(int ms) {
            return GlideClusterClientConfiguration.builder()
                    .address(NodeAddress.builder().host(TestServers.HOST).port(TestServers.CLUSTER_PORTS.get(0)).build())
                    .requestTimeout(ms)
                    .build();
        }
    }
}
