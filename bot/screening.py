"""The screening contract between the gateway and any danger detector.

The gateway only knows this module: a screener turns one message into a
:class:`ScreenResult`, and :func:`escalate`-style functions fold results into a
conversation's :class:`RiskState`. The real detector lives in ``bot.safety``;
keeping the contract here lets the gateway run (and be tested) with any screener.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol


class Level(str, Enum):
    """Danger levels, ordered: compare with :attr:`rank`, never with strings."""

    NONE = "none"
    CONCERN = "concern"
    HIGH = "high"
    IMMEDIATE = "immediate"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, value: str | None) -> Level:
        try:
            return cls(value or "none")
        except ValueError:
            return cls.NONE

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank < other.rank


_RANK = {Level.NONE: 0, Level.CONCERN: 1, Level.HIGH: 2, Level.IMMEDIATE: 3}


@dataclass(frozen=True)
class ScreenResult:
    """What one message scored, with the evidence an operator needs to trust it."""

    level: Level = Level.NONE
    categories: tuple[str, ...] = ()
    matches: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "categories": list(self.categories),
            "matches": list(self.matches),
        }


@dataclass
class RiskState:
    """A conversation's danger so far: the highest level seen, plus what raised it."""

    level: Level = Level.NONE
    categories: list[str] = field(default_factory=list)
    matches: list[str] = field(default_factory=list)
    concern_streak: int = 0
    # The categories of the latest message at the conversation's highest level: the danger
    # that matters most now ("hová forduljak?" after "bezártak a pincébe" is about that, not
    # about a milder word said first; bot.rasa_turn sends them first in ``topics``).
    top: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "categories": list(self.categories),
            "matches": list(self.matches),
            "concern_streak": self.concern_streak,
            "top": list(self.top),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RiskState:
        data = data or {}
        return cls(
            level=Level.parse(data.get("level")),
            categories=list(data.get("categories") or []),
            matches=list(data.get("matches") or []),
            concern_streak=int(data.get("concern_streak") or 0),
            top=list(data.get("top") or []),
        )


class Screener(Protocol):
    """Anything that scores a message. Must be fast, pure and never raise on any text."""

    def screen(self, text: str) -> ScreenResult: ...

    def escalate(self, state: RiskState, result: ScreenResult) -> RiskState: ...
