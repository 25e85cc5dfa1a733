"""The statistical immediate level (issue 13, session 6) and what the weights were trained on.

The immediate model (classifier_now.json) is trained among danger text only (immediate against
high) and scores each window as P(danger) x P(immediate | danger), with the danger model: the
urgency must be said where the danger is. These tests check that mechanism with hand-made
weights, the committed model on the held-out set, and that the committed weights record exactly
the training data of this checkout.
"""
from __future__ import annotations

import json

import pytest

from bot.safety import LexiconScreener
from bot.safety import classifier as C
from bot.screening import Level

FILLER = ("A délután a könyvtárban olvastam egy regényt a tengerről és a hajókról, aztán hazasétáltam "
          "a parkon át, ahol a szomszéd gyerekek fociztak, és a boltban vettem kenyeret meg tejet. ") * 2


def _model(word: str, bias: float, weight: float, **kw: object) -> C.Classifier:
    """A model that knows one word: a window holding it scores high, any other window low."""
    return C.Classifier(bias, {C._h("w:" + C.words(word)[0]): weight}, 0.5, 0.5, **kw)  # type: ignore[arg-type]


def test_joint_needs_danger_and_urgency_in_the_same_window() -> None:
    danger = _model("kés", -6.0, 300.0)
    now = _model("azonnal", -6.0, 300.0, given_danger=True)
    together = "Kés van nála, gyertek azonnal."
    apart = f"Kés van nála. {FILLER}{FILLER}Gyertek azonnal."
    assert len(C.windows(apart)) > 1
    assert now.joint(together, danger)[0] > 0.9
    assert now.joint(apart, danger)[0] < 0.1
    # A model of the earlier kind (immediate against everything) is read alone, per window.
    alone = _model("azonnal", -6.0, 300.0)
    assert alone.joint(apart, danger)[0] > 0.9


@pytest.fixture(scope="module")
def screens(default_screen: LexiconScreener,
            lexicon_screener: LexiconScreener) -> tuple[LexiconScreener, LexiconScreener]:
    return default_screen, lexicon_screener


def _rows(name: str) -> list[tuple[str, str, str]]:
    return C.load_rows([C.DATA / f"safety_eval_{name}.tsv"])


def test_committed_immediate_model_is_the_joint_kind(screens) -> None:
    default, _lexicon = screens
    assert default.urgency is not None and default.urgency.given_danger
    meta = json.loads(C.NOW_PATH.read_text(encoding="utf-8"))
    training = meta["training"]
    assert meta["given_danger"] is True and meta["t_high"] == max(training["thresholds_by_rule"].values())
    cv = training["cv"]
    assert cv["high_lifted"] <= C.HIGH_TO_NOW_MAX + 0.005
    assert cv["none_lifted"] <= C.NONE_TO_NOW_MAX
    assert cv["real_tune_lifted_if_high"] <= C.REAL_TO_NOW_MAX
    assert "leave one set out" in cv["folds"] and "fresh9" in cv["by_set_combined"]
    assert set(training["held_out_measured"]) == set(C.HELD_OUT)


def test_immediate_model_lifts_held_out_texts_the_lexicon_misses(screens) -> None:
    """fresh7 was never trained or tuned on by either model: of its immediate messages that the
    lexicon alone leaves below immediate, the default screen makes most immediate, and the
    evidence names the immediate model."""
    default, lexicon = screens
    missed = [t for level, _c, t in _rows(C.HELD_OUT[0])
              if level == "immediate" and lexicon.screen(t).level is not Level.IMMEDIATE]
    assert len(missed) >= 10
    got = [default.screen(t) for t in missed]
    lifted = [r for r in got if r.level is Level.IMMEDIATE]
    assert len(lifted) >= 0.8 * len(missed)
    assert sum(any(m.startswith("urgency:") for m in r.matches) for r in lifted) >= len(lifted) // 2


def test_held_out_high_messages_are_rarely_lifted(screens) -> None:
    default, _lexicon = screens
    high = [t for level, _c, t in _rows(C.HELD_OUT[0]) if level == "high"]
    lifted = [t for t in high if default.screen(t).level is Level.IMMEDIATE]
    assert len(lifted) <= 0.4 * len(high), len(lifted)


def test_weights_record_the_training_data_of_this_checkout() -> None:
    """Both files name the eval sets they were trained on (fresh8 to fresh17 from the sealed
    folder since session 12, fresh7 held out) and the NLU examples (count and SHA-256): after a change to the
    ordinary intents' examples, retrain (`python -m bot.safety.classifier train`)."""
    chat = C.ordinary_texts()
    expected = [p.name for p in C.default_paths()]
    assert {f"safety_eval_fresh{n}.tsv" for n in range(8, 16)} <= set(expected)
    assert "safety_train_written14.tsv" in expected
    assert "safety_eval_fresh7.tsv" not in expected
    for path in (C.DEFAULT_PATH, C.NOW_PATH):
        sources = json.loads(path.read_text(encoding="utf-8"))["training"]["sources"]
        assert sources["eval_sets"] == expected
        assert sources["from_sealed_folder"] == [f"safety_eval_{name}.tsv" for name in C.SEALED_TRAINING]
        assert sources["ordinary_intents"] == list(C.ORDINARY_INTENTS)
        assert sources["ordinary_chat_examples"] == len(chat), "NLU data changed: retrain the screen's models"
        assert sources["ordinary_chat_sha256"] == C.ordinary_digest(chat), "NLU data changed: retrain"


def test_no_where_to_turn_intent_about_danger_is_a_negative() -> None:
    """Where-to-turn intents about abuse hold disclosures ("apám megvert"): never taught as harmless."""
    for intent in ("where_physical_abuse", "where_sexual_abuse", "where_domestic_violence_parent",
                   "where_neglect", "where_runaway_missing", "where_child_alone", "where_trafficking",
                   "where_bullying", "where_abroad", "ask_shelter"):
        assert intent not in C.ORDINARY_INTENTS
