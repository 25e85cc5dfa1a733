"""The operator queue in Redis: one sorted set per skill, changed only by Lua scripts.

Score = priority band * 1e10 + the time the conversation first entered the queue, so
``immediate`` < ``high`` < ``requested`` < ``other`` and, within a band, the longest
waiting comes first. Raising the priority keeps the original enqueue time.

Four scripts change the conversation's ``state`` field (the gateway's authority on
whether the bot may answer) together with the queue and the ticket, in one step:
two operators clicking "take" at once cannot both win, and a crash cannot leave a
conversation ``queued`` but absent from the queue. They are, with
``ConversationStore.move`` (``bot.store``), the only writers of the state, and each
checks the state it moves from: ``ENQUEUE`` bot/closed -> queued, ``CLAIM`` queued ->
live, ``RELEASE`` queued/live -> bot/closed, ``REQUEUE`` live -> queued. ``REASSIGN``
and ``TELL_RANGE`` only read it. Callers (``bot.handoff.service`` and
``bot.handoff.operator_actions``) set ``conv.state`` in memory after a script
succeeds, to match what the script wrote.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import InvalidToken
from redis.asyncio import Redis

import wording
from bot import keys, metrics
from bot.redis_values import hash_fields
from bot.screening import Level

log = logging.getLogger(__name__)

PRIORITIES = ("immediate", "high", "requested", "other")
RANK = {name: i for i, name in enumerate(PRIORITIES)}
BAND = 10_000_000_000  # seconds; far beyond any epoch time
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


# KEYS: conv, ticket, queue:<skill> for each of SKILLS (in order)
# ARGV: pid, rank, now, skill, reason, ttl, band, skills... (names, in KEYS order)
# Returns {status, rank, skill}: status 'fresh' (bot/closed -> queued), 'queued'
# (already waiting; priority raised if asked), 'live' (untouched).
ENQUEUE = """
local state = redis.call('HGET', KEYS[1], 'state') or 'bot'
if state == 'live' then return {'live', -1, ''} end
local rank = tonumber(ARGV[2])
local status = 'queued'
if state ~= 'queued' then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'state', 'queued')
  redis.call('HSET', KEYS[2], 'enqueued', ARGV[3], 'skill', ARGV[4], 'reason', ARGV[5], 'rank', rank)
  status = 'fresh'
else
  local cur = tonumber(redis.call('HGET', KEYS[2], 'rank') or '99')
  if cur < rank then rank = cur end
  redis.call('HSET', KEYS[2], 'rank', rank)
  redis.call('HSETNX', KEYS[2], 'enqueued', ARGV[3])
  redis.call('HSETNX', KEYS[2], 'skill', ARGV[4])
  redis.call('HSETNX', KEYS[2], 'reason', ARGV[5])
end
local skill = redis.call('HGET', KEYS[2], 'skill')
local enq = tonumber(redis.call('HGET', KEYS[2], 'enqueued'))
for i = 8, #ARGV do
  if ARGV[i] == skill then
    redis.call('ZADD', KEYS[i - 5], rank * tonumber(ARGV[7]) + enq, ARGV[1])
  else
    redis.call('ZREM', KEYS[i - 5], ARGV[1])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return {status, rank, skill}
