"""One mixed Hungarian+English NLU model against one model per language.

Run from the repository root with Rasa's environment:

    .venv-rasa/bin/python bench/nlu_language_split.py [--mixed-out /tmp/nlu_crossval]
        [--skip-crossval] [--skip-memory] [--mixed-model PATH] [--work DIR] [--keep]

1. Splits nlu_data/*/nlu.yml by language (English intent blocks carry
   `metadata: language: en`, Hungarian ones none) into a Hungarian-only and an
   English-only data set in a temp dir. Retrieval intents (faq/*) go with their
   language; lookup tables, synonyms and regexes go into both (they hold both
   languages' spellings and cost nothing when unused).
2. Runs `rasa test nlu --cross-validation --folds 5` on each with config.yml
   (FallbackClassifier threshold lowered to 0.05, as bench/nlu_crossval.sh does,
   so the reports hold the raw intent confidences) and prints per-language intent
   macro-F1, raw and at the configured threshold.
3. Reads the mixed model's cross-validation (bench/nlu_crossval.sh's output,
   --mixed-out) and maps each held-out example's text back to its language in
   nlu_data, giving the mixed model's per-language macro-F1 on the same terms.
4. Trains an NLU-only model per language and a mixed one (`rasa train nlu` into
   the temp dir, never into models/) with the real config.yml, and loads each in
   a fresh Python process with Rasa's Agent, printing VmRSS before loading, after
   loading and after the first parse; plus both language models in one process.

Prints figures only, never message text; no pass/fail.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
PY = ROOT / ".venv-rasa" / "bin" / "python"
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
LANGS = ("hu", "en")


def block_language(block: dict) -> str:
    return (block.get("metadata") or {}).get("language", "hu")


def plain(example: str) -> str:
    """The text Rasa evaluates: entity annotations removed."""
    return ANNOTATION.sub(r"\1", example).strip()


def split_data(work: Path) -> dict:
    """Writes work/<lang>/nlu_data/<topic>/nlu.yml; returns {text: language} and counts."""
    text_lang: dict = {}
    ambiguous = set()
    counts: dict[str, Counter[str]] = {lang: Counter() for lang in LANGS}
    for path in sorted((ROOT / "nlu_data").glob("*/nlu.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        per_lang: dict[str, list[str]] = {lang: [] for lang in LANGS}
        for block in doc.get("nlu") or []:
            if "intent" not in block:
                for lang in LANGS:
                    per_lang[lang].append(block)
                continue
            lang = block_language(block)
            per_lang[lang].append(block)
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    text = plain(line.strip()[2:])
                    counts[lang][block["intent"].split("/")[0]] += 1
                    if text in text_lang and text_lang[text] != lang:
                        ambiguous.add(text)
                    text_lang[text] = lang
        for lang in LANGS:
            if any("intent" in b for b in per_lang[lang]) or per_lang[lang]:
                out = work / lang / "nlu_data" / path.parent.name / "nlu.yml"
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(yaml.safe_dump({"version": doc.get("version", "3.1"), "nlu": per_lang[lang]},
                                              allow_unicode=True, sort_keys=False), encoding="utf-8")
    for text in ambiguous:
        text_lang.pop(text, None)
    return {"text_lang": text_lang, "ambiguous": len(ambiguous), "counts": counts}


def configs(work: Path) -> tuple[Path, Path, float]:
    cfg = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    fallback = next(c for c in cfg["pipeline"] if c["name"] == "FallbackClassifier")
    configured = fallback["threshold"]
    real = work / "config.yml"
    real.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    fallback["threshold"] = 0.05
    fallback["ambiguity_threshold"] = 0.0
    bench = work / "config.bench.yml"
    bench.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return real, bench, configured


def load_rows(out: Path) -> list:
    rows = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out / name
        if path.exists():
            rows += [(e["text"], e["intent"], e["intent_prediction"]["name"],
                      e["intent_prediction"]["confidence"]) for e in json.loads(path.read_text())]
    return rows


def macro_f1(rows: list, threshold: float | None = None) -> float:
    """threshold None: labels = gold + predicted (as Rasa's intent_report.json);
    else a prediction below it becomes nlu_fallback and labels = gold only (as
    bench/nlu_crossval.sh)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for _, gold, pred, conf in rows:
        if threshold is not None and conf < threshold:
            pred = "nlu_fallback"
        if pred == gold:
            tp[gold] += 1
        else:
            fn[gold] += 1
            fp[pred] += 1
    labels = {g for _, g, _, _ in rows}
    if threshold is None:
        labels |= {p for _, _, p, _ in rows}
    scores = []
    for label in labels:
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        r = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        scores.append(2 * p * r / (p + r) if p + r else 0.0)
    return sum(scores) / len(scores) if scores else float("nan")


def accuracy(rows: list) -> float:
    return sum(g == p for _, g, p, _ in rows) / len(rows) if rows else float("nan")


def run(cmd: list, log: Path) -> float:
    t0 = time.monotonic()
    with log.open("w") as fh:
        subprocess.run([str(c) for c in cmd], check=True, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
    return time.monotonic() - t0


def fmt_time(seconds: float) -> str:
    return f"{int(seconds) // 60} min {int(seconds) % 60:02d} s"


LOADER = r"""
import asyncio, logging, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
logging.disable(logging.WARNING)
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
from rasa.core.agent import Agent
base = rss()
print(f"base {base:.0f}", flush=True)
for path in sys.argv[1:]:
    t0 = time.monotonic()
    agent = Agent.load(path)
    loaded = rss()
    asyncio.run(agent.parse_message("szia, segitseget szeretnek kerni"))
    print(f"model {os.path.basename(path)} load_s {time.monotonic() - t0:.1f} loaded {loaded:.0f} "
          f"parsed {rss():.0f}", flush=True)
"""


def measure_rss(models: list) -> list:
    proc = subprocess.run([str(PY), "-c", LOADER, *map(str, models)], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        sys.stderr.write(proc.stderr[-2000:])
        raise SystemExit("loading a model failed")
    return [line for line in proc.stdout.splitlines() if line.startswith(("base", "model"))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mixed-out", default="/tmp/nlu_crossval",
                    help="output dir of bench/nlu_crossval.sh for the mixed model (default %(default)s)")
    ap.add_argument("--work", help="work dir (default: a new temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    ap.add_argument("--skip-crossval", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--mixed-model", help="measure this trained model as the mixed one instead of training "
                    "an NLU-only mixed model (e.g. the one in models/current.txt)")
    args = ap.parse_args()

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="nlu_split_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        split = split_data(work)
        real_cfg, bench_cfg, configured = configs(work)
        print(f"work dir: {work}")
        for lang in LANGS:
            c = split["counts"][lang]
            print(f"{lang}: {sum(c.values())} examples, {len(c)} intents (faq/* counted as faq), "
                  f"fewest {min(c.values())}")
        if split["ambiguous"]:
            print(f"{split['ambiguous']} texts occur in both languages' data "
                  "(left out of the mixed per-language figures)")

        split_rows = {}
        if not args.skip_crossval:
            for lang in LANGS:
                out = work / lang / "crossval"
                secs = run([RASA, "test", "nlu", "--nlu", work / lang / "nlu_data", "--config", bench_cfg,
                            "--cross-validation", "--folds", "5", "--successes", "--out", out],
                           work / lang / "crossval.log")
                split_rows[lang] = load_rows(out)
                report = json.loads((out / "intent_report.json").read_text())
                print(f"{lang}-only crossval: 5 folds in {fmt_time(secs)}; rasa's report macro-F1 "
                      f"{report['macro avg']['f1-score']:.3f}")

        mixed_rows: dict[str, list[tuple]] = {lang: [] for lang in LANGS}
        mixed_out = Path(args.mixed_out)
        unmapped = 0
        for text, gold, pred, conf in load_rows(mixed_out):
            lang = split["text_lang"].get(text.strip())
            if lang is None:
                unmapped += 1
            else:
                mixed_rows[lang].append((text, gold, pred, conf))
        have_mixed = any(mixed_rows.values())
        if have_mixed:
            all_rows = mixed_rows["hu"] + mixed_rows["en"]
            print(f"mixed crossval ({mixed_out}): {len(all_rows)} predictions mapped to a language, "
                  f"{unmapped} not found in the current nlu_data (run bench/nlu_crossval.sh on this data)")

        print()
        print(f"intent macro-F1, 5-fold cross-validation (raw / at the configured threshold {configured}); accuracy")
        print(f"{'':8s} {'mixed model':>26s} {'one model per language':>26s}")
        for lang in LANGS:
            cells = []
            for rows in (mixed_rows[lang] if have_mixed else None, split_rows.get(lang)):
                cells.append(f"{macro_f1(rows):.3f} / {macro_f1(rows, configured):.3f}; {accuracy(rows):.3f}"
                             if rows else "-")
            print(f"{lang:8s} {cells[0]:>26s} {cells[1]:>26s}")
        if have_mixed:
            print(f"{'all':8s} {macro_f1(all_rows):.3f} / {macro_f1(all_rows, configured):.3f}; "
                  f"{accuracy(all_rows):.3f}")
        if have_mixed and split_rows:
            for lang in LANGS:
                print(f"{lang}: wrong {sum(g != p for _, g, p, _ in mixed_rows[lang])}/{len(mixed_rows[lang])} mixed, "
                      f"{sum(g != p for _, g, p, _ in split_rows[lang])}/{len(split_rows[lang])} split")

        if not args.skip_memory:
            print()
            models = {}
            if args.mixed_model:
                models["mixed"] = Path(args.mixed_model).resolve()
            for lang in (*LANGS, "mixed"):
                if lang in models:
                    continue
                data = ROOT / "nlu_data" if lang == "mixed" else work / lang / "nlu_data"
                secs = run([RASA, "train", "nlu", "--nlu", data, "--config", real_cfg, "--out", work / "models",
                            "--fixed-model-name", f"nlu-{lang}"], work / f"train-{lang}.log")
                models[lang] = work / "models" / f"nlu-{lang}.tar.gz"
                size = models[lang].stat().st_size / 2**20
                print(f"train nlu {lang}: {fmt_time(secs)}, model file {size:.1f} MiB")
            print("VmRSS in MiB (fresh process each; 'base' = Python with rasa.core.agent imported):")
            for lang in (*LANGS, "mixed"):
                print(f"  {lang}: " + "; ".join(measure_rss([models[lang]])))
            print("  hu then en in one process: " + "; ".join(measure_rss([models["hu"], models["en"]])))
    finally:
        if args.keep or args.work:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
