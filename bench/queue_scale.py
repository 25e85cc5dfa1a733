"""A long operator queue under queue events: what each event costs the
gateway, and what the consoles and the queue API carry, with 1,000 and 7,000 waiting.

Run: .venv/bin/python bench/queue_scale.py [--baseline DIR] [--sizes 1000,7000] [--duration 30] [--rate 2]

Per size and per checkout (``--baseline DIR``: another checkout, e.g. ``git worktree add
--detach /tmp/main main``, measured side by side, interleaved; the machine is shared, compare
only figures of one run): a fresh redis-server and the checkout's gateway (``python -m bot``,
Rasa a dead URL) on free loopback ports; the queue filled with that many waiting web chats
(each with a sealed danger risk and told its place, as the gateway leaves them); a supervisor's
console connected over its websocket. Then for ``--duration`` seconds ``--rate`` queue events a
second, alternately an operator taking the head of the queue (everyone behind moves up) and a
new chat asking for a person. Prints, with the load average: CPU milliseconds of the gateway
and of Redis per event, people told a new place per event, the console's bytes per queue
snapshot and per minute, and one ``GET /api/operator/queue`` (bytes, ms). Asserts nothing;
never prints message text. About 1 min per size and checkout at the defaults.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp
from redis.asyncio import Redis

from bot import keys
from bot.console.accounts import add_operator
from bot.crypto import Sealer
from bot.handoff.queue import BAND, RANK
from tests.conftest import KEYS, LIMITS_OFF, ConsoleClient, RedisServer, free_port, wait_port

AUTH = {"Authorization": f"Bearer {KEYS['OPERATOR_API_TOKEN']}"}
RISK = {"level": "high", "categories": ["suicide_self_harm"], "matches": ["meg akarok halni"]}
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def redis_cpu(redis: Redis) -> float:
    info = await redis.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


async def fill(redis: Redis, n: int) -> None:
    """``n`` waiting web chats in the child queue, as ENQUEUE leaves them, told their place."""
    sealer = Sealer([KEYS["DATA_ENCRYPTION_KEYS"]])
    risk = sealer.seal(RISK)
    now = time.time() - n  # one a second, the oldest first
    for start in range(0, n, 500):
        async with redis.pipeline(transaction=False) as pipe:
            for i in range(start, min(n, start + 500)):
                pid = "we-" + uuid.uuid4().hex
                enq = now + i
                pipe.hset(keys.conv(pid), mapping={"state": "queued", "channel": "web", "language": "hu", "risk": risk})
                pipe.hset(keys.handoff_ticket(pid), mapping={"enqueued": f"{enq:.3f}", "skill": "child",
                                                             "reason": "danger", "rank": RANK["high"],
                                                             "told_pos": i + 1, "told_at": "1"})
                pipe.zadd(keys.handoff_queue("child"), {pid: RANK["high"] * BAND + enq})
            await pipe.execute()


class Console:
    """A supervisor's console websocket: bytes and queue snapshots received."""

    def __init__(self) -> None:
        self.bytes = 0
        self.snapshots = 0
        self.snapshot_bytes: list[int] = []
        self.first = asyncio.get_running_loop().create_future()

    async def read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            size = len(msg.data.encode())
            self.bytes += size
            if json.loads(msg.data).get("type") == "queue":
                self.snapshots += 1
                self.snapshot_bytes.append(size)
                if not self.first.done():
                    self.first.set_result(size)


