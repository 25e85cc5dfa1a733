"""The operator queue in Redis: one sorted set per skill, changed only by Lua scripts.

Score = priority band * 1e10 + the time the conversation first entered the queue, so
``immediate`` < ``high`` < ``requested`` < ``other`` and, within a band, the longest
waiting comes first. Raising the priority keeps the original enqueue time.

The scripts that change the conversation's ``state`` with the queue and the ticket are in
``bot.handoff.queue_scripts`` (with ``ConversationStore.move`` the only writers of the
state); the scripts that read the queue and the rows they give operators in
``bot.handoff.queue_rows``. Callers (``bot.handoff.service`` and
``bot.handoff.operator_actions``) set ``conv.state`` in memory after a script succeeds, to
match what the script wrote.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from cryptography.fernet import InvalidToken
from redis.asyncio import Redis

import wording
from bot import keys, metrics
from bot.handoff.queue_rows import (
    BAND,
    PAGE,
    PRIORITIES,
    RANK,
    ROW_FIELDS,
    TELL_RANGE,
    WAITING,
    Page,
    Waiting,
    build_row,
    short_id,
)
from bot.handoff.queue_scripts import CLAIM, ENQUEUE, REASSIGN, RELEASE, REOPEN, REQUEUE
from bot.redis_values import hash_fields
from bot.screening import Level

log = logging.getLogger(__name__)
__all__ = ["BAND", "PRIORITIES", "RANK", "Page", "Queue", "Waiting", "short_id"]  # read by the console and tests

SKILLS = keys.HANDOFF_SKILLS
DEFAULT_SKILL = "child"
SKILL_ALIASES = wording.words("skills")  # the words for a queue (wording/words/skills.yml)


def normalise_skill(value: str | None) -> str | None:
    return SKILL_ALIASES.get((value or "").strip().lower())


def priority_name(rank: Any) -> str:
    """The priority a ticket's stored rank stands for ("other" when missing or unknown)."""
    try:
        return PRIORITIES[int(rank)]
    except (TypeError, ValueError, IndexError):
        return "other"


def priority_for(level: Level, reason: str) -> str:
    """The queue band for a conversation with danger ``level`` queued for ``reason``."""
    if level >= Level.IMMEDIATE or reason == "danger_now":  # the report form's "in danger right now: yes"
        return "immediate"
    if level >= Level.HIGH or reason == "danger":
        return "high"
    if reason in ("requested", "talk_to_human", "operator", ""):
        return "requested"
    return "other"


