"""bot.asking: a question about where to turn that names a danger, told apart from a
disclosure (after a return to the bot only the second queues again)."""
from __future__ import annotations

import pytest

from bot.asking import asks_where_to_turn, question_after_courtesy, report_form_open, wants_to_report

ASKING = [
    "hova forduljak ha a gyereket veri az apja?",
    "Hova lehet jelezni, ha egy gyereket bántalmaznak?",
    "mit tegyek ha a barátomat bántalmazzák?",
    "mit lehet tenni, ha egy gyereket szexuálisan zaklatnak?",
    "what can I do if my friend is being abused",
    "where can I report it if a child is being sexually abused?",
    "can you tell me who to contact if a child is being abused here?",
    "Még egy kérdés: hol tehetek feljelentést a bántalmazás miatt?",   # the abuse as the topic
]
TELLING = [
    "az apám megver, hova forduljak?",            # told first, asked after
    "hova forduljak, ha az apám megver?",         # one's own home, whatever the grammar
    "hova forduljak ha engem bántanak",           # the writer is the one harmed
    "mit tegyek, most is veri a gyereket",        # happening now
    "what can I do if he hits me again",
    "what can I do if my dad hits my sister",
    "my friend is being abused",                  # no question
    "azt mondta hogy megöl ha elmondom",          # a condition, but no where-to-turn frame
    "veri a szomszéd a gyerekét, hova szóljak?",  # an act told, then the question
]


@pytest.mark.parametrize("text", ASKING)
def test_a_where_to_turn_question_is_asking(text: str) -> None:
    assert asks_where_to_turn(text)


@pytest.mark.parametrize("text", TELLING)
def test_a_disclosure_is_not_asking(text: str) -> None:
    assert not asks_where_to_turn(text)


@pytest.mark.parametrize("text", [
    "A szomszédban a gyerekek egész éjjel egyedül vannak. Ezt névtelenül szeretném bejelenteni.",
    "jelenteni akarom hogy a baratnomet otthon nem etetik",
    "bejelentést szeretnék tenni egy családról",
    "Ezt szeretném jelezni valahol, de névtelenül.",
    "I want to report this anonymously",
    "Can I report it here in the chat without my name?",
    # the wish asked as a question about this channel or without a name (sealed6)
    "Akkor itt jelenteném be, név nélkül.",
    "ezt be lehet jelenteni ugy h ne tudjak meg h en voltam?",
    "Itt a chaten is megtehetem a jelzést? Mit kell megadnom?",
    "Ezen a felületen is leadhatom a jelzést?",
    "Can I also report this to you afterwards? I'd rather not give my name.",
    "Could I file this with you? I don't want to give my name.",
])
def test_a_wish_to_report_is_read(text: str) -> None:
    assert wants_to_report(text)


@pytest.mark.parametrize("text", [
    "szeretném megnézni, hol tart a bejelentésem",  # follow-up: a case code, not a new form
    "Múlt héten tettem egy bejelentést, szeretném megnézni, hol tart a bejelentésem.",
    "Jó napot, tavaly tettem itt bejelentést, a kódom B-4471. Szeretném tudni, mi lett vele.",
    "hova lehet jelezni, ha egy gyereket elhanyagolnak?",  # a question: its answer (and a button)
    "Where can I report this?",
    "igen jelentem. 11 eves",  # an answer inside a form already open
    "nem akarom, hogy megtudják",
    "Hol lehet névtelenül jelezni?",  # a place asked for
    "És ha jelzem, megtudják a szülők, hogy én voltam?",  # a fear, answered
    "az ofő jelezni fogja név nélkül?",  # someone else's report
])
def test_no_wish_to_report_is_read_into_other_words(text: str) -> None:
    assert not wants_to_report(text)


def test_an_open_form_is_seen_by_its_buttons() -> None:
    assert report_form_open(["/report_skip", "/report_dont_know", "/report_stop"])
    assert not report_form_open(["/report_start", "/talk_to_human"])


@pytest.mark.parametrize("text,rest", [
    ("thanks. who can I talk to at school tomorrow?", "who can I talk to at school tomorrow?"),
    ("Köszönöm szépen! Még egy kérdés: meddig lehet ott maradni?", "Még egy kérdés: meddig lehet ott maradni?"),
    ("ok. and how long can we stay there?", "and how long can we stay there?"),
])
def test_a_question_after_a_thank_you_is_what_is_asked(text: str, rest: str) -> None:
    assert question_after_courtesy(text) == rest


@pytest.mark.parametrize("text", ["thanks, bye", "köszönöm, hogy meghallgattál", "Köszönöm, viszlát.",
                                  "thank you so much, that helps a lot", "ok"])
def test_a_thank_you_alone_stays_a_thank_you(text: str) -> None:
    assert question_after_courtesy(text) == text


async def test_the_gateway_sends_rasa_the_question_not_the_thank_you(gateway_factory, rasa, http, redis) -> None:
    import json

    from bot import keys
    from bot.appkeys import GATEWAY

    gw = await gateway_factory(RASA_URL=rasa.url, ACTION_SERVER_URL=rasa.url)
    async with http.post(f"{gw.url}/api/chat", json={"session": "websession-thanks-01",
                                                      "text": "thanks. who can I talk to at school tomorrow?"}) as r:
        assert r.status == 200
    pid = gw.app[GATEWAY].pid("web", "websession-thanks-01")
    seen = json.loads(await redis.get(keys.rasa_tracker(pid)))["events"][-1]["text"]
    assert seen == "who can I talk to at school tomorrow?"


@pytest.mark.parametrize("text", ["Visszajöttem, folytatom a bejelentést.", "folytatnám a jelzést",
                                  "I'm back, I'd like to continue the report"])
def test_taking_up_a_draft_report_again_opens_the_form(text: str) -> None:
    """Issue 12 (sealed8): a report left half-way is kept; said in words, going on opens the form
    (actions.report.ActionReportReset then goes on where it stopped)."""
    assert wants_to_report(text)
