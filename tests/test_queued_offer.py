"""A queued or live chat is never offered a person again; Rasa itself knows the chat is queued
(the ``queued`` slot in every message's metadata: tests/test_register.py; the domain's queued
variations and the actions: tests_actions/test_queued.py), so the gateway passes its answer on
as it is. What stays here is the gateway's own text: the support it says instead of Rasa's
"not sure" after a disclosure.

Found in session 11: "i feel so bad, i dont want to be here anymore" got "I am asking a
colleague ... you are number 2" and, in the same answer, "If you like, a colleague can chat
with you here in writing".
"""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot import texts
from bot.conversation import Conversation
from bot.crypto import Sealer
from bot.rasa_client import BotMessage
from bot.reply_composer import ReplyComposer
from bot.screening import Level, RiskState
from bot.store import ConversationStore, State

NOT_SURE = [BotMessage(text="I'm not sure I understood that.", custom={"fallback": True})]


def composer(redis: Redis) -> ReplyComposer:
    return ReplyComposer(ConversationStore(redis, Sealer([Fernet.generate_key().decode()]), 3600))


@pytest.mark.parametrize("state,level", [(State.QUEUED, Level.NONE), (State.QUEUED, Level.HIGH),
                                         (State.LIVE, Level.CONCERN)])
async def test_support_after_a_disclosure_says_a_colleague_is_coming(redis: Redis, state: State,
                                                                     level: Level) -> None:
    """Queued at the person's own request (no danger) too: "a colleague will write", no button."""
    conv = Conversation(pid=f"support-{state.value}-{level.value}", language="en", state=state,
                        risk=RiskState(level=level))
    replies = await composer(redis).use_answer(conv, list(NOT_SURE), distress=True, slot_change=False)
    assert [r.text for r in replies] == [texts.text("support_waiting", "en")]
    assert not any(r.buttons for r in replies)


async def test_with_the_bot_the_support_offers_a_person(redis: Redis) -> None:
    conv = Conversation(pid="support-bot", language="en")
    replies = await composer(redis).use_answer(conv, list(NOT_SURE), distress=True, slot_change=False)
    assert [r.text for r in replies] == [texts.text("support", "en")]
    assert texts.TALK_PAYLOAD in [p for _, p in replies[0].buttons]


async def test_rasas_answer_is_passed_on_as_it_is(redis: Redis) -> None:
    """No text of Rasa's is cut by the gateway any more: what Rasa chose for a queued chat is said."""
    said = ("Thank you for telling me. A colleague will write to you here when it's your turn. "
            "The child helpline (116 111).")
    conv = Conversation(pid="as-is", language="en", state=State.QUEUED, risk=RiskState(level=Level.HIGH))
    replies = await composer(redis).use_answer(conv, [BotMessage(text=said, buttons=(("Where can I turn?",
                                                                                      "/ask_help"),))],
                                               distress=True, slot_change=False)
    assert [r.text for r in replies] == [said]
