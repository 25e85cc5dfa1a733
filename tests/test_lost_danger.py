"""Lost or delayed danger (issue 11, items 1-10), each tried the way it broke: Redis
killed, a 429 for one chat, a gateway killed right after the webhook's 200, Redis
coming back empty, a removed operator, a blocked conversation, concurrent messages,
an unreadable record, a flood of messages with a button press among them."""
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
from cryptography.fernet import Fernet
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot import keys, texts
from bot.appkeys import GATEWAY, HANDOFF, VIEWS
from bot.config import ROOT
from bot.console.accounts import add_operator
from bot.crypto import Sealer
from bot.handoff.operators import Operator
from bot.screening import Level
from tests.conftest import KEYS, RedisServer, free_port, wait_port
from tests.fake_telegram import FakeBotAPI

DANGER = "most ugrok le a hídról, meg akarok halni"


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def tg_env(api: FakeBotAPI, **extra: str) -> dict[str, str]:
    dead = dead_url()
    return {"TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_API_BASE_URL": api.url,
            "RASA_URL": dead, "ACTION_SERVER_URL": dead, **extra}


async def chat(http: aiohttp.ClientSession, url: str, session: str, text: str | None = None,
               payload: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"session": session, "text": text or ""}
    if payload:
        body["payload"] = payload
    async with http.post(f"{url}/api/chat", json=body) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def messages(http: aiohttp.ClientSession, url: str, session: str) -> dict[str, Any]:
    async with http.get(f"{url}/api/chat/{session}/messages", params={"after": 0}) as resp:
        assert resp.status == 200
        return await resp.json()


async def wait_state(redis_url: str, pid: str, want: str, timeout: float = 20) -> str:
    client = Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            try:
                state = ((await client.hget(keys.conv(pid), "state")) or b"").decode()
            except (OSError, RedisError):
                state = "redis down or loading"
            if state == want:
                return state
            await asyncio.sleep(0.1)
        return state
    finally:
        await client.aclose()


# 1 -------------------------------------------------------------------------------
async def test_telegram_with_redis_down_gets_112_first_and_is_queued_later(
        gateway_factory, fake_telegram: FakeBotAPI, redis_server: RedisServer) -> None:
    gw = await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.user_message(710001, "szia")
    await fake_telegram.wait_for(710001, 1)
    redis_server.stop()
    try:
        fake_telegram.user_message(710001, DANGER)
        sent = await fake_telegram.wait_for(710001, 2, timeout=20)
        assert "112" in sent[1], sent  # the first answer to the danger message names 112
    finally:
        redis_server.start()
    pid = gw.app[GATEWAY].pid("telegram", 710001)
    assert await wait_state(redis_server.url, pid, "queued") == "queued"


# 2 -------------------------------------------------------------------------------
async def test_one_chats_429_does_not_delay_another_chats_112(gateway_factory, fake_telegram: FakeBotAPI) -> None:
    await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.fail_chat[710011] = [(429, {"parameters": {"retry_after": 25}})]
    fake_telegram.user_message(710011, "szia")
    for _ in range(100):  # chat A's reply has been tried and parked
        if not fake_telegram.fail_chat[710011]:
            break
        await asyncio.sleep(0.05)
    started = time.monotonic()
    fake_telegram.user_message(710012, DANGER)
    sent = await fake_telegram.wait_for(710012, 1, timeout=6)
    assert "112" in sent[0]
    assert time.monotonic() - started < 6


