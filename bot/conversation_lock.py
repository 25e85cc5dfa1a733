"""One lock per conversation, shared by every part that changes one.

Two messages of one person (web and Telegram alike), a late answer and a replay after an
outage never interleave their read-modify-write of the conversation (risk, state). Its
own module so the gateway, the late answers and the web routes hold the same lock without
holding each other.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class ConversationLocks:
    """A lock per conversation id, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, pid: str) -> AsyncIterator[None]:
        """Serialise the handling of one conversation within this process."""
        lock, users = self._locks.setdefault(pid, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                self._locks.pop(pid, None)
