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

from .common import (
    STORE,
    format_offices,
    language,
    latest_intent,
    message,
    person_buttons,
    persona_buttons,
    standard_buttons,
    waiting,
)
from .persona import infer_persona, message_metadata, queued_for_danger
from .service_info import LAST_SERVICE


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
        if first["value"] in service["name"][lang]:  # "116 111 – ..." names its number already
            detail = f" ({note})" if note else ""
        else:
            detail = f" ({first['value']}{', ' + note if note else ''})"
    return f"• {service['name'][lang]}{detail}: {route['why'][lang]}"


CHILD_LINE = "child_helpline_116111"


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
        # A few warm words, then where a child can turn (sealed9: "Kihez fordulhatok?" got the
        # warm words and no service): the child line first, then the problem's own first
        # service other than the police (112 is in the danger line below).
        routes = [r for r in entry["services"] if r["id"] == CHILD_LINE] or [
            {"id": CHILD_LINE, "why": {lang: message(k, "child_line_why", lang, "child")}}]
        routes += [r for r in entry["services"] if r["id"] not in (CHILD_LINE, "police")][:1]
        lines = [service_line(k, route, lang) for route in routes]
        return "\n".join([entry["child"][lang], "", message(k, "services_heading_child", lang, "child"),
                          *lines, "", entry["danger_now"][lang]])
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
# NLU at least this sure of its problem keeps it even when the screen heard another danger in
# the message; below it, a problem that is not about what the screen heard ("a tourist saw a
# child hit" read as a missing child at 0.54, "bezártak a pincébe" as sexual abuse at 0.41)
# is NLU's confusion, and the screen's problem is answered (issue 12, the user test).
SURE = 0.9
SELF_HARM = "suicide_self_harm"
# Which of several dangers heard in one message is answered when NLU's problem is about none:
# a harm done to the child comes before a harm in the household around it ("a mother slapping
# her kid" is screened as domestic violence too).
HEARD_ORDER = ("sexual_abuse", "trafficking", "physical_abuse", "life_threat", "missing_child",
               "runaway_homeless", "neglect", "bullying", "domestic_violence")


def _strings(value: Any) -> list[str]:
    return [v for v in value or [] if isinstance(v, str)] if isinstance(value, list) else []


def confidence(tracker: Tracker, intent: str | None) -> float:
    """NLU's confidence in ``intent`` for the latest message (0 when it is not ranked)."""
    for ranked in (tracker.latest_message or {}).get("intent_ranking") or []:
        if ranked.get("name") == intent:
            return float(ranked.get("confidence") or 0.0)
    return 0.0


def heard_problem(k: Knowledge, tracker: Tracker, problem: str | None, intent: str | None) -> str | None:
    """The problem to answer for an NLU-named ``problem``: the screen's, when NLU was not sure
    and its problem is about none of the dangers the screen heard in this very message
    (metadata ``heard``); else ``problem``."""
    heard = _strings(message_metadata(tracker).get("heard"))
    if not problem or not heard or k.covers(problem, heard) or confidence(tracker, intent) >= SURE:
        return problem
    ranked = sorted(heard, key=lambda c: HEARD_ORDER.index(c) if c in HEARD_ORDER else len(HEARD_ORDER))
    return k.problem_for_screen(ranked) or problem