# 3 -------------------------------------------------------------------------------
def _gateway_process(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_webhook_updates_survive_a_kill_after_200(fake_telegram: FakeBotAPI, redis_server: RedisServer,
                                                        redis: Redis, http: aiohttp.ClientSession) -> None:
    port = free_port()
    env = {**KEYS, **tg_env(fake_telegram), "REDIS_URL": redis_server.url, "PORT": str(port),
           "TELEGRAM_WEBHOOK_URL": "https://example.invalid/telegram/webhook",
           "TELEGRAM_WEBHOOK_SECRET": "s3cret-s3cret-s3cret", "SPOOL_DIR": tempfile.mkdtemp(),
           "LOG_LEVEL": "WARNING", "TELEGRAM_CLAIM_IDLE_SECONDS": "2"}
    proc = _gateway_process(env)
    try:
        await asyncio.to_thread(wait_port, port, 90)  # a hang guard: a start took 30 s on a loaded machine
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-s3cret-s3cret"}
        chats = list(range(720000, 720040))
        for chat_id in chats:
            async with http.post(f"http://127.0.0.1:{port}/telegram/webhook",
                                 json=fake_telegram.update(chat_id, DANGER), headers=headers) as resp:
                assert resp.status == 200
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc = _gateway_process(env)
        await asyncio.to_thread(wait_port, port, 90)  # a hang guard: a start took 30 s on a loaded machine
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(any("112" in t for t in fake_telegram.texts_to(c)) for c in chats):
                break
            await asyncio.sleep(0.2)
        missing = [c for c in chats if not any("112" in t for t in fake_telegram.texts_to(c))]
        assert not missing, f"{len(missing)} of 40 never got 112"
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()  # never leave a gateway behind: it would read other tests' streams
                proc.wait(10)


async def test_polling_redelivery_is_answered_once(gateway_factory, fake_telegram: FakeBotAPI) -> None:
    """A restarted poller sees the same update again (offset not yet confirmed): one 112 only."""
    from bot.app import TELEGRAM

    first = await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.user_message(710021, DANGER)
    await fake_telegram.wait_for(710021, 1)
    await asyncio.sleep(0.5)
    await first.app[TELEGRAM].stop()  # the process "dies"; the fake still holds the update
    await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.user_message(710022, "szia")
    await fake_telegram.wait_for(710022, 1)  # the new poller has read everything by now
    await asyncio.sleep(1.0)
    assert fake_telegram.texts_to(710021).count(texts.text("emergency", "hu")) == 1


# 4 -------------------------------------------------------------------------------
async def test_outbox_group_recreated_after_redis_comes_back_empty(
        gateway_factory, fake_telegram: FakeBotAPI, redis: Redis, http: aiohttp.ClientSession) -> None:
    gw = await gateway_factory(**tg_env(fake_telegram))
    fake_telegram.user_message(710031, "szia")
    await fake_telegram.wait_for(710031, 1)
    await redis.flushall()
    fake_telegram.user_message(710031, DANGER)
    sent = await fake_telegram.wait_for(710031, 2, timeout=15)
    assert "112" in sent[1]
    async with http.get(f"{gw.url}/healthz") as resp:
        body = await resp.json()
    assert "telegram_outbox" in body["checks"]
    assert "backlog" in body["checks"]["telegram_outbox"]["detail"]
    async with http.get(f"{gw.url}/metrics") as resp:
        text = await resp.text()
    assert "gyermekvedo_telegram_outbox_backlog" in text and "gyermekvedo_telegram_outbox_oldest_age_seconds" in text


# 5 -------------------------------------------------------------------------------
async def test_messages_kept_while_redis_is_down_survive_a_gateway_crash(
        gateway_factory, http: aiohttp.ClientSession, redis_server: RedisServer) -> None:
    spool = tempfile.mkdtemp(prefix="test-spool-")
    dead = dead_url()
    first = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead, SPOOL_DIR=spool)
    session = "spool-session-000001"
    await chat(http, first.url, session, "szia")
    redis_server.stop()
    try:
        body = await chat(http, first.url, session, DANGER)
        assert body["replies"][0]["text"] == texts.text("emergency", "hu")
        assert texts.text("store_unavailable", "hu") in body["replies"][-1]["text"]
        # The gateway dies before Redis is back: nothing of its memory survives.
        first.app[GATEWAY].kept.pending.clear()
        await asyncio.wait_for(first.runner.cleanup(), 30)
    finally:
        redis_server.start()
    second = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead, SPOOL_DIR=spool)
    pid = second.app[GATEWAY].pid("web", session)
    assert await wait_state(redis_server.url, pid, "queued") == "queued"
    for _ in range(50):  # the file goes once its processing is done
        if not [n for n in os.listdir(spool) if n.endswith(".msg")]:
            break
        await asyncio.sleep(0.1)
    assert not [n for n in os.listdir(spool) if n.endswith(".msg")]


