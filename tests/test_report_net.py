"""The report's safety net (bot.report_net): a "send it" said with no form open."""
from __future__ import annotations

import pytest

from bot.conversation import BOT, PERSON, Entry
from bot.delivery import Reply
from bot.report_net import form_was_open, has_case_code, sends_report, worry_told


@pytest.mark.parametrize("text", [
    "Igen, küldje el.", "igen kuldd el", "yes, send it", "ok please send it", "Küldjék el így, kérem.",
    "Rendben, akkor kérem, küldje el Önök a jelzést, a nevem nélkül.", "továbbítsák",
])
def test_a_send_it_is_read(text: str) -> None:
    assert sends_report(text)


@pytest.mark.parametrize("text", [
    "ne küldd el", "don't send it yet", "Igen", "Elküldte a gyereket a boltba.",
    "küldjenek valakit, baj van",  # a call for help, not the report
    "A szomszéd küldje el a gyerekeket az iskolába reggel, mert a szülők alszanak, és senki nem "
    "figyel rájuk egész nap, ezt hogy lehet jelezni valakinek?",  # a long story, answered as such
])
def test_other_words_are_not_a_send_it(text: str) -> None:
    assert not sends_report(text)


def test_a_case_code_in_the_replies_is_seen() -> None:
    assert has_case_code([Reply("Elküldtük. A kódja: K7M-4QX-9TB")])
    assert not has_case_code([Reply("Rendben. Ha bármi más felmerül, itt vagyok.")])


def test_what_was_told_is_the_worries_of_the_person() -> None:
    entries = [
        Entry(1, PERSON, "Jó estét.", meta={"level": "none"}),
        Entry(2, BOT, "Miben segíthetek?"),
        Entry(3, PERSON, "A szomszéd gyerekei éhesek.", meta={"level": "concern"}),
        Entry(4, PERSON, "Tegnap egyedül sírtak a folyosón.", meta={"level": "immediate"}),
    ]
    assert worry_told(entries) == "A szomszéd gyerekei éhesek.\nTegnap egyedül sírtak a folyosón."
    assert worry_told(entries[:2]) is None


def test_a_form_question_just_before_the_message_means_the_form_was_open() -> None:
    asked = Entry(2, BOT, "Hány éves a gyerek?", buttons=(("Kihagyom", "/report_skip"), ("Mégsem", "/report_stop")))
    answered = Entry(2, BOT, "Rendben.")
    assert form_was_open([Entry(1, PERSON, "x"), asked, Entry(3, PERSON, "Igen, küldje el.")], 3)
    assert not form_was_open([Entry(1, PERSON, "x"), answered, Entry(3, PERSON, "Igen, küldje el.")], 3)
    # the form's question in the same turn as the message does not count
    assert not form_was_open([answered, Entry(3, PERSON, "y"), Entry(4, BOT, "Hány éves?", buttons=asked.buttons)], 3)
