"""Batches: GLIDE's ClusterBatch (cluster) and Batch (standalone).

A batch only collects argument vectors in Python; exec turns the whole list into a glide_batch
with one glide_batch_command_many call, so adding commands never crosses into C.
"""

from typing import List, Tuple

from . import _ffi
from .commands import ClusterCommands, Shaper, StandaloneCommands
from .exceptions import GlideError
from .options import (
    BaseBatchOptions,
    BatchOptions,
    ByAddressRoute,
    ClusterBatchOptions,
    RandomNode,
    SlotIdRoute,
    SlotKeyRoute,
    SlotType,
)


class BaseBatch:
    """Commands run in one exec, answered in the order they were added.

    is_atomic=True: a transaction (MULTI/EXEC; in a cluster every key must be in one slot).
    is_atomic=False: a pipeline (in a cluster split by slot and sent to the nodes in parallel).
    """

    def __init__(self, is_atomic: bool):
        if not isinstance(is_atomic, bool):
            raise TypeError(f"is_atomic must be a bool, not {type(is_atomic).__name__}")
        self.is_atomic = is_atomic
        # Kept flat, the way glide_batch_command_many takes them: every argument back to back,
        # and how many belong to each command.
        self._args: List[bytes] = []
        self._argcs: List[int] = []
        self._shapers: List[Tuple[int, Shaper]] = []  # only the commands that have one

    def _cmd(self, args: List[bytes], shaper: Shaper = None):
        if shaper is not None:
            self._shapers.append((len(self._argcs), shaper))
        self._args += args
        self._argcs.append(len(args))
        return self

    @property
    def commands(self) -> List[List[bytes]]:
        """The commands added so far, each as its argument list (a copy)."""
        out, i = [], 0
        for n in self._argcs:
            out.append(self._args[i:i + n])
            i += n
        return out

    def clear(self) -> None:
        """Removes every command (is_atomic stays)."""
        self._args.clear()
        self._argcs.clear()
        self._shapers.clear()

    def __len__(self) -> int:
        return len(self._argcs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(is_atomic={self.is_atomic}, {len(self)} commands)"


class ClusterBatch(BaseBatch, ClusterCommands):
    """Batch for GlideClusterClient (see ClusterBatch.txt)."""


class Batch(BaseBatch, StandaloneCommands):
    """Batch for the standalone GlideClient."""


class ClusterTransaction(ClusterBatch):
    """Deprecated GLIDE spelling of ClusterBatch(is_atomic=True)."""

    def __init__(self):
        super().__init__(is_atomic=True)


class Transaction(Batch):
    """Deprecated GLIDE spelling of Batch(is_atomic=True)."""

    def __init__(self):
        super().__init__(is_atomic=True)


# ------------------------------------------------------------------ exec plumbing (clients)


def check_exec(batch, batch_type, raise_on_error, options, options_type):
    """Argument checks of exec, before anything is built or sent."""
    if not isinstance(batch, batch_type):
        raise TypeError(f"batch must be a {batch_type.__name__}, not {type(batch).__name__}")
    if not isinstance(raise_on_error, bool):
        raise TypeError("raise_on_error must be a bool")
    if not batch._argcs:
        raise ValueError("the batch is empty")
    if options is not None:
        if not isinstance(options, options_type):
            raise TypeError(f"options must be {options_type.__name__}")
        rs = getattr(options, "retry_strategy", None)
        if batch.is_atomic and rs is not None and (rs.retry_server_error
                                                   or rs.retry_connection_error):
            raise ValueError("retry_strategy applies to non-atomic batches only")


def c_options(options: BaseBatchOptions):
    """A glide_batch_options for options (None for None). The struct keeps the route's key and
    host bytes alive (ctypes holds what is assigned to its c_char_p fields)."""
    if options is None:
        return None
    o = _ffi.GlideBatchOptions()
    _ffi.lib.glide_batch_options_init(o)
    if options.timeout is not None:
        o.timeout_ms = options.timeout
    if isinstance(options, ClusterBatchOptions):
        rs = options.retry_strategy
        if rs is not None:
            o.retry_server_error = rs.retry_server_error
            o.retry_connection_error = rs.retry_connection_error
        _set_route(o.route, options.route)
    return o


def _set_route(r, route) -> None:
    if route is None:
        return
    if isinstance(route, RandomNode):
        r.kind = _ffi.ROUTE_RANDOM
    elif isinstance(route, SlotKeyRoute):
        key = route.slot_key.encode() if isinstance(route.slot_key, str) else route.slot_key
        r.kind, r.key, r.key_len = _ffi.ROUTE_SLOT_KEY, key, len(key)
        r.replica = route.slot_type is SlotType.REPLICA
    elif isinstance(route, SlotIdRoute):
        r.kind, r.slot = _ffi.ROUTE_SLOT_ID, route.slot_id
        r.replica = route.slot_type is SlotType.REPLICA
    elif isinstance(route, ByAddressRoute):
        r.kind, r.host, r.port = _ffi.ROUTE_ADDRESS, route.host.encode(), route.port


def exec_result(root, shapers):
    """exec's answer from the converted root: None for an aborted WATCH, the error raised for an
    ERROR root (raise_on_error's first error, a timeout, EXECABORT, CROSSSLOT ...), else the
    list with each command's reply shaped; error elements stay exception objects."""
    if root is None:
        return None
    if isinstance(root, BaseException):
        raise root
    for i, shaper in shapers:
        v = root[i]
        if v is not None and not isinstance(v, GlideError):
            root[i] = shaper(v)
    return root


def command_result(value, shaper):
    """A single command's answer: an ERROR is raised, anything else shaped."""
    if isinstance(value, BaseException):
        raise value
    if shaper is not None and value is not None:
        return shaper(value)
    return value


__all__ = ["BaseBatch", "Batch", "ClusterBatch", "Transaction", "ClusterTransaction",
           "BatchOptions", "ClusterBatchOptions"]
