"""action_handoff_start: the payload contract with the gateway (bot/handoff reads
``{"handoff": {"reason", "skill"}}``), a text beside it, and the queue (skill) it asks for."""
from __future__ import annotations

import pytest
from conftest import customs, make_tracker, texts

from actions.handoff import ActionHandoffStart

pytestmark = pytest.mark.anyio  # async tests on asyncio (conftest.anyio_backend)


@pytest.mark.parametrize("intent,reason", [
    ("talk_to_human", "requested"), ("ask_consultation", "consultation"),
    ("report_start", "report"), ("nlu_fallback", "fallback")])
async def test_handoff_payload_contract(run_action, intent: str, reason: str) -> None:
    result = await run_action(ActionHandoffStart(), make_tracker(intent=intent, slots={"persona": "adult"}))
    # A fallback's handoff is marked as one: the gateway answers a disclosure with support instead.
    assert customs(result) == [{"handoff": {"reason": reason, "skill": "adult"}}] + (
        [{"fallback": True}] if reason == "fallback" else [])
    assert texts(result).strip(), "a text must go with the payload"
    assert result["events"] == []   # the gateway owns the state: no pause event from here


async def test_unknown_persona_that_sounds_like_a_child_goes_to_the_child_queue_in_english(run_action) -> None:
    tracker = make_tracker(intent="talk_to_human", text="i want a human", history=["my dad hit me again"],
                           slots={"language": "en"})
    result = await run_action(ActionHandoffStart(), tracker)
    assert customs(result) == [{"handoff": {"reason": "requested", "skill": "child"}}]
    assert "colleague" in texts(result)


async def test_unknown_persona_defaults_to_adult(run_action) -> None:
    result = await run_action(ActionHandoffStart(),
                              make_tracker(intent="report_start", text="bejelentést szeretnék tenni"))
    assert customs(result)[0]["handoff"]["skill"] == "adult"
    assert "kolléga" in texts(result)


async def test_a_consultation_from_an_unknown_writer_goes_to_the_professional_queue(run_action) -> None:
    result = await run_action(ActionHandoffStart(), make_tracker(intent="ask_consultation", text="konzultálnék"))
    assert customs(result) == [{"handoff": {"reason": "consultation", "skill": "professional"}}]
