"""What operators see of the queue: its rows, read in Lua and built into ``Waiting``.

Three scripts read the queue (the whole of it, one page, one stretch to tell people their
new place); each drops a member whose conversation is no longer ``queued`` (erased, taken,
returned) on the way, and each turns a member into the same row. The row is built once, in
``ROW`` (Lua, prepended to the scripts) and in ``build_row`` (Python), so the three cannot
drift apart. No script here writes the conversation's state (bot.handoff.queue_scripts).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

PRIORITIES = ("immediate", "high", "requested", "other")
RANK = {name: i for i, name in enumerate(PRIORITIES)}
BAND = 10_000_000_000  # seconds; far beyond any epoch time
ROW_FIELDS = 7  # pid, score, position, risk (sealed), channel, language, reason


def short_id(pid: str) -> str:
    """What a human reads: channel prefix and 8 hex digits of the pseudonymous id."""
    return pid[:11]


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


@dataclass
class Page:
    """One page of the queue, all skills merged in priority order, and what the whole holds."""

    waiting: list[Waiting]
    total: int
    counts: dict[str, int]  # priority -> how many wait (all skills)
    oldest: float | None  # when the longest-waiting person entered (None: nobody waits)
    next: str | None  # cursor for the next page (None: this was the last)


def _text(value: Any, default: str = "") -> str:
    if not value:
        return default
    return value.decode() if isinstance(value, bytes) else str(value)


def build_row(skill: str, member: bytes, score: Any, pos: Any, risk: dict[str, Any], channel: Any, language: Any,
              reason: Any) -> Waiting:
    """A row of ``ROW`` (its risk already opened) as operators see it."""
    score = float(score)
    band = min(int(score // BAND), len(PRIORITIES) - 1)
    return Waiting(
        pid=member.decode(), skill=skill, priority=PRIORITIES[band], position=int(pos),
        enqueued=score - band * BAND, score=score, reason=_text(reason),
        level=risk.get("level", "none"), categories=tuple(risk.get("categories") or ()),
        matches=tuple(risk.get("matches") or ()), channel=_text(channel),
        language=_text(language, "hu"), unreadable=bool(risk.get("unreadable")),
    )


# The one row builder of the scripts below. ``queued(prefix, queue, pid)``: the member's
# conversation fields {state, risk, channel, language} and its key, or nil when it is no
# longer queued (it leaves ``queue`` here). ``add_row(list, ...)``: the ROW_FIELDS values of
# one member appended to ``list``. Keys are built as bot.keys builds them (one Redis, not a
# cluster): ``prefix:conv:{pid}``, its ticket ``...:ho``.
ROW = """
local function queued(prefix, queue, pid)
  local conv = prefix .. ':conv:' .. pid
  local f = redis.call('HMGET', conv, 'state', 'risk', 'channel', 'language')
  if f[1] ~= 'queued' then
    redis.call('ZREM', queue, pid)
    return nil, conv
  end
  return f, conv
end
local function add_row(list, pid, score, pos, f, conv)
  local reason = redis.call('HGET', conv .. ':ho', 'reason')
  for _, v in ipairs({pid, score, pos, f[2] or false, f[3] or false, f[4] or false, reason or false}) do
    table.insert(list, v)
  end
end
"""

# KEYS: queue:<skill>... ARGV: key prefix, skills... (KEYS order)
# Returns, per skill, a flat list of rows (ROW_FIELDS each), positions counted per skill.
WAITING = ROW + """
local out = {}
for q = 1, #KEYS do
  local rows = redis.call('ZRANGE', KEYS[q], 0, -1, 'WITHSCORES')
  local list = {}
  local pos = 0
  for i = 1, #rows, 2 do
    local f, conv = queued(ARGV[1], KEYS[q], rows[i])
    if f then
      pos = pos + 1
      add_row(list, rows[i], rows[i + 1], pos, f, conv)
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
TELL_RANGE = ROW + """
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
  local f, conv = queued(ARGV[1], KEYS[1], pid)
  if f then
    pos = pos + 1
    local ticket = conv .. ':ho'
    local t = redis.call('HMGET', ticket, 'operator', 'told_pos', 'told_at')
    if not quiet[f[3] or ''] and redis.call('EXISTS', ticket) == 1 and not t[1] then
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
        table.insert(out, f[3] or false)
        table.insert(out, f[4] or false)
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
# Returns per queue: {card, {band counts}, {band oldest scores}, flat rows (ROW_FIELDS each)}.
PAGE = ROW + """
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
    local f, conv = queued(ARGV[1], KEYS[q], pid)
    if f then
      pos = pos + 1
      if not skip and taken < limit then
        taken = taken + 1
        add_row(list, pid, rows[i + 1], pos, f, conv)
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
