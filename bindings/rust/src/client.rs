//! [`ClusterClient`] and [`Client`]: connected clients, blocking and async execution.

use std::ffi::{CStr, CString};
use std::future::Future;
use std::os::raw::{c_char, c_void};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::batch::{Batch, BatchData, ClusterBatch};
use crate::config::{ClientConfig, ClusterClientConfig, Common};
use crate::error::{check, Error, ErrorKind, Result};
use crate::pubsub::{PubSubChannelMode, SharedCallback};
use crate::sys;
use crate::value::{self, Value};

/// Where a whole batch goes instead of each command by its keys (cluster mode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// Each command by its keys (the default).
    ByKeys,
    /// The whole batch to one random primary.
    Random,
    /// The node owning this key's slot; with `replica`, a replica of it.
    SlotKey {
        /// The key whose slot picks the node.
        key: Vec<u8>,
        /// A replica of the slot (READONLY connection) rather than its primary.
        replica: bool,
    },
    /// The node owning this slot (0..16383); with `replica`, a replica of it.
    SlotId {
        /// The slot.
        slot: u16,
        /// A replica of the slot rather than its primary.
        replica: bool,
    },
    /// The node at host:port.
    Address {
        /// Host, as the cluster announces it.
        host: String,
        /// Port.
        port: u16,
    },
}

impl Default for Route {
    fn default() -> Route {
        Route::ByKeys
    }
}

/// Options of one exec (`glide_batch_options`); `BatchOptions::default()` is the library's
/// defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchOptions {
    /// Milliseconds the whole exec may take; 0 = the client's request timeout. Commands not
    /// answered in time become [`ErrorKind::Timeout`] errors.
    pub timeout_ms: u32,
    /// Non-atomic only: retry commands answered TRYAGAIN, CLUSTERDOWN, MASTERDOWN or LOADING.
    pub retry_server_error: bool,
    /// Non-atomic only: re-send a lost connection's unanswered commands after reconnecting
    /// (they may then run twice).
    pub retry_connection_error: bool,
    /// Where the batch goes.
    pub route: Route,
}

impl BatchOptions {
    /// The C struct, pointing into `self` and `host` (which must outlive its use).
    fn to_raw(&self, api: &sys::Api, host: &mut Option<CString>) -> Result<sys::glide_batch_options> {
        // SAFETY: a zeroed struct is valid (no references), and init fills it.
        let mut o: sys::glide_batch_options = unsafe { std::mem::zeroed() };
        unsafe { (api.batch_options_init)(&mut o) };
        o.timeout_ms = self.timeout_ms;
        o.retry_server_error = self.retry_server_error;
        o.retry_connection_error = self.retry_connection_error;
        match &self.route {
            Route::ByKeys => o.route.kind = sys::GLIDE_ROUTE_NONE,
            Route::Random => o.route.kind = sys::GLIDE_ROUTE_RANDOM,
            Route::SlotKey { key, replica } => {
                o.route.kind = sys::GLIDE_ROUTE_SLOT_KEY;
                o.route.key = key.as_ptr() as *const c_char;
                o.route.key_len = key.len();
                o.route.replica = *replica;
            }
            Route::SlotId { slot, replica } => {
                o.route.kind = sys::GLIDE_ROUTE_SLOT_ID;
                o.route.slot = *slot;
                o.route.replica = *replica;
            }
            Route::Address { host: h, port } => {
                let c = CString::new(h.as_str()).map_err(|_| {
                    Error::new(ErrorKind::InvalidArgument, "route host holds a NUL byte")
                })?;
                o.route.kind = sys::GLIDE_ROUTE_ADDRESS;
                o.route.host = c.as_ptr();
                o.route.port = *port;
                *host = Some(c);
            }
        }
        Ok(o)
    }
}

/// A client's counters since it was made (`glide_stats`).
pub type Stats = sys::glide_stats;

/// The connected `glide_client`, closed on drop.
struct Handle {
    api: &'static sys::Api,
    ptr: NonNull<sys::glide_client>,
    // The pub/sub callback the library calls (None: not a subscriber); dropped after the
    // client's close returned, when no callback runs any more (Drop::drop runs before fields).
    pubsub: Option<SharedCallback>,
}

// SAFETY: the C contract: a glide_client may be used from any number of threads at once.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: no other use can be running (drop has the only reference); pending async
        // requests complete with CLOSING and their callbacks own what they use.
        unsafe { (self.api.client_close)(self.ptr.as_ptr()) }
    }
}

