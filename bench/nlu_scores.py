"""Intent scores from a `rasa test nlu --successes` output folder, with the fallback applied.

Why: `rasa test nlu` undoes the FallbackClassifier's prediction before scoring, so its
report is the raw classifier. What a user meets is different: a prediction under the
configured threshold becomes nlu_fallback ("not sure - here is a person and the
numbers"), which is a miss for that intent. bench/nlu_crossval.sh and
bench/nlu_heldout.sh both score with this.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import yaml

Row = tuple[str, str, float]  # gold intent, predicted intent, confidence


def configured_threshold(config: Path) -> float:
    """The FallbackClassifier threshold in a Rasa config file."""
    pipeline = yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]
    return next(c for c in pipeline if c["name"] == "FallbackClassifier")["threshold"]


def rows(out: Path) -> list[Row]:
    """Every test prediction (successes and errors) in a rasa test output folder."""
    return [(gold, pred, conf) for gold, pred, conf, _text in rows_with_text(out)]


def per_intent_f1(data: list[Row], threshold: float) -> dict[str, float]:
    """F1 per gold intent when predictions under ``threshold`` fall back."""
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for gold, pred, conf in data:
        pred = pred if conf >= threshold else "nlu_fallback"
        if pred == gold:
            tp[gold] += 1
        else:
            fn[gold] += 1
            fp[pred] += 1
    scores = {}
    for label in {g for g, _, _ in data}:
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        r = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        scores[label] = 2 * p * r / (p + r) if p + r else 0.0
    return scores


def macro_f1(data: list[Row], threshold: float) -> float:
    """Macro-F1 over the gold intents when predictions under ``threshold`` fall back."""
    scores = per_intent_f1(data, threshold)
    return sum(scores.values()) / len(scores)


def fold(text: str) -> str:
    """Lower-case, accents off, punctuation as spaces: how the featurizers see a text."""
    import re
    import unicodedata
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def training_texts(nlu_dir: Path) -> set[str]:
    """The folded text of every intent example under ``nlu_dir``."""
    texts: set[str] = set()
    for path in sorted(nlu_dir.glob("*/nlu.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" in block:
                texts |= {fold(line[2:]) for line in block["examples"].splitlines() if line.startswith("- ")}
    return texts


def rows_with_text(out: Path) -> list[tuple[str, str, float, str]]:
    """Like ``rows`` with the message text, to split seen from unseen wording."""
    found = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out / name
        if path.exists():
            found += [(e["intent"], e["intent_prediction"]["name"], e["intent_prediction"]["confidence"], e["text"])
                      for e in json.loads(path.read_text(encoding="utf-8"))]
    return found