# 6 -------------------------------------------------------------------------------
async def test_removed_operators_live_chat_is_requeued(gateway_factory, http: aiohttp.ClientSession, redis: Redis,
                                                        redis_server: RedisServer) -> None:
    dead = dead_url()
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    svc = gw.app[HANDOFF]
    await add_operator(redis, "bea", "a-long-password-123")
    session = "removed-op-session-01"
    await chat(http, gw.url, session, "/operator")
    pid = (await svc.queue.waiting())[0].pid
    await svc.presence.heartbeat("bea")
    await svc.claim(pid, Operator("bea"))
    env = {**os.environ, **KEYS, "REDIS_URL": redis_server.url}
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot.console", "remove-operator", "bea"],
                                   cwd=ROOT, env=env, capture_output=True)
    assert done.returncode == 0
    svc.presence.forget()
    assert await svc.requeue_orphans() == 1
    assert pid in [w.pid for w in await svc.queue.waiting()]
    body = await chat(http, gw.url, session, "halló? van ott valaki?")
    assert body["state"] == "queued" and body["replies"]


async def test_supervisor_sees_live_chats_of_removed_operators(gateway_factory, http: aiohttp.ClientSession,
                                                                redis: Redis) -> None:
    dead = dead_url()
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    svc = gw.app[HANDOFF]
    await add_operator(redis, "cili", "a-long-password-123")
    await chat(http, gw.url, "removed-op-session-02", "/operator")
    pid = (await svc.queue.waiting())[0].pid
    await svc.claim(pid, Operator("cili"))
    await redis.delete(keys.operator_account("cili"))
    await redis.srem(keys.operator_accounts(), "cili")
    snap = await gw.app[VIEWS].snapshot()  # the console's view (bot.console.views)
    assert [c["id"] for c in snap["live"]] == [pid]


# 7 -------------------------------------------------------------------------------
async def test_blocked_conversation_still_gets_help_for_danger(gateway_factory, http: aiohttp.ClientSession,
                                                                redis: Redis) -> None:
    dead = dead_url()
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    svc = gw.app[HANDOFF]
    session = "blocked-session-00001"
    await chat(http, gw.url, session, "/operator")
    pid = (await svc.queue.waiting())[0].pid
    await svc.block(pid, Operator("sue", "supervisor"), reason="spam")
    body = await chat(http, gw.url, session, "a nevelőapám szexuálisan zaklat")
    said = " ".join(r["text"] for r in body["replies"])
    assert "112" in said and "116 111" in said
    waiting = await svc.queue.waiting()
    assert [w.pid for w in waiting] == [pid] and waiting[0].reason == "blocked_danger"
    body = await chat(http, gw.url, "blocked-session-00002", "szia")
    pid2 = gw.app[GATEWAY].pid("web", "blocked-session-00002")
    await redis.set(keys.blocked(pid2), "1", ex=3600)
    body = await chat(http, gw.url, "blocked-session-00002", "nagyon szomorú vagyok, senki nem szeret")
    assert "116 111" in " ".join(r["text"] for r in body["replies"])
    body = await chat(http, gw.url, "blocked-session-00002", "hülye bot")
    assert body["replies"] == []  # the block still stops ordinary chatter


# 8 -------------------------------------------------------------------------------
async def test_concurrent_messages_never_lower_the_stored_risk(gateway_factory, http: aiohttp.ClientSession) -> None:
    dead = dead_url()
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    gateway = gw.app[GATEWAY]
    for trial in range(8):
        session = f"concurrent-risk-{trial:04d}"
        await asyncio.gather(chat(http, gw.url, session, "a nevelőapám szexuálisan zaklat"),
                             *(chat(http, gw.url, session, "köszi") for _ in range(4)))
        conv = await gateway.store.load(gateway.pid("web", session))
        assert conv.risk.level >= Level.HIGH, trial


# 9 -------------------------------------------------------------------------------
async def test_one_unreadable_record_does_not_break_the_queue(gateway_factory, http: aiohttp.ClientSession,
                                                               redis: Redis) -> None:
    dead = dead_url()
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead)
    gateway = gw.app[GATEWAY]
    await chat(http, gw.url, "unreadable-session-01", DANGER)
    await chat(http, gw.url, "unreadable-session-02", "a nevelőapám szexuálisan zaklat")
    bad = gateway.pid("web", "unreadable-session-01")
    foreign = Sealer((Fernet.generate_key().decode(),)).seal({"level": "immediate"})
    await redis.hset(keys.conv(bad), "risk", foreign)
    headers = {"Authorization": f"Bearer {KEYS['OPERATOR_API_TOKEN']}"}
    async with http.get(f"{gw.url}/api/operator/queue", headers=headers) as resp:
        assert resp.status == 200
        waiting = (await resp.json())["waiting"]
    assert len(waiting) == 2
    assert [w.get("unreadable", False) for w in waiting] == [True, False]  # kept its place, marked
    async with http.get(f"{gw.url}/metrics") as resp:
        assert resp.status == 200
        assert 'gyermekvedo_errors_total{kind="unreadable_record"}' in await resp.text()
    body = await chat(http, gw.url, "unreadable-session-01", "halló?")
    assert body["state"] == "queued"


