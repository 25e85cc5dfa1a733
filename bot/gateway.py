"""The one path every inbound message takes, whatever the channel.

screen -> record -> (emergency reply) -> (handoff) -> Rasa -> replies.
Screening runs first and needs nothing but this process, so a child in danger
gets 112 even when Rasa, the action server or the queue is down.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from redis.exceptions import RedisError

from bot import asking, language, metrics, register, replays, texts
from bot.commands import DISTRESS, HANDOFF_INTENTS, NO_PHONE, effective_text, fold, interpret_command
from bot.delivery import Reply
from bot.inbound import Deliver, Inbound, Outcome
from bot.replays import Lease
from bot.screening import Level, ScreenResult
from bot.spool_replay import SpoolReplay
from bot.store import PERSON, SEEN_SEQ, Conversation, Prefetched, State

log = logging.getLogger(__name__)


class Gateway(SpoolReplay):
    """Takes an inbound message from any channel and decides who answers it.

    The decisions are here; the parts it is built from are by concern: wiring
    (bot.gateway_base), what the bot says (bot.reply_composer), the Rasa call
    (bot.rasa_turn), answers that wait for Rasa (bot.deferred_answers) and replay after a
    Redis outage (bot.spool_replay); commands and phrase checks in bot.commands.
    """

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
        result, urgent_sent = screened if screened is not None else (self.screen(msg), False)
        if deliver is not None and result.level == Level.IMMEDIATE and not urgent_sent:
            try:
                await deliver([Reply(texts.text("emergency", self.guess_language(msg)), emergency=True)])
                urgent_sent = True
            except Exception as exc:  # noqa: BLE001 - the full path below still says it
                log.error("emergency reply not delivered", extra={"conv": pid, "error": type(exc).__name__})
        async with self.conversation_lock(pid):
            try:
                outcome = await self._process(msg, pid, result, urgent_sent)
            except (RedisError, OSError) as exc:
                if not keep:
                    raise
                outcome = self._keep(msg, pid, result, urgent_sent, exc)
            if deliver is not None and outcome.replies:
                await deliver(outcome.replies)
        return outcome

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
                outcome.replies = await self._non_text(conv, msg, pre, fields)
            else:
                async with self.replays.holding(pid, msg.client_id) as lease:
                    await self._text(conv, msg, outcome, result, urgent_sent, pre, fields, lease)
            outcome.state = conv.state
            if outcome.replayed:
                outcome.cursor = outcome.replayed
            else:
                outcome.cursor = seen.get(pid) or await self.store.last_seq(pid)
                if msg.client_id and msg.kind == "text":
                    # Off the reply's path (no round trip more per message): a replay arriving
                    # meanwhile finds the lease still alive and waits the few ms for this.
                    self._later(self.replays.answered(pid, msg.client_id, outcome.cursor))
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

    async def _non_text(self, conv: Conversation, msg: Inbound, pre: Prefetched, fields: dict[str, Any]) -> list[Reply]:
        kind = msg.kind
        seq = (await self.store.record(conv, f"[{kind}]", fields=fields, route=msg.route, meta={"kind": kind})).seq
        if pre.blocked:
            return []
        if conv.with_human:
            # The operator sees that something arrived; the bot stays silent.
            if self.handoff:
                return await self.handoff.person_wrote(conv, seq, ScreenResult())
            return []
        return await self._say(conv, [Reply(texts.text("non_text", conv.voice))])

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

    async def _text(self, conv: Conversation, msg: Inbound, outcome: Outcome, result: ScreenResult,
                    urgent_sent: bool, pre: Prefetched, fields: dict[str, Any], lease: Lease | None = None) -> None:
        text, intent_payload = effective_text(msg, self._intents)
        if not text and not intent_payload:
            await self.store.record(conv, "", fields=fields, route=msg.route, meta={"kind": "empty"})
            outcome.replies = await self._say(conv, [Reply(texts.text("empty", conv.language))])
            return

        # 1. The screen's verdict (computed before any I/O) goes into the record first.
        outcome.screening = result
        risk = self.screener.escalate(conv.risk, result)
        lang = language.detect(text, conv.language) if text else conv.language
        said = intent_payload or text  # a persona button ("/persona_adult") tells who writes
        reg = register.detect(said, conv.register) if said else conv.register
        persona = register.persona(said, reg, conv.persona) if said else conv.persona
        fields.update(risk=risk, language=lang, register=reg, persona=persona)
        # A typed message reads the flood counter here; step 5 counts it. Buttons never do.
        seq, counted, waiting, replay, answered = await self.store.record(
            conv, text or intent_payload or "", fields=fields, route=msg.route,
            meta={"level": result.level.value, "categories": list(result.categories),
                  "matches": list(result.matches), **({"payload": intent_payload} if intent_payload else {})},
            count=not msg.payload, once=msg.client_id, lease=self.replays.lease,
        )
        if replay and await self._answered_before(conv, msg, outcome, result, seq, replay, answered):
            return
        if lease is not None:
            lease.start()  # this delivery answers it: keep its lease while it does
        voice = conv.voice  # the language and register every text below is said in
        replies: list[Reply] = []
        told: list[Reply] = []  # the 112 block of this turn, even when a push channel sent it
        if result.level == Level.IMMEDIATE:
            told = await self._emergency(conv, voice)  # the full block once, then a short line
            if not urgent_sent:  # a push channel already delivered it, before anything else
                replies += told

        # 2. Commands that never reach Rasa; erasing works in every state.
        kind, value = ("intent", intent_payload) if intent_payload else interpret_command(text, self._intents)
        if kind == "erase":
            await self.erase(conv)
            conv.state = State.BOT
            outcome.replies = [Reply(texts.text("erased", voice))]
            return

        # A conversation a supervisor blocked (abuse) gets no bot for 24 h. A block stops
        # abuse, never help: worry and up get the numbers, danger still reaches the queue.
        if pre.blocked:
            if Level.CONCERN <= result.level < Level.IMMEDIATE:
                replies += await self._say(conv, [Reply(texts.text("blocked_help", voice))])
            if result.level >= Level.HIGH and not conv.with_human:
                replies += await self._handoff(conv, reason="blocked_danger", skill=None, announce=False)
            outcome.replies = replies
            return

        # 3. With an operator (live): the bot stays silent; the operator reads everything.
        if conv.state == State.LIVE:
            if self.handoff:
                replies += await self.handoff.person_wrote(conv, seq, result)
            outcome.replies = replies
            return
        wants_person = kind == "handoff" or (kind == "intent" and value[1:] in HANDOFF_INTENTS)
        queued = conv.state == State.QUEUED
        if queued and self.handoff:
            # Waiting is not silence: operators hear of the message (maybe at a higher
            # priority) and the bot goes on answering below.
            replies += await self.handoff.person_wrote(conv, seq, result, bot_answers=not wants_person)
            if not wants_person and result.level < Level.HIGH and asking.asks_wait(text):
                # "How long until someone writes?" is the queue's question: its answer, not
                # Rasa's "I'm asking a colleague" once more.
                outcome.replies = replies + await self.handoff.wait_answer(conv)
                return

        # 4. Danger or an explicit request: to the queue. A danger an operator already
        # handled (returned to the bot) re-queues only on a new signal: a higher level than it
        # was returned at, or a disclosure; a question about where to turn is answered.
        new_signal = result.level > conv.handled or (
            result.level >= Level.HIGH and not asking.asks_where_to_turn(text))
        danger = risk.level >= Level.HIGH and (new_signal or risk.level > conv.handled)
        if wants_person:
            if not queued:
                reason = "danger" if danger else "requested"
                replies += await self._handoff(conv, reason=reason, skill=persona or None, announce=True)
            outcome.replies = replies
            return
        if danger and not queued:
            replies += await self._handoff(conv, reason="danger", skill=persona or None,
                                           announce=result.level != Level.IMMEDIATE)
        if "missing_child" in result.categories and result.level >= Level.HIGH:
            replies += await self._say(conv, [Reply(texts.text("missing_child", voice))])
        told_no_phone = False
        if (max(risk.level, result.level) >= Level.CONCERN or conv.emergency_told) and NO_PHONE.search(fold(text)):
            replies += await self._say(conv, [Reply(texts.text("no_phone", voice))])
            told_no_phone = True

        # 4a. A report form filled in a mail, or the missing part of one (bot.reports.followup).
        # Screened above like any message; "in danger right now: yes" is the chat form's
        # yes: 112 first and an operator, and the report is kept too (no live chat by mail).
        if self.reports is not None and (msg.report_form is not None or pre.followup):
            taken = await self.reports.take_form(conv, msg.report_form, text, followup=pre.followup)
            if msg.report_form is not None:
                self._end_rasa_form(conv.pid)  # a chat form begun by mail is done by the mail form
            if taken is not None:
                form_replies, danger_now = taken
                if danger_now:
                    if result.level != Level.IMMEDIATE:
                        replies += await self._emergency(conv, voice)
                    # to the queue, or higher in it (never live here: step 3 returned)
                    replies += await self._handoff(conv, reason="danger", skill=persona or None, announce=False)
                outcome.replies = replies + await self._say(conv, form_replies)
                return

        # 4b. Reports (bot.reports): a case code, /ugy, or an addition to a case.
        if self.reports is not None:
            handled = await self.reports.intercept(conv, text, followup=pre.followup)
            if handled is not None:
                outcome.replies = replies + await self._say(conv, handled)
                return

        # 5. A flood slows the bot down, kindly: the message waits and is answered later,
        # in order; never dropped. Button presses are exempt (a "yes, send" must count);
        # screening and handoff above never wait.
        if len(value) > self._max_chars:
            value = value[: self._max_chars]
            replies.append(Reply(texts.text("too_long", voice)))
        # The counter was read when the message was recorded; the write that answers or
        # defers it counts it (one round trip fewer than counting apart).
        rate = 0
        if not msg.payload:
            over = max(0, counted + 1 - self._rate_count)
            if over or waiting:
                metrics.RATE_LIMITED.inc()
                await self.store.defer(conv.pid, value, time.time() + self._rate_window, self._rate_window)
                # Told once per flood; a message queued only behind earlier ones that wait
                # for Rasa (overload, not a flood) hears "a moment" rather than nothing.
                slow = ([Reply(texts.text("slow_down", voice))] if over == 1 else
                        [Reply(texts.text("bot_busy", voice))] if not over else [])
                outcome.replies = replies + await self._say(conv, slow)
                return
            rate = self._rate_window

        # 6. Otherwise the bot answers. Under overload a message waits for Rasa only briefly
        # (a danger message not at all: its 112 and queue entry are already in ``replies``),
        # then the person is told to wait a moment and the answer follows (bot.rasa_client).
        distress = max(risk.level, result.level) >= Level.CONCERN or bool(DISTRESS.search(fold(text)))
        wait = 0.0 if result.level >= Level.HIGH else self._busy_notice
        # "thanks. who can I talk to at school?": the question is what the bot answers.
        value = asking.question_after_courtesy(value)
        replies += await self._ask_rasa(conv, value, distress=distress, wait=wait, rate=rate,
                                        answered=told_no_phone, said=[*told, *replies])
        outcome.replies = replies

    async def erase(self, conv: Conversation) -> None:
        route = await self.store.get_route(conv.pid)
        if self._erase_hook:
            await self._erase_hook(conv.pid, route)
        await self.store.erase(conv.pid)
        if self.aof is not None:
            self.aof.request()  # the erased data leaves the append-only file too (bot.aof)
        log.info("conversation erased", extra={"conv": conv.pid})
