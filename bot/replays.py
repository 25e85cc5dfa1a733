"""A web message delivered twice (HAProxy replays a request whose gateway died or went
silent: ``retry-on empty-response``) is answered once: Rasa never hears it twice.

The page gives each message an ``id``. The first delivery records it (``ConversationStore.record``)
and holds a short lease on it, refreshed while it works; when it is done it stores the cursor
after its answer. A second delivery then finds one of three things: the answer (it returns the
same replies from the transcript), a live lease (the first is still answering on some replica:
it waits for that answer), or a lapsed lease (the first gateway died: it takes the lease and
answers itself). A danger message never waits: its 112 comes first, twice if need be.
"""
from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot import keys
from bot.background import stop_requested

LEASE = 3.0  # seconds a delivery holds a message id without renewing it
RENEW = 1.0  # how often a delivery that is still working renews its lease
POLL = 0.1  # how often a waiting replay looks for the first delivery's answer

ANSWERED, BUSY, TAKEN = 1, 2, 3  # ``Recorded.replay``

# KEYS: seen. ARGV: id, now, lease. Returns {answered cursor (0: none), 1 if this caller took the lease}.
_TAKE = """
local answered = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':a') or '0')
if answered > 0 then return {answered, 0} end
if tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':w') or '0') > tonumber(ARGV[2]) then return {0, 0} end
redis.call('HSET', KEYS[1], ARGV[1] .. ':w', tonumber(ARGV[2]) + tonumber(ARGV[3]))
return {0, 1}
"""

# KEYS: seen. ARGV: id, until. Renews the lease unless the message was answered meanwhile.
_RENEW = """
if redis.call('HEXISTS', KEYS[1], ARGV[1] .. ':a') == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1] .. ':w', ARGV[2])
return 1
"""


class Replays:
    def __init__(self, redis: Redis, lease: float = LEASE) -> None:
        self.redis = redis
        self.lease = lease
        self._take = redis.register_script(_TAKE)
        self._renew = redis.register_script(_RENEW)

    async def wait_answer(self, pid: str, message_id: str, limit: float) -> int:
        """Wait for the first delivery's answer: its cursor, or 0 when this delivery took the
        lease (the first one's lapsed: its gateway died) and must answer itself."""
        deadline = time.monotonic() + limit
        while True:
            now = time.time()
            answered, took = await self._take(keys=[keys.conv_seen(pid)], args=[message_id, f"{now:.3f}", self.lease])
            if int(answered):
                return int(answered)
            if int(took):
                return 0
            if time.monotonic() >= deadline:  # alive but stuck: answer rather than leave them waiting
                await self.redis.hset(keys.conv_seen(pid), f"{message_id}:w", f"{now + self.lease:.3f}")
                return 0
            await asyncio.sleep(POLL)

    async def answered(self, pid: str, message_id: str, cursor: int) -> None:
        """The first delivery is done: later deliveries return what it said up to ``cursor``."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(keys.conv_seen(pid), f"{message_id}:a", max(1, cursor))
            pipe.hdel(keys.conv_seen(pid), f"{message_id}:w")
            await pipe.execute()

    @contextlib.asynccontextmanager
    async def holding(self, pid: str, message_id: str | None) -> AsyncIterator[Lease]:
        """A lease the body renews once it knows it answers the message (``Lease.start``);
        a delivery that waits for another's answer must not keep that one's lease alive."""
        lease = Lease(self, pid, message_id)
        try:
            yield lease
        finally:
            lease.stop()

    async def _renew_loop(self, pid: str, message_id: str) -> None:
        while not stop_requested():
            await asyncio.sleep(RENEW)
            try:
                await self._renew(keys=[keys.conv_seen(pid)], args=[message_id, f"{time.time() + self.lease:.3f}"])
            except RedisError:
                pass


class Lease:
    """This delivery's hold on a message id, renewed in the background while it answers
    (only slow work ever renews: the first renewal is ``RENEW`` seconds in)."""

    def __init__(self, replays: Replays, pid: str, message_id: str | None) -> None:
        self._replays, self._pid, self._id = replays, pid, message_id
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._id and self._task is None:
            self._task = asyncio.create_task(self._replays._renew_loop(self._pid, self._id), name="replay-lease")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
