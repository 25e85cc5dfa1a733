"""A Telegram update a dead gateway replica was working on moves to a live one at once.

Each replica holds a 3 s liveness lease in Redis (bot.replica_lease); the inbox entries of a
consumer whose lease lapsed are taken on the next round, not after
``TELEGRAM_CLAIM_IDLE_SECONDS`` (15 s). A live replica's entries still wait for that idle time:
a slow Rasa must not make two replicas answer one update. Real Redis, a real ``kill -9``.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import tempfile
import time
from typing import Any

import aiohttp
from redis.asyncio import Redis

from bot import keys
from bot.appkeys import TELEGRAM
from bot.replica_lease import ReplicaLease
from tests.conftest import KEYS, LIMITS_OFF, RedisServer, free_port, wait_port
from tests.fake_telegram import FakeBotAPI
from tests.test_lost_danger import tg_env
from tests.test_shutdown import HangingRasa, _start, _stop

SECRET = "takeover-secret-0123456789"
WEBHOOK = {"TELEGRAM_WEBHOOK_URL": "https://example.invalid/telegram/webhook", "TELEGRAM_WEBHOOK_SECRET": SECRET}


async def steady(channel: Any, timeout: float = 15.0) -> None:
    """Wait until the gateway's own lease has been held for a lease time (it judges others)."""
    deadline = time.monotonic() + timeout
    while not channel.lease.steady:
        assert time.monotonic() < deadline, "the gateway's lease never became steady"
        await asyncio.sleep(0.05)


