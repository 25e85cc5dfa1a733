"""A second danger signal: a small statistical classifier next to the lexicon.

Pure Python, deterministic. Features are hashed (CRC-32, never Python's salted
``hash``) from the normaliser's folded words: character n-grams 2-5 of each word
padded with spaces (" verni " -> " v", "ve", ..., "erni "), the word itself, and
each pair of neighbouring words. A message's vector is its feature counts divided
by the square root of how many features it emitted, so the score is

    z = bias + (sum of the words' weights + sum of the word pairs' weights) / sqrt(n)

and a word's summed weight can be cached: inference is a few dictionary look-ups.

One binary logistic regression: danger (`high` or `immediate`) against the rest,
trained by plain SGD (fixed seed, fixed epochs, classes weighted to balance).

    python -m bot.safety.classifier train [TSV ...]   # default: every eval set but fresh4
    python -m bot.safety.classifier cv [TSV ...]      # 5-fold cross-validation figures only

``train`` runs a 5-fold cross-validation first and sets the thresholds from it:
``t_high`` keeps the cross-validated share of `none` messages the classifier
would raise to high (the lexicon below high and no suppressor) at or below 3 %,
``t_concern`` does the same at 10 % for `concern`. Then it trains on all rows, raises
``t_high`` above the score of every NLU example of the bot's ordinary intents
(greetings, thanks, FAQ, where-to-turn: GUARD_INTENTS) that the lexicon leaves below
high - normal traffic must not flood the operator queue - and writes
``classifier.json`` next to this file (``t_high_cv`` and ``t_high_guard`` are kept
there too). The held-out set (fresh4) is never read.
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
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
NLU = ROOT / "nlu_data"
# The bot's ordinary traffic: no example of these intents may be raised to high.
GUARD_INTENTS = ("greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "ask_help")
GUARD_PREFIXES = ("faq", "where_")
HELD_OUT = ("fresh4",)  # the sets the classifier is never trained or tuned on
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


def cross_validate(rows: list[tuple[str, str, str]]) -> list[float]:
    """Out-of-fold probability of every row."""
    xs = [features(t) for _l, _c, t in rows]
    ys = [is_danger(l) for l, _c, _t in rows]
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
    """Thresholds and cross-validated figures (classifier alone and with the lexicon)."""
    none_idx = [i for i, r in enumerate(rows) if r[0] == "none"]
    # On the classifier's own scores, not only where the lexicon leaves room: the lexicon was
    # tuned on these very sets, so its suppressors look better here than on new wording.
    scores = [probs[i] for i in none_idx]
    t_high = _threshold(scores, len(none_idx), NONE_TO_HIGH_MAX)
    t_concern = min(t_high, _threshold(scores, len(none_idx), NONE_TO_CONCERN_MAX))
    out = {"t_high": t_high, "t_concern": t_concern, "n": len(rows)}
    out["combined"] = figures(rows, [combine_level(lexicon_levels[i], probs[i], suppressed[i], t_high, t_concern)
                                     for i in range(len(rows))])
    out["lexicon"] = figures(rows, lexicon_levels)
    out["classifier_alone"] = figures(rows, ["high" if p >= t_high else "none" for p in probs])
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


def guard_texts(root: Path = NLU) -> list[str]:
    """NLU examples of the ordinary intents (greetings, FAQ, where-to-turn ...), entity markup removed."""
    import re

    import yaml

    out: list[str] = []
    for f in sorted(Path(root).glob("*/nlu.yml")):
        for item in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            it = item.get("intent") or ""
            if it in GUARD_INTENTS or it.startswith(GUARD_PREFIXES):
                for line in str(item.get("examples", "")).splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        out.append(re.sub(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})", r"\1", line[2:]))
    return out


def guard_threshold(b: float, w: dict[int, float], texts: list[str]) -> tuple[float, int]:
    """Lowest t_high at which no guard text the lexicon leaves below high (and unsuppressed) is raised."""
    if not texts:
        return 0.0, 0
    levels, suppressed = _lexicon_view([("none", "", t) for t in texts])
    clf = Classifier(b, w, 1.0, 1.0)
    ps = [clf.probability(t) for t, lv, sup in zip(texts, levels, suppressed) if lv in ("none", "concern") and not sup]
    top = max(ps, default=0.0)
    return round(math.floor(top * 10**DIGITS) / 10**DIGITS + 10**-DIGITS, DIGITS), len(ps)


def train(paths: list[Path], out: Path = DEFAULT_PATH, verbose: bool = True, guard: bool = True) -> dict:
    rows = load_rows(paths)
    probs = cross_validate(rows)
    levels, suppressed = _lexicon_view(rows)
    rep = cv_report(rows, probs, levels, suppressed)
    b, w = compact(*fit([features(t) for _l, _c, t in rows], [is_danger(l) for l, _c, _t in rows]))
    t_cv = rep["t_high"]
    t_guard, n_guard = guard_threshold(b, w, guard_texts()) if guard else (0.0, 0)
    model = {
        "format": 1,
        "about": "bot/safety/classifier.py: hashed char 2-5-grams + words + word pairs, logistic regression, "
                 "danger = high|immediate; thresholds from 5-fold CV on the training sets",
        "trained_on": [Path(p).name for p in paths],
        "bits": BITS,
        "ngrams": list(NGRAMS),
        "t_high": max(t_cv, t_guard),
        "t_concern": rep["t_concern"],
        "t_high_cv": t_cv,
        "t_high_guard": t_guard,
        "guard_examples": n_guard,
        "cv": {k: rep[k] for k in ("n", "lexicon", "classifier_alone", "combined")},
        "bias": b,
        "weights": [[j, v] for j, v in sorted(w.items())],
    }
    Path(out).write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    if verbose:
        keys = ("trained_on", "t_high", "t_concern", "t_high_cv", "t_high_guard", "guard_examples", "cv")
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


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("train", "cv"):
        print(__doc__)
        return 2
    paths = [Path(p) for p in argv[1:]] or default_paths()
    if argv[0] == "train":
        train(paths)
        return 0
    rows = load_rows(paths)
    probs = cross_validate(rows)
    levels, suppressed = _lexicon_view(rows)
    print(json.dumps(cv_report(rows, probs, levels, suppressed), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
