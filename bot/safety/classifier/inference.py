"""Pure-Python inference of an exported model: the gateway never imports scikit-learn or numpy."""
from __future__ import annotations

import base64
import json
import math
import sys
from array import array
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from bot.safety.classifier.features import (
    BITS,
    FORMAT,
    MASK,
    NGRAMS,
    WINDOW_WORDS,
    _sigmoid,
    _units,
    long_adjusted,
    pair_feature,
    shifted,
    word_features,
)

DEFAULT_PATH = Path(__file__).parent.with_name("classifier.json")
NOW_PATH = Path(__file__).parent.with_name("classifier_now.json")  # the urgency model (see train_now)
_WORD_CACHE_LIMIT = 100_000


Unit = tuple[float, int, int]  # (probability, start, end) of a window or sentence in the text


def combine_parts(win: Unit, n_windows: int, sen: Unit, long_shift: float, sentence_shift: float | None) -> Unit:
    """A message's score from its raw best window and best sentence (``Classifier.raw``): a message
    of several windows lowered by ``long_shift``, a sentence by ``sentence_shift`` as well (None:
    sentences not scored)."""
    top = win
    if long_shift and n_windows > 1:
        top = (long_adjusted(win[0], n_windows, long_shift), win[1], win[2])
    if sentence_shift is not None and sen[0] > 0.0:
        p = shifted(sen[0], sentence_shift)
        if n_windows > 1 and long_shift:
            p = shifted(p, long_shift)
        if p > top[0]:
            top = (p, sen[1], sen[2])
    return top


