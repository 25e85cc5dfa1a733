"""One consumer of a Redis stream group: read, take over stale entries, acknowledge.

The Telegram inbox (bot.telegram_channel) and outbox (bot.telegram_outbox) are both streams
read by consumer groups, so any replica takes any entry and an entry a crashed replica read
but never finished is taken over, never lost. The loop is the same for both and lives here
once; each side says only what it does with an entry (``dispatch``) and what it does before
each round. The mail outbox is a schedule (a sorted set with leases, bot.mail_outbox), not a
stream, and has its own loop.

Each round: the side's own step (``before_round``); once at start, the entries still pending
under this consumer's own name (``own_first``: a restarted container keeps its hostname);
a dead replica's entries at once (``lease``: bot.replica_lease); every ``claim_every``
seconds, entries idle for ``claim_idle`` seconds (XAUTOCLAIM); then new entries (XREADGROUP,
blocking up to a second). A group that vanished is recreated (``recover``); a Redis error
waits a second and tries again. ``stopping`` is checked every round: redis-py can swallow a
task's cancellation inside a blocking XREADGROUP and return normally.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError, ResponseError

from bot.redis_values import stream_batches, stream_entries
from bot.replica_lease import ReplicaLease

log = logging.getLogger(__name__)

Entries = list[tuple[bytes, dict[bytes, bytes]]]
READ_COUNT = 50  # new entries per read
CLAIM_COUNT = 100  # stale entries taken over per claim
OWN_COUNT = 1000  # this consumer's own pending entries read at start


async def acknowledge(redis: Redis, stream: str, group: str, entry_id: bytes,
                      also: Callable[[Pipeline], None] | None = None) -> None:
    """An entry done: acknowledged and deleted in one round trip (``also``: more commands for
    the same pipeline, e.g. the inbox's "answered" marker)."""
    async with redis.pipeline(transaction=False) as pipe:
        if also is not None:
            also(pipe)
        pipe.xack(stream, group, entry_id)
        pipe.xdel(stream, entry_id)
        await pipe.execute()


class StreamConsumer:
    """Reads one stream group as one consumer and hands every entry to ``dispatch``."""

    def __init__(self, redis: Redis, stream: str, group: str, consumer: str, *,
                 dispatch: Callable[[Entries], None], stopping: Callable[[], bool],
                 recover: Callable[[ResponseError], Awaitable[None]], claim_idle: float, claim_every: float,
                 before_round: Callable[[], Awaitable[bool]] | None = None, lease: ReplicaLease | None = None,
                 own_first: bool = False, what: str = "stream") -> None:
        self.redis = redis
        self.stream, self.group, self.consumer = stream, group, consumer
        self.dispatch = dispatch
        self.stopping = stopping
        self.recover = recover
        self.claim_idle_ms = int(claim_idle * 1000)
        self.claim_every = claim_every
        self.before_round = before_round  # True: skip this round (it waited itself)
        self.lease = lease
        self.own_first = own_first
        self._failed = f"{what} read failed"  # the log line: "inbox read failed", ...

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        stream, group, consumer = self.stream, self.group, self.consumer
        last_claim = last_takeover = 0.0
        own_read = not self.own_first
        while not self.stopping():
            try:
                if self.before_round is not None and await self.before_round():
                    continue
                if not own_read:
                    own = await self.redis.xreadgroup(group, consumer, {stream: "0"}, count=OWN_COUNT)
                    own_read = True
                    for _, entries in stream_batches(own):
                        self.dispatch(entries)
                if self.lease is not None and loop.time() - last_takeover >= self.lease.ttl / 3:
                    # A dead replica's entries at once; a live one's only after the idle time.
                    last_takeover = loop.time()
                    self.dispatch(await self.lease.take_over(stream, group))
                if loop.time() - last_claim > self.claim_every:
                    claimed = (await self.redis.xautoclaim(stream, group, consumer, min_idle_time=self.claim_idle_ms,
                                                           count=CLAIM_COUNT))[1]
                    last_claim = loop.time()
                    self.dispatch(stream_entries(claimed))
                batch = await self.redis.xreadgroup(group, consumer, {stream: ">"}, count=READ_COUNT, block=1000)
                if self.stopping():
                    break  # read but not started: the entries stay pending for the next process
                for _, entries in stream_batches(batch):
                    self.dispatch(entries)
            except asyncio.CancelledError:
                raise
            except ResponseError as exc:
                await self.recover(exc)
            except (RedisError, OSError) as exc:
                log.error(self._failed, extra={"component": "telegram", "error": type(exc).__name__})
                await asyncio.sleep(1)
