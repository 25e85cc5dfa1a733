"""The anonymous report form: validation, confirmation, submit, danger now.

Flow (rules in nlu_data/report/rules.yml, texts in domain/report.yml):
``report_start`` -> ``action_report_reset`` -> intro -> ``report_form`` asks what
happened, the child's age, the settlement, whether they want to give an address
(and then the address), whether the child is in danger right now, who causes the
harm, since when, whether others know, and finally shows a summary and asks
"send it?" -> ``action_report_submit``.

Why the answers are read here and not by NLU: every question takes free text, and an
answer that NLU happens to classify as "skip" or "stop" must still be kept. So a
message counts as skip / "I don't know" / stop only if it is a button payload or
one of those intents' training phrases. "Stop" jumps to the
confirmation: what was given is kept only if the reporter then says yes.

"Yes, in danger right now" (the affirm intent at that question) is not mapped to
the slot, so the form rejects it and a rule runs ``action_report_danger_now``:
112 first, then an operator takes over (the gateway queues the chat).

Privacy: slots are reset as soon as the report is sent or discarded; nothing here
logs answers, slot values or ids, only outcomes and counts.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Set, Text, Tuple

import yaml
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import wording
from knowledge import normalise

from .common import language, latest_intent
from .persona import gateway_persona, handoff_skill

logger = logging.getLogger(__name__)

try:  # standard library only, shared with the gateway (which masks the same spans in the PDF)
    from bot.reports import pii
except ImportError:  # pragma: no cover - a deployment without bot/reports/pii.py
    pii = None  # type: ignore[assignment]
    logger.error("report form: bot.reports.pii missing, no warning about the reporter's own data")

SKIPPED = "skipped"
UNKNOWN = "unknown"

# Gateway field name (bot/reports/store.py FIELDS) -> slot, in the form's order.
FIELD_SLOTS: Dict[Text, Text] = {
    "what": "report_what",
    "child_age": "report_child_age",
    "settlement": "report_settlement",
    "address": "report_address",
    "danger_now": "report_danger_now",
    "relation": "report_relation",
    "since": "report_since",
    "others_know": "report_others_know",
}
ALL_SLOTS: List[Text] = [
    "report_what", "report_child_age", "report_settlement", "report_wants_address",
    "report_address", "report_danger_now", "report_relation", "report_since",
    "report_others_know", "report_confirm", "report_stopped",
]
# Caps: long enough for a real account, short enough that a pasted wall of text
# cannot bloat the tracker and the sealed report.
MAX_CHARS: Dict[Text, int] = {
    "report_what": 1000,
    "report_child_age": 60,
    "report_settlement": 100,
    "report_address": 200,
    "report_relation": 200,
    "report_since": 200,
    "report_others_know": 300,
}
# A typed message counts as skip / "I don't know" / stop only if it is one of the
# intents' training phrases (normalised: no accents, lowercase, no punctuation), never
# on NLU's guess alone: it read "a tanára tudja" as "don't know" and could read
# "Szeged" as "stop". A missed phrase is merely kept as text, which the reporter sees
# in the summary; a wrong guess would lose an answer or end the report.
KIND = {"report_skip": "skip", "report_dont_know": "unknown", "report_stop": "stop"}
_BUILTIN: Dict[Text, Set[Text]] = {
    "report_skip": {"kihagyom", "passz", "skip", "pass", "tovabb", "next"},
    "report_dont_know": {"nem tudom", "nemtom", "fogalmam sincs", "i don t know", "dont know", "no idea"},
    "report_stop": {"megallok", "allj", "stop", "megsem", "megse", "cancel", "quit"},
}


def _phrases() -> Dict[Text, FrozenSet[Text]]:
    """The training examples of the three intents, normalised (built-in lists if unreadable)."""
    found: Dict[Text, Set[Text]] = {k: set(v) for k, v in _BUILTIN.items()}
    try:
        data = yaml.safe_load(NLU_FILE.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        logger.warning("report form: %s unreadable, built-in phrase lists only", NLU_FILE.name)
        return {k: frozenset(v) for k, v in found.items()}
    for block in data.get("nlu") or []:
        if block.get("intent") in found:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    found[block["intent"]].add(normalise(line.strip()[2:]))
    return {k: frozenset(v) for k, v in found.items()}


NLU_FILE = Path(__file__).resolve().parent.parent / "nlu_data" / "report" / "nlu.yml"
PHRASES = _phrases()
YES_WORDS = frozenset({"igen", "ige", "aha", "persze", "yes", "yeah", "yep"})
NO_WORDS = frozenset({"nem", "ne", "no", "nope", "nincs"})
_AGE_NUMBER = re.compile(r"\b([0-9]{1,2})\b")
_ADDRESS_HINT = re.compile(r"\d|\b(utca|u|ut|ter|korut|koz|sor|street|st|road|rd|avenue)\b")


def _text(value: Any) -> Text:
    return str(value).strip() if value is not None else ""


def classify(tracker: Tracker, value: Any) -> Text:
    """What an answer is: "skip", "unknown", "stop", "payload" (another button) or "text"."""
    text = _text(value)
    norm = normalise(text)
    name = latest_intent(tracker) or ""
    if text.startswith("/"):
        # A button: its payload is the intent (Rasa parses "/x" with confidence 1).
        return KIND.get(name, "payload")
    if not norm:
        return "payload"
    for kind_intent, kind in KIND.items():
        if norm in PHRASES[kind_intent]:
            return kind
    return "text"


def yes_no(tracker: Tracker, value: Any) -> Optional[Text]:
    """"yes" / "no" from a mapped value, the intent or the first words; None if unclear."""
    text = _text(value)
    if text in ("yes", "no"):
        return text
    intent = latest_intent(tracker)
    words = normalise(text).split()[:3]
    if intent == "affirm" or (words and words[0] in YES_WORDS):
        return "yes"
    if intent == "deny" or (words and words[0] in NO_WORDS):
        return "no"
    return None


# "Send it?" answered in words rather than with yes/no: "Küldje el, kérem", "mehet", "send it".
_SEND = re.compile(r"\b(kuld\w*|elkuld\w*|mehet|send|submit|go ahead)\b")
_DONT_SEND = re.compile(r"\b(ne|nem|dont|don t|do not)\b.*\b(kuld\w*|elkuld\w*|send)")


def send_or_not(tracker: Tracker, value: Any) -> Optional[Text]:
    """The answer to "send it?": yes / no as yes_no reads it, else a send word (a "don't" first)."""
    answer = yes_no(tracker, value)
    if answer:
        return answer
    norm = normalise(_text(value))
    if _DONT_SEND.search(norm):
        return "no"
    return "yes" if _SEND.search(norm) else None


FAQ_CONFIDENCE = 0.6  # intent confidence (logistic regression; real FAQ questions measured 0.46-0.99)
FAQ_MAX_WORDS = 12


def faq_question(tracker: Tracker) -> Optional[Text]:
    """The FAQ response to utter if the answer is really a question about the service.

    "Is it anonymous?" typed at "how old is the child?" must be answered, not stored as
    the age. Only a short message with a question mark that NLU reads as an FAQ with
    high confidence counts; anything else is kept as the reporter's answer.
    """
    latest = tracker.latest_message or {}
    text = _text(latest.get("text"))
    intent = latest.get("intent") or {}
    if intent.get("name") != "faq" or float(intent.get("confidence") or 0) < FAQ_CONFIDENCE:
        return None
    if "?" not in text or len(text.split()) > FAQ_MAX_WORDS:
        return None
    selected = ((latest.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    key = selected.get("intent_response_key")
    return f"utter_{key}" if key else None


def given(tracker: Tracker) -> int:
    """How many report fields hold something other than "skipped" (not logged as values)."""
    return sum(1 for slot in FIELD_SLOTS.values() if tracker.get_slot(slot) not in (None, SKIPPED))


def reset_events() -> List[EventType]:
    """Forget every report slot: the tracker keeps none of it longer than needed."""
    return [SlotSet(slot, None) for slot in ALL_SLOTS]


# -- texts ------------------------------------------------------------------------------
# The questions, the summary and the buttons are in wording/report_form.yml (the question for
# a slot under the slot's name). Buttons: (payload, the title's key) by kind of question.
BUTTONS: Dict[Text, List[Tuple[Text, Text]]] = {
    "free": [("/report_skip", "report_button_skip"), ("/report_dont_know", "report_button_dont_know"),
             ("/report_stop", "report_button_stop")],
    "yesno": [("/affirm", "report_button_yes"), ("/deny", "report_button_no"), ("/report_stop", "report_button_stop")],
    "danger": [("/affirm", "report_button_yes_now"), ("/deny", "report_button_no"),
               ("/report_dont_know", "report_button_dont_know"), ("/report_skip", "report_button_skip"),
               ("/report_stop", "report_button_stop")],
    "confirm": [("/affirm", "report_button_send"), ("/deny", "report_button_dont_send")],
    "after": [("/talk_to_human", "button_human"), ("/emergency_numbers", "button_numbers")],
}
BUTTON_KIND = {"report_wants_address": "yesno", "report_danger_now": "danger"}


def register(tracker: Tracker) -> Text:
    """"en", or the Hungarian register: "on" for adults and professionals, else "te"."""
    if language(tracker) == "en":
        return "en"
    persona = tracker.get_slot("persona") or gateway_persona(tracker)
    return "on" if persona in ("adult", "professional") else "te"


def say(dispatcher: CollectingDispatcher, tracker: Tracker, key: Text, buttons: Optional[Text] = None,
        **values: Text) -> None:
    """Utter a report-form text in the person's language and register, with its buttons."""
    reg = register(tracker)
    lang, voice = ("en", "te") if reg == "en" else ("hu", reg)
    text = wording.text(key, lang, voice, **values)
    rows = [{"title": wording.text(title, lang, voice), "payload": payload}
            for payload, title in BUTTONS[buttons]] if buttons else []
    dispatcher.utter_message(text=text, buttons=rows)