async def phase(root: Path, label: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    redis_server = RedisServer(fsync="everysec")
    redis_server.start()
    port = free_port()
    dead = f"http://127.0.0.1:{free_port()}"
    spool = tempfile.mkdtemp(prefix="queue-scale-spool-")
    env = {**os.environ, **KEYS, **LIMITS_OFF, "REDIS_URL": redis_server.url, "PORT": str(port),
           "LOG_LEVEL": "WARNING", "RASA_URL": dead, "ACTION_SERVER_URL": dead, "SPOOL_DIR": spool,
           "PYTHONPATH": str(root)}
    redis = Redis.from_url(redis_server.url)
    proc: subprocess.Popen[bytes] | None = None
    try:
        await fill(redis, n)
        await add_operator(redis, "bench-sup", "bench-sup-password-0123", "supervisor", ("child",))
        proc = await asyncio.to_thread(subprocess.Popen, [sys.executable, "-m", "bot"], cwd=root, env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await asyncio.to_thread(wait_port, port, 90)
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http, \
                aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as own:
            api_ms: list[float] = []
            api_bytes = 0
            for _ in range(3):
                t0 = time.perf_counter()
                async with http.get(f"{url}/api/operator/queue", headers=AUTH) as r:
                    api_bytes = len(await r.read())
                api_ms.append((time.perf_counter() - t0) * 1000)
            console = Console()
            client = await ConsoleClient(url, own).login("bench-sup", "bench-sup-password-0123")
            ws = await client.ws()
            reader = asyncio.create_task(console.read(ws))
            await asyncio.wait_for(console.first, 60)
            await asyncio.sleep(2)  # the connect's own snapshot and position pass settle
            load = os.getloadavg()[0]
            stats0 = await redis.info("commandstats")
            cpu0, rcpu0 = cpu_seconds(proc.pid), await redis_cpu(redis)
            bytes0, snaps0 = console.bytes, console.snapshots
            events, t0 = 0, time.monotonic()
            while time.monotonic() - t0 < args.duration:
                if events % 2 == 0:
                    head = await redis.zrange(keys.handoff_queue("child"), 0, 0)
                    if head:
                        async with http.post(f"{url}/api/operator/chats/{head[0].decode()}/claim", headers=AUTH) as r:
                            await r.read()
                else:
                    async with http.post(f"{url}/api/chat", json={"session": "qs-" + uuid.uuid4().hex[:20],
                                                                  "text": "/operator"}) as r:
                        await r.read()
                events += 1
                await asyncio.sleep(max(0.0, t0 + events / args.rate - time.monotonic()))
            await asyncio.sleep(1.5)  # the last event's pass
            elapsed = time.monotonic() - t0
            cpu = cpu_seconds(proc.pid) - cpu0
            rcpu = await redis_cpu(redis) - rcpu0
            stats1 = await redis.info("commandstats")
            xadds = (int(stats1.get("cmdstat_xadd", {}).get("calls", 0))
                     - int(stats0.get("cmdstat_xadd", {}).get("calls", 0)))
            reader.cancel()
            await ws.close()
        snap_sizes = console.snapshot_bytes[snaps0:] or console.snapshot_bytes
        return {
            "label": label, "n": n, "load": load, "events": events,
            "gw_ms_per_event": cpu * 1000 / max(1, events), "redis_ms_per_event": rcpu * 1000 / max(1, events),
            # transcript entries per event beyond the event's own few: people told a new place
            "appends_per_event": xadds / max(1, events),
            "snapshot_kb": statistics.median(snap_sizes) / 1024,
            "console_kb_per_min": (console.bytes - bytes0) / 1024 * 60 / elapsed,
            "snapshots_per_min": (console.snapshots - snaps0) * 60 / elapsed,
            "api_kb": api_bytes / 1024, "api_ms": statistics.median(api_ms),
        }
    finally:
        await redis.aclose()
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        redis_server.stop()
        shutil.rmtree(redis_server.dir, ignore_errors=True)
        shutil.rmtree(spool, ignore_errors=True)


async def run(args: argparse.Namespace) -> None:
    roots = ([("before", args.baseline.resolve())] if args.baseline else []) + [("this", ROOT)]
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        for label, root in roots:
            print(f"... {label}, {n} waiting", file=sys.stderr, flush=True)
            rows.append(await phase(root, label, n, args))
    print(f"{args.rate:g} queue events/s for {args.duration:g} s (claims of the head and new entries, alternately)")
    print(f"{'checkout':>8} {'waiting':>7} {'load':>5} | {'gw ms/ev':>8} {'redis ms/ev':>11} {'appends/ev':>10} | "
          f"{'snapshot KB':>11} {'snaps/min':>9} {'console KB/min':>14} | {'API KB':>8} {'API ms':>7}")
    for r in rows:
        print(f"{r['label']:>8} {r['n']:>7} {r['load']:>5.1f} | {r['gw_ms_per_event']:>8.1f} "
              f"{r['redis_ms_per_event']:>11.1f} {r['appends_per_event']:>10.1f} | {r['snapshot_kb']:>11.1f} "
              f"{r['snapshots_per_min']:>9.0f} {r['console_kb_per_min']:>14.0f} | "
              f"{r['api_kb']:>8.1f} {r['api_ms']:>7.0f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path, help="another checkout, measured first, side by side")
    ap.add_argument("--sizes", default="1000,7000")
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--rate", type=float, default=2.0)
    asyncio.run(run(ap.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
