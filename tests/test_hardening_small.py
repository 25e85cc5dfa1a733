"""Issue 11, item 20 leftovers: operator read limits and read audit, console session
life and password reset, Secure cookies and HSTS over https, audit streams that expire,
the append-only file readable by its owner only."""
from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from redis.asyncio import Redis

from bot import keys
from bot.config import ROOT
from bot.console.accounts import add_operator
from bot.redis_values import stream_entries
from tests.conftest import free_port, make_settings, wait_port

AUTH = {"Authorization": "Bearer test-operator-token-0123456789"}


async def _queued_chats(http: aiohttp.ClientSession, url: str, n: int) -> list[str]:
    for i in range(n):
        async with http.post(f"{url}/api/chat", json={"session": f"read-limit-{i:04d}", "text": "/operator"}) as resp:
            assert resp.status == 200
    async with http.get(f"{url}/api/operator/queue", headers=AUTH) as resp:
        return [w["id"] for w in (await resp.json())["waiting"]]


# -- reads ------------------------------------------------------------------------
async def test_operator_reading_many_transcripts_is_limited_and_each_read_audited(
        gateway_factory, http, redis: Redis, operator_account, console_login) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead, OPERATOR_READS_PER_10MIN="3")
    pids = await _queued_chats(http, gw.url, 5)
    assert len(pids) == 5
    console = await console_login(gw.url, "olvaso", await operator_account("olvaso"))
    statuses = [(await console.call("GET", f"/api/operator/chats/{pid}"))[0] for pid in pids]
    assert statuses == [200, 200, 200, 429, 429]
    assert (await console.call("GET", f"/api/operator/chats/{pids[0]}"))[0] == 200  # one already open: fine
    audit = stream_entries(await redis.xrange(keys.audit_reads()))
    assert [(f[b"by"], f[b"conv"]) for _, f in audit] == [(b"olvaso", p.encode()) for p in pids[:3]]
    assert all(set(f) == {b"by", b"conv", b"ts"} for _, f in audit)  # who, which, when: no text
    assert 0 < await redis.ttl(keys.audit_reads()) <= 180 * 86400
    # The chat an operator holds is theirs to read, whatever the count.
    status, _ = await console.call("POST", f"/api/operator/chats/{pids[4]}/claim")
    assert status == 200
    assert (await console.call("GET", f"/api/operator/chats/{pids[4]}"))[0] == 200


async def test_block_audit_stream_expires_and_old_entries_are_trimmed(gateway_factory, http, redis: Redis) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = await gateway_factory(RASA_URL=dead, ACTION_SERVER_URL=dead, AUDIT_RETENTION_DAYS="30")
    old_ms = int((time.time() - 31 * 86400) * 1000)
    await redis.xadd(keys.audit_blocks(), {"by": "regi", "conv": "x"}, id=f"{old_ms}-0")
    pid = (await _queued_chats(http, gw.url, 1))[0]
    async with http.post(f"{gw.url}/api/operator/chats/{pid}/block", headers=AUTH, json={"reason": "teszt"}) as resp:
        assert resp.status == 200
    assert 29 * 86400 < await redis.ttl(keys.audit_blocks()) <= 30 * 86400
    assert [f[b"by"] for _, f in stream_entries(await redis.xrange(keys.audit_blocks()))] == [b"api"]


# -- console sessions ---------------------------------------------------------------
async def test_a_session_ends_after_its_whole_life_even_when_used(gateway_factory, redis: Redis,
                                                                  operator_account, console_login) -> None:
    gw = await gateway_factory()
    console = await console_login(gw.url, "hosszu", await operator_account("hosszu"))
    assert (await console.call("GET", "/api/operator/queue"))[0] == 200
    # Opened 13 hours ago and used all along (the sliding expiry kept it alive): over.
    (key,) = [k async for k in redis.scan_iter(keys.operator_session("*"))]
    await redis.hset(key, "created", f"{time.time() - 13 * 3600:.6f}")
    assert (await console.call("GET", "/api/operator/queue"))[0] == 401


async def test_an_unused_session_ends_after_the_idle_time(gateway_factory, redis: Redis,
                                                          operator_account, console_login) -> None:
    gw = await gateway_factory(CONSOLE_IDLE_MINUTES="20")
    console = await console_login(gw.url, "tetlen", await operator_account("tetlen"))
    assert (await console.call("GET", "/api/operator/queue"))[0] == 200
    (key,) = [k async for k in redis.scan_iter(keys.operator_session("*"))]
    assert 0 < await redis.ttl(key) <= 20 * 60


async def test_a_password_reset_ends_the_old_sessions(gateway_factory, redis: Redis, operator_account,
                                                      console_login) -> None:
    gw = await gateway_factory()
    console = await console_login(gw.url, "ellopott", await operator_account("ellopott"))
    assert (await console.call("GET", "/api/operator/queue"))[0] == 200
    await asyncio.sleep(0.01)
    await add_operator(redis, "ellopott", "uj-jelszo-0123456789", replace=True)
    assert (await console.call("GET", "/api/operator/queue"))[0] == 401
    fresh = await console_login(gw.url, "ellopott", "uj-jelszo-0123456789")
    assert (await fresh.call("GET", "/api/operator/queue"))[0] == 200


# -- https --------------------------------------------------------------------------
def test_secure_cookies_follow_an_https_public_url() -> None:
    assert make_settings(PUBLIC_URL="https://segitseg.example").console_secure_cookies
    assert not make_settings(PUBLIC_URL="http://127.0.0.1:8080").console_secure_cookies
    assert not make_settings(PUBLIC_URL="https://segitseg.example", CONSOLE_SECURE_COOKIES="0").console_secure_cookies


async def test_https_sets_secure_cookies_and_hsts_on_console_and_web_chat(gateway_factory, http) -> None:
    gw = await gateway_factory(PUBLIC_URL="https://segitseg.example")
    async with http.get(f"{gw.url}/console/login") as resp:
        assert "secure" in resp.headers["Set-Cookie"].lower()
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    async with http.get(f"{gw.url}/") as resp:
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


# -- the append-only file -------------------------------------------------------------
async def test_embedded_redis_keeps_its_append_only_file_private() -> None:
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="test-aof-mode-")) / "redis"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    proc = subprocess.Popen(["bash", "scripts/redis.sh"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**env, "REDIS_PORT": str(port), "REDIS_DIR": str(data), "VENV": str(ROOT / ".venv")})
    try:
        await asyncio.to_thread(wait_port, port, 20)
        client = Redis(port=port)
        await client.set("chv:probe", "x")
        await client.aclose()
        files = [p for p in data.rglob("*") if p.is_file()]
        assert any("appendonly" in p.name for p in files), files
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        modes: dict[str, Any] = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in [*files, *data.rglob("*/")]}
        assert all(m in ("0o600", "0o700") for m in modes.values()), modes
    finally:
        proc.terminate()
        proc.wait(10)
