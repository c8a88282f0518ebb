"""asyncio clients: GlideClusterClient and GlideClient.

The C client runs in GLIDE_CALLBACKS_DISPATCHED mode: completions queue up inside the library
and its event fd becomes readable; the event loop watches that fd (loop.add_reader) and runs
glide_client_dispatch, which calls our one ctypes callback for each completion on the loop's own
thread. The callback finds the request's future by user_data (an integer key into a dict),
converts and frees the reply, and resolves the future. No Python thread is involved after
connecting, and no lock: the dict is only touched on the loop's thread.
"""

import asyncio
import itertools
from typing import Dict, Iterable, List, Optional, Tuple

from . import _ffi
from .batch import Batch, ClusterBatch, c_options, check_exec, command_result, exec_result
from .commands import ClusterCommands, Shaper, StandaloneCommands, _encs
from .config import GlideClientConfiguration, GlideClusterClientConfiguration, connect
from .exceptions import ClosingError, ConfigurationError
from .options import BatchOptions, ClusterBatchOptions, TEncodable
from .pubsub import PUBSUB_KINDS, PubSubMsg, change

lib = _ffi.lib


async def _wait(future: asyncio.Future):
    return await future


class BaseClient:
    """Shared by both async clients. Create with ``await Client.create(config)``; use from the
    event loop that created it (the loop's thread)."""

    _config_type: type = type(None)
    _batch_type: type = type(None)
    _options_type: type = type(None)

    def __init__(self, *args, **kwargs):
        raise TypeError(f"use 'await {type(self).__name__}.create(config)'")

    @classmethod
    async def create(cls, config):
        """Connects (cluster: discovers the slot map) without blocking the event loop: the
        blocking glide_client_new runs in the loop's default executor."""
        loop = asyncio.get_running_loop()
        pending = loop.run_in_executor(None, connect, config, cls._config_type, True)
        try:
            handle = await asyncio.shield(pending)
        except asyncio.CancelledError:
            # The connect goes on in its thread; close what it makes.
            pending.add_done_callback(
                lambda f: None if f.cancelled() or f.exception() else lib.glide_client_close(
                    f.result()[0]))
            raise
        self = cls.__new__(cls)
        self._start(*handle, loop)
        return self

    def _start(self, handle: int, receiver, loop: asyncio.AbstractEventLoop) -> None:
        self._handle: Optional[int] = handle
        # The pub/sub receiver (None without pubsub_subscriptions): its C callback must outlive
        # the client; dispatched mode runs it on this loop's thread, like the completions.
        self._receiver = receiver
        self._loop = loop
        self._pending: Dict[int, Tuple[asyncio.Future, object, object]] = {}
        self._ids = itertools.count(1)  # user_data 0 would arrive as None
        # One callback object for the client's whole life: its C thunk must outlive every
        # request, and close() runs the last callbacks before it returns.
        self._callback = _ffi.RESULT_CALLBACK(self._on_result)
        self._fd = lib.glide_client_event_fd(handle)
        loop.add_reader(self._fd, self._dispatch)

    def _dispatch(self) -> None:
        h = self._handle
        if h is not None:
            lib.glide_client_dispatch(h, 0)

    def _on_result(self, user_data, result) -> None:
        # Runs inside glide_client_dispatch or glide_client_close, on the loop's thread. Must not
        # raise (ctypes would print and drop it) and must free result whatever happens.
        try:
            value = _ffi.take_value(result)
        except BaseException as e:  # e.g. MemoryError while converting: still resolve
            value = e
        entry = self._pending.pop(user_data, None)
        if entry is None:
            return
        future, finish, shaper = entry
        if future.done():  # cancelled by the caller: the reply is dropped
            return
        try:
            future.set_result(finish(value, shaper))
        except BaseException as e:
            future.set_exception(e)

    def _live_handle(self) -> int:
        h = self._handle
        if h is None:
            raise ClosingError("the client is closed", "CLOSING")
        return h

    def _track(self, finish, shaper) -> Tuple[int, asyncio.Future]:
        key = next(self._ids)
        future = self._loop.create_future()
        self._pending[key] = (future, finish, shaper)
        return key, future

    def _cmd(self, args: List[bytes], shaper: Shaper = None):
        h = self._live_handle()
        key, future = self._track(command_result, shaper)
        keep, ptrs, lens = _ffi.argv(args)  # noqa: F841 - keep: alive through the call
        st = lib.glide_client_command_async(h, len(args), ptrs, lens, self._callback, key)
        if st != _ffi.OK:
            del self._pending[key]
            raise _ffi.status_error(st, args[0].decode("utf-8", "replace"))
        return _wait(future)

    def exec(self, batch, raise_on_error: bool, options=None):
        """Runs batch; awaitable. Returns the list of replies in the order the commands were
        added (errors in place as exception objects unless raise_on_error, which raises the
        first one), or None if a WATCHed key changed before an atomic batch ran."""
        check_exec(batch, self._batch_type, raise_on_error, options, self._options_type)
        h = self._live_handle()
        opts = c_options(options)
        b = _ffi.new_batch(batch.is_atomic, batch._args, batch._argcs)
        key, future = self._track(exec_result, list(batch._shapers))
        try:
            st = lib.glide_client_exec_async(h, b, raise_on_error, opts, self._callback, key)
        finally:
            lib.glide_batch_free(b)  # exec keeps no reference to the batch
        if st != _ffi.OK:
            del self._pending[key]
            raise _ffi.status_error(st, "exec")
        return _wait(future)

    async def watch(self, keys: List[TEncodable]):
        """WATCH keys for the next atomic batch (cluster: the keys' slot's primary).
        Returns "OK"."""
        return await self._cmd([b"WATCH"] + _encs(keys, "keys"))

    async def unwatch(self):
        """Forgets every WATCHed key. Returns "OK"."""
        return await self._cmd([b"UNWATCH"])

    # ---------------------------------------------------------------- pub/sub
    # A subscriber client (made with pubsub_subscriptions) may change its subscriptions at run
    # time. glide_client_subscribe blocks until the server confirmed (at most the request
    # timeout: TimeoutError, the client keeps trying), so it runs in the loop's executor.

    async def _pubsub(self, subscribe: bool, kind: str, channels, what: str) -> None:
        h = self._live_handle()
        await self._loop.run_in_executor(None, change, h, self._receiver, subscribe,
                                         PUBSUB_KINDS[kind], channels, what)

    async def subscribe(self, channels: Iterable[TEncodable]) -> None:
        """SUBSCRIBE to channels (exact names); returns once the server confirmed."""
        await self._pubsub(True, "exact", channels, "subscribe")

    async def psubscribe(self, patterns: Iterable[TEncodable]) -> None:
        """PSUBSCRIBE to glob-style patterns."""
        await self._pubsub(True, "pattern", patterns, "psubscribe")

    async def unsubscribe(self, channels: Optional[Iterable[TEncodable]] = None) -> None:
        """Unsubscribes from channels (None: from every exact channel)."""
        await self._pubsub(False, "exact", channels, "unsubscribe")

    async def punsubscribe(self, patterns: Optional[Iterable[TEncodable]] = None) -> None:
        """Unsubscribes from patterns (None: from every pattern)."""
        await self._pubsub(False, "pattern", patterns, "punsubscribe")

    async def get_pubsub_message(self) -> PubSubMsg:
        """The next message (a client with pubsub_subscriptions and no callback), waiting for
        it. Bound it with asyncio.wait_for."""
        return await self._queue_receiver().get_async()

    def try_get_pubsub_message(self) -> Optional[PubSubMsg]:
        """The next message if one is queued, else None (never waits)."""
        return self._queue_receiver().try_get()

    def pubsub_messages_dropped(self) -> int:
        """Messages dropped because the queue held max_queued_messages (no callback)."""
        return self._queue_receiver().dropped

    def _queue_receiver(self):
        if self._receiver is None:
            raise ConfigurationError("this client was created without pubsub_subscriptions",
                                     "INVALID_ARGUMENT")
        return self._receiver

    async def close(self, err_message: Optional[str] = None) -> None:
        """Closes the client. Requests still pending resolve with ClosingError (a pending
        batch's unanswered commands become ClosingError elements)."""
        h = self._handle
        if h is None:
            return
        self._handle = None  # new requests fail at once from here
        self._loop.remove_reader(self._fd)  # the fd belongs to the client, gone after close
        lib.glide_client_close(h)  # runs the queued and the CLOSING callbacks on this thread
        for future, _, _ in self._pending.values():  # none expected: every callback fired
            if not future.done():
                future.set_exception(ClosingError(err_message or "the client was closed",
                                                  "CLOSING"))
        self._pending.clear()
        if self._receiver is not None:
            self._receiver.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()


