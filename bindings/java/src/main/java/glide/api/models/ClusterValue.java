package glide.api.models;

import java.util.Map;

/**
 * The reply of a cluster {@code customCommand}: one value, or one value per node. This binding's
 * library routes a command and combines the answers of several nodes itself (by the command's
 * response policy), so without a route the reply is always a single value.
 */
public final class ClusterValue<T> {
    private final T single;
    private final Map<String, T> multi;

    private ClusterValue(T single, Map<String, T> multi) {
        this.single = single;
        this.multi = multi;
    }

    public static <T> ClusterValue<T> ofSingleValue(T data) {
        return new ClusterValue<>(data, null);
    }

    public static <T> ClusterValue<T> ofMultiValue(Map<String, T> data) {
        return new ClusterValue<>(null, data);
    }

    public boolean hasSingleData() {
        return multi == null;
    }

    public boolean hasMultiData() {
        return multi != null;
    }

    /** The value; throws when the reply is per node. */
    public T getSingleValue() {
        if (multi != null) {
            throw new IllegalStateException("the reply holds one value per node");
        }
        return single;
    }

    /** The value of each node ("host:port"); throws when the reply is a single value. */
    public Map<String, T> getMultiValue() {
        if (multi == null) {
            throw new IllegalStateException("the reply holds a single value");
        }
        return multi;
    }

    @Override
    public String toString() {
        return multi != null ? multi.toString() : String.valueOf(single);
    }
}
