"""Text normalisation: make what children type comparable with the lexicon.

Order matters: Hangul fillers read as spaces (they render as a blank); NFKC (full-width
letters, ligatures, mathematical letters); every default-ignorable code point and format
character dropped, so that "öngy\u200dilkos" or "ö\ufe0fngyilkos" stays one word; look-alike
letters and digits read as the Latin letter they imitate ("öngyilkоs" with a Cyrillic о,
"0ngyilk0s"); letter-spaced words joined ("m e g h a l o k"); then accents are folded (children
often type without them) and letters repeated three times or more squeezed ("meeeeg"), and the
text is tokenised. Numbers ("112", "4 éves", "06 80 20 55 20"), web and e-mail addresses and
emoji are left as they are: only words of letters are read through a disguise.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import NamedTuple

import yaml

# A full stop after a digit is an ordinal ("a 10. emeletről", "a 8.b-vel"), not the end of a clause.
_CLAUSE_BREAK = re.compile(r"(?:[!?;\n\r]|(?<![0-9])\.)[.!?;\n\r]*")
_WORD = re.compile(r"[^\W_]+")
_RUNS = re.compile(r"([a-z])\1{2,}")  # "segitseeeeg" -> "segitseg"; Hungarian never triples a letter
# Letters NFKD does not decompose but that children might use.
_EXTRA = str.maketrans({"ß": "ss", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i"})
_FOLD_CACHE: dict[str, str] = {}

# Default_Ignorable_Code_Point (Unicode 15.1.0, DerivedCoreProperties.txt) is derived as
#   Other_Default_Ignorable_Code_Point + Cf + Variation_Selector
#   - White_Space - FFF9..FFFB - 13430..1343F - Prepended_Concatenation_Mark.
# Python's unicodedata has the general category (Cf) but not these properties, so the ranges
# below are copied from the Unicode 15.1.0 PropList.txt. Every one of them is invisible: typed
# inside a word it must not split it.
_OTHER_DEFAULT_IGNORABLE = (
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x2065, 0x2065), (0x3164, 0x3164),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0xE0000, 0xE0000), (0xE0002, 0xE001F), (0xE0080, 0xE00FF),
    (0xE01F0, 0xE0FFF),
)
_VARIATION_SELECTOR = ((0x180B, 0x180D), (0x180F, 0x180F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
_NOT_IGNORABLE_CF = (  # Cf characters the derivation takes out again (they are visible or ink-bearing)
    (0xFFF9, 0xFFFB), (0x13430, 0x1343F), (0x0600, 0x0605), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
)


def _in(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(a <= cp <= b for a, b in ranges)


def default_ignorable(ch: str) -> bool:
    """Unicode's Default_Ignorable_Code_Point, derived as DerivedCoreProperties.txt does."""
    cp = ord(ch)
    if _in(cp, _OTHER_DEFAULT_IGNORABLE) or _in(cp, _VARIATION_SELECTOR):
        return True
    return unicodedata.category(ch) == "Cf" and not ch.isspace() and not _in(cp, _NOT_IGNORABLE_CF)


# The Hangul filler and its half-width form are letters (Lo) that render as a wide blank: they
# are used as a space that a whitespace split does not see ("meg\u3164akarok\u3164halni"), so
# they are read as one. NFKC would turn them into U+1160 (zero width, dropped with the other
# default-ignorables), so they are read before it.
_FILLER = re.compile("[\u3164\uffa0]+")
_BLANKS = frozenset("\u2800")  # Braille blank: renders as a space and is used as one


def _load_confusables() -> tuple[dict[int, str], dict[int, str]]:
    data = yaml.safe_load(Path(__file__).with_name("confusables.yml").read_text(encoding="utf-8"))
    letters = {ord(k): str(v) for k, v in data["letters"].items()}
    digits = {ord(k): str(v) for k, v in data["digits"].items()}
    return letters, digits


