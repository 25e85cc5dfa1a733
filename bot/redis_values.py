"""Values read back from Redis, as the types they are here.

The client runs with ``decode_responses`` off, so every reply is ``bytes``. redis-py's type
hints cannot know that: they give ``bytes | str`` for a value, add ``None`` to every stream
entry and a scored pair to every sorted-set member. These helpers are the one place that
says what the replies are, so the type checker follows the values onwards.
"""
from __future__ import annotations

from typing import Any, cast

from redis.typing import EncodableT

Fields = dict[bytes, bytes]
StreamEntry = tuple[bytes, Fields]


def as_text(value: object) -> str:
    """One reply value (a member, a field, a stream id) as text; every value we write is UTF-8."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, str):
        return value
    raise TypeError(f"a Redis value, not {type(value).__name__}")


def as_bytes(value: object) -> bytes:
    """One reply value as the bytes Redis holds."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"a Redis value, not {type(value).__name__}")


def as_text_or(value: object, default: str) -> str:
    """A reply that may be missing (``GET``/``HGET`` of an absent key) as text."""
    return default if value is None else as_text(value)


def hash_fields(reply: object) -> Fields:
    """An ``HGETALL`` reply (empty when the key is missing)."""
    return cast(Fields, reply or {})


def stream_entries(reply: object) -> list[StreamEntry]:
    """An ``XRANGE``/``XREVRANGE`` reply, or the entries of one ``XREAD`` stream."""
    return cast(list[StreamEntry], reply or [])


def stream_batches(reply: object) -> list[tuple[bytes, list[StreamEntry]]]:
    """An ``XREAD``/``XREADGROUP`` reply: (stream, its entries) per stream read."""
    return cast(list[tuple[bytes, list[StreamEntry]]], reply or [])


def as_mapping(values: dict[str, Any]) -> dict[EncodableT, EncodableT]:
    """A str-keyed dict for ``HSET``/``XADD``: redis-py's hint wants a dict whose key type
    is its own union (keys are invariant), so ``dict[str, str]`` does not match it although
    Redis takes it as is."""
    return cast(dict[EncodableT, EncodableT], values)
