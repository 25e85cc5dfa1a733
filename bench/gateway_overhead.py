"""The gateway's own time per web chat message, with a stub Rasa, before and after, side by side.

Usage: .venv/bin/python bench/gateway_overhead.py [--baseline DIR] [--rounds 6] [--block 100]
       [--conversations 400] [--rate 0] [--fsync always|everysec] [--profile OUT.prof]

Issue 14's target is our p95 within 1.1 x Rasa alone; what the gateway adds on top of Rasa is
its own work per message (HTTP in and out, screening, Redis round trips, sealing, JSON, logging),
which competes with Rasa for this machine's two cores. Here Rasa is a stub in its own process
that answers at once, so what remains is the gateway's: for each checkout (this one, and with
``--baseline DIR`` another, e.g. ``git archive main | tar -x -C DIR``) it starts the gateway
(``python -m bot`` under ``bench/counted_gateway.py``, LOG_LEVEL=INFO as deployed) on one
real Redis (AOF, ``appendfsync always`` or ``--fsync everysec``) and sends ordinary web chat messages, one at a time
(``--rate 0``; or open loop at ``--rate``/s), alternating blocks of ``--block`` messages
between the checkouts for ``--rounds`` rounds, so a noisy machine hits both alike. Prints, per
checkout: round-trip latency median / p95 (ms), the stub alone (the same HTTP call straight to
the stub), the gateway's CPU per message (ms, from /proc), Redis round trips per message, and
the load average. ``--profile OUT`` also writes a cProfile of this checkout's gateway
(``python -m pstats OUT``). Figures vary with the machine's load: compare within one run.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet

from bench.load_bench import ORDINARY  # the load bench's messages, each screened 'none'
from tests.conftest import LIMITS_OFF, RedisServer, free_port

ANSWER = "Szia! Itt vagyok, írd le nyugodtan, mi történt, vagy kérdezz bátran."
TICK = os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def serve_stub(port: int) -> None:
    """The stub Rasa (its own process): answers every message at once, like Rasa's REST channel."""

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def message(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response([{"recipient_id": body.get("sender", ""), "text": ANSWER}])

    app = web.Application()
    for path in ("/", "/health", "/status", "/version"):
        app.router.add_get(path, health)
    app.router.add_post("/webhooks/rest/webhook", message)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


class Gateway:
    def __init__(self, label: str, tree: Path) -> None:
        self.label, self.tree = label, tree
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.counts = Path(tempfile.mkdtemp(prefix="overhead-")) / "counts.json"
        self.ms: list[float] = []
        self.cpu = 0.0
        self.sent = 0
        self.round_trips = 0

    def start(self, env: dict[str, str], profile: str | None) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {**env, "PORT": str(port), "COUNT_FILE": str(self.counts)}
        if profile:
            env["PROFILE_FILE"] = profile
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "counted_gateway.py"), str(self.tree)],
                                     cwd=self.tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def round_trips_now(self) -> int:
        try:
            return int(json.loads(self.counts.read_text()).get("redis_round_trips", 0))
        except (OSError, ValueError):
            return 0


async def wait_up(http: aiohttp.ClientSession, url: str, proc: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{url}: process exited ({proc.returncode})")
        try:
            async with http.get(url) as r:
                if r.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.3)
    raise SystemExit(f"{url} not up in 120 s")


async def send(http: aiohttp.ClientSession, url: str, session: str, text: str) -> float:
    t = time.perf_counter()
    async with http.post(f"{url}/api/chat", json={"session": session, "text": text}) as r:
        body = await r.json(content_type=None)
    ms = (time.perf_counter() - t) * 1000
    if r.status != 200 or not body.get("replies"):
        raise RuntimeError(f"HTTP {r.status}")
    return ms


async def stub_direct(http: aiohttp.ClientSession, url: str, sender: str, text: str) -> float:
    t = time.perf_counter()
    async with http.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as r:
        await r.json(content_type=None)
    return (time.perf_counter() - t) * 1000


