package glide.api.models.commands.batch;

/** Options of a standalone exec: a timeout (ms) for the whole batch (null: the client's). */
public final class BatchOptions extends BaseBatchOptions {
    private BatchOptions(Integer timeout) {
        super(timeout);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private Integer timeout;

        public Builder timeout(Integer timeout) {
            this.timeout = timeout;
            return this;
        }

        public BatchOptions build() {
            return new BatchOptions(timeout);
        }
    }
}
