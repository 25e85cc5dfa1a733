"""Text normalisation: make what children type comparable with the lexicon.

Order matters: NFKC first (full-width letters, ligatures), then drop format
characters (zero-width joiners, soft hyphens, bidi overrides) so that
"öngy\u200dilkos" stays one word, then fold accents (children often type
without them), then tokenise.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CLAUSE_BREAK = re.compile(r"[.!?;\n\r]+")
_WORD = re.compile(r"[^\W_]+")
_RUNS = re.compile(r"([a-z])\1{2,}")  # "segitseeeeg" -> "segitseg"; Hungarian never triples a letter
# Letters NFKD does not decompose but that children might use.
_EXTRA = str.maketrans({"ß": "ss", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i"})
_FOLD_CACHE: dict[str, str] = {}


def clean(text: str) -> str:
    """NFKC, lower case, format/control characters removed (not turned into breaks)."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cf":  # zero-width, soft hyphen, bidi controls: invisible, inside words
            continue
        if cat in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append("\n" if ch in "\n\r\u2028\u2029" else " ")
            continue
        out.append(ch)
    # "don't" -> "dont": apostrophes join, they do not split words
    return "".join(out).lower().replace("'", "").replace("\u2019", "")


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


@dataclass(frozen=True)
class Token:
    """One word: as typed (lower case, for Hunspell) and folded (for matching)."""

    raw: str
    folded: str
    clause: int


def tokenize(text: str) -> list[Token]:
    """Words with their clause number; patterns never reach across clauses."""
    tokens: list[Token] = []
    for clause_no, clause in enumerate(_CLAUSE_BREAK.split(clean(text))):
        for m in _WORD.finditer(clause):
            raw = m.group()
            folded = fold(raw)
            if folded:
                tokens.append(Token(raw, folded, clause_no))
    return tokens
