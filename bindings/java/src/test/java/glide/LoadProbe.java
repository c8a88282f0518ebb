package glide;

import glide.api.GlideClusterClient;
import glide.api.models.configuration.GlideClusterClientConfiguration;
import glide.api.models.configuration.NodeAddress;
import java.util.concurrent.ExecutionException;

/** Run in a JVM of its own by InputTest: prints what createClient fails with. */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) throws Exception {
        try {
            GlideClusterClient.createClient(GlideClusterClientConfiguration.builder()
                    .address(NodeAddress.builder().host("127.0.0.1").port(1).build())
                    .build()).get().close();
            System.out.println("connected?!");
        } catch (ExecutionException e) {
            System.out.println(e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
        }
    }
}
