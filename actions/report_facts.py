"""The child's age and the place, found in the reporter's own words (issue 12).

A reporter tells what they know in the order they think of it: "Debrecenben a szomszéd 5 éves
kisfiút..." already answers "where?" and "how old?", and "7 éves" typed at "which town?" is the
age, one question early. The form keeps each where it belongs and asks only what is still
missing. The readings are deliberately narrow (a number with an age word, a Budapest district,
a capitalised place name inflected "in X"): a miss only means the question is asked; a wrong
guess would put an answer in the wrong slot, which the summary shows before anything is sent.
"""
from __future__ import annotations

import re

from knowledge import normalise

_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
                 r"fifteen|sixteen|seventeen|egy|ket|ketto|harom|negy|ot|hat|het|nyolc|kilenc|tiz|"
                 r"tizenegy|tizenket|tizenketto|tizenharom|tizennegy|tizenot|tizenhat|tizenhet")
_NUMBER = rf"(?:[0-9]{{1,2}}|{_NUMBER_WORDS})"
# An answer that is only an age: "7 éves", "kb. 10", "about two years old", "8 év körüli",
# "tinédzser", "kisbaba". Said at "which town?" it is the age.
_AGE_ANSWER = re.compile(
    rf"^(?:kb|korulbelul|nagyjabol|talan|kozel|mar|meg|csak|about|around|maybe|roughly|approximately|almost|"
    rf"only|just|he s|she s|he is|she is|a|az|egy)?(?: ?(?:kb|about|around))? ?{_NUMBER}"
    rf"(?: (?:es|and|or|vagy|meg|to|-) ?{_NUMBER})? ?"
    rf"(?:eves\w*|ev|evet|ev koruli|ev korul|honapos\w*|years?|years? old|yo|y o|months?|months? old|"
    rf"koruli|korul|ish)?$|"
    r"^(?:egy |a |an? )?(?:tinedzser\w*|kamasz\w*|kisbaba|baba|csecsemo|ovodas\w*|kisiskolas\w*|iskolas\w*|"
    r"teen\w*|toddler|baby|infant|preschooler|schoolboy|schoolgirl)$"
)
# An age inside an account: "a 5 éves kisfiú", "egy 12 éves lány", "their 3-year-old", "aged 9";
# never the writer's own ("12 éves vagyok", "I'm 14").
_AGE_IN_TEXT = re.compile(
    r"\b([0-9]{1,2}) ?(?:eves|honapos)\b(?! vagyok)|\b([0-9]{1,2}) ?(?:year|month)s? old\b|"
    r"\b([0-9]{1,2}) (?:year|month) old\b|\baged ([0-9]{1,2})\b"
)
_OWN_AGE = re.compile(r"\b[0-9]{1,2} ?eves vagyok\b|\bi ?m [0-9]{1,2}\b|\bi am [0-9]{1,2}\b")
# A Budapest district ("XIII. kerület", "13. kerületben", "13th district"), with or without Budapest.
_DISTRICT = re.compile(r"\b([IVXivx]{1,5}|[0-9]{1,2})\.? ?(th|st|nd|rd)? ?(kerület|kerulet|district)", re.IGNORECASE)
# "Debrecenben", "Pécsen", "Miskolcon": a capitalised word inside a sentence with an "in" ending
# (the first word of a sentence is capitalised anyway: "Otthon", "Délután", "Iskolában" are no
# towns, so a place said first is asked for rather than guessed). The names below are capitalised
# and inflected the same way but are no town.
_PLACE_IN = re.compile(r"\b([A-ZÁÉÍÓÖŐÚÜŰ][a-záéíóöőúüű]{2,}?)(ben|ban|en|on|ön|an|n)\b")
_SENTENCE_END = re.compile(r"(^|[.!?:;]\s*)$")
# A town takes no article ("Debrecenben"); a shop, a school or a landmark does ("a Tescóban",
# "a Petőfiben tanul", "az Arénában"): those are no settlement.
_ARTICLE = re.compile(r"\b(a|az|the)\s+$", re.IGNORECASE)
_NOT_PLACES = frozenset({
    "magyarorszag", "facebook", "instagram", "messenger", "tiktok", "snapchat", "viber", "whatsapp",
    "discord", "youtube", "google", "interneten", "karacsony", "husvet", "hetfo", "kedd", "szerda",
    "csutortok", "pentek", "szombat", "vasarnap", "januar", "februar", "marcius", "aprilis", "majus",
    "junius", "julius", "augusztus", "szeptember", "oktober", "november", "december",
})


# Words around an age that say how sure the reporter is ("Olyan 10 éves lehet", "szerintem 7",
# "I think about 6"): dropped before the age is read.
_HEDGES = frozenset({
    "olyan", "lehet", "lehetett", "szerintem", "gondolom", "asszem", "azt", "hiszem", "talan", "kb",
    "korulbelul", "nagyjabol", "valahol", "is", "van", "mar", "hat", "ugy", "ugyanugy", "kb.",
    "i", "think", "guess", "probably", "like", "maybe", "perhaps", "or", "so",
})


def age_answer(text: str) -> bool:
    """True for an answer that is only an age ("7 éves", "about two years old", "tinédzser",
    "olyan 10 éves lehet")."""
    words = normalise(text).split()
    if not words or len(words) > 6:
        return False
    if _AGE_ANSWER.fullmatch(" ".join(words)):
        return True
    while words and words[0] in _HEDGES:
        words = words[1:]
    while words and words[-1] in _HEDGES:
        words = words[:-1]
    return bool(words) and bool(_AGE_ANSWER.fullmatch(" ".join(words)))


def age_in(text: str) -> str | None:
    """The child's age said inside an account ("5 éves", "3 years old"), if exactly one is said
    and it is not the writer's own; else None."""
    norm = normalise(text)
    if _OWN_AGE.search(norm):
        return None
    found = {next(g for g in m.groups() if g) for m in _AGE_IN_TEXT.finditer(norm)}
    if len(found) != 1:
        return None
    match = next(_AGE_IN_TEXT.finditer(norm))
    number = next(g for g in match.groups() if g)
    word = match.group(0)
    if "eves" in word:
        return f"{number} éves"
    if "honapos" in word:
        return f"{number} hónapos"
    return f"{number} {'months' if 'month' in word else 'years'} old"


def place_in(text: str) -> str | None:
    """The settlement said inside an account: "Budapest, XIII. kerület", "Debrecen" (from
    "Debrecenben"); None when none is clear."""
    norm = normalise(text)
    district = _DISTRICT.search(text)
    if district:
        number, suffix, word = district.groups()
        if word.lower() == "district":
            return f"Budapest, {number}{suffix or ''} district"
        return f"Budapest, {number.upper()}. kerület"
    for match in _PLACE_IN.finditer(text):
        before = text[: match.start()]
        if _SENTENCE_END.search(before) or _ARTICLE.search(before):
            continue
        stem = match.group(1)
        if normalise(stem) in _NOT_PLACES or normalise(match.group(0)) in _NOT_PLACES:
            continue
        # "Pécsen", "Szegeden": the stem's last vowel belongs to the ending.
        return _stem(stem, match.group(2))
    if re.search(r"\bbudapest\w*\b", norm):
        return "Budapest"
    return None


def _stem(stem: str, ending: str) -> str:
    """The town's name from "Debrecen|ben", "Pécs|en", "Tatá|n" (a final a/e lengthens before -n)."""
    if ending == "n" and stem[-1:] in "áé":
        return stem[:-1] + {"á": "a", "é": "e"}[stem[-1]]
    return stem
