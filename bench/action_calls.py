"""Action-server calls per message: how many times Rasa calls the action server for one
message, and for which actions, over a fixed set of messages sent as the gateway sends them
(REST webhook, metadata with the language and the persona the gateway heard).

    .venv/bin/python bench/action_calls.py [TREE]   # TREE: a checkout with a trained model (default: this one)

Starts Redis, the tree's action server, a counting proxy in front of it and the tree's Rasa
(its models/current.txt) on free loopback ports. The same script measures an older checkout
(the "before" of a before/after run). Counts action names only, never text. ~1-2 minutes.
"""
from __future__ import annotations

import asyncio
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import RASA_VENV, TRACKER_KEY, RedisServer, free_port

# (persona the gateway heard or "", message): ordinary turns of the conversations we test
MESSAGES = [
    ("", "szia"),
    ("adult", "Jó napot! Van menedékhely bántalmazott anyáknak?"),
    ("adult", "Mennyibe kerül?"),
    ("adult", "Névtelen bejelentést szeretnék tenni"),
    ("adult", "A szomszéd gyerekek egész nap egyedül vannak."),
    ("child", "a tesom mindig bant"),
    ("child", "koszi"),
    ("professional", "Tanár vagyok, egy diákom zúzódásokkal jött iskolába. Hova forduljak?"),
    ("professional", "Köszönöm, viszontlátásra."),
    ("", "mi az a gyámhatóság?"),
]


async def proxy(target: str, counts: collections.Counter[str]) -> tuple[web.AppRunner, int]:
    """Forward everything to the action server; count POST /webhook by action name."""
    session = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        if request.method == "POST" and request.path == "/webhook":
            counts[json.loads(body).get("next_action", "?")] += 1
        async with session.request(request.method, target + request.path_qs, data=body,
                                   headers={"Content-Type": request.content_type}) as resp:
            return web.Response(body=await resp.read(), status=resp.status, content_type=resp.content_type)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    app.on_cleanup.append(lambda _app: session.close())
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, port


def start(tree: Path, env: dict[str, str], logs: Path, action_port: int, rasa_port: int,
          token: str) -> list[subprocess.Popen[bytes]]:
    """The tree's action server and Rasa (its models/current.txt), logging under ``logs``."""
    model = (tree / "models" / "current.txt").read_text().strip()
    actions_log = open(logs / "actions.log", "ab")
    rasa_log = open(logs / "rasa.log", "ab")
    return [
        subprocess.Popen([str(RASA_VENV / "bin" / "rasa"), "run", "actions", "--actions", "actions", "-p",
                          str(action_port)], cwd=tree, env=env, stdout=actions_log, stderr=subprocess.STDOUT),
        subprocess.Popen([str(RASA_VENV / "bin" / "python"), "scripts/rasa_main.py", "run", "--model", model,
                          "--enable-api", "--auth-token", token, "-i", "127.0.0.1", "-p", str(rasa_port),
                          "--endpoints", "endpoints.redis.yml", "--credentials", "credentials.yml"],
                         cwd=tree, env=env, stdout=rasa_log, stderr=subprocess.STDOUT),
    ]


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(15)


async def main(tree: Path) -> None:
    redis = RedisServer(fsync="everysec")
    redis.start()
    logs = Path(tempfile.mkdtemp(prefix="bench-actions-"))
    action_port, rasa_port, token = free_port(), free_port(), "bench-token"
    counts: collections.Counter[str] = collections.Counter()
    runner, proxy_port = await proxy(f"http://127.0.0.1:{action_port}", counts)
    env = {**os.environ, "ACTION_SERVER_URL": f"http://127.0.0.1:{proxy_port}", "RASA_REDIS_HOST": "127.0.0.1",
           "RASA_REDIS_PORT": str(redis.port), "RASA_REDIS_DB": "0", "RASA_REDIS_PASSWORD": "",
           "TRACKER_EXPIRY_SECONDS": "3600", "SANIC_HOST": "127.0.0.1", "KNOWLEDGE_ALLOW_SAMPLE": "1",
           "TRACKER_ENCRYPTION_KEYS": TRACKER_KEY}
    procs = await asyncio.to_thread(start, tree, env, logs, action_port, rasa_port, token)
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 300
            while True:
                try:
                    async with http.get(f"http://127.0.0.1:{rasa_port}/status?token={token}") as r:
                        if r.status == 200 and "model_file" in await r.text():
                            async with http.get(f"http://127.0.0.1:{action_port}/health") as a:
                                if a.status == 200:
                                    break
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Rasa not ready; see {logs}")
                await asyncio.sleep(0.5)
            counts.clear()
            sender = f"bench-{uuid.uuid4().hex}"
            for persona, text in MESSAGES:
                slots = {"persona": persona} if persona else {}
                meta = {"language": "hu", "channel": "web", **({"persona": persona} if persona else {}),
                        **({"slots": slots} if slots else {})}
                async with http.post(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook?token={token}",
                                     json={"sender": sender, "message": text, "metadata": meta}) as r:
                    assert r.status == 200, r.status
                    await r.read()
    finally:
        await asyncio.to_thread(stop, procs)
        await runner.cleanup()
        redis.stop()
    total = sum(counts.values())
    print(f"{tree}: {len(MESSAGES)} messages, {total} action-server calls = {total / len(MESSAGES):.2f} per message")
    for name, n in counts.most_common():
        print(f"  {name}: {n}")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT))
