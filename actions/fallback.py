"""action_fallback: NLU (or dialogue) is unsure, so say so plainly and offer a way on.

Never guesses silently: the person gets a person-button and the numbers. If the
bot had just asked for a settlement, a short unrecognised answer is most likely
a village name, so it is looked up instead; a short message that names a service
("áldozatsegítő", "gyámhatóság") gets what that service is and how to reach it. The second fallback in a row is
handed to a human by a rule (nlu_data/handoff/rules.yml), not here.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from knowledge import normalise

from .common import STORE, language, message, person_buttons, waiting
from .local_office import local_office_reply
from .persona import infer_persona
from .service_info import named_services, service_reply
from .specific import SITUATIONS, say_situation
from .where_to_turn import ActionWhereToTurn, message_metadata

MAX_SETTLEMENT_WORDS = 4
MAX_SERVICE_WORDS = 6
# NLU torn between a where-to-turn problem and another intent that wants the same answer
# ("where can I report it if a child is being abused?": where_sexual_abuse 0.48, report_start
# 0.41): the answer comes first (the report stays one button away). Only when the problem's
# own confidence passed the fallback threshold, i.e. the fallback was for ambiguity alone.
CLEAR_ENOUGH = 0.4  # config.yml, FallbackClassifier threshold
# A where-to-turn question in words ("Hogyan jelezhetem?", "hova fordulhatok?", "where can I turn?").
_ASKS_WHERE = re.compile(r"\b(hova|hol|kihez|kinek|hogyan|hogy|where|who|how)\b.*\b(fordul\w*|jelez\w*|jelent\w*|"
                         r"bejelent\w*|szol\w*|turn|report\w*)\b")
# "Áldozatsegítő Szolgálat?": a short message naming a service asks about it
WHERE_TWINS = frozenset({"report_start", "ask_help", "talk_to_human"})
# Words that make a short answer a sentence, not a place name ("anyu mindig alszik").
_SENTENCE_WORDS = frozenset({
    "nem", "van", "nincs", "mindig", "soha", "is", "meg", "hogy", "mert", "de", "es", "vagy", "mi", "ki",
    "hol", "mit", "miert", "hogyan", "mikor", "en", "te", "o", "anyu", "apu", "anya", "apa", "engem",
    "szeretnem", "szeretnek", "tudom", "tudok", "kell", "lehet", "the", "my", "i", "what", "where",
})


def looks_like_a_place(text: str) -> bool:
    """A short answer that can be a settlement name: no question, no sentence words."""
    import unicodedata

    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    words = folded.replace(",", " ").replace(".", " ").split()
    return (0 < len(words) <= MAX_SETTLEMENT_WORDS and "?" not in text
            and not any(w in _SENTENCE_WORDS for w in words))


def two_problems(tracker: Tracker, second: str) -> bool:
    """NLU torn between two where-to-turn problems ("a volt feleségem új párja meglökte a fiamat":
    a family struggle 0.45, violence at home 0.45): either answer names fitting services, where
    "not sure" names none. "A professional stuck in a case" is a second problem only when a
    professional writes (a doctor's "hogyan jelezhetem?": neglect 0.41, stuck 0.35); from
    anyone else it is no reading of the problem, and the fallback stands."""
    if not second.startswith("where_"):
        return False
    return second != "where_professional_stuck" or infer_persona(tracker) == "professional"


class ActionFallback(Action):
    """Plain 'not sure' answer with a person and the numbers (112, 116 111)."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        k = await STORE.get()
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("awaiting_settlement") and looks_like_a_place(text):
            return local_office_reply(k, tracker, dispatcher, text)
        lang = language(tracker)
        ranking = [r for r in tracker.latest_message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        if ranking and ranking[0].get("name") in SITUATIONS and ranking[0].get("confidence", 0) >= CLEAR_ENOUGH:
            # Put out of home, a teacher who hurts, unsure only for a close second reading: its answer.
            return say_situation(str(ranking[0]["name"]), tracker, dispatcher) + [SlotSet("awaiting_settlement", False)]
        if (len(ranking) >= 2 and str(ranking[0].get("name", "")).startswith("where_")
                and ranking[0].get("confidence", 0) >= CLEAR_ENOUGH
                and (ranking[1].get("name") in WHERE_TWINS or two_problems(tracker, str(ranking[1].get("name"))))):
            # Torn between two where-to-turn problems is still a where-to-turn question: the
            # likelier one is answered (or the danger the screen heard in it, action_where_to_turn).
            return await ActionWhereToTurn().answer(dispatcher, tracker, ranking[0]["name"])
        if (ranking and str(ranking[0].get("name", "")).startswith("where_") and message_metadata(tracker).get("heard")
                and _ASKS_WHERE.search(normalise(text))):
            # A where-to-turn question in which the screen heard a danger ("Gyermekorvos vagyok...
            # a sérülések nem egyeznek... Hogyan jelezhetem?": NLU unsure, 0.22): the danger
            # heard is answered (action_where_to_turn follows the screen), never "not sure".
            return await ActionWhereToTurn().answer(dispatcher, tracker, ranking[0]["name"])
        if len(text.split()) <= MAX_SERVICE_WORDS:
            sids = named_services(k, text, tracker.latest_message.get("entities") or [])
            if sids:
                return service_reply(k, sids, tracker, dispatcher) + [SlotSet("awaiting_settlement", False)]
        dispatcher.utter_message(
            text=message(k, "fallback", lang, infer_persona(tracker), waiting(tracker)),
            buttons=[
                *person_buttons(tracker, lang),
                {"title": message(k, "button_numbers", lang), "payload": "/emergency_numbers"},
            ],
        )
        # Tells the gateway this was a "not sure": after a disclosure it answers with support instead.
        dispatcher.utter_message(json_message={"fallback": True})
        return [SlotSet("awaiting_settlement", False)]
