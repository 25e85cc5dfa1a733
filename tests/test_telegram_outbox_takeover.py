"""A reply a killed gateway replica was sending is sent by a live one within seconds, once.

The outbox (``bot.telegram_outbox``) takes a dead replica's pending replies as soon as its
liveness lease (``bot.replica_lease``, 3 s) lapsed, in one atomic claim, instead of after the
outbox's idle time (30 s); a live replica's replies still wait for that idle time (a send
parked on Telegram's 429 is not a crash). Real Redis, a real ``kill -9``.
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
from aiohttp import web
from redis.asyncio import Redis

from bot import keys
from bot import telegram_streams as streams
from bot.appkeys import TELEGRAM
from bot.replica_lease import ReplicaLease
from tests.conftest import KEYS, LIMITS_OFF, RedisServer, free_port, wait_port
from tests.fake_telegram import FakeBotAPI
from tests.test_lost_danger import dead_url, tg_env
from tests.test_shutdown import _start, _stop
from tests.test_telegram_takeover import SECRET, WEBHOOK, steady


class StuckBotAPI(FakeBotAPI):
    """The Bot API as seen from a replica whose sends hang (a network partition): it starts,
    but a ``sendMessage`` is never answered, so the reply stays pending under its name."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = asyncio.Event()
        self._released = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "sendMessage":
            self.asked.set()
            await self._released.wait()
            return web.json_response({"ok": False, "error_code": 502, "description": "stuck"}, status=502)
        return await super()._handle(request)

    async def stop(self) -> None:
        self._released.set()  # else the server's shutdown waits a minute for the hung sends
        await super().stop()


async def outbox_owners(redis: Redis, count: int = 10) -> list[str]:
    pending = await redis.xpending_range(keys.telegram_outbox(), keys.TELEGRAM_OUTBOX_GROUP, "-", "+", count)
    return [p["consumer"].decode() for p in pending]


