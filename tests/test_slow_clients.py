"""Slow clients (slowloris) are cut off: the request head and body have deadlines
(``python -m bot`` serves through bot.serve), while normal and kept-alive requests work."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time

from bot.config import ROOT
from tests.conftest import KEYS, LIMITS_OFF, RedisServer, free_port, wait_port


def _closed_within(sock: socket.socket, seconds: float, trickle: bytes = b"") -> tuple[bool, bytes]:
    """Send ``trickle`` a byte every 0.2 s; True once the server closed the connection."""
    sock.settimeout(0.2)
    got = b""
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        try:
            if i < len(trickle):
                sock.send(trickle[i:i + 1])
                i += 1
            chunk = sock.recv(4096)
            if not chunk:
                return True, got
            got += chunk
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True, got
    return False, got


async def test_slow_heads_and_bodies_are_cut_off_and_normal_requests_work(redis_server: RedisServer, redis) -> None:
    port = free_port()
    dead = f"http://127.0.0.1:{free_port()}"
    env = {**os.environ, **KEYS, **LIMITS_OFF, "REDIS_URL": redis_server.url, "PORT": str(port), "LOG_LEVEL": "WARNING",
           "RASA_URL": dead, "ACTION_SERVER_URL": dead, "SPOOL_DIR": tempfile.mkdtemp(),
           "HTTP_HEADER_TIMEOUT": "1", "HTTP_BODY_TIMEOUT": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        await asyncio.to_thread(wait_port, port, 90)  # a hang guard: a start took 30 s on a loaded machine
        # A head sent a byte at a time never completes: closed after about a second.
        with socket.create_connection(("127.0.0.1", port)) as s:
            head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
            closed, _ = await asyncio.to_thread(_closed_within, s, 4, head)
            assert closed, "a trickled request head kept its connection open for 4 s"
        # A connection that sends nothing at all.
        with socket.create_connection(("127.0.0.1", port)) as s:
            closed, _ = await asyncio.to_thread(_closed_within, s, 4)
            assert closed
        # A body that stops half-way: 408.
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100\r\n\r\n{\"session\":")
            closed, got = await asyncio.to_thread(_closed_within, s, 4)
            assert got.startswith(b"HTTP/1.1 408") or closed, got[:100]
            assert got.startswith(b"HTTP/1.1 408"), got[:100]
        # Two whole requests on one kept-alive connection are served.
        with socket.create_connection(("127.0.0.1", port)) as s:
            for _ in range(2):
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                s.settimeout(5)
                head = s.recv(4096)
                assert head.startswith(b"HTTP/1.1 "), head[:50]
                await asyncio.sleep(0.5)
            # ...and a third head trickled on the same connection is cut off too.
            closed, _ = await asyncio.to_thread(_closed_within, s, 4, b"GET /healthz HTTP/1.1\r\nX-Slow: " + b"a" * 60)
            assert closed, "a trickled head on a kept-alive connection kept it open"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