impl Handle {
    fn connect(common: &Common, cluster: bool) -> Result<Handle> {
        let api = sys::api()?;
        let cfg = common.build(api, cluster)?;
        let mut out: *mut sys::glide_client = std::ptr::null_mut();
        let mut message: *mut c_char = std::ptr::null_mut();
        // SAFETY: cfg is live; out and message are written by the call.
        let status = unsafe { (api.client_new)(cfg.ptr, &mut out, &mut message) };
        let text = if message.is_null() {
            None
        } else {
            // SAFETY: a NUL-terminated string of the library, freed right after.
            let s = unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned();
            unsafe { (api.string_free)(message) };
            Some(s)
        };
        match NonNull::new(out) {
            Some(ptr) if status == sys::GLIDE_OK => Ok(Handle {
                api,
                ptr,
                pubsub: common.pubsub_callback.clone(),
            }),
            _ => {
                let kind = ErrorKind::from_raw(status).unwrap_or(ErrorKind::Other(0));
                Err(Error::new(kind, text.unwrap_or_else(|| api.kind_name(status))))
            }
        }
    }

    fn exec(&self, batch: &BatchData, raise: bool, options: Option<&BatchOptions>) -> Result<Option<Vec<Value>>> {
        let raw = batch.build(self.api)?;
        let mut host = None;
        let o = options.map(|o| o.to_raw(self.api, &mut host)).transpose()?;
        let op = o.as_ref().map_or(std::ptr::null(), |o| o as *const _);
        // SAFETY: batch and options live across the blocking call; the root is ours.
        let root = unsafe { (self.api.client_exec)(self.ptr.as_ptr(), raw.ptr, raise, op) };
        value::exec_result(unsafe { value::take(self.api, root) })
    }

    fn exec_async(&self, batch: &BatchData, raise: bool, options: Option<&BatchOptions>) -> ReplyFuture<Option<Vec<Value>>> {
        let submit = || -> Result<Arc<Slot>> {
            let raw = batch.build(self.api)?;
            let mut host = None;
            let o = options.map(|o| o.to_raw(self.api, &mut host)).transpose()?;
            let op = o.as_ref().map_or(std::ptr::null(), |o| o as *const _);
            let slot = Slot::new(self.api);
            let user = Arc::into_raw(slot.clone()) as *mut c_void;
            // SAFETY: the library copies the batch and reads the options during the call; on
            // GLIDE_OK on_result runs exactly once and takes back the Arc.
            let status = unsafe {
                (self.api.client_exec_async)(self.ptr.as_ptr(), raw.ptr, raise, op, on_result, user)
            };
            submitted(status, user, slot, "glide_client_exec_async")
        };
        ReplyFuture::new(submit(), value::exec_result)
    }

    fn command<A: AsRef<[u8]>>(&self, args: &[A]) -> Result<Value> {
        let (argv, lens) = argv(args);
        // SAFETY: argv/lens point into args, live across the blocking call.
        let root = unsafe {
            (self.api.client_command)(self.ptr.as_ptr(), args.len(), argv.as_ptr(), lens.as_ptr())
        };
        value::command_result(unsafe { value::take(self.api, root) })
    }

    fn command_async<A: AsRef<[u8]>>(&self, args: &[A]) -> ReplyFuture<Value> {
        let (argv, lens) = argv(args);
        let slot = Slot::new(self.api);
        let user = Arc::into_raw(slot.clone()) as *mut c_void;
        // SAFETY: the library copies the arguments during the call; see exec_async.
        let status = unsafe {
            (self.api.client_command_async)(
                self.ptr.as_ptr(),
                args.len(),
                argv.as_ptr(),
                lens.as_ptr(),
                on_result,
                user,
            )
        };
        ReplyFuture::new(submitted(status, user, slot, "glide_client_command_async"), value::command_result)
    }

    fn stats(&self) -> Result<Stats> {
        let mut s = Stats {
            struct_size: std::mem::size_of::<Stats>(),
            ..Stats::default()
        };
        // SAFETY: s is a full, writable glide_stats.
        let status = unsafe { (self.api.client_get_stats)(self.ptr.as_ptr(), &mut s) };
        crate::error::check(status, "glide_client_get_stats").map(|_| s)
    }
}

