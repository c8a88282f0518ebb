"""Blocking clients with the same methods, for scripts: ``glide_c.sync.GlideClusterClient``.

Each call is one blocking glide_client_command / glide_client_exec (the GIL is released while it
waits). A client may be shared by threads; close it once, when no thread uses it any more.
"""

from typing import List, Optional

from . import _ffi
from .batch import Batch, ClusterBatch, c_options, check_exec, command_result, exec_result
from .commands import ClusterCommands, Shaper, StandaloneCommands, _encs
from .config import GlideClientConfiguration, GlideClusterClientConfiguration, connect
from .exceptions import ClosingError
from .options import BatchOptions, ClusterBatchOptions, TEncodable

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
        self._handle = connect(config, cls._config_type, False)
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

    def close(self, err_message: Optional[str] = None) -> None:
        """Closes the client; requests pending in other threads get ClosingError."""
        h, self._handle = self._handle, None
        if h is not None:
            lib.glide_client_close(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class GlideClusterClient(BaseClient, ClusterCommands):
    """Blocking client of a Valkey / Redis cluster."""

    _config_type = GlideClusterClientConfiguration
    _batch_type = ClusterBatch
    _options_type = ClusterBatchOptions


class GlideClient(BaseClient, StandaloneCommands):
    """Blocking client of a standalone Valkey / Redis server."""

    _config_type = GlideClientConfiguration
    _batch_type = Batch
    _options_type = BatchOptions
