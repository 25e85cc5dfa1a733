"""A report form run through in words always ends at "send it?" and a report (issue 12):
"küldjék el így" / "that's all I know" at any question goes to the summary, a refused field
is skipped, and "in danger right now: yes" says 112 and asks an operator while the form goes
on. The actions run in-process under .venv-rasa."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_rasa_venv

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r'''
import asyncio, json, sys
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from actions.report import ActionReportSubmit
from actions.report_answers import classify
from actions.report_form import ValidateReportForm

def tracker(text, intent="inform", slots=None, persona=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    return Tracker("t", {"language": "hu", "persona": persona, **(slots or {})}, latest,
                   [{"event": "user", "text": text}], False, None, {}, "action_listen")

out = {"classify": {}, "validate": [], "required": None, "submit": None}
case = json.loads(sys.argv[1])
for text in case["classify"]:
    out["classify"][text] = classify(tracker(text), text)
form = ValidateReportForm()
for slot, text, intent, slots in case["validate"]:
    d = CollectingDispatcher()
    got = asyncio.run(getattr(form, f"validate_{slot}")(text, d, tracker(text, intent, slots, "adult"), {}))
    out["validate"].append({"slots": got, "messages": d.messages})
out["required"] = asyncio.run(form.required_slots(case["domain_slots"], CollectingDispatcher(),
                                                  tracker("x", slots=case["danger_slots"]), {}))
d = CollectingDispatcher()
asyncio.run(ActionReportSubmit().run(d, tracker("igen", "affirm", case["danger_slots"]), {}))
out["submit"] = d.messages
print(json.dumps(out))
'''

DOMAIN_SLOTS = ["report_what", "report_child_age", "report_settlement", "report_wants_address", "report_address",
                "report_danger_now", "report_relation", "report_since", "report_others_know", "report_confirm"]
GIVEN = {"report_what": "A szomszéd kislányát egyedül hagyják.", "report_child_age": "kb. 4",
         "report_settlement": "Debrecen", "report_wants_address": "no"}
DANGER = {**GIVEN, "report_danger_now": "yes", "report_relation": "skipped", "report_since": "skipped",
          "report_others_know": "skipped", "report_confirm": "yes"}
CLASSIFY = {
    "Ennél többet nem tudok, kérem, küldjék el így.": "stop",
    "Ennyit tudok, kérem, továbbítsák.": "stop",
    "That's all I know, please send it like this.": "stop",
    "küldd el így": "stop",
    "Nem szeretném megadni a címet.": "skip",
    "nem akarom megmondani": "skip",
    "I'd rather not say.": "skip",
    "Nem akarják beengedni a gyereket a lakásba.": "text",
    "a tanára tudja": "text",
    "kihagyom": "skip",
    "nem tudom": "unknown",
}
VALIDATE = [
    # "send it as it is" at a later question: the rest is skipped and "send it?" comes next
    ("report_relation", "Ennél többet nem tudok, kérem, küldjék el így.", "deny", {**GIVEN, "report_danger_now": "yes"}),
    # the same words at "send it?", even when NLU reads the "nem" as a deny: sent
    ("report_confirm", "Ennél többet nem tudok, kérem, küldjék el így.", "deny", DANGER),
    ("report_confirm", "Kérem, ne küldje el így.", "deny", DANGER),
    ("report_confirm", "megállok", "report_stop", DANGER),
    # in danger right now, typed: 112 and an operator, the answer kept
    ("report_danger_now", "Igen, most is veszélyben van, már órák óta sír egyedül.", "inform", GIVEN),
    ("report_danger_now", "/affirm", "affirm", GIVEN),
    # a refused field is skipped, not stored as the answer
    ("report_settlement", "Nem szeretném megmondani.", "deny", {"report_what": "x", "report_child_age": "9"}),
    # where they live told at the age question: kept as the settlement, the age asked again
    ("report_child_age", "Győrben, Marcalvárosban laknak, egy tízemeletes panelház második emeletén.", "inform",
     {"report_what": "x"}),
    ("report_child_age", "kb. 6 éves, a szomszéd utcában laknak", "inform", {"report_what": "x"}),
]


@pytest.fixture(scope="module")
def ran() -> dict:
    python = require_rasa_venv()
    case = {"classify": list(CLASSIFY), "validate": VALIDATE, "domain_slots": DOMAIN_SLOTS, "danger_slots": DANGER}
    out = subprocess.run([str(python), "-c", SCRIPT, json.dumps(case)], check=False, cwd=ROOT,
                         capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_answers_are_told_apart(ran: dict) -> None:
    assert ran["classify"] == CLASSIFY


def test_send_it_as_it_is_goes_to_the_summary_and_sends(ran: dict) -> None:
    stopped, sent, not_sent, stop_at_confirm, *_ = ran["validate"]
    assert stopped["slots"]["report_stopped"] is True
    assert stopped["slots"]["report_relation"] == "skipped" and stopped["slots"]["report_others_know"] == "skipped"
    assert "report_confirm" not in stopped["slots"]  # something was given: "send it?" is asked
    assert sent["slots"] == {"report_confirm": "yes"}
    assert not_sent["slots"] == {"report_confirm": "no"}
    assert stop_at_confirm["slots"] == {"report_confirm": "no"}


def test_danger_now_says_112_asks_an_operator_and_the_form_goes_on(ran: dict) -> None:
    for result in ran["validate"][4:6]:
        assert result["slots"] == {"report_danger_now": "yes"}
        texts = [m["text"] for m in result["messages"] if m.get("text")]
        assert len(texts) == 1 and "112" in texts[0] and "küldje el így" in texts[0]  # "Ön": an adult
        handoffs = [m["custom"]["handoff"] for m in result["messages"] if (m.get("custom") or {}).get("handoff")]
        assert handoffs == [{"reason": "danger_now", "skill": "adult"}]
    assert "report_relation" in ran["required"] and "report_confirm" in ran["required"]
    reports = [m["custom"]["report"] for m in ran["submit"] if (m.get("custom") or {}).get("report")]
    assert len(reports) == 1 and reports[0]["danger_now"] == "yes" and reports[0]["settlement"] == "Debrecen"


def test_a_refused_field_is_skipped(ran: dict) -> None:
    assert ran["validate"][6]["slots"] == {"report_settlement": "skipped"}


def test_a_place_told_at_the_age_question_is_the_settlement(ran: dict) -> None:
    place, age = ran["validate"][7:9]
    assert place["slots"] == {"report_child_age": None,
                              "report_settlement": "Győrben, Marcalvárosban laknak, egy tízemeletes panelház második emeletén."}
    assert age["slots"] == {"report_child_age": "kb. 6 éves, a szomszéd utcában laknak"}
