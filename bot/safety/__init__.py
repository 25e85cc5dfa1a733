"""The danger screen: a deterministic, Rasa-independent scorer for every inbound message.

    from bot.safety import default_screener
    screener = default_screener()          # loads once (about 0.3 s with Hunspell)
    result = screener.screen(text)         # ScreenResult(level, categories, matches)
    state = screener.escalate(state, result)

See lexicon.yml for the reviewed word list and escalation.py for the streak rule.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from bot.screening import Level, RiskState, ScreenResult
from bot.safety.escalation import escalate as _escalate
from bot.safety.lexicon import DEFAULT_PATH, Lexicon, LexiconError, load
from bot.safety.matcher import Matcher
from bot.safety.stemmer import Stemmer, load_stemmer

__all__ = ["LexiconScreener", "default_screener", "LexiconError", "Level", "RiskState", "ScreenResult"]

MAX_CHARS = 20_000  # longer text is screened in full, in slices of this size


class LexiconScreener:
    """Implements bot.screening.Screener. screen() is pure, fast and never raises."""

    def __init__(self, lexicon: Lexicon | None = None, stemmer: Stemmer | None | bool = True) -> None:
        self.lexicon = lexicon if lexicon is not None else load(DEFAULT_PATH)
        if stemmer is True:
            stemmer = load_stemmer()
        self.stemmer: Stemmer | None = stemmer or None
        self._matcher = Matcher(self.lexicon, self.stemmer)
        self._lock = threading.Lock()  # caches are shared; keep them consistent across threads

    @classmethod
    def from_path(cls, path: Path | str, stemmer: Stemmer | None | bool = True) -> "LexiconScreener":
        return cls(load(path), stemmer)

    @property
    def uses_hunspell(self) -> bool:
        return self.stemmer is not None

    def screen(self, text: str) -> ScreenResult:
        try:
            if not isinstance(text, str):
                text = "" if text is None else str(text)
            if len(text) <= MAX_CHARS:
                with self._lock:
                    return self._matcher.screen(text)
            results = []
            for i in range(0, len(text), MAX_CHARS - 200):  # overlap so no phrase is cut in two
                with self._lock:
                    results.append(self._matcher.screen(text[i : i + MAX_CHARS]))
            return _combine(results)
        except Exception:  # noqa: BLE001 - a screening bug must not drop a child's message
            # Fail safe, not silent: an unscreenable message is flagged for a human to read.
            return ScreenResult(Level.CONCERN, (), ("screening error",))

    def escalate(self, state: RiskState, result: ScreenResult) -> RiskState:
        return _escalate(state, result, self.lexicon.concern_streak_to_high)


def _combine(results: list[ScreenResult]) -> ScreenResult:
    level = max((r.level for r in results), key=lambda lv: lv.rank)
    cats = tuple(dict.fromkeys(c for r in results for c in r.categories))
    matches = tuple(dict.fromkeys(m for r in results for m in r.matches))[:10]
    return ScreenResult(level, cats, matches)


_default_lock = threading.Lock()


@lru_cache(maxsize=1)
def _default() -> LexiconScreener:
    return LexiconScreener()


def default_screener() -> LexiconScreener:
    """The shared screener, loaded once per process."""
    with _default_lock:
        return _default()
