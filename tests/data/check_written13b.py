"""Format and composition check for safety_train_written13b.tsv (urgency-focused training text).

Run: .venv/bin/python tests/data/check_written13b.py [path]
Exits non-zero on a format error, a duplicate or near-duplicate, a phone number other than
112 / 116 111, or a row copied from another set in tests/data; prints counts by level,
category, language and length so the composition can be compared with the brief.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE / "safety_train_written13b.tsv"
LEVELS = {"immediate", "high", "concern", "none"}
CATEGORIES = {"suicide_self_harm", "physical_abuse", "sexual_abuse", "domestic_violence", "neglect",
              "child_alone", "missing_child", "life_threat", "trafficking", "online_grooming",
              "bullying", "runaway_homeless"}
HU_ACCENTS = set("áéíóöőúüűÁÉÍÓÖŐÚÜŰ")
HU_WORDS = {"és", "es", "az", "gyerek", "vagyunk", "tudok", "is", "egy", "hogy", "nem", "most", "vagyok",
            "van", "meg", "mar", "már", "mit", "csak", "de", "ha", "nincs", "itt", "ma", "mert", "anya",
            "apa", "anyu", "apu", "vagy", "mi"}
EN_WORDS = {"the", "and", "i", "my", "it", "to", "of", "at", "on", "with", "for", "was", "in", "you",
            "me", "what", "he", "she"}
ALLOWED_NUMBERS = {"112", "116111"}


def fold(text: str) -> str:
    """Lower case, accents removed, only letters, digits and single spaces left."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def language(text: str) -> str:
    toks = fold(text).split()
    hu = sum(t in HU_WORDS for t in toks) + 3 * any(c in HU_ACCENTS for c in text)
    en = sum(t in EN_WORDS for t in toks)
    return "hu" if hu > en else "en"


def shingles(text: str) -> set[str]:
    toks = fold(text).split()
    return {" ".join(toks[i:i + 3]) for i in range(max(1, len(toks) - 2))}


def phone_like(text: str) -> list[str]:
    """Digit runs (spaces, slashes, dashes joined) of 6+ digits that are not 112 or 116 111."""
    runs = re.findall(r"\+?\d[\d /-]{4,}\d", text)
    out = []
    for run in runs:
        digits = re.sub(r"\D", "", run)
        if len(digits) >= 6 and digits not in ALLOWED_NUMBERS:
            out.append(run)
    return out


def check(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    errors: list[str] = []
    if not lines or not lines[0].startswith("#"):
        errors.append("line 1: a header comment is expected")
    rows: list[tuple[int, str, str, str]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            errors.append(f"line {n}: {len(parts)} fields, 3 expected")
            continue
        level, cat, text = parts
        if level not in LEVELS:
            errors.append(f"line {n}: unknown level {level!r}")
        if (level == "none") != (cat == "-") or (cat != "-" and cat not in CATEGORIES):
            errors.append(f"line {n}: category {cat!r} does not fit level {level!r}")
        if text != text.strip() or not text:
            errors.append(f"line {n}: empty text or stray whitespace")
        for run in phone_like(text):
            errors.append(f"line {n}: number that looks like a phone number: {run!r}")
        rows.append((n, level, cat, text))

    seen: dict[str, int] = {}
    sh = [(n, shingles(t)) for n, _, _, t in rows]
    for n, _, _, text in rows:
        key = fold(text)
        if key in seen:
            errors.append(f"line {n}: duplicate of line {seen[key]}")
        seen.setdefault(key, n)
    for i, (n1, s1) in enumerate(sh):
        for n2, s2 in sh[i + 1:]:
            if s1 and s2 and len(s1 & s2) / min(len(s1), len(s2)) > 0.6:
                errors.append(f"line {n2}: near-duplicate of line {n1}")

    others = {}
    for other in sorted(HERE.glob("*.tsv")) + sorted((HERE / "sealed").glob("*.tsv")):
        if other.resolve() == path.resolve() or "fresh13" in other.name or "sealed6" in other.name:
            continue
        for line in other.read_text(encoding="utf-8").splitlines():
            if "\t" in line and not line.startswith("#"):
                others[fold(line.split("\t")[-1])] = other.name
    for n, _, _, text in rows:
        if fold(text) in others:
            errors.append(f"line {n}: the same text is in {others[fold(text)]}")

    by_level = Counter(r[1] for r in rows)
    by_cat = Counter((r[1], r[2]) for r in rows)
    langs = Counter((r[1], language(r[3])) for r in rows)
    hu = [r for r in rows if language(r[3]) == "hu"]
    no_acc = [r for r in hu if not any(c in HU_ACCENTS for c in r[3])]
    long_rows = Counter(r[1] for r in rows if 40 <= len(r[3].split()) <= 120)
    print(f"{path.name}: {len(rows)} rows")
    print("by level:", dict(sorted(by_level.items())))
    print("by language:", dict(sorted(langs.items())))
    print(f"Hungarian rows without accents: {len(no_acc)}/{len(hu)} ({len(no_acc) / max(1, len(hu)):.0%})")
    print("40-120 words, by level:", dict(sorted(long_rows.items())))
    print("by level and category:")
    for (level, cat), count in sorted(by_cat.items()):
        print(f"  {level:9} {cat:18} {count}")
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(check(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
