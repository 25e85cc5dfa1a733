"""Talk to Rasa over its REST channel, and tell a failure from an answer.

Rasa's REST channel answers ``200 []`` both on an internal error and when a
tracker is paused, so an empty answer is a failure here: the gateway owns the
conversation state and never sends Rasa a message it expects silence for.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


class RasaUnavailable(RuntimeError):
    """Rasa did not give a usable answer (down, timed out, error, or empty)."""


class RasaBusy(RuntimeError):
    """Every call slot of the conversation's Rasa stayed taken for the time the caller allowed."""


class RasaDown(RasaUnavailable):
    """Nothing answered at the address (refused, reset): another Rasa process may."""


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
        except (aiohttp.ClientConnectorError, aiohttp.ServerDisconnectedError) as exc:
            raise RasaDown(type(exc).__name__) from exc
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
        custom = item.get("custom")
        if not isinstance(custom, dict):
            custom = {}
        return BotMessage(text=str(item.get("text") or ""), buttons=buttons, custom=custom)

    @property
    def url(self) -> str:
        return self._base

    async def tracker_event(self, sender: str, event: dict[str, Any]) -> None:
        """Append an event (pause, resume) through the tracker events API (needs
        ``--enable-api``). Never on the message path: only when an operator takes or gives
        back a conversation."""
        url = f"{self._base}/conversations/{sender}/tracker/events"
        body = [event]
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


class RasaPool:
    """Every Rasa process the gateway may use, each with a bounded number of calls in flight.

    The processes share the Redis tracker and lock stores, so any of them can answer any
    conversation; a conversation still goes to one process (rendezvous hash of its
    pseudonymous id over the healthy ones), so its turns do not bounce between them and
    only the conversations of a failed process move. A process that refuses a connection is
    skipped until its ``/status`` answers again (checked in the background, ``watch``).

    At most ``concurrency`` calls are in flight per process: past that Rasa only queues
    inside itself until callers time out. Callers wait here instead, first in first out, and
    the gateway tells the person to wait a moment when the wait is long (``RasaBusy``).
    """

    def __init__(self, session: aiohttp.ClientSession, urls: list[str], token: str, timeout: float, *,
                 concurrency: int = 4) -> None:
        if not urls:
            raise ValueError("at least one Rasa URL")
        self.clients = [RasaClient(session, u, token, timeout) for u in urls]
        self._up = {c.url: True for c in self.clients}  # optimistic until a check says otherwise
        self._slots = {c.url: asyncio.Semaphore(max(1, concurrency)) for c in self.clients}
        self.concurrency = max(1, concurrency)
        self.timeout = timeout  # of one call (a replayed message waits about this long for the first's answer)
        self.waiting = 0  # callers waiting for a slot, all processes together
        self.calls = 0  # REST calls made (the benchmark and tests read it)

    def pick(self, pid: str) -> RasaClient:
        """The conversation's process: the highest hash of (id, URL) among the healthy ones."""
        live = [c for c in self.clients if self._up[c.url]] or self.clients
        return max(live, key=lambda c: hashlib.blake2b(f"{c.url}|{pid}".encode(), digest_size=8).digest())

    def mark(self, url: str, up: bool) -> None:
        if self._up.get(url) != up:
            log.warning("rasa process back" if up else "rasa process down", extra={"url": url})
        self._up[url] = up

    def has_room(self, pid: str) -> bool:
        return not self._slots[self.pick(pid).url].locked()

    async def send(self, sender: str, text: str, metadata: dict[str, Any], *,
                   wait: float | None = None) -> list[BotMessage]:
        """Send one message; wait at most ``wait`` seconds for a free slot (None: as long as
        it takes) else raise ``RasaBusy``. A process that is down is marked and the message
        goes to the next healthy one, once."""
        tried: set[str] = set()
        while True:
            client = self.pick(sender)
            if client.url in tried:
                raise RasaDown("no healthy rasa process left")
            tried.add(client.url)
            slot = self._slots[client.url]
            self.waiting += 1
            try:
                await self._acquire(slot, wait)
            finally:
                self.waiting -= 1
            try:
                self.calls += 1
                return await client.send(sender, text, metadata)
            except RasaDown:
                self.mark(client.url, False)
                if len(self.clients) == 1:
                    raise
            finally:
                slot.release()

    @staticmethod
    async def _acquire(slot: asyncio.Semaphore, wait: float | None) -> None:
        """Take a slot within ``wait`` seconds, else RasaBusy; never leaks one that was granted
        just as the time ran out."""
        if wait is None or not slot.locked():
            await slot.acquire()  # free (and nobody queued before us): at once
            return
        if wait <= 0:
            raise RasaBusy("no free rasa slot")
        taking = asyncio.ensure_future(slot.acquire())
        done, _ = await asyncio.wait({taking}, timeout=wait)
        if done:
            taking.result()
            return
        taking.cancel()
        try:
            await taking  # granted meanwhile: keep it
        except asyncio.CancelledError:
            raise RasaBusy("no free rasa slot") from None

    async def send_direct(self, sender: str, text: str, metadata: dict[str, Any]) -> list[BotMessage]:
        """Send without taking a slot: the warm-up's own traffic (bot.warmup) must never make
        a person wait for a slot, nor be told "a moment" because of it."""
        return await self.pick(sender).send(sender, text, metadata)

    async def tracker_event(self, sender: str, event: dict[str, Any]) -> None:
        await self.pick(sender).tracker_event(sender, event)

    async def healthy(self) -> tuple[bool, str]:
        """Healthy when at least one process has its model loaded; the detail names the rest."""
        results = await asyncio.gather(*(c.healthy() for c in self.clients))
        for c, (ok, why) in zip(self.clients, results):
            if ok or why != "TimeoutError":  # slow under load is not down: keep its conversations
                self.mark(c.url, ok)
        up = sum(ok for ok, _ in results)
        if len(self.clients) == 1:
            return results[0]
        detail = "ok" if up == len(results) else ", ".join(
            f"{c.url}: {why}" for c, (ok, why) in zip(self.clients, results) if not ok)
        return up > 0, f"{up}/{len(results)} up" + ("" if detail == "ok" else f" ({detail})")

    async def watch(self, interval: float = 5.0) -> None:
        """Background task: keep each process's health current, so a dead one is skipped
        and a restarted one gets its conversations back."""
        while True:
            try:
                await self.healthy()
            except Exception:
                log.exception("rasa health check failed")
            await asyncio.sleep(interval)


async def action_server_healthy(session: aiohttp.ClientSession, base_url: str) -> tuple[bool, str]:
    """The rasa_sdk action server answers ``/health`` with ``{"status": "ok"}``."""
    try:
        async with session.get(f"{base_url}/health", timeout=aiohttp.ClientTimeout(total=3)) as resp:
            return (resp.status == 200, "ok" if resp.status == 200 else f"HTTP {resp.status}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        return False, type(exc).__name__
