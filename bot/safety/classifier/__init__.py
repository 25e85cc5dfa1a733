"""A second danger signal: a small statistical classifier next to the lexicon.

Why it looks like this (issue 13): the first model was trained on the project's own short
messages only and learned that *length means danger* (ordinary forum posts 93 % high+). Now

- **Negatives of every length and genre**: besides the eval sets' `none`/`concern` rows and the
  NLU examples of the everyday intents (ORDINARY_INTENTS), ~60,000 rows of real text written
  outside the project (``../shared/corpora`` `train` splits through ``bot.safety.corpora``:
  news, legal text, novels, subtitles, web, Wikipedia, Bible verses, UI strings, everyday
  sentences, ordinary Reddit posts). A corpus row the lexicon itself scores high+ (a subtitle
  "Meg akarok halni", a killing in a Bible verse) is *not* taught as harmless: it is left out.
  Reddit's distress and mental-health groups are left out too (neither harmless nor labelled).
- **Real distress writing as positives** (session 5): from each r/SuicideWatch post of the
  `train` split, the windows that name dying or a method (``distress_positives``): the implicit
  ways people in crisis write ("no point being here", "pills starting to work") that the
  project's own sets hardly hold. The `tune` posts stay for measuring recall.
- **Sentence windows**: text is cut at clause breaks (the normaliser's rule) into windows of
  consecutive clauses of at most WINDOW_WORDS words; a message scores the *maximum* over its
  windows, so harmless sentences cannot add up and a danger sentence buried in a story counts.
  Training uses the same windows: real text and (session 8) the project's harmless rows of
  several windows are one negative per window (``SPLIT_LONG_NEGATIVES``); a danger row stays
  whole, since which of its windows holds the danger is unknown.
- **Sentence units** (session 9): each clause of a message of several clauses is scored alone too
  (``features.sentences``; a danger clause was diluted in its window: "I plan on ending it all
  tonight." 0.97 alone, 0.8 in its window), its logit lowered by ``sentence_shift``
  (SENTENCE_SHIFT). Training holds the same units (SENTENCE_UNITS): every clause of harmless text
  is a negative beside its windows, every clause naming dying or a method of a kept r/SuicideWatch
  window a positive. Only the `dev` half of fresh11 is trained on (SEALED_HALF), so its `held`
  half stays a fair figure.
- **Long messages need more** (session 8): a message of several windows has several chances to
  reach the threshold by luck, so its best window's logit is lowered by ``long_shift``
  (``long_adjusted``, LONG_SHIFT) before every threshold rule.
- **Troubled is not danger** (session 8): windows of support-group posts (anxiety, ADHD,
  addiction ...; ``SUPPORT_NEGATIVE_GROUPS``) that name neither dying nor a method are negatives,
  so a sleepless week or a divorce told in the first person is not read as a suicide note.
- **scikit-learn for training** (`TfidfTransformer` idf, `LogisticRegression` with balanced
  classes, `StratifiedKFold`), **pure Python for inference**: the gateway needs no numpy.

Features are hashed (CRC-32, never Python's salted ``hash``) from the normaliser's folded words:
character n-grams 2-5 of each word padded with spaces (sklearn's ``char_wb``), the word itself
and each pair of neighbouring words (word 1-2-grams). A window's vector is count x idf divided
by the square root of how many features it emitted, so its score is

    z = bias + (sum of the words' weights + sum of the pairs' weights) / sqrt(n)

with the idf folded into the exported weights: a word's summed weight can be cached and
inference is a few dictionary look-ups per word.

- **Cross-validation by set** (session 6): each fold leaves one eval set out (a new blind set is
  new wording; a row scored by a model that saw its neighbours flatters), the ordinary chat
  examples are dealt over the folds, real text is in every training fold. The out-of-fold
  scores set the thresholds and give the figures by set recorded in the files.
- **An immediate model** (``train_now``): immediate against high among danger text only, read
  per window as P(danger) x P(immediate | danger) (``Classifier.joint``).

    python -m bot.safety.classifier train [TSV ...]   # default: every eval set but HELD_OUT,
                                                      # plus SEALED_TRAINING from tests/data/sealed
                                                      # (writes classifier.json and classifier_now.json)
    python -m bot.safety.classifier cv [TSV ...]      # cross-validated figures only

Thresholds (``train``; figures and rules recorded in the file's "training" field):
``t_high`` is the lowest value that raises, among real `tune` rows the lexicon leaves below
high, at most REAL_TO_HIGH_MAX of the pooled Hungarian text and at most CORPUS_TO_HIGH_MAX of
any one corpus (Reddit's ordinary groups count as one, REDDIT_TO_HIGH_MAX), and at most ORDINARY_TO_HIGH_MAX
of the ordinary chat examples out of fold; and, on the whole screen (session 12: the lexicon's own raises
count first), at most NONE_TO_HIGH_MAX of the eval sets' `none` rows out of fold (SCREEN_NONE_RULE) and
SCREEN_CORPUS_TO_HIGH_MAX of any one real corpus. The held-out eval sets (HELD_OUT) are never read.

The package, by concern: ``features`` (hashing, windows), ``inference`` (the pure-Python
``Classifier``), ``recipe`` (the data, weights and rules of training, with why), ``data``
(reading it), ``training`` (scikit-learn fit, cross-validation, thresholds), ``export`` (the
command and the weights file). Every name is re-exported here: ``from bot.safety import
classifier as C; C.Classifier`` as before the split.
"""
from __future__ import annotations

