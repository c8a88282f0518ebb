"""glide_c: Valkey GLIDE's Python API over libglide_c (ctypes, standard library only).

    from glide_c import ClusterBatch, GlideClusterClient, GlideClusterClientConfiguration, NodeAddress

asyncio clients here, blocking ones in glide_c.sync. See bindings/python/README.md.
"""

import types as _types

from . import sync  # noqa: F401 - glide_c.sync.GlideClusterClient without a second import
from ._ffi import VERSION as LIBRARY_VERSION
from .batch import Batch, ClusterBatch, ClusterTransaction, Transaction
from .client import GlideClient, GlideClusterClient
from .config import (
    AdvancedGlideClientConfiguration,
    AdvancedGlideClusterClientConfiguration,
    BackoffStrategy,
    GlideClientConfiguration,
    GlideClusterClientConfiguration,
    NodeAddress,
    PeriodicChecksManualInterval,
    PeriodicChecksStatus,
    ProtocolVersion,
    ReadFrom,
    ServerCredentials,
)
from .exceptions import (
    ClosingError,
    ConfigurationError,
    ConnectionError,
    ExecAbortError,
    GlideError,
    LoggerError,
    RequestError,
    TimeoutError,
)
from .pubsub import (
    ClusterPubSubChannelModes,
    PubSubMsg,
    PubSubSubscriptions,
    StandalonePubSubChannelModes,
)
from .options import (
    BatchOptions,
    BatchRetryStrategy,
    ByAddressRoute,
    ClusterBatchOptions,
    ConditionalChange,
    ExpireOptions,
    ExpirySet,
    ExpiryType,
    InfBound,
    LexBoundary,
    Limit,
    OnlyIfEqual,
    RandomNode,
    RangeByIndex,
    RangeByLex,
    RangeByScore,
    ScoreBoundary,
    SlotIdRoute,
    SlotKeyRoute,
    SlotType,
    TEncodable,
    UpdateOptions,
)

OK = "OK"

__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and not isinstance(value, _types.ModuleType)]
