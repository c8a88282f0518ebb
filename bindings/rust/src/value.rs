//! [`Value`], an owned copy of a reply tree.

use std::fmt;

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

/// Writes bytes as a Python bytes literal: `b"value"`, escapes for the rest.
fn write_bytes(f: &mut fmt::Formatter<'_>, b: &[u8]) -> fmt::Result {
    f.write_str("b\"")?;
    for &c in b {
        match c {
            b'"' => f.write_str("\\\"")?,
            b'\\' => f.write_str("\\\\")?,
            0x20..=0x7e => write!(f, "{}", c as char)?,
            b'\n' => f.write_str("\\n")?,
            b'\r' => f.write_str("\\r")?,
            b'\t' => f.write_str("\\t")?,
            _ => write!(f, "\\x{:02x}", c)?,
        }
    }
    f.write_str("\"")
}

fn write_list(f: &mut fmt::Formatter<'_>, open: &str, items: &[Value], close: &str) -> fmt::Result {
    f.write_str(open)?;
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{}", v)?;
    }
    f.write_str(close)
}

/// The reply in the style of the GLIDE documentation's Python examples: `[OK, b"value"]`,
/// `None` for nil, `{b"k": 1}` for maps, errors as `Error(KIND: message)`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("None"),
            Value::Okay => f.write_str("OK"),
            Value::SimpleString(s) | Value::BigNumber(s) => f.write_str(s),
            Value::BulkString(b) => write_bytes(f, b),
            Value::Int(n) => write!(f, "{}", n),
            Value::Double(d) => write!(f, "{}", d),
            Value::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            Value::VerbatimString { text, .. } => write_bytes(f, text.as_bytes()),
            Value::Array(items) | Value::Push(items) => write_list(f, "[", items, "]"),
            Value::Set(items) => write_list(f, "{", items, "}"),
            Value::Map(pairs) => {
                f.write_str("{")?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {}", k, v)?;
                }
                f.write_str("}")
            }
            Value::Error { kind, message } => write!(f, "Error({}: {})", kind, message),
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


#[cfg(test)]
mod tests {
    use super::*;
    use std::os::raw::c_char;

    fn node(type_: sys::glide_value_type) -> sys::glide_value {
        // SAFETY: all-zero is a valid glide_value (NIL).
        let mut v: sys::glide_value = unsafe { std::mem::zeroed() };
        v.type_ = type_;
        v
    }

    fn string(type_: sys::glide_value_type, s: &'static [u8]) -> sys::glide_value {
        let mut v = node(type_);
        v.u.string = sys::glide_value_string { ptr: s.as_ptr() as *const c_char, len: s.len() };
        v
    }

    #[test]
    fn converts_every_type() {
        let mut verbatim = string(sys::GLIDE_VALUE_VERBATIM_STRING, b"some text");
        verbatim.small.verbatim_format = [b'm' as c_char, b'k' as c_char, b'd' as c_char, 0];
        let mut error = string(sys::GLIDE_VALUE_ERROR, b"timed out after 5 ms");
        error.small.error_kind = sys::GLIDE_ERR_TIMEOUT;
        let mut int = node(sys::GLIDE_VALUE_INTEGER);
        int.u.integer = -7;
        let mut dbl = node(sys::GLIDE_VALUE_DOUBLE);
        dbl.u.dbl = f64::INFINITY;
        let mut boolean = node(sys::GLIDE_VALUE_BOOLEAN);
        boolean.u.boolean = true;
        let mut pairs = vec![string(sys::GLIDE_VALUE_BULK_STRING, b"k\0"), int];
        let mut map = node(sys::GLIDE_VALUE_MAP);
        map.u.aggregate = sys::glide_value_aggregate { items: pairs.as_mut_ptr(), len: 1 };
        let mut items = vec![
            node(sys::GLIDE_VALUE_NIL),
            string(sys::GLIDE_VALUE_SIMPLE_STRING, b"OK"),
            string(sys::GLIDE_VALUE_SIMPLE_STRING, b"QUEUED"),
            string(sys::GLIDE_VALUE_BIG_NUMBER, b"12345678901234567890"),
            verbatim,
            error,
            dbl,
            boolean,
            map,
            node(sys::GLIDE_VALUE_SET),
            node(99),
        ];
        let mut root = node(sys::GLIDE_VALUE_PUSH);
        root.u.aggregate = sys::glide_value_aggregate { items: items.as_mut_ptr(), len: items.len() };
        let v = unsafe { Value::from_raw(&root) };
        let expected = Value::Push(vec![
            Value::Nil,
            Value::Okay,
            Value::SimpleString("QUEUED".into()),
            Value::BigNumber("12345678901234567890".into()),
            Value::VerbatimString { format: "mkd".into(), text: "some text".into() },
            Value::Error { kind: ErrorKind::Timeout, message: "timed out after 5 ms".into() },
            Value::Double(f64::INFINITY),
            Value::Bool(true),
            Value::Map(vec![(Value::BulkString(b"k\0".to_vec()), Value::Int(-7))]),
            Value::Set(vec![]),
            Value::Error { kind: ErrorKind::Protocol, message: "value of unknown type 99 (a newer library?)".into() },
        ]);
        assert_eq!(v, expected);
    }

    #[test]
    fn roots_become_results() {
        assert_eq!(exec_result(Value::Nil), Ok(None));
        assert_eq!(exec_result(Value::Array(vec![Value::Okay])), Ok(Some(vec![Value::Okay])));
        let err = exec_result(Value::Error { kind: ErrorKind::CrossSlot, message: "m".into() });
        assert_eq!(err, Err(Error::new(ErrorKind::CrossSlot, "m")));
        assert_eq!(exec_result(Value::Int(1)).unwrap_err().kind, ErrorKind::Protocol);
        assert_eq!(command_result(Value::Int(1)), Ok(Value::Int(1)));
        let shown = Value::Array(vec![
            Value::Okay,
            Value::BulkString(b"va\"l\0ue".to_vec()),
            Value::Nil,
            Value::Map(vec![(Value::BulkString(b"k".to_vec()), Value::Int(1))]),
        ]);
        assert_eq!(shown.to_string(), r#"[OK, b"va\"l\x00ue", None, {b"k": 1}]"#);
        assert_eq!(command_result(Value::Error { kind: ErrorKind::Server, message: "ERR x".into() }).unwrap_err().message, "ERR x");
    }
}