from bot.safety.classifier.data import (
    Data,
    _lexicon,
    _matrix,
    _trainable_group,
    build,
    default_paths,
    distress_positives,
    half,
    is_danger,
    is_now,
    load_rows,
    ordinary_digest,
    ordinary_texts,
    real_negatives,
    real_tune,
    row_groups,
    set_name,
    support_negatives,
    training_rows,
)
from bot.safety.classifier.export import _check, _save, _sources, _weights, main, train, train_now
from bot.safety.classifier.features import (
    BITS,
    FORMAT,
    MASK,
    NGRAMS,
    WINDOW_WORDS,
    Window,
    _h,
    _last_windows,
    _sigmoid,
    _units,
    _windows,
    clauses,
    long_adjusted,
    pair_feature,
    sentence_texts,
    sentences,
    shifted,
    window_texts,
    windows,
    word_features,
    words,
)
from bot.safety.classifier.inference import _WORD_CACHE_LIMIT, DEFAULT_PATH, NOW_PATH, Classifier, Unit, combine_parts
from bot.safety.classifier.recipe import (
    C_REG,
    CORPUS_TO_HIGH_MAX,
    DATA,
    DIGITS,
    DISTRESS_CUES,
    DISTRESS_POSITIVE_GROUPS,
    DISTRESS_WEIGHT,
    DISTRESS_WINDOWS_PER_POST,
    ENGLISH_POST_WEIGHT,
    FOLDS,
    HALF_SEED,
    HELD_OUT,
    HIGH_TO_NOW_MAX,
    LONG_SHIFT,
    NLU,
    NONE_TO_CONCERN_MAX,
    NONE_TO_HIGH_MAX,
    NONE_TO_NOW_MAX,
    NOT_TRAINING,
    ORDINARY,
    ORDINARY_INTENTS,
    ORDINARY_TO_HIGH_MAX,
    PROJECT_NEGATIVE_WEIGHT,
    PRUNE,
    REAL,
    REAL_BUDGET,
    REAL_TO_CONCERN_MAX,
    REAL_TO_HIGH_MAX,
    REAL_TO_NOW_MAX,
    REDDIT_TO_HIGH_MAX,
    REDDIT_UNIT,
    ROOT,
    SCREEN_CORPUS_TO_HIGH_MAX,
    SCREEN_NONE_RULE,
    SEALED,
    SEALED_HALF,
    SEALED_TRAINING,
    SEED,
    SENTENCE_SHIFT,
    SENTENCE_UNITS,
    SPLIT_LONG_NEGATIVES,
    SUPPORT_NEGATIVE_GROUPS,
    SUPPORT_UNIT,
    SUPPORT_WEIGHT,
    TRAINING_ONLY,
)
from bot.safety.classifier.training import (
    CV,
    _danger_units,
    _design,
    _export,
    _fit,
    _fit_now,
    _labels,
    _real_scores,
    _rules,
    _threshold,
    _unit_weights,
    by_set,
    combine_level,
    cross_validate,
    figures,
    folds,
    held_out_figures,
    real_parts,
    row_windows,
    scores,
    screen_threshold,
    set_thresholds,
    tune_windows,
)

__all__ = [  # the names other code and the tests read, as before the split
    "BITS", "FORMAT", "MASK", "NGRAMS", "WINDOW_WORDS", "Window", "_h", "_last_windows", "_sigmoid", "_windows",
    "long_adjusted", "pair_feature", "window_texts", "windows", "word_features", "words", "Classifier",
    "DEFAULT_PATH", "NOW_PATH", "_WORD_CACHE_LIMIT", "CORPUS_TO_HIGH_MAX", "C_REG", "DATA", "DIGITS",
    "DISTRESS_CUES", "DISTRESS_POSITIVE_GROUPS", "DISTRESS_WEIGHT", "DISTRESS_WINDOWS_PER_POST",
    "ENGLISH_POST_WEIGHT", "FOLDS", "HELD_OUT", "HIGH_TO_NOW_MAX", "LONG_SHIFT", "NLU", "NONE_TO_CONCERN_MAX",
    "NONE_TO_HIGH_MAX", "NONE_TO_NOW_MAX", "NOT_TRAINING", "ORDINARY", "ORDINARY_INTENTS",
    "ORDINARY_TO_HIGH_MAX", "PROJECT_NEGATIVE_WEIGHT", "PRUNE", "REAL", "REAL_BUDGET", "REAL_TO_CONCERN_MAX",
    "REAL_TO_HIGH_MAX", "REAL_TO_NOW_MAX", "REDDIT_TO_HIGH_MAX", "REDDIT_UNIT", "ROOT", "SEALED",
    "SEALED_TRAINING", "SEED", "SPLIT_LONG_NEGATIVES", "SUPPORT_NEGATIVE_GROUPS", "SUPPORT_UNIT",
    "SUPPORT_WEIGHT", "Data", "_lexicon", "_matrix", "_trainable_group", "build", "default_paths",
    "distress_positives", "is_danger", "is_now", "load_rows", "ordinary_digest", "ordinary_texts",
    "real_negatives", "real_tune", "row_groups", "set_name", "support_negatives", "training_rows", "CV",
    "_danger_units", "_design", "_export", "_fit", "_fit_now", "_labels", "_real_scores", "_rules",
    "_threshold", "_unit_weights", "by_set", "combine_level", "cross_validate", "figures", "folds",
    "held_out_figures", "row_windows", "set_thresholds", "tune_windows", "_check", "_save", "_sources",
    "_weights", "main", "train", "train_now",
    # session 9: sentence units, trained halves
    "_units", "clauses", "sentence_texts", "sentences", "shifted", "Unit", "combine_parts", "half", "HALF_SEED",
    "SEALED_HALF", "SENTENCE_SHIFT", "SENTENCE_UNITS", "TRAINING_ONLY", "real_parts", "scores",
    # session 12: threshold rules on the whole screen
    "SCREEN_CORPUS_TO_HIGH_MAX", "SCREEN_NONE_RULE", "screen_threshold",
]
