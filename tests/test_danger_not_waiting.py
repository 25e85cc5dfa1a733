"""A danger message's 112 never waits on a stalled Rasa.

Found by trying the service (session 9): with Rasa frozen, the web chat's 112 reply came only
after the whole Rasa timeout (10 s), since the reply to a web message is one HTTP answer and
the bot's part of it waited for Rasa. Now a danger message waits for Rasa's answer only a
moment (``RASA_BUSY_NOTICE``); then 112, the queue place and "a moment" go out, and Rasa's
answer follows through the messages the page pulls. An ordinary message is unchanged.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot import texts
from bot.appkeys import GATEWAY
from tests.conftest import free_port

DANGER = "most ugrok le a hídról, meg akarok halni"
LATE = "Itt vagyok, ez a bot késve érkező válasza."


@pytest.fixture
async def slow_rasa() -> AsyncIterator[tuple[str, dict[str, float]]]:
    """Rasa's REST webhook answering after ``delay["s"]`` seconds; /health at once."""
    delay = {"s": 0.0}

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        await asyncio.sleep(delay["s"])
        return web.json_response([{"recipient_id": body["sender"], "text": LATE}])

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app.router.add_get("/health", ok)
    app.router.add_get("/status", ok)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", delay
    await runner.cleanup()


async def post(http: aiohttp.ClientSession, url: str, session: str, text: str) -> dict:
    async with http.post(f"{url}/api/chat", json={"session": session, "text": text},
                         timeout=aiohttp.ClientTimeout(total=20)) as resp:
        assert resp.status == 200
        return await resp.json()


async def pulled_texts(http: aiohttp.ClientSession, url: str, session: str) -> list[str]:
    async with http.get(f"{url}/api/chat/{session}/messages", params={"after": 0}) as resp:
        return [m["text"] for m in (await resp.json())["messages"]]


async def test_danger_gets_112_before_a_slow_rasa_answers_and_the_answer_follows(
        gateway_factory, http, slow_rasa) -> None:
    url, delay = slow_rasa
    gw = await gateway_factory(RASA_URL=url, ACTION_SERVER_URL=url, RASA_TIMEOUT="60", RASA_BUSY_NOTICE="0.5")
    delay["s"] = 0.0
    ordinary = await post(http, gw.url, "slow-rasa-ordinary-1", "szia, kérdeznék valamit")
    assert [r["text"] for r in ordinary["replies"]] == [LATE]  # an answer in time comes in the reply itself

    delay["s"] = 4.0  # eight times the moment a danger message may wait
    body = await post(http, gw.url, "slow-rasa-danger-01", DANGER)
    said = [r["text"] for r in body["replies"]]
    assert said[0] == texts.text("emergency", "hu") and body["state"] == "queued"
    assert texts.text("bot_busy", "hu") in said and LATE not in said
    for _ in range(150):  # the answer arrives through the pulled messages, as the page reads them
        if LATE in await pulled_texts(http, gw.url, "slow-rasa-danger-01"):
            break
        await asyncio.sleep(0.1)
    assert LATE in await pulled_texts(http, gw.url, "slow-rasa-danger-01")



async def test_a_late_answer_still_on_its_way_ends_with_the_gateway(gateway_factory, http, slow_rasa) -> None:
    """Left running past stop(), it would open a Redis connection on the closed pool (a leak CI
    saw under load): stop() ends it."""
    url, delay = slow_rasa
    gw = await gateway_factory(RASA_URL=url, ACTION_SERVER_URL=url, RASA_TIMEOUT="60", RASA_BUSY_NOTICE="0.3")
    delay["s"] = 5.0
    body = await post(http, gw.url, "slow-rasa-stop-01", DANGER)
    assert body["state"] == "queued"
    gateway = gw.app[GATEWAY]
    late = gateway.deferred.tasks()
    assert late and not any(t.done() for t in late)
    await gateway.deferred.hand_back()
    assert all(t.done() for t in late)
