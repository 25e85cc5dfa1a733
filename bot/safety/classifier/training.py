"""Fitting with scikit-learn, cross-validation by set, thresholds and figures."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from bot.safety.classifier.data import Data, _lexicon, is_danger, is_now, load_rows
from bot.safety.classifier.features import windows
from bot.safety.classifier.inference import Classifier, Unit, combine_parts
from bot.safety.classifier.recipe import (
    C_REG,
    CORPUS_TO_HIGH_MAX,
    DATA,
    DIGITS,
    DISTRESS_WEIGHT,
    ENGLISH_POST_WEIGHT,
    FOLDS,
    HELD_OUT,
    LONG_SHIFT,
    NONE_TO_CONCERN_MAX,
    NONE_TO_HIGH_MAX,
    ORDINARY,
    ORDINARY_TO_HIGH_MAX,
    PROJECT_NEGATIVE_WEIGHT,
    PRUNE,
    REAL_TO_CONCERN_MAX,
    REAL_TO_HIGH_MAX,
    REDDIT_TO_HIGH_MAX,
    REDDIT_UNIT,
    RULES_ON_TRAINING_ONLY,
    SCREEN_CORPUS_TO_HIGH_MAX,
    SCREEN_NONE_RULE,
    SEED,
    SENTENCE_SHIFT,
    SUPPORT_UNIT,
    SUPPORT_WEIGHT,
    T_HIGH_FLOOR,
    TRAINING_ONLY,
)


def rule_rows(data: Data) -> list[int]:
    """The project rows the threshold rules count: every eval set's, without the hand-written
    TRAINING_ONLY files unless RULES_ON_TRAINING_ONLY (recipe: why)."""
    return [i for i, r in enumerate(data.rows) if r[1] != ORDINARY
            and (RULES_ON_TRAINING_ONLY or i >= len(data.groups) or data.groups[i] not in TRAINING_ONLY)]


def _design(counts, totals, idf):
    """count x idf / sqrt(n), row by row: what Classifier.score_words computes."""
    import numpy as np
    from scipy.sparse import diags

    return (diags(1.0 / np.sqrt(totals)) @ counts @ diags(idf)).tocsr()


def _fit(x, y, c_reg: float = C_REG, sample_weight=None):
    from sklearn.linear_model import LogisticRegression

    # dual=True: the same L2 objective, solved ~3x faster when features (2^20) outnumber units.
    model = LogisticRegression(C=c_reg, class_weight="balanced", solver="liblinear", dual=True, max_iter=300,
                               random_state=SEED)
    return model.fit(x, y, sample_weight=sample_weight)


def _export(model, idf) -> tuple[float, dict[int, float]]:
    """Weights with the idf folded in, pruned and rounded: what goes into the file."""
    import numpy as np

    w = model.coef_[0] * idf
    keep = np.nonzero(np.abs(w) >= PRUNE)[0]
    return round(float(model.intercept_[0]), DIGITS), {int(j): round(float(w[j]), DIGITS) for j in keep}


def _threshold(scores: list[float], n_total: int, share: float) -> float:
    """The lowest threshold (a midpoint between scores) that raises at most ``share`` of ``n_total``."""
    allowed = int(math.floor(share * n_total + 1e-9))
    s = sorted(scores, reverse=True)
    if len(s) <= allowed:
        return 0.5
    hi = s[allowed - 1] if allowed > 0 else 1.0
    t = round((s[allowed] + hi) / 2.0, DIGITS)
    if t <= s[allowed]:  # ties, or rounding: stay strictly above the first score not allowed
        t = round(s[allowed] + 10 ** -DIGITS, DIGITS)
    return max(t, 0.5)


def screen_threshold(scores: list[float], n_total: int, n_lexicon: int, share: float) -> float:
    """The lowest threshold at which the whole screen raises at most ``share`` of ``n_total``: the
    lexicon's own ``n_lexicon`` raises count first, ``scores`` are those of the rows the lexicon left
    below high (and did not veto), the only ones the classifier can add. When the lexicon alone
    spends the budget the classifier may add none (threshold above its highest score)."""
    allowed = int(math.floor(share * n_total + 1e-9)) - n_lexicon
    return _threshold(scores, n_total, max(allowed, 0) / n_total if n_total else 0.0)


def figures(rows: list[tuple[str, str, str]], got: list[str]) -> dict:
    rank = {"none": 0, "concern": 1, "high": 2, "immediate": 3}
    imm = [g for (want, _c, _t), g in zip(rows, got) if want == "immediate"]
    hi = [g for (want, _c, _t), g in zip(rows, got) if rank[want] >= 2]
    none = [g for (want, _c, _t), g in zip(rows, got) if want == "none"]
    return {
        "recall_immediate": round(sum(g == "immediate" for g in imm) / max(len(imm), 1), 3),
        "recall_high_plus": round(sum(rank[g] >= 2 for g in hi) / max(len(hi), 1), 3),
        "none_to_high_plus": round(sum(rank[g] >= 2 for g in none) / max(len(none), 1), 3),
        "none_to_concern_plus": round(sum(rank[g] >= 1 for g in none) / max(len(none), 1), 3),
    }


def combine_level(lex: str, p: float, suppressed: bool, t_high: float, t_concern: float,
                  q: float = 0.0, t_now: float = 2.0) -> str:
    """The rule of LexiconScreener, on level names (for the figures): ``q`` is the immediate
    score, which lifts a message `high` by either signal at ``t_now``. (The lexicon's own
    ``signal_now`` booster for a classifier raise is left out: the figures slightly understate.)"""
    if lex == "immediate":
        return lex
    if lex == "high" or (p >= t_high and not suppressed):
        return "immediate" if q >= t_now else "high"
    if p >= t_concern and lex == "none":
        return "concern"
    return lex


def by_set(data: Data, got: list[str]) -> dict:
    """``figures`` of each eval set (out of fold: scored by models that never saw the set)."""
    ev = [i for i, r in enumerate(data.rows) if r[1] != ORDINARY]
    return {name: figures([data.rows[i] for i in ev if data.groups[i] == name],
                          [got[i] for i in ev if data.groups[i] == name])
            for name in sorted({data.groups[i] for i in ev})}


def held_out_figures(danger: Classifier, now: Classifier | None = None) -> dict:
    """The screen's figures on the HELD_OUT sets, measured (never tuned on) with the final models:
    the lexicon + the danger model, and with ``now`` the immediate lift too."""
    lexicon = _lexicon()
    out = {}
    for name in HELD_OUT:
        path = DATA / f"safety_eval_{name}.tsv"
        if not path.exists():
            continue
        rows = load_rows([path])
        got = []
        for _l, _c, t in rows:
            res, sup = lexicon.screen_detail(t)
            q = now.joint(t, danger)[0] if now is not None else 0.0
            got.append(combine_level(res.level.value, danger.probability(t), sup, danger.t_high, danger.t_concern,
                                     q, now.t_high if now is not None else 2.0))
        out[name] = figures(rows, got)
    return out



def folds(data: Data):
    """(train units, test units) index arrays: leave one eval set out (issue 13, session 6: a new
    blind set is new wording, so a row must be scored by a model that saw none of its set);
    real text is in every training fold. With fewer than FOLDS sets, StratifiedKFold over rows."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    proj = np.array([i for i, r in enumerate(data.unit_rows) if r >= 0])
    real = np.array([i for i, r in enumerate(data.unit_rows) if r < 0], dtype=int)
    sets = sorted(set(data.groups))
    if len(sets) < FOLDS:
        y = _labels(data, is_danger)
        for tr, te in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(proj, y[proj]):
            yield np.concatenate([proj[tr], real]), proj[te]
        return
    group = np.array([data.groups[data.unit_rows[i]] for i in proj])
    for name in sets:
        yield np.concatenate([proj[group != name], real]), proj[group == name]


