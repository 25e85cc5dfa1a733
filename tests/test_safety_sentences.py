"""Sentence units (issue 13, session 9): each clause of a message of several clauses is scored on its
own too, so a danger sentence is not diluted in its window of up to 40 words, and training holds the
same units (every clause of a harmless text is a negative). The texts below were written for these
tests (no corpus or eval-set text)."""
from __future__ import annotations

import json
import random

import pytest

from bot.safety import classifier as C
from bot.safety import default_screener
from bot.screening import Level

STORY = (
    "Last summer we moved to a new town and I started at a new school in September. The teachers are "
    "nice and I joined the drama club, we are doing a play about pirates. My little brother cries a lot "
    "at night because he misses his old friends, and mum is tired from her new job. I plan on ending it "
    "all tonight. Yesterday we had pizza for dinner and watched a film about a dog that finds its way home."
)


def _toy(**kw) -> C.Classifier:
    """A model that finds one word worrying: a window holding it is diluted by its other words."""
    return C.Classifier(-2.0, {C._h("w:" + C.words("tonight")[0]): 30.0}, 0.5, 0.5, **kw)


def test_a_message_of_several_clauses_has_sentence_units() -> None:
    assert C.sentences("i want to die") == []  # one clause: its window is the clause
    sens = C.sentences(STORY)
    assert len(sens) == 5
    assert "I plan on ending it all tonight" in [STORY[s.start : s.end].strip() for s in sens]
    assert all(len(s.words) <= C.WINDOW_WORDS for s in sens)
    long_clause = " ".join(["alma"] * 100) + ". Szia!"  # a long clause is scored in pieces
    assert [long_clause[s.start : s.end].strip() for s in C.sentences(long_clause)] == ["Szia"]


def test_a_danger_sentence_is_not_diluted_in_its_window() -> None:
    plain, sentence = _toy(), _toy(sentence_shift=0.0)
    p, q = plain.probability(STORY), sentence.probability(STORY)
    assert q > p  # the clause alone has fewer features than its window: its worrying word weighs more
    _q, start, end = sentence.best(STORY)
    assert STORY[start:end].strip() == "I plan on ending it all tonight"  # the sentence is named to the operator
    # lowered by the sentence shift, and by the long shift too in a message of several windows
    shifted = _toy(sentence_shift=1.0).probability(STORY)
    assert shifted < q
    win, n, sen = sentence.raw(STORY)
    assert n > 1 and sen[0] > win[0]
    both = C.combine_parts(win, n, sen, 0.7, 1.0)[0]
    assert both == pytest.approx(C.shifted(C.shifted(sen[0], 1.0), 0.7))
    assert _toy(sentence_shift=None).probability(STORY) == p  # an older file: windows only


def test_the_urgency_model_reads_the_sentence_units_too() -> None:
    danger = _toy(sentence_shift=0.0)
    now = C.Classifier(0.0, {}, 0.5, 0.5, given_danger=True, sentence_shift=0.0)  # P(now | danger) = 0.5
    q, start, end = now.joint(STORY, danger)
    assert STORY[start:end].strip() == "I plan on ending it all tonight"
    assert q == pytest.approx(0.5 * danger.raw(STORY)[2][0])
    old = C.Classifier(0.0, {}, 0.5, 0.5, given_danger=True)
    assert old.joint(STORY, danger)[0] == pytest.approx(0.5 * danger.raw(STORY)[0][0])


def test_the_sentence_shift_is_read_from_the_weights_file(tmp_path) -> None:
    model = json.loads(C.DEFAULT_PATH.read_text(encoding="utf-8"))
    model["sentence_shift"] = 0.25
    path = tmp_path / "c.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    assert C.Classifier.load(path).sentence_shift == 0.25
    del model["sentence_shift"]
    path.write_text(json.dumps(model), encoding="utf-8")
    assert C.Classifier.load(path).sentence_shift is None


