"""Tell Hungarian from English in a chat message, cheaply and without a model.

Wrong guesses are cheap (the conversation keeps its language until a message is
clearly in the other one), so a word list and the Hungarian letters serve.
"""
from __future__ import annotations

import re
import unicodedata

# A word is letters not glued to digits: "5MY" in a case code is not the English "my".
_WORD = re.compile(r"(?<![\w])[a-záéíóöőúüű']+(?![\w])")
_HU_LETTERS = set("őűáéíóöúü")
_HU = frozenset(
    "a az és es hogy nem van vagyok vagy szia szeretnék szeretnek segítség segitseg "
    "mert de meg is egy ez mi ki hol mit kell tudok tudom engem nekem velem apa anya "
    "apám apam anyám anyam gyerek gyermek otthon itthon most már mar csak jó jo köszönöm "
    "koszonom koszi köszi kérem kerem igen hello helló hali sziasztok jónapot jonapot "
    "tanár tanar iskola bánt bant vert ver félek felek hova hová kihez".split()
)
_EN = frozenset(
    "the and is i im i'm am my me you your to of it in on what please can help hello hi "
    "hey not don't dont do does with he she they we want need talk someone school mum mom "
    "dad father mother home scared afraid thanks thank yes no where who how report child "
    "kid hurt hits hit victim victims support police abuse abused friend neighbour neighbor service "
    "number phone call line court shelter guardianship authority welfare crisis missing street road "
    "house flat floor district".split()
)


EN_OVER_ACCENTS = 3  # English words beyond the Hungarian ones that outweigh accented letters
_SENTENCE_WORDS = 8  # a first message this long that reads English is English, names aside
_ACCENTED_WORD = re.compile(r"[^\W\d_]*[őűáéíóöúüŐŰÁÉÍÓÖÚÜ][^\W\d_]*")


# The lowercase word of a Budapest place's name ("Vörösmarty tér", "Andrássy út", "Erzsébet híd"):
# part of the name it follows (sealed8: an English tourist's message was answered in Hungarian).
_PLACE_WORDS = frozenset({"tér", "téren", "út", "úton", "útnál", "körút", "körúton", "híd", "hídon", "sétány",
                          "sétányon", "főtér", "főtéren", "pályaudvar", "pályaudvaron", "piactér"})


def _accents_only_in_names(text: str) -> bool:
    """True when every word with a Hungarian letter starts with a capital ("Győr", "Pécs") or is
    the place word of a capitalised name ("Vörösmarty tér")."""
    def in_name(m: re.Match[str]) -> bool:
        before = text[: m.start()].split()[-1:]
        return m.group(0).lower() in _PLACE_WORDS and bool(before) and before[0][:1].isupper()
    return all(m.group(0)[0].isupper() or in_name(m) for m in _ACCENTED_WORD.finditer(text))


def _latin(ch: str) -> bool:
    """A Latin letter, however styled ("𝕞", "ｍ" fold to "m"; "ő" is LATIN SMALL LETTER O ...)."""
    return unicodedata.normalize("NFKC", ch).isascii() or "LATIN" in unicodedata.name(ch, "")


def foreign(text: str) -> bool:
    """Written mostly in another script than the Latin one (Arabic, Hebrew, Cyrillic, Greek, ...):
    neither Hungarian nor English, which the bot answers in. Emoji, digits and punctuation
    count for nothing; a Hungarian message with one foreign word is not foreign."""
    letters = [ch for ch in text if ch.isalpha()]
    other = sum(not _latin(ch) for ch in letters)
    return other >= 2 and other > len(letters) - other


def detect(text: str, previous: str | None = None) -> str:
    """``hu`` or ``en``; keeps ``previous`` when the message does not say clearly. A message in
    another script is answered in English (``foreign``)."""
    lowered = text.lower()
    if lowered.startswith("/"):
        # A bot command and its argument (a case code) say nothing about the language.
        return previous or "hu"
    if foreign(text):
        return "en"
    words = _WORD.findall(lowered)
    hu = sum(w in _HU for w in words)
    en = sum(w in _EN for w in words)
    if any(ch in _HU_LETTERS for ch in lowered):
        # Accents usually mean Hungarian, but an English writer names Hungarian places
        # ("It is in Pécs, on Kossuth street"): only a clearly English sentence stays English;
        # any message too when its accents are only in names ("Our neighbours in Győr often
        # leave their toddler alone...": its 112 line was Hungarian) and it is a sentence.
        if previous and hu == 0 and _accents_only_in_names(text):
            # "Pécs" or "Győr, around 10" answered to an English question: a name, not a switch
            # (sealed10: an English report went on in Hungarian after the town's name).
            return "en" if en > 0 else previous
        clearly_en = en >= hu + EN_OVER_ACCENTS
        if clearly_en and len(words) >= _SENTENCE_WORDS and _accents_only_in_names(text):
            return "en"
        return "en" if previous == "en" and clearly_en else "hu"
    if en > hu:
        return "en"
    if hu > en:
        return "hu"
    return previous or "hu"
