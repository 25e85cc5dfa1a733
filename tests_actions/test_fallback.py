"""action_fallback: says it is unsure and offers a person and the numbers; reads a village
name after the settlement question, a named service, and a where-answer NLU was torn on."""
from __future__ import annotations

import pytest
from conftest import customs, make_tracker, payloads, slot_events, texts

from actions.fallback import ActionFallback

pytestmark = pytest.mark.anyio  # async tests on asyncio (conftest.anyio_backend)


async def test_it_says_so_and_offers_a_person_and_the_numbers(run_action) -> None:
    result = await run_action(ActionFallback(), make_tracker(intent="nlu_fallback", text="blorp"))
    assert "112" in texts(result) and "116 111" in texts(result)
    assert "/talk_to_human" in payloads(result)
    assert {"fallback": True} in customs(result)   # the gateway's "not sure" signal


async def test_an_unknown_village_after_the_settlement_question_is_looked_up(run_action) -> None:
    """The saved tracker: the bot has just asked where the family lives."""
    result = await run_action(ActionFallback(), make_tracker("settlement_question", intent="nlu_fallback",
                                                             text="Kisnémedi"))
    assert "polgármesteri hivatal" in texts(result)
    assert {"fallback": True} not in customs(result)
    assert slot_events(result, "awaiting_settlement") == [False]


async def test_a_sentence_after_the_settlement_question_is_still_a_fallback(run_action) -> None:
    result = await run_action(ActionFallback(), make_tracker("settlement_question", intent="nlu_fallback",
                                                             text="nem értem, mit kérdezel?"))
    assert {"fallback": True} in customs(result)


async def test_a_short_message_naming_a_service_is_answered(run_action) -> None:
    result = await run_action(ActionFallback(), make_tracker(
        intent="nlu_fallback", text="áldozatsegítő", slots={"language": "hu", "persona": "adult"}))
    said = texts(result)
    assert "06 80 225 225" in said and "Leírnád másképp" not in said
    assert {"fallback": True} not in customs(result)
    assert " hívd " not in f" {said} " and "Ha leírja" in said   # "Ön" for an adult


TEXT = "where can I report it if a child is being sexually abused?"


async def test_nlu_torn_between_a_where_answer_and_a_report_gives_the_answer(run_action) -> None:
    """Ambiguity alone (where_sexual_abuse 0.48, report_start 0.41): the where-to-turn answer."""
    torn = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "where_sexual_abuse", "confidence": 0.48},
            {"name": "report_start", "confidence": 0.41}]
    result = await run_action(ActionFallback(), make_tracker(intent="nlu_fallback", text=TEXT, ranking=torn,
                                                             slots={"language": "en"}))
    assert "Police" in texts(result) and "another way" not in texts(result)
    assert {"fallback": True} not in customs(result)


async def test_a_real_doubt_still_asks(run_action) -> None:
    unsure = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "where_sexual_abuse", "confidence": 0.3},
              {"name": "report_start", "confidence": 0.28}]
    result = await run_action(ActionFallback(), make_tracker(intent="nlu_fallback", text=TEXT, ranking=unsure,
                                                             slots={"language": "en"}))
    assert {"fallback": True} in customs(result)


async def test_nlu_torn_between_two_problems_gives_the_first(run_action) -> None:
    """"A volt feleségem új párja meglökte a fiamat, hova fordulhatok?" (open set, after new
    intents): a family struggle 0.45 and violence at home 0.45; either names fitting services."""
    torn = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "where_family_struggle", "confidence": 0.45},
            {"name": "where_domestic_violence_parent", "confidence": 0.45}]
    result = await run_action(ActionFallback(), make_tracker(
        intent="nlu_fallback", text="a volt feleségem új párja meglökte a fiamat", ranking=torn,
        slots={"persona": "adult"}))
    assert "gyermekjóléti" in texts(result) and {"fallback": True} not in customs(result)


async def test_a_stuck_professional_is_a_second_problem_only_from_a_professional(run_action) -> None:
    """A doctor's "hogyan jelezhetem?" (neglect 0.41, stuck 0.35) gets the neglect answer; a
    child's (sexual abuse 0.40, stuck 0.29) still gets "not sure" (support, by the gateway)."""
    doctor = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "where_neglect", "confidence": 0.41},
              {"name": "where_professional_stuck", "confidence": 0.35}]
    child = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "where_sexual_abuse", "confidence": 0.40},
             {"name": "where_professional_stuck", "confidence": 0.29}]
    result = await run_action(ActionFallback(), make_tracker(
        intent="nlu_fallback", text="a child", ranking=child, slots={"persona": "child"}))
    assert {"fallback": True} in customs(result)
    result = await run_action(ActionFallback(), make_tracker(
        intent="nlu_fallback", text="Gyermekorvos vagyok, hogyan jelezhetem?", ranking=doctor,
        slots={"persona": "professional"}))
    assert "jelzési kötelezettség" in texts(result)


async def test_nlu_torn_between_two_where_problems_answers_the_danger_heard(run_action) -> None:
    """A paediatrician's injuries that do not fit the parents' story: NLU torn between a
    professional's dilemma (0.49) and neglect (0.41) while the screen heard physical abuse in
    the message: the answer names the police and the family and child welfare centre."""
    torn = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "where_professional_stuck", "confidence": 0.49},
            {"name": "where_neglect", "confidence": 0.41}]
    tracker = make_tracker(intent="nlu_fallback", text="Gyermekorvos vagyok, a sérülések nem egyeznek.", ranking=torn,
                           slots={"persona": "professional"}, metadata={"heard": ["physical_abuse"]})
    result = await run_action(ActionFallback(), tracker)
    assert "Rendőrség" in texts(result) and {"fallback": True} not in customs(result)
