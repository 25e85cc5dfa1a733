"""The anonymous report form (issue 6): its questions, confirmation and submit.

Flow (rules in nlu_data/report/rules.yml, words in wording/report_form.yml, which text and
buttons go with which question in actions/report_texts.py):
``report_start`` -> ``action_report_reset`` -> intro -> ``report_form`` asks what
happened, the settlement and the child's age (each only if not already said: a place or an age
inside "what happened" is kept, actions/report_facts.py), then shows a summary and asks
"send it?" -> ``action_report_submit``. "Kiegészítem" there asks the details (danger right now,
an address, who causes the harm, since when, whether others know) and then "send it?" again.
"Mennem kell, majd befejezem" keeps the answers as a draft: "Folytatom" goes on where it stopped.
The answers are read in actions/report_answers.py, validated in actions/report_form.py.

A report is never lost (issue 12): "in danger right now: yes" says 112 first and queues the
chat for an operator, and the form goes on to a confirmed report with its case code; after it
who / since when / who else knows are not asked, and while an operator is on the way for danger
the summary says why (:func:`short_form`). "Igen, küldje el" at any question sends what was given at once (the reply
shows what was sent); "that's all I know" jumps to the summary and "send it?". Stop keeps what
was given only if the reporter then says yes.

Privacy: slots are reset as soon as the report is sent or discarded (a draft left half-way stays
in the conversation's tracker until it is taken up, sent or discarded); nothing here
logs answers, slot values or ids, only outcomes and counts.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .common import language
from .persona import handoff_skill, message_metadata, queued_for_danger
from .report_answers import SKIPPED, UNKNOWN
from .report_facts import age_in, place_in
from .report_texts import BUTTON_KIND, label, pii_listed, say, shown

logger = logging.getLogger(__name__)

try:  # standard library only, shared with the gateway (which masks the same spans in the PDF)
    from bot.reports import pii
except ImportError:  # pragma: no cover - a deployment without bot/reports/pii.py
    pii = None  # type: ignore[assignment]
    logger.error("report form: bot.reports.pii missing, no warning about the reporter's own data")

# Gateway field name (bot/reports/store.py FIELDS) -> slot, in the form's order.
FIELD_SLOTS: dict[str, str] = {
    "what": "report_what",
    "settlement": "report_settlement",
    "child_age": "report_child_age",
    "danger_now": "report_danger_now",
    "address": "report_address",
    "relation": "report_relation",
    "since": "report_since",
    "others_know": "report_others_know",
}
ALL_SLOTS: list[str] = [
    "report_what", "report_settlement", "report_child_age", "report_danger_now", "report_wants_address",
    "report_address", "report_relation", "report_since", "report_others_know", "report_confirm",
    "report_stopped", "report_send_now", "report_more", "report_paused", "report_discard_check",
    "report_confirm_asked",
]
# Asked only when the reporter chooses "Kiegészítem" at "send it?" (issue 12): what happened, where
# and how old are what a report needs; the rest is detail the reporter may add, or an operator asks.
DETAIL_SLOTS = frozenset({"report_danger_now", "report_wants_address", "report_address", "report_relation",
                          "report_since", "report_others_know"})
# Not asked while an operator is on the way for danger: the operator asks them in person,
# and the reporter can add them later with the case code.
OPTIONAL_SLOTS = frozenset({"report_relation", "report_since", "report_others_know"})


MAX_WHAT = 1000  # the form's own cap on "what happened" (actions/report_form.MAX_CHARS)


def short_form(tracker: Tracker) -> bool:
    """The short form: the chat waits for an operator because of danger (the gateway's
    metadata), or the child is in danger right now (that yes queued it at the top)."""
    return tracker.get_slot("report_danger_now") == "yes" or queued_for_danger(tracker)


def given(tracker: Tracker) -> int:
    """How many report fields hold something other than "skipped" (not logged as values)."""
    return sum(1 for slot in FIELD_SLOTS.values() if tracker.get_slot(slot) not in (None, SKIPPED))


def facts_in(what: str) -> dict[str, str]:
    """The settlement and the child's age said inside "what happened", as slot values."""
    found = {"report_settlement": place_in(what), "report_child_age": age_in(what)}
    return {slot: value for slot, value in found.items() if value}


