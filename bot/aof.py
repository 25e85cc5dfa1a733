"""After /torles, rewrite Redis's append-only file so the erased data leaves the disk.

Deleting a conversation's keys only appends ``DEL`` to the AOF: the sealed transcript
stays in the file (readable with the data key) until Redis rewrites it. Every erase asks
for a rewrite; one ``BGREWRITEAOF`` runs ``ERASE_REWRITE_SECONDS`` after the first request
and covers every erase of that window, so at most one runs per period. Only when the
server has AOF on (``CONFIG GET appendonly``); a managed Redis that refuses ``CONFIG`` (or
``BGREWRITEAOF``) is logged once and skipped.
"""
from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

log = logging.getLogger(__name__)


class AofRewriter:
    def __init__(self, redis: Redis, every: float) -> None:
        self.redis = redis
        self.every = every
        self.rewrites = 0  # BGREWRITEAOF calls Redis accepted (tests, health)
        self._wanted = asyncio.Event()
        self._refused = False

    def request(self) -> None:
        """An erase finished: a rewrite should follow (batched, see the module doc)."""
        if not self._refused:
            self._wanted.set()

    async def run(self) -> None:
        while not self._refused:
            await self._wanted.wait()
            await asyncio.sleep(self.every)  # batch the erasures of one period
            self._wanted.clear()
            try:
                await self._rewrite()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                # Redis down, or a rewrite already running (it may have forked before the
                # erase): try again next period.
                log.warning("aof rewrite after erase postponed",
                            extra={"component": "aof", "error": type(exc).__name__})
                self._wanted.set()

    async def _rewrite(self) -> None:
        try:
            conf = await self.redis.config_get("appendonly")
        except ResponseError as exc:
            self._refuse(exc)
            return
        value = conf.get("appendonly") or conf.get(b"appendonly")  # type: ignore[call-overload]
        if value not in ("yes", b"yes"):
            return  # no append-only file: nothing of the erased data is on disk in it
        try:
            await self.redis.bgrewriteaof()
        except ResponseError as exc:
            if "progress" in str(exc).lower():
                raise  # one is running already: run another after it (see run)
            self._refuse(exc)
            return
        self.rewrites += 1
        log.info("aof rewrite after erase started", extra={"component": "aof"})

    def _refuse(self, exc: Exception) -> None:
        self._refused = True
        log.warning("redis refuses CONFIG or BGREWRITEAOF: the append-only file is not rewritten after erasures",
                    extra={"component": "aof", "error": type(exc).__name__})
