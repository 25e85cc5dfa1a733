"""Sentence windows: long ordinary text must not add up to danger, and a danger
sentence buried in a long story must still count. The paragraphs below were written for these
tests (no corpus text)."""
from __future__ import annotations

import json

import pytest

from bot.safety import LexiconScreener, default_screener
from bot.safety import classifier as C
from bot.screening import Level

GUITAR = (
    "Szia! Elmesélem, mi volt velem ezen a héten, mert nagyon jó hetem volt. Hétfőn elkezdtem gitározni "
    "tanulni, a zeneiskolában egy kedves tanár néni mutatta meg az első akkordokat, és már majdnem el tudom "
    "játszani a kedvenc dalomat. Kedden próba volt a suliban, karácsonyra egy színdarabot adunk elő, én "
    "leszek a mesélő, és sok szöveget kell megtanulnom, de a barátnőm segít kikérdezni. Szerdán esett az "
    "eső, ezért otthon maradtunk és társasjátékoztunk a tesómmal, kétszer is nyertem. Hétvégén a "
    "nagymamámnál voltunk vidéken, együtt főztünk baracklekvárt, az egész konyha illatos lett, és a "
    "nagypapa megmutatta, hogyan kell a befőttesüvegeket lezárni. Vasárnap este még sétáltunk egyet a "
    "faluban, láttunk egy sünit is az út szélén. Jövő héten matekdolgozatot írunk, kicsit izgulok, de "
    "szerintem menni fog, mert sokat gyakoroltam. Azt szeretném kérdezni, hogy ti is tudtok segíteni, ha "
    "valaki a tanulásban akar tanácsot kérni?"
)
PIANO_EN = (
    "Hi, I just wanted to tell someone about my week because it was really good. On Monday I started piano "
    "lessons and my teacher says I have a good ear. On Tuesday we rehearsed the school play, I am the "
    "narrator and I have a lot of lines to learn, so my best friend quizzes me at lunch. On Wednesday it "
    "rained, so we stayed in and played board games and I won twice. At the weekend we visited my grandma "
    "in the countryside and made plum jam together, and grandpa showed me how to seal the jars. On Sunday "
    "evening we walked around the village and saw a hedgehog by the road. Next week we have a maths test, "
    "I am a bit nervous but I practised a lot, so I think it will be fine."
)


# Child-voice days of the kind fresh9's false alarms were (sport, family, holidays), written for
# these tests; shorter than the two above, one typed without accents.
SPORTS_DAY = (
    "Sziasztok! Ma volt a suliban a sportnap, és a mi osztályunk nyerte a váltófutást. Én futottam az utolsó "
    "kört, nagyon izgultam, de a tesitanár utána megdicsért, és anya is lefényképezett a célban. Délután a "
    "nagypapámmal horgászni mentünk a tóhoz, fogtunk két kis halat, de visszaengedtük őket. Este palacsintát "
    "sütöttünk a tesómmal, a konyha tiszta liszt lett, apa nevetett rajtunk. Holnap szülinapi buliba megyek a "
    "barátnőmhöz, már becsomagoltam neki egy könyvet."
)
BALATON = (
    "szia, csak elmeselem h ma jottunk haza a balatonrol, egesz heten a mamaeknal voltunk. minden nap "
    "furdottunk, apuval epitettunk egy nagy homokvarat, es este fagyiztunk a molon. a tesom eloszor uszott "
    "egyedul mellszoval, nagyon buszke volt magara. holnap kezdodik a suli, kicsit izgulok mert uj "
    "osztalyfonokunk lesz, de a legjobb baratom is ugyanabba az osztalyba jar."
)
MUSEUM_EN = (
    "Hi! Today our class went on a trip to the science museum. We saw a real dinosaur skeleton and I touched a "
    "piece of a meteorite. My friend and I got lost for a minute in the space room but the teacher found us "
    "straight away and laughed. On the bus home we sang songs and ate the sandwiches my dad made. Tomorrow I "
    "have football practice and on Saturday my grandma is coming to stay with us for the whole weekend."
)


@pytest.mark.parametrize("text", [SPORTS_DAY, BALATON, MUSEUM_EN])
def test_long_child_voice_day_stays_below_high(text) -> None:
    assert len(text.split()) > 50
    assert default_screener().screen(text).level < Level.HIGH


@pytest.mark.parametrize("text", [GUITAR, PIANO_EN, GUITAR + " " + GUITAR.lower()])
def test_long_ordinary_paragraph_stays_below_high(text) -> None:
    assert len(text.split()) > 100
    assert default_screener().screen(text).level < Level.HIGH


def test_long_story_with_one_danger_sentence_is_raised() -> None:
    buried = "Tegnap este a nevelőapám részegen megütött, és azt mondta, ha elmondom valakinek, megöl."
    story = GUITAR.replace("Szerdán esett az eső,", buried + " Szerdán esett az eső,")
    assert default_screener().screen(story).level >= Level.HIGH


