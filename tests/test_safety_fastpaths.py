"""The danger screen's fast paths give exactly the verdicts of the plain ones.

The speed work must not change a verdict: lexicon elements matched by dictionary look-ups
(bot/safety/wordindex.py) instead of their regexes, the leet and look-alike scans that no longer
visit every word, the classifier's windows cut once per message and its hashes shared between
windows and models. Each fast path is compared here with the plain definition it replaced
(copied into this file), on the evaluation sets' words and messages and on long joined texts,
and a sample is screened end to end both ways. ``bench/safety_equivalence.py`` compares whole
checkouts on real corpora; this is the quick guard for every change after.
"""
from __future__ import annotations

import math
import random
import re
import unicodedata
from itertools import pairwise
from pathlib import Path

import pytest

from bot.safety import LexiconScreener, normalize
from bot.safety import classifier as C
from bot.safety.wordindex import WordIndex, expand

DATA = Path(__file__).parent / "data"


def eval_messages() -> list[str]:
    out = []
    for path in sorted(DATA.glob("safety_eval_*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                out.append(line.split("\t", 2)[2])
    return out


@pytest.fixture(scope="module")
def screener(default_screen: LexiconScreener) -> LexiconScreener:
    s = default_screen  # the default screen, as the gateway builds it
    assert s.classifier is not None and s.urgency is not None
    return s


@pytest.fixture(scope="module")
def messages() -> list[str]:
    return eval_messages()


def long_texts(messages: list[str]) -> list[str]:
    rng = random.Random(13)
    shuffled = messages[:]
    rng.shuffle(shuffled)
    joined = " ".join(shuffled)
    ordinary = ". ".join(m for m in messages if len(m) > 60)
    return [joined[:20_000], joined[20_000:32_000].replace(" ", "\n", 300), ordinary[:15_000]]


# ---- lexicon elements: dictionary look-ups against the regexes -----------------------------
def test_expand_declines_what_it_cannot_spell_out() -> None:
    assert expand(r"(?:kesel(?!y)[a-z]{0,5})\Z") is None  # a look-ahead
    assert expand(r"(?:[0-9]+perc)\Z") is None  # a tail in the middle of the word
    assert expand(r"(?:apa)") is None  # not anchored: a prefix match, not a word
    got = expand(r"(?:apa|apam[a-z0-9]{0,10}|(?:meg)?ol(?:ni|))\Z")
    assert got is not None and ("apa", None) in got and ("megolni", None) in got and ("ol", None) in got


def test_word_index_reads_tails_as_the_regex_does() -> None:
    idx = WordIndex([r"(?:ab[a-z]{0,2})\Z", r"(?:(?:meg)?ol(?:ni|)|x)\Z", r"(?:kesel(?!y)[a-z]{0,5})\Z"])
    assert idx.rest == [2]
    assert idx.ids("ab") == {0} and idx.ids("abcd") == {0}
    assert idx.ids("abcde") == set() and idx.ids("ab1") == set() and idx.ids("abé") == set()
    assert idx.ids("megolni") == {1} and idx.ids("ol") == {1} and idx.ids("megol") == {1}
    assert idx.ids("megolnik") == set() and idx.ids("keselo") == set()  # the rest: by its regex only


def test_every_word_matches_the_same_elements_as_by_regex(screener, messages) -> None:
    m = screener._matcher
    words = {t.folded for text in messages for t in normalize.tokenize(text)}
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789éöx"
    for lit in list(m._index.exact) + list(m._index.tails):  # every spelling, grown and cut
        words.add(lit)
        words.add(lit[:-1])
        words.add(lit + "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 13))))
    differ = [w for w in words if m._direct(w) != m._direct_by_regex(w)]
    assert not differ, differ[:10]
    assert len(m._index.rest) < 0.05 * len(m.elements)  # nearly every element is looked up, not tried


# ---- normalisation: the disguise scans against the plain regexes -----------------------------
_L = normalize._LEET_CHARS
OLD_LEET_CAND = re.compile(rf"(?:[^\W_]|[{_L}])*[{_L}](?:[^\W_]|[{_L}])*")


def disguise_strings(messages: list[str]) -> list[str]:
    rng = random.Random(11)
    pieces = ["a", "b", "k", "0", "1", "3", "4", "@", "_", " ", ".", "-", "o", "\u043e", "\u0430", "é", "ő", "7", "x"]
    made = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 30))) for _ in range(3000)]
    return made + messages


def test_leet_and_lookalike_scans_find_what_the_plain_regexes_found(messages) -> None:
    for text in disguise_strings(messages):
        low = text.lower()
        assert normalize._LEET_CAND.findall(low) == [w for w in OLD_LEET_CAND.findall(low)], text
        assert (normalize._LOOKALIKE_WORD.sub(normalize._unconfuse_word, text)
                == normalize._WORD.sub(normalize._unconfuse_word, text)), text


