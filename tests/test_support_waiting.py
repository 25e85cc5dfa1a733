"""Rasa's "I can't help with that" is never the answer to someone in danger.

Found by trying the service as users (session 9): queued at immediate after "my stepdad is
outside my room with a knife", the next message "he's trying to open the door" got the
out-of-scope reply. The domain marks that reply as a fallback (domain/greeting.yml), and the
composer answers a fallback after a disclosure with support, or, while the person waits for a
colleague in danger, with "I'm here, a colleague is on the way, 112 if you can".
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot import texts
from bot.conversation import Conversation
from bot.crypto import Sealer
from bot.intents import load_response_texts
from bot.rasa_client import BotMessage
from bot.reply_composer import ReplyComposer
from bot.screening import Level, RiskState
from bot.store import ConversationStore, State

ROOT = Path(__file__).resolve().parents[1]
OUT_OF_SCOPE = [BotMessage(text="Sorry, I can't help with that."), BotMessage(custom={"fallback": True})]


def composer(redis: Redis) -> ReplyComposer:
    return ReplyComposer(ConversationStore(redis, Sealer([Fernet.generate_key().decode()]), 3600))


def test_the_out_of_scope_answer_is_marked_as_a_fallback_in_every_variant() -> None:
    domain = yaml.safe_load((ROOT / "domain" / "greeting.yml").read_text(encoding="utf-8"))
    variants = domain["responses"]["utter_out_of_scope"]
    assert variants and all(v.get("custom", {}).get("fallback") is True for v in variants)


async def test_waiting_in_danger_hears_a_colleague_is_coming_not_out_of_scope(redis: Redis) -> None:
    conv = Conversation(pid="wait-danger", language="en", state=State.QUEUED, risk=RiskState(level=Level.IMMEDIATE))
    replies = await composer(redis).use_answer(conv, list(OUT_OF_SCOPE), distress=True, slot_change=False)
    assert [r.text for r in replies] == [texts.text("support_waiting", "en")]
    assert "112" in replies[0].text and not replies[0].buttons  # already queued: no "talk to a person"


async def test_a_disclosure_in_the_bot_state_gets_support_and_a_person(redis: Redis) -> None:
    conv = Conversation(pid="bot-distress", language="hu", risk=RiskState(level=Level.CONCERN))
    replies = await composer(redis).use_answer(conv, list(OUT_OF_SCOPE), distress=True, slot_change=False)
    assert [r.text for r in replies] == [texts.text("support", "hu")]
    assert [p for _, p in replies[0].buttons] == ["/talk_to_human"]


async def test_an_ordinary_off_topic_question_keeps_the_out_of_scope_answer(redis: Redis) -> None:
    conv = Conversation(pid="bot-plain", language="en")
    replies = await composer(redis).use_answer(conv, list(OUT_OF_SCOPE), distress=False, slot_change=False)
    assert [r.text for r in replies] == ["Sorry, I can't help with that."]


async def test_the_fallback_handoff_after_a_disclosure_is_support_and_still_queues(redis: Redis) -> None:
    """"félek" while queued at high got "Bocsi, nem értettelek pontosan. Szólok egy kollégának"
    (the fallback's handoff text, actions/handoff.py, now marked as a fallback)."""
    conv = Conversation(pid="wait-fallback", language="hu", state=State.QUEUED, risk=RiskState(level=Level.HIGH))
    answer = [BotMessage(text="Bocsi, nem értettelek pontosan. Szólok egy kollégának."),
              BotMessage(custom={"handoff": {"reason": "fallback", "skill": "child"}}),
              BotMessage(custom={"fallback": True})]
    replies = await composer(redis).use_answer(conv, answer, distress=True, slot_change=False)
    assert [r.text for r in replies] == [texts.text("support_waiting", "hu")]


def test_waiting_texts_never_promise_soon_when_nobody_may_be_logged_in() -> None:
    """At 3 a.m. with nobody logged in, a child heard "nincs bejelentkezett munkatársunk" and, in
    the next bubble, "egy munkatársunk hamarosan ide ír neked" (and a transfer to a queue whose
    colleagues may all be away, "hamarosan csatlakozik"). Waiting texts promise a turn, not a time."""
    for name in ("support_waiting", "transfer_waiting"):
        for voice in ("hu", "hu_formal", "en"):
            said = texts.text(name, voice)
            assert "hamarosan" not in said.lower() and "soon" not in said.lower(), (name, voice)


SMALL_TALK = frozenset().union(*(load_response_texts(ROOT / "domain.yml", n)
                                 for n in ("utter_anything_else", "utter_youre_welcome", "utter_goodbye")))
ANYTHING_ELSE = next(t for t in SMALL_TALK if t.startswith("Rendben."))


async def test_a_danger_message_read_as_no_gets_support_not_all_right(redis: Redis) -> None:
    """Tried as a child at 3 a.m.: "nem akarok már élni" was queued (the screen heard it) and
    Rasa, reading "nem akarok" as a "no", answered "Rendben. Ha bármi más felmerül, itt vagyok"."""
    store = ConversationStore(redis, Sealer([Fernet.generate_key().decode()]), 3600)
    composer = ReplyComposer(store, small_talk=SMALL_TALK)
    conv = Conversation(pid="no-to-life", language="hu", state=State.QUEUED, risk=RiskState(level=Level.HIGH))
    said = await composer.use_answer(conv, [BotMessage(text=ANYTHING_ELSE)], distress=False, slot_change=False,
                                     danger=True)
    assert [r.text for r in said] == [texts.text("support_waiting", "hu")]
    # Not queued yet (the queue refused, say): support with a way to a person.
    conv = Conversation(pid="no-to-life-2", language="hu", risk=RiskState(level=Level.HIGH))
    said = await composer.use_answer(conv, [BotMessage(text=ANYTHING_ELSE)], distress=False, slot_change=False,
                                     danger=True)
    assert [r.text for r in said] == [texts.text("support", "hu")] and said[0].buttons
    # A plain "no" to "anything else?" keeps the courtesy.
    conv = Conversation(pid="plain-no", language="hu", risk=RiskState(level=Level.HIGH))
    said = await composer.use_answer(conv, [BotMessage(text=ANYTHING_ELSE)], distress=True, slot_change=False)
    assert [r.text for r in said] == [ANYTHING_ELSE]


async def test_the_gateway_knows_the_courtesies_from_the_domain(gateway_factory: Any) -> None:
    from bot.appkeys import GATEWAY

    gw = await gateway_factory(RASA_URL="http://127.0.0.1:9")
    assert gw.app[GATEWAY].replies.small_talk == SMALL_TALK and len(SMALL_TALK) >= 6


def test_a_plain_question_after_a_disclosure_is_no_disclosure_itself() -> None:
    """sealed9: queued after a disclosure, "Van éjjel-nappal hívható vonaluk?" (NLU unsure) got
    "I'm here, I'm listening" instead of "not sure I understood, a colleague will write"."""
    from bot.state_router import maybe_disclosure

    assert not maybe_disclosure(Level.HIGH, Level.NONE, "Van éjjel-nappal hívható vonaluk?")
    assert maybe_disclosure(Level.HIGH, Level.NONE, "és most is itt van a szobában")  # no question: maybe more
    assert maybe_disclosure(Level.NONE, Level.NONE, "nagyon félek, mit csináljak?")  # feelings, asked
    assert maybe_disclosure(Level.HIGH, Level.CONCERN, "megint megütött?")  # the message itself
    assert not maybe_disclosure(Level.NONE, Level.NONE, "hol van a legközelebbi posta")
