package glide.api.models;

import glide.internal.CommandList;

/**
 * A batch for the standalone {@code GlideClient}: a transaction (MULTI/EXEC) when atomic, else a
 * pipeline. The result has one element per command, in the order they were added.
 */
public class Batch extends BaseBatch<Batch> {
    /** @param isAtomic true: a transaction (MULTI/EXEC); false: a pipeline */
    public Batch(boolean isAtomic) {
        super(isAtomic);
    }

    @Override
    protected Batch getThis() {
        return this;
    }

    /** PUBLISH channel message. Reply: {@code Long}, the number of clients that received it. */
    public Batch publish(String message, String channel) {
        return addStrings(CommandList.PUBLISH, new String[0], message, channel);
    }

    public Batch publish(GlideString message, GlideString channel) {
        return addBinary(CommandList.PUBLISH, new String[0], message, channel);
    }
}
