"""The danger screen on real text nobody in the project wrote, and on the project's eval sets.

Run: .venv/bin/python bench/safety_real.py [--default] [--split tune|train|all] [--eval]

Real text (``../shared/corpora/*.jsonl``, see its README): per corpus (nerkor also per genre),
the share of lines the screen raises to high-or-above and to immediate. Nearly every line is
ordinary text, so these are false-alarm shares (a few real danger sentences are inside, which
is why the target is a small share, not zero). Only three corpora have a ``tune`` split (nerkor,
tatoeba_hu, tatoeba_en): report those; the others are shown with ``--split train`` or ``all``,
where r/SuicideWatch and r/depression are real distress (their share is a recall, not an alarm).

``--eval``: recall of immediate and high-or-above and none->high+ on each part of
tests/data/safety_eval_*.tsv (the figures of tests/test_safety_eval.py).

The lexicon alone by default (``LexiconScreener(classifier=False)``); ``--default`` adds the
default screen (with the classifier). Prints figures only, never text.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.safety import LexiconScreener  # noqa: E402
from bot.screening import Level  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
if not CORPORA.is_dir():  # a git worktree sits beside the main checkout, not inside it
    CORPORA = Path("/work/shared/corpora")
EVAL = ROOT / "tests" / "data"
DISTRESS = {"suicidewatch", "depression"}


def corpus_rows(split: str) -> dict[str, list[str]]:
    """Lines by (corpus, group) key: 'nerkor/news', 'tatoeba_hu', 'reddit_rmhd/ordinary' ..."""
    out: dict[str, list[str]] = defaultdict(list)
    for path in sorted(CORPORA.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if split != "all" and row["split"] != split:
                    continue
                name = row["corpus"]
                if name == "nerkor":
                    out[f"nerkor/{row['group']}"].append(row["text"])
                    out["nerkor"].append(row["text"])
                elif name == "reddit_rmhd":
                    kind = "distress" if row["group"].lower() in DISTRESS else "ordinary"
                    out[f"reddit_rmhd/{kind}"].append(row["text"])
                else:
                    out[name].append(row["text"])
    return out


def shares(screener: LexiconScreener, texts: list[str]) -> tuple[float, float]:
    high = imm = 0
    for t in texts:
        level = screener.screen(t).level
        high += level >= Level.HIGH
        imm += level is Level.IMMEDIATE
    return high / len(texts), imm / len(texts)


def eval_parts() -> dict[str, list[tuple[Level, str]]]:
    parts: dict[str, list[tuple[Level, str]]] = {}
    for path in sorted(EVAL.glob("safety_eval_*.tsv")):
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                level, _cat, text = line.split("\t", 2)
                rows.append((Level(level), text))
        parts[path.stem.removeprefix("safety_eval_")] = rows
    return parts


def eval_figures(screener: LexiconScreener, rows: list[tuple[Level, str]]) -> str:
    got = [(want, screener.screen(text).level) for want, text in rows]
    imm = [g for w, g in got if w is Level.IMMEDIATE]
    hi = [g for w, g in got if w >= Level.HIGH]
    none = [g for w, g in got if w is Level.NONE]

    def r(hits: int, n: int) -> str:
        return f"{hits / n:.3f}" if n else "  -  "

    return (f"n={len(rows):4d} immediate {r(sum(g is Level.IMMEDIATE for g in imm), len(imm))} "
            f"high+ {r(sum(g >= Level.HIGH for g in hi), len(hi))} "
            f"none->high+ {r(sum(g >= Level.HIGH for g in none), len(none))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--default", action="store_true", help="also the default screen (lexicon + classifier)")
    ap.add_argument("--split", default="tune", choices=["tune", "train", "all"])
    ap.add_argument("--eval", action="store_true", help="the eval-set figures instead of real text")
    args = ap.parse_args()
    screens = {"lexicon": LexiconScreener(classifier=False)}
    if args.default:
        screens["default"] = LexiconScreener()
    if args.eval:
        for part, rows in eval_parts().items():
            for name, s in screens.items():
                print(f"{part:10s} {name:8s} {eval_figures(s, rows)}")
        return
    rows = corpus_rows(args.split)
    print(f"split={args.split}; share of lines raised to high+ / immediate")
    for key in sorted(rows):
        figs = []
        for name, s in screens.items():
            high, imm = shares(s, rows[key])
            figs.append(f"{name} {100 * high:6.2f} % / {100 * imm:5.2f} %")
        print(f"{key:26s} n={len(rows[key]):6d}  " + "   ".join(figs))


if __name__ == "__main__":
    main()
