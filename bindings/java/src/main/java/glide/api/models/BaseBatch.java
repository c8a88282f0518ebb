package glide.api.models;

import glide.internal.BatchAccess;
import glide.internal.CommandList;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * The commands common to {@link Batch} and {@link ClusterBatch}. Each method appends one command
 * and returns the batch, so calls chain. Nothing is checked or sent until the client's {@code
 * exec}; a batch is not changed by {@code exec} and may be executed again. One thread at a time.
 *
 * <p>Replies: bulk strings come back as {@code String} (UTF-8) when every command was added with
 * {@code String} arguments, and as {@link GlideString} once any command was added with {@code
 * GlideString} arguments (or after {@link #withBinaryOutput()}); simple strings such as {@code OK}
 * are always {@code String}.
 */
public abstract class BaseBatch<T extends BaseBatch<T>> {
    static {
        BatchAccess.register(
                new BatchAccess.Reader() {
                    @Override
                    public CommandList commands(BaseBatch<?> batch) {
                        return batch.commands;
                    }

                    @Override
                    public boolean binaryOutput(BaseBatch<?> batch) {
                        return batch.binaryOutput;
                    }
                });
    }

    private final boolean isAtomic;
    private final CommandList commands = new CommandList();
    private boolean binaryOutput;

    protected BaseBatch(boolean isAtomic) {
        this.isAtomic = isAtomic;
    }

    protected abstract T getThis();

    /** Whether the batch runs as a transaction (MULTI/EXEC) rather than a pipeline. */
    public boolean isAtomic() {
        return isAtomic;
    }

    /** The number of commands (and of elements in the result). */
    public int size() {
        return commands.size();
    }

    /** Whether bulk strings of the result come back as {@link GlideString}. */
    public boolean isBinaryOutput() {
        return binaryOutput;
    }

    /** Returns bulk strings as {@link GlideString} whatever the arguments' types. */
    public T withBinaryOutput() {
        binaryOutput = true;
        return getThis();
    }

    /** Removes every command (keeps atomicity and the output mode). */
    public T clear() {
        commands.clear();
        return getThis();
    }

    static byte[] bytes(String s) {
        return Objects.requireNonNull(s, "argument").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(GlideString s) {
        return Objects.requireNonNull(s, "argument").getBytes();
    }

    /** Adds a command from String arguments (given in order: prefix, then rest). */
    protected T addStrings(byte kind, String[] prefix, String... rest) {
        byte[][] args = new byte[prefix.length + rest.length][];
        for (int i = 0; i < prefix.length; i++) {
            args[i] = bytes(prefix[i]);
        }
        for (int i = 0; i < rest.length; i++) {
            args[prefix.length + i] = bytes(rest[i]);
        }
        commands.add(kind, args);
        return getThis();
    }

    /** Adds a command from GlideString arguments: the batch's output becomes binary. */
    protected T addBinary(byte kind, String[] prefix, GlideString... rest) {
        byte[][] args = new byte[prefix.length + rest.length][];
        for (int i = 0; i < prefix.length; i++) {
            args[i] = bytes(prefix[i]);
        }
        for (int i = 0; i < rest.length; i++) {
            args[prefix.length + i] = bytes(rest[i]);
        }
        commands.add(kind, args);
        binaryOutput = true;
        return getThis();
    }

    private static final String[] NONE = {};

    private static String[] names(String... names) {
        return names;
    }

    /**
     * Any command: {@code args[0]} is its name. The library routes it by the keys its command table
     * finds (an unknown command goes to a random primary). No arguments: {@code exec} fails.
     */
    public T customCommand(String[] args) {
        return addStrings(CommandList.PLAIN, NONE, args);
    }

    public T customCommand(GlideString[] args) {
        return addBinary(CommandList.PLAIN, NONE, args);
    }

    /** SET key value. Reply: {@code "OK"}. */
    public T set(String key, String value) {
        return addStrings(CommandList.PLAIN, names("SET"), key, value);
    }

    public T set(GlideString key, GlideString value) {
        return addBinary(CommandList.PLAIN, names("SET"), key, value);
    }

    /** GET key. Reply: the value, or {@code null} when the key does not exist. */
    public T get(String key) {
        return addStrings(CommandList.PLAIN, names("GET"), key);
    }

    public T get(GlideString key) {
        return addBinary(CommandList.PLAIN, names("GET"), key);
    }

    /** MGET keys (split per slot in a cluster). Reply: {@code Object[]} of values or nulls. */
    public T mget(String[] keys) {
        return addStrings(CommandList.PLAIN, names("MGET"), keys);
    }

    public T mget(GlideString[] keys) {
        return addBinary(CommandList.PLAIN, names("MGET"), keys);
    }

    /** MSET key value ... Reply: {@code "OK"}. */
    public T mset(Map<String, String> keyValueMap) {
        String[] args = new String[keyValueMap.size() * 2];
        int i = 0;
        for (Map.Entry<String, String> e : keyValueMap.entrySet()) {
            args[i++] = e.getKey();
            args[i++] = e.getValue();
        }
        return addStrings(CommandList.PLAIN, names("MSET"), args);
    }

    public T msetBinary(Map<GlideString, GlideString> keyValueMap) {
        GlideString[] args = new GlideString[keyValueMap.size() * 2];
        int i = 0;
        for (Map.Entry<GlideString, GlideString> e : keyValueMap.entrySet()) {
            args[i++] = e.getKey();
            args[i++] = e.getValue();
        }
        return addBinary(CommandList.PLAIN, names("MSET"), args);
    }

    /** DEL keys. Reply: {@code Long}, the number of keys removed. */
    public T del(String[] keys) {
        return addStrings(CommandList.PLAIN, names("DEL"), keys);
    }

    public T del(GlideString[] keys) {
        return addBinary(CommandList.PLAIN, names("DEL"), keys);
    }

    /** INCR key. Reply: {@code Long}, the new value. */
    public T incr(String key) {
        return addStrings(CommandList.PLAIN, names("INCR"), key);
    }

    public T incr(GlideString key) {
        return addBinary(CommandList.PLAIN, names("INCR"), key);
    }

    /** HSET key field value ... Reply: {@code Long}, the number of fields added. */
    public T hset(String key, Map<String, String> fieldValueMap) {
        String[] args = new String[1 + fieldValueMap.size() * 2];
        int i = 0;
        args[i++] = key;
        for (Map.Entry<String, String> e : fieldValueMap.entrySet()) {
            args[i++] = e.getKey();
            args[i++] = e.getValue();
        }
        return addStrings(CommandList.PLAIN, names("HSET"), args);
    }

    public T hset(GlideString key, Map<GlideString, GlideString> fieldValueMap) {
        GlideString[] args = new GlideString[1 + fieldValueMap.size() * 2];
        int i = 0;
        args[i++] = key;
        for (Map.Entry<GlideString, GlideString> e : fieldValueMap.entrySet()) {
            args[i++] = e.getKey();
            args[i++] = e.getValue();
        }
        return addBinary(CommandList.PLAIN, names("HSET"), args);
    }

    /** HGET key field. Reply: the value, or {@code null}. */
    public T hget(String key, String field) {
        return addStrings(CommandList.PLAIN, names("HGET"), key, field);
    }

    public T hget(GlideString key, GlideString field) {
        return addBinary(CommandList.PLAIN, names("HGET"), key, field);
    }

    /** LPUSH key elements. Reply: {@code Long}, the list's new length. */
    public T lpush(String key, String[] elements) {
        String[] args = new String[1 + elements.length];
        args[0] = key;
        System.arraycopy(elements, 0, args, 1, elements.length);
        return addStrings(CommandList.PLAIN, names("LPUSH"), args);
    }

    public T lpush(GlideString key, GlideString[] elements) {
        GlideString[] args = new GlideString[1 + elements.length];
        args[0] = key;
        System.arraycopy(elements, 0, args, 1, elements.length);
        return addBinary(CommandList.PLAIN, names("LPUSH"), args);
    }

    /** LRANGE key start end. Reply: {@code Object[]} of the elements. */
    public T lrange(String key, long start, long end) {
        return addStrings(
                CommandList.PLAIN, names("LRANGE"), key, Long.toString(start), Long.toString(end));
    }

    public T lrange(GlideString key, long start, long end) {
        return addBinary(
                CommandList.PLAIN,
                names("LRANGE"),
                key,
                GlideString.of(Long.toString(start)),
                GlideString.of(Long.toString(end)));
    }

    /**
     * COPY source destination: copies the value unless destination exists. Reply: {@code Boolean},
     * true if copied. In a cluster both keys must be in one slot (use a hash tag). Valkey 6.2+.
     */
    public T copy(String source, String destination) {
        return copy(source, destination, false);
    }

    /** COPY source destination [REPLACE]: with replace, an existing destination is overwritten. */
    public T copy(String source, String destination, boolean replace) {
        return addStrings(
                replace ? CommandList.COPY_REPLACE : CommandList.COPY, NONE, source, destination);
    }

    public T copy(GlideString source, GlideString destination) {
        return copy(source, destination, false);
    }

    public T copy(GlideString source, GlideString destination, boolean replace) {
        return addBinary(
                replace ? CommandList.COPY_REPLACE : CommandList.COPY, NONE, source, destination);
    }
}
