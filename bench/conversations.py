"""Whole conversations against the real stack: share of checks that hold, share of
conversations fully right, and the failures by kind.

    .venv/bin/python bench/conversations.py            # the open set (tests/conversations/*.yml)
    .venv/bin/python bench/conversations.py --sealed   # the sealed set: measure it once per round
    .venv/bin/python bench/conversations.py --sealed sealed2   # the next round's sealed folder
    .venv/bin/python bench/conversations.py --show ID  # one conversation's transcript

Starts its own Redis, Rasa (the model in models/current.txt), action server and gateway
on free loopback ports; needs `make train` first. About 2 minutes for each set.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.ids import pseudonymise
from tests.conftest import KEYS, RasaStack, RedisServer, free_port, make_settings, start_gateway
from tests.conversations import runner


async def run(sets: list[dict], show: str | None, verbose: bool) -> list[runner.Result]:
    redis = RedisServer(fsync="everysec")
    redis.start()
    stack = RasaStack(redis)
    stack.start_actions()
    stack.start_rasa()
    try:
        await asyncio.to_thread(stack.wait_ready)
        settings = make_settings(REDIS_URL=redis.url, PORT=free_port(), RASA_URL=stack.url, RASA_TOKEN=stack.token,
                                 ACTION_SERVER_URL=stack.action_url, RATE_LIMIT_MESSAGES=1000,
                                 NEW_CHATS_PER_ADDRESS=100_000, NEW_CHATS_GLOBAL=100_000,
                                 QUEUE_ENTRIES_PER_ADDRESS=100_000, QUEUE_ENTRIES_GLOBAL=100_000)
        gw = await start_gateway(settings)
        key = KEYS["PSEUDONYM_KEY"].encode()
        try:
            async with aiohttp.ClientSession() as http:
                play = runner.Runner(http, gw.url, KEYS["OPERATOR_API_TOKEN"],
                                     lambda s: pseudonymise(key, "web", s))
                results = []
                for conv in sets:
                    if show and conv["id"] != show:
                        continue
                    res = await play.run(conv)
                    results.append(res)
                    if verbose or show:
                        print(f"\n== {res.id} ({res.who}) {'OK' if res.ok else 'FAIL'}")
                        for person, bot in res.transcript:
                            print(f"  > {person}\n  < {bot[:600]}")
                        for c in res.failures():
                            print(f"  ! step {c.step + 1} {c.kind}: {c.expected}")
                return results
        finally:
            await gw.runner.cleanup()
    finally:
        stack.stop()
        redis.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sealed", nargs="?", const="sealed", default=None, metavar="FOLDER",
                        help="a sealed set (default folder `sealed`; e.g. `--sealed sealed2`): measure once")
    parser.add_argument("--show", help="print one conversation's transcript")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every transcript")
    args = parser.parse_args()
    convs = runner.sealed_set(args.sealed) if args.sealed else runner.open_set()
    started = time.monotonic()
    results = asyncio.run(run(convs, args.show, args.verbose))
    s = runner.summary(results)
    print(f"\n{args.sealed or 'open'} set: {s['conversations']} conversations, "
          f"{s['checks']} checks, {time.monotonic() - started:.0f} s")
    print(f"checks that hold:        {s['checks_held']}/{s['checks']} = {s['share_checks']:.3f}")
    print(f"conversations all right: {s['fully_right']}/{s['conversations']} = {s['share_conversations']:.3f}")
    asked, held = runner.first_reply_service(results)
    if asked:
        print(f"first reply names a fitting service: {held}/{asked} = {held / asked:.3f}")
    kinds = collections.Counter(c.kind for r in results for c in r.failures())
    by_who = collections.Counter(r.who for r in results if not r.ok)
    print("failed checks by kind:", dict(kinds))
    print("conversations not all right, by who:", dict(by_who))
    for r in results:
        if not r.ok:
            fails = "; ".join(f"{c.step + 1}:{c.kind} {c.expected[:50]}" for c in r.failures())
            print(f"  {r.id}: {fails}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
