"""During an outage a person who cannot phone still hears what works without a call (issue 12,
the session-9 user test): "nem tudok telefonálni, meghallja" while Rasa or Redis is down got
only the numbers. The answer also gives this chat, the OKIT e-mail (seeds) and a trusted adult."""
from __future__ import annotations

from bot import texts
from tests.conftest import RedisServer, free_port

CANNOT_PHONE = "nem tudok telefonálni, meghallja"
OKIT_MAIL = "okit@ncsszi.hu"  # /work/shared/seeds/README.md


async def chat(http, url: str, session: str, text: str) -> dict:
    async with http.post(f"{url}/api/chat", json={"session": session, "text": text}) as resp:
        assert resp.status == 200
        return await resp.json()


def said(reply: dict) -> str:
    return "\n".join(r["text"] for r in reply["replies"])


async def test_rasa_down_cannot_phone_gets_ways_without_a_call(gateway_factory, http) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    text = said(await chat(http, gw.url, "outage-nophone-rasa-1", CANNOT_PHONE))
    assert texts.text("bot_unavailable", "hu") in text  # told plainly that the bot is down
    assert OKIT_MAIL in text and "megbízol" in text  # and what works without a call


async def test_rasa_down_no_phone_line_only_when_they_said_so(gateway_factory, http) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    text = said(await chat(http, gw.url, "outage-nophone-rasa-2", "mikor vagytok elérhetők?"))
    assert texts.text("bot_unavailable", "hu") in text and OKIT_MAIL not in text


async def test_redis_down_cannot_phone_gets_ways_without_a_call(gateway_factory, http,
                                                                 redis_server: RedisServer) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    redis_server.stop()
    try:
        reply = await chat(http, gw.url, "outage-nophone-redis-1", CANNOT_PHONE)
    finally:
        redis_server.start()
    text = said(reply)
    assert texts.text("store_unavailable", "hu") in text  # the message is kept
    assert OKIT_MAIL in text and "megbízol" in text
    assert "ebbe a chatbe ír" not in text  # no operator can see it until the store is back


async def test_cannot_phone_with_a_worry_is_offered_a_person_not_promised_one(gateway_factory, http) -> None:
    """A worry (concern, not queued) and "nem tudok telefonálni": nobody is on the way, so the
    answer offers a colleague (with the button) instead of saying one will write here."""
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    worry = "sokat veszekednek otthon, nem tudok telefonálni mert meghallják"  # concern
    reply = await chat(http, gw.url, "nophone-offer-1", worry)
    text = said(reply)
    assert OKIT_MAIL in text and "ha szeretnéd, szólok" in text
    assert "/talk_to_human" in [b["payload"] for r in reply["replies"] for b in r.get("buttons") or []]
    assert texts.text("no_phone", "te") not in text  # no "a colleague writes here" promise
