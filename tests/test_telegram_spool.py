"""Telegram while Redis is down: the webhook spools
the update to disk and answers 200 at once; 112 and the "kept" notice go out from the spool;
the update is replayed into the inbox when Redis is back; a redelivered update is answered
once, during the outage and after it."""
from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import aiohttp

from bot import texts
from bot.appkeys import GATEWAY
from tests.conftest import RedisServer
from tests.fake_telegram import FakeBotAPI
from tests.stand_ins import StandInRasa
from tests.test_lost_danger import DANGER, tg_env, wait_state

SECRET = "spool-secret-0123456789"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


def kill_redis(server: RedisServer) -> None:
    assert server.proc is not None
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(10)
    server.proc = None


async def post(http: aiohttp.ClientSession, url: str, update: dict) -> int:
    async with http.post(f"{url}/telegram/webhook", json=update, headers=HEADERS) as resp:
        return resp.status


def spooled(directory: str) -> list[str]:
    return [n for n in os.listdir(directory) if n.endswith(".msg")] if os.path.isdir(directory) else []


async def test_webhook_redelivery_while_redis_is_down_is_answered_once(
        gateway_factory, fake_telegram: FakeBotAPI, redis_server: RedisServer, http: aiohttp.ClientSession,
        tmp_path) -> None:
    spool = str(tmp_path / "spool")
    gw = await gateway_factory(**tg_env(fake_telegram, TELEGRAM_WEBHOOK_URL="https://example.invalid/telegram/webhook",
                                        TELEGRAM_WEBHOOK_SECRET=SECRET), SPOOL_DIR=spool)
    chat = 730001
    update = fake_telegram.update(chat, DANGER)
    emergency, kept = texts.text("emergency", "hu"), texts.text("store_unavailable", "hu")
    kill_redis(redis_server)
    try:
        assert await post(http, gw.url, update) == 200
        sent = await fake_telegram.wait_for(chat, 2, timeout=20)
        assert sent[:2] == [emergency, kept], sent  # 112 first, then "kept", while Redis is down
        await asyncio.sleep(1.5)  # longer than that took: Telegram's redelivery of the same update
        assert await post(http, gw.url, update) == 200
        await asyncio.sleep(1.0)
    finally:
        redis_server.start()
    pid = gw.app[GATEWAY].pid("telegram", chat)
    assert await wait_state(redis_server.url, pid, "queued") == "queued"
    deadline = time.monotonic() + 20
    while spooled(os.path.join(spool, "telegram")) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not spooled(os.path.join(spool, "telegram"))
    await fake_telegram.wait_for(chat, 3, timeout=20)  # the answer of the replayed update
    # Redelivered once more after the outage: the seen mark carried into Redis holds it.
    assert await post(http, gw.url, update) == 200
    await asyncio.sleep(1.5)
    sent = fake_telegram.texts_to(chat)
    assert sent[0] == emergency
    assert sent.count(emergency) == 1 and sent.count(kept) == 1, sent
    assert len(sent) == len(set(sent)), sent  # no answer twice


async def test_spooled_updates_survive_a_gateway_kill(fake_telegram: FakeBotAPI, redis_server: RedisServer,
                                                      redis, http: aiohttp.ClientSession, tmp_path) -> None:
    """The 200 now comes before the 112: a gateway killed (-9) right after it must still
    answer from the disk spool once it runs again."""
    import subprocess
    import sys

    from bot.config import ROOT
    from bot.ids import pseudonymise
    from tests.conftest import KEYS, free_port, wait_port

    port = free_port()
    env = {**os.environ, **KEYS, **tg_env(fake_telegram, TELEGRAM_WEBHOOK_URL="https://example.invalid/telegram/webhook",
                                          TELEGRAM_WEBHOOK_SECRET=SECRET),
           "REDIS_URL": redis_server.url, "PORT": str(port), "SPOOL_DIR": str(tmp_path / "spool"),
           "LOG_LEVEL": "WARNING"}

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    proc = start()
    try:
        await asyncio.to_thread(wait_port, port, 90)  # a hang guard: a start took 30 s on a loaded machine
        kill_redis(redis_server)
        chats = list(range(731000, 731008))
        for chat in chats:
            assert await post(http, f"http://127.0.0.1:{port}", fake_telegram.update(chat, DANGER)) == 200
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        redis_server.start()
        proc = start()
        await asyncio.to_thread(wait_port, port, 90)  # a hang guard: a start took 30 s on a loaded machine
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if all(any("112" in t for t in fake_telegram.texts_to(c)) for c in chats):
                break
            await asyncio.sleep(0.2)
        assert [c for c in chats if not any("112" in t for t in fake_telegram.texts_to(c))] == []
        for chat in chats:
            assert fake_telegram.texts_to(chat)[0] == texts.text("emergency", "hu")  # 112 first
            pid = pseudonymise(KEYS["PSEUDONYM_KEY"].encode(), "telegram", chat)
            assert await wait_state(redis_server.url, pid, "queued") == "queued"  # nothing lost
    finally:
        if redis_server.proc is None:
            redis_server.start()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


