"""Case codes: easy to write down, read aloud and type; hard to guess.

Format ``K7M-4QX-9TB``: nine characters from a 31-character alphabet without the
look-alikes 0/O, 1/I/L, in three groups. Eight are drawn with :mod:`secrets`
(31**8, about 8.5e11 codes, ~39.6 bits); the ninth is a check character
(weighted sum modulo the prime 31, weights 1..9, total 0), which catches every
single mistyped character and every swap of two neighbours, so a typo is told
apart from a code that does not exist. Every code contains at least one digit,
so an ordinary nine-letter word in a message is never taken for a code.

The code is a secret of the reporter: it is never logged and never used as a
Redis key as such (see :func:`bot.reports.store.ReportStore.rid`).
"""
from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = len(ALPHABET)  # 31, a prime
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
DATA_LEN = 8
LENGTH = DATA_LEN + 1
_DIGITS = frozenset("23456789")


def _check_char(data: str) -> str:
    total = sum((i + 1) * _VALUE[c] for i, c in enumerate(data))
    # Choose c so that total + LENGTH * c == 0 (mod BASE); LENGTH is invertible mod a prime.
    c = (-total * pow(LENGTH, -1, BASE)) % BASE
    return ALPHABET[c]


def _valid_compact(code: str) -> bool:
    if len(code) != LENGTH or any(c not in _VALUE for c in code):
        return False
    return sum((i + 1) * _VALUE[c] for i, c in enumerate(code)) % BASE == 0


def format_code(compact: str) -> str:
    return f"{compact[0:3]}-{compact[3:6]}-{compact[6:9]}"


def new_code() -> str:
    """A fresh random code in display form, e.g. ``K7M-4QX-9TB``."""
    while True:
        data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LEN))
        if _DIGITS.intersection(data):
            return format_code(data + _check_char(data))


def normalise(raw: str) -> str | None:
    """The display form of what a person typed, or None if it is not a valid code.

    Accepts lower case, spaces, dashes and dots anywhere (``k7m 4qx 9tb``).
    """
    compact = re.sub(r"[\s.\-‐–_]", "", raw or "").upper()
    if not _valid_compact(compact):
        return None
    return format_code(compact)


def _candidates(text: str) -> list[tuple[str, bool]]:
    """Nine-character runs made of one to three whole alphanumeric tokens in a row
    (``K7M4QX9TB``, ``K7M-4QX-9TB``, ``k7m 4qx9tb``), each with whether it was dashed."""
    tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[0-9A-Za-z]+", text or "")]
    out = []
    for i in range(len(tokens)):
        joined, dashed = "", True
        for j in range(i, min(i + 3, len(tokens))):
            if j > i:
                gap = text[tokens[j - 1][2]:tokens[j][1]]
                if len(gap) > 1 or gap not in " .-‐–":
                    break
                dashed = dashed and gap in "-‐–"
            joined += tokens[j][0]
            if len(joined) == LENGTH:
                out.append((joined, dashed and j - i == 2))
            if len(joined) >= LENGTH:
                break
    return out


def find_code(text: str) -> str | None:
    """A valid code inside free text (it must contain a digit), else None.

    A word next to the code can form another valid-looking run by chance (1 in 31),
    so when several are valid, a dashed one wins, then one typed in capitals, then
    the last one (a code usually ends the message).
    """
    best: tuple[tuple[bool, bool, int], str] | None = None
    for pos, (raw, dashed) in enumerate(_candidates(text)):
        compact = raw.upper()
        if _DIGITS.intersection(compact) and _valid_compact(compact):
            rank = (dashed, raw == compact, pos)
            if best is None or rank > best[0]:
                best = (rank, compact)
    return format_code(best[1]) if best else None


# Written like a code: three groups of three, dashed ("15-year-old" is nine characters in three
# dashed words, but not this shape).
_CODE_SHAPE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{3}[-‐–][0-9A-Za-z]{3}[-‐–][0-9A-Za-z]{3}(?![0-9A-Za-z])")


def looks_like_code(text: str) -> bool:
    """True if the text holds something written like a code (``XXX-XXX-XXX`` with a digit),
    valid or not: a likely typo worth pointing out."""
    return any(_DIGITS.intersection(m.group(0).upper()) for m in _CODE_SHAPE.finditer(text or ""))


def fold_words(text: str) -> str:
    """Lower case without accents, for the follow-up phrases said in words."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
