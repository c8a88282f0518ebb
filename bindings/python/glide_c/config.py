"""Client configuration, named as in Valkey GLIDE's Python client (glide.config)."""

import ctypes
from enum import Enum
from typing import List, Optional, Tuple

from . import _ffi
from .exceptions import ConfigurationError, error_from_kind
from .options import _int
from .pubsub import (
    ClusterPubSubChannelModes,
    PubSubSubscriptions,
    Receiver,
    StandalonePubSubChannelModes,
    check_subscriptions,
    receiver_for,
)


class NodeAddress:
    """A server (standalone) or a seed node (cluster)."""

    def __init__(self, host: str = "localhost", port: int = 6379):
        if not isinstance(host, str) or not host:
            raise TypeError("host must be a non-empty str")
        if not 1 <= _int("port", port) <= 65535:
            raise ValueError(f"port must be in 1..65535, got {port}")
        self.host = host
        self.port = port


class ReadFrom(Enum):
    PRIMARY = 0
    PREFER_REPLICA = 1


class ProtocolVersion(Enum):
    RESP2 = 2
    RESP3 = 3


class ServerCredentials:
    def __init__(self, password: str, username: Optional[str] = None):
        if not isinstance(password, str) or (username is not None and not isinstance(username, str)):
            raise TypeError("password (and username) must be str")
        self.password = password
        self.username = username


class BackoffStrategy:
    """Reconnect backoff. glide-c's is base * 2^n capped, so it is mapped as: base delay
    ``factor`` ms, at most ``num_of_retries`` doublings, capped at factor * exponent_base ^
    num_of_retries ms."""

    def __init__(self, num_of_retries: int, factor: int, exponent_base: int,
                 jitter_percent: Optional[int] = None):
        self.num_of_retries = _int("num_of_retries", num_of_retries, 0)
        self.factor = _int("factor", factor, 1)
        self.exponent_base = _int("exponent_base", exponent_base, 1)
        self.jitter_percent = jitter_percent  # accepted for GLIDE compatibility, not used


class PeriodicChecksStatus(Enum):
    ENABLED_DEFAULT_CONFIGS = 0
    DISABLED = 1


class PeriodicChecksManualInterval:
    def __init__(self, duration_in_sec: int):
        self.duration_in_sec = _int("duration_in_sec", duration_in_sec, 1)


class AdvancedGlideClientConfiguration:
    """connection_timeout: milliseconds for connecting (default 2000)."""

    def __init__(self, connection_timeout: Optional[int] = None, tls_config=None):
        if connection_timeout is not None:
            _int("connection_timeout", connection_timeout, 1)
        self.connection_timeout = connection_timeout
        self.tls_config = tls_config


class AdvancedGlideClusterClientConfiguration(AdvancedGlideClientConfiguration):
    def __init__(self, connection_timeout: Optional[int] = None, tls_config=None,
                 refresh_topology_from_initial_nodes: bool = False):
        super().__init__(connection_timeout, tls_config)
        self.refresh_topology_from_initial_nodes = refresh_topology_from_initial_nodes


def _check(st: int, what: str) -> None:
    if st != _ffi.OK:
        raise ConfigurationError(f"{what}: {_ffi.kind_name(st)}", _ffi.kind_name(st))