@dataclass
class Classifier:
    """Pure-Python inference of an exported model: the gateway never imports scikit-learn."""

    bias: float
    weights: dict[int, float]
    t_high: float
    t_concern: float
    window_words: int = WINDOW_WORDS
    # An immediate model trained among danger text only (train_now): it says "how urgent, if this
    # is danger", so its score on a window is multiplied by the danger model's (``joint``).
    given_danger: bool = False
    # A message of several windows is raised only at a higher score (``long_adjusted``): ordinary
    # long posts have many windows, each a chance to reach t_high (issue 13, session 8).
    long_shift: float = 0.0
    # Each clause of a message of several clauses is scored on its own too, its logit lowered by
    # ``sentence_shift`` (None: not scored, an older file): a danger sentence is diluted in its
    # window (issue 13, session 9; ``features._sentences``).
    sentence_shift: float | None = None
    _cache: dict[str, tuple[float, int]] = field(default_factory=dict, repr=False)  # word -> (weight sum, features)
    # The weights as a list indexed by feature (0.0 where the dict has none): the same float objects,
    # read ~4x faster than dict.get on a cold word (8 MB per model).
    _table: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if any(not 0 <= f <= MASK for f in self.weights):
            raise ValueError("classifier feature out of range")
        self._table = [0.0] * (MASK + 1)
        for f, v in self.weights.items():
            self._table[f] = v

    @classmethod
    def load(cls, path: Path | str = DEFAULT_PATH) -> Classifier:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("bits") != BITS or data.get("ngrams") != list(NGRAMS):
            raise ValueError("classifier file does not match this code's features")
        idx = array("i", base64.b64decode(data["index"]))
        val = array("f", base64.b64decode(data["values"]))
        if sys.byteorder != "little":
            idx.byteswap()
            val.byteswap()
        return cls(float(data["bias"]), dict(zip(idx, (round(v, 6) for v in val))), float(data["t_high"]),
                   float(data["t_concern"]), int(data.get("window_words", WINDOW_WORDS)),
                   bool(data.get("given_danger", False)), float(data.get("long_shift", 0.0)),
                   None if data.get("sentence_shift") is None else float(data["sentence_shift"]))

    def _word(self, word: str, feats: dict[str, list[int]] | None = None) -> tuple[float, int]:
        """A word's summed weight and feature count (cached). ``feats``: features already hashed
        in this message (the urgency model scores the words the danger model has just scored)."""
        got = self._cache.get(word)
        if got is None:
            if feats is None:
                fs = word_features(word)
            else:
                fs = feats.get(word) or feats.setdefault(word, word_features(word))
            got = (sum(map(self._table.__getitem__, fs)), len(fs))  # weights.get(f, 0.0) summed in the same order
            if len(self._cache) >= _WORD_CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = got
        return got

    def score_words(self, ws: list[str], pairs: dict[tuple[str, str], int] | None = None,
                    feats: dict[str, list[int]] | None = None) -> float:
        """The probability of one window. ``pairs``/``feats``: hashes already computed for this
        message (its windows overlap, and two models read them); the sums are added in the same
        order either way, so the result is the same to the last bit."""
        if not ws:
            return 0.0
        total, n = 0.0, 0
        cache = self._cache
        for word in ws:
            got = cache.get(word) or self._word(word, feats)
            total += got[0]
            n += got[1]
        table = self._table
        if pairs is None:
            for a, b in pairwise(ws):
                total += table[pair_feature(a, b)]
        else:
            for pair in pairwise(ws):
                f = pairs.get(pair)
                if f is None:
                    f = pairs[pair] = pair_feature(*pair)
                total += table[f]
        n += len(ws) - 1
        return _sigmoid(self.bias + total / math.sqrt(n))

    def best(self, text: str) -> tuple[float, int, int]:
        """The highest-scoring unit: (probability, start, end) in ``text``; (0.0, 0, 0) if empty.
        Units: the windows (a message of several lowered by ``long_shift``) and, with a
        ``sentence_shift``, each clause alone (lowered by it and by ``long_shift`` likewise)."""
        return combine_parts(*self.raw(text), self.long_shift, self.sentence_shift)

    def raw(self, text: str) -> tuple[Unit, int, Unit]:
        """(best window, number of windows, best sentence), unshifted; the sentence (0.0, 0, 0)
        without a ``sentence_shift``."""
        top = (0.0, 0, 0)
        pairs: dict[tuple[str, str], int] = {}
        wins, sents = _units(text, self.window_words)
        for win in wins:
            p = self.score_words(win.words, pairs)
            if p > top[0]:
                top = (p, win.start, win.end)
        stop = (0.0, 0, 0)
        if self.sentence_shift is not None:
            for sen in sents:
                p = self.score_words(sen.words, pairs)
                if p > stop[0]:
                    stop = (p, sen.start, sen.end)
        return top, len(wins), stop

    def probability(self, text: str) -> float:
        """Probability that the message is high or immediate danger: its most dangerous window."""
        return self.best(text)[0]

    def joint(self, text: str, danger: Classifier | None) -> tuple[float, int, int]:
        """The immediate score of a message and its unit: per window (and per sentence when the
        danger model scores sentences) P(danger) x P(immediate | danger) when this model is
        ``given_danger`` (the urgency must be said where the danger is, not anywhere in a long
        story), else this model's own best unit."""
        if not self.given_danger or danger is None:
            return self.best(text)
        top = (0.0, 0, 0)
        pairs: dict[tuple[str, str], int] = {}
        feats: dict[str, list[int]] = {}
        wins, sents = _units(text, self.window_words)
        for win in wins:
            p = danger.score_words(win.words, pairs, feats)
            if p <= top[0]:  # the product cannot beat the best so far
                continue
            q = p * self.score_words(win.words, pairs, feats)
            if q > top[0]:
                top = (q, win.start, win.end)
        if danger.sentence_shift is not None and self.sentence_shift is not None:
            for sen in sents:
                p = shifted(danger.score_words(sen.words, pairs, feats), danger.sentence_shift)
                if p <= top[0]:
                    continue
                q = p * self.score_words(sen.words, pairs, feats)
                if q > top[0]:
                    top = (q, sen.start, sen.end)
        return top
