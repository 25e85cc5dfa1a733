"""End to end on real parts: web chat and Telegram (fake Bot API) through the gateway
to the trained Rasa model and the action server, on a real Redis."""
from __future__ import annotations

import asyncio

import aiohttp

from bot import language, texts
from tests.conftest import RasaStack, free_port
from tests.fake_telegram import FakeBotAPI

FALLBACKS = {texts.text(name, lang) for lang in texts.LANGUAGES
             for name in ("bot_unavailable", "bot_unavailable_waiting")}


def rasa_env(stack: RasaStack) -> dict[str, str]:
    return {"RASA_URL": stack.url, "RASA_TOKEN": stack.token, "ACTION_SERVER_URL": stack.action_url}


async def chat(http: aiohttp.ClientSession, url: str, session: str, text: str) -> dict:
    async with http.post(f"{url}/api/chat", json={"session": session, "text": text}) as resp:
        assert resp.status == 200
        return await resp.json()


async def test_web_chat_szia_gets_a_hungarian_greeting_from_rasa(rasa_stack, gateway_factory, http) -> None:
    gw = await gateway_factory(**rasa_env(rasa_stack))
    body = await chat(http, gw.url, "e2e-web-session-1", "szia")
    assert body["state"] == "bot"
    replies = [r["text"] for r in body["replies"] if r["text"]]
    assert replies, body
    assert not FALLBACKS & set(replies)
    assert language.detect(" ".join(replies)) == "hu"


async def test_web_chat_english_greeting_answers_in_english(rasa_stack, gateway_factory, http) -> None:
    gw = await gateway_factory(**rasa_env(rasa_stack))
    body = await chat(http, gw.url, "e2e-web-session-en", "Hi, I need some help please")
    replies = [r["text"] for r in body["replies"] if r["text"]]
    assert replies and not FALLBACKS & set(replies)
    assert language.detect(" ".join(replies)) == "en", replies


async def test_language_follows_the_person_both_ways(rasa_stack, gateway_factory, http) -> None:
    """The language slot follows the person both ways; it travels in the message metadata
    (tests/test_perf.py counts that no tracker call is made)."""
    gw = await gateway_factory(**rasa_env(rasa_stack))
    for text, lang in (("szia", "hu"), ("hello, can you help me please", "en"), ("köszönöm szépen", "hu")):
        body = await chat(http, gw.url, "e2e-web-session-switch", text)
        replies = [r["text"] for r in body["replies"] if r["text"]]
        assert replies and not FALLBACKS & set(replies), (text, body)
        assert language.detect(" ".join(replies)) == lang, (text, replies)


async def test_telegram_message_comes_back_from_rasa(rasa_stack, gateway_factory, fake_telegram: FakeBotAPI) -> None:
    await gateway_factory(TELEGRAM_BOT_TOKEN="123456:TEST", TELEGRAM_API_BASE_URL=fake_telegram.url,
                          **rasa_env(rasa_stack))
    fake_telegram.user_message(555001, "szia")
    sent = await fake_telegram.wait_for(555001, 1)
    assert sent[0] and sent[0] not in FALLBACKS
    assert language.detect(" ".join(sent)) == "hu"


async def test_healthz_is_200_when_all_parts_answer(rasa_stack, gateway_factory, http) -> None:
    gw = await gateway_factory(**rasa_env(rasa_stack))
    # Rasa is loaded; the gateway warms it before calling it healthy (bot/warmup.py).
    for _ in range(240):
        async with http.get(f"{gw.url}/healthz") as resp:
            body = await resp.json()
        if resp.status == 200 or body["checks"]["rasa"]["detail"] != "warming up":
            break
        await asyncio.sleep(0.5)
    assert resp.status == 200, body
    assert body["failed"] == []


async def test_rasa_down_still_answers_with_emergency_numbers(gateway_factory, http) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    body = await chat(http, gw.url, "e2e-web-session-down", "szia")
    text = " ".join(r["text"] for r in body["replies"])
    assert "112" in text and "116 111" in text
    assert any(b["payload"] == "/talk_to_human" for r in body["replies"] for b in r["buttons"])
    async with http.get(f"{gw.url}/healthz") as resp:
        health = await resp.json()
        assert resp.status == 503
        assert {"rasa", "action_server"} <= set(health["failed"])
        assert "redis" not in health["failed"]


async def test_custom_action_answers_where_to_turn(rasa_stack, gateway_factory, http) -> None:
    """A where-to-turn answer comes from the action server (catches a broken action_endpoint)."""
    gw = await gateway_factory(**rasa_env(rasa_stack))
    body = await chat(http, gw.url, "e2e-web-session-action",
                      "a válás óta a volt férjem nem engedi, hogy lássam a gyereket, hova fordulhatok?")
    replies = [r["text"] for r in body["replies"] if r["text"]]
    assert replies and not FALLBACKS & set(replies), replies
    assert body["state"] == "bot"
    # The action either answers with the services or first asks who is writing (with buttons).
    named_service = any(w in " ".join(replies).lower() for w in ("gyámhivatal", "gyámhatóság", "bíróság", "szolgálat"))
    asks_persona = any(r["buttons"] for r in body["replies"])
    assert named_service or asks_persona, body


async def test_a_named_service_and_writing_in_english_are_answered(rasa_stack, gateway_factory, http) -> None:
    """Issue 12: victim support asked by name gets the line from the directory; "can I write
    in English?" gets a yes, not the opening hours."""
    gw = await gateway_factory(**rasa_env(rasa_stack))
    body = await chat(http, gw.url, "e2e-web-session-victim", "Az Áldozatsegítő Szolgálatot hogyan érhetem el?")
    said = " ".join(r["text"] for r in body["replies"] if r["text"])
    assert "06 80 225 225" in said and "Leírnád másképp" not in said, said
    body = await chat(http, gw.url, "e2e-web-session-english", "Can I write to you in English?")
    said = " ".join(r["text"] for r in body["replies"] if r["text"])
    assert said.startswith("Yes") and "English" in said, said