def _unit_weights(data: Data):
    """Sample weight of each unit for the danger model: the eval sets' `none`/`concern` rows count
    PROJECT_NEGATIVE_WEIGHT times (see there), everything else once."""
    import numpy as np

    return np.array([ENGLISH_POST_WEIGHT if r == REDDIT_UNIT else SUPPORT_WEIGHT if r == SUPPORT_UNIT else
                     DISTRESS_WEIGHT if r == -2 else
                     PROJECT_NEGATIVE_WEIGHT if r >= 0 and data.rows[r][1] != ORDINARY
                     and not is_danger(data.rows[r][0]) else 1.0 for r in data.unit_rows])


def _labels(data: Data, label: Callable[[str], int]):
    import numpy as np

    # A real distress window is `high` (danger, not known to be happening now).
    return np.array([label(data.rows[r][0]) if r >= 0 else (label("high") if r == -2 else 0) for r in data.unit_rows])


class CV(NamedTuple):
    """Out-of-fold scores of every project row: P(danger) of its best window (raw, no shift), the
    immediate score (joint), and the raw parts (best window, windows, best sentence) that
    ``scores`` combines with the shifts."""

    danger: list[float]
    now: list[float]
    parts: list[tuple[Unit, int, Unit]]


def scores(parts: list[tuple[Unit, int, Unit]], long_shift: float = LONG_SHIFT,
           sentence_shift: float | None = SENTENCE_SHIFT) -> list[float]:
    """Message scores from raw parts (``Classifier.raw``), as ``Classifier.best`` with these shifts."""
    return [combine_parts(w, n, s, long_shift, sentence_shift)[0] for w, n, s in parts]