async def test_kept_messages_replay_danger_first_each_chat_in_order(gateway_factory, redis_server: RedisServer,
                                                                   tmp_path) -> None:
    """After an outage, kept messages are replayed a few conversations at once, the ones with
    danger first (one by one, each waiting on Rasa, a danger chat was not queued 40 s later)."""
    import dataclasses

    from bot.inbound import Inbound
    from bot.spool_replay import SpoolReplay
    from tests.conftest import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead, SPOOL_DIR=str(tmp_path / "kept"))
    g = gw.app[GATEWAY]

    def keep(session: str, text: str) -> None:
        msg = Inbound(channel="web", chat_id=session, text=text, route={"channel": "web"})
        g.kept.spool.put(dataclasses.asdict(msg))

    # Written with no await in between: the replay loop cannot take them before we look.
    keep("replay-ordinary-0", "szia")
    keep("replay-ordinary-1", "hova fordulhatok?")
    keep("replay-danger-000", DANGER)
    keep("replay-ordinary-0", "köszönöm")
    groups = SpoolReplay(g.kept, g, g.deferred)._replay_groups()
    assert [m.chat_id for _, m in groups[0]] == ["replay-danger-000"]
    first = next(items for items in groups if items[0][1].chat_id == "replay-ordinary-0")
    assert [m.text for _, m in first] == ["szia", "köszönöm"]
    danger = g.pid("web", "replay-danger-000")
    assert await wait_state(redis_server.url, danger, "queued") == "queued"
    deadline = time.monotonic() + 10
    while spooled(str(tmp_path / "kept")) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not spooled(str(tmp_path / "kept"))


class HeldRasa(StandInRasa):
    """Rasa and the action server in one: answers at once, except one conversation's first
    message, held until the test lets it go (Redis is killed meanwhile)."""

    ANSWER = "Szia! Miben segíthetek?"

    def __init__(self, hold_sender: str) -> None:
        super().__init__()
        self.hold_sender = hold_sender
        self.asked = asyncio.Event()
        self.release = asyncio.Event()

    async def answer(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        if body.get("sender") == self.hold_sender and not self.asked.is_set():
            self.asked.set()
            await self.release.wait()
        return [{"recipient_id": body.get("sender"), "text": self.ANSWER}]

    async def stop(self) -> None:
        self.release.set()
        await super().stop()


async def test_update_in_work_when_redis_dies_is_answered_once(
        gateway_factory, fake_telegram: FakeBotAPI, redis_server: RedisServer, http: aiohttp.ClientSession,
        tmp_path) -> None:
    """An update already in the inbox and waiting on Rasa when Redis is killed: the person
    hears "kept", then one answer; on `main` the gateway kept it *and* the inbox took it over
    again after Redis returned: the answer came twice (the chaos run's duplicates)."""
    from bot.ids import pseudonymise
    from tests.conftest import KEYS

    chat = 732001
    rasa = HeldRasa(pseudonymise(KEYS["PSEUDONYM_KEY"].encode(), "telegram", chat))
    await rasa.start()
    try:
        env = {**tg_env(fake_telegram, TELEGRAM_WEBHOOK_URL="https://example.invalid/telegram/webhook",
                        TELEGRAM_WEBHOOK_SECRET=SECRET, TELEGRAM_CLAIM_IDLE_SECONDS="2",
                        RASA_WARMUP_CONVERSATIONS="0"),
               "RASA_URL": rasa.url, "ACTION_SERVER_URL": rasa.url, "SPOOL_DIR": str(tmp_path / "spool")}
        gw = await gateway_factory(**env)
        assert await post(http, gw.url, fake_telegram.update(chat, "szia")) == 200
        await asyncio.wait_for(rasa.asked.wait(), 20)  # in the inbox, being answered
        kill_redis(redis_server)
        try:
            rasa.release.set()  # Rasa answers; recording the answer fails: Redis is gone
            await fake_telegram.wait_for(chat, 1, timeout=20)
            await asyncio.sleep(4.0)  # down long enough for every retry of the entry's acknowledgement
        finally:
            redis_server.start()
        deadline = time.monotonic() + 20
        while HeldRasa.ANSWER not in fake_telegram.texts_to(chat) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(6)  # past the inbox's takeover time (2 s) and a replay round or two
        sent = fake_telegram.texts_to(chat)
        assert sent.count(HeldRasa.ANSWER) == 1, sent
        assert sent.count(texts.text("store_unavailable", "hu")) == 1, sent
    finally:
        await rasa.stop()


async def test_cannot_phone_while_redis_is_down_on_telegram_hears_what_works_without_a_call(
        gateway_factory, fake_telegram: FakeBotAPI, redis_server: RedisServer, tmp_path) -> None:
    """The web chat's "kept" answer adds what works without a call (okit@ncsszi.hu, a trusted
    adult) to "I can't phone"; Telegram's spool said only "kept" until Redis came back."""
    await gateway_factory(**tg_env(fake_telegram), SPOOL_DIR=str(tmp_path / "spool"))
    chat = 730009
    kill_redis(redis_server)
    try:
        fake_telegram.user_message(chat, "nem tudok telefonálni, apa itt van")
        sent = await fake_telegram.wait_for(chat, 1, timeout=20)
        assert texts.text("store_unavailable", "hu") in sent[0]
        assert texts.text("no_phone_outage", "hu") in sent[0], sent
    finally:
        redis_server.start()
