"""Measure the danger screen on one evaluation set, by the kinds of message in it.

    .venv/bin/python bench/safety_sealed.py tests/data/sealed/safety_eval_fresh8.tsv
    .venv/bin/python bench/safety_sealed.py FILE --half held   # or dev: a fixed half (--seed 13)
    .venv/bin/python bench/safety_sealed.py FILE --classifier C.json --urgency N.json   # other weights

``--half`` keeps one half of the set, drawn per wanted level with a fixed seed: develop on the
`dev` half's misses only and report the `held` half's figures before and after, the figure that
predicts the next blind set (the whole set's gain flatters: half of it was read).

A sealed set is measured ONCE per round, with the screen as shipped: run this, copy the
figures into the closing note and bench/README.md, and never tune on the set afterwards.
Prints recall of immediate and of high-or-above, the share of `none` raised to high+, and
the same for the subsets: English, Hungarian without accents, long messages (25+ words),
disguised text; the lexicon alone beside the default screen. Never prints message text.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.safety import LexiconScreener, default_screener
from bot.screening import Level

ACCENTS = re.compile(r"[áéíóöőúüűÁÉÍÓÖŐÚÜŰ]")
HUNGARIAN_HINT = re.compile(r"\b(a|az|és|es|hogy|nem|van|meg|egy|mert|vagy|itt|most|nagyon)\b", re.I)
ODD = re.compile(r"[\u00ad\u034f\u115f\u1160\u180b-\u180f\u200b-\u200f\u2060-\u2064\u3164\ufe00-\ufe0f"
                 r"\uffa0\u0400-\u04ff]")
SPACED = re.compile(r"\b(\w ){3,}\w\b")
LEET = re.compile(r"\b[a-z]*[a-z][0134@][a-z]+\b", re.I)


def rows(path: Path) -> list[tuple[Level, str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        level, category, text = line.split("\t", 2)
        out.append((Level.parse(level), category, text))
    return out


def half(data: list[tuple[Level, str, str]], which: str, seed: int) -> list[tuple[Level, str, str]]:
    """One half of the rows, stratified by wanted level, the same for a given seed."""
    keep: set[int] = set()
    for level in Level:
        idx = [i for i, row in enumerate(data) if row[0] is level]
        random.Random(f"{seed}:{level.value}").shuffle(idx)
        cut = (len(idx) + 1) // 2
        keep.update(idx[:cut] if which == "dev" else idx[cut:])
    return [row for i, row in enumerate(data) if i in keep]


def figures(pairs: list[tuple[Level, Level]]) -> str:
    imm = [got for want, got in pairs if want is Level.IMMEDIATE]
    high = [got for want, got in pairs if want >= Level.HIGH]
    none = [got for want, got in pairs if want is Level.NONE]

    def share(xs: list[Level], at: Level) -> str:
        return f"{sum(x >= at for x in xs) / len(xs):.3f} ({sum(x >= at for x in xs)}/{len(xs)})" if xs else "-"

    return (f"immediate {share(imm, Level.IMMEDIATE)}  high+ {share(high, Level.HIGH)}  "
            f"none->high+ {share(none, Level.HIGH)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", nargs="?", type=Path, default=ROOT / "tests/data/sealed/safety_eval_fresh8.tsv")
    ap.add_argument("--half", choices=("dev", "held"), help="only this half of the set (fixed by --seed)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--classifier", help="another classifier file for the default screen (side by side)")
    ap.add_argument("--urgency", help="another urgency model file for the default screen")
    args = ap.parse_args()
    path = args.path
    data = rows(path)
    if args.half:
        data = half(data, args.half, args.seed)
    screens = {"lexicon alone": LexiconScreener(classifier=False), "default screen": default_screener()}
    if args.classifier or args.urgency:
        screens["default screen"] = LexiconScreener(classifier=args.classifier or True, urgency=args.urgency or True)
    subsets = {
        "all": lambda t: True,
        "English": lambda t: not HUNGARIAN_HINT.search(t) and not ACCENTS.search(t),
        "Hungarian without accents": lambda t: bool(HUNGARIAN_HINT.search(t)) and not ACCENTS.search(t),
        "long (25+ words)": lambda t: len(t.split()) >= 25,
        "disguised": lambda t: bool(ODD.search(t) or SPACED.search(t) or LEET.search(t)),
    }
    print(f"{path.name}: {len(data)} messages" + (f" ({args.half} half, seed {args.seed})" if args.half else ""))
    for name, screen in screens.items():
        got = [(want, screen.screen(text).level, text) for want, _c, text in data]
        print(f"\n{name}")
        for label, keep in subsets.items():
            pairs = [(w, g) for w, g, t in got if keep(t)]
            print(f"  {label:27s} n={len(pairs):3d}  {figures(pairs)}")
        missed: dict[str, int] = {}
        for (want, cat, _text), (_, level, _) in zip(data, got):
            if want >= Level.HIGH and level < Level.HIGH:
                missed[cat] = missed.get(cat, 0) + 1
        print("  high+ missed by category:", dict(sorted(missed.items(), key=lambda kv: -kv[1])))
        false: dict[str, int] = {}
        for (want, _cat, text), (_, level, _) in zip(data, got):
            if want is Level.NONE and level >= Level.HIGH:
                key = "long" if len(text.split()) >= 25 else "short"
                false[key] = false.get(key, 0) + 1
        print("  none raised to high+ (long/short):", false)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
