"""Who is writing: a child about themself, an adult about a child, or a professional.

The persona slot is filled by NLU (persona entity, persona_* intents). These
helpers cover what entities can't: a harming relative named in the first person
("apám", "my stepdad") means a child is writing about themself. The cue lists
are deliberately small; when nothing fits, the bot asks with buttons.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from rasa_sdk import Tracker

from knowledge import PERSONAS, normalise

# First-person forms of the relation entity (normalised: no accents, lowercase).
CHILD_RELATION_FORMS = frozenset({
    "apam", "apum", "apukam", "anyam", "anyum", "anyukam", "mostohaapam",
    "mostohaanyam", "neveloapam", "neveloanyam", "nagyapam", "nagybatyam",
    "batyam", "tanarom", "edzom",
})
_CHILD_CUES = re.compile(
    r"\b(suli\w*|ofo\w*|osztalytars\w*|teso\w*|nem merek haza\w*|\d{1,2} ?eves vagyok|"
    r"anyu\w*|apu\w*|my (mom|mum|dad|stepdad|stepfather|teacher|coach)|"
    r"i ?m (1[0-7]|[6-9])\b|i am (1[0-7]|[6-9])\b)"
)


def child_cues(texts: Iterable[str]) -> bool:
    """True if any text reads like a child writing about themself."""
    return any(_CHILD_CUES.search(normalise(t or "")) for t in texts)


def infer_persona(tracker: Tracker) -> str | None:
    """Persona from the slot, else from the latest message; None if unclear."""
    slot = tracker.get_slot("persona")
    if slot in PERSONAS:
        return slot
    latest = tracker.latest_message or {}
    text = latest.get("text") or ""
    for entity in latest.get("entities") or []:
        if entity.get("entity") == "relation" and "start" in entity and "end" in entity:
            if normalise(text[entity["start"]:entity["end"]]) in CHILD_RELATION_FORMS:
                return "child"
    if child_cues([text]):
        return "child"
    return gateway_persona(tracker)


def message_metadata(tracker: Tracker) -> dict:
    """The gateway's metadata of the latest message (bot.rasa_turn.rasa_metadata)."""
    meta = (tracker.latest_message or {}).get("metadata") or {}
    if not meta:
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                meta = event.get("metadata") or {}
                break
    return meta if isinstance(meta, dict) else {}


def gateway_persona(tracker: Tracker) -> str | None:
    """Who the gateway heard writing (bot.register: "Jó napot", "a lányom", "tanár vagyok"),
    sent as message metadata; None if it could not tell."""
    persona = message_metadata(tracker).get("persona")
    return persona if persona in PERSONAS else None


def queued_for_danger(tracker: Tracker) -> bool:
    """True while the chat waits for an operator because of danger (the gateway's metadata
    ``queued``: the conversation's danger level while it is queued; high or immediate)."""
    return message_metadata(tracker).get("queued") in ("high", "immediate")


def recent_user_texts(tracker: Tracker, limit: int = 6) -> list:
    """The last few user texts (kept in memory only, never logged)."""
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    return texts[-limit:]


def handoff_skill(tracker: Tracker) -> str:
    """Queue for the handoff: persona slot; unknown -> child if it sounds like one, else adult."""
    persona = infer_persona(tracker)
    if persona:
        return persona
    return "child" if child_cues(recent_user_texts(tracker)) else "adult"