"""

# KEYS: conv, ticket, operator_chats(op), owners, queue:<skill>...
# ARGV: pid, operator, now, ttl
# Returns 1 if this caller took the conversation, 0 if it was not waiting (any more).
CLAIM = """
if redis.call('HGET', KEYS[1], 'state') ~= 'queued' then return 0 end
for i = 5, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
redis.call('HSET', KEYS[1], 'state', 'live')
redis.call('HSET', KEYS[2], 'operator', ARGV[2], 'claimed', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
"""

# KEYS: conv, ticket, operator_chats(current op), queue:<skill>...
# ARGV: pid, new state, expected operator ('' = any), allowed states...
# Returns {1, operator, skill, enqueued, claimed} or {0}.
RELEASE = """
local state = redis.call('HGET', KEYS[1], 'state') or 'bot'
local ok = false
for i = 4, #ARGV do if ARGV[i] == state then ok = true end end
if not ok then return {0} end
local op = redis.call('HGET', KEYS[2], 'operator') or ''
if ARGV[3] ~= '' and op ~= ARGV[3] then return {0} end
local t = redis.call('HMGET', KEYS[2], 'skill', 'enqueued', 'claimed')
for i = 4, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[1], 'state', ARGV[2])
redis.call('DEL', KEYS[2])
return {1, op, t[1] or '', t[2] or '', t[3] or ''}
"""

# KEYS: conv, ticket, operator_chats(from), operator_chats(to), owners
# ARGV: pid, from ('' = whoever has it, checked against KEYS[3]'s owner by the caller), to, now
# Live conversation moves from one operator to another. Returns 1 or 0.
REASSIGN = """
if redis.call('HGET', KEYS[1], 'state') ~= 'live' then return 0 end
local op = redis.call('HGET', KEYS[2], 'operator') or ''
if op ~= ARGV[2] then return 0 end
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[3])
redis.call('HSET', KEYS[2], 'operator', ARGV[3], 'claimed', ARGV[4])
return 1
"""

# KEYS: conv, ticket, operator_chats(from), queue:<skill>...
# ARGV: pid, from, new skill, band, skills... (names in KEYS order from 4)
# A live conversation goes back to the queue of another skill, keeping its band and
# original enqueue time (it does not lose its place for being transferred).
REQUEUE = """
if redis.call('HGET', KEYS[1], 'state') ~= 'live' then return 0 end
local op = redis.call('HGET', KEYS[2], 'operator') or ''
if ARGV[2] ~= '' and op ~= ARGV[2] then return 0 end
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[2], 'operator', 'claimed', 'told_pos', 'told_at')
redis.call('HSET', KEYS[2], 'skill', ARGV[3])
local rank = tonumber(redis.call('HGET', KEYS[2], 'rank') or '3')
local enq = tonumber(redis.call('HGET', KEYS[2], 'enqueued'))
for i = 5, #ARGV do
  if ARGV[i] == ARGV[3] then redis.call('ZADD', KEYS[i - 1], rank * tonumber(ARGV[4]) + enq, ARGV[1]) end
end
redis.call('HSET', KEYS[1], 'state', 'queued')
return 1
"""

@dataclass
class Waiting:
    """One waiting conversation as operators see it (no text, no raw ids)."""

    pid: str
    skill: str
    priority: str
    position: int
    enqueued: float
    score: float
    reason: str = ""
    level: str = "none"
    categories: tuple[str, ...] = ()
    matches: tuple[str, ...] = ()
    channel: str = ""
    language: str = "hu"
    unreadable: bool = False  # its sealed risk could not be opened (unknown key): shown, alerted

    def public(self, now: float | None = None) -> dict[str, Any]:
        now = time.time() if now is None else now
        return {
            "id": self.pid,
            "short": short_id(self.pid),
            "level": self.level,
            "priority": self.priority,
            "categories": list(self.categories),
            "matches": list(self.matches),
            "skill": self.skill,
            "waiting_seconds": max(0, int(now - self.enqueued)),
            "position": self.position,
            "channel": self.channel,
            "language": self.language,
            "reason": self.reason,
            **({"unreadable": True} if self.unreadable else {}),
        }


def short_id(pid: str) -> str:
    """What a human reads: channel prefix and 8 hex digits of the pseudonymous id."""
    return pid[:11]


# KEYS: queue:<skill>... ARGV: key prefix, skills... (KEYS order)
# Returns, per skill, a flat list: pid, score, position, risk (sealed), channel, language,
# reason. Reads conversation keys it builds itself: fine on one Redis (not a cluster).
WAITING = """
local out = {}
for q = 1, #KEYS do
  local rows = redis.call('ZRANGE', KEYS[q], 0, -1, 'WITHSCORES')
  local list = {}
  local pos = 0
  for i = 1, #rows, 2 do
    local pid = rows[i]
    local conv = ARGV[1] .. ':conv:' .. pid
    local f = redis.call('HMGET', conv, 'state', 'risk', 'channel', 'language')
    if f[1] ~= 'queued' then
      redis.call('ZREM', KEYS[q], pid)
    else
      pos = pos + 1
      local reason = redis.call('HGET', conv .. ':ho', 'reason')
      table.insert(list, pid)
      table.insert(list, rows[i + 1])
      table.insert(list, pos)
      table.insert(list, f[2] or false)
      table.insert(list, f[3] or false)
      table.insert(list, f[4] or false)
      table.insert(list, reason or false)
    end
  end
  out[q] = list
