package glide;

import static glide.TestServers.await;
import static glide.TestServers.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import glide.api.GlideClusterClient;
import glide.api.models.ClusterBatch;
import glide.api.models.configuration.GlideClusterClientConfiguration;
import glide.api.models.configuration.NodeAddress;
import org.junit.jupiter.api.Test;

/** The two examples of GLIDE's ClusterBatch documentation, written as in GLIDE's Java client. */
class SeedTest {
    @Test
    void atomicBatch() throws Exception {
        GlideClusterClient client = GlideClusterClient.createClient(GlideClusterClientConfiguration.builder()
                .address(NodeAddress.builder().host(TestServers.HOST).port(TestServers.CLUSTER_PORTS.get(0)).build())
                .build()).get();
        try (client) {
            String k = key("seed-atomic");
            ClusterBatch transaction = new ClusterBatch(true);
            transaction.set(k, "value");
            transaction.get(k);
            Object[] result = client.exec(transaction, false).get();
            assertArrayEquals(new Object[] {"OK", "value"}, result);
            assertInstanceOf(String.class, result[1]);
            System.out.println("atomic: " + TestServers.show(result));
        }
    }

    @Test
    void pipeline() {
        try (GlideClusterClient client = TestServers.cluster()) {
            // {a} and {b}: two hash tags, so the keys are in different slots.
            String k1 = key("{a}seed-key1");
            String k2 = key("{b}seed-key2");
            ClusterBatch pipeline = new ClusterBatch(false);
            pipeline.set(k1, "value1");
            pipeline.set(k2, "value2");
            pipeline.get(k1);
            pipeline.get(k2);
            Object[] result = await(client.exec(pipeline, false));
            assertArrayEquals(new Object[] {"OK", "OK", "value1", "value2"}, result);
            System.out.println("pipeline: " + TestServers.show(result));
            Object s1 = await(client.customCommand(new String[] {"CLUSTER", "KEYSLOT", k1})).getSingleValue();
            Object s2 = await(client.customCommand(new String[] {"CLUSTER", "KEYSLOT", k2})).getSingleValue();
            assertInstanceOf(Long.class, s1);
            assertNotEquals(s1, s2, "the pipeline's keys must be in different slots");
            assertEquals(pipeline.size(), 4);
        }
    }
}
