"""What consoles see: the queue, live chats, presence and one conversation's transcript.

Read-only views over the handoff's Redis state (``bot.handoff``), shaped for the
console's JSON API and its websocket hub. Opening a transcript is limited and audited
(``chat``): an operator opening many conversations quickly is reading, not helping.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from redis.asyncio import Redis

from bot import keys, metrics
from bot.handoff.audit import AuditLog
from bot.handoff.operators import API_OPERATOR, NotFound, Operator, TooMany
from bot.handoff.presence import Presence
from bot.handoff.queue import DEFAULT_SKILL, Page, Queue, priority_name, short_id
from bot.redis_values import as_text
from bot.screening import RiskState
from bot.store import TO_STAFF, Conversation, ConversationStore, Entry, State

log = logging.getLogger(__name__)

QUEUE_PAGE = 100  # waiting conversations per console snapshot and per API page by default
QUEUE_PAGE_MAX = 1000  # the most one API page gives


class ConsoleViews:
    def __init__(self, redis: Redis, store: ConversationStore, queue: Queue, presence: Presence,
                 audit: AuditLog, reads_per_10min: int) -> None:
        self.redis = redis
        self.store = store
        self.queue = queue
        self.presence = presence
        self.audit = audit
        self.reads_per_10min = reads_per_10min

    @staticmethod
    def entry_json(e: Entry) -> dict[str, Any]:
        m = e.meta or {}
        out: dict[str, Any] = {"seq": e.seq, "from": e.sender, "text": e.text, "staff": e.audience == TO_STAFF,
                               "ts": e.ts, "buttons": [t for t, _ in e.buttons]}
        for k in ("level", "categories", "matches", "kind", "operator", "outcome", "to", "to_skill", "from",
                  "edited"):
            if k in m and m[k] not in (None, "", []):
                out["by" if k == "from" else k] = m[k]
        return out

    async def _note_read(self, pid: str, op: Operator, ticket: dict[str, str]) -> None:
        """Limit and log transcript reads: an operator opening many conversations quickly
        (reading, not helping) is refused; each first read in a window is audited (no text).
        The chat an operator holds is never limited: they are acting on it."""
        if ticket.get("operator") == op.name:
            return
        # The automation token (a supervisor's tool) is logged but not limited.
        limit = 0 if op.name == API_OPERATOR else self.reads_per_10min
        window = int(time.time() // 600)
        key = keys.operator_reads(op.name, window)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(key, pid)
            pipe.expire(key, 660)
            pipe.scard(key)
            added, _, count = await pipe.execute()
        if not added:
            return
        if limit and count > limit:
            await self.redis.srem(key, pid)
            metrics.ERRORS.labels("operator_read_limit").inc()
            log.warning("operator read limit", extra={"operator": op.name, "conv": pid})
            raise TooMany("too many conversations opened; try again in a few minutes")
        await self.audit.write(keys.audit_reads(), {"by": op.name, "conv": pid})

    async def chat(self, pid: str, op: Operator, after: int = 0) -> dict[str, Any]:
        """The conversation for the console: summary and staff transcript after ``after``."""
        if not await self.redis.exists(keys.conv(pid)):
            raise NotFound("no such conversation")
        conv = await self.store.load(pid)
        ticket = await self.queue.ticket(pid)
        await self._note_read(pid, op, ticket)
        entries = await self.store.read(pid, after, staff=True, limit=5000)
        return {
            **self._summary(conv, ticket),
            "entries": [self.entry_json(e) for e in entries],
            "cursor": entries[-1].seq if entries else after,
            "reopen_seconds": await self._reopen_left(pid, op) if conv.state != State.LIVE else 0,
        }

    async def _reopen_left(self, pid: str, op: Operator) -> int:
        """Seconds ``op`` may still undo this chat's close (bot.handoff.queue_scripts.REOPEN)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hget(keys.reopenable(pid), "operator")
            pipe.ttl(keys.reopenable(pid))
            closer, ttl = await pipe.execute()
        if closer is None or (as_text(closer) != op.name and not op.supervisor):
            return 0
        return max(0, int(ttl))

    @staticmethod
    def _summary(conv: Conversation, ticket: dict[str, str]) -> dict[str, Any]:
        return {
            "id": conv.pid, "short": short_id(conv.pid), "state": conv.state.value,
            "channel": conv.channel, "language": conv.language,
            "skill": ticket.get("skill") or conv.skill or DEFAULT_SKILL,
            "priority": priority_name(ticket.get("rank")) if ticket.get("rank") is not None else "",
            "level": conv.risk.level.value, "categories": list(conv.risk.categories),
            "matches": list(conv.risk.matches), "operator": ticket.get("operator", ""),
            "enqueued": float(ticket.get("enqueued") or 0), "claimed": float(ticket.get("claimed") or 0),
        }

    async def snapshot(self) -> dict[str, Any]:
        """Queue, live chats and presence, computed once per change for all consoles.

        The queue is its first ``QUEUE_PAGE`` (the most urgent and longest waiting; what an
        operator takes next) with the whole queue's counts; the rest through the paged API."""
        page = await self.queue.page(QUEUE_PAGE)
        waiting = page.waiting
        names = sorted(await self.presence.staff_names())
        if API_OPERATOR not in names:
            names.append(API_OPERATOR)
        async with self.redis.pipeline(transaction=False) as pipe:
            for n in names:
                pipe.smembers(keys.operator_chats(n))
            chats_per_op = await pipe.execute()
        live: list[dict[str, Any]] = []
        pairs = [(n, p.decode()) for n, members in zip(names, chats_per_op) for p in members]
        if pairs:
            async with self.redis.pipeline(transaction=False) as pipe:
                for _, pid in pairs:
                    pipe.hmget(keys.conv(pid), "state", "risk", "channel", "language")
                    pipe.hmget(keys.handoff_ticket(pid), "operator", "skill", "claimed", "rank")
                rows = await pipe.execute()
            for i, (name, pid) in enumerate(pairs):
                state, risk, channel, language = rows[2 * i]
                owner, skill, claimed, rank = rows[2 * i + 1]
                if state is None or state.decode() != "live" or (owner or b"").decode() != name:
                    await self.redis.srem(keys.operator_chats(name), pid)  # stale membership
                    continue
                r = RiskState.from_dict(self.queue.risk(risk) if risk else None)
                live.append({
                    "id": pid, "short": short_id(pid), "operator": name, "level": r.level.value,
                    "categories": r.categories, "skill": (skill or b"").decode(),
                    "channel": (channel or b"").decode(), "language": (language or b"hu").decode(),
                    "claimed": float(claimed or 0), "priority": priority_name(rank.decode() if rank else None),
                })
        online = await self.presence.skills_online()
        load: dict[str, int] = {n: 0 for n in online}
        for c in live:
            load[c["operator"]] = load.get(c["operator"], 0) + 1
        return {"waiting": waiting, "live": live, "online": online, "load": load, "page": page}

    @staticmethod
    def snapshot_for(snap: dict[str, Any], op: Operator, now: float) -> dict[str, Any]:
        waiting = [w.public(now) for w in snap["waiting"]]
        page: Page = snap["page"]
        out: dict[str, Any] = {
            "type": "queue", "now": now, "waiting": waiting, "waiting_total": page.total,
            "waiting_counts": page.counts, "waiting_next": page.next,  # ?after= for the rest
            "live": [c for c in snap["live"] if op.supervisor or c["operator"] == op.name],
            "online": sorted(snap["online"]),
        }
        if op.supervisor:
            out["supervisor"] = {
                "operators": [{"name": n, "skills": sorted(s), "load": snap["load"].get(n, 0)}
                              for n, s in sorted(snap["online"].items())],
                "busy_offline": [{"name": n, "load": k} for n, k in sorted(snap["load"].items())
                                 if n not in snap["online"]],
                "waiting": page.total,
                "longest_wait": max(0, int(now - page.oldest)) if page.oldest is not None else 0,
                "live": len(snap["live"]),
            }
        return out

    async def queue_json(self, limit: int = QUEUE_PAGE, after: str | None = None) -> dict[str, Any]:
        """One page of the queue (``GET /api/operator/queue?limit=&after=``): ``next`` is the
        cursor of the page after it (null on the last), ``total`` and ``counts`` the whole queue's."""
        page = await self.queue.page(max(1, min(limit, QUEUE_PAGE_MAX)), after)
        now = time.time()
        return {"waiting": [w.public(now) for w in page.waiting], "total": page.total, "counts": page.counts,
                "next": page.next}
