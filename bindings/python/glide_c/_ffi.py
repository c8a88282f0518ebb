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
    string_at,
)
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from .exceptions import GlideError, error_from_kind

SONAME = "libglide_c.so.0"
ABI_MAJOR = 0  # GLIDE_C_VERSION_MAJOR this binding was written against


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
# contiguous, see glide_value_children) with one string_at and iter_unpack instead of one ctypes
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


def _items(addr: int, count: int) -> list:
    if not count:
        return []
    return [_one(t, k, a, n) for t, k, a, n in _ROW.iter_unpack(string_at(addr, count * _ROW_SIZE))]


def _one(t: int, kind: int, a: int, n: int):
    """One value from its row: t type, kind error kind, a first union word, n second word."""
    if t == BULK or t == VERBATIM:
        return string_at(a, n) if n else b""
    if t == SIMPLE:
        return (string_at(a, n) if n else b"").decode("utf-8", "replace")
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
        return int(string_at(a, n))
    if t == ERROR:
        return error_from_kind(kind, (string_at(a, n) if n else b"").decode("utf-8", "replace"))
    return GlideError(f"unknown glide_value type {t}")


def take_value(root: int):
    """Converts the tree at root (a glide_value * as an int) and frees it, whatever happens."""
    try:
        return _one(*_ROW.unpack(string_at(root, _ROW_SIZE)))
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

# ------------------------------------------------------------------ prototypes

_P = c_void_p  # opaque handles travel as plain addresses
_ARGV = POINTER(c_char_p)
_SIZES = POINTER(c_size_t)
_OPTIONS = POINTER(GlideBatchOptions)  # None = the defaults
_PROTOTYPES = {
    "glide_version": (c_char_p, []),
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
if int(VERSION.split(".")[0]) != ABI_MAJOR:
    raise ImportError(f"glide_c: libglide_c {VERSION} loaded, this binding needs {ABI_MAJOR}.x")

OK = 0
CLOSING = 7


def kind_name(kind: int) -> str:
    return lib.glide_error_kind_name(kind).decode()


def status_error(status: int, what: str) -> GlideError:
    """The exception for a non-OK glide_status returned by ``what``."""
    return error_from_kind(status, f"{what}: {kind_name(status)}")


# ------------------------------------------------------------------ argument vectors


def argv(args: Sequence[bytes]) -> Tuple[ctypes.Array, ctypes.Array]:
    """(argv, argvlen) arrays for a list of bytes; argv points into the bytes objects (no copy),
    and the array keeps them alive."""
    n = len(args)
    return (c_char_p * n)(*args), (c_size_t * n)(*map(len, args))


def new_batch(is_atomic: bool, commands: List[List[bytes]]) -> int:
    """A glide_batch holding commands, built with one glide_batch_command_many crossing.
    The caller frees it with glide_batch_free (exec keeps no reference to it)."""
    b = lib.glide_batch_new(is_atomic)
    if not b:
        raise MemoryError("glide_batch_new")
    flat = [a for cmd in commands for a in cmd]
    ptrs, lens = argv(flat)
    argcs = (c_size_t * len(commands))(*map(len, commands))
    st = lib.glide_batch_command_many(b, len(commands), argcs, ptrs, lens)
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
    return _one(*_ROW.unpack(string_at(addr, _ROW_SIZE)))
