"""ctypes declarations of include/glide_c.h, the library loader and the reply converter.

Nothing here knows about commands: argument vectors go in as lists of bytes, replies come out
as Python objects (str for simple strings, bytes for bulk strings, dict, set, list, int, float,
bool, None, and exception objects for ERROR values).
"""

import ctypes
import ctypes.util
import os
import struct
import sys
from array import array
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    Union,
    c_bool,
    c_char_p,
    c_double,
    c_int,
    c_int64,
    c_size_t,
    c_uint16,
    c_uint32,
    c_void_p,
)
from itertools import accumulate
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from .exceptions import GlideError, error_from_kind

SONAME = "libglide_c.so.0"
# The oldest library this binding works with, as glide_version_number() gives it
# (MAJOR << 16 | MINOR << 8 | PATCH): 0.2.0, the first with glide_version_number and
# glide_batch_command_many.
MIN_VERSION = 0x000200


def version_text(number: int) -> str:
    return f"{number >> 16}.{(number >> 8) & 0xFF}.{number & 0xFF}"


def check_version(number: int, path: str) -> None:
    """Raises ImportError unless the library at path, of version number (glide_version_number()),
    can serve this binding: the ABI is stable within a major version and only grows, so it must
    have MIN_VERSION's major and be at least MIN_VERSION."""
    if number >> 16 != MIN_VERSION >> 16 or number < MIN_VERSION:
        raise ImportError(f"glide_c: {path} is version {version_text(number)}, this binding needs "
                          f"{version_text(MIN_VERSION)} or a later {MIN_VERSION >> 16}.x")


def _candidates() -> List[str]:
    """Where to look for the library, in order (see README.md, "How the library is found")."""
    env = os.environ.get("GLIDE_C_LIBRARY")
    if env:
        return [env]  # explicit: no fallback that could hide a wrong path
    found = []
    # bindings/python/glide_c/_ffi.py -> the repository root is three folders up.
    build = Path(__file__).resolve().parents[3] / "build" / SONAME
    if build.exists():
        found.append(str(build))
    found.append(SONAME)  # the dynamic linker's search path (an installed library)
    name = ctypes.util.find_library("glide_c")
    if name:
        found.append(name)
    return found


def _load() -> ctypes.CDLL:
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(f"{path}: {e}")
    raise ImportError("glide_c: cannot load libglide_c (set GLIDE_C_LIBRARY to its path): "
                      + "; ".join(errors))


lib = _load()

# The version first: a library older than 0.2.0 lacks glide_version_number (and functions the
# prototypes below name), which is better said plainly than as a missing symbol.
try:
    _version_number = lib.glide_version_number
except AttributeError:
    raise ImportError(f"glide_c: {lib._name} has no glide_version_number: it is older than "
                      f"{version_text(MIN_VERSION)}, the oldest version this binding works with"
                      ) from None
_version_number.restype = c_uint32
_version_number.argtypes = []
VERSION_NUMBER = _version_number()
check_version(VERSION_NUMBER, lib._name)


# ------------------------------------------------------------------ glide_value


class _String(Structure):
    _fields_ = [("ptr", c_void_p), ("len", c_size_t)]


class _Aggregate(Structure):
    _fields_ = [("items", c_void_p), ("len", c_size_t)]


class _ValueUnion(Union):
    _fields_ = [("integer", c_int64), ("dbl", c_double), ("boolean", c_bool),
                ("string", _String), ("aggregate", _Aggregate)]


class GlideValue(Structure):
    """struct glide_value (public layout: type, error_kind, a 16-byte union)."""

    _fields_ = [("type", c_int), ("error_kind", c_int), ("u", _ValueUnion)]


# The same layout as one struct row: the converter unpacks a whole aggregate's children (they are
# contiguous, see glide_value_children) with one read and iter_unpack instead of one ctypes
# field access per member. The union is read as (int64 first word, uint64 second word).
_ROW = struct.Struct("@iiqQ")
if _ROW.size != ctypes.sizeof(GlideValue):  # pragma: no cover - an exotic ABI
    raise ImportError(f"glide_c: glide_value is {ctypes.sizeof(GlideValue)} bytes, "
                      f"expected {_ROW.size}")
_ROW_SIZE = _ROW.size
_DOUBLE = struct.Struct("@d")
_INT64 = struct.Struct("@q")
_BOOL_SHIFT = 0 if sys.byteorder == "little" else 56  # where the union's bool byte sits

NIL, SIMPLE, BULK, VERBATIM, INTEGER, DOUBLE, BOOLEAN, BIG_NUMBER = range(8)
ARRAY, MAP, SET, PUSH, ERROR = range(8, 13)


def _hashable(x):
    # RESP3 allows aggregates as map keys and set members; Python needs them frozen.
    if isinstance(x, list):
        return tuple(_hashable(i) for i in x)
    if isinstance(x, (set, dict)):
        return frozenset(_hashable(i) for i in (x.items() if isinstance(x, dict) else x))
    return x


# Slicing a char pointer at address 0 copies bytes from absolute addresses: _MEM[p:p + n] is the
# n bytes at p, as one bytes object, without a foreign call (string_at costs 4x as much, and a
# 100-reply batch reads 100 strings).
_MEM = ctypes.cast(0, POINTER(ctypes.c_char))


