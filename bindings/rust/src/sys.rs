//! The raw C ABI of `include/glide_c.h`: `#[repr(C)]` mirrors of its public types and enums, and
//! [`Api`], the table of its functions, resolved from the shared library at run time.
//!
//! Everything here is `unsafe` to use and follows the header's rules (ownership of reply trees,
//! one thread at a time for configs and batches). The safe API of the crate root is built on it;
//! use this module only for what that API does not offer.
#![allow(non_camel_case_types, missing_docs)]

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::Mutex;

use crate::error::{Error, ErrorKind};

/// The version of `glide_c.h` this binding was written against: 0.2.0, as
/// `MAJOR << 16 | MINOR << 8 | PATCH`. A library of the same major and at least this version is
/// accepted at load time.
pub const GLIDE_C_VERSION_NUMBER: u32 = 0x0000_0200;

/// The name searched for (library path, `LD_LIBRARY_PATH`, the ld.so cache) when the
/// `GLIDE_C_LIBRARY` environment variable does not name the file to load.
pub const DEFAULT_LIBRARY: &str = "libglide_c.so.0";

/// `glide_error_kind` (and `glide_status`): `GLIDE_OK` or an error kind. Append-only.
pub type glide_error_kind = c_int;
/// What functions that can fail return: `GLIDE_OK` (0) or a `glide_error_kind`.
pub type glide_status = glide_error_kind;
pub const GLIDE_OK: glide_status = 0;
pub const GLIDE_ERR_INVALID_ARGUMENT: glide_error_kind = 1;
pub const GLIDE_ERR_CONNECTION: glide_error_kind = 2;
pub const GLIDE_ERR_TIMEOUT: glide_error_kind = 3;
pub const GLIDE_ERR_SERVER: glide_error_kind = 4;
pub const GLIDE_ERR_EXEC_ABORT: glide_error_kind = 5;
pub const GLIDE_ERR_CROSSSLOT: glide_error_kind = 6;
pub const GLIDE_ERR_CLOSING: glide_error_kind = 7;
pub const GLIDE_ERR_TLS: glide_error_kind = 8;
pub const GLIDE_ERR_AUTH: glide_error_kind = 9;
pub const GLIDE_ERR_PROTOCOL: glide_error_kind = 10;
pub const GLIDE_ERR_OUT_OF_MEMORY: glide_error_kind = 11;
pub const GLIDE_ERR_NOT_SUPPORTED: glide_error_kind = 12;
pub const GLIDE_ERR_INFLIGHT_LIMIT: glide_error_kind = 13;

/// `glide_value_type`: the tag of a [`glide_value`].
pub type glide_value_type = c_int;
pub const GLIDE_VALUE_NIL: glide_value_type = 0;
pub const GLIDE_VALUE_SIMPLE_STRING: glide_value_type = 1;
pub const GLIDE_VALUE_BULK_STRING: glide_value_type = 2;
pub const GLIDE_VALUE_VERBATIM_STRING: glide_value_type = 3;
pub const GLIDE_VALUE_INTEGER: glide_value_type = 4;
pub const GLIDE_VALUE_DOUBLE: glide_value_type = 5;
pub const GLIDE_VALUE_BOOLEAN: glide_value_type = 6;
pub const GLIDE_VALUE_BIG_NUMBER: glide_value_type = 7;
pub const GLIDE_VALUE_ARRAY: glide_value_type = 8;
pub const GLIDE_VALUE_MAP: glide_value_type = 9;
pub const GLIDE_VALUE_SET: glide_value_type = 10;
pub const GLIDE_VALUE_PUSH: glide_value_type = 11;
pub const GLIDE_VALUE_ERROR: glide_value_type = 12;

/// The `{ptr, len}` of a string-like [`glide_value`] (NUL-terminated; `len` excludes the NUL).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct glide_value_string {
    pub ptr: *const c_char,
    pub len: usize,
}

