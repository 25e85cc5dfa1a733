"""The live handoff, the gateway's side: queue a conversation, hear the person's messages.

State lives in Redis only (conversation hash, ticket, skill queues, transcript), so
any replica serves any conversation and a restart loses nothing. The person hears
about the handoff only through reviewed texts (``wording/handoff.yml``); everything internal
(who took it, hand-over notes, outcomes) is written to the transcript as staff-only.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from redis.asyncio import Redis

import wording
from bot import keys
from bot.config import Settings
from bot.crypto import Sealer
from bot.delivery import Delivery, Reply
from bot.handoff import data
from bot.handoff.audit import AuditLog
from bot.handoff.events import Events
from bot.handoff.operator_actions import OperatorActions
from bot.handoff.operators import Conflict, Forbidden, HandoffError, NotFound, Operator  # re-exported
from bot.handoff.presence import Presence
from bot.handoff.queue import DEFAULT_SKILL, RANK, Queue, normalise_skill, priority_for
from bot.handoff.waits import Waits
from bot.rasa_client import RasaPool
from bot.safety.verdicts import VerdictStore
from bot.screening import Level, ScreenResult
from bot.store import SYSTEM, TO_STAFF, Conversation, ConversationStore, State

log = logging.getLogger(__name__)
STOP_WAIT_SECONDS = 1.5  # stop(): a guard only; a cancelled tracker event ends at once

def _staff_queued(prio: str, skill: str, reason: str) -> str:
    return wording.staff("staff_queued", level=data.staff_word("level", prio), skill=data.staff_word("skill", skill),
                      reason=data.staff_word("reason", reason))


def left_flagged(conv: Conversation) -> bool:
    """A chat that must not vanish from the operators when the person quick-exits: flagged
    immediate danger, or suicide or self-harm at high or above."""
    risk = conv.risk
    return risk.level == Level.IMMEDIATE or (risk.level >= Level.HIGH and "suicide_self_harm" in risk.categories)


class HandoffService(OperatorActions):
    """Implements ``bot.inbound.Handoff``; the operator actions are ``OperatorActions``'.

    Built once by ``bot.app`` with what it needs (the gateway's delivery and Rasa pool);
    it builds the queue, presence, wait estimates and audit log it owns.
    """

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
        self.waits = Waits(redis, self.queue, self.presence)
        self.audit = AuditLog(redis, settings.audit_retention_seconds)
        self.guard: Any = guard  # bot.abuse.Guard: queue-entry limits per client and overall
        self._background: set[asyncio.Task[Any]] = set()

    async def stop(self) -> None:
        """Cancel the tracker events still on their way to Rasa (best effort: one HTTP call each,
        no loop and no Redis, so each ends at its cancellation) and wait for them to end."""
        tasks = list(self._background)
        for t in tasks:
            t.cancel()
        if tasks:
            # asyncio.wait, not gather: stop() being cancelled itself is never swallowed here.
            _, late = await asyncio.wait(tasks, timeout=STOP_WAIT_SECONDS)
            if late:
                log.warning("handoff tasks still running at stop", extra={"count": len(late)})

    # -- the gateway's side (bot.inbound.Handoff) ------------------------------------
    async def request(self, conv: Conversation, *, reason: str, skill: str | None) -> list[Reply]:
        if self.guard is not None and not conv.with_human:
            # A new queue entry counts against the client's (web: its address) and the
            # overall limit; over it, the person hears the numbers and the bot goes on.
            # Their 112 reply (immediate danger) was given before this, whatever the limit.
            from bot import abuse, texts

            if await self.guard.hit_both(self.guard.queue_address, self.guard.queue_global, abuse.CLIENT.get()):
                if conv.risk.level < Level.HIGH:
                    replies = [Reply(texts.text("queue_limited", conv.voice))]
                    await self.store.append(conv.pid, SYSTEM, wording.staff("staff_queue_limited"),
                                            audience=TO_STAFF, meta={"kind": "queue_limited"})
                    await self._record(conv.pid, replies)
                    return replies
                # Danger always reaches the queue, limit or not: operators see the flag and judge.
                await self.store.append(conv.pid, SYSTEM, wording.staff("staff_queue_limited_danger"),
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
        replies = [Reply(await self.waits.waiting_text(conv.pid, skill_now, prio, conv.voice, channel=conv.channel))]
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
                if before is not None and str(before) != str(RANK.get(prio, 3)):
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
        # "person" in a live chat: the owner's console marks it unread when another chat is open
        # (bot.console.hub); any other kind only updates the consoles showing it.
        kind = "person" if conv.state == State.LIVE else "message"
        await self.events.publish(kind, conv.pid, await self.store.last_seq(conv.pid))
        return replies

    async def wait_answer(self, conv: Conversation) -> list[Reply]:
        """The answer to "how long until someone writes?" while queued: the place and an
        estimate (or, with nobody online, that and the open numbers), and what to do if it is
        urgent. Said like the bot's other words (recorded in the transcript)."""
        ticket = await self.queue.ticket(conv.pid)
        skill = normalise_skill(ticket.get("skill")) or normalise_skill(conv.skill) or DEFAULT_SKILL
        text = await self.waits.waiting_text(conv.pid, skill, "", conv.voice, channel=conv.channel)
        if "112" not in text:
            text += "\n" + data.text("immediate_reminder", conv.voice)
        replies = [Reply(text)]
        await self._record(conv.pid, replies)
        log.info("queue wait asked", extra={"conv": conv.pid, "skill": skill})
        return replies

    async def erasing(self, conv: Conversation) -> bool:
        """/torles while waiting or live: the chat leaves the queue and its operator's list
        first (an operator at 3 a.m. kept a ghost chat and got "no such conversation")."""
        if conv.state not in (State.QUEUED, State.LIVE):
            return False
        ticket = await self.queue.ticket(conv.pid)
        await self.queue.release(conv.pid, State.CLOSED.value, (State.LIVE.value, State.QUEUED.value),
                                 operator=ticket.get("operator", ""))
        return True

    async def erased(self, pid: str) -> None:
        await self.events.publish("erased", pid)
        log.info("handoff chat erased by the person", extra={"conv": pid})

    async def person_left(self, pid: str) -> str:
        """The person used the quick exit: a waiting chat leaves the queue (nobody is
        there to answer it), unless it is flagged (``left_flagged``: it stays, marked "left");
        a live one stays with its operator, who is told once.

        Idempotent: a second call finds nothing queued and the live chat already marked.
        Returns the state afterwards."""
        if not await self.redis.exists(keys.conv(pid)):
            return State.BOT.value
        conv = await self.store.load(pid)
        if conv.state == State.QUEUED and left_flagged(conv):
            # Fled in danger (maybe the one hurting them came in): the chat stays visible to
            # the operators, at its priority, marked "left", to be read and closed by a person.
            if await self.redis.hsetnx(keys.handoff_ticket(pid), "left", "1"):
                await self.redis.hset(keys.handoff_ticket(pid), "reason", "left")
                seq = await self.store.append(pid, SYSTEM, wording.staff("staff_left_flagged"), audience=TO_STAFF,
                                              meta={"kind": "left", "was": State.QUEUED.value, "kept": True})
                await self.events.publish("message", pid, seq)
                await self.events.publish("priority", pid, seq)  # the consoles redraw the queue row
                log.info("person left a flagged chat; kept in the queue", extra={"conv": pid, "state": "queued"})
            return State.QUEUED.value
        if conv.state == State.QUEUED:
            released = await self.queue.release(pid, State.CLOSED.value, (State.QUEUED.value,), operator="")
            if released is not None:
                await self.store.append(pid, SYSTEM, wording.staff("staff_left_queued"),
                                        audience=TO_STAFF, meta={"kind": "left", "was": State.QUEUED.value})
                await self.events.publish("closed", pid, await self.store.last_seq(pid))
                log.info("person left; chat withdrawn from the queue", extra={"conv": pid, "state": "closed"})
                return State.CLOSED.value
        elif conv.state == State.LIVE:
            if await self.redis.hsetnx(keys.handoff_ticket(pid), "left", "1"):
                seq = await self.store.append(pid, SYSTEM, wording.staff("staff_left_live"),
                                              audience=TO_STAFF, meta={"kind": "left", "was": State.LIVE.value})
                await self.events.publish("person", pid, seq)  # unread for its operator
                log.info("person left a live chat", extra={"conv": pid, "state": "live"})
        return (await self.store.load(pid)).state.value

    # -- what the person hears (what operators do is in bot.handoff.operator_actions) -----
    async def _record(self, pid: str, replies: list[Reply]) -> None:
        """Replies handed back to the channel are also part of the transcript."""
        for r in replies:
            await self.store.append(pid, SYSTEM, r.text, buttons=r.buttons)

    async def update_positions(self, everyone: bool = False) -> None:
        """Tell waiting people when their place changed (once, whichever replica runs it):
        after a queue change the head of each queue, ``everyone`` in the periodic pass."""
        for pid, text in await self.waits.position_updates(everyone):
            await self._tell(pid, text)

__all__ = ["Conflict", "Forbidden", "HandoffError", "HandoffService", "NotFound", "Operator"]