async def block(http: aiohttp.ClientSession, gw: Gateway, sessions: list[str], start: int, n: int,
                rate: float) -> None:
    """``n`` messages to ``gw``: one at a time (rate 0) or open loop at ``rate``/s."""
    assert gw.proc is not None
    # a settled count: the counter file is written every 0.2 s
    await asyncio.sleep(0.45)
    rt0, cpu0 = gw.round_trips_now(), cpu_seconds(gw.proc.pid)
    if rate <= 0:
        for i in range(start, start + n):
            gw.ms.append(await send(http, gw.url, sessions[i % len(sessions)], ORDINARY[i % len(ORDINARY)]))
    else:
        tasks = []
        t0 = time.perf_counter()
        for k, i in enumerate(range(start, start + n)):
            await asyncio.sleep(max(0.0, t0 + k / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(send(http, gw.url, sessions[i % len(sessions)],
                                                  ORDINARY[i % len(ORDINARY)])))
        gw.ms += await asyncio.gather(*tasks)
    await asyncio.sleep(0.45)
    gw.cpu += cpu_seconds(gw.proc.pid) - cpu0
    gw.round_trips += gw.round_trips_now() - rt0
    gw.sent += n


async def run(args: argparse.Namespace) -> None:
    redis = RedisServer(fsync=args.fsync)
    redis.start()
    stub_port = free_port()
    stub = subprocess.Popen([sys.executable, __file__, "--stub", str(stub_port)], cwd=ROOT)
    stub_url = f"http://127.0.0.1:{stub_port}"
    gateways = [Gateway("this checkout", ROOT)]
    if args.baseline:
        gateways.insert(0, Gateway("baseline", Path(args.baseline).resolve()))
    env = {**os.environ, **LIMITS_OFF,
           "PSEUDONYM_KEY": "bench-pseudonym-key-" + uuid.uuid4().hex,
           "DATA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "REPORT_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "OPERATOR_API_TOKEN": "bench-operator-token-" + uuid.uuid4().hex,
           "REDIS_URL": redis.url, "RASA_URL": stub_url, "ACTION_SERVER_URL": stub_url, "HOST": "127.0.0.1",
           "LOG_LEVEL": "INFO", "TELEGRAM_BOT_TOKEN": "", "TELEGRAM_WEBHOOK_URL": "",
           "RASA_WARMUP_CONVERSATIONS": "0"}
    try:
        for gw in gateways:
            gw.start(env, args.profile if gw.tree == ROOT else None)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            await wait_up(http, f"{stub_url}/health", stub)
            for gw in gateways:
                await wait_up(http, f"{gw.url}/livez", gw.proc)
            run_id = uuid.uuid4().hex[:8]
            sessions = {gw.label: [f"ovh-{run_id}-{j}-{i:05d}" for i in range(args.conversations)]
                        for j, gw in enumerate(gateways)}
            # Warm-up, not counted: every conversation once (its first message is a new chat).
            for gw in gateways:
                for i, s in enumerate(sessions[gw.label]):
                    await send(http, gw.url, s, ORDINARY[i % len(ORDINARY)])
            if args.profile:
                for gw in gateways:
                    if gw.tree == ROOT and gw.proc is not None:
                        gw.proc.send_signal(signal.SIGUSR1)  # profile the measured messages only
            direct: list[float] = []
            load = [os.getloadavg()[0]]
            for r in range(args.rounds):
                order = gateways if r % 2 == 0 else gateways[::-1]
                for gw in order:
                    await block(http, gw, sessions[gw.label], r * args.block, args.block, args.rate)
                for i in range(args.block // 2):
                    direct.append(await stub_direct(http, stub_url, f"direct-{run_id}-{i}", ORDINARY[i % 15]))
                load.append(os.getloadavg()[0])
    finally:
        for gw in gateways:
            if gw.proc is not None and gw.proc.poll() is None:
                gw.proc.terminate()
        for gw in gateways:
            if gw.proc is not None:
                try:
                    gw.proc.wait(20)
                except subprocess.TimeoutExpired:
                    gw.proc.kill()
        stub.terminate()
        stub.wait(10)
        redis.stop()

    mode = "one at a time" if args.rate <= 0 else f"open loop at {args.rate:g}/s"
    print(f"gateway's own time per web chat message, stub Rasa, {mode}, appendfsync {args.fsync}; "
          f"{args.rounds} rounds x {args.block} "
          f"messages per checkout, interleaved; load average {min(load):.2f}-{max(load):.2f} "
          f"({os.cpu_count()} CPUs)")
    print(f"  {'':<16} {'n':>5} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'CPU ms/msg':>11} {'Redis rt/msg':>13}")
    print(f"  {'stub Rasa alone':<16} {len(direct):>5} {statistics.median(direct):>10.2f} {pct(direct, 0.95):>8.2f} "
          f"{max(direct):>8.2f} {'':>11} {'':>13}")
    for gw in gateways:
        print(f"  {gw.label:<16} {len(gw.ms):>5} {statistics.median(gw.ms):>10.2f} {pct(gw.ms, 0.95):>8.2f} "
              f"{max(gw.ms):>8.2f} {gw.cpu / gw.sent * 1000:>11.2f} {gw.round_trips / gw.sent:>13.2f}")
    if args.profile:
        print(f"profile of this checkout's gateway: {args.profile} (python -m pstats)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--baseline", help="another checkout's root, measured side by side")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--block", type=int, default=100)
    p.add_argument("--conversations", type=int, default=400)
    p.add_argument("--rate", type=float, default=0.0, help="0: one message at a time; else open loop msgs/s")
    p.add_argument("--profile", help="write a cProfile of this checkout's gateway here")
    p.add_argument("--fsync", choices=("always", "everysec"), default="always",
                   help="Redis appendfsync: always (as the tests and load_bench.py) or everysec (docker-compose.yml)")
    p.add_argument("--stub", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.stub:
        serve_stub(args.stub)
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
