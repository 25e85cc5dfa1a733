"""Situations with an answer of their own (actions/specific.py): a child put out of home gets
where to sleep tonight, a teacher who hurts gets the school head, the welfare service, the
police and 116 111; the paediatrician's unsure "hogyan jelezhetem?" follows the screen."""
from __future__ import annotations

import pytest
from conftest import customs, make_tracker, payloads, texts

from actions.fallback import ActionFallback
from actions.specific import situation
from actions.where_to_turn import ActionWhereToTurn

pytestmark = pytest.mark.anyio


def test_situations_are_read_from_the_words_and_not_from_near_misses() -> None:
    assert situation("meleg vagyok és a szüleim kidobtak") == "thrown_out"
    assert situation("my parents kicked me out") == "thrown_out"
    assert situation("hova fordulhatok, ha a tanárom bánt?") == "teacher_hurts"
    assert situation("megütött az osztályfőnök") == "teacher_hurts"
    assert situation("kidobtak a suliból") is None           # no home, no parents
    assert situation("a tanárom szerint apu ver") is None    # the teacher is not who hurts
    assert situation("szia, segítség kéne") is None


async def test_a_child_put_out_of_home_hears_where_to_sleep_not_what_happened(run_action) -> None:
    """NLU reads "meleg vagyok és a szüleim kidobtak" as a child saying who they are (0.84)."""
    tracker = make_tracker(intent="persona_child", text="meleg vagyok és a szüleim kidobtak",
                           slots={"language": "hu", "persona": "child"})
    result = await run_action(ActionWhereToTurn(), tracker)
    said = texts(result)
    assert "06 80 20 55 20" in said and "krízisotthon" in said and "116 111" in said and "112" in said
    assert "Miben segíthetek" not in said and "/talk_to_human" in payloads(result)


async def test_a_teacher_who_hurts_is_answered_in_the_fallback_too(run_action) -> None:
    torn = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "where_physical_abuse", "confidence": 0.45},
            {"name": "faq", "confidence": 0.36}]
    result = await run_action(ActionFallback(), make_tracker(
        intent="nlu_fallback", text="hova fordulhatok, ha a tanárom bánt?", ranking=torn,
        slots={"language": "hu", "persona": "child"}))
    said = texts(result)
    for part in ("igazgató", "gyermekjóléti", "rendőrség", "116 111", "112"):
        assert part in said
    assert {"fallback": True} not in customs(result)


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
