package glide.api.models.configuration;

import glide.api.models.GlideString;
import glide.api.models.PubSubMessage;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What both subscription configurations share: the channels subscribed from the start (the client
 * is created once the server confirmed each one), and where the messages go.
 *
 * <p>With a {@link MessageCallback} every message is handed to it on the library's I/O thread, in
 * arrival order. Without one, messages wait in the client's queue for {@code getPubSubMessage()}
 * / {@code tryGetPubSubMessage()}. The queue is bounded by {@link #getMaxQueuedMessages()}
 * (default {@value #DEFAULT_MAX_QUEUED_MESSAGES} messages, as the library's own dispatch queue):
 * once it is full, newly arriving messages are dropped (the queued ones stay, in order, without
 * gaps) and counted by the client's {@code pubsubMessagesDropped()}. A reader that falls behind
 * thus costs bounded memory.
 *
 * <p>A client made with a subscription configuration is a subscriber: it may also subscribe and
 * unsubscribe at run time (the configuration may therefore hold no channel at all). The library
 * keeps every subscription across reconnects, failovers and slot moves.
 */
public abstract class BaseSubscriptionConfiguration {
    /** The default bound of the message queue (no callback). */
    public static final int DEFAULT_MAX_QUEUED_MESSAGES = 100_000;

    /**
     * Receives every message of a subscriber client made with it. Called on the library's I/O
     * thread: it must return quickly and must not block (no {@code get()} on a future, no lock held
     * long, no I/O) and must not call the client (no request, subscribe or close: hand the message
     * to another thread for that), since the client reads nothing while it runs. An exception it
     * throws goes to the thread's uncaught-exception handler and is otherwise ignored.
     */
    @FunctionalInterface
    public interface MessageCallback {
        void accept(PubSubMessage message, Object context);
    }

    private final MessageCallback callback;
    private final Object context;
    private final int maxQueuedMessages;

    protected BaseSubscriptionConfiguration(Builder<?, ?, ?> b) {
        this.callback = b.callback;
        this.context = b.context;
        this.maxQueuedMessages = b.maxQueuedMessages;
    }

    /** The callback; empty: messages go to the client's queue. */
    public Optional<MessageCallback> getCallback() {
        return Optional.ofNullable(callback);
    }

    /** The context passed to the callback with every message. */
    public Optional<Object> getContext() {
        return Optional.ofNullable(context);
    }

    /** The bound of the message queue (used without a callback). */
    public int getMaxQueuedMessages() {
        return maxQueuedMessages;
    }

    /**
     * The subscriptions by mode. The modes' ordinals are the library's kinds (EXACT 0, PATTERN 1,
     * SHARDED 2).
     */
    public abstract Map<? extends Enum<?>, Set<GlideString>> getSubscriptionsByMode();

    /** The common builder: {@code M} the modes, {@code B} the builder, {@code C} what it builds. */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<M extends Enum<M>, B extends Builder<M, B, C>, C> {
        private final Map<M, Set<GlideString>> subscriptions;
        private MessageCallback callback;
        private Object context;
        private int maxQueuedMessages = DEFAULT_MAX_QUEUED_MESSAGES;

        protected Builder(Class<M> modes) {
            subscriptions = new EnumMap<>(modes);
        }

        /** Subscribes to a channel or pattern from the start (given twice, it counts once). */
        public B subscription(M mode, GlideString channel) {
            if (mode == null || channel == null) {
                throw new IllegalArgumentException("subscription: mode and channel must not be null");
            }
            subscriptions.computeIfAbsent(mode, k -> new LinkedHashSet<>()).add(channel);
            return (B) this;
        }

        /** {@link #subscription(Enum, GlideString)} with the UTF-8 bytes of {@code channel}. */
        public B subscription(M mode, String channel) {
            if (channel == null) {
                throw new IllegalArgumentException("subscription: channel must not be null");
            }
            return subscription(mode, GlideString.of(channel));
        }

        /** Several channels or patterns of one mode. */
        public B subscriptions(M mode, Set<GlideString> channels) {
            for (GlideString c : channels) {
                subscription(mode, c);
            }
            return (B) this;
        }

        /** Messages go to {@code callback}, with a null context. */
        public B callback(MessageCallback callback) {
            return callback(callback, null);
        }

        /** Messages go to {@code callback}, with {@code context}. See {@link MessageCallback}. */
        public B callback(MessageCallback callback, Object context) {
            this.callback = callback;
            this.context = context;
            return (B) this;
        }

        /**
         * The bound of the message queue (used without a callback); at least 1, default {@value
         * BaseSubscriptionConfiguration#DEFAULT_MAX_QUEUED_MESSAGES}. Past it new messages are
         * dropped and counted.
         */
        public B maxQueuedMessages(int maxQueuedMessages) {
            if (maxQueuedMessages < 1) {
                throw new IllegalArgumentException("maxQueuedMessages must be at least 1, not " + maxQueuedMessages);
            }
            this.maxQueuedMessages = maxQueuedMessages;
            return (B) this;
        }

        protected Map<M, Set<GlideString>> subscriptionsCopy() {
            Map<M, Set<GlideString>> m = new EnumMap<>(subscriptions);
            m.replaceAll((k, v) -> Collections.unmodifiableSet(new LinkedHashSet<>(v)));
            return Collections.unmodifiableMap(m);
        }

        public abstract C build();
    }
}
