"""What the bot says and records: the emergency block, Rasa's answer as replies, the handoff.

Apart from the message path's decisions (bot.state_router) so the rules of what a person
hears (112 first, never "write it differently" after a disclosure, the form's next question
after the queue's place) are in one place. Every reply is recorded in the transcript before
it is handed back for delivery.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from typing import Any

from bot import metrics, texts
from bot.delivery import Reply
from bot.inbound import Handoff
from bot.rasa_client import BotMessage
from bot.store import BOT, Conversation, ConversationStore, State

# The bot's phone-number list opens with "call 112" (domain/danger.yml utter_emergency_numbers):
# right after "I can't phone" was answered with ways without a call, it would say the opposite.
_CALL_FIRST = re.compile(r"^(Ha valaki most veszélyben van, (hívd|hívja) a 112|"
                         r"If someone is in danger right now, call 112)")

log = logging.getLogger(__name__)

EMERGENCY_REPEAT_AFTER = 3600.0  # seconds: within this, a new danger message gets the short line
# Within this, the greeting again ("szia" x 12 in a minute, /start again) is one short line:
# the person has the full greeting and its buttons just above.
GREETING_REPEAT_AFTER = 600.0
# A live chat's person who sends a picture or a voice message hears once in this long that the
# colleague sees only words (they thought the operator had listened to it).
MEDIA_REPEAT_AFTER = 600.0


class ReplyComposer:
    """Records the bot's replies and turns Rasa's answer into them."""

    def __init__(self, store: ConversationStore, handoff: Handoff | None = None, reports: Any = None,
                 greetings: frozenset[str] = frozenset(), small_talk: frozenset[str] = frozenset()) -> None:
        self.store = store
        self.handoff = handoff
        # The texts of Rasa's greeting (domain utter_greet, every variant): known by its words,
        # whichever path its answer took (at once or late, bot.deferred_answers).
        self.greetings = greetings
        # Rasa's courtesies ("Rendben. Ha bármi más felmerül...", "Szívesen!", "Minden jót!"): the
        # NLU read "nem akarok már élni" as a "no" and the child heard "All right". To a message
        # the screen rated high or immediate they are a fallback: support, never a courtesy.
        self.small_talk = small_talk
        # Anonymous reports and follow-up by case code (bot.reports.followup.ReportDesk).
        self.reports: Any = reports

    async def say(self, conv: Conversation, replies: list[Reply], rate: int = 0, **fields: Any) -> list[Reply]:
        """Record the bot's replies (maybe some conversation fields; ``rate``: count the message
        answered towards the flood limit) in one round trip, then hand them back for delivery."""
        if replies or fields or rate:
            await self.store.append_many(conv, BOT, [(r.text, r.buttons) for r in replies], fields=fields,
                                         rate_window=rate)
        return replies

    async def emergency(self, conv: Conversation, voice: str) -> list[Reply]:
        """The full emergency block once; later danger messages get one short line (the
        person already has the numbers, and repeating them is not listening)."""
        again = time.time() - conv.emergency_told < EMERGENCY_REPEAT_AFTER
        said = await self.say(conv, [Reply(texts.text("emergency_again" if again else "emergency", voice),
                                            emergency=True)])
        await self.store.save(conv, emergency_told=time.time())
        return said

    async def media_unseen(self, conv: Conversation) -> list[Reply]:
        """In a live chat the bot is silent, but a picture, a voice message or a file cannot
        reach the colleague (the console shows "[voice]"): the person is told so, once a while."""
        now = time.time()
        if now - conv.media_told < MEDIA_REPEAT_AFTER:
            return []
        return await self.say(conv, [Reply(texts.text("media_unseen_live", conv.voice))], media_told=now)

    @staticmethod
    def _reply(m: BotMessage) -> Reply:
        return Reply(text=m.text, buttons=tuple(m.buttons))

    @staticmethod
    def unavailable(lang: str, waiting: bool = False) -> Reply:
        """The bot cannot answer: say so, with the numbers and a way to a person. ``waiting``
        (queued or live): a person is on the way already, so none is offered again (a child
        told "a colleague will write" and then "press the button for a colleague" was lost)."""
        if waiting:
            return Reply(texts.text("bot_unavailable_waiting", lang))
        talk = texts.talk_button(lang)
        return Reply(texts.text("bot_unavailable", lang), (talk,))

    async def hand_off(self, conv: Conversation, *, reason: str, skill: str | None, announce: bool) -> list[Reply]:
        """Queue the conversation (or raise its priority) and say so when asked to."""
        if self.handoff is None:
            log.error("no handoff configured", extra={"conv": conv.pid})
            return []
        metrics.HANDOFFS.labels(conv.risk.level.value, reason).inc()
        replies = await self.handoff.request(conv, reason=reason, skill=skill)
        if announce and conv.state == State.QUEUED:  # never "I'm asking a colleague" when refused
            replies = await self.say(conv, [Reply(texts.text("handoff_started", conv.voice))]) + replies
        return replies

    def _greeting_once(self, conv: Conversation, replies: list[Reply]) -> tuple[list[Reply], bool]:
        """The full greeting once; again within GREETING_REPEAT_AFTER in the same voice, one
        short line (a flood of "szia" got it twelve times). True when the full greeting is given now."""
        at = [i for i, r in enumerate(replies) if r.text.strip() in self.greetings]
        if not at:
            return replies, False
        if time.time() - conv.greeted >= GREETING_REPEAT_AFTER or conv.greeted_in != conv.voice:
            # Not a repeat: none lately, or in another language or register (the page greets in
            # Hungarian before anyone typed; "hi" then gets the English greeting and buttons).
            return replies, True
        short = Reply(texts.text("greeting_again", conv.voice))
        return [short if i == at[0] else r for i, r in enumerate(replies) if i == at[0] or i not in at], False

    async def use_answer(self, conv: Conversation, answer: list[BotMessage], distress: bool,
                         slot_change: bool, rate: int = 0, answered: bool = False,
                         said: Sequence[Reply] = (), danger: bool = False, form_follows: bool = False) -> list[Reply]:
        """Record Rasa's answer as replies; act on its handoff and report payloads.

        ``said``: what this turn told the person before Rasa's answer (its 112 block carries
        the ``emergency`` mark, even when a push channel delivered it already)."""
        replies: list[Reply] = []
        handoff: dict[str, Any] | None = None
        report: dict[str, Any] | None = None
        if danger and any(m.text.strip() in self.small_talk for m in answer):
            answer = [BotMessage(custom={"fallback": True}) if m.text.strip() in self.small_talk else m
                      for m in answer]
            distress = True
        if (answered or form_follows) and any(m.custom.get("fallback") for m in answer):
            # "I can't phone, he'd hear me" was just answered with ways to get help without a
            # call; a "not sure I understood" or a support text ending in "call 112" after it
            # would say the opposite. So would it before the report form the gateway opens next
            # ("visszajöttem, folytathatjuk a bejelentést?": sealed10).
            answer = [m for m in answer if not m.custom.get("fallback") and not (m.text or m.buttons)]
        elif answered:
            answer = [m for m in answer if not _CALL_FIRST.match(m.text or "")]  # nor the number list
        elif distress and any(m.custom.get("fallback") for m in answer):
            # Never "write it differently" (nor "I can't help with that") to someone who may have
            # just disclosed harm; waiting in danger, they hear that a person is on the way.
            # A person on the way or writing is not offered again ("a colleague will write").
            talk = texts.talk_button(conv.language)
            support = (BotMessage(text=texts.text("support_waiting", conv.voice)) if conv.with_human else
                       BotMessage(text=texts.text("support", conv.voice), buttons=(talk,)))
            answer = [m for m in answer if not m.custom.get("fallback") and not (m.text or m.buttons)] + [support]
        after: list[Reply] = []  # what Rasa said after its handoff (the report form's next question)
        danger_line: int | None = None  # the form's "call 112 first" (said just before its handoff)
        last = -1  # the index in ``answer`` of the last message put in ``replies``
        for i, m in enumerate(answer):
            if m.custom.get("fallback"):
                continue
            if isinstance(m.custom.get("handoff"), dict):
                handoff = m.custom["handoff"]
                if handoff.get("reason") == "danger_now" and last == i - 1 and replies:
                    danger_line = len(replies) - 1
            if isinstance(m.custom.get("report"), dict):
                report = m.custom["report"]
            if m.text or m.buttons:
                if handoff is not None:
                    after.append(self._reply(m))
                else:
                    replies.append(self._reply(m))
                    last = i
        if danger_line is not None and any(r.emergency for r in said):
            # The answer to "in danger right now?" was itself immediate: the 112 block opens
            # this reply already, so the form's own "call 112 first" (actions.report.danger_now:
            # the text right before its danger_now handoff, whatever its wording) would say it
            # twice. Known by its place and the mark, never by its words.
            told = replies[danger_line]
            replies[danger_line] = Reply(texts.text("report_danger_go_on", conv.voice), told.buttons)
        replies, greeted = self._greeting_once(conv, replies)  # known by Rasa's own words: first
        fields: dict[str, Any] = {"rasa_language": conv.language} if slot_change else {}
        if greeted:
            fields.update(greeted=time.time(), greeted_in=conv.voice)
        replies = await self.say(conv, replies, rate=rate, **fields)
        if report is not None and self.reports is not None:
            replies += await self.say(conv, await self.reports.submit(conv, report))
        if handoff is not None:
            # 112 first, then where the chat stands in the queue, then the form's next question.
            replies += await self.hand_off(
                conv, reason=str(handoff.get("reason") or "requested"),
                skill=handoff.get("skill") or None, announce=False,
            )
            replies += await self.say(conv, after)
        return replies
