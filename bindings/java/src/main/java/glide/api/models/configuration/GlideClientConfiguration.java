package glide.api.models.configuration;

/** The configuration of a standalone {@code GlideClient}. */
public final class GlideClientConfiguration extends BaseClientConfiguration {
    private final Integer databaseId;
    private final StandaloneSubscriptionConfiguration subscriptionConfiguration;

    private GlideClientConfiguration(Builder b) {
        super(b);
        this.databaseId = b.databaseId;
        this.subscriptionConfiguration = b.subscriptionConfiguration;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The database selected after connecting; null: 0. */
    public Integer getDatabaseId() {
        return databaseId;
    }

    /** The pub/sub subscriptions; null: the client is not a subscriber. */
    public StandaloneSubscriptionConfiguration getSubscriptionConfiguration() {
        return subscriptionConfiguration;
    }

    public static final class Builder
            extends BaseClientConfiguration.Builder<Builder, GlideClientConfiguration> {
        private Integer databaseId;
        private StandaloneSubscriptionConfiguration subscriptionConfiguration;

        public Builder databaseId(Integer databaseId) {
            this.databaseId = databaseId;
            return this;
        }

        /** Makes the client a pub/sub subscriber: as the cluster configuration's. */
        public Builder subscriptionConfiguration(StandaloneSubscriptionConfiguration subscriptionConfiguration) {
            this.subscriptionConfiguration = subscriptionConfiguration;
            return this;
        }

        @Override
        public GlideClientConfiguration build() {
            return new GlideClientConfiguration(this);
        }
    }
}
