package glide.internal;

import glide.api.models.BaseBatch;

/**
 * How the clients (package glide.api) reach a batch's commands without a public accessor on the
 * batch classes: BaseBatch registers the reader when its class is initialised.
 */
public final class BatchAccess {
    /** Reads a batch's internals. */
    public interface Reader {
        CommandList commands(BaseBatch<?> batch);

        boolean binaryOutput(BaseBatch<?> batch);
    }

    private static volatile Reader reader;

    private BatchAccess() {}

    public static void register(Reader r) {
        if (reader != null) {
            throw new IllegalStateException("BatchAccess reader already registered");
        }
        reader = r;
    }

    public static CommandList commands(BaseBatch<?> batch) {
        return reader.commands(batch);
    }

    public static boolean binaryOutput(BaseBatch<?> batch) {
        return reader.binaryOutput(batch);
    }
}