/// The `{items, len}` of an aggregate [`glide_value`]; for a map `len` counts pairs and `items`
/// holds `2 * len` values (key, value, key, value ...).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct glide_value_aggregate {
    pub items: *mut glide_value,
    pub len: usize,
}

/// The small union after the tag: the kind of an ERROR, the format of a VERBATIM_STRING.
#[repr(C)]
#[derive(Clone, Copy)]
pub union glide_value_small {
    pub error_kind: glide_error_kind,
    pub verbatim_format: [c_char; 4],
}

/// The payload union of a [`glide_value`]; read the member that its `type_` says.
#[repr(C)]
#[derive(Clone, Copy)]
pub union glide_value_u {
    pub integer: i64,
    pub dbl: f64,
    pub boolean: bool,
    pub string: glide_value_string,
    pub aggregate: glide_value_aggregate,
}

/// One node of a reply tree (`struct glide_value`): 24 bytes on LP64.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct glide_value {
    pub type_: glide_value_type,
    pub small: glide_value_small,
    pub u: glide_value_u,
}

/// Opaque: a configuration builder.
#[repr(C)]
pub struct glide_config {
    _opaque: [u8; 0],
}
/// Opaque: a batch of commands.
#[repr(C)]
pub struct glide_batch {
    _opaque: [u8; 0],
}
/// Opaque: a connected client.
#[repr(C)]
pub struct glide_client {
    _opaque: [u8; 0],
}

pub type glide_read_from = c_int;
pub const GLIDE_READ_FROM_PRIMARY: glide_read_from = 0;
pub const GLIDE_READ_FROM_PREFER_REPLICA: glide_read_from = 1;

pub type glide_callback_mode = c_int;
pub const GLIDE_CALLBACKS_ON_IO_THREAD: glide_callback_mode = 0;
pub const GLIDE_CALLBACKS_DISPATCHED: glide_callback_mode = 1;

pub type glide_pubsub_kind = c_int;
pub const GLIDE_PUBSUB_EXACT: glide_pubsub_kind = 0;
pub const GLIDE_PUBSUB_PATTERN: glide_pubsub_kind = 1;
pub const GLIDE_PUBSUB_SHARDED: glide_pubsub_kind = 2;

/// One pub/sub message, valid only during the callback.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct glide_pubsub_message {
    pub kind: glide_pubsub_kind,
    pub channel: *const c_char,
    pub channel_len: usize,
    pub pattern: *const c_char,
    pub pattern_len: usize,
    pub payload: *const c_char,
    pub payload_len: usize,
}
pub type glide_pubsub_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, message: *const glide_pubsub_message)>;

pub type glide_route_kind = c_int;
pub const GLIDE_ROUTE_NONE: glide_route_kind = 0;
pub const GLIDE_ROUTE_RANDOM: glide_route_kind = 1;
pub const GLIDE_ROUTE_SLOT_KEY: glide_route_kind = 2;
pub const GLIDE_ROUTE_SLOT_ID: glide_route_kind = 3;
pub const GLIDE_ROUTE_ADDRESS: glide_route_kind = 4;

/// Where a whole batch goes (`struct glide_route`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct glide_route {
    pub kind: glide_route_kind,
    pub replica: bool,
    pub key: *const c_char,
    pub key_len: usize,
    pub slot: u16,
    pub host: *const c_char,
    pub port: u16,
}

/// Options of one exec; always filled by `glide_batch_options_init` first.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct glide_batch_options {
    pub struct_size: usize,
    pub timeout_ms: u32,
    pub retry_server_error: bool,
    pub retry_connection_error: bool,
    pub route: glide_route,
}

