package glide.internal;

import glide.api.models.configuration.BaseClientConfiguration;
import glide.api.models.configuration.BaseSubscriptionConfiguration;
import glide.api.models.configuration.NodeAddress;
import glide.api.models.configuration.ProtocolVersion;
import glide.api.models.configuration.ReadFrom;
import glide.api.models.configuration.RequestRoutingConfiguration.ByAddressRoute;
import glide.api.models.configuration.RequestRoutingConfiguration.SimpleSingleNodeRoute;
import glide.api.models.configuration.RequestRoutingConfiguration.SingleNodeRoute;
import glide.api.models.configuration.RequestRoutingConfiguration.SlotIdRoute;
import glide.api.models.configuration.RequestRoutingConfiguration.SlotKeyRoute;
import glide.api.models.configuration.RequestRoutingConfiguration.SlotType;
import glide.api.models.exceptions.ClosingException;
import glide.api.models.exceptions.ConfigurationError;
import glide.api.models.exceptions.GlideException;
import glide.api.models.exceptions.RequestException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One library client (glide_client) and the requests in flight on it. Internal to the binding.
 *
 * <p>Every request is submitted with one JNA callback object, {@link #CALLBACK}, held in a static
 * field so that it stays reachable for the life of the process (the library calls it back on its
 * I/O thread), with the request's id as user_data. The id leads to the request's future in {@link
 * #PENDING}; the callback removes it, converts the reply and completes the future, exactly once.
 * Dependent stages of the futures that are not *Async therefore run on the library's I/O thread:
 * they must not block there.
 */
public final class NativeClient {
    /** Requests submitted and not yet called back, by id. */
    private static final ConcurrentHashMap<Long, Pending> PENDING = new ConcurrentHashMap<>();

    private static final AtomicLong IDS = new AtomicLong();
    private static final OnResult CALLBACK = new OnResult();
    private static volatile boolean callbackReady;
    /** > 0 while this thread runs inside one of the library's callbacks (its I/O thread). */
    private static final ThreadLocal<int[]> IN_CALLBACK = ThreadLocal.withInitial(() -> new int[1]);

    static void enterCallback() {
        IN_CALLBACK.get()[0]++;
    }

    static void exitCallback() {
        IN_CALLBACK.get()[0]--;
    }

    /** A request in flight: the future to complete and how to read its reply. */
    private static final class Pending {
        final CompletableFuture<Object> future = new CompletableFuture<>();
        final boolean exec;
        final boolean binary;

        Pending(boolean exec, boolean binary) {
            this.exec = exec;
            this.binary = binary;
        }

        void complete(Pointer root) {
            if (root == null) {
                future.completeExceptionally(new RequestException("the library answered NULL"));
                return;
            }
            int type = Values.type(root);
            if (type == Values.ERROR) {
                future.completeExceptionally(Values.exception(root.getInt(4), Values.string(root)));
                return;
            }
            if (!exec) {
                future.complete(Values.convert(root, binary));
                return;
            }
            if (type == Values.NIL) {
                future.complete(null); // an atomic batch aborted by WATCH
                return;
            }
            if (type != Values.ARRAY) {
                future.completeExceptionally(
                        new RequestException("exec answered a value of type " + type + ", not an array"));
                return;
            }
            // A batch cut off by close: the whole request fails with CLOSING, as every other
            // request pending at the close does.
            long n = Values.length(root);
            for (long i = 0; i < n; i++) {
                Pointer c = Values.child(root, i);
                if (Values.isClosing(c)) {
                    future.completeExceptionally(Values.exception(GlideC.ERR_CLOSING, Values.string(c)));
                    return;
                }
            }
            future.complete(Values.convert(root, binary));
        }
    }

    /** glide_result_callback of every request. Never throws into the library. */
    private static final class OnResult implements GlideC.ResultCallback {
        @Override
        public void invoke(Pointer userData, Pointer result) {
            Pending p = PENDING.remove(Pointer.nativeValue(userData));
            enterCallback();
            try {
                if (p != null) {
                    p.complete(result);
                }
            } catch (Throwable t) {
                p.future.completeExceptionally(t);
            } finally {
                exitCallback();
                try {
                    GlideC.glide_value_free(result);
                } catch (Throwable ignored) {
                    // nothing can be done on the library's thread
                }
            }
        }
    }

    /** Requests submitted and not called back yet, over every client (for tests). */
    public static int pendingCount() {
        return PENDING.size();
    }

    /**
     * Runs the blocking glide_client_subscribe / unsubscribe calls: never on the caller's thread
     * (which may be the library's I/O thread, inside a completion) and never on the I/O thread.
     */
    private static final ExecutorService PUBSUB_CALLS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "glide-c-subscribe");
        t.setDaemon(true);
        return t;
    });

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private Pointer handle; // null once closed; guarded by lock
    private final PubSubReceiver receiver; // null: not a subscriber

    private NativeClient(Pointer handle, PubSubReceiver receiver) {
        this.handle = handle;
        this.receiver = receiver;
    }

    // ---------------------------------------------------------------- connecting

    /** Builds the library's config, connects (blocking, within the connect timeout), frees it. */
    public static NativeClient connect(BaseClientConfiguration config, boolean cluster, Integer database,
            BaseSubscriptionConfiguration subscriptions) {
        GlideC.load();
        if (!callbackReady) {
            GlideC.keepAttached(CALLBACK);
            callbackReady = true;
        }
        if (config == null) {
            throw new ConfigurationError("the configuration is null");
        }
        if (config.getAddresses().isEmpty()) {
            throw new ConfigurationError("no address: add one with address(NodeAddress)");
        }
        Pointer cfg = GlideC.glide_config_new();
        PubSubReceiver receiver = null;
        if (cfg == null) {
            throw new RequestException("glide_config_new: out of memory");
        }
        try (Memory out = new Memory(16)) {
            check(GlideC.glide_config_set_cluster_mode(cfg, cluster), "cluster mode");
            for (NodeAddress a : config.getAddresses()) {
                if (a == null || a.getHost() == null) {
                    throw new ConfigurationError("an address or its host is null");
                }
                if (a.getPort() < 1 || a.getPort() > 65535) {
                    throw new ConfigurationError("address " + a + ": the port must be 1..65535");
                }
                check(GlideC.glide_config_add_address(cfg, a.getHost(), (short) a.getPort()), "address " + a);
            }
            if (config.getCredentials() != null) {
                if (config.getCredentials().getPassword() == null) {
                    throw new ConfigurationError("credentials without a password");
                }
                check(
                        GlideC.glide_config_set_credentials(
                                cfg, config.getCredentials().getUsername(), config.getCredentials().getPassword()),
                        "credentials");
            }
            if (config.isUseTLS()) {
                check(GlideC.glide_config_set_tls(cfg, true), "useTLS");
            }
            if (config.getRequestTimeout() != null) {
                check(GlideC.glide_config_set_request_timeout_ms(cfg, config.getRequestTimeout()),
                        "requestTimeout " + config.getRequestTimeout());
            }
            if (config.getConnectionTimeout() != null) {
                check(GlideC.glide_config_set_connect_timeout_ms(cfg, config.getConnectionTimeout()),
                        "connectionTimeout " + config.getConnectionTimeout());
            }
            if (config.getClientName() != null) {
                check(GlideC.glide_config_set_client_name(cfg, config.getClientName()), "clientName");
            }
            if (config.getProtocol() != null) {
                check(GlideC.glide_config_set_protocol(cfg, config.getProtocol() == ProtocolVersion.RESP2 ? 2 : 3),
                        "protocol");
            }
            if (config.getReadFrom() != null) {
                check(GlideC.glide_config_set_read_from(cfg, config.getReadFrom() == ReadFrom.PREFER_REPLICA ? 1 : 0),
                        "readFrom");
            }
            if (database != null) {
                check(GlideC.glide_config_set_database(cfg, database), "databaseId " + database);
            }
            if (config.getInflightRequestsLimit() != null) {
                check(GlideC.glide_config_set_inflight_limit(cfg, config.getInflightRequestsLimit()),
                        "inflightRequestsLimit " + config.getInflightRequestsLimit());
            }
            if (subscriptions != null) {
                receiver = new PubSubReceiver(subscriptions);
                receiver.configure(cfg, subscriptions);
            }
            out.clear();
            int st = GlideC.glide_client_new(cfg, out, out.share(8));
            Pointer msg = out.getPointer(8);
            String text = GlideC.glide_error_kind_name(st);
            if (msg != null) {
                text = msg.getString(0, StandardCharsets.UTF_8.name());
                GlideC.glide_string_free(msg);
            }
            if (st != GlideC.OK) {
                throw st == GlideC.ERR_INVALID_ARGUMENT || st == GlideC.ERR_NOT_SUPPORTED
                        ? new ConfigurationError(text)
                        : Values.exception(st, text);
            }
            NativeClient client = new NativeClient(out.getPointer(0), receiver);
            receiver = null; // the client's now
            return client;
        } finally {
            GlideC.glide_config_free(cfg);
            if (receiver != null) {
                receiver.close(true); // no client was made: nothing calls it back
            }
        }
    }

    private static void check(int status, String what) {
        if (status != GlideC.OK) {
            throw Values.configError(status, what);
        }
    }

    // ---------------------------------------------------------------- requests

    /** Submits one request; status != OK means the library refused it and will not call back. */
    private interface Submit {
        int submit(Pointer client, Pointer userData);
    }

    private CompletableFuture<Object> submit(boolean exec, boolean binary, String what, Submit s) {
        Pending p = new Pending(exec, binary);
        long id = IDS.incrementAndGet();
        PENDING.put(id, p);
        int st = GlideC.ERR_CLOSING;
        lock.readLock().lock();
        try {
            if (handle != null) {
                st = s.submit(handle, new Pointer(id));
            }
        } catch (GlideException e) {
            PENDING.remove(id);
            p.future.completeExceptionally(e);
            return p.future;
        } catch (RuntimeException | Error e) {
            PENDING.remove(id);
            throw e;
        } finally {
            lock.readLock().unlock();
        }
        if (st != GlideC.OK) {
            PENDING.remove(id);
            p.future.completeExceptionally(refused(st, what));
        }
        return p.future;
    }

    private static RuntimeException refused(int st, String what) {
        switch (st) {
            case GlideC.ERR_CLOSING:
                return new ClosingException("the client is closed");
            case GlideC.ERR_INVALID_ARGUMENT:
                return new RequestException(what + " refused: bad input (an empty batch, a command"
                        + " without arguments, a retry flag on an atomic batch, an option out of range)");
            case GlideC.ERR_INFLIGHT_LIMIT:
                return new RequestException(what + " refused: the client's in-flight request limit is reached");
            default:
                return Values.exception(st, what + " refused: " + GlideC.glide_error_kind_name(st));
        }
    }

    /** The arguments of some commands in one native block: argcs, lens, argv, then the bytes. */
    private static final class Args implements AutoCloseable {
        final Memory mem;
        final long argcs;
        final long lens;
        final long argv;

        Args(CommandList cmds, int from, int to) {
            long nargs = 0;
            long nbytes = 0;
            for (int i = from; i < to; i++) {
                for (byte[] a : cmds.args(i)) {
                    nargs++;
                    nbytes += a.length;
                }
            }
            int ncmds = to - from;
            argcs = 0;
            lens = 8L * ncmds;
            argv = lens + 8L * nargs;
            long data = argv + 8L * nargs;
            mem = new Memory(Math.max(1, data + nbytes));
            long base = Pointer.nativeValue(mem);
            long arg = 0;
            long pos = data;
            for (int i = from; i < to; i++) {
                byte[][] args = cmds.args(i);
                mem.setLong(argcs + 8L * (i - from), args.length);
                for (byte[] a : args) {
                    mem.setLong(lens + 8 * arg, a.length);
                    mem.setLong(argv + 8 * arg, base + pos);
                    if (a.length > 0) {
                        mem.write(pos, a, 0, a.length);
                    }
                    pos += a.length;
                    arg++;
                }
            }
        }

        Pointer at(long offset) {
            return mem.share(offset);
        }

        /** The k-th argument's pointer and length, from the start of the block's arguments. */
        Pointer arg(int k) {
            return mem.getPointer(argv + 8L * k);
        }

        long len(int k) {
            return mem.getLong(lens + 8L * k);
        }

        @Override
        public void close() {
            mem.close();
        }
    }

    /** Fills a library batch: runs of plain commands with one glide_batch_command_many each. */
    private static int fill(Pointer b, CommandList cmds, Args all) {
        int n = cmds.size();
        int i = 0;
        int at = 0; // index of the command's first argument
        while (i < n) {
            byte kind = cmds.kind(i);
            if (kind == CommandList.PLAIN) {
                int j = i;
                int nargs = 0;
                while (j < n && cmds.kind(j) == CommandList.PLAIN) {
                    nargs += cmds.args(j).length;
                    j++;
                }
                int st = GlideC.glide_batch_command_many(
                        b, j - i, all.at(all.argcs + 8L * i), all.at(all.argv + 8L * at), all.at(all.lens + 8L * at));
                if (st != GlideC.OK) {
                    return st;
                }
                at += nargs;
                i = j;
                continue;
            }
            int argc = cmds.args(i).length;
            int st;
            switch (kind) {
                case CommandList.COPY:
                case CommandList.COPY_REPLACE:
                    st = argc != 2
                            ? GlideC.ERR_INVALID_ARGUMENT
                            : GlideC.glide_batch_copy(b, all.arg(at), all.len(at), all.arg(at + 1), all.len(at + 1),
                                    kind == CommandList.COPY_REPLACE);
                    break;
                case CommandList.PUBLISH:
                case CommandList.SPUBLISH:
                    st = argc != 2
                            ? GlideC.ERR_INVALID_ARGUMENT
                            : GlideC.glide_batch_publish(b, all.arg(at), all.len(at), all.arg(at + 1), all.len(at + 1),
                                    kind == CommandList.SPUBLISH);
                    break;
                case CommandList.SHARDCHANNELS:
                    st = argc == 0
                            ? GlideC.glide_batch_pubsub_shardchannels(b, null, 0)
                            : GlideC.glide_batch_pubsub_shardchannels(b, all.arg(at), all.len(at));
                    break;
                case CommandList.SHARDNUMSUB:
                    st = GlideC.glide_batch_pubsub_shardnumsub(
                            b, argc, all.at(all.argv + 8L * at), all.at(all.lens + 8L * at));
                    break;
                default:
                    st = GlideC.ERR_INVALID_ARGUMENT;
            }
            if (st != GlideC.OK) {
                return st;
            }
            at += argc;
            i++;
        }
        return GlideC.OK;
    }

    /** Batch options as the library reads them (see glide_batch_options in glide_c.h). */
    public static final class ExecOptions {
        public Integer timeout;
        public boolean retryServerError;
        public boolean retryConnectionError;
        public SingleNodeRoute route;
    }

    // glide_batch_options on LP64 as of 0.2.0 (struct_size 64): exactly what
    // glide_batch_options_init writes, in this and every later library version.
    private static final int OPTIONS_SIZE = 64;

    private static Memory options(ExecOptions o, Memory strings) {
        Memory m = new Memory(OPTIONS_SIZE);
        m.clear();
        GlideC.glide_batch_options_init(m);
        if (o.timeout != null) {
            if (o.timeout < 0) {
                m.close();
                throw new RequestException("batch timeout " + o.timeout + " ms is negative");
            }
            m.setInt(8, o.timeout);
        }
        m.setByte(12, (byte) (o.retryServerError ? 1 : 0));
        m.setByte(13, (byte) (o.retryConnectionError ? 1 : 0));
        SingleNodeRoute r = o.route;
        if (r == null) {
            return m;
        }
        if (r == SimpleSingleNodeRoute.RANDOM) {
            m.setInt(16, 1);
        } else if (r instanceof SlotKeyRoute) {
            SlotKeyRoute k = (SlotKeyRoute) r;
            byte[] key = k.getSlotKey().getBytes(StandardCharsets.UTF_8);
            strings.write(0, key, 0, key.length);
            m.setInt(16, 2);
            m.setByte(20, (byte) (k.getSlotType() == SlotType.REPLICA ? 1 : 0));
            m.setPointer(24, strings);
            m.setLong(32, key.length);
        } else if (r instanceof SlotIdRoute) {
            SlotIdRoute s = (SlotIdRoute) r;
            m.setInt(16, 3);
            m.setByte(20, (byte) (s.getSlotType() == SlotType.REPLICA ? 1 : 0));
            if (s.getSlotId() < 0 || s.getSlotId() > 16383) {
                m.close();
                throw new RequestException("slot " + s.getSlotId() + " is not in 0..16383");
            }
            m.setShort(40, (short) s.getSlotId());
        } else if (r instanceof ByAddressRoute) {
            ByAddressRoute a = (ByAddressRoute) r;
            byte[] host = a.getHost().getBytes(StandardCharsets.UTF_8);
            strings.write(0, host, 0, host.length);
            strings.setByte(host.length, (byte) 0);
            m.setInt(16, 4);
            m.setPointer(48, strings);
            if (a.getPort() < 1 || a.getPort() > 65535) {
                m.close();
                throw new RequestException("route port " + a.getPort() + " is not in 1..65535");
            }
            m.setShort(56, (short) a.getPort());
        } else {
            m.close();
            throw new RequestException("unknown route " + r);
        }
        return m;
    }

    private static int routeStringSize(ExecOptions o) {
        if (o != null && o.route instanceof SlotKeyRoute) {
            return ((SlotKeyRoute) o.route).getSlotKey().getBytes(StandardCharsets.UTF_8).length + 1;
        }
        if (o != null && o.route instanceof ByAddressRoute) {
            return ((ByAddressRoute) o.route).getHost().getBytes(StandardCharsets.UTF_8).length + 1;
        }
        return 1;
    }

    /**
     * Runs a batch: completes with the result array (bulk strings as GlideString when binary), with
     * null for an atomic batch aborted by WATCH, or exceptionally.
     */
    public CompletableFuture<Object> exec(
            CommandList cmds, boolean atomic, boolean binary, boolean raiseOnError, ExecOptions o) {
        return submit(true, binary, "exec", (client, ud) -> {
            Pointer b = GlideC.glide_batch_new(atomic);
            if (b == null) {
                return GlideC.ERR_OUT_OF_MEMORY;
            }
            try (Args all = new Args(cmds, 0, cmds.size());
                    Memory strings = new Memory(routeStringSize(o))) {
                int st = fill(b, cmds, all);
                if (st != GlideC.OK) {
                    return st;
                }
                if (o == null) {
                    return GlideC.glide_client_exec_async(client, b, raiseOnError, null, CALLBACK, ud);
                }
                try (Memory opts = options(o, strings)) {
                    return GlideC.glide_client_exec_async(client, b, raiseOnError, opts, CALLBACK, ud);
                }
            } finally {
                GlideC.glide_batch_free(b);
            }
        });
    }

    /** Runs one command: completes with its reply, or exceptionally with its error. */
    public CompletableFuture<Object> command(byte[][] args, boolean binary) {
        CommandList one = new CommandList();
        one.add(CommandList.PLAIN, args);
        return submit(false, binary, "command", (client, ud) -> {
            try (Args all = new Args(one, 0, 1)) {
                return GlideC.glide_client_command_async(
                        client, args.length, all.at(all.argv), all.at(all.lens), CALLBACK, ud);
            }
        });
    }

    // ---------------------------------------------------------------- pub/sub

    /** The receiving side of a subscriber client; null when the client is not one. */
    public PubSubReceiver pubsub() {
        return receiver;
    }

    /**
     * glide_client_subscribe (subscribe) or glide_client_unsubscribe on a thread of its own:
     * completes once the server confirmed every channel. channels == null (unsubscribe only): every
     * subscription of the kind.
     */
    public CompletableFuture<Void> changeSubscriptions(boolean subscribe, int kind, byte[][] channels) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        String what = subscribe ? "subscribe" : "unsubscribe";
        if (receiver == null) {
            f.completeExceptionally(new ConfigurationError(what + ": this client was created without a"
                    + " subscription configuration; runtime subscriptions need a subscriber client"
                    + " (subscriptionConfiguration(...) in its configuration, possibly with no channel)"));
            return f;
        }
        if (channels != null) {
            for (byte[] c : channels) {
                if (c == null || c.length == 0) {
                    f.completeExceptionally(new RequestException(what + ": a channel must not be null or empty"));
                    return f;
                }
            }
            if (channels.length == 0) {
                f.complete(null); // nothing to do (n == 0 would mean "all" to unsubscribe)
                return f;
            }
        } else if (subscribe) {
            f.completeExceptionally(new RequestException("subscribe: no channels"));
            return f;
        }
        try {
            PUBSUB_CALLS.execute(() -> {
                try {
                    int st = callChange(subscribe, kind, channels);
                    if (st == GlideC.OK) {
                        f.complete(null);
                    } else {
                        f.completeExceptionally(changeRefused(st, what));
                    }
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /** The blocking call, under the read lock: close waits for it (at most the request timeout). */
    private int callChange(boolean subscribe, int kind, byte[][] channels) {
        lock.readLock().lock();
        try {
            if (handle == null) {
                return GlideC.ERR_CLOSING;
            }
            if (channels == null) {
                return GlideC.glide_client_unsubscribe(handle, kind, null, null, 0);
            }
            CommandList one = new CommandList();
            one.add(CommandList.PLAIN, channels);
            try (Args all = new Args(one, 0, 1)) {
                return subscribe
                        ? GlideC.glide_client_subscribe(handle, kind, all.at(all.argv), all.at(all.lens), channels.length)
                        : GlideC.glide_client_unsubscribe(handle, kind, all.at(all.argv), all.at(all.lens), channels.length);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private static RuntimeException changeRefused(int st, String what) {
        switch (st) {
            case GlideC.ERR_CLOSING:
                return new ClosingException("the client is closed");
            case GlideC.ERR_TIMEOUT:
                return Values.exception(st, what + ": the server did not confirm within the request timeout"
                        + " (the client keeps trying)");
            case GlideC.ERR_SERVER:
                return Values.exception(st, what + ": the server refused a channel (NOPERM from an ACL?)");
            default:
                return Values.exception(st, what + " refused: " + GlideC.glide_error_kind_name(st));
        }
    }

    /**
     * Closes the client: requests still pending complete with ClosingException, then the library's
     * client and its I/O thread stop. Idempotent; later requests fail with ClosingException.
     */
    public void close() {
        if (lock.getReadHoldCount() > 0) {
            // Called from a stage completed inside a submission on this thread: the write lock
            // cannot be taken here; close from another thread.
            Thread t = new Thread(this::close, "glide-c-close");
            t.setDaemon(true);
            t.start();
            return;
        }
        Pointer h;
        lock.writeLock().lock();
        try {
            h = handle;
            handle = null;
        } finally {
            lock.writeLock().unlock();
        }
        if (h != null) {
            // From inside a callback (the I/O thread) the library only marks the client closing and
            // finishes the close when the callback returns: the receiver stays reachable then.
            boolean deferred = IN_CALLBACK.get()[0] > 0;
            GlideC.glide_client_close(h);
            if (receiver != null) {
                receiver.close(!deferred);
            }
        }
    }
}
