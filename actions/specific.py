"""Two situations with an answer of their own (issue 12): put out of home, a teacher who hurts.

NLU names them (intents ``thrown_out`` and ``teacher_hurts``, nlu_data/situations/), and
action_situation answers by intent: a place to sleep tonight, and where to turn about a
teacher, where the generic answer ("what happened?", abuse at home) missed what was asked.
The regexes below are the fallback for a message NLU read as something else (the fallback and
the where-to-turn answer ask ``answer_situation`` first), kept because the held-out figures
still show misses (bench/README.md, session 12b).
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from knowledge import normalise

from .common import language, latest_intent, message, person_buttons, waiting
from .persona import infer_persona
from .service_info import LAST_SERVICE

# The intent (and the wording key) of each situation, and the service a follow-up ("Az hol
# van?", "Is it free?") is about after its answer: OKIT for a place to sleep tonight, the
# family and child welfare service for a teacher.
SITUATIONS = {"thrown_out": "okit", "teacher_hurts": "family_welfare_service"}

# Put out of home: the act and a word of home or parents (not "kidobtak a suliból").
_THROWN = re.compile(r"\b(kidob\w*|kirug\w*|kitett\w*|elzavar\w*|elkuld\w* otthonrol|thrown out|"
                     r"threw me out|kicked (me )?out)\b")
_HOME = re.compile(r"\b(szul\w*|anyu\w*|apu\w*|anyam\w*|apam\w*|otthon\w*|itthon\w*|haz\w*|"
                   r"parents?|mum|mom|dad|home|house)\b")
# A teacher who hurts the child ("a tanárom bánt", "megütött az osztályfőnök"): the two words
# close together, so "a tanárom szerint apu ver" is not read as the teacher hurting.
_T = r"(tanar\w*|osztalyfonok\w*|edzo\w*|teacher\w*|coach\w*)"
_H = r"(bant\w*|megut\w*|ut|utott|ver|veri|vert|megver\w*|fogdos\w*|zaklat\w*|hurt\w*|hits?|hitting|beat\w*|abus\w*)"
_TEACHER_HURTS = re.compile(rf"\b{_T}( \w+){{0,1}} {_H}\b|\b{_H}( \w+){{0,2}} (a |az |the |my )?{_T}\b")
# A teacher or a coach named at all: NLU's teacher_hurts without one is a teacher telling of
# their class ("Az osztályomban egy tanulót a többiek bántanak": bullying, read at 0.87).
_ADULT_AT_SCHOOL = re.compile(r"\b(\w*tanar\w*|\w*tanito\w*|osztalyfonok\w*|pedagogus\w*|igazgato\w*|edzo\w*|"
                              r"\w*teacher\w*|coach\w*|tutor\w*|trainer\w*|principal\w*)\b")


def situation(text: str) -> str | None:
    """The situation the message's words tell of, if any (the fallback to NLU's intent)."""
    folded = normalise(text)
    if _THROWN.search(folded) and _HOME.search(folded):
        return "thrown_out"
    if _TEACHER_HURTS.search(folded):
        return "teacher_hurts"
    return None


def say_situation(key: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """The situation's answer, in the person's language and register; no person offered while
    one is on the way (slot ``queued``)."""
    lang = language(tracker)
    queued = waiting(tracker)
    dispatcher.utter_message(text=message(None, key, lang, infer_persona(tracker), queued),
                             buttons=person_buttons(tracker, lang))
    return [SlotSet(LAST_SERVICE, SITUATIONS[key])]


def answer_situation(tracker: Tracker, dispatcher: CollectingDispatcher) -> list[dict[str, Any]] | None:
    """Answer the situation the latest message tells of in words NLU did not name (None: none)."""
    key = situation((tracker.latest_message or {}).get("text") or "")
    if key is None:
        return None
    return say_situation(key, tracker, dispatcher)


class ActionSituation(Action):
    """The answer to a situation NLU named (``thrown_out``, ``teacher_hurts``)."""

    def name(self) -> str:
        return "action_situation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        intent = latest_intent(tracker) or ""
        text = (tracker.latest_message or {}).get("text") or ""
        key = intent if intent in SITUATIONS else situation(text)
        if key == "teacher_hurts" and not _ADULT_AT_SCHOOL.search(normalise(text)):
            key = None  # no teacher or coach named: the next where-to-turn reading answers it
        if key is None:
            from .where_to_turn import ActionWhereToTurn  # it asks answer_situation first

            ranking = (tracker.latest_message or {}).get("intent_ranking") or []
            where = next((r["name"] for r in ranking if str(r.get("name", "")).startswith("where_")), None)
            if where is not None:
                return await ActionWhereToTurn().answer(dispatcher, tracker, where)
            dispatcher.utter_message(response="utter_ask_help")
            return []
        return say_situation(key, tracker, dispatcher)
