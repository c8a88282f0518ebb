"""Pub/sub: subscription configuration, the message class and the receiving side.

Named as in Valkey GLIDE's Python client: ``GlideClusterClientConfiguration.PubSubChannelModes``,
``GlideClusterClientConfiguration.PubSubSubscriptions`` (also importable from glide_c directly)
and ``PubSubMsg``. A client made with ``pubsub_subscriptions`` is a subscriber: the library
subscribes to the configured channels before ``create`` returns, keeps them across reconnects
and slot moves, and the client may subscribe and unsubscribe more at run time.

Messages go to ``callback(msg, context)`` when one is given, otherwise into the client's queue,
read with ``get_pubsub_message()`` / ``try_get_pubsub_message()``.
"""

import asyncio
import collections
import threading
import time
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Union

from . import _ffi
from .exceptions import ClosingError, ConfigurationError, TimeoutError

TEncodable = Union[str, bytes]


@dataclass(frozen=True)
class PubSubMsg:
    """One message: its payload, the channel it was published to, and the pattern that matched
    (pattern subscriptions only, else None). All bytes, binary-safe."""

    message: bytes
    channel: bytes
    pattern: Optional[bytes] = None


class ClusterPubSubChannelModes(IntEnum):
    """Subscription kinds of a cluster client (GlideClusterClientConfiguration.PubSubChannelModes)."""

    Exact = 0
    """Channel names (SUBSCRIBE)."""
    Pattern = 1
    """Glob-style patterns (PSUBSCRIBE)."""
    Sharded = 2
    """Sharded channels (SSUBSCRIBE, on the primary owning the channel's slot). Valkey 7+."""


class StandalonePubSubChannelModes(IntEnum):
    """Subscription kinds of a standalone client (GlideClientConfiguration.PubSubChannelModes)."""

    Exact = 0
    Pattern = 1


@dataclass
class PubSubSubscriptions:
    """channels_and_patterns: mode -> set of channels (str or bytes, non-empty), subscribed
    before create() returns; may be empty (runtime subscriptions only).
    callback: called as callback(msg, context) for every message; None: messages queue up for
    get_pubsub_message() / try_get_pubsub_message().
    max_queued_messages: the queue's bound (no callback): past it, new messages are dropped and
    counted (the client's pubsub_messages_dropped()); a reader that falls behind costs bounded
    memory, like the library's own dispatch queue (100,000 messages).

    Where the callback runs: the asyncio clients call it on the event loop's thread (it may use
    the client); the blocking clients (glide_c.sync) call it on the library's I/O thread, where it
    must return quickly and must not call the client (hand the message to another thread)."""

    channels_and_patterns: Dict[Any, Set[TEncodable]] = field(default_factory=dict)
    callback: Optional[Callable[[PubSubMsg, Any], None]] = None
    context: Any = None
    max_queued_messages: int = 100_000


def _channel(c, what: str) -> bytes:
    if isinstance(c, str):
        c = c.encode()
    if not isinstance(c, (bytes, bytearray, memoryview)):
        raise TypeError(f"{what}: channels must be str or bytes, not {type(c).__name__}")
    c = bytes(c)
    if not c:
        raise ValueError(f"{what}: a channel must not be empty")
    return c


def channels_of(channels: Iterable[TEncodable], what: str) -> List[bytes]:
    if isinstance(channels, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"{what}: pass a set or list of channels, not one {type(channels).__name__}")
    return [_channel(c, what) for c in channels]


def check_subscriptions(subs, modes: type) -> None:
    """Validates pubsub_subscriptions for a configuration whose modes enum is ``modes``."""
    if not isinstance(subs, PubSubSubscriptions):
        raise TypeError("pubsub_subscriptions must be a PubSubSubscriptions")
    if subs.callback is not None and not callable(subs.callback):
        raise TypeError("pubsub_subscriptions.callback must be callable")
    if not isinstance(subs.max_queued_messages, int) or subs.max_queued_messages < 1:
        raise ValueError("pubsub_subscriptions.max_queued_messages must be a positive int")
    if not isinstance(subs.channels_and_patterns, dict):
        raise TypeError("pubsub_subscriptions.channels_and_patterns must be a dict")
    for mode, channels in subs.channels_and_patterns.items():
        try:
            modes(int(mode))
        except (TypeError, ValueError):
            raise ValueError(f"pubsub_subscriptions: {mode!r} is not a {modes.__qualname__}") \
                from None
        channels_of(channels, "pubsub_subscriptions")


