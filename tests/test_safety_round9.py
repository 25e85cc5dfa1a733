"""Round 9 lexicon families (session 8): kinds of situation the blind sets keep missing,
planned from the kinds fresh11 missed before its messages were read (bench/README "Session 8").

Sentences written for these tests, not taken from any evaluation set; each family has hard
negatives beside it that must stay below high (the lexicon alone, as the families are its own).
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


@pytest.mark.parametrize("text, category", [
    # a message meant to be read after one is gone; a time by which one will not be alive
    ("mire ezt elolvasod, én már nem leszek", "suicide_self_harm"),
    ("by the time anyone reads this i will be gone", "suicide_self_harm"),
    ("reggelre már nem élek, ezt megígérem magamnak", "suicide_self_harm"),
    ("i wont make it through tonight and i dont want to", "suicide_self_harm"),
    # an instrument in an adult's hand; a body thrown or dragged
    ("he hits us with the belt buckle when he gets home drunk", "physical_abuse"),
    ("a nevelőanyám kábellel veri a hátamat", "physical_abuse"),
    ("she dragged me across the kitchen floor by my hair", "physical_abuse"),
    ("my stepdad threw me against the door last night", "physical_abuse"),
    ("lelökött a lépcsőn, mert nem pakoltam el", "physical_abuse"),
    # missing child: last seen, not answering for hours
    ("the last time anyone saw my daughter was at noon near the park", "missing_child"),
    ("a fiam nem veszi fel a telefont, délután óta nem tudunk róla semmit", "missing_child"),
    # sexual abuse without the word
    ("my uncle puts his hand under my pyjamas when everyone is asleep", "sexual_abuse"),
    ("the coach touched me down there after practice", "sexual_abuse"),
    ("a szomszéd bácsi pornót mutatott nekem a telefonján", "sexual_abuse"),
    # neglect: heat or power gone for days, life-saving medicine not given
    ("két hete nincs fűtés a lakásban, a kisöcsém köhög", "neglect"),
    ("a húgom cukorbeteg és anyu nem adja be neki az inzulint", "neglect"),
    ("my mom stopped giving my little brother his insulin", "neglect"),
    # trafficking: work without pay with no way home, or for a child
    ("15 éves vagyok, egy étteremben dolgozom és nem fizetnek semmit", "trafficking"),
    ("nem fizetnek semmit és nem jöhetek haza, amíg le nem dolgozom", "trafficking"),
    # grooming: gifts and questions from an adult met online
    ("egy felnőtt férfi, akit a neten ismertem, robuxot küld nekem", "sexual_abuse"),
    ("someone i met on discord keeps asking if im home alone", "sexual_abuse"),
    ("he sends me gift cards and says dont tell your parents", "sexual_abuse"),
    # a weapon waved at people
    ("my dad is waving a knife around the kitchen and screaming", "life_threat"),
])
def test_round9_family_is_raised(screener: LexiconScreener, text: str, category: str) -> None:
    got = screener.screen(text)
    assert got.level >= Level.HIGH, (text, got)
    assert category in got.categories, (text, got)


@pytest.mark.parametrize("text", [
    "ha ezt olvasod, írj vissza légyszi",
    "by the time you read this the party will be over lol",
    "holnap nem leszek suliban, fogorvoshoz megyek",
    "i wont make it to the party tonight, my bus is late",
    "she hit the light switch and the cable sparked",
    "i need a new belt and a phone cable",
    "my friends threw me a surprise party",
    "mum dragged me to the shops again",
    "the suspect was last seen driving a red car",
    "a fiam nem veszi fel a telefont, biztos edzésen van",
    "put your hand under the tap and wash it",
    "két órára nincs áram, a szolgáltató karbantart",
    "nincs meleg víz, ezért hidegben zuhanyoztam",
    "the insulin pump is new and works great",
    "ingyen dolgozom önkéntesként az állatmenhelyen, nagyon szeretem",
    "my grandma sends me money for my birthday",
    "are you home alone? asked my mum on the phone, she is late from work",
    "the band was waving flags and screaming songs",
])
def test_round9_hard_negative_stays_below_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level < Level.HIGH, text


# Kinds read from the dev half of fresh11 (the held half stays unread); sentences written here.
@pytest.mark.parametrize("text, category", [
    ("a strandon keressük a lányomat, húsz perce nem látjuk sehol", "missing_child"),
    ("we are searching for our son at the fair, he is 4, nobody has seen him for 30 minutes", "missing_child"),
    ("i looked away for a second and she was gone, my daughter is five", "missing_child"),
    ("egy kislány sír a buszmegállóban, azt kérdezi, hol az anyukája, fél órája keressük a szüleit",
     "missing_child"),
    ("the man was pulling the girl by her hair down the street", "physical_abuse"),
    ("my brother came back from his dads with marks on his neck", "physical_abuse"),
    ("she often has a black eye and says she is scared to go home", "physical_abuse"),
    ("googled how much paracetamol is enough to die, just to know", "suicide_self_harm"),
    ("a fiam azt mondta, szeretne meghalni, hogy a papával legyen", "suicide_self_harm"),
    ("anya azt mondta, ma éjjel elmegyünk a mennyországba apához", "suicide_self_harm"),
    ("I scratch my arm with a pin until it bleeds, it helps", "suicide_self_harm"),
    ("a kisöcsém egyedül van otthon és gázszagot érzek a lakásban", "life_threat"),
    ("the youth leader locked himself in the changing room with a girl from our group", "sexual_abuse"),
    ("a guy from roblox sends me gift cards and wants my address", "sexual_abuse"),
    ("he wants me to keep my camera on in bed when we call", "sexual_abuse"),
    ("a nagynéném pénzért adja ki az unokatestvéremet egy férfinak tartozás fejében", "trafficking"),
    ("my sister left a note saying sorry for everything, she said she cant take it anymore", "suicide_self_harm"),
    ("a bátyám levelet hagyott, hogy ne haragudjunk, és hogy nem bírja tovább", "suicide_self_harm"),
])
def test_dev_kind_is_raised(screener: LexiconScreener, text: str, category: str) -> None:
    got = screener.screen(text)
    assert got.level >= Level.HIGH, (text, got)
    assert category in got.categories, (text, got)


@pytest.mark.parametrize("text", [
    # news, films and nature: someone else's case, or no one's
    "a hírekben mondták, hogy elraboltak egy üzletembert Mexikóban",
    "a filmben a fegyver annyi embert megölhet, hogy a tudósok megijednek",
    "a farkas a zsákmányát egy harapással megöli, tanultuk biológián",
    "anya lelőtte a tervemet, hogy nyáron táborba menjek",
    "he shot down my idea of getting a puppy",
    "a hazai pályán szétvertek minket, de jövőre visszavágunk",
    # found on real English posts while building the families
    "after it happened i broke into tears",
    "my boss thinks im stealing and it throws me back into my depression",
    "i cant remember whether i turned off the gas or not",
    "i am looking for a sugar baby, scared about what happens next",
    "the government announced changes to the autism program for young children",
    "last week her sister had seen me for the first time since my relapse",
    "he kept deleting his text messages and asked for an address",
    "my district barely gives us any money for supplies",
    "Absolon hajánál fogva fennakadt a tölgyfán",
    "last time i saw my sister was at christmas",
    "we spent all our money on gas this month",
    "no water in the desert for days, the hike was brutal",
])
def test_dev_kind_guard_stays_below_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level < Level.HIGH, text
