"""Rasa's Redis tracker store, sealed with Fernet before anything reaches Redis.

Redis keeps no secret of its own (its append-only file holds every value in plain
text), and a tracker holds every message and slot of a conversation — report
answers included. So the serialised tracker is encrypted with a MultiFernet key
ring from ``TRACKER_ENCRYPTION_KEYS`` (comma-separated, newest first, so keys can
rotate). Configured in endpoints.redis.yml with
``type: rasa_addons.encrypted_tracker_store.EncryptedRedisTrackerStore``.
"""
from __future__ import annotations

import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

ENV = "TRACKER_ENCRYPTION_KEYS"


def key_ring(raw: str | None) -> MultiFernet:
    keys = [k.strip() for k in (raw or "").split(",") if k.strip()]
    if not keys:
        raise RuntimeError(f"{ENV} is not set: refusing to keep conversations unencrypted in Redis")
    return MultiFernet([Fernet(k.encode()) for k in keys])


class EncryptedRedisTrackerStore(RedisTrackerStore):
    """Same keys, expiry and behaviour as RedisTrackerStore; values are Fernet tokens."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._fernet = key_ring(os.environ.get(ENV))
        super().__init__(*args, **kwargs)

    def serialise_tracker(self, tracker: DialogueStateTracker) -> str:
        plain = super().serialise_tracker(tracker)
        return self._fernet.encrypt(plain.encode()).decode()

    def deserialise_tracker(
        self, sender_id: str, serialised_tracker: str | bytes
    ) -> DialogueStateTracker | None:
        token = serialised_tracker.encode() if isinstance(serialised_tracker, str) else serialised_tracker
        try:
            plain = self._fernet.decrypt(token)
        except InvalidToken:
            # Not ours (another key ring, or tampered with): start afresh rather than crash.
            return None
        return super().deserialise_tracker(sender_id, plain)
