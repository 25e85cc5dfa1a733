"""A second danger signal: a small statistical classifier next to the lexicon.

Pure Python, deterministic. Features are hashed (CRC-32, never Python's salted
``hash``) from the normaliser's folded words: character n-grams 2-5 of each word
padded with spaces (" verni " -> " v", "ve", ..., "erni "), the word itself, and
each pair of neighbouring words. A message's vector is its feature counts divided
by the square root of how many features it emitted, so the score is

    z = bias + (sum of the words' weights + sum of the word pairs' weights) / sqrt(n)

and a word's summed weight can be cached: inference is a few dictionary look-ups.

One binary logistic regression: danger (`high` or `immediate`) against the rest,
trained by plain SGD (fixed seed, fixed epochs, classes weighted to balance). The
negatives are the eval sets' `none` and `concern` rows AND ordinary chat: the NLU
examples of the bot's everyday intents (greetings, FAQ, personas, report form answers,
...: ORDINARY_INTENTS). Without ordinary chat it learned "a child's voice means danger"
("15 éves vagyok", "most nem" scored 0.9).

    python -m bot.safety.classifier train [TSV ...]   # default: every eval set but HELD_OUT
                                                      # (writes classifier.json and classifier_now.json)
    python -m bot.safety.classifier cv [TSV ...]      # 5-fold cross-validation figures only

``train`` runs a 5-fold cross-validation first and sets the thresholds from the
out-of-fold scores: ``t_high`` raises at most 3 % of the eval sets' `none` messages
(mostly false friends: games, idioms, sport - the hard negatives), ``t_concern`` at
most 10 %; ``t_high`` then goes up until at most one in a thousand ordinary chat
examples the lexicon leaves below high is raised out of fold (``t_high_guard``) - normal
traffic must not flood the operator queue. Then it trains on all rows and writes ``classifier.json``
next to this file. The held-out sets (HELD_OUT) are never read.
"""
from __future__ import annotations

import json
import math
import random
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from bot.safety.normalize import tokenize

DEFAULT_PATH = Path(__file__).with_name("classifier.json")
NOW_PATH = Path(__file__).with_name("classifier_now.json")  # the urgency model (see train_now)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
NLU = ROOT / "nlu_data"
# The bot's ordinary traffic: negatives in training, and none may be raised to high.
# Not the where_* intents about abuse or neglect: "apa megver, hova forduljak?" is danger.
ORDINARY_INTENTS = (
    "greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "ask_help", "talk_to_human",
    "faq", "out_of_scope", "emergency_numbers", "persona_child", "persona_adult", "persona_professional",
    "inform_settlement", "report_start", "report_stop", "report_skip", "report_dont_know",
    "ask_consultation", "where_divorce_contact", "where_child_maintenance", "where_professional_stuck",
    "where_non_hungarian_family",
)
ORDINARY = "ordinary"  # the category of the ordinary chat rows
HELD_OUT = ("fresh7",)  # the sets the classifier is never trained or tuned on (sealed, measured once)
BITS = 20
MASK = (1 << BITS) - 1
NGRAMS = (2, 3, 4, 5)
SEED = 20240601
EPOCHS = 25
LR0 = 4.0  # chosen by 5-fold CV on the training sets (recall at 3 % none), among 0.4-4.0
L2 = 1e-4
PRUNE = 2e-3  # weights smaller than this are dropped from the file
DIGITS = 4
FOLDS = 5
NONE_TO_HIGH_MAX = 0.03
NONE_TO_CONCERN_MAX = 0.10
ORDINARY_TO_HIGH_MAX = 0.001
HIGH_TO_NOW_MAX = 0.05  # the urgency model may lift at most 5 % of `high` messages (out of fold)
_WORD_CACHE_LIMIT = 100_000


def _h(s: str) -> int:
    return zlib.crc32(s.encode("utf-8")) & MASK


def word_features(word: str) -> list[int]:
    """Hashed features of one folded word: its padded char n-grams and the word itself."""
    padded = f" {word} "
    n = len(padded)
    out = [_h("w:" + word)]
    for k in NGRAMS:
        if k > n:
            break
        out.extend(_h(padded[i : i + k]) for i in range(n - k + 1))
    return out


def pair_feature(a: str, b: str) -> int:
    return _h(f"b:{a} {b}")


def words(text: str) -> list[str]:
    return [t.folded for t in tokenize(text)]


