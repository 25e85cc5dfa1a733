"""The training command: fit, set thresholds, write the weights with what they were trained on.

    python -m bot.safety.classifier train [TSV ...]   # default: every eval set but HELD_OUT,
                                                      # plus SEALED_TRAINING from tests/data/sealed
                                                      # (writes classifier.json and classifier_now.json)
    python -m bot.safety.classifier cv [TSV ...]      # cross-validated figures only

How and why: the package's docstring (bot/safety/classifier/__init__.py).
"""
from __future__ import annotations

import base64
import json
import sys
import time
from array import array
from pathlib import Path

from bot.safety.classifier.data import Data, build, default_paths, is_danger, is_now, ordinary_digest
from bot.safety.classifier.features import BITS, FORMAT, NGRAMS, WINDOW_WORDS
from bot.safety.classifier.inference import DEFAULT_PATH, NOW_PATH, Classifier
from bot.safety.classifier.recipe import (
    C_REG,
    CORPUS_TO_HIGH_MAX,
    DISTRESS_POSITIVE_GROUPS,
    DISTRESS_WEIGHT,
    DISTRESS_WINDOWS_PER_POST,
    ENGLISH_POST_WEIGHT,
    FOLDS,
    HALF_SEED,
    HELD_OUT,
    HIGH_TO_NOW_MAX,
    LONG_SHIFT,
    NONE_TO_CONCERN_MAX,
    NONE_TO_HIGH_MAX,
    NONE_TO_NOW_MAX,
    ORDINARY,
    ORDINARY_INTENTS,
    ORDINARY_TO_HIGH_MAX,
    PROJECT_NEGATIVE_WEIGHT,
    REAL_BUDGET,
    REAL_TO_CONCERN_MAX,
    REAL_TO_HIGH_MAX,
    REAL_TO_NOW_MAX,
    REDDIT_TO_HIGH_MAX,
    RULES_ON_TRAINING_ONLY,
    SCREEN_CORPUS_TO_HIGH_MAX,
    SCREEN_NONE_RULE,
    SEALED,
    SEALED_HALF,
    SEED,
    SENTENCE_SHIFT,
    SENTENCE_UNITS,
    SPLIT_LONG_NEGATIVES,
    SUPPORT_NEGATIVE_GROUPS,
    SUPPORT_WEIGHT,
)
from bot.safety.classifier.training import (
    CV,
    _danger_units,
    _design,
    _export,
    _fit,
    _fit_now,
    _labels,
    _threshold,
    _unit_weights,
    by_set,
    combine_level,
    cross_validate,
    figures,
    held_out_figures,
    rule_rows,
    scores,
    set_thresholds,
)


