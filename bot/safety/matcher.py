"""Score one message against the lexicon.

Per word (cached): which lexicon elements it matches, trying in order the
folded word itself, then (only for words that start like a lexicon stem)
Hunspell's stems, then a typo-tolerant comparison with the fuzzy stems.
Per message: phrase patterns with gaps inside a clause, then idiom/context
suppressors, negation, urgency boosters and tag combinations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.screening import Level, ScreenResult
from bot.safety.lexicon import Element, Gap, Lexicon
from bot.safety.normalize import Token, fold, tokenize
from bot.safety.stemmer import Stemmer

MAX_MATCHES = 10
SLOW_LOOKUPS_PER_MESSAGE = 48  # Hunspell/fuzzy look-ups for uncached words; bounds cold latency
_CACHE_LIMIT = 200_000
_LEVELS = (Level.NONE, Level.CONCERN, Level.HIGH, Level.IMMEDIATE)


@dataclass(frozen=True)
class WordInfo:
    elements: frozenset[int]
    fuzzy: bool = False


_EMPTY = WordInfo(frozenset())


@dataclass
class Hit:
    category: str
    level: Level
    fuzzy: bool
    text: str
    tags: tuple[str, ...]
    entry: str
    used: tuple[int, ...] = ()


def _min(a: Level, b: Level) -> Level:
    return a if a.rank <= b.rank else b


class Matcher:
    def __init__(self, lexicon: Lexicon, stemmer: Stemmer | None = None) -> None:
        self.lex = lexicon
        self.stemmer = stemmer
        self.elements: list[Element] = list(lexicon.elements.values())
        self.index = {el.key: i for i, el in enumerate(self.elements)}
        self.any_rx = re.compile("(?:" + "|".join(el.regex.pattern for el in self.elements) + ")")
        self.prefix_rx = re.compile("(?:" + "|".join(lexicon.verb_prefixes) + ")")
        self.stem_heads = frozenset(s[:3] for el in self.elements for s in el.stems if len(s) >= 3)
        keys = sorted({k for el in self.elements for k in el.fuzzy_keys})
        self.fuzzy_heads = frozenset(k[:1] for k in keys)
        self.fuzzy_by_len: dict[int, list[str]] = {}
        for k in keys:
            self.fuzzy_by_len.setdefault(len(k), []).append(k)
        self._cache: dict[str, WordInfo] = {}
        # Per pattern: the element ids it needs, to skip patterns quickly.
        self._entry_pats = [
            (e, [(p, frozenset(self.index[x.key] for x in p if isinstance(x, Element))) for p in e.patterns])
            for e in lexicon.entries
        ]

    # ---- words -------------------------------------------------------------
    def _direct(self, word: str) -> frozenset[int]:
        if self.any_rx.match(word) is None:  # one combined test rejects most words
            return frozenset()
        return frozenset(i for i, el in enumerate(self.elements) if el.regex.match(word))

    def _worth_slow_lookup(self, folded: str) -> bool:
        if len(folded) < 4:
            return False
        if folded[:3] in self.stem_heads:
            return True
        m = self.prefix_rx.match(folded)
        return bool(m and folded[m.end() : m.end() + 3] in self.stem_heads)

    def _fuzzy(self, folded: str) -> str | None:
        """Best typo correction of the word's beginning to a fuzzy stem, or None."""
        best: tuple[int, str] | None = None
        n = len(folded)
        for length, keys in self.fuzzy_by_len.items():
            if n < length - 1:
                continue
            maxd = 1 if length < 9 else 2
            for sl in (length - 1, length, length + 1):
                if sl > n:
                    continue
                got = process.extractOne(folded[:sl], keys, scorer=OSA.distance, score_cutoff=maxd)
                if got is None:
                    continue
                key, dist = got[0], int(got[1])
                if dist == 0 or key[0] != folded[0]:
                    continue
                if best is None or dist < best[0]:
                    best = (dist, key + folded[sl:])
        return best[1] if best else None

    def word(self, tok: Token, budget: list[int]) -> WordInfo:
        hit = self._cache.get(tok.raw)
        if hit is not None:
            return hit
        ids = self._direct(tok.folded)
        info = WordInfo(ids) if ids else _EMPTY
        stem_worthy = not ids and self._worth_slow_lookup(tok.folded)
        fuzzy_worthy = not ids and len(tok.folded) >= 5 and tok.folded[:1] in self.fuzzy_heads
        if stem_worthy or fuzzy_worthy:
            if budget[0] <= 0:
                return _EMPTY  # not cached: a later message may look it up
            budget[0] -= 1
            known = False
            if self.stemmer is not None:
                known = self.stemmer.known(tok.raw)
            if self.stemmer is not None and stem_worthy:
                for stem in self.stemmer.stems(tok.raw):
                    ids = self._direct(fold(stem.lower()))
                    if ids:
                        info = WordInfo(ids)
                        break
            if not info.elements and not known and fuzzy_worthy:
                corrected = self._fuzzy(tok.folded)
                if corrected:
                    ids = self._direct(corrected)
                    if ids:
                        info = WordInfo(ids, fuzzy=True)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[tok.raw] = info
        return info

    # ---- phrases -----------------------------------------------------------
    def _find(self, pat: tuple, toks: list[Token], infos: list[WordInfo], start_at: int = 0):
        """All (first, last, used indices) where pattern matches, within one clause."""
        first = self.index[pat[0].key]
        for i in range(start_at, len(toks)):
            if first not in infos[i].elements:
                continue
            found = self._extend(pat, 1, i, [i], toks, infos)
            if found is not None:
                yield i, found[-1], found

    def _extend(self, pat, k, pos, used, toks, infos):
        if k == len(pat):
            return used
        gap = 0
        item = pat[k]
        if isinstance(item, Gap):
            gap = item.max_words
            k += 1
            item = pat[k]
        want = self.index[item.key]
        clause = toks[pos].clause
        for j in range(pos + 1, min(len(toks), pos + 2 + gap)):
            if toks[j].clause != clause:
                break
            if want in infos[j].elements:
                got = self._extend(pat, k + 1, j, used + [j], toks, infos)
                if got is not None:
                    return got
        return None

    def screen(self, text: str) -> ScreenResult:
        toks = tokenize(text)
        if not toks:
            return ScreenResult()
        budget = [SLOW_LOOKUPS_PER_MESSAGE]
        infos = [self.word(t, budget) for t in toks]
        present: set[int] = set()
        for inf in infos:
            present |= inf.elements
        if not present:
            return ScreenResult()

        hits: list[Hit] = []
        for entry, pats in self._entry_pats:
            for pat, needed in pats:
                if not needed <= present:
                    continue
                for first, last, used in self._find(pat, toks, infos):
                    level = entry.level
                    fuzzy = any(infos[u].fuzzy for u in used)
                    if entry.negatable and any(
                        toks[j].folded in self.lex.negators and toks[j].clause == toks[first].clause
                        for j in range(max(0, first - 2), first)
                    ):
                        level = _min(level, Level.CONCERN)
                    shown = self._show(toks, first, last)
                    hits.append(Hit(entry.category, level, fuzzy, shown, entry.tags, entry.id, tuple(used)))
                    break  # one hit per pattern is enough evidence
        if not hits:
            return ScreenResult()

        self._suppress(hits, toks, infos, present)
        hits = [h for h in hits if h.level is not Level.NONE]
        if not hits:
            return ScreenResult()
        extra = self._boost(hits, toks, infos, present)
        return self._result(hits, extra)

    def _show(self, toks: list[Token], first: int, last: int) -> str:
        shown = " ".join(t.raw for t in toks[first : last + 1])
        return shown if len(shown) <= 60 else shown[:57] + "..."

    def _suppress(self, hits: list[Hit], toks, infos, present) -> None:
        for sup in self.lex.suppressors:
            for pat in sup.patterns:
                if not all(self.index[x.key] in present for x in pat if isinstance(x, Element)):
                    continue
                for first, last, _used in self._find(pat, toks, infos):
                    if sup.scope == "clause":
                        clause = toks[first].clause
                        span = {i for i, t in enumerate(toks) if t.clause == clause}
                    else:
                        span = set(range(first, last + 1))
                    for h in hits:
                        if (not sup.categories or h.category in sup.categories) and span.intersection(h.used):
                            h.level = _min(h.level, sup.cap)

    def _boost(self, hits: list[Hit], toks, infos, present) -> list[str]:
        shown: list[str] = []
        for b in self.lex.boosters:
            targets = [h for h in hits if h.category in b.categories and h.level >= b.min_level and h.level < b.raise_to]
            if not targets:
                continue
            for pat in b.patterns:
                if not all(self.index[x.key] in present for x in pat if isinstance(x, Element)):
                    continue
                found = next(self._find(pat, toks, infos), None)
                if found is None:
                    continue
                raised = False
                for h in targets:
                    if not h.fuzzy:  # a typo guess alone never makes a message immediate
                        h.level = b.raise_to
                        raised = True
                if raised:
                    shown.append(self._show(toks, found[0], found[1]))
                break
        tags = {t for h in hits if not h.fuzzy and h.level > Level.NONE for t in h.tags}
        for c in self.lex.combos:
            if set(c.all_tags) <= tags:
                src = [h for h in hits if set(h.tags) & set(c.all_tags)]
                hits.append(Hit(c.category, c.raise_to, False, " + ".join(h.text for h in src[:3]), (), c.id))
        return shown

    def _result(self, hits: list[Hit], extra: list[str]) -> ScreenResult:
        level = max((h.level for h in hits), key=lambda lv: lv.rank)
        order = sorted(range(len(hits)), key=lambda i: (-hits[i].level.rank, i))
        cats: list[str] = []
        matches: list[str] = []
        for i in order:
            h = hits[i]
            if h.category not in cats:
                cats.append(h.category)
            text = ("~" + h.text) if h.fuzzy else h.text
            if text not in matches:
                matches.append(text)
        for e in extra:
            if e not in matches:
                matches.append(e)
        return ScreenResult(level, tuple(cats), tuple(matches[:MAX_MATCHES]))
