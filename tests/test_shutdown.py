"""SIGTERM stops a gateway with Telegram quickly and loses nothing it kept.

A deploy or a restart sends SIGTERM; a process that takes more than a few seconds to
stop gets SIGKILLed by its supervisor, and a slow stop also delays the new process
that would answer. The update the old process was still working on stays in the
inbox (unacknowledged) and the next process answers it.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp

from bot.config import ROOT
from tests.conftest import KEYS, LIMITS_OFF, RedisServer, free_port, wait_port
from tests.fake_telegram import FakeBotAPI
from tests.stand_ins import StandInRasa

SECRET = "s3cret-s3cret-s3cret"


class HangingRasa(StandInRasa):
    """Rasa and the action server in one: healthy, but a message is never answered."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = asyncio.Event()

    async def answer(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        self.asked.set()
        await asyncio.sleep(3600)
        return []


class SwallowingRedis:
    """The shared client, except that a cancelled XREADGROUP returns normally: what redis-py
    8.1 did now and then under load (a gateway then took > 10 s to stop, see the module)."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def xreadgroup(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await self._real.xreadgroup(*args, **kwargs)
        except asyncio.CancelledError:
            return None


async def test_telegram_stop_does_not_wait_for_a_loop_whose_cancel_was_swallowed(
        gateway_factory, fake_telegram: FakeBotAPI) -> None:
    from bot.app import TELEGRAM

    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(TELEGRAM_BOT_TOKEN="123456:TEST", TELEGRAM_API_BASE_URL=fake_telegram.url,
                               RASA_URL=dead, ACTION_SERVER_URL=dead)
    channel = gw.app[TELEGRAM]
    real = channel.redis
    channel.redis = channel.outbox.redis = SwallowingRedis(real)
    await asyncio.sleep(0.3)  # both loops are inside XREADGROUP now
    started = time.monotonic()
    stopping = asyncio.create_task(channel.stop())
    await asyncio.wait([stopping], timeout=8)  # not wait_for: the old stop() ate its cancel too
    took = time.monotonic() - started if stopping.done() else float("inf")
    channel.redis = channel.outbox.redis = real
    for task in channel._tasks:  # on the old code the loops still run: end them for teardown
        task.cancel()
    await asyncio.wait([stopping], timeout=10)
    assert took < 2.5, f"stop() took {took:.1f} s"
    assert all(t.done() for t in channel._tasks)


def _start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


async def _exit_seconds(proc: subprocess.Popen[bytes], limit: float = 20.0) -> float:
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    while proc.poll() is None and time.monotonic() - started < limit:
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_sigterm_stops_quickly_and_the_update_in_work_is_answered_after_restart(
        fake_telegram: FakeBotAPI, redis_server: RedisServer, redis, http: aiohttp.ClientSession) -> None:
    rasa = HangingRasa()
    await rasa.start()
    port = free_port()
    env = {**KEYS, **LIMITS_OFF, "REDIS_URL": redis_server.url, "PORT": str(port), "LOG_LEVEL": "WARNING",
           "TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_API_BASE_URL": fake_telegram.url,
           "TELEGRAM_WEBHOOK_URL": "https://example.invalid/telegram/webhook", "TELEGRAM_WEBHOOK_SECRET": SECRET,
           "RASA_URL": rasa.url, "ACTION_SERVER_URL": rasa.url, "RASA_TIMEOUT": "60",
           "SPOOL_DIR": tempfile.mkdtemp(), "TELEGRAM_CLAIM_IDLE_SECONDS": "2"}
    proc = _start(env)
    try:
        await asyncio.to_thread(wait_port, port, 90)  # a hang guard: a start took 30 s on a loaded machine
        async with http.post(f"http://127.0.0.1:{port}/telegram/webhook", json=fake_telegram.update(730001, "szia"),
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
            assert resp.status == 200
        await asyncio.wait_for(rasa.asked.wait(), 20)  # the update is being worked on
        took = await _exit_seconds(proc)
        assert proc.poll() is not None, "still running 20 s after SIGTERM"
        assert took < 3.0, f"SIGTERM took {took:.1f} s"
        assert fake_telegram.texts_to(730001) == []  # not answered yet: the work was interrupted

        dead = f"http://127.0.0.1:{free_port()}"  # the next process: Rasa down, it answers at once
        proc = _start({**env, "RASA_URL": dead, "ACTION_SERVER_URL": dead})
        await asyncio.to_thread(wait_port, port, 90)  # a hang guard: a start took 30 s on a loaded machine
        sent = await fake_telegram.wait_for(730001, 1, timeout=40)  # taken over after the claim idle time
        assert sent
    finally:
        _stop(proc)
        await rasa.stop()


async def test_a_stopped_gateway_leaves_no_redis_connection_open(redis, redis_server: RedisServer) -> None:
    """The app closes its Redis pool at cleanup: every connection it opened is gone from the
    server at once, not when the garbage collector finds the pool (a ResourceWarning then)."""
    import gc

    from tests.conftest import make_settings, start_gateway

    async def clients() -> int:
        return len(await redis.client_list())

    gc.collect()
    before = await clients()
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await start_gateway(make_settings(REDIS_URL=redis_server.url, PORT=free_port(), RASA_URL=dead,
                                           ACTION_SERVER_URL=dead, SPOOL_DIR=tempfile.mkdtemp(prefix="test-spool-")))
    async with aiohttp.ClientSession() as http, http.post(f"{gw.url}/api/chat", json={"session": "pool-0001",
                                                                                      "text": "szia"}) as resp:
        assert resp.status == 200
    assert await clients() > before  # the app's own connections (the hub's read, the request's)
    await gw.runner.cleanup()
    deadline = time.monotonic() + 5
    while await clients() > before and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # the server sees a closed socket within moments
    assert await clients() == before


class LostCancelRedis(SwallowingRedis):
    """The shared client, except that a cancelled XREAD returns an empty reply: what redis-py
    does on Python 3.11 when the cancellation meets its write's ``asyncio.wait_for`` as the
    write completes (bot.background.stop_requested)."""

    def __init__(self, real: Any) -> None:
        super().__init__(real)
        self.inside = asyncio.Event()

    async def xread(self, *args: Any, **kwargs: Any) -> Any:
        self.inside.set()
        try:
            return await self._real.xread(*args, **kwargs)
        except asyncio.CancelledError:
            return []


async def test_the_console_hub_stops_when_a_cancel_is_lost_in_redis(gateway_factory) -> None:
    from bot.appkeys import HUB

    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    hub = gw.app[HUB]
    hub.redis = lost = LostCancelRedis(hub.redis)
    await asyncio.wait_for(lost.inside.wait(), 5)  # the read loop's next XREAD is the lossy one
    await hub.stop()
    running = [t.get_name() for t in hub._tasks if not t.done()]
    for task in hub._tasks:  # on the old code the read loop runs on: end it for the teardown
        task.cancel()
    await asyncio.gather(*hub._tasks, return_exceptions=True)
    # The lossy read left its connection half-closed inside redis-py (it was cancelled mid-read):
    # close the pool's sockets now, not in a later test's garbage collection.
    await lost._real.connection_pool.disconnect()
    assert running == []


async def test_the_handoff_stops_its_tracker_events_to_a_rasa_that_never_answers(gateway_factory) -> None:
    from bot.appkeys import HANDOFF

    arrived = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        arrived.set()
        await reader.read()  # until the gateway hangs up
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        gw = await gateway_factory(RASA_URL=f"http://127.0.0.1:{port}",
                                   ACTION_SERVER_URL=f"http://127.0.0.1:{free_port()}")
        handoff = gw.app[HANDOFF]
        handoff._rasa_event("we-" + "0" * 32, "pause")
        tasks = list(handoff._background)
        await asyncio.wait_for(arrived.wait(), 5)
        await handoff.stop()
        assert tasks and all(t.done() for t in tasks)
    finally:
        server.close()
        await server.wait_closed()