def _danger_units(data: Data):
    import numpy as np

    return np.array([is_danger(data.rows[r][0]) == 1 if r >= 0 else r == -2 for r in data.unit_rows])


def _fit_now(x, y, danger_units, idx, idf, c_reg: float = C_REG) -> Classifier:
    """The immediate model: `immediate` against `high`, among the danger units of ``idx`` only."""
    sub = idx[danger_units[idx]]
    b, w = _export(_fit(x[sub], y[sub], c_reg), idf)
    return Classifier(b, w, 1.0, 1.0, given_danger=True, sentence_shift=SENTENCE_SHIFT)


def cross_validate(data: Data, c_reg: float = C_REG) -> CV:
    """Out-of-fold scores of every project row, by set (``folds``; real text in every fold): the
    danger model's probability and the immediate score P(danger) x P(immediate | danger)."""
    x = _design(data.counts, data.totals, data.idf)
    yd, yn = _labels(data, is_danger), _labels(data, is_now)
    danger_units = _danger_units(data)
    sw = _unit_weights(data)
    out = CV([0.0] * len(data.rows), [0.0] * len(data.rows), [((0.0, 0, 0), 0, (0.0, 0, 0))] * len(data.rows))
    for idx, te in folds(data):
        b, w = _export(_fit(x[idx], yd[idx], c_reg, sw[idx]), data.idf)
        danger = Classifier(b, w, 1.0, 1.0, sentence_shift=SENTENCE_SHIFT)
        now = _fit_now(x, yn, danger_units, idx, data.idf, c_reg)
        seen: set[int] = set()
        for i in te:
            r = data.unit_rows[i]
            if r in seen:  # a row trained as several windows is scored once, whole
                continue
            seen.add(r)
            out.parts[r] = danger.raw(data.rows[r][2])
            out.danger[r] = out.parts[r][0][0]
            out.now[r] = now.joint(data.rows[r][2], danger)[0]
    return out


def _real_scores(clf: Classifier, tune) -> list[float]:
    return [clf.probability(t) for _k, _lang, t, _hi, _sup in tune]


def real_parts(clf: Classifier, tune) -> list[tuple[Unit, int, Unit]]:
    """Raw parts of each real `tune` row (``Classifier.raw``; ``clf`` scoring sentences)."""
    return [clf.raw(t) for _k, _lang, t, _hi, _sup in tune]


def row_windows(data: Data) -> list[int]:
    """How many windows each project row has (a long row is scored over several)."""
    if not data.row_windows:
        data.row_windows = [len(windows(r[2])) for r in data.rows]
    return data.row_windows


def tune_windows(data: Data) -> list[int]:
    """How many windows each real `tune` row has."""
    if not data.tune_windows:
        data.tune_windows = [len(windows(t)) for _k, _lang, t, _hi, _sup in data.tune]
    return data.tune_windows