def _save(out: Path, about: str, fields: dict, b: float, w: dict[int, float]) -> dict:
    """Write a model file (the format Classifier.load reads) and return its content."""
    idx = array("i", sorted(w))
    val = array("f", (w[j] for j in idx))
    if sys.byteorder != "little":
        idx.byteswap()
        val.byteswap()
    model = {"format": FORMAT, "about": about, "bits": BITS, "ngrams": list(NGRAMS), "window_words": WINDOW_WORDS,
             **fields, "bias": b, "n_weights": len(w),
             "index": base64.b64encode(idx.tobytes()).decode("ascii"),
             "values": base64.b64encode(val.tobytes()).decode("ascii")}
    Path(out).write_text(json.dumps(model, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    return model


def _sources(paths: list[Path], data: Data, ordinary: bool) -> dict:
    from bot.safety import corpora

    chat = [r[2] for r in data.rows if r[1] == ORDINARY]
    return {"eval_sets": [Path(p).name for p in paths], "held_out": [f"safety_eval_{h}.tsv" for h in HELD_OUT],
            "from_sealed_folder": [Path(p).name for p in paths if Path(p).parent.name == SEALED.name],
            "ordinary_chat": f"nlu_data ({len(chat)} examples of ORDINARY_INTENTS)" if ordinary else None,
            "ordinary_chat_examples": len(chat), "ordinary_chat_sha256": ordinary_digest(chat) if chat else None,
            "ordinary_intents": list(ORDINARY_INTENTS) if ordinary else [],
            "real_negatives": {"from": "../shared/corpora train splits (bot/safety/corpora.py)",
                               "rows_per_corpus_drawn": REAL_BUDGET, "taken": data.real_counts,
                               "left_out": "rows the lexicon scores high+; Reddit groups other than "
                                           + ", ".join(corpora.ORDINARY_GROUPS)},
            "real_positives": {"from": "../shared/corpora reddit_rmhd train split, groups "
                                       + ", ".join(DISTRESS_POSITIVE_GROUPS),
                               "windows": f"per post the {DISTRESS_WINDOWS_PER_POST} naming most of dying or a method "
                                          "(DISTRESS_CUES)",
                               "taken": data.distress_counts},
            "support_negatives": {"from": "../shared/corpora reddit_rmhd train split, groups "
                                          + ", ".join(SUPPORT_NEGATIVE_GROUPS),
                                  "windows": "every window without DISTRESS_CUES of a post the lexicon leaves "
                                             "below high", "weight": SUPPORT_WEIGHT,
                                  "taken": data.real_counts.get("reddit_support_groups", {})},
            "long_rows": ("harmless rows of several windows: one negative per window" if SPLIT_LONG_NEGATIVES
                          else "one unit per row"),
            "thresholds_on": f"../shared/corpora tune splits ({len(data.tune)} rows; corpora without one: "
                             f"{corpora.TUNE_SHARE_PCT} % by CRC-32 of the text) + eval sets out of fold"}


def _check(clf: Classifier) -> list[list]:
    """A few fixed texts and their scores: a retrain-free check that the file loads as trained."""
    texts = ["szia, segítenél?", "apa minden este megver az övvel", "meg akarok halni, senki nem szeret",
             "A film forgatása tavaly ősszel kezdődött Budapesten.", "i want to kill myself tonight"]
    return [[t, round(clf.probability(t), 4)] for t in texts]


def train(paths: list[Path], out: Path = DEFAULT_PATH, verbose: bool = True, ordinary: bool = True,
          real: bool = True, data: Data | None = None, cv: CV | None = None,
          sentence_shift: float | None = SENTENCE_SHIFT) -> dict:
    """Cross-validate, set the thresholds, fit on everything, export the danger model."""
    t0 = time.perf_counter()
    data = data or build(paths, ordinary, real, verbose)
    cv = cv or cross_validate(data)
    x = _design(data.counts, data.totals, data.idf)
    b, w = _export(_fit(x, _labels(data, is_danger), sample_weight=_unit_weights(data)), data.idf)
    clf = Classifier(b, w, 1.0, 1.0)
    th = set_thresholds(data, cv, clf, sentence_shift=sentence_shift)
    clf.t_high, clf.t_concern, clf.long_shift = th["t_high"], th["t_concern"], th["long_shift"]
    clf.sentence_shift = th["sentence_shift"]
    training = {"sources": _sources(paths, data, ordinary), "seed": SEED, "folds": FOLDS, "C": C_REG,
                "solver": "liblinear, dual", "project_negative_weight": PROJECT_NEGATIVE_WEIGHT,
                "english_post_weight": ENGLISH_POST_WEIGHT, "distress_weight": DISTRESS_WEIGHT,
                "units": len(data.texts),
                "positives": int(sum(is_danger(r[0]) for r in data.rows)),
                "real_distress_positives": sum(r == -2 for r in data.unit_rows),
                "rules": {"REAL_TO_HIGH_MAX": REAL_TO_HIGH_MAX, "CORPUS_TO_HIGH_MAX": CORPUS_TO_HIGH_MAX,
                          "REDDIT_TO_HIGH_MAX": REDDIT_TO_HIGH_MAX,
                          "REAL_TO_CONCERN_MAX": REAL_TO_CONCERN_MAX, "NONE_TO_HIGH_MAX": NONE_TO_HIGH_MAX,
                          "NONE_TO_CONCERN_MAX": NONE_TO_CONCERN_MAX, "ORDINARY_TO_HIGH_MAX": ORDINARY_TO_HIGH_MAX,
                          "how": "each threshold is the lowest value meeting every rule; t_high = max of "
                                 "thresholds_by_rule, every score of a message of several windows lowered by "
                                 "long_shift (logit) first, a sentence alone by sentence_shift too; t_high_screen_* "
                                 "rules bound the whole screen (the lexicon's own raises count first)",
                          "LONG_SHIFT": LONG_SHIFT,
                          "SENTENCE_UNITS": SENTENCE_UNITS, "SENTENCE_SHIFT": SENTENCE_SHIFT,
                          "SCREEN_NONE_RULE": SCREEN_NONE_RULE, "SCREEN_CORPUS_TO_HIGH_MAX": SCREEN_CORPUS_TO_HIGH_MAX,
                          "RULES_ON_TRAINING_ONLY": RULES_ON_TRAINING_ONLY},
                "halves_trained": {k: f"{v} (seed {HALF_SEED}, bench/safety_sealed.py --half)"
                                   for k, v in SEALED_HALF.items()},
                "thresholds_by_rule": th["rules"], "cv": th["cv"],
                "real_tune_added_by_classifier": th["real_tune_added_by_classifier"],
                "held_out_measured": held_out_figures(clf) if real else {},
                "check": _check(clf)}
    model = _save(out, "bot/safety/classifier/: hashed char_wb 2-5-grams + words + word pairs, tf-idf, "
                       "LogisticRegression (balanced); danger = high|immediate; scored per window (max), a message of "
                       "several windows lowered by long_shift (logit); each clause alone too, lowered by "
                       "sentence_shift",
                  {"t_high": th["t_high"], "t_concern": th["t_concern"], "long_shift": th["long_shift"],
                   "sentence_shift": th["sentence_shift"],
                   "training": training}, b, w)
    if verbose:
        print(json.dumps({k: v for k, v in training.items() if k not in ("sources",)}, indent=1, ensure_ascii=False))
        print(f"weights: {len(w)}; file {Path(out).stat().st_size / 1024:.0f} KiB; "
              f"{time.perf_counter() - t0:.0f} s")  # not in the file: a retrain gives the same bytes
    return model


def train_now(paths: list[Path], out: Path = NOW_PATH, verbose: bool = True, data: Data | None = None,
              cv: CV | None = None, danger: Classifier | None = None) -> dict:
    """The immediate model: `immediate` against `high`, trained among danger text only, scored per
    window as P(danger) x P(immediate | danger) with the danger model (``Classifier.joint``).

    Why (issue 13, session 6): the lexicon names urgency by time words ("most", "ma este");
    children and witnesses often say it through the situation ("hörög", "nem ébred fel, üres üveg
    mellette", "a gate wide open and she's gone"). The model before this one (immediate against
    everything) had to learn danger and urgency at once from ~500 immediate rows; this one learns
    only what makes danger immediate, and the danger model says whether it is danger. A message
    `high` by either signal becomes `immediate` when the score reaches ``t_high``: at most
    HIGH_TO_NOW_MAX of the `high` messages and NONE_TO_NOW_MAX of the `none` ones out of fold
    (scored as if they were high), and at most REAL_TO_NOW_MAX of the real `tune` text, pooled
    Hungarian and all real text each (as if all of it were high): ordinary text must never get
    the 112-first reply.
    """
    t0 = time.perf_counter()
    data = data or build(paths, verbose=verbose)
    cv = cv or cross_validate(data)
    danger = danger or Classifier.load(DEFAULT_PATH)
    x = _design(data.counts, data.totals, data.idf)
    import numpy as np

    idx = np.arange(len(data.texts))
    clf = _fit_now(x, _labels(data, is_now), _danger_units(data), idx, data.idf)
    clf.sentence_shift = danger.sentence_shift  # scored on the danger model's units
    counted = set(rule_rows(data))  # the eval sets, not the hand-written training files (recipe)
    high = [q for i, (q, r) in enumerate(zip(cv.now, data.rows)) if r[0] == "high" and i in counted]
    none = [i for i, r in enumerate(data.rows) if r[0] == "none" and i in counted]
    p_danger = scores(cv.parts, danger.long_shift, danger.sentence_shift)
    raised = [cv.now[i] for i in none if combine_level(data.lex_levels[i], p_danger[i], data.lex_suppressed[i],
                                                       danger.t_high, danger.t_concern) == "high"]
    now = [q for q, r in zip(cv.now, data.rows) if r[0] == "immediate"]
    rules = {"t_now_high_lifted": _threshold(high, len(high), HIGH_TO_NOW_MAX),
             "t_now_eval_none": _threshold(raised, len(none), NONE_TO_NOW_MAX)}
    real: list[float] = []
    if data.tune:
        real = [clf.joint(t, danger)[0] for _k, _lang, t, _hi, _sup in data.tune]
        hu = [q for q, row in zip(real, data.tune) if row[1] == "hu"]
        rules["t_now_real"] = _threshold(real, len(real), REAL_TO_NOW_MAX)
        rules["t_now_real_hu"] = _threshold(hu, len(hu), REAL_TO_NOW_MAX)
    t_now = max(rules.values())
    clf.t_high = clf.t_concern = t_now
    got = [combine_level(data.lex_levels[i], p_danger[i], data.lex_suppressed[i], danger.t_high, danger.t_concern,
                         cv.now[i], t_now) for i in range(len(data.rows))]
    ev = [i for i, r in enumerate(data.rows) if r[1] != ORDINARY]
    figs = {"high_lifted": round(sum(q >= t_now for q in high) / max(len(high), 1), 3),
            "none_lifted": round(sum(q >= t_now for q in raised) / max(len(none), 1), 3),
            "immediate_caught": round(sum(q >= t_now for q in now) / max(len(now), 1), 3),
            "folds": ("one per eval set (leave one set out)" if len(set(data.groups)) >= FOLDS
                      else f"{FOLDS} stratified"),
            "combined": figures([data.rows[i] for i in ev], [got[i] for i in ev]),
            "by_set_combined": by_set(data, got)}
    if real:
        figs["real_tune_lifted_if_high"] = round(sum(q >= t_now for q in real) / len(real), 4)
    training = {"sources": _sources(paths, data, True), "seed": SEED, "folds": FOLDS, "C": C_REG,
                "solver": "liblinear, dual", "trained_on": "danger units only (high, immediate, real distress "
                                                           "positives as high): immediate against high",
                "rules": {"HIGH_TO_NOW_MAX": HIGH_TO_NOW_MAX, "NONE_TO_NOW_MAX": NONE_TO_NOW_MAX,
                          "REAL_TO_NOW_MAX": REAL_TO_NOW_MAX},
                "thresholds_by_rule": rules, "cv": figs,
                "held_out_measured": held_out_figures(danger, clf) if data.tune else {},
                "check": [[t, round(clf.joint(t, danger)[0], 4)] for t, _p in _check(danger)]}
    model = _save(out, "bot/safety/classifier/ train_now: immediate vs high among danger text; per window "
                       "P(danger) x P(immediate | danger) with classifier.json; lifts a high message to immediate",
                  {"t_high": t_now, "t_concern": t_now, "given_danger": True, "sentence_shift": clf.sentence_shift,
                   "training": training}, *_weights(clf))
    if verbose:
        print(json.dumps({k: training[k] for k in ("thresholds_by_rule", "cv", "held_out_measured")}, indent=1))
        print(f"{time.perf_counter() - t0:.0f} s")
    return model


def _weights(clf: Classifier) -> tuple[float, dict[int, float]]:
    return clf.bias, clf.weights


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("train", "cv"):
        print(__doc__)
        return 2
    paths = [Path(p) for p in argv[1:]] or default_paths()
    data = build(paths, verbose=True)
    cv = cross_validate(data)
    if argv[0] == "train":
        train(paths, data=data, cv=cv)
        train_now(paths, data=data, cv=cv, danger=Classifier.load(DEFAULT_PATH))
        return 0
    x = _design(data.counts, data.totals, data.idf)
    b, w = _export(_fit(x, _labels(data, is_danger), sample_weight=_unit_weights(data)), data.idf)
    print(json.dumps(set_thresholds(data, cv, Classifier(b, w, 1.0, 1.0)), indent=1))
    return 0
