"""deploy/haproxy.cfg, the load balancer bench/replica_bench.py measures, run for
real in front of two stand-in gateways: it routes round robin, keeps a gateway whose
/healthz says 503 (a dependency every replica shares is down: the gateway still answers
with 112) in rotation, takes a dead one out, and sends a request that a gateway died with
(connection closed, no answer) to the other one instead of answering 502."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import ROOT, free_port, require

CONFIG = ROOT / "deploy" / "haproxy.cfg"
CHECK_INTER = 0.3  # seconds between health checks here (fall 3: down after three failed)


def haproxy() -> str:
    path = shutil.which("haproxy") or "/usr/sbin/haproxy"
    require(Path(path).exists(), "no haproxy (Debian: apt-get install haproxy)")
    return path


class StandIn:
    """A gateway stand-in on a raw socket, so it can also die mid-request like a killed one."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = free_port()
        self.health = 200
        self.crash = False  # take a request, then close without answering
        self.served = 0
        self.server: asyncio.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.decode("latin-1").split("\r\n")[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            if length:
                await reader.readexactly(length)
            path = head.split(b" ", 2)[1].decode()
            if path == "/healthz":
                status, body = self.health, b"{}"
            elif self.crash:
                return  # closed in finally, nothing sent: what a SIGKILL looks like from outside
            else:
                self.served += 1
                status, body = 200, json.dumps({"who": self.name}).encode()
            reason = "OK" if status == 200 else "Service Unavailable"
            writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None


class Balancer:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.socket = workdir / "haproxy.sock"
        self.proc: subprocess.Popen[bytes] | None = None

    def env(self, gw1: StandIn, gw2: StandIn) -> dict[str, str]:
        return {**os.environ, "HAPROXY_BIND": f"127.0.0.1:{self.port}", "HAPROXY_STATS_SOCKET": str(self.socket),
                "GATEWAY1_ADDR": f"127.0.0.1:{gw1.port}", "GATEWAY2_ADDR": f"127.0.0.1:{gw2.port}",
                "HAPROXY_CHECK_INTER": f"{CHECK_INTER * 1000:.0f}ms"}  # the deployment's 2 s, faster

    async def states(self) -> dict[str, str]:
        """Server name -> HAProxy's operational state (2 = up, 0 = down)."""
        reader, writer = await asyncio.open_unix_connection(str(self.socket))
        writer.write(b"show servers state gateways\n")
        await writer.drain()
        data = (await reader.read()).decode()
        writer.close()
        return {p[3]: p[5] for p in (line.split() for line in data.splitlines()) if len(p) > 5 and p[1] == "gateways"}

    async def wait_state(self, name: str, up: bool, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if ((await self.states()).get(name) == "2") == up:
                    return
            except OSError:
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"{name} never {'up' if up else 'down'}: {await self.states()}")


def start(binary: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([binary, "-db", "-f", str(CONFIG)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


@pytest.fixture
async def balanced() -> AsyncIterator[tuple[Balancer, StandIn, StandIn]]:
    binary = haproxy()
    gw1, gw2 = StandIn("gw1"), StandIn("gw2")
    await gw1.start()
    await gw2.start()
    workdir = Path(tempfile.mkdtemp(prefix="test-haproxy-"))
    lb = Balancer(workdir)
    lb.proc = start(binary, lb.env(gw1, gw2))
    try:
        await lb.wait_state("gw1", True)
        await lb.wait_state("gw2", True)
        yield lb, gw1, gw2
    finally:
        lb.proc.terminate()
        try:
            lb.proc.wait(10)
        except subprocess.TimeoutExpired:
            lb.proc.kill()
            lb.proc.wait(5)
        await gw1.stop()
        await gw2.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_the_deployment_config_is_valid(tmp_path: Path) -> None:
    env = {**os.environ, "HAPROXY_STATS_SOCKET": str(tmp_path / "s.sock")}
    out = subprocess.run([haproxy(), "-c", "-f", str(CONFIG)], env=env, capture_output=True, text=True,
                         timeout=30, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


async def post(http: aiohttp.ClientSession, url: str, cookie: str = "") -> tuple[int, str]:
    headers = {"Cookie": f"GW={cookie}"} if cookie else {}
    async with http.post(f"{url}/api/chat", json={"session": "haproxy-test-1", "text": "szia"},
                         headers=headers) as r:
        body = await r.json(content_type=None) if r.status == 200 else {}
        return r.status, body.get("who", "")


async def test_routing_health_and_a_gateway_dying_mid_request(balanced) -> None:
    lb, gw1, gw2 = balanced
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        # Round robin for requests without the cookie (Telegram's webhook); the cookie keeps a browser.
        first = {(await post(http, lb.url))[1] for _ in range(6)}
        assert first == {"gw1", "gw2"}
        assert {(await post(http, lb.url, "gw2"))[1] for _ in range(4)} == {"gw2"}

        # /healthz 503 (Rasa or Redis down for every replica alike): still in rotation.
        gw2.health = 503
        await asyncio.sleep(5 * CHECK_INTER)  # more checks than it takes to go down (fall 3)
        assert (await lb.states())["gw2"] == "2"
        assert (await post(http, lb.url, "gw2")) == (200, "gw2")

        # A gateway that takes the request and dies without answering: the other one answers.
        gw2.crash = True
        served = gw1.served
        assert await post(http, lb.url, "gw2") == (200, "gw1")
        assert gw1.served == served + 1

        # A dead gateway leaves the rotation; its browsers move to the other.
        await gw2.stop()
        await lb.wait_state("gw2", False)
        results = [await post(http, lb.url, c) for c in ("", "gw2", "", "gw1")]
        assert results == [(200, "gw1")] * 4
