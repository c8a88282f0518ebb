package glide.api;

import glide.api.models.BaseBatch;
import glide.api.models.GlideString;
import glide.api.models.exceptions.ClosingException;
import glide.internal.BatchAccess;
import glide.internal.GlideC;
import glide.internal.NativeClient;
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

    /**
     * Closes the client: every request still pending completes with {@link ClosingException}
     * before this returns (from inside a completion running on the library's I/O thread, the close
     * finishes when that completion returns), then the connections and the I/O thread stop.
     * Idempotent; later requests fail with {@link ClosingException}.
     */
    @Override
    public void close() {
        client.close();
    }
}
