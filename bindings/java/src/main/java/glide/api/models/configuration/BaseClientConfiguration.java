package glide.api.models.configuration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What both clients' configurations hold. Unset values (null) keep the library's defaults:
 * request timeout 1000 ms, connection timeout 2000 ms, RESP3, read from primary, in-flight limit
 * 1000.
 */
public abstract class BaseClientConfiguration {
    private final List<NodeAddress> addresses;
    private final boolean useTLS;
    private final ServerCredentials credentials;
    private final ReadFrom readFrom;
    private final Integer requestTimeout;
    private final Integer connectionTimeout;
    private final String clientName;
    private final ProtocolVersion protocol;
    private final Integer inflightRequestsLimit;

    protected BaseClientConfiguration(Builder<?, ?> b) {
        this.addresses = Collections.unmodifiableList(new ArrayList<>(b.addresses));
        this.useTLS = b.useTLS;
        this.credentials = b.credentials;
        this.readFrom = b.readFrom;
        this.requestTimeout = b.requestTimeout;
        this.connectionTimeout = b.connectionTimeout;
        this.clientName = b.clientName;
        this.protocol = b.protocol;
        this.inflightRequestsLimit = b.inflightRequestsLimit;
    }

    public List<NodeAddress> getAddresses() {
        return addresses;
    }

    public boolean isUseTLS() {
        return useTLS;
    }

    public ServerCredentials getCredentials() {
        return credentials;
    }

    public ReadFrom getReadFrom() {
        return readFrom;
    }

    /** Milliseconds; null: the library's default. */
    public Integer getRequestTimeout() {
        return requestTimeout;
    }

    /** Milliseconds; null: the library's default. */
    public Integer getConnectionTimeout() {
        return connectionTimeout;
    }

    public String getClientName() {
        return clientName;
    }

    public ProtocolVersion getProtocol() {
        return protocol;
    }

    public Integer getInflightRequestsLimit() {
        return inflightRequestsLimit;
    }

    /** The common builder; {@code B} is the concrete builder, {@code C} what it builds. */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<B extends Builder<B, C>, C> {
        private final List<NodeAddress> addresses = new ArrayList<>();
        private boolean useTLS;
        private ServerCredentials credentials;
        private ReadFrom readFrom;
        private Integer requestTimeout;
        private Integer connectionTimeout;
        private String clientName;
        private ProtocolVersion protocol;
        private Integer inflightRequestsLimit;

        /** Adds a seed address (cluster: any node; standalone: the server). */
        public B address(NodeAddress address) {
            addresses.add(address);
            return (B) this;
        }

        public B addresses(List<NodeAddress> addresses) {
            this.addresses.addAll(addresses);
            return (B) this;
        }

        /** TLS on every connection, verified against the system trust store. */
        public B useTLS(boolean useTLS) {
            this.useTLS = useTLS;
            return (B) this;
        }

        public B credentials(ServerCredentials credentials) {
            this.credentials = credentials;
            return (B) this;
        }

        public B readFrom(ReadFrom readFrom) {
            this.readFrom = readFrom;
            return (B) this;
        }

        /** Milliseconds each request (and batch without its own timeout) may take. */
        public B requestTimeout(Integer requestTimeout) {
            this.requestTimeout = requestTimeout;
            return (B) this;
        }

        /** Milliseconds connecting (and discovering the cluster) may take. */
        public B connectionTimeout(Integer connectionTimeout) {
            this.connectionTimeout = connectionTimeout;
            return (B) this;
        }

        public B clientName(String clientName) {
            this.clientName = clientName;
            return (B) this;
        }

        public B protocol(ProtocolVersion protocol) {
            this.protocol = protocol;
            return (B) this;
        }

        /** The most requests pending at once; beyond it requests fail (RequestException). */
        public B inflightRequestsLimit(Integer inflightRequestsLimit) {
            this.inflightRequestsLimit = inflightRequestsLimit;
            return (B) this;
        }

        public abstract C build();
    }
}
