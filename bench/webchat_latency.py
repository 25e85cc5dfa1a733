"""Reply latency of the web chat API against a running service (``make run``).

Usage: .venv/bin/python bench/webchat_latency.py [--url http://127.0.0.1:8080] [--n 200]
Sends N ordinary messages, one at a time, from N/5 sessions (under the flood limit), and prints the median
and p95 of the full round trip (gateway + screening + Rasa + actions + Redis).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

import aiohttp

MESSAGES = [
    "szia", "hova fordulhatok ha a szomszed gyereket bantjak?", "köszönöm", "mi az a gyámhatóság?",
    "ingyenes?", "anonim maradhatok?", "hello", "where can I get help for a child?", "jo ejt",
    "mikor vagytok elerhetoek?",
]


async def main(url: str, n: int) -> None:
    latencies: list[float] = []
    async with aiohttp.ClientSession() as http:
        sessions = [f"bench-{uuid.uuid4().hex[:12]}" for _ in range(max(1, n // 5))]
        for i in range(n):
            body = {"session": sessions[i % len(sessions)], "text": MESSAGES[i % len(MESSAGES)]}
            t0 = time.perf_counter()
            async with http.post(f"{url}/api/chat", json=body) as resp:
                await resp.read()
                if resp.status != 200:
                    raise SystemExit(f"HTTP {resp.status}")
            latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"web chat reply latency over {n} messages: median {statistics.median(latencies):.1f} ms, "
          f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    asyncio.run(main(args.url.rstrip("/"), args.n))