def test_folding_drops_exactly_the_combining_marks(messages) -> None:
    rng = random.Random(5)
    chars = [chr(c) for c in range(0x20, 0x2500) if not 0xD800 <= c < 0xE000]
    words = [t.raw for text in messages[:500] for t in normalize.tokenize(text)]
    words += ["".join(rng.choice(chars) for _ in range(rng.randrange(1, 10))) for _ in range(3000)]
    for w in words:
        decomposed = unicodedata.normalize("NFKD", w.translate(normalize._EXTRA))
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        assert decomposed.translate(normalize._MARKS) == plain, w


# ---- classifier: shared windows and hashes against the plain scoring -------------------------
def word_features_plain(word: str) -> list[int]:
    """classifier.word_features before the speed work: each n-gram encoded and hashed alone."""
    padded = f" {word} "
    n = len(padded)
    out = [C._h("w:" + word)]
    for k in C.NGRAMS:
        if k > n:
            break
        out.extend(C._h(padded[i : i + k]) for i in range(n - k + 1))
    return out


def plain_score(clf: C.Classifier, ws: list[str], *_memos) -> float:
    """Classifier.score_words before the speed work: every hash computed where it is used."""
    if not ws:
        return 0.0
    total, n = 0.0, 0
    for word in ws:
        feats = word_features_plain(word)
        total += sum(clf.weights.get(f, 0.0) for f in feats)
        n += len(feats)
    for a, b in pairwise(ws):
        total += clf.weights.get(C._h(f"b:{a} {b}"), 0.0)
        n += 1
    return C._sigmoid(clf.bias + total / math.sqrt(n))


def test_word_features_fast_path_hashes_as_before(messages) -> None:
    words = {t.folded for text in messages[:800] for t in normalize.tokenize(text)} | {"a", "", "xy", "öö"}
    for w in words:
        assert C.word_features(w) == word_features_plain(w), w


def test_best_and_joint_are_bit_identical_to_plain_scoring(screener, messages) -> None:
    clf, now = screener.classifier, screener.urgency
    texts = messages[::5] + long_texts(messages)
    for text in texts:
        wins = C.windows(text, clf.window_words)
        sens = C.sentences(text, clf.window_words) if clf.sentence_shift is not None else []
        want_win = want_sen = want_joint = (0.0, 0, 0)
        for win in wins:
            p = plain_score(clf, win.words)
            if p > want_win[0]:
                want_win = (p, win.start, win.end)
            if p > want_joint[0]:
                q = p * plain_score(now, win.words)
                if q > want_joint[0]:
                    want_joint = (q, win.start, win.end)
        for sen in sens:  # each clause alone too (test_safety_sentences)
            p = plain_score(clf, sen.words)
            if p > want_sen[0]:
                want_sen = (p, sen.start, sen.end)
            if now.sentence_shift is not None:
                p = C.shifted(p, clf.sentence_shift)
                if p > want_joint[0]:
                    q = p * plain_score(now, sen.words)
                    if q > want_joint[0]:
                        want_joint = (q, sen.start, sen.end)
        # a message of several windows is scored lower by the file's long_shift (test_safety_long_messages)
        want_best = C.combine_parts(want_win, len(wins), want_sen, clf.long_shift, clf.sentence_shift)
        assert clf.best(text) == want_best
        assert now.joint(text, clf) == want_joint


# ---- the whole screen, both ways -------------------------------------------------------------
def _empty(s: LexiconScreener) -> None:
    s._matcher._cache.clear()
    s._matcher._join_cache.clear()
    s.classifier._cache.clear()
    s.urgency._cache.clear()
    C._last_windows.clear()


def test_a_sample_screens_the_same_through_the_plain_paths(screener, messages, monkeypatch) -> None:
    sample = messages[::4] + long_texts(messages)
    _empty(screener)
    fast = [screener.screen(t).to_dict() for t in sample]

    m = screener._matcher
    monkeypatch.setattr(m, "_direct", m._direct_by_regex)
    monkeypatch.setattr(normalize, "_LEET_CAND", OLD_LEET_CAND)
    monkeypatch.setattr(normalize, "_LOOKALIKE_WORD", normalize._WORD)
    monkeypatch.setattr(C.inference, "_units", lambda text, n: (C.windows(text, n), C.sentences(text, n)))
    monkeypatch.setattr(C.Classifier, "score_words", plain_score)
    _empty(screener)
    plain = [screener.screen(t).to_dict() for t in sample]
    monkeypatch.undo()
    _empty(screener)
    assert sum(f["level"] != "none" for f in fast) > len(sample) // 3  # the sample holds danger
    differ = [i for i, (a, b) in enumerate(zip(fast, plain)) if a != b]
    assert not differ, f"{len(differ)} of {len(sample)} verdicts differ, e.g. message {differ[:5]}"
