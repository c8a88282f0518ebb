package glide.api.models.configuration;

/** The configuration of a {@code GlideClusterClient}. */
public final class GlideClusterClientConfiguration extends BaseClientConfiguration {
    private final ClusterSubscriptionConfiguration subscriptionConfiguration;

    private GlideClusterClientConfiguration(Builder b) {
        super(b);
        this.subscriptionConfiguration = b.subscriptionConfiguration;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The pub/sub subscriptions; null: the client is not a subscriber. */
    public ClusterSubscriptionConfiguration getSubscriptionConfiguration() {
        return subscriptionConfiguration;
    }

    public static final class Builder
            extends BaseClientConfiguration.Builder<Builder, GlideClusterClientConfiguration> {
        private ClusterSubscriptionConfiguration subscriptionConfiguration;

        /**
         * Makes the client a pub/sub subscriber: subscribed to these channels before createClient
         * completes, able to subscribe more at run time, its messages going to the configuration's
         * callback or to the client's queue.
         */
        public Builder subscriptionConfiguration(ClusterSubscriptionConfiguration subscriptionConfiguration) {
            this.subscriptionConfiguration = subscriptionConfiguration;
            return this;
        }

        @Override
        public GlideClusterClientConfiguration build() {
            return new GlideClusterClientConfiguration(this);
        }
    }
}
