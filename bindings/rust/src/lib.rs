//! Rust binding of glide-c, a Valkey / Redis cluster client with a C ABI (`libglide_c.so.0`),
//! after the API of Valkey GLIDE's clients.
//!
//! The library is loaded at run time (with `libloading`) from the file named by the
//! `GLIDE_C_LIBRARY` environment variable, else the soname `libglide_c.so.0`; it must be glide-c
//! 0.x at least 0.2.0 (checked with `glide_version_number()` at load). Nothing of glide-c is
//! linked, so the crate builds without it.
//!
//! ```no_run
//! # fn main() -> glide_c::Result<()> {
//! use glide_c::{ClusterBatch, ClusterClient, ClusterClientConfig, Value};
//!
//! let client = ClusterClient::connect(&ClusterClientConfig::new(&[("127.0.0.1", 7000)]))?;
//! let mut batch = ClusterBatch::new(true);
//! batch.set("key", "value").get("key");
//! let result: Vec<Value> = client.exec(&batch, false)?.expect("no WATCH, never aborted");
//! assert_eq!(result, vec![Value::Okay, Value::BulkString(b"value".to_vec())]);
//!
//! // The same without blocking, from any executor (or block_on, std only).
//! let result = glide_c::block_on(client.exec_async(&batch, false))?;
//! # let _ = result;
//! # Ok(())
//! # }
//! ```
//!
//! Replies are [`Value`]s, copied out of the library's reply tree (freed at once). Errors are
//! [`Error`]s with the library's [`ErrorKind`]; inside a batch run with `raise_on_error` false
//! they stay in place as [`Value::Error`]. The [`sys`] module is the raw C ABI.
#![warn(missing_docs)]

mod batch;
mod client;
mod config;
mod error;
mod pubsub;
pub mod sys;
mod value;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake};
use std::thread::{self, Thread};

pub use batch::{Batch, ClusterBatch};
pub use client::{BatchOptions, Client, ClusterClient, ReplyFuture, Route, Stats};
pub use config::{ClientConfig, ClusterClientConfig, Protocol, ReadFrom};
pub use pubsub::{PubSubCallback, PubSubChannelMode, PubSubMessage};
pub use error::{Error, ErrorKind, Result};
pub use value::Value;

/// The loaded library's version ("0.2.0"); loads it if needed.
pub fn library_version() -> Result<String> {
    let api = sys::api()?;
    // SAFETY: glide_version never returns NULL; static storage.
    Ok(unsafe { std::ffi::CStr::from_ptr((api.version)()) }
        .to_string_lossy()
        .into_owned())
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on the calling thread, parking it while the future is pending:
/// a minimal executor for [`ReplyFuture`]s without an async runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = Box::pin(future);
    let waker = Arc::new(ThreadWaker(thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    loop {
        match Pin::as_mut(&mut future).poll(&mut cx) {
            Poll::Ready(out) => return out,
            Poll::Pending => thread::park(),
        }
    }
}
