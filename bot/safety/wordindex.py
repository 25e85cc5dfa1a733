"""Which lexicon elements a folded word matches, by dictionary look-ups instead of regexes.

Why: a long message has thousands of distinct words, and trying each element's regex on each
(after a first-letters pre-filter) was the largest cost of screening 20,000 characters (~23 regex
calls a word). Nearly every element is a finite set of spellings, some followed by a run of
suffix letters ("apam[a-z0-9]{0,10}", "(?:meg|agyon)ol(?:ni|nek|...)"): such a regex is expanded
once, at load, into literal beginnings, each with an optional tail (a character set and a length
range). A word then matches when it is one of the literals, or when one of its own beginnings is
a literal whose tail fits the rest of the word: at most one dictionary look-up per letter.

The expansion reads the regex as Python's own parser does (``re._parser``) and is exact: an
element it cannot expand (a look-ahead, a back-reference, a tail in the middle, too many
spellings) is left to its regex, tried as before. ``WordIndex.check`` compares the two ways on
given words (the tests run it over real text).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

try:
    from re import _constants as _sre_const  # type: ignore[attr-defined]  # Python >= 3.11
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _sre_const
    import sre_parse as _sre_parse

LIMIT = 4000  # spellings per element; a larger language stays a regex
_SMALL_SET = 10  # a character class of at most this many letters inside a word is spelt out ("[2-9]")
_MAX_SPELLED_REPEAT = 3  # "jj?", "(?:ab){1,2}": repeated spelt out; longer repeats must be a tail
_INF = 1 << 30
_EPS = frozenset({("", None)})

Tail = tuple[frozenset[str], int, int]  # the characters the rest of the word may hold, min and max length
Lang = frozenset[tuple[str, "Tail | None"]]


class _Unsupported(Exception):
    pass


def _charset(av) -> frozenset[str]:
    chars: set[str] = set()
    for op, arg in av:
        if op is _sre_const.LITERAL:
            chars.add(chr(arg))
        elif op is _sre_const.RANGE:
            chars.update(chr(c) for c in range(arg[0], arg[1] + 1))
        else:  # NEGATE, CATEGORY (\d, \w): not expanded
            raise _Unsupported
    return frozenset(chars)


def _concat(a: Lang, b: Lang) -> Lang:
    if b == _EPS:
        return a
    out = set()
    for s, t in a:
        if t is not None:  # a tail must end the word
            raise _Unsupported
        for s2, t2 in b:
            out.add((s + s2, t2))
    if len(out) > LIMIT:
        raise _Unsupported
    return frozenset(out)


def _seq(items) -> Lang:
    cur: Lang = _EPS
    for op, av in items:
        cur = _concat(cur, _item(op, av))
    return cur


def _item(op, av) -> Lang:
    if op is _sre_const.LITERAL:
        return frozenset({(chr(av), None)})
    if op is _sre_const.IN:
        chars = _charset(av)
        if len(chars) <= _SMALL_SET:
            return frozenset((c, None) for c in chars)
        return frozenset({("", (chars, 1, 1))})
    if op is _sre_const.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            raise _Unsupported
        return _seq(sub)
    if op is _sre_const.BRANCH:
        out: set = set()
        for branch in av[1]:
            out |= _seq(branch)
        if len(out) > LIMIT:
            raise _Unsupported
        return frozenset(out)
    if op in (_sre_const.MAX_REPEAT, _sre_const.MIN_REPEAT):  # with the end anchored, lazy = greedy
        lo, hi, sub = av
        hi = _INF if hi is _sre_const.MAXREPEAT else hi
        if len(sub) == 1 and sub[0][0] in (_sre_const.IN, _sre_const.LITERAL) and (
                hi > _MAX_SPELLED_REPEAT or (sub[0][0] is _sre_const.IN and len(_charset(sub[0][1])) > _SMALL_SET)):
            op1, av1 = sub[0]
            chars = _charset(av1) if op1 is _sre_const.IN else frozenset(chr(av1))
            return frozenset({("", (chars, lo, hi))})
        if hi > _MAX_SPELLED_REPEAT:
            raise _Unsupported
        one = _seq(sub)
        out = set(_EPS) if lo == 0 else set()
        cur: Lang = _EPS
        for n in range(1, hi + 1):
            cur = _concat(cur, one)
            if n >= lo:
                out |= cur
        return frozenset(out)
    raise _Unsupported  # look-arounds, anchors inside, back-references, possessive repeats, \d ...


def expand(pattern: str) -> Lang | None:
    """The spellings of a full-word element regex (``(?:...)\\Z``, used with ``match``), or None."""
    try:
        parsed = _sre_parse.parse(pattern)
        if parsed.state.flags & ~_sre_const.SRE_FLAG_UNICODE:
            return None
        items = list(parsed)
        if not items or items[-1] != (_sre_const.AT, _sre_const.AT_END_STRING):
            return None
        return _seq(items[:-1])
    except (_Unsupported, RecursionError, re.error):
        return None


class WordIndex:
    """Element ids by word, for the elements whose regexes expand; ``rest`` are the others."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.exact: dict[str, tuple[int, ...]] = {}
        tails: dict[str, list[tuple[int, int, int, int]]] = {}
        self.charsets: list[frozenset[str]] = []
        sets: dict[frozenset[str], int] = {}
        self.rest: list[int] = []
        exact: dict[str, list[int]] = {}
        for i, pattern in enumerate(patterns):
            lang = expand(pattern)
            if lang is None:
                self.rest.append(i)
                continue
            for lit, tail in lang:
                if tail is None:
                    exact.setdefault(lit, []).append(i)
                    continue
                chars, lo, hi = tail
                cs = sets.setdefault(chars, len(sets))
                tails.setdefault(lit, []).append((i, cs, lo, hi))
        self.charsets = sorted(sets, key=sets.__getitem__)
        self.exact = {k: tuple(sorted(set(v))) for k, v in exact.items()}
        self.tails = {k: tuple(sorted(set(v))) for k, v in tails.items()}
        # Every beginning of a tailed literal: the walk along a word stops at the first letter
        # that no literal continues (a trie walk, as a set of prefixes).
        self.stems = frozenset(k[:j] for k in self.tails for j in range(len(k) + 1))

    def ids(self, word: str) -> set[int]:
        """The indexed elements ``word`` matches (never the ``rest``)."""
        got = self.exact.get(word)
        out = set(got) if got else set()
        n = len(word)
        tails, stems = self.tails, self.stems
        bad: dict[int, int] = {}
        for k in range(n + 1):
            head = word[:k]
            if head not in stems:
                break
            cands = tails.get(head)
            if not cands:
                continue
            r = n - k
            for i, cs, lo, hi in cands:
                if lo <= r <= hi and i not in out:
                    last = bad.get(cs)
                    if last is None:  # the last letter not in this tail's set (-1: none)
                        chars = self.charsets[cs]
                        last = next((j for j in range(n - 1, -1, -1) if word[j] not in chars), -1)
                        bad[cs] = last
                    if last < k:
                        out.add(i)
        return out
