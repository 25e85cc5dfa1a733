"""The danger screen on real text nobody in the project wrote (../shared/corpora, `tune` split).

Run: .venv/bin/python bench/safety_real.py [--per-corpus 3000] [--seed 13] [--json OUT]
                                           [--classifier PATH] [--urgency PATH]

For each corpus (NerKor per genre, Reddit per group) prints n and the share raised to high+
and to immediate, by the lexicon alone and by the default screen; pooled real Hungarian text;
for Reddit the recall (high+) on r/SuicideWatch and r/depression against the false-alarm share
on the ordinary subreddits. Targets (issue 13): pooled Hungarian <= 0.5 % high+ and <= 0.1 %
immediate, no corpus above 2 % high+. A corpus bigger than --per-corpus is sampled with a fixed
seed (the sample size is printed). Figures only: message text is never printed.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.safety import (
    LexiconScreener,
    corpora,
)
from bot.screening import Level

HU_TARGET_HIGH, HU_TARGET_IMM, CORPUS_MAX = 0.005, 0.001, 0.02


def sample(rows: list[corpora.Row], k: int, seed: int) -> list[corpora.Row]:
    tune = [r for r in rows if r.split == "tune"]
    if len(tune) <= k:
        return tune
    return random.Random(seed).sample(tune, k)


def shares(levels: list[Level]) -> tuple[float, float]:
    n = max(len(levels), 1)
    return sum(lv >= Level.HIGH for lv in levels) / n, sum(lv is Level.IMMEDIATE for lv in levels) / n


def eval_rows(parts: list[str] | None) -> list[tuple[Level, str]]:
    """(wanted level, text) of the named eval parts, or of every part but fresh7 (None)."""
    out = []
    for path in sorted((ROOT / "tests" / "data").glob("safety_eval_*.tsv")):
        part = path.stem.removeprefix("safety_eval_")
        if (parts is None and part == "fresh7") or (parts is not None and part not in parts):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                level, _cat, text = line.split("\t", 2)
                out.append((Level(level), text))
    return out


def eval_figures(rows: list[tuple[Level, str]], got: list[Level]) -> dict:
    imm = [g for (w, _t), g in zip(rows, got) if w is Level.IMMEDIATE]
    hi = [g for (w, _t), g in zip(rows, got) if w >= Level.HIGH]
    none = [g for (w, _t), g in zip(rows, got) if w is Level.NONE]
    return {"n": len(rows), "immediate": round(sum(g is Level.IMMEDIATE for g in imm) / max(len(imm), 1), 3),
            "high_plus": round(sum(g >= Level.HIGH for g in hi) / max(len(hi), 1), 3),
            "none_to_high_plus": round(sum(g >= Level.HIGH for g in none) / max(len(none), 1), 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-corpus", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--json", type=Path, help="write all figures here too")
    ap.add_argument("--classifier", help="another classifier file for the default screen")
    ap.add_argument("--urgency", help="another urgency model file for the default screen")
    args = ap.parse_args()

    lexicon = LexiconScreener(classifier=False)
    kwargs: dict = {}
    if args.classifier:
        kwargs["classifier"] = args.classifier
    if args.urgency:
        kwargs["urgency"] = args.urgency
    default = LexiconScreener(lexicon=lexicon.lexicon, stemmer=lexicon.stemmer or False, **kwargs)

    t0 = time.perf_counter()
    groups: dict[str, dict[str, list[Level]]] = defaultdict(lambda: {"lexicon": [], "default": []})
    table: list[tuple[str, int, str]] = []  # (key, n, lang)
    for name in corpora.names():
        rows = sample(corpora.load(name), args.per_corpus, args.seed)
        if not rows:
            continue
        by_group = name in ("nerkor", "reddit_rmhd")  # these corpora also report per group
        lang = rows[0].lang
        seen: set[str] = set()
        for r in rows:
            lex = lexicon.screen(r.text).level
            dflt = default.screen(r.text).level
            for key in ([name, f"{name}/{r.group}"] if by_group else [name]):
                groups[key]["lexicon"].append(lex)
                groups[key]["default"].append(dflt)
                if key not in seen:
                    seen.add(key)
                    table.append((key, 0, lang))
            if lang == "hu":
                groups["POOLED real Hungarian"]["lexicon"].append(lex)
                groups["POOLED real Hungarian"]["default"].append(dflt)
    secs = time.perf_counter() - t0

    out: dict = {"per_corpus": args.per_corpus, "seed": args.seed, "classifier": args.classifier or "default",
                 "rows": {}}
    print(f"tune split, at most {args.per_corpus} rows per corpus (seed {args.seed}); "
          f"corpora shipped without a tune split: {corpora.TUNE_SHARE_PCT} % set aside by text hash")
    print(f"{'corpus / group':32} {'n':>6} | {'lexicon high+':>13} {'imm':>7} | {'default high+':>13} {'imm':>7}")
    ordered = sorted({k for k, _n, _l in table}, key=lambda k: (k.split("/")[0], "/" in k, k))
    for key in ordered + ["POOLED real Hungarian"]:
        g = groups[key]
        lh, li = shares(g["lexicon"])
        dh, di = shares(g["default"])
        n = len(g["default"])
        flag = ""
        if "/" not in key and key not in ("reddit_rmhd", "POOLED real Hungarian") and dh > CORPUS_MAX:
            flag = "  > 2 %"
        indent = "  " if "/" in key else ""
        print(f"{indent + key:32} {n:>6} | {lh:>12.2%} {li:>7.2%} | {dh:>12.2%} {di:>7.2%}{flag}")
        out["rows"][key] = {"n": n, "lexicon_high_plus": round(lh, 4), "lexicon_immediate": round(li, 4),
                            "default_high_plus": round(dh, 4), "default_immediate": round(di, 4)}

    pooled = out["rows"]["POOLED real Hungarian"]
    ok = pooled["default_high_plus"] <= HU_TARGET_HIGH and pooled["default_immediate"] <= HU_TARGET_IMM
    worst = max((v["default_high_plus"], k) for k, v in out["rows"].items()
                if "/" not in k and k not in ("reddit_rmhd", "POOLED real Hungarian"))
    print(f"targets: pooled Hungarian high+ {pooled['default_high_plus']:.2%} (<= 0.5 %), immediate "
          f"{pooled['default_immediate']:.2%} (<= 0.1 %): {'met' if ok else 'NOT met'}; worst corpus "
          f"{worst[1]} {worst[0]:.2%} (<= 2 %): {'met' if worst[0] <= CORPUS_MAX else 'NOT met'}")

    red = {k.split("/", 1)[1]: v for k, v in groups.items() if k.startswith("reddit_rmhd/")}
    if red:
        print("reddit (English posts): recall = share raised to high+; false alarms on the ordinary subreddits")
        for label, names in (("r/SuicideWatch", ["suicidewatch"]), ("r/depression", ["depression"]),
                             ("ordinary subreddits", list(corpora.ORDINARY_GROUPS)),
                             ("other mental-health subreddits",
                              [g for g in red
                               if g not in corpora.ORDINARY_GROUPS and g not in corpora.DISTRESS_GROUPS])):
            lx = [lv for g in names for lv in red.get(g, {}).get("lexicon", [])]
            df = [lv for g in names for lv in red.get(g, {}).get("default", [])]
            (lh, li), (dh, di) = shares(lx), shares(df)
            print(f"  {label:30} n={len(df):>4} | lexicon high+ {lh:6.1%} imm {li:6.1%} | "
                  f"default high+ {dh:6.1%} imm {di:6.1%}")
            out["rows"][f"reddit: {label}"] = {"n": len(df), "lexicon_high_plus": round(lh, 4),
                                               "lexicon_immediate": round(li, 4), "default_high_plus": round(dh, 4),
                                               "default_immediate": round(di, 4)}
    print("project eval sets (tests/data): fresh7 is held out from training; the others were trained on")
    for label, parts in (("fresh7 (held out)", ["fresh7"]), ("all other parts (trained on)", None)):
        labelled = eval_rows(parts)
        for name, scr in (("lexicon", lexicon), ("default", default)):
            f = eval_figures(labelled, [scr.screen(t).level for _w, t in labelled])
            print(f"  {label:30} {name:8} n={len(labelled):>4} immediate {f['immediate']:.3f} "
                  f"high+ {f['high_plus']:.3f} "
                  f"none->high+ {f['none_to_high_plus']:.3f}")
            out["rows"][f"eval: {label} {name}"] = f
    print(f"screened in {secs:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
