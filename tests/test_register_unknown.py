"""One register for a writer whose persona is not known yet (issue 12): chosen once
(wording.UNKNOWN_REGISTER) and used by the gateway's and the queue's texts and by the
actions' texts, so one reply never mixes "Ön" and "te" (it did: "megkérek egy kollégát ...
hívja a 112-t" from the action, "a helyed most: 3 ... ír neked" from the queue)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

import wording
from bot import register, texts
from bot.handoff import data

ROOT = Path(__file__).resolve().parent.parent
# Words that address the reader with "Ön" / with "te" (Hungarian, as written in the texts).
FORMAL = re.compile(r"\b(Ön|Önnek|Önt|Öntől|Önnel|Önök|hívja|írja|írhat|kérje|szeretné|szeretne|forduljon|"
                    r"kérdezhet|megállhat|kihagyhatja|jóváhagyja)\b")
INFORMAL = re.compile(r"\b(neked|téged|hívd|írd|írhatsz|kérd|szeretnéd|szeretnél|fordulj|kérdezz|megállhatsz|"
                      r"kihagyhatod|jóváhagyod|vagy)\b")
WRONG = FORMAL if wording.UNKNOWN_REGISTER == "te" else INFORMAL
# What an unknown writer hears from the gateway and the queue around a handoff.
GATEWAY = ["emergency", "emergency_again", "handoff_started", "support", "no_phone", "no_phone_offer", "missing_child"]
QUEUE = ["queued", "estimate_unknown", "waiting_kind", "immediate_reminder", "message_received", "no_operator"]
# The actions' texts for an unknown writer: tests_actions/test_register_unknown.py reads FORMAL,
# INFORMAL and MESSAGES from here and runs the actions in-process in the Rasa environment.
MESSAGES = ["handoff_requested", "handoff_report", "handoff_fallback", "fallback", "ask_problem",
            "ask_settlement", "service_info_more"]
# Domain responses addressed to someone else than the writer whoever they are.
DOMAIN_EXEMPT = {"utter_faq/professional_duty"}  # what a professional must do: asked by professionals

def test_the_gateway_and_the_queue_speak_the_chosen_register_to_an_unknown_writer() -> None:
    voice = register.voice("hu", "")
    assert voice == ("hu" if wording.UNKNOWN_REGISTER == "te" else "hu_formal")
    for name in GATEWAY:
        assert not WRONG.search(texts.text(name, voice)), name
    for name in QUEUE:
        assert not WRONG.search(data.text(name, voice, position=3)), name


def test_the_domain_default_responses_are_in_that_register() -> None:
    wrong = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for name, variants in (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).items():
            for variant in variants:
                text = variant.get("text") or ""
                if not variant.get("condition") and name not in DOMAIN_EXEMPT and WRONG.search(text):
                    wrong[name] = WRONG.findall(text)
    assert not wrong, wrong