# 10 ------------------------------------------------------------------------------
async def times_said(http: aiohttp.ClientSession, url: str, session: str, text: str, want: int) -> int:
    """How often the bot has said ``text`` in the chat, once it reaches ``want`` or 10 s pass."""
    deadline = time.monotonic() + 10
    said = 0
    while time.monotonic() < deadline:
        said = sum(m["text"] == text for m in (await messages(http, url, session))["messages"])
        if said >= want:
            break
        await asyncio.sleep(0.2)
    return said


async def test_flood_delays_never_drops_and_buttons_are_exempt(gateway_factory, http: aiohttp.ClientSession) -> None:
    dead = dead_url()
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead, RATE_LIMIT_MESSAGES="3", RATE_LIMIT_WINDOW="2")
    session = "flood-session-000001"
    unavailable = texts.text("bot_unavailable", "hu")
    for i in range(3):
        await chat(http, gw.url, session, f"kérdés {i}")
    held = await chat(http, gw.url, session, "még egy kérdés")
    assert texts.text("slow_down", "hu") in [r["text"] for r in held["replies"]]
    pressed = await chat(http, gw.url, session, payload="/affirm")  # a "yes, send" button
    assert [r["text"] for r in pressed["replies"]] == [unavailable]  # processed now (Rasa is down here)
    assert await times_said(http, gw.url, session, unavailable, 5) == 5  # three at once, the button, the held one



async def test_a_flood_while_waiting_for_an_operator_is_answered_too(gateway_factory,
                                                                     http: aiohttp.ClientSession) -> None:
    """"I'll read every one and answer in order" holds while queued (found trying the service:
    messages held back in a queued chat were never answered); only a live chat's go to the operator."""
    dead = dead_url()
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead, RATE_LIMIT_MESSAGES="3", RATE_LIMIT_WINDOW="2")
    session = "flood-queued-000001"
    assert (await chat(http, gw.url, session, "/operator"))["state"] == "queued"
    unavailable = texts.text("bot_unavailable_waiting", "hu")  # queued: no person offered again
    for i in range(3):
        await chat(http, gw.url, session, f"kérdés {i}")
    held = await chat(http, gw.url, session, "még egy kérdés")
    assert texts.text("slow_down", "hu") in [r["text"] for r in held["replies"]]
    assert await times_said(http, gw.url, session, unavailable, 4) == 4  # three at once and the held one later

# 19 (hardening, privacy part) ----------------------------------------------------
async def test_action_server_down_means_bot_unavailable_not_half_answers(gateway_factory,
                                                                          http: aiohttp.ClientSession) -> None:
    """Rasa up, its action server down: no half answer (a report with no first question),
    but the plain 'bot unavailable' text with the person button; danger still gets 112."""
    from tests.test_report_support import FakeRasa

    rasa = FakeRasa("redis://127.0.0.1:1/0")  # its Redis is never reached: Rasa is not asked
    await rasa.start(free_port())
    try:
        gw = await gateway_factory(RASA_URL=rasa.url, ACTION_SERVER_URL=dead_url())
        from bot.appkeys import GATEWAY as _G

        gateway = gw.app[_G]
        for _ in range(100):  # the watch marks it down after two failed checks
            if not gateway.router.relay.actions_up():
                break
            await asyncio.sleep(0.1)
        body = await chat(http, gw.url, "actions-down-000001", "szeretnék bejelenteni valamit")
        texts_ = [r["text"] for r in body["replies"]]
        assert texts_ == [texts.text("bot_unavailable", "hu")], texts_
        assert any(b["payload"] == "/talk_to_human" for r in body["replies"] for b in r["buttons"])
        assert rasa.senders == []  # Rasa was not asked for a half answer
        body = await chat(http, gw.url, "actions-down-000002", DANGER)
        assert body["replies"][0]["text"] == texts.text("emergency", "hu")
    finally:
        await rasa.stop()
