package glide.api;

import glide.api.models.ClusterBatch;
import glide.api.models.ClusterValue;
import glide.api.models.GlideString;
import glide.api.models.commands.batch.ClusterBatchOptions;
import glide.api.models.configuration.GlideClusterClientConfiguration;
import glide.internal.GlideC;
import glide.internal.NativeClient;
import java.util.concurrent.CompletableFuture;

/**
 * A client of a Valkey / Redis cluster, over libglide_c. Thread-safe; close it when done (it is
 * AutoCloseable).
 *
 * <pre>{@code
 * try (GlideClusterClient client = GlideClusterClient.createClient(
 *         GlideClusterClientConfiguration.builder()
 *                 .address(NodeAddress.builder().host("127.0.0.1").port(7000).build())
 *                 .build()).get()) {
 *     ClusterBatch transaction = new ClusterBatch(true);
 *     transaction.set("key", "value");
 *     transaction.get("key");
 *     Object[] result = client.exec(transaction, false).get(); // [OK, value]
 * }
 * }</pre>
 */
public final class GlideClusterClient extends BaseClient {
    private GlideClusterClient(NativeClient client) {
        super(client);
    }

    /**
     * Connects to a cluster (discovering its slot map from the seed addresses). The future fails
     * with ConnectionException (refused, unreachable, not a cluster, TLS, authentication),
     * TimeoutException, ConfigurationError (bad configuration), or UnsatisfiedLinkError when
     * libglide_c cannot be loaded or is of a version this binding cannot use.
     */
    public static CompletableFuture<GlideClusterClient> createClient(
            GlideClusterClientConfiguration config) {
        return connectAsync(() -> new GlideClusterClient(NativeClient.connect(
                config, true, null, config == null ? null : config.getSubscriptionConfiguration())));
    }

    /**
     * Runs a batch. The result has one element per command, in the order they were added. With
     * raiseOnError false a failed command's element is its exception (a RequestException); with
     * true the future fails with the first such exception. An atomic batch aborted by WATCH
     * completes with null. Failures of the whole batch (EXECABORT: ExecAbortException, keys of an
     * atomic batch in several slots, a timeout of an atomic batch, close: ClosingException) fail the
     * future either way.
     */
    public CompletableFuture<Object[]> exec(ClusterBatch batch, boolean raiseOnError) {
        return execBatch(batch, raiseOnError, null);
    }

    /** {@link #exec(ClusterBatch, boolean)} with a timeout, retry strategy or route. */
    public CompletableFuture<Object[]> exec(
            ClusterBatch batch, boolean raiseOnError, ClusterBatchOptions options) {
        NativeClient.ExecOptions o = new NativeClient.ExecOptions();
        if (options != null) {
            o.timeout = options.getTimeout();
            if (options.getRetryStrategy() != null) {
                o.retryServerError = options.getRetryStrategy().isRetryServerError();
                o.retryConnectionError = options.getRetryStrategy().isRetryConnectionError();
            }
            o.route = options.getRoute();
        }
        return execBatch(batch, raiseOnError, o);
    }

    /**
     * Runs one command ({@code args[0]} is its name), routed by its keys; a command with keys in
     * several slots, or one for every primary, is split and its answers combined by the library, so
     * the value is always single. Server errors fail the future with RequestException.
     */
    public CompletableFuture<ClusterValue<Object>> customCommand(String[] args) {
        return command(args).thenApply(ClusterValue::ofSingleValue);
    }

    /** {@link #customCommand(String[])} with binary arguments: bulk strings come back as GlideString. */
    public CompletableFuture<ClusterValue<Object>> customCommand(GlideString[] args) {
        return command(args).thenApply(ClusterValue::ofSingleValue);
    }

    /**
     * Subscribes to sharded channels (SSUBSCRIBE, each on the primary owning its slot) at run
     * time; as {@link #subscribe(String[])}.
     */
    public CompletableFuture<Void> ssubscribe(String[] channels) {
        return change(true, GlideC.PUBSUB_SHARDED, bytes(channels));
    }

    /** {@link #ssubscribe(String[])} with binary channel names. */
    public CompletableFuture<Void> ssubscribe(GlideString[] channels) {
        return change(true, GlideC.PUBSUB_SHARDED, bytes(channels));
    }

    /** Unsubscribes from sharded channels (SUNSUBSCRIBE); as {@link #unsubscribe(String[])}. */
    public CompletableFuture<Void> sunsubscribe(String[] channels) {
        return change(false, GlideC.PUBSUB_SHARDED, bytes(channels));
    }

    /** {@link #sunsubscribe(String[])} with binary channel names. */
    public CompletableFuture<Void> sunsubscribe(GlideString[] channels) {
        return change(false, GlideC.PUBSUB_SHARDED, bytes(channels));
    }

    /** Unsubscribes from every sharded channel. */
    public CompletableFuture<Void> sunsubscribe() {
        return change(false, GlideC.PUBSUB_SHARDED, null);
    }
}
