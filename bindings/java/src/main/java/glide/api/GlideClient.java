package glide.api;

import glide.api.models.Batch;
import glide.api.models.GlideString;
import glide.api.models.commands.batch.BatchOptions;
import glide.api.models.configuration.GlideClientConfiguration;
import glide.internal.NativeClient;
import java.util.concurrent.CompletableFuture;

/** A client of one standalone Valkey / Redis server. Thread-safe; close it when done. */
public final class GlideClient extends BaseClient {
    private GlideClient(NativeClient client) {
        super(client);
    }

    /** Connects to the server (the first address). Failures as GlideClusterClient.createClient. */
    public static CompletableFuture<GlideClient> createClient(GlideClientConfiguration config) {
        return connectAsync(() -> new GlideClient(NativeClient.connect(
                config,
                false,
                config == null ? null : config.getDatabaseId(),
                config == null ? null : config.getSubscriptionConfiguration())));
    }

    /** Runs a batch: as {@link GlideClusterClient#exec(glide.api.models.ClusterBatch, boolean)}. */
    public CompletableFuture<Object[]> exec(Batch batch, boolean raiseOnError) {
        return execBatch(batch, raiseOnError, null);
    }

    /** {@link #exec(Batch, boolean)} with a timeout. */
    public CompletableFuture<Object[]> exec(Batch batch, boolean raiseOnError, BatchOptions options) {
        NativeClient.ExecOptions o = new NativeClient.ExecOptions();
        if (options != null) {
            o.timeout = options.getTimeout();
        }
        return execBatch(batch, raiseOnError, o);
    }

    /** Runs one command ({@code args[0]} is its name). */
    public CompletableFuture<Object> customCommand(String[] args) {
        return command(args);
    }

    /** {@link #customCommand(String[])} with binary arguments: bulk strings come back as GlideString. */
    public CompletableFuture<Object> customCommand(GlideString[] args) {
        return command(args);
    }
}
