"""Issue 12, with a Rasa stand-in that is slow on purpose (the only fake here):

- a message asking to make a report that had to wait for Rasa ("a moment") still opens the
  report form when its answer is delivered (bot.deferred_answers), as an answer at once does
  (bot.state_router step 7);
- in a conversation about a missing child, a later answer that does not say "112" gets the
  "police at once, 116 000" line; a thank-you does not.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from aiohttp import web

from bot import asking, texts
from tests.conftest import free_port

FORM_QUESTION = "Mi történt?"


class FormRasa:
    """Answers "/report_start" with the form's first question (its buttons mark the form as
    open), anything else with one plain line, each after ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.texts: list[str] = []
        self.runner: web.AppRunner | None = None
        self.url = f"http://127.0.0.1:{free_port()}"

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.texts.append(body["message"])
        await asyncio.sleep(self.delay)
        if body["message"] == "/report_start":
            return form_opened(body["sender"])
        return web.json_response([{"recipient_id": body["sender"], "text": "Szívesen segítek."}])

    async def ok(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        app.router.add_get("/health", self.ok)  # as the action server too
        app.router.add_get("/status", self.ok)
        app.router.add_post("/conversations/{sid}/tracker/events", self.ok)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", int(self.url.rsplit(":", 1)[1])).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def form_opened(sender: str) -> web.Response:
    """The form's first question; its skip/stop buttons mark the form as open (bot.asking)."""
    return web.json_response([{"recipient_id": sender, "text": FORM_QUESTION, "buttons": [
        {"title": "Kihagyom", "payload": "/report_skip"}, {"title": "Befejezem", "payload": "/report_stop"}]}])


async def chat(http: aiohttp.ClientSession, url: str, session: str, text: str) -> dict[str, Any]:
    async with http.post(f"{url}/api/chat", json={"session": session, "text": text}) as r:
        assert r.status == 200
        return await r.json()


async def transcript(http: aiohttp.ClientSession, url: str, session: str) -> list[str]:
    async with http.get(f"{url}/api/chat/{session}/messages", params={"after": "0"}) as r:
        return [m["text"] for m in (await r.json())["messages"]]


async def test_a_wish_to_report_that_waited_for_rasa_opens_the_form(gateway_factory, http) -> None:
    rasa = FormRasa(0.8)
    await rasa.start()
    try:
        gw = await gateway_factory(RASA_URL=rasa.url, RASA_CONCURRENCY=1, RASA_BUSY_NOTICE=0.1,
                                   RASA_WARMUP_CONVERSATIONS=0, ACTION_SERVER_URL=rasa.url)
        first = asyncio.create_task(chat(http, gw.url, "defer-report-00", "hova fordulhatok?"))
        deadline = time.monotonic() + 10
        while not rasa.texts:  # the first message holds Rasa's only slot (no fixed sleep: CI is loaded)
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        body = await chat(http, gw.url, "defer-report-01", "Ezt névtelenül szeretném bejelenteni.")
        busy = {texts.text("bot_busy", v) for v in ("hu", "hu_formal", "en")}
        assert {r["text"] for r in body["replies"]} <= busy, body  # "a moment": it waits
        await first
        deadline = time.monotonic() + 15
        while FORM_QUESTION not in await transcript(http, gw.url, "defer-report-01"):
            assert time.monotonic() < deadline, await transcript(http, gw.url, "defer-report-01")
            await asyncio.sleep(0.2)
        said = await transcript(http, gw.url, "defer-report-01")
        assert said.index("Szívesen segítek.") < said.index(FORM_QUESTION)  # the answer, then the form
        assert rasa.texts.count("/report_start") == 1
    finally:
        await rasa.stop()


async def test_later_answers_about_a_missing_child_keep_112(gateway_factory, http) -> None:
    rasa = FormRasa(0.0)
    await rasa.start()
    try:
        gw = await gateway_factory(RASA_URL=rasa.url, ACTION_SERVER_URL=rasa.url, RASA_WARMUP_CONVERSATIONS=0)
        session = "missing-later-01"
        await chat(http, gw.url, session, "A 13 éves fiam tegnap este óta nem jött haza.")
        again = texts.text("missing_child_again", "hu_formal")
        body = await chat(http, gw.url, session, "Mit tehetek még?")
        said = [r["text"] for r in body["replies"]]
        assert "Szívesen segítek." in said and any("112" in t and "116 000" in t for t in said), said
        assert again in said  # "A 13 éves fiam": an adult, "Ön"
        thanks = await chat(http, gw.url, session, "Köszönöm, megvárom a kollégát.")
        assert not any("116 000" in r["text"] for r in thanks["replies"]), thanks
    finally:
        await rasa.stop()


def test_a_courtesy_alone_is_not_a_question() -> None:
    assert asking.courtesy_only("Köszönöm, megvárom a munkatársat.")
    assert asking.courtesy_only("ok, calling them now")
    assert asking.courtesy_only("Értem, köszönöm.")
    assert asking.courtesy_only("Jó, várok.")
    assert not asking.courtesy_only("Köszönöm. Mit tehetek még?")
    assert not asking.courtesy_only("Mit tehetek még?")
