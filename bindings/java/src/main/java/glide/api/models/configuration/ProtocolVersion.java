package glide.api.models.configuration;

/** The RESP version spoken to the servers. */
public enum ProtocolVersion {
    RESP2,
    /** The default: HELLO 3, falling back to RESP2 when the server does not know HELLO. */
    RESP3
}
