"""Conversation state, transcript and delivery route, all in Redis.

The conversation's types are in ``bot.conversation``, the messages waiting for an answer
in ``bot.deferred_messages`` (``ConversationStore.deferred``).

The gateway, not Rasa, is the authority on whether the bot may answer: a new
Rasa session or a typed ``/restart`` un-pauses a Rasa tracker, so the state
lives here, in Redis, where every gateway replica sees the same thing.

Who writes the ``state`` field: only compare-and-set Lua scripts, each checking the
state it moves from. Here, :meth:`ConversationStore.move` (``_SET_STATE``: the
gateway's closed -> bot when the person writes again). In ``bot.handoff.queue_scripts``, the
four handoff scripts, because they change the state in the same atomic step as the
skill queues and the ticket (two "take" clicks cannot both win; a crash cannot leave
a conversation queued but absent from the queue): ``ENQUEUE`` bot/closed -> queued,
``CLAIM`` queued -> live, ``RELEASE`` queued/live -> bot/closed, ``REQUEUE`` live ->
queued. Nothing else: :meth:`save` and :meth:`append_many` refuse the field
(``tests/test_structure.py`` checks the list of scripts).
"""
from __future__ import annotations

import contextvars
import logging
import time
from typing import Any

from redis.asyncio import Redis

from bot import keys, metrics
from bot.conversation import (
    BOT,
    OPERATOR,
    PERSON,
    SYSTEM,
    TO_ALL,
    TO_STAFF,
    TRUNCATED,
    Conversation,
    Deferred,
    Entry,
    Prefetched,
    Recorded,
    State,
)
from bot.crypto import InvalidToken, Sealer
from bot.deferred_messages import DeferredMessages
from bot.redis_values import as_mapping, hash_fields, stream_entries
from bot.screening import Level, RiskState

# The conversation's types live in bot.conversation; most callers read them from here.
__all__ = ["BOT", "OPERATOR", "PERSON", "SYSTEM", "TO_ALL", "TO_STAFF", "Conversation", "ConversationStore",
           "Deferred", "Entry", "Prefetched", "Recorded", "State"]

log = logging.getLogger(__name__)
_NO_RISK = RiskState()


# INCR the counter and XADD with id "<seq>-0" in one step, so the integer cursor
# and the stream order can never disagree; refresh every expiry on the way.
_APPEND = """
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], seq .. '-0', 's', ARGV[1], 'a', ARGV[2], 'd', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return seq
"""

# Everything one message does to its conversation, in one round trip: the conversation's
# fields (risk, language, ...), the delivery route, the person's transcript entry (as
# _APPEND) and, for a typed message, the flood counter (read here; counted by the write
# that answers or defers the message) and how many wait deferred.
# A message with an id the page gave it (``once``) that was recorded before (a request
# HAProxy replayed, its gateway gone or slow) keeps its first entry and is not processed
# again while the first delivery is answering it (``bot.replays``): ``replay`` says 1 = the
# first was answered (its cursor in ``answered``), 2 = it is being answered (its lease is
# alive), 3 = its lease lapsed (the gateway died): this delivery takes the lease and answers.
# KEYS: conv, log, log_seq, route, rate, deferred, seen
# ARGV: ttl, maxlen, sender, audience, sealed, route ('' = keep), rate window, count ('1'/'0'),
#       number of field pairs, message id ('' = none), now, lease seconds, then the pairs
_RECORD = """
local ttl = tonumber(ARGV[1])
local n = tonumber(ARGV[9])
local id = ARGV[10]
if n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 13, 12 + 2 * n)) end
if ARGV[6] ~= '' then redis.call('SET', KEYS[4], ARGV[6], 'EX', ttl) end
local seq = id ~= '' and tonumber(redis.call('HGET', KEYS[7], id) or '0') or 0
local replay, answered = 0, 0
local until_ = tonumber(ARGV[11]) + tonumber(ARGV[12])
if seq > 0 then
  answered = tonumber(redis.call('HGET', KEYS[7], id .. ':a') or '0')
  if answered > 0 then replay = 1
  elseif tonumber(redis.call('HGET', KEYS[7], id .. ':w') or '0') > tonumber(ARGV[11]) then replay = 2
  else
    replay = 3
    redis.call('HSET', KEYS[7], id .. ':w', until_)
  end
else
  seq = redis.call('INCR', KEYS[3])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', 's', ARGV[3], 'a', ARGV[4], 'd', ARGV[5])
  if id ~= '' then
    redis.call('HSET', KEYS[7], id, seq, id .. ':w', until_)
    redis.call('EXPIRE', KEYS[7], ttl)
  end
end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('EXPIRE', KEYS[3], ttl)
local count, waiting = 0, 0
if ARGV[8] == '1' then
  count = tonumber(redis.call('GET', KEYS[5]) or '0')
  waiting = redis.call('LLEN', KEYS[6])
end
return {seq, count, waiting, replay, answered}
"""

