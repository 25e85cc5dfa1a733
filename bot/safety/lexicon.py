"""Load and validate the human-reviewed lexicon (``lexicon.yml``).

The lexicon is data, not code: reviewers change words, levels and examples in
YAML; this module refuses anything malformed with a message naming the entry,
so a typo in review never silently disables a danger word.

Pattern syntax (one string, elements separated by spaces; see lexicon.yml):
  ``@NAME``   a word class from ``words``
  ``foo``     the word foo exactly (accents optional: all matching is folded)
  ``foo*``    foo followed by up to 10 more letters (Hungarian suffixes)
  ``~foo*``   the same after any verbal prefix (meg-, el-, ki-, szét- ...)
  ``a|b*``    alternatives
  ``re:RX``   a regular expression on the folded word (for tight suffix sets)
  ``...``     a gap of up to ``max_gap`` words, ``...2`` up to two words
  ``&``       free word order: ``A &3 B &6 C`` matches A, B and C in any order, B
              within 3 words of A, C within 6 of A, same clause (``&`` alone: ``max_gap``). Hungarian
              word order is free ("a pincébe csukott" = "csukott be a pincébe"), so a
              fixed order caught one of several ways to say the same thing. A pattern
              uses either ``...`` or ``&``, not both.

Word classes may set ``compound: true``: their forms then also match at the end of
a longer word whose first part is a real word (Hunspell), "konyhakéssel" -> kés,
"borotvapengét" -> penge. Never after a verbal prefix ("megkés" is being late).
A separated verbal prefix is joined back to its verb before matching ("vert meg",
"szöktem el", "meg fog verni"); ``settings.prefix_gap`` names the word class that
may stand between a prefix and its verb (auxiliaries, particles, pronouns).

An entry with ``level: none`` and ``tags`` is a context marker: it never raises a
message by itself, it only lets a combo fire ("a baby" + "for two days").

Suppressors disarm matches in their ``scope``: ``span`` (the words they cover),
``near`` (their words and ``window`` words either side, same clause) or
``clause``. Suppressors and boosters may list ``unless`` patterns: a match that
shares a word with an ``unless`` match does not count ("a játék miatt megvert"
is a reason, not a game; "most mit csináljak" is a question, not "now").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.safety.normalize import fold
from bot.screening import Level

CATEGORIES = (
    "life_threat",
    "suicide_self_harm",
    "physical_abuse",
    "sexual_abuse",
    "trafficking",
    "neglect",
    "domestic_violence",
    "runaway_homeless",
    "bullying",
    "missing_child",
)
# What the statistical second signal (classifier.py) reports: no lexicon entry has it, but a
# booster may name it, to lift a message the classifier raised to high when it says "now".
CLASSIFIER_CATEGORY = "unclassified_danger"
DEFAULT_PATH = Path(__file__).with_name("lexicon.yml")


class LexiconError(ValueError):
    """The lexicon file is malformed; the message says where."""


@dataclass(frozen=True)
class Element:
    """One position in a pattern: a compiled test on a folded word."""

    key: str  # canonical spelling, also the cache key
    regex: re.Pattern[str]
    ambiguous: bool = False
    fuzzy_keys: tuple[str, ...] = ()
    stems: tuple[str, ...] = ()  # literal beginnings, to decide which unknown words deserve Hunspell
    tail_regex: re.Pattern[str] | None = None  # forms from `compound` classes: may end a compound word


@dataclass(frozen=True)
class Gap:
    max_words: int


@dataclass(frozen=True)
class AnyOrder:
    """First item of a free-word-order pattern: the elements that follow may come in any order."""

    windows: tuple[int, ...]  # per later element: at most this many words between it and the first one


@dataclass(frozen=True)
class Entry:
    id: str
    category: str
    level: Level
    patterns: tuple[tuple[Element | Gap, ...], ...]
    example: str
    negatable: bool = False
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suppressor:
    """An idiom or context ("meghalok a röhögéstől", "a játékban") that disarms matches."""

    id: str
    patterns: tuple[tuple[Element | Gap, ...], ...]
    scope: str  # "span": only the words it covers; "near": plus `window` words around; "clause": the whole clause
    cap: Level
    categories: tuple[str, ...]  # empty: all
    example: str
    window: int = 0
    unless: tuple[tuple[Element | Gap, ...], ...] = ()


@dataclass(frozen=True)
class Booster:
    id: str
    categories: tuple[str, ...]
    min_level: Level
    patterns: tuple[tuple[Element | Gap, ...], ...]
    raise_to: Level
    example: str
    unless: tuple[tuple[Element | Gap, ...], ...] = ()


@dataclass(frozen=True)
class Combo:
    id: str
    all_tags: tuple[str, ...]
    category: str
    raise_to: Level
    example: str


@dataclass
class Lexicon:
    entries: list[Entry]
    suppressors: list[Suppressor]
    boosters: list[Booster]
    combos: list[Combo]
    negators: frozenset[str]
    verb_prefixes: tuple[str, ...]
    max_gap: int
    concern_streak_to_high: int
    elements: dict[str, Element] = field(default_factory=dict)
    prefix_gap: Element | None = None  # words allowed between a separated prefix and its verb
    prefix_join_skip: frozenset[str] = frozenset()  # raw words never glued to a prefix ("vér": blood)
    fuzzy_skip: frozenset[str] = frozenset()  # folded real words never typo-corrected ("megeri" is megéri)


_ENTRY_FIELDS = {"id", "category", "level", "match", "example", "negatable", "tags", "note", "fuzzy"}
_SUPP_FIELDS = {"id", "match", "scope", "cap", "categories", "example", "note", "window", "unless"}
_BOOST_FIELDS = {"id", "categories", "min_level", "match", "raise_to", "example", "note", "unless"}
_COMBO_FIELDS = {"id", "all_tags", "category", "raise_to", "example", "note"}
_WORD_FIELDS = {"forms", "ambiguous", "fuzzy", "note", "compound"}
_TOP_FIELDS = {"version", "settings", "words", "entries", "suppressors", "boosters", "combos"}
_SETTINGS_FIELDS = {"max_gap", "concern_streak_to_high", "negators", "verb_prefixes", "prefix_gap", "prefix_join_skip",
                    "fuzzy_skip"}


def _check_fields(where: str, data: Any, allowed: set[str], required: set[str]) -> None:
    if not isinstance(data, dict):
        raise LexiconError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = set(data) - allowed
    if unknown:
        raise LexiconError(f"{where}: unknown field(s) {sorted(unknown)}")
    missing = {k for k in required if data.get(k) in (None, "", [])}
    if missing:
        raise LexiconError(f"{where}: missing field(s) {sorted(missing)}")


def _level(where: str, value: Any) -> Level:
    try:
        return Level(value)
    except ValueError:
        raise LexiconError(f"{where}: unknown level {value!r}") from None


def _category(where: str, value: Any, also: tuple[str, ...] = ()) -> str:
    if value not in CATEGORIES and value not in also:
        raise LexiconError(f"{where}: unknown category {value!r}")
    return value


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise LexiconError(f"expected a string or list of strings, got {value!r}")


class _Compiler:
    def __init__(self, words: dict[str, Any], prefixes: tuple[str, ...], max_gap: int):
        self.raw_words = words
        self.prefix_rx = "(?:" + "|".join(sorted((re.escape(p) for p in prefixes), key=len, reverse=True)) + ")?"
        self.max_gap = max_gap
        self.elements: dict[str, Element] = {}

    def _alt_regex(self, alt: str) -> tuple[str, str | None]:
        """One alternative -> (regex source, literal stem usable for fuzzy matching)."""
        if alt.startswith("re:"):
            return alt[3:], None
        prefixed = alt.startswith("~")
        body = fold(alt.lstrip("~").lower())
        star = body.endswith("*")
        stem = body.rstrip("*")
        if not stem or not re.fullmatch(r"[a-z0-9]+", stem):
            raise LexiconError(f"bad word form {alt!r} (letters, one trailing *, optional leading ~)")
        rx = re.escape(stem) + ("[a-z0-9]{0,10}" if star else "")
        if prefixed:
            rx = self.prefix_rx + rx
        return rx, stem

    @staticmethod
    def _split(spec: str) -> list[str]:
        """'a|b*|@X' -> alternatives; a 're:' form is one regex, never split."""
        return [spec] if spec.startswith("re:") else spec.split("|")

    def _expand(self, spec: str, where: str, seen: tuple[str, ...] = (),
                compound: bool = False) -> tuple[list[tuple[str, bool]], bool, bool]:
        """Alternatives of a spec with word classes expanded -> ((alt, may end a compound), ambiguous, fuzzy)."""
        alts: list[tuple[str, bool]] = []
        ambiguous = fuzzy = False
        for alt in self._split(spec):
            if not alt.startswith("@"):
                if " " in alt:
                    raise LexiconError(f"{where}: form {alt!r} has a space; forms are single words")
                alts.append((alt, compound))
                continue
            name = alt[1:]
            data = self.raw_words.get(name)
            if data is None:
                raise LexiconError(f"{where}: unknown word class {alt}")
            if name in seen:
                raise LexiconError(f"{where}: word class {alt} refers to itself")
            _check_fields(f"words.{name}", data, _WORD_FIELDS, {"forms"})
            for form in _as_list(data["forms"]):
                sub, amb, fz = self._expand(form, f"words.{name}", seen + (name,),
                                            compound or bool(data.get("compound", False)))
                alts.extend(sub)
                ambiguous |= amb or bool(data.get("ambiguous", False))
                fuzzy |= fz or bool(data.get("fuzzy", False))
        return alts, ambiguous, fuzzy

    def element(self, spec: str, where: str) -> Element:
        if spec in self.elements:
            return self.elements[spec]
        alts, ambiguous, fuzzy = self._expand(spec, where)
        sources, stems, all_stems, tails = [], [], [], []
        for alt, compound in alts:
            try:
                rx, stem = self._alt_regex(alt)
            except LexiconError as exc:
                raise LexiconError(f"{where}: {exc}") from None
            sources.append(rx)
            if compound:
                tails.append(rx)
            if stem:
                all_stems.append(stem)
            if stem and len(stem) >= 6:
                stems.append(stem)
        try:
            regex = re.compile("(?:" + "|".join(sources) + r")\Z")
        except re.error as exc:
            raise LexiconError(f"{where}: bad regular expression in {spec!r}: {exc}") from None
        tail = re.compile("(?:" + "|".join(tails) + r")\Z") if tails else None
        el = Element(spec, regex, ambiguous, tuple(stems) if fuzzy else (), tuple(all_stems), tail)
        self.elements[spec] = el
        return el

    def pattern(self, text: str, where: str) -> tuple[Element | Gap | AnyOrder, ...]:
        if any(p.startswith("&") for p in text.split()):
            return self._any_order(text, where)
        out: list[Element | Gap] = []
        for part in text.split():
            if part.startswith("..."):
                n = part[3:]
                if not out or (n and not n.isdigit()):
                    raise LexiconError(f"{where}: misplaced or bad gap {part!r} in {text!r}")
                out.append(Gap(int(n) if n else self.max_gap))
            else:
                out.append(self.element(part, where))
        if not out or isinstance(out[-1], Gap):
            raise LexiconError(f"{where}: pattern {text!r} is empty or ends in a gap")
        return tuple(out)

    def _any_order(self, text: str, where: str) -> tuple[AnyOrder | Element, ...]:
        """``A &3 B &6 C`` -> (AnyOrder((3, 6)), A, B, C): every separator must be an ``&``."""
        parts = text.split()
        words, seps = parts[0::2], parts[1::2]
        widths = []
        for sep in seps:
            n = sep[1:]
            if not sep.startswith("&") or (n and not n.isdigit()):
                raise LexiconError(f"{where}: pattern {text!r} mixes '&' with other separators")
            widths.append(int(n) if n else self.max_gap)
        if len(words) < 2 or len(words) != len(seps) + 1 or any(w.startswith(("&", "...")) for w in words):
            raise LexiconError(f"{where}: bad free-order pattern {text!r} (A &N B [&N C])")
        return (AnyOrder(tuple(widths)), *(self.element(w, where) for w in words))

    def patterns(self, value: Any, where: str, allow_ambiguous_alone: bool = False) -> tuple:
        try:
            texts = _as_list(value)
        except LexiconError as exc:
            raise LexiconError(f"{where}: {exc}") from None
        pats = tuple(self.pattern(t, where) for t in texts)
        if not allow_ambiguous_alone:
            for p in pats:
                if len(p) == 1 and isinstance(p[0], Element) and p[0].ambiguous:
                    raise LexiconError(f"{where}: ambiguous word class {p[0].key} may only be used inside a phrase")
        return pats


def load(path: Path | str = DEFAULT_PATH) -> Lexicon:
    """Read, validate and compile the lexicon. Raises LexiconError on any problem."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from None
    return compile_data(data)


