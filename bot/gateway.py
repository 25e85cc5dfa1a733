"""The one path every inbound message takes, whatever the channel.

screen -> record -> (emergency reply) -> route by state -> replies. Each step is a part
given at construction (bot.app builds them in order), so one message reads top to bottom:
``ScreeningStep`` (bot.screening_step) screens it before any I/O, the store records it,
``ReplyComposer`` (bot.reply_composer) says the 112 block, ``StateRouter``
(bot.state_router) decides who answers (the operator, the queue, the report desk, the
bot through ``RasaRelay``, bot.rasa_turn), and the replies go back to the channel.
Screening needs nothing but this process, so a child in danger gets 112 even when Rasa,
the action server or the queue is down; a message Redis cannot take is kept
(bot.kept_messages) and answered once it is back (bot.spool_replay).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from redis.exceptions import RedisError

from bot import keys, language, metrics, register, replays, texts
from bot.background import Background
from bot.commands import NO_PHONE, clean_text, fold, interpret_command
from bot.conversation_lock import ConversationLocks
from bot.deferred_answers import DeferredAnswers
from bot.delivery import Delivery, Reply
from bot.ids import pseudonymise
from bot.inbound import Deliver, Inbound, Outcome
from bot.kept_messages import KeptMessages
from bot.rasa_client import RasaPool
from bot.replays import Lease, Replays
from bot.reply_composer import ReplyComposer
from bot.screening import Level, ScreenResult
from bot.screening_step import ScreeningStep
from bot.state_router import StateRouter, Turn
from bot.store import PERSON, SEEN_SEQ, Conversation, ConversationStore, Prefetched, State

# Seconds the early 112 block of a push channel waits for the conversation's register at most.
EARLY_READ = 0.25

log = logging.getLogger(__name__)


class Gateway:
    """Takes an inbound message from any channel and hands it through the steps in order."""

    def __init__(self, *, pseudonym_key: bytes, screening: ScreeningStep, store: ConversationStore,
                 replies: ReplyComposer, router: StateRouter, rasa: RasaPool, deferred: DeferredAnswers,
                 locks: ConversationLocks, kept: KeptMessages, delivery: Delivery,
                 background: Background, busy_notice: float = 2.0) -> None:
        self._key = pseudonym_key
        self.screening = screening
        self.store = store
        self.replies = replies
        self.router = router
        self.rasa = rasa  # the pool: its health is the gateway's readiness (bot.health)
        self.deferred = deferred
        self.locks = locks
        self.kept = kept
        self.background = background
        # A web message delivered twice (HAProxy's replay) is answered once (bot.replays).
        self.replays = Replays(store.redis)
        # How long a replay waits for the first delivery's answer at most: its slot wait
        # and one Rasa call, with room to record the answer.
        self._replay_wait = busy_notice + rasa.timeout + 2.0
        # Messages to the person outside a reply; push channels register here as they start.
        self.delivery = delivery
        self.deliverers = delivery.deliverers

    def pid(self, channel: str, chat_id: str | int) -> str:
        """The pseudonymous id (keyed HMAC): the only id anything below the channel sees."""
        return pseudonymise(self._key, channel, chat_id)

    def screen(self, msg: Inbound) -> ScreenResult:
        """The screen's verdict on ``msg`` (channels screen before handing a message over)."""
        return self.screening.screen(msg)

    @staticmethod
    def guess_voice(msg: Inbound) -> str:
        return ScreeningStep.guess_voice(msg)

    async def early_voice(self, msg: Inbound, pid: str) -> str:
        """The voice of a 112 block sent before the conversation is read (a push channel): the
        conversation's language and register as stored, with this message's own words (an
        adult's later "he is here now" has no "Ön" cue in it, yet the adult is not "te"). One
        HMGET, given at most ``EARLY_READ`` seconds: a slow or absent Redis never holds the 112
        back, the message's own words decide then (``guess_voice``)."""
        try:
            raw = await asyncio.wait_for(self.store.redis.hmget(
                keys.conv(pid), "language", "register", "persona", "adult_self"), EARLY_READ)
        except (TimeoutError, RedisError, OSError):
            return self.guess_voice(msg)
        lang, reg, persona, adult = (v.decode() if isinstance(v, bytes) else (v or "") for v in raw)
        text = msg.text or ""
        return register.voice(language.detect(text, lang or "hu"),
                              register.detect(text, reg, persona, adult == "True"))

    @contextlib.asynccontextmanager
    async def conversation_lock(self, pid: str) -> AsyncIterator[None]:
        """Serialise the handling of one conversation within this process (every channel)."""
        async with self.locks.hold(pid):
            yield

    async def handle(self, msg: Inbound, deliver: Deliver | None = None,
                     screened: tuple[ScreenResult, bool] | None = None, keep: bool = True) -> Outcome:
        """Process one message; if Redis is down, still answer and keep it for later.

        Screening comes first and needs nothing but this process. On a push channel
        (``deliver`` given) an immediate danger gets the emergency reply at once, before
        any Redis call and before waiting for an earlier message of the same person.
        If Redis is down the message is spooled to disk and processed, replies and all,
        as soon as Redis answers again. ``keep=False``: the caller keeps the message itself
        (Telegram's inbox entry or its own spool), so the Redis error is raised instead.
        """
        pid = self.pid(msg.channel, msg.chat_id)
        # ``screened``: the channel already screened it and maybe sent the 112 reply itself.
        result, urgent_sent = screened if screened is not None else (self.screening.screen(msg), False)
        if deliver is not None and result.level == Level.IMMEDIATE and not urgent_sent:
            try:
                await deliver([Reply(texts.text("emergency", await self.early_voice(msg, pid)), emergency=True)])
                urgent_sent = True
            except Exception as exc:  # noqa: BLE001 - the full path below still says it
                log.error("emergency reply not delivered", extra={"conv": pid, "error": type(exc).__name__})
        async with self.locks.hold(pid):
            try:
                outcome = await self._process(msg, pid, result, urgent_sent)
            except (RedisError, OSError) as exc:
                if not keep:
                    raise
                outcome = self._keep(msg, pid, result, urgent_sent, exc)
            if deliver is not None and outcome.replies:
                await deliver(outcome.replies)
        return outcome

    async def replay(self, msg: Inbound) -> Outcome:
        """A message kept while Redis was down, processed now; its 112 was given when it arrived."""
        pid = self.pid(msg.channel, msg.chat_id)
        async with self.locks.hold(pid):
            return await self._process(msg, pid, self.screening.screen(msg), urgent_sent=True)

    def _keep(self, msg: Inbound, pid: str, result: ScreenResult, urgent_sent: bool, exc: BaseException) -> Outcome:
        """Redis is down: keep the message for replay and tell the person, 112 first if needed."""
        metrics.ERRORS.labels("redis_unavailable").inc()
        log.error("redis unavailable; message kept for retry", extra={"conv": pid, "error": type(exc).__name__})
        kept = self.kept.keep(msg, pid)
        lang = self.guess_voice(msg)
        name = "store_unavailable" if kept else "store_unavailable_lost"
        urgent = result.level == Level.IMMEDIATE and not urgent_sent
        replies = [Reply(texts.text("emergency", lang), emergency=True)] if urgent else []
        replies.append(Reply(texts.text(name, lang)))
        if NO_PHONE.search(fold(msg.text or "")):
            # "I can't phone, he'd hear": what works without a call while nobody can read this yet
            replies.append(Reply(texts.text("no_phone_outage", lang)))
        return Outcome(pid=pid, state=State.BOT, replies=replies, screening=result)

    async def _process(self, msg: Inbound, pid: str, result: ScreenResult, urgent_sent: bool = False) -> Outcome:
        started = time.perf_counter()
        seen: dict[str, int] = {}
        token = SEEN_SEQ.set(seen)  # the appends below report their sequence numbers here
        try:
            # One round trip reads what the message needs; one more records it (bot.store).
            pre = await self.store.prefetch(pid)
            conv = pre.conv
            if conv.state == State.CLOSED:
                # A closed conversation that gets a new message starts again with the bot.
                await self.store.move(conv, State.BOT, (State.CLOSED,))
            outcome = Outcome(pid=pid, state=conv.state)
            fields: dict[str, Any] = {} if conv.channel else {"channel": msg.channel}

            if msg.kind != "text":
                seq = (await self.store.record(conv, f"[{msg.kind}]", fields=fields, route=msg.route,
                                               meta={"kind": msg.kind})).seq
                outcome.replies = await self.router.non_text(conv, seq, pre)
            else:
                if msg.attachment:  # the transcript shows the picture came, before its words
                    await self.store.record(conv, f"[{msg.attachment}]", fields=fields, route=msg.route,
                                            meta={"kind": msg.attachment})
                async with self.replays.holding(pid, msg.client_id) as lease:
                    await self._text(conv, msg, outcome, result, urgent_sent, pre, fields, lease)
                if msg.attachment:
                    await self._attachment_note(conv, msg, outcome)
            outcome.state = conv.state
            if outcome.replayed:
                outcome.cursor = outcome.replayed
            else:
                outcome.cursor = seen.get(pid) or await self.store.last_seq(pid)
                if msg.client_id and msg.kind == "text":
                    # Off the reply's path (no round trip more per message): a replay arriving
                    # meanwhile finds the lease still alive and waits the few ms for this.
                    self.background.later(self.replays.answered(pid, msg.client_id, outcome.cursor))
        finally:
            SEEN_SEQ.reset(token)
        elapsed = time.perf_counter() - started
        metrics.MESSAGES.labels(msg.channel, msg.kind).inc()
        metrics.REPLY_LATENCY.labels(msg.channel).observe(elapsed)
        if outcome.screening.level != Level.NONE:
            for category in outcome.screening.categories or ("uncategorised",):
                metrics.SCREEN_HITS.labels(category, outcome.screening.level.value).inc()
        log.info(
            "message handled",
            extra={
                "conv": pid,
                "channel": msg.channel,
                "kind": msg.kind,
                "level": outcome.screening.level.value,
                "state": conv.state.value,
                "ms": round(elapsed * 1000, 1),
            },
        )
        return outcome

    async def _text(self, conv: Conversation, msg: Inbound, outcome: Outcome, result: ScreenResult,
                    urgent_sent: bool, pre: Prefetched, fields: dict[str, Any], lease: Lease | None = None) -> None:
        text, intent_payload = self.screening.said(msg)
        if not text and not intent_payload:
            await self.store.record(conv, "", fields=fields, route=msg.route, meta={"kind": "empty"})
            outcome.replies = await self.replies.say(conv, [Reply(texts.text("empty", conv.language))])
            return

        # 1. The screen's verdict (computed before any I/O) goes into the record first.
        outcome.screening = result
        risk = self.screening.screener.escalate(conv.risk, result)
        lang = language.detect(text, conv.language) if text else conv.language
        said = intent_payload or text  # a persona button ("/persona_adult") tells who writes
        adult = register.adult_self(said, conv.adult_self) if said else conv.adult_self
        reg = register.detect(said, conv.register, conv.persona, adult) if said else conv.register
        persona = register.persona(said, reg, conv.persona) if said else conv.persona
        fields.update(risk=risk, language=lang, register=reg, persona=persona)
        if adult != conv.adult_self:
            fields["adult_self"] = adult
        # A typed message reads the flood counter here; the router's flood step counts it.
        # Buttons never do.
        seq, counted, waiting, replay, answered = await self.store.record(
            conv, text or intent_payload or "", fields=fields, route=msg.route,
            meta={"level": result.level.value, "categories": list(result.categories),
                  "matches": list(result.matches), **({"payload": intent_payload} if intent_payload else {}),
                  **({"edited": True} if msg.edited else {})},
            count=not msg.payload, once=msg.client_id, lease=self.replays.lease,
        )
        if replay and await self._answered_before(conv, msg, outcome, result, seq, replay, answered):
            return
        if lease is not None:
            lease.start()  # this delivery answers it: keep its lease while it does
        replies: list[Reply] = []
        told: list[Reply] = []  # the 112 block of this turn, even when a push channel sent it
        if result.level == Level.IMMEDIATE:
            told = await self.replies.emergency(conv, conv.voice)  # the full block once, then a short line
            if not urgent_sent:  # a push channel already delivered it, before anything else
                replies += told
        # 2.-6. Who answers, by the conversation's state (bot.state_router).
        outcome.replies = await self.router.text(
            Turn(conv, msg, text, intent_payload, result, risk, persona, seq, counted, waiting, pre, told), replies)

    async def _attachment_note(self, conv: Conversation, msg: Inbound, outcome: Outcome) -> None:
        """Words sent with a picture were answered: say the picture itself was not opened
        (a child who wrote "look at my arm" must not think we saw it). While an operator is
        live, that the colleague cannot open it (once a while); never after /torles."""
        if conv.state == State.LIVE:  # the colleague sees "[photo]" and the words only
            outcome.replies += await self.replies.media_unseen(conv)
            return
        if conv.state not in (State.BOT, State.QUEUED) or not outcome.replies:
            return
        if interpret_command(clean_text(msg.text or ""), self.screening.intents)[0] == "erase":
            return
        outcome.replies += await self.replies.say(conv, [Reply(texts.text("attachment_unseen", conv.voice))])

    async def _answered_before(self, conv: Conversation, msg: Inbound, outcome: Outcome, result: ScreenResult,
                               seq: int, replay: int, answered: int) -> bool:
        """A message delivered again (HAProxy's replay of a request): True when the first
        delivery's answer was put in ``outcome`` (waiting for it if it is being given);
        False when this delivery must answer (the first one's gateway died, or danger:
        its 112 never waits on another replica)."""
        assert msg.client_id
        if replay == replays.BUSY and result.level < Level.IMMEDIATE:
            answered = await self.replays.wait_answer(conv.pid, msg.client_id, self._replay_wait)
        if not answered:
            log.info("replayed message answered here", extra={"conv": conv.pid})
            return False
        entries = await self.store.read(conv.pid, seq, limit=50)
        outcome.replies = [Reply(e.text, e.buttons) for e in entries if e.seq <= answered and e.sender != PERSON]
        outcome.replayed = answered
        conv.state = (await self.store.load(conv.pid)).state
        log.info("replayed message: first answer returned", extra={"conv": conv.pid, "count": len(outcome.replies)})
        return True

    async def erase(self, conv: Conversation) -> None:
        """/torles from outside a message (the mail channel's own erase)."""
        await self.router.erase(conv)

    async def stop(self) -> None:
        """Let answers waiting for Rasa and background work finish (briefly) before the process
        ends; hand the rest back at once (their messages stay in Redis)."""
        pending = self.deferred.tasks() | self.background.tasks
        if pending:
            await asyncio.wait(pending, timeout=5)
        await self.background.cancel()
        await self.deferred.hand_back()
