package glide.internal;

import glide.api.models.GlideString;
import glide.api.models.PubSubMessage;
import glide.api.models.configuration.BaseSubscriptionConfiguration;
import glide.api.models.configuration.BaseSubscriptionConfiguration.MessageCallback;
import glide.api.models.exceptions.ClosingException;
import glide.api.models.exceptions.ConfigurationError;
import com.sun.jna.Pointer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The receiving side of one subscriber client: the glide_pubsub_callback the library calls on its
 * I/O thread (this object), and the user's callback or the bounded message queue. Internal to the
 * binding.
 *
 * <p>The library may call the callback until glide_client_close returns, so every receiver stays
 * in {@link #LIVE} (strongly reachable, whatever becomes of the client object) from before the
 * client is made until its close returned. Each message is copied out of the library's borrowed
 * struct inside the callback.
 */
public final class PubSubReceiver implements GlideC.PubSubCallback {
    /** Receivers whose client may still call them back. */
    private static final Set<PubSubReceiver> LIVE = ConcurrentHashMap.newKeySet();

    // glide_pubsub_message on LP64: kind (int, padded to 8), then pointer / length pairs.
    private static final long CHANNEL = 8;
    private static final long CHANNEL_LEN = 16;
    private static final long PATTERN = 24;
    private static final long PATTERN_LEN = 32;
    private static final long PAYLOAD = 40;
    private static final long PAYLOAD_LEN = 48;

    private final MessageCallback callback;
    private final Object context;
    private final int maxQueued;

    private final Object lock = new Object();
    private final ArrayDeque<PubSubMessage> queue = new ArrayDeque<>(); // guarded by lock
    private final ArrayDeque<CompletableFuture<PubSubMessage>> waiters = new ArrayDeque<>(); // lock
    private long dropped; // guarded by lock
    private boolean closed; // guarded by lock

    PubSubReceiver(BaseSubscriptionConfiguration config) {
        this.callback = config.getCallback().orElse(null);
        this.context = config.getContext().orElse(null);
        this.maxQueued = config.getMaxQueuedMessages();
        GlideC.keepAttached(this);
        LIVE.add(this);
    }

    /** Sets this callback and the configured subscriptions on a library config. */
    void configure(Pointer cfg, BaseSubscriptionConfiguration config) {
        int st = GlideC.glide_config_set_pubsub_callback(cfg, this, null);
        if (st != GlideC.OK) {
            throw Values.configError(st, "subscriptionConfiguration");
        }
        for (Map.Entry<? extends Enum<?>, Set<GlideString>> e : config.getSubscriptionsByMode().entrySet()) {
            int kind = e.getKey().ordinal(); // EXACT 0, PATTERN 1, SHARDED 2: glide_pubsub_kind
            for (GlideString channel : e.getValue()) {
                byte[] b = channel.getBytes();
                if (b.length == 0) {
                    throw new ConfigurationError("subscriptionConfiguration: a " + e.getKey()
                            + " channel must not be empty");
                }
                st = GlideC.glide_config_subscribe(cfg, kind, b, b.length);
                if (st != GlideC.OK) {
                    throw Values.configError(st, "subscriptionConfiguration " + e.getKey() + " " + channel);
                }
            }
        }
    }

    /** glide_pubsub_callback, on the library's I/O thread. Never throws into the library. */
    @Override
    public void invoke(Pointer userData, Pointer m) {
        try {
            byte[] channel = bytes(m.getPointer(CHANNEL), m.getLong(CHANNEL_LEN));
            Pointer p = m.getPointer(PATTERN);
            byte[] pattern = p == null ? null : bytes(p, m.getLong(PATTERN_LEN));
            byte[] payload = bytes(m.getPointer(PAYLOAD), m.getLong(PAYLOAD_LEN));
            PubSubMessage msg = new PubSubMessage(GlideString.of(payload), GlideString.of(channel),
                    pattern == null ? null : GlideString.of(pattern));
            NativeClient.enterCallback(); // user code runs here (the callback, or a reader's stages)
            try {
                if (callback != null) {
                    callback.accept(msg, context);
                } else {
                    offer(msg);
                }
            } finally {
                NativeClient.exitCallback();
            }
        } catch (Throwable t) {
            try {
                Thread th = Thread.currentThread();
                th.getUncaughtExceptionHandler().uncaughtException(th, t);
            } catch (Throwable ignored) {
                // nothing more can be done on the library's thread
            }
        }
    }

    private static byte[] bytes(Pointer p, long len) {
        if (len == 0 || p == null) {
            return new byte[0];
        }
        if (len > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a pub/sub message part of " + len + " bytes does not fit a byte[]");
        }
        return p.getByteArray(0, (int) len);
    }

    /** To the oldest waiting reader, else into the queue, else (full) dropped and counted. */
    private void offer(PubSubMessage msg) {
        for (;;) {
            CompletableFuture<PubSubMessage> w;
            synchronized (lock) {
                w = waiters.poll();
                if (w == null) {
                    if (queue.size() >= maxQueued) {
                        dropped++; // the newest goes: the queued ones stay, in order, without gaps
                    } else {
                        queue.add(msg);
                    }
                    return;
                }
            }
            if (w.complete(msg)) { // false: the reader cancelled it; try the next one
                return;
            }
        }
    }

    private void checkQueueMode() {
        if (callback != null) {
            throw new ConfigurationError("this client's messages go to the subscription configuration's"
                    + " callback: there is no queue to read");
        }
    }

    /** The next message: at once when one is queued, else when one arrives (or the client closes). */
    public CompletableFuture<PubSubMessage> next() {
        checkQueueMode();
        synchronized (lock) {
            PubSubMessage m = queue.poll();
            if (m != null) {
                return CompletableFuture.completedFuture(m);
            }
            CompletableFuture<PubSubMessage> f = new CompletableFuture<>();
            if (closed) {
                f.completeExceptionally(new ClosingException("the client is closed"));
            } else {
                waiters.add(f);
            }
            return f;
        }
    }

    /** The next queued message, or null. */
    public PubSubMessage poll() {
        checkQueueMode();
        synchronized (lock) {
            return queue.poll();
        }
    }

    /** Messages dropped because the queue was full. */
    public long dropped() {
        synchronized (lock) {
            return dropped;
        }
    }

    /**
     * After glide_client_close returned (or glide_client_new failed): waiting readers fail with
     * ClosingException, queued messages stay readable. release: the library calls no more, so the
     * receiver may go (false for a close from inside a callback, which the library finishes later:
     * the receiver then stays reachable for the life of the process).
     */
    void close(boolean release) {
        List<CompletableFuture<PubSubMessage>> w;
        synchronized (lock) {
            closed = true;
            w = new ArrayList<>(waiters);
            waiters.clear();
        }
        if (release) {
            LIVE.remove(this);
        }
        for (CompletableFuture<PubSubMessage> f : w) {
            f.completeExceptionally(new ClosingException("the client was closed"));
        }
    }
}
