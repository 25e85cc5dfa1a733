"""Shared helpers: the knowledge store, language, messages and buttons.

Privacy: nothing here logs message text, slot values or ids; log lines carry
only action names, counts and reasons.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker

import knowledge
import wording
from knowledge import Knowledge

logger = logging.getLogger(__name__)


class KnowledgeStore:
    """Loads the YAML once; re-reads only the office file when it changes.

    Services and routing change with a deploy; offices are imported by operators
    while the server runs, so their mtime is checked (a cheap stat, done in a
    worker thread to keep the event loop free).
    """

    def __init__(self) -> None:
        self._knowledge: Knowledge = knowledge.load()
        self._offices_path: Path = knowledge.offices_path()
        self._offices_mtime: float = self._mtime()
        self._lock = asyncio.Lock()

    def _mtime(self) -> float:
        try:
            return self._offices_path.stat().st_mtime
        except OSError:
            return 0.0

    def _reload_offices_if_changed(self) -> None:
        mtime = self._mtime()
        if mtime != self._offices_mtime:
            self._knowledge.offices = knowledge.load_offices(self._offices_path)
            self._offices_mtime = mtime
            logger.info("office directory reloaded: %d rows", len(self._knowledge.offices))

    async def get(self) -> Knowledge:
        """The current knowledge, with a fresh office list if the file changed."""
        async with self._lock:
            await asyncio.to_thread(self._reload_offices_if_changed)
        return self._knowledge


STORE = KnowledgeStore()


def language(tracker: Tracker) -> str:
    """The gateway-set language slot; Hungarian unless it says English."""
    return "en" if tracker.get_slot("language") == "en" else "hu"


def waiting(tracker: Tracker) -> bool:
    """A person is on the way or writing (the gateway's ``queued`` slot, sent with every
    message): the answers then offer no person again ("if you like, a colleague can chat with
    you" beside "you are number 2" tells a child nobody was asked)."""
    return tracker.get_slot("queued") == "yes"


def message(k: Knowledge | None, key: str, lang: str, persona: str | None = None, queued: bool = False) -> str:
    """A text from the catalogue (``wording/actions.yml``) in the person's language and register.

    A child gets "te", an adult or a professional "Ön"; a writer whose persona is not known
    yet gets the register chosen once for everyone unknown (``wording.UNKNOWN_REGISTER``), as
    the gateway's and the queue's texts do. A ``<key>_professional`` entry replaces the text
    for a professional; ``queued`` (``waiting``): a ``<key>_queued`` entry, the text without its
    offer of a person, replaces it. ``k`` is unused: the texts are no longer part of the knowledge."""
    if queued and wording.has(f"{key}_queued"):
        key = f"{key}_queued"
    if persona and wording.has(f"{key}_{persona}"):
        return wording.text(f"{key}_{persona}", lang)
    register = {"child": "te", "adult": "ön", "professional": "ön"}.get(persona or "", wording.UNKNOWN_REGISTER)
    return wording.text(key, lang, register)


def human_button(lang: str) -> dict[str, str]:
    """The "talk to a person" button (the handoff intent): one place for it in the actions."""
    return {"title": message(None, "button_human", lang), "payload": "/talk_to_human"}


def person_buttons(tracker: Tracker, lang: str) -> list[dict[str, str]]:
    """The "talk to a person" button, unless a person is on the way or writing already."""
    return [] if waiting(tracker) else [human_button(lang)]


def standard_buttons(k: Knowledge, lang: str, consultation: bool = False,
                     queued: bool = False) -> list[dict[str, str]]:
    """Next steps offered after an answer (payloads: plain /intent only); ``queued``
    (``waiting``): no "talk to a person", one is on the way."""
    buttons = [] if queued else [human_button(lang)]
    buttons += [
        {"title": message(k, "button_report", lang), "payload": "/report_start"},
        {"title": message(k, "button_numbers", lang), "payload": "/emergency_numbers"},
    ]
    if consultation:
        buttons.insert(0, {"title": message(k, "button_consultation", lang),
                           "payload": "/ask_consultation"})
    return buttons


def persona_buttons(k: Knowledge, lang: str) -> list[dict[str, str]]:
    """Who-is-writing buttons; each payload is an intent that sets the persona slot."""
    return [
        {"title": message(k, "button_persona_child", lang), "payload": "/persona_child"},
        {"title": message(k, "button_persona_adult", lang), "payload": "/persona_adult"},
        {"title": message(k, "button_persona_professional", lang), "payload": "/persona_professional"},
    ]


def latest_intent(tracker: Tracker) -> str | None:
    """Name of the intent NLU gave the last user message."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def format_offices(k: Knowledge, offices: list[dict[str, Any]], lang: str) -> str:
    """Office lines with the source and date of each contact, so staff can verify them."""
    lines = [message(k, "office_found", lang)]
    for office in offices:
        service = k.services.get(office["service"], {})
        name = (service.get("name") or {}).get(lang, office["service"])
        parts = [p for p in (office.get("address"), office.get("phone")) if p]
        src = message(k, "office_source", lang)
        lines.append(f"• {name}: {', '.join(parts)} ({src}: {office['source']}, {office['date']})")
    if any(o.get("sample") for o in offices):
        lines.append(message(k, "office_sample_warning", lang))
    return "\n".join(lines)