/// A client's counters (`struct glide_stats`); set `struct_size` before the call.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct glide_stats {
    pub struct_size: usize,
    pub commands_sent: u64,
    pub replies_received: u64,
    pub requests_completed: u64,
    pub moved_redirects: u64,
    pub ask_redirects: u64,
    pub retries: u64,
    pub reconnects: u64,
    pub timeouts: u64,
    pub topology_refreshes: u64,
    pub pubsub_messages: u64,
    pub inflight_requests: u64,
    pub connected_nodes: u64,
    pub pubsub_dropped: u64,
    pub caller_side_requests: u64,
}

/// `glide_result_callback`: called once per accepted async request; it owns `result`.
pub type glide_result_callback =
    unsafe extern "C" fn(user_data: *mut c_void, result: *mut glide_value);

// The layouts the header pins on x86-64 (LP64): a mismatch fails the build, not a run.
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(std::mem::size_of::<glide_value>() == 24);
    assert!(std::mem::size_of::<glide_route>() == 48);
    assert!(std::mem::size_of::<glide_batch_options>() == 64);
    assert!(std::mem::size_of::<glide_pubsub_message>() == 56);
    assert!(std::mem::size_of::<glide_stats>() == 8 + 14 * 8);
};

macro_rules! api_table {
    ($($field:ident = $symbol:literal : fn($($arg:ty),*) $(-> $ret:ty)?;)*) => {
        /// The library's functions, resolved once by [`api`]. Each field is the C function of
        /// the same name with the `glide_` prefix; the calls are `unsafe` and follow the
        /// header's contract.
        pub struct Api {
            $(pub $field: unsafe extern "C" fn($($arg),*) $(-> $ret)?,)*
            _library: libloading::Library,
        }

        impl Api {
            /// Resolves every function from `library`, which then stays loaded with the table.
            unsafe fn resolve(library: libloading::Library, path: &str) -> Result<Api, Error> {
                $(
                    let $field = *library
                        .get::<unsafe extern "C" fn($($arg),*) $(-> $ret)?>(
                            concat!($symbol, "\0").as_bytes())
                        .map_err(|e| Error::new(ErrorKind::Library,
                            format!("{}: no symbol {}: {}", path, $symbol, e)))?;
                )*
                Ok(Api { $($field,)* _library: library })
            }
        }
    };
}