# Several transcript entries (the bot's replies to one message) and, optionally, some
# conversation fields and the flood counter, in one round trip. Returns the last sequence number.
# KEYS: log, log_seq, conv, rate.  ARGV: ttl, maxlen, entries, field pairs, rate window (0: not
# counted), then (sender, audience, sealed) per entry, then the field pairs.
_APPEND_MANY = """
local ttl = tonumber(ARGV[1])
if ARGV[5] ~= '0' then
  redis.call('SET', KEYS[4], 0, 'EX', ARGV[5], 'NX')
  redis.call('INCR', KEYS[4])
end
local n = tonumber(ARGV[3])
local f = tonumber(ARGV[4])
local seq = 0
for i = 0, n - 1 do
  local b = 6 + 3 * i
  seq = redis.call('INCR', KEYS[2])
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], seq .. '-0', 's', ARGV[b], 'a', ARGV[b + 1], 'd', ARGV[b + 2])
end
if f > 0 then redis.call('HSET', KEYS[3], unpack(ARGV, 6 + 3 * n, 5 + 3 * n + 2 * f)) end
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('EXPIRE', KEYS[3], ttl)
if seq == 0 then seq = tonumber(redis.call('GET', KEYS[2]) or '0') end
return seq
"""

# What one message needs to know before it is recorded: the conversation's fields (as a flat
# list), whether it is blocked, its report follow-up. One script, not a pipeline of three: the
# same single round trip at about half the client's CPU (bench/gateway_overhead.py).
# KEYS: conv, blocked, followup.
_PREFETCH = """
return {redis.call('HGETALL', KEYS[1]), redis.call('EXISTS', KEYS[2]), redis.call('GET', KEYS[3])}
"""

# The newest sequence number each conversation's appends returned in this task (set by the
# gateway around one message): the cursor handed back without another GET.
SEEN_SEQ: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar("seen_seq", default=None)


def _seen(pid: str, seq: int) -> None:
    seen = SEEN_SEQ.get()
    if seen is not None and seq > seen.get(pid, 0):
        seen[pid] = seq


# Compare-and-set of the state field: only move if the current state is allowed.
_SET_STATE = """
local cur = redis.call('HGET', KEYS[1], 'state')
if not cur then cur = 'bot' end
for i = 2, #ARGV do
  if ARGV[i] == cur then
    redis.call('HSET', KEYS[1], 'state', ARGV[1])
    return 1
  end
end
return 0
"""


