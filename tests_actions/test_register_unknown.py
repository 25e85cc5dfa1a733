"""The actions speak the one register chosen for a writer whose persona is unknown
(wording.UNKNOWN_REGISTER), like the gateway and the queue (tests/test_register_unknown.py
checks those): one reply never mixes "Ön" and "te". The words that give a register away and
the message keys are read from that file, so the two checks cannot drift apart."""
from __future__ import annotations

import ast
import re

import pytest
from conftest import ROOT, customs, make_tracker

import wording
from actions.common import message
from actions.handoff import ActionHandoffStart

pytestmark = pytest.mark.anyio  # async tests on asyncio (conftest.anyio_backend)


def _gateway_test_value(name: str):
    """A module-level constant of tests/test_register_unknown.py (a literal, or re.compile of one)."""
    tree = ast.parse((ROOT / "tests" / "test_register_unknown.py").read_text(encoding="utf-8"))
    node = next(n.value for n in tree.body if isinstance(n, ast.Assign)
                and any(getattr(t, "id", "") == name for t in n.targets))
    return ast.literal_eval(node.args[0] if isinstance(node, ast.Call) else node)


FORMAL = re.compile(_gateway_test_value("FORMAL"))
INFORMAL = re.compile(_gateway_test_value("INFORMAL"))
WRONG = FORMAL if wording.UNKNOWN_REGISTER == "te" else INFORMAL
MESSAGES = _gateway_test_value("MESSAGES")


def test_the_actions_texts_for_an_unknown_writer_are_in_the_chosen_register() -> None:
    assert len(MESSAGES) >= 5
    wrong = {key: WRONG.findall(text) for key in MESSAGES if WRONG.search(text := message(None, key, "hu", None))}
    assert not wrong, wrong


async def test_the_handoff_text_too_and_the_queue_is_still_the_adult_one(run_action) -> None:
    result = await run_action(ActionHandoffStart(), make_tracker(intent="talk_to_human",
                                                                 text="szeretnék egy emberrel beszélni"))
    handoff_text = next(m["text"] for m in result["messages"] if m.get("text"))
    assert not WRONG.search(handoff_text), handoff_text
    # a writer without a child's words goes to the adult queue: only the words changed
    assert [c["handoff"]["skill"] for c in customs(result)] == ["adult"]
