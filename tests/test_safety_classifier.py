"""The statistical second signal (bot/safety/classifier/) and how the screener uses it."""
from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

import pytest

import bot.safety as safety
from bot.safety import LexiconScreener, default_screener
from bot.safety import classifier as C
from bot.screening import Level

DATA = Path(__file__).parent / "data"
EVAL = sorted(DATA.glob("safety_eval_*.tsv"))


@functools.cache
def _lexicon_and_stemmer() -> tuple:
    # Loading the lexicon and the Hunspell stemmer takes seconds; what these tests vary is the
    # statistical signal, so every screener here shares one lexicon and one stemmer: the
    # default screener's (built once per process, and shared with the other tests).
    base = default_screener()
    return base.lexicon, base.stemmer


def _make(**kwargs: object) -> LexiconScreener:
    lexicon, stemmer = _lexicon_and_stemmer()
    return LexiconScreener(lexicon, stemmer, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def lexicon_only() -> LexiconScreener:
    return _make(classifier=False)


@pytest.fixture(scope="module")
def model() -> C.Classifier:
    return C.Classifier.load()


def _screener(clf: C.Classifier, t_high: float, t_concern: float) -> LexiconScreener:
    """The danger classifier at these thresholds, without the urgency model (tested apart)."""
    return _make(classifier=C.Classifier(clf.bias, clf.weights, t_high, t_concern), urgency=False)


def _texts() -> list[str]:
    return [t for _l, _c, t in C.load_rows(EVAL)]


def test_training_is_deterministic(tmp_path) -> None:
    # Without the real corpora (seconds, not minutes): same data, same seed, same bytes.
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    C.train([DATA / "safety_eval_tune.tsv"], a, verbose=False, ordinary=False, real=False)
    C.train([DATA / "safety_eval_tune.tsv"], b, verbose=False, ordinary=False, real=False)
    assert a.read_bytes() == b.read_bytes()
    m = json.loads(a.read_text())
    assert m["n_weights"] > 1000 and 0.5 <= m["t_concern"] <= m["t_high"] < 1.0
    assert C.Classifier.load(a).weights


def test_default_training_leaves_the_sealed_set_out() -> None:
    names = [p.name for p in C.default_paths()]
    assert C.HELD_OUT == ("fresh7",)
    assert "safety_eval_fresh7.tsv" not in names
    assert "safety_eval_fresh6.tsv" in names and "safety_eval_tune.tsv" in names


def test_committed_weights_are_compact_and_held_out(model) -> None:
    path = C.DEFAULT_PATH
    # 2.0 MB until session 6; fresh8 and fresh9 in training keep ~191,000 weights (2.05 MB, load ~0.8 s);
    # session 8's support-group negatives and fresh11 ~221,000 (2.36 MB); session 12's fresh12-15 and
    # written14 ~254,000 (2.71 MB; load time in bench/safety_bench.py unchanged within noise)
    assert path.stat().st_size < 2_900_000
    meta = json.loads(path.read_text())
    sources = meta["training"]["sources"]
    assert "safety_eval_fresh7.tsv" not in sources["eval_sets"] and "safety_eval_fresh7.tsv" in sources["held_out"]
    assert "ORDINARY_INTENTS" in sources["ordinary_chat"]
    assert meta["training"]["cv"]["ordinary_chat"] > 2000
    rules = meta["training"]["thresholds_by_rule"]
    assert meta["t_high"] == max(rules.values())
    assert "t_high_screen_eval_none" in rules and "t_high_screen_real:reddit_rmhd" in rules
    recorded = meta["training"]["rules"]  # the recipe the weights were set with
    assert recorded["SCREEN_NONE_RULE"] == C.SCREEN_NONE_RULE and recorded["LONG_SHIFT"] == C.LONG_SHIFT
    assert recorded["SCREEN_CORPUS_TO_HIGH_MAX"] == C.SCREEN_CORPUS_TO_HIGH_MAX
    assert model.t_concern <= model.t_high
    assert all(abs(w) >= C.PRUNE * 0.999 for w in model.weights.values())


def test_on_by_default() -> None:
    assert safety.CLASSIFIER_DEFAULT is True
    assert _make().classifier is not None
    assert _make(classifier=False).classifier is None


@pytest.mark.parametrize("text", ["apam minden este megver az ovvel", "meg akarok halni, senki nem szeret"])
def test_clear_danger_scores_high(model, text) -> None:
    assert model.probability(text) >= model.t_concern


@pytest.mark.parametrize("text", ["szia", "köszi", "is it free?", "jó napot", "hova forduljak ha valaszt a szuleim?",
                                  "majd meghalok a röhögéstől", "this homework is killing me",
                                  # a child's voice alone is not danger (it was, before ordinary chat
                                  # became a negative: 0.92 for "még csak 10 éves vagyok")
                                  "még csak 10 éves vagyok", "most nem", "do i have to pay",
                                  "i'm 14 and writing about myself"])
def test_ordinary_chat_never_high(model, text) -> None:
    s = _make(classifier=model)
    assert s.screen(text).level < Level.HIGH
    assert model.probability("") == 0.0


def test_raise_is_explained(lexicon_only, model) -> None:
    # Every evaluation message that only the classifier raises says so (its category and its
    # probability); there must be such messages. (A single fixed example skipped silently once
    # the lexicon learnt its wording.)
    screener = _screener(model, 0.5, 0.5)
    raised = [got for got in (screener.screen(t) for t in _texts() if lexicon_only.screen(t).level < Level.HIGH)
              if got.level >= Level.HIGH]
    assert len(raised) >= 10
    for got in raised:
        assert got.categories[0] == safety.CLASSIFIER_CATEGORY
        assert got.matches[0].startswith("classifier:")


def test_immediate_only_with_the_lexicons_urgency_never_lower(lexicon_only, model) -> None:
    # With thresholds at zero the classifier raises everything it may: never a level below the
    # lexicon's, and immediate only where the lexicon's signal_now booster names the urgency.
    eager = _screener(model, 0.0, 0.0)
    for text in _texts():
        lex = lexicon_only.screen(text)
        got = eager.screen(text)
        assert got.level >= lex.level
        if lex.level is not Level.IMMEDIATE and got.level is Level.IMMEDIATE:
            now = lexicon_only._matcher.urgent(text, safety.CLASSIFIER_CATEGORY)
            assert now and now in got.matches, text


@pytest.mark.parametrize("text, now", [
    ("a tesom a furdoben van mar egy oraja es nem reagal, elotte azt irta bocsi mindenert", True),
    ("egy bácsi a neten azt írta 20 perc múlva vár a parkban és hozzak fürdőruhát", True),
    ("he is waiting outside my school right now and says i must get in his car", True),
    ("apa mindig elkap ha rossz jegyet hozok, tegnap este is", False),
    ("most mit csináljak, a nevelőapám hetek óta fogdos", False),  # "most mit": a question, not now
    ("lately he has been touching me when mum is at work", False),
])
def test_urgency_for_a_classifier_raise(lexicon_only, text, now) -> None:
    assert bool(lexicon_only._matcher.urgent(text, safety.CLASSIFIER_CATEGORY)) is now


@pytest.mark.parametrize("text", ["a játékban megöltem a sárkányt", "a filmben lelőtték a rendőrt",
                                  "apa megverte sakkban", "ez a házi megöl"])
def test_suppressors_win(lexicon_only, model, text) -> None:
    result, suppressed = lexicon_only.screen_detail(text)
    assert suppressed and result.level < Level.HIGH
    assert _screener(model, 0.0, 0.0).screen(text).level < Level.HIGH


def test_missing_weights_same_as_lexicon(tmp_path, lexicon_only, caplog, monkeypatch) -> None:
    monkeypatch.setattr(safety, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="bot.safety"):
        s = _make(classifier=tmp_path / "missing.json")
        _make(classifier=tmp_path / "missing.json")
    assert s.classifier is None
    assert sum("classifier not loaded" in r.getMessage() for r in caplog.records) == 1  # once
    for text in _texts()[:300]:
        assert s.screen(text) == lexicon_only.screen(text)


def test_ordinary_chat_nobody_trained_on_rarely_reaches_the_queue() -> None:
    # tests/data/nlu_heldout.yml was written without seeing any training data; its ordinary
    # intents (greetings, FAQ, personas, report answers ...) are what most of the traffic is.
    import yaml

    texts = []
    for block in yaml.safe_load((DATA / "nlu_heldout.yml").read_text(encoding="utf-8"))["nlu"]:
        if block["intent"].split("/")[0] in C.ORDINARY_INTENTS:
            texts += [ln[2:].strip() for ln in block["examples"].splitlines() if ln.startswith("- ")]
    assert len(texts) > 200
    screener = _make()
    raised = [t for t in texts if screener.screen(t).level >= Level.HIGH]
    assert len(raised) <= 0.02 * len(texts), raised


@pytest.fixture(scope="module")
def urgency() -> C.Classifier:
    return C.Classifier.load(C.NOW_PATH)


def test_urgency_model_is_held_out_and_loaded_by_default(urgency) -> None:
    meta = json.loads(C.NOW_PATH.read_text())
    sources = meta["training"]["sources"]["eval_sets"]
    assert "safety_eval_fresh7.tsv" not in sources and "safety_eval_tune.tsv" in sources
    assert meta["training"]["cv"]["high_lifted"] <= C.HIGH_TO_NOW_MAX + 0.005
    assert meta["training"]["cv"]["real_tune_lifted_if_high"] <= C.REAL_TO_NOW_MAX
    assert _make().urgency is not None
    assert _make(classifier=False).urgency is None  # the lexicon alone stays the lexicon
    assert _make(urgency=False).urgency is None


def test_urgency_lifts_only_high_messages(model, urgency) -> None:
    # With the urgency threshold at zero it lifts every message it may: only those already high.
    eager = _make(classifier=model, urgency=C.Classifier(urgency.bias, urgency.weights, 0.0, 0.0))
    plain = _make(classifier=model, urgency=False)
    for text in _texts()[:400]:
        before, after = plain.screen(text), eager.screen(text)
        if before.level is Level.HIGH and not all(m.startswith("~") for m in before.matches):
            assert after.level is Level.IMMEDIATE and after.matches[0].startswith("urgency:"), text
        else:
            assert after.level is before.level, text


def test_urgency_never_lifts_a_typo_guess_alone(urgency) -> None:
    eager = _make(urgency=C.Classifier(urgency.bias, urgency.weights, 0.0, 0.0))
    typo_only = safety.ScreenResult(Level.HIGH, ("physical_abuse",), ("~megvert",))
    assert eager._lift("apa megvert", typo_only) is typo_only


@pytest.mark.parametrize("text", [
    "anyu a fürdőszoba kövén fekszik és nem ébred fel, mellette egy üres gyógyszeres doboz",
    "he's kicking the door of my room and shouting he'll kill me, I'm hiding under the bed",
])
def test_urgency_said_through_the_situation(text) -> None:
    assert _make().screen(text).level is Level.IMMEDIATE


@pytest.mark.parametrize("laugh", [":D", "xD", "haha", "😂"])
def test_a_laughing_face_keeps_a_classifier_guess_a_concern(laugh) -> None:
    """Wording only the classifier finds worrying, with a laughing face beside it, is a joke
    ("kitagad :D"): a concern, not the queue. Without the face the same guess raises it."""
    always = C.Classifier(5.0, {}, 0.7, 0.5)  # scores every window 0.99
    screen = _make(classifier=always, urgency=False)
    text = "ha megint elkések, anya kitagad"
    assert screen.screen(text).level is Level.HIGH
    assert screen.screen(f"{text} {laugh}").level is Level.CONCERN
