package glide.api;

import glide.api.models.BaseBatch;
import glide.api.models.GlideString;
import glide.api.models.PubSubMessage;
import glide.api.models.exceptions.ConfigurationError;
import glide.api.models.exceptions.ClosingException;
import glide.internal.BatchAccess;
import glide.internal.GlideC;
import glide.internal.NativeClient;
import glide.internal.PubSubReceiver;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What both clients share: the library's client, batches, custom commands and close. Thread-safe:
 * one client serves any number of threads. Futures complete on the library's I/O thread: a
 * dependent stage added without *Async runs there and must not block (use thenApplyAsync & co for
 * long work).
 */
public abstract class BaseClient implements AutoCloseable {
    private final NativeClient client;

    protected BaseClient(NativeClient client) {
        this.client = client;
    }

    /** The loaded libglide_c's version ("0.2.0"); loads the library if needed. */
    public static String libraryVersion() {
        return GlideC.version();
    }

    /** Connects on a new thread (glide_client_new blocks for up to the connection timeout). */
    static <T> CompletableFuture<T> connectAsync(Supplier<T> connect) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(connect.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "glide-c-connect");
        t.setDaemon(true);
        t.start();
        return f;
    }

    @SuppressWarnings("unchecked")
    CompletableFuture<Object[]> execBatch(
            BaseBatch<?> batch, boolean raiseOnError, NativeClient.ExecOptions options) {
        Objects.requireNonNull(batch, "batch");
        return (CompletableFuture<Object[]>) (CompletableFuture<?>) client.exec(
                BatchAccess.commands(batch),
                batch.isAtomic(),
                BatchAccess.binaryOutput(batch),
                raiseOnError,
                options);
    }

    CompletableFuture<Object> command(String[] args) {
        Objects.requireNonNull(args, "args");
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            a[i] = Objects.requireNonNull(args[i], "argument").getBytes(StandardCharsets.UTF_8);
        }
        return client.command(a, false);
    }

    CompletableFuture<Object> command(GlideString[] args) {
        Objects.requireNonNull(args, "args");
        byte[][] a = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            a[i] = Objects.requireNonNull(args[i], "argument").getBytes();
        }
        return client.command(a, true);
    }

    // ---------------------------------------------------------------- pub/sub

    /**
     * The next pub/sub message of a subscriber client made without a callback: completed at once
     * when one is queued, else when one arrives (on the library's I/O thread: a dependent stage
     * added without *Async runs there and must not block), or with ClosingException when the
     * client closes first. Readers waiting together get the messages in the order they asked.
     *
     * @throws ConfigurationError the client is not a subscriber, or its messages go to a callback
     */
    public CompletableFuture<PubSubMessage> getPubSubMessage() {
        return receiver("getPubSubMessage").next();
    }

    /**
     * The next queued pub/sub message, or null when none is queued (never waits); queued messages
     * stay readable after close.
     *
     * @throws ConfigurationError the client is not a subscriber, or its messages go to a callback
     */
    public PubSubMessage tryGetPubSubMessage() {
        return receiver("tryGetPubSubMessage").poll();
    }

    /**
     * Pub/sub messages dropped because the queue was full (its bound: the subscription
     * configuration's maxQueuedMessages, by default 100,000); 0 for a client that is not a
     * subscriber or has a callback.
     */
    public long pubsubMessagesDropped() {
        PubSubReceiver r = client.pubsub();
        return r == null ? 0 : r.dropped();
    }

    private PubSubReceiver receiver(String what) {
        PubSubReceiver r = client.pubsub();
        if (r == null) {
            throw new ConfigurationError(what + ": this client was created without a subscription"
                    + " configuration, so no message will ever arrive");
        }
        return r;
    }

    /**
     * Subscribes to channels (SUBSCRIBE) at run time. The future completes once the server
     * confirmed every one (the blocking library call runs on a thread of the binding, never the
     * caller's), and fails with ConfigurationError on a client made without a subscription
     * configuration, TimeoutException when the server did not confirm within the request timeout
     * (the client keeps trying), RequestException when it refused a channel (an ACL's NOPERM),
     * ClosingException once the client is closed. Subscribing a channel already subscribed
     * succeeds. The library keeps runtime subscriptions like the configured ones (reconnects,
     * failovers, slot moves). Do not wait for the future on the library's I/O thread (inside a
     * callback or a completion): it completes only after that thread confirmed the change.
     */
    public CompletableFuture<Void> subscribe(String[] channels) {
        return change(true, GlideC.PUBSUB_EXACT, bytes(channels));
    }

    /** {@link #subscribe(String[])} with binary channel names. */
    public CompletableFuture<Void> subscribe(GlideString[] channels) {
        return change(true, GlideC.PUBSUB_EXACT, bytes(channels));
    }

    /** Subscribes to glob-style patterns (PSUBSCRIBE) at run time; as {@link #subscribe(String[])}. */
    public CompletableFuture<Void> psubscribe(String[] patterns) {
        return change(true, GlideC.PUBSUB_PATTERN, bytes(patterns));
    }

    /** {@link #psubscribe(String[])} with binary patterns. */
    public CompletableFuture<Void> psubscribe(GlideString[] patterns) {
        return change(true, GlideC.PUBSUB_PATTERN, bytes(patterns));
    }

    /**
     * Unsubscribes from channels (UNSUBSCRIBE) at run time, configured ones included; as {@link
     * #subscribe(String[])}. A channel not subscribed is no error.
     */
    public CompletableFuture<Void> unsubscribe(String[] channels) {
        return change(false, GlideC.PUBSUB_EXACT, bytes(channels));
    }

    /** {@link #unsubscribe(String[])} with binary channel names. */
    public CompletableFuture<Void> unsubscribe(GlideString[] channels) {
        return change(false, GlideC.PUBSUB_EXACT, bytes(channels));
    }

    /** Unsubscribes from every channel (the EXACT subscriptions). */
    public CompletableFuture<Void> unsubscribe() {
        return change(false, GlideC.PUBSUB_EXACT, null);
    }

    /** Unsubscribes from patterns (PUNSUBSCRIBE); as {@link #unsubscribe(String[])}. */
    public CompletableFuture<Void> punsubscribe(String[] patterns) {
        return change(false, GlideC.PUBSUB_PATTERN, bytes(patterns));
    }

    /** {@link #punsubscribe(String[])} with binary patterns. */
    public CompletableFuture<Void> punsubscribe(GlideString[] patterns) {
        return change(false, GlideC.PUBSUB_PATTERN, bytes(patterns));
    }

    /** Unsubscribes from every pattern. */
    public CompletableFuture<Void> punsubscribe() {
        return change(false, GlideC.PUBSUB_PATTERN, null);
    }

    CompletableFuture<Void> change(boolean subscribe, int kind, byte[][] channels) {
        return client.changeSubscriptions(subscribe, kind, channels);
    }

    static byte[][] bytes(String[] channels) {
        Objects.requireNonNull(channels, "channels");
        byte[][] a = new byte[channels.length][];
        for (int i = 0; i < channels.length; i++) {
            a[i] = Objects.requireNonNull(channels[i], "channel").getBytes(StandardCharsets.UTF_8);
        }
        return a;
    }

    static byte[][] bytes(GlideString[] channels) {
        Objects.requireNonNull(channels, "channels");
        byte[][] a = new byte[channels.length][];
        for (int i = 0; i < channels.length; i++) {
            a[i] = Objects.requireNonNull(channels[i], "channel").getBytes();
        }
        return a;
    }

    /**
     * Closes the client: every request still pending completes with {@link ClosingException}
     * before this returns (from inside a completion running on the library's I/O thread, the close
     * finishes when that completion returns), then the connections and the I/O thread stop.
     * Idempotent; later requests fail with {@link ClosingException}. A subscriber client stops
     * receiving: readers waiting in {@link #getPubSubMessage()} fail with ClosingException, queued
     * messages stay readable with {@link #tryGetPubSubMessage()}; a runtime subscribe or
     * unsubscribe in progress is waited for (at most the request timeout).
     */
    @Override
    public void close() {
        client.close();
    }
}
