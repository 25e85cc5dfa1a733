"""What the report form says: its questions, buttons and summary labels in the person's
language and register.

The words are in wording/report_form.yml (the question for a slot under the slot's name);
here is which text and which buttons go with which question, and the register: "te" for a
child (and whoever writes like one), "on" for adults and professionals ("Ön"), "en" for
English (one register).
"""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import wording

from .common import language
from .persona import gateway_persona

# Buttons: (payload, the title's key) by kind of question.
BUTTONS: dict[str, list[tuple[str, str]]] = {
    "free": [("/report_skip", "report_button_skip"), ("/report_dont_know", "report_button_dont_know"),
             ("/report_stop", "report_button_stop")],
    "yesno": [("/affirm", "report_button_yes"), ("/deny", "report_button_no"), ("/report_stop", "report_button_stop")],
    "danger": [("/affirm", "report_button_yes_now"), ("/deny", "report_button_no"),
               ("/report_dont_know", "report_button_dont_know"), ("/report_skip", "report_button_skip"),
               ("/report_stop", "report_button_stop")],
    "confirm": [("/affirm", "report_button_send"), ("/deny", "report_button_dont_send")],
    # "Kiegészítem" is sent as its words (no intent of its own): validate_report_form reads them.
    "confirm_more": [("/affirm", "report_button_send"), ("@report_button_more", "report_button_more"),
                     ("/deny", "report_button_dont_send")],
    # "Elvessem, vagy elküldjem?": both buttons answer in words (a yes/no intent would read either way)
    "discard_check": [("@report_button_discard", "report_button_discard"),
                      ("@report_button_send", "report_button_send")],
    "paused": [("/report_start", "report_button_continue"), ("/talk_to_human", "button_human")],
    "after": [("/talk_to_human", "button_human"), ("/emergency_numbers", "button_numbers")],
}
BUTTON_KIND = {"report_wants_address": "yesno", "report_danger_now": "danger"}
# What a special answer shows as in the summary (report_label_*).
SHOWN = {"skipped": "report_label_skipped", "unknown": "report_label_unknown", "yes": "report_label_yes",
         "no": "report_label_no"}


def register(tracker: Tracker) -> str:
    """"en", or the Hungarian register: "on" for adults and professionals, else "te"."""
    if language(tracker) == "en":
        return "en"
    # The gateway's reading of who writes comes first: inside the form a bare "4 éves" answered
    # to the age question is the child's age, though NLU may read it as the child persona and
    # set the slot (an adult was then asked "Szeretnél...?", sealed7).
    persona = gateway_persona(tracker) or tracker.get_slot("persona")
    if persona is None:
        return "on" if wording.UNKNOWN_REGISTER == "ön" else "te"
    return "on" if persona in ("adult", "professional") else "te"


def say(dispatcher: CollectingDispatcher, tracker: Tracker, key: str, buttons: str | None = None,
        extra: str | None = None, **values: str) -> None:
    """Utter a report-form text in the person's language and register, with its buttons
    (``extra``: a second text's key, said in the same message after a blank line). A payload
    "@key" is the words of that text: a button that answers in words, with no intent of its own."""
    reg = register(tracker)
    lang, voice = ("en", "te") if reg == "en" else ("hu", reg)
    text = wording.text(key, lang, voice, **values)
    if extra:
        text = f"{text}\n\n{wording.text(extra, lang, voice)}"
    rows = [{"title": wording.text(title, lang, voice),
             "payload": wording.text(payload[1:], lang, voice) if payload.startswith("@") else payload}
            for payload, title in BUTTONS[buttons]] if buttons else []
    dispatcher.utter_message(text=text, buttons=rows)



def label(field: str, lang: str) -> str:
    """The summary's label for a field ("Mi történt", "What happened")."""
    return wording.text(f"report_label_{field}", lang)


def shown(value: str, lang: str) -> str:
    """A value as the summary shows it: special answers in words, the reporter's own as given."""
    return wording.text(SHOWN[value], lang) if value in SHOWN else value


def pii_listed(kinds: list[str], lang: str) -> str:
    """"telefonszám és név": the kinds of personal data found, in words."""
    words = [wording.text(f"pii_word_{k}", lang) for k in kinds]
    both = wording.text("pii_word_and", lang)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {both} " + words[-1]