class BaseClientConfiguration:
    def __init__(self, addresses: List[NodeAddress], use_tls: bool = False,
                 credentials: Optional[ServerCredentials] = None,
                 read_from: ReadFrom = ReadFrom.PRIMARY, request_timeout: Optional[int] = None,
                 reconnect_strategy: Optional[BackoffStrategy] = None,
                 client_name: Optional[str] = None,
                 protocol: ProtocolVersion = ProtocolVersion.RESP3,
                 pubsub_subscriptions=None, inflight_requests_limit: Optional[int] = None,
                 client_az: Optional[str] = None, advanced_config=None,
                 lazy_connect: Optional[bool] = None):
        if not isinstance(addresses, (list, tuple)) or not addresses or not all(
                isinstance(a, NodeAddress) for a in addresses):
            raise TypeError("addresses must be a non-empty list of NodeAddress")
        if not isinstance(read_from, ReadFrom) or not isinstance(protocol, ProtocolVersion):
            raise TypeError("read_from must be a ReadFrom and protocol a ProtocolVersion")
        if credentials is not None and not isinstance(credentials, ServerCredentials):
            raise TypeError("credentials must be ServerCredentials")
        if reconnect_strategy is not None and not isinstance(reconnect_strategy, BackoffStrategy):
            raise TypeError("reconnect_strategy must be a BackoffStrategy")
        if request_timeout is not None:
            _int("request_timeout", request_timeout, 1)
        if inflight_requests_limit is not None:
            _int("inflight_requests_limit", inflight_requests_limit, 1)
        if client_name is not None and not isinstance(client_name, str):
            raise TypeError("client_name must be a str")
        if pubsub_subscriptions is not None:
            check_subscriptions(pubsub_subscriptions, self.PubSubChannelModes)
        # What glide-c does not have yet is refused here rather than silently ignored.
        if client_az is not None or lazy_connect:
            raise ConfigurationError("client_az and lazy_connect are not supported by glide-c",
                                     "NOT_SUPPORTED")
        self.addresses = list(addresses)
        self.use_tls = use_tls
        self.credentials = credentials
        self.read_from = read_from
        self.request_timeout = request_timeout
        self.reconnect_strategy = reconnect_strategy
        self.client_name = client_name
        self.protocol = protocol
        self.inflight_requests_limit = inflight_requests_limit
        self.pubsub_subscriptions = pubsub_subscriptions
        self.advanced_config = advanced_config

    _cluster = True
    PubSubChannelModes: type = ClusterPubSubChannelModes
    PubSubSubscriptions = PubSubSubscriptions

    def _build(self, dispatched: bool, receiver: Optional[Receiver] = None) -> int:
        """A glide_config for this configuration; the caller frees it with glide_config_free."""
        lib = _ffi.lib
        cfg = lib.glide_config_new()
        if not cfg:
            raise MemoryError("glide_config_new")
        try:
            for a in self.addresses:
                _check(lib.glide_config_add_address(cfg, a.host.encode(), a.port),
                       f"address {a.host}:{a.port}")
            _check(lib.glide_config_set_cluster_mode(cfg, self._cluster), "cluster mode")
            _check(lib.glide_config_set_tls(cfg, bool(self.use_tls)), "use_tls")
            if self.credentials is not None:
                user = self.credentials.username
                _check(lib.glide_config_set_credentials(
                    cfg, user.encode() if user is not None else None,
                    self.credentials.password.encode()), "credentials")
            _check(lib.glide_config_set_read_from(cfg, self.read_from.value), "read_from")
            _check(lib.glide_config_set_protocol(cfg, self.protocol.value), "protocol")
            if self.request_timeout is not None:
                _check(lib.glide_config_set_request_timeout_ms(cfg, self.request_timeout),
                       "request_timeout")
            if self.client_name is not None:
                _check(lib.glide_config_set_client_name(cfg, self.client_name.encode()),
                       "client_name")
            if self.inflight_requests_limit is not None:
                _check(lib.glide_config_set_inflight_limit(cfg, self.inflight_requests_limit),
                       "inflight_requests_limit")
            r = self.reconnect_strategy
            if r is not None:
                cap = min(r.factor * r.exponent_base ** r.num_of_retries, 3_600_000)
                _check(lib.glide_config_set_reconnect(cfg, min(r.num_of_retries, 64),
                                                      min(r.factor, cap), cap),
                       "reconnect_strategy")
            adv = self.advanced_config
            if adv is not None and adv.connection_timeout is not None:
                _check(lib.glide_config_set_connect_timeout_ms(cfg, adv.connection_timeout),
                       "connection_timeout")
            self._build_more(cfg)
            if receiver is not None:
                receiver.configure(cfg, self.pubsub_subscriptions)
            if dispatched:
                _check(lib.glide_config_set_callback_mode(cfg, 1), "callback mode")
            return cfg
        except BaseException:
            lib.glide_config_free(cfg)
            raise

    def _build_more(self, cfg: int) -> None:
        pass


