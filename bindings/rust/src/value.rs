//! [`Value`], an owned copy of a reply tree.

use crate::error::{Error, ErrorKind, Result};
use crate::sys;

/// A reply: every RESP3 type the library hands out, copied out of its reply tree (which is freed
/// at once), so a `Value` owns its data and is `Send + Sync`.
///
/// With RESP2 servers only the RESP2 subset appears (no maps, sets, doubles, booleans or big
/// numbers). RESP3 attributes are not part of the C ABI (the library drops them), so there is no
/// variant for them.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Null (RESP3 null, RESP2 null bulk string or array): a missing key, say.
    Nil,
    /// The simple string `OK`.
    Okay,
    /// Any other simple string (e.g. `PONG`, `QUEUED`).
    SimpleString(String),
    /// A bulk string: binary-safe bytes.
    BulkString(Vec<u8>),
    /// An integer.
    Int(i64),
    /// A double, including infinities and NaN.
    Double(f64),
    /// A boolean.
    Bool(bool),
    /// A big number, as its decimal digits.
    BigNumber(String),
    /// A verbatim string: its three-letter format (`txt`, `mkd`) and its text.
    VerbatimString {
        /// `txt` or `mkd`.
        format: String,
        /// The text, without the format prefix.
        text: String,
    },
    /// An array.
    Array(Vec<Value>),
    /// A map, as (key, value) pairs in the order the server sent them.
    Map(Vec<(Value, Value)>),
    /// A set.
    Set(Vec<Value>),
    /// A push (out-of-band) message.
    Push(Vec<Value>),
    /// An error in place: an element of a batch's reply when `raise_on_error` is false.
    Error {
        /// Which kind of error.
        kind: ErrorKind,
        /// The server's text (code first), or what the library saw.
        message: String,
    },
}

impl Value {
    /// The bytes of a bulk, simple or verbatim string or a big number; `None` for anything else.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Okay => Some(b"OK"),
            Value::BulkString(b) => Some(b),
            Value::SimpleString(s) | Value::BigNumber(s) => Some(s.as_bytes()),
            Value::VerbatimString { text, .. } => Some(text.as_bytes()),
            _ => None,
        }
    }

    /// The value of an [`Value::Int`].
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// Whether this is [`Value::Nil`].
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The [`Error`] of an [`Value::Error`], `None` for any other value.
    pub fn as_error(&self) -> Option<Error> {
        match self {
            Value::Error { kind, message } => Some(Error::new(*kind, message.clone())),
            _ => None,
        }
    }

    /// Copies a node and everything below it.
    ///
    /// # Safety
    /// `v` must be a node of a live reply tree.
    pub(crate) unsafe fn from_raw(v: &sys::glide_value) -> Value {
        match v.type_ {
            sys::GLIDE_VALUE_NIL => Value::Nil,
            sys::GLIDE_VALUE_SIMPLE_STRING => {
                let s = text(v);
                if s == "OK" {
                    Value::Okay
                } else {
                    Value::SimpleString(s)
                }
            }
            sys::GLIDE_VALUE_BULK_STRING => Value::BulkString(bytes(v).to_vec()),
            sys::GLIDE_VALUE_VERBATIM_STRING => {
                let raw = v.small.verbatim_format;
                let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
                let format: Vec<u8> = raw[..end].iter().map(|&c| c as u8).collect();
                Value::VerbatimString {
                    format: String::from_utf8_lossy(&format).into_owned(),
                    text: text(v),
                }
            }
            sys::GLIDE_VALUE_INTEGER => Value::Int(v.u.integer),
            sys::GLIDE_VALUE_DOUBLE => Value::Double(v.u.dbl),
            sys::GLIDE_VALUE_BOOLEAN => Value::Bool(v.u.boolean),
            sys::GLIDE_VALUE_BIG_NUMBER => Value::BigNumber(text(v)),
            sys::GLIDE_VALUE_ARRAY => Value::Array(items(v, 1).map(|c| Value::from_raw(c)).collect()),
            sys::GLIDE_VALUE_SET => Value::Set(items(v, 1).map(|c| Value::from_raw(c)).collect()),
            sys::GLIDE_VALUE_PUSH => Value::Push(items(v, 1).map(|c| Value::from_raw(c)).collect()),
            sys::GLIDE_VALUE_MAP => {
                let all: Vec<&sys::glide_value> = items(v, 2).collect();
                Value::Map(
                    all.chunks_exact(2)
                        .map(|kv| (Value::from_raw(kv[0]), Value::from_raw(kv[1])))
                        .collect(),
                )
            }
            sys::GLIDE_VALUE_ERROR => Value::Error {
                kind: ErrorKind::from_raw(v.small.error_kind).unwrap_or(ErrorKind::Other(0)),
                message: text(v),
            },
            other => Value::Error {
                kind: ErrorKind::Protocol,
                message: format!("value of unknown type {} (a newer library?)", other),
            },
        }
    }
}

unsafe fn bytes(v: &sys::glide_value) -> &[u8] {
    let s = v.u.string;
    if s.ptr.is_null() || s.len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(s.ptr as *const u8, s.len)
    }
}

unsafe fn text(v: &sys::glide_value) -> String {
    String::from_utf8_lossy(bytes(v)).into_owned()
}

/// The children of an aggregate: `per * len` nodes (a map's `len` counts pairs).
unsafe fn items(v: &sys::glide_value, per: usize) -> impl Iterator<Item = &sys::glide_value> {
    let a = v.u.aggregate;
    let n = if a.items.is_null() { 0 } else { a.len * per };
    (0..n).map(move |i| &*a.items.add(i))
}

/// Takes a root the library handed out: copies it into a [`Value`] and frees the tree.
///
/// # Safety
/// `root` must be a root handed out by the library's `api`, not freed yet; it is freed here.
pub(crate) unsafe fn take(api: &sys::Api, root: *mut sys::glide_value) -> Value {
    if root.is_null() {
        return Value::Error {
            kind: ErrorKind::OutOfMemory,
            message: "the library returned no reply".to_string(),
        };
    }
    struct Free<'a>(&'a sys::Api, *mut sys::glide_value);
    impl Drop for Free<'_> {
        fn drop(&mut self) {
            // SAFETY: a root of the library, freed once.
            unsafe { (self.0.value_free)(self.1) }
        }
    }
    let guard = Free(api, root);
    Value::from_raw(&*guard.1)
}

/// A command's root: an ERROR root is the `Err`.
pub(crate) fn command_result(root: Value) -> Result<Value> {
    match root {
        Value::Error { kind, message } => Err(Error::new(kind, message)),
        v => Ok(v),
    }
}

/// An exec's root: ARRAY -> `Some`, NIL (an atomic batch aborted by WATCH) -> `None`, ERROR (the
/// batch failed as a whole, or the first error with `raise_on_error`) -> `Err`.
pub(crate) fn exec_result(root: Value) -> Result<Option<Vec<Value>>> {
    match root {
        Value::Array(items) => Ok(Some(items)),
        Value::Nil => Ok(None),
        Value::Error { kind, message } => Err(Error::new(kind, message)),
        other => Err(Error::new(
            ErrorKind::Protocol,
            format!("exec answered {:?}, not an array", other),
        )),
    }
}

