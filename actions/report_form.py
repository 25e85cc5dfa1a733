"""``validate_report_form``: each answer of the report form, read and kept.

Skip, "I don't know", stop, "send it" and refusals are told apart in
actions/report_answers.py; here they become slot values. "Send it" ("Igen, küldje el") at any
question is the reporter's yes: the report goes with what was given, at once. Stop and
"that's all I know" jump to the summary and "send it?" (what was given is kept only after that
yes). "In danger right now: yes" says 112 first and asks an operator in parallel (issue 12: a
report is never lost).

The form asks what a report needs: what happened, where, how old (a place or an age already said
is kept where it belongs, actions/report_facts.py), then "send it?". The details (danger right
now, an address, who, since when, who else knows) only when the reporter chooses "Kiegészítem";
after "in danger right now: yes" among them no more is asked: the operator asks, and the reporter
can add the rest with the case code. "Mennem kell, majd
befejezem" ends the form with the answers kept as a draft ("Folytatom" goes on).
A short FAQ question typed instead of an answer is answered and the question asked again.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from knowledge import normalise

from .common import language
from .report import DETAIL_SLOTS, FIELD_SLOTS, danger_now, facts_in
from .report_answers import (
    SKIPPED,
    UNKNOWN,
    classify,
    dont_know,
    faq_question,
    leaving,
    more_details,
    send_now,
    text_of,
    yes_no,
)
from .report_confirm import confirm_answer, question_not_answer
from .report_facts import age_answer

logger = logging.getLogger(__name__)

# Caps: long enough for a real account, short enough that a pasted wall of text
# cannot bloat the tracker and the sealed report.
MAX_CHARS: dict[str, int] = {
    "report_what": 1000,
    "report_child_age": 60,
    "report_settlement": 100,
    "report_address": 200,
    "report_relation": 200,
    "report_since": 200,
    "report_others_know": 300,
}
_AGE_NUMBER = re.compile(r"\b([0-9]{1,2})\b")
# A street-level address inside the place's answer ("Debrecen, Kassai út, harmadik emelet",
# "Budapest, 7th district, Dob utca"): it is the address too, and "an exact address?" is not asked.
_STREET = re.compile(r"\b(?!(a|az|egy|the|a mi)\b)\w+ (utca\w*|ut|uton|ter|teren|korut\w*|koz|sor|soron|fasor\w*|"
                     r"lakotelep\w*|street|road|avenue|lane|square)\b|"
                     r"\b(emelet\w*|lakotelep\w*|utca\w*|\w+utca|\w+ter|\w+korut|\w+fasor)\b|"
                     r"\b(st|rd)\b \d|\d+ \w+ (street|road|avenue|st|rd)\b")
# "Do you want to give an address?": a yes means one only if short ("igen", "igen, megadom") or
# about the address; "igen asszem most is egyedul van" answers another question.
_ADDRESS_YES_WORDS = 3
_ADDRESS_TALK = re.compile(r"\b(cim\w*|megad\w*|leir\w*|address|give|sure|please|szivesen)\b")
_ADDRESS_HINT = re.compile(r"\d|\b(utca|u|ut|ter|korut|koz|sor|street|st|road|rd|avenue)\b")
# At "how old is the child?", where they live told first ("Győrben laknak, egy panelház második
# emeletén"): that is the settlement's answer, and the age is asked again; an age word or a
# number keeps it as the age.
_PLACE_HINT = re.compile(r"\b(laknak|lakik|lakunk|lakom|laktak|utca\w*|kerulet\w*|emelet\w*|panelhaz\w*|"
                         r"lakotelep\w*|they live|lives in|live in|street|district)\b")
_AGE_HINT = re.compile(r"\d|\b(eves\w*|ev|evet|honapos\w*|tinedzser\w*|kamasz\w*|baba\w*|kisbaba\w*|ovod\w*|"
                       r"ovis|iskolas\w*|csecsemo\w*|kicsi|kiskoru\w*|fiatal\w*|serdulo\w*|gyerek\w*|kisgyerek\w*|felnott\w*|"
                       r"nagy\w*|year\w*|month\w*|teen\w*|toddler|baby|infant|old|young\w*|small|little|kid\w*|"
                       r"child\w*)\b")
# A short answer that is only a proper name ("Debrecen", "Szeged, Tarján"): at the age question
# it is the place, one question early (the person answered what they expected to be asked).
_PROPER_NAME = re.compile(r"^[A-ZÁÉÍÓÖŐÚÜŰ][\w\-]+(?:[ ,\-]+[A-ZÁÉÍÓÖŐÚÜŰ][\w\-]+){0,2}\.?$")
# An answer that is only an age ("kb. 6 éves", "about 10", "8 years old"): at the "what happened"
# question it is the age, one question late.
_AGE_ONLY = re.compile(r"^(kb\.? ?|korulbelul |nagyjabol |talan |about |around |maybe )?[0-9]{1,2} ?"
                       r"(eves|ev|years? old|years?|yo|y/o)?\.?$")


class ValidateReportForm(FormValidationAction):
    """Normalises skip / "I don't know" / stop, caps free text, asks the address only on request."""

    def name(self) -> str:
        return "validate_report_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Only delegates; defined so every action in actions/ has an async run (tests)."""
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        """What a report needs (what, where, how old), the details only when the reporter chose
        "Kiegészítem" (the address only if they want to give one; none after "in danger right now:
        yes": an operator is on the way, the code comes first); nothing while a draft is
        left half-way (the form ends, the answers are kept); no "send it?" when every question was
        skipped."""
        if tracker.get_slot("report_paused"):
            return []
        slots = list(domain_slots)
        if tracker.get_slot("report_wants_address") != "yes" and "report_address" in slots:
            slots.remove("report_address")
        asking = tracker.get_slot("requested_slot")  # never drop the question being answered
        if tracker.get_slot("report_more") != "yes":
            slots = [n for n in slots if n not in DETAIL_SLOTS or n == asking or tracker.get_slot(n) is not None]
        elif tracker.get_slot("report_danger_now") == "yes":
            # "In danger right now: yes" among the details: 112, an operator is on the way, and the
            # reply said "check what you gave and send it": the summary next, no more questions.
            slots = [n for n in slots if n not in DETAIL_SLOTS or n == asking or tracker.get_slot(n) is not None]
        asked = [n for n in slots if n in FIELD_SLOTS.values()]
        if "report_confirm" in slots and all(tracker.get_slot(n) is not None for n in asked) \
                and all(tracker.get_slot(n) == SKIPPED for n in asked):
            # Every question skipped: nothing to confirm; the submit action says nothing was sent.
            slots.remove("report_confirm")
        return slots

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def _stop(slot: str, tracker: Tracker) -> dict[str, Any]:
        """Stop: every unasked question counts as skipped; the confirmation comes next.

        If nothing at all was given there is nothing to confirm: the form ends and
        the submit action says nothing was sent.
        """
        out: dict[str, Any] = {"report_stopped": True}
        for name in FIELD_SLOTS.values():
            if tracker.get_slot(name) is None or name == slot:
                out[name] = SKIPPED
        if tracker.get_slot("report_wants_address") is None or slot == "report_wants_address":
            out["report_wants_address"] = "no"
        if slot == "report_confirm" or not any(
                tracker.get_slot(n) not in (None, SKIPPED) for n in FIELD_SLOTS.values() if n != slot):
            out["report_confirm"] = "no"
        return out

    @classmethod
    def _cancel(cls, slot: str, tracker: Tracker) -> dict[str, Any]:
        """"Mégse, hagyjuk": the report is taken back, so no "send it?" follows; the submit action
        says nothing was sent and that they can start again any time."""
        out = cls._stop(slot, tracker)
        out["report_confirm"] = "no"
        logger.info("report form: taken back")
        return out

    @classmethod
    def _send(cls, slot: str, tracker: Tracker) -> dict[str, Any]:
        """"Igen, küldje el" at any question: the reporter's yes, so the report goes now with
        what was given (the submit action shows what was sent). Nothing given: nothing to send."""
        out = cls._stop(slot, tracker)
        if out.get("report_confirm") != "no":
            out["report_confirm"] = "yes"
            out["report_send_now"] = True
        logger.info("report form: send it now")
        return out

    @staticmethod
    def _pause(slot: str) -> dict[str, Any]:
        """"Mennem kell, majd befejezem": the form ends with every answer kept as a draft (the
        question being asked stays open, asked again on "Folytatom"); nothing is sent."""
        logger.info("report form: left half-way")
        return {slot: None, "report_paused": True}

    @staticmethod
    def _latest_text(tracker: Tracker) -> str:
        """The person's own words (a yes/no slot holds "yes" when NLU read an affirm)."""
        return text_of((tracker.latest_message or {}).get("text"))

    @staticmethod
    def _answered_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """Answer an FAQ asked instead of an answer; the form then asks its question again."""
        response = faq_question(tracker)
        if response is None:
            return False
        logger.info("report form: question answered inside the form")
        dispatcher.utter_message(response=response)
        return True

    def _free(self, slot: str, value: Any, tracker: Tracker,
              dispatcher: CollectingDispatcher | None = None) -> dict[str, Any]:
        if dispatcher is not None and self._answered_question(dispatcher, tracker):
            return {slot: None}
        if leaving(value):
            return self._pause(slot)
        kind = classify(tracker, value)
        if kind == "skip":
            return {slot: SKIPPED}
        if kind == "unknown":
            return {slot: UNKNOWN}
        if kind == "stop":
            return self._stop(slot, tracker)
        if kind == "cancel":
            return self._cancel(slot, tracker)
        if kind == "send":
            return self._send(slot, tracker)
        if kind == "payload":
            return {slot: None}  # another button (e.g. an old one): ask again
        return {slot: text_of(value)[: MAX_CHARS[slot]]}

    # -- free-text questions -------------------------------------------------------------
    async def validate_report_what(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """What happened: the reporter's own words, capped. An age alone ("kb. 6 éves") answers
        the next question early: kept as the age, and "what happened?" is asked again."""
        out = self._free("report_what", value, tracker, dispatcher)
        what = out.get("report_what")
        if what and what not in (SKIPPED, UNKNOWN) and tracker.get_slot("report_child_age") is None \
                and _AGE_ONLY.fullmatch(normalise(text_of(what)).strip()):
            return {"report_what": None, **await self.validate_report_child_age(value, dispatcher, tracker, domain)}
        if what and what not in (SKIPPED, UNKNOWN):
            # "Debrecenben a szomszéd 5 éves kisfiút...": where and how old are not asked again.
            found = facts_in(text_of(what))
            out.update({slot: value for slot, value in found.items() if tracker.get_slot(slot) is None})
        return out

    async def validate_report_child_age(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Age: kept as the short raw text ("kb 10", "tinédzser"); a bare number gets "év"/"years"."""
        out = self._free("report_child_age", value, tracker, dispatcher)
        if question_not_answer("report_child_age", out, dispatcher, tracker):
            return {"report_child_age": None}
        age = out.get("report_child_age")
        norm = normalise(text_of(age))
        if age and tracker.get_slot("report_settlement") is None and not _AGE_HINT.search(norm) \
                and (_PLACE_HINT.search(norm) or _PROPER_NAME.fullmatch(text_of(age).strip())):
            place = text_of(value)[: MAX_CHARS["report_settlement"]]
            return {"report_child_age": None, "report_settlement": place, **self._address_in(place, tracker)}
        if age and age not in (SKIPPED, UNKNOWN) and age.isdigit() and _AGE_NUMBER.fullmatch(age):
            out["report_child_age"] = f"{age} {'years' if language(tracker) == 'en' else 'év'}"
        return out

    async def validate_report_settlement(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Settlement: free text, capped (operators look it up in the office directory); a street
        in it is the address too, so "an exact address?" is not asked."""
        out = self._free("report_settlement", value, tracker, dispatcher)
        if question_not_answer("report_settlement", out, dispatcher, tracker):
            return {"report_settlement": None}
        place = out.get("report_settlement")
        if place and place not in (SKIPPED, UNKNOWN) and age_answer(text_of(place)):
            # "7 éves" at "which town?": the age (one question early, or again after the account
            # named it); never a town. The town is asked again.
            age = await self.validate_report_child_age(value, dispatcher, tracker, domain)
            return {**age, "report_settlement": None}
        return {**out, **self._address_in(place, tracker)}

    @staticmethod
    def _address_in(place: Any, tracker: Tracker) -> dict[str, Any]:
        """The address slots filled from a place's answer that names a street, else nothing."""
        if not place or place in (SKIPPED, UNKNOWN) or tracker.get_slot("report_wants_address") is not None:
            return {}
        if not _STREET.search(normalise(text_of(place))):
            return {}
        return {"report_wants_address": "yes", "report_address": text_of(place)[: MAX_CHARS["report_address"]]}

    async def validate_report_address(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Address: only asked after a yes; free text, capped."""
        return self._free("report_address", value, tracker, dispatcher)

    async def validate_report_relation(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Who causes the harm: the relation in their words (the store spots parents in it)."""
        return self._free("report_relation", value, tracker, dispatcher)

    async def validate_report_since(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Since when: free text, capped."""
        return self._free("report_since", value, tracker, dispatcher)

    async def validate_report_others_know(self, value: Any, dispatcher: CollectingDispatcher,
                                          tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Whether others know: free text ("igen, a tanára"), capped."""
        return self._free("report_others_know", value, tracker, dispatcher)

    # -- yes/no questions ----------------------------------------------------------------
    async def validate_report_wants_address(self, value: Any, dispatcher: CollectingDispatcher,
                                            tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Yes / no; skip, a refusal or "I don't know" mean no; an address typed straight away is
        taken; words that answer something else (not a short yes, no address in them) mean no,
        so the form moves on instead of asking again or reading them as a yes."""
        if self._answered_question(dispatcher, tracker):
            return {"report_wants_address": None}
        if leaving(self._latest_text(tracker)):
            return self._pause("report_wants_address")
        if send_now(self._latest_text(tracker)):
            return self._send("report_wants_address", tracker)
        kind = classify(tracker, value)
        if kind == "stop":
            return self._stop("report_wants_address", tracker)
        if kind == "cancel":
            return self._cancel("report_wants_address", tracker)
        if kind in ("skip", "unknown") or (kind == "text" and dont_know(value)):
            return {"report_wants_address": "no"}
        text = text_of(value)
        norm = normalise(text)
        answer = yes_no(tracker, value)
        consent = answer == "yes" and bool(_ADDRESS_TALK.search(norm))  # "igen, megadom a címet"
        if kind == "text" and not consent and (_ADDRESS_HINT.search(norm) or _STREET.search(norm)):
            return {"report_wants_address": "yes", "report_address": text[: MAX_CHARS["report_address"]]}
        if answer == "yes" and kind == "text" and len(norm.split()) > _ADDRESS_YES_WORDS and not consent:
            return {"report_wants_address": "no"}
        if answer:
            return {"report_wants_address": answer}
        return {"report_wants_address": "no" if kind == "text" else None}

    async def validate_report_danger_now(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """yes / no / unknown / skipped; anything unclear is asked again (it matters). A yes
        says 112 first and asks an operator; the form goes on to "send it?". "Igen, küldje el"
        here is no "yes, in danger": it is "send it" (NLU may read it as an affirm)."""
        if self._answered_question(dispatcher, tracker):
            return {"report_danger_now": None}
        if leaving(self._latest_text(tracker)):
            return self._pause("report_danger_now")
        if send_now(self._latest_text(tracker)):
            return self._send("report_danger_now", tracker)
        kind = classify(tracker, value)
        if kind == "stop":
            return self._stop("report_danger_now", tracker)
        if kind == "cancel":
            return self._cancel("report_danger_now", tracker)
        if kind == "skip":
            return {"report_danger_now": SKIPPED}
        if kind == "unknown" or (kind == "text" and dont_know(value)):
            return {"report_danger_now": UNKNOWN}
        answer = yes_no(tracker, value)
        if answer == "yes":
            danger_now(dispatcher, tracker)
        return {"report_danger_now": answer}

    async def validate_report_confirm(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Send on a clear yes or "send it as it is"; stop or skip mean no; else asked again."""
        if self._answered_question(dispatcher, tracker):
            return {"report_confirm": None}
        text = self._latest_text(tracker)
        if leaving(text):
            return self._pause("report_confirm")
        if tracker.get_slot("report_more") != "yes" and more_details(text):
            # "Kiegészítem" (its button sends the words; NLU may read them as a yes): the details
            # first, then "send it?" again.
            return {"report_confirm": None, "report_more": "yes"}
        return confirm_answer(tracker, value, normalise(text), dispatcher)
