"""Replicas, proven: two gateways and two Rasa processes on one Redis; kill one of each mid-run.

Run: .venv/bin/python bench/replica_bench.py [--rate 15] [--duration 30] [--conversations 120]

Starts, on free loopback ports: a real redis-server (AOF on), the action server, two Rasa
processes sharing the Redis tracker and lock stores, and two gateway processes (``python -m
bot``, ``RASA_URLS`` naming both Rasa processes, the same keys). Web chat conversations write
at ``--rate`` messages per second (open loop; a conversation writes again only after its
previous answer). Each conversation has a home gateway; the client acts as a load balancer
does: a refused or reset connection, or a 5xx, sends the message to the other gateway (once).

At 40 % of the run gateway A is killed (SIGKILL: no clean shutdown); at 60 % Rasa process 1
is killed (SIGKILL). Afterwards every conversation's transcript is read back from the
surviving gateway and checked: each message the person sent is there, in the order sent,
each followed by an answer. Prints sent, answered, lost (no answer), told to wait, bot
unavailable, order violations, duplicates (a message retried after the kill that the dead
gateway had already recorded), and latency before and after the kills with the load
average beside it. Asserts nothing; exit 1 when a message was lost or out of order.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
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
os.chdir(ROOT)

import aiohttp
from cryptography.fernet import Fernet

from bench.load_bench import BUSY, ORDINARY, UNAVAILABLE, BenchRasa, Processes, pct, wait_http
from tests.conftest import LIMITS_OFF, RedisServer, free_port


class Balancer:
    """What a load balancer does for the client: home replica by conversation, failover on error."""

    def __init__(self, http: aiohttp.ClientSession, urls: list[str]) -> None:
        self.http, self.urls = http, urls
        self.dead: set[str] = set()
        self.failovers = 0

    def home(self, session: str) -> str:
        live = [u for u in self.urls if u not in self.dead] or self.urls
        return live[hash(session) % len(live)]

    async def post(self, session: str, text: str) -> dict[str, Any]:
        first = self.home(session)
        for url in (first, *[u for u in self.urls if u != first]):
            try:
                async with self.http.post(f"{url}/api/chat", json={"session": session, "text": text},
                                          timeout=aiohttp.ClientTimeout(total=15)) as r:
                    if r.status >= 500:
                        raise aiohttp.ClientResponseError(r.request_info, (), status=r.status)
                    return await r.json(content_type=None)
            except (TimeoutError, aiohttp.ClientConnectionError, aiohttp.ClientResponseError):
                self.dead.add(url)
                self.failovers += 1
        raise RuntimeError("no replica answered")


async def run(args: argparse.Namespace, procs: Processes, workdir: Path) -> int:
    redis_server = RedisServer()
    procs.cleanups.append(lambda: shutil.rmtree(redis_server.dir, ignore_errors=True))
    redis_server.start()
    assert redis_server.proc is not None
    procs.add("redis-server", redis_server.proc)
    rasa1 = BenchRasa(redis_server)
    shutil.rmtree(rasa1.logs, ignore_errors=True)
    rasa1.logs = workdir
    rasa1.start_actions()
    rasa1.start_rasa()
    procs.add("actions", rasa1.procs[0])
    procs.add("rasa 1", rasa1.procs[1])
    rasa2 = BenchRasa(redis_server)
    rasa2.token, rasa2.action_port = rasa1.token, rasa1.action_port
    shutil.rmtree(rasa2.logs, ignore_errors=True)
    rasa2.logs = workdir / "rasa2"
    rasa2.logs.mkdir()
    rasa2.start_rasa()
    procs.add("rasa 2", rasa2.procs[0])

    env_common = {**os.environ, **LIMITS_OFF,
                  "PSEUDONYM_KEY": "replica-bench-key-" + uuid.uuid4().hex,
                  "DATA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                  "REPORT_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                  "REDIS_URL": redis_server.url, "RASA_URLS": f"{rasa1.url},{rasa2.url}", "RASA_URL": rasa1.url,
                  "RASA_TOKEN": rasa1.token, "ACTION_SERVER_URL": rasa1.action_url, "HOST": "127.0.0.1",
                  "LOG_LEVEL": "INFO", "TELEGRAM_BOT_TOKEN": "", "OPERATOR_API_TOKEN": "replica-" + uuid.uuid4().hex}
    gateways, urls = [], []
    for name in ("A", "B"):
        port = free_port()
        log = open(workdir / f"gateway-{name}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env={**env_common, "PORT": str(port)},
                                stdout=log, stderr=subprocess.STDOUT)
        procs.add(f"gateway {name}", proc)
        gateways.append(proc)
        urls.append(f"http://127.0.0.1:{port}")

    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    try:
        t0 = time.monotonic()
        await asyncio.to_thread(rasa1.wait_ready, 300)
        await asyncio.to_thread(rasa2.wait_ready, 300)
        for proc, url in zip(gateways, urls):
            await wait_http(http, f"{url}/healthz", 180, lambda p=proc: p.poll() is None)  # type: ignore[misc]
        print(f"ready in {time.monotonic() - t0:.0f} s: gateways {urls}, rasa {rasa1.url} {rasa2.url}", flush=True)
        lb = Balancer(http, urls)
        run_id = uuid.uuid4().hex[:6]
        sessions = [f"replica-{run_id}-{i:05d}" for i in range(args.conversations)]
        for s in sessions[:10]:  # warm both gateways and both Rasa processes
            await lb.post(s + "-warm", "szia")
        idle = collections.deque(sessions)
        sent: dict[str, list[str]] = collections.defaultdict(list)
        results: list[tuple[float, float | None, str]] = []  # (sent at, ms or None, status)
        rng = random.Random(1)
        n = int(args.rate * args.duration)
        start = time.perf_counter() + 0.2
        kill_gw, kill_rasa = start + 0.4 * args.duration, start + 0.6 * args.duration
        killed: dict[str, float] = {}
        loads: dict[str, list[float]] = collections.defaultdict(list)

        async def one(session: str, text: str) -> None:
            t = time.perf_counter()
            sent[session].append(text)
            try:
                body = await asyncio.wait_for(lb.post(session, text), args.lost_after)
                replies = [r.get("text", "") for r in body.get("replies", [])]
                status = ("unavailable" if any(x in UNAVAILABLE for x in replies) else
                          "busy" if any(x in BUSY for x in replies) else "ok" if replies else "no_reply")
                results.append((t, (time.perf_counter() - t) * 1000, status))
                if body.get("state") == "bot":
                    idle.append(session)
            except (TimeoutError, RuntimeError, aiohttp.ClientError, ValueError):
                results.append((t, None, "lost"))

        tasks = []
        for i in range(n):
            due = start + i / args.rate
            now = time.perf_counter()
            if due > now:
                await asyncio.sleep(due - now)
            now = time.perf_counter()
            phase = "before" if now < kill_gw else "after"
            loads[phase].append(os.getloadavg()[0])
            if now >= kill_gw and "gateway" not in killed:
                gateways[0].send_signal(signal.SIGKILL)
                killed["gateway"] = now
                print(f"  {now - start:5.1f} s: gateway A killed (SIGKILL)", flush=True)
            if now >= kill_rasa and "rasa" not in killed:
                rasa1.procs[1].send_signal(signal.SIGKILL)
                killed["rasa"] = now
                print(f"  {now - start:5.1f} s: Rasa process 1 killed (SIGKILL)", flush=True)
            if not idle:
                continue
            tasks.append(asyncio.create_task(one(idle.popleft(), ORDINARY[rng.randrange(len(ORDINARY))])))
        await asyncio.wait(tasks, timeout=args.lost_after + 5)
        await asyncio.sleep(args.settle)  # answers told "a moment" arrive in the transcript

        # Read every transcript back from the survivor: order, presence, an answer after each.
        survivor = urls[1]
        missing = out_of_order = duplicates = unanswered = 0
        for session, texts_sent in sent.items():
            async with http.get(f"{survivor}/api/chat/{session}/messages", params={"after": "0", "mine": "1"}) as r:
                msgs = (await r.json())["messages"]
            mine = [m["text"] for m in msgs if m["from"] == "person"]
            it = iter(mine)
            if not all(any(t == x for x in it) for t in texts_sent):  # a subsequence, in order
                if set(texts_sent) <= set(mine):
                    out_of_order += 1
                else:
                    missing += 1
            duplicates += max(0, len(mine) - len(texts_sent))
            if msgs and msgs[-1]["from"] == "person":
                unanswered += 1
        statuses = collections.Counter(s for _, _, s in results)
        before = [ms for t, ms, _ in results if ms is not None and t < kill_gw]
        after = [ms for t, ms, _ in results if ms is not None and t >= kill_gw]

        def fmt(ms: list[float]) -> str:
            return (f"n={len(ms)} median {statistics.median(ms):.0f} ms p95 {pct(ms, 0.95):.0f} ms "
                    f"max {max(ms):.0f} ms") if ms else "n=0"

        print(f"\nreplica benchmark: 2 CPUs shared with other jobs; {args.rate:g} msgs/s for {args.duration:g} s over "
              f"{args.conversations} web conversations; 2 gateways, 2 Rasa processes, 1 Redis")
        print(f"  load average: before the kills {statistics.fmean(loads['before'] or [0]):.2f}, "
              f"after {statistics.fmean(loads['after'] or [0]):.2f}")
        print(f"  sent {len(results)}; outcomes {dict(statuses)}; client failovers {lb.failovers}")
        print(f"  before the kills: {fmt(before)}")
        print(f"  after the kills:  {fmt(after)}")
        print(f"  transcripts read back from gateway B: {len(sent)} conversations; missing messages in {missing}, "
              f"out of order in {out_of_order}, duplicated entries {duplicates}, last message unanswered in "
              f"{unanswered}")
        lost = statuses.get("lost", 0) + statuses.get("no_reply", 0)
        print(f"  LOST: {lost}")
        return 0 if lost == 0 and missing == 0 and out_of_order == 0 else 1
    finally:
        await http.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=15.0)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--conversations", type=int, default=120)
    ap.add_argument("--lost-after", type=float, default=15.0)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds to wait for late answers before reading back")
    ap.add_argument("--keep-logs", action="store_true")
    args = ap.parse_args()
    if not 0 < args.rate <= 200 or not 0 < args.duration <= 600:
        ap.error("need 0 < rate <= 200 and 0 < duration <= 600")
    workdir = Path(tempfile.mkdtemp(prefix="replica-bench-"))
    procs = Processes()
    code = 2
    try:
        code = asyncio.run(run(args, procs, workdir))
    except KeyboardInterrupt:
        code = 130
    finally:
        procs.cleanup()
        if args.keep_logs:
            print(f"logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
