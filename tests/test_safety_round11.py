"""Round 11 (session 10, issue 13): recall on new wording without new false alarms.

A guard that covers only a *marker* (a word that is no danger alone, kept for combinations: "este",
"tonight") says nothing about whether the message is harmless: "tegnap este még minden rendben
volt ... most kint áll a kertben egy baltával" had its statistical raise vetoed because the guard
for "tegnap este" covered the marker "este". Only a guarded or negated *entry* vetoes it now.

Sentences written for these tests in the shape of what was missed, never copied from an evaluation
set. The lexicon alone is tested, as the guards and families are its own.
"""
from __future__ import annotations

import pytest

from bot.safety import LexiconScreener
from bot.screening import Level


@pytest.fixture(scope="module")
def screener(lexicon_screener: LexiconScreener) -> LexiconScreener:
    return lexicon_screener


@pytest.mark.parametrize("text", [
    # a time marker covered by its guard ("tegnap este", "last night"): not a harmless context
    "tegnap este meg minden jo volt, filmet neztunk. most apa kint all a kertben egy baltaval es ordit",
    "Last night we watched a film together. Now he is banging on the bedroom door and we are hiding.",
])
def test_a_guarded_marker_does_not_veto_the_classifier(screener: LexiconScreener, text: str) -> None:
    _result, suppressed = screener.screen_detail(text)
    assert not suppressed, text


@pytest.mark.parametrize("text", [
    # a guarded or negated entry still vetoes (the classifier must not overrule the guard)
    "a játékban megöltem a sárkányt",
    "a filmben lelőtték a rendőrt",
    "nem akarok meghalni csak fáradt vagyok",
])
def test_a_guarded_entry_still_vetoes(screener: LexiconScreener, text: str) -> None:
    result, suppressed = screener.screen_detail(text)
    assert suppressed and result.level < Level.HIGH, text


@pytest.mark.parametrize("text, category", [
    # groping with a verbal prefix
    ("a nevelőapám megfogdos, amikor anyu nincs itthon", "sexual_abuse"),
    ("a mostohatesom mindig megfogdosott a kanapen", "sexual_abuse"),
    # a hand into underwear (the pattern wanted "alá" after every alternative)
    ("a nagybátyám benyúlt a bugyimba", "sexual_abuse"),
    ("a papa benyul a nadragomba ha senki nem figyel", "sexual_abuse"),
    # a touch or a hug "not the way it should be"
    ("a nagypapa mindig ölelget, de nem úgy, ahogy kéne", "sexual_abuse"),
    ("az edzo simogat de nem ugy ahogy szokas", "sexual_abuse"),
    ("my uncle hugs me but not the way he should", "sexual_abuse"),
    # a child's room entered at night, the verb first
    ("a nevelőapám bejön éjjel a szobámba", "sexual_abuse"),
    ("bejar ejjelente a szobamba a mostohaapam", "sexual_abuse"),
    # genital injuries a doctor or a nurse sees
    ("a kislánynál sérülések vannak a nemi szerv környékén", "sexual_abuse"),
    ("the 5 year old has bruising in the genital area and mum says she fell off a bike", "sexual_abuse"),
    # kneeling as a punishment
    ("a gondozó térdeltet minket a sarokban", "physical_abuse"),
    ("mum makes us kneel on rice for an hour", "physical_abuse"),
    # researching how bleeding to death works
    ("how long does it take to bleed out from your wrist", "suicide_self_harm"),
    ("mennyi ido alatt lehet elverezni", "suicide_self_harm"),
    # an adult's hand put on a child's thigh
    ("the tutor put his hand on my thigh when we were alone", "sexual_abuse"),
    ("a tanar ur mindig a combomra teszi a kezet ora utan", "sexual_abuse"),
    # a video of the child and money demanded, or it goes to everyone
    ("someone has a video of me and wants 300 pounds by friday", "sexual_abuse"),
    ("pay by tonight or they send it to my whole school", "sexual_abuse"),
])
def test_new_wording_is_high(screener: LexiconScreener, text: str, category: str) -> None:
    result = screener.screen(text)
    assert result.level >= Level.HIGH, text
    assert category in result.categories, (text, result.categories)


@pytest.mark.parametrize("text", [
    # a small sibling, a pet or a nightmare at night: not an intrusion
    "a kistesóm éjjel bejön a szobámba, mert fél a vihartól",
    "a macska ejjel bejon a szobamba es a fejemen alszik",
    "éjjel bejön a szobámba a kisöcsém, ha rosszat álmodik",
    "my little sister comes into my room at night when she has nightmares",
    # "öl" (a lap) inflected stems to "öl" (kill): the new "ölelget" word made Hunspell read it
    "Magam adtam öledbe a szolgálóleányomat",
    # fruit touched, a dog's paw
    "a piacon a néni nem engedte, hogy megfogdossam a barackot",
    "a kutyank mindenkit megfogdos a mancsaval ha enni ker",
    # money for one's own photos, a hand on a shoulder
    "my mum wants money for the photos of me from the school trip",
    "the coach put his hand on my shoulder and said well played",
    # an illness, a hairdresser "killed" or "beat up" the writer
    "szétvert az influenza, most fekszem egész nap",
    "a fodrász majdnem kinyírt, olyan rövidre vágta a hajam",
    # a first-aid lesson: choking and bleeding taught, not happening
    "at the first aid course we learnt what to do if someone is choking or bleeding",
    "first aid class today: what to do if someone is bleeding and not breathing",
])
def test_harmless_neighbours_of_the_new_entries_stay_below_high(screener: LexiconScreener, text: str) -> None:
    """A small sibling at night, fruit or a paw, one's own photos, figures of speech, lessons."""
    assert screener.screen(text).level < Level.HIGH, text


@pytest.mark.parametrize("text", [
    # the same words about a person doing it, happening now, keep their level
    "apa szétvert, most fekszem a földön",
    "my brother is choking and bleeding now",
    # a TV smashed in a rage is no film: the fiction guard does not cover the knife
    "my stepdad smashed the TV and held a kitchen knife while screaming at mum",
])
def test_the_same_words_of_a_person_stay_high(screener: LexiconScreener, text: str) -> None:
    assert screener.screen(text).level >= Level.HIGH, text


def test_threshold_rules_can_leave_the_written_training_text_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-written training files' hard negatives are adversarial text, not a sample of what
    people write: with RULES_ON_TRAINING_ONLY off, the eval-`none` and urgency rules that set the
    thresholds leave them out (on: every eval row counts, as the shipped weights were set)."""
    from types import SimpleNamespace

    from bot.safety.classifier import recipe, training

    rows = [("none", "-", "a"), ("none", "-", "b"), ("high", "neglect", "c"), ("none", recipe.ORDINARY, "d")]
    groups = ["fresh9", recipe.TRAINING_ONLY[-1], "fresh10", "fresh9"]
    data = SimpleNamespace(rows=rows, groups=groups)
    monkeypatch.setattr(training, "RULES_ON_TRAINING_ONLY", False)
    assert training.rule_rows(data) == [0, 2]  # type: ignore[arg-type]
    monkeypatch.setattr(training, "RULES_ON_TRAINING_ONLY", True)
    assert training.rule_rows(data) == [0, 1, 2]  # type: ignore[arg-type]
