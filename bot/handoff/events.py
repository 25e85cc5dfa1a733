"""Handoff events: what changed in the queue or a live conversation, for every replica.

Anything that changes the queue or a live conversation is published to one Redis
Stream (``chv:ho:events``): kind, conversation id, transcript cursor; never text.
The consoles' hub (``bot.console.hub``) of each replica reads it and pushes to the
consoles connected to that replica.
"""
from __future__ import annotations

import time

from redis.asyncio import Redis

from bot import keys

MAXLEN = 10_000


class Events:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def publish(self, kind: str, pid: str = "", seq: int = 0) -> None:
        await self.redis.xadd(
            keys.handoff_events(), {"k": kind, "p": pid, "s": seq, "t": f"{time.time():.4f}"},
            maxlen=MAXLEN, approximate=True,
        )
