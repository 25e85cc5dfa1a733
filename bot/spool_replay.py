"""Messages that arrived while Redis was down: answered when it is back.

Apart from the message path because it runs outside any request (a background loop) and
has its own order: conversations with danger first, each conversation's messages in turn.
The gateway keeps the messages (bot.kept_messages); this loop hands each back to it.
"""
from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError

from bot.background import stop_requested
from bot.deferred_answers import DeferredAnswers
from bot.gateway import Gateway
from bot.inbound import Inbound
from bot.kept_messages import KeptMessages

log = logging.getLogger(__name__)

REPLAY_PARALLEL = 8  # conversations replayed at once from the spool after an outage


class SpoolReplay:
    """Replays kept messages through the gateway; drains the late answers on the same beat."""

    def __init__(self, kept: KeptMessages, gateway: Gateway, deferred: DeferredAnswers) -> None:
        self.kept = kept
        self.gateway = gateway
        self.deferred = deferred

    async def _replay_one(self, msg: Inbound) -> None:
        """Process a kept message now; its 112 was already given when it arrived."""
        outcome = await self.gateway.replay(msg)
        await self.gateway.delivery.push(outcome.pid, outcome.replies, route=msg.route)

    def _replay_groups(self) -> list[list[tuple[str, Inbound]]]:
        """The spooled messages by conversation (in arrival order), conversations with the
        highest danger first; unreadable records are dropped (``Spool.get`` set them aside)."""
        spool = self.kept.spool
        assert spool is not None
        chats: dict[str, list[tuple[str, Inbound]]] = {}
        for name in spool.names():
            record = spool.get(name)
            if record is None:
                spool.remove(name)
                continue
            msg = Inbound(**record)
            chats.setdefault(self.gateway.pid(msg.channel, msg.chat_id), []).append((name, msg))
        return sorted(chats.values(), key=lambda items: -max(self.gateway.screen(m).level.rank for _, m in items))

    async def replay_pending(self) -> int:
        """Process messages kept while Redis was down; deliver their replies. Returns how many.

        Each conversation's messages in order, up to ``REPLAY_PARALLEL`` conversations at
        once, those with danger first: one after another, every replay waited on Rasa, and
        after a 5-second outage under load a danger conversation was still not queued 40 s
        later (bench/chaos.py with Rasa)."""
        done = 0
        if self.kept.spool is not None:
            spool = self.kept.spool
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
        pending = self.kept.pending
        while pending:
            await self._replay_one(pending[0])
            pending.popleft()
            done += 1
        if done:
            log.info("kept messages processed", extra={"count": done})
        return done

    async def run(self, interval: float = 1.0) -> None:
        """Background task: retry kept messages until Redis is back; answer deferred ones."""
        while not stop_requested():
            await asyncio.sleep(interval)
            try:
                if self.kept.waiting():
                    await self.replay_pending()
                await self.deferred.drain_deferred()
            except (RedisError, OSError):
                continue
            except Exception:
                log.exception("replay loop step failed")
