"""Does a killed Rasa's conversation lock hold the conversation up on the other Rasa process?

Run: .venv/bin/python bench/rasa_lock.py [--lifetimes 60,default] [--wait 90]

Starts on free loopback ports a real redis-server, the action server, Rasa process B (the
survivor) and, per lifetime, Rasa process A whose action server is a black hole (it accepts and
never answers), both with the service's endpoints (Redis tracker and lock stores). For each
lifetime: a message of a fresh conversation goes to A; once A holds the conversation's lock
and waits on its action, A is killed (SIGKILL); the next message of that conversation goes to
B. Prints the dead process's ticket as left in Redis (seconds it still has to live) and how
long B took to answer, beside the gateway's RASA_TIMEOUT (10 s): past it, the person got "the
bot is unavailable". ``default``: TICKET_LOCK_LIFETIME unset, i.e. what scripts/rasa_main.py
sets (the checkout's behaviour); a number sets it explicitly (60 is Rasa's own default, the
behaviour before). Asserts nothing; never prints message text. ~3 min (two Rasa starts).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

import aiohttp
from redis.asyncio import Redis

from bench.load_bench import BenchRasa, Processes
from tests.conftest import RedisServer, free_port

QUESTION = "hova fordulhatok, ha bántanak otthon?"  # answered by a custom action (action_where_to_turn)
NONSENSE = "qwzx vbnm plkj"  # the fallback, a custom action too, if the question is not predicted so
GATEWAY_TIMEOUT = 10.0


class LockRasa(BenchRasa):
    """A Rasa process with its own action server URL and lock lifetime."""

    def __init__(self, redis_server: RedisServer, action_url: str, lifetime: str) -> None:
        super().__init__(redis_server)
        self._action_url, self._lifetime = action_url, lifetime

    @property
    def action_url(self) -> str:
        return getattr(self, "_action_url", "") or f"http://127.0.0.1:{self.action_port}"

    def env(self) -> dict[str, str]:
        env = super().env()
        env.pop("TICKET_LOCK_LIFETIME", None)
        if self._lifetime != "default":
            env["TICKET_LOCK_LIFETIME"] = self._lifetime
        return env


async def black_hole() -> tuple[asyncio.AbstractServer, int, list[int]]:
    """A server that accepts and never answers: Rasa's action call hangs on it."""
    hits: list[int] = []
    held: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hits.append(1)
        held.append(writer)
        await reader.read(65536)

    port = free_port()
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    return server, port, hits


async def send(http: aiohttp.ClientSession, url: str, sender: str, text: str, timeout: float) -> tuple[float, str]:
    t0 = time.monotonic()
    try:
        async with http.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                             timeout=aiohttp.ClientTimeout(total=timeout)) as r:
            body = await r.json(content_type=None)
            outcome = "answered" if r.status == 200 and body else f"HTTP {r.status}, {len(body or [])} messages"
    except (TimeoutError, aiohttp.ClientError) as exc:
        outcome = type(exc).__name__
    return time.monotonic() - t0, outcome


async def ticket_left(redis: Redis, sender: str) -> float | None:
    """Seconds the newest ticket of the conversation's lock still has (None: no lock)."""
    async for key in redis.scan_iter(match=f"rasalock:*{sender}"):  # endpoints.redis.yml's key_prefix
        raw = await redis.get(key)
        if raw:
            tickets = json.loads(raw).get("tickets") or []
            if tickets:
                parsed = [json.loads(t) if isinstance(t, str) else t for t in tickets]  # Rasa stores JSON in JSON
                return max(float(t["expires"]) for t in parsed) - time.time()
    return None


