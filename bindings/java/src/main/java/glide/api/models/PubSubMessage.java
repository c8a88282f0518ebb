package glide.api.models;

import java.util.Objects;
import java.util.Optional;

/**
 * One pub/sub message received by a subscriber client: its payload ({@link #getMessage()}), the
 * channel it was published to, and the pattern that matched it (pattern subscriptions only). All
 * three are binary-safe {@link GlideString}s, copied out of the library before the client sees
 * them, so a message may be kept as long as wanted.
 */
public final class PubSubMessage {
    private final GlideString message;
    private final GlideString channel;
    private final GlideString pattern; // null: not a pattern subscription

    public PubSubMessage(GlideString message, GlideString channel, GlideString pattern) {
        this.message = Objects.requireNonNull(message, "message");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.pattern = pattern;
    }

    public PubSubMessage(GlideString message, GlideString channel) {
        this(message, channel, null);
    }

    /** The payload. */
    public GlideString getMessage() {
        return message;
    }

    /** The channel the message was published to. */
    public GlideString getChannel() {
        return channel;
    }

    /** The pattern that matched the channel (PATTERN subscriptions), else empty. */
    public Optional<GlideString> getPattern() {
        return Optional.ofNullable(pattern);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PubSubMessage)) {
            return false;
        }
        PubSubMessage m = (PubSubMessage) o;
        return message.equals(m.message) && channel.equals(m.channel) && Objects.equals(pattern, m.pattern);
    }

    @Override
    public int hashCode() {
        return Objects.hash(message, channel, pattern);
    }

    /** As text (each part as {@link GlideString#toString()}: UTF-8, else hex). */
    @Override
    public String toString() {
        return "PubSubMessage{message=" + message + ", channel=" + channel
                + (pattern == null ? "" : ", pattern=" + pattern) + "}";
    }
}
