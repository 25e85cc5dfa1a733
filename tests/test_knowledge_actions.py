"""The custom actions against the knowledge files, run in .venv-rasa.

pytest runs in .venv, which has no rasa_sdk, so each case runs a small script
with .venv-rasa/bin/python and checks its JSON output: the handoff payload
contract with the gateway, language and persona handling, the fallback, and
that sample offices never reach users unless KNOWLEDGE_ALLOW_SAMPLE=1.
"""
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
from actions.handoff import ActionHandoffStart
from actions.where_to_turn import ActionWhereToTurn
from actions.fallback import ActionFallback
from actions.local_office import ActionLocalOffice
from actions.service_info import ActionServiceInfo

case = json.loads(sys.argv[1])
ACTIONS = {a().name(): a for a in (ActionHandoffStart, ActionWhereToTurn, ActionFallback, ActionLocalOffice,
                                        ActionServiceInfo)}
slots = {"language": None, "persona": None, "problem": None, "settlement": None, "answered": None,
         "awaiting_settlement": False, **case.get("slots", {})}
latest = {"text": case.get("text", ""), "intent": {"name": case["intent"], "confidence": 0.9},
          "entities": case.get("entities", []), "intent_ranking": case.get("ranking", [])}
events = [{"event": "user", "text": t} for t in case.get("history", [])] + [{"event": "user", "text": latest["text"]}]
tracker = Tracker("test", slots, latest, events, False, None, {}, "action_listen")
dispatcher = CollectingDispatcher()
result = asyncio.run(ACTIONS[case["action"]]().run(dispatcher, tracker, {}))
print(json.dumps({"messages": dispatcher.messages, "events": result}))
'''


def run(case: dict, **env: str) -> dict:
    python = require_rasa_venv()
    full_env = {k: v for k, v in os.environ.items() if k != "KNOWLEDGE_ALLOW_SAMPLE"}
    full_env.update(env)
    out = subprocess.run([str(python), "-c", SCRIPT, json.dumps(case)], cwd=ROOT,
                         capture_output=True, text=True, env=full_env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def customs(result: dict) -> list:
    return [m["custom"] for m in result["messages"] if m.get("custom")]


def texts(result: dict) -> str:
    return "\n".join(m.get("text") or "" for m in result["messages"])


@pytest.mark.parametrize("intent,reason", [
    ("talk_to_human", "requested"), ("ask_consultation", "consultation"),
    ("report_start", "report"), ("nlu_fallback", "fallback")])
def test_handoff_payload_contract(intent, reason):
    result = run({"action": "action_handoff_start", "intent": intent, "text": "x",
                  "slots": {"persona": "adult"}})
    assert customs(result) == [{"handoff": {"reason": reason, "skill": "adult"}}]
    assert texts(result).strip(), "a text must go with the payload"
    assert not any(e.get("event") == "pause" for e in result["events"])


def test_handoff_skill_unknown_persona_child_wording_and_english():
    result = run({"action": "action_handoff_start", "intent": "talk_to_human",
                  "text": "i want a human", "history": ["my dad hit me again"],
                  "slots": {"language": "en"}})
    assert customs(result) == [{"handoff": {"reason": "requested", "skill": "child"}}]
    assert "colleague" in texts(result)


def test_handoff_skill_unknown_persona_defaults_to_adult():
    result = run({"action": "action_handoff_start", "intent": "report_start",
                  "text": "bejelentést szeretnék tenni"})
    assert customs(result)[0]["handoff"]["skill"] == "adult"
    assert "kolléga" in texts(result)


def test_where_to_turn_child_is_short_and_asks_settlement():
    result = run({"action": "action_where_to_turn", "intent": "where_physical_abuse",
                  "text": "apam megint megvert",
                  "entities": [{"entity": "relation", "value": "apa", "start": 0, "end": 4}]})
    assert "Nem a te hibád" in texts(result) and "112" in texts(result)
    assert {"event": "slot", "timestamp": None, "name": "persona", "value": "child"} in result["events"]
    assert any(e.get("name") == "awaiting_settlement" and e.get("value") is True for e in result["events"])
    payloads = [b["payload"] for m in result["messages"] for b in m.get("buttons") or []]
    assert {"/talk_to_human", "/report_start", "/emergency_numbers"} <= set(payloads)


def test_where_to_turn_unclear_persona_asks_with_buttons():
    result = run({"action": "action_where_to_turn", "intent": "where_neglect",
                  "text": "a gyerekek éheznek"})
    payloads = [b["payload"] for m in result["messages"] for b in m.get("buttons") or []]
    assert payloads == ["/persona_child", "/persona_adult", "/persona_professional"]


def test_where_to_turn_professional_english_lists_services_and_consultation():
    result = run({"action": "action_where_to_turn", "intent": "where_domestic_violence_parent",
                  "text": "x", "slots": {"persona": "professional", "language": "en"}})
    body = texts(result)
    assert "Where to turn:" in body and "06 80 20 55 20" in body and "4 weeks" in body
    payloads = [b["payload"] for m in result["messages"] for b in m.get("buttons") or []]
    assert payloads[0] == "/ask_consultation"


def test_fallback_says_so_and_offers_person_and_numbers():
    result = run({"action": "action_fallback", "intent": "nlu_fallback", "text": "blorp"})
    body = texts(result)
    assert "112" in body and "116 111" in body
    payloads = [b["payload"] for m in result["messages"] for b in m.get("buttons") or []]
    assert "/talk_to_human" in payloads


def _sample_offices(tmp_path: Path) -> str:
    import sys
    sys.path.insert(0, str(ROOT))
    import knowledge
    out = tmp_path / "offices.yml"
    knowledge.import_offices(ROOT / "knowledge" / "offices.sample.csv", out)
    return str(out)


def test_sample_offices_are_refused_by_default(tmp_path):
    result = run({"action": "action_local_office", "intent": "inform_settlement",
                  "text": "Mintafalván lakunk"}, KNOWLEDGE_OFFICES_FILE=_sample_offices(tmp_path))
    assert "Mintafalva" not in texts(result) and "SAMPLE" not in texts(result)
    assert "polgármesteri hivatal" in texts(result)


def test_sample_offices_shown_only_with_env_and_marked(tmp_path):
    result = run({"action": "action_local_office", "intent": "inform_settlement",
                  "text": "Mintafalván lakunk"}, KNOWLEDGE_OFFICES_FILE=_sample_offices(tmp_path),
                 KNOWLEDGE_ALLOW_SAMPLE="1")
    body = texts(result)
    assert "SAMPLE" in body and "MINTAADAT" in body and "forrás" in body


def test_unknown_village_after_settlement_question_goes_to_lookup_not_fallback():
    result = run({"action": "action_fallback", "intent": "nlu_fallback", "text": "Kisnémedi",
                  "slots": {"awaiting_settlement": True}})
    assert "polgármesteri hivatal" in texts(result)


def test_persona_after_the_answer_gets_thanks_not_the_same_answer_twice():
    first = run({"action": "action_where_to_turn", "intent": "where_physical_abuse",
                 "text": "tanar vagyok, egy diakomat otthon verik", "slots": {"persona": "professional"}})
    answered = [e["value"] for e in first["events"] if e.get("name") == "answered"]
    assert answered == ["physical_abuse:professional"]
    again = run({"action": "action_where_to_turn", "intent": "persona_professional", "text": "pedagógus vagyok",
                 "slots": {"persona": "professional", "problem": "physical_abuse", "answered": answered[0]}})
    assert len(again["messages"]) == 1 and "konzultál" in texts(again)
    assert len(texts(again)) < len(texts(first)) / 2
    assert [b["payload"] for b in again["messages"][0]["buttons"]][0] == "/ask_consultation"
    # A persona that changes the answer (a child, not a professional) gets the answer again.
    child = run({"action": "action_where_to_turn", "intent": "persona_child", "text": "en vagyok a gyerek",
                 "slots": {"persona": "child", "problem": "physical_abuse", "answered": answered[0]}})
    assert "Nem a te hibád" in texts(child)
    assert any(e.get("name") == "answered" and e["value"] == "physical_abuse:child" for e in child["events"])


# -- a service asked about by name ("victim support") ------------------------------------

def _seed_numbers() -> set[str]:
    """Digits of every number the seeds' README states (the only numbers an answer may say)."""
    import re
    seeds = Path("/work/shared/seeds/README.md")
    text = seeds.read_text(encoding="utf-8") if seeds.exists() else ""
    services = (ROOT / "knowledge" / "services.yml").read_text(encoding="utf-8")
    return {re.sub(r"\D", "", m) for m in re.findall(r"\d[\d ]{2,}\d", text + services)}


@pytest.mark.parametrize("text,entities,lang", [
    ("Áldozatsegítő Szolgálat", [{"entity": "service_type", "value": "victim_support"}], "hu"),
    ("hogyan érem el az áldozatsegítőt?", [], "hu"),     # an ending hides it from the lookup
    ("victim support", [{"entity": "service_type", "value": "victim_support"}], "en"),
])
def test_victim_support_by_name_is_answered_from_the_directory(text: str, entities: list, lang: str) -> None:
    import re
    result = run({"action": "action_service_info", "intent": "ask_service", "text": text,
                  "entities": entities, "slots": {"language": lang}})
    said = texts(result)
    assert "06 80 225 225" in said and "116 006" in said
    assert ("Áldozatsegítő Vonal" if lang == "hu" else "Victim Support Line") in said
    assert "Leírnád másképp" not in said and "another way" not in said
    stated = {re.sub(r"\D", "", m) for m in re.findall(r"\d[\d ]{2,}\d", said)}
    assert stated <= _seed_numbers() | {"112"}, stated   # never a number of our own


def test_a_short_message_naming_a_service_is_answered_even_when_nlu_falls_back() -> None:
    result = run({"action": "action_fallback", "intent": "nlu_fallback", "text": "áldozatsegítő",
                  "slots": {"language": "hu", "persona": "adult"}})
    said = texts(result)
    assert "06 80 225 225" in said and "Leírnád másképp" not in said
    assert {"fallback": True} not in customs(result)
    assert " hívd " not in f" {said} " and "Ha leírja" in said   # "Ön" for an adult


def test_a_follow_up_without_a_name_is_about_the_last_answers_first_service() -> None:
    """"Ott mit csinálnak?" after the neglect answer: what the family welfare service does."""
    result = run({"action": "action_service_info", "intent": "ask_service", "text": "és ők miben segítenek?",
                  "slots": {"language": "hu", "persona": "adult", "problem": "neglect"}})
    said = texts(result)
    assert said.startswith("Család- és gyermekjóléti szolgálat") and "polgármesteri hivatal" in said


def test_nlu_torn_between_a_where_answer_and_a_report_gives_the_answer() -> None:
    """The fallback for ambiguity alone (where_sexual_abuse 0.48, report_start 0.41): the
    where-to-turn answer, not "put it another way"; a real doubt (under 0.4) still asks."""
    torn = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "where_sexual_abuse", "confidence": 0.48},
            {"name": "report_start", "confidence": 0.41}]
    result = run({"action": "action_fallback", "intent": "nlu_fallback", "ranking": torn, "slots": {"language": "en"},
                  "text": "where can I report it if a child is being sexually abused?"})
    said = texts(result)
    assert "Police" in said and "another way" not in said and {"fallback": True} not in customs(result)
    unsure = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "where_sexual_abuse", "confidence": 0.3},
              {"name": "report_start", "confidence": 0.28}]
    result = run({"action": "action_fallback", "intent": "nlu_fallback", "ranking": unsure, "slots": {"language": "en"},
                  "text": "where can I report it if a child is being sexually abused?"})
    assert {"fallback": True} in customs(result)


def test_every_message_an_action_sends_is_in_the_catalogue() -> None:
    """A key missing from the catalogue (wording/) is a KeyError in the action: Rasa answers
    nothing and the person gets "the bot is unavailable" (the replica bench found
    `ask_problem` missing, 17-19 times a run)."""
    import re

    import wording

    known = set(wording.catalogue())
    used = {m for path in (ROOT / "actions").glob("*.py")
            for m in re.findall(r'message\(\w+, "(\w+)"', path.read_text(encoding="utf-8"))}
    assert len(used) > 10 and not used - known, sorted(used - known)


# unknown: the register chosen for everyone unknown (wording.UNKNOWN_REGISTER, "te")
@pytest.mark.parametrize("slots,want", [({}, "Írd le"), ({"persona": "adult"}, "Írja le"), ({"persona": "child"}, "Írd le")])
def test_where_to_turn_without_a_problem_asks_what_it_is_about(slots: dict, want: str) -> None:
    result = run({"action": "action_where_to_turn", "intent": "ask_help", "text": "hova fordulhatok?",
                  "slots": slots})
    assert want in texts(result) and "112" in texts(result)
