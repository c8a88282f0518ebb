package glide.api.models.configuration;

/** A server's address: host name or IP literal (default "localhost") and port (default 6379). */
public final class NodeAddress {
    public static final String DEFAULT_HOST = "localhost";
    public static final int DEFAULT_PORT = 6379;

    private final String host;
    private final int port;

    private NodeAddress(String host, int port) {
        this.host = host;
        this.port = port;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String getHost() {
        return host;
    }

    public int getPort() {
        return port;
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }

    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public NodeAddress build() {
            return new NodeAddress(host, port);
        }
    }
}