fn argv<A: AsRef<[u8]>>(args: &[A]) -> (Vec<*const c_char>, Vec<usize>) {
    let argv = args.iter().map(|a| a.as_ref().as_ptr() as *const c_char).collect();
    let lens = args.iter().map(|a| a.as_ref().len()).collect();
    (argv, lens)
}

/// After an async submit: on failure the callback never runs, so its reference is taken back.
fn submitted(status: sys::glide_status, user: *mut c_void, slot: Arc<Slot>, what: &str) -> Result<Arc<Slot>> {
    if status == sys::GLIDE_OK {
        Ok(slot)
    } else {
        // SAFETY: the reference given to the library, which will not use it.
        drop(unsafe { Arc::from_raw(user as *const Slot) });
        Err(Error::status(status, what))
    }
}

/// Where an async reply lands: filled by [`on_result`], polled by [`ReplyFuture`].
struct Slot {
    api: &'static sys::Api,
    state: Mutex<(Option<Value>, Option<Waker>)>,
}

impl Slot {
    fn new(api: &'static sys::Api) -> Arc<Slot> {
        Arc::new(Slot {
            api,
            state: Mutex::new((None, None)),
        })
    }
}

/// The library's result callback (its I/O thread): copies and frees the reply, stores it, wakes
/// the future's task. Never unwinds into C.
unsafe extern "C" fn on_result(user: *mut c_void, result: *mut sys::glide_value) {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY (the whole fn is unsafe): user is the reference exec_async/command_async gave
        // the library for this one call; result is a root the callback owns.
        let slot = Arc::from_raw(user as *const Slot);
        let value = value::take(slot.api, result);
        let waker = {
            let mut state = slot.state.lock().unwrap_or_else(|e| e.into_inner());
            state.0 = Some(value);
            state.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    });
}

/// The future of an async exec or command, completed from the library's callback (any executor,
/// or [`block_on`](crate::block_on)). Dropping it before completion is fine: the request still
/// runs and its reply is dropped.
#[must_use = "futures do nothing unless polled"]
pub struct ReplyFuture<T> {
    state: Option<Result<Arc<Slot>>>,
    map: fn(Value) -> Result<T>,
}

impl<T> ReplyFuture<T> {
    fn new(submitted: Result<Arc<Slot>>, map: fn(Value) -> Result<T>) -> ReplyFuture<T> {
        ReplyFuture {
            state: Some(submitted),
            map,
        }
    }
}

impl<T> Future for ReplyFuture<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let slot = match self.state.take() {
            None => panic!("ReplyFuture polled after completion"),
            Some(Err(e)) => return Poll::Ready(Err(e)),
            Some(Ok(slot)) => slot,
        };
        let value = {
            let mut state = slot.state.lock().unwrap_or_else(|e| e.into_inner());
            match state.0.take() {
                Some(v) => v,
                None => {
                    state.1 = Some(cx.waker().clone());
                    drop(state);
                    self.state = Some(Ok(slot));
                    return Poll::Pending;
                }
            }
        };
        Poll::Ready((self.map)(value))
    }
}

impl Handle {
    fn pubsub<A: AsRef<[u8]>>(
        &self,
        subscribe: bool,
        mode: PubSubChannelMode,
        channels: &[A],
    ) -> Result<()> {
        let what = if subscribe { "subscribe" } else { "unsubscribe" };
        if self.pubsub.is_none() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{}: the client was made without a pubsub_callback; runtime subscriptions \
                     need a subscriber client (a config with pubsub_callback)",
                    what
                ),
            ));
        }
        if subscribe && channels.is_empty() {
            return Err(Error::new(ErrorKind::InvalidArgument, "subscribe: no channel given"));
        }
        let (argv, lens) = argv(channels);
        let f = if subscribe { self.api.client_subscribe } else { self.api.client_unsubscribe };
        let (a, l) = if channels.is_empty() {
            (std::ptr::null(), std::ptr::null())
        } else {
            (argv.as_ptr(), lens.as_ptr())
        };
        // SAFETY: the live client; argv/lens point into channels, alive through the call.
        check(unsafe { f(self.ptr.as_ptr(), mode.raw(), a, l, channels.len()) }, what)
    }
}

