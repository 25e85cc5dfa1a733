"""Lexicon false alarms found on real text, each beside the danger it must still catch.

The kinds come from the corpora in ../shared/corpora (news, reviews, subtitles, wikipedia); the
sentences here were written for these tests, none copied from a corpus.
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


@pytest.mark.parametrize("text", [
    # a killing told in the past, in news, history or a story
    "tegnap megölték a város polgármesterét",
    "ki ölte meg a gonosz varázslót a harmadik részben?",
    "a merénylő hat embert ölt meg a piacon",
    "a riportert az utcán lőtték le",
    "megölték a diktátort",
    # English forms no longer read inside Hungarian words ("stáb" = film crew, "stabil")
    "a stáb egész nap forgatott az iskolában",
    "a film stábja Budapesten dolgozott",
    "a forint árfolyama stabil maradt",
    "a stabilitási tanács ülésezett",
    "she has a stable job",
    # metaphors and adjectives
    "fojtogató érzés volt a vizsgateremben",
    "fojtogató hőség van ma",
    "a hadvezér szétverte az ellenséges sereget",
    "a válogatott szétverte az ellenfelet",
    "ez egy pofozós vígjáték volt",
    "a vidámparkban kipróbáltuk a pofozógépet",
    "a páholyból néztük az előadást",
    # a prostitute as a character or a topic
    "a film főszereplője egy prostituált, akit egy híres színésznő játszik",
    "a cikk a prostitúció történetéről szól",
    # Hungarian "is" before a number is "also", not English "is"
    "a nagyi is 60 éves lett tavaly",
    "kihez is jutott el 50 levél?",
    # more real-text alarms: running a program, a vulture, "it is getting late", faith, hunger in general
    "a program futtatása nem sikerült, próbáld újra",
    "a futtatható fájl nem található",
    "egy keselyű körözött a szikla fölött",
    "már későre jár, ideje hazamenni",
    "erős hite segítette át a nehéz időkön",
    "a hosszú túra végére mindenki megéhezett",
    "a világon sok millió ember éhezik",
    "a vak ember tapogatózva kereste az ajtót",
    # beating or killing told of strangers, in stories and history (a concern, not high)
    "a király megverte az ellenséges sereget",
    "a mesében a vadász megöli a farkast",
    # an adult's age alone is news or small talk
    "egy 42 éves férfit vettek őrizetbe a rendőrök",
    "she is 38 and works as a nurse",
    "a labda betörte az ablakot a tornateremben",
    "the strangely quiet street looked strange to her",
])
def test_real_text_false_alarms_stay_below_high(screener, text) -> None:
    assert screener.screen(text).level < Level.HIGH, (text, screener.screen(text))


@pytest.mark.parametrize("text, at_least", [
    ("apa megölte a kutyánkat", Level.HIGH),  # the writer's family and home
    ("megölték a barátomat", Level.HIGH),
    ("a szomszéd megölte a feleségét, láttam", Level.HIGH),
    ("majdnem megöltek tegnap este", Level.HIGH),  # it happened to the writer
    ("a tesómat lelőtték az utcán", Level.HIGH),
    ("azt mondta hogy megöl ha elmondom", Level.HIGH),  # threats are unchanged
    ("meg fognak ölni", Level.HIGH),
    ("he stabbed me with a knife", Level.HIGH),
    ("my brother got stabbed", Level.HIGH),
    ("megszúrták a barátomat", Level.HIGH),
    ("apa fojtogatja anyut", Level.HIGH),
    ("a férjem fojtogatott múlt héten", Level.HIGH),
    ("anyu mindig pofoz", Level.HIGH),
    ("a mostohám pofozgat", Level.HIGH),
    ("apa elpáholt a nadrágszíjjal", Level.HIGH),
    ("prostitúcióra kényszerítenek", Level.HIGH),
    ("prostituáltnak kell lennem, különben megvernek", Level.HIGH),
    ("a 15 éves húgom prostituált lett", Level.HIGH),
    ("he is 30 and wants to meet me", Level.HIGH),
    ("hes 45 and keeps texting me", Level.HIGH),
    ("szétvertek suli után", Level.HIGH),  # typed without accents it may be "they beat me up"
    ("apa megverte a tesómat", Level.HIGH),
    ("a mostohaapám megveri anyut", Level.HIGH),
    ("azt mondta, megöli a kutyámat", Level.HIGH),
    ("a futtatóm elveszi a pénzem", Level.HIGH),
    ("a kishúgom éhezik, napok óta nincs kaja", Level.HIGH),
    ("egy 30 éves pasi ír nekem instán", Level.HIGH),
    ("he hit me again", Level.HIGH),
    ("betörték az ablakot és bejöttek a lakásba", Level.HIGH),
    ("hajléktalan lettem, az utcán alszom", Level.HIGH),
    ("van egy borotvapengém", Level.HIGH),
    ("egy betörő van a házban", Level.HIGH),
    ("a man in a white van is following me", Level.HIGH),
])
def test_the_danger_beside_them_is_still_caught(screener, text, at_least) -> None:
    assert screener.screen(text).level >= at_least, (text, screener.screen(text))


def test_reported_killing_is_still_a_concern(screener) -> None:
    # a story is not an alarm, but a human may look: it is never dropped to nothing
    assert screener.screen("megölték a diktátort").level is Level.CONCERN


# Issue 13: a guard that lowered a hit ("véletlenül", "hámoztam") took the hit's tags into a
# combination all the same, so cooking with a knife and some blood came out `immediate`.
@pytest.mark.parametrize("text", [
    "véletlenül megvágtam magam a késsel, vérzik, de csak a csirkét pucoltam a vacsorához",
    "almát hámoztam és megvágtam magam, csupa vér a kés",
    "véletlenül megvágtam magam főzés közben, vérzik egy kicsit",
    "I accidentally cut myself, the knife slipped on the chicken, it's bleeding",
    "accidentally cut myself while making dinner, bleeding a bit",
    # the blood is the chicken's: a guard covers "blood", so it joins no combination
    "cut myself... no, the knife and the blood are the chicken's, I'm making dinner",
    "megvágtam magam... nem, a kés és a vér a csirkéé, vacsorát főzök",
])
def test_a_guarded_hit_makes_no_combination(screener, text) -> None:
    result = screener.screen(text)
    assert result.level < Level.IMMEDIATE, (text, result)
    assert not any(" + " in m for m in result.matches), (text, result)


@pytest.mark.parametrize("text", [
    "megvágtam magam, vérzik",
    "felvágtam az ereimet és vérzik",
    "I cut myself and it's bleeding",
])
def test_a_combination_of_hits_that_stand_is_still_immediate(screener, text) -> None:
    assert screener.screen(text).level is Level.IMMEDIATE, (text, screener.screen(text))