def features(text: str) -> dict[int, float]:
    """The sparse vector of a message (training only; inference uses the per-word cache)."""
    ws = words(text)
    counts: dict[int, float] = {}
    total = 0
    for w in ws:
        for f in word_features(w):
            counts[f] = counts.get(f, 0.0) + 1.0
            total += 1
    for a, b in zip(ws, ws[1:]):
        f = pair_feature(a, b)
        counts[f] = counts.get(f, 0.0) + 1.0
        total += 1
    if not total:
        return {}
    scale = 1.0 / math.sqrt(total)
    return {f: c * scale for f, c in counts.items()}


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


# ---- training ------------------------------------------------------------------------
def load_rows(paths: list[Path]) -> list[tuple[str, str, str]]:
    """(level, category, text) rows of the eval TSV files."""
    rows = []
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            level, category, text = line.split("\t", 2)
            rows.append((level, category, text))
    return rows


def default_paths() -> list[Path]:
    return [p for p in sorted(DATA.glob("safety_eval_*.tsv"))
            if p.stem.removeprefix("safety_eval_") not in HELD_OUT]


def is_danger(level: str) -> int:
    return 1 if level in ("high", "immediate") else 0


def fit(xs: list[dict[int, float]], ys: list[int], epochs: int = EPOCHS, seed: int = SEED) -> tuple[float, dict[int, float]]:
    """SGD on the weighted log loss with L2; deterministic for the same input order."""
    n = len(ys)
    npos = sum(ys)
    nneg = n - npos
    cw = {1: n / (2.0 * max(npos, 1)), 0: n / (2.0 * max(nneg, 1))}
    w: dict[int, float] = {}
    b = 0.0
    order = list(range(n))
    rng = random.Random(seed)
    step = 0
    for epoch in range(epochs):
        rng.shuffle(order)
        for i in order:
            lr = LR0 / (1.0 + 0.002 * step)
            step += 1
            x = xs[i]
            z = b
            for j, v in x.items():
                z += w.get(j, 0.0) * v
            g = (_sigmoid(z) - ys[i]) * cw[ys[i]]
            for j, v in x.items():
                wj = w.get(j, 0.0)
                w[j] = wj - lr * (g * v + L2 * wj)
            b -= lr * g
    return b, w


def compact(b: float, w: dict[int, float]) -> tuple[float, dict[int, float]]:
    """What goes into the file: small weights pruned, the rest rounded."""
    return round(b, DIGITS), {j: round(v, DIGITS) for j, v in sorted(w.items()) if abs(v) >= PRUNE}


def _folds(ys: list[int], k: int = FOLDS, seed: int = SEED) -> list[int]:
    """Stratified, seeded fold number of each row."""
    rng = random.Random(seed + 1)
    fold = [0] * len(ys)
    for cls in (0, 1):
        idx = [i for i, y in enumerate(ys) if y == cls]
        rng.shuffle(idx)
        for r, i in enumerate(idx):
            fold[i] = r % k
    return fold


def cross_validate(rows: list[tuple[str, str, str]], label=None) -> list[float]:
    """Out-of-fold probability of every row (``label``: level -> 0/1, default is_danger)."""
    label = label or is_danger
    xs = [features(t) for _l, _c, t in rows]
    ys = [label(l) for l, _c, _t in rows]
    fold = _folds(ys)
    probs = [0.0] * len(rows)
    for f in range(FOLDS):
        tr = [i for i in range(len(rows)) if fold[i] != f]
        b, w = compact(*fit([xs[i] for i in tr], [ys[i] for i in tr]))
        for i in range(len(rows)):
            if fold[i] == f:
                probs[i] = _sigmoid(b + sum(w.get(j, 0.0) * v for j, v in xs[i].items()))
    return probs


def _threshold(scores: list[float], n_total: int, share: float) -> float:
    """The lowest threshold (a midpoint between scores) that raises at most ``share`` of ``n_total``."""
    allowed = int(math.floor(share * n_total + 1e-9))
    s = sorted(scores, reverse=True)
    if len(s) <= allowed:
        return 0.5
    # raising s[0..allowed-1] is allowed; the threshold must sit above s[allowed]
    hi = s[allowed - 1] if allowed > 0 else 1.0
    t = (s[allowed] + hi) / 2.0
    t = round(t, DIGITS)
    if t <= s[allowed]:  # ties, or rounding: stay strictly above the first score not allowed
        t = round(s[allowed] + 10 ** -DIGITS, DIGITS)
    return max(t, 0.5)


