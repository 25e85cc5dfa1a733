"""Lexicon families: a missing child, a young child alone in danger, a weapon pointed
at someone, declared suicidal intent, implicit English suicide wording, non-physical abuse.

Sentences written for these tests; each family has hard negatives that must stay below high.
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.safety.lexicon import CATEGORIES
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


@pytest.mark.parametrize("text, level, category", [
    # missing child: immediate when young or now, else high
    ("a 6 eves fiam eltunt a plazaban fel oraja", Level.IMMEDIATE, "missing_child"),
    ("my 8 year old son went missing at the lake 40 minutes ago", Level.IMMEDIATE, "missing_child"),
    ("a kisfiam elkóborolt a strandon", Level.IMMEDIATE, "missing_child"),
    ("nem találjuk a 4 éves kislányunkat", Level.IMMEDIATE, "missing_child"),
    ("a lányom ma reggel óta sehol sincs", Level.IMMEDIATE, "missing_child"),
    ("a 15 éves fiunk nem jött haza a buliból, nem tudjuk hol van", Level.HIGH, "missing_child"),
    ("cant find my daughter", Level.HIGH, "missing_child"),
    ("my sister has been missing since friday", Level.HIGH, "missing_child"),
    # a young child alone in a dangerous place, now
    ("Egy kb. 4 éves gyerek egyedül sétál az út mellett, sehol nincs felnőtt", Level.IMMEDIATE, "neglect"),
    ("a szomszéd 3 éves kisfia egyedül áll kint az erkélyen", Level.IMMEDIATE, "neglect"),
    ("egy kisbaba van a tűző napon álló autóban", Level.IMMEDIATE, "neglect"),
    ("a toddler is alone by the pool, no adult anywhere", Level.IMMEDIATE, "neglect"),
    # a weapon pointed at someone
    ("a mostohaapám kést fogott rám", Level.IMMEDIATE, "life_threat"),
    ("apa pisztolyt szegezett anyura", Level.IMMEDIATE, "life_threat"),
    ("he pointed a gun at my mom", Level.IMMEDIATE, "life_threat"),
    ("he is holding a knife to my sisters throat", Level.IMMEDIATE, "life_threat"),
    # declared intent
    ("öngyilkos leszek", Level.IMMEDIATE, "suicide_self_harm"),
    ("ongyilkos leszek", Level.IMMEDIATE, "suicide_self_harm"),
    ("ma véget vetek az életemnek", Level.IMMEDIATE, "suicide_self_harm"),
    ("végzek magammal", Level.IMMEDIATE, "suicide_self_harm"),
    ("im going to kill myself", Level.IMMEDIATE, "suicide_self_harm"),
    # implicit English wording
    ("sometimes i think about just pulling the trigger", Level.HIGH, "suicide_self_harm"),
    ("i hope someone finds me dead", Level.HIGH, "suicide_self_harm"),
    ("i almost ended it last night", Level.HIGH, "suicide_self_harm"),
    ("i wont be here tomorrow", Level.HIGH, "suicide_self_harm"),
    ("everyone would be better off, i am better off dead", Level.HIGH, "suicide_self_harm"),
    # non-physical abuse
    ("my stepdad is verbally abusive", Level.HIGH, "domestic_violence"),
    ("my parents are emotionally abusive", Level.HIGH, "domestic_violence"),
    ("this is financial abuse", Level.HIGH, "domestic_violence"),
    ("anyu folyton megaláz és hülyének nevez", Level.HIGH, "domestic_violence"),
    ("a férjem elveszi a pénzemet és nem enged dolgozni", Level.HIGH, "domestic_violence"),
    ("lelki bántalmazás ér otthon", Level.HIGH, "domestic_violence"),
    # kinds fresh8 missed (sentences written for this test, not fresh8's)
    ("honestly my family would be better off if i wasnt here", Level.HIGH, "suicide_self_harm"),
    ("i cant see the point of living anymore", Level.HIGH, "suicide_self_harm"),
    ("how many sleeping pills would it take", Level.HIGH, "suicide_self_harm"),
    ("ive started giving away my stuff to my friends", Level.HIGH, "suicide_self_harm"),
    ("nobody will miss me when im gone", Level.HIGH, "suicide_self_harm"),
    ("i just want to stop existing", Level.HIGH, "suicide_self_harm"),
    ("there is a rope under my bed and i think about using it every night", Level.HIGH, "suicide_self_harm"),
    ("szétosztottam a cuccaimat a barátaim között", Level.HIGH, "suicide_self_harm"),
    ("hány altató kell ahhoz, hogy az ember meghaljon", Level.HIGH, "suicide_self_harm"),
    ("took the meds an hour ago, theyre kicking in", Level.IMMEDIATE, "suicide_self_harm"),
    ("kimásztam a panel tetejére és leugrom", Level.IMMEDIATE, "suicide_self_harm"),
    ("my 4 year old wandered off in the mall, its been 15 minutes", Level.IMMEDIATE, "missing_child"),
    ("cant find my daughter at the beach, shes 3", Level.IMMEDIATE, "missing_child"),
    ("a 12 éves osztálytársam tegnap óta eltűnt", Level.HIGH, "missing_child"),
    ("a négyéves unokámat fél órája nem találjuk a vásárban", Level.IMMEDIATE, "missing_child"),
    ("két férfi berántotta az öcsémet egy furgonba", Level.IMMEDIATE, "missing_child"),
    ("egy kb 5 éves gyerek egyedül csúszkál a befagyott tavon", Level.IMMEDIATE, "neglect"),
    ("egy kisgyerek ül a síneken és jön a vonat", Level.IMMEDIATE, "neglect"),
    ("beszakadt alatta a jég, a vízben van", Level.IMMEDIATE, "life_threat"),
    ("a mostohaapám kést tart anyu torkához", Level.IMMEDIATE, "life_threat"),
])
def test_family_is_caught(screener, text, level, category) -> None:
    r = screener.screen(text)
    assert r.level is level and category in r.categories, (text, r)


@pytest.mark.parametrize("text", [
    "eltűnt a tollam",
    "a macskánk nem jött haza",
    "the keys went missing",
    "eltűnt a wifi a lakásban",
    "eltűnt a kedvenc babám",  # "baba" is a doll too
    "my son lost his keys again",
    "a 4 éves lányommal a strandon vagyunk",
    "a kisfiam a vízben játszik, én nézem",
    "Stephen King könyvében kést fogott rá",
    "I finally pulled the trigger on a new car",
    "i almost ended it with my girlfriend",
    "i wont be here tomorrow because of school",
    "a tanár megalázott az egész osztály előtt",
    "the article was about financial planning",
    "this phone is better off without the case",
    "we went up to the roof terrace for the view",
    "what is the number of the missing children hotline?",
    "a 7 éves fiam a tavon korcsolyázik velem",
    "a keresztanyám megfojt :D ha megint elkésem",
    "a színdarabban a végén elvernek, persze csak viccből",
    "a kocsi automatikus váltója elromlott",
])
def test_hard_negatives_stay_below_high(screener, text) -> None:
    r = screener.screen(text)
    assert r.level < Level.HIGH, (text, r)


def test_missing_child_is_a_category_everywhere() -> None:
    """A category the lexicon uses must have a label in the operator console (its words, which
    the console's pages carry: wording/console.yml)."""
    from bot.console.web import script_words

    assert "missing_child" in CATEGORIES
    for category in CATEGORIES:
        assert f"console_category_{category}" in script_words(), category


@pytest.mark.parametrize("text, level", [
    # English: a child being hit, told by a neighbour (issue 12, session 7), as "veri a gyereket" scores
    ("The neighbours are screaming and I can hear a child crying and being hit right now", Level.IMMEDIATE),
    ("I can hear the child next door being beaten right now", Level.IMMEDIATE),
    ("the man upstairs keeps hitting his kid", Level.HIGH),
    ("my son got hit by a ball at football", Level.NONE),
    ("the boy was hit by a car last year", Level.NONE),
])
def test_english_child_being_hit(screener: LexiconScreener, text: str, level: Level) -> None:
    result = screener.screen(text)
    assert result.level == level, (text, result.matches)
    if level >= Level.HIGH:
        assert "physical_abuse" in result.categories
