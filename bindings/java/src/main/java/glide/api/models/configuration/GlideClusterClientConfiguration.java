package glide.api.models.configuration;

/** The configuration of a {@code GlideClusterClient}. */
public final class GlideClusterClientConfiguration extends BaseClientConfiguration {
    private GlideClusterClientConfiguration(Builder b) {
        super(b);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder
            extends BaseClientConfiguration.Builder<Builder, GlideClusterClientConfiguration> {
        @Override
        public GlideClusterClientConfiguration build() {
            return new GlideClusterClientConfiguration(this);
        }
    }
}
