"""How far a reader follows one danger message through the code: stops, files, climbs back.

Run: .venv/bin/python bench/message_path.py [--tree DIR]   (DIR: another checkout, e.g. main)

Starts a redis-server and the gateway app in-process (Rasa and the action server a dead
URL), then sends one web message screened ``high`` (to the queue, then the bot's "not
available" answer) and one ``immediate`` (112 first), each in a fresh conversation, and
profiles the message's own task from ``Gateway.handle`` until it returns. Prints, per
message:

- stops: the distinct functions of ``bot/`` the message passes through (not ``bot/safety/``,
  the screen's insides; not comprehensions or lambdas), and how many of them are in the
  handoff (``bot/handoff/``, ``bot/console/``);
- files: the distinct modules those functions are in;
- climbs back: calls from a module into one that imports it (directly or not): code found
  through an override, a callback or an attribute set later, not by following an import;
- up a class chain: stops that are methods of a base class of the object they run on (a
  mixin): to find them a reader climbs the inheritance chain instead of following a
  part's type.

A reading measure, not a speed: the figures do not depend on the machine. Never prints
message text.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

parser = argparse.ArgumentParser()
parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1])
parser.add_argument("--list", action="store_true", help="print every stop, in order")
ARGS = parser.parse_args()
ROOT = ARGS.tree.resolve()
sys.path.insert(0, str(ROOT))

from bot.appkeys import GATEWAY
from bot.inbound import Inbound
from tests.conftest import RedisServer, free_port, make_settings, start_gateway
from tests.test_structure import _graph

MESSAGES = {  # level -> a message the screen puts there (test_gateway_input, test_handoff)
    "high": "meg akarok halni",
    "immediate": "apám kést fogott rám, most meg akar ölni",
}
BOT = ROOT / "bot"


def module_of(filename: str) -> str | None:
    path = Path(filename).resolve()
    if not path.is_relative_to(BOT) or path.is_relative_to(BOT / "safety"):
        return None
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def closure(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Every module each module imports, directly or through others."""
    out: dict[str, set[str]] = {}
    for start in graph:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        out[start] = seen
    return out


async def follow(gateway: Any, text: str, chat: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]],
                                                              set[tuple[str, str]]]:
    """(the functions entered, in order; the calls between bot modules; the functions entered
    as a base class's method on a subclass's object), for one message."""
    entered: list[tuple[str, str]] = []
    inherited: set[tuple[str, str]] = set()
    calls: list[tuple[str, str]] = []
    task: asyncio.Task[Any] | None = None

    def profile(frame: types.FrameType, event: str, _arg: Any) -> None:
        if event != "call" or asyncio.current_task() is not task:
            return
        code = frame.f_code
        callee = module_of(code.co_filename)
        if callee is None or code.co_name.startswith("<"):
            return
        entered.append((callee, code.co_qualname))
        owner = frame.f_locals.get("self")
        if owner is not None and "." in code.co_qualname:
            defined_in = code.co_qualname.split(".")[0]
            if type(owner).__name__ != defined_in and defined_in in {c.__name__ for c in type(owner).__mro__}:
                inherited.add((callee, code.co_qualname))
        back = frame.f_back
        while back is not None and module_of(back.f_code.co_filename) is None:
            back = back.f_back  # through library frames (contextlib, asyncio) to the bot caller
        if back is not None and back.f_code is not code:
            caller = module_of(back.f_code.co_filename)
            if caller and caller != callee:
                calls.append((caller, callee))

    async def run() -> None:
        sys.setprofile(profile)
        try:
            await gateway.handle(Inbound(channel="web", chat_id=chat, text=text, route={"channel": "web"}))
        finally:
            sys.setprofile(None)

    task = asyncio.ensure_future(run())
    await task
    return entered, calls, inherited


async def main() -> None:
    server = RedisServer()
    server.start()
    dead = f"http://127.0.0.1:{free_port()}"
    running = await start_gateway(make_settings(REDIS_URL=server.url, PORT=free_port(), RASA_URL=dead,
                                                ACTION_SERVER_URL=dead, SPOOL_DIR=tempfile.mkdtemp()))
    imports = closure(_graph())
    try:
        gateway = running.app[GATEWAY]
        await gateway.handle(Inbound(channel="web", chat_id="warm-up", text="szia", route={"channel": "web"}))
        print(f"tree: {ROOT}")
        for level, text in MESSAGES.items():
            entered, calls, inherited = await follow(gateway, text, f"path-{level}")
            stops = list(dict.fromkeys(entered))
            files = {m for m, _ in stops}
            handoff = [s for s in stops if s[0].startswith(("bot.handoff", "bot.console"))]
            climbs = [(a, b) for a, b in dict.fromkeys(calls) if a in imports.get(b, set())]
            in_handoff = f"{len(handoff)} in the handoff, {len({m for m, _ in handoff})} files"
            print(f"{level:9s}: {len(stops)} stops ({in_handoff}) in {len(files)} files, "
                  f"{len(climbs)} climbs back, {len(inherited)} up a class chain")
            for a, b in climbs:
                print(f"           climb back: {a} -> {b}")
            if ARGS.list:
                for module, function in stops:
                    print(f"           {module}.{function}")
    finally:
        await running.runner.cleanup()
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
