"""Who answers a recorded message, by the conversation's state: the gateway's decisions.

The gateway (bot.gateway) has screened the message, recorded it and given the 112 block;
this module decides what follows, in order: commands, a supervisor's block, the operator
(``live``), the queue (``queued``, danger, "talk to a person"), the report desk, the flood
limit and last the bot (Rasa). Each step either answers and stops or falls through.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot import asking, language, metrics, report_net, texts
from bot.commands import DISTRESS, HANDOFF_INTENTS, NO_PHONE, alarm_emoji, fold, interpret_command
from bot.deferred_answers import DeferredAnswers
from bot.delivery import Reply
from bot.inbound import Handoff, Inbound
from bot.rasa_client import RasaBusy
from bot.rasa_turn import RasaRelay, RasaSlow
from bot.reply_composer import ReplyComposer
from bot.screening import Level, RiskState, ScreenResult
from bot.store import Conversation, Prefetched, State

log = logging.getLogger(__name__)

EraseHook = Callable[[str, dict[str, Any] | None], Awaitable[None]]


def maybe_disclosure(earlier: Level, now: Level, text: str) -> bool:
    """Whether an answer Rasa could not give should be support instead of "not sure I
    understood": the message tells of danger or feelings, or an earlier one did. An earlier danger
    does not make a plain question a disclosure ("Van éjjel-nappal hívható vonaluk?" while queued
    got "I'm here, I'm listening", sealed9): that one hears it was not understood, and that a
    colleague will write."""
    if now >= Level.CONCERN or DISTRESS.search(fold(text)):
        return True
    return earlier >= Level.CONCERN and not text.rstrip().endswith("?")


@dataclass
class Turn:
    """One recorded text message and what the gateway read from it."""

    conv: Conversation
    msg: Inbound
    text: str
    intent_payload: str | None
    result: ScreenResult  # this message's screen
    risk: RiskState  # the conversation's risk after it
    persona: str
    seq: int  # its place in the transcript
    counted: int  # messages in the flood window before it
    waiting: int  # its earlier messages still deferred
    pre: Prefetched
    told: list[Reply]  # this turn's 112 block, even when a push channel sent it already


class StateRouter:
    """Decides, by state, who answers a message the gateway recorded."""

    def __init__(self, replies: ReplyComposer, relay: RasaRelay, deferred: DeferredAnswers, *,
                 intents: frozenset[str], handoff: Handoff | None = None, reports: Any = None,
                 erase_hook: EraseHook | None = None, aof: Any = None, max_chars: int = 4096,
                 rate_limit: tuple[int, int] = (8, 10), busy_notice: float = 2.0) -> None:
        self.replies = replies
        self.store = replies.store
        self.relay = relay
        self.deferred = deferred
        self.handoff = handoff
        # Anonymous reports and follow-up by case code (bot.reports.followup.ReportDesk).
        self.reports: Any = reports
        self._intents = intents
        self._erase_hook = erase_hook
        # Rewrites Redis's append-only file after erasures (bot.aof.AofRewriter).
        self.aof: Any = aof
        self._max_chars = max_chars
        self._rate_count, self._rate_window = rate_limit
        self._busy_notice = busy_notice

    async def non_text(self, conv: Conversation, seq: int, pre: Prefetched) -> list[Reply]:
        """A sticker, a photo, a voice message: the operator hears of it, else a kind line."""
        if pre.blocked:
            return []
        if conv.with_human:
            # The operator sees that something arrived; the bot stays silent, but in a live
            # chat the person hears (once a while) that the colleague cannot open it.
            told = await self.handoff.person_wrote(conv, seq, ScreenResult()) if self.handoff else []
            if conv.state == State.LIVE:
                told += await self.replies.media_unseen(conv)
            return told
        return await self.replies.say(conv, [Reply(texts.text("non_text", conv.voice))])

    async def text(self, turn: Turn, replies: list[Reply]) -> list[Reply]:
        """Everything said after the emergency block (``replies``): the whole reply."""
        conv, text, result, risk = turn.conv, turn.text, turn.result, turn.risk
        say, hand_off = self.replies.say, self.replies.hand_off
        voice = conv.voice  # the language and register every text below is said in
        skill = turn.persona or None

        # 2. Commands that never reach Rasa; erasing works in every state.
        kind, value = (("intent", turn.intent_payload) if turn.intent_payload
                       else interpret_command(text, self._intents))
        if kind == "erase":
            await self.erase(conv)
            conv.state = State.BOT
            return [Reply(texts.text("erased", voice))]

        # A conversation a supervisor blocked (abuse) gets no bot for 24 h. A block stops
        # abuse, never help: worry and up get the numbers, danger still reaches the queue.
        if turn.pre.blocked:
            if Level.CONCERN <= result.level < Level.IMMEDIATE:
                replies += await say(conv, [Reply(texts.text("blocked_help", voice))])
            if result.level >= Level.HIGH and not conv.with_human:
                replies += await hand_off(conv, reason="blocked_danger", skill=None, announce=False)
            return replies

        # 3. With an operator (live): the bot stays silent; the operator reads everything.
        if conv.state == State.LIVE:
            if self.handoff:
                replies += await self.handoff.person_wrote(conv, turn.seq, result)
            return replies
        wants_person = kind == "handoff" or (kind == "intent" and value[1:] in HANDOFF_INTENTS)
        queued = conv.state == State.QUEUED
        acked: list[Reply] = []
        if queued and self.handoff:
            # Waiting is not silence: operators hear of the message (maybe at a higher
            # priority) and the bot goes on answering below.
            acked = await self.handoff.person_wrote(conv, turn.seq, result, bot_answers=not wants_person)
            replies += acked
            if not wants_person and result.level < Level.HIGH and asking.asks_wait(text):
                # "How long until someone writes?" is the queue's question: its answer, not
                # Rasa's "I'm asking a colleague" once more.
                return replies + await self.handoff.wait_answer(conv)

        # 4. Danger or an explicit request: to the queue. A danger an operator already
        # handled (returned to the bot) re-queues only on a new signal: a higher level than it
        # was returned at, or a disclosure; a question about where to turn is answered.
        new_signal = result.level > conv.handled or (
            result.level >= Level.HIGH and not asking.asks_where_to_turn(text))
        danger = risk.level >= Level.HIGH and (new_signal or risk.level > conv.handled)
        if wants_person:
            if not queued:
                reason = "danger" if danger else "requested"
                replies += await hand_off(conv, reason=reason, skill=skill, announce=True)
            elif not acked and self.handoff:
                # Asked again while waiting (the first ask was acknowledged): the place in
                # the queue and 112, never silence.
                replies += await self.handoff.wait_answer(conv)
            return replies
        if danger and not queued:
            replies += await hand_off(conv, reason="danger", skill=skill, announce=result.level != Level.IMMEDIATE)
        if "missing_child" in result.categories and result.level >= Level.HIGH:
            replies += await say(conv, [Reply(texts.text("missing_child", voice))])
        told_no_phone = False
        if (max(risk.level, result.level) >= Level.CONCERN or conv.emergency_told) and NO_PHONE.search(fold(text)):
            if queued or danger:  # waiting for an operator: "a colleague will write here" holds
                replies += await say(conv, [Reply(texts.text("no_phone", voice))])
            else:  # nobody is on the way yet: offer one, promise none
                replies += await say(conv, [Reply(texts.text("no_phone_offer", voice), (
                    texts.talk_button(voice),))])
            told_no_phone = True

        # 4a. A report form filled in a mail, or the missing part of one (bot.reports.followup).
        # Screened above like any message; "in danger right now: yes" is the chat form's
        # yes: 112 first and an operator, and the report is kept too (no live chat by mail).
        msg, pre = turn.msg, turn.pre
        if self.reports is not None and (msg.report_form is not None or pre.followup):
            taken = await self.reports.take_form(conv, msg.report_form, text, followup=pre.followup)
            if msg.report_form is not None:
                self.relay.end_form(conv.pid)  # a chat form begun by mail is done by the mail form
            if taken is not None:
                form_replies, danger_now = taken
                if danger_now:
                    if result.level != Level.IMMEDIATE:
                        replies += await self.replies.emergency(conv, voice)
                    # to the queue, or higher in it (never live here: step 3 returned)
                    replies += await hand_off(conv, reason="danger", skill=skill, announce=False)
                return replies + await say(conv, form_replies)

        # 4b. Reports (bot.reports): a case code, /ugy, or an addition to a case.
        if self.reports is not None:
            handled = await self.reports.intercept(conv, text, followup=pre.followup)
            if handled is not None:
                return replies + await say(conv, handled)

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
            over = max(0, turn.counted + 1 - self._rate_count)
            if over or turn.waiting:
                metrics.RATE_LIMITED.inc()
                await self.store.deferred.add(conv.pid, value, time.time() + self._rate_window, self._rate_window)
                # Told once per flood; a message queued only behind earlier ones that wait
                # for Rasa (overload, not a flood) hears "a moment" rather than nothing.
                slow = ([Reply(texts.text("slow_down", voice))] if over == 1 else
                        [Reply(texts.text("bot_busy", voice))] if not over else [])
                return replies + await say(conv, slow)
            rate = self._rate_window

        # 5a. "🔪😭" and nothing else: are you safe, 112, a person here (never "not sure I
        # understood"); the danger level stays as the screen read it.
        if kind == "text" and alarm_emoji(value):
            talk = () if conv.with_human else (texts.talk_button(voice),)
            return replies + await say(conv, [Reply(texts.text("emoji_check_in", voice), talk)], rate=rate)

        # 5b. A message in another script (Arabic, Hebrew, Russian, ...): the bot cannot read it;
        # in English, that we answer in Hungarian and English, with 112 and a person at hand.
        if kind == "text" and language.foreign(value):
            talk = () if conv.with_human else (texts.talk_button(voice),)
            return replies + await say(conv, [Reply(texts.text("other_language", voice), talk)], rate=rate)

        # 6. Otherwise the bot answers. Under overload a message waits for Rasa only briefly
        # (a danger message not at all: its 112 and queue entry are already in ``replies``),
        # then the person is told to wait a moment and the answer follows (bot.deferred_answers);
        # an earlier message of theirs still waiting means this one queues behind it.
        # A danger message does not wait on a stalled Rasa either: past a moment its 112 and
        # queue place go out, with "a moment", and Rasa's answer follows (answer_late).
        distress = maybe_disclosure(risk.level, result.level, text)
        danger = result.level >= Level.HIGH
        wait = 0.0 if danger or self.deferred.answering(conv.pid) else self._busy_notice
        # "thanks. who can I talk to at school?": the question is what the bot answers.
        value = asking.question_after_courtesy(value)
        # Step 7 opens the report form after the answer when the wish is said (and no "send it").
        wants_report = asking.wants_to_report(text)
        report_wish = wants_report and not report_net.sends_report(text)
        try:
            answer = await self.relay.ask(conv, value, distress=distress, wait=wait, rate=rate,
                                          within=self._busy_notice if danger else None,
                                          answered=told_no_phone, said=[*turn.told, *replies],
                                          heard=result.categories, danger=danger,
                                          form_follows=report_wish)
        except RasaBusy:
            return replies + await self.deferred.defer(conv, value, distress, rate)
        except RasaSlow as slow:
            self.deferred.answer_late(conv.pid, slow.task, distress, slow.slot_change)
            return replies + await say(conv, [Reply(texts.text("bot_busy", voice))])
        replies += answer
        # 6a. A child is missing (said earlier in this conversation): a later answer that does
        # not say so keeps "112 at once, 116 000" (issue 12: "what else can I do?").
        if ("missing_child" in risk.categories and "missing_child" not in result.categories
                and not any("112" in r.text for r in answer) and not asking.courtesy_only(text)):
            replies += await say(conv, [Reply(texts.text("missing_child_again", voice))])
        # 7. "Ezt névtelenül szeretném bejelenteni": the answer above (where to turn, the queue)
        # and the report form too, unless it is open already; a message that tells of a worry
        # is kept as the form's "what happened" (issue 12: a report is never lost).
        form_open = asking.report_form_open([payload for reply in answer for _, payload in reply.buttons])
        # 7a. "Igen, küldje el" that did not send a report, after a worry was told in this
        # conversation and with no report made here yet: the report is made with what they told
        # and the code shown (bot.report_net: a report is never lost once the person confirms).
        if (self.reports is not None and report_net.sends_report(text)
                and max(risk.level, result.level) >= Level.CONCERN and not report_net.has_case_code(answer)
                and not await self.reports.made_here(conv.pid)):
            entries = await self.store.read(conv.pid)
            # A form open before this message kept the words as an answer: it is told "send it".
            # One that opened on it (or none) gets what was told as "what happened" first.
            was_open = report_net.form_was_open(entries, turn.seq)
            what = None if was_open else report_net.worry_told(entries)
            if was_open or what:
                replies += await self.relay.file_report(conv, what, said=[*turn.told, *replies],
                                                        restart=form_open and not was_open)
        elif wants_report and not form_open:
            what = text if result.level >= Level.CONCERN else None
            replies += await self.relay.open_report(conv, what, said=[*turn.told, *replies])
        return replies

    async def erase(self, conv: Conversation) -> None:
        """/torles: the conversation's keys, the channel's copies (the hook), the AOF's."""
        route = await self.store.get_route(conv.pid)
        handed = await self.handoff.erasing(conv) if self.handoff else False
        if self._erase_hook:
            await self._erase_hook(conv.pid, route)
        await self.store.erase(conv.pid)
        if handed and self.handoff:
            await self.handoff.erased(conv.pid)
        if self.aof is not None:
            self.aof.request()  # the erased data leaves the append-only file too (bot.aof)
        log.info("conversation erased", extra={"conv": conv.pid})
