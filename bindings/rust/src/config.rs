//! [`ClusterClientConfig`] and [`ClientConfig`]: what to connect to and how.

use std::ffi::CString;
use std::os::raw::c_char;

use crate::error::{check, Error, ErrorKind, Result};
use crate::pubsub::{self, PubSubChannelMode, PubSubMessage, SharedCallback};
use crate::sys;

/// Which nodes serve read-only commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadFrom {
    /// Everything to primaries (the default).
    Primary,
    /// Read-only commands round-robin to the replicas of their slot (cluster mode), the primary
    /// when no replica is reachable.
    PreferReplica,
}

/// The RESP version spoken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// RESP2.
    Resp2,
    /// RESP3 (the default: HELLO 3, falling back to RESP2 when the server does not know HELLO).
    Resp3,
}

/// The settings both configurations share; unset ones keep the library's defaults.
#[derive(Clone, Debug, Default)]
pub(crate) struct Common {
    addresses: Vec<(String, u16)>,
    request_timeout_ms: Option<u32>,
    connect_timeout_ms: Option<u32>,
    credentials: Option<(Option<String>, String)>,
    client_name: Option<String>,
    protocol: Option<Protocol>,
    read_from: Option<ReadFrom>,
    tls: bool,
    tls_insecure: bool,
    tls_ca_file: Option<String>,
    inflight_limit: Option<u32>,
    database: Option<u32>,
    pub(crate) pubsub_callback: Option<SharedCallback>,
    subscriptions: Vec<(PubSubChannelMode, Vec<u8>)>,
}

fn c_string(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("{} holds a NUL byte: {:?}", what, s),
        )
    })
}

/// A `glide_config` being built, freed on drop.
pub(crate) struct RawConfig {
    api: &'static sys::Api,
    pub(crate) ptr: *mut sys::glide_config,
}

impl Drop for RawConfig {
    fn drop(&mut self) {
        // SAFETY: made by config_new, freed once.
        unsafe { (self.api.config_free)(self.ptr) }
    }
}

impl Common {
    fn new(addresses: &[(&str, u16)]) -> Common {
        Common {
            addresses: addresses.iter().map(|(h, p)| (h.to_string(), *p)).collect(),
            ..Common::default()
        }
    }

    /// Builds the library's config (the library copies what it needs from it at connect).
    pub(crate) fn build(&self, api: &'static sys::Api, cluster: bool) -> Result<RawConfig> {
        // SAFETY: plain calls on a config owned by this thread; strings outlive each call.
        unsafe {
            let ptr = (api.config_new)();
            if ptr.is_null() {
                return Err(Error::new(ErrorKind::OutOfMemory, "glide_config_new"));
            }
            let cfg = RawConfig { api, ptr };
            if self.addresses.is_empty() {
                return Err(Error::new(ErrorKind::InvalidArgument, "no address to connect to"));
            }
            check((api.config_set_cluster_mode)(ptr, cluster), "glide_config_set_cluster_mode")?;
            for (host, port) in &self.addresses {
                let h = c_string(host, "host")?;
                check((api.config_add_address)(ptr, h.as_ptr(), *port), "glide_config_add_address")
                    .map_err(|e| Error::new(e.kind, format!("address {}:{}: {}", host, port, e)))?;
            }
            if let Some(ms) = self.request_timeout_ms {
                check((api.config_set_request_timeout_ms)(ptr, ms), "glide_config_set_request_timeout_ms")?;
            }
            if let Some(ms) = self.connect_timeout_ms {
                check((api.config_set_connect_timeout_ms)(ptr, ms), "glide_config_set_connect_timeout_ms")?;
            }
            if let Some((user, password)) = &self.credentials {
                let u = user.as_deref().map(|u| c_string(u, "username")).transpose()?;
                let p = c_string(password, "password")?;
                let up = u.as_ref().map_or(std::ptr::null(), |u| u.as_ptr());
                check((api.config_set_credentials)(ptr, up, p.as_ptr()), "glide_config_set_credentials")?;
            }
            if let Some(name) = &self.client_name {
                let n = c_string(name, "client name")?;
                check((api.config_set_client_name)(ptr, n.as_ptr()), "glide_config_set_client_name")?;
            }
            if let Some(p) = self.protocol {
                let v = if p == Protocol::Resp2 { 2 } else { 3 };
                check((api.config_set_protocol)(ptr, v), "glide_config_set_protocol")?;
            }
            if let Some(r) = self.read_from {
                let v = match r {
                    ReadFrom::Primary => sys::GLIDE_READ_FROM_PRIMARY,
                    ReadFrom::PreferReplica => sys::GLIDE_READ_FROM_PREFER_REPLICA,
                };
                check((api.config_set_read_from)(ptr, v), "glide_config_set_read_from")?;
            }
            if self.tls {
                check((api.config_set_tls)(ptr, true), "glide_config_set_tls")?;
                if self.tls_insecure {
                    check((api.config_set_tls_insecure)(ptr, true), "glide_config_set_tls_insecure")?;
                }
                if let Some(f) = &self.tls_ca_file {
                    let f = c_string(f, "CA file")?;
                    check((api.config_set_tls_ca_file)(ptr, f.as_ptr()), "glide_config_set_tls_ca_file")?;
                }
            }
            if let Some(n) = self.inflight_limit {
                check((api.config_set_inflight_limit)(ptr, n), "glide_config_set_inflight_limit")?;
            }
            if let Some(db) = self.database {
                check((api.config_set_database)(ptr, db), "glide_config_set_database")?;
            }
            if let Some(cb) = &self.pubsub_callback {
                check(
                    (api.config_set_pubsub_callback)(ptr, Some(pubsub::on_message), cb.user_data()),
                    "glide_config_set_pubsub_callback",
                )?;
            }
            for (mode, channel) in &self.subscriptions {
                check(
                    (api.config_subscribe)(ptr, mode.raw(), channel.as_ptr() as *const c_char, channel.len()),
                    "glide_config_subscribe",
                )
                .map_err(|e| Error::new(e.kind, format!("{} {:?}", e.message, String::from_utf8_lossy(channel))))?;
            }
            Ok(cfg)
        }
    }
}

