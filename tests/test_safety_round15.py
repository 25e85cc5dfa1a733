"""Round 15 (session 15, issue 13): kinds fresh17 (tuned since its measurement) still scored below
immediate - a jump announced in a misspelt form ("ugram le"), a baby who does not drink and only
sleeps (dehydration), a young child who does not answer when the family calls out during a search -
each with harmless neighbours. Sentences written for these tests, never copied from an evaluation set.
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


IMMEDIATE = [
    "ma éjjel ugram le a hídról, senki nem fog hiányolni",
    "a kisbabánk tegnap óta nem iszik, csak alszik egész nap",
    "the baby hasn't been drinking since this morning, just sleeps and sleeps",
    "a kisöcsém elbújt a nádasban, már egy órája keressük, kiabálunk de nem válaszol",
]

BELOW_HIGH = [
    # a jump into the pool, a jump to the shop
    "ugram egyet a medencébe, aztán jövök",
    # a baby sleeping well; a toddler not drinking milk but water
    "a baba jól alszik, a pelenkája száraz reggelig",
    # calling a teenager who has headphones on
    "kiabálunk neki a kertből, de nem válaszol, mert fülhallgató van rajta",
]


@pytest.mark.parametrize("text", IMMEDIATE)
def test_round15_kinds_are_immediate(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level is Level.IMMEDIATE, text


@pytest.mark.parametrize("text", BELOW_HIGH)
def test_round15_neighbours_stay_below_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level < Level.HIGH, text
