package glide.api.models.commands.batch;

import glide.api.models.configuration.RequestRoutingConfiguration.SingleNodeRoute;

/** Options of a cluster exec: timeout (ms, null: the client's), retry strategy, route. */
public final class ClusterBatchOptions extends BaseBatchOptions {
    private final ClusterBatchRetryStrategy retryStrategy;
    private final SingleNodeRoute route;

    private ClusterBatchOptions(
            Integer timeout, ClusterBatchRetryStrategy retryStrategy, SingleNodeRoute route) {
        super(timeout);
        this.retryStrategy = retryStrategy;
        this.route = route;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ClusterBatchRetryStrategy getRetryStrategy() {
        return retryStrategy;
    }

    public SingleNodeRoute getRoute() {
        return route;
    }

    public static final class Builder {
        private Integer timeout;
        private ClusterBatchRetryStrategy retryStrategy;
        private SingleNodeRoute route;

        public Builder timeout(Integer timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder retryStrategy(ClusterBatchRetryStrategy retryStrategy) {
            this.retryStrategy = retryStrategy;
            return this;
        }

        /** The whole batch to this node instead of each command by its keys. */
        public Builder route(SingleNodeRoute route) {
            this.route = route;
            return this;
        }

        public ClusterBatchOptions build() {
            return new ClusterBatchOptions(timeout, retryStrategy, route);
        }
    }
}
