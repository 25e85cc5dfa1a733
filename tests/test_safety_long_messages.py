"""Messages of several windows (issue 13, session 8): a long harmless paragraph is trained as one
negative per window, the way it is scored, and a message of several windows is raised only at a
higher score, so that ordinary long posts do not reach the queue by having many chances. The
paragraphs below were written for these tests (no corpus text)."""
from __future__ import annotations

import json

import pytest

from bot.safety import classifier as C

DAY = (
    "Today we went to the zoo with my class. We saw the giraffes and the penguins, and a keeper told us how "
    "much fish they eat every single day. After lunch we drew pictures of our favourite animals, mine was a "
    "red panda sleeping on a branch. On the bus home my friend fell asleep on my shoulder and everybody "
    "laughed when she woke up. In the evening I helped my dad make pizza and we put far too much cheese on it. "
    "Tomorrow we have swimming practice early in the morning, so I am going to bed soon."
)


def _toy(**kw: float) -> C.Classifier:
    """A model that finds one word worrying: every window holding it scores the same."""
    return C.Classifier(-1.0, {C._h("w:" + C.words("penguins")[0]): 40.0}, 0.5, 0.5, **kw)  # type: ignore[arg-type]


def test_a_message_of_several_windows_needs_a_higher_score() -> None:
    assert len(C.windows(DAY)) > 1
    short = "We saw the penguins today."
    plain, shifted = _toy(), _toy(long_shift=1.5)
    assert shifted.probability(short) == plain.probability(short)  # one window: unchanged
    p, q = plain.probability(DAY), shifted.probability(DAY)
    assert 0.0 < q < p
    assert q == pytest.approx(C.long_adjusted(p, len(C.windows(DAY)), 1.5))
    assert shifted.best(DAY)[1:] == plain.best(DAY)[1:]  # the same window is named to the operator


def test_the_shift_is_read_from_the_weights_file(tmp_path) -> None:
    model = json.loads(C.DEFAULT_PATH.read_text(encoding="utf-8"))
    model["long_shift"] = 2.0
    path = tmp_path / "c.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    assert C.Classifier.load(path).long_shift == 2.0
    del model["long_shift"]
    path.write_text(json.dumps(model), encoding="utf-8")
    assert C.Classifier.load(path).long_shift == 0.0  # an older file: no shift


def test_a_long_harmless_row_is_one_negative_per_window(tmp_path) -> None:
    tsv = tmp_path / "safety_eval_long.tsv"
    tsv.write_text(f"none\tnone\t{DAY}\nhigh\tsuicide\t{DAY} Then I want to kill myself tonight.\n"
                   "high\tsuicide\ti want to die\n", encoding="utf-8")
    data = C.build([tsv], ordinary=False, real=False)
    units = [data.unit_rows.count(r) for r in range(3)]
    # ... and each of its sentences alone (test_safety_sentences)
    sens = C.sentence_texts(DAY) if C.SENTENCE_UNITS else []
    assert units == [len(C.windows(DAY)) + len(sens), 1, 1]  # the danger row stays whole
    assert data.texts[: units[0]] == C.window_texts(DAY) + sens


def test_the_committed_weights_record_the_long_shift() -> None:
    meta = json.loads(C.DEFAULT_PATH.read_text(encoding="utf-8"))
    assert meta["long_shift"] > 0
    assert C.Classifier.load().long_shift == meta["long_shift"]
    # set with the Reddit rule at the recorded share, on the `tune` posts
    assert meta["training"]["rules"]["REDDIT_TO_HIGH_MAX"] == C.REDDIT_TO_HIGH_MAX
    assert meta["training"]["real_tune_added_by_classifier"]["reddit_rmhd"]["raised_high"] <= C.REDDIT_TO_HIGH_MAX
