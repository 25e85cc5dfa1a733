"""Talk to Rasa over its REST channel, and tell a failure from an answer.

Rasa's REST channel answers ``200 []`` both on an internal error and when a
tracker is paused, so an empty answer is a failure here: the gateway owns the
conversation state and never sends Rasa a message it expects silence for.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


class RasaUnavailable(RuntimeError):
    """Rasa did not give a usable answer (down, timed out, error, or empty)."""


@dataclass(frozen=True)
class BotMessage:
    """One message of Rasa's answer, reduced to what the channels can show."""

    text: str = ""
    buttons: tuple[tuple[str, str], ...] = ()
    custom: dict[str, Any] = field(default_factory=dict)


class RasaClient:
    """A thin async client for the REST webhook, the tracker events API and health."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str, timeout: float) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[BotMessage]:
        url = f"{self._base}/webhooks/rest/webhook"
        body = {"sender": sender, "message": text, "metadata": metadata}
        try:
            async with self._session.post(url, json=body, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"rasa answered HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        if not isinstance(data, list) or not data:
            raise RasaUnavailable("rasa answered an empty list")
        return [self._parse(item) for item in data if isinstance(item, dict)]

    @staticmethod
    def _parse(item: dict[str, Any]) -> BotMessage:
        buttons = tuple(
            (str(b.get("title", "")), str(b.get("payload", "")))
            for b in item.get("buttons") or []
            if isinstance(b, dict)
        )
        custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
        return BotMessage(text=str(item.get("text") or ""), buttons=buttons, custom=custom)

    async def set_slot(self, sender: str, name: str, value: Any) -> None:
        """Set a slot through the tracker events API (needs ``--enable-api``)."""
        url = f"{self._base}/conversations/{sender}/tracker/events"
        body = [{"event": "slot", "name": name, "value": value}]
        params = {"token": self._token} if self._token else {}
        try:
            async with self._session.post(url, json=body, params=params, timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"tracker events answered HTTP {resp.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc

    async def healthy(self) -> tuple[bool, str]:
        """Rasa is healthy when ``/status`` shows a loaded model."""
        params = {"token": self._token} if self._token else {}
        try:
            async with self._session.get(
                f"{self._base}/status", params=params, timeout=aiohttp.ClientTimeout(total=3)
            ) as resp:
                if resp.status != 200:
                    return False, f"HTTP {resp.status}"
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return False, type(exc).__name__
        if not data.get("model_file"):
            return False, "no model loaded"
        return True, "ok"


async def action_server_healthy(session: aiohttp.ClientSession, base_url: str) -> tuple[bool, str]:
    """The rasa_sdk action server answers ``/health`` with ``{"status": "ok"}``."""
    try:
        async with session.get(f"{base_url}/health", timeout=aiohttp.ClientTimeout(total=3)) as resp:
            return (resp.status == 200, "ok" if resp.status == 200 else f"HTTP {resp.status}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        return False, type(exc).__name__
