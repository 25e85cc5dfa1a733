"""Replicas, proven: two gateways behind HAProxy, two Rasa processes, one Redis; kill one of each.

Run: .venv/bin/python bench/replica_bench.py [--rate 8] [--duration 40] [--burst 60]

Starts, on free loopback ports (never 8080/5005/5055/6379): a real redis-server (AOF on), the
action server, two Rasa processes sharing the Redis tracker and lock stores, the tests' fake
Telegram Bot API (in this process), two gateway processes (``python -m bot``, ``RASA_URLS``
naming both Rasa processes, Telegram in webhook mode) and HAProxy (``/usr/sbin/haproxy`` or
``--haproxy``) with ``deploy/haproxy.cfg`` itself, the addresses given through its environment
variables. Every request of the run goes through HAProxy: the web chat (``POST /api/chat``,
one cookie jar per conversation, as each browser has its own) and Telegram's webhook
(``POST /telegram/webhook``, re-posted every second until it gets a 200, as Telegram does).

1. Capacity with 2 Rasa processes: ``--workers`` web conversations write one message after
   another (closed loop) for ``--capacity`` seconds.
2. The kill run: web and Telegram conversations write at ``--rate`` messages/s (open loop,
   half each; a conversation writes again only once answered), ``--danger-share`` of them
   danger messages from a fresh conversation. At 40 % of the run ``--burst`` web messages
   arrive at once (more than Rasa can take: some are told "a moment"), ``--tg-lead`` s before
   the kill ``--tg-burst`` Telegram updates (so some are in work on gateway A), then gateway A
   is killed (SIGKILL); at 60 % Rasa process 1 is killed (SIGKILL). Printed apart: the time to
   the first reply of the messages sent before the kill and answered after it.
3. Gateway A is started again; once HAProxy has it back, capacity with 1 Rasa process.

Each conversation asks FAQ questions in one fixed order, each question once, so every answer
can be told apart: the reply texts of each question are learnt first from a few complete
warm-up conversations (a text seen after two different questions is ignored). Afterwards
every web transcript is read back through HAProxy and every Telegram chat's messages as the
fake Bot API received them, in order. Prints sent, answered by the bot, answered "bot
unavailable", lost (never answered), conversations whose answers came out of order,
duplicates (a message recorded twice, an answer delivered twice), danger messages whose
first reply was not the 112 text, p50/p95 latency per channel and phase, throughput with 2
and with 1 Rasa process, and the load average beside each figure. Asserts nothing; exit 1
when a message was lost, a conversation was out of order or a danger reply lacked 112 first.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bench.load_bench import BUSY, DANGER, UNAVAILABLE, BenchRasa, Processes, pct, wait_http
from bot import keys, texts
from tests.conftest import LIMITS_OFF, RedisServer, free_port
from tests.fake_telegram import FakeBotAPI

# Questions with answers of their own, asked in this order by every conversation (Hungarian
# only: an English one would switch the conversation's language and every later answer).
# "hova fordulhatok ha egy gyerek bajban van?" is left out: in a conversation that asked
# other things first, action_where_to_turn can fail (KeyError 'ask_problem', 2026-12-03) and
# Rasa answers nothing, which has nothing to do with replicas.
QUESTIONS = [
    "szia", "mi az a gyámhatóság?", "ingyenes?", "anonim maradhatok?", "mikor vagytok elérhetőek?",
    "lehet emailt is írni nektek?", "köszönöm",
]
HAPROXY = "/usr/sbin/haproxy"
CONFIG = ROOT / "deploy" / "haproxy.cfg"
SECRET = "replica-bench-webhook-" + uuid.uuid4().hex[:12]
EMERGENCY = {texts.text("emergency", lang) for lang in texts.LANGUAGES}
NOT_ANSWERS = BUSY | UNAVAILABLE  # replies that are no answer to the question


class RecordingBotAPI(FakeBotAPI):
    """The tests' fake Bot API, keeping what each chat received in order (texts stay in this
    process and are never printed) and waking whoever waits for a chat's next message."""

    def __init__(self) -> None:
        super().__init__()
        self.by_chat: dict[int, list[str]] = collections.defaultdict(list)
        self.waiters: dict[int, asyncio.Future[float]] = {}

    async def _handle(self, request: web.Request) -> web.Response:
        resp = await super()._handle(request)
        if request.match_info["method"] == "sendMessage" and resp.status == 200 and self.sent:
            msg = self.sent.pop()
            chat = int(msg["chat_id"])
            self.by_chat[chat].append(str(msg.get("text", "")))
            waiter = self.waiters.pop(chat, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(time.perf_counter())
        return resp


@dataclass
class Conv:
    """One conversation of the run: web (session) or Telegram (chat id)."""

    channel: str
    ident: str
    cookie: str = ""  # HAProxy's GW cookie: this browser's replica
    asked: list[str] = field(default_factory=list)  # question texts, in the order sent


@dataclass
class Sent:
    channel: str
    kind: str  # ordinary | danger | burst
    at: float
    ms: float | None = None
    status: str = "ok"  # ok | busy | unavailable | error
    first: str = ""  # first reply (danger: must be the 112 text); never printed


class Client:
    """Everything goes through HAProxy: web chat with a cookie per conversation, the webhook
    re-posted until it is taken, as Telegram does."""

    def __init__(self, http: aiohttp.ClientSession, base: str, api: RecordingBotAPI, lost_after: float) -> None:
        self.http, self.base, self.api, self.lost_after = http, base, api, lost_after
        self.reposts = 0
        self.errors: collections.Counter[str] = collections.Counter()

    async def web(self, conv: Conv, text: str) -> tuple[float, list[str]]:
        headers = {"Cookie": f"GW={conv.cookie}"} if conv.cookie else {}
        t = time.perf_counter()
        body = {"session": conv.ident, "text": text, "id": uuid.uuid4().hex[:16]}  # as the page sends
        async with self.http.post(f"{self.base}/api/chat", json=body,
                                  headers=headers, timeout=aiohttp.ClientTimeout(total=self.lost_after)) as r:
            if r.status != 200:
                raise RuntimeError(f"HTTP {r.status}")
            body = await r.json(content_type=None)
            if "GW" in r.cookies:
                conv.cookie = r.cookies["GW"].value
        return (time.perf_counter() - t) * 1000, [x.get("text", "") for x in body.get("replies", [])]

    async def telegram(self, conv: Conv, text: str) -> tuple[float, list[str]]:
        chat = int(conv.ident)
        update = self.api.update(chat, text)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[float] = loop.create_future()
        self.api.waiters[chat] = fut
        before = len(self.api.by_chat[chat])
        t = time.perf_counter()
        deadline = t + self.lost_after
        while True:  # Telegram redelivers until it gets a 200
            try:
                async with self.http.post(f"{self.base}/telegram/webhook", json=update,
                                          headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                                          timeout=aiohttp.ClientTimeout(total=10)) as r:
                    if r.status == 200:
                        break
                    self.errors[f"webhook HTTP {r.status}"] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.errors[f"webhook {type(exc).__name__}"] += 1
            if time.perf_counter() > deadline:
                raise RuntimeError("webhook never taken")
            self.reposts += 1
            await asyncio.sleep(1.0)
        got = await asyncio.wait_for(fut, max(0.1, deadline - time.perf_counter()))
        return (got - t) * 1000, self.api.by_chat[chat][before:before + 1]

    async def send(self, conv: Conv, text: str) -> tuple[float, list[str]]:
        return await (self.web(conv, text) if conv.channel == "web" else self.telegram(conv, text))

    async def transcript(self, conv: Conv) -> tuple[list[str], list[str]]:
        """(what the person wrote, what the bot said), each in order."""
        if conv.channel == "telegram":
            return list(conv.asked), list(self.api.by_chat[int(conv.ident)])
        headers = {"Cookie": f"GW={conv.cookie}"} if conv.cookie else {}
        async with self.http.get(f"{self.base}/api/chat/{conv.ident}/messages", params={"after": "0", "mine": "1"},
                                 headers=headers) as r:
            msgs = (await r.json())["messages"]
        return ([m["text"] for m in msgs if m["from"] == "person"],
                [m["text"] for m in msgs if m["from"] != "person"])


# -- telling answers apart --------------------------------------------------------------------
def fingerprints(samples: dict[str, list[list[str]]]) -> dict[str, str]:
    """Reply text -> the question it answers, for texts seen after one question only."""
    seen: dict[str, set[str]] = collections.defaultdict(set)
    for question, answers in samples.items():
        for answer in answers:
            for t in answer:
                if t and t not in NOT_ANSWERS:
                    seen[t].add(question)
    return {t: next(iter(qs)) for t, qs in seen.items() if len(qs) == 1}


@dataclass
class Check:
    conversations: int = 0
    messages: int = 0
    answered: int = 0
    unavailable: int = 0
    lost: int = 0
    out_of_order: int = 0
    dup_messages: int = 0  # a person's message recorded twice (a request replayed)
    dup_answers: int = 0  # an answer delivered twice


def check(conv: Conv, person: list[str], bot: list[str], prints: dict[str, str], per_answer: dict[str, int],
          out: Check) -> int:
    """Compare what was asked with what was answered, in order; returns how many were lost.
    Only questions whose answers can be told apart are counted."""
    known = set(prints.values())
    asked = [q for q in conv.asked if q in known]
    out.conversations += 1
    out.messages += len(asked)
    out.dup_messages += max(0, len(person) - len(conv.asked))
    order: list[str] = []  # questions in the order their answers first appear
    counts: collections.Counter[str] = collections.Counter()
    for t in bot:
        q = prints.get(t)
        if q is None:
            continue
        counts[t] += 1
        if q not in order:
            order.append(q)
    out.dup_answers += sum(1 for t, n in counts.items() if n > per_answer.get(t, 1))
    answered = [q for q in asked if q in order]
    unavailable = sum(1 for t in bot if t in UNAVAILABLE)
    missing = len(asked) - len(answered)
    lost = max(0, missing - unavailable)
    out.answered += len(answered)
    out.unavailable += min(unavailable, missing)
    out.lost += lost
    if [q for q in order if q in asked] != answered:
        out.out_of_order += 1
    return lost


# -- the run ---------------------------------------------------------------------------------
def spawn(cmd: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)


def load() -> float:
    return os.getloadavg()[0]


def fmt(ms: list[float]) -> str:
    return f"p50 {statistics.median(ms):.0f} ms, p95 {pct(ms, 0.95):.0f} ms (n={len(ms)})" if ms else "n=0"


class Bench:
    def __init__(self, args: argparse.Namespace, procs: Processes, workdir: Path) -> None:
        self.args, self.procs, self.workdir = args, procs, workdir
        self.gateways: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: dict[str, int] = {}
        self.env: dict[str, str] = {}
        self.rng = random.Random(args.seed)
        self.run_id = uuid.uuid4().hex[:6]
        self.counter = 0
        self.chat_ids = iter(range(910_000_000 + random.Random().randrange(10_000) * 1000, 10**10))

    def new_conv(self, channel: str) -> Conv:
        self.counter += 1
        if channel == "web":
            return Conv("web", f"replica-{self.run_id}-{self.counter:06d}")
        return Conv("telegram", str(next(self.chat_ids)))

    def start_gateway(self, name: str) -> None:
        self.gateways[name] = spawn([sys.executable, "-m", "bot"], {**self.env, "PORT": str(self.ports[name])},
                                    self.workdir / f"gateway-{name}.log", self.args.gateway_root)
        self.procs.add(f"gateway {name} ({len(self.procs.named)})", self.gateways[name])

    async def haproxy_stat(self) -> dict[str, dict[str, str]]:
        """HAProxy's own counters ("show stat"), by server name (and FRONTEND / BACKEND)."""
        reader, writer = await asyncio.open_unix_connection(str(self.workdir / "haproxy.sock"))
        writer.write(b"show stat\n")
        await writer.drain()
        lines = (await reader.read()).decode().splitlines()
        writer.close()
        head = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(head, line.split(","))) for line in lines[1:] if line]
        return {r["svname"]: r for r in rows if r.get("pxname") in ("gateways", "chat")}

    async def haproxy_up(self, name: str, want: bool, timeout: float = 30) -> None:
        """Wait until HAProxy's own view of a gateway (runtime API) is UP (or not)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.open_unix_connection(str(self.workdir / "haproxy.sock"))
                writer.write(b"show servers state gateways\n")
                await writer.drain()
                data = (await reader.read()).decode()
                writer.close()
                # columns: be_id be_name srv_id srv_name srv_addr srv_op_state ... (2 = running)
                for line in data.splitlines():
                    parts = line.split()
                    if len(parts) > 5 and parts[3] == name and (parts[5] == "2") == want:
                        return
            except OSError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError(f"HAProxy never saw {name} {'up' if want else 'down'}")

    async def settle(self, redis_url: str) -> float:
        """Wait until nothing waits any more: no deferred message (told "a moment", or held by
        the killed gateway until its claim lapses), no Telegram update or reply in the streams;
        at most --settle seconds. Returns how long it took."""
        t0 = time.monotonic()
        client = Redis.from_url(redis_url)
        try:
            calm = 0
            while time.monotonic() - t0 < self.args.settle:
                async with client.pipeline(transaction=False) as pipe:
                    pipe.zcard(keys.deferred_due())
                    pipe.xlen(keys.telegram_inbox())
                    pipe.xlen(keys.telegram_outbox())
                    busy = sum(int(x) for x in await pipe.execute())
                calm = calm + 1 if busy == 0 else 0
                if calm >= 3:  # a second of nothing left
                    break
                await asyncio.sleep(0.5)
        finally:
            await client.aclose()
        return time.monotonic() - t0

    async def capacity(self, client: Client, label: str) -> dict[str, Any]:
        """Closed loop: each worker's conversation asks its next question once answered."""
        ok: list[float] = []
        other: collections.Counter[str] = collections.Counter()
        loads: list[float] = []
        end = time.perf_counter() + self.args.capacity

        async def worker() -> None:
            conv = self.new_conv("web")
            while time.perf_counter() < end:
                if len(conv.asked) == len(QUESTIONS):
                    conv = self.new_conv("web")
                text = QUESTIONS[len(conv.asked)]
                conv.asked.append(text)
                try:
                    ms, replies = await client.web(conv, text)
                except (RuntimeError, aiohttp.ClientError, TimeoutError) as exc:
                    other[type(exc).__name__] += 1
                    continue
                if any(r in BUSY for r in replies):
                    other["busy"] += 1
                elif any(r in UNAVAILABLE for r in replies):
                    other["unavailable"] += 1
                else:
                    ok.append(ms)
                loads.append(load())

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(self.args.workers)))
        took = time.perf_counter() - t0
        return {"label": label, "rate": len(ok) / took, "lat": fmt(ok), "other": dict(other),
                "load": statistics.fmean(loads) if loads else load()}

    async def run(self) -> int:
        args = self.args
        redis_server = RedisServer()
        self.procs.cleanups.append(lambda: shutil.rmtree(redis_server.dir, ignore_errors=True))
        redis_server.start()
        assert redis_server.proc is not None
        self.procs.add("redis-server", redis_server.proc)
        rasa1 = BenchRasa(redis_server)
        shutil.rmtree(rasa1.logs, ignore_errors=True)
        rasa1.logs = self.workdir
        rasa1.start_actions()
        rasa1.start_rasa()
        self.procs.add("actions", rasa1.procs[0])
        self.procs.add("rasa 1", rasa1.procs[1])
        rasa2 = BenchRasa(redis_server)
        rasa2.token, rasa2.action_port = rasa1.token, rasa1.action_port
        shutil.rmtree(rasa2.logs, ignore_errors=True)
        rasa2.logs = self.workdir / "rasa2"
        rasa2.logs.mkdir()
        rasa2.start_rasa()
        self.procs.add("rasa 2", rasa2.procs[0])

        api = RecordingBotAPI()
        await api.start(free_port())
        self.env = {**os.environ, **LIMITS_OFF,
                    "PSEUDONYM_KEY": "replica-bench-key-" + uuid.uuid4().hex,
                    "DATA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                    "REPORT_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                    "REDIS_URL": redis_server.url, "RASA_URLS": f"{rasa1.url},{rasa2.url}", "RASA_URL": rasa1.url,
                    "RASA_TOKEN": rasa1.token, "ACTION_SERVER_URL": rasa1.action_url, "HOST": "127.0.0.1",
                    "LOG_LEVEL": "INFO", "OPERATOR_API_TOKEN": "replica-" + uuid.uuid4().hex,
                    "TELEGRAM_BOT_TOKEN": "123456:BENCH", "TELEGRAM_API_BASE_URL": api.url,
                    "TELEGRAM_WEBHOOK_URL": "https://example.invalid/telegram/webhook",
                    "TELEGRAM_WEBHOOK_SECRET": SECRET, "TRUSTED_PROXY": "1",
                    "RASA_WAIT_CLAIM_SECONDS": str(args.claim),
                    "SPOOL_DIR": str(self.workdir / "spool")}
        for name in ("gw1", "gw2"):
            self.ports[name] = free_port()
            self.start_gateway(name)
        front = free_port()
        hx_env = {**os.environ, "HAPROXY_BIND": f"127.0.0.1:{front}",
                  "GATEWAY1_ADDR": f"127.0.0.1:{self.ports['gw1']}", "GATEWAY2_ADDR": f"127.0.0.1:{self.ports['gw2']}",
                  "HAPROXY_STATS_SOCKET": str(self.workdir / "haproxy.sock")}
        self.procs.add("haproxy", spawn([args.haproxy, "-db", "-f", str(CONFIG)], hx_env, self.workdir / "haproxy.log"))
        base = f"http://127.0.0.1:{front}"

        http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar())
        try:
            t0 = time.monotonic()
            await asyncio.to_thread(rasa1.wait_ready, 300)
            await asyncio.to_thread(rasa2.wait_ready, 300)
            for name, proc in self.gateways.items():
                await wait_http(http, f"http://127.0.0.1:{self.ports[name]}/healthz", 240,
                                lambda p=proc: p.poll() is None)  # type: ignore[misc]
            await self.haproxy_up("gw1", True)
            await self.haproxy_up("gw2", True)
            print(f"ready in {time.monotonic() - t0:.0f} s: HAProxy {base} -> gateways "
                  f"{self.ports['gw1']}, {self.ports['gw2']}; Rasa {rasa1.url} {rasa2.url}", flush=True)
            client = Client(http, base, api, args.lost_after)

            # Learn each question's answers from complete warm-up conversations (both channels).
            samples: dict[str, list[list[str]]] = collections.defaultdict(list)
            for i in range(args.learn):
                conv = self.new_conv("web" if i % 2 == 0 else "telegram")
                for q in QUESTIONS:
                    conv.asked.append(q)
                    await client.send(conv, q)
                    await asyncio.sleep(0.5)  # a Telegram answer may come in several messages
                    if conv.channel == "web":
                        _, bot = await client.transcript(conv)
                        prev = sum(len(a) for a in [samples[x][-1] for x in conv.asked[:-1]])
                        samples[q].append(bot[prev:])
                    else:
                        before = sum(len(samples[x][-1]) for x in conv.asked[:-1])
                        samples[q].append(api.by_chat[int(conv.ident)][before:])
            prints = fingerprints(samples)
            per_answer = {t: max(a.count(t) for a in samples[q]) for t, q in prints.items()}
            blind = [q for q in QUESTIONS if q not in prints.values()]
            if blind:
                print(f"  {len(blind)} question(s) without an answer of their own: their answers are not checked")

            cap2 = await self.capacity(client, "2 Rasa processes, 2 gateways")
            print(f"  capacity, {cap2['label']}: {cap2['rate']:.1f} msgs/s, {cap2['lat']}, other {cap2['other']}, "
                  f"load {cap2['load']:.1f}", flush=True)

            # -- the kill run ---------------------------------------------------------------
            convs: list[Conv] = []
            idle: dict[str, collections.deque[Conv]] = {"web": collections.deque(), "telegram": collections.deque()}
            results: list[Sent] = []
            busy_burst: set[str] = set()  # burst conversations told "a moment"
            tasks: list[asyncio.Task[None]] = []
            loads: dict[str, list[float]] = collections.defaultdict(list)

            async def one(conv: Conv, text: str, kind: str) -> None:
                rec = Sent(conv.channel, kind, time.perf_counter())
                results.append(rec)
                conv.asked.append(text)
                try:
                    rec.ms, replies = await client.send(conv, text)
                    rec.first = replies[0] if replies else ""
                    rec.status = ("unavailable" if any(r in UNAVAILABLE for r in replies) else
                                  "busy" if any(r in BUSY for r in replies) else "ok" if replies else "error")
                except (RuntimeError, aiohttp.ClientError, TimeoutError, ValueError) as exc:
                    rec.status = "error"
                    client.errors[type(exc).__name__] += 1
                if kind == "burst" and rec.status == "busy":
                    busy_burst.add(conv.ident)
                if kind != "danger" and len(conv.asked) < len(QUESTIONS):
                    idle[conv.channel].append(conv)

            n = int(args.rate * args.duration)
            start = time.perf_counter() + 0.2
            kill_gw, kill_rasa = start + 0.4 * args.duration, start + 0.6 * args.duration
            killed: dict[str, float] = {}
            for i in range(n):
                due = start + i / args.rate
                now = time.perf_counter()
                if due > now:
                    await asyncio.sleep(due - now)
                now = time.perf_counter()
                phase = "before" if now < kill_gw else "after"
                loads[phase].append(load())
                if now >= kill_gw and "gateway" not in killed:
                    for _ in range(args.burst):  # more than Rasa takes at once: some wait in Redis
                        conv = self.new_conv("web")
                        convs.append(conv)
                        tasks.append(asyncio.create_task(one(conv, QUESTIONS[0], "burst")))
                    await asyncio.sleep(max(0.0, args.burst_lead - args.tg_lead))
                    for _ in range(args.tg_burst):  # in the inbox, some in work on gw1 at the kill
                        conv = self.new_conv("telegram")
                        convs.append(conv)
                        tasks.append(asyncio.create_task(one(conv, QUESTIONS[0], "tgburst")))
                    await asyncio.sleep(args.tg_lead)
                    self.gateways["gw1"].send_signal(signal.SIGKILL)
                    killed["gateway"] = time.perf_counter()
                    print(f"  {killed['gateway'] - start:5.1f} s: {args.burst} web messages and "
                          f"{args.tg_burst} Telegram updates at once, then gateway gw1 killed (SIGKILL)", flush=True)
                if now >= kill_rasa and "rasa" not in killed:
                    rasa1.procs[1].send_signal(signal.SIGKILL)
                    killed["rasa"] = now
                    print(f"  {now - start:5.1f} s: Rasa process 1 killed (SIGKILL)", flush=True)
                channel = "web" if i % 2 == 0 else "telegram"
                if self.rng.random() < args.danger_share:
                    conv = self.new_conv(channel)
                    convs.append(conv)
                    tasks.append(asyncio.create_task(one(conv, DANGER, "danger")))
                    continue
                if not idle[channel] or self.rng.random() < args.new_share:
                    conv = self.new_conv(channel)
                    convs.append(conv)
                else:
                    conv = idle[channel].popleft()
                tasks.append(asyncio.create_task(one(conv, QUESTIONS[len(conv.asked)], "ordinary")))
            await asyncio.wait(tasks, timeout=args.lost_after + 5)
            waited = await self.settle(redis_server.url)
            print(f"  backlog answered {waited:.0f} s after the last message was sent", flush=True)

            # -- read everything back -------------------------------------------------------
            per_channel: dict[str, Check] = {"web": Check(), "telegram": Check()}
            burst_lost = 0
            for conv in convs:
                if conv.asked and conv.asked[0] == DANGER:
                    continue
                person, bot = await client.transcript(conv)
                lost = check(conv, person, bot, prints, per_answer, per_channel[conv.channel])
                burst_lost += lost if conv.ident in busy_burst else 0
            burst = [r for r in results if r.kind == "burst"]

            danger = [r for r in results if r.kind == "danger"]
            danger_bad = sum(1 for r in danger if r.first not in EMERGENCY)
            statuses = collections.Counter(f"{r.channel}:{r.status}" for r in results)
            print(f"\ngateways from {args.gateway_root}")
            print(f"replica benchmark behind HAProxy ({Path(args.haproxy).name} with {CONFIG.relative_to(ROOT)}); "
                  f"2 CPUs shared with other jobs; {args.rate:g} msgs/s for {args.duration:g} s, half web chat, "
                  f"half Telegram webhook, {args.danger_share:.0%} danger; burst {args.burst}; claim "
                  f"{args.claim:g} s")
            print(f"  load average: before the kills {statistics.fmean(loads['before'] or [0]):.2f}, "
                  f"after {statistics.fmean(loads['after'] or [0]):.2f}")
            print(f"  sent {len(results)} ({sum(r.channel == 'web' for r in results)} web, "
                  f"{sum(r.channel == 'telegram' for r in results)} Telegram); first replies {dict(statuses)}; "
                  f"webhook re-posts {client.reposts}; client errors {dict(client.errors)}")
            for ch in ("web", "telegram"):
                for phase, lo, hi in (("before the kills", 0.0, kill_gw), ("after", kill_gw, float("inf"))):
                    ms = [r.ms for r in results if r.channel == ch and r.ms is not None and lo <= r.at < hi
                          and r.kind not in ("burst", "tgburst")]
                    print(f"  {ch:8s} latency to the first reply, {phase}: {fmt(ms)}")
                # Sent before the kill and not answered by then (bursts included): what gw1 may
                # have held in work (a Telegram update taken from the inbox, a web request).
                held = [r.ms for r in results if r.channel == ch and r.ms is not None
                        and r.at < killed.get("gateway", 0.0) < r.at + r.ms / 1000]
                print(f"  {ch:8s} in work at the gateway kill (sent before it, answered after): {fmt(held)}, "
                      f"max {max(held, default=0):.0f} ms, load {statistics.fmean(loads['after'] or [0]):.2f}")
            for ch, c in per_channel.items():
                print(f"  {ch:8s} {c.conversations} conversations, {c.messages} questions: answered {c.answered}, "
                      f"'bot unavailable' {c.unavailable}, LOST {c.lost}; out of order {c.out_of_order}; "
                      f"duplicates: {c.dup_messages} messages recorded twice, {c.dup_answers} answers twice")
            print(f"  burst: {len(burst)} web messages at once, {len(busy_burst)} told 'a moment' (waiting in "
                  f"Redis when gw1 was killed or answered before), of them lost {burst_lost}")
            print(f"  danger: {len(danger)}; first reply not the 112 text: {danger_bad}; time to 112 "
                  f"{fmt([r.ms for r in danger if r.ms is not None])}")

            st = await self.haproxy_stat()
            print("  HAProxy: " + "; ".join(
                f"{n}: {st[n].get('status')}, went down {st[n].get('chkdown')}x, failed checks {st[n].get('chkfail')}, "
                f"retried {st[n].get('wretr')}, redispatched {st[n].get('wredis')}" for n in ("gw1", "gw2") if n in st)
                + f"; 5xx answered by the frontend {st.get('FRONTEND', {}).get('hrsp_5xx')}, "
                f"by the backend {st.get('BACKEND', {}).get('hrsp_5xx')}")

            # -- gateway back, then capacity with one Rasa process -------------------------------
            self.start_gateway("gw1")
            await wait_http(http, f"http://127.0.0.1:{self.ports['gw1']}/healthz", 240,
                            lambda: self.gateways["gw1"].poll() is None)
            await self.haproxy_up("gw1", True)
            cap1 = await self.capacity(client, "1 Rasa process, 2 gateways")
            print(f"  capacity, {cap2['label']}: {cap2['rate']:.1f} msgs/s, {cap2['lat']}, other {cap2['other']}, "
                  f"load {cap2['load']:.1f}")
            print(f"  capacity, {cap1['label']}: {cap1['rate']:.1f} msgs/s, {cap1['lat']}, other {cap1['other']}, "
                  f"load {cap1['load']:.1f}")
            lost = sum(c.lost for c in per_channel.values())
            disorder = sum(c.out_of_order for c in per_channel.values())
            print(f"  LOST {lost}, OUT OF ORDER {disorder}, DANGER WITHOUT 112 FIRST {danger_bad}")
            return 0 if lost == 0 and disorder == 0 and danger_bad == 0 else 1
        finally:
            await http.close()
            await api.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=8.0)
    ap.add_argument("--duration", type=float, default=40.0)
    ap.add_argument("--burst", type=int, default=60, help="web messages at once just before the gateway kill")
    ap.add_argument("--burst-lead", type=float, default=1.0, help="seconds between the burst and the kill")
    ap.add_argument("--tg-burst", type=int, default=20,
                    help="Telegram updates (new chats) at once just before the gateway kill")
    ap.add_argument("--tg-lead", type=float, default=0.3, help="seconds between the Telegram burst and the kill")
    ap.add_argument("--danger-share", type=float, default=0.05)
    ap.add_argument("--new-share", type=float, default=0.2, help="share of messages that open a conversation")
    ap.add_argument("--claim", type=float, default=15.0, help="RASA_WAIT_CLAIM_SECONDS of the gateways")
    ap.add_argument("--workers", type=int, default=6, help="closed-loop conversations in the capacity phases")
    ap.add_argument("--capacity", type=float, default=20.0, help="seconds per capacity phase")
    ap.add_argument("--learn", type=int, default=4, help="warm-up conversations to learn the answers from")
    ap.add_argument("--lost-after", type=float, default=30.0)
    ap.add_argument("--settle", type=float, default=180.0,
                    help="at most this many seconds for the backlog (Redis: deferred messages, Telegram streams)")
    ap.add_argument("--haproxy", default=shutil.which("haproxy") or HAPROXY)
    ap.add_argument("--gateway-root", type=Path, default=ROOT,
                    help="run the gateways from this checkout (e.g. `git worktree add /tmp/main main`) "
                         "to compare; everything else stays this checkout's")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep-logs", action="store_true")
    args = ap.parse_args()
    if not 0 < args.rate <= 200 or not 0 < args.duration <= 600:
        ap.error("need 0 < rate <= 200 and 0 < duration <= 600")
    if not Path(args.haproxy).exists():
        ap.error(f"no HAProxy at {args.haproxy} (apt-get install haproxy, or --haproxy PATH)")
    workdir = Path(tempfile.mkdtemp(prefix="replica-bench-"))
    procs = Processes()
    code = 2
    try:
        code = asyncio.run(Bench(args, procs, workdir).run())
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