def test_the_window_that_raised_it_is_named() -> None:
    # A danger sentence in words the classifier knows but the lexicon has no entry for: the model's
    # best window is the one around the buried sentence, and the evidence quotes its start.
    clf = C.Classifier.load()
    buried = ("Azóta minden éjjel bejön hozzám és olyan dolgokat csinál, amiket nem akarok, "
              "és azt mondja ez a mi titkunk.")
    story = GUITAR.replace("Szerdán esett az eső,", buried + " Szerdán esett az eső,")
    p, start, end = clf.best(story)
    assert p >= clf.t_high
    assert "titkunk" in story[start:end] or "bejön hozzám" in story[start:end]
    got = LexiconScreener().screen(story)
    assert got.level >= Level.HIGH
    shown = [m for m in got.matches if m.startswith("classifier:")]
    if shown:  # raised by the classifier (the lexicon may have caught it too: then its own words show)
        assert "«" in shown[0] and story[start:end].split()[0] in shown[0]


def test_windows_cover_the_text_and_stay_short() -> None:
    assert len(C.windows("apa megvert. segíts!")) == 1  # a short message is one window, the whole message
    wins = C.windows(GUITAR)
    assert len(wins) > 3
    assert all(len(w.words) <= C.WINDOW_WORDS for w in wins)
    covered = [w for win in wins for w in win.words]
    assert set(covered) == set(C.words(GUITAR))
    one_clause = " ".join(f"szo{i}" for i in range(100))  # no punctuation at all: cut with overlap
    pieces = C.windows(one_clause)
    assert len(pieces) > 2 and all(len(w.words) <= C.WINDOW_WORDS for w in pieces)
    assert {w for p in pieces for w in p.words} == set(C.words(one_clause))
    assert C.windows("") == [] and C.windows(" ,.!? ") == []


def test_harmless_sentences_do_not_add_up() -> None:
    # The old model: ordinary sentences that each scored 0.10 scored 0.99 when eight were joined.
    clf = C.Classifier.load()
    sentences = [s.strip() + "." for s in GUITAR.split(".") if len(s.split()) > 3]
    alone = max(clf.probability(s) for s in sentences)
    joined = clf.probability(" ".join(sentences * 3))
    assert joined < clf.t_concern
    assert joined <= alone + 0.2


@pytest.mark.parametrize("path", [C.DEFAULT_PATH, C.NOW_PATH])
def test_recorded_figures_hold_without_retraining(path) -> None:
    meta = json.loads(path.read_text(encoding="utf-8"))
    clf = C.Classifier.load(path)
    training = meta["training"]
    # the export loads and scores the recorded examples as it did when it was trained
    assert training["check"]
    danger = C.Classifier.load(C.DEFAULT_PATH)
    for text, score in training["check"]:  # the immediate model's score is joint with the danger model's
        got = clf.joint(text, danger)[0] if clf.given_danger else clf.probability(text)
        assert got == pytest.approx(score, abs=2e-3), text
    # the thresholds are the ones the recorded rules give
    assert meta["t_high"] == max(training["thresholds_by_rule"].values())
    assert meta["t_concern"] <= meta["t_high"]
    assert "safety_eval_fresh7.tsv" not in training["sources"]["eval_sets"]
    assert training["seed"] == C.SEED and training["folds"] == C.FOLDS


def test_recorded_real_text_rules_were_met() -> None:
    training = json.loads(C.DEFAULT_PATH.read_text(encoding="utf-8"))["training"]
    added = training["real_tune_added_by_classifier"]
    assert added["POOLED hu"]["n"] > 5000
    assert added["POOLED hu"]["raised_high"] <= C.REAL_TO_HIGH_MAX
    assert all(v["raised_high"] <= (C.REDDIT_TO_HIGH_MAX if k == "reddit_rmhd" else C.CORPUS_TO_HIGH_MAX)
               for k, v in added.items())
    taken = training["sources"]["real_negatives"]["taken"]
    assert sum(v["windows"] for v in taken.values()) >= 50_000


def test_real_distress_positives_are_recorded_beside_the_weights() -> None:
    """The committed weights say how many r/SuicideWatch windows were taught as danger."""
    taken = json.loads(C.DEFAULT_PATH.read_text(encoding="utf-8"))["training"]["sources"]["real_positives"]["taken"]
    assert taken["posts"] > 0 and taken["suicidewatch"] >= taken["posts"]


def test_real_distress_positives_come_from_the_train_split_only() -> None:
    """r/SuicideWatch windows are taught as danger, never a `tune` row (those measure
    the recall in bench/safety_real.py), and the committed weights record how many were used.
    The corpora live outside the repository (../shared/corpora, their own licences): without
    them this cross-check cannot run, so it is skipped with that reason."""
    from bot.safety import corpora

    if not (corpora.corpus_dir() / "reddit_rmhd.jsonl").exists():
        pytest.skip(f"the real-text corpora are not at {corpora.corpus_dir()} (outside the repository)")
    tune = {r.text for r in corpora.load("reddit_rmhd") if r.split == "tune"}
    pos, counts = C.distress_positives()
    assert pos and counts["posts"] > 0
    train = [r.text for r in corpora.load("reddit_rmhd")
             if r.split == "train" and r.group in C.DISTRESS_POSITIVE_GROUPS]
    assert all(any(w in t for t in train) for w in pos)  # each cut from a `train` post
    # a window of a `tune` post never (a short sentence unit, "I want to die", may recur in one by chance)
    assert not any(w in t for w in pos if len(w.split()) > 12 for t in tune)
    assert all(C.DISTRESS_CUES.intersection(C.words(w)) for w in pos)
    taken = json.loads(C.DEFAULT_PATH.read_text(encoding="utf-8"))["training"]["sources"]["real_positives"]["taken"]
    assert taken == counts
