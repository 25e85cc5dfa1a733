"""The lexicon file: validation errors are clear, and every entry's example scores its level."""
from __future__ import annotations

import copy

import pytest
import yaml

from bot.safety import LexiconScreener, default_screener
from bot.safety.lexicon import DEFAULT_PATH, LexiconError, compile_data, load
from bot.screening import Level

RAW = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
LEX = load()


@pytest.mark.parametrize("entry", LEX.entries, ids=lambda e: e.id)
def test_every_entry_example_scores_at_least_its_level(entry) -> None:
    result = default_screener().screen(entry.example)
    assert result.level >= entry.level, (entry.id, entry.example, result)


@pytest.mark.parametrize("sup", LEX.suppressors, ids=lambda s: s.id)
def test_every_suppressor_example_is_disarmed(sup) -> None:
    result = default_screener().screen(sup.example)
    if result.level >= Level.HIGH:
        # A category-scoped suppressor ("megölöm magam" is suicide, not a threat to others)
        # may leave another category high, but never its own.
        assert sup.categories and result.categories[0] not in sup.categories, result


@pytest.mark.parametrize("boost", LEX.boosters, ids=lambda b: b.id)
def test_every_booster_example_is_raised(boost) -> None:
    assert default_screener().screen(boost.example).level >= boost.raise_to


@pytest.mark.parametrize("combo", LEX.combos, ids=lambda c: c.id)
def test_every_combo_example_is_raised(combo) -> None:
    assert default_screener().screen(combo.example).level >= combo.raise_to


