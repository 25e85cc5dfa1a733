"""What a compiled lexicon is made of: its entries, guards, boosters and combinations.

The loader (lexicon.py) builds these from lexicon.yml; the matcher reads them. Kept apart so
that the pattern compiler (patterns.py) and the loader can share them without an import circle.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    # "span": only the words it covers; "near": plus `window` words around; "clause": the whole clause;
    # "message": all of it
    scope: str
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

