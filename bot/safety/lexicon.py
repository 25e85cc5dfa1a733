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
``near`` (their words and ``window`` words either side, same clause),
``clause``, or ``message`` (a story told as over: "a staff member found him, he's fine"
disarms a missing child said three sentences before; keep such guards narrow).
Suppressors and boosters may list ``unless`` patterns: a match that shares a word
with an ``unless`` match does not count ("a játék miatt megvert" is a reason, not a
game; "most mit csináljak" is a question, not "now").
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.safety.lexicon_model import (
    CATEGORIES,
    CLASSIFIER_CATEGORY,
    AnyOrder,
    Booster,
    Combo,
    Element,
    Entry,
    Gap,
    Lexicon,
    LexiconError,
    Suppressor,
)
from bot.safety.normalize import fold
from bot.safety.patterns import Compiler, as_list, check_fields
from bot.screening import Level

__all__ = ["CATEGORIES", "CLASSIFIER_CATEGORY", "DEFAULT_PATH", "AnyOrder", "Booster", "Combo", "Element", "Entry",
           "Gap", "Lexicon", "LexiconError", "Suppressor", "compile_data", "load"]

DEFAULT_PATH = Path(__file__).with_name("lexicon.yml")
_ENTRY_FIELDS = {"id", "category", "level", "match", "example", "negatable", "tags", "note", "fuzzy"}
_SUPP_FIELDS = {"id", "match", "scope", "cap", "categories", "example", "note", "window", "unless"}
_BOOST_FIELDS = {"id", "categories", "min_level", "match", "raise_to", "example", "note", "unless"}
_COMBO_FIELDS = {"id", "all_tags", "category", "raise_to", "example", "note"}
_TOP_FIELDS = {"version", "settings", "words", "entries", "suppressors", "boosters", "combos"}
_SETTINGS_FIELDS = {"max_gap", "concern_streak_to_high", "negators", "verb_prefixes", "prefix_gap", "prefix_join_skip",
                    "fuzzy_skip"}


def _level(where: str, value: Any) -> Level:
    try:
        return Level(value)
    except ValueError:
        raise LexiconError(f"{where}: unknown level {value!r}") from None


def _category(where: str, value: Any, also: tuple[str, ...] = ()) -> str:
    if value not in CATEGORIES and value not in also:
        raise LexiconError(f"{where}: unknown category {value!r}")
    return value



def load(path: Path | str = DEFAULT_PATH) -> Lexicon:
    """Read, validate and compile the lexicon. Raises LexiconError on any problem."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from None
    return compile_data(data)


def compile_data(data: Any) -> Lexicon:
    check_fields("top level", data, _TOP_FIELDS, {"entries"})
    settings = data.get("settings") or {}
    check_fields("settings", settings, _SETTINGS_FIELDS, set())
    max_gap = int(settings.get("max_gap", 4))
    prefixes = tuple(fold(p) for p in settings.get("verb_prefixes", ["meg", "el", "ki", "be", "fel", "le"]))
    comp = Compiler(data.get("words") or {}, prefixes, max_gap)
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
        check_fields(where, item, _ENTRY_FIELDS, {"id", "category", "level", "match", "example"})
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
                tags=tuple(as_list(item.get("tags") or [])),
            )
        )
    suppressors = []
    for n, item in enumerate(data.get("suppressors") or []):
        where = f"suppressors[{n}]"
        check_fields(where, item, _SUPP_FIELDS, {"id", "match", "example"})
        scope = item.get("scope", "span")
        if scope not in ("span", "near", "clause", "message"):
            raise LexiconError(f"{where}: scope must be 'span', 'near', 'clause' or 'message'")
        window = item.get("window", 3 if scope == "near" else 0)
        if not isinstance(window, int) or isinstance(window, bool) or not 0 <= window <= 20:
            raise LexiconError(f"{where}: window must be a whole number from 0 to 20")
        suppressors.append(
            Suppressor(
                id=ident(where, item),
                patterns=comp.patterns(item["match"], where, allow_ambiguous_alone=True),
                scope=scope,
                cap=_level(where, item.get("cap", "none")),
                categories=tuple(_category(where, c) for c in as_list(item.get("categories") or [])),
                example=str(item["example"]),
                window=window,
                unless=comp.patterns(item["unless"], where, allow_ambiguous_alone=True) if item.get("unless") else (),
            )
        )
    boosters = []
    for n, item in enumerate(data.get("boosters") or []):
        where = f"boosters[{n}]"
        check_fields(where, item, _BOOST_FIELDS, {"id", "categories", "match", "raise_to", "example"})
        boosters.append(
            Booster(
                id=ident(where, item),
                categories=tuple(_category(where, c, (CLASSIFIER_CATEGORY,)) for c in as_list(item["categories"])),
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
        check_fields(where, item, _COMBO_FIELDS, {"id", "all_tags", "category", "raise_to", "example"})
        combos.append(
            Combo(
                id=ident(where, item),
                all_tags=tuple(as_list(item["all_tags"])),
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
