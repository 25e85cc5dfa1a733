"""The danger screen: a deterministic, Rasa-independent scorer for every inbound message.

    from bot.safety import default_screener
    screener = default_screener()          # loads once (about 0.3 s with Hunspell)
    result = screener.screen(text)         # ScreenResult(level, categories, matches)
    state = screener.escalate(state, result)

See lexicon.yml for the reviewed word list and escalation.py for the streak rule.

A second, statistical signal (classifier/, weights in classifier.json) can raise a
message the lexicon scored `none`/`concern`: to `high` (category `unclassified_danger`,
match "classifier:0.87 «start of the window»") at t_high, `none` to `concern` at t_concern.
It scores a long message per window of a few sentences (the maximum counts), so harmless
sentences cannot add up, and the evidence quotes the window that raised it. It makes a message
`immediate` only when the lexicon's boosters for its category say it is happening now
("ma este", "nem mozdul", "20 perc múlva": Matcher.urgent); it never lowers a level, and
never raises to `high` a message in which the lexicon matched an idiom/context
suppressor or a negation. It is a constructor flag, ``LexiconScreener(classifier=...)``,
default CLASSIFIER_DEFAULT (on): the lexicon explains; the classifier catches wording the
lexicon has never seen and hands it to a human.

With the classifier comes the immediate model (classifier_now.json, "urgency"): a message
`high` by either signal becomes `immediate` (evidence "urgency:0.91") when the situation says it
is happening now ("hörög", "nem ébred fel", "the gate is open and she's gone"), which no time
word in the lexicon names. It is trained among danger text only (immediate against high)
and read per window together with the danger model, P(danger) x P(immediate | danger): the
urgency must be said where the danger is.
"""
from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.safety.escalation import escalate as _escalate
from bot.safety.lexicon import CLASSIFIER_CATEGORY, DEFAULT_PATH, Lexicon, LexiconError, load
from bot.safety.matcher import Matcher
from bot.safety.stemmer import Stemmer, load_stemmer
from bot.screening import Level, RiskState, ScreenResult

if TYPE_CHECKING:
    import bot.safety.classifier.inference as _clf

__all__ = ["LexiconScreener", "default_screener", "LexiconError", "Level", "RiskState", "ScreenResult"]

MAX_CHARS = 20_000  # longer text is screened in full, in slices of this size
# On by default: trained with ordinary chat as negatives, on sealed sets neither signal had
# seen it lifted high+ recall 0.70 -> 0.97 (fresh5), 0.52 -> 0.89 (fresh6), 0.65 -> 0.92
# (fresh7) for false alarms on deliberately tricky none messages 0.07-0.10 -> 0.13-0.15
# (bench/README.md, tests/test_safety_eval.py).
CLASSIFIER_DEFAULT = True
_log = logging.getLogger(__name__)
_warned = False
# A laughing face or "haha" beside wording only the classifier finds worrying ("kitagad :D"): the
# writer is joking, so the guess stays a concern. The lexicon's own matches are not affected.
_LAUGH = re.compile(r"[:;=]-?D(?![a-zA-Z])|\bx+d+\b|\b(?:ha){2,}h?\b|\blol\b|\blmao\b"
                    r"|[\U0001F602\U0001F923\U0001F606\U0001F639]", re.IGNORECASE)