end
return out
"""


# KEYS: queue:<skill>. ARGV: key prefix, start, stop (0-based ranks), now, min interval,
# operators online for the skill (0/1), near (places up to this are told every change),
# channels that hear no progress (comma-separated).
# Decides, once across all replicas, who in one stretch of one queue hears a new place,
# reading only that stretch: a place up to
# ``near`` is told when it changes (as before); further back only when it changed by a tenth
# or more (600 -> 540), which is what a person would notice, so that a claim at the head
# does not mean a message to everyone behind it. Returns, flat, for each person to tell:
# pid, score, position, kind, channel, language; and last the number of rows read.
TELL_RANGE = """
local rows = redis.call('ZRANGE', KEYS[1], ARGV[2], ARGV[3], 'WITHSCORES')
local now = tonumber(ARGV[4])
local interval = tonumber(ARGV[5])
local near = tonumber(ARGV[7])
local quiet = {}
for c in string.gmatch(ARGV[8], '[^,]+') do quiet[c] = true end
local out = {}
local pos = tonumber(ARGV[2])
for i = 1, #rows, 2 do
  local pid = rows[i]
  local conv = ARGV[1] .. ':conv:' .. pid
  local f = redis.call('HMGET', conv, 'state', 'channel', 'language')
  if f[1] ~= 'queued' then
    redis.call('ZREM', KEYS[1], pid)
  else
    pos = pos + 1
    local ticket = conv .. ':ho'
    local t = redis.call('HMGET', ticket, 'operator', 'told_pos', 'told_at')
    if not quiet[f[2] or ''] and redis.call('EXISTS', ticket) == 1 and not t[1] then
      local told = tonumber(t[2] or '-1')
      local at = tonumber(t[3] or '0')
      local kind = ''
      if ARGV[6] == '0' then
        if told > 0 then redis.call('HSET', ticket, 'told_pos', 0) end
      elseif told == 0 then kind = 'online'
      elseif told < 0 or pos == told then kind = ''
      elseif pos == 1 then kind = 'first'
      elseif now - at < interval then kind = ''
      elseif pos > near and math.abs(pos - told) * 10 < told then kind = ''
      elseif pos < told then kind = 'better'
      else kind = 'worse' end
      if kind ~= '' then
        redis.call('HSET', ticket, 'told_pos', pos, 'told_at', now)
        table.insert(out, pid)
        table.insert(out, rows[i + 1])
        table.insert(out, pos)
        table.insert(out, kind)
        table.insert(out, f[2] or false)
        table.insert(out, f[3] or false)
      end
    end
  end
