"""Operators' verdicts on the danger screen (issue 13): console API -> Redis (text sealed,
retention TTL, audited) -> export (text only with a reviewer's approval) -> /metrics."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot import keys
from bot.appkeys import HANDOFF
from bot.redis_values import hash_fields, stream_entries
from tests.conftest import KEYS, LIMITS_OFF, redis_bytes
from tests.test_handoff import AUTH, DANGER_HIGH, closed_rasa, pid_of, say

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def gw(gateway_factory: Any) -> Any:
    return await gateway_factory(RASA_URL=closed_rasa())


async def metric(http: aiohttp.ClientSession, url: str, series: str) -> float:
    async with http.get(f"{url}/metrics") as resp:
        assert resp.status == 200
        for line in (await resp.text()).splitlines():
            if line.startswith(series + " "):
                return float(line.split()[-1])
    return 0.0


def export(out: Path, redis_url: str, *extra: str) -> str:
    env = {**os.environ, **KEYS, **LIMITS_OFF, "REDIS_URL": redis_url}
    done = subprocess.run([sys.executable, "-m", "bot.safety.verdicts", "export", str(out), *extra],
                          check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return out.read_text(encoding="utf-8")


async def test_verdict_round_trip_sealed_exported_and_counted(
    gw: Any, http: aiohttp.ClientSession, redis: Redis, redis_server: Any, operator_account: Any,
    console_login: Any, tmp_path: Path,
) -> None:
    console = await console_login(gw.url, "vera", await operator_account("vera"))
    await say(http, gw.url, "verdict-sess-0001", DANGER_HIGH)
    pid = pid_of(gw, "verdict-sess-0001")
    status, waiting = await console.call("GET", "/api/operator/queue")
    assert waiting["waiting"][0]["id"] == pid and waiting["waiting"][0]["level"] == "high"
    series = 'gyermekvedo_screen_verdicts_total{operator="immediate",screen="high"}'  # labels come sorted
    before = await metric(http, gw.url, series)

    status, body = await console.call("POST", f"/api/operator/chats/{pid}/verdict",
                                      {"level": "immediate", "category": "life_threat"})
    assert status == 200, body
    assert body["screen"]["level"] == "high" and body["level"] == "immediate"
    assert body["screen"]["signals"] and all(s in ("lexicon", "~lexicon") or ":" in s
                                             for s in body["screen"]["signals"])
    assert "megöl" not in str(body)

    # Stored with the conversation's retention, audited, and no text in the clear anywhere.
    ttl = await redis.ttl(keys.conv_verdicts(pid))
    assert 0 < ttl <= gw.app[HANDOFF].settings.retention_seconds
    audit = stream_entries(await redis.xrange(keys.audit_verdicts()))
    assert [(f[b"by"], f[b"conv"], f[b"screen"], f[b"level"]) for _, f in audit] == [
        (b"vera", pid.encode(), b"high", b"immediate")]
    raw = await redis_bytes(redis)
    assert b"life_threat" in raw  # the verdict is there...
    assert DANGER_HIGH.encode() not in raw and "megöl".encode() not in raw  # ...its text is sealed

    assert await metric(http, gw.url, series) == before + 1

    # Export: without approval, labels and evidence only; with it, the eval-set row format.
    plain = export(tmp_path / "plain.tsv", redis_server.url)
    assert "immediate\tlife_threat\t\n" in plain and "screen=high" in plain
    assert "megöl" not in plain
    approved = export(tmp_path / "approved.tsv", redis_server.url, "--approved-by", "Reviewer Rita")
    rows = [line for line in approved.splitlines() if not line.startswith("#")]
    assert rows == [f"immediate\tlife_threat\t{DANGER_HIGH}"]

    # /torles erases the verdict with the conversation.
    await gw.app[HANDOFF].store.erase(pid)
    assert await gw.app[HANDOFF].verdicts.rows() == []
    assert not await redis.exists(keys.conv_verdicts(pid))
    assert await redis.zscore(keys.verdicts_index(), pid) is None


async def test_verdict_needs_auth_csrf_and_a_valid_level(
    gw: Any, http: aiohttp.ClientSession, redis: Redis, operator_account: Any, console_login: Any,
) -> None:
    await say(http, gw.url, "verdict-sess-0002", DANGER_HIGH)
    pid = pid_of(gw, "verdict-sess-0002")
    path = f"{gw.url}/api/operator/chats/{pid}/verdict"
    good = {"level": "none", "category": ""}
    async with http.post(path, json=good) as r:
        assert r.status == 401
    async with http.post(path, json=good, headers={"Authorization": "Bearer wrong"}) as r:
        assert r.status == 401
    console = await console_login(gw.url, "vince", await operator_account("vince"))
    async with console.http.post(path, json=good) as r:
        assert r.status == 403  # a console session without its CSRF token
    for bad in ({"level": "extreme", "category": "life_threat"}, {"category": "life_threat"},
                {"level": "high", "category": "made_up"}, {"level": "high", "category": ""},
                {"level": "high", "category": "life_threat", "seq": "1"}):
        async with http.post(path, json=bad, headers=AUTH) as r:
            assert r.status == 400, bad
    assert not await redis.exists(keys.conv_verdicts(pid))
    async with http.post(f"{gw.url}/api/operator/chats/we-{'0' * 32}/verdict", json=good, headers=AUTH) as r:
        assert r.status == 404
    async with http.post(path, json={**good, "seq": 999}, headers=AUTH) as r:
        assert r.status == 404  # no screened message of the person there
    async with http.post(path, json=good, headers=AUTH) as r:  # the automation token may label too
        assert r.status == 200
        assert (await r.json())["level"] == "none"


async def test_console_gives_a_verdict_in_one_click(
    browser: Any, gw: Any, http: aiohttp.ClientSession, redis: Redis, operator_account: Any,
) -> None:
    from tests.test_console_browser import TIMEOUT, login

    await say(http, gw.url, "verdict-sess-0003", DANGER_HIGH)
    pid = pid_of(gw, "verdict-sess-0003")
    page = await login(browser, gw.url, "vilma", await operator_account("vilma"))
    await page.locator("[data-testid=queue-item]").first.click()
    form = page.locator("[data-testid=verdict-form]")
    await form.wait_for(state="visible", timeout=TIMEOUT)
    assert await page.input_value("[data-testid=verdict-level]") == "high"  # preset to the screen's level
    await page.select_option("[data-testid=verdict-level]", "concern")  # the operator lowers it
    await page.click("[data-testid=verdict]")
    await form.filter(has_text="rögzítve").wait_for(timeout=TIMEOUT)
    stored = hash_fields(await redis.hgetall(keys.conv_verdicts(pid)))
    assert len(stored) == 1 and b'"level":"concern"' in next(iter(stored.values())).replace(b" ", b"")
    assert await page.locator("[data-testid=error]").inner_text() == ""