api_table! {
    version = "glide_version": fn() -> *const c_char;
    version_number = "glide_version_number": fn() -> u32;
    error_kind_name = "glide_error_kind_name": fn(glide_error_kind) -> *const c_char;
    value_free = "glide_value_free": fn(*mut glide_value);
    config_new = "glide_config_new": fn() -> *mut glide_config;
    config_free = "glide_config_free": fn(*mut glide_config);
    config_add_address = "glide_config_add_address":
        fn(*mut glide_config, *const c_char, u16) -> glide_status;
    config_set_cluster_mode = "glide_config_set_cluster_mode":
        fn(*mut glide_config, bool) -> glide_status;
    config_set_credentials = "glide_config_set_credentials":
        fn(*mut glide_config, *const c_char, *const c_char) -> glide_status;
    config_set_tls = "glide_config_set_tls": fn(*mut glide_config, bool) -> glide_status;
    config_set_tls_ca_file = "glide_config_set_tls_ca_file":
        fn(*mut glide_config, *const c_char) -> glide_status;
    config_set_tls_insecure = "glide_config_set_tls_insecure":
        fn(*mut glide_config, bool) -> glide_status;
    config_set_request_timeout_ms = "glide_config_set_request_timeout_ms":
        fn(*mut glide_config, u32) -> glide_status;
    config_set_connect_timeout_ms = "glide_config_set_connect_timeout_ms":
        fn(*mut glide_config, u32) -> glide_status;
    config_set_client_name = "glide_config_set_client_name":
        fn(*mut glide_config, *const c_char) -> glide_status;
    config_set_protocol = "glide_config_set_protocol": fn(*mut glide_config, c_int) -> glide_status;
    config_set_read_from = "glide_config_set_read_from":
        fn(*mut glide_config, glide_read_from) -> glide_status;
    config_set_database = "glide_config_set_database": fn(*mut glide_config, u32) -> glide_status;
    config_set_inflight_limit = "glide_config_set_inflight_limit":
        fn(*mut glide_config, u32) -> glide_status;
    batch_new = "glide_batch_new": fn(bool) -> *mut glide_batch;
    batch_free = "glide_batch_free": fn(*mut glide_batch);
    batch_size = "glide_batch_size": fn(*const glide_batch) -> usize;
    batch_command_many = "glide_batch_command_many":
        fn(*mut glide_batch, usize, *const usize, *const *const c_char, *const usize) -> glide_status;
    batch_copy = "glide_batch_copy":
        fn(*mut glide_batch, *const c_char, usize, *const c_char, usize, bool) -> glide_status;
    batch_publish = "glide_batch_publish":
        fn(*mut glide_batch, *const c_char, usize, *const c_char, usize, bool) -> glide_status;
    batch_pubsub_shardchannels = "glide_batch_pubsub_shardchannels":
        fn(*mut glide_batch, *const c_char, usize) -> glide_status;
    batch_pubsub_shardnumsub = "glide_batch_pubsub_shardnumsub":
        fn(*mut glide_batch, usize, *const *const c_char, *const usize) -> glide_status;
    batch_options_init = "glide_batch_options_init": fn(*mut glide_batch_options);
    client_new = "glide_client_new":
        fn(*const glide_config, *mut *mut glide_client, *mut *mut c_char) -> glide_status;
    client_close = "glide_client_close": fn(*mut glide_client);
    string_free = "glide_string_free": fn(*mut c_char);
    client_command = "glide_client_command":
        fn(*mut glide_client, usize, *const *const c_char, *const usize) -> *mut glide_value;
    client_exec = "glide_client_exec":
        fn(*mut glide_client, *const glide_batch, bool, *const glide_batch_options)
            -> *mut glide_value;
    client_command_async = "glide_client_command_async":
        fn(*mut glide_client, usize, *const *const c_char, *const usize,
           glide_result_callback, *mut c_void) -> glide_status;
    client_exec_async = "glide_client_exec_async":
        fn(*mut glide_client, *const glide_batch, bool, *const glide_batch_options,
           glide_result_callback, *mut c_void) -> glide_status;
    client_get_stats = "glide_client_get_stats":
        fn(*mut glide_client, *mut glide_stats) -> glide_status;
    config_set_pubsub_callback = "glide_config_set_pubsub_callback":
        fn(*mut glide_config, glide_pubsub_callback, *mut c_void) -> glide_status;
    config_subscribe = "glide_config_subscribe":
        fn(*mut glide_config, glide_pubsub_kind, *const c_char, usize) -> glide_status;
    client_subscribe = "glide_client_subscribe":
        fn(*mut glide_client, glide_pubsub_kind, *const *const c_char, *const usize, usize)
            -> glide_status;
    client_unsubscribe = "glide_client_unsubscribe":
        fn(*mut glide_client, glide_pubsub_kind, *const *const c_char, *const usize, usize)
            -> glide_status;
}

impl Api {
    /// `glide_error_kind_name(kind)` as a Rust string ("TIMEOUT", "UNKNOWN" ...).
    pub fn kind_name(&self, kind: glide_error_kind) -> String {
        // SAFETY: never NULL, static storage.
        unsafe { CStr::from_ptr((self.error_kind_name)(kind)) }
            .to_string_lossy()
            .into_owned()
    }
}

/// Formats a version number as "MAJOR.MINOR.PATCH".
pub fn version_string(number: u32) -> String {
    format!("{}.{}.{}", number >> 16, (number >> 8) & 0xff, number & 0xff)
}

/// Whether a library of version `found` (`glide_version_number()`) can be used: the same major
/// as [`GLIDE_C_VERSION_NUMBER`] and at least that version (within a major version, functions and
/// struct fields are only ever added).
pub fn version_supported(found: u32) -> bool {
    found >> 16 == GLIDE_C_VERSION_NUMBER >> 16 && found >= GLIDE_C_VERSION_NUMBER
}