class _AskReport:
    """The body of the question actions (Rasa calls action_ask_<slot> to ask a slot): the
    text (the slot's entry in wording/report_form.yml) and buttons (BUTTON_KIND), so one class
    serves every question.

    Not an Action itself (rasa_sdk registers every Action subclass by its name()): the
    subclasses below, one per question, are.
    """

    slot: Text = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        say(dispatcher, tracker, self.slot, BUTTON_KIND.get(self.slot, "free"))
        return []


# The form's questions in order (report_confirm has its own action below, with the summary).
ASKED: Dict[Text, Text] = {
    "report_what": "Asks what happened.",
    "report_child_age": "Asks the child's approximate age.",
    "report_settlement": "Asks the settlement.",
    "report_wants_address": "Asks whether they want to give an address.",
    "report_address": "Asks the address (only after a yes).",
    "report_danger_now": "Asks whether the child is in danger right now.",
    "report_relation": "Asks who causes the harm.",
    "report_since": "Asks since when.",
    "report_others_know": "Asks whether others know.",
}


def _ask_action(slot: Text) -> type:
    """``ActionAskReportWhat`` for ``report_what``: a named Action class the SDK registers."""
    class_name = "ActionAsk" + "".join(part.capitalize() for part in slot.split("_"))
    return type(class_name, (_AskReport, Action), {"slot": slot, "__doc__": ASKED[slot], "__module__": __name__})