def reset_events() -> list[EventType]:
    """Forget every report slot: the tracker keeps none of it longer than needed."""
    return [SlotSet(slot, None) for slot in ALL_SLOTS]


def danger_now(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """"In danger right now: yes": 112 first, and an operator is asked in parallel (the
    gateway queues the chat at the top); the form itself goes on."""
    say(dispatcher, tracker, "report_danger")
    dispatcher.utter_message(json_message={"handoff": {"reason": "danger_now", "skill": handoff_skill(tracker)}})
    logger.info("report form: danger now, operator asked, form goes on")


# -- the questions: Rasa calls action_ask_<slot> to ask a slot ------------------------------
class AskReport:
    """Asks one question of the form in the person's register, with its buttons.

    Not an Action itself (rasa_sdk registers every Action subclass by its name()): each
    question below is an Action that names its slot."""

    slot: str = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        say(dispatcher, tracker, self.slot, BUTTON_KIND.get(self.slot, "free"))
        return []


class ActionAskReportWhat(AskReport, Action):
    """Asks what happened."""
    slot = "report_what"


class ActionAskReportChildAge(AskReport, Action):
    """Asks the child's approximate age."""
    slot = "report_child_age"


class ActionAskReportSettlement(AskReport, Action):
    """Asks the settlement."""
    slot = "report_settlement"


class ActionAskReportWantsAddress(AskReport, Action):
    """Asks whether they want to give an address."""
    slot = "report_wants_address"


class ActionAskReportAddress(AskReport, Action):
    """Asks the address (only after a yes)."""
    slot = "report_address"


class ActionAskReportDangerNow(AskReport, Action):
    """Asks whether the child is in danger right now."""
    slot = "report_danger_now"


class ActionAskReportRelation(AskReport, Action):
    """Asks who causes the harm."""
    slot = "report_relation"


class ActionAskReportSince(AskReport, Action):
    """Asks since when."""
    slot = "report_since"


class ActionAskReportOthersKnow(AskReport, Action):
    """Asks whether others know."""
    slot = "report_others_know"


# -- the summary and "send it?" -------------------------------------------------------------
def summary(tracker: Tracker, lang: str, given_only: bool = False) -> str:
    """One line per question asked, the reporter's own words; skipped ones marked as such
    (the short form's questions never asked are left out; ``given_only``: skipped ones too)."""
    lines = []
    for field, slot in FIELD_SLOTS.items():
        if field == "address" and tracker.get_slot("report_wants_address") != "yes":
            continue
        value = tracker.get_slot(slot)
        if value is None and slot in DETAIL_SLOTS:
            continue  # a detail never asked (not chosen, or the short form): not "skipped"
        if given_only and value in (None, SKIPPED):
            continue
        lines.append(f"• {label(field, lang)}: {shown(SKIPPED if value is None else value, lang)}")
    return "\n".join(lines)


def report_payload(tracker: Tracker) -> dict[str, str]:
    """The gateway's report fields: the value, "unknown", or "skipped" (never None)."""
    out: dict[str, str] = {}
    for field, slot in FIELD_SLOTS.items():
        value = tracker.get_slot(slot)
        if field == "address" and tracker.get_slot("report_wants_address") != "yes":
            value = None
        out[field] = SKIPPED if value in (None, "") else str(value)
    return out


def pii_found(tracker: Tracker) -> list[str]:
    """The kinds of personal data in the answers ("phone", "email", "name"); never their values."""
    if pii is None:
        return []
    return pii.kinds_in(v for v in report_payload(tracker).values() if v not in (SKIPPED, UNKNOWN))


class ActionAskReportConfirm(Action):
    """Shows what they gave and asks "send it?": nothing leaves without this yes."""

    def name(self) -> str:
        return "action_ask_report_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        if tracker.get_slot("report_discard_check"):
            say(dispatcher, tracker, "report_discard_check", "discard_check")
            return []
        stopped = bool(tracker.get_slot("report_stopped"))
        more = tracker.get_slot("report_more") == "yes"
        again = bool(tracker.get_slot("report_confirm_asked"))  # the notes were said the first time
        short = short_form(tracker) and any(tracker.get_slot(n) is None for n in OPTIONAL_SLOTS)
        if stopped and not again:
            say(dispatcher, tracker, "report_stopped")
        elif short and not again:
            say(dispatcher, tracker, "report_short")
        kinds = pii_found(tracker)
        if kinds and not again:
            say(dispatcher, tracker, "report_pii", found=pii_listed(kinds, language(tracker)))
            logger.info("report form: personal data in the answers (%s)", ",".join(kinds))
        offer = not stopped and not more  # "Kiegészítem": the details, once (said why unless short)
        say(dispatcher, tracker, "report_confirm", "confirm_more" if offer else "confirm",
            extra="report_confirm_more" if offer and not short else None,
            summary=summary(tracker, language(tracker)))
        return [SlotSet("report_confirm_asked", True)]


class ActionReportSubmit(Action):
    """After the form: sends the report on a yes, otherwise discards it; resets the slots."""

    def name(self) -> str:
        return "action_report_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        if tracker.get_slot("report_paused"):
            # Left half-way: the answers stay in the conversation as a draft, nothing is sent yet;
            # "Folytatom" (/report_start) goes on where it stopped (ActionReportReset).
            say(dispatcher, tracker, "report_paused" if given(tracker) else "report_paused_empty", "paused")
            logger.info("report form: left half-way, draft kept, %d fields given", given(tracker))
            return [SlotSet("report_outcome", "paused")]
        count = given(tracker)
        sent = tracker.get_slot("report_confirm") == "yes" and count
        if sent:
            if tracker.get_slot("report_send_now"):
                # "Igen, küldje el" before the summary: what was sent, then the code.
                sent = summary(tracker, language(tracker), given_only=True)
                say(dispatcher, tracker, "report_sent_now", summary=sent)
            # The gateway stores it (sealed; "in danger right now: yes" marks it immediate)
            # and answers with the case code.
            dispatcher.utter_message(json_message={"report": report_payload(tracker)})
            logger.info("report form: sent, %d of %d fields given", count, len(FIELD_SLOTS))
        else:
            say(dispatcher, tracker, "report_discarded", "after")
            logger.info("report form: discarded")
        return reset_events() + [SlotSet("report_outcome", "sent" if sent else "discarded")]


class ActionReportAfterYes(Action):
    """A yes right after the report ("Igen, küldje el" once more, the code already above): say it
    was sent and where the code is, rather than a bare "all right" that leaves them unsure."""

    def name(self) -> str:
        return "action_report_after_yes"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        if tracker.get_slot("report_outcome") == "sent":
            say(dispatcher, tracker, "report_already_sent")
        else:
            dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("report_outcome", None)]


