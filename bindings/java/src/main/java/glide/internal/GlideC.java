package glide.internal;

import com.sun.jna.Callback;
import com.sun.jna.CallbackThreadInitializer;
import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * libglide_c through JNA direct mapping: the functions the binding calls, declared as in
 * glide_c.h (LP64: size_t is a Java long, enums and uint32_t are ints, uint16_t a short, bool a
 * boolean), and the loading with its version check. Internal to the binding.
 *
 * <p>The library is the one named by the system property {@code glide.c.library} or else the
 * environment variable {@code GLIDE_C_LIBRARY} (a path or a name), else {@code glide_c}, found by
 * JNA's search (jna.library.path, then the system's).
 */
public final class GlideC {
    /** The library version this binding was written against: 0.2.0. */
    public static final int WRITTEN_FOR = 0x000200;

    public static final String PROPERTY = "glide.c.library";
    public static final String ENV = "GLIDE_C_LIBRARY";

    // glide_error_kind
    public static final int OK = 0;
    public static final int ERR_INVALID_ARGUMENT = 1;
    public static final int ERR_CONNECTION = 2;
    public static final int ERR_TIMEOUT = 3;
    public static final int ERR_SERVER = 4;
    public static final int ERR_EXEC_ABORT = 5;
    public static final int ERR_CROSSSLOT = 6;
    public static final int ERR_CLOSING = 7;
    public static final int ERR_TLS = 8;
    public static final int ERR_AUTH = 9;
    public static final int ERR_PROTOCOL = 10;
    public static final int ERR_OUT_OF_MEMORY = 11;
    public static final int ERR_NOT_SUPPORTED = 12;
    public static final int ERR_INFLIGHT_LIMIT = 13;

    private static final Object LOCK = new Object();
    private static volatile boolean loaded;
    private static UnsatisfiedLinkError failure;
    private static String loadedVersion;

    private GlideC() {}

    /** glide_result_callback. */
    public interface ResultCallback extends Callback {
        void invoke(Pointer userData, Pointer result);
    }

    /** glide_pubsub_callback: message is a borrowed glide_pubsub_message, valid during the call. */
    public interface PubSubCallback extends Callback {
        void invoke(Pointer userData, Pointer message);
    }

    // glide_pubsub_kind
    public static final int PUBSUB_EXACT = 0;
    public static final int PUBSUB_PATTERN = 1;
    public static final int PUBSUB_SHARDED = 2;