async def test_a_reply_in_sending_at_a_kill_is_sent_by_the_other_replica_within_seconds(
        gateway_factory, fake_telegram: FakeBotAPI, redis_server: RedisServer, redis: Redis,
        http: aiohttp.ClientSession) -> None:
    """Gateway A (a real process) answers an update ("bot unavailable": Rasa is down), its
    reply waits in the outbox on a send that hangs; ``kill -9``; gateway B sends it seconds
    after it is up (its own lease steady, A's lapsed), not after the 30 s idle time."""
    stuck = StuckBotAPI()
    await stuck.start(free_port())
    port = free_port()
    dead = dead_url()
    env = {**KEYS, **LIMITS_OFF, **WEBHOOK, "REDIS_URL": redis_server.url, "PORT": str(port),
           "LOG_LEVEL": "WARNING", "TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_API_BASE_URL": stuck.url,
           "RASA_URL": dead, "ACTION_SERVER_URL": dead, "RASA_WARMUP_CONVERSATIONS": "0",
           "SPOOL_DIR": tempfile.mkdtemp(prefix="test-spool-")}
    proc = _start(env)
    try:
        await asyncio.to_thread(wait_port, port, 30)
        chat = 741001
        async with http.post(f"http://127.0.0.1:{port}/telegram/webhook", json=fake_telegram.update(chat, "szia"),
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
            assert resp.status == 200
        await asyncio.wait_for(stuck.asked.wait(), 20)  # A is sending the reply
        owners = await outbox_owners(redis)
        assert len(owners) == 1, owners  # pending under A's name
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        gw = await gateway_factory(**tg_env(fake_telegram, **WEBHOOK, TELEGRAM_CLAIM_IDLE_SECONDS="60"))
        up = time.monotonic()
        await fake_telegram.wait_for(chat, 1, timeout=12)
        took = time.monotonic() - up
        assert took < 8.0, f"sent {took:.1f} s after the other gateway was up"
        await asyncio.sleep(1.5)
        assert len(fake_telegram.texts_to(chat)) == 1, fake_telegram.texts_to(chat)  # once
        assert await redis.xlen(keys.telegram_outbox()) == 0  # sent and acknowledged
        assert gw.app[TELEGRAM].outbox.lease is gw.app[TELEGRAM].lease
    finally:
        _stop(proc)
        await stuck.stop()


async def _pending_reply(redis: Redis, channel: Any, consumer: str, chat: int) -> None:
    """A reply in the outbox, taken (pending) by ``consumer`` in one transaction, so the
    gateway's own reader never sees it as new."""
    body = {"pid": "p", "chat_id": chat, "text": "Szia!", "buttons": [], "urgent": False}
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(keys.telegram_outbox(), {"d": channel.sealer.seal(body)})
        pipe.xreadgroup(keys.TELEGRAM_OUTBOX_GROUP, consumer, {keys.telegram_outbox(): ">"}, count=1)
        await pipe.execute()


async def test_a_live_replicas_reply_waits_for_the_idle_time(gateway_factory, fake_telegram: FakeBotAPI,
                                                             redis: Redis) -> None:
    """A replica still renewing its lease (its send parked on a 429, say) keeps its reply."""
    gw = await gateway_factory(**tg_env(fake_telegram, **WEBHOOK))
    channel = gw.app[TELEGRAM]
    await steady(channel)
    live = "parked-host-4545"

    renewer = asyncio.create_task(ReplicaLease(redis, live).run())  # the real lease, renewed every second
    try:
        await asyncio.sleep(0.2)
        chat = 741101
        await _pending_reply(redis, channel, live, chat)
        await asyncio.sleep(4.0)  # more than a lease time and a takeover round
        assert fake_telegram.texts_to(chat) == [], "a live replica's reply was taken before the idle time"
        assert await outbox_owners(redis) == [live]
    finally:
        renewer.cancel()


async def test_two_live_replicas_take_a_dead_ones_replies_once(redis: Redis) -> None:
    """The takeover is one atomic claim: two replicas racing for a dead one's replies split
    them, none is taken by both."""
    await streams.ensure_groups(redis)
    dead = "gone-host-4646"
    await redis.zadd(keys.replicas(), {dead: int(time.time() * 1000)})  # held a lease; no longer
    stream, group = keys.telegram_outbox(), keys.TELEGRAM_OUTBOX_GROUP
    for i in range(40):
        await redis.xadd(stream, {"d": f"reply-{i}"})
    await redis.xreadgroup(group, dead, {stream: ">"}, count=100)
    leases = [ReplicaLease(redis, f"live-host-{n}", ttl=1.0) for n in (1, 2)]
    runs = [asyncio.create_task(lease.run()) for lease in leases]
    try:
        deadline = time.monotonic() + 10
        while not all(lease.steady for lease in leases):
            assert time.monotonic() < deadline, "the leases never became steady"
            await asyncio.sleep(0.05)
        taken: list[list[Any]] = [[], []]
        for _ in range(5):  # several racing rounds, as the senders' loops do
            a, b = await asyncio.gather(*(lease.take_over(stream, group, count=7) for lease in leases))
            taken[0] += a
            taken[1] += b
        ids = [entry_id for side in taken for entry_id, _ in side]
        assert len(ids) == 40 and len(set(ids)) == 40, (len(ids), len(set(ids)))
        owners = await outbox_owners(redis, 100)
        assert len(owners) == 40 and set(owners) <= {"live-host-1", "live-host-2"}, owners
    finally:
        for run in runs:
            run.cancel()



async def test_a_restarted_gateway_of_the_same_name_sends_its_own_cut_short_reply_at_once(
        gateway_factory, fake_telegram: FakeBotAPI, redis: Redis) -> None:
    """A container restarted after a crash keeps its hostname and the gateway is pid 1 there,
    so the new process has the dead one's consumer name: its pending replies are its own."""
    from bot.crypto import Sealer

    chat = 741201
    await streams.ensure_groups(redis)
    consumer = f"{socket.gethostname()}-{os.getpid()}"  # what the gateway below will call itself
    sealer = Sealer(KEYS["DATA_ENCRYPTION_KEYS"].split(","))
    body = {"pid": "p", "chat_id": chat, "text": "Szia!", "buttons": [], "urgent": False}
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(keys.telegram_outbox(), {"d": sealer.seal(body)})
        pipe.xreadgroup(keys.TELEGRAM_OUTBOX_GROUP, consumer, {keys.telegram_outbox(): ">"}, count=1)
        await pipe.execute()
    gw = await gateway_factory(**tg_env(fake_telegram, **WEBHOOK))
    assert gw.app[TELEGRAM].consumer == consumer
    up = time.monotonic()
    await fake_telegram.wait_for(chat, 1, timeout=10)
    assert time.monotonic() - up < 8.0  # not after the 30 s idle time (however slow the start was)


async def test_an_updates_answer_is_queued_with_its_acknowledgement(
        gateway_factory, fake_telegram: FakeBotAPI, redis: Redis, http: aiohttp.ClientSession) -> None:
    """The answer enters the outbox in the transaction that marks its inbox entry done: once the
    reply is being sent, a replica killed now leaves nothing for a takeover to answer again
    (the first test's rare double: the kill landed between the two). The step after the
    answer (remembering the message id for /torles) is held here, where the kill would land."""
    gw = await gateway_factory(**tg_env(fake_telegram, **WEBHOOK))
    channel = gw.app[TELEGRAM]
    held = asyncio.Event()
    remember = channel.outbox.remember_id

    async def slow_remember(chat_id: int, message_id: int) -> None:
        if chat_id == chat:
            await held.wait()
        await remember(chat_id, message_id)

    channel.outbox.remember_id = slow_remember
    chat = 741301
    update = fake_telegram.update(chat, "szia")
    try:
        async with http.post(f"{gw.url}/telegram/webhook", json=update,
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
            assert resp.status == 200
        await fake_telegram.wait_for(chat, 1, timeout=10)  # the reply went out of the outbox
        assert await redis.exists(keys.telegram_done(update["update_id"])) == 1
        assert await redis.xlen(keys.telegram_inbox()) == 0  # acknowledged and deleted
    finally:
        held.set()