macro_rules! client_methods {
    ($batch:ty) => {
        /// Subscribes at run time to `channels` (of one kind; binary-safe, non-empty) and
        /// returns once the server confirmed each one, at most the request timeout later
        /// ([`ErrorKind::Timeout`]; the client keeps trying). Idempotent. Needs a client made
        /// with a `pubsub_callback` ([`ErrorKind::InvalidArgument`] otherwise); not from the
        /// pub/sub callback itself.
        pub fn subscribe<A: AsRef<[u8]>>(&self, mode: PubSubChannelMode, channels: &[A]) -> Result<()> {
            self.handle.pubsub(true, mode, channels)
        }

        /// Unsubscribes from `channels` of one kind; an empty slice drops every subscription of
        /// that kind. As [`subscribe`](Self::subscribe) otherwise.
        pub fn unsubscribe<A: AsRef<[u8]>>(&self, mode: PubSubChannelMode, channels: &[A]) -> Result<()> {
            self.handle.pubsub(false, mode, channels)
        }

        /// Runs `batch` and waits for its reply: `Some` with one element per command in the order
        /// they were added, `None` when an atomic batch was aborted because a WATCHed key
        /// changed. With `raise_on_error` the first error element is the `Err`; without it,
        /// errors stay in place as [`Value::Error`]. A batch that fails as a whole (timeout of an
        /// atomic batch, CROSSSLOT, EXECABORT, empty batch) is an `Err` either way.
        pub fn exec(&self, batch: &$batch, raise_on_error: bool) -> Result<Option<Vec<Value>>> {
            self.handle.exec(&batch.data, raise_on_error, None)
        }

        /// [`exec`](Self::exec) with options: timeout, retries, route.
        pub fn exec_with_options(
            &self,
            batch: &$batch,
            raise_on_error: bool,
            options: &BatchOptions,
        ) -> Result<Option<Vec<Value>>> {
            self.handle.exec(&batch.data, raise_on_error, Some(options))
        }

        /// [`exec`](Self::exec) without blocking: the batch is submitted now (and may be changed
        /// or dropped right after); the future completes from the library's callback.
        pub fn exec_async(
            &self,
            batch: &$batch,
            raise_on_error: bool,
        ) -> ReplyFuture<Option<Vec<Value>>> {
            self.handle.exec_async(&batch.data, raise_on_error, None)
        }

        /// [`exec_async`](Self::exec_async) with options.
        pub fn exec_async_with_options(
            &self,
            batch: &$batch,
            raise_on_error: bool,
            options: &BatchOptions,
        ) -> ReplyFuture<Option<Vec<Value>>> {
            self.handle.exec_async(&batch.data, raise_on_error, Some(options))
        }

        /// Runs one command (`args[0]` is its name) and waits for its reply; an error reply is
        /// the `Err`. In a cluster, a command with keys in several slots is split per slot and
        /// its replies aggregated.
        pub fn custom_command<A: AsRef<[u8]>>(&self, args: &[A]) -> Result<Value> {
            self.handle.command(args)
        }

        /// [`custom_command`](Self::custom_command) without blocking.
        pub fn custom_command_async<A: AsRef<[u8]>>(&self, args: &[A]) -> ReplyFuture<Value> {
            self.handle.command_async(args)
        }

        /// The client's counters (requests, redirects, reconnects ...).
        pub fn stats(&self) -> Result<Stats> {
            self.handle.stats()
        }
    };
}

/// A client of a Valkey / Redis cluster, as GLIDE's `GlideClusterClient`. `Send + Sync`: share
/// it between threads (in an `Arc`, or by reference with scoped threads); dropping it closes the
/// connections, completing pending async requests with [`ErrorKind::Closing`].
pub struct ClusterClient {
    handle: Handle,
}

impl ClusterClient {
    /// Connects: discovers the slot map from the seeds, within the connect timeout. Fails with
    /// the kind of the seeds' failure ([`ErrorKind::Connection`], `Timeout`, `Auth`, `Tls` ...)
    /// and a message naming each seed's failure, or [`ErrorKind::Library`] when the library
    /// cannot be loaded.
    pub fn connect(config: &ClusterClientConfig) -> Result<ClusterClient> {
        Ok(ClusterClient {
            handle: Handle::connect(&config.common, true)?,
        })
    }

    client_methods!(ClusterBatch);
}

/// A client of one standalone server, as GLIDE's `GlideClient`. Same threading and drop rules
/// as [`ClusterClient`].
pub struct Client {
    handle: Handle,
}

impl Client {
    /// Connects to the first address of `config`.
    pub fn connect(config: &ClientConfig) -> Result<Client> {
        Ok(Client {
            handle: Handle::connect(&config.common, false)?,
        })
    }

    client_methods!(Batch);
}
