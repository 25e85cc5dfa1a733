"""The shape of the code, from its source: what ARCHITECTURE-level promises rest on.

- No import circle among the handoff, the console, delivery and the gateway, counting
  every import (module level, inside functions and under TYPE_CHECKING): a circle
  hidden behind TYPE_CHECKING is still two modules that cannot be read apart.
- No import circle anywhere in ``bot/`` but the few listed in ``KNOWN_CIRCLES``, each with
  its reason (the list only shrinks).
- The conversation's ``state`` is written by the named compare-and-set scripts only
  (``bot.store`` and ``bot.handoff.queue_scripts`` say so in their docstrings).
- The gateway is composed, not inherited: its parts are plain classes given to it at
  construction (no mixin chain a reader climbs up and down to follow one message).
- One stream consumer loop (``bot.stream_consumer``) reads every Redis stream group: the
  Telegram inbox and outbox do not each carry their own.
- No module over ``LINE_LIMIT`` lines but those in ``LONG_MODULES``: a module that long
  holds more than one concern, and a newcomer reads it whole to change one. The list
  only shrinks: a module split below the limit must leave it.

``python -m tests.test_structure`` prints the circles and the long modules.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
CODE = ("bot", "actions")  # the service's own code (tests and scripts may be long)
LINE_LIMIT = 400

# Modules over LINE_LIMIT today, and why they are not split yet. Take a module off when it is.
LONG_MODULES: dict[str, str] = {}  # none left (session 8)

# Import circles left, with why: each is two or three modules that cannot be read apart.
KNOWN_CIRCLES: dict[frozenset[str], str] = {}  # none left (session 8)


def _modules() -> dict[str, Path]:
    out = {}
    for path in BOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Every bot module ``path`` imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_circle_in_the_handoff_path() -> None:
    known = _modules()
    scope = {m for m in known if m.startswith(("bot.handoff", "bot.console", "bot.reports"))}
    scope |= {"bot.delivery", "bot.gateway", "bot.store", "bot.app"}
    scope |= {"bot.inbound", "bot.commands", "bot.screening_step", "bot.state_router", "bot.reply_composer",
              "bot.rasa_turn", "bot.deferred_answers", "bot.kept_messages", "bot.spool_replay",
              "bot.conversation_lock", "bot.background", "bot.gateway_build"}  # the gateway's parts
    assert "bot.handoff.service" in scope and "bot.console.hub" in scope
    graph = {m: _imports(known[m], known) & scope - {m} for m in scope}
    assert _circles(graph) == []


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {m: _imports(known[m], known) - {m} for m in known}


def test_no_import_circle_in_bot_but_the_known_ones() -> None:
    circles = {frozenset(c) for c in _circles(_graph())}
    assert circles <= set(KNOWN_CIRCLES), f"new import circle: {[sorted(c) for c in circles - set(KNOWN_CIRCLES)]}"
    gone = set(KNOWN_CIRCLES) - circles
    assert not gone, f"circle gone, take it off KNOWN_CIRCLES: {[sorted(c) for c in gone]}"


def long_modules() -> dict[str, int]:
    """Every module of the service's code over LINE_LIMIT lines, with its length."""
    out = {}
    for top in CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > LINE_LIMIT:
                out[str(path.relative_to(ROOT))] = lines
    return out


def test_no_new_module_over_the_line_limit() -> None:
    found = long_modules()
    print(f"modules over {LINE_LIMIT} lines:", ", ".join(f"{m} ({n})" for m, n in found.items()))
    new = sorted(set(found) - set(LONG_MODULES))
    assert not new, f"over {LINE_LIMIT} lines, split by concern (or argue for it in LONG_MODULES): {new}"
    shorter = sorted(set(LONG_MODULES) - set(found))
    assert not shorter, f"now within {LINE_LIMIT} lines (or gone): take off LONG_MODULES: {shorter}"


GATEWAY_PARTS = ("bot.gateway", "bot.screening_step", "bot.state_router", "bot.reply_composer", "bot.rasa_turn",
                 "bot.deferred_answers", "bot.kept_messages", "bot.spool_replay", "bot.conversation_lock",
                 "bot.background")


def test_the_gateway_is_composed_of_parts_not_a_mixin_chain() -> None:
    import importlib
    import inspect

    for name in GATEWAY_PARTS:
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and not issubclass(cls, (Exception, tuple)):
                assert cls.__bases__ == (object,), f"{name}.{cls_name} inherits {cls.__bases__}: pass parts in"
    from bot.gateway import Gateway

    parts = inspect.signature(Gateway).parameters
    assert {"screening", "router", "replies", "deferred", "kept"} <= set(parts)


def test_one_stream_consumer_loop_reads_every_stream_group() -> None:
    readers = {str(path.relative_to(ROOT)) for path in BOT.rglob("*.py")
               if re.search(r"\.(xreadgroup|xautoclaim)\(", path.read_text(encoding="utf-8"))}
    assert readers == {"bot/stream_consumer.py"}


STATE_WRITE = re.compile(r"HSET'\s*,\s*KEYS\[\d+\]\s*,\s*'state'")


def test_only_the_named_scripts_write_the_conversation_state() -> None:
    writers = set()
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str) and STATE_WRITE.search(node.value.value)):
                writers |= {f"{path.relative_to(ROOT)}:{t.id}" for t in node.targets if isinstance(t, ast.Name)}
        # No Python-side write either (a pipeline or hset naming the field).
        assert not re.search(r"hset\([^)]*[\"']state[\"']", path.read_text(encoding="utf-8")), path
    scripts = "bot/handoff/queue_scripts.py"
    assert writers == {"bot/store.py:_SET_STATE", f"{scripts}:ENQUEUE", f"{scripts}:CLAIM",
                       f"{scripts}:RELEASE", f"{scripts}:REQUEUE", f"{scripts}:REOPEN"}


if __name__ == "__main__":
    for circle in _circles(_graph()):
        print("circle:", " <-> ".join(circle))
    for module, lines in long_modules().items():
        print(f"{lines:5d} {module}")
