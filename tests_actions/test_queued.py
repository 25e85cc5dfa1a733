"""While a person is on the way or writing (slot ``queued`` = "yes", sent by the gateway with
every message), Rasa's answers offer no person again: the domain's queued variations, chosen by
rasa_addons/specific_nlg.py, and the actions (actions/common.py ``waiting``). Found in session
11: "I am asking a colleague ... you are number 2" and, in the same answer, "If you like, a
colleague can chat with you here in writing" (issue 12; was a regex in the gateway)."""
from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from conftest import ROOT, make_tracker, payloads, slot_events, texts
from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.shared.core.domain import Domain

from actions.fallback import ActionFallback
from actions.service_info import ActionServiceInfo
from actions.specific import ActionSituation
from actions.where_to_turn import ActionWhereToTurn
from rasa_addons.specific_nlg import SpecificNLG, most_specific

pytestmark = pytest.mark.anyio

TALK = "/talk_to_human"
# A sentence offering a person "if you like" (what the gateway's regex used to cut out).
OFFER = re.compile(r"(Ha szeretnéd?|Kérésre|If you(?:'d)? like|if you like)[^.!?]*"
                   r"(munkatárs|kollég|colleague|person)", re.IGNORECASE)
COMING = re.compile(r"ide ír (neked|Önnek), amint sorra|itt, írásban válaszol, amint"
                    r"|will write to you here when it.s your turn")
SLOTS = [{"language": lang, "persona": persona}
         for lang, persona in itertools.product(("hu", "en"), (None, "child", "adult", "professional"))]


@pytest.fixture(scope="module")
def responses() -> dict[str, list[dict[str, Any]]]:
    return Domain.load(str(ROOT / "domain")).responses


def candidates(responses: dict[str, list[dict[str, Any]]], name: str, slots: dict[str, Any]) -> list[dict[str, Any]]:
    return ResponseVariationFilter(responses).responses_for_utter_action(name, "collector", slots)


def test_queued_the_domains_answers_offer_no_person(responses: dict[str, list[dict[str, Any]]]) -> None:
    offering = [n for n, vs in responses.items() if any(b.get("payload") == TALK for v in vs
                                                        for b in v.get("buttons") or [])]
    assert len(offering) >= 10  # the greeting, the numbers, the shelter, the FAQ ... offer a person
    for name, slots in itertools.product(offering, SLOTS):
        chosen = most_specific(candidates(responses, name, {**slots, "queued": "yes"}))
        for variation in chosen:
            assert TALK not in [b.get("payload") for b in variation.get("buttons") or []], (name, slots)
            assert not OFFER.search(variation.get("text") or ""), (name, slots)
        plain = most_specific(candidates(responses, name, {**slots, "queued": "no"}))
        assert all(TALK in [b.get("payload") for b in v.get("buttons") or []] for v in plain), (name, slots)


def test_an_offer_in_the_text_becomes_a_colleague_will_write(responses: dict[str, list[dict[str, Any]]]) -> None:
    for slots in SLOTS:
        plain = most_specific(candidates(responses, "utter_feel_alone", {**slots, "queued": "no"}))
        queued = most_specific(candidates(responses, "utter_feel_alone", {**slots, "queued": "yes"}))
        assert all(OFFER.search(v["text"]) for v in plain) and all(COMING.search(v["text"]) for v in queued)


def test_without_queued_variations_rasas_own_choice_is_kept(responses: dict[str, list[dict[str, Any]]]) -> None:
    """The most specific variation wins only where a queued twin stands beside its original."""
    for name, slots in itertools.product(responses, SLOTS):
        found = candidates(responses, name, {**slots, "queued": "no"})
        assert most_specific(found) == found, name