class Receiver:
    """The receiving side of one subscriber client: the C callback (kept alive as long as the
    client), and the user's callback or the message queue.

    dispatched (asyncio clients): the library calls on_message from glide_client_dispatch on the
    loop's thread, so the queue needs no lock. Otherwise on_message runs on the I/O thread and
    the queue is guarded by a condition."""

    def __init__(self, subs: PubSubSubscriptions, dispatched: bool):
        self.callback = subs.callback
        self.context = subs.context
        self.dispatched = dispatched
        self.queue: collections.deque = collections.deque()
        self.max_queued = subs.max_queued_messages
        self.dropped = 0  # messages refused by the full queue
        self.cond = threading.Condition()
        self.waiters: collections.deque = collections.deque()  # asyncio futures
        self.closed = False
        # One ctypes thunk for the client's life: the library may call it until close returns.
        self.c_callback = _ffi.PUBSUB_CALLBACK(self._on_message)

    def configure(self, cfg: int, subs: PubSubSubscriptions) -> None:
        lib = _ffi.lib
        st = lib.glide_config_set_pubsub_callback(cfg, self.c_callback, None)
        if st != _ffi.OK:
            raise ConfigurationError(f"pubsub callback: {_ffi.kind_name(st)}", _ffi.kind_name(st))
        for mode, channels in subs.channels_and_patterns.items():
            for c in channels_of(channels, "pubsub_subscriptions"):
                st = lib.glide_config_subscribe(cfg, int(mode), c, len(c))
                if st != _ffi.OK:
                    raise ConfigurationError(f"pubsub_subscriptions {c!r}: {_ffi.kind_name(st)}",
                                             _ffi.kind_name(st))

    def _on_message(self, _user_data, msg_ptr) -> None:
        # The message is valid only during this call: copy it out first.
        m = msg_ptr.contents
        msg = PubSubMsg(_ffi.read_bytes(m.payload, m.payload_len),
                        _ffi.read_bytes(m.channel, m.channel_len),
                        _ffi.read_bytes(m.pattern, m.pattern_len) if m.pattern else None)
        if self.callback is not None:
            self.callback(msg, self.context)  # an exception is printed and ignored by ctypes
        elif self.dispatched:
            while self.waiters:
                future = self.waiters.popleft()
                if not future.done():
                    future.set_result(msg)
                    return
            self._enqueue(msg)
        else:
            with self.cond:
                self._enqueue(msg)
                self.cond.notify()

    def _enqueue(self, msg: PubSubMsg) -> None:
        if len(self.queue) >= self.max_queued:
            self.dropped += 1  # the newest goes: what is queued stays in order, without gaps
        else:
            self.queue.append(msg)

    def _check_queue_mode(self) -> None:
        if self.callback is not None:
            raise ConfigurationError("messages go to the pubsub_subscriptions callback: there is "
                                     "no queue to read", "INVALID_ARGUMENT")

    def try_get(self) -> Optional[PubSubMsg]:
        self._check_queue_mode()
        if self.dispatched:
            return self.queue.popleft() if self.queue else None
        with self.cond:
            return self.queue.popleft() if self.queue else None

    def get_blocking(self, timeout: Optional[float]) -> PubSubMsg:
        self._check_queue_mode()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            while not self.queue:
                if self.closed:
                    raise ClosingError("the client is closed", "CLOSING")
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError("no pub/sub message within the timeout", "TIMEOUT")
                self.cond.wait(left)
            return self.queue.popleft()

    async def get_async(self) -> PubSubMsg:
        self._check_queue_mode()
        if self.queue:
            return self.queue.popleft()
        if self.closed:
            raise ClosingError("the client is closed", "CLOSING")
        future = asyncio.get_running_loop().create_future()
        self.waiters.append(future)
        return await future

    def close(self) -> None:
        """After glide_client_close: wakes every reader (the queued messages stay readable)."""
        self.closed = True
        while self.waiters:
            future = self.waiters.popleft()
            if not future.done():
                future.set_exception(ClosingError("the client was closed", "CLOSING"))
        with self.cond:
            self.cond.notify_all()


PUBSUB_KINDS = {"exact": _ffi.PUBSUB_EXACT, "pattern": _ffi.PUBSUB_PATTERN,
                "sharded": _ffi.PUBSUB_SHARDED}


def receiver_for(config, dispatched: bool) -> Optional[Receiver]:
    subs = getattr(config, "pubsub_subscriptions", None)
    return None if subs is None else Receiver(subs, dispatched)


def change(handle: int, receiver: Optional[Receiver], subscribe: bool, kind: int,
           channels: Optional[Iterable[TEncodable]], what: str) -> None:
    """glide_client_subscribe / unsubscribe (blocking until the server confirmed). channels
    None (unsubscribe only): every subscription of the kind."""
    if receiver is None:
        raise ConfigurationError(
            f"{what}: this client was created without pubsub_subscriptions; runtime "
            "subscriptions need a subscriber client (pubsub_subscriptions, possibly with no "
            "channels)", "INVALID_ARGUMENT")
    if channels is None:
        if subscribe:
            raise TypeError(f"{what}: channels must be given")
        names: List[bytes] = []
    else:
        names = channels_of(channels, what)
        if not names:
            return  # nothing to do (n == 0 would mean "all" to unsubscribe)
    keep, ptrs, lens = _ffi.argv(names)  # noqa: F841 - keep: alive through the call
    fn = _ffi.lib.glide_client_subscribe if subscribe else _ffi.lib.glide_client_unsubscribe
    st = fn(handle, kind, ptrs if names else None, lens if names else None, len(names))
    if st != _ffi.OK:
        raise _ffi.status_error(st, what)
