"""The reporter's own contact details and name in report text.

Finds phone numbers, e-mail addresses and self-naming ("a nevem Kiss Anna", "Anna
vagyok", "my name is Anna", "I am Anna") in free text and returns their spans with a
kind, so the written report can mask them and an operator can review the report before
it is exported. Used by the gateway (Python 3.11) and by the Rasa action server (3.10):
standard library only.

Not flagged: the service numbers people are told to call (112, 116 111, 116 000,
06 80 20 55 20, 06 80 225 225 and any other 06 80 toll-free number, which only
organisations have), the service's address okit@ncsszi.hu, ages, dates and house
numbers. Other people's names ("a szomszéd Kovács Béla") are not self-naming and stay:
they may be what the authority needs.

Never log what this finds: only the kinds (:func:`kinds`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import wording

PHONE, EMAIL, NAME = "phone", "email", "name"
KINDS = (PHONE, EMAIL, NAME)
# What stands in the reporter's data's place; the report goes to Hungarian authorities.
MASKS: dict[str, str] = {kind: wording.text(f"pii_mask_{kind}", "hu") for kind in KINDS}

# Service numbers and addresses: never the reporter's own (compared as digits only).
SERVICE_NUMBERS = frozenset({"112", "116111", "116000", "0680205520", "0680225225", "107", "104", "105"})
SERVICE_EMAILS = frozenset({"okit@ncsszi.hu"})


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


# -- phone numbers -----------------------------------------------------------------------
_S = r"(?:[ \t]?[-/.][ \t]?|[ \t])"  # one separator: space, dash, slash or dot
# +36 / 0036 / 06, the area code (1, or two digits; maybe in parentheses), then the rest:
# counted and checked in code (8 or 9 national digits).
_PREFIXED = re.compile(
    r"(?<![\w+])(?:\+[ \t]?36|0036|06)" + _S + r"?\(?\d\)?(?:" + _S + r"?\(?\d\)?){7,8}(?![\d])"
)
# A mobile number without prefix: 20/30/31/50/70, then 7 digits grouped 3+4, 3+2+2 or 7.
_MOBILE = re.compile(
    r"(?<![\w+/.-])\(?(?:20|30|31|50|70)\)?[ /-]?\d{3}[ -]?(?:\d{4}|\d{2}[ -]\d{2})(?![\d])"
)
# Another country's number: +, country code, 7 to 13 more digits.
_FOREIGN = re.compile(r"(?<![\w+])\+[ \t]?(?!36)[1-9]\d{0,2}(?:" + _S + r"?\(?\d\)?){7,13}(?![\d])")
# Any number of 6+ digits right after a word saying it is a phone number.
_KEYWORD = re.compile(
    r"(?:telefonszám\w*|telefon\w*|tel\.?|mobil\w*|számom|számon|hívj\w*|phone|number|call me|text me)"
    r"[ \t]*(?:is|:|-)?[ \t]*((?:\+|\()?\d(?:" + _S + r"?\(?\d\)?){5,14})(?![\d])",
    re.IGNORECASE,
)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _national(digits: str) -> str | None:
    for prefix in ("0036", "36", "06"):
        if digits.startswith(prefix):
            return digits[len(prefix):]
    return None


def _service(digits: str) -> bool:
    national = _national(digits)
    if digits in SERVICE_NUMBERS or (national is not None and "06" + national in SERVICE_NUMBERS):
        return True
    return national is not None and national.startswith("80")  # 06 80: toll-free, organisations only


def _phones(text: str) -> list[Span]:
    out: list[Span] = []
    for m in _PREFIXED.finditer(text):
        digits = _digits(m.group(0))
        national = _national(digits) or ""
        if len(national) in (8, 9) and not _service(digits):
            out.append(Span(m.start(), m.end(), PHONE))
    for m in _MOBILE.finditer(text):
        out.append(Span(m.start(), m.end(), PHONE))
    for m in _FOREIGN.finditer(text):
        out.append(Span(m.start(), m.end(), PHONE))
    for m in _KEYWORD.finditer(text):
        digits = _digits(m.group(1))
        if not _service(digits):
            out.append(Span(m.start(1), m.end(1), PHONE))
    return out


# -- e-mail addresses -------------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}", re.UNICODE)


def _emails(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), EMAIL) for m in _EMAIL.finditer(text)
            if m.group(0).lower() not in SERVICE_EMAILS]


# -- self-naming --------------------------------------------------------------------------
_WORD = r"[^\W\d_]+(?:-[^\W\d_]+)?"
# Words that may stand capitalised before "vagyok" / after "I am" without being a name:
# who they are to the child, how they feel, where they are from (lowercase compare).
_NOT_NAMES = frozenset("""
    tanár tanárnő tanárként tanító tanítónő óvónő óvó védőnő orvos doktor ápoló nővér pedagógus
    osztályfőnök igazgató igazgatónő szociális szociálpedagógus pszichológus családsegítő rendőr
    anya anyja anyuka édesanya apa apuka édesapa szülő szülője nagymama nagyi nagypapa mama papa
    nagynéni nagybácsi keresztanya keresztapa rokon testvér báty nővére húga öccse szomszéd
    szomszédja barát barátnő barátja osztálytárs diák tanuló gyerek gyermek lány fiú kislány kisfiú
    nő férfi felnőtt kamasz tinédzser egyedül itthon otthon itt ott bent kint biztos nagyon
    szomorú fáradt ideges beteg kíváncsi félek ijedt rémült dühös boldog jól rosszul éhes
    magyar roma cigány keresztény ez az egy most még már csak is nem sem
    teacher mother father mom mum dad parent neighbour neighbor friend student child kid girl boy
    nurse doctor social worker sorry scared afraid alone home here there fine ok okay not so very
    worried sad tired sick hungry hungarian english british american roma christian muslim jewish
    in at a an the just only still really
    szia sziasztok helló hello hali csá jó napot üdv üdvözlöm kedves hi hey én te ő mi ti ők
    terhes meleg öngyilkos rossz kész szegény árva bántalmazott zaklatott veszélyben bajban
