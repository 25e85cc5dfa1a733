"""The report form's questions, as the action server registers them: one action per
question (action_ask_<slot>), each in the person's register: "te" for a child or an
unknown writer, "Ön" for an adult or a professional (persona slot, else the gateway's
persona in the message metadata), English in one register. Run in .venv-rasa."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import require_rasa_venv

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r'''
import asyncio, json, sys
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

executor = ActionExecutor()
executor.register_package("actions")
out = {"names": sorted(executor.actions), "said": {}}
for case in json.loads(sys.argv[1]):
    latest = {"text": "x", "intent": {"name": "inform", "confidence": 0.9}, "entities": [],
              "metadata": case["metadata"]}
    slots = {"language": case["language"], "persona": case["persona"]}
    tracker = Tracker("t", slots, latest, [{"event": "user", "text": "x"}], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(executor.actions[case["action"]](dispatcher, tracker, {}))
    out["said"][case["key"]] = dispatcher.messages
print(json.dumps(out))
'''

QUESTIONS = [s for s in yaml.safe_load((ROOT / "domain" / "report.yml").read_text(encoding="utf-8"))
             ["forms"]["report_form"]["required_slots"] if s != "report_confirm"]
WHO = {  # key -> (language slot, persona slot, metadata)
    "child": ("hu", "child", {}),
    "unknown": ("hu", None, {}),
    "adult": ("hu", "adult", {}),
    "professional": ("hu", "professional", {}),
    "adult_by_gateway": ("hu", None, {"persona": "adult"}),
    "english_adult": ("en", "adult", {}),
}


@pytest.fixture(scope="module")
def asked() -> dict:
    python = require_rasa_venv()
    cases = [{"key": f"{slot}/{who}", "action": f"action_ask_{slot}", "language": lang, "persona": persona,
              "metadata": meta} for slot in QUESTIONS for who, (lang, persona, meta) in WHO.items()]
    out = subprocess.run([str(python), "-c", SCRIPT, json.dumps(cases)], check=False, cwd=ROOT,
                         capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_question_of_the_form_has_its_registered_action(asked: dict) -> None:
    assert len(QUESTIONS) == 9
    for slot in QUESTIONS:
        assert f"action_ask_{slot}" in asked["names"]
    assert "action_ask_" not in asked["names"]  # the shared body is no action of its own


@pytest.mark.parametrize("slot", QUESTIONS)
def test_each_question_speaks_the_persons_register(asked: dict, slot: str) -> None:
    said = {who: asked["said"][f"{slot}/{who}"] for who in WHO}
    for messages in said.values():
        assert len(messages) == 1 and messages[0]["text"] and messages[0]["buttons"]
    te, on = said["child"][0]["text"], said["adult"][0]["text"]
    assert te != on
    assert said["unknown"][0]["text"] == te
    assert said["professional"][0]["text"] == on and said["adult_by_gateway"][0]["text"] == on
    assert said["english_adult"][0]["text"] not in (te, on)
    # the buttons are the same kind in every register (Skip / I don't know / Stop, or yes/no, ...)
    payloads = {who: [b["payload"] for b in m[0]["buttons"]] for who, m in said.items()}
    assert len({tuple(p) for p in payloads.values()}) == 1
    assert ("/affirm" in payloads["child"]) == (slot in ("report_wants_address", "report_danger_now"))


def test_te_and_on_forms_are_where_they_belong(asked: dict) -> None:
    te = asked["said"]["report_what/child"][0]["text"]
    on = asked["said"]["report_what/adult_by_gateway"][0]["text"]
    assert "Írd le" in te and "írja le" in on and "Írd" not in on
    assert "megadni" in asked["said"]["report_wants_address/professional"][0]["text"]
    assert "Szeretne " in asked["said"]["report_wants_address/professional"][0]["text"]


CONFIRM = r'''
import asyncio, json, sys
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from actions.report_form import ValidateReportForm

out = {}
for text in json.loads(sys.argv[1]):
    latest = {"text": text, "intent": {"name": "inform", "confidence": 0.5}, "entities": []}
    tracker = Tracker("t", {}, latest, [{"event": "user", "text": text}], False, None, {}, "action_listen")
    got = asyncio.run(ValidateReportForm().validate_report_confirm(text, CollectingDispatcher(), tracker, {}))
    out[text] = got["report_confirm"]
print(json.dumps(out))
'''


def test_send_it_answered_in_words_is_read_as_yes_or_no() -> None:
    """A reporter who types "Küldje el, kérem" gets the case code; "ne küldje el" sends nothing."""
    python = require_rasa_venv()
    said = {"Küldje el, kérem": "yes", "kérem küldje el": "yes", "mehet": "yes", "please send it": "yes",
            "Igen": "yes", "ne küldje el": "no", "kérem, ne küldje el": "no", "don't send it": "no",
            "Nem": "no", "hát nem tudom": None}
    out = subprocess.run([str(python), "-c", CONFIRM, json.dumps(list(said))], check=False, cwd=ROOT,
                         capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == said