def _rules(data: Data, probs: list[float], real_scores: list[float]) -> tuple[dict, dict, dict]:
    """The lowest threshold each rule allows (eval `none`, ordinary chat, each real corpus), and the
    real `tune` scores by corpus that the classifier could raise, with each corpus' row count."""
    rows = data.rows
    none_rows = [i for i in rule_rows(data) if rows[i][0] == "none"]
    none_scores = [probs[i] for i in none_rows]
    if SCREEN_NONE_RULE:  # the whole screen's none->high+ (recipe: why)
        lex_hi = [i for i in none_rows if data.lex_levels[i] in ("high", "immediate")]
        below = [probs[i] for i in none_rows if data.lex_levels[i] not in ("high", "immediate")
                 and not data.lex_suppressed[i]]
        rules = {"t_high_screen_eval_none": screen_threshold(below, len(none_rows), len(lex_hi), NONE_TO_HIGH_MAX)}
    else:
        rules = {"t_high_eval_none": _threshold(none_scores, len(none_scores), NONE_TO_HIGH_MAX)}
    ordinary = [probs[i] for i, r in enumerate(rows)
                if r[1] == ORDINARY and data.lex_levels[i] in ("none", "concern") and not data.lex_suppressed[i]]
    if ordinary:
        rules["t_high_ordinary_chat"] = _threshold(ordinary, len(ordinary), ORDINARY_TO_HIGH_MAX)
    by: dict[str, list[float]] = {}
    n_by: dict[str, int] = {}
    lex_by: dict[str, int] = {}
    for (key, lang, _t, hi, sup), p in zip(data.tune, real_scores):
        for k in (key, "POOLED hu") if lang == "hu" else (key,):
            n_by[k] = n_by.get(k, 0) + 1
            lex_by[k] = lex_by.get(k, 0) + bool(hi)
            if not hi and not sup:  # the classifier can raise only what the lexicon left below high
                by.setdefault(k, []).append(p)
    for k, scores in sorted(by.items()):
        share = (REAL_TO_HIGH_MAX if k == "POOLED hu" else REDDIT_TO_HIGH_MAX if k == "reddit_rmhd"
                 else CORPUS_TO_HIGH_MAX)
        rules[f"t_high_real:{k}"] = _threshold(scores, n_by[k], share)
        if k != "POOLED hu":  # the 2 % a corpus on the whole screen: the lexicon's raises count first
            rules[f"t_high_screen_real:{k}"] = screen_threshold(scores, n_by[k], lex_by[k], SCREEN_CORPUS_TO_HIGH_MAX)
    return rules, by, n_by


def set_thresholds(data: Data, cv: CV, clf: Classifier, long_shift: float = LONG_SHIFT,
                   sentence_shift: float | None = SENTENCE_SHIFT, real: list | None = None) -> dict:
    """t_high and t_concern from the real `tune` rows and the project's out-of-fold scores (``cv``,
    raw parts; ``clf`` the final model, ``real`` its raw parts of the `tune` rows if known), every
    message scored with the shifts (a message of several windows, a sentence alone)."""
    rows = data.rows
    ev = [i for i, r in enumerate(rows) if r[1] != ORDINARY]
    shift = long_shift
    probs = scores(cv.parts, long_shift, sentence_shift)
    if real is None and data.tune:
        real = real_parts(Classifier(clf.bias, clf.weights, 1.0, 1.0, sentence_shift=0.0), data.tune)
    real_scores = scores(real, long_shift, sentence_shift) if data.tune and real is not None else []
    rules, by, n_by = _rules(data, probs, real_scores)
    none_scores = [probs[i] for i in rule_rows(data) if rows[i][0] == "none"]
    n_none = len(none_scores)
    ordinary = [probs[i] for i, r in enumerate(rows)
                if r[1] == ORDINARY and data.lex_levels[i] in ("none", "concern") and not data.lex_suppressed[i]]
    rules["t_high_floor"] = T_HIGH_FLOOR  # recipe: why
    t_high = max(rules.values())
    t_concern = _threshold(none_scores, n_none, NONE_TO_CONCERN_MAX)
    if "POOLED hu" in by:
        t_concern = max(t_concern, _threshold(by["POOLED hu"], n_by["POOLED hu"], REAL_TO_CONCERN_MAX))
    t_concern = min(t_high, t_concern)
    real_fig = {k: {"n": n_by[k], "raised_high": round(sum(p >= t_high for p in by.get(k, [])) / n_by[k], 4),
                    "raised_concern": round(sum(p >= t_concern for p in by.get(k, [])) / n_by[k], 4)}
                for k in sorted(n_by)}
    evr = [rows[i] for i in ev]
    cv_figs = {
        "n": len(ev), "ordinary_chat": len(rows) - len(ev),
        "lexicon": figures(evr, [data.lex_levels[i] for i in ev]),
        "classifier_alone": figures(evr, ["high" if probs[i] >= t_high else "none" for i in ev]),
        "combined": figures(evr, [combine_level(data.lex_levels[i], probs[i], data.lex_suppressed[i], t_high,
                                                t_concern) for i in ev]),
        "ordinary_chat_raised_high": sum(p >= t_high for p in ordinary),
        "folds": "one per eval set (leave one set out)" if len(set(data.groups)) >= FOLDS else f"{FOLDS} stratified",
        "by_set_combined": by_set(data, [combine_level(data.lex_levels[i], probs[i], data.lex_suppressed[i], t_high,
                                                       t_concern) for i in range(len(rows))]),
    }
    return {"t_high": t_high, "t_concern": t_concern, "long_shift": shift, "sentence_shift": sentence_shift,
            "rules": rules, "cv": cv_figs,
            "real_tune_added_by_classifier": real_fig}