def next_steps_suicide(k: Knowledge, tracker: Tracker, dispatcher: CollectingDispatcher,
                       persona: str | None) -> list[dict[str, Any]]:
    """What to do now after a self-harm or suicide disclosure: 112, a trusted adult, 116 111,
    a person here (no where-to-turn problem is that danger's)."""
    lang = language(tracker)
    dispatcher.utter_message(text=message(k, "next_steps_suicide", lang, persona),
                             buttons=person_buttons(tracker, lang))
    return []


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
        named = k.problem_for_intent(intent)
        if named and SELF_HARM in _strings(message_metadata(tracker).get("heard")) \
                and not k.covers(named, [SELF_HARM]) and confidence(tracker, intent) < SURE:
            # "I cut myself and want to die" read as another problem: that danger's next steps.
            return next_steps_suicide(k, tracker, dispatcher, infer_persona(tracker))
        problem: str | None = heard_problem(k, tracker, named, intent) or tracker.get_slot("problem")
        # Who asks, from NLU's own reading: a stuck professional whose case the screen heard as
        # a danger is answered on that danger, still as a professional.
        professional_asks = (named or tracker.get_slot("problem")) == "professional_stuck"
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
            dispatcher.utter_message(text=message(k, "fallback", lang, persona, waiting(tracker)))
            dispatcher.utter_message(json_message={"fallback": True})
            return events
        if not problem or problem not in k.routing:
            dispatcher.utter_message(text=message(k, "ask_problem", lang, persona))
            return events
        # the problem's first service is what "Az hol van?", "Is it free?" are about next
        events += [SlotSet("problem", problem), SlotSet(LAST_SERVICE, k.routing[problem]["services"][0]["id"])]

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
            dispatcher.utter_message(text=message(k, "persona_noted", lang, persona, waiting(tracker)),
                                     buttons=standard_buttons(k, lang, consultation=persona == "professional",
                                                              queued=waiting(tracker)))
            return events
        events.append(SlotSet("answered", answered))
        dispatcher.utter_message(
            text=compose(k, problem, persona, lang),
            buttons=standard_buttons(k, lang, consultation=persona == "professional", queued=waiting(tracker)),
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
# valakivel?", "szeretnék egy szakemberrel egyeztetni", "megbeszélhetném valakivel?", "could I
# consult someone?", "can I discuss it with someone?").
_ASKS_CONSULT = re.compile(
    r"\b(konzultal\w*|konzultaci\w*|egyeztet(ni|nek|hetnek|hetek)\b|atbeszel(ni|nem|hetnem|hetnenk|hetem)\b|"
    r"beszelhetnek (valakivel|egy szakert\w*|egy kollega\w*|egy munkatars\w*)|"
    r"megbeszel(ni|nem|hetnem|hetnenk|hetem|hetjuk)\b( \w+)? (valakivel|egy szakert\w*|egy kollega\w*|"
    r"egy munkatars\w*|veletek|onokkel)|"
    # "Can I discuss it with someone?" (sealed8): the consultation asked for in other words
    r"discuss (it|this|the case|a case|my case)( \w+)? with (someone|somebody|a colleague|an expert|a specialist|you)|"
    r"consult\w*|talk (it|the case|this) (through|over))"
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
        # What the screen heard in the conversation, the gravest latest danger first.
        topics = _strings(message_metadata(tracker).get("topics"))
        if topics[:1] == [SELF_HARM]:
            # The gravest latest danger is self-harm: its next steps first; then the services of
            # another danger told (a child neglected and in despair needs both).
            events = next_steps_suicide(k, tracker, dispatcher, infer_persona(tracker))
            other = k.problem_for_screen(topics[1:])
            if other:
                events += await ActionWhereToTurn().answer(dispatcher, tracker, k.routing[other]["intent"])
            return events
        told = tracker.get_slot("problem")
        screened = k.problem_for_screen(topics)
        if told in k.routing and (not screened or k.covers(told, topics)):
            return await self.answer_with_steps(k, dispatcher, tracker, None)
        if screened:
            # NLU named no problem, or one about none of the dangers the screen heard (a
            # misreading): the screen's problem.
            return await self.answer_with_steps(k, dispatcher, tracker, k.routing[screened]["intent"])
        if told in k.routing:
            return await self.answer_with_steps(k, dispatcher, tracker, None)
        if SELF_HARM in topics:
            return next_steps_suicide(k, tracker, dispatcher, infer_persona(tracker))
        dispatcher.utter_message(response="utter_ask_help")
        return []

    @staticmethod
    async def answer_with_steps(k: Knowledge, dispatcher: CollectingDispatcher, tracker: Tracker,
                                intent: str | None) -> list[dict[str, Any]]:
        """The problem's answer; a child, whose answer is a few warm words, also hears what to
        do now (112, a trusted adult, a person here): "mit csináljak?" asks for exactly that."""
        events = await ActionWhereToTurn().answer(dispatcher, tracker, intent)
        if infer_persona(tracker) == "child":
            dispatcher.utter_message(text=message(k, "next_steps_child", language(tracker), "child"),
                                     buttons=person_buttons(tracker, language(tracker)))
        return events
