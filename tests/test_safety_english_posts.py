"""English false friends found on ordinary Reddit posts, and general wording the sealed sets missed.

The kinds come from ../shared/corpora/reddit_rmhd.jsonl (money, law, teaching, guns, divorce):
posts raised to high or immediate by one word ("jump", "most", "homeless", "for money", "love").
The sentences here were written for these tests, none copied from a corpus or an eval set.
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


@pytest.mark.parametrize("text", [
    # "jump" in everyday English
    "first week of student teaching, I'm going to jump right in and hope for the best",
    "should I jump at this job offer or wait for a better one?",
    # owning or shooting a gun at a range
    "I'm building a pistol and have a few barrels in mind, any tips?",
    "not going to shoot more than 100 rounds a month, mostly at the range",
    # "I'd" folds to "id"; keeping one's own passport
    "I'd like to keep my UK passport if I apply for an Irish one",
    # locking the car, paying off a loan, money questions
    "as I locked the car I noticed how tense I was",
    "I have a car loan and want to pay it off early to be debt free",
    "is it worth working weekends for more money?",
    # "love" as in "would love some advice", an adult's own age
    "I'm a 28 year old nurse and would love some advice on my pension",
    # "homeless" and "on the street" as topics
    "can anyone explain why homelessness and the homeless crisis keep growing?",
    "we live on the same street as my in-laws",
    "the kids were playing on the street after dinner",
    # "kept" is no Hungarian "kép" (picture)
    "we had sex but he kept lying about the money",
    # "kicker", "kick me out", "the most", "there is", news of a charge
    "the kicker is that when he sold the house he kept the profit",
    "my landlord wants to kick me out of the flat next month",
    "the passenger is accused of punching a flight attendant",
    "at this point in my life I want to buy a house",
    "I went 2 years without speaking a word to my sister",
    # a small child and the English "to" (no lake, "tó")
    "my 3 year old wants to play alone in her room",
])
def test_ordinary_english_stays_below_high(screener, text) -> None:
    r = screener.screen(text)
    assert r.level < Level.HIGH, (text, r)


@pytest.mark.parametrize("text", [
    "the most important thing is that he hit me last week",
    "there is a lot of shouting at home and he hit me last week",
    "any help appreciated, he hit me last week",
])
def test_english_most_there_is_help_do_not_make_it_immediate(screener, text) -> None:
    r = screener.screen(text)
    assert r.level is Level.HIGH, (text, r)


@pytest.mark.parametrize("text, at_least", [
    # the danger beside each false friend is still caught
    ("im on the roof and im going to jump", Level.IMMEDIATE),
    ("i want to jump off the bridge tonight", Level.HIGH),
    ("i'm going to jump in front of a train", Level.HIGH),
    ("he has a gun and says he will shoot us", Level.IMMEDIATE),
    ("they keep my passport and I can't leave", Level.HIGH),
    ("my boss took my passport", Level.HIGH),
    ("he locked me in the basement", Level.IMMEDIATE),
    ("i am homeless and 15", Level.HIGH),
    ("i'm sleeping on the street since friday", Level.HIGH),
    ("he makes me sleep with men for money", Level.HIGH),
    ("he's 30 and says he loves me", Level.HIGH),
    ("she says I can't leave until I pay back what I owe", Level.HIGH),
    ("my dad kicked me out and I have nowhere to go", Level.HIGH),
    ("he kicked me in the stomach", Level.HIGH),
    ("my dad was arrested for beating my mom again", Level.HIGH),
    ("looking for some help, I just tried to kill myself", Level.IMMEDIATE),  # an attempt just now
])
def test_the_danger_beside_them_is_still_caught(screener, text, at_least) -> None:
    r = screener.screen(text)
    assert r.level >= at_least, (text, r)


@pytest.mark.parametrize("text, category", [
    # a burden soon gone, a lethal amount asked
    ("hamarosan senkinek nem leszek teher, ígérem", "suicide_self_harm"),
    ("nem leszek többé a terhetekre", "suicide_self_harm"),
    ("don't worry, I won't be a burden much longer", "suicide_self_harm"),
    ("mekkora adag altató halálos?", "suicide_self_harm"),
    ("how much of my mum's insulin is lethal", "suicide_self_harm"),
    # strangling told by what the hands did, a hand held to heat
    ("apa megint a torkomat szorongatta, alig kaptam levegőt", "physical_abuse"),
    ("he put his hands around my neck until I passed out", "physical_abuse"),
    ("büntetésből a vasalóhoz nyomja a kezemet", "physical_abuse"),
    ("she held my hand over the stove because I lied", "physical_abuse"),
    # sexual abuse without the word, screams through a wall, a secret meeting
    ("my stepbrother does things to me at night", "sexual_abuse"),
    ("a nagybátyám dolgokat csinál velem, amikor egyedül vagyunk", "sexual_abuse"),
    ("a falon át hallom, ahogy sikít, hogy eressze el", "domestic_violence"),
    ("the woman upstairs is screaming let me go", "domestic_violence"),
    ("a guy from the game wants me to meet him alone and not tell my parents", "sexual_abuse"),
    # papers asked for, a child lost, a parent down for days, a weapon and revenge
    ("a főnök elkérte az irataimat, és nem adja vissza", "trafficking"),
    ("our daughter (4) got lost at the market, we can't find her", "missing_child"),
    # tourists' words (sealed8): "got separated from us" is a child lost, not a divorce
    ("Our 9-year-old son got separated from us at the Christmas market an hour ago. Who do we contact?",
     "missing_child"),
    # a small child alone at a dangerous place, in English as "kislány ... erkélyen ... egyedül" is
    ("a little girl is standing alone on the balcony railing", "neglect"),
    ("the little boy is alone on the road", "neglect"),
    ("anya hetek óta nem kel fel, én etetem a tesóimat", "neglect"),
    ("megvan apám pisztolya, mindenki megfizet az osztályban", "life_threat"),
])
def test_general_wording_is_high(screener, text, category) -> None:
    r = screener.screen(text)
    assert r.level >= Level.HIGH and category in r.categories, (text, r)


@pytest.mark.parametrize("text", [
    # hyperbole and kitchens: an everyday reason beside the alarming word
    "my mum is going to kill me, I dyed my hair green",
    "a főnököm megöl, ha megint elkésem",
    "anyu megölt volna, ha megtudja, hogy elfelejtettem a szemetet",
    "szakácsiskolában egész nap vagdostuk a húst",
    # the new families' own false friends
    "holnap nem leszek suliban, fogorvoshoz megyek",
    "nem leszek gond, megígérem, szépen elpakolok",
    "my daughter is lost in her books all summer",
    "my husband and I separated last year, our son lives with me",
    "we have a small balcony and a little girl, is it safe for her to play there alone while I cook?",
    "anyu kiabál, hogy ne bántsd a tesódat",
])
def test_everyday_reason_stays_below_high(screener, text) -> None:
    r = screener.screen(text)
    assert r.level < Level.HIGH, (text, r)


def test_conditional_killing_without_a_reason_is_still_high(screener) -> None:
    assert screener.screen("apa megölt volna, ha nem megyek közbe").level >= Level.HIGH