def _simple(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    if len(_SIMPLE) < 64:  # OK, PONG, QUEUED ...: decoded once
        _SIMPLE[raw] = text
    return text


_SIMPLE = {b"OK": "OK"}


def _items(addr: int, count: int) -> list:
    """The count values stored contiguously at addr (an aggregate's children)."""
    out = []
    append = out.append
    # The frequent types inline; the rest through _one.
    for t, kind, a, n in _ROW.iter_unpack(_MEM[addr:addr + count * _ROW_SIZE]):
        if t == BULK:
            append(_MEM[a:a + n])
        elif t == SIMPLE:
            raw = _MEM[a:a + n]
            append(_SIMPLE.get(raw) or _simple(raw))
        elif t == INTEGER:
            append(a)
        else:
            append(_one(t, kind, a, n))
    return out


def _one(t: int, kind: int, a: int, n: int):
    """One value from its row: t type, kind error kind, a first union word, n second word."""
    if t == BULK or t == VERBATIM:
        return _MEM[a:a + n]
    if t == SIMPLE:
        raw = _MEM[a:a + n]
        return _SIMPLE.get(raw) or _simple(raw)
    if t == INTEGER:
        return a
    if t == NIL:
        return None
    if t == ARRAY or t == PUSH:
        return _items(a, n)
    if t == MAP:
        flat = _items(a, 2 * n)
        try:
            return dict(zip(flat[0::2], flat[1::2]))
        except TypeError:
            return {_hashable(k): v for k, v in zip(flat[0::2], flat[1::2])}
    if t == SET:
        members = _items(a, n)
        try:
            return set(members)
        except TypeError:
            return {_hashable(m) for m in members}
    if t == DOUBLE:
        return _DOUBLE.unpack(_INT64.pack(a))[0]
    if t == BOOLEAN:
        return bool((a >> _BOOL_SHIFT) & 0xFF)
    if t == BIG_NUMBER:
        return int(_MEM[a:a + n])
    if t == ERROR:
        return error_from_kind(kind, _MEM[a:a + n].decode("utf-8", "replace"))
    return GlideError(f"unknown glide_value type {t}")


def take_value(root: int):
    """Converts the tree at root (a glide_value * as an int) and frees it, whatever happens."""
    try:
        return _one(*_ROW.unpack(_MEM[root:root + _ROW_SIZE]))
    finally:
        lib.glide_value_free(root)


# ------------------------------------------------------------------ options


class GlideRoute(Structure):
    _fields_ = [("kind", c_int), ("replica", c_bool), ("key", c_char_p), ("key_len", c_size_t),
                ("slot", c_uint16), ("host", c_char_p), ("port", c_uint16)]


class GlideBatchOptions(Structure):
    _fields_ = [("struct_size", c_size_t), ("timeout_ms", c_uint32),
                ("retry_server_error", c_bool), ("retry_connection_error", c_bool),
                ("route", GlideRoute)]


ROUTE_NONE, ROUTE_RANDOM, ROUTE_SLOT_KEY, ROUTE_SLOT_ID, ROUTE_ADDRESS = range(5)

RESULT_CALLBACK = CFUNCTYPE(None, c_void_p, c_void_p)  # (user_data, glide_value *result)


class GlidePubSubMessage(Structure):
    """struct glide_pubsub_message: valid only during the callback."""

    _fields_ = [("kind", c_int), ("channel", c_void_p), ("channel_len", c_size_t),
                ("pattern", c_void_p), ("pattern_len", c_size_t),
                ("payload", c_void_p), ("payload_len", c_size_t)]


# (user_data, const glide_pubsub_message *message)
PUBSUB_CALLBACK = CFUNCTYPE(None, c_void_p, POINTER(GlidePubSubMessage))
PUBSUB_EXACT, PUBSUB_PATTERN, PUBSUB_SHARDED = range(3)


def read_bytes(addr: Optional[int], n: int) -> bytes:
    """n bytes at addr, copied (b"" for NULL or 0)."""
    return _MEM[addr:addr + n] if addr and n else b""

# ------------------------------------------------------------------ prototypes

_P = c_void_p  # opaque handles travel as plain addresses
_ARGV = c_void_p  # addresses of machine-word arrays, see argv()
_SIZES = c_void_p
_OPTIONS = POINTER(GlideBatchOptions)  # None = the defaults
_PROTOTYPES = {
    "glide_version": (c_char_p, []),
    "glide_version_number": (c_uint32, []),
    "glide_error_kind_name": (c_char_p, [c_int]),
    "glide_value_free": (None, [c_void_p]),
    "glide_value_children": (c_size_t, [c_void_p, POINTER(c_void_p), c_size_t]),
    "glide_config_new": (_P, []),
    "glide_config_free": (None, [_P]),
    "glide_config_add_address": (c_int, [_P, c_char_p, c_uint16]),
    "glide_config_set_cluster_mode": (c_int, [_P, c_bool]),
    "glide_config_set_credentials": (c_int, [_P, c_char_p, c_char_p]),
    "glide_config_set_tls": (c_int, [_P, c_bool]),
    "glide_config_set_request_timeout_ms": (c_int, [_P, c_uint32]),
    "glide_config_set_connect_timeout_ms": (c_int, [_P, c_uint32]),
    "glide_config_set_client_name": (c_int, [_P, c_char_p]),
    "glide_config_set_protocol": (c_int, [_P, c_int]),
    "glide_config_set_read_from": (c_int, [_P, c_int]),
    "glide_config_set_reconnect": (c_int, [_P, c_uint32, c_uint32, c_uint32]),
    "glide_config_set_database": (c_int, [_P, c_uint32]),
    "glide_config_set_inflight_limit": (c_int, [_P, c_uint32]),
    "glide_config_set_callback_mode": (c_int, [_P, c_int]),
    "glide_config_set_topology_refresh_ms": (c_int, [_P, c_uint32]),
    "glide_config_set_pubsub_callback": (c_int, [_P, PUBSUB_CALLBACK, c_void_p]),
    "glide_config_subscribe": (c_int, [_P, c_int, c_char_p, c_size_t]),
    "glide_client_subscribe": (c_int, [_P, c_int, _ARGV, _SIZES, c_size_t]),
    "glide_client_unsubscribe": (c_int, [_P, c_int, _ARGV, _SIZES, c_size_t]),
    "glide_batch_new": (_P, [c_bool]),
    "glide_batch_free": (None, [_P]),
    "glide_batch_command_many": (c_int, [_P, c_size_t, _SIZES, _ARGV, _SIZES]),
    "glide_batch_options_init": (None, [POINTER(GlideBatchOptions)]),
    "glide_client_new": (c_int, [_P, POINTER(c_void_p), POINTER(c_void_p)]),
    "glide_client_close": (None, [_P]),
    "glide_string_free": (None, [c_void_p]),
    "glide_client_command": (c_void_p, [_P, c_size_t, _ARGV, _SIZES]),
    "glide_client_exec": (c_void_p, [_P, _P, c_bool, _OPTIONS]),
    "glide_client_command_async": (c_int, [_P, c_size_t, _ARGV, _SIZES, RESULT_CALLBACK, c_void_p]),
    "glide_client_exec_async": (c_int, [_P, _P, c_bool, _OPTIONS, RESULT_CALLBACK, c_void_p]),
    "glide_client_event_fd": (c_int, [_P]),
    "glide_client_dispatch": (c_size_t, [_P, c_size_t]),
}
for _name, (_res, _args) in _PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args

VERSION = lib.glide_version().decode()

OK = 0
CLOSING = 7


def kind_name(kind: int) -> str:
    return lib.glide_error_kind_name(kind).decode()


def status_error(status: int, what: str) -> GlideError:
    """The exception for a non-OK glide_status returned by ``what``."""
    return error_from_kind(status, f"{what}: {kind_name(status)}")


# ------------------------------------------------------------------ argument vectors


# Argument vectors are handed over as one joined bytes object plus two arrays of machine words
# (pointers into it, lengths): building them costs a join and two array() calls, where a ctypes
# c_char_p array costs a Python-level store per argument (5x slower for a 100-command batch).
_WORD = "Q" if array("Q").itemsize == ctypes.sizeof(c_void_p) == ctypes.sizeof(c_size_t) else "L"


def argv(args: Sequence[bytes]) -> Tuple[tuple, int, int]:
    """(keepalive, argv, argvlen) for a list of bytes: argv and argvlen are addresses valid as
    long as keepalive lives."""
    joined = b"".join(args)
    lens = array(_WORD, map(len, args))
    ptrs = array(_WORD, accumulate(lens, initial=ctypes.cast(joined, c_void_p).value or 0))
    ptrs.pop()  # accumulate's last value is the end of the data
    return (joined, ptrs, lens), ptrs.buffer_info()[0], lens.buffer_info()[0]


def new_batch(is_atomic: bool, args: List[bytes], argcs: List[int]) -> int:
    """A glide_batch holding the commands (args back to back, argcs[i] arguments for command i),
    built with one glide_batch_command_many crossing. The caller frees it with glide_batch_free
    (exec keeps no reference to it)."""
    b = lib.glide_batch_new(is_atomic)
    if not b:
        raise MemoryError("glide_batch_new")
    keep, ptrs, lens = argv(args)
    counts = array(_WORD, argcs)
    st = lib.glide_batch_command_many(b, len(argcs), counts.buffer_info()[0], ptrs, lens)
    if st != OK:
        lib.glide_batch_free(b)
        raise status_error(st, "glide_batch_command_many")
    return b


def children(root: int) -> List[int]:
    """Addresses of root's children via glide_value_children (the tests check the struct
    reader against it)."""
    total = lib.glide_value_children(root, None, 0)
    out = (c_void_p * total)()
    lib.glide_value_children(root, out, total)
    return list(out)


def value_at(addr: int) -> Optional[object]:
    """Converts the value at addr without freeing (for inner nodes; tests only)."""
    return _one(*_ROW.unpack(_MEM[addr:addr + _ROW_SIZE]))
