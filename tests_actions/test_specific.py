"""Situations with an answer of their own (actions/specific.py, by NLU's intent): a child put out
of home gets where to sleep tonight, a teacher who hurts gets the school head, the welfare
service, the police and 116 111; the paediatrician's unsure "hogyan jelezhetem?" follows the screen."""
from __future__ import annotations

import pytest
from conftest import customs, make_tracker, payloads, texts

from actions.fallback import ActionFallback
from actions.specific import ActionSituation

pytestmark = pytest.mark.anyio


async def test_a_child_put_out_of_home_hears_where_to_sleep_not_what_happened(run_action) -> None:
    """"meleg vagyok és a szüleim kidobtak" (read as a child saying who they are in session 11)
    is NLU's thrown_out now: a place to sleep tonight, the numbers, a person."""
    tracker = make_tracker(intent="thrown_out", text="meleg vagyok és a szüleim kidobtak",
                           slots={"language": "hu", "persona": "child"})
    result = await run_action(ActionSituation(), tracker)
    said = texts(result)
    assert "06 80 20 55 20" in said and "krízisotthon" in said and "116 111" in said and "112" in said
    assert "Miben segíthetek" not in said and "/talk_to_human" in payloads(result)


async def test_a_teacher_who_hurts_is_answered_in_the_fallback_when_unsure_only_of_a_second_reading(
        run_action) -> None:
    torn = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "teacher_hurts", "confidence": 0.45},
            {"name": "where_physical_abuse", "confidence": 0.38}]
    result = await run_action(ActionFallback(), make_tracker(
        intent="nlu_fallback", text="hova fordulhatok, ha a tanárom bánt?", ranking=torn,
        slots={"language": "hu", "persona": "child"}))
    said = texts(result)
    for part in ("igazgató", "gyermekjóléti", "rendőrség", "116 111", "112"):
        assert part in said
    assert {"fallback": True} not in customs(result)


async def test_a_situation_read_under_the_threshold_stays_a_fallback(run_action) -> None:
    unsure = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "thrown_out", "confidence": 0.24},
              {"name": "out_of_scope", "confidence": 0.2}]
    result = await run_action(ActionFallback(), make_tracker(intent="nlu_fallback", text="x", ranking=unsure,
                                                             slots={"language": "hu"}))
    assert {"fallback": True} in customs(result)


DOCTOR = ("Gyermekorvos vagyok. Egy 4 éves betegemnél a sérülések nem egyeznek a szülők "
          "magyarázatával. Hogyan jelezhetem?")
UNSURE = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "where_professional_stuck", "confidence": 0.22},
          {"name": "where_divorce_contact", "confidence": 0.19}]


async def test_an_unsure_where_question_in_which_the_screen_heard_a_danger_is_answered(run_action) -> None:
    result = await run_action(ActionFallback(), make_tracker(
        intent="nlu_fallback", text=DOCTOR, ranking=UNSURE, metadata={"heard": ["physical_abuse"]},
        slots={"language": "hu", "persona": "professional"}))
    said = texts(result)
    assert "rendőr" in said or "gyermekjóléti" in said
    assert {"fallback": True} not in customs(result)


async def test_without_a_danger_heard_the_same_doubt_stays_a_fallback(run_action) -> None:
    result = await run_action(ActionFallback(), make_tracker(
        intent="nlu_fallback", text=DOCTOR, ranking=UNSURE, slots={"language": "hu", "persona": "professional"}))
    assert {"fallback": True} in customs(result)