_LOOKALIKE, _LEET = _load_confusables()
_LOOKALIKE_ANY = re.compile("[" + "".join(re.escape(chr(c)) for c in _LOOKALIKE) + "]")
_LEET_CHARS = "".join(re.escape(chr(c)) for c in _LEET)
# A leet digit touching a letter: the cheap test before the per-word look.
_LEET_ANY = re.compile(rf"[{_LEET_CHARS}]")
_LEET_HINT = re.compile(rf"[^\W\d_][{_LEET_CHARS}]|[{_LEET_CHARS}][^\W\d_]")
# A run of letters, digits and leet signs holding a leet character, always whole: the look-behinds
# start it only where a run starts, so a run without one is scanned once, not from every letter
# (as a bare "(?:...)*[leet](?:...)*" was: quadratic in the word, 5 ms of a 20,000-character text).
_LEET_CAND = re.compile(rf"(?<![^\W_])(?<![{_LEET_CHARS}])[^\W_{_LEET_CHARS}]*+[{_LEET_CHARS}]"
                        rf"(?:[^\W_]|[{_LEET_CHARS}])*")
_DIGIT_PAIR = re.compile(r"[0-9]{2}")
# Web and e-mail addresses keep their digits and "@": "okit@ncsszi.hu" is no word.
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+|[^\s@]+@[^\s@]+\.[^\W\d_]{2,}\S*", re.IGNORECASE)
# Single letters with the same separator between them: "m e g", "m-e-g", "m.e.g". Three or more
# make a letter-spaced word; once a message has one, its two-letter runs are words too ("m a").
# Marks first, then spaces, so "a h.í.d.o.n" is "a hídon", not "ah.ídon".
_SPACED = tuple(re.compile(r"(?<![^\W_])[^\W\d_](SEP)[^\W\d_](?:\1[^\W\d_])*(?![^\W_])".replace("SEP", sep))
                for sep in (r"[\-._*·•+~|/]", " "))
_SPACED_ANY = re.compile(r"\b[^\W\d_]([ \-._*·•+~|/])[^\W\d_]\1[^\W\d_]\b")  # the cheap test first
# Words of one letter ("a", "s" = és, "ő", "i"): a run made only of them is ordinary text ("ő s a").
_ONE_LETTER_WORDS = frozenset("aseőioéóá")
# A letter that is never a word alone, cut from the rest of its word: "ö ngyilkos".
_LONE = re.compile(r"(?<![^\W_])([öüű]) (?=[^\W\d_]{2,})")


# A word holding a look-alike letter, whole (the letters are word characters, so this finds the same
# words as _WORD): only those words go through the Python callback.
_LOOKALIKE_CHARS = "".join(re.escape(chr(c)) for c in _LOOKALIKE)
_LOOKALIKE_WORD = (re.compile(rf"(?<![^\W_])[^\W_{_LOOKALIKE_CHARS}]*+[{_LOOKALIKE_CHARS}][^\W_]*")
                   if all(_WORD.fullmatch(chr(c)) for c in _LOOKALIKE) else _WORD)


def _latin(ch: str) -> bool:
    return ch.isalpha() and ord(ch) < 0x250  # Basic Latin to Latin Extended-B


def _unconfuse_word(m: re.Match[str]) -> str:
    """Look-alikes become Latin in a word that mixes them with Latin letters, or is made only of them."""
    word = m.group()
    if not _LOOKALIKE_ANY.search(word):
        return word
    letters = [c for c in word if c.isalpha()]
    if any(_latin(c) for c in letters) or all(ord(c) in _LOOKALIKE for c in letters):
        return word.translate(_LOOKALIKE)
    return word


def _leet_strict(word: str) -> bool:
    """A digit between two letters ("meg4l", "k0s"), or a leading zero before three letters
    ("0ngyilkos"); "4eves", "10perc", "mp3" and "0ra" are not disguise."""
    if sum(c.isalpha() for c in word) < 2:
        return False
    if word[0] == "0" and len(word) >= 4 and word[1:4].isalpha():
        return True
    return any(ord(word[i]) in _LEET and word[i - 1].isalpha() and word[i + 1].isalpha()
               for i in range(1, len(word) - 1))


def _leet_loose(word: str) -> bool:
    """In a message that is written in leet, short words too ("h4", "3s", "4z"): any word with a
    letter whose digits are single leet characters (never a number such as "10perc" or "4")."""
    return (any(c.isalpha() for c in word) and not _DIGIT_PAIR.search(word)
            and all(ord(c) in _LEET for c in word if not c.isalpha()))


def _unleet(text: str) -> str:
    if not any(_leet_strict(w) for w in _LEET_CAND.findall(text)):
        return text
    # Only words holding a leet character can change: visiting every word of a 20,000-character
    # message through a Python callback cost a third of its screening time.
    return _LEET_CAND.sub(lambda m: m.group().translate(_LEET) if _leet_loose(m.group()) else m.group(), text)