async def test_the_generator_says_the_queued_twin(responses: dict[str, list[dict[str, Any]]]) -> None:
    nlg = SpecificNLG(domain=Domain.load(str(ROOT / "domain")))
    for _ in range(5):  # Rasa draws at random among the candidates: the twin every time
        said = nlg.generate_from_slots("utter_feel_alone", {"language": "hu", "persona": "adult", "queued": "yes"},
                                       "collector")
        assert said is not None and "ide ír Önnek, amint sorra kerül" in said["text"]
        assert TALK not in [b["payload"] for b in said.get("buttons") or []]


@pytest.mark.parametrize("queued", ["yes", "no"])
async def test_the_fallback_offers_a_person_only_when_none_is_on_the_way(run_action, queued: str) -> None:
    result = await run_action(ActionFallback(), make_tracker(intent="nlu_fallback", text="blabla",
                                                             slots={"language": "hu", "queued": queued}))
    said = texts(result)
    assert (TALK in payloads(result)) == (queued == "no")
    assert bool(OFFER.search(said)) == (queued == "no") and bool(COMING.search(said)) == (queued == "yes")


async def test_a_where_to_turn_answer_while_queued_has_no_person_button(run_action) -> None:
    slots = {"language": "hu", "persona": "adult"}
    queued = await run_action(ActionWhereToTurn(), make_tracker(intent="where_neglect", text="elhanyagolják",
                                                                slots={**slots, "queued": "yes"}))
    assert TALK not in payloads(queued) and "/report_start" in payloads(queued)


@pytest.mark.parametrize("queued", ["yes", "no"])
@pytest.mark.parametrize("intent,text,part,service", [
    ("thrown_out", "a szuleim kizartak a lakasbol", "06 80 20 55 20", "okit"),
    ("teacher_hurts", "a tesitanar megrangatott", "igazgató", "family_welfare_service"),
])
async def test_a_situation_is_answered_by_its_intent(run_action, intent: str, text: str, part: str,
                                                     service: str, queued: str) -> None:
    """By the intent alone: neither message is one the regex fallback reads."""
    result = await run_action(ActionSituation(), make_tracker(intent=intent, text=text, slots={
        "language": "hu", "persona": "child", "queued": queued}))
    said = texts(result)
    assert part in said and "116 111" in said
    assert (TALK in payloads(result)) == (queued == "no") and bool(OFFER.search(said)) == (queued == "no")
    assert slot_events(result, "last_service") == [service]


@pytest.mark.parametrize("text,lang,part", [
    ("Az hol van?", "hu", "polgármesteri hivatal"),
    ("How do I reach them?", "en", "mayor's office"),
])
async def test_a_follow_up_is_about_the_service_the_last_answer_named(run_action, text: str, lang: str,
                                                                      part: str) -> None:
    result = await run_action(ActionServiceInfo(), make_tracker(intent="ask_service", text=text, slots={
        "language": lang, "last_service": "family_welfare_service", "problem": "divorce_contact"}))
    assert part in texts(result)  # the welfare service's card, not the divorce's first service


async def test_the_where_to_turn_answer_names_the_service_a_follow_up_is_about(run_action) -> None:
    result = await run_action(ActionWhereToTurn(), make_tracker(intent="where_neglect", text="elhanyagolják",
                                                                slots={"language": "hu", "persona": "adult"}))
    assert slot_events(result, "last_service") == ["family_welfare_service"]


async def test_teacher_hurts_without_a_teacher_named_is_answered_as_the_next_reading(run_action) -> None:
    """A teacher telling of their class ("Az osztályomban egy tanulót a többiek bántanak"), read
    as teacher_hurts (0.87 in the held-out set), gets the bullying answer, not "a teacher hurts"."""
    ranking = [{"name": "teacher_hurts", "confidence": 0.87}, {"name": "where_bullying", "confidence": 0.1}]
    result = await run_action(ActionSituation(), make_tracker(
        intent="teacher_hurts", ranking=ranking, text="Az osztályomban egy tanulót a többiek rendszeresen bántanak",
        slots={"language": "hu", "persona": "professional"}))
    assert slot_events(result, "problem") == ["bullying"] and "tanárod" not in texts(result)
