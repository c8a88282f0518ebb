"""The commands, written once for the batches and the clients (async and blocking).

Each method checks and encodes its arguments (TypeError / ValueError before anything is sent),
then hands the argument vector and an optional reply shaper to ``self._cmd``: a batch appends
the command and returns itself (calls chain), the async client sends it and returns a coroutine,
the blocking client sends it and returns the reply. Routing, splitting of multi-key commands and
aggregation are the core's job; a shaper only gives a reply the Python type GLIDE documents where
RESP does not carry it (EXPIRE's 1/0 as bool, RESP2 maps and sets, scores as float).
"""

from typing import Callable, List, Mapping, Optional, Union

from .options import (
    ConditionalChange,
    ExpireOptions,
    ExpirySet,
    OnlyIfEqual,
    RangeByIndex,
    RangeByLex,
    RangeByScore,
    TEncodable,
    UpdateOptions,
    _int,
)

Shaper = Optional[Callable[[object], object]]


# ------------------------------------------------------------------ argument checks


def _enc(value, name: str = "argument") -> bytes:
    """str (encoded UTF-8) or bytes, as GLIDE's TEncodable."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"{name} must be str or bytes, not {type(value).__name__}")


def _encs(values, name: str) -> List[bytes]:
    """A non-empty list (or tuple) of str/bytes. A bare str is refused: it is not a list of keys."""
    if not isinstance(values, (list, tuple)):
        raise TypeError(f"{name} must be a list of str or bytes, not {type(values).__name__}")
    if not values:
        raise ValueError(f"{name} must not be empty")
    return [_enc(v, name) for v in values]


def _pairs(mapping, name: str) -> List[bytes]:
    if not isinstance(mapping, Mapping):
        raise TypeError(f"{name} must be a mapping, not {type(mapping).__name__}")
    if not mapping:
        raise ValueError(f"{name} must not be empty")
    out = []
    for k, v in mapping.items():
        out.append(_enc(k, name))
        out.append(_enc(v, name))
    return out


def _num(value, name: str) -> bytes:
    """An int as its decimal text."""
    return str(_int(name, value)).encode()


def _float(value, name: str) -> bytes:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    return repr(float(value)).encode() if isinstance(value, float) else str(value).encode()


def _bool_arg(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


# ------------------------------------------------------------------ reply shapers


def _to_bool(v):
    return bool(v)


def _to_set(v):
    return v if isinstance(v, set) else set(v)


def _to_dict(v):
    # RESP3 brings a map; RESP2 a flat [k, v, k, v ...] array.
    return v if isinstance(v, dict) else dict(zip(v[0::2], v[1::2]))


def _to_float(v):
    return None if v is None else float(v)


def _to_scores(v):
    # ZRANGE WITHSCORES: RESP3 [[member, score], ...], RESP2 [member, "score", ...].
    if isinstance(v, dict):
        return {m: float(s) for m, s in v.items()}
    if v and isinstance(v[0], list):
        return {m: float(s) for m, s in v}
    return {m: float(s) for m, s in zip(v[0::2], v[1::2])}


# ------------------------------------------------------------------ commands


class CoreCommands:
    """Commands shared by standalone and cluster, batches and clients."""

    def _cmd(self, args: List[bytes], shaper: Shaper = None):  # pragma: no cover - abstract
        raise NotImplementedError

    def custom_command(self, command_args: List[TEncodable]):
        """Any command, e.g. ``custom_command(["CLIENT", "LIST"])``: the core finds its keys
        and routes it. Command response: whatever the server answers."""
        return self._cmd(_encs(command_args, "command_args"))

    # -------------------------------------------------------------- strings

    def set(self, key: TEncodable, value: TEncodable,
            conditional_set: Optional[Union[ConditionalChange, OnlyIfEqual]] = None,
            expiry: Optional[ExpirySet] = None, return_old_value: bool = False):
        """SET key value [NX|XX|IFEQ v] [GET] [EX|PX|EXAT|PXAT|KEEPTTL].
        Command response: Optional[str]: "OK", or None if conditional_set stopped it; with
        return_old_value the old value (Optional[bytes]) instead."""
        args = [b"SET", key if type(key) is bytes else _enc(key, "key"),
                value if type(value) is bytes else _enc(value, "value")]
        if conditional_set is None and expiry is None and return_old_value is False:
            return self._cmd(args)  # the common case, kept short: batches add many of these
        if conditional_set is not None:
            if isinstance(conditional_set, ConditionalChange):
                args.append(conditional_set.value.encode())
            elif isinstance(conditional_set, OnlyIfEqual):
                args += [b"IFEQ", _enc(conditional_set.comparison_value, "comparison_value")]
            else:
                raise TypeError("conditional_set must be a ConditionalChange or OnlyIfEqual")
        if _bool_arg(return_old_value, "return_old_value"):
            args.append(b"GET")
        if expiry is not None:
            if not isinstance(expiry, ExpirySet):
                raise TypeError("expiry must be an ExpirySet")
            args += [a.encode() for a in expiry.get_cmd_args()]
        return self._cmd(args)

    def get(self, key: TEncodable):
        """Command response: Optional[bytes]: the value, None if the key does not exist."""
        return self._cmd([b"GET", key if type(key) is bytes else _enc(key, "key")])

    def getdel(self, key: TEncodable):
        """Command response: Optional[bytes]: the value, then deleted."""
        return self._cmd([b"GETDEL", _enc(key, "key")])

    def getrange(self, key: TEncodable, start: int, end: int):
        """Command response: bytes: the substring from start to end (inclusive)."""
        return self._cmd([b"GETRANGE", _enc(key, "key"), _num(start, "start"), _num(end, "end")])

    def append(self, key: TEncodable, value: TEncodable):
        """Command response: int: the length of the string after the append."""
        return self._cmd([b"APPEND", _enc(key, "key"), _enc(value, "value")])

    def strlen(self, key: TEncodable):
        """Command response: int: the length of the value (0 if the key does not exist)."""
        return self._cmd([b"STRLEN", _enc(key, "key")])

    def mset(self, key_value_map: Mapping[TEncodable, TEncodable]):
        """Command response: str: "OK". Keys in several slots are split per slot by the core
        (non-atomic batches and single commands)."""
        return self._cmd([b"MSET"] + _pairs(key_value_map, "key_value_map"))

    def mget(self, keys: List[TEncodable]):
        """Command response: List[Optional[bytes]]: the values, None for missing keys."""
        return self._cmd([b"MGET"] + _encs(keys, "keys"))

    def incr(self, key: TEncodable):
        """Command response: int: the value after the increment."""
        return self._cmd([b"INCR", _enc(key, "key")])

    def incrby(self, key: TEncodable, amount: int):
        """Command response: int: the value after the increment."""
        return self._cmd([b"INCRBY", _enc(key, "key"), _num(amount, "amount")])

    def incrbyfloat(self, key: TEncodable, amount: float):
        """Command response: float: the value after the increment."""
        return self._cmd([b"INCRBYFLOAT", _enc(key, "key"), _float(amount, "amount")], _to_float)

    def decr(self, key: TEncodable):
        """Command response: int: the value after the decrement."""
        return self._cmd([b"DECR", _enc(key, "key")])

    def decrby(self, key: TEncodable, amount: int):
        """Command response: int: the value after the decrement."""
        return self._cmd([b"DECRBY", _enc(key, "key"), _num(amount, "amount")])

    # -------------------------------------------------------------- keys

    def delete(self, keys: List[TEncodable]):
        """DEL. Command response: int: the number of keys removed."""
        return self._cmd([b"DEL"] + _encs(keys, "keys"))

    def unlink(self, keys: List[TEncodable]):
        """Command response: int: the number of keys unlinked."""
        return self._cmd([b"UNLINK"] + _encs(keys, "keys"))

    def exists(self, keys: List[TEncodable]):
        """Command response: int: how many of keys exist (a key named twice counts twice)."""
        return self._cmd([b"EXISTS"] + _encs(keys, "keys"))

    def touch(self, keys: List[TEncodable]):
        """Command response: int: the number of keys touched."""
        return self._cmd([b"TOUCH"] + _encs(keys, "keys"))

    def expire(self, key: TEncodable, seconds: int, option: Optional[ExpireOptions] = None):
        """Command response: bool: True if the timeout was set."""
        return self._cmd(self._expire_args(b"EXPIRE", key, seconds, option), _to_bool)

    def pexpire(self, key: TEncodable, milliseconds: int,
                option: Optional[ExpireOptions] = None):
        """Command response: bool: True if the timeout was set."""
        return self._cmd(self._expire_args(b"PEXPIRE", key, milliseconds, option), _to_bool)

    @staticmethod
    def _expire_args(name: bytes, key, amount, option) -> List[bytes]:
        args = [name, _enc(key, "key"), _num(amount, "seconds")]
        if option is not None:
            if not isinstance(option, ExpireOptions):
                raise TypeError("option must be an ExpireOptions")
            args.append(option.value.encode())
        return args

    def ttl(self, key: TEncodable):
        """Command response: int: seconds to live, -1 without expiry, -2 if no such key."""
        return self._cmd([b"TTL", _enc(key, "key")])

    def pttl(self, key: TEncodable):
        """Command response: int: milliseconds to live, -1 without expiry, -2 if no such key."""
        return self._cmd([b"PTTL", _enc(key, "key")])

    def persist(self, key: TEncodable):
        """Command response: bool: True if a timeout was removed."""
        return self._cmd([b"PERSIST", _enc(key, "key")], _to_bool)

    def rename(self, key: TEncodable, new_key: TEncodable):
        """Command response: str: "OK" (both keys in one slot in cluster mode)."""
        return self._cmd([b"RENAME", _enc(key, "key"), _enc(new_key, "new_key")])

    # -------------------------------------------------------------- hashes

    def hset(self, key: TEncodable, field_value_map: Mapping[TEncodable, TEncodable]):
        """Command response: int: the number of fields added."""
        return self._cmd([b"HSET", _enc(key, "key")] + _pairs(field_value_map, "field_value_map"))

    def hsetnx(self, key: TEncodable, field: TEncodable, value: TEncodable):
        """Command response: bool: True if the field was set (it did not exist)."""
        return self._cmd([b"HSETNX", _enc(key, "key"), _enc(field, "field"),
                          _enc(value, "value")], _to_bool)

    def hget(self, key: TEncodable, field: TEncodable):
        """Command response: Optional[bytes]: the field's value, None if absent."""
        return self._cmd([b"HGET", _enc(key, "key"), _enc(field, "field")])

    def hgetall(self, key: TEncodable):
        """Command response: Dict[bytes, bytes]: every field and value ({} if no such key)."""
        return self._cmd([b"HGETALL", _enc(key, "key")], _to_dict)

    def hmget(self, key: TEncodable, fields: List[TEncodable]):
        """Command response: List[Optional[bytes]]: the values, None for absent fields."""
        return self._cmd([b"HMGET", _enc(key, "key")] + _encs(fields, "fields"))

    def hdel(self, key: TEncodable, fields: List[TEncodable]):
        """Command response: int: the number of fields removed."""
        return self._cmd([b"HDEL", _enc(key, "key")] + _encs(fields, "fields"))

    def hexists(self, key: TEncodable, field: TEncodable):
        """Command response: bool: True if the field exists."""
        return self._cmd([b"HEXISTS", _enc(key, "key"), _enc(field, "field")], _to_bool)

    def hlen(self, key: TEncodable):
        """Command response: int: the number of fields."""
        return self._cmd([b"HLEN", _enc(key, "key")])

    def hkeys(self, key: TEncodable):
        """Command response: List[bytes]: the field names."""
        return self._cmd([b"HKEYS", _enc(key, "key")])

    def hvals(self, key: TEncodable):
        """Command response: List[bytes]: the values."""
        return self._cmd([b"HVALS", _enc(key, "key")])

    def hincrby(self, key: TEncodable, field: TEncodable, amount: int):
        """Command response: int: the field's value after the increment."""
        return self._cmd([b"HINCRBY", _enc(key, "key"), _enc(field, "field"),
                          _num(amount, "amount")])

    def hincrbyfloat(self, key: TEncodable, field: TEncodable, amount: float):
        """Command response: float: the field's value after the increment."""
        return self._cmd([b"HINCRBYFLOAT", _enc(key, "key"), _enc(field, "field"),
                          _float(amount, "amount")], _to_float)

    # -------------------------------------------------------------- lists

    def lpush(self, key: TEncodable, elements: List[TEncodable]):
        """Command response: int: the list's length after the push."""
        return self._cmd([b"LPUSH", _enc(key, "key")] + _encs(elements, "elements"))

    def rpush(self, key: TEncodable, elements: List[TEncodable]):
        """Command response: int: the list's length after the push."""
        return self._cmd([b"RPUSH", _enc(key, "key")] + _encs(elements, "elements"))

    def lpop(self, key: TEncodable):
        """Command response: Optional[bytes]: the first element, None if the list is empty."""
        return self._cmd([b"LPOP", _enc(key, "key")])

    def rpop(self, key: TEncodable):
        """Command response: Optional[bytes]: the last element, None if the list is empty."""
        return self._cmd([b"RPOP", _enc(key, "key")])

    def lpop_count(self, key: TEncodable, count: int):
        """Command response: Optional[List[bytes]]: up to count first elements."""
        return self._cmd([b"LPOP", _enc(key, "key"), _num(count, "count")])

    def rpop_count(self, key: TEncodable, count: int):
        """Command response: Optional[List[bytes]]: up to count last elements."""
        return self._cmd([b"RPOP", _enc(key, "key"), _num(count, "count")])

    def lrange(self, key: TEncodable, start: int, end: int):
        """Command response: List[bytes]: the elements from start to end (inclusive)."""
        return self._cmd([b"LRANGE", _enc(key, "key"), _num(start, "start"), _num(end, "end")])

    def llen(self, key: TEncodable):
        """Command response: int: the list's length."""
        return self._cmd([b"LLEN", _enc(key, "key")])

    def lindex(self, key: TEncodable, index: int):
        """Command response: Optional[bytes]: the element at index."""
        return self._cmd([b"LINDEX", _enc(key, "key"), _num(index, "index")])

    def lset(self, key: TEncodable, index: int, element: TEncodable):
        """Command response: str: "OK"."""
        return self._cmd([b"LSET", _enc(key, "key"), _num(index, "index"),
                          _enc(element, "element")])

    def ltrim(self, key: TEncodable, start: int, end: int):
        """Command response: str: "OK"."""
        return self._cmd([b"LTRIM", _enc(key, "key"), _num(start, "start"), _num(end, "end")])

    def lrem(self, key: TEncodable, count: int, element: TEncodable):
        """Command response: int: the number of elements removed."""
        return self._cmd([b"LREM", _enc(key, "key"), _num(count, "count"),
                          _enc(element, "element")])

    # -------------------------------------------------------------- sets

    def sadd(self, key: TEncodable, members: List[TEncodable]):
        """Command response: int: the number of members added."""
        return self._cmd([b"SADD", _enc(key, "key")] + _encs(members, "members"))

    def srem(self, key: TEncodable, members: List[TEncodable]):
        """Command response: int: the number of members removed."""
        return self._cmd([b"SREM", _enc(key, "key")] + _encs(members, "members"))

    def smembers(self, key: TEncodable):
        """Command response: Set[bytes]: the members."""
        return self._cmd([b"SMEMBERS", _enc(key, "key")], _to_set)

    def scard(self, key: TEncodable):
        """Command response: int: the number of members."""
        return self._cmd([b"SCARD", _enc(key, "key")])

    def sismember(self, key: TEncodable, member: TEncodable):
        """Command response: bool: True if member is in the set."""
        return self._cmd([b"SISMEMBER", _enc(key, "key"), _enc(member, "member")], _to_bool)

    # -------------------------------------------------------------- sorted sets

    def zadd(self, key: TEncodable, members_scores: Mapping[TEncodable, float],
             existing_options: Optional[ConditionalChange] = None,
             update_condition: Optional[UpdateOptions] = None, changed: bool = False):
        """Command response: int: the number of members added (with changed, added or
        updated)."""
        args = [b"ZADD", _enc(key, "key")] + self._zadd_options(existing_options,
                                                                update_condition)
        if _bool_arg(changed, "changed"):
            args.append(b"CH")
        if not isinstance(members_scores, Mapping):
            raise TypeError("members_scores must be a mapping of member to score")
        if not members_scores:
            raise ValueError("members_scores must not be empty")
        for member, score in members_scores.items():
            args += [_float(score, "score"), _enc(member, "member")]
        return self._cmd(args)

    def zadd_incr(self, key: TEncodable, member: TEncodable, increment: float,
                  existing_options: Optional[ConditionalChange] = None,
                  update_condition: Optional[UpdateOptions] = None):
        """ZADD ... INCR. Command response: Optional[float]: the new score, None if a condition
        stopped it."""
        args = [b"ZADD", _enc(key, "key")] + self._zadd_options(existing_options,
                                                                update_condition)
        args += [b"INCR", _float(increment, "increment"), _enc(member, "member")]
        return self._cmd(args, _to_float)

    @staticmethod
    def _zadd_options(existing_options, update_condition) -> List[bytes]:
        args = []
        if existing_options is not None:
            if not isinstance(existing_options, ConditionalChange):
                raise TypeError("existing_options must be a ConditionalChange")
            if (existing_options is ConditionalChange.ONLY_IF_DOES_NOT_EXIST
                    and update_condition is not None):
                raise ValueError("The GT, LT and NX options are mutually exclusive.")
            args.append(existing_options.value.encode())
        if update_condition is not None:
            if not isinstance(update_condition, UpdateOptions):
                raise TypeError("update_condition must be an UpdateOptions")
            args.append(update_condition.value.encode())
        return args

    def zrange(self, key: TEncodable,
               range_query: Union[RangeByIndex, RangeByLex, RangeByScore],
               reverse: bool = False):
        """Command response: List[bytes]: the members in the range."""
        return self._cmd(self._zrange_args(key, range_query, reverse, False))

    def zrange_withscores(self, key: TEncodable,
                          range_query: Union[RangeByIndex, RangeByScore], reverse: bool = False):
        """Command response: Mapping[bytes, float]: member -> score, in range order."""
        return self._cmd(self._zrange_args(key, range_query, reverse, True), _to_scores)

    @staticmethod
    def _zrange_args(key, range_query, reverse, with_scores) -> List[bytes]:
        if not isinstance(range_query, (RangeByIndex, RangeByScore, RangeByLex)):
            raise TypeError("range_query must be a RangeByIndex, RangeByScore or RangeByLex")
        if with_scores and isinstance(range_query, RangeByLex):
            raise TypeError("zrange_withscores does not take a RangeByLex")
        args = [b"ZRANGE", _enc(key, "key"), str(range_query.start).encode(),
                str(range_query.end).encode()]
        if isinstance(range_query, RangeByScore):
            args.append(b"BYSCORE")
        elif isinstance(range_query, RangeByLex):
            args.append(b"BYLEX")
        if _bool_arg(reverse, "reverse"):
            args.append(b"REV")
        limit = getattr(range_query, "limit", None)
        if limit is not None:
            args += [b"LIMIT", str(limit.offset).encode(), str(limit.count).encode()]
        if with_scores:
            args.append(b"WITHSCORES")
        return args

    def zrem(self, key: TEncodable, members: List[TEncodable]):
        """Command response: int: the number of members removed."""
        return self._cmd([b"ZREM", _enc(key, "key")] + _encs(members, "members"))

    def zcard(self, key: TEncodable):
        """Command response: int: the number of members."""
        return self._cmd([b"ZCARD", _enc(key, "key")])

    def zscore(self, key: TEncodable, member: TEncodable):
        """Command response: Optional[float]: the member's score."""
        return self._cmd([b"ZSCORE", _enc(key, "key"), _enc(member, "member")], _to_float)

    def zincrby(self, key: TEncodable, increment: float, member: TEncodable):
        """Command response: float: the member's new score."""
        return self._cmd([b"ZINCRBY", _enc(key, "key"), _float(increment, "increment"),
                          _enc(member, "member")], _to_float)

    def zrank(self, key: TEncodable, member: TEncodable):
        """Command response: Optional[int]: the member's rank (0 = lowest score)."""
        return self._cmd([b"ZRANK", _enc(key, "key"), _enc(member, "member")])

    # -------------------------------------------------------------- server

    def ping(self, message: Optional[TEncodable] = None):
        """Command response: "PONG" (str), or the message (bytes)."""
        return self._cmd([b"PING"] if message is None else [b"PING", _enc(message, "message")])

    def echo(self, message: TEncodable):
        """Command response: bytes: the message."""
        return self._cmd([b"ECHO", _enc(message, "message")])

    def dbsize(self):
        """Command response: int: the number of keys (cluster: summed over the primaries)."""
        return self._cmd([b"DBSIZE"])