def cv_report(rows: list[tuple[str, str, str]], probs: list[float], lexicon_levels: list[str],
              suppressed: list[bool]) -> dict:
    """Thresholds and cross-validated figures (classifier alone and with the lexicon).

    Thresholds come from the eval sets' `none` rows (hard negatives); the ordinary chat
    rows (category ORDINARY) give the guard: the lowest t_high that raises none of them
    out of fold where the lexicon leaves room."""
    ev = [i for i, r in enumerate(rows) if r[1] != ORDINARY]
    none_idx = [i for i in ev if rows[i][0] == "none"]
    scores = [probs[i] for i in none_idx]
    t_cv = _threshold(scores, len(none_idx), NONE_TO_HIGH_MAX)
    ordinary = [probs[i] for i, r in enumerate(rows)
                if r[1] == ORDINARY and lexicon_levels[i] in ("none", "concern") and not suppressed[i]]
    # one ordinary example in a thousand at most: a single odd one ("my ex never brings the kids
    # on time", 0.95) would otherwise set the threshold for every message
    t_guard = _threshold(ordinary, len(ordinary), ORDINARY_TO_HIGH_MAX) if ordinary else 0.0
    t_high = max(t_cv, t_guard)
    t_concern = min(t_high, _threshold(scores, len(none_idx), NONE_TO_CONCERN_MAX))
    out = {"t_high": t_high, "t_concern": t_concern, "t_high_cv": t_cv, "t_high_guard": t_guard,
           "n": len(ev), "ordinary": len(rows) - len(ev),
           "ordinary_raised_at_t_cv": sum(p >= t_cv for p in ordinary)}
    evr = [rows[i] for i in ev]
    out["combined"] = figures(evr, [combine_level(lexicon_levels[i], probs[i], suppressed[i], t_high, t_concern)
                                    for i in ev])
    out["lexicon"] = figures(evr, [lexicon_levels[i] for i in ev])
    out["classifier_alone"] = figures(evr, ["high" if probs[i] >= t_high else "none" for i in ev])
    return out


def combine_level(lex: str, p: float, suppressed: bool, t_high: float, t_concern: float) -> str:
    """The rule of LexiconScreener, on level names (for the figures)."""
    if lex in ("high", "immediate"):
        return lex
    if p >= t_high and not suppressed:
        return "high"
    if p >= t_concern and lex == "none":
        return "concern"
    return lex


def figures(rows: list[tuple[str, str, str]], got: list[str]) -> dict:
    rank = {"none": 0, "concern": 1, "high": 2, "immediate": 3}
    imm = [g for (l, _c, _t), g in zip(rows, got) if l == "immediate"]
    hi = [g for (l, _c, _t), g in zip(rows, got) if rank[l] >= 2]
    none = [g for (l, _c, _t), g in zip(rows, got) if l == "none"]
    return {
        "recall_immediate": round(sum(g == "immediate" for g in imm) / max(len(imm), 1), 3),
        "recall_high_plus": round(sum(rank[g] >= 2 for g in hi) / max(len(hi), 1), 3),
        "none_to_high_plus": round(sum(rank[g] >= 2 for g in none) / max(len(none), 1), 3),
        "none_to_concern_plus": round(sum(rank[g] >= 1 for g in none) / max(len(none), 1), 3),
    }


def _lexicon_view(rows):
    from bot.safety import LexiconScreener  # late: the screener imports this module

    s = LexiconScreener(classifier=False)
    out = [s.screen_detail(t) for _l, _c, t in rows]
    return [r.level.value for r, _sup in out], [sup for _r, sup in out]


def ordinary_texts(root: Path = NLU) -> list[str]:
    """NLU examples of the ordinary intents (greetings, FAQ, personas ...), entity markup removed."""
    import re

    import yaml

    out: list[str] = []
    for f in sorted(Path(root).glob("*/nlu.yml")):
        for item in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            if (item.get("intent") or "").split("/")[0] in ORDINARY_INTENTS:
                for line in str(item.get("examples", "")).splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        out.append(re.sub(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})", r"\1", line[2:]))
    return out


def training_rows(paths: list[Path], ordinary: bool = True) -> list[tuple[str, str, str]]:
    """The eval rows of ``paths`` plus, as negatives, the ordinary chat examples."""
    rows = load_rows(paths)
    if ordinary:
        rows += [("none", ORDINARY, t) for t in ordinary_texts()]
    return rows


def _save(out: Path, about: str, trained_on: list[str], fields: dict, b: float, w: dict[int, float]) -> dict:
    """Write a model file (the format Classifier.load reads) and return its content."""
    model = {"format": 1, "about": about, "trained_on": trained_on, "bits": BITS, "ngrams": list(NGRAMS),
             **fields, "bias": b, "weights": [[j, v] for j, v in sorted(w.items())]}
    Path(out).write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    return model