end
table.insert(out, #rows / 2)
return out
"""

# KEYS: queue:<skill>... ARGV: key prefix, cursor score ('-inf': from the head), cursor pid,
# limit, skills... (KEYS order). One page of each queue from the cursor on (a member with the
# cursor's score sorts after it only if its pid does), with each member's place in its queue
# (ZRANK of the first row read, counted on), and per queue its length and, per band, how many
# wait and the oldest's score. Reads about ``limit`` rows per queue, whatever the queue's length.
# Returns per queue: {card, {band counts}, {band oldest scores}, flat rows: pid, score, position,
# risk, channel, language, reason}.
PAGE = """
local out = {}
local limit = tonumber(ARGV[4])
local band = 10000000000
for q = 1, #KEYS do
  local rows = redis.call('ZRANGE', KEYS[q], ARGV[2], '+inf', 'BYSCORE', 'LIMIT', 0, limit + 20, 'WITHSCORES')
  local list = {}
  local pos = 0
  if #rows > 0 then pos = redis.call('ZRANK', KEYS[q], rows[1]) end
  local taken = 0
  for i = 1, #rows, 2 do
    local pid = rows[i]
    local skip = ARGV[2] ~= '-inf' and tonumber(rows[i + 1]) == tonumber(ARGV[2]) and pid <= ARGV[3]
    local conv = ARGV[1] .. ':conv:' .. pid
    local f = redis.call('HMGET', conv, 'state', 'risk', 'channel', 'language')
    if f[1] ~= 'queued' then
      redis.call('ZREM', KEYS[q], pid)
    else
      pos = pos + 1
      if not skip and taken < limit then
        taken = taken + 1
        local reason = redis.call('HGET', conv .. ':ho', 'reason')
        table.insert(list, pid)
        table.insert(list, rows[i + 1])
        table.insert(list, pos)
        table.insert(list, f[2] or false)
        table.insert(list, f[3] or false)
        table.insert(list, f[4] or false)
        table.insert(list, reason or false)
      end
    end
  end
  local counts, oldest = {}, {}
  for b = 0, 3 do
    counts[b + 1] = redis.call('ZCOUNT', KEYS[q], b * band, '(' .. ((b + 1) * band))
    local first = redis.call('ZRANGE', KEYS[q], b * band, '(' .. ((b + 1) * band), 'BYSCORE',
                             'LIMIT', 0, 1, 'WITHSCORES')
    oldest[b + 1] = first[2] or false
  end
  out[q] = {redis.call('ZCARD', KEYS[q]), counts, oldest, list}
end
return out
"""


@dataclass
class Page:
    """One page of the queue, all skills merged in priority order, and what the whole holds."""

    waiting: list[Waiting]
    total: int
    counts: dict[str, int]  # priority -> how many wait (all skills)
    oldest: float | None  # when the longest-waiting person entered (None: nobody waits)
    next: str | None  # cursor for the next page (None: this was the last)


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
        out: list[Waiting] = []
        for skill_idx, rows in enumerate(raw):
            skill = SKILLS[skill_idx]
            for i in range(0, len(rows), 7):
                member, score, pos, risk, channel, language, reason = rows[i:i + 7]
                score = float(score)
                band = min(int(score // BAND), len(PRIORITIES) - 1)
                r = self.risk(risk) if risk else {}
                out.append(Waiting(
                    pid=member.decode(), skill=skill, priority=PRIORITIES[band], position=int(pos),
                    enqueued=score - band * BAND, score=score, reason=reason.decode() if reason else "",
                    level=r.get("level", "none"), categories=tuple(r.get("categories") or ()),
                    matches=tuple(r.get("matches") or ()), channel=channel.decode() if channel else "",
                    language=language.decode() if language else "hu", unreadable=bool(r.get("unreadable")),
                ))
        out.sort(key=lambda w: w.score)
        return out

    async def mark_told(self, pid: str, position: int) -> None:
        await self.redis.hset(keys.handoff_ticket(pid), mapping={"told_pos": position, "told_at": f"{time.time():.3f}"})

    def _row(self, skill: str, member: bytes, score: Any, pos: Any, risk: Any, channel: Any, language: Any,
             reason: Any) -> Waiting:
        score = float(score)
        band = min(int(score // BAND), len(PRIORITIES) - 1)
        r = self.risk(risk) if risk else {}
        return Waiting(
            pid=member.decode(), skill=skill, priority=PRIORITIES[band], position=int(pos),
            enqueued=score - band * BAND, score=score, reason=reason.decode() if reason else "",
            level=r.get("level", "none"), categories=tuple(r.get("categories") or ()),
            matches=tuple(r.get("matches") or ()), channel=channel.decode() if channel else "",
            language=language.decode() if language else "hu", unreadable=bool(r.get("unreadable")),
        )

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
            for i in range(0, len(flat), 7):
                rows.append(self._row(SKILLS[skill_idx], *flat[i:i + 7]))
        rows.sort(key=lambda w: (w.score, w.pid))
        more = len(rows) > limit or self._maybe_more(raw, limit)
        rows = rows[:limit]
        nxt = f"{rows[-1].score!r}:{rows[-1].pid}" if rows and more else None
        return Page(rows, total, counts, oldest, nxt)

    @staticmethod
    def _maybe_more(raw: list[Any], limit: int) -> bool:
        """A queue gave a full page: there may be more behind it."""
        return any(len(flat) // 7 >= limit for _, _, _, flat in raw)

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
