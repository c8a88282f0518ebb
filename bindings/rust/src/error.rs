//! [`Error`] and [`ErrorKind`], the kinds of `glide_error_kind`.

use std::fmt;
use std::os::raw::c_int;

use crate::sys;

/// Which kind of error, as the library's `glide_error_kind`, plus [`ErrorKind::Library`] for a
/// library that cannot be loaded or is too old.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad input to the API (`GLIDE_ERR_INVALID_ARGUMENT`).
    InvalidArgument,
    /// Could not connect, or the connection was lost.
    Connection,
    /// The request or batch timeout expired.
    Timeout,
    /// The server answered with an error reply (the message keeps its text, code first).
    Server,
    /// An atomic batch was discarded by the server (EXECABORT).
    ExecAbort,
    /// An atomic batch (or one command) with keys in several slots.
    CrossSlot,
    /// The client was closed while the request was pending.
    Closing,
    /// TLS handshake or certificate verification failed.
    Tls,
    /// Authentication failed.
    Auth,
    /// A malformed or over-limit reply.
    Protocol,
    /// The library ran out of memory.
    OutOfMemory,
    /// Not implemented by this library version, or not by the server.
    NotSupported,
    /// The client's in-flight request limit is reached.
    InflightLimit,
    /// The shared library could not be loaded, lacks a function, or is of an unsupported
    /// version (this binding's own kind, not one of the library's).
    Library,
    /// A kind this binding does not know (from a newer library).
    Other(i32),
}

impl ErrorKind {
    /// The kind of a `glide_error_kind` value; `None` for `GLIDE_OK`.
    pub fn from_raw(raw: c_int) -> Option<ErrorKind> {
        Some(match raw {
            sys::GLIDE_OK => return None,
            sys::GLIDE_ERR_INVALID_ARGUMENT => ErrorKind::InvalidArgument,
            sys::GLIDE_ERR_CONNECTION => ErrorKind::Connection,
            sys::GLIDE_ERR_TIMEOUT => ErrorKind::Timeout,
            sys::GLIDE_ERR_SERVER => ErrorKind::Server,
            sys::GLIDE_ERR_EXEC_ABORT => ErrorKind::ExecAbort,
            sys::GLIDE_ERR_CROSSSLOT => ErrorKind::CrossSlot,
            sys::GLIDE_ERR_CLOSING => ErrorKind::Closing,
            sys::GLIDE_ERR_TLS => ErrorKind::Tls,
            sys::GLIDE_ERR_AUTH => ErrorKind::Auth,
            sys::GLIDE_ERR_PROTOCOL => ErrorKind::Protocol,
            sys::GLIDE_ERR_OUT_OF_MEMORY => ErrorKind::OutOfMemory,
            sys::GLIDE_ERR_NOT_SUPPORTED => ErrorKind::NotSupported,
            sys::GLIDE_ERR_INFLIGHT_LIMIT => ErrorKind::InflightLimit,
            other => ErrorKind::Other(other),
        })
    }

    /// The name the library uses for the kind ("TIMEOUT", "CROSSSLOT" ...).
    pub fn name(&self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::Connection => "CONNECTION",
            ErrorKind::Timeout => "TIMEOUT",
            ErrorKind::Server => "SERVER",
            ErrorKind::ExecAbort => "EXEC_ABORT",
            ErrorKind::CrossSlot => "CROSSSLOT",
            ErrorKind::Closing => "CLOSING",
            ErrorKind::Tls => "TLS",
            ErrorKind::Auth => "AUTH",
            ErrorKind::Protocol => "PROTOCOL",
            ErrorKind::OutOfMemory => "OUT_OF_MEMORY",
            ErrorKind::NotSupported => "NOT_SUPPORTED",
            ErrorKind::InflightLimit => "INFLIGHT_LIMIT",
            ErrorKind::Library => "LIBRARY",
            ErrorKind::Other(_) => "UNKNOWN",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Other(n) => write!(f, "UNKNOWN({})", n),
            k => f.write_str(k.name()),
        }
    }
}

/// An error: its kind and the library's (or server's) message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Which kind of error.
    pub kind: ErrorKind,
    /// What happened: the server's full text for [`ErrorKind::Server`] (code first, e.g.
    /// `WRONGTYPE Operation against ...`), else what the library saw and where.
    pub message: String,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The error for a failed status of `what` (a C function's name).
    pub(crate) fn status(status: sys::glide_status, what: &str) -> Error {
        let kind = ErrorKind::from_raw(status).unwrap_or(ErrorKind::Other(0));
        Error::new(kind, format!("{}: {}", what, kind))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

/// The result of this crate's fallible calls.
pub type Result<T> = std::result::Result<T, Error>;

/// `Ok(())` for `GLIDE_OK`, else the error for `what`.
pub(crate) fn check(status: sys::glide_status, what: &str) -> Result<()> {
    if status == sys::GLIDE_OK {
        Ok(())
    } else {
        Err(Error::status(status, what))
    }
}
