"""Performance behaviour, checked by counting, never by timing a fast path:

- one Rasa call per message: the language travels in the REST metadata (real Rasa behind a
  counting proxy; the replies prove the slot was set);
- Redis round trips per ordinary message (counted on the gateway's own connections);
- overload: a deliberately slow Rasa stand-in (the only fake here, for overload only) makes
  ordinary messages wait kindly, while danger gets 112 and the queue at once;
- several Rasa processes: conversations spread by a stable hash, a dead one is skipped.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from redis.asyncio.connection import AbstractConnection

from bot import language, texts
from bot.appkeys import GATEWAY
from bot.config import ROOT
from bot.inbound import Inbound
from tests.conftest import KEYS, LIMITS_OFF, RasaStack, free_port, wait_port

FALLBACKS = {texts.text(name, lang) for lang in texts.LANGUAGES
             for name in ("bot_unavailable", "bot_unavailable_waiting")}


def busy_texts() -> set[str]:
    return {texts.text("bot_busy", v) for v in ("hu", "hu_formal", "en")}


OP = {"Authorization": "Bearer test-operator-token-0123456789"}


class CountingProxy:
    """Forwards every request to a real Rasa and counts them by kind (webhook, tracker, other)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.calls: collections.Counter[str] = collections.Counter()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def _forward(self, request: web.Request) -> web.Response:
        path = request.path
        kind = "webhook" if path.endswith("/webhooks/rest/webhook") else "tracker" if "/tracker" in path else "other"
        if kind != "other":
            self.calls[kind] += 1
        body = await request.read()
        async with aiohttp.ClientSession() as http, http.request(
                request.method, f"{self.target}{path}", params=request.query, data=body,
                headers={"Content-Type": "application/json"}) as r:
            return web.Response(status=r.status, body=await r.read(), content_type="application/json")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture
async def proxy(rasa_stack: RasaStack) -> AsyncIterator[CountingProxy]:
    p = CountingProxy(rasa_stack.url)
    await p.start()
    yield p
    assert p.runner is not None
    await p.runner.cleanup()


async def chat(http: aiohttp.ClientSession, url: str, session: str, text: str) -> dict[str, Any]:
    async with http.post(f"{url}/api/chat", json={"session": session, "text": text}) as resp:
        assert resp.status == 200
        return await resp.json()


async def test_one_rasa_call_per_message_even_when_the_language_switches(
        rasa_stack: RasaStack, proxy: CountingProxy, gateway_factory, http) -> None:
    gw = await gateway_factory(RASA_URL=proxy.url, RASA_TOKEN=rasa_stack.token,
                               ACTION_SERVER_URL=rasa_stack.action_url, RASA_WARMUP_CONVERSATIONS=0)
    await asyncio.sleep(0.5)
    proxy.calls.clear()
    said = (("szia", "hu"), ("hello, can you help me please", "en"), ("köszönöm szépen", "hu"),
            ("thank you", "en"))
    for text, lang in said:
        body = await chat(http, gw.url, "perf-rasa-calls-1", text)
        replies = [r["text"] for r in body["replies"] if r["text"]]
        assert replies and not FALLBACKS & set(replies), (text, body)
        # Rasa answered in the new language: its slot was set by the message itself.
        assert language.detect(" ".join(replies)) == lang, (text, replies)
    assert proxy.calls == {"webhook": len(said)}, proxy.calls  # no tracker events call at all


# -- Redis round trips ---------------------------------------------------------------
TRIPS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("trips", default=None)


@pytest.fixture
def count_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request a connection writes (a command, or a whole pipeline) is one round trip;
    counted only in the task that set TRIPS (the message being handled)."""
    original = AbstractConnection.send_packed_command

    async def counting(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
        box = TRIPS.get()
        if box is not None:
            box[0] += 1
        await original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)


async def test_an_ordinary_message_costs_three_redis_round_trips(
        rasa_stack: RasaStack, gateway_factory, count_round_trips) -> None:
    """Read (conversation, block, follow-up), record (fields, route, entry, flood counter),
    then the bot's replies: three, whatever the number of replies. It was nine and more."""
    gw = await gateway_factory(RASA_URL=rasa_stack.url, RASA_TOKEN=rasa_stack.token,
                               ACTION_SERVER_URL=rasa_stack.action_url, RASA_WARMUP_CONVERSATIONS=0)
    gateway = gw.app[GATEWAY]
    route = {"channel": "web"}
    # The first use of each Lua script in a process loads it (NOSCRIPT, SCRIPT LOAD): once.
    await gateway.handle(Inbound(channel="web", chat_id="perf-redis-trips-warm", text="szia", route=route))
    counts = []
    for text in ("szia", "hova fordulhatok ha egy gyerek bajban van?", "where can I get help for a child?", "köszönöm"):
        box = [0]
        token = TRIPS.set(box)
        try:
            out = await gateway.handle(Inbound(channel="web", chat_id="perf-redis-trips-1", text=text, route=route))
        finally:
            TRIPS.reset(token)
        assert out.replies and not FALLBACKS & {r.text for r in out.replies}, text
        assert out.cursor == await gateway.store.last_seq(out.pid)
        counts.append(box[0])
    assert counts == [3, 3, 3, 3], counts