def _load_classifier(path) -> _clf.Classifier | None:
    global _warned
    import bot.safety.classifier.inference as _clf  # late: `python -m bot.safety.classifier` imports this package

    try:
        return _clf.Classifier.load(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if not _warned:
            _warned = True
            _log.warning("safety classifier not loaded (%s); the lexicon screens alone", type(exc).__name__)
        return None


class LexiconScreener:
    """Implements bot.screening.Screener. screen() is pure, fast and never raises."""

    def __init__(self, lexicon: Lexicon | None = None, stemmer: Stemmer | None | bool = True,
                 classifier: bool | Path | str | _clf.Classifier | None = None,
                 urgency: bool | Path | str | _clf.Classifier = True) -> None:
        """``classifier``: None = CLASSIFIER_DEFAULT; True = load classifier.json; a path or a
        Classifier; False = lexicon only. A missing or unreadable file means lexicon only.
        ``urgency`` (only with a classifier): True = classifier_now.json, a path, a Classifier,
        or False."""
        self.lexicon = lexicon if lexicon is not None else load(DEFAULT_PATH)
        if stemmer is True:
            stemmer = load_stemmer()
        self.stemmer: Stemmer | None = stemmer or None
        self._matcher = Matcher(self.lexicon, self.stemmer)
        self._lock = threading.Lock()  # caches are shared; keep them consistent across threads
        if classifier is None:
            classifier = CLASSIFIER_DEFAULT
        if classifier is True:
            classifier = Path(__file__).with_name("classifier.json")
        if isinstance(classifier, (str, Path)):
            classifier = _load_classifier(classifier)
        self.classifier: _clf.Classifier | None = classifier or None
        # The urgency model goes with the default weights: a message `high` by either signal
        # becomes `immediate` when it says "now" through the situation (classifier.train_now).
        self.urgency: _clf.Classifier | None = None
        if self.classifier is not None and urgency:
            self.urgency = urgency if not isinstance(urgency, (bool, str, Path)) else _load_classifier(
                Path(__file__).with_name("classifier_now.json") if urgency is True else urgency)

    @property
    def uses_hunspell(self) -> bool:
        return self.stemmer is not None

    def screen(self, text: str) -> ScreenResult:
        try:
            if not isinstance(text, str):
                text = "" if text is None else str(text)
            return self.screen_detail(text)[0]
        except Exception:  # noqa: BLE001 - a screening bug must not drop a child's message
            # Fail safe, not silent: an unscreenable message is flagged for a human to read.
            return ScreenResult(Level.CONCERN, (), ("screening error",))

    def screen_detail(self, text: str) -> tuple[ScreenResult, bool]:
        """The lexicon's result (with the classifier's raise, if on) and whether a suppressor matched."""
        if len(text) <= MAX_CHARS:
            with self._lock:
                result, suppressed = self._matcher.screen_detail(text)
        else:
            parts = []
            for i in range(0, len(text), MAX_CHARS - 200):  # overlap so no phrase is cut in two
                with self._lock:
                    parts.append(self._matcher.screen_detail(text[i : i + MAX_CHARS]))
            result, suppressed = _combine([r for r, _s in parts]), any(s for _r, s in parts)
        clf = self.classifier
        if clf is None:
            return result, suppressed
        if result.level is Level.HIGH:
            return self._lift(text, result), suppressed
        if result.level >= Level.HIGH:
            return result, suppressed
        with self._lock:
            p, start, end = clf.best(text[: MAX_CHARS * 5])
        if p >= clf.t_high and not suppressed and not _LAUGH.search(text):
            window = text[start:end]
            with self._lock:  # "now" must be said where the danger is, not anywhere in a long story
                now = self._matcher.urgent(window[:MAX_CHARS], CLASSIFIER_CATEGORY)
            evidence = (f"classifier:{p:.2f} {_fragment(window)}", *([now] if now else []), *result.matches)
            raised = ScreenResult(Level.IMMEDIATE if now else Level.HIGH, (CLASSIFIER_CATEGORY, *result.categories),
                                  evidence)
            return (raised if now else self._lift(text, raised)), suppressed
        if p >= clf.t_concern and result.level is Level.NONE:
            match = f"classifier:{p:.2f} {_fragment(text[start:end])}"
            return ScreenResult(Level.CONCERN, (CLASSIFIER_CATEGORY,), (match,)), suppressed
        return result, suppressed

    def _lift(self, text: str, result: ScreenResult) -> ScreenResult:
        """A `high` message the urgency model reads as happening now becomes `immediate`.
        Not when the only evidence is a typo guess ("~..."): a fuzzy match never makes a
        message immediate."""
        now = self.urgency
        if now is None or all(m.startswith("~") for m in result.matches):
            return result
        with self._lock:
            q = now.joint(text[: MAX_CHARS * 5], self.classifier)[0]
        if q < now.t_high:
            return result
        return ScreenResult(Level.IMMEDIATE, result.categories, (f"urgency:{q:.2f}", *result.matches))

    def escalate(self, state: RiskState, result: ScreenResult) -> RiskState:
        return _escalate(state, result, self.lexicon.concern_streak_to_high)


def _fragment(window: str, limit: int = 60) -> str:
    """The start of the window that raised a message, for the operator (sealed with the other
    evidence, never logged): in a long message it says which sentence to read."""
    shown = " ".join(window.split())
    return f"«{shown if len(shown) <= limit else shown[: limit - 1] + '…'}»"


def _combine(results: list[ScreenResult]) -> ScreenResult:
    level = max((r.level for r in results), key=lambda lv: lv.rank)
    cats = tuple(dict.fromkeys(c for r in results for c in r.categories))
    matches = tuple(dict.fromkeys(m for r in results for m in r.matches))[:10]
    return ScreenResult(level, cats, matches)


_default_lock = threading.Lock()


@lru_cache(maxsize=1)
def _default() -> LexiconScreener:
    return LexiconScreener()  # classifier: CLASSIFIER_DEFAULT


def default_screener() -> LexiconScreener:
    """The shared screener, loaded once per process."""
    with _default_lock:
        return _default()
