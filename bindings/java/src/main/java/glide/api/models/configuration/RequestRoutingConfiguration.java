package glide.api.models.configuration;

/** Where a whole batch goes, instead of each command by its keys. */
public final class RequestRoutingConfiguration {
    private RequestRoutingConfiguration() {}

    /** A route. */
    public interface Route {}

    /** A route to one node. */
    public interface SingleNodeRoute extends Route {}

    /** Which node of a slot: its primary or one of its replicas. */
    public enum SlotType {
        PRIMARY,
        REPLICA
    }

    /** One random primary. */
    public enum SimpleSingleNodeRoute implements SingleNodeRoute {
        RANDOM
    }

    /** The node owning a key's slot. */
    public static final class SlotKeyRoute implements SingleNodeRoute {
        private final String slotKey;
        private final SlotType slotType;

        public SlotKeyRoute(String slotKey, SlotType slotType) {
            this.slotKey = slotKey;
            this.slotType = slotType;
        }

        public String getSlotKey() {
            return slotKey;
        }

        public SlotType getSlotType() {
            return slotType;
        }
    }

    /** The node owning a slot (0..16383). */
    public static final class SlotIdRoute implements SingleNodeRoute {
        private final int slotId;
        private final SlotType slotType;

        public SlotIdRoute(int slotId, SlotType slotType) {
            this.slotId = slotId;
            this.slotType = slotType;
        }

        public int getSlotId() {
            return slotId;
        }

        public SlotType getSlotType() {
            return slotType;
        }
    }

    /** The node at host:port. */
    public static final class ByAddressRoute implements SingleNodeRoute {
        private final String host;
        private final int port;

        public ByAddressRoute(String host, int port) {
            this.host = host;
            this.port = port;
        }

        public String getHost() {
            return host;
        }

        public int getPort() {
            return port;
        }
    }
}
