package glide.api.models.configuration;

/** The configuration of a standalone {@code GlideClient}. */
public final class GlideClientConfiguration extends BaseClientConfiguration {
    private final Integer databaseId;

    private GlideClientConfiguration(Builder b) {
        super(b);
        this.databaseId = b.databaseId;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The database selected after connecting; null: 0. */
    public Integer getDatabaseId() {
        return databaseId;
    }

    public static final class Builder
            extends BaseClientConfiguration.Builder<Builder, GlideClientConfiguration> {
        private Integer databaseId;

        public Builder databaseId(Integer databaseId) {
            this.databaseId = databaseId;
            return this;
        }

        @Override
        public GlideClientConfiguration build() {
            return new GlideClientConfiguration(this);
        }
    }
}