# slot -> its action class (kept referenced here so the SDK finds every one).
ASK_ACTIONS: Dict[Text, type] = {slot: _ask_action(slot) for slot in ASKED}


class ValidateReportForm(FormValidationAction):
    """Normalises skip / "I don't know" / stop, caps free text, asks the address only on request."""

    def name(self) -> Text:
        return "validate_report_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        """Only delegates; defined so every action in actions/ has an async run (tests)."""
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        """The address only if they want to give one; nothing after "in danger right now: yes"."""
        slots = list(domain_slots)
        if tracker.get_slot("report_wants_address") != "yes" and "report_address" in slots:
            slots.remove("report_address")
        if tracker.get_slot("report_danger_now") == "yes" and "report_danger_now" in slots:
            # A yes typed in words (not the affirm intent): end the form here; the
            # submit action then takes the danger path, as the rule does for affirm.
            slots = slots[: slots.index("report_danger_now") + 1]
        asked = [n for n in slots if n in FIELD_SLOTS.values()]
        if "report_confirm" in slots and all(tracker.get_slot(n) is not None for n in asked) \
                and all(tracker.get_slot(n) == SKIPPED for n in asked):
            # Every question skipped: nothing to confirm; the submit action says nothing was sent.
            slots.remove("report_confirm")
        return slots

    # -- helpers -----------------------------------------------------------------------
    def _stop(self, slot: Text, tracker: Tracker) -> Dict[Text, Any]:
        """Stop: every unasked question counts as skipped; the confirmation comes next.

        If nothing at all was given there is nothing to confirm: the form ends and
        the submit action says nothing was sent.
        """
        out: Dict[Text, Any] = {"report_stopped": True}
        for name in FIELD_SLOTS.values():
            if tracker.get_slot(name) is None or name == slot:
                out[name] = SKIPPED
        if tracker.get_slot("report_wants_address") is None or slot == "report_wants_address":
            out["report_wants_address"] = "no"
        if slot == "report_confirm" or not any(
                tracker.get_slot(n) not in (None, SKIPPED) for n in FIELD_SLOTS.values() if n != slot):
            out["report_confirm"] = "no"
        return out

    @staticmethod
    def _answered_question(slot: Text, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """Answer an FAQ asked instead of an answer; the form then asks its question again."""
        response = faq_question(tracker)
        if response is None:
            return False
        logger.info("report form: question answered inside the form")
        dispatcher.utter_message(response=response)
        return True

    def _free(self, slot: Text, value: Any, tracker: Tracker,
              dispatcher: Optional[CollectingDispatcher] = None) -> Dict[Text, Any]:
        if dispatcher is not None and self._answered_question(slot, dispatcher, tracker):
            return {slot: None}
        kind = classify(tracker, value)
        if kind == "skip":
            return {slot: SKIPPED}
        if kind == "unknown":
            return {slot: UNKNOWN}
        if kind == "stop":
            return self._stop(slot, tracker)
        if kind == "payload":
            return {slot: None}  # another button (e.g. an old one): ask again
        return {slot: _text(value)[: MAX_CHARS[slot]]}

    # -- free-text questions -------------------------------------------------------------
    async def validate_report_what(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """What happened: the reporter's own words, capped."""
        return self._free("report_what", value, tracker, dispatcher)

    async def validate_report_child_age(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Age: kept as the short raw text ("kb 10", "tinédzser"); a bare number gets "év"/"years"."""
        out = self._free("report_child_age", value, tracker, dispatcher)
        age = out.get("report_child_age")
        if age and age not in (SKIPPED, UNKNOWN) and age.isdigit() and _AGE_NUMBER.fullmatch(age):
            out["report_child_age"] = f"{age} {'years' if language(tracker) == 'en' else 'év'}"
        return out

    async def validate_report_settlement(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Settlement: free text, capped (operators look it up in the office directory)."""
        return self._free("report_settlement", value, tracker, dispatcher)

    async def validate_report_address(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Address: only asked after a yes; free text, capped."""
        return self._free("report_address", value, tracker, dispatcher)

    async def validate_report_relation(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Who causes the harm: the relation in their words (the store spots parents in it)."""
        return self._free("report_relation", value, tracker, dispatcher)

    async def validate_report_since(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Since when: free text, capped."""
        return self._free("report_since", value, tracker, dispatcher)

    async def validate_report_others_know(self, value: Any, dispatcher: CollectingDispatcher,
                                          tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Whether others know: free text ("igen, a tanára"), capped."""
        return self._free("report_others_know", value, tracker, dispatcher)

    # -- yes/no questions ----------------------------------------------------------------
    async def validate_report_wants_address(self, value: Any, dispatcher: CollectingDispatcher,
                                            tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Yes / no; skip or "I don't know" mean no; an address typed straight away is taken."""
        if self._answered_question("report_wants_address", dispatcher, tracker):
            return {"report_wants_address": None}
        kind = classify(tracker, value)
        if kind == "stop":
            return self._stop("report_wants_address", tracker)
        if kind in ("skip", "unknown"):
            return {"report_wants_address": "no"}
        answer = yes_no(tracker, value)
        if answer:
            return {"report_wants_address": answer}
        text = _text(value)
        if kind == "text" and _ADDRESS_HINT.search(normalise(text)):
            return {"report_wants_address": "yes", "report_address": text[: MAX_CHARS["report_address"]]}
        return {"report_wants_address": None}

    async def validate_report_danger_now(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """yes / no / unknown / skipped; anything unclear is asked again (it matters)."""
        if self._answered_question("report_danger_now", dispatcher, tracker):
            return {"report_danger_now": None}
        kind = classify(tracker, value)
        if kind == "stop":
            return self._stop("report_danger_now", tracker)
        if kind == "skip":
            return {"report_danger_now": SKIPPED}
        if kind == "unknown":
            return {"report_danger_now": UNKNOWN}
        return {"report_danger_now": yes_no(tracker, value)}

    async def validate_report_confirm(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Send only on a clear yes; stop or skip mean no; anything else is asked again."""
        if self._answered_question("report_confirm", dispatcher, tracker):
            return {"report_confirm": None}
        kind = classify(tracker, value)
        if kind in ("stop", "skip"):
            return {"report_confirm": "no"}
        return {"report_confirm": send_or_not(tracker, value)}


# -- the summary --------------------------------------------------------------------------
# What a special answer shows as in the summary (wording/report_form.yml, report_label_*).
SHOWN = {SKIPPED: "report_label_skipped", UNKNOWN: "report_label_unknown", "yes": "report_label_yes",
         "no": "report_label_no"}


def summary(tracker: Tracker, lang: Text) -> Text:
    """One line per question, the reporter's own words; skipped ones marked as such."""
    lines = []
    for field, slot in FIELD_SLOTS.items():
        if field == "address" and tracker.get_slot("report_wants_address") != "yes":
            continue
        value = tracker.get_slot(slot)
        value = SKIPPED if value is None else value
        shown = wording.text(SHOWN[value], lang) if value in SHOWN else value
        lines.append(f"• {wording.text(f'report_label_{field}', lang)}: {shown}")
    return "\n".join(lines)


def pii_found(tracker: Tracker) -> List[Text]:
    """The kinds of personal data in the answers ("phone", "email", "name"); never their values."""
    if pii is None:
        return []
    return pii.kinds_in(v for v in report_payload(tracker).values() if v not in (SKIPPED, UNKNOWN))


def _listed(kinds: List[Text], lang: Text) -> Text:
    words = [wording.text(f"pii_word_{k}", lang) for k in kinds]
    both = wording.text("pii_word_and", lang)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {both} " + words[-1]


class ActionAskReportConfirm(Action):
    """Shows what they gave and asks "send it?": nothing leaves without this yes."""

    def name(self) -> Text:
        return "action_ask_report_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.get_slot("report_stopped"):
            say(dispatcher, tracker, "report_stopped")
        kinds = pii_found(tracker)
        if kinds:
            say(dispatcher, tracker, "report_pii", found=_listed(kinds, language(tracker)))
            logger.info("report form: personal data in the answers (%s)", ",".join(kinds))
        say(dispatcher, tracker, "report_confirm", "confirm", summary=summary(tracker, language(tracker)))
        return []


def report_payload(tracker: Tracker) -> Dict[Text, Text]:
    """The gateway's report fields: the value, "unknown", or "skipped" (never None)."""
    out: Dict[Text, Text] = {}
    for field, slot in FIELD_SLOTS.items():
        value = tracker.get_slot(slot)
        if field == "address" and tracker.get_slot("report_wants_address") != "yes":
            value = None
        out[field] = SKIPPED if value in (None, "") else str(value)
    return out


def danger_now(dispatcher: CollectingDispatcher, tracker: Tracker, utter: bool) -> List[EventType]:
    """112 first, then the handoff payload; what was given goes with the chat, not as a report.

    ``utter``: say the 112 text here (the typed-yes path); the rule path says it first.
    """
    if utter:
        dispatcher.utter_message(response="utter_report_danger")
    dispatcher.utter_message(json_message={"handoff": {"reason": "report", "skill": handoff_skill(tracker)}})
    logger.info("report form: danger now, handed off")
    return [ActiveLoop(None), SlotSet("requested_slot", None)] + reset_events()


class ActionReportSubmit(Action):
    """After the form: sends the report on a yes, otherwise discards it; resets the slots."""

    def name(self) -> Text:
        return "action_report_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.get_slot("report_danger_now") == "yes":
            return danger_now(dispatcher, tracker, utter=True)
        count = given(tracker)
        if tracker.get_slot("report_confirm") == "yes" and count:
            # The gateway stores it (sealed), answers with the case code and queues it.
            dispatcher.utter_message(json_message={"report": report_payload(tracker)})
            logger.info("report form: sent, %d of %d fields given", count, len(FIELD_SLOTS))
        else:
            say(dispatcher, tracker, "report_discarded", "after")
            logger.info("report form: discarded")
        return reset_events()


class ActionReportDangerNow(Action):
    """"In danger right now: yes": 112 first, then an operator, who takes the report over."""

    def name(self) -> Text:
        return "action_report_danger_now"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return danger_now(dispatcher, tracker, utter=False)


class ActionReportReset(Action):
    """Clears leftovers of an unfinished report before a new one, so no old answer is reused."""

    def name(self) -> Text:
        return "action_report_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return reset_events()
