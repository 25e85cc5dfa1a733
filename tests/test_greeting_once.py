"""The greeting once, then a short line (issue 13, the try11 user test): a flood of twelve
"szia" in a minute got the full greeting, with its four buttons, twelve times."""
from __future__ import annotations

import time
from typing import Any

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot import keys, texts
from bot.config import ROOT
from bot.crypto import Sealer
from bot.intents import load_response_texts
from bot.rasa_client import BotMessage
from bot.reply_composer import GREETING_REPEAT_AFTER, ReplyComposer
from bot.store import ConversationStore
from tests.conftest import free_port

GREETINGS = load_response_texts(ROOT / "domain.yml", "utter_greet")  # as Settings.domain_dir
HU = next(t for t in GREETINGS if t.startswith("Szia!"))
FORMAL = next(t for t in GREETINGS if t.startswith("Jó napot"))
ENGLISH = next(t for t in GREETINGS if t.startswith("Hi!"))
BUTTONS = (("Hova fordulhatok?", "/ask_help"), ("Emberrel beszélnék", "/talk_to_human"))


def test_the_greeting_is_read_from_the_domain_in_every_variant() -> None:
    assert len(GREETINGS) >= 3 and any(t.startswith("Hi!") for t in GREETINGS)


async def test_the_greeting_again_within_minutes_is_one_short_line(redis: Redis) -> None:
    store = ConversationStore(redis, Sealer([Fernet.generate_key().decode()]), 3600)
    composer = ReplyComposer(store, greetings=GREETINGS)

    async def answer(pid: str, text: str) -> list[tuple[str, int]]:
        conv = await store.load(pid)
        said = await composer.use_answer(conv, [BotMessage(text=text, buttons=BUTTONS)], False, False)
        return [(r.text, len(r.buttons)) for r in said]

    assert await answer("flood-1", HU) == [(HU, 2)]
    for _ in range(3):
        assert await answer("flood-1", HU) == [(texts.text("greeting_again", "hu"), 0)]
    other = "Ide fordulhatsz: a család- és gyermekjóléti szolgálathoz."  # any other answer stays whole
    assert await answer("flood-1", other) == [(other, 2)]
    assert await answer("flood-1", HU) == [(texts.text("greeting_again", "hu"), 0)]
    # Waiting for a colleague (the greeting's "talk to a person" button goes): once too.
    await redis.hset(keys.conv("flood-3"), mapping={"state": "queued"})
    assert (await answer("flood-3", HU))[0][0] == HU
    assert await answer("flood-3", HU) == [(texts.text("greeting_again", "hu"), 0)]
    # Another conversation, and the same one after the window: the full greeting.
    assert await answer("flood-2", HU) == [(HU, 2)]
    await redis.hset(keys.conv("flood-1"), "greeted", str(time.time() - GREETING_REPEAT_AFTER - 1))
    assert await answer("flood-1", HU) == [(HU, 2)]
    # The short line in the register the conversation is in.
    await redis.hset(keys.conv("flood-2"), "register", "formal")
    assert await answer("flood-2", FORMAL) == [(FORMAL, 2)]  # greeted as "te" before: now the "Ön" one
    assert (await answer("flood-2", FORMAL))[0][0] == texts.text("greeting_again", "hu_formal")
    # The page greets in Hungarian before anyone typed; "hi" gets the English greeting, once.
    await redis.hset(keys.conv("flood-2"), "language", "en")
    assert await answer("flood-2", ENGLISH) == [(ENGLISH, 2)]
    assert await answer("flood-2", ENGLISH) == [(texts.text("greeting_again", "en"), 0)]


async def test_a_flood_of_szia_through_the_gateway_gets_the_greeting_once(
        gateway_factory: Any, http: aiohttp.ClientSession) -> None:
    """The whole path: a stand-in Rasa greets every message, as the real one does "szia"."""
    async def webhook(request: web.Request) -> web.Response:
        sender = (await request.json())["sender"]
        return web.json_response([{"recipient_id": sender, "text": HU, "buttons": [
            {"title": t, "payload": p} for t, p in BUTTONS]}])

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_post("/conversations/{sender}/tracker/events", ok)
    app.router.add_get("/health", ok)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        gw = await gateway_factory(RASA_URL=f"http://127.0.0.1:{port}", ACTION_SERVER_URL=f"http://127.0.0.1:{port}")
        said = []
        for _ in range(4):
            async with http.post(f"{gw.url}/api/chat", json={"session": "flood-szia-0001", "text": "szia"}) as r:
                assert r.status == 200
                said.append([x["text"] for x in (await r.json())["replies"]])
        assert said[0] == [HU]
        assert said[1:] == [[texts.text("greeting_again", "hu")]] * 3
    finally:
        await runner.cleanup()
