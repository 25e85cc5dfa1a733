"""The staff audit trail: who blocked, judged or opened which conversation (never text)."""
from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis

from bot.redis_values import as_mapping


class AuditLog:
    def __init__(self, redis: Redis, keep_seconds: int) -> None:
        self.redis = redis
        self.keep = keep_seconds

    async def write(self, stream: str, fields: dict[str, Any]) -> None:
        """Append to an audit stream; entries older than the audit retention go, and the
        stream itself expires when nothing is written for that long."""
        keep = self.keep
        min_id = f"{int((time.time() - keep) * 1000)}-0"
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xadd(stream, as_mapping({**fields, "ts": f"{time.time():.0f}"}), minid=min_id, approximate=False)
            pipe.expire(stream, keep)
            await pipe.execute()
