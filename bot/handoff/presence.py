"""Which operators have a console open: a heartbeat per operator with an expiry.

``chv:ho:online`` holds each operator with the time their heartbeat runs out; the
console's websocket refreshes it while it is open. A dropped browser stays "online"
for the grace period (OPERATOR_GRACE_SECONDS), long enough to reconnect.
"""
from __future__ import annotations

import time

from redis.asyncio import Redis

from bot import keys


class Presence:
    def __init__(self, redis: Redis, grace_seconds: int) -> None:
        self.redis = redis
        self.grace = max(5, grace_seconds)
        self._cache: tuple[float, dict[str, set[str]]] | None = None

    async def heartbeat(self, name: str) -> bool:
        """Refresh ``name``; True when they were offline until now (just came online)."""
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zscore(keys.handoff_online(), name)
            pipe.zadd(keys.handoff_online(), {name: now + self.grace})
            prev, _ = await pipe.execute()
        came = prev is None or float(prev) < now
        if came:
            self._cache = None
        return came

    async def offline(self, name: str) -> None:
        self._cache = None
        await self.redis.zrem(keys.handoff_online(), name)

    async def online(self) -> list[str]:
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(keys.handoff_online(), "-inf", now - 3600)
            pipe.zrangebyscore(keys.handoff_online(), now, "+inf")
            _, names = await pipe.execute()
        return [n.decode() for n in names]

    async def staff_names(self) -> set[str]:
        """Every name that may own a live chat: accounts, and past owners (removed ones too)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.smembers(keys.operator_accounts())
            pipe.smembers(keys.handoff_owners())
            accounts, owners = await pipe.execute()
        return {n.decode() for n in accounts | owners}

    async def skills_online(self, max_age: float = 1.0) -> dict[str, set[str]]:
        """Online operator -> the skills they serve (an account without skills serves all).

        Remembered for ``max_age`` seconds: every queued message asks, presence rarely changes.
        """
        now = time.monotonic()
        if self._cache is not None and now - self._cache[0] < max_age:
            return self._cache[1]
        result = await self._skills_online()
        self._cache = (now, result)
        return result

    def forget(self) -> None:
        self._cache = None

    async def _skills_online(self) -> dict[str, set[str]]:
        names = await self.online()
        if not names:
            return {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for n in names:
                pipe.hget(keys.operator_account(n), "skills")
            raw = await pipe.execute()
        out: dict[str, set[str]] = {}
        for n, skills in zip(names, raw):
            listed = {s for s in (skills or b"").decode().split(",") if s}
            out[n] = listed or set(keys.HANDOFF_SKILLS)
        return out

    @staticmethod
    def serves(online: dict[str, set[str]], skill: str) -> bool:
        return any(skill in skills for skills in online.values())
