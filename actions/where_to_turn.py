"""action_where_to_turn: tell the person which service fits their problem.

The answer is composed from knowledge/routing.yml and services.yml (data, not
code), in the person's language and register: a child gets a short warm text,
an adult the services and what happens next, a professional the procedure and
a consultation offer. If it is unclear who writes, it asks with buttons first.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from knowledge import Knowledge, normalise

from .common import STORE, format_offices, language, latest_intent, message, persona_buttons, standard_buttons
from .persona import infer_persona, message_metadata, queued_for_danger


def service_line(k: Knowledge, route: dict[str, Any], lang: str) -> str:
    """'• Name (phone, note): why' with phone numbers only from services.yml."""
    service = k.services[route["id"]]
    contacts = [c for c in service.get("contacts") or [] if c["kind"] == "phone"]
    via = service.get("via")
    if not contacts and via:
        contacts = [c for c in k.services[via].get("contacts") or [] if c["kind"] == "phone"]
    detail = ""
    if contacts:
        first = contacts[0]
        note = (first.get("note") or {}).get(lang)
        detail = f" ({first['value']}{', ' + note if note else ''})"
    return f"• {service['name'][lang]}{detail}: {route['why'][lang]}"


def compose(k: Knowledge, problem: str, persona: str | None, lang: str) -> str:
    """The answer text for one problem, persona and language (None: a neutral answer that
    fits anyone: the services and what happens, without a persona's opening words)."""
    entry = k.routing[problem]
    if persona is None:
        parts = [message(k, "services_heading", lang)]
        parts += [service_line(k, route, lang) for route in entry["services"]]
        parts += ["", entry["what_happens"][lang], entry["danger_now"][lang]]
        return "\n".join(parts)
    if persona == "child":
        return f"{entry['child'][lang]}\n\n{entry['danger_now'][lang]}"
    parts = [entry[persona][lang], "", message(k, "services_heading", lang)]
    parts += [service_line(k, route, lang) for route in entry["services"]]
    parts += ["", entry["what_happens"][lang], entry["danger_now"][lang]]
    if persona == "professional":
        parts.append(message(k, "consultation_offer", lang))
    return "\n".join(parts)

# Where-to-turn problems that are no danger in themselves, or say only who asks (a professional
# stuck in a case): a danger the screen heard in the conversation outranks them ("Háziorvos
# vagyok, egy 13 éves betegem terhes": sexual abuse, the police and the welfare service).
MILD_PROBLEMS = frozenset({"family_struggle", "professional_stuck"})


class ActionWhereToTurn(Action):
    """Answer a where-to-turn problem (or re-answer it once the persona is known)."""

    def name(self) -> str:
        return "action_where_to_turn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        return await self.answer(dispatcher, tracker, latest_intent(tracker))

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     intent: str | None) -> list[dict[str, Any]]:
        """The answer for ``intent`` (the fallback passes the intent NLU was torn on)."""
        k = await STORE.get()
        lang = language(tracker)
        problem: str | None = k.problem_for_intent(intent) or tracker.get_slot("problem")
        professional_asks = problem == "professional_stuck"
        if problem in MILD_PROBLEMS:
            # "A párom bántalmaz... hogyan kérhetek segítséget?" read as a family struggle: the
            # danger the screen heard (metadata ``topics``) is the problem to answer.
            topics = message_metadata(tracker).get("topics") or []
            problem = k.problem_for_screen([t for t in topics if isinstance(t, str)]) or problem
        events: list[dict[str, Any]] = []

        persona = infer_persona(tracker)
        if persona is None and professional_asks:
            persona = "professional"
        if persona and persona != tracker.get_slot("persona"):
            events.append(SlotSet("persona", persona))
        if persona is None and problem in k.routing:
            # A problem whose writer is nearly always the one it happens to (sextortion: a
            # child): answered in their words, assumed for this answer only (no slot is set).
            persona = k.routing[problem].get("unknown_persona")

        if problem == "sextortion" and not tells_of_images(tracker):
            # Read as blackmail with images though no image or blackmail is named ("a barátnőm
            # vagdossa a karját, megmutatta...": 0.99): not that advice, "not sure" (the gateway
            # answers a disclosure with support instead).
            dispatcher.utter_message(text=message(k, "fallback", lang, persona))
            dispatcher.utter_message(json_message={"fallback": True})
            return events
        if not problem or problem not in k.routing:
            dispatcher.utter_message(text=message(k, "ask_problem", lang, persona))
            return events
        events.append(SlotSet("problem", problem))

        if persona is None:
            # Answer first, in a voice that fits anyone; who writes is an optional refinement.
            dispatcher.utter_message(text=compose(k, problem, None, lang))
            if not queued_for_danger(tracker):
                # Waiting in danger (an overdose, a knife at the door) is no time for "who is
                # writing?": the person is on their way to an operator, who asks (sealed6).
                dispatcher.utter_message(text=message(k, "ask_persona_after", lang),
                                         buttons=persona_buttons(k, lang))
            return events

        if professional_asks and asks_consultation(tracker):
            # "Elakadtam az esetben, konzultálhatnék valakivel?": the answer, and the colleague
            # asked for (the gateway queues the chat for a professional's consultation).
            self._where_and_consult(dispatcher, k, problem, lang)
            return events + [SlotSet("answered", f"{problem}:professional")]
        answered = f"{problem}:{persona}"
        if (intent or "").startswith("persona_") and tracker.get_slot("answered") == answered:
            # Already answered for this very persona: a word of thanks, not the same answer twice.
            dispatcher.utter_message(text=message(k, "persona_noted", lang, persona),
                                     buttons=standard_buttons(k, lang, consultation=persona == "professional"))
            return events
        events.append(SlotSet("answered", answered))
        dispatcher.utter_message(
            text=compose(k, problem, persona, lang),
            buttons=standard_buttons(k, lang, consultation=persona == "professional"),
        )
        if k.routing[problem].get("local"):
            settlement = tracker.get_slot("settlement")
            offices = k.find_offices(settlement) if settlement else []
            if offices:
                dispatcher.utter_message(text=format_offices(k, offices, lang))
            elif not tracker.get_slot("awaiting_settlement"):
                dispatcher.utter_message(text=message(k, "ask_settlement", lang, persona))
                events.append(SlotSet("awaiting_settlement", True))
        return events


    @staticmethod
    def _where_and_consult(dispatcher: CollectingDispatcher, k: Knowledge, problem: str, lang: str) -> None:
        dispatcher.utter_message(text=compose(k, problem, "professional", lang))
        dispatcher.utter_message(text=message(k, "handoff_consultation", lang, "professional"))
        dispatcher.utter_message(json_message={"handoff": {"reason": "consultation", "skill": "professional"}})


