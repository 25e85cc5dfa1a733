"""Encryption at rest for everything sensitive that we write to Redis.

Redis keeps no secret of its own (its append-only file holds every value in plain
text), so transcripts, delivery routes and reports are sealed before they get there.
MultiFernet: the first key encrypts, all keys decrypt, so keys can rotate.
"""
from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class Sealer:
    """Seal and open small JSON values with the configured key ring."""

    def __init__(self, keys: tuple[str, ...] | list[str]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is needed")
        self._fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])

    def seal(self, value: Any) -> bytes:
        return self._fernet.encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())

    def open(self, token: bytes | str) -> Any:
        """Decrypt; raises :class:`InvalidToken` if the data was not sealed with our keys."""
        if isinstance(token, str):
            token = token.encode()
        return json.loads(self._fernet.decrypt(token))


__all__ = ["Sealer", "InvalidToken"]
