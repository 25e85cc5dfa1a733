"""Who is writing (actions/persona.py) and the register it gives: the slot first, then a
first-person relative or a child's words, then the persona the gateway heard (message
metadata, bot/register.py); a child or an unknown writer gets "te" in a fallback, an adult "Ön"."""
from __future__ import annotations

import pytest
from conftest import make_tracker, saved_tracker, texts

from actions.fallback import ActionFallback
from actions.persona import gateway_persona, handoff_skill, infer_persona

pytestmark = pytest.mark.anyio  # async tests on asyncio (conftest.anyio_backend)


def test_the_slot_wins_over_everything_else() -> None:
    tracker = make_tracker(text="apám megvert", slots={"persona": "professional"}, metadata={"persona": "adult"})
    assert infer_persona(tracker) == "professional"


@pytest.mark.parametrize("text,entities,want", [
    ("apám megvert", [{"entity": "relation", "value": "apa", "start": 0, "end": 4}], "child"),
    ("az apa megverte", [{"entity": "relation", "value": "apa", "start": 3, "end": 6}], None),
    ("12 éves vagyok és félek", [], "child"),
    ("my stepdad hits me", [], "child"),
    ("a szomszéd gyerek sír", [], None),
])
def test_a_first_person_relative_or_a_childs_words_mean_a_child(text: str, entities: list, want) -> None:
    assert infer_persona(make_tracker(text=text, entities=entities)) == want


def test_the_gateways_persona_comes_from_the_latest_message_or_else_the_last_user_turn() -> None:
    assert infer_persona(make_tracker(text="kérdeznék valamit", metadata={"persona": "adult"})) == "adult"
    # The saved tracker's last user turn carries the gateway's persona; this message has none.
    state = saved_tracker("settlement_question")
    from rasa_sdk import Tracker
    state["latest_message"]["metadata"] = {}
    assert gateway_persona(Tracker.from_dict(state)) == "adult"
    assert gateway_persona(make_tracker(text="x", metadata={"persona": "nobody"})) is None


def test_the_queue_for_an_unknown_writer_reads_the_recent_messages() -> None:
    assert handoff_skill(make_tracker(text="beszélnék valakivel", history=["suliban bántanak"])) == "child"
    assert handoff_skill(make_tracker(text="beszélnék valakivel", history=["a szomszéd gyerek sír"])) == "adult"


@pytest.mark.parametrize("metadata,slots,informal", [
    ({}, {}, True),                               # unknown: "te" in the fallback
    ({}, {"persona": "child"}, True),
    ({"persona": "adult"}, {}, False),            # the gateway heard an adult: "Ön"
    ({}, {"persona": "professional"}, False),
])
async def test_the_fallback_speaks_the_persons_register(run_action, metadata: dict, slots: dict,
                                                        informal: bool) -> None:
    result = await run_action(ActionFallback(), make_tracker(intent="nlu_fallback", text="blorp",
                                                             metadata=metadata, slots=slots))
    assert ("Leírnád másképp" in texts(result)) is informal, texts(result)
