//! Pub/sub: subscription kinds, the message type and the bridge from the library's callback.

use std::fmt;
use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::sys;

/// The kind of a subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PubSubChannelMode {
    /// A channel name (SUBSCRIBE).
    Exact,
    /// A glob-style pattern (PSUBSCRIBE).
    Pattern,
    /// A sharded channel (SSUBSCRIBE), on the primary owning its slot (Valkey 7.0+).
    Sharded,
}

impl PubSubChannelMode {
    pub(crate) fn raw(self) -> sys::glide_pubsub_kind {
        match self {
            PubSubChannelMode::Exact => sys::GLIDE_PUBSUB_EXACT,
            PubSubChannelMode::Pattern => sys::GLIDE_PUBSUB_PATTERN,
            PubSubChannelMode::Sharded => sys::GLIDE_PUBSUB_SHARDED,
        }
    }

    fn from_raw(kind: sys::glide_pubsub_kind) -> PubSubChannelMode {
        match kind {
            sys::GLIDE_PUBSUB_PATTERN => PubSubChannelMode::Pattern,
            sys::GLIDE_PUBSUB_SHARDED => PubSubChannelMode::Sharded,
            _ => PubSubChannelMode::Exact,
        }
    }
}

/// One message received, copied out of the library's callback (all bytes, binary-safe).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PubSubMessage {
    /// The kind of the subscription that received it.
    pub kind: PubSubChannelMode,
    /// The channel it was published to.
    pub channel: Vec<u8>,
    /// The pattern that matched `channel` (pattern subscriptions only).
    pub pattern: Option<Vec<u8>>,
    /// The payload.
    pub message: Vec<u8>,
}

/// What receives the messages of a subscriber client: called on the library's I/O thread, in
/// arrival order. It must return quickly and must not call the client (a runtime
/// `subscribe` from it fails with [`ErrorKind::InvalidArgument`](crate::ErrorKind)); send the
/// message to another thread (an `mpsc` channel, say) for anything more. A panic in it is caught
/// and the message dropped.
pub type PubSubCallback = Box<dyn Fn(&PubSubMessage) + Send + Sync>;

/// The callback shared by configs (which are `Clone`) and the clients made from them.
#[derive(Clone)]
pub(crate) struct SharedCallback(pub(crate) Arc<PubSubCallback>);

impl fmt::Debug for SharedCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PubSubCallback")
    }
}

impl SharedCallback {
    /// The user_data given to the library: a thin pointer to the boxed closure, valid while
    /// the Arc lives (the client keeps a clone until its close returned).
    pub(crate) fn user_data(&self) -> *mut c_void {
        Arc::as_ptr(&self.0) as *mut c_void
    }
}

unsafe fn bytes(p: *const c_char, n: usize) -> Vec<u8> {
    if p.is_null() || n == 0 {
        Vec::new()
    } else {
        std::slice::from_raw_parts(p as *const u8, n).to_vec()
    }
}

/// The `glide_pubsub_callback` of every subscriber client.
pub(crate) unsafe extern "C" fn on_message(
    user_data: *mut c_void,
    message: *const sys::glide_pubsub_message,
) {
    if user_data.is_null() || message.is_null() {
        return;
    }
    // SAFETY: user_data is SharedCallback::user_data of a callback the client keeps alive; the
    // message is valid during this call, and copied out here.
    let callback = &*(user_data as *const PubSubCallback);
    let m = &*message;
    let msg = PubSubMessage {
        kind: PubSubChannelMode::from_raw(m.kind),
        channel: bytes(m.channel, m.channel_len),
        pattern: if m.pattern.is_null() {
            None
        } else {
            Some(bytes(m.pattern, m.pattern_len))
        },
        message: bytes(m.payload, m.payload_len),
    };
    // A panic must not unwind into C.
    let _ = catch_unwind(AssertUnwindSafe(|| callback(&msg)));
}
