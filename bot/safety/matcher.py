"""Score one message against the lexicon.

Per word (cached): which lexicon elements it matches, trying in order the
folded word itself, then (only for words that start like a lexicon stem)
Hunspell's stems, then a typo-tolerant comparison with the fuzzy stems.
Then, for longer words still unmatched, whether they end in a `compound` form
after a real first word ("konyhakéssel"). Per message: separated verbal prefixes
are glued back to their verb ("vert meg" -> megvert, "meg fog verni" -> megverni);
then phrase patterns with gaps (ordered, or in any order) inside a clause, then
idiom/context suppressors, negation, urgency boosters and tag combinations.

A word's elements come from dictionary look-ups over the elements' spellings
(wordindex.py), not from trying each regex: the same answer (``_direct_by_regex``
is the reference the tests hold it to), a fraction of the time on long text.
"""
from __future__ import annotations

import re
import string
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import NamedTuple

try:  # the regex parser, to learn which letters a word matching an element can start with
    from re import _parser as _sre_parse  # type: ignore[attr-defined]  # Python >= 3.11
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.safety.lexicon import AnyOrder, Element, Gap, Lexicon
from bot.safety.normalize import Token, fold, tokenize
from bot.safety.stemmer import Stemmer
from bot.safety.wordindex import WordIndex
from bot.screening import Level, ScreenResult

MAX_MATCHES = 10
SLOW_LOOKUPS_PER_MESSAGE = 48  # Hunspell/fuzzy look-ups for uncached words; bounds cold latency
PREFIX_JOIN_GAP = 2  # words (auxiliaries, particles) allowed between a separated prefix and its verb
MIN_COMPOUND_HEAD = 3  # letters before a compound's last part: "konyha|kés", never "e|kés"
_CACHE_LIMIT = 200_000
_CHUNK_RX: dict[str, re.Pattern[str]] = {}  # compiled pre-filter chunks, shared by every Matcher
_LEVELS = (Level.NONE, Level.CONCERN, Level.HIGH, Level.IMMEDIATE)
_ALPHABET = frozenset(string.ascii_lowercase + string.digits)  # folded words are [a-z0-9] plus rare letters


def _heads(pattern: str, k: int = 2) -> frozenset[str] | None:
    """The first ``k`` letters (fewer if the match is shorter) a match of ``pattern`` can start with.

    None if unknown (the element is then tried on every word). An over-approximation
    is always safe: it only decides which regexes are tried on a word.
    """
    try:
        heads = _seq(_sre_parse.parse(pattern), {""}, k)
    except Exception:  # noqa: BLE001 - an unanalysable regex is simply always tried
        return None
    return frozenset(heads) if heads is not None and all(set(h) <= _ALPHABET for h in heads) else None


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


