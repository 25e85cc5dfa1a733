"""Live-handoff benchmark: prints figures (targets: p95 < 100 ms for both), asserts nothing.

Run: .venv/bin/python bench/handoff_bench.py [--conversations 200] [--rounds 5]

A real redis-server and the real gateway (``python -m bot``, its own process) run on
this machine; this process plays the people, the operator's console (a logged-in
websocket) and the Telegram Bot API (the local fake from the tests).

1. Danger -> console: 200 web chat conversations each send a message the screen
   scores ``immediate`` (20 in flight at a time). Measured from sending the message
   until a queue snapshot listing that conversation arrives on the operator's
   websocket (screen, queue, event stream, fan-out, push).
2. Operator -> person, 200 simultaneous live conversations, web chat: from the
   operator's POST until a GET /api/chat/{session}/messages returns the message (the
   server's part; the web chat page polls every 2 s on top of this).
3. Operator -> person, 200 simultaneous live conversations, Telegram: from the
   operator's POST until the (fake) Bot API receives sendMessage (outbox stream,
   consumer group, python-telegram-bot).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot.console.accounts import add_operator
from bot.ids import pseudonymise
from tests.conftest import RedisServer, free_port
from tests.fake_telegram import FakeBotAPI

DANGER = "meg akarom ölni magam ma éjjel, megvannak a gyógyszerek"
TOKEN = "bench-operator-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def report(name: str, ms: list[float]) -> None:
    print(f"{name:<58} n={len(ms):>5}  median {statistics.median(ms):7.1f} ms   p95 {pct(ms, 0.95):7.1f} ms"
          f"   max {max(ms):7.1f} ms")


class TimedFake(FakeBotAPI):
    """The tests' fake Bot API, noting when each sendMessage arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}
        self.waiters: dict[str, asyncio.Future[float]] = {}

    async def _handle(self, request: web.Request) -> web.Response:
        now = time.perf_counter()
        resp = await super()._handle(request)
        if request.match_info["method"] == "sendMessage" and self.sent:
            text = self.sent[-1].get("text", "")
            self.arrived.setdefault(text, now)
            waiter = self.waiters.pop(text, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(now)
        return resp

    def texts_to_all(self) -> list[str]:
        return [m.get("text", "") for m in self.sent]

    def wait_text(self, text: str) -> asyncio.Future[float]:
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if text in self.arrived:
            fut.set_result(self.arrived[text])
        else:
            self.waiters[text] = fut
        return fut


async def login(url: str, name: str, password: str) -> tuple[aiohttp.ClientSession, str]:
    s = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with s.get(f"{url}/console/login") as r:
        token = re.search(r'name="csrf" value="([^"]+)"', await r.text()).group(1)
    async with s.post(f"{url}/console/login", data={"csrf": token, "name": name, "password": password}) as r:
        page = await r.text()
    return s, re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


async def run(n: int, rounds: int, rate: float) -> None:
    redis_server = RedisServer()
    redis_server.start()
    fake = TimedFake()
    await fake.start(free_port())
    port = free_port()
    pkey = "bench-pseudonym-key-" + "x" * 40
    env = {**os.environ, "PSEUDONYM_KEY": pkey, "DATA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "REPORT_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "OPERATOR_API_TOKEN": TOKEN,
           "REDIS_URL": redis_server.url, "PORT": str(port), "RASA_URL": f"http://127.0.0.1:{free_port()}",
           "TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_BASE_URL": fake.url, "LOG_LEVEL": "WARNING",
           "RATE_LIMIT_MESSAGES": "100000"}
    log = open(os.environ.get("BENCH_GATEWAY_LOG", os.devnull), "ab")  # the gateway writes to it for its whole life
    gateway = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    redis = Redis.from_url(redis_server.url)
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
    console: aiohttp.ClientSession | None = None
    try:
        # Not wait_port(): it sleeps, and the fake Bot API in this loop must answer getMe.
        deadline = time.monotonic() + 60
        while True:
            try:
                async with http.get(f"{url}/console/login") as r:
                    if r.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline or gateway.poll() is not None:
                raise RuntimeError("the gateway did not start")
            await asyncio.sleep(0.2)
        await add_operator(redis, "bench", "bench-password-123")
        console, _ = await login(url, "bench", "bench-password-123")
        ws = await console.ws_connect(f"{url}/console/ws", headers={"Origin": url})
        await ws.receive(timeout=10)

        # -- 1. immediate message -> in the queue and on the console --------------------
        sessions = [f"bench-web-{i:06d}" for i in range(n)]
        pids = {pseudonymise(pkey.encode(), "web", s): s for s in sessions}
        sent_at: dict[str, float] = {}
        pushed_at: dict[str, float] = {}
        http_ms: list[float] = []

        async def reader() -> None:
            async for msg in ws:
                now = time.perf_counter()
                data = json.loads(msg.data)
                if data.get("type") == "queue":
                    for w in data["waiting"]:
                        if w["id"] in pids and w["id"] not in pushed_at:
                            pushed_at[w["id"]] = now

        reading = asyncio.create_task(reader())
        gate = asyncio.Semaphore(20)

        async def write(session: str, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            pid = pseudonymise(pkey.encode(), "web", session)
            sent_at[pid] = t0 = time.perf_counter()
            async with http.post(f"{url}/api/chat", json={"session": session, "text": DANGER}) as r:
                body = await r.json()
                assert body["state"] == "queued", body
            http_ms.append((time.perf_counter() - t0) * 1000)

        start = time.perf_counter() + 0.2
        await asyncio.gather(*(write(s, start + i / rate) for i, s in enumerate(sessions)))
        deadline = time.monotonic() + 30
        while len(pushed_at) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        push_ms = [(pushed_at[p] - sent_at[p]) * 1000 for p in pushed_at]
        print(f"\nlive handoff benchmark: {n} simultaneous conversations, {rate:g} messages/s arriving "
              f"(open loop), {os.cpu_count()} CPUs, redis-server + gateway process\n")
        report("immediate message -> queued, HTTP reply to the person", http_ms)
        report("immediate message -> pushed to the logged-in console", push_ms)
        if len(pushed_at) < n:
            print(f"  !! {n - len(pushed_at)} conversations never reached the console")

        # -- 2. operator -> person, web chat ---------------------------------------------
        async def claim(pid: str) -> None:
            async with gate:
                async with http.post(f"{url}/api/operator/chats/{pid}/claim", headers=AUTH) as r:
                    assert r.status == 200, await r.text()

        await asyncio.gather(*(claim(p) for p in pids))
        cursors = {s: 0 for s in sessions}
        relay_web: list[float] = []

        async def relay_web_one(pid: str, session: str, k: int, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            if True:
                text = f"web {k} {session}"
                t0 = time.perf_counter()
                async with http.post(f"{url}/api/operator/chats/{pid}/messages", headers=AUTH,
                                     json={"text": text}) as r:
                    assert r.status == 200
                while True:
                    async with http.get(f"{url}/api/chat/{session}/messages", params={"after": cursors[session]}) as r:
                        body = await r.json()
                    if any(m["text"] == text for m in body["messages"]):
                        relay_web.append((time.perf_counter() - t0) * 1000)
                        cursors[session] = body["cursor"]
                        return

        for k in range(rounds):
            start = time.perf_counter() + 0.1
            await asyncio.gather(*(relay_web_one(p, s, k, start + i / rate) for i, (p, s) in enumerate(pids.items())))
        report(f"operator -> person, web chat ({n} live, GET after POST)", relay_web)
        for p in pids:
            async with http.post(f"{url}/api/operator/chats/{p}/close", headers=AUTH, json={"outcome": "other"}) as r:
                assert r.status == 200

        # -- 3. operator -> person, Telegram -----------------------------------------------
        chats = [700_000_000 + i for i in range(n)]
        tg = {pseudonymise(pkey.encode(), "telegram", str(c)): c for c in chats}
        for c in chats:  # arriving at the same rate (a burst of 200 at once exhausts redis-py's pool of 100)
            fake.user_message(c, "/operator")
            await asyncio.sleep(1 / rate)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            async with http.get(f"{url}/api/operator/queue", params={"limit": "1000"}, headers=AUTH) as r:
                body = await r.json(content_type=None)
                if r.status != 200:
                    raise RuntimeError(f"queue answered {r.status}: {body}")
                waiting = {w["id"] for w in body["waiting"]}
            if set(tg) <= waiting:
                break
            await asyncio.sleep(0.2)
        else:
            raise RuntimeError(f"only {len(set(tg) & waiting)} of {n} Telegram conversations reached the queue")
        await asyncio.gather(*(claim(p) for p in tg))
        while sum(1 for t in fake.texts_to_all() if t.startswith("Egy munkatársunk csatlakozott")) < n:
            await asyncio.sleep(0.1)  # the "a colleague joined" messages go out first
        relay_tg: list[float] = []

        async def relay_tg_one(pid: str, k: int, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            if True:
                text = f"tg {k} {pid[:12]}"
                arrived = fake.wait_text(text)
                t0 = time.perf_counter()
                async with http.post(f"{url}/api/operator/chats/{pid}/messages", headers=AUTH,
                                     json={"text": text}) as r:
                    assert r.status == 200
                relay_tg.append((await arrived - t0) * 1000)

        for k in range(rounds):
            start = time.perf_counter() + 0.1
            relays = (relay_tg_one(p, k, start + i / rate) for i, p in enumerate(tg))
            await asyncio.wait_for(asyncio.gather(*relays), 120)
        report(f"operator -> person, Telegram ({n} live, to Bot API)", relay_tg)
        print("\ntargets: p95 < 100 ms for danger -> console and for operator -> person\n")
        reading.cancel()
        await ws.close()
    finally:
        if console is not None:
            await console.close()
        await http.close()
        await redis.aclose()
        gateway.terminate()
        try:
            gateway.wait(15)
        except subprocess.TimeoutExpired:
            gateway.kill()
        await fake.stop()
        redis_server.stop()
        shutil.rmtree(redis_server.dir, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--rate", type=float, default=20.0,
                    help="messages per second, each phase (200 live chats at one message per 10 s each = 20/s)")
    args = ap.parse_args()
    asyncio.run(run(args.conversations, args.rounds, args.rate))


if __name__ == "__main__":
    main()
