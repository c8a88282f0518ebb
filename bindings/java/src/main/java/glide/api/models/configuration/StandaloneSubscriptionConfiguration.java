package glide.api.models.configuration;

import glide.api.models.GlideString;
import java.util.Map;
import java.util.Set;

/**
 * The subscriptions of a standalone {@code GlideClient}
 * ({@link GlideClientConfiguration.Builder#subscriptionConfiguration}): channels and patterns,
 * as {@link ClusterSubscriptionConfiguration} without sharded channels.
 */
public final class StandaloneSubscriptionConfiguration extends BaseSubscriptionConfiguration {
    /** The kinds of subscription of a standalone client. */
    public enum PubSubChannelMode {
        /** A channel (SUBSCRIBE). */
        EXACT,
        /** A glob-style pattern (PSUBSCRIBE). */
        PATTERN
    }

    private final Map<PubSubChannelMode, Set<GlideString>> subscriptions;

    private StandaloneSubscriptionConfiguration(Builder b) {
        super(b);
        this.subscriptions = b.subscriptionsCopy();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The channels and patterns subscribed from the start, by mode (unmodifiable). */
    public Map<PubSubChannelMode, Set<GlideString>> getSubscriptions() {
        return subscriptions;
    }

    @Override
    public Map<PubSubChannelMode, Set<GlideString>> getSubscriptionsByMode() {
        return subscriptions;
    }

    public static final class Builder
            extends BaseSubscriptionConfiguration.Builder<
                    PubSubChannelMode, Builder, StandaloneSubscriptionConfiguration> {
        private Builder() {
            super(PubSubChannelMode.class);
        }

        @Override
        public StandaloneSubscriptionConfiguration build() {
            return new StandaloneSubscriptionConfiguration(this);
        }
    }
}
