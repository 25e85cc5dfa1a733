"""One call to Rasa for the bot's answer, and what the person hears when it fails.

Apart so the Rasa call's edge cases (actions down, Rasa down, no free slot, the page's own
hello) are read in one place, next to the metadata every message carries to Rasa. No free
slot is the caller's to handle (``RasaBusy``: bot.deferred_answers answers it later).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import wording
from bot import metrics, report_net, texts
from bot.background import Background
from bot.commands import NO_PHONE, fold
from bot.delivery import Reply
from bot.rasa_client import BotMessage, RasaBusy, RasaPool, RasaUnavailable
from bot.reply_composer import ReplyComposer
from bot.store import SYSTEM, TO_STAFF, Conversation, State

log = logging.getLogger(__name__)


class RasaSlow(Exception):
    """Rasa did not answer within the moment a danger message may wait (its 112 and queue
    place must not wait on a stalled Rasa): ``task`` still brings the answer, to be said later."""

    def __init__(self, task: asyncio.Future[list[BotMessage]], slot_change: bool) -> None:
        super().__init__("rasa slow")
        self.task = task
        self.slot_change = slot_change


def rasa_metadata(conv: Conversation, heard: Sequence[str] = ()) -> tuple[dict[str, Any], bool]:
    """The REST metadata of a message to Rasa, and whether the language slot changes with it.

    Slots ride in ``metadata.slots`` (rasa_addons.metadata_slots turns them into entities the
    slots' mappings read in the same turn): never a tracker call, and no action-server call.
    The language goes when it changes (a new tracker's empty slot reads as Hungarian); the
    persona the gateway heard (bot.register) goes with every message, since NLU may have set
    the slot otherwise in between, and the gateway's register is the one the person hears.
    ``queued``: the danger level while the chat waits for an operator (the report form is short
    then: an operator is on the way and asks the rest, actions/report_form.py). ``topics``: the
    conversation's danger-screen categories (actions/where_to_turn.py ``action_ask_help``), the
    gravest latest danger first (``RiskState.top``). ``heard``: this message's own categories,
    so an answer NLU gave to another danger than the one told can follow the screen."""
    meta: dict[str, Any] = {"language": conv.language, "channel": conv.channel}
    if conv.state == State.QUEUED:
        meta["queued"] = conv.risk.level.value
    if conv.risk.categories:
        # what the screen heard so far (no text): "hová fordulhatok ezzel?" after a disclosure
        # NLU did not name is answered with that problem's services (actions/where_to_turn.py)
        meta["topics"] = list(dict.fromkeys([*conv.risk.top, *conv.risk.categories]))
    if heard:
        meta["heard"] = list(heard)
    # Rasa's own answers never offer a person while one is on the way or writing (the domain's
    # "queued" variations, actions/common.py ``waiting``): sent with every message, since the
    # state changes outside Rasa (an operator takes, returns or closes the chat).
    slots: dict[str, str] = {"queued": "yes" if conv.with_human else "no"}
    if conv.persona:
        meta["persona"] = conv.persona  # the actions' own reading (actions/persona.py)
        slots["persona"] = conv.persona
        if conv.adult_self and conv.persona in ("adult", "professional"):
            # an adult by their own words: the child they quote is not who writes
            meta["slots_sure"] = ["persona"]
    slot_change = (conv.rasa_language or "hu") != conv.language
    if slot_change:
        slots["language"] = conv.language
    meta["slots"] = slots
    return meta, slot_change


class RasaRelay:
    """Asks Rasa for the bot's answer and records it through the replies sender."""

    def __init__(self, rasa: RasaPool, replies: ReplyComposer, background: Background,
                 actions_up: Callable[[], bool] | None = None) -> None:
        self.rasa = rasa
        self.replies = replies
        self.store = replies.store
        self.background = background
        self.actions_up = actions_up  # cached action-server health (bot.action_watch)

    async def ask(self, conv: Conversation, text: str, distress: bool = False, *,
                  wait: float | None = None, within: float | None = None, rate: int = 0,
                  answered: bool = False, said: Sequence[Reply] = (), heard: Sequence[str] = (),
                  danger: bool = False, form_follows: bool = False) -> list[Reply]:
        """The bot's answer to ``text``. ``wait``: seconds to wait for a Rasa slot (None: wait
        as needed); ``RasaBusy`` when none freed in time. ``within``: seconds to wait for the
        answer itself, else ``RasaSlow`` with the call still running (None: up to Rasa's
        timeout). ``answered``: this turn already has its answer (a "no need to phone"), so a
        Rasa fallback adds nothing. ``said``: what this turn told the person before (its 112 block).
        ``heard``: the danger-screen categories of this message (metadata, never text). ``danger``:
        the message itself screened high or immediate (no small talk answers it). ``form_follows``:
        the gateway opens the report form after this answer ("folytathatjuk a bejelentést?"), so a
        Rasa fallback before it ("not sure I understood") would contradict it."""
        if self.actions_up is not None and not self.actions_up():
            # Rasa without its actions gives half answers: say plainly it is unavailable.
            metrics.ERRORS.labels("actions_unavailable").inc()
            await self.store.append(conv.pid, SYSTEM, wording.staff("staff_actions_down"), audience=TO_STAFF)
            return await self.replies.say(conv, self._unavailable(conv, text, answered), rate=rate)
        meta, slot_change = rasa_metadata(conv, heard)
        try:
            if wait == 0.0 and not self.rasa.has_room(conv.pid):
                raise RasaBusy("no free rasa slot")
            if within is None:
                answer = await self.rasa.send(conv.pid, text, meta, wait=wait)
            else:
                call = asyncio.ensure_future(self.rasa.send(conv.pid, text, meta, wait=wait))
                done, _ = await asyncio.wait({call}, timeout=within)
                if not done:
                    raise RasaSlow(call, slot_change)
                answer = call.result()
        except RasaUnavailable as exc:
            log.error("rasa unavailable", extra={"conv": conv.pid, "error": str(exc)})
            metrics.ERRORS.labels("rasa_unavailable").inc()
            await self.store.append(conv.pid, SYSTEM, wording.staff("staff_bot_down"), audience=TO_STAFF,
                                    meta={"error": str(exc)})
            if text == "/greet":  # the page's own hello: nothing of the person's has "arrived"
                return await self.replies.say(conv, [Reply(texts.text("greeting_offline", conv.voice), (
                    texts.talk_button(conv.voice),))], rate=rate)
            return await self.replies.say(conv, self._unavailable(conv, text, answered), rate=rate)
        return await self.replies.use_answer(conv, answer, distress, slot_change, rate, answered=answered,
                                             said=said, danger=danger, form_follows=form_follows)

    def _unavailable(self, conv: Conversation, text: str, answered: bool) -> list[Reply]:
        """"The bot is unavailable" with the numbers; for someone who said they cannot phone
        (and was not told yet this turn) also what works without a call (issue 12)."""
        replies = [self.replies.unavailable(conv.voice, waiting=conv.with_human)]
        if not answered and NO_PHONE.search(fold(text)):
            replies.append(Reply(texts.text("no_phone", conv.voice)))
        return replies

    async def open_report(self, conv: Conversation, what: str | None,
                          said: Sequence[Reply] = ()) -> list[Reply]:
        """Opens the report form (``/report_start``) after the person asked to report in words;
        ``what``: their message, kept as the form's "what happened" (metadata ``report_what``,
        read by actions/report.py's reset). Rasa down or busy: nothing more is said (the answer
        before this one stands, with its report button); without the action server no form."""
        if self.actions_up is not None and not self.actions_up():
            return []
        meta, slot_change = rasa_metadata(conv)
        if what:
            meta["report_what"] = what
        try:
            answer = await self.rasa.send(conv.pid, "/report_start", meta, wait=None)
        except (RasaUnavailable, RasaBusy) as exc:
            log.warning("report form not opened", extra={"conv": conv.pid, "error": str(exc)})
            return []
        return await self.replies.use_answer(conv, answer, False, slot_change, said=said)

    async def file_report(self, conv: Conversation, what: str | None, said: Sequence[Reply] = (), *,
                          restart: bool = False) -> list[Reply]:
        """"Send it" that the report form did not take as its "send it" (bot.report_net): with
        ``what`` (no form open) the form opens with it as "what happened" (its question is not
        shown: the person asked to send, not to be asked); then the form hears the plain "send
        it" (``report_net.SEND_IT``, the form's own words for it), sends the report with what
        was given and shows the code. ``restart``: the form opened on this message itself
        (NLU read the "send it" as a wish to report), so it holds nothing yet: it is ended and
        opened again with ``what``. Rasa down or busy: nothing more is said."""
        if self.actions_up is not None and not self.actions_up():
            return []
        meta, slot_change = rasa_metadata(conv)
        try:
            if what is not None:
                if restart:  # the form opened on this very "send it", empty: begun again with what was told
                    await self.rasa.tracker_event(conv.pid, {"event": "active_loop", "name": None})
                    await self.rasa.tracker_event(conv.pid, {"event": "slot", "name": "requested_slot", "value": None})
                await self.rasa.send(conv.pid, "/report_start", {**meta, "report_what": what}, wait=None)
            answer = await self.rasa.send(conv.pid, report_net.SEND_IT.get(conv.language, report_net.SEND_IT["hu"]),
                                          meta, wait=None)
        except (RasaUnavailable, RasaBusy) as exc:  # RasaDown is a RasaUnavailable
            log.warning("report not filed", extra={"conv": conv.pid, "error": str(exc)})
            return []
        return await self.replies.use_answer(conv, answer, False, slot_change, said=said)

    async def answer(self, conv: Conversation, text: str) -> tuple[list[BotMessage], bool]:
        """Rasa's answer, waiting for a slot as long as it takes ([] when Rasa failed), and
        whether the language slot travelled with it."""
        meta, slot_change = rasa_metadata(conv)
        if self.actions_up is not None and not self.actions_up():
            metrics.ERRORS.labels("actions_unavailable").inc()
            return [], slot_change  # Rasa without its actions gives half answers
        try:
            return await self.rasa.send(conv.pid, text, meta), slot_change
        except RasaUnavailable as exc:
            log.error("rasa unavailable", extra={"conv": conv.pid, "error": str(exc)})
            metrics.ERRORS.labels("rasa_unavailable").inc()
            return [], slot_change

    def end_form(self, pid: str) -> None:
        """End a form Rasa may be in (the chat report form asked its first question by mail,
        and the person answered with the mail form): else their next mail would be read as
        that question's answer. Best effort, in the background, like the handoff's pause."""

        async def post() -> None:
            try:
                await self.rasa.tracker_event(pid, {"event": "active_loop", "name": None})
                await self.rasa.tracker_event(pid, {"event": "slot", "name": "requested_slot", "value": None})
            except RasaUnavailable as exc:
                log.warning("rasa tracker event failed", extra={"conv": pid, "error": str(exc)})

        self.background.start(post())
