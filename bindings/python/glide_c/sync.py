"""Blocking clients with the same methods, for scripts: ``glide_c.sync.GlideClusterClient``.

Each call is one blocking glide_client_command / glide_client_exec (the GIL is released while it
waits). A client may be shared by threads; close it once, when no thread uses it any more.
"""

from typing import Iterable, List, Optional

from . import _ffi
from .batch import Batch, ClusterBatch, c_options, check_exec, command_result, exec_result
from .commands import ClusterCommands, Shaper, StandaloneCommands, _encs
from .config import GlideClientConfiguration, GlideClusterClientConfiguration, connect
from .exceptions import ClosingError, ConfigurationError
from .options import BatchOptions, ClusterBatchOptions, TEncodable
from .pubsub import PUBSUB_KINDS, PubSubMsg, change

lib = _ffi.lib


class BaseClient:
    _config_type: type = type(None)
    _batch_type: type = type(None)
    _options_type: type = type(None)

    def __init__(self, *args, **kwargs):
        raise TypeError(f"use {type(self).__name__}.create(config)")

    @classmethod
    def create(cls, config):
        """Connects (blocking, up to the connect timeout)."""
        self = cls.__new__(cls)
        self._handle, self._receiver = connect(config, cls._config_type, False)
        return self

    def _live_handle(self) -> int:
        h = self._handle
        if h is None:
            raise ClosingError("the client is closed", "CLOSING")
        return h

    def _cmd(self, args: List[bytes], shaper: Shaper = None):
        h = self._live_handle()
        keep, ptrs, lens = _ffi.argv(args)  # noqa: F841 - keep: alive through the call
        return command_result(_ffi.take_value(lib.glide_client_command(h, len(args), ptrs, lens)),
                              shaper)

    def exec(self, batch, raise_on_error: bool, options=None):
        """Runs batch and returns the replies in order (see the async client's exec)."""
        check_exec(batch, self._batch_type, raise_on_error, options, self._options_type)
        h = self._live_handle()
        opts = c_options(options)
        b = _ffi.new_batch(batch.is_atomic, batch._args, batch._argcs)
        try:
            root = lib.glide_client_exec(h, b, raise_on_error, opts)
        finally:
            lib.glide_batch_free(b)
        return exec_result(_ffi.take_value(root), batch._shapers)

    def watch(self, keys: List[TEncodable]):
        """WATCH keys for the next atomic batch. Returns "OK"."""
        return self._cmd([b"WATCH"] + _encs(keys, "keys"))

    def unwatch(self):
        """Forgets every WATCHed key. Returns "OK"."""
        return self._cmd([b"UNWATCH"])

    # ---------------------------------------------------------------- pub/sub
    # A subscriber client (made with pubsub_subscriptions) may change its subscriptions at run
    # time: each call returns once the server confirmed every channel (at most the request
    # timeout later: TimeoutError, the client keeps trying). Idempotent. Not from the pub/sub
    # callback (it runs on the I/O thread the call would wait for).

    def _pubsub(self, subscribe: bool, kind: str, channels, what: str) -> None:
        change(self._live_handle(), self._receiver, subscribe, PUBSUB_KINDS[kind], channels,
               what)

    def subscribe(self, channels: Iterable[TEncodable]) -> None:
        """SUBSCRIBE to channels (exact names)."""
        self._pubsub(True, "exact", channels, "subscribe")

    def psubscribe(self, patterns: Iterable[TEncodable]) -> None:
        """PSUBSCRIBE to glob-style patterns."""
        self._pubsub(True, "pattern", patterns, "psubscribe")

    def unsubscribe(self, channels: Optional[Iterable[TEncodable]] = None) -> None:
        """Unsubscribes from channels (None: from every exact channel)."""
        self._pubsub(False, "exact", channels, "unsubscribe")

    def punsubscribe(self, patterns: Optional[Iterable[TEncodable]] = None) -> None:
        """Unsubscribes from patterns (None: from every pattern)."""
        self._pubsub(False, "pattern", patterns, "punsubscribe")

    def get_pubsub_message(self, timeout: Optional[float] = None) -> PubSubMsg:
        """The next message (a client with pubsub_subscriptions and no callback): waits for it,
        at most timeout seconds if given (then TimeoutError)."""
        return self._queue_receiver().get_blocking(timeout)

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

    def close(self, err_message: Optional[str] = None) -> None:
        """Closes the client; requests pending in other threads get ClosingError. Queued pub/sub
        messages stay readable; get_pubsub_message() on an empty queue raises ClosingError."""
        h, self._handle = self._handle, None
        if h is not None:
            lib.glide_client_close(h)  # no pub/sub callback runs after it returns
            if self._receiver is not None:
                self._receiver.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class GlideClusterClient(BaseClient, ClusterCommands):
    """Blocking client of a Valkey / Redis cluster."""

    _config_type = GlideClusterClientConfiguration
    _batch_type = ClusterBatch
    _options_type = ClusterBatchOptions

    def ssubscribe(self, channels: Iterable[TEncodable]) -> None:
        """SSUBSCRIBE to sharded channels (each on the primary owning its slot)."""
        self._pubsub(True, "sharded", channels, "ssubscribe")

    def sunsubscribe(self, channels: Optional[Iterable[TEncodable]] = None) -> None:
        """Unsubscribes from sharded channels (None: from every sharded channel)."""
        self._pubsub(False, "sharded", channels, "sunsubscribe")


class GlideClient(BaseClient, StandaloneCommands):
    """Blocking client of a standalone Valkey / Redis server."""

    _config_type = GlideClientConfiguration
    _batch_type = Batch
    _options_type = BatchOptions
