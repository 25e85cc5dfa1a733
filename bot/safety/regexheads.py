"""Which letters a word matching a regex can start with: the matcher's pre-filter.

A lexicon element is a regex on a folded word; before trying it on a word, the matcher
asks whether the word's first two letters are among the ones a match can start with.
Reading the regex's parse tree once, at load, answers that for every element.
"""
from __future__ import annotations

import string

try:  # the regex parser, to learn which letters a word matching an element can start with
    from re import _parser as _sre_parse  # type: ignore[attr-defined]  # Python >= 3.11
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse

ALPHABET = frozenset(string.ascii_lowercase + string.digits)  # folded words are [a-z0-9] plus rare letters


def heads(pattern: str, k: int = 2) -> frozenset[str] | None:
    """The first ``k`` letters (fewer if the match is shorter) a match of ``pattern`` can start with.

    None if unknown (the element is then tried on every word). An over-approximation
    is always safe: it only decides which regexes are tried on a word.
    """
    try:
        heads = _seq(_sre_parse.parse(pattern), {""}, k)
    except Exception:  # noqa: BLE001 - an unanalysable regex is simply always tried
        return None
    return frozenset(heads) if heads is not None and all(set(h) <= ALPHABET for h in heads) else None


def _seq(items, starts: set[str], k: int) -> set[str] | None:
    """Extend each partial head in ``starts`` by a parsed sequence of regex items."""
    cur = set(starts)
    for op, av in items:
        open_ = {h for h in cur if len(h) < k}
        if not open_:
            break
        done = cur - open_
        nxt = _item(str(op), av, open_, k)
        if nxt is None or len(nxt) > 5000:
            return None
        cur = done | nxt
    return cur


def _item(name: str, av, starts: set[str], k: int) -> set[str] | None:
    if name == "LITERAL":
        return {h + chr(av) for h in starts}
    if name == "IN":
        chars: set[str] = set()
        for iop, iav in av:
            iname = str(iop)
            if iname == "LITERAL":
                chars.add(chr(iav))
            elif iname == "RANGE":
                chars.update(chr(c) for c in range(iav[0], iav[1] + 1))
            else:
                return None
        return {h + c for h in starts for c in chars}
    if name == "SUBPATTERN":
        return _seq(av[-1], starts, k)
    if name == "BRANCH":
        out: set[str] = set()
        for branch in av[1]:
            got = _seq(branch, starts, k)
            if got is None:
                return None
            out |= got
        return out
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        lo, hi, sub = av
        out = set(starts) if lo == 0 else set()
        cur = set(starts)
        for n in range(1, k + 1):  # k repetitions are enough to fill k letters
            if hi is not None and hi != _sre_parse.MAXREPEAT and n > hi:
                break
            got = _seq(sub, {h for h in cur if len(h) < k}, k)
            if got is None:
                return None
            cur = got | {h for h in cur if len(h) >= k}
            if n >= lo:
                out |= cur
        return out
    if name == "AT":
        return set(starts)
    return None
