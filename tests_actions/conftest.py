"""Fixtures for the custom actions, run in-process in the Rasa environment (.venv-rasa).

As in RasaHQ/financial-demo's tests: a tracker from a saved JSON tracker (``data/*.json``,
Rasa's tracker format) with the message under test put on top, a fresh
``CollectingDispatcher``, the domain as Rasa loads it from ``domain/``, and
``await action.run(dispatcher, tracker, domain)``. No action server, no model, no HTTP:
what the gateway relies on end to end stays in tests/ (the gateway's suite).

Run with ``make test-actions`` (``.venv-rasa/bin/python -m pytest tests_actions``).
"""
from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

import pytest

try:
    from rasa_sdk import Tracker
    from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
    from rasa_sdk.types import TrackerState
except ImportError:  # the gateway's .venv: say where these tests run instead of a traceback
    raise pytest.UsageError("tests_actions/ runs in the Rasa environment: make test-actions "
                            f"(this is {sys.executable})") from None

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

Result = dict[str, Any]


@pytest.fixture
def anyio_backend() -> str:
    """Each test module marks itself ``pytest.mark.anyio``: anyio (in rasa.lock) runs the async
    tests; pytest-asyncio is not in the Rasa environment and gets no place there for this."""
    return "asyncio"


@pytest.fixture(autouse=True)
def no_sample_offices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sample offices are refused unless a test allows them (as in production)."""
    monkeypatch.delenv("KNOWLEDGE_ALLOW_SAMPLE", raising=False)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def executor() -> ActionExecutor:
    """The actions as the action server registers them (``rasa run actions``), by Rasa name:
    tests that look an action up here do not depend on which module or class holds it."""
    found = ActionExecutor()
    found.register_package("actions")
    return found


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The domain as Rasa itself reads the topic folder (what the action server is sent)."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain")).as_dict()


def saved_tracker(name: str) -> dict[str, Any]:
    """A saved tracker state (``data/<name>_tracker.json``), a fresh copy each time."""
    return copy.deepcopy(_saved(name))


_CACHE: dict[str, dict[str, Any]] = {}


def _saved(name: str) -> dict[str, Any]:
    if name not in _CACHE:
        _CACHE[name] = json.loads((DATA / f"{name}_tracker.json").read_text(encoding="utf-8"))
    return _CACHE[name]


def make_tracker(base: str = "initial", *, text: str = "x", intent: str = "inform", confidence: float = 0.9,
                 entities: Iterable[dict[str, Any]] = (), ranking: Iterable[dict[str, Any]] = (),
                 slots: dict[str, Any] | None = None, history: Iterable[str] = (),
                 metadata: dict[str, Any] | None = None, extracted: dict[str, Any] | None = None) -> Tracker:
    """The saved tracker ``base`` with ``history`` and then this message as the latest user turn;
    ``extracted``: the slots Rasa's form took from it (slot events after the message, which is
    what a FormValidationAction validates)."""
    state = saved_tracker(base)
    state["slots"].update(slots or {})
    parse = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": list(entities),
             "intent_ranking": list(ranking), "metadata": metadata or {}}
    for said in history:
        state["events"].append({"event": "user", "text": said, "parse_data": {}, "metadata": {}})
    state["events"].append({"event": "user", "text": text, "parse_data": parse, "metadata": metadata or {}})
    state["latest_message"] = parse
    for name, value in (extracted or {}).items():
        state["slots"][name] = value
        state["events"].append({"event": "slot", "name": name, "value": value})
    return Tracker.from_dict(cast(TrackerState, state))


@pytest.fixture
def run_action(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> Callable[..., Any]:
    """``await run_action(ActionX(), tracker)``: the messages the action sent and its events."""
    async def run(action: Any, tracker: Tracker) -> Result:
        events = await action.run(dispatcher, tracker, domain)
        return {"messages": list(dispatcher.messages), "events": events}

    return run


def texts(result: Result) -> str:
    return "\n".join(m.get("text") or "" for m in result["messages"])


def customs(result: Result) -> list[Any]:
    return [m["custom"] for m in result["messages"] if m.get("custom")]


def payloads(result: Result) -> list[str]:
    return [b["payload"] for m in result["messages"] for b in m.get("buttons") or []]


def slot_events(result: Result, name: str) -> list[Any]:
    return [e["value"] for e in result["events"] if e.get("event") == "slot" and e.get("name") == name]


@pytest.fixture
def offices_file(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Point every action at another office directory, as KNOWLEDGE_OFFICES_FILE does at start."""
    def use(path: Path) -> None:
        import actions.common

        monkeypatch.setenv("KNOWLEDGE_OFFICES_FILE", str(path))
        store = actions.common.KnowledgeStore()
        for name, module in list(sys.modules.items()):
            if name.startswith("actions.") and getattr(module, "STORE", None) is not None:
                monkeypatch.setattr(module, "STORE", store)

    return use