""".split())
# Words that end a name typed in lowercase after "a nevem" / "my name is".
_STOP_AFTER = frozenset("""
    és de meg vagyok vagy is hogy és éves nem a az egy of and but i im i'm am is
    from years year old
""".split())
_CAP_NAME = r"(?P<name>" + _WORD + r"(?:[ \t]+" + _WORD + r"){0,2})"
_SELF = [
    # "a nevem X", "nevem: X", "az én nevem X", "my name is X", "my name's X", "hívnak X"
    re.compile(r"(?:\bnevem|\bmy name is|\bmy name's|\bname's|\bhívnak)[ \t]*[:\-]?[ \t]*" + _CAP_NAME, re.IGNORECASE),
    # "X vagyok", "X a nevem", "X-nek hívnak"
    re.compile(_CAP_NAME + r"(?=[ \t]+(?:vagyok\b|a nevem\b|vok\b))"),
    re.compile(r"(?P<name>" + _WORD + r")(?=[ \t]+hívnak\b)"),
    # "I am X", "I'm X", "this is X" (only capitalised)
    re.compile(r"\b(?:I am|I'm|Im|I’m|this is|This is)[ \t]+" + _CAP_NAME),
]
_STRONG = (0,)
# Hungarian case endings ("Veszélyben vagyok") are not names; adjective-like endings
# are not counted when the one word opens a sentence ("Fáradt vagyok").
_CASE_END = re.compile(r"(?:ban|ben|ból|ből|nál|nél|ként|ról|ről|tól|től)$", re.IGNORECASE)
# markers after which a lowercase name still counts
_ADJ_END = re.compile(r"(?:os|es|ös|ós|ős|ú|ű|tt|ó|ő|atlan|etlen|talan|telen)$", re.IGNORECASE)


def _name_words(candidate: str, strong: bool) -> list[str]:
    """The leading words of ``candidate`` that make up a name, [] if none."""
    words = candidate.split()
    taken: list[str] = []
    for word in words:
        low = word.lower()
        if low in _NOT_NAMES or low in _STOP_AFTER:
            break
        if not word[0].isupper() and not (strong and not taken):
            break
        taken.append(word)
    if strong and taken and not taken[0][0].isupper():
        # typed in lowercase after "a nevem": one or two words, a function word ends it
        return taken[:2]
    return taken


def _names(text: str) -> list[Span]:
    out: list[Span] = []
    for i, pattern in enumerate(_SELF):
        for m in pattern.finditer(text):
            start = m.start("name")
            candidate = m.group("name")
            if i == 1 or i == 2:
                # "X vagyok": the name is the last capitalised words before "vagyok"
                words = candidate.split()
                kept: list[str] = []
                for word in reversed(words):
                    if not word[0].isupper() or word.lower() in _NOT_NAMES or _CASE_END.search(word):
                        break
                    kept.insert(0, word)
                if i == 2 and kept and not re.search(r"(?:nak|nek)$", kept[-1]):
                    kept = []
                if not kept:
                    continue
                s = start + candidate.rfind(" ".join(kept))
                before = text[:s].rstrip()
                if len(kept) == 1 and i == 1 and (not before or before[-1] in ".!?\n") \
                        and _ADJ_END.search(kept[0]):
                    continue  # "Terhes vagyok" opening a sentence: more likely a word than a name
                out.append(Span(s, s + len(" ".join(kept)), NAME))
                continue
            words = _name_words(candidate, strong=i in _STRONG)
            if not words:
                continue
            out.append(Span(start, start + len(" ".join(words)), NAME))
    return out


# -- the public part -----------------------------------------------------------------------
def find(text: str | None) -> list[Span]:
    """Every span of the reporter's own phone, e-mail or name in ``text``: sorted, not overlapping."""
    if not text:
        return []
    spans = sorted(_emails(text) + _phones(text) + _names(text), key=lambda s: (s.start, -s.end))
    out: list[Span] = []
    for span in spans:
        if out and span.start < out[-1].end:
            if span.end > out[-1].end:  # overlap: one span covering both, the first one's kind
                out[-1] = Span(out[-1].start, span.end, out[-1].kind)
            continue
        out.append(span)
    return out


def kinds(text: str | None) -> list[str]:
    """The kinds found in ``text``, in :data:`KINDS` order (safe to log: no values)."""
    found = {s.kind for s in find(text)}
    return [k for k in KINDS if k in found]


def kinds_in(texts: Iterable[str | None]) -> list[str]:
    found = {k for t in texts for k in kinds(t)}
    return [k for k in KINDS if k in found]


def mask(text: str | None) -> str:
    """``text`` with every span replaced by its mask ("[telefonszám törölve]", ...)."""
    if not text:
        return text or ""
    out, last = [], 0
    for span in find(text):
        out.append(text[last:span.start])
        out.append(MASKS[span.kind])
        last = span.end
    out.append(text[last:])
    return "".join(out)
