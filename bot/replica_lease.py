"""Which gateway replicas are alive, so the Telegram work of a dead one moves at once.

Each replica holds a short lease in Redis under its stream consumer name (a key with a TTL of
``TELEGRAM_REPLICA_LEASE_SECONDS``, renewed every third of it), the same idea as the web
chat's lease on a message being answered (``bot.replays``). An inbox or outbox entry pending
for a consumer whose lease lapsed was cut short by a crash (``kill -9``, a lost machine): a
live replica takes it on its next round instead of after the idle time
(``TELEGRAM_CLAIM_IDLE_SECONDS`` for the inbox, ``bot.telegram_outbox.CLAIM_IDLE_SECONDS`` for
the outbox). Entries of a consumer whose lease is live are still taken only after that idle
time, so a slow Rasa (or a send parked on a 429) never makes two replicas answer one update or
send one reply. A consumer that never held a lease (a replica of an older version during a
rolling deploy) is left to the idle time too: only names in ``keys.replicas()`` whose lease is
gone count as dead.

A replica judges others only while its own lease has been held without a break for a whole
lease time: after a Redis outage (or a stall of this process) every live peer has had three
renewals' time to show it is alive before anything of theirs is taken.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot import keys, metrics
from bot.background import stop_requested

log = logging.getLogger(__name__)

# Take over what dead replicas left pending, atomically, so two live replicas never both
# take one entry. KEYS: stream, replicas. ARGV: group, this consumer, lease key prefix, count.
# Returns the claimed entries as XCLAIM gives them ({id, {field, value, ...}}). It builds the
# lease keys' names itself (one Redis or a Sentinel pair, as everywhere here; not Cluster).
_TAKE_OVER = """
local taken = {}
local limit = tonumber(ARGV[4])
for _, name in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if #taken >= limit then break end
  if name ~= ARGV[2] and redis.call('EXISTS', ARGV[3] .. name) == 0 then
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', limit - #taken, name)
    if #pending > 0 then
      local ids = {}
      for i, p in ipairs(pending) do ids[i] = p[1] end
      for _, e in ipairs(redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, unpack(ids))) do
        if e then taken[#taken + 1] = e end
      end
    end
  end
end
return taken
"""


class ReplicaLease:
    """This replica's liveness lease, and the takeover of dead replicas' pending entries."""

    def __init__(self, redis: Redis, consumer: str, ttl: float = 3.0) -> None:
        self.redis = redis
        self.consumer = consumer
        self.ttl = ttl
        self._take = redis.register_script(_TAKE_OVER)
        self._since: float | None = None  # loop time the current unbroken run of renewals began
        self._last_ok: float | None = None  # loop time of the last successful renewal
        self._prefix = keys.replica_alive("")

    @property
    def steady(self) -> bool:
        """Held without a break for a whole lease time: fit to call others dead."""
        now = asyncio.get_running_loop().time()
        return (self._since is not None and self._last_ok is not None
                and now - self._since >= self.ttl and now - self._last_ok < self.ttl)

    async def renew(self) -> None:
        """Set the lease for another ``ttl`` (raises RedisError/OSError when Redis is down)."""
        now_ms = int(time.time() * 1000)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(keys.replica_alive(self.consumer), "1", px=int(self.ttl * 1000), get=True)
            pipe.zadd(keys.replicas(), {self.consumer: now_ms})
            pipe.zremrangebyscore(keys.replicas(), 0, now_ms - keys.REPLICAS_KEEP * 1000)
            pipe.expire(keys.replicas(), keys.REPLICAS_KEEP)
            previous, *_ = await pipe.execute()
        now = asyncio.get_running_loop().time()
        if previous is None and self._last_ok is not None:
            # Alive but seen as dead for a moment (a stall, a Redis outage): another replica
            # may have taken over an update this one is answering.
            log.warning("replica lease lapsed while running", extra={"component": "telegram"})
            metrics.ERRORS.labels("replica_lease_lapsed").inc()
        if previous is None or self._since is None or self._last_ok is None or now - self._last_ok >= self.ttl:
            self._since = now  # a new unbroken run of renewals begins
        self._last_ok = now

    async def run(self) -> None:
        """Renew every third of the lease time until cancelled."""
        while not stop_requested():
            try:
                # asyncio.timeout, not wait_for: the renewal runs in this task, so a renewal that
                # fails as the task is cancelled leaves no "Task exception was never retrieved".
                async with asyncio.timeout(self.ttl / 3):
                    await self.renew()
            except (TimeoutError, RedisError, OSError) as exc:
                self._since = None
                log.warning("replica lease not renewed", extra={"component": "telegram", "error": type(exc).__name__})
            await asyncio.sleep(self.ttl / 3)

    async def release(self) -> None:
        """A clean stop: others may take what this replica left pending at once."""
        self._since = None
        try:
            await asyncio.wait_for(self.redis.delete(keys.replica_alive(self.consumer)), 1.0)
        except (TimeoutError, RedisError, OSError):
            pass  # it lapses by itself within the lease time

    async def take_over(self, stream: str, group: str, count: int = 100) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """Claim entries pending for replicas whose lease lapsed (nothing unless ``steady``)."""
        if not self.steady:
            return []
        raw: list[Any] = await self._take(keys=[stream, keys.replicas()],
                                          args=[group, self.consumer, self._prefix, count])
        entries = []
        for entry_id, flat in raw or []:
            flat = flat or []
            entries.append((entry_id, dict(zip(flat[::2], flat[1::2]))))
        if entries:
            log.info("entries of a dead replica taken over",
                     extra={"component": "telegram", "kind": stream.rpartition(":")[2], "count": len(entries)})
        return entries
