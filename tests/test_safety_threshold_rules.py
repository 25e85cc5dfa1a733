"""The classifier's t_high is set by rules on the whole screen (issue 13, session 12): the issue's
targets bound what the screen raises, lexicon OR classifier, so the lexicon's own false alarms
count first. Before, the eval-`none` rule bounded the classifier alone (a row the lexicon raised
and the classifier scored low cost nothing) and the real-text rules bounded only what the
classifier added (session 10: ordinary Reddit posts reached 2.7 % on the screen)."""
from __future__ import annotations

from types import SimpleNamespace

from bot.safety.classifier import training


def _data(lex: list[str], tune: list[tuple[str, str, str, bool, bool]] | None = None) -> SimpleNamespace:
    rows = [("none", "-", str(i)) for i in range(len(lex))]
    return SimpleNamespace(rows=rows, groups=["fresh9"] * len(rows), lex_levels=lex,
                           lex_suppressed=[False] * len(rows), tune=tune or [])


def test_the_lexicons_own_false_alarms_count_first() -> None:
    """100 `none` rows, 3 % allowed: the lexicon raises two the classifier scores low, so the
    classifier may add one row, not three."""
    lex = ["high", "high"] + ["none"] * 98
    probs = [0.1, 0.1, 0.95, 0.9, 0.85] + [0.2] * 95
    rules, _by, _n = training._rules(_data(lex), probs, [])  # type: ignore[arg-type]
    t = max(rules.values())
    screen = sum(lv == "high" or p >= t for lv, p in zip(lex, probs))
    assert screen <= 3, (t, screen)
    assert sum(p >= t for p in probs) == 1


def test_a_real_corpus_is_bounded_on_the_whole_screen() -> None:
    """1,000 rows of one corpus the lexicon raises 15 of (1.5 %): the screen may raise at most
    SCREEN_CORPUS_TO_HIGH_MAX (2 %), so the classifier may add 5 of its 12 confident rows, not the
    12 that its own cap (CORPUS_TO_HIGH_MAX of what it adds) would allow."""
    tune = [("tatoeba_en", "en", str(i), i < 15, False) for i in range(1000)]
    real = [0.99] * 15 + [0.95 - i / 100 for i in range(12)] + [0.1] * 973
    lex = ["none"] * 100
    rules, _by, _n = training._rules(_data(lex, tune), [0.1] * 100, real)  # type: ignore[arg-type]
    t = max(rules.values())
    screen = sum(hi or p >= t for (_k, _l, _t, hi, _s), p in zip(tune, real))
    assert screen <= training.SCREEN_CORPUS_TO_HIGH_MAX * 1000, (t, screen)
    assert screen == 20


def test_when_the_lexicon_spends_the_budget_the_classifier_adds_nothing() -> None:
    scores = [0.97, 0.9, 0.6]
    t = training.screen_threshold(scores, 100, 3, 0.03)
    assert all(s < t for s in scores) and t <= 1.0
    assert sum(s >= training.screen_threshold(scores, 100, 1, 0.03) for s in scores) == 2
