"""A report form run through in words always ends at "send it?" and a report: "küldjék el
így" / "that's all I know" at any question goes to the summary, a refused field is skipped,
and "in danger right now: yes" says 112 and asks an operator while the form goes on. The
validation (validate_report_form) and the submit action in-process, by their Rasa names."""
from __future__ import annotations

import pytest
from conftest import make_tracker

from actions.report_answers import classify

pytestmark = pytest.mark.anyio  # async tests on asyncio (conftest.anyio_backend)

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
STOP = "Ennél többet nem tudok, kérem, küldjék el így."


def tracker(text: str, intent: str = "inform", slots: dict | None = None, persona: str | None = None):
    return make_tracker(text=text, intent=intent, slots={"persona": persona, **(slots or {})})


async def validate(executor, dispatcher, slot: str, text: str, intent: str, slots: dict) -> dict:
    """validate_<slot> of the form's validation action, for an adult writer."""
    form = executor.actions["validate_report_form"].__self__
    return await getattr(form, f"validate_{slot}")(text, dispatcher, tracker(text, intent, slots, "adult"), {})


@pytest.mark.parametrize("text,kind", CLASSIFY.items())
def test_answers_are_told_apart(text: str, kind: str) -> None:
    assert classify(tracker(text), text) == kind


async def test_send_it_as_it_is_at_a_later_question_goes_to_the_summary(executor, dispatcher) -> None:
    got = await validate(executor, dispatcher, "report_relation", STOP, "deny", {**GIVEN, "report_danger_now": "yes"})
    assert got["report_stopped"] is True
    assert got["report_relation"] == "skipped" and got["report_others_know"] == "skipped"
    assert "report_confirm" not in got  # something was given: "send it?" is asked


@pytest.mark.parametrize("text,intent,want", [
    (STOP, "deny", "yes"),                          # even when NLU reads the "nem" as a deny: sent
    ("Kérem, ne küldje el így.", "deny", "no"),
    ("megállok", "report_stop", "no"),
])
async def test_the_answer_at_send_it(executor, dispatcher, text: str, intent: str, want: str) -> None:
    assert await validate(executor, dispatcher, "report_confirm", text, intent, DANGER) == {"report_confirm": want}


@pytest.mark.parametrize("text,intent", [
    ("Igen, most is veszélyben van, már órák óta sír egyedül.", "inform"), ("/affirm", "affirm")])
async def test_danger_now_says_112_and_asks_an_operator(executor, dispatcher, text: str, intent: str) -> None:
    got = await validate(executor, dispatcher, "report_danger_now", text, intent, GIVEN)
    assert got == {"report_danger_now": "yes"}
    said = [m["text"] for m in dispatcher.messages if m.get("text")]
    assert len(said) == 1 and "112" in said[0] and "küldje el így" in said[0]  # "Ön": an adult
    handoffs = [m["custom"]["handoff"] for m in dispatcher.messages if (m.get("custom") or {}).get("handoff")]
    assert handoffs == [{"reason": "danger_now", "skill": "adult"}]


async def test_after_danger_now_the_form_goes_on_and_the_report_says_so(executor, dispatcher, domain) -> None:
    form = executor.actions["validate_report_form"].__self__
    slots = ["report_what", "report_child_age", "report_settlement", "report_wants_address", "report_address",
             "report_danger_now", "report_relation", "report_since", "report_others_know", "report_confirm"]
    required = await form.required_slots(slots, dispatcher, tracker("x", slots=DANGER), domain)
    assert "report_relation" in required and "report_confirm" in required
    await executor.actions["action_report_submit"](dispatcher, tracker("igen", "affirm", DANGER), domain)
    reports = [m["custom"]["report"] for m in dispatcher.messages if (m.get("custom") or {}).get("report")]
    assert len(reports) == 1 and reports[0]["danger_now"] == "yes" and reports[0]["settlement"] == "Debrecen"


async def test_a_refused_field_is_skipped(executor, dispatcher) -> None:
    got = await validate(executor, dispatcher, "report_settlement", "Nem szeretném megmondani.", "deny",
                         {"report_what": "x", "report_child_age": "9"})
    assert got == {"report_settlement": "skipped"}


async def test_a_place_told_at_the_age_question_is_the_settlement(executor, dispatcher) -> None:
    place = "Győrben, Marcalvárosban laknak, egy tízemeletes panelház második emeletén."
    assert await validate(executor, dispatcher, "report_child_age", place, "inform", {"report_what": "x"}) == {
        "report_child_age": None, "report_settlement": place}
    age = "kb. 6 éves, a szomszéd utcában laknak"
    assert await validate(executor, dispatcher, "report_child_age", age, "inform", {"report_what": "x"}) == {
        "report_child_age": age}
