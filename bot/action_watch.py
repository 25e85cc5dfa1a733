"""Is the action server answering? Checked in the background, read on every message.

With the action server down, Rasa still answers but every custom action fails, so a
person gets half answers (a report started with no first question). The gateway reads
this cached health instead and says plainly that the bot is unavailable, with the
talk-to-a-person button and the numbers.
"""
from __future__ import annotations

import asyncio
import logging

import aiohttp

from bot.background import stop_requested
from bot.rasa_client import action_server_healthy

log = logging.getLogger(__name__)


class ActionServerWatch:
    """``up`` turns False after ``fails_to_down`` failed checks in a row, True on one success."""

    def __init__(self, http: aiohttp.ClientSession, url: str, interval: float = 3.0, fails_to_down: int = 2) -> None:
        self._http, self._url = http, url
        self.interval, self.fails_to_down = interval, fails_to_down
        self.up = True  # unknown at start: assume up (Rasa's own failures still show)
        self._fails = 0

    async def check(self) -> bool:
        ok, detail = await action_server_healthy(self._http, self._url)
        if ok:
            if not self.up:
                log.info("action server back")
            self._fails, self.up = 0, True
        else:
            self._fails += 1
            if self.up and self._fails >= self.fails_to_down:
                log.error("action server unavailable", extra={"error": detail})
                self.up = False
        return self.up

    async def run(self) -> None:
        while not stop_requested():
            try:
                await self.check()
            except Exception:
                log.exception("action server check failed")
            await asyncio.sleep(self.interval)
