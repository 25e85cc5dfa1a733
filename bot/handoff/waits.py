"""What a waiting person hears about their place and their wait.

The estimate is the position divided by the recent pace of claims in the skill;
with too few recent claims we say we cannot estimate rather than guess. Places are
told again when they change in a way they would notice (``Queue.tell_range`` decides, once
for all replicas).
"""
from __future__ import annotations

import math
import time

from redis.asyncio import Redis

from bot import keys
from bot.handoff import data
from bot.handoff.presence import Presence
from bot.handoff.queue import SKILLS, Queue, Waiting
from bot.redis_values import as_text
from bot.register import voice

ESTIMATE_WINDOW = 1800  # seconds of recent claims the wait estimate looks at
ESTIMATE_MIN_CLAIMS = 3  # fewer than this: we say we cannot estimate
POSITION_UPDATE_INTERVAL = 20.0  # at most one "your place moved" per this many seconds
POSITION_NEAR = 20  # places up to this hear every change; further back, a change by a tenth
POSITION_PAGE = 500  # rows per script call when the periodic pass walks a long queue
# Channels that get no queue progress: a mailbox is not a chat. A mail writer hears once,
# in the answer to their mail, that a person will answer (and the numbers meanwhile);
# never "you are 3rd in the queue" nor a mail each time their place moves.
NO_PROGRESS_CHANNELS = frozenset({"email"})


class Waits:
    def __init__(self, redis: Redis, queue: Queue, presence: Presence) -> None:
        self.redis = redis
        self.queue = queue
        self.presence = presence

    async def waiting_text(self, pid: str, skill: str, priority: str, lang: str, lead: str = "",
                           channel: str = "") -> str:
        """The place, the estimate (or the open numbers when nobody serves the skill); remembered as told."""
        if channel in NO_PROGRESS_CHANNELS:  # never a place in the queue, never "told" one
            return lead or await self._mail_waiting_text(skill, lang)
        position = await self.queue.position(pid, skill) or 1
        online = await self.presence.skills_online()
        parts = [lead] if lead else []
        if not Presence.serves(online, skill):
            parts.append(data.text("no_operator", lang, position=position))
            await self.queue.mark_told(pid, 0)
        else:
            parts.append(data.text("queued", lang, position=position))
            parts.append(await self.estimate_text(skill, position, lang))
            parts.append(data.text("waiting_kind", lang))
            if priority == "immediate":
                parts.append(data.text("immediate_reminder", lang))
            await self.queue.mark_told(pid, position)
        return "\n".join(parts)

    async def _mail_waiting_text(self, skill: str, lang: str) -> str:
        """What a mail writer hears once: a person will answer in this thread; the numbers.
        (In immediate danger the answer mail already opens with the 112 text.)"""
        parts = [data.text("mail_queued", lang)]
        if not Presence.serves(await self.presence.skills_online(), skill):
            parts.append(data.text("mail_queued_offline", lang))
        return "\n".join(parts)

    async def estimate_seconds(self, skill: str, position: int, cache: dict[str, int] | None = None) -> float | None:
        """Position divided by the recent pace of claims in this skill; None when unknown.
        ``cache``: claims per skill already counted in this pass."""
        if cache is not None and skill in cache:
            recent = cache[skill]
        else:
            recent = await self.redis.zcount(keys.handoff_claims(skill), time.time() - ESTIMATE_WINDOW, "+inf")
            if cache is not None:
                cache[skill] = recent
        if recent < ESTIMATE_MIN_CLAIMS:
            return None
        return position * ESTIMATE_WINDOW / recent

    async def estimate_text(self, skill: str, position: int, lang: str, cache: dict[str, int] | None = None) -> str:
        seconds = await self.estimate_seconds(skill, position, cache)
        if seconds is None:
            return data.text("estimate_unknown", lang)
        if seconds < 90:
            return data.text("estimate_soon", lang)
        minutes = math.ceil(seconds / 60)
        if minutes > 10:
            minutes = int(math.ceil(minutes / 5) * 5)
        return data.text("estimate_minutes", lang, minutes=minutes)

    async def position_updates(self, everyone: bool = False) -> list[tuple[str, str]]:
        """(conversation, text) for each waiting person to tell of a new place (once, whichever
        replica asks); the caller tells them.

        After a queue change only the first ``POSITION_NEAR`` of each skill are read (what a
        change at the head does to them is what they notice); ``everyone`` (the periodic pass)
        walks the rest in pages, where a place is told again once it changed by a tenth. So a
        queue event costs the same with 7,000 waiting as with 10."""
        online = await self.presence.skills_online()
        told: list[tuple[Waiting, str]] = []
        for skill in SKILLS:
            serves = Presence.serves(online, skill)
            start, stop = 0, POSITION_NEAR - 1
            while True:
                found, read = await self.queue.tell_range(skill, start, stop, serves, POSITION_UPDATE_INTERVAL,
                                                          POSITION_NEAR, NO_PROGRESS_CHANNELS)
                told += found
                if not everyone or read < stop - start + 1:
                    break
                start, stop = stop + 1, stop + POSITION_PAGE
        recent: dict[str, int] = {}  # claims per skill, read once per pass
        out: list[tuple[str, str]] = []
        # The register of each (an adult who wrote "Ön" is never told "te következel"): one round
        # trip for the few told, apart from the queue's rows.
        async with self.redis.pipeline(transaction=False) as pipe:
            for w, _ in told:
                pipe.hget(keys.conv(w.pid), "register")
            registers = [as_text(r) if r is not None else "" for r in await pipe.execute()] if told else []
        for (w, kind), reg in zip(told, registers, strict=True):
            lang = voice(w.language, reg)
            if kind == "first":
                parts = [data.text("position_update_first", lang)]
            elif kind == "online":
                parts = [data.text("operator_online", lang, position=w.position),
                         await self.estimate_text(w.skill, w.position, lang, recent)]
            elif kind == "worse":
                parts = [data.text("position_worse", lang, position=w.position)]
            else:
                parts = [data.text("position_update", lang, position=w.position),
                         await self.estimate_text(w.skill, w.position, lang, recent)]
            if w.priority == "immediate":
                parts.append(data.text("immediate_reminder", lang))
            out.append((w.pid, "\n".join(parts)))
        return out