class Queue:
    def __init__(self, redis: Redis, ttl: int, open_risk: Callable[[bytes], dict[str, Any]]) -> None:
        self.redis = redis
        self.ttl = ttl
        self._open_risk = open_risk  # the conversation's risk is sealed (matched phrases)
        self._risk_cache: dict[bytes, dict[str, Any]] = {}
        self._enqueue = redis.register_script(ENQUEUE)
        self._claim = redis.register_script(CLAIM)
        self._release = redis.register_script(RELEASE)
        self._reassign = redis.register_script(REASSIGN)
        self._requeue = redis.register_script(REQUEUE)
        self._reopen = redis.register_script(REOPEN)
        self._waiting = redis.register_script(WAITING)
        self._tell_range = redis.register_script(TELL_RANGE)
        self._page = redis.register_script(PAGE)

    def risk(self, sealed: bytes) -> dict[str, Any]:
        """Open a sealed risk, remembering the last few hundred (snapshots re-read them all).

        A record that cannot be opened (sealed with a key we no longer hold, or damaged)
        must not take the whole queue down with it: it reads as ``{"unreadable": True}``,
        and the error is logged and counted for an alert."""
        hit = self._risk_cache.get(sealed)
        if hit is None:
            try:
                hit = self._open_risk(sealed)
            except (InvalidToken, ValueError, TypeError):
                metrics.ERRORS.labels("unreadable_record").inc()
                log.error("unreadable risk record", extra={"component": "queue"})
                return {"unreadable": True}
            if len(self._risk_cache) >= 2000:
                self._risk_cache.clear()
            self._risk_cache[sealed] = hit
        return hit

    @staticmethod
    def _queues() -> list[str]:
        return [keys.handoff_queue(s) for s in SKILLS]

    async def enqueue(self, pid: str, priority: str, skill: str, reason: str) -> tuple[str, str, str]:
        """Queue (or re-prioritise) ``pid``; returns (status, priority, skill)."""
        status, rank, skill_now = await self._enqueue(
            keys=[keys.conv(pid), keys.handoff_ticket(pid), *self._queues()],
            args=[pid, RANK[priority], f"{time.time():.3f}", skill, reason, self.ttl, BAND, *SKILLS],
        )
        status = status.decode() if isinstance(status, bytes) else status
        skill_now = skill_now.decode() if isinstance(skill_now, bytes) else skill_now
        rank = int(rank)
        return status, (PRIORITIES[rank] if rank >= 0 else ""), skill_now

    async def claim(self, pid: str, operator: str) -> bool:
        ok = await self._claim(
            keys=[keys.conv(pid), keys.handoff_ticket(pid), keys.operator_chats(operator), keys.handoff_owners(),
                  *self._queues()],
            args=[pid, operator, f"{time.time():.3f}", self.ttl],
        )
        if ok:  # someone has it now: a close made earlier is no longer undone by its closer
            await self.redis.delete(keys.reopenable(pid))
        return bool(ok)

    async def release(
        self, pid: str, to: str, allowed: tuple[str, ...], *, operator: str, expected: str = ""
    ) -> dict[str, str] | None:
        """End the handoff (close / return to bot). ``operator``: whose chat list to clean."""
        res = await self._release(
            keys=[keys.conv(pid), keys.handoff_ticket(pid), keys.operator_chats(operator), *self._queues()],
            args=[pid, to, expected, *allowed],
        )
        if not res or int(res[0]) != 1:
            return None
        vals = [v.decode() if isinstance(v, bytes) else str(v) for v in res[1:]]
        return dict(zip(("operator", "skill", "enqueued", "claimed"), vals))

    async def reassign(self, pid: str, from_op: str, to_op: str) -> bool:
        ok = await self._reassign(
            keys=[keys.conv(pid), keys.handoff_ticket(pid), keys.operator_chats(from_op), keys.operator_chats(to_op),
                  keys.handoff_owners()],
            args=[pid, from_op, to_op, f"{time.time():.3f}"],
        )
        return bool(ok)

    async def requeue(self, pid: str, from_op: str, skill: str) -> bool:
        ok = await self._requeue(
            keys=[keys.conv(pid), keys.handoff_ticket(pid), keys.operator_chats(from_op), *self._queues()],
            args=[pid, from_op, skill, BAND, *SKILLS],
        )
        return bool(ok)

    async def reopen(self, pid: str, operator: str, any_closer: bool) -> bool:
        """Undo a close: live with ``operator`` again (``any_closer``: a supervisor)."""
        ok = await self._reopen(
            keys=[keys.conv(pid), keys.handoff_ticket(pid), keys.reopenable(pid), keys.operator_chats(operator),
                  keys.handoff_owners(), *self._queues()],
            args=[pid, operator, f"{time.time():.3f}", self.ttl, "1" if any_closer else "0"],
        )
        return bool(ok)

    async def ticket(self, pid: str) -> dict[str, str]:
        raw = hash_fields(await self.redis.hgetall(keys.handoff_ticket(pid)))
        return {k.decode(): v.decode() for k, v in raw.items()}

    async def position(self, pid: str, skill: str) -> int | None:
        rank = await self.redis.zrank(keys.handoff_queue(skill), pid)
        return rank + 1 if isinstance(rank, int) else None

    async def waiting(self) -> list[Waiting]:
        """Everything waiting, all skills, in priority order (position counted per skill).

        One Lua call reads the queues and each member's fields, so a snapshot of a long
        queue costs one round trip; members whose conversation is gone (erased) or no
        longer queued are dropped from the queue on the way.
        """
        raw = await self._waiting(keys=self._queues(), args=[keys.PREFIX, *SKILLS])
        out = [self._row(SKILLS[skill_idx], *rows[i:i + ROW_FIELDS])
               for skill_idx, rows in enumerate(raw) for i in range(0, len(rows), ROW_FIELDS)]
        out.sort(key=lambda w: w.score)
        return out

    async def mark_told(self, pid: str, position: int) -> None:
        await self.redis.hset(keys.handoff_ticket(pid), mapping={"told_pos": position, "told_at": f"{time.time():.3f}"})

    def _row(self, skill: str, member: bytes, score: Any, pos: Any, risk: Any, channel: Any, language: Any,
             reason: Any) -> Waiting:
        return build_row(skill, member, score, pos, self.risk(risk) if risk else {}, channel, language, reason)

    async def page(self, limit: int, after: str | None = None) -> Page:
        """``limit`` waiting conversations from ``after`` (a cursor from an earlier page) in
        priority order, with the whole queue's counts: the console and the queue API read this,
        never the whole queue (7,000 waiting made a 2.2 MB snapshot per change)."""
        score, pid = "-inf", ""
        if after:
            head, _, pid = after.partition(":")
            score = repr(float(head))  # ValueError for a bad cursor: the caller says 400
        raw = await self._page(keys=self._queues(), args=[keys.PREFIX, score, pid, limit, *SKILLS])
        rows: list[Waiting] = []
        total = 0
        counts = dict.fromkeys(PRIORITIES, 0)
        oldest: float | None = None
        for skill_idx, (card, band_counts, band_oldest, flat) in enumerate(raw):
            total += int(card)
            for b, n in enumerate(band_counts):
                counts[PRIORITIES[b]] += int(n)
            for b, first in enumerate(band_oldest):
                if first:
                    t = float(first) - b * BAND
                    oldest = t if oldest is None else min(oldest, t)
            for i in range(0, len(flat), ROW_FIELDS):
                rows.append(self._row(SKILLS[skill_idx], *flat[i:i + ROW_FIELDS]))
        rows.sort(key=lambda w: (w.score, w.pid))
        more = len(rows) > limit or self._maybe_more(raw, limit)
        rows = rows[:limit]
        nxt = f"{rows[-1].score!r}:{rows[-1].pid}" if rows and more else None
        return Page(rows, total, counts, oldest, nxt)

    @staticmethod
    def _maybe_more(raw: list[Any], limit: int) -> bool:
        """A queue gave a full page: there may be more behind it."""
        return any(len(flat) // ROW_FIELDS >= limit for _, _, _, flat in raw)

    async def tell_range(self, skill: str, start: int, stop: int, online: bool, min_interval: float, near: int,
                         quiet: frozenset[str]) -> tuple[list[tuple[Waiting, str]], int]:
        """``TELL_RANGE`` over ranks ``start``..``stop`` of one skill's queue: who is to hear
        their new place, and what (decided once across replicas); and how many rows were read."""
        raw = await self._tell_range(
            keys=[keys.handoff_queue(skill)],
            args=[keys.PREFIX, start, stop, f"{time.time():.3f}", min_interval, "1" if online else "0", near,
                  ",".join(sorted(quiet))])
        read = int(raw[-1])
        out: list[tuple[Waiting, str]] = []
        for i in range(0, len(raw) - 1, 6):
            member, score, pos, kind, channel, language = raw[i:i + 6]
            w = self._row(skill, member, score, pos, None, channel, language, None)
            out.append((w, kind.decode() if isinstance(kind, bytes) else str(kind)))
        return out, read
