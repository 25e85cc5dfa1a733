"""action_service_info: what a service named by the person is, and how to reach it.

"Áldozatsegítő Szolgálat?", "mi az a gyámhatóság", "victim support": the answer comes from
knowledge/services.yml only (name, what it does, when to turn to it, its contacts with their
notes, how it goes), so a number or address the seeds do not give can never appear. The
service is read from the ``service_type`` entity, and from the services' ``aliases`` (a word
that starts with one), since a Hungarian ending ("áldozatsegítőt") hides a name from the
lookup table. The fallback uses the same reading for a short message that only names a service.
With no name ("és ők miben segítenek?", "Az hol van?", "How do I reach them?") it is the service
the last answer named (the ``last_service`` slot, set by every answer that names one), else the
first service of the last where-to-turn answer.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import knowledge
from knowledge import Knowledge

from .common import STORE, language, message, standard_buttons, waiting
from .persona import infer_persona
from .report_answers import faq_question

MAX_SERVICES = 2  # more than two named: the where-to-turn answer fits better than a list of cards


def named_services(k: Knowledge, text: str, entities: Sequence[dict[str, Any]] = ()) -> list[str]:
    """Service ids the message names, in the order named (entity values first)."""
    found: list[str] = []
    for ent in entities:
        value = str(ent.get("value") or "")
        if ent.get("entity") == "service_type" and value in k.services and value not in found:
            found.append(value)
    folded = knowledge.normalise(text)
    hits = []
    for sid, service in k.services.items():
        for alias in service.get("aliases") or []:
            m = re.search(r"(?<![\w])" + re.escape(alias), folded)
            if m:
                hits.append((m.start(), sid))
                break
    for _, sid in sorted(hits):
        if sid not in found:
            found.append(sid)
    return found


def describe(k: Knowledge, sid: str, lang: str) -> str:
    """One service as a short card: name, what, when, contacts (with their notes), procedure."""
    service = k.services[sid]
    lines = [f"{service['name'][lang]}: {service['what'][lang]}"]
    lines.append(f"{message(k, 'service_when', lang)} {service['when'][lang]}")
    contacts = service.get("contacts") or []
    if not contacts and service.get("via"):
        via = k.services[service["via"]]
        contacts = via.get("contacts") or []
        lines.append(f"({via['name'][lang]})")
    for c in contacts:
        note = (c.get("note") or {}).get(lang)
        lines.append(f"• {c['value']}" + (f" ({note})" if note else ""))
    lines.append(service["procedure"][lang])
    return "\n".join(lines)


def service_reply(k: Knowledge, sids: list[str], tracker: Tracker,
                  dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """The services' cards; the first becomes the one a follow-up ("Az hol van?") is about."""
    lang = language(tracker)
    persona = infer_persona(tracker)
    cards = [describe(k, sid, lang) for sid in sids[:MAX_SERVICES]]
    cards.append(message(k, "service_info_more", lang, persona))
    dispatcher.utter_message(text="\n\n".join(cards),
                             buttons=standard_buttons(k, lang, consultation=persona == "professional",
                                                      queued=waiting(tracker)))
    return [SlotSet(LAST_SERVICE, sids[0])]


LAST_SERVICE = "last_service"  # the slot: the service the last answer named


def named_before(k: Knowledge, tracker: Tracker) -> list[str]:
    """The service a follow-up without a name is about: the one the last answer named, else
    the first of the last where-to-turn answer's."""
    last = tracker.get_slot(LAST_SERVICE)
    if last in k.services:
        return [str(last)]
    problem = tracker.get_slot("problem")
    if problem in k.routing:
        return [k.routing[problem]["services"][0]["id"]]
    return []


class ActionServiceInfo(Action):
    """Answer "what is / how do I reach <service>" from services.yml."""

    def name(self) -> str:
        return "action_service_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        k = await STORE.get()
        latest = tracker.latest_message or {}
        sids = named_services(k, latest.get("text") or "", latest.get("entities") or []) or named_before(k, tracker)
        if not sids:
            # "Do they have a website too?" after an FAQ answer (no service card before it): the
            # FAQ the response selector is sure of answers it, rather than "put it another way".
            response = faq_question(tracker)
            if response:
                dispatcher.utter_message(response=response)
                return []
            dispatcher.utter_message(text=message(k, "fallback", language(tracker), infer_persona(tracker),
                                                  waiting(tracker)))
            return []
        return service_reply(k, sids, tracker, dispatcher)
