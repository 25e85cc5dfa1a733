"""action_local_office: answer with the local office from the directory, or explain how to find it.

Contacts come only from knowledge/offices.yml (each row with source and date),
so updating a number needs no retraining. Sample rows never reach users unless
KNOWLEDGE_ALLOW_SAMPLE=1 (tests).
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import wording
from knowledge import Knowledge, normalise

from .common import STORE, format_offices, language, message, standard_buttons, waiting


def local_office_reply(k: Knowledge, tracker: Tracker, dispatcher: CollectingDispatcher,
                       text: str | None = None) -> list[dict[str, Any]]:
    """Look the settlement up in the text (or slot) and answer; never invent a contact.

    Shared by action_local_office and action_fallback (an unknown village name
    often comes back from NLU as a fallback right after the bot asked for it).
    """
    lang = language(tracker)
    candidates = [t for t in (text, tracker.get_slot("settlement")) if t]
    offices: list[dict[str, Any]] = []
    for candidate in candidates:
        offices = k.find_offices(candidate)
        if offices:
            break
    if offices:
        dispatcher.utter_message(text=format_offices(k, offices, lang),
                                 buttons=standard_buttons(k, lang, queued=waiting(tracker)))
        return [SlotSet("awaiting_settlement", False),
                SlotSet("settlement", offices[0]["settlement"])]
    said = "\n\n".join(message(k, key, lang) for key in (*_offices_named(k, text), "office_not_found"))
    dispatcher.utter_message(text=said, buttons=standard_buttons(k, lang, queued=waiting(tracker)))
    return [SlotSet("awaiting_settlement", False)]


def _offices_named(k: Knowledge, text: str | None) -> list[str]:
    """The catalogue keys saying where a named local office sits ("hol találom a gyámhatóságot?"),
    for the offices that have one: the question asked is answered even with no directory row."""
    norm = f" {normalise(text or '')} "
    return [f"office_where_{sid}" for sid, service in k.services.items()
            if wording.has(f"office_where_{sid}")
            and any(f" {alias}" in norm for alias in service.get("aliases") or [])]


class ActionLocalOffice(Action):
    """Reply to a settlement name ("Pécsen lakunk") with the local contact if we have one."""

    def name(self) -> str:
        return "action_local_office"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        k = await STORE.get()
        return local_office_reply(k, tracker, dispatcher, tracker.latest_message.get("text"))