# A professional asking in words to talk the case through with someone ("konzultálhatnék
# valakivel?", "szeretnék egy szakemberrel egyeztetni", "could I consult someone?").
_ASKS_CONSULT = re.compile(
    r"\b(konzultal\w*|konzultaci\w*|egyeztet(ni|nek|hetnek|hetek)\b|atbeszel(ni|nem|hetnem|hetnenk|hetem)\b|"
    r"beszelhetnek (valakivel|egy szakert\w*|egy kollega\w*|egy munkatars\w*)|"
    r"consult\w*|talk (it|the case|this) through)"
)


# What blackmail with images names: a picture, a video, a nude, the blackmail itself.
_IMAGES = re.compile(r"(kep|foto|fenykep|video|nudi|nude|meztelen|intim|zsarol|pic|photo|image|blackmail|leak|sextort)")


def tells_of_images(tracker: Tracker) -> bool:
    """True when the latest message or one of the last few names images or blackmail."""
    from .persona import recent_user_texts
    latest = (tracker.latest_message or {}).get("text") or ""
    return any(_IMAGES.search(normalise(t)) for t in [latest, *recent_user_texts(tracker, 3)])


def asks_consultation(tracker: Tracker) -> bool:
    """True when the latest message asks for a consultation with a colleague in words."""
    return bool(_ASKS_CONSULT.search(normalise((tracker.latest_message or {}).get("text") or "")))


class ActionAskHelp(Action):
    """"Hová fordulhatok ezzel?", "what else can I do?": the services of the problem already
    told (the ``problem`` slot, else the gateway's screen categories in the message metadata,
    ``topics``), not "tell me what happened" once more; with none told, the invitation to tell
    it (utter_ask_help)."""

    def name(self) -> str:
        return "action_ask_help"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        k = await STORE.get()
        if tracker.get_slot("problem") in k.routing:
            return await ActionWhereToTurn().answer(dispatcher, tracker, None)
        # No problem named by NLU yet, but the gateway's screen heard one (metadata ``topics``).
        topics = message_metadata(tracker).get("topics") or []
        problem = k.problem_for_screen([t for t in topics if isinstance(t, str)])
        if problem:
            return await ActionWhereToTurn().answer(dispatcher, tracker, k.routing[problem]["intent"])
        dispatcher.utter_message(response="utter_ask_help")
        return []