def train(paths: list[Path], out: Path = DEFAULT_PATH, verbose: bool = True, ordinary: bool = True) -> dict:
    rows = training_rows(paths, ordinary)
    probs = cross_validate(rows)
    levels, suppressed = _lexicon_view(rows)
    rep = cv_report(rows, probs, levels, suppressed)
    b, w = compact(*fit([features(t) for _l, _c, t in rows], [is_danger(l) for l, _c, _t in rows]))
    model = _save(
        out, "bot/safety/classifier.py: hashed char 2-5-grams + words + word pairs, logistic regression, "
             "danger = high|immediate; negatives include ordinary chat; thresholds from 5-fold CV",
        [Path(p).name for p in paths] + ([f"nlu_data ({rep['ordinary']} ordinary chat examples)"] if ordinary else []),
        {**{k: rep[k] for k in ("t_high", "t_concern", "t_high_cv", "t_high_guard")},
         "cv": {k: rep[k] for k in ("n", "ordinary", "ordinary_raised_at_t_cv", "lexicon", "classifier_alone",
                                    "combined")}},
        b, w)
    if verbose:
        keys = ("trained_on", "t_high", "t_concern", "t_high_cv", "t_high_guard", "cv")
        print(json.dumps({k: model[k] for k in keys}, indent=1))
        print(f"weights: {len(w)}; file {Path(out).stat().st_size / 1024:.0f} KiB")
    return model


# ---- inference -----------------------------------------------------------------------
@dataclass
class Classifier:
    bias: float
    weights: dict[int, float]
    t_high: float
    t_concern: float
    _cache: dict[str, tuple[float, int]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: Path | str = DEFAULT_PATH) -> "Classifier":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != 1 or data.get("bits") != BITS or data.get("ngrams") != list(NGRAMS):
            raise ValueError("classifier file does not match this code's features")
        return cls(float(data["bias"]), {int(j): float(v) for j, v in data["weights"]},
                   float(data["t_high"]), float(data["t_concern"]))

    def _word(self, word: str) -> tuple[float, int]:
        got = self._cache.get(word)
        if got is None:
            feats = word_features(word)
            w = self.weights
            got = (sum(w.get(f, 0.0) for f in feats), len(feats))
            if len(self._cache) >= _WORD_CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = got
        return got

    def score_words(self, ws: list[str]) -> float:
        if not ws:
            return 0.0
        total, n = 0.0, 0
        for word in ws:
            s, k = self._word(word)
            total += s
            n += k
        w = self.weights
        for a, b in zip(ws, ws[1:]):
            total += w.get(pair_feature(a, b), 0.0)
            n += 1
        return _sigmoid(self.bias + total / math.sqrt(n))

    def probability(self, text: str) -> float:
        """Probability that the message is high or immediate danger (0.0 for an empty one)."""
        return self.score_words(words(text))


def is_now(level: str) -> int:
    return 1 if level == "immediate" else 0


def train_now(paths: list[Path], out: Path = NOW_PATH, verbose: bool = True) -> dict:
    """The urgency model: `immediate` against everything else, same features and training.

    Why: the lexicon names urgency by time words ("most", "ma este"); children and witnesses
    often say it through the situation ("hörög", "nem ébred fel, üres üveg mellette", "már félig
    betörte a zárat"). The screener uses it only on a message already `high`: at ``t_now``
    it lifts at most HIGH_TO_NOW_MAX of the `high` messages out of fold to `immediate`.
    """
    rows = training_rows(paths)
    probs = cross_validate(rows, is_now)
    high = [p for p, r in zip(probs, rows) if r[0] == "high"]
    now = [p for p, r in zip(probs, rows) if r[0] == "immediate"]
    t_now = _threshold(high, len(high), HIGH_TO_NOW_MAX)
    b, w = compact(*fit([features(t) for _l, _c, t in rows], [is_now(l) for l, _c, _t in rows]))
    model = _save(
        out, "bot/safety/classifier.py train_now: immediate vs the rest; lifts a high message to immediate",
        [Path(p).name for p in paths] + ["nlu_data (ordinary chat)"],
        {"t_high": t_now, "t_concern": t_now,
         "cv": {"high_lifted": round(sum(p >= t_now for p in high) / max(len(high), 1), 3),
                "immediate_caught": round(sum(p >= t_now for p in now) / max(len(now), 1), 3)}},
        b, w)
    if verbose:
        print(json.dumps({k: model[k] for k in ("t_high", "cv")}, indent=1))
    return model


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("train", "cv"):
        print(__doc__)
        return 2
    paths = [Path(p) for p in argv[1:]] or default_paths()
    if argv[0] == "train":
        train(paths)
        train_now(paths)
        return 0
    rows = training_rows(paths)
    probs = cross_validate(rows)
    levels, suppressed = _lexicon_view(rows)
    print(json.dumps(cv_report(rows, probs, levels, suppressed), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