class GlideClusterClient(BaseClient, ClusterCommands):
    """asyncio client of a Valkey / Redis cluster."""

    _config_type = GlideClusterClientConfiguration
    _batch_type = ClusterBatch
    _options_type = ClusterBatchOptions

    async def ssubscribe(self, channels: Iterable[TEncodable]) -> None:
        """SSUBSCRIBE to sharded channels (each on the primary owning its slot)."""
        await self._pubsub(True, "sharded", channels, "ssubscribe")

    async def sunsubscribe(self, channels: Optional[Iterable[TEncodable]] = None) -> None:
        """Unsubscribes from sharded channels (None: from every sharded channel)."""
        await self._pubsub(False, "sharded", channels, "sunsubscribe")

    def exec(self, batch: ClusterBatch, raise_on_error: bool,
             options: Optional[ClusterBatchOptions] = None):
        return super().exec(batch, raise_on_error, options)

    exec.__doc__ = BaseClient.exec.__doc__


class GlideClient(BaseClient, StandaloneCommands):
    """asyncio client of a standalone Valkey / Redis server."""

    _config_type = GlideClientConfiguration
    _batch_type = Batch
    _options_type = BatchOptions

    def exec(self, batch: Batch, raise_on_error: bool, options: Optional[BatchOptions] = None):
        return super().exec(batch, raise_on_error, options)

    exec.__doc__ = BaseClient.exec.__doc__
