"""Command and batch options, named as in Valkey GLIDE's Python client (glide.async_commands.*,
glide.routes), so code using them ports by changing the import."""

from datetime import datetime, timedelta
from enum import Enum
from typing import List, Optional, Union

TEncodable = Union[str, bytes]


def _int(name: str, value, minimum: Optional[int] = None) -> int:
    # bool is an int subclass; True as a count or a timeout is a mistake, not a 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


# ------------------------------------------------------------------ SET / EXPIRE


class ConditionalChange(Enum):
    """SET / ZADD condition: only if the key (member) exists, or only if it does not."""

    ONLY_IF_EXISTS = "XX"
    ONLY_IF_DOES_NOT_EXIST = "NX"


class OnlyIfEqual:
    """SET ... IFEQ comparison_value (Valkey 8.1)."""

    def __init__(self, comparison_value: TEncodable):
        self.comparison_value = comparison_value


class ExpiryType(Enum):
    """SET's expiry: the option and the Python types its value may have."""

    SEC = 0, (int, timedelta)           # EX
    MILLSEC = 1, (int, timedelta)       # PX
    UNIX_SEC = 2, (int, datetime)       # EXAT
    UNIX_MILLSEC = 3, (int, datetime)   # PXAT
    KEEP_TTL = 4, (type(None),)         # KEEPTTL


class ExpirySet:
    """SET's expiry option: ``ExpirySet(ExpiryType.SEC, 10)``, ``ExpirySet(ExpiryType.KEEP_TTL,
    None)``; timedelta / datetime values as in GLIDE. A wrong value type is a ValueError (as in
    GLIDE)."""

    _NAMES = {0: "EX", 1: "PX", 2: "EXAT", 3: "PXAT", 4: "KEEPTTL"}

    def __init__(self, expiry_type: ExpiryType, value: Optional[Union[int, datetime, timedelta]]):
        if not isinstance(expiry_type, ExpiryType):
            raise TypeError("expiry_type must be an ExpiryType")
        code, types = expiry_type.value
        if not isinstance(value, types) or isinstance(value, bool):
            raise ValueError(f"The value of {expiry_type} should be of type {types}")
        if isinstance(value, timedelta):
            value = int(value.total_seconds() * (1000 if code == 1 else 1))
        elif isinstance(value, datetime):
            value = int(value.timestamp() * (1000 if code == 3 else 1))
        self.expiry_type = expiry_type
        self.value = None if value is None else str(value)
        self.cmd_arg = self._NAMES[code]

    def get_cmd_args(self) -> List[str]:
        return [self.cmd_arg] if self.value is None else [self.cmd_arg, self.value]


class ExpireOptions(Enum):
    """EXPIRE / PEXPIRE condition."""

    HasNoExpiry = "NX"
    HasExistingExpiry = "XX"
    NewExpiryGreaterThanCurrent = "GT"
    NewExpiryLessThanCurrent = "LT"


# ------------------------------------------------------------------ sorted sets


class UpdateOptions(Enum):
    """ZADD: update existing members only if the new score is less / greater."""

    LESS_THAN = "LT"
    GREATER_THAN = "GT"


class InfBound(Enum):
    """An infinite bound of a score or lex range."""

    POS_INF = {"score_arg": "+inf", "lex_arg": "+"}
    NEG_INF = {"score_arg": "-inf", "lex_arg": "-"}


class ScoreBoundary:
    """A score bound, inclusive by default."""

    def __init__(self, value: float, is_inclusive: bool = True):
        self.value = str(value) if is_inclusive else f"({value}"


class LexBoundary:
    """A lexicographic bound, inclusive by default."""

    def __init__(self, value: str, is_inclusive: bool = True):
        self.value = f"[{value}" if is_inclusive else f"({value}"


class Limit:
    """LIMIT offset count of a score or lex range."""

    def __init__(self, offset: int, count: int):
        self.offset = _int("offset", offset)
        self.count = _int("count", count)


class RangeByIndex:
    """ZRANGE by rank, start and end inclusive (negative counts from the end)."""

    def __init__(self, start: int, end: int):
        self.start = _int("start", start)
        self.end = _int("end", end)


