"""action_service_info: a service asked about by name is answered from the directory, with
no number of our own; a follow-up without a name is about the last answer's first service."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, make_tracker, texts

from actions.service_info import ActionServiceInfo

pytestmark = pytest.mark.anyio  # async tests on asyncio (conftest.anyio_backend)


def seed_numbers() -> set:
    """Digits of every number the seeds' README and the directory state (the only ones an answer may say)."""
    seeds = Path("/work/shared/seeds/README.md")
    text = seeds.read_text(encoding="utf-8") if seeds.exists() else ""
    services = (ROOT / "knowledge" / "services.yml").read_text(encoding="utf-8")
    return {re.sub(r"\D", "", m) for m in re.findall(r"\d[\d ]{2,}\d", text + services)}


@pytest.mark.parametrize("text,entities,lang", [
    ("Áldozatsegítő Szolgálat", [{"entity": "service_type", "value": "victim_support"}], "hu"),
    ("hogyan érem el az áldozatsegítőt?", [], "hu"),     # an ending hides it from the lookup
    ("victim support", [{"entity": "service_type", "value": "victim_support"}], "en"),
])
async def test_victim_support_by_name_is_answered_from_the_directory(run_action, text: str, entities: list,
                                                                     lang: str) -> None:
    result = await run_action(ActionServiceInfo(), make_tracker(intent="ask_service", text=text, entities=entities,
                                                                slots={"language": lang}))
    said = texts(result)
    assert "06 80 225 225" in said and "116 006" in said
    assert ("Áldozatsegítő Vonal" if lang == "hu" else "Victim Support Line") in said
    assert "Leírnád másképp" not in said and "another way" not in said
    stated = {re.sub(r"\D", "", m) for m in re.findall(r"\d[\d ]{2,}\d", said)}
    assert stated <= seed_numbers() | {"112"}, stated   # never a number of our own


async def test_a_follow_up_without_a_name_is_about_the_last_answers_first_service(run_action) -> None:
    """"És ők miben segítenek?" after the neglect answer (the saved tracker): the family welfare service."""
    result = await run_action(ActionServiceInfo(), make_tracker("settlement_question", intent="ask_service",
                                                                text="és ők miben segítenek?"))
    said = texts(result)
    assert said.startswith("Család- és gyermekjóléti szolgálat") and "polgármesteri hivatal" in said


def _no_name_question(selector_confidence: float | None):
    tracker = make_tracker(intent="ask_service", confidence=0.62, text="Do they have a website too?",
                           ranking=[{"name": "ask_service", "confidence": 0.62}, {"name": "faq", "confidence": 0.3}],
                           slots={"language": "en"})
    if selector_confidence is not None:
        tracker.latest_message["response_selector"] = {"faq": {"response": {
            "intent_response_key": "faq/email_channel", "confidence": selector_confidence}}}
    return tracker


async def test_a_question_naming_no_service_after_an_faq_answer_gets_that_faq(run_action) -> None:
    """"Do they have a website too?" after the e-mail answer (no service card, no last service):
    the FAQ the response selector is sure of answers it, not "put it another way"."""
    result = await run_action(ActionServiceInfo(), _no_name_question(0.99))
    assert [m.get("response") for m in result["messages"]] == ["utter_faq/email_channel"]


async def test_with_no_sure_faq_it_is_still_the_fallback(run_action) -> None:
    result = await run_action(ActionServiceInfo(), _no_name_question(0.5))
    assert not any(m.get("response") for m in result["messages"])
    assert "another way" in texts(result)