async def trial(lifetime: str, redis_server: RedisServer, b: BenchRasa, procs: Processes, wait: float,
                http: aiohttp.ClientSession) -> dict[str, object]:
    server, port, hits = await black_hole()
    a = LockRasa(redis_server, f"http://127.0.0.1:{port}", lifetime)
    a.token = b.token
    a.start_rasa()
    procs.add(f"rasa A {lifetime}", a.procs[0])
    redis = Redis.from_url(redis_server.url)
    try:
        await asyncio.to_thread(_wait_ready_rasa, a, 300)
        sender = "lockbench-" + uuid.uuid4().hex[:12]
        first = None
        for text in (QUESTION, NONSENSE):  # until A hangs on its action call
            first = asyncio.create_task(send(http, a.url, sender, text, 120))
            deadline = time.monotonic() + 20
            while not hits and time.monotonic() < deadline and not first.done():
                await asyncio.sleep(0.1)
            if hits:
                break
            await first
        if not hits:
            return {"lifetime": lifetime, "result": "inconclusive: A never called its action server"}
        await asyncio.sleep(0.5)
        held_for = await ticket_left(redis, sender)
        os.kill(a.procs[0].pid, signal.SIGKILL)
        a.procs[0].wait(10)
        killed = time.monotonic()
        left = await ticket_left(redis, sender)
        took, outcome = await send(http, b.url, sender, "köszönöm", wait)
        assert first is not None
        first.cancel()
        return {"lifetime": lifetime, "ticket_at_kill_s": held_for, "ticket_after_kill_s": left,
                "b_answer_s": took, "b_outcome": outcome, "since_kill_s": time.monotonic() - killed,
                "over_gateway_timeout": took > GATEWAY_TIMEOUT}
    finally:
        await redis.aclose()
        server.close()
        if a.procs[0].poll() is None:
            a.procs[0].kill()


def _wait_ready_rasa(self: BenchRasa, timeout: float) -> None:
    """Only the Rasa server (process A has no working action server to wait for)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in self.procs):
            raise RuntimeError(f"Rasa exited; see {self.logs}")
        try:
            with urllib.request.urlopen(f"{self.url}/status?token={self.token}", timeout=2) as r:
                if b"model_file" in r.read():
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"Rasa not ready after {timeout} s; see {self.logs}")



async def run(args: argparse.Namespace) -> int:
    procs = Processes()
    redis_server = RedisServer()
    procs.cleanups.append(lambda: shutil.rmtree(redis_server.dir, ignore_errors=True))
    try:
        redis_server.start()
        assert redis_server.proc is not None
        procs.add("redis-server", redis_server.proc)
        b = BenchRasa(redis_server)
        b.start_actions()
        b.start_rasa()
        procs.add("actions", b.procs[0])
        procs.add("rasa B", b.procs[1])
        async with aiohttp.ClientSession() as http:
            await asyncio.to_thread(b.wait_ready, 300)
            await send(http, b.url, "lockbench-warm", "szia", 60)
            rows = [await trial(lt, redis_server, b, procs, args.wait, http) for lt in args.lifetimes.split(",")]
        print(f"load average {os.getloadavg()[0]:.2f}; gateway RASA_TIMEOUT {GATEWAY_TIMEOUT:.0f} s")
        print(f"{'lifetime':>9} | {'dead ticket left at kill':>24} | {'B answered after':>16} | outcome")
        for r in rows:
            if "result" in r:
                print(f"{r['lifetime']:>9} | {r['result']}")
                continue
            left = r["ticket_after_kill_s"]
            shown = f"{left:.1f} s" if isinstance(left, float) else "no lock"
            print(f"{r['lifetime']:>9} | {shown:>24} | "
                  f"{r['b_answer_s']:>14.1f} s | {r['b_outcome']}"
                  f"{' (past the gateway timeout: bot unavailable)' if r['over_gateway_timeout'] else ''}")
        return 0
    finally:
        procs.cleanup()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lifetimes", default="60,default", help="TICKET_LOCK_LIFETIME values ('default': unset)")
    ap.add_argument("--wait", type=float, default=90.0, help="longest wait for B's answer")
    return asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