class RangeByScore:
    """ZRANGE ... BYSCORE."""

    def __init__(self, start: Union[InfBound, ScoreBoundary], end: Union[InfBound, ScoreBoundary],
                 limit: Optional[Limit] = None):
        self.start = start.value["score_arg"] if isinstance(start, InfBound) else start.value
        self.end = end.value["score_arg"] if isinstance(end, InfBound) else end.value
        self.limit = limit


class RangeByLex:
    """ZRANGE ... BYLEX."""

    def __init__(self, start: Union[InfBound, LexBoundary], end: Union[InfBound, LexBoundary],
                 limit: Optional[Limit] = None):
        self.start = start.value["lex_arg"] if isinstance(start, InfBound) else start.value
        self.end = end.value["lex_arg"] if isinstance(end, InfBound) else end.value
        self.limit = limit


# ------------------------------------------------------------------ routes (glide.routes)


class SlotType(Enum):
    PRIMARY = 1
    REPLICA = 2


class Route:
    """Base of the routes. Only single-node routes exist in glide-c's batch options."""


class RandomNode(Route):
    """The whole batch to one random primary."""


class SlotKeyRoute(Route):
    """The node owning the slot of slot_key."""

    def __init__(self, slot_type: SlotType, slot_key: TEncodable):
        if not isinstance(slot_type, SlotType):
            raise TypeError("slot_type must be a SlotType")
        if not isinstance(slot_key, (str, bytes)):
            raise TypeError("slot_key must be str or bytes")
        self.slot_type = slot_type
        self.slot_key = slot_key


class SlotIdRoute(Route):
    """The node owning slot_id (0..16383)."""

    def __init__(self, slot_type: SlotType, slot_id: int):
        if not isinstance(slot_type, SlotType):
            raise TypeError("slot_type must be a SlotType")
        if not 0 <= _int("slot_id", slot_id) <= 16383:
            raise ValueError(f"slot_id must be in 0..16383, got {slot_id}")
        self.slot_type = slot_type
        self.slot_id = slot_id


class ByAddressRoute(Route):
    """The node at host:port (or host "host:port" with port None)."""

    def __init__(self, host: str, port: Optional[int] = None):
        if not isinstance(host, str):
            raise TypeError("host must be a str")
        if port is None:
            host, sep, p = host.rpartition(":")
            if not sep or not p.isdigit():
                raise ValueError("with port None, host must be 'host:port'")
            port = int(p)
        if not 1 <= _int("port", port) <= 65535:
            raise ValueError(f"port must be in 1..65535, got {port}")
        self.host = host
        self.port = port


# ------------------------------------------------------------------ batch options


class BatchRetryStrategy:
    """Non-atomic cluster batches: retry commands answered TRYAGAIN/CLUSTERDOWN/... after a
    backoff (retry_server_error), re-send a lost connection's commands (retry_connection_error;
    they may then run twice)."""

    def __init__(self, retry_server_error: bool = False, retry_connection_error: bool = False):
        if not isinstance(retry_server_error, bool) or not isinstance(retry_connection_error, bool):
            raise TypeError("retry_server_error and retry_connection_error must be bool")
        self.retry_server_error = retry_server_error
        self.retry_connection_error = retry_connection_error


class BaseBatchOptions:
    """timeout: milliseconds for the whole exec (None = the client's request timeout)."""

    def __init__(self, timeout: Optional[int] = None):
        if timeout is not None and not 1 <= _int("timeout", timeout) <= 3_600_000:
            raise ValueError(f"timeout must be in 1..3600000 ms, got {timeout}")
        self.timeout = timeout


class BatchOptions(BaseBatchOptions):
    """Options of a standalone exec."""


class ClusterBatchOptions(BaseBatchOptions):
    """Options of a cluster exec: timeout, retry_strategy (non-atomic only) and a single-node
    route for the whole batch."""

    def __init__(self, timeout: Optional[int] = None,
                 retry_strategy: Optional[BatchRetryStrategy] = None,
                 route: Optional[Route] = None):
        super().__init__(timeout)
        if retry_strategy is not None and not isinstance(retry_strategy, BatchRetryStrategy):
            raise TypeError("retry_strategy must be a BatchRetryStrategy")
        if route is not None and not isinstance(route, (RandomNode, SlotKeyRoute, SlotIdRoute,
                                                        ByAddressRoute)):
            raise TypeError("route must be a single-node route (RandomNode, SlotKeyRoute, "
                            "SlotIdRoute, ByAddressRoute)")
        self.retry_strategy = retry_strategy
        self.route = route
