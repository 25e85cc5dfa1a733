"""A queued or live chat is never offered a person again (bot.person_offer).

Found in session 11: "i feel so bad, i dont want to be here anymore" got "I am asking a
colleague ... you are number 2" and, in the same answer, Rasa's "If you like, a colleague can
chat with you here in writing" (domain/greeting.yml utter_feel_alone).
"""
from __future__ import annotations

from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot import texts
from bot.conversation import Conversation
from bot.crypto import Sealer
from bot.delivery import Reply
from bot.person_offer import drop_offers
from bot.rasa_client import BotMessage
from bot.reply_composer import ReplyComposer
from bot.screening import Level, RiskState
from bot.store import ConversationStore, State

FEEL_ALONE = ("Thank you for telling me. That sounds really hard, and you are not alone with it. If you like, "
              "a colleague can chat with you here in writing. The child and youth helpline (116 111, free) "
              "listens too. If you are in danger right now, call 112.")
ANSWER = [BotMessage(text=FEEL_ALONE, buttons=(("Talk to a person", "/talk_to_human"),
                                               ("Where can I turn?", "/ask_help")))]


def composer(redis: Redis) -> ReplyComposer:
    return ReplyComposer(ConversationStore(redis, Sealer([Fernet.generate_key().decode()]), 3600))


async def test_a_queued_chat_hears_the_answer_without_the_offer_of_a_person(redis: Redis) -> None:
    conv = Conversation(pid="queued-offer", language="en", state=State.QUEUED, risk=RiskState(level=Level.HIGH))
    replies = await composer(redis).use_answer(conv, list(ANSWER), distress=True, slot_change=False)
    assert len(replies) == 1
    text = replies[0].text
    assert "can chat with you" not in text and "116 111" in text and "112" in text and text.startswith("Thank you")
    assert text.count(texts.text("colleague_coming", "en")) == 1  # the offer became "a colleague will write"
    assert [p for _, p in replies[0].buttons] == ["/ask_help"]


async def test_a_chat_with_the_bot_keeps_the_offer(redis: Redis) -> None:
    conv = Conversation(pid="bot-offer", language="en")
    replies = await composer(redis).use_answer(conv, list(ANSWER), distress=True, slot_change=False)
    assert replies[0].text == FEEL_ALONE and "/talk_to_human" in [p for _, p in replies[0].buttons]


def test_hungarian_offers_go_and_the_rest_stays() -> None:
    said, found = drop_offers([
        Reply("Köszönöm, hogy megírtad. Ha szeretnéd, egy munkatársunk itt, írásban beszélget veled; addig is "
              "kérdezhetsz tőlem bármit. Gyermek- és ifjúsági lelkisegély-vonal: 116 111."),
        Reply("Ha szeretnéd, szólok egy kollégának.", (("Emberrel beszélnék", "/talk_to_human"),)),
        Reply("Szólok egy munkatársunknak, hogy beszélgessen veled.", emergency=True),
    ])
    assert found
    assert [r.text for r in said] == ["Köszönöm, hogy megírtad. Gyermek- és ifjúsági lelkisegély-vonal: 116 111.",
                                      "Szólok egy munkatársunknak, hogy beszélgessen veled."]