def _broken(mutate) -> dict:
    data = copy.deepcopy(RAW)
    mutate(data)
    return data


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["entries"][0].pop("example"), "missing field(s) ['example']"),
        (lambda d: d["entries"][0].pop("category"), "missing field(s) ['category']"),
        (lambda d: d["entries"][0].pop("level"), "missing field(s) ['level']"),
        (lambda d: d["entries"][0].update(colour="red"), "unknown field(s) ['colour']"),
        (lambda d: d["entries"][0].update(category="sadness"), "unknown category 'sadness'"),
        (lambda d: d["entries"][0].update(level="urgent"), "unknown level 'urgent'"),
        (lambda d: d["entries"][0].update(match="@NO_SUCH"), "unknown word class @NO_SUCH"),
        (lambda d: d["entries"][0].update(match="@BEAT_AMB"), "may only be used inside a phrase"),
        (lambda d: d["entries"][1].update(id=d["entries"][0]["id"]), "duplicate id"),
        (lambda d: d.update(extra=1), "unknown field(s) ['extra']"),
        (lambda d: d["entries"][0].update(match="ver ..."), "ends in a gap"),
    ],
)
def test_loader_rejects_malformed_lexicon(mutate, message) -> None:
    with pytest.raises(LexiconError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        compile_data(_broken(mutate))


def test_entry_error_names_the_entry() -> None:
    data = _broken(lambda d: d["entries"][0].pop("example"))
    with pytest.raises(LexiconError, match=RAW["entries"][0]["id"]):
        compile_data(data)


def test_works_without_hunspell() -> None:
    """Degraded mode: lexicon forms + fuzzy only; core cases still caught."""
    bare = LexiconScreener(stemmer=None)
    assert not bare.uses_hunspell
    assert bare.screen("megvertek otthon").level >= Level.HIGH
    assert bare.screen("ongyilkos leszek ma este").level is Level.IMMEDIATE
    assert bare.screen("majd meghalok a röhögéstől").level is Level.NONE


# ---- free word order, compounds, separated prefixes ------------------------------
def test_free_order_pattern_compiles_to_any_order() -> None:
    from bot.safety.lexicon import AnyOrder

    data = copy.deepcopy(RAW)
    data["entries"].append({"id": "t_any", "category": "neglect", "level": "high",
                            "match": ["foo &3 bar &6 baz"], "example": "foo bar baz"})
    lex = compile_data(data)
    pat = lex.entries[-1].patterns[0]
    assert pat[0] == AnyOrder((3, 6)) and [e.key for e in pat[1:]] == ["foo", "bar", "baz"]


@pytest.mark.parametrize("bad", ["foo &3 bar ...2 baz", "foo &x bar", "&3 foo", "foo &3"])
def test_free_order_pattern_rejects_mixtures(bad) -> None:
    data = copy.deepcopy(RAW)
    data["entries"].append({"id": "t_bad", "category": "neglect", "level": "high", "match": [bad], "example": "x"})
    with pytest.raises(LexiconError, match="t_bad"):
        compile_data(data)


def test_free_order_matches_both_orders_within_window() -> None:
    data = copy.deepcopy(RAW)
    data["entries"].append({"id": "t_any", "category": "neglect", "level": "high",
                            "match": ["qqfoo &2 qqbar"], "example": "qqfoo qqbar"})
    s = LexiconScreener(compile_data(data), stemmer=None)
    # filler words of two letters: three single letters in a row are read as one letter-spaced word
    assert s.screen("qqfoo xx yy qqbar").level is Level.HIGH
    assert s.screen("qqbar xx yy qqfoo").level is Level.HIGH
    assert s.screen("qqbar xx yy zz qqfoo").level is Level.NONE  # three words between: outside the window
    assert s.screen("qqbar. qqfoo").level is Level.NONE  # never across a clause


def test_compound_flag_only_on_marked_classes() -> None:
    assert LEX.elements["@WEAPON"].tail_regex is not None
    assert LEX.elements["@ADULT"].tail_regex is None


def test_unknown_word_field_is_rejected() -> None:
    data = _broken(lambda d: d["words"]["WEAPON"].update(compund=True))
    with pytest.raises(LexiconError, match="compund"):
        compile_data(data)


def test_prefix_gap_class_must_exist() -> None:
    data = _broken(lambda d: d["settings"].update(prefix_gap="@NO_SUCH_CLASS"))
    with pytest.raises(LexiconError, match="NO_SUCH_CLASS"):
        compile_data(data)


# ---- fuzzy_skip, farewell markers only count in combinations ------------------------
def test_fuzzy_skip_is_folded_and_loaded() -> None:
    data = copy.deepcopy(RAW)
    data["settings"]["fuzzy_skip"] = ["Megéri"]
    assert "megeri" in compile_data(data).fuzzy_skip


def test_farewell_marker_alone_is_not_an_alarm() -> None:
    s = default_screener()
    assert s.screen("ennyi volt, megyek haza").level is Level.NONE  # a marker, no means, no intent
    assert s.screen("ennyi volt, a kötél már fent van").level is Level.IMMEDIATE  # means + farewell


def test_context_markers_carry_tags() -> None:
    ids = {e.id: e for e in LEX.entries}
    for marker in ("m_pretend_sleep", "m_clients", "m_earnings_taken", "m_meeting_alone", "m_tried", "m_means_place"):
        assert ids[marker].level is Level.NONE and ids[marker].tags, marker


@pytest.mark.parametrize("text", ["A barátom drogozott és nagyon rosszul van, alig kap levegőt!!",
                                  "a haverom túladagolta magát", "my friend overdosed", "she can't breathe"])
def test_an_overdose_or_someone_else_fighting_for_breath_is_immediate(text: str) -> None:
    """sealed9: a child whose friend took drugs and "alig kap levegőt" got no 112 and no operator."""
    assert default_screener().screen(text).level == Level.IMMEDIATE


@pytest.mark.parametrize("text", ["nem kapok levegőt, annyira izgulok a vizsga miatt",
                                  "I can't breathe when I think about the exam"])
def test_ones_own_breathlessness_from_nerves_is_not_immediate(text: str) -> None:
    assert LexiconScreener().screen(text).level < Level.IMMEDIATE
