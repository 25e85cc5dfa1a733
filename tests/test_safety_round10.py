"""Round 10 lexicon work (session 9): the English false friends ordinary Reddit posts tripped, and
English wording the screen missed (a child left alone night after night, implicit suicide
wording, a parent's words and money used against a child, a missing child named by age).

Sentences written for these tests in the shape of what was found, never copied from a corpus or
an evaluation set. The lexicon alone is tested, as the guards and families are its own.
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


@pytest.mark.parametrize("text", [
    # a conspiracy theory's verb; a suicide scene in a show
    "does anyone keep a list of the journalists who were suicided after their leaks?",
    "the suicide scene got everyone at work talking",
    # a stabbing told as a cold case, no one near the writer
    "The witness was stabbed repeatedly in 1994 and the case remains unsolved to this day.",
    # ending a marriage, not a life
    "My wife and I argue every night. Part of me wants to end it and move out of our marriage",
    # non-physical abuse named of an adult partner or a past relationship
    "I struggle to trust anyone after a previous emotionally abusive relationship.",
    "He was financially abusive through most of the marriage, now he wants the car too.",
    "our school has a verbally abusive superintendent and nobody dares to speak up",
    # a parting with a person, a fear of what may come, a question in the abstract
    "Has anyone had a final goodbye with their ex after the divorce hearing? Mine is today.",
    "If I lose this job it won't be long before I'm homeless.",
    "Is it legal to use deadly force to defend my family from a home intruder?",
    # rape as a topic of a book or a lesson
    "i am teaching a unit where the topic of rape comes up",
    "the report on rape cases in the north was published this morning",
    # decision idioms: buying, a fine, a realisation
    "reading your reviews helped me pull the trigger on the new laptop",
    "I finally pulled the trigger and got the puppy",
    "the council slapped me with a fine for parking outside my own house",
    "reality hit me when i saw the bill",
])
def test_false_friend_stays_below_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level < Level.HIGH, text


@pytest.mark.parametrize("text, category", [
    # the same words told of the writer or of someone near keep their level
    ("my brother was stabbed outside the chip shop", "life_threat"),
    ("he stabbed my mum with a kitchen knife", "life_threat"),
    ("i want to end it all, my boyfriend left me", "suicide_self_harm"),
    ("I want to end it. I cant do this anymore", "suicide_self_harm"),
    ("my stepdad is verbally abusive to me", "domestic_violence"),
    ("my husband is emotionally abusive to me and the kids", "domestic_violence"),
    ("im homeless and sleeping in a stairwell", "runaway_homeless"),
    ("my uncle raped me last summer", "sexual_abuse"),
    ("i have the gun but i couldnt pull the trigger", "suicide_self_harm"),
    ("this is my final goodbye to all of you", "suicide_self_harm"),
])
def test_guarded_word_told_of_the_writer_stays_high(screener: LexiconScreener, text: str, category: str) -> None:
    got = screener.screen(text)
    assert got.level >= Level.HIGH, (text, got)
    assert category in got.categories, (text, got)


@pytest.mark.parametrize("text, category", [
    # a child left alone night after night
    ("the kids are left alone every night while she works", "neglect"),
    ("dad goes out every night and leaves the kids alone", "neglect"),
    ("my mum leaves me and my little sister alone every evening", "neglect"),
    ("the children across the hall are left on their own every weekend", "neglect"),
    # implicit suicide wording
    ("im not going to be around for much longer", "suicide_self_harm"),
    ("i came so close to ending it on friday", "suicide_self_harm"),
    ("i keep thinking about ending it", "suicide_self_harm"),
    ("i hope somebody finds my body before my little brother does", "suicide_self_harm"),
    ("i dont plan on being here after christmas", "suicide_self_harm"),
    ("soon i will not be a burden to anyone", "suicide_self_harm"),
    # a parent's words and money used against a child
    ("my stepmum calls me useless and ugly every day", "domestic_violence"),
    ("my mom says she wishes i had never been born", "domestic_violence"),
    ("my dad humiliates me in front of everyone all the time", "domestic_violence"),
    ("he threatened to hurt my cat if i tell anyone", "domestic_violence"),
    ("he keeps the money and wont let me buy food for the kids", "neglect"),
    # a missing child named by age
    ("we cant find our 6 year old", "missing_child"),
    ("our 9 year old hasnt come home and its dark", "missing_child"),
    ("the kids next door are left alone most evenings", "neglect"),
    ("my 4 year old brother is alone in the flat every afternoon", "neglect"),
])
def test_round10_family_is_raised(screener: LexiconScreener, text: str, category: str) -> None:
    got = screener.screen(text)
    assert got.level >= Level.HIGH, (text, got)
    assert category in got.categories, (text, got)


@pytest.mark.parametrize("text", [
    "my 4 year old brother is left alone every night and he is alone right now",
    "we cant find our 3 year old at the beach",
    "my 3 year old sister is alone at home right now",
])
def test_small_child_now_is_immediate(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level is Level.IMMEDIATE, text


@pytest.mark.parametrize("text", [
    "my parents leave us alone every evening so we can do our homework in peace",
    "my flatmates leave me alone every night, which suits me",
    "we leave the kids with grandma every weekend",
    "my 5 year old likes being alone in his room",
    "my 7 year old plays alone in the house while i cook",
    "i think about ending it with my girlfriend",
    "grandpa wont be around much longer, the doctors found cancer",
    "i hope someone finds my body attractive one day",
    "the government controls all the money",
    "my wife doesnt let me buy junk food for the kids",
    "we cant find our 5 year old's wellies",
    "my daughter hasnt come back from her holiday yet",
    "he said if i tell anyone about the surprise party he will be sad",
    "my teacher says im stupid",
    # Hungarian: bánik (treated someone) is not bánt (hurt)
    "Te nagy szeretettel bántál apámmal, és engem tettél utána királlyá.",
    "a tanár mindig igazságosan bánt velem",
])
def test_round10_hard_negative_stays_below_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level < Level.HIGH, text


@pytest.mark.parametrize("text", [
    "apa bántott az övével",
    "a mostohaapám bánt engem",
])
def test_hurt_is_still_hurt(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level >= Level.HIGH, text