def compile_data(data: Any) -> Lexicon:
    _check_fields("top level", data, _TOP_FIELDS, {"entries"})
    settings = data.get("settings") or {}
    _check_fields("settings", settings, _SETTINGS_FIELDS, set())
    max_gap = int(settings.get("max_gap", 4))
    prefixes = tuple(fold(p) for p in settings.get("verb_prefixes", ["meg", "el", "ki", "be", "fel", "le"]))
    comp = _Compiler(data.get("words") or {}, prefixes, max_gap)
    seen: set[str] = set()

    def ident(where: str, item: dict) -> str:
        i = str(item["id"])
        if i in seen:
            raise LexiconError(f"{where}: duplicate id {i!r}")
        seen.add(i)
        return i

    entries = []
    for n, item in enumerate(data.get("entries") or []):
        where = f"entries[{n}]" + (f" ({item.get('id')})" if isinstance(item, dict) else "")
        _check_fields(where, item, _ENTRY_FIELDS, {"id", "category", "level", "match", "example"})
        lvl = _level(where, item["level"])
        if lvl is Level.NONE and not item.get("tags"):
            # level none: a context marker ("two days", "an adult from the internet") that
            # matters only in a combo; without tags it would do nothing
            raise LexiconError(f"{where}: an entry's level must be above none (or none with tags: a context marker)")
        entries.append(
            Entry(
                id=ident(where, item),
                category=_category(where, item["category"]),
                level=lvl,
                patterns=comp.patterns(item["match"], where),
                example=str(item["example"]),
                negatable=bool(item.get("negatable", False)),
                tags=tuple(_as_list(item.get("tags") or [])),
            )
        )
    suppressors = []
    for n, item in enumerate(data.get("suppressors") or []):
        where = f"suppressors[{n}]"
        _check_fields(where, item, _SUPP_FIELDS, {"id", "match", "example"})
        scope = item.get("scope", "span")
        if scope not in ("span", "near", "clause"):
            raise LexiconError(f"{where}: scope must be 'span', 'near' or 'clause'")
        window = item.get("window", 3 if scope == "near" else 0)
        if not isinstance(window, int) or isinstance(window, bool) or not 0 <= window <= 20:
            raise LexiconError(f"{where}: window must be a whole number from 0 to 20")
        suppressors.append(
            Suppressor(
                id=ident(where, item),
                patterns=comp.patterns(item["match"], where, allow_ambiguous_alone=True),
                scope=scope,
                cap=_level(where, item.get("cap", "none")),
                categories=tuple(_category(where, c) for c in _as_list(item.get("categories") or [])),
                example=str(item["example"]),
                window=window,
                unless=comp.patterns(item["unless"], where, allow_ambiguous_alone=True) if item.get("unless") else (),
            )
        )
    boosters = []
    for n, item in enumerate(data.get("boosters") or []):
        where = f"boosters[{n}]"
        _check_fields(where, item, _BOOST_FIELDS, {"id", "categories", "match", "raise_to", "example"})
        boosters.append(
            Booster(
                id=ident(where, item),
                categories=tuple(_category(where, c, (CLASSIFIER_CATEGORY,)) for c in _as_list(item["categories"])),
                min_level=_level(where, item.get("min_level", "high")),
                patterns=comp.patterns(item["match"], where, allow_ambiguous_alone=True),
                raise_to=_level(where, item["raise_to"]),
                example=str(item["example"]),
                unless=comp.patterns(item["unless"], where, allow_ambiguous_alone=True) if item.get("unless") else (),
            )
        )
    combos = []
    for n, item in enumerate(data.get("combos") or []):
        where = f"combos[{n}]"
        _check_fields(where, item, _COMBO_FIELDS, {"id", "all_tags", "category", "raise_to", "example"})
        combos.append(
            Combo(
                id=ident(where, item),
                all_tags=tuple(_as_list(item["all_tags"])),
                category=_category(where, item["category"]),
                raise_to=_level(where, item["raise_to"]),
                example=str(item["example"]),
            )
        )
    known_tags = {t for e in entries for t in e.tags}
    for c in combos:
        missing = set(c.all_tags) - known_tags
        if missing:
            raise LexiconError(f"combo {c.id}: no entry carries tag(s) {sorted(missing)}")
    gap_spec = settings.get("prefix_gap")
    prefix_gap = comp.element(str(gap_spec), "settings.prefix_gap") if gap_spec else None
    return Lexicon(
        entries=entries,
        suppressors=suppressors,
        boosters=boosters,
        combos=combos,
        negators=frozenset(fold(w) for w in settings.get("negators", ["nem", "sosem", "soha"])),
        verb_prefixes=prefixes,
        max_gap=max_gap,
        concern_streak_to_high=int(settings.get("concern_streak_to_high", 3)),
        elements=comp.elements,
        prefix_gap=prefix_gap,
        prefix_join_skip=frozenset(str(w).lower() for w in settings.get("prefix_join_skip", [])),
        fuzzy_skip=frozenset(fold(str(w).lower()) for w in settings.get("fuzzy_skip", [])),
    )