static LOADED: Mutex<Option<Result<&'static Api, Error>>> = Mutex::new(None);

/// The function table, loaded on first use from `GLIDE_C_LIBRARY` (else [`DEFAULT_LIBRARY`]) and
/// kept for the life of the process (the library is never unloaded). Fails with
/// [`ErrorKind::Library`] when the library cannot be loaded, lacks a function, or its
/// `glide_version_number()` is of another major version or older than
/// [`GLIDE_C_VERSION_NUMBER`]; the outcome of the first attempt is kept.
pub fn api() -> Result<&'static Api, Error> {
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(result) = loaded.as_ref() {
        return result.clone();
    }
    let path = match std::env::var("GLIDE_C_LIBRARY") {
        Ok(p) if !p.is_empty() => p,
        _ => DEFAULT_LIBRARY.to_string(),
    };
    // SAFETY: loading runs the library's initialisers, which glide-c keeps free of side effects.
    let result = unsafe { load(&path) }.map(|api| &*Box::leak(Box::new(api)));
    *loaded = Some(result.clone());
    result
}

unsafe fn load(path: &str) -> Result<Api, Error> {
    let library = libloading::Library::new(path).map_err(|e| {
        Error::new(
            ErrorKind::Library,
            format!("cannot load {} (set GLIDE_C_LIBRARY to its path): {}", path, e),
        )
    })?;
    // The version first: an old library lacking a newer function gets a clear version error.
    let version_number = *library
        .get::<unsafe extern "C" fn() -> u32>(b"glide_version_number\0")
        .map_err(|_| {
            Error::new(
                ErrorKind::Library,
                format!(
                    "{} is older than glide-c 0.2.0 (no glide_version_number); this binding needs {}",
                    path,
                    version_string(GLIDE_C_VERSION_NUMBER)
                ),
            )
        })?;
    let found = version_number();
    if !version_supported(found) {
        return Err(Error::new(
            ErrorKind::Library,
            format!(
                "{} is glide-c {}, this binding needs {}.x at least {}",
                path,
                version_string(found),
                GLIDE_C_VERSION_NUMBER >> 16,
                version_string(GLIDE_C_VERSION_NUMBER)
            ),
        ));
    }
    Api::resolve(library, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_check() {
        assert!(version_supported(0x000200)); // 0.2.0
        assert!(version_supported(0x000201)); // 0.2.1
        assert!(version_supported(0x000300)); // 0.3.0
        assert!(!version_supported(0x000100)); // 0.1.0: older
        assert!(!version_supported(0x0001ff)); // 0.1.255
        assert!(!version_supported(0x010200)); // 1.2.0: another major
        assert_eq!(version_string(0x010203), "1.2.3");
    }

    #[test]
    fn layouts() {
        use std::mem::{align_of, size_of};
        assert_eq!(size_of::<glide_value>(), 24);
        assert_eq!(align_of::<glide_value>(), 8);
        let v: glide_value = unsafe { std::mem::zeroed() };
        let base = &v as *const _ as usize;
        assert_eq!(&v.small as *const _ as usize - base, 4);
        assert_eq!(&v.u as *const _ as usize - base, 8);
        let o: glide_batch_options = unsafe { std::mem::zeroed() };
        let base = &o as *const _ as usize;
        assert_eq!(&o.timeout_ms as *const _ as usize - base, 8);
        assert_eq!(&o.retry_server_error as *const _ as usize - base, 12);
        assert_eq!(&o.route as *const _ as usize - base, 16);
        assert_eq!(&o.route.key as *const _ as usize - base, 24);
        assert_eq!(&o.route.slot as *const _ as usize - base, 40);
        assert_eq!(&o.route.host as *const _ as usize - base, 48);
        assert_eq!(&o.route.port as *const _ as usize - base, 56);
    }
}
