package glide.internal;

import glide.api.models.GlideString;
import glide.api.models.exceptions.ClosingException;
import glide.api.models.exceptions.ConfigurationError;
import glide.api.models.exceptions.ConnectionException;
import glide.api.models.exceptions.ExecAbortException;
import glide.api.models.exceptions.GlideException;
import glide.api.models.exceptions.RequestException;
import glide.api.models.exceptions.TimeoutException;
import com.sun.jna.Pointer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a reply tree into Java values, straight from the public struct glide_value (24 bytes on
 * LP64: type at 0, error kind at 4, the union at 8; strings and aggregates are a pointer at 8 and a
 * length at 16, an aggregate's children contiguous), so no call crosses the FFI per element.
 *
 * <p>NIL: null; SIMPLE_STRING: String; BULK_STRING and VERBATIM_STRING: String (UTF-8), or
 * GlideString when binary; INTEGER: Long; DOUBLE: Double; BOOLEAN: Boolean; BIG_NUMBER: BigInteger;
 * ARRAY and PUSH: Object[]; MAP: LinkedHashMap in the server's order; SET: HashSet; ERROR: the
 * exception of its kind (see {@link #exception}).
 */
public final class Values {
    static final int NIL = 0;
    static final int SIMPLE_STRING = 1;
    static final int BULK_STRING = 2;
    static final int VERBATIM_STRING = 3;
    static final int INTEGER = 4;
    static final int DOUBLE = 5;
    static final int BOOLEAN = 6;
    static final int BIG_NUMBER = 7;
    static final int ARRAY = 8;
    static final int MAP = 9;
    static final int SET = 10;
    static final int PUSH = 11;
    static final int ERROR = 12;
    static final int NODE_SIZE = 24;

    private Values() {}

    static int type(Pointer v) {
        return v.getInt(0);
    }

    static long length(Pointer v) {
        return v.getLong(16);
    }

    /** The i-th child of an aggregate (items of an array, key/value/key/value of a map). */
    static Pointer child(Pointer v, long i) {
        return v.getPointer(8).share(i * NODE_SIZE, NODE_SIZE);
    }

    static byte[] bytes(Pointer v) {
        long len = v.getLong(16);
        if (len == 0) {
            return new byte[0];
        }
        if (len > Integer.MAX_VALUE - 8) {
            throw new RequestException("a reply string of " + len + " bytes does not fit a Java array");
        }
        return v.getPointer(8).getByteArray(0, (int) len);
    }

    static String string(Pointer v) {
        return new String(bytes(v), StandardCharsets.UTF_8);
    }

    /** Converts a node and its children. */
    public static Object convert(Pointer v, boolean binary) {
        if (v == null) {
            return null;
        }
        int type = type(v);
        switch (type) {
            case NIL:
                return null;
            case SIMPLE_STRING:
                {
                    if (length(v) == 2 && v.getPointer(8).getShort(0) == ('O' | ('K' << 8))) {
                        return "OK";
                    }
                    return string(v);
                }
            case BULK_STRING:
            case VERBATIM_STRING:
                return binary ? GlideString.of(bytes(v)) : string(v);
            case INTEGER:
                return v.getLong(8);
            case DOUBLE:
                return v.getDouble(8);
            case BOOLEAN:
                return v.getByte(8) != 0;
            case BIG_NUMBER:
                return new BigInteger(string(v));
            case ARRAY:
            case PUSH:
                {
                    int n = count(v, 1);
                    Object[] out = new Object[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = convert(child(v, i), binary);
                    }
                    return out;
                }
            case MAP:
                {
                    int n = count(v, 2);
                    Map<Object, Object> out = new LinkedHashMap<>(n * 2);
                    for (int i = 0; i < n; i++) {
                        out.put(
                                convert(child(v, 2L * i), binary),
                                convert(child(v, 2L * i + 1), binary));
                    }
                    return out;
                }
            case SET:
                {
                    int n = count(v, 1);
                    Set<Object> out = new HashSet<>(n * 2);
                    for (int i = 0; i < n; i++) {
                        out.add(convert(child(v, i), binary));
                    }
                    return out;
                }
            case ERROR:
                return exception(v.getInt(4), string(v));
            default:
                return new RequestException("unknown reply type " + type);
        }
    }

    private static int count(Pointer v, int per) {
        long n = length(v);
        if (n * per > Integer.MAX_VALUE - 8) {
            throw new RequestException("a reply of " + n + " elements does not fit a Java array");
        }
        return (int) n;
    }

    /** Whether a node is an ERROR of kind CLOSING. */
    static boolean isClosing(Pointer v) {
        return type(v) == ERROR && v.getInt(4) == GlideC.ERR_CLOSING;
    }

    /**
     * The exception of an error kind: EXEC_ABORT ExecAbortException, TIMEOUT TimeoutException,
     * CONNECTION, TLS and AUTH ConnectionException, CLOSING ClosingException, every other kind
     * (SERVER, CROSSSLOT, INVALID_ARGUMENT, PROTOCOL, ...) RequestException.
     */
    public static GlideException exception(int kind, String message) {
        switch (kind) {
            case GlideC.ERR_EXEC_ABORT:
                return new ExecAbortException(message);
            case GlideC.ERR_TIMEOUT:
                return new TimeoutException(message);
            case GlideC.ERR_CONNECTION:
            case GlideC.ERR_TLS:
            case GlideC.ERR_AUTH:
                return new ConnectionException(message);
            case GlideC.ERR_CLOSING:
                return new ClosingException(message);
            default:
                return new RequestException(message);
        }
    }

    /** The exception of a status returned by a configuration call. */
    static GlideException configError(int status, String what) {
        if (status == GlideC.ERR_INVALID_ARGUMENT || status == GlideC.ERR_NOT_SUPPORTED) {
            return new ConfigurationError(what + ": " + GlideC.glide_error_kind_name(status));
        }
        return exception(status, what + ": " + GlideC.glide_error_kind_name(status));
    }
}
