"""Run a gateway (``python -m bot``) from any checkout, counting what it sends out.

Usage (the benchmark does this): COUNT_FILE=/tmp/x.json python bench/counted_gateway.py TREE

Counts, for the whole process, every Redis round trip (one request written on a
connection: a command, or a whole pipeline) and every HTTP request to Rasa by kind
(REST webhook, tracker API, status), and writes them as JSON to COUNT_FILE every 0.2 s.
It patches the client libraries, not the gateway, so the same counts come from an older
checkout (the "before" of a before/after run) as from this one. Never counts text.
With PROFILE_FILE set, the run from SIGUSR1 on is profiled (cProfile) and written there at the stop.
"""
from __future__ import annotations

import collections
import json
import os
import runpy
import sys
import threading
import time
from pathlib import Path

tree = Path(sys.argv[1]).resolve()
sys.path[0] = str(tree)  # import the tree's bot, not this checkout's
os.chdir(tree)
counts: collections.Counter[str] = collections.Counter()

from redis.asyncio.connection import AbstractConnection

_send = AbstractConnection.send_packed_command


async def _counted_send(self, command, check_health=True):
    counts["redis_round_trips"] += 1
    await _send(self, command, check_health)


AbstractConnection.send_packed_command = _counted_send  # type: ignore[method-assign]

import aiohttp

_request = aiohttp.ClientSession._request
RASA_PORTS = {p for p in os.environ.get("COUNT_RASA_PORTS", "").split(",") if p}


async def _counted_request(self, method, str_or_url, *args, **kwargs):
    url = str(str_or_url)
    port = url.split("://", 1)[-1].split("/", 1)[0].rpartition(":")[2]
    if port in RASA_PORTS:
        kind = ("rasa_webhook" if "/webhooks/rest/webhook" in url else
                "rasa_tracker" if "/tracker" in url else "rasa_other")
        counts[kind] += 1
    return await _request(self, method, str_or_url, *args, **kwargs)


aiohttp.ClientSession._request = _counted_request  # type: ignore[method-assign]


def _writer(path: str) -> None:
    tmp = path + ".tmp"
    while True:
        try:
            snapshot = dict(counts)
        except RuntimeError:  # changed while copied (another thread): next time
            time.sleep(0.01)
            continue
        with open(tmp, "w") as f:
            json.dump(snapshot, f)
        os.replace(tmp, path)
        time.sleep(0.2)


if os.environ.get("COUNT_FILE"):
    threading.Thread(target=_writer, args=(os.environ["COUNT_FILE"],), daemon=True).start()
sys.argv = ["bot"]
if os.environ.get("PROFILE_FILE"):  # bench/gateway_overhead.py --profile: from SIGUSR1 on, written at the stop
    import cProfile
    import signal

    profiler = cProfile.Profile(time.process_time)  # CPU time: a busy machine's waits are not ours
    signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())  # after the start-up and the warm-up
    try:
        runpy.run_module("bot", run_name="__main__", alter_sys=True)
    finally:
        profiler.disable()
        profiler.dump_stats(os.environ["PROFILE_FILE"])
else:
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