class Matcher:
    def __init__(self, lexicon: Lexicon, stemmer: Stemmer | None = None) -> None:
        self.lex = lexicon
        self.stemmer = stemmer
        self.elements: list[Element] = list(lexicon.elements.values())
        self.index = {el.key: i for i, el in enumerate(self.elements)}
        # Pre-filter: per first two letters, only the elements a word starting so can match.
        by_head: dict[str, list[int]] = {}
        anyhead: list[int] = []
        for i, el in enumerate(self.elements):
            heads = _heads(el.regex.pattern)
            if heads is None:
                anyhead.append(i)
                continue
            for h in heads:
                by_head.setdefault(h, []).append(i)
        keys = set(by_head) | {a + b for a in _ALPHABET for b in _ALPHABET} | set(_ALPHABET)
        # A word's key is its first two letters; a short head ("a") also serves longer words.
        self._by_head = {
            key: self._chunks(sorted(set(by_head.get(key, [])) | set(by_head.get(key[:1], [])) | set(anyhead)))
            for key in keys
        }
        self._all_ids = self._chunks(list(range(len(self.elements))))
        # Most elements by dictionary look-ups (wordindex.py); only the few it cannot expand by regex.
        self._index = WordIndex([el.regex.pattern for el in self.elements])
        rest = set(self._index.rest)
        self._rest_by_head = {key: self._chunks([i for c in chunks for i in c[1] if i in rest])
                              for key, chunks in self._by_head.items()}
        self._rest_all = self._chunks(sorted(rest))
        self.prefix_rx = re.compile("(?:" + "|".join(lexicon.verb_prefixes) + ")")
        self.stem_heads = frozenset(s[:3] for el in self.elements for s in el.stems if len(s) >= 3)
        fuzzy_keys = sorted({k for el in self.elements for k in el.fuzzy_keys})
        self.fuzzy_heads = frozenset(k[:1] for k in fuzzy_keys)
        self.fuzzy_by_len: dict[int, list[str]] = {}
        for k in fuzzy_keys:
            self.fuzzy_by_len.setdefault(len(k), []).append(k)
        self._cache: dict[str, WordInfo] = {}
        # Per pattern: the element ids it needs, to skip patterns quickly.
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
        # Compounds: one regex that any compound tail must pass before the per-element tests.
        self._tail_ids = [i for i, el in enumerate(self.elements) if el.tail_regex is not None]
        tails = [self.elements[i].tail_regex.pattern for i in self._tail_ids]  # type: ignore[union-attr]
        self._tail_any = re.compile("(?:" + "|".join(tails) + ")") if tails else None
        self._prefixes = frozenset(lexicon.verb_prefixes)
        self._gap_rx = lexicon.prefix_gap.regex if lexicon.prefix_gap is not None else None
        self._join_cache: dict[str, WordInfo] = {}

    # ---- words -------------------------------------------------------------
    def _direct(self, word: str) -> frozenset[int]:
        els = self.elements
        out = self._index.ids(word)
        for rx, ids in self._rest_by_head.get(word[:2], self._rest_all):
            if rx.match(word) is not None:  # one test for a chunk of elements; most chunks miss
                out.update(i for i in ids if els[i].regex.match(word))
        return frozenset(out)

    def _direct_by_regex(self, word: str) -> frozenset[int]:
        """What ``_direct`` must return, by every element's regex (the tests compare the two)."""
        els = self.elements
        out: list[int] = []
        for rx, ids in self._by_head.get(word[:2], self._all_ids):
            if rx.match(word) is not None:
                out.extend(i for i in ids if els[i].regex.match(word))
        return frozenset(out)

    def _chunks(self, ids: list[int], size: int = 8) -> tuple[tuple[re.Pattern[str], tuple[int, ...]], ...]:
        out = []
        for k in range(0, len(ids), size):
            part = tuple(ids[k : k + size])
            src = "(?:" + "|".join(self.elements[i].regex.pattern for i in part) + ")"
            rx = _CHUNK_RX.get(src)
            if rx is None:  # re's own cache holds 512: more chunks than that would recompile on every load
                rx = _CHUNK_RX[src] = re.compile(src)
            out.append((rx, part))
        return tuple(out)

    def _worth_slow_lookup(self, folded: str) -> bool:
        if len(folded) < 4:
            return False
        if folded[:3] in self.stem_heads:
            return True
        m = self.prefix_rx.match(folded)
        return bool(m and folded[m.end() : m.end() + 3] in self.stem_heads)

    def _fuzzy(self, folded: str) -> str | None:
        """Best typo correction of the word's beginning to a fuzzy stem, or None."""
        best: tuple[int, str, int] | None = None
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
                if best is None or dist < best[0] or (dist == best[0] and len(key) > best[2]):
                    best = (dist, key + folded[sl:], len(key))  # equal distance: the longer stem explains more
        return best[1] if best else None

    def _compound_worthy(self, folded: str) -> bool:
        return self._tail_any is not None and self.stemmer is not None and len(folded) >= MIN_COMPOUND_HEAD + 3

    def _compound(self, tok: Token) -> frozenset[int]:
        """Elements of a `compound` form ending the word after a real first word, longest ending first.

        Needs Hunspell: the first part must be a known word ("konyha" in "konyhakés"),
        which is what keeps "érdekes" (érde+kes) from being a knife. A verbal prefix is
        no first word ("megkés" is being late).
        """
        if self.stemmer is None or self._tail_any is None:
            return frozenset()
        raw = tok.raw
        for k in range(MIN_COMPOUND_HEAD, len(raw) - 2):
            tail = fold(raw[k:])
            if len(tail) < 3 or self._tail_any.match(tail) is None or not self._tail_any.fullmatch(tail):
                continue
            head = raw[:k]
            if fold(head) in self._prefixes or not self.stemmer.known(head):
                continue
            ids = frozenset(i for i in self._tail_ids if self.elements[i].tail_regex.match(tail))  # type: ignore[union-attr]
            if ids:
                return ids
        return frozenset()

    def _join(self, prefix: Token, verb: Token, budget: list[int]) -> WordInfo:
        """What the verb matches with its separated prefix glued back on ("vert" + "meg")."""
        raw = prefix.raw + verb.raw
        hit = self._join_cache.get(raw)
        if hit is not None:
            return hit
        info = _EMPTY
        if verb.raw not in self.lex.prefix_join_skip:
            # An accented word glued to a prefix must make a real word: "vér meg" is "blood and", not "megver".
            real = verb.raw.isascii() or self.stemmer is None or self.stemmer.known(raw)
            if real:
                got = self.word(Token(raw, prefix.folded + verb.folded, verb.clause, verb.part), budget)
                if got.elements and not got.fuzzy:  # a typo guess on a glued form is too far a guess
                    info = got
        if len(self._join_cache) >= _CACHE_LIMIT:
            self._join_cache.clear()
        self._join_cache[raw] = info
        return info

    def _join_prefixes(self, toks: list[Token], infos: list[WordInfo], budget: list[int]) -> dict[int, int]:
        """Give each verb the elements of its prefixed form; returns verb position -> prefix position.

        Hungarian moves the prefix after the verb under focus or negation ("apa vert meg",
        "nem zárt be") and before an auxiliary ("meg fog verni", "el akarok szökni").
        """
        joined: dict[int, int] = {}
        prefixes, gap_rx = self._prefixes, self._gap_rx
        negators = self.lex.negators
        n = len(toks)
        for i, t in enumerate(toks):
            if t.folded not in prefixes:
                continue
            if i > 0:  # the verb right before: "vert meg", "szöktem el"
                v = toks[i - 1]
                if v.part == t.part and v.folded not in prefixes and v.folded not in negators:
                    got = self._join(t, v, budget)
                    if got.elements:
                        infos[i - 1] = WordInfo(infos[i - 1].elements | got.elements, infos[i - 1].fuzzy)
                        joined[i - 1] = i
            for j in range(i + 1, min(n, i + 2 + PREFIX_JOIN_GAP)):  # prefix, auxiliaries, then the verb
                v = toks[j]
                if v.part != t.part or v.folded in prefixes:  # never across a comma or a clause
                    break
                if gap_rx is not None and gap_rx.match(v.folded):
                    continue
                got = self._join(t, v, budget)
                if got.elements:
                    infos[j] = WordInfo(infos[j].elements | got.elements, infos[j].fuzzy)
                    joined.setdefault(j, i)
                break
        return joined

    def word(self, tok: Token, budget: list[int]) -> WordInfo:
        hit = self._cache.get(tok.raw)
        if hit is not None:
            return hit
        ids = self._direct(tok.folded)
        info = WordInfo(ids) if ids else _EMPTY
        stem_worthy = not ids and self._worth_slow_lookup(tok.folded)
        # A real word typed without accents ("megeri") is no typo of a danger word.
        fuzzy_worthy = (not ids and len(tok.folded) >= 5 and tok.folded[:1] in self.fuzzy_heads
                        and tok.folded not in self.lex.fuzzy_skip)
        if not ids and not stem_worthy and not fuzzy_worthy and self._compound_worthy(tok.folded):
            got = self._compound(tok)  # a real compound is a known word: no typo guess either way
            if got:
                info = WordInfo(got)
        elif stem_worthy or fuzzy_worthy:
            if budget[0] <= 0:
                return _EMPTY  # not cached: a later message may look it up
            budget[0] -= 1
            if self.stemmer is not None and stem_worthy:
                for stem in self.stemmer.stems(tok.raw):
                    ids = self._direct(fold(stem.lower()))
                    if ids:
                        info = WordInfo(ids)
                        break
            if not info.elements and self.stemmer is not None:
                ids = self._compound(tok)
                if ids:
                    info = WordInfo(ids)
            if not info.elements and fuzzy_worthy:
                corrected = self._fuzzy(tok.folded)
                if corrected:
                    ids = self._direct(corrected)
                    # Asked last: Hunspell takes 10-20 ms on some long words, and only a typo
                    # guess needs to know that the word is not a real one.
                    if ids and (self.stemmer is None or not self.stemmer.known(tok.raw)):
                        info = WordInfo(ids, fuzzy=True)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[tok.raw] = info
        return info

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
                    negated = True
                if joined:  # show "vert meg", not only "vert" (negation above looked before the verb itself)
                    ends = [joined[u] for u in used if u in joined]
                    first, last = min([first, *ends]), max([last, *ends])
                hits.append(Hit(entry.category, level, fuzzy, (first, last), entry.tags, entry.id, tuple(used),
                                marker=entry.level is Level.NONE, lowered=lowered))
        if not hits:
            return ScreenResult(), False

        self._suppress(hits, msg, present)
        suppressed = negated or any(h.disarmed for h in hits)
        markers = [h for h in hits if h.marker and not h.fuzzy and not h.disarmed]
        hits = [h for h in hits if h.level is not Level.NONE]
        if not hits and len(markers) < 2:  # a combo needs two things at least
            return ScreenResult(), suppressed
        extra = self._boost(hits, msg, present, markers)
        if not hits:
            return ScreenResult(), suppressed
        return self._result(hits, extra, toks), suppressed

    def _infos(self, toks: list[Token], budget: list[int]) -> list[WordInfo]:
        """Each token's lexicon elements, from the word cache when it has them."""
        cache = self._cache
        return [cache.get(t.raw) or self.word(t, budget) for t in toks]

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
        if not at_word and not at_clause:
            return
        for h in hits:
            rules = [r for u in h.used for r in at_word.get(u, ())]
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
        for c in self.lex.combos:
            if set(c.all_tags) <= tags:
                want = set(c.all_tags)
                src = list(islice((h for h in chain(hits, markers) if not h.lowered and want.intersection(h.tags)), 3))
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
