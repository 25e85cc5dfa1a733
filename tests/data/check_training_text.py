"""Check the format of the hand-written training files and print their composition.

Why: the files are training text for the danger screen's statistical model; a malformed
row or a stray level/category would silently drop or mislabel examples.

    .venv/bin/python tests/data/check_training_text.py [path ...]   # default: every safety_train_*.tsv
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

LEVELS = ("immediate", "high", "concern", "none")
CATEGORIES = (
    "suicide_self_harm", "physical_abuse", "sexual_abuse", "domestic_violence", "neglect",
    "child_alone", "missing_child", "life_threat", "trafficking", "online_grooming",
    "bullying", "runaway_homeless",
)
DEFAULT = sorted(Path(__file__).parent.glob("safety_train_*.tsv"))
HU_ACCENTS = re.compile(r"[áéíóöőúüű]", re.I)
HU_WORDS = re.compile(
    r"\b(az|es|és|hogy|nem|van|vagyok|mert|meg|még|egy|ha|mar|már|csak|nincs|igy|így|sem|se|"
    r"ez|azt|volt|lesz|kell|anyu|apa|apu|tesom|tesóm|eves|éves|vagy|amit|ami|mint|mikor|hol|"
    r"nekem|vele|otthon|ingyen|ingyenes|lehet|mit|ki|valami|nagyon)\b", re.I)
EN_WORDS = re.compile(
    r"\b(the|and|is|i|im|i'm|my|to|of|it|was|he|she|you|what|in|at|for|"
    r"just|hello|hi|how|who|do|are|that|can|with|this)\b", re.I)
PHONE = re.compile(r"\+?\d[\d\s/-]{6,}\d")
ALLOWED_NUMBERS = {"112", "116111"}


def language(text: str) -> str:
    """'hu' or 'en' by accents and common function words (good enough for a count)."""
    hu = len(HU_WORDS.findall(text)) + 3 * bool(HU_ACCENTS.search(text))
    en = len(EN_WORDS.findall(text))
    return "hu" if hu >= en else "en"


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def check(path: Path) -> list[str]:
    """Problems found; prints the composition as it goes."""
    problems: list[str] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("#"):
        problems.append("line 1: no header comment")
    seen: dict[str, int] = {}
    by_level: Counter[str] = Counter()
    by_cat: Counter[tuple[str, str]] = Counter()
    by_lang: Counter[tuple[str, str]] = Counter()
    plain_hu = 0
    long_danger = 0
    long_none = 0
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            problems.append(f"line {n}: {len(parts)} fields")
            continue
        level, cat, text = parts
        if level not in LEVELS:
            problems.append(f"line {n}: level {level!r}")
        if (level == "none") != (cat == "-") or (cat != "-" and cat not in CATEGORIES):
            problems.append(f"line {n}: category {cat!r} for level {level!r}")
        if text != text.strip() or not text:
            problems.append(f"line {n}: empty text or stray whitespace")
        for m in PHONE.findall(text):
            if re.sub(r"\D", "", m) not in ALLOWED_NUMBERS:
                problems.append(f"line {n}: looks like a phone number: {m!r}")
        key = norm(text)
        if key in seen:
            problems.append(f"line {n}: duplicate of line {seen[key]}")
        seen[key] = n
        lang = language(text)
        words = len(text.split())
        by_level[level] += 1
        by_cat[(level, cat)] += 1
        by_lang[(lang, level)] += 1
        if lang == "hu" and not HU_ACCENTS.search(text):
            plain_hu += 1
        if level in ("high", "immediate") and words >= 40:
            long_danger += 1
        if level == "none" and words >= 25:
            long_none += 1
    total = sum(by_level.values())
    hu = sum(v for (lang, _), v in by_lang.items() if lang == "hu")
    print(f"{path.name}: {total} rows")
    print("levels:", dict(by_level))
    for level in LEVELS:
        cats = {c: v for (lv, c), v in sorted(by_cat.items()) if lv == level}
        print(f"  {level}: {cats}")
    print("language x level:", {f"{a}/{b}": v for (a, b), v in sorted(by_lang.items())})
    if total:
        print(f"hungarian {hu} ({hu / total:.0%}), of it without accents {plain_hu} "
              f"({plain_hu / max(hu, 1):.0%}); english {total - hu}")
    print(f"danger rows of 40+ words: {long_danger}; none rows of 25+ words: {long_none}")
    return problems


def main() -> int:
    paths = [Path(a) for a in sys.argv[1:]] or DEFAULT
    problems = []
    for path in paths:
        print(f"== {path.name}")
        problems += check(path)
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
