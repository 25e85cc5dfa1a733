"""Messages that wait in Redis for their answer: a flood's, or one Rasa had no room for.

Each conversation's deferred messages are a sealed list; a schedule (sorted set) says when
each conversation is due and, while one replica answers it, holds that replica's lease: if
it dies, the lease runs out and another replica takes the conversation over. Apart from the
conversation's record (bot.store) because only the late answers (bot.deferred_answers) and
the flood limit (bot.state_router) use it.
"""
from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from bot import keys
from bot.conversation import Deferred
from bot.crypto import Sealer
from bot.redis_values import as_text

# Drop the first deferred message (ARGV[2] = '1') and leave the schedule when none is left,
# atomically: a message deferred in between keeps its conversation scheduled.
# KEYS: deferred list, schedule.  ARGV: pid, pop.
_DROP_DEFERRED = """
if ARGV[2] == '1' then redis.call('LPOP', KEYS[1]) end
local left = redis.call('LLEN', KEYS[1])
if left == 0 then redis.call('ZREM', KEYS[2], ARGV[1]) end
return left
"""

# Lease a due member of a schedule: only if its time has come (one caller wins).
_TAKE_DUE = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
"""


class DeferredMessages:
    """The deferred lists and their schedule; every list expires after the retention period."""

    def __init__(self, redis: Redis, sealer: Sealer, retention_seconds: int) -> None:
        self.redis = redis
        self._sealer = sealer
        self._ttl = retention_seconds
        self._take_due = redis.register_script(_TAKE_DUE)
        self._drop_deferred = redis.register_script(_DROP_DEFERRED)

    async def add(self, pid: str, text: str, due: float, rate_window: int = 0, *,
                    counted: bool = False, distress: bool = False) -> None:
        """Keep a message a flood held back, or one waiting for Rasa (sealed), to be answered
        after ``due``; ``rate_window`` > 0 counts it towards the flood limit in the same round
        trip. ``counted``: already counted, never held back by the flood limit again;
        ``distress``: never answered "write it differently" (bot.reply_composer)."""
        entry: dict[str, Any] = {"t": text}
        if counted:
            entry["c"] = 1
        if distress:
            entry["d"] = 1
        async with self.redis.pipeline(transaction=True) as pipe:
            if rate_window:
                pipe.set(keys.rate(pid), 0, ex=rate_window, nx=True)
                pipe.incr(keys.rate(pid))
            pipe.rpush(keys.deferred(pid), self._sealer.seal(entry))
            pipe.expire(keys.deferred(pid), self._ttl)
            pipe.zadd(keys.deferred_due(), {pid: due}, nx=True)
            await pipe.execute()

    async def reschedule(self, pid: str, due: float) -> None:
        """Due again at ``due`` (a flood's message waits for its window; a claim handed back)."""
        await self.redis.zadd(keys.deferred_due(), {pid: due})

    async def take_due(self, now: float, lease: float = 60.0, limit: int = 100) -> list[str]:
        """Conversations whose deferred messages are due, each leased to one caller: if it
        dies before finishing, the lease runs out and another caller takes it over."""
        if limit <= 0:
            return []
        rows = await self.redis.zrangebyscore(keys.deferred_due(), "-inf", now, start=0, num=limit)
        due = [as_text(raw) for raw in rows]
        return [pid for pid in due if await self._take_due(keys=[keys.deferred_due()], args=[pid, now, now + lease])]

    async def claim(self, pid: str, now: float, lease: float) -> bool:
        """Lease one conversation's deferred messages if they are due and nobody holds them."""
        return bool(await self._take_due(keys=[keys.deferred_due()], args=[pid, now, now + lease]))

    async def renew(self, pid: str, until: float) -> None:
        """Keep the lease while still working on it (never re-adds a finished conversation)."""
        await self.redis.zadd(keys.deferred_due(), {pid: until}, xx=True)

    async def peek(self, pid: str) -> Deferred | None:
        """The conversation's first deferred message, left in place until it is answered."""
        raw = await self.redis.lindex(keys.deferred(pid), 0)
        if not raw:
            return None
        body = self._sealer.open(raw)
        return Deferred(str(body["t"]), bool(body.get("c")), bool(body.get("d")))

    async def drop(self, pid: str, *, pop: bool = True) -> int:
        """The first deferred message was answered (``pop``); the conversation leaves the
        schedule once its list is empty, in the same step, so a message added meanwhile
        never loses its place. Returns how many are left."""
        return int(await self._drop_deferred(keys=[keys.deferred(pid), keys.deferred_due()],
                                             args=[pid, "1" if pop else "0"]))
