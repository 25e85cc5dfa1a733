"""Compile lexicon.yml's word forms and patterns into elements (regexes on folded words).

The pattern syntax is described in lexicon.py; this is its compiler: word classes expanded,
``foo*`` and ``~foo*`` turned into regexes, ``...N`` gaps and ``&N`` free-order windows read,
and every mistake refused with a message naming where it is.
"""
from __future__ import annotations

import re
from typing import Any

from bot.safety.lexicon_model import AnyOrder, Element, Gap, LexiconError
from bot.safety.normalize import fold

_WORD_FIELDS = {"forms", "ambiguous", "fuzzy", "note", "compound"}


def check_fields(where: str, data: Any, allowed: set[str], required: set[str]) -> None:
    if not isinstance(data, dict):
        raise LexiconError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = set(data) - allowed
    if unknown:
        raise LexiconError(f"{where}: unknown field(s) {sorted(unknown)}")
    missing = {k for k in required if data.get(k) in (None, "", [])}
    if missing:
        raise LexiconError(f"{where}: missing field(s) {sorted(missing)}")



def as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise LexiconError(f"expected a string or list of strings, got {value!r}")


class Compiler:
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
            check_fields(f"words.{name}", data, _WORD_FIELDS, {"forms"})
            for form in as_list(data["forms"]):
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
            texts = as_list(value)
        except LexiconError as exc:
            raise LexiconError(f"{where}: {exc}") from None
        pats = tuple(self.pattern(t, where) for t in texts)
        if not allow_ambiguous_alone:
            for p in pats:
                if len(p) == 1 and isinstance(p[0], Element) and p[0].ambiguous:
                    raise LexiconError(f"{where}: ambiguous word class {p[0].key} may only be used inside a phrase")
        return pats

