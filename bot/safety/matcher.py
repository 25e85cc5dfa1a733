"""Score one message against the lexicon.

Each word's elements come from wordlookup.py (cached per word; separated verbal prefixes
glued back to their verb: "vert meg" -> megvert). Per message, here: phrase patterns with
gaps (ordered, or in any order) inside a clause, then idiom/context suppressors, negation,
urgency boosters and tag combinations.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

from bot.safety.lexicon import AnyOrder, Element, Gap, Lexicon
from bot.safety.normalize import Token, tokenize
from bot.safety.stemmer import Stemmer
from bot.safety.wordlookup import SLOW_LOOKUPS_PER_MESSAGE, WordLookup
from bot.screening import Level, ScreenResult

MAX_MATCHES = 10
_LEVELS = (Level.NONE, Level.CONCERN, Level.HIGH, Level.IMMEDIATE)


class _Msg(NamedTuple):
    """One message as the phrase search reads it: per word its clause and its elements."""

    toks: list[Token]
    clauses: list[int]
    sets: list[frozenset[int]]
    pos: dict[int, list[int]]  # element id -> the word positions that carry it


def _extend(steps: tuple[tuple[int, int], ...], k: int, at: int, used: list[int], clauses: list[int],
            sets: list[frozenset[int]]) -> list[int] | None:
    """The rest of a fixed-order pattern after the word at ``at``: the first way it fits, same clause."""
    if k == len(steps):
        return used
    gap, want = steps[k]
    clause = clauses[at]
    for j in range(at + 1, min(len(clauses), at + 2 + gap)):
        if clauses[j] != clause:
            break
        if want in sets[j]:
            got = _extend(steps, k + 1, j, used + [j], clauses, sets)
            if got is not None:
                return got
    return None



@dataclass
class Hit:
    category: str
    level: Level
    fuzzy: bool
    span: tuple[int, int] | str  # (first, last) word positions, or ready-made evidence text
    tags: tuple[str, ...]
    entry: str
    used: tuple[int, ...] = ()
    marker: bool = False  # a context marker (entry level none): only its tags count, in combos
    disarmed: bool = False  # a suppressor covered it (markers: their tags no longer count)
    lowered: bool = False  # a guard covered it (a suppressor in its category) or a negation lowered it


def _min(a: Level, b: Level) -> Level:
    return a if a.rank <= b.rank else b


def _first(pat: tuple) -> Element:
    """The element a pattern is indexed by (after a free-order pattern's AnyOrder marker)."""
    return pat[1] if isinstance(pat[0], AnyOrder) else pat[0]


class Matcher(WordLookup):
    def __init__(self, lexicon: Lexicon, stemmer: Stemmer | None = None) -> None:
        super().__init__(lexicon, stemmer)
        self._entry_pats = [
            (e, [(p, frozenset(self.index[x.key] for x in p if isinstance(x, Element))) for p in e.patterns])
            for e in lexicon.entries
        ]
        # Patterns by their first element: a message only tries the patterns that can start in it.
        self._by_first: dict[int, list[tuple[int, int]]] = {}
        for ei, (_e, pats) in enumerate(self._entry_pats):
            for pi, (p, _needed) in enumerate(pats):
                self._by_first.setdefault(self.index[_first(p).key], []).append((ei, pi))
        self._needs_cache: dict[int, frozenset[int]] = {}
        self._steps_cache: dict[int, tuple[int, tuple[tuple[int, int], ...]]] = {}
        # Suppressors with each pattern's needed elements, and the elements their patterns start with.
        self._sups = [(sup, frozenset(self.index[_first(p).key] for p in sup.patterns),
                       tuple((p, self._needs(p)) for p in sup.patterns)) for sup in lexicon.suppressors]


    # ---- phrases -----------------------------------------------------------
    def _find(self, pat: tuple, msg: _Msg):
        """All (first, last, used indices) where pattern matches, within one clause.

        ``msg.pos`` maps an element id to the word positions that carry it, so a
        pattern is only tried where its first word actually occurs (a long
        message costs its length once, not once per pattern).
        """
        if isinstance(pat[0], AnyOrder):
            yield from self._find_any_order(pat, msg)
            return
        first, steps = self._steps(pat)
        clauses, sets = msg.clauses, msg.sets
        for i in msg.pos.get(first, ()):
            found = _extend(steps, 0, i, [i], clauses, sets) if steps else [i]
            if found is not None:
                yield i, found[-1], found

    def _steps(self, pat: tuple) -> tuple[int, tuple[tuple[int, int], ...]]:
        """A fixed-order pattern as its first element id and (words allowed before, element id) steps."""
        got = self._steps_cache.get(id(pat))
        if got is None:  # patterns live as long as the lexicon: their id is a stable key
            steps, gap = [], 0
            for item in pat[1:]:
                if isinstance(item, Gap):
                    gap = item.max_words
                    continue
                steps.append((gap, self.index[item.key]))
                gap = 0
            got = self._steps_cache[id(pat)] = (self.index[pat[0].key], tuple(steps))
        return got

    def _find_any_order(self, pat: tuple, msg: _Msg):
        """Free word order: each element within its window of the first one, same clause, own word."""
        windows = pat[0].windows
        ids = [self.index[x.key] for x in pat[1:]]
        pos, clauses = msg.pos, msg.clauses
        for i in pos.get(ids[0], ()):
            clause = clauses[i]
            used = [i]
            for el, window in zip(ids[1:], windows):
                best = -1
                at = pos.get(el, ())
                # Positions are in order: only those within the window are read (a long message
                # would otherwise read every occurrence for every occurrence of the first word).
                for k in range(bisect_left(at, i - window - 1), bisect_right(at, i + window + 1)):
                    j = at[k]
                    if j in used or clauses[j] != clause or abs(j - i) - 1 > window:
                        continue
                    if best < 0 or abs(j - i) < abs(best - i):
                        best = j
                if best < 0:
                    break
                used.append(best)
            else:
                yield min(used), max(used), used

    def _needs(self, pat: tuple) -> frozenset[int]:
        got = self._needs_cache.get(id(pat))
        if got is None:  # patterns live as long as the lexicon: their id is a stable key
            got = self._needs_cache[id(pat)] = frozenset(self.index[x.key] for x in pat if isinstance(x, Element))
        return got

    def _unless_words(self, pats: tuple, msg: _Msg, present) -> set[int]:
        """Word positions covered by any ``unless`` pattern."""
        out: set[int] = set()
        for pat in pats:
            if self._needs(pat) <= present:
                for _f, _l, used in self._find(pat, msg):
                    out.update(used)
        return out

    def screen(self, text: str) -> ScreenResult:
        return self.screen_detail(text)[0]

    def screen_detail(self, text: str) -> tuple[ScreenResult, bool]:
        """The result, and whether an idiom/context suppressor or a negation lowered a hit."""
        toks = tokenize(text)
        if not toks:
            return ScreenResult(), False
        budget = [SLOW_LOOKUPS_PER_MESSAGE]
        infos = self._infos(toks, budget)
        prefixes = self._prefixes
        joined = self._join_prefixes(toks, infos, budget) if any(t.folded in prefixes for t in toks) else {}
        pos: dict[int, list[int]] = {}
        fuzzy_at: set[int] = set()
        for i, inf in enumerate(infos):
            if inf.elements:
                for el in inf.elements:
                    pos.setdefault(el, []).append(i)
                if inf.fuzzy:
                    fuzzy_at.add(i)
        present = set(pos)
        if not present:
            return ScreenResult(), False

        msg = _Msg(toks, [t.clause for t in toks], [inf.elements for inf in infos], pos)
        hits: list[Hit] = []
        negated = False
        by_first = self._by_first
        cands = sorted({c for el in present for c in by_first.get(el, ())})  # lexicon order: stable output
        for ei, pi in cands:
            entry, pats = self._entry_pats[ei]
            pat, needed = pats[pi]
            if not needed <= present:
                continue
            # Every occurrence counts: the first may sit in a game or an idiom, a later one may not.
            for first, last, used in self._find(pat, msg):
                level = entry.level
                lowered = False
                fuzzy = bool(fuzzy_at) and not fuzzy_at.isdisjoint(used)
                if fuzzy:  # a typo guess never makes a message immediate, whatever the entry's level
                    level = _min(level, Level.HIGH)
                if entry.negatable and any(
                    toks[j].folded in self.lex.negators and toks[j].clause == toks[first].clause
                    for j in range(max(0, first - 2), first)
                ):
                    lowered = level > Level.CONCERN
                    level = _min(level, Level.CONCERN)
                    negated = negated or entry.level is not Level.NONE
                if joined:  # show "vert meg", not only "vert" (negation above looked before the verb itself)
                    ends = [joined[u] for u in used if u in joined]
                    first, last = min([first, *ends]), max([last, *ends])
                hits.append(Hit(entry.category, level, fuzzy, (first, last), entry.tags, entry.id, tuple(used),
                                marker=entry.level is Level.NONE, lowered=lowered))
        if not hits:
            return ScreenResult(), False

        self._suppress(hits, msg, present)
        # Only a guarded or negated *entry* vetoes the classifier's raise: a guard that covers a marker
        # ("tegnap este", "last night" around "este"/"night") says nothing of the rest of the message
        # (issue 13, session 10: two immediate messages of fresh13 were vetoed that way).
        suppressed = negated or any(h.disarmed and not h.marker for h in hits)
        markers = [h for h in hits if h.marker and not h.fuzzy and not h.disarmed]
        hits = [h for h in hits if h.level is not Level.NONE]
        if not hits and len(markers) < 2:  # a combo needs two things at least
            return ScreenResult(), suppressed
        extra = self._boost(hits, msg, present, markers)
        if not hits:
            return ScreenResult(), suppressed
        return self._result(hits, extra, toks), suppressed

    def urgent(self, text: str, category: str) -> str | None:
        """The words that make it happen now ("ma este", "nem mozdul", "20 perc múlva") for a
        message another signal scored high in ``category``, by that category's boosters in
        lexicon.yml; None when none applies (the message stays high)."""
        toks = tokenize(text)
        if not toks:
            return None
        infos = self._infos(toks, [SLOW_LOOKUPS_PER_MESSAGE])
        pos: dict[int, list[int]] = {}
        for i, inf in enumerate(infos):
            for el in inf.elements:
                pos.setdefault(el, []).append(i)
        hit = Hit(category, Level.HIGH, False, "", (), "signal")
        msg = _Msg(toks, [t.clause for t in toks], [inf.elements for inf in infos], pos)
        shown = self._boost([hit], msg, set(pos), [])
        return shown[0] if hit.level is Level.IMMEDIATE and shown else None

    def _show(self, toks: list[Token], first: int, last: int) -> str:
        shown = " ".join(t.raw for t in toks[first : last + 1])
        return shown if len(shown) <= 60 else shown[:57] + "..."

    def _suppress(self, hits: list[Hit], msg: _Msg, present) -> None:
        # Caps are collected per word (span/near) or per clause, then applied to each hit once:
        # linear in the message, however many hits and contexts a long message has.
        toks = msg.toks
        at_word: dict[int, list[tuple[Level, tuple[str, ...]]]] = {}
        at_clause: dict[int, list[tuple[Level, tuple[str, ...]]]] = {}
        at_message: list[tuple[Level, tuple[str, ...]]] = []
        for sup, firsts, pats in self._sups:
            if present.isdisjoint(firsts):  # no pattern of it can start here
                continue
            unless: set[int] | None = None
            rule = (sup.cap, sup.categories)
            for pat, needs in pats:
                if not needs <= present:
                    continue
                for first, last, used in self._find(pat, msg):
                    if sup.unless:
                        if unless is None:
                            unless = self._unless_words(sup.unless, msg, present)
                        if unless.intersection(used):
                            continue  # "a játék miatt": the context word is a reason, not the setting
                    if sup.scope == "message":
                        if rule not in at_message:
                            at_message.append(rule)
                        continue
                    if sup.scope == "clause":
                        lst = at_clause.setdefault(toks[first].clause, [])
                        if rule not in lst:
                            lst.append(rule)
                        continue
                    if sup.scope == "near":  # the context's words and `window` around them, same piece
                        parts = {toks[u].part for u in used}
                        lo, hi = max(0, first - sup.window), min(len(toks) - 1, last + sup.window)
                        span: Sequence[int] = [i for i in range(lo, hi + 1) if toks[i].part in parts]
                    else:
                        span = range(first, last + 1)
                    for i in span:
                        lst = at_word.setdefault(i, [])
                        if rule not in lst:
                            lst.append(rule)
        if not at_word and not at_clause and not at_message:
            return
        for h in hits:
            rules = [r for u in h.used for r in at_word.get(u, ())] + at_message
            rules += [r for c in {toks[u].clause for u in h.used} for r in at_clause.get(c, ())]
            for cap, cats in rules:
                if not cats or h.category in cats:
                    h.lowered = True  # covered by a guard: even one already at its cap lends no tag
                    h.level = _min(h.level, cap)
                    h.disarmed = True

    def _boost(self, hits: list[Hit], msg: _Msg, present, markers: list[Hit] | None = None) -> list[str]:
        # Combos first: a combination that makes a message `high` ("an adult from the internet" +
        # "is coming to pick me up") can then be raised by "tonight" like any other high hit.
        toks = msg.toks
        markers = markers or []
        # A combination is built only from hits that stand at their own level: one a guard
        # lowered ("cut myself cutting the chicken", "nem vert meg") lends it no tag.
        tags = {t for h in hits if not h.fuzzy and not h.lowered and h.level > Level.NONE for t in h.tags}
        tags.update(t for h in markers for t in h.tags)
        # Which hits lend each tag, by position in (hits, markers), built once: a long message has
        # thousands of hits, and scanning them for every combo that fires cost ~10 % of its time.
        pool: list[Hit] = []
        by_tag: dict[str, list[int]] = {}
        for h in chain(hits, markers):
            if h.lowered or not h.tags:
                continue
            for t in h.tags:
                at = by_tag.setdefault(t, [])
                if not at or at[-1] != len(pool):
                    at.append(len(pool))
            pool.append(h)
        for c in self.lex.combos:
            if set(c.all_tags) <= tags:
                want = set(c.all_tags)
                # the first three hits that lend any wanted tag, in order (as a scan would find them)
                src = [pool[i] for i in sorted({i for t in want for i in by_tag.get(t, ())[:3]})[:3]]
                text = " + ".join(self._text(h, toks) for h in src)
                hits.append(Hit(c.category, c.raise_to, False, text, (), c.id))
        shown: list[str] = []
        # Hits by category, built once: a long message has thousands of hits and ~40 boosters.
        by_cat: dict[str, list[Hit]] = {}
        for h in hits:
            by_cat.setdefault(h.category, []).append(h)
        for b in self.lex.boosters:
            targets = [h for c in b.categories for h in by_cat.get(c, ())
                       if h.level >= b.min_level and h.level < b.raise_to]
            if not targets:
                continue
            unless = self._unless_words(b.unless, msg, present) if b.unless else set()
            for pat in b.patterns:
                if not self._needs(pat) <= present:
                    continue
                found = next((f for f in self._find(pat, msg) if not unless.intersection(f[2])), None)
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
        return shown

    def _text(self, h: Hit, toks: list[Token]) -> str:
        return h.span if isinstance(h.span, str) else self._show(toks, h.span[0], h.span[1])

    def _result(self, hits: list[Hit], extra: list[str], toks: list[Token]) -> ScreenResult:
        level = max((h.level for h in hits), key=lambda lv: lv.rank)
        order = sorted(range(len(hits)), key=lambda i: (-hits[i].level.rank, i))
        cats: list[str] = []
        matches: list[str] = []
        for i in order:
            h = hits[i]
            if h.category not in cats:
                cats.append(h.category)
            if len(matches) >= MAX_MATCHES:
                continue  # enough evidence; keep going only to list every category
            text = ("~" if h.fuzzy else "") + self._text(h, toks)
            if text not in matches:
                matches.append(text)
        for e in extra:
            if e not in matches:
                matches.append(e)
        return ScreenResult(level, tuple(cats), tuple(matches[:MAX_MATCHES]))