    /** The name or path the library is loaded from. */
    public static String libraryName() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isEmpty()) {
            return p;
        }
        String e = System.getenv(ENV);
        return e != null && !e.isEmpty() ? e : "glide_c";
    }

    /**
     * Loads the library once (later calls return at once, or throw the first failure again): an
     * UnsatisfiedLinkError that says which library, from where, and why (not found, or a version
     * this binding cannot use).
     */
    public static void load() {
        if (loaded) {
            return;
        }
        synchronized (LOCK) {
            if (loaded) {
                return;
            }
            if (failure != null) {
                throw failure;
            }
            try {
                String name = libraryName();
                NativeLibrary lib = open(name);
                Native.register(GlideC.class, lib);
                loadedVersion = glide_version();
                loaded = true;
            } catch (UnsatisfiedLinkError e) {
                failure = e;
                throw e;
            }
        }
    }

    /** The loaded library's version ("0.2.0"); loads it first. */
    public static String version() {
        load();
        return loadedVersion;
    }

    /**
     * Opens a library and checks its version (without binding this class to it): public so that a
     * test can try a library that must be refused.
     */
    public static NativeLibrary open(String name) {
        if (Native.POINTER_SIZE != 8 || Native.SIZE_T_SIZE != 8) {
            throw new UnsatisfiedLinkError(
                    "glide-c's Java binding needs a 64-bit JVM (LP64: 8-byte pointers and size_t)");
        }
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance(name);
        } catch (UnsatisfiedLinkError e) {
            throw new UnsatisfiedLinkError(
                    "cannot load libglide_c from \""
                            + name
                            + "\" (set the system property "
                            + PROPERTY
                            + " or the environment variable "
                            + ENV
                            + " to the library's path): "
                            + e.getMessage());
        }
        Function f;
        try {
            f = lib.getFunction("glide_version_number");
        } catch (UnsatisfiedLinkError e) {
            throw new UnsatisfiedLinkError(
                    "\""
                            + name
                            + "\" ("
                            + lib.getFile()
                            + ") has no glide_version_number: it is older than glide-c "
                            + versionString(WRITTEN_FOR)
                            + ", the version this binding needs");
        }
        checkVersion(f.invokeInt(new Object[0]) & 0xffffffffL, name + " (" + lib.getFile() + ")");
        return lib;
    }

    /**
     * Refuses a library of another major version, or older than {@link #WRITTEN_FOR}: within one
     * major version functions and struct fields are only added.
     */
    public static void checkVersion(long number, String what) {
        long major = number >> 16;
        if (major != WRITTEN_FOR >> 16 || number < WRITTEN_FOR) {
            throw new UnsatisfiedLinkError(
                    what
                            + " is glide-c "
                            + versionString(number)
                            + ", but this binding needs "
                            + versionString(WRITTEN_FOR)
                            + " or a later "
                            + (WRITTEN_FOR >> 16)
                            + ".x");
        }
    }

    /** MAJOR.MINOR.PATCH of a version number. */
    public static String versionString(long number) {
        return (number >> 16) + "." + ((number >> 8) & 0xff) + "." + (number & 0xff);
    }

    /** Callbacks stay attached to the JVM as daemon threads (no attach/detach per callback). */
    public static void keepAttached(Callback cb) {
        Native.setCallbackThreadInitializer(
                cb, new CallbackThreadInitializer(true, false, "glide-c-io"));
    }

    // ---------------------------------------------------------------- the functions, as in glide_c.h

    public static native String glide_version();

    public static native int glide_version_number();

    public static native String glide_error_kind_name(int kind);

    public static native void glide_value_free(Pointer root);

    public static native Pointer glide_config_new();

    public static native void glide_config_free(Pointer cfg);

    public static native int glide_config_add_address(Pointer cfg, String host, short port);

    public static native int glide_config_set_cluster_mode(Pointer cfg, boolean cluster);

    public static native int glide_config_set_credentials(
            Pointer cfg, String username, String password);

    public static native int glide_config_set_tls(Pointer cfg, boolean enabled);

    public static native int glide_config_set_request_timeout_ms(Pointer cfg, int ms);

    public static native int glide_config_set_connect_timeout_ms(Pointer cfg, int ms);

    public static native int glide_config_set_client_name(Pointer cfg, String name);

    public static native int glide_config_set_protocol(Pointer cfg, int respVersion);

    public static native int glide_config_set_read_from(Pointer cfg, int strategy);

    public static native int glide_config_set_database(Pointer cfg, int db);

    public static native int glide_config_set_inflight_limit(Pointer cfg, int maxRequests);

    public static native int glide_config_set_pubsub_callback(
            Pointer cfg, PubSubCallback cb, Pointer userData);

    public static native int glide_config_subscribe(Pointer cfg, int kind, byte[] channel, long len);

    /** out and errorMessage: 8-byte cells that receive a pointer. */
    public static native int glide_client_new(Pointer cfg, Pointer out, Pointer errorMessage);

    public static native void glide_client_close(Pointer client);

    public static native void glide_string_free(Pointer s);

    public static native Pointer glide_batch_new(boolean isAtomic);

    public static native void glide_batch_free(Pointer b);

    public static native int glide_batch_command_many(
            Pointer b, long ncmds, Pointer argcs, Pointer argv, Pointer argvlen);

    public static native int glide_batch_copy(
            Pointer b, Pointer source, long sourceLen, Pointer dest, long destLen, boolean replace);

    public static native int glide_batch_publish(
            Pointer b,
            Pointer message,
            long messageLen,
            Pointer channel,
            long channelLen,
            boolean sharded);

    public static native int glide_batch_pubsub_shardchannels(
            Pointer b, Pointer pattern, long patternLen);

    public static native int glide_batch_pubsub_shardnumsub(
            Pointer b, long count, Pointer channels, Pointer channelLens);

    public static native void glide_batch_options_init(Pointer options);

    public static native int glide_client_command_async(
            Pointer c, long argc, Pointer argv, Pointer argvlen, ResultCallback cb, Pointer userData);

    public static native int glide_client_exec_async(
            Pointer c,
            Pointer batch,
            boolean raiseOnError,
            Pointer options,
            ResultCallback cb,
            Pointer userData);

    /** Blocks until the server confirmed (at most the request timeout); never on the I/O thread. */
    public static native int glide_client_subscribe(
            Pointer c, int kind, Pointer channels, Pointer lens, long n);

    public static native int glide_client_unsubscribe(
            Pointer c, int kind, Pointer channels, Pointer lens, long n);
}
