"""Text normalisation: make what children type comparable with the lexicon.

Order matters: NFKC first (full-width letters, ligatures), then drop format
characters (zero-width joiners, soft hyphens, bidi overrides) so that
"öngy\u200dilkos" stays one word, then fold accents (children often type
without them), then tokenise.
"""
from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# A full stop after a digit is an ordinal ("a 10. emeletről", "a 8.b-vel"), not the end of a clause.
_CLAUSE_BREAK = re.compile(r"(?:[!?;\n\r]|(?<![0-9])\.)[.!?;\n\r]*")
_WORD = re.compile(r"[^\W_]+")
_RUNS = re.compile(r"([a-z])\1{2,}")  # "segitseeeeg" -> "segitseg"; Hungarian never triples a letter
# Letters NFKD does not decompose but that children might use.
_EXTRA = str.maketrans({"ß": "ss", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i"})
_FOLD_CACHE: dict[str, str] = {}


# Laughing faces mark a joke the way "xd" or "haha" does ("megfojt ha rájön 😂"): they become
# the word "xd", so the lexicon's joke guards see them. Crying or skull faces stay out: a child
# in distress uses them too.
_LAUGH = frozenset("\U0001F602\U0001F923\U0001F606\U0001F639")


def _special(ch: str) -> str:
    if ch in _LAUGH:
        return " xd "
    cat = unicodedata.category(ch)
    if cat == "Cf":  # zero-width, soft hyphen, bidi controls: invisible, inside words
        return ""
    if cat in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
        return "\n" if ch in "\n\r\u2028\u2029" else " "
    return ch


def _special_bmp_class() -> str:
    """A character class of every BMP character _special changes, plus all astral ones."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x10000):
        ch = chr(cp)
        if _special(ch) != ch:
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    parts = [re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges]
    return "[" + "".join(parts) + "\U00010000-\U0010ffff]"


_SPECIAL = re.compile(_special_bmp_class())


def clean(text: str) -> str:
    """NFKC, lower case, format/control characters removed (not turned into breaks)."""
    text = unicodedata.normalize("NFKC", text)
    # Only the rare special (or astral: emoji) characters go through the per-character check.
    text = _SPECIAL.sub(lambda m: _special(m.group()), text)
    # "don't" -> "dont": apostrophes join, they do not split words
    return text.lower().replace("'", "").replace("\u2019", "")


def fold(word: str) -> str:
    """Strip accents: "öngyilkos" -> "ongyilkos", "verés" -> "veres". Cached."""
    hit = _FOLD_CACHE.get(word)
    if hit is not None:
        return hit
    if word.isascii():
        folded = word
    else:
        decomposed = unicodedata.normalize("NFKD", word.translate(_EXTRA))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = _RUNS.sub(r"\1", folded)
    if len(_FOLD_CACHE) > 100_000:
        _FOLD_CACHE.clear()
    _FOLD_CACHE[word] = folded
    return folded


class Token(NamedTuple):
    """One word: as typed (lower case, for Hunspell) and folded (for matching). A tuple: cheap to make."""

    raw: str
    folded: str
    clause: int
    part: int = 0  # comma-separated piece; a game/idiom context reaches only within its piece


def tokenize(text: str) -> list[Token]:
    """Words with their clause number; patterns never reach across clauses."""
    tokens: list[Token] = []
    append = tokens.append
    cache = _FOLD_CACHE
    part = 0
    for clause_no, clause in enumerate(_CLAUSE_BREAK.split(clean(text))):
        commas = clause.count(",")
        end = 0
        for m in _WORD.finditer(clause):
            start = m.start()
            if commas and "," in clause[end:start]:
                part += 1
            end = m.end()
            raw = m.group()
            folded = cache.get(raw) or fold(raw)
            if folded:
                if folded in _JOINERS:
                    part += 1
                if folded[:2] in _FUSED_HEADS and len(folded) > 5:
                    split = _FUSED.fullmatch(folded)
                    if split is not None:  # "megakarok" -> "meg" "akarok", "nemakarok" -> "nem" "akarok"
                        head = split.group(1) or split.group(3)
                        tail = split.group(2) or split.group(4)
                        cut = len(head)
                        head_raw, tail_raw = (raw[:cut], raw[cut:]) if fold(raw[:cut]) == head else (head, tail)
                        append(Token(head_raw, head, clause_no, part))
                        append(Token(tail_raw, tail, clause_no, part))
                        continue
                append(Token(raw, folded, clause_no, part))
        part += 1
    return tokens


# Words children run together: a verbal prefix or "nem" glued to the auxiliary that follows it
# ("megakarok halni", "nemakarok elni", "leakarok ugrani"). Not "fog" (megfog = grab) and
# not whole verbs: only auxiliaries, so a real prefixed verb is never split.
_FUSED = re.compile(
    r"(nem|meg|el|fel|le|ki|be|ossze|szet|ra|at)"
    r"(akar(?:ok|sz|ja|nak|unk|tam|t|ta|tak|nek|nak|om)?|szeretne(?:k|m|d|nek)?|kell(?:ene|ett)?|kene|probal(?:ok|om|tam|ta|ja|tak)?)"
    r"|(nem)(birom|birok|birja|tudok|tudom|tom|merek|mertem|fogok|lesz|vagyok)"
)
_FUSED_HEADS = frozenset({"ne", "me", "el", "fe", "le", "ki", "be", "os", "sz", "ra", "at"})

# Conjunctions that start a new thought: "a meccsen kikaptunk, de apa megvert" is two things.
_JOINERS = frozenset({"de", "mert", "aztan", "utana", "viszont", "pedig", "but", "because", "then"})