class ActionReportReset(Action):
    """Clears leftovers of an unfinished report before a new one, so no old answer is reused."""

    def name(self) -> str:
        return "action_report_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        if tracker.get_slot("report_paused") and given(tracker):
            # A draft left half-way: go on where it stopped, with every answer kept; the form next,
            # not the whole introduction again (the rule's utter_report_intro is skipped).
            say(dispatcher, tracker, "report_resumed")
            logger.info("report form: draft resumed")
            events = [SlotSet("report_paused", False), SlotSet("report_outcome", None)]
            # Taken up with a new account ("folytatnám: azóta is egyedül van"): added, never lost.
            what = message_metadata(tracker).get("report_what")
            if isinstance(what, str) and what.strip():
                kept = tracker.get_slot("report_what")
                both = f"{kept}\n{what.strip()}" if kept not in (None, SKIPPED, UNKNOWN) else what.strip()
                events.append(SlotSet("report_what", both[:MAX_WHAT]))
            return events + [FollowupAction("report_form")]
        events = reset_events()
        # The gateway opened the form after a message that asked to report and told what
        # happened (bot.state_router): that message is the "what happened" answer, and a place or
        # an age said in it is not asked again.
        what = message_metadata(tracker).get("report_what")
        if isinstance(what, str) and what.strip():
            events.append(SlotSet("report_what", what.strip()[:MAX_WHAT]))
            events += [SlotSet(slot, value) for slot, value in facts_in(what).items()]
        return events
