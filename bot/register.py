"""Who seems to be writing, from their own words: the register the gateway answers in.

Hungarian has two ways of saying "you": children are addressed with "te", adults and
professionals with "Ön". The gateway mirrors the person: someone who greets with
"Jó napot", writes "kérem" or speaks of "a lányom" or "a tanítványom" is an adult and
gets "Ön" (and the adult or professional queue); a child's words ("anyu", "a suliban",
"12 éves vagyok") keep "te". Once decided it stays for the conversation; a child's
words win over an adult's, so a child is never addressed as a stranger.
"""
from __future__ import annotations

import re
import unicodedata

FORMAL, INFORMAL = "formal", "informal"

_ADULT = re.compile(
    r"\b(jo napot|jo estet|jo reggelt|tisztelt|kerem|koszonom szepen|udvozlettel|erdeklodni|"
    r"on |onnek|ont |onok|ontol|onnel|"
    r"a lanyom|a fiam|lanyomat|fiamat|lanyommal|fiammal|a gyermekem|a gyerekem|gyerekeim|unokam|"
    r"a szomszed|szomszedunk|szomszedban|a parom|a ferjem|a felesegem|az elettarsam|a volt ferjem|"
    r"tanar vagyok|tanitvany|diakom|osztalyomban|ovodas|ovonokent|ovono vagyok|orvos vagyok|vedono|"
    r"csaladgondozo|szocialis munkas|pedagogus|paciens|kliens)"
)
_PROFESSIONAL = re.compile(
    r"\b(tanar vagyok|tanitvany|diakom|osztalyomban|ovono vagyok|ovonokent|orvos vagyok|vedono|"
    r"csaladgondozo|szocialis munkas|pedagogus|paciens|kliens|esetmegbeszeles|szakmai)"
)
_CHILD = re.compile(
    r"\b(anyu|apu|anyukam|apukam|anyam|apam|tesom|ocsem|hugom|batyam|noverem|osztalytars|"
    r"a suliban|a suli|tanarno|tanar bacsi|ofo|(?:[4-9]|1[0-7]) eves vagyok|nem vagyok meg 18)"
)


def _fold(text: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return f" {re.sub(r'[^a-z0-9]+', ' ', bare)} "


def detect(text: str, current: str = "") -> str:
    """The register after this message: a child's words win, an adult's set "formal"."""
    folded = _fold(text)
    if _CHILD.search(folded):
        return INFORMAL
    if current:
        return current
    return FORMAL if _ADULT.search(folded) else ""


def persona(text: str, register: str, current: str = "") -> str:
    """child | adult | professional as the words tell ("" if they don't); also the queue."""
    if register == INFORMAL:
        return "child"
    if register != FORMAL:
        return current
    if current == "professional" or _PROFESSIONAL.search(_fold(text)):
        return "professional"
    return "adult"


def voice(language: str, register: str) -> str:
    """The text variant to use: ``hu_formal`` for an adult writing in Hungarian."""
    return f"{language}_formal" if register == FORMAL and language == "hu" else language
