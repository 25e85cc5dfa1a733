"""What the gateway knows of a conversation, apart from where it is kept.

The types every part of the message path passes around (the conversation, a transcript
entry, what recording a message found): in their own module so reading them needs no
Redis, and so the store (bot.store) and the deferred messages (bot.deferred_messages)
share them without importing each other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

from bot.register import voice as register_voice
from bot.screening import Level, RiskState


class State(str, Enum):
    BOT = "bot"
    QUEUED = "queued"
    LIVE = "live"
    CLOSED = "closed"


# Who wrote an entry of the transcript, and who may see it.
PERSON, BOT, OPERATOR, SYSTEM = "person", "bot", "operator", "system"
TRUNCATED = " […]"  # marks a transcript text cut at MAX_MESSAGE_CHARS
TO_ALL, TO_STAFF = "all", "staff"


@dataclass
class Conversation:
    """What the gateway knows of one conversation (no text, no raw ids)."""

    pid: str
    channel: str = ""
    state: State = State.BOT
    language: str = "hu"
    rasa_language: str = ""
    skill: str = ""
    risk: RiskState = field(default_factory=RiskState)
    # The danger level an operator has already dealt with (returned the chat to the bot):
    # only a new signal queues the conversation again.
    handled: Level = Level.NONE
    emergency_told: float = 0.0  # when the person was last given the full emergency block
    greeted: float = 0.0  # when the bot last gave its full greeting (bot.reply_composer)
    greeted_in: str = ""  # ...and in which voice (a greeting in another language is not a repeat)
    media_told: float = 0.0  # when a live chat's person was told the colleague sees no pictures
    register: str = ""  # "formal" for an adult writing in Hungarian ("Ön"), see bot.register
    persona: str = ""  # child | adult | professional, as far as the words tell (bot.register)
    adult_self: bool = False  # said they are an adult by their own child or work (bot.register.adult_self)
    created: float = 0.0
    updated: float = 0.0

    @property
    def voice(self) -> str:
        """The text variant to answer in: language and register (``hu_formal``; bot.register)."""
        return register_voice(self.language, self.register)

    @property
    def with_human(self) -> bool:
        return self.state in (State.QUEUED, State.LIVE)


@dataclass(frozen=True)
class Entry:
    """One transcript line. ``text`` and ``buttons`` are sealed before they reach Redis."""

    seq: int
    sender: str
    text: str
    audience: str = TO_ALL
    buttons: tuple[tuple[str, str], ...] = ()
    ts: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        """The shape the web chat client receives."""
        return {
            "seq": self.seq,
            "from": self.sender,
            "text": self.text,
            "buttons": [{"title": t, "payload": p} for t, p in self.buttons],
            "ts": self.ts,
        }


@dataclass
class Prefetched:
    """What one message needs to know before it is recorded, read in one round trip."""

    conv: Conversation
    blocked: bool = False
    followup: bytes | None = None


class Recorded(NamedTuple):
    """What recording a person's message found (``ConversationStore.record``)."""

    seq: int
    counted: int  # messages counted in the flood window
    waiting: int  # messages of the conversation waiting deferred
    replay: int = 0  # a message id seen before: 1 answered, 2 being answered, 3 taken over (bot.replays)
    answered: int = 0  # replay 1: the cursor after the first delivery's answer


@dataclass(frozen=True)
class Deferred:
    """A message waiting in Redis for its answer (a flood's, or one Rasa had no room for)."""

    text: str
    counted: bool = False  # already counted towards the flood limit
    distress: bool = False