# -- Overload ------------------------------------------------------------------------
class SlowRasa:
    """A stand-in for a saturated Rasa: every answer takes ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.in_flight = 0
        self.most_in_flight = 0
        self.calls = 0
        self.up = True
        self.runner: web.AppRunner | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        return web.json_response([{"recipient_id": body["sender"], "text": f"answer from {self.port}"}])

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def status(self, request: web.Request) -> web.Response:
        return web.json_response({"model_file": "stand-in.tar.gz"})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        app.router.add_get("/status", self.status)
        app.router.add_get("/health", self.health)  # as an action server
        app.router.add_post("/conversations/{sid}/tracker/events", self.health)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@pytest.fixture
async def slow_rasas() -> AsyncIterator[Any]:
    started: list[SlowRasa] = []

    async def make(delay: float) -> SlowRasa:
        r = SlowRasa(delay)
        await r.start()
        started.append(r)
        return r

    yield make
    for r in started:
        await r.stop()


async def test_overload_waits_kindly_and_danger_never_waits(slow_rasas, gateway_factory, http) -> None:
    rasa = await slow_rasas(1.5)
    gw = await gateway_factory(RASA_URL=rasa.url, RASA_CONCURRENCY=1, RASA_BUSY_NOTICE=0.3,
                               RASA_WARMUP_CONVERSATIONS=0, ACTION_SERVER_URL=rasa.url)
    ordinary = [f"perf-overload-{i:02d}" for i in range(4)]

    async def timed(session: str, text: str) -> tuple[float, dict[str, Any]]:
        t = time.perf_counter()
        body = await chat(http, gw.url, session, text)
        return time.perf_counter() - t, body

    tasks = [asyncio.create_task(timed(s, "hova fordulhatok?")) for s in ordinary]
    await asyncio.sleep(0.1)  # the first one holds Rasa's only slot now
    danger_s, danger = await timed("perf-overload-danger", "meg akarom ölni magam ma éjjel, megvannak a gyógyszerek")
    results = await asyncio.gather(*tasks)

    # Danger: 112 and the operator queue at once, not after Rasa.
    assert danger_s < 1.0, danger_s
    assert danger["state"] == "queued"
    assert "112" in danger["replies"][0]["text"]
    # Ordinary: the first got Rasa's answer; the others were told "a moment" within the
    # notice (not a timeout), and their answers arrive later, in order, in the transcript.
    answered = [s for s, (_, body) in zip(ordinary, results)
                if [r["text"] for r in body["replies"]] == [f"answer from {rasa.port}"]]
    assert len(answered) == 1, results  # the one that found Rasa's only slot free
    for session, (took, body) in zip(ordinary, results):
        if session not in answered:
            assert body["replies"] and {r["text"] for r in body["replies"]} <= busy_texts(), body
            assert took < 1.2, took
    assert rasa.most_in_flight == 1  # never more calls in flight than RASA_CONCURRENCY
    deadline = time.monotonic() + 15
    pending = (set(ordinary) - set(answered)) | {"perf-overload-danger"}
    while pending and time.monotonic() < deadline:
        for session in list(pending):
            async with http.get(f"{gw.url}/api/chat/{session}/messages", params={"after": "0"}) as r:
                msgs = [m["text"] for m in (await r.json())["messages"]]
            if f"answer from {rasa.port}" in msgs:
                pending.discard(session)
        await asyncio.sleep(0.3)
    assert not pending, f"never answered: {pending}"


async def test_a_full_wait_queue_defers_in_redis_and_still_answers(slow_rasas, gateway_factory, http) -> None:
    rasa = await slow_rasas(0.6)
    gw = await gateway_factory(RASA_URL=rasa.url, RASA_CONCURRENCY=1, RASA_BUSY_NOTICE=0.1, RASA_QUEUE=1,
                               RASA_WARMUP_CONVERSATIONS=0, ACTION_SERVER_URL=rasa.url)
    sessions = [f"perf-queue-full-{i:02d}" for i in range(4)]
    bodies = await asyncio.gather(*(chat(http, gw.url, s, "hova fordulhatok?") for s in sessions))
    assert sum(bool({r["text"] for r in b["replies"]} & busy_texts()) for b in bodies) >= 2
    # A second message while the first still waits (in memory or in Redis) is told too, never
    # answered with nothing.
    again = await asyncio.gather(*(chat(http, gw.url, s, "és még valami?") for s in sessions))
    assert all(b["replies"] for b in again), again
    deadline = time.monotonic() + 20
    pending = set(sessions)
    while pending and time.monotonic() < deadline:
        for session in list(pending):
            async with http.get(f"{gw.url}/api/chat/{session}/messages", params={"after": "0"}) as r:
                if f"answer from {rasa.port}" in [m["text"] for m in (await r.json())["messages"]]:
                    pending.discard(session)
        await asyncio.sleep(0.3)
    assert not pending, f"never answered: {pending}"


# -- Several Rasa processes ------------------------------------------------------------
async def test_conversations_spread_over_rasa_processes_and_skip_a_dead_one(slow_rasas, gateway_factory,
                                                                             http) -> None:
    a, b = await slow_rasas(0.0), await slow_rasas(0.0)
    gw = await gateway_factory(RASA_URLS=f"{a.url},{b.url}", RASA_WARMUP_CONVERSATIONS=0, ACTION_SERVER_URL=b.url)
    sessions = [f"perf-spread-{i:03d}" for i in range(24)]
    first = {}
    for s in sessions:
        body = await chat(http, gw.url, s, "hova fordulhatok?")
        first[s] = body["replies"][0]["text"]
    assert {first[s] for s in sessions} == {f"answer from {a.port}", f"answer from {b.port}"}
    # Stable: a conversation stays with its process.
    for s in sessions[:6]:
        assert (await chat(http, gw.url, s, "és még?"))["replies"][0]["text"] == first[s]
    # One process dies: its conversations move to the other, none is left without the bot.
    await a.stop()
    for s in sessions:
        text = (await chat(http, gw.url, s, "köszönöm"))["replies"][0]["text"]
        assert text == f"answer from {b.port}", (s, text)
    async with http.get(f"{gw.url}/healthz") as r:
        health = await r.json()
    assert "1/2 up" in str(health), health


# -- A replica dies while answers wait -----------------------------------------------
class HeldRasa(SlowRasa):
    """A stand-in whose answers wait until the test lets them go (a stuck Rasa)."""

    def __init__(self) -> None:
        super().__init__(0.0)
        self.release = asyncio.Event()

    async def webhook(self, request: web.Request) -> web.Response:
        self.calls += 1
        try:
            await asyncio.wait_for(self.release.wait(), 30)
        except TimeoutError:
            pass
        return web.json_response([{"recipient_id": "x", "text": "held answer"}])


def gateway_process(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_answers_waiting_for_rasa_survive_their_gateways_kill(slow_rasas, gateway_factory, http,
                                                                   redis_server) -> None:
    """Told "a moment", then the gateway holding the message is killed (SIGKILL): the
    message waits in Redis, so the other replica answers it once the claim lapses."""
    stuck = HeldRasa()
    await stuck.start()
    fast = await slow_rasas(0.0)
    port = free_port()
    env = {**os.environ, **KEYS, **LIMITS_OFF, "REDIS_URL": redis_server.url, "PORT": str(port),
           "RASA_URL": stuck.url, "ACTION_SERVER_URL": stuck.url, "RASA_CONCURRENCY": "1",
           "RASA_BUSY_NOTICE": "0.1", "RASA_WAIT_CLAIM_SECONDS": "2", "RASA_WARMUP_CONVERSATIONS": "0",
           "SPOOL_DIR": tempfile.mkdtemp(prefix="test-spool-"), "LOG_LEVEL": "WARNING", "TELEGRAM_BOT_TOKEN": ""}
    proc = gateway_process(env)
    try:
        await asyncio.to_thread(wait_port, port, 60)
        url = f"http://127.0.0.1:{port}"
        holder = asyncio.create_task(chat(http, url, "perf-replica-holder", "hova fordulhatok?"))
        while stuck.calls < 1:  # it holds the stuck Rasa's only slot now
            await asyncio.sleep(0.05)
        waiting = [f"perf-replica-wait-{i}" for i in range(2)]
        for s in waiting:
            body = await chat(http, url, s, "hova fordulhatok?")
            assert {r["text"] for r in body["replies"]} <= busy_texts(), body
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        with contextlib.suppress(aiohttp.ClientError, AssertionError):
            await holder  # its connection died with the gateway: the page says "try again"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        stuck.release.set()
    survivor = await gateway_factory(RASA_URL=fast.url, ACTION_SERVER_URL=fast.url, RASA_WAIT_CLAIM_SECONDS=2,
                                     RASA_WARMUP_CONVERSATIONS=0)
    deadline = time.monotonic() + 15
    pending = set(waiting)
    while pending and time.monotonic() < deadline:
        for s in list(pending):
            async with http.get(f"{survivor.url}/api/chat/{s}/messages", params={"after": "0"}) as r:
                if f"answer from {fast.port}" in [m["text"] for m in (await r.json())["messages"]]:
                    pending.discard(s)
        await asyncio.sleep(0.2)
    await stuck.stop()
    assert not pending, f"lost with the killed gateway: {sorted(pending)}"
    for s in waiting:  # answered once, not once per replica
        async with http.get(f"{survivor.url}/api/chat/{s}/messages", params={"after": "0"}) as r:
            assert [m["text"] for m in (await r.json())["messages"]].count(f"answer from {fast.port}") == 1
