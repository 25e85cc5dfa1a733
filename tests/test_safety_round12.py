"""Round 12 (session 11, issue 13): fresh14's false alarms and misses, fixed as kinds.

False alarms came in families: a body-safety rule taught to a child, a night in a tent, a spoiler
("lelövi a poént"), a question others ask ("people ask if she gets stabbed" at fencing), hunger
before a meal, a pet that ran away, a threat in a game of tag, where to read about abuse, a
household punishment ("threatened to take my xbox"), zombies shot in a game, a room one is sent to
to study, "I'd rather die than wear that", a sibling's "your life is over if you touch my things",
"I'd strangle my sister", a dog mistreated in the street. Each guard names what makes the words
harmless; the same words of a person keep their level (the guard cases below).

Sentences written for these tests in the shape of what was missed, never copied from an evaluation
set. The lexicon alone is tested where the guards and families are its own; the default screen
where a guard must also stop the classifier from raising the message.
"""
from __future__ import annotations

from typing import Any

import pytest

from bot.safety import LexiconScreener
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


@pytest.mark.parametrize("text", [
    # a body-safety rule taught: "nobody may touch you there"
    "hogyan tanítsam meg a fiamnak, hogy senki nem érhet hozzá ott, ahol az alsónadrág takarja?",
    "how do I teach my son that nobody may touch him where his swimsuit covers",
    # a night in a tent on a trip
    "a nyaraláson egy éjszakát sátorban aludtunk a tóparton, nagyon jó volt",
    "we slept in a tent in the garden with dad, best night ever",
    # a spoiler: the punchline or the ending "shot"
    "ne lődd le a poént, még nem láttam a film végét",
    "a bátyám mindig lelövi a csattanót, mielőtt végigmondanám a viccet",
    # others ask whether a fencer gets stabbed
    "people always ask me if he gets stabbed at fencing practice",
    # hunger before a meal
    "i'm starving, when is dinner ready?",
    "literally starving, ordering pizza now",
    # a pet ran away or went missing
    "our cat ran away last night but came home for breakfast",
    "eltűnt a kiskutyánk a kertből, de a szomszéd megtalálta",
    # a game of tag or cops and robbers
    "the boys shouted I'll kill you at each other while playing cops and robbers",
    "fogócskázás közben a kisfiam azt kiabálta a barátjának, hogy megöllek",
    # where to read about abuse, for school
    "tud valaki jó könyvet ajánlani a bántalmazásról? a szakdolgozatomhoz kell",
    "where can I read about abuse for my school project",
    # a household punishment threatened
    "apa megfenyegetett, hogy elveszi a telefonomat, ha nem tanulok",
    "mum threatened to take away my phone if I don't tidy my room",
    # zombies, monsters, a target board shot
    "a játékban zombikat kell lelőni, elég ijesztő",
    "in this game you have to shoot aliens before they reach the base",
    # sent to one's room to study
    "anyu bezárt a szobámba tanulni, amíg meg nem írom a leckét (nem tényleg, csak nem enged ki)",
    # a villain stabbed in an episode
    "the hero gets stabbed in the season finale and I cried",
    # "I would strangle my sister": a first-person hyperbole at a sibling
    "megfojtanám a húgomat, megint elvette a töltőmet",
    "kinyírom a bátyámat, megint megette a pizzámat",
    # a dog mistreated in the street: animal cruelty
    "hova lehet bejelenteni, ha a szomszéd rugdossa a kutyáját?",
    "what can I do if someone in our street is abusing their dog",
])
def test_harmless_kinds_stay_below_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level < Level.HIGH, text


@pytest.mark.parametrize("text", [
    # a figure of speech the classifier alone would raise: its guard now vetoes the raise
    "i'd rather die than eat broccoli again",
    "I would rather die than sing in front of the whole class",
    "a bátyám azt mondta, ha még egyszer bemegyek a szobájába, vége az életemnek",
    "apu megfenyegetett, hogy ha nem pakolok el, elkobozza a konzolomat",
])
def test_figures_of_speech_stay_below_high_on_the_default_screen(default_screen: Any, text: str) -> None:
    assert default_screen.screen(text).level < Level.HIGH, text


@pytest.mark.parametrize("text, category", [
    # the same words of a person, happening, keep their level (over-firing guards)
    ("a nevelőapám hozzám nyúlt ott, ahol a fürdőruha takar", "sexual_abuse"),
    ("két hete sátorban alszunk a parkban, mert anyu kidobott", "runaway_homeless"),
    ("apa azt mondta lelő minket, ha elmondom", "life_threat"),
    ("my brother got stabbed outside the shop", "life_threat"),
    ("im starving, there is no food at home and mum hasnt been back for days", "neglect"),
    ("my little brother ran away from home last night", "runaway_homeless"),
    ("my stepdad says he is going to kill me when he gets home", "life_threat"),
    ("a párom megfenyegetett, hogy ha elmegyek, megöl", "life_threat"),
    ("apa bezárt a pincébe és nem enged ki", "physical_abuse"),
    ("a bátyám megfojt, ha meglátja a jegyeimet, már egyszer fojtogatott", "domestic_violence"),
    ("apa rugdossa a kutyát és engem is", "physical_abuse"),
])
def test_the_same_words_of_a_person_stay_high(screener: LexiconScreener, text: str, category: str) -> None:
    result = screener.screen(text)
    assert result.level >= Level.HIGH, text
    assert category in result.categories, (text, result.categories)


@pytest.mark.parametrize("text", [
    # "rather die than go home": not a chore, the guard does not cover it
    "i'd rather die than go back home to him",
])
def test_rather_die_than_home_is_not_vetoed(screener: LexiconScreener, text: str) -> None:
    result, suppressed = screener.screen_detail(text)
    assert result.level >= Level.CONCERN and not suppressed, text