macro_rules! common_config_methods {
    () => {
        /// Milliseconds a request (and by default a whole batch) may take: 1 .. 3,600,000
        /// (default 1000).
        pub fn request_timeout_ms(mut self, ms: u32) -> Self {
            self.common.request_timeout_ms = Some(ms);
            self
        }

        /// Milliseconds each connection attempt may take, name lookup and handshake included
        /// (default 2000).
        pub fn connect_timeout_ms(mut self, ms: u32) -> Self {
            self.common.connect_timeout_ms = Some(ms);
            self
        }

        /// Authenticates every connection: `username` `None` is the default user.
        pub fn credentials(mut self, username: Option<&str>, password: &str) -> Self {
            self.common.credentials = Some((username.map(str::to_string), password.to_string()));
            self
        }

        /// The connection name (CLIENT SETNAME); no spaces or newlines.
        pub fn client_name(mut self, name: &str) -> Self {
            self.common.client_name = Some(name.to_string());
            self
        }

        /// The RESP version (default RESP3).
        pub fn protocol(mut self, protocol: Protocol) -> Self {
            self.common.protocol = Some(protocol);
            self
        }

        /// Which nodes serve read-only commands (default [`ReadFrom::Primary`]).
        pub fn read_from(mut self, read_from: ReadFrom) -> Self {
            self.common.read_from = Some(read_from);
            self
        }

        /// TLS on every connection, verified against the system's CAs (or
        /// [`tls_ca_file`](Self::tls_ca_file)).
        pub fn tls(mut self, enabled: bool) -> Self {
            self.common.tls = enabled;
            self
        }

        /// TLS with the CAs of this PEM file instead of the system's (turns TLS on).
        pub fn tls_ca_file(mut self, path: &str) -> Self {
            self.common.tls = true;
            self.common.tls_ca_file = Some(path.to_string());
            self
        }

        /// TLS without any certificate verification (tests only; turns TLS on).
        pub fn tls_insecure(mut self) -> Self {
            self.common.tls = true;
            self.common.tls_insecure = true;
            self
        }

        /// Makes the client a subscriber: every pub/sub message goes to `callback` (on the
        /// library's I/O thread: see [`PubSubCallback`](crate::PubSubCallback)). Needed for
        /// [`subscribe`](Self::subscribe) and for runtime subscriptions.
        pub fn pubsub_callback(
            mut self,
            callback: impl Fn(&PubSubMessage) + Send + Sync + 'static,
        ) -> Self {
            let boxed: crate::PubSubCallback = Box::new(callback);
            self.common.pubsub_callback = Some(SharedCallback(std::sync::Arc::new(boxed)));
            self
        }

        /// A channel, pattern or sharded channel (binary-safe, non-empty) subscribed before
        /// `connect` returns, and kept across reconnects, failovers and slot moves. Needs a
        /// [`pubsub_callback`](Self::pubsub_callback) (`connect` fails with
        /// `InvalidArgument` otherwise).
        pub fn subscribe(mut self, mode: PubSubChannelMode, channel: impl AsRef<[u8]>) -> Self {
            self.common.subscriptions.push((mode, channel.as_ref().to_vec()));
            self
        }

        /// Requests pending at once beyond which new ones fail with
        /// [`ErrorKind::InflightLimit`](crate::ErrorKind::InflightLimit) (default 1000).
        pub fn inflight_limit(mut self, max_requests: u32) -> Self {
            self.common.inflight_limit = Some(max_requests);
            self
        }
    };
}

/// How to connect to a cluster: seed addresses and options, as GLIDE's
/// `GlideClusterClientConfiguration`. Each option method consumes and returns the config.
///
/// ```
/// let config = glide_c::ClusterClientConfig::new(&[("127.0.0.1", 7000), ("127.0.0.1", 7001)])
///     .request_timeout_ms(500)
///     .client_name("example");
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
pub struct ClusterClientConfig {
    pub(crate) common: Common,
}

impl ClusterClientConfig {
    /// A config with these seed nodes (host name or IP literal, port); the slot map is
    /// discovered from them.
    pub fn new(addresses: &[(&str, u16)]) -> ClusterClientConfig {
        ClusterClientConfig {
            common: Common::new(addresses),
        }
    }

    common_config_methods!();
}

/// How to connect to a standalone server, as GLIDE's `GlideClientConfiguration`.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub(crate) common: Common,
}

impl ClientConfig {
    /// A config for the server at the first of `addresses`.
    pub fn new(addresses: &[(&str, u16)]) -> ClientConfig {
        ClientConfig {
            common: Common::new(addresses),
        }
    }

    /// The database selected after connecting (SELECT db).
    pub fn database(mut self, db: u32) -> Self {
        self.common.database = Some(db);
        self
    }

    common_config_methods!();
}
