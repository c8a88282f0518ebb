package glide.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A batch's commands as the library takes them: each command's arguments as bytes, and its kind
 * (a plain command, or one of the library's typed helpers whose reply the library shapes: COPY
 * gives a boolean, PUBSUB SHARDNUMSUB a map). Internal to the binding.
 */
public final class CommandList {
    public static final byte PLAIN = 0;
    public static final byte COPY = 1;
    public static final byte COPY_REPLACE = 2;
    public static final byte PUBLISH = 3; // args: message, channel
    public static final byte SPUBLISH = 4; // args: message, channel
    public static final byte SHARDCHANNELS = 5; // args: [pattern]
    public static final byte SHARDNUMSUB = 6; // args: channels...

    private final List<byte[][]> args = new ArrayList<>();
    private byte[] kinds = new byte[8];
    private long totalArgs;
    private long totalBytes;

    public void add(byte kind, byte[][] commandArgs) {
        if (args.size() == kinds.length) {
            kinds = java.util.Arrays.copyOf(kinds, kinds.length * 2);
        }
        kinds[args.size()] = kind;
        args.add(commandArgs);
        totalArgs += commandArgs.length;
        for (byte[] a : commandArgs) {
            totalBytes += a.length;
        }
    }

    public void clear() {
        args.clear();
        totalArgs = 0;
        totalBytes = 0;
    }

    public int size() {
        return args.size();
    }

    public byte kind(int i) {
        return kinds[i];
    }

    public byte[][] args(int i) {
        return args.get(i);
    }

    public long totalArgs() {
        return totalArgs;
    }

    public long totalBytes() {
        return totalBytes;
    }
}