class ClusterCommands(CoreCommands):
    """Cluster forms (the four documented in ClusterBatch.txt)."""

    def copy(self, source: TEncodable, destination: TEncodable, replace: Optional[bool] = None):
        """Copies source's value to destination; with replace, removes destination first.
        Command response: bool: True if the source was copied. Since Valkey 6.2."""
        args = [b"COPY", _enc(source, "source"), _enc(destination, "destination")]
        if replace is not None and _bool_arg(replace, "replace"):
            args.append(b"REPLACE")
        return self._cmd(args, _to_bool)

    def publish(self, message: TEncodable, channel: TEncodable, sharded: bool = False):
        """PUBLISH, or SPUBLISH with sharded (routed by the channel's slot).
        Command response: int: the number of subscriptions that received the message."""
        name = b"SPUBLISH" if _bool_arg(sharded, "sharded") else b"PUBLISH"
        return self._cmd([name, _enc(channel, "channel"), _enc(message, "message")])

    def pubsub_shardchannels(self, pattern: Optional[TEncodable] = None):
        """Command response: List[bytes]: the active shard channels (matching pattern)."""
        args = [b"PUBSUB", b"SHARDCHANNELS"]
        if pattern is not None:
            args.append(_enc(pattern, "pattern"))
        return self._cmd(args)

    def pubsub_shardnumsub(self, channels: Optional[List[TEncodable]] = None):
        """Command response: Mapping[bytes, int]: channel -> number of subscribers ({} without
        channels)."""
        args = [b"PUBSUB", b"SHARDNUMSUB"]
        if channels is not None:
            if not isinstance(channels, (list, tuple)):
                raise TypeError("channels must be a list of str or bytes")
            args += [_enc(c, "channels") for c in channels]
        return self._cmd(args, _to_dict)


class StandaloneCommands(CoreCommands):
    """Standalone forms (GLIDE's Batch / GlideClient)."""

    def copy(self, source: TEncodable, destination: TEncodable,
             destinationDB: Optional[int] = None, replace: Optional[bool] = None):  # noqa: N803
        """Copies source's value to destination (in database destinationDB if given).
        Command response: bool: True if the source was copied."""
        args = [b"COPY", _enc(source, "source"), _enc(destination, "destination")]
        if destinationDB is not None:
            args += [b"DB", _num(destinationDB, "destinationDB")]
        if replace is not None and _bool_arg(replace, "replace"):
            args.append(b"REPLACE")
        return self._cmd(args, _to_bool)

    def publish(self, message: TEncodable, channel: TEncodable):
        """Command response: int: the number of clients that received the message."""
        return self._cmd([b"PUBLISH", _enc(channel, "channel"), _enc(message, "message")])