class GlideClientConfiguration(BaseClientConfiguration):
    """Standalone server configuration (the first address is the server)."""

    _cluster = False
    PubSubChannelModes = StandalonePubSubChannelModes

    def __init__(self, addresses: List[NodeAddress], use_tls: bool = False,
                 credentials: Optional[ServerCredentials] = None,
                 read_from: ReadFrom = ReadFrom.PRIMARY, request_timeout: Optional[int] = None,
                 reconnect_strategy: Optional[BackoffStrategy] = None,
                 database_id: Optional[int] = None, client_name: Optional[str] = None,
                 protocol: ProtocolVersion = ProtocolVersion.RESP3,
                 pubsub_subscriptions=None, inflight_requests_limit: Optional[int] = None,
                 client_az: Optional[str] = None,
                 advanced_config: Optional[AdvancedGlideClientConfiguration] = None,
                 lazy_connect: Optional[bool] = None):
        super().__init__(addresses, use_tls, credentials, read_from, request_timeout,
                         reconnect_strategy, client_name, protocol, pubsub_subscriptions,
                         inflight_requests_limit, client_az, advanced_config, lazy_connect)
        if database_id is not None:
            _int("database_id", database_id, 0)
        self.database_id = database_id

    def _build_more(self, cfg: int) -> None:
        if self.database_id:
            _check(_ffi.lib.glide_config_set_database(cfg, self.database_id), "database_id")


class GlideClusterClientConfiguration(BaseClientConfiguration):
    """Cluster configuration: addresses are seeds (any node of the cluster)."""

    def __init__(self, addresses: List[NodeAddress], use_tls: bool = False,
                 credentials: Optional[ServerCredentials] = None,
                 read_from: ReadFrom = ReadFrom.PRIMARY, request_timeout: Optional[int] = None,
                 reconnect_strategy: Optional[BackoffStrategy] = None,
                 client_name: Optional[str] = None,
                 protocol: ProtocolVersion = ProtocolVersion.RESP3,
                 periodic_checks=PeriodicChecksStatus.ENABLED_DEFAULT_CONFIGS,
                 pubsub_subscriptions=None, inflight_requests_limit: Optional[int] = None,
                 client_az: Optional[str] = None,
                 advanced_config: Optional[AdvancedGlideClusterClientConfiguration] = None,
                 lazy_connect: Optional[bool] = None):
        super().__init__(addresses, use_tls, credentials, read_from, request_timeout,
                         reconnect_strategy, client_name, protocol, pubsub_subscriptions,
                         inflight_requests_limit, client_az, advanced_config, lazy_connect)
        if not isinstance(periodic_checks, (PeriodicChecksStatus, PeriodicChecksManualInterval)):
            raise TypeError("periodic_checks must be a PeriodicChecksStatus or "
                            "PeriodicChecksManualInterval")
        self.periodic_checks = periodic_checks

    def _build_more(self, cfg: int) -> None:
        p = self.periodic_checks
        if p is PeriodicChecksStatus.DISABLED:
            _check(_ffi.lib.glide_config_set_topology_refresh_ms(cfg, 0), "periodic_checks")
        elif isinstance(p, PeriodicChecksManualInterval):
            _check(_ffi.lib.glide_config_set_topology_refresh_ms(
                cfg, min(p.duration_in_sec * 1000, 2**32 - 1)), "periodic_checks")


def connect(config: BaseClientConfiguration, config_type: type,
            dispatched: bool) -> Tuple[int, Optional[Receiver]]:
    """glide_client_new for config: the client handle and its pub/sub receiver (None without
    pubsub_subscriptions; it must live as long as the client), or the error raised (blocking, up
    to the connect timeout)."""
    if not isinstance(config, config_type):
        raise TypeError(f"config must be a {config_type.__name__}, not {type(config).__name__}")
    lib = _ffi.lib
    receiver = receiver_for(config, dispatched)
    cfg = config._build(dispatched, receiver)
    out, err = ctypes.c_void_p(), ctypes.c_void_p()
    try:
        st = lib.glide_client_new(cfg, ctypes.byref(out), ctypes.byref(err))
    finally:
        lib.glide_config_free(cfg)
    if st == _ffi.OK:
        return out.value, receiver
    msg = ctypes.string_at(err.value).decode("utf-8", "replace") if err.value else ""
    lib.glide_string_free(err.value)
    kind = _ffi.kind_name(st)
    text = f"connect: {kind}: {msg}" if msg else f"connect: {kind}"
    if kind in ("INVALID_ARGUMENT", "NOT_SUPPORTED"):
        raise ConfigurationError(text, kind)
    raise error_from_kind(st, text)
