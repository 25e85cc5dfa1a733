"""Messages that arrived while Redis was down: kept on disk, answered when it is back.

Apart from the message path because it runs outside any request (a background loop) and
has its own order: conversations with danger first, each conversation's messages in turn.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging

from redis.exceptions import RedisError

from bot import metrics, texts
from bot.deferred_answers import DeferredAnswers
from bot.delivery import Reply
from bot.inbound import Inbound, Outcome
from bot.screening import Level, ScreenResult
from bot.store import State

log = logging.getLogger(__name__)

REPLAY_PARALLEL = 8  # conversations replayed at once from the spool after an outage


class SpoolReplay(DeferredAnswers):
    """Keeps a message Redis could not take and replays it through ``_process`` later."""

    def _keep(self, msg: Inbound, pid: str, result: ScreenResult, urgent_sent: bool, exc: BaseException) -> Outcome:
        """Redis is down: keep the message for replay and tell the person, 112 first if needed."""
        metrics.ERRORS.labels("redis_unavailable").inc()
        log.error("redis unavailable; message kept for retry", extra={"conv": pid, "error": type(exc).__name__})
        kept = False
        if self._spool is not None:
            try:
                kept = self._spool.put(dataclasses.asdict(msg)) is not None
            except OSError as disk:
                log.error("spool write failed", extra={"conv": pid, "error": type(disk).__name__})
        if not kept and len(self._pending) < (self._pending.maxlen or 0):
            self._pending.append(msg)
            kept = True
        lang = self.guess_language(msg)
        name = "store_unavailable" if kept else "store_unavailable_lost"
        urgent = result.level == Level.IMMEDIATE and not urgent_sent
        replies = [Reply(texts.text("emergency", lang), emergency=True)] if urgent else []
        replies.append(Reply(texts.text(name, lang)))
        return Outcome(pid=pid, state=State.BOT, replies=replies, screening=result)

    async def _replay_one(self, msg: Inbound) -> None:
        """Process a kept message now; its 112 was already given when it arrived."""
        pid = self.pid(msg.channel, msg.chat_id)
        async with self.conversation_lock(pid):
            outcome = await self._process(msg, pid, self.screen(msg), urgent_sent=True)
        await self.delivery.push(pid, outcome.replies, route=msg.route)

    def _replay_groups(self) -> list[list[tuple[str, Inbound]]]:
        """The spooled messages by conversation (in arrival order), conversations with the
        highest danger first; unreadable records are dropped (``Spool.get`` set them aside)."""
        assert self._spool is not None
        chats: dict[str, list[tuple[str, Inbound]]] = {}
        for name in self._spool.names():
            record = self._spool.get(name)
            if record is None:
                self._spool.remove(name)
                continue
            msg = Inbound(**record)
            chats.setdefault(self.pid(msg.channel, msg.chat_id), []).append((name, msg))
        return sorted(chats.values(), key=lambda items: -max(self.screen(m).level.rank for _, m in items))

    async def replay_pending(self) -> int:
        """Process messages kept while Redis was down; deliver their replies. Returns how many.

        Each conversation's messages in order, up to ``REPLAY_PARALLEL`` conversations at
        once, those with danger first: one after another, every replay waited on Rasa, and
        after a 5-second outage under load a danger conversation was still not queued 40 s
        later (bench/chaos.py with Rasa)."""
        done = 0
        if self._spool is not None:
            spool = self._spool
            order = self._replay_groups()
            slots = asyncio.Semaphore(REPLAY_PARALLEL)

            async def replay_chat(items: list[tuple[str, Inbound]]) -> int:
                async with slots:
                    n = 0
                    for name, msg in items:
                        await self._replay_one(msg)  # raises again if Redis is still down
                        spool.remove(name)
                        n += 1
                    return n

            results = await asyncio.gather(*(replay_chat(items) for items in order), return_exceptions=True)
            done += sum(r for r in results if isinstance(r, int))
            failed = [r for r in results if isinstance(r, BaseException)]
            if failed:
                if done:
                    log.info("kept messages processed", extra={"count": done})
                raise failed[0]
        while self._pending:
            await self._replay_one(self._pending[0])
            self._pending.popleft()
            done += 1
        if done:
            log.info("kept messages processed", extra={"count": done})
        return done

    async def replay_loop(self, interval: float = 1.0) -> None:
        """Background task: retry kept messages until Redis is back; answer deferred ones."""
        while True:
            await asyncio.sleep(interval)
            try:
                if self._pending or (self._spool is not None and self._spool.names()):
                    await self.replay_pending()
                await self.drain_deferred()
            except (RedisError, OSError):
                continue
            except Exception:
                log.exception("replay loop step failed")

    async def _process(self, msg: Inbound, pid: str, result: ScreenResult, urgent_sent: bool = False) -> Outcome:
        """The message path itself (bot.gateway.Gateway)."""
        raise NotImplementedError
