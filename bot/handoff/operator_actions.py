"""What an operator (or supervisor) can do with a handed-over conversation.

Claim, write, note, transfer, block, judge a screen, return to the bot, close; and
the requeue of chats whose operator's console is gone. Each change of the
conversation's state is one named Lua script in ``bot.handoff.queue`` (atomic with
the ticket and the skill queues), then a staff-only transcript line, what the person
hears (reviewed texts, ``wording/handoff.yml``), a handoff event for the consoles, and a pause
or resume of the Rasa tracker.

A base of ``bot.handoff.service.HandoffService``, which builds the parts named below.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
from redis.asyncio import Redis

import wording
from bot import keys, metrics
from bot.commands import clean_text
from bot.config import Settings
from bot.delivery import Delivery
from bot.handoff import data
from bot.handoff.audit import AuditLog
from bot.handoff.events import Events
from bot.handoff.operators import API_OPERATOR, Conflict, Forbidden, HandoffError, NotFound, Operator
from bot.handoff.presence import Presence
from bot.handoff.queue import DEFAULT_SKILL, SKILLS, Queue, normalise_skill, priority_name
from bot.handoff.waits import Waits
from bot.rasa_client import RasaPool, RasaUnavailable
from bot.redis_values import as_text
from bot.safety.verdicts import VerdictStore
from bot.screening import Level
from bot.store import OPERATOR, PERSON, SYSTEM, TO_STAFF, Conversation, ConversationStore, State

log = logging.getLogger(__name__)
MAX_OPERATOR_TEXT = 4000


def _outcome_hu() -> dict[str, str]:
    return {o["id"]: o.get("hu", o["id"]) for o in data.outcomes()}


class OperatorActions:
    # Built by HandoffService.__init__.
    redis: Redis
    store: ConversationStore
    queue: Queue
    presence: Presence
    events: Events
    waits: Waits
    audit: AuditLog
    verdicts: VerdictStore
    delivery: Delivery
    rasa: RasaPool | None
    http: aiohttp.ClientSession | None
    settings: Settings
    _background: set[asyncio.Task[Any]]

    async def _tell(self, pid: str, text: str) -> int:
        seq = await self.delivery.send_to_person(pid, SYSTEM, text)
        await self.events.publish("message", pid, seq)
        return seq

    async def _conv(self, pid: str) -> Conversation:
        if not await self.redis.exists(keys.conv(pid)):
            raise NotFound("no such conversation")
        return await self.store.load(pid)

    async def _owned(self, pid: str, op: Operator) -> tuple[Conversation, dict[str, str]]:
        conv = await self._conv(pid)
        if conv.state != State.LIVE:
            raise Conflict(f"conversation is {conv.state.value}, not live")
        ticket = await self.queue.ticket(pid)
        if ticket.get("operator") != op.name and not op.supervisor:
            raise Forbidden("another operator has this conversation")
        return conv, ticket

    async def claim(self, pid: str, op: Operator) -> dict[str, Any]:
        conv = await self._conv(pid)
        if not await self.queue.claim(pid, op.name):
            raise Conflict(f"conversation is {(await self.store.load(pid)).state.value}, not waiting")
        ticket = await self.queue.ticket(pid)
        now = time.time()
        waited = now - float(ticket.get("enqueued") or now)
        skill = ticket.get("skill") or DEFAULT_SKILL
        metrics.QUEUE_WAIT.observe(waited)
        claims = keys.handoff_claims(skill)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(claims, {f"{pid}:{now:.3f}": now})
            pipe.zremrangebyscore(claims, "-inf", now - 3600)
            pipe.expire(claims, 3600)
            await pipe.execute()
        await self.store.append(pid, SYSTEM, wording.staff("staff_taken", name=op.name, seconds=int(waited)),
                                audience=TO_STAFF, meta={"kind": "claimed", "operator": op.name, "waited": int(waited)})
        await self._tell(pid, data.text("operator_joined", conv.voice))
        self._rasa_event(pid, "pause")  # live: the operator answers, the bot stays silent
        await self.events.publish("claimed", pid)
        log.info("handoff claimed", extra={"conv": pid, "operator": op.name, "ms": int(waited * 1000)})
        return {"id": pid, "state": State.LIVE.value, "operator": op.name, "waited_seconds": int(waited)}

    async def send(self, pid: str, op: Operator, text: str) -> int:
        text = clean_text(text or "")[:MAX_OPERATOR_TEXT]
        if not text:
            raise HandoffError("text is empty")
        await self._owned(pid, op)
        seq = await self.delivery.send_to_person(pid, OPERATOR, text, meta={"operator": op.name})
        await self.events.publish("message", pid, seq)
        return seq

    async def note(self, pid: str, op: Operator, text: str) -> int:
        text = clean_text(text or "")[:MAX_OPERATOR_TEXT]
        if not text:
            raise HandoffError("text is empty")
        conv = await self._conv(pid)
        if not conv.with_human:
            raise Conflict(f"conversation is {conv.state.value}")
        seq = await self.store.append(pid, OPERATOR, text, audience=TO_STAFF,
                                      meta={"kind": "note", "operator": op.name})
        await self.events.publish("message", pid, seq)
        return seq

    async def transfer(self, pid: str, op: Operator, *, to_operator: str | None = None,
                       to_skill: str | None = None, note: str = "") -> dict[str, Any]:
        """Warm transfer: a hand-over note for staff; the person hears a colleague joins."""
        conv, ticket = await self._owned(pid, op)
        owner = ticket.get("operator", "")
        note = clean_text(note or "")[:MAX_OPERATOR_TEXT]
        if to_operator:
            if to_operator == owner:
                raise HandoffError("that operator already has this conversation")
            if not await self.redis.exists(keys.operator_account(to_operator)):
                raise NotFound("no such operator")
            if to_operator not in await self.presence.online():
                raise Conflict("that operator is not online")
            if not await self.queue.reassign(pid, owner, to_operator):
                raise Conflict("the conversation changed meanwhile")
            await self.store.append(pid, OPERATOR, note or wording.staff("staff_no_handover_note"), audience=TO_STAFF,
                                    meta={"kind": "transfer", "operator": op.name, "from": owner, "to": to_operator})
            await self._tell(pid, data.text("colleague_joins", conv.voice))
            await self.events.publish("transferred", pid)
            log.info("handoff transferred", extra={"conv": pid, "operator": to_operator})
            return {"id": pid, "state": State.LIVE.value, "operator": to_operator}
        skill = normalise_skill(to_skill)
        if not skill:
            raise HandoffError(f"give an operator or a skill ({', '.join(SKILLS)})")
        if not await self.queue.requeue(pid, owner, skill):
            raise Conflict("the conversation changed meanwhile")
        conv.state = State.QUEUED
        await self.store.save(conv, skill=skill)
        await self.store.append(pid, OPERATOR, note or wording.staff("staff_no_handover_note"), audience=TO_STAFF,
                                meta={"kind": "transfer", "operator": op.name, "from": owner, "to_skill": skill})
        ticket = await self.queue.ticket(pid)
        prio = priority_name(ticket.get("rank"))
        await self._tell(pid, await self.waits.waiting_text(pid, skill, prio, conv.voice, channel=conv.channel,
                                                       lead=data.text("transfer_waiting", conv.voice)))
        self._rasa_event(pid, "resume")
        await self.events.publish("queued", pid)
        log.info("handoff transferred to skill", extra={"conv": pid, "skill": skill})
        return {"id": pid, "state": State.QUEUED.value, "skill": skill}

    async def block(self, pid: str, op: Operator, reason: str = "", hours: int = 24) -> dict[str, Any]:
        """Supervisor: pause an abusive conversation for ``hours``, with an audit entry.

        It leaves the queue or the operator; the person is told once, with 112. A message
        screened as immediate danger still reaches the queue (see Gateway)."""
        if not op.supervisor:
            raise Forbidden("supervisors only")
        conv = await self._conv(pid)
        reason = clean_text(reason or "")[:200]
        await self.redis.set(keys.blocked(pid), "1", ex=hours * 3600)
        await self.audit.write(keys.audit_blocks(), {"by": op.name, "conv": pid, "hours": hours, "reason": reason})
        if conv.state in (State.QUEUED, State.LIVE):
            ticket = await self.queue.ticket(pid)
            await self.queue.release(pid, State.CLOSED.value, (State.LIVE.value, State.QUEUED.value),
                                     operator=ticket.get("operator", ""), expected="")
            self._rasa_event(pid, "resume")
        await self.store.append(pid, SYSTEM, wording.staff("staff_blocked", name=op.name, hours=hours),
                                audience=TO_STAFF, meta={"kind": "blocked", "operator": op.name, "reason": reason})
        await self._tell(pid, data.text("blocked", conv.voice))
        await self.events.publish("closed", pid)
        log.warning("conversation blocked", extra={"conv": pid, "operator": op.name})
        return {"id": pid, "blocked_hours": hours}

    async def verdict(self, pid: str, op: Operator, level: Level, category: str,
                      seq: int | None = None) -> dict[str, Any]:
        """Store an operator's verdict on a screened message of the person (``seq``, or the
        one the screen rated highest, the latest of equals): a label for retraining and a
        count of agreement in /metrics. Audited; the reply carries no text."""
        await self._conv(pid)
        screened = [e for e in await self.store.read(pid, 0, staff=True, limit=5000)
                    if e.sender == PERSON and "level" in (e.meta or {})]
        if seq is not None:
            screened = [e for e in screened if e.seq == seq]
        if not screened:
            raise NotFound("no screened message of the person" + (f" at seq {seq}" if seq is not None else ""))
        target = max(screened, key=lambda e: (Level.parse(e.meta.get("level")).rank, e.seq))
        v = await self.verdicts.save(pid, target.seq, level=level, category=category, screen=target.meta,
                                     text=target.text, operator=op.name)
        await self.audit.write(keys.audit_verdicts(), {"by": op.name, "conv": pid, "seq": target.seq,
                                                 "screen": v.screen_level, "level": v.level,
                                                 "category": v.category})
        log.info("screen verdict", extra={"conv": pid, "operator": op.name, "risk": v.screen_level})
        return {"id": pid, "seq": target.seq, "screen": {"level": v.screen_level, "categories": v.screen_categories,
                                                         "signals": v.screen_signals},
                "level": v.level, "category": v.category}

    async def requeue_orphans(self) -> int:
        """Chats of operators whose console has been gone past the grace period go back
        to the queue (keeping their level and original wait, so they come first), and the
        person is told. Whoever the owner was: a removed account's chats too. The automation
        API's operator ("api") has no console and is exempt."""
        online = set(await self.presence.online())
        names = await self.presence.staff_names()
        moved = 0
        for name in sorted(names - online - {API_OPERATOR}):
            for raw in await self.redis.smembers(keys.operator_chats(name)):
                pid = as_text(raw)
                ticket = await self.queue.ticket(pid)
                skill = ticket.get("skill") or DEFAULT_SKILL
                if not await self.queue.requeue(pid, name, skill):
                    continue
                conv = await self._conv(pid)
                await self.store.append(pid, SYSTEM, wording.staff("staff_operator_lost", name=name), audience=TO_STAFF,
                                        meta={"kind": "orphaned", "operator": name})
                prio = priority_name(ticket.get("rank"))
                await self._tell(pid, await self.waits.waiting_text(pid, skill, prio, conv.voice, channel=conv.channel,
                                                               lead=data.text("operator_lost", conv.voice)))
                self._rasa_event(pid, "resume")  # waiting again: the bot answers meanwhile
                await self.events.publish("queued", pid)
                log.warning("operator gone; chat requeued", extra={"conv": pid, "operator": name})
                moved += 1
        return moved

    async def _end(self, pid: str, op: Operator, to: State) -> tuple[Conversation, dict[str, str]]:
        conv = await self._conv(pid)
        ticket = await self.queue.ticket(pid)
        owner = ticket.get("operator", "")
        if conv.state == State.LIVE and owner != op.name and not op.supervisor:
            raise Forbidden("another operator has this conversation")
        if conv.state == State.QUEUED and not op.supervisor:
            raise Forbidden("take the conversation first")
        released = await self.queue.release(
            pid, to.value, (State.LIVE.value, State.QUEUED.value), operator=owner,
            expected="" if op.supervisor else op.name,
        )
        if released is None:
            raise Conflict(f"conversation is {(await self.store.load(pid)).state.value}")
        conv.state = to
        self._rasa_event(pid, "resume")
        return conv, released

    async def return_to_bot(self, pid: str, op: Operator) -> dict[str, Any]:
        conv, _ = await self._end(pid, op, State.BOT)
        await self.store.save(conv, handled=conv.risk.level)  # dealt with: no re-queue on it
        await self.store.append(pid, SYSTEM, wording.staff("staff_returned", name=op.name), audience=TO_STAFF,
                                meta={"kind": "returned", "operator": op.name})
        await self._tell(pid, data.text("returned_to_bot", conv.voice))
        await self.events.publish("returned", pid)
        log.info("handoff returned to bot", extra={"conv": pid, "operator": op.name})
        return {"id": pid, "state": State.BOT.value}

    async def close(self, pid: str, op: Operator, outcome: str | None) -> dict[str, Any]:
        outcome = outcome or "other"
        if outcome not in data.outcome_ids():
            raise HandoffError(f"unknown outcome {outcome!r}")
        ticket = await self.queue.ticket(pid)
        conv, released = await self._end(pid, op, State.CLOSED)
        # Dealt with, as a chat returned to the bot: "oké, köszi" afterwards is the bot's, and
        # only a new signal queues again (a closed chat came back as MAGAS on a thank-you).
        await self.store.save(conv, handled=conv.risk.level)
        reopen_for = self.settings.reopen_minutes * 60
        if reopen_for > 0:
            # A misclick at 3 a.m. on the wrong chat: whoever closed it may take it back for a
            # few minutes (bot.handoff.queue_scripts.REOPEN), its place and level kept.
            mark = {"operator": op.name, "closed": f"{time.time():.3f}",
                    "skill": released.get("skill") or DEFAULT_SKILL, "rank": ticket.get("rank", ""),
                    "enqueued": released.get("enqueued") or "", "reason": ticket.get("reason", "")}
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.delete(keys.reopenable(pid))
                pipe.hset(keys.reopenable(pid), mapping={k: v for k, v in mark.items() if v})
                pipe.expire(keys.reopenable(pid), reopen_for)
                await pipe.execute()
        handled = time.time() - float(released.get("claimed") or released.get("enqueued") or time.time())
        closed = wording.staff("staff_closed", name=op.name, outcome=_outcome_hu().get(outcome, outcome))
        await self.store.append(pid, SYSTEM, closed, audience=TO_STAFF,
                                meta={"kind": "closed", "operator": op.name, "outcome": outcome,
                                      "handled": int(handled)})
        await self._tell(pid, data.text("closed", conv.voice))
        await self.events.publish("closed", pid)
        log.info("handoff closed", extra={"conv": pid, "operator": op.name, "outcome": outcome})
        return {"id": pid, "state": State.CLOSED.value, "outcome": outcome,
                "reopen_seconds": self.settings.reopen_minutes * 60}

    async def reopen(self, pid: str, op: Operator) -> dict[str, Any]:
        """Undo a close made by mistake: live with this operator again, the person told the
        colleague is back (they may have had the bot's answers meanwhile: the bot stops)."""
        conv = await self._conv(pid)
        if not await self.queue.reopen(pid, op.name, op.supervisor):
            state = (await self.store.load(pid)).state.value
            raise Conflict(f"the conversation cannot be reopened (it is {state}, or the time is up)")
        conv.state = State.LIVE
        await self.store.append(pid, SYSTEM, wording.staff("staff_reopened", name=op.name), audience=TO_STAFF,
                                meta={"kind": "reopened", "operator": op.name})
        await self._tell(pid, data.text("reopened", conv.voice))
        self._rasa_event(pid, "pause")
        await self.events.publish("claimed", pid)
        log.info("handoff reopened", extra={"conv": pid, "operator": op.name})
        return {"id": pid, "state": State.LIVE.value, "operator": op.name}

    # -- Rasa, second guard ------------------------------------------------------------
    def _rasa_event(self, pid: str, event: str) -> None:
        """Pause (or resume) the Rasa tracker too; best effort, in the background.

        The gateway's own state is the authority (a new Rasa session un-pauses a
        tracker); this only keeps Rasa from acting on a stray message on its own.
        """
        if self.http is None or self.http.closed or self.rasa is None:
            return
        rasa = self.rasa

        async def post() -> None:
            try:
                await rasa.tracker_event(pid, {"event": event})
            except RasaUnavailable as exc:
                log.warning("rasa tracker event failed", extra={"conv": pid, "error": str(exc)})

        task = asyncio.create_task(post())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