def test_a_harmless_row_is_trained_on_its_sentences_too(tmp_path) -> None:
    harmless = STORY.replace(" I plan on ending it all tonight.", "")
    tsv = tmp_path / "safety_eval_s.tsv"
    tsv.write_text(f"none\tnone\t{harmless}\nhigh\tsuicide\t{STORY}\n", encoding="utf-8")
    data = C.build([tsv], ordinary=False, real=False)
    assert data.texts[: data.unit_rows.count(0)] == C.window_texts(harmless) + C.sentence_texts(harmless)
    assert data.unit_rows.count(1) == 1  # a danger row stays whole: which clause holds the danger is unknown


def test_a_halved_set_trains_on_its_dev_half_only(tmp_path) -> None:
    rows = [(lv, "c", f"{lv} {i}") for lv in ("none", "high", "immediate") for i in range(9)]
    tsv = tmp_path / "safety_eval_fresh11.tsv"
    tsv.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    dev, held = C.half(rows, "dev"), C.half(rows, "held")
    assert len(dev) + len(held) == len(rows) and not set(dev) & set(held)
    assert C.load_rows([tsv], {"fresh11": "dev"}) == dev
    assert C.load_rows([tsv]) == rows


def test_the_halves_are_the_bench_halves() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("safety_sealed", C.ROOT / "bench" / "safety_sealed.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = C.SEALED / "safety_eval_fresh11.tsv"
    for which in ("dev", "held"):
        mine = [t for _l, _c, t in C.half(C.load_rows([path]), which)]
        theirs = [t for _l, _c, t in bench.half(bench.rows(path), which, C.HALF_SEED)]
        assert mine == theirs


def test_the_committed_weights_record_sentences_and_the_trained_half() -> None:
    meta = json.loads(C.DEFAULT_PATH.read_text(encoding="utf-8"))
    assert meta["sentence_shift"] == C.SENTENCE_SHIFT
    assert C.Classifier.load().sentence_shift == C.SENTENCE_SHIFT
    assert json.loads(C.NOW_PATH.read_text(encoding="utf-8"))["sentence_shift"] == C.SENTENCE_SHIFT
    training = meta["training"]
    assert training["halves_trained"] == {"fresh11": f"dev (seed {C.HALF_SEED}, bench/safety_sealed.py --half)"}
    # fresh12-17 are tuned sets and trained on; the blind set of this round (fresh18) is never read
    assert "safety_eval_fresh7.tsv" not in training["sources"]["eval_sets"]
    assert not any("fresh18" in name for name in training["sources"]["eval_sets"])
    assert training["rules"]["SENTENCE_UNITS"] is True


def test_a_long_story_with_one_danger_sentence_is_raised_and_named() -> None:
    got = default_screener().screen(STORY)
    assert got.level >= Level.HIGH


def test_long_ordinary_paragraphs_of_many_sentences_stay_below_high() -> None:
    # Harmless sentences, shuffled into paragraphs of 12: each clause is a chance to reach t_high.
    sentences = [
        "We went to the lake on Sunday and fed the ducks with old bread.",
        "My sister got a new bike for her birthday and rode it all afternoon.",
        "Grandma made plum dumplings and we ate far too many of them.",
        "The maths test was easier than I thought, I think I got most of it right.",
        "Our teacher read us a story about a fox who could not find his way home.",
        "I have to practise the piano every evening before dinner.",
        "Dad fixed the fence in the garden and I helped him carry the boards.",
        "We watched a film about space and I want to be an astronaut now.",
        "My best friend is moving to another town next month and I will miss her.",
        "It rained all day so we built a blanket fort in the living room.",
        "The cat knocked a glass off the table and everybody laughed.",
        "On Friday we are going to the cinema with the whole class.",
        "Tegnap a nagymamámnál voltunk, és almás pitét sütöttünk.",
        "A suliban ma kirándulni mentünk az erdőbe, és láttunk egy őzet.",
        "Este apával társasjátékoztunk, és kétszer is én nyertem.",
        "A tesóm elvesztette a kesztyűjét, de a szomszéd megtalálta.",
    ]
    rng = random.Random(13)
    screen = default_screener()
    for _ in range(8):
        text = " ".join(rng.sample(sentences, 12))
        assert screen.screen(text).level < Level.HIGH