class ConversationStore:
    """Reads and writes conversations; every key expires after the retention period."""

    def __init__(self, redis: Redis, sealer: Sealer, retention_seconds: int, *,
                 max_chars: int = 4096, max_entries: int = 2000) -> None:
        self.redis = redis
        self._max_chars = max_chars  # a longer text is stored cut, with TRUNCATED after it
        self._max_entries = max_entries  # per transcript stream (approximate trim)
        self._sealer = sealer
        self._ttl = retention_seconds
        self._append = redis.register_script(_APPEND)
        self._set_state = redis.register_script(_SET_STATE)
        self._record = redis.register_script(_RECORD)
        self._append_many = redis.register_script(_APPEND_MANY)
        # Messages waiting for their answer (bot.deferred_messages), under the same retention.
        self.deferred = DeferredMessages(redis, sealer, retention_seconds)
        self._prefetch = redis.register_script(_PREFETCH)

    async def load(self, pid: str) -> Conversation:
        return self._conversation(pid, hash_fields(await self.redis.hgetall(keys.conv(pid))))

    async def prefetch(self, pid: str) -> Prefetched:
        """The conversation, its abuse block and its report follow-up, in one round trip."""
        flat, blocked, followup = await self._prefetch(
            keys=[keys.conv(pid), keys.blocked(pid), keys.conv_followup(pid)])
        raw = dict(zip(flat[::2], flat[1::2])) if flat else {}
        return Prefetched(self._conversation(pid, raw), bool(blocked), followup or None)

    def _conversation(self, pid: str, raw: dict[bytes, bytes]) -> Conversation:
        if not raw:
            return Conversation(pid=pid)
        data = {k.decode(): v.decode() for k, v in raw.items()}
        return Conversation(
            pid=pid,
            channel=data.get("channel", ""),
            state=State(data.get("state", "bot")),
            language=data.get("language", "hu"),
            rasa_language=data.get("rasa_language", ""),
            skill=data.get("skill", ""),
            risk=self._risk(pid, raw.get(b"risk")),
            handled=Level.parse(data.get("handled")),
            emergency_told=float(data.get("emergency_told", 0) or 0),
            greeted=float(data.get("greeted", 0) or 0),
            greeted_in=data.get("greeted_in", ""),
            media_told=float(data.get("media_told", 0) or 0),
            register=data.get("register", ""),
            persona=data.get("persona", ""),
            adult_self=data.get("adult_self") == "True",
            created=float(data.get("created", 0) or 0),
            updated=float(data.get("updated", 0) or 0),
        )

    def _risk(self, pid: str, sealed: bytes | None) -> RiskState:
        """Open the stored risk; one unreadable record (unknown key) is logged, not fatal."""
        if not sealed:
            return RiskState()
        try:
            return RiskState.from_dict(self._sealer.open(sealed))
        except (InvalidToken, ValueError, TypeError):
            metrics.ERRORS.labels("unreadable_record").inc()
            log.error("unreadable risk record", extra={"conv": pid})
            return RiskState()

    async def save(self, conv: Conversation, **fields: Any) -> None:
        """Write the given fields (and the timestamps) of ``conv``; never the state.

        The state moves only through compare-and-set scripts (:meth:`move`, and the
        handoff's in ``bot.handoff.queue_scripts``: see the module docstring), so two replicas
        cannot race it.
        """
        mapping = self._mapping(conv, fields)
        key = keys.conv(conv.pid)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=as_mapping(mapping))
            pipe.expire(key, self._ttl)
            await pipe.execute()

    def _mapping(self, conv: Conversation, fields: dict[str, Any]) -> dict[str, str]:
        """Set ``fields`` on ``conv`` and return them (with the timestamps) as stored."""
        now = time.time()
        mapping: dict[str, str] = {"updated": str(now)}
        if not conv.created:
            conv.created = now
            mapping["created"] = str(now)
        for name, value in fields.items():
            if name == "state":
                raise ValueError("use move() to change the state")
            setattr(conv, name, value)
            if name == "risk":
                # Sealed: the matched phrases are fragments of what the person wrote. No risk
                # at all (most messages) holds nothing to hide: stored empty, which reads back
                # as no risk without a seal and an open per message.
                mapping[name] = self._sealer.seal(value.to_dict()).decode() if value != _NO_RISK else ""
            elif isinstance(value, Level):
                mapping[name] = value.value
            else:
                mapping[name] = str(value)
        return mapping

    def _sealed_entry(self, text: str, buttons: tuple[tuple[str, str], ...], meta: dict[str, Any] | None) -> bytes:
        if len(text) > self._max_chars:
            text = text[: self._max_chars] + TRUNCATED
            meta = {**(meta or {}), "truncated": True}
        return self._sealer.seal({"t": text, "b": [list(b) for b in buttons], "ts": time.time(), "m": meta or {}})

    async def record(
        self,
        conv: Conversation,
        text: str,
        *,
        fields: dict[str, Any] | None = None,
        route: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        count: bool = False,
        once: str | None = None,
        lease: float = 0.0,
    ) -> Recorded:
        """Record a person's message in one round trip: ``fields`` of the conversation, the
        delivery route, the transcript entry and (``count``) a read of the flood counter.
        ``once``: the message's own id; a second message with it is not recorded again, and
        the first delivery holds it for ``lease`` seconds (``bot.replays``).
        """
        pid = conv.pid
        mapping = self._mapping(conv, fields or {})
        pairs = [x for kv in mapping.items() for x in kv]
        seq, counted, waiting, replay, answered = await self._record(
            keys=[keys.conv(pid), keys.log(pid), keys.log_seq(pid), keys.route(pid), keys.rate(pid),
                  keys.deferred(pid), keys.conv_seen(pid)],
            args=[self._ttl, self._max_entries, PERSON, TO_ALL, self._sealed_entry(text, (), meta),
                  self._sealer.seal(route) if route is not None else "", 0, "1" if count else "0",
                  len(mapping), once or "", f"{time.time():.3f}", lease, *pairs],
        )
        _seen(pid, int(seq))
        return Recorded(int(seq), int(counted), int(waiting), int(replay), int(answered))

    async def append_many(
        self, conv: Conversation, sender: str, entries: list[tuple[str, tuple[tuple[str, str], ...]]],
        fields: dict[str, Any] | None = None, rate_window: int = 0,
    ) -> int:
        """Add several entries of one sender (and maybe some fields) in one round trip;
        ``rate_window`` > 0 also counts the message being answered towards the flood limit."""
        pid = conv.pid
        mapping = self._mapping(conv, fields) if fields else {}
        args: list[Any] = [self._ttl, self._max_entries, len(entries), len(mapping), rate_window]
        for text, buttons in entries:
            args += [sender, TO_ALL, self._sealed_entry(text, buttons, None)]
        args += [x for kv in mapping.items() for x in kv]
        seq = int(await self._append_many(keys=[keys.log(pid), keys.log_seq(pid), keys.conv(pid), keys.rate(pid)],
                                          args=args))
        _seen(pid, seq)
        return seq

    async def move(self, conv: Conversation, to: State, allowed_from: tuple[State, ...]) -> bool:
        """Atomically change the state if it is one of ``allowed_from``."""
        ok = await self._set_state(
            keys=[keys.conv(conv.pid)], args=[to.value, *[s.value for s in allowed_from]]
        )
        if ok:
            conv.state = to
            await self.redis.expire(keys.conv(conv.pid), self._ttl)
        return bool(ok)

    async def append(
        self,
        pid: str,
        sender: str,
        text: str,
        *,
        audience: str = TO_ALL,
        buttons: tuple[tuple[str, str], ...] = (),
        meta: dict[str, Any] | None = None,
    ) -> int:
        """Add an entry to the transcript; returns its sequence number (the cursor).

        At most ``max_chars`` of the text is kept (screening read all of it before)."""
        seq = await self._append(
            keys=[keys.log(pid), keys.log_seq(pid), keys.conv(pid)],
            args=[sender, audience, self._sealed_entry(text, buttons, meta), self._ttl, self._max_entries],
        )
        _seen(pid, int(seq))
        return int(seq)

    async def read(self, pid: str, after: int = 0, *, staff: bool = False, limit: int = 500) -> list[Entry]:
        """Entries with a sequence number above ``after``; staff-only ones only for staff."""
        rows = await self.redis.xrange(keys.log(pid), min=f"{max(after, 0) + 1}-0", max="+", count=limit)
        out: list[Entry] = []
        for entry_id, fields in stream_entries(rows):
            audience = fields[b"a"].decode()
            if audience == TO_STAFF and not staff:
                continue
            body = self._sealer.open(fields[b"d"])
            out.append(
                Entry(
                    seq=int(entry_id.decode().split("-")[0]),
                    sender=fields[b"s"].decode(),
                    text=body["t"],
                    audience=audience,
                    buttons=tuple((b[0], b[1]) for b in body.get("b", [])),
                    ts=float(body.get("ts", 0)),
                    meta=body.get("m") or {},
                )
            )
        return out

    async def last_seq(self, pid: str) -> int:
        value = await self.redis.get(keys.log_seq(pid))
        return int(value) if value else 0

    async def set_route(self, pid: str, route: dict[str, Any]) -> None:
        """Remember, sealed, where to deliver messages that arrive later (operator replies)."""
        await self.redis.set(keys.route(pid), self._sealer.seal(route), ex=self._ttl)

    async def get_route(self, pid: str) -> dict[str, Any] | None:
        raw = await self.redis.get(keys.route(pid))
        return self._sealer.open(raw) if raw else None

    async def erase(self, pid: str) -> int:
        """Delete everything of one conversation (the person's right to leave no trace)."""
        await self.redis.zrem(keys.verdicts_index(), pid)
        return int(await self.redis.delete(*keys.conversation_keys(pid)))
