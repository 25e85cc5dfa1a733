"""The shape of the code, from its source: what ARCHITECTURE-level promises rest on.

- No import circle among the handoff, the console, delivery and the gateway, counting
  every import (module level, inside functions and under TYPE_CHECKING): a circle
  hidden behind TYPE_CHECKING is still two modules that cannot be read apart.
- The conversation's ``state`` is written by the named compare-and-set scripts only
  (``bot.store`` and ``bot.handoff.queue`` say so in their docstrings).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"


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
    assert "bot.handoff.service" in scope and "bot.console.hub" in scope
    graph = {m: _imports(known[m], known) & scope - {m} for m in scope}
    assert _circles(graph) == []


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
    assert writers == {"bot/store.py:_SET_STATE", "bot/handoff/queue.py:ENQUEUE", "bot/handoff/queue.py:CLAIM",
                       "bot/handoff/queue.py:RELEASE", "bot/handoff/queue.py:REQUEUE"}
