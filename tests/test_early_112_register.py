"""The 112 block a push channel sends before the conversation is read follows the
conversation's register (issue 12, the session-11 user test: on Telegram an adult's later
message with no cue of its own got "Ha most veszélyben vagy ... hívd" while the rest said "Ön")."""
from __future__ import annotations

from typing import Any

from bot import texts
from bot.appkeys import GATEWAY
from bot.delivery import Reply
from bot.inbound import Inbound
from bot.screening import Level
from tests.conftest import free_port

DANGER = "most is itt van a lakásban és késsel fenyeget"  # no cue of who writes


async def early_block(gateway: Any, chat: str) -> Reply:
    delivered: list[Reply] = []

    async def deliver(replies: list[Reply]) -> None:
        delivered.extend(replies)

    outcome = await gateway.handle(Inbound(channel="telegram", chat_id=chat, text=DANGER,
                                           route={"channel": "telegram"}), deliver=deliver)
    assert outcome.screening.level == Level.IMMEDIATE
    return delivered[0]


async def test_an_adults_later_danger_message_gets_the_112_block_in_on(gateway_factory) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gateway = (await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)).app[GATEWAY]
    await gateway.handle(Inbound(channel="telegram", chat_id="5550001", text="Jó napot kívánok, kérem segítsenek",
                                 route={"channel": "telegram"}))
    block = await early_block(gateway, "5550001")
    assert block.emergency and block.text == texts.text("emergency", "hu_formal")
    assert "hívja" in block.text and "hívd" not in block.text


async def test_a_new_conversation_gets_the_block_by_its_own_words(gateway_factory) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gateway = (await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)).app[GATEWAY]
    block = await early_block(gateway, "5550002")
    assert block.text == texts.text("emergency", gateway.guess_voice(Inbound(channel="telegram", chat_id="5550002",
                                                                             text=DANGER)))
