package glide.api.models.commands.batch;

/**
 * Retries of a non-atomic cluster batch (an atomic batch with either flag fails): commands answered
 * TRYAGAIN, CLUSTERDOWN, MASTERDOWN or LOADING (retryServerError), and commands of a lost
 * connection, re-sent after reconnecting so that they may run twice (retryConnectionError).
 */
public final class ClusterBatchRetryStrategy {
    private final boolean retryServerError;
    private final boolean retryConnectionError;

    private ClusterBatchRetryStrategy(boolean retryServerError, boolean retryConnectionError) {
        this.retryServerError = retryServerError;
        this.retryConnectionError = retryConnectionError;
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean isRetryServerError() {
        return retryServerError;
    }

    public boolean isRetryConnectionError() {
        return retryConnectionError;
    }

    public static final class Builder {
        private boolean retryServerError;
        private boolean retryConnectionError;

        public Builder retryServerError(boolean retryServerError) {
            this.retryServerError = retryServerError;
            return this;
        }

        public Builder retryConnectionError(boolean retryConnectionError) {
            this.retryConnectionError = retryConnectionError;
            return this;
        }

        public ClusterBatchRetryStrategy build() {
            return new ClusterBatchRetryStrategy(retryServerError, retryConnectionError);
        }
    }
}