async def pending_for(redis: Redis, channel: Any, consumer: str, update: dict[str, Any]) -> None:
    """Put ``update`` into the inbox as taken (pending) by ``consumer``, in one transaction, so
    the gateway's own reader never sees it as new."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(keys.telegram_inbox(), {"d": channel.sealer.seal(update)})
        pipe.xreadgroup(keys.TELEGRAM_INBOX_GROUP, consumer, {keys.telegram_inbox(): ">"}, count=1)
        await pipe.execute()


async def owner(redis: Redis) -> list[str]:
    pending = await redis.xpending_range(keys.telegram_inbox(), keys.TELEGRAM_INBOX_GROUP, "-", "+", 10)
    return [p["consumer"].decode() for p in pending]


async def test_a_dead_replicas_update_is_taken_at_once_and_an_answered_one_not_again(
        gateway_factory, fake_telegram: FakeBotAPI, redis: Redis) -> None:
    gw = await gateway_factory(**tg_env(fake_telegram, **WEBHOOK))  # claim idle: the default 15 s
    channel = gw.app[TELEGRAM]
    await steady(channel)
    dead = "gone-host-4242"
    await redis.zadd(keys.replicas(), {dead: int(time.time() * 1000)})  # it held a lease; no longer
    answered = fake_telegram.update(740002, "szia")
    await redis.set(keys.telegram_done(answered["update_id"]), "1")  # answered before it died
    await pending_for(redis, channel, dead, answered)
    chat = 740001
    started = time.monotonic()
    await pending_for(redis, channel, dead, fake_telegram.update(chat, "szia"))
    await fake_telegram.wait_for(chat, 1, timeout=6)
    took = time.monotonic() - started
    assert fake_telegram.texts_to(chat), "not taken over within 6 s"
    assert took < 4.0, f"taken over after {took:.1f} s"
    await asyncio.sleep(1.0)
    assert fake_telegram.texts_to(740002) == []  # the dedupe by update_id holds on a takeover
    assert await redis.xlen(keys.telegram_inbox()) == 0  # both done and acknowledged


async def test_a_live_replicas_update_waits_for_the_idle_time(gateway_factory, fake_telegram: FakeBotAPI,
                                                              redis: Redis) -> None:
    gw = await gateway_factory(**tg_env(fake_telegram, **WEBHOOK, TELEGRAM_CLAIM_IDLE_SECONDS="5"))
    channel = gw.app[TELEGRAM]
    await steady(channel)
    live = "busy-host-4343"  # working on it, slowly (a slow Rasa): its lease is renewed

    renewer = asyncio.create_task(ReplicaLease(redis, live).run())  # the real lease, renewed every second
    try:
        await asyncio.sleep(0.2)
        chat = 740101
        started = time.monotonic()
        await pending_for(redis, channel, live, fake_telegram.update(chat, "szia"))
        await asyncio.sleep(3.5)
        assert fake_telegram.texts_to(chat) == [], "a live replica's update was taken before the idle time"
        assert await owner(redis) == [live]
        await fake_telegram.wait_for(chat, 1, timeout=15)  # after the idle time, as before
        assert fake_telegram.texts_to(chat)
        assert time.monotonic() - started >= 5.0
    finally:
        renewer.cancel()


async def test_an_update_in_work_at_a_kill_is_answered_by_the_other_replica_within_seconds(
        gateway_factory, fake_telegram: FakeBotAPI, redis_server: RedisServer, http: aiohttp.ClientSession) -> None:
    """Gateway A (a real process) takes the update and waits on a Rasa that never answers;
    ``kill -9``; gateway B answers it seconds after it is up (its own lease steady, A's lapsed)."""
    rasa = HangingRasa()
    await rasa.start()
    port = free_port()
    env = {**KEYS, **LIMITS_OFF, **WEBHOOK, "REDIS_URL": redis_server.url, "PORT": str(port),
           "LOG_LEVEL": "WARNING", "TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_API_BASE_URL": fake_telegram.url,
           "RASA_URL": rasa.url, "ACTION_SERVER_URL": rasa.url, "RASA_TIMEOUT": "60",
           "RASA_WARMUP_CONVERSATIONS": "0", "SPOOL_DIR": tempfile.mkdtemp(prefix="test-spool-")}
    proc = _start(env)
    try:
        await asyncio.to_thread(wait_port, port, 90)  # a hang guard: a start took 30 s on a loaded machine
        chat = 740201
        async with http.post(f"http://127.0.0.1:{port}/telegram/webhook", json=fake_telegram.update(chat, "szia"),
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
            assert resp.status == 200
        await asyncio.wait_for(rasa.asked.wait(), 20)  # in work on A
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        # B: Rasa down, it answers at once. A long idle time, so that however slow B's start
        # on a busy machine, only the lapsed lease can explain a quick answer.
        await gateway_factory(**tg_env(fake_telegram, **WEBHOOK, TELEGRAM_CLAIM_IDLE_SECONDS="60"))
        up = time.monotonic()
        await fake_telegram.wait_for(chat, 1, timeout=12)
        took = time.monotonic() - up
        assert took < 8.0, f"answered {took:.1f} s after the other gateway was up"
    finally:
        _stop(proc)
        await rasa.stop()


async def test_a_restarted_gateway_of_the_same_name_answers_its_own_cut_short_update_at_once(
        gateway_factory, fake_telegram: FakeBotAPI, redis: Redis) -> None:
    """A container restarted after a crash keeps its hostname and the gateway is pid 1 there,
    so the new process has the dead one's consumer name: its pending entries are its own."""
    from bot.crypto import Sealer

    chat = 740301
    await redis.xgroup_create(keys.telegram_inbox(), keys.TELEGRAM_INBOX_GROUP, id="0", mkstream=True)
    consumer = f"{socket.gethostname()}-{os.getpid()}"  # what the gateway below will call itself
    sealer = Sealer(KEYS["DATA_ENCRYPTION_KEYS"].split(","))
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(keys.telegram_inbox(), {"d": sealer.seal(fake_telegram.update(chat, "szia"))})
        pipe.xreadgroup(keys.TELEGRAM_INBOX_GROUP, consumer, {keys.telegram_inbox(): ">"}, count=1)
        await pipe.execute()
    gw = await gateway_factory(**tg_env(fake_telegram, **WEBHOOK, TELEGRAM_CLAIM_IDLE_SECONDS="60"))
    assert gw.app[TELEGRAM].consumer == consumer
    up = time.monotonic()
    await fake_telegram.wait_for(chat, 1, timeout=10)
    assert time.monotonic() - up < 8.0  # not after the idle time (however slow the start was)


async def test_the_lease_judges_others_again_after_a_short_redis_outage(redis_server: RedisServer,
                                                                        redis: Redis) -> None:
    """A renewal that failed ends the unbroken run (no judging for a lease time), and the next
    good ones start a new run, even when the key outlived the outage (AOF reload)."""
    from tests.test_telegram_spool import kill_redis

    lease = ReplicaLease(redis, "outage-host-1", ttl=3.0)
    task = asyncio.create_task(lease.run())
    try:
        deadline = time.monotonic() + 10
        while not lease.steady:
            assert time.monotonic() < deadline, "never steady"
            await asyncio.sleep(0.05)
        kill_redis(redis_server)
        await asyncio.sleep(1.2)  # at least one renewal fails; the key (3 s) outlives the outage
        assert not lease.steady
        redis_server.start()
        deadline = time.monotonic() + 10
        while not lease.steady:
            assert time.monotonic() < deadline, "not steady again 10 s after Redis came back"
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
