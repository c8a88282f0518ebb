package glide.api.models.configuration;

import glide.api.models.GlideString;
import java.util.Map;
import java.util.Set;

/**
 * The subscriptions of a {@code GlideClusterClient}
 * ({@link GlideClusterClientConfiguration.Builder#subscriptionConfiguration}).
 *
 * <pre>{@code
 * ClusterSubscriptionConfiguration subscriptions = ClusterSubscriptionConfiguration.builder()
 *         .subscription(PubSubClusterChannelMode.EXACT, "news")
 *         .subscription(PubSubClusterChannelMode.PATTERN, "alerts.*")
 *         .subscription(PubSubClusterChannelMode.SHARDED, "orders")
 *         .callback((msg, context) -> queue.offer(msg)) // or none: client.getPubSubMessage()
 *         .build();
 * }</pre>
 */
public final class ClusterSubscriptionConfiguration extends BaseSubscriptionConfiguration {
    /** The kinds of subscription of a cluster client. */
    public enum PubSubClusterChannelMode {
        /** A channel (SUBSCRIBE). */
        EXACT,
        /** A glob-style pattern (PSUBSCRIBE). */
        PATTERN,
        /** A sharded channel (SSUBSCRIBE), on the primary owning its slot (Valkey 7+). */
        SHARDED
    }

    private final Map<PubSubClusterChannelMode, Set<GlideString>> subscriptions;

    private ClusterSubscriptionConfiguration(Builder b) {
        super(b);
        this.subscriptions = b.subscriptionsCopy();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The channels and patterns subscribed from the start, by mode (unmodifiable). */
    public Map<PubSubClusterChannelMode, Set<GlideString>> getSubscriptions() {
        return subscriptions;
    }

    @Override
    public Map<PubSubClusterChannelMode, Set<GlideString>> getSubscriptionsByMode() {
        return subscriptions;
    }

    public static final class Builder
            extends BaseSubscriptionConfiguration.Builder<
                    PubSubClusterChannelMode, Builder, ClusterSubscriptionConfiguration> {
        private Builder() {
            super(PubSubClusterChannelMode.class);
        }

        @Override
        public ClusterSubscriptionConfiguration build() {
            return new ClusterSubscriptionConfiguration(this);
        }
    }
}
