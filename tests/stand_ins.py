"""A stand-in for Rasa (and the action server) that a test steers, on a free loopback port.

For tests about what the gateway does while Rasa is slow or holds a message: the real
trained Rasa answers in its own time, so "the update is being worked on right now" can
only be arranged with a server whose answer the test controls. Healthy on every path the
gateway probes; each message is answered by ``answer(body)``.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.conftest import free_port


class StandInRasa:
    """Subclass and override ``answer``; ``url`` is set by ``start``."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def answer(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        return []

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _message(self, request: web.Request) -> web.Response:
        return web.json_response(await self.answer(await request.json()))

    async def start(self) -> None:
        app = web.Application()
        for path in ("/", "/health", "/status", "/version"):
            app.router.add_get(path, self._health)
        app.router.add_post("/webhooks/rest/webhook", self._message)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
