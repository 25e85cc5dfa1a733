"""The live handoff: the gateway's ``Handoff`` and everything an operator can do.

State lives in Redis only (conversation hash, ticket, skill queues, transcript), so
any replica serves any conversation and a restart loses nothing. The person hears
about the handoff only through reviewed texts (``texts.yml``); everything internal
(who took it, hand-over notes, outcomes) is written to the transcript as staff-only.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any

import aiohttp
from redis.asyncio import Redis

from bot import keys, metrics
from bot.config import Settings
from bot.crypto import Sealer
from bot.delivery import Delivery, Reply
from bot.gateway import clean_text
from bot.handoff import data
from bot.handoff.events import Events
from bot.handoff.operators import (
    API_OPERATOR, Conflict, Forbidden, HandoffError, NotFound, Operator, TooMany,
)
from bot.handoff.presence import Presence
from bot.handoff.queue import (
    DEFAULT_SKILL, PRIORITIES, RANK, SKILLS, Queue, normalise_skill, priority_for, short_id,
)
from bot.rasa_client import RasaPool, RasaUnavailable
from bot.safety.verdicts import VerdictStore
from bot.screening import Level, RiskState, ScreenResult
from bot.store import OPERATOR, PERSON, SYSTEM, TO_STAFF, Conversation, ConversationStore, Entry, State

log = logging.getLogger(__name__)
ESTIMATE_WINDOW = 1800  # seconds of recent claims the wait estimate looks at
ESTIMATE_MIN_CLAIMS = 3  # fewer than this: we say we cannot estimate
POSITION_UPDATE_INTERVAL = 20.0  # at most one "your place moved" per this many seconds
MAX_OPERATOR_TEXT = 4000
# Channels that get no queue progress: a mailbox is not a chat. A mail writer hears once,
# in the answer to their mail, that a person will answer (and the numbers meanwhile);
# never "you are 3rd in the queue" nor a mail each time their place moves.
NO_PROGRESS_CHANNELS = frozenset({"email"})



# Staff-only transcript lines are read by Hungarian operators: written in Hungarian.
_LEVEL_HU = {"immediate": "azonnali", "high": "magas", "requested": "kérte", "concern": "aggodalom", "none": "nincs"}
_SKILL_HU = {"child": "gyermek", "adult": "felnőtt bejelentő", "professional": "szakmai konzultáció"}
_REASON_HU = {"danger": "veszély", "requested": "emberrel szeretne beszélni", "consultation": "konzultáció",
              "report": "bejelentés", "fallback": "a bot nem értette",
              "blocked_danger": "veszély (korábban letiltva)"}


def _staff_queued(prio: str, skill: str, reason: str) -> str:
    return (f"Sorba került: {_LEVEL_HU.get(prio, prio)}, {_SKILL_HU.get(skill, skill)}, "
            f"ok: {_REASON_HU.get(reason, reason)}")


def _outcome_hu() -> dict[str, str]:
    return {o["id"]: o.get("hu", o["id"]) for o in data.outcomes()}


class HandoffService:
    """Implements ``bot.gateway.Handoff`` plus the operator actions."""

    def __init__(self, redis: Redis, store: ConversationStore, settings: Settings, sealer: Sealer, *,
                 delivery: Delivery, rasa: RasaPool | None = None, http: aiohttp.ClientSession | None = None,
                 guard: Any = None) -> None:
        self.redis = redis
        self.store = store
        self.settings = settings
        self.delivery = delivery  # what the person hears from us goes through the gateway's delivery
        self.rasa = rasa  # the gateway's Rasa pool: a conversation's tracker is paused on its own process
        self.http = http  # the pool's session: once closed (shutting down), Rasa is not told
        self.sealer = sealer  # the app's one data key ring (routes in the queue are sealed with it)
        self.queue = Queue(redis, settings.retention_seconds, self.sealer.open)
        self.verdicts = VerdictStore(redis, self.sealer, settings.retention_seconds)
        self.events = Events(redis)
        self.presence = Presence(redis, settings.operator_grace_seconds)
        self.guard: Any = guard  # bot.abuse.Guard: queue-entry limits per client and overall
        self._background: set[asyncio.Task[Any]] = set()

    async def stop(self) -> None:
        tasks = list(self._background)
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=3)  # bounded; never swallows our own cancellation

    # -- the gateway's side (bot.gateway.Handoff) ------------------------------------
    async def request(self, conv: Conversation, *, reason: str, skill: str | None) -> list[Reply]:
        if self.guard is not None and not conv.with_human:
            # A new queue entry counts against the client's (web: its address) and the
            # overall limit; over it, the person hears the numbers and the bot goes on.
            # Their 112 reply (immediate danger) was given before this, whatever the limit.
            from bot import abuse, texts

            if await self.guard.hit_both(self.guard.queue_address, self.guard.queue_global, abuse.CLIENT.get()):
                if conv.risk.level < Level.HIGH:
                    replies = [Reply(texts.text("queue_limited", conv.voice))]
                    await self.store.append(conv.pid, SYSTEM, "Sorba állás elutasítva (túl sok új bejegyzés)",
                                            audience=TO_STAFF, meta={"kind": "queue_limited"})
                    await self._record(conv.pid, replies)
                    return replies
                # Danger always reaches the queue, limit or not: operators see the flag and judge.
                await self.store.append(conv.pid, SYSTEM, "Sok új sorbaállás egyszerre (lehet visszaélés); veszély miatt sorba került",
                                        audience=TO_STAFF, meta={"kind": "queue_limited_danger"})
        chosen = normalise_skill(skill) or normalise_skill(conv.skill) or DEFAULT_SKILL
        priority = priority_for(conv.risk.level, reason)
        status, prio, skill_now = await self.queue.enqueue(conv.pid, priority, chosen, reason)
        if status == "live":
            return []
        conv.state = State.QUEUED
        if skill_now and skill_now != conv.skill:
            await self.store.save(conv, skill=skill_now)
        if status != "fresh":
            await self.events.publish("priority", conv.pid)
            return []
        await self.store.append(
            conv.pid, SYSTEM, _staff_queued(prio, skill_now, reason), audience=TO_STAFF,
            meta={"kind": "queued", "priority": prio, "skill": skill_now, "reason": reason},
        )
        log.info("handoff queued", extra={"conv": conv.pid, "risk": prio, "skill": skill_now, "reason": reason})
        replies = [Reply(await self._waiting_text(conv.pid, skill_now, prio, conv.voice, channel=conv.channel))]
        await self._record(conv.pid, replies)
        await self.events.publish("queued", conv.pid, await self.store.last_seq(conv.pid))
        return replies

    async def person_wrote(self, conv: Conversation, seq: int, result: ScreenResult,
                           bot_answers: bool = False) -> list[Reply]:
        """Operators hear of the message (a higher danger raises the priority). While
        waiting, the bot answers (``bot_answers``); otherwise the first message is acknowledged."""
        replies: list[Reply] = []
        if conv.state == State.QUEUED:
            if conv.risk.level >= Level.HIGH:
                ticket = await self.queue.ticket(conv.pid)
                before = ticket.get("rank")
                status, prio, skill_now = await self.queue.enqueue(
                    conv.pid, priority_for(conv.risk.level, "danger"), ticket.get("skill") or DEFAULT_SKILL, "danger")
                if before is not None and str(before) != str(_rank(prio)):
                    log.info("handoff priority raised", extra={"conv": conv.pid, "risk": prio})
                    await self.events.publish("priority", conv.pid, seq)
            if not bot_answers and await self.redis.hsetnx(keys.handoff_ticket(conv.pid), "acked", "1"):
                # The first message while waiting is acknowledged; later ones are not echoed.
                text = data.text("message_received", conv.voice)
                if conv.risk.level >= Level.IMMEDIATE and result.level < Level.IMMEDIATE:
                    text += "\n" + data.text("immediate_reminder", conv.voice)
                replies.append(Reply(text))
                await self._record(conv.pid, replies)
        elif result.level >= Level.HIGH:
            log.info("danger in a live chat", extra={"conv": conv.pid, "risk": result.level.value})
            await self.events.publish("priority", conv.pid, seq)  # consoles redraw the level
        await self.events.publish("message", conv.pid, await self.store.last_seq(conv.pid))
        return replies

    async def person_left(self, pid: str) -> str:
        """The person used the quick exit: a waiting chat leaves the queue (nobody is
        there to answer it), a live one stays with its operator, who is told once.

        Idempotent: a second call finds nothing queued and the live chat already marked.
        Returns the state afterwards."""
        if not await self.redis.exists(keys.conv(pid)):
            return State.BOT.value
        conv = await self.store.load(pid)
        if conv.state == State.QUEUED:
            released = await self.queue.release(pid, State.CLOSED.value, (State.QUEUED.value,), operator="")
            if released is not None:
                await self.store.append(pid, SYSTEM, "A beszélgető kilépett (gyors kilépés); kivéve a sorból",
                                        audience=TO_STAFF, meta={"kind": "left", "was": State.QUEUED.value})
                await self.events.publish("closed", pid, await self.store.last_seq(pid))
                log.info("person left; chat withdrawn from the queue", extra={"conv": pid, "state": "closed"})
                return State.CLOSED.value
        elif conv.state == State.LIVE:
            if await self.redis.hsetnx(keys.handoff_ticket(pid), "left", "1"):
                seq = await self.store.append(pid, SYSTEM, "A beszélgető kilépett (gyors kilépés)",
                                              audience=TO_STAFF, meta={"kind": "left", "was": State.LIVE.value})
                await self.events.publish("message", pid, seq)
                log.info("person left a live chat", extra={"conv": pid, "state": "live"})
        return (await self.store.load(pid)).state.value

    # -- what the person hears ---------------------------------------------------------
    async def _record(self, pid: str, replies: list[Reply]) -> None:
        """Replies handed back to the channel are also part of the transcript."""
        for r in replies:
            await self.store.append(pid, SYSTEM, r.text, buttons=r.buttons)

    async def _waiting_text(self, pid: str, skill: str, priority: str, lang: str, lead: str = "",
                            channel: str = "") -> str:
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

    async def estimate_seconds(self, skill: str, position: int) -> float | None:
        """Position divided by the recent pace of claims in this skill; None when unknown."""
        now = time.time()
        recent = await self.redis.zcount(keys.handoff_claims(skill), now - ESTIMATE_WINDOW, "+inf")
        if recent < ESTIMATE_MIN_CLAIMS:
            return None
        return position * ESTIMATE_WINDOW / recent

    async def estimate_text(self, skill: str, position: int, lang: str) -> str:
        seconds = await self.estimate_seconds(skill, position)
        if seconds is None:
            return data.text("estimate_unknown", lang)
        if seconds < 90:
            return data.text("estimate_soon", lang)
        minutes = math.ceil(seconds / 60)
        if minutes > 10:
            minutes = int(math.ceil(minutes / 5) * 5)
        return data.text("estimate_minutes", lang, minutes=minutes)

    async def update_positions(self) -> None:
        """Tell each waiting person when their place changed (once, whichever replica runs it)."""
        waiting = [w for w in await self.queue.waiting() if w.channel not in NO_PROGRESS_CHANNELS]
        if not waiting:
            return
        online = await self.presence.skills_online()
        kinds = await self.queue.tell_positions(
            [(w.pid, w.position, Presence.serves(online, w.skill)) for w in waiting], POSITION_UPDATE_INTERVAL)
        for w, kind in zip(waiting, kinds):
            if not kind:
                continue
            lang = w.language
            if kind == "first":
                parts = [data.text("position_update_first", lang)]
            elif kind == "online":
                parts = [data.text("operator_online", lang, position=w.position),
                         await self.estimate_text(w.skill, w.position, lang)]
            elif kind == "worse":
                parts = [data.text("position_worse", lang, position=w.position)]
            else:
                parts = [data.text("position_update", lang, position=w.position),
                         await self.estimate_text(w.skill, w.position, lang)]
            if w.priority == "immediate":
                parts.append(data.text("immediate_reminder", lang))
            await self._tell(w.pid, "\n".join(parts))

    async def _tell(self, pid: str, text: str) -> int:
        seq = await self.delivery.send_to_person(pid, SYSTEM, text)
        await self.events.publish("message", pid, seq)
        return seq

    # -- operator actions --------------------------------------------------------------
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
        await self.store.append(pid, SYSTEM, f"{op.name} átvette, {int(waited)} mp várakozás után", audience=TO_STAFF,
                                meta={"kind": "claimed", "operator": op.name, "waited": int(waited)})
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
            await self.store.append(pid, OPERATOR, note or "(nincs átadási jegyzet)", audience=TO_STAFF,
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
        await self.store.append(pid, OPERATOR, note or "(nincs átadási jegyzet)", audience=TO_STAFF,
                                meta={"kind": "transfer", "operator": op.name, "from": owner, "to_skill": skill})
        ticket = await self.queue.ticket(pid)
        prio = _priority(ticket.get("rank"))
        await self._tell(pid, await self._waiting_text(pid, skill, prio, conv.voice, channel=conv.channel,
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
        await self.audit(keys.audit_blocks(), {"by": op.name, "conv": pid, "hours": hours, "reason": reason})
        if conv.state in (State.QUEUED, State.LIVE):
            ticket = await self.queue.ticket(pid)
            await self.queue.release(pid, State.CLOSED.value, (State.LIVE.value, State.QUEUED.value),
                                     operator=ticket.get("operator", ""), expected="")
            self._rasa_event(pid, "resume")
        await self.store.append(pid, SYSTEM, f"{op.name} letiltotta {hours} órára", audience=TO_STAFF,
                                meta={"kind": "blocked", "operator": op.name, "reason": reason})
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
        await self.audit(keys.audit_verdicts(), {"by": op.name, "conv": pid, "seq": target.seq,
                                                 "screen": v.screen_level, "level": v.level,
                                                 "category": v.category})
        log.info("screen verdict", extra={"conv": pid, "operator": op.name, "risk": v.screen_level})
        return {"id": pid, "seq": target.seq, "screen": {"level": v.screen_level, "categories": v.screen_categories,
                                                         "signals": v.screen_signals},
                "level": v.level, "category": v.category}

    async def _staff_names(self) -> set[str]:
        """Every name that may own a live chat: accounts, and past owners (removed ones too)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.smembers(keys.operator_accounts())
            pipe.smembers(keys.handoff_owners())
            accounts, owners = await pipe.execute()
        return {n.decode() for n in accounts | owners}

    async def requeue_orphans(self) -> int:
        """Chats of operators whose console has been gone past the grace period go back
        to the queue (keeping their level and original wait, so they come first), and the
        person is told. Whoever the owner was: a removed account's chats too. The automation
        API's operator ("api") has no console and is exempt."""
        online = set(await self.presence.online())
        names = await self._staff_names()
        moved = 0
        for name in sorted(names - online - {API_OPERATOR}):
            for raw in await self.redis.smembers(keys.operator_chats(name)):
                pid = raw.decode()
                ticket = await self.queue.ticket(pid)
                skill = ticket.get("skill") or DEFAULT_SKILL
                if not await self.queue.requeue(pid, name, skill):
                    continue
                conv = await self._conv(pid)
                await self.store.append(pid, SYSTEM, f"{name} kapcsolata megszakadt; újra a sorban", audience=TO_STAFF,
                                        meta={"kind": "orphaned", "operator": name})
                prio = _priority(ticket.get("rank"))
                await self._tell(pid, await self._waiting_text(pid, skill, prio, conv.voice, channel=conv.channel,
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
        await self.store.append(pid, SYSTEM, f"{op.name} visszaadta a botnak", audience=TO_STAFF,
                                meta={"kind": "returned", "operator": op.name})
        await self._tell(pid, data.text("returned_to_bot", conv.voice))
        await self.events.publish("returned", pid)
        log.info("handoff returned to bot", extra={"conv": pid, "operator": op.name})
        return {"id": pid, "state": State.BOT.value}

    async def close(self, pid: str, op: Operator, outcome: str | None) -> dict[str, Any]:
        outcome = outcome or "other"
        if outcome not in data.outcome_ids():
            raise HandoffError(f"unknown outcome {outcome!r}")
        conv, released = await self._end(pid, op, State.CLOSED)
        handled = time.time() - float(released.get("claimed") or released.get("enqueued") or time.time())
        await self.store.append(pid, SYSTEM, f"{op.name} lezárta: {_outcome_hu().get(outcome, outcome)}", audience=TO_STAFF,
                                meta={"kind": "closed", "operator": op.name, "outcome": outcome,
                                      "handled": int(handled)})
        await self._tell(pid, data.text("closed", conv.voice))
        await self.events.publish("closed", pid)
        log.info("handoff closed", extra={"conv": pid, "operator": op.name, "outcome": outcome})
        return {"id": pid, "state": State.CLOSED.value, "outcome": outcome}

    # -- what consoles see -------------------------------------------------------------
    @staticmethod
    def entry_json(e: Entry) -> dict[str, Any]:
        m = e.meta or {}
        out: dict[str, Any] = {"seq": e.seq, "from": e.sender, "text": e.text, "staff": e.audience == TO_STAFF,
                               "ts": e.ts, "buttons": [t for t, _ in e.buttons]}
        for k in ("level", "categories", "matches", "kind", "operator", "outcome", "to", "to_skill", "from"):
            if k in m and m[k] not in (None, "", []):
                out["by" if k == "from" else k] = m[k]
        return out

    async def audit(self, stream: str, fields: dict[str, Any]) -> None:
        """Append to an audit stream; entries older than the audit retention go, and the
        stream itself expires when nothing is written for that long."""
        keep = self.settings.audit_retention_seconds
        min_id = f"{int((time.time() - keep) * 1000)}-0"
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xadd(stream, {**fields, "ts": f"{time.time():.0f}"}, minid=min_id, approximate=False)
            pipe.expire(stream, keep)
            await pipe.execute()

    async def _note_read(self, pid: str, op: Operator, ticket: dict[str, str]) -> None:
        """Limit and log transcript reads: an operator opening many conversations quickly
        (reading, not helping) is refused; each first read in a window is audited (no text).
        The chat an operator holds is never limited: they are acting on it."""
        if ticket.get("operator") == op.name:
            return
        # The automation token (a supervisor's tool) is logged but not limited.
        limit = 0 if op.name == API_OPERATOR else self.settings.operator_reads_per_10min
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
        await self.audit(keys.audit_reads(), {"by": op.name, "conv": pid})

    async def chat(self, pid: str, op: Operator, after: int = 0) -> dict[str, Any]:
        conv = await self._conv(pid)
        ticket = await self.queue.ticket(pid)
        await self._note_read(pid, op, ticket)
        entries = await self.store.read(pid, after, staff=True, limit=5000)
        return {
            **self._summary(conv, ticket),
            "entries": [self.entry_json(e) for e in entries],
            "cursor": entries[-1].seq if entries else after,
        }

    @staticmethod
    def _summary(conv: Conversation, ticket: dict[str, str]) -> dict[str, Any]:
        return {
            "id": conv.pid, "short": short_id(conv.pid), "state": conv.state.value,
            "channel": conv.channel, "language": conv.language,
            "skill": ticket.get("skill") or conv.skill or DEFAULT_SKILL,
            "priority": _priority(ticket.get("rank")) if ticket.get("rank") is not None else "",
            "level": conv.risk.level.value, "categories": list(conv.risk.categories),
            "matches": list(conv.risk.matches), "operator": ticket.get("operator", ""),
            "enqueued": float(ticket.get("enqueued") or 0), "claimed": float(ticket.get("claimed") or 0),
        }

    async def snapshot(self) -> dict[str, Any]:
        """Queue, live chats and presence, computed once per change for all consoles."""
        waiting = await self.queue.waiting()
        names = sorted(await self._staff_names())
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
                    "claimed": float(claimed or 0), "priority": _priority(rank.decode() if rank else None),
                })
        online = await self.presence.skills_online()
        load: dict[str, int] = {n: 0 for n in online}
        for c in live:
            load[c["operator"]] = load.get(c["operator"], 0) + 1
        return {"waiting": waiting, "live": live, "online": online, "load": load}

    @staticmethod
    def snapshot_for(snap: dict[str, Any], op: Operator, now: float) -> dict[str, Any]:
        waiting = [w.public(now) for w in snap["waiting"]]
        out: dict[str, Any] = {
            "type": "queue", "now": now, "waiting": waiting,
            "live": [c for c in snap["live"] if op.supervisor or c["operator"] == op.name],
            "online": sorted(snap["online"]),
        }
        if op.supervisor:
            out["supervisor"] = {
                "operators": [{"name": n, "skills": sorted(s), "load": snap["load"].get(n, 0)}
                              for n, s in sorted(snap["online"].items())],
                "busy_offline": [{"name": n, "load": k} for n, k in sorted(snap["load"].items())
                                 if n not in snap["online"]],
                "waiting": len(waiting),
                "longest_wait": max((w["waiting_seconds"] for w in waiting), default=0),
                "live": len(snap["live"]),
            }
        return out

    async def queue_json(self) -> dict[str, Any]:
        now = time.time()
        return {"waiting": [w.public(now) for w in await self.queue.waiting()]}

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


def _rank(priority: str) -> int:
    return RANK.get(priority, 3)


def _priority(rank: Any) -> str:
    try:
        return PRIORITIES[int(rank)]
    except (TypeError, ValueError, IndexError):
        return "other"


__all__ = ["HandoffService", "Operator", "HandoffError", "NotFound", "Conflict", "Forbidden"]
