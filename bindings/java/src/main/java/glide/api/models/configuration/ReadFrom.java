package glide.api.models.configuration;

/** Where read-only commands go. */
public enum ReadFrom {
    /** Everything to primaries (the default). */
    PRIMARY,
    /** Read-only commands round-robin to the slot's replicas; the primary when none is reachable. */
    PREFER_REPLICA
}
