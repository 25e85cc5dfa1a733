"""Helpers for the report tests (no tests here): a scripted stand-in for Rasa's REST
webhook that plays the report form's last step, and a dump of every Redis value.

The stand-in writes its tracker where Rasa's RedisTrackerStore does
(``rasa:tracker:<sender>``, see keys.rasa_tracker) with the same kind of expiry,
so erasure and expiry can be checked without the slow real stack; the real form
is exercised by tests/test_e2e_rasa.py when a model is trained.
"""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from redis.asyncio import Redis

from bot import keys

SUBMIT = "igen, küldd el"
REPORT_FIELDS = {
    "what": "A szomszéd Kovács Béla minden este veri a fiát, Petikét; ma is ütötte.",
    "child_age": "kb. 9",
    "settlement": "Kecskemét",
    "address": "Fő utca 12.",
    "danger_now": "no",
    "relation": "mostohaapa",
    "since": "fél éve",
    "others_know": "unknown",
}


class FakeRasa:
    def __init__(self, redis_url: str, fields: dict[str, Any] | None = None) -> None:
        self.fields = dict(fields or REPORT_FIELDS)
        self.senders: list[str] = []
        self.redis = Redis.from_url(redis_url)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, text = body["sender"], body["message"]
        self.senders.append(sender)
        await self.redis.set(keys.rasa_tracker(sender), json.dumps({"events": [{"text": text}]}), ex=3600)
        if text == SUBMIT:
            return web.json_response([
                {"recipient_id": sender, "text": "Köszönöm."},
                {"recipient_id": sender, "custom": {"report": self.fields}},
            ])
        # The form's first question, with its buttons as actions/report_texts.py gives them (the
        # gateway reads them as "the form is open": bot.asking.report_form_open).
        return web.json_response([{"recipient_id": sender, "text": "Mi történt?", "buttons": [
            {"title": "Kihagyom", "payload": "/report_skip"}, {"title": "Nem tudom", "payload": "/report_dont_know"},
            {"title": "Befejezem", "payload": "/report_stop"}]}])

    async def events(self, request: web.Request) -> web.Response:
        return web.json_response({})

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def start(self, port: int) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        app.router.add_post("/conversations/{sender}/tracker/events", self.events)
        app.router.add_get("/health", self.health)  # it stands in for the action server too
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        await self.redis.aclose()
        if self.runner:
            await self.runner.cleanup()


