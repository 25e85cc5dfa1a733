"""Normalisation sees through disguise and leaves ordinary text alone.

Each disguised message must score exactly like its plain form with the lexicon alone; numbers,
addresses, emoji and ordinary sentences must tokenise as before.
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.safety.normalize import clean, default_ignorable, tokenize
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


def words(text: str) -> list[str]:
    return [t.folded for t in tokenize(text)]


# (disguised, plain): written for these tests; the plain forms score high or above.
DISGUISED = [
    ("ö\ufe0fngyilkos leszek", "öngyilkos leszek"),  # variation selector 16 inside the word
    ("ö\ufe00ngyilkos leszek", "öngyilkos leszek"),  # variation selector 1
    ("öngyil\U000E0100kos leszek", "öngyilkos leszek"),  # variation selector supplement
    ("ö\u034fngyilkos leszek", "öngyilkos leszek"),  # combining grapheme joiner
    ("öngy\u180bilkos leszek", "öngyilkos leszek"),  # Mongolian free variation selector
    ("öngy\u180eilkos leszek", "öngyilkos leszek"),  # Mongolian vowel separator
    ("öngy\u17b4ilkos leszek", "öngyilkos leszek"),  # Khmer inherent vowel
    ("öngy\u115filkos leszek", "öngyilkos leszek"),  # Hangul choseong filler (zero width)
    ("öngy\u2063ilkos leszek", "öngyilkos leszek"),  # invisible separator
    ("öngy\U000E0041ilkos leszek", "öngyilkos leszek"),  # tag character
    ("\ufeffapa megv\u200bert", "apa megvert"),  # byte-order mark, zero-width space
    ("meg\u3164akarok\u3164halni", "meg akarok halni"),  # Hangul filler used as a space
    ("meg\uffa0akarok\uffa0halni", "meg akarok halni"),  # half-width Hangul filler
    ("ö\u3164ngyilkos leszek", "öngyilkos leszek"),  # a filler cutting off a letter never alone
    ("meg\u2800akarok\u2800halni", "meg akarok halni"),  # Braille blank
    ("öngyilkоs leszek", "öngyilkos leszek"),  # Cyrillic о
    ("mеg аkаrоk hаlni", "meg akarok halni"),  # Cyrillic е, а, о
    ("АPA MEGVERT", "apa megvert"),  # Cyrillic capital А
    ("аpа mеgvеrt", "apa megvert"),
    ("i wаnt tο die", "i want to die"),  # Cyrillic а, Greek ο
    ("0ngyilk0s leszek", "öngyilkos leszek"),  # zeros
    ("m3g4k4rok h4lni", "meg akarok halni"),  # 3 and 4
    ("i want to k1ll mys3lf", "i want to kill myself"),
    ("meg akarok h@lni", "meg akarok halni"),  # @
    ("m e g  a k a r o k  h a l n i", "meg akarok halni"),  # letter-spaced, words two spaces apart
    ("ö n g y i l k o s leszek", "öngyilkos leszek"),
    ("a-p-a m-e-g-v-e-r-t", "apa megvert"),  # hyphens
    ("m.e.g.ö.l.ö.m m.a.g.a.m", "megölöm magam"),  # dots are no clause breaks inside such a word
    ("k i l l  m y s e l f", "kill myself"),
    ("meeeeg akarok haaaalni", "meg akarok halni"),  # letters repeated
    ("öööngyilkos leszek", "öngyilkos leszek"),
    ("𝐦𝐞𝐠 𝐚𝐤𝐚𝐫𝐨𝐤 𝐡𝐚𝐥𝐧𝐢", "meg akarok halni"),  # mathematical bold (NFKC)
    ("ᴍᴇɢ ᴀᴋᴀʀᴏᴋ ʜᴀʟɴɪ", "meg akarok halni"),  # small capitals
]


@pytest.mark.parametrize("disguised, plain", DISGUISED)
def test_disguise_scores_like_the_plain_form(screener, disguised, plain) -> None:
    want = screener.screen(plain)
    assert want.level >= Level.HIGH, plain  # the plain form is danger, or the pair proves nothing
    got = screener.screen(disguised)
    assert (got.level, got.categories) == (want.level, want.categories), disguised


@pytest.mark.parametrize("text", [
    "112", "hívd a 112-t", "a 4 éves öcsém", "06 80 20 55 20", "80/20-55-20", "116 111", "116 000",
    "okit@ncsszi.hu", "www.bantalmazas.hu", "https://example.org/a1b2?x=3e4", "írj a peti@mail.hu címre",
    "@peti szia", "mp3 covid19 10perc 4eves 3an 0ra 5-0-ra", "a 8.b-be járok", "😭😭 🏳️‍🌈 ❤️",
    "Szia! Holnap délután 3-kor megyünk a nagymamához, hozok neked is sütit.",
    "I will call you at 5 tomorrow, ok?", "J. R. R. Tolkien könyvét olvasom", "ő s a barátja",
])
def test_ordinary_text_only_loses_invisible_characters(text) -> None:
    from unicodedata import normalize

    assert clean(text) == "".join(c for c in normalize("NFKC", text).lower() if not default_ignorable(c))


@pytest.mark.parametrize("text, expect", [
    ("112", ["112"]),
    ("06 80 20 55 20", ["06", "80", "20", "55", "20"]),
    # an address is a name, not words: "www.bantalmazas.hu" tells of no abuse
    ("okit@ncsszi.hu", []),
    ("írj a www.bantalmazas.hu oldalra", ["irj", "a", "oldalra"]),
    ("a 4 éves öcsém", ["a", "4", "eves", "ocsem"]),
    ("3 0ra nyertünk", ["3", "0ra", "nyertunk"]),  # a score: no letter is hidden in "0ra"
    ("s a b c", ["sabc"]),  # three single letters are joined (harmless for a list of letters)
    ("a ház", ["a", "haz"]),  # two are not
    ("Я хочу умереть", ["я", "хочу", "умереть"]),  # a Russian sentence is left as it is
    ("nalοn", ["nalon"]),  # one Greek omicron in a Hungarian word
])
def test_tokens(text, expect) -> None:
    assert words(text) == expect


def test_ordinary_sentences_stay_none(screener) -> None:
    for text in ("a 4 éves öcsém beteg, hívjam a 06 80 20 55 20 számot?", "a s a b c betűk",
                 "r4r m4f", "supermario4ever a kedvenc nevem"):
        assert screener.screen(text).level is Level.NONE, text


def test_default_ignorable_follows_the_unicode_derivation() -> None:
    members = [0x00AD, 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180E, 0x180F, 0x200B, 0x200F,
               0x202A, 0x2060, 0x2064, 0x2065, 0x3164, 0xFE00, 0xFE0F, 0xFEFF, 0xFFA0, 0xFFF0, 0x1D173,
               0xE0001, 0xE0020, 0xE007F, 0xE0100, 0xE01EF, 0xE0FFF]
    assert all(default_ignorable(chr(c)) for c in members)
    # White space, interlinear annotation, prepended concatenation marks and letters are not
    outside = [0x0020, 0x00A0, 0x2028, 0xFFF9, 0x0600, 0x06DD, 0x110BD, 0x0041, 0x00F6, 0x2800]
    assert not any(default_ignorable(chr(c)) for c in outside)
