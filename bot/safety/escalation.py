"""Fold message results into a conversation's risk state.

The conversation keeps the highest level ever seen (danger told once stays
told). Repeated worry also counts: CONCERN_STREAK_TO_HIGH consecutive
``concern`` messages raise the conversation to ``high``, because a child who
keeps writing that they are sad, alone or afraid should reach a person even
if no single message crossed the line. A ``none`` message breaks the streak;
a ``high``/``immediate`` message leaves it untouched (the level is already up).
"""
from __future__ import annotations

from bot.screening import Level, RiskState, ScreenResult

CONCERN_STREAK_TO_HIGH = 3
MAX_CATEGORIES = 9
MAX_MATCHES = 20


def _merge(old: list[str], new: tuple[str, ...], cap: int) -> list[str]:
    out = list(dict.fromkeys([*old, *new]))
    return out[-cap:] if len(out) > cap else out  # keep the newest evidence


def escalate(state: RiskState, result: ScreenResult, streak_to_high: int = CONCERN_STREAK_TO_HIGH) -> RiskState:
    """Return a new state; never mutates ``state``."""
    level = state.level if state.level >= result.level else result.level
    if result.level is Level.CONCERN:
        streak = state.concern_streak + 1
    elif result.level is Level.NONE:
        streak = 0
    else:
        streak = state.concern_streak
    if streak >= streak_to_high and level < Level.HIGH:
        level = Level.HIGH
    return RiskState(
        level=level,
        categories=_merge(state.categories, result.categories, MAX_CATEGORIES),
        matches=_merge(state.matches, result.matches, MAX_MATCHES),
        concern_streak=streak,
        # a message at the highest level so far names the danger that matters most now
        top=list(result.categories) if result.categories and result.level >= level else list(state.top),
    )
