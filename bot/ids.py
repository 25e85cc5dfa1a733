"""Pseudonymous conversation ids: what Rasa, Redis and the logs see instead of chat ids."""
from __future__ import annotations

import hashlib
import hmac


def pseudonymise(key: bytes, channel: str, chat_id: str | int) -> str:
    """A keyed HMAC of channel and chat id.

    Keyed so that nobody holding the Redis data or the logs can test a known Telegram
    id against them; truncated to 128 bits, which is plenty against collisions.
    """
    mac = hmac.new(key, f"{channel}:{chat_id}".encode(), hashlib.sha256)
    return f"{channel[:2]}-{mac.hexdigest()[:32]}"
