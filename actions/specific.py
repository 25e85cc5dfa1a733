"""Two situations with an answer of their own (issue 12): put out of home, a teacher who hurts.

NLU names them (intents ``thrown_out`` and ``teacher_hurts``, nlu_data/situations/), and
action_situation answers by intent: a place to sleep tonight, and where to turn about a
teacher, where the generic answer ("what happened?", abuse at home) missed what was asked.
The regexes that read them from the words before (session 11) are gone: on the held-out rows
NLU misses 6 of 20, and the regexes caught none of those six; without them the open set and
sealed8 gave the same figures (session 12b). An unsure reading of one of them is answered by
the fallback (actions/fallback.py) when the fallback was for a close second reading only.
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

# A teacher or a coach named at all: NLU's teacher_hurts without one is a teacher telling of
# their class ("Az osztályomban egy tanulót a többiek bántanak": bullying, read at 0.87).
_ADULT_AT_SCHOOL = re.compile(r"\b(\w*tanar\w*|\w*tanito\w*|osztalyfonok\w*|pedagogus\w*|igazgato\w*|edzo\w*|"
                              r"\w*teacher\w*|coach\w*|tutor\w*|trainer\w*|principal\w*)\b")


def say_situation(key: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """The situation's answer, in the person's language and register; no person offered while
    one is on the way (slot ``queued``)."""
    lang = language(tracker)
    queued = waiting(tracker)
    dispatcher.utter_message(text=message(None, key, lang, infer_persona(tracker), queued),
                             buttons=person_buttons(tracker, lang))
    return [SlotSet(LAST_SERVICE, SITUATIONS[key])]


class ActionSituation(Action):
    """The answer to a situation NLU named (``thrown_out``, ``teacher_hurts``)."""

    def name(self) -> str:
        return "action_situation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        intent = latest_intent(tracker) or ""
        text = (tracker.latest_message or {}).get("text") or ""
        key: str | None = intent if intent in SITUATIONS else None
        if key == "teacher_hurts" and not _ADULT_AT_SCHOOL.search(normalise(text)):
            key = None  # no teacher or coach named: the next where-to-turn reading answers it
        if key is None:
            from .where_to_turn import ActionWhereToTurn  # it imports this module (the fallback does)

            ranking = (tracker.latest_message or {}).get("intent_ranking") or []
            where = next((r["name"] for r in ranking if str(r.get("name", "")).startswith("where_")), None)
            if where is not None:
                return await ActionWhereToTurn().answer(dispatcher, tracker, where)
            dispatcher.utter_message(response="utter_ask_help")
            return []
        return say_situation(key, tracker, dispatcher)