def _join_spaced(text: str, spaced: re.Pattern[str]) -> str:
    """Letter-spaced words joined; runs of one-letter words typed with spaces stay ("ő s a")."""
    runs = [(m, m.group().replace(m.group(1), "")) for m in spaced.finditer(text)]
    runs = [(m, w) for m, w in runs if m.group(1) != " " or not set(w) <= _ONE_LETTER_WORDS]
    if not any(len(w) >= 3 for _m, w in runs):
        return text
    out, end = [], 0
    for m, w in runs:
        out += [text[end : m.start()], w]
        end = m.end()
    out.append(text[end:])
    return "".join(out)


def _undisguise(text: str) -> str:
    """Look-alike letters and leet digits inside words, outside web and e-mail addresses."""
    if _LOOKALIKE_ANY.search(text):
        text = _LOOKALIKE_WORD.sub(_unconfuse_word, text)
    if _LEET_ANY.search(text) is None or _LEET_HINT.search(text) is None:  # most messages have no digit
        return text
    if "@" not in text and "www" not in text.lower() and "://" not in text:
        return _unleet(text)
    out, end = [], 0
    for m in _ADDRESS.finditer(text):
        out += [_unleet(text[end : m.start()]), m.group()]
        end = m.end()
    out.append(_unleet(text[end:]))
    return "".join(out)


# Laughing faces mark a joke the way "xd" or "haha" does ("megfojt ha rájön 😂"): they become
# the word "xd", so the lexicon's joke guards see them. Crying or skull faces stay out: a child
# in distress uses them too.
_LAUGH = frozenset("\U0001F602\U0001F923\U0001F606\U0001F639\U0001F604\U0001F601\U0001F61C\U0001F61D")


def _special(ch: str) -> str:
    if ch in _LAUGH:
        return " xd "
    cat = unicodedata.category(ch)
    if cat == "Cf" or default_ignorable(ch):  # zero-width, soft hyphen, bidi, variation selectors: invisible
        return ""
    if ch in _BLANKS:
        return " "
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
    """Lower case, NFKC, invisible characters removed (not turned into breaks), disguise undone."""
    if "\u3164" in text or "\uffa0" in text:
        text = _FILLER.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    # Only the rare special (or astral: emoji) characters go through the per-character check.
    text = _SPECIAL.sub(lambda m: _special(m.group()), text)
    text = _undisguise(text)
    # "don't" -> "dont": apostrophes join, they do not split words
    text = text.lower().replace("'", "").replace("\u2019", "")
    if _SPACED_ANY.search(text):
        for spaced in _SPACED:
            text = _join_spaced(text, spaced)
    if ("ö " in text or "ü " in text or "ű " in text) and _LONE.search(text):
        text = _LONE.sub(r"\1", text)
    return text


class _CombiningMarks(dict):
    """For str.translate: combining marks (accents after NFKD) to None, every other character to
    itself; learnt per character on first sight, so folding runs in C, not a generator."""

    def __missing__(self, cp: int) -> int | None:
        got = None if unicodedata.combining(chr(cp)) else cp
        self[cp] = got
        return got


_MARKS = _CombiningMarks()


def fold(word: str) -> str:
    """Strip accents: "öngyilkos" -> "ongyilkos", "verés" -> "veres". Cached."""
    hit = _FOLD_CACHE.get(word)
    if hit is not None:
        return hit
    if word.isascii():
        folded = word
    else:
        decomposed = unicodedata.normalize("NFKD", word.translate(_EXTRA))
        folded = decomposed.translate(_MARKS)
    if _RUNS.search(folded) is not None:  # rare: the search alone is cheaper than sub's template
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


_new_token = tuple.__new__


def tokenize(text: str) -> list[Token]:
    """Words with their clause number; patterns never reach across clauses."""
    tokens: list[Token] = []
    append = tokens.append
    cache = _FOLD_CACHE
    part = 0
    text = clean(text)
    if "@" in text or "www" in text or "://" in text:
        # An address is a name, not words: "www.bantalmazas.hu" names the site, it tells of no abuse.
        text = _ADDRESS.sub(" ", text)
    for clause_no, clause in enumerate(_CLAUSE_BREAK.split(text)):
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
                append(_new_token(Token, (raw, folded, clause_no, part)))  # Token(...) without its Python __new__
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
