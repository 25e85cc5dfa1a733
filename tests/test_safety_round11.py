"""Round 11 (session 10, issue 13): recall on new wording without new false alarms.

A guard that covers only a *marker* (a word that is no danger alone, kept for combinations: "este",
"tonight") says nothing about whether the message is harmless: "tegnap este még minden rendben
volt ... most kint áll a kertben egy baltával" had its statistical raise vetoed because the guard
for "tegnap este" covered the marker "este". Only a guarded or negated *entry* vetoes it now.

Sentences written for these tests in the shape of what was missed, never copied from an evaluation
set. The lexicon alone is tested, as the guards and families are its own.
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


@pytest.mark.parametrize("text", [
    # a time marker covered by its guard ("tegnap este", "last night"): not a harmless context
    "tegnap este meg minden jo volt, filmet neztunk. most apa kint all a kertben egy baltaval es ordit",
    "Last night we watched a film together. Now he is banging on the bedroom door and we are hiding.",
])
def test_a_guarded_marker_does_not_veto_the_classifier(screener: LexiconScreener, text: str) -> None:
    _result, suppressed = screener.screen_detail(text)
    assert not suppressed, text


@pytest.mark.parametrize("text", [
    # a guarded or negated entry still vetoes (the classifier must not overrule the guard)
    "a játékban megöltem a sárkányt",
    "a filmben lelőtték a rendőrt",
    "nem akarok meghalni csak fáradt vagyok",
])
def test_a_guarded_entry_still_vetoes(screener: LexiconScreener, text: str) -> None:
    result, suppressed = screener.screen_detail(text)
    assert suppressed and result.level < Level.HIGH, text
