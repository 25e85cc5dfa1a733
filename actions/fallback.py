"""action_fallback: NLU (or dialogue) is unsure, so say so plainly and offer a way on.

Never guesses silently: the person gets a person-button and the numbers. If the
bot had just asked for a settlement, a short unrecognised answer is most likely
a village name, so it is looked up instead. The second fallback in a row is
handed to a human by a rule (nlu_data/handoff/rules.yml), not here.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .common import STORE, language, message
from .local_office import local_office_reply

MAX_SETTLEMENT_WORDS = 5


class ActionFallback(Action):
    """Plain 'not sure' answer with a person and the numbers (112, 116 111)."""

    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        k = await STORE.get()
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("awaiting_settlement") and 0 < len(text.split()) <= MAX_SETTLEMENT_WORDS:
            return local_office_reply(k, tracker, dispatcher, text)
        lang = language(tracker)
        dispatcher.utter_message(
            text=message(k, "fallback", lang),
            buttons=[
                {"title": message(k, "button_human", lang), "payload": "/talk_to_human"},
                {"title": message(k, "button_numbers", lang), "payload": "/emergency_numbers"},
            ],
        )
        # Tells the gateway this was a "not sure": after a disclosure it answers with support instead.
        dispatcher.utter_message(json_message={"fallback": True})
        return [SlotSet("awaiting_settlement", False)]
