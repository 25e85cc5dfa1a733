"""The register the gateway answers in follows who writes: "Ön" for adults, "te" for children."""
from __future__ import annotations

import pytest

from bot import register, texts
from bot.handoff import data


@pytest.mark.parametrize("text", ["Jó napot, szeretnék érdeklődni", "A lányom nem akar iskolába menni",
                                  "kérem segítsenek", "A szomszédban sír egy kisgyerek", "Tanár vagyok",
                                  # a report about "a small child" or "a baby" (sealed10: answered "te")
                                  "Jelentést szeretnék tenni egy kisgyerekről.",
                                  "jelezni szeretnék egy elhanyagolt babát"])
def test_adult_words_set_the_formal_register(text: str) -> None:
    assert register.detect(text) == register.FORMAL


@pytest.mark.parametrize("text", ["apam megint megvert", "12 eves vagyok es felek", "anyu mindig kiabal",
                                  "a suliban bantanak"])
def test_a_childs_words_keep_te_even_after_a_formal_start(text: str) -> None:
    assert register.detect(text, register.FORMAL) == register.INFORMAL


def test_unknown_stays_unknown_and_formal_sticks() -> None:
    assert register.detect("hello") == ""
    assert register.detect("köszi", register.FORMAL) == register.FORMAL


def test_persona_and_queue_follow_the_register() -> None:
    assert register.persona("Tanár vagyok, egy diákom", register.FORMAL) == "professional"
    assert register.persona("Jó napot", register.FORMAL) == "adult"
    assert register.persona("köszönöm", register.FORMAL, "professional") == "professional"
    assert register.persona("apam megvert", register.INFORMAL, "adult") == "child"


def test_formal_texts_use_on_and_fall_back_to_plain() -> None:
    assert "hívja" in texts.text("emergency", "hu_formal") and "hívd" not in texts.text("emergency", "hu_formal")
    assert texts.text("erased", "hu_formal") == texts.text("erased", "hu")  # no formal variant yet
    assert "Önnek" in data.text("operator_joined", "hu_formal")
    assert "a(z)" not in data.text("queued", "hu", position=3)


@pytest.mark.parametrize("text", ["a 15 éves lányom tegnap óta nem jött haza", "a 6 eves fiam eltunt a plazaban",
                                  "A sógorom részegen megütötte a fiát", "A volt párom az ajtó előtt áll",
                                  "A férjem megütött, most a húgomnál vagyunk",
                                  "A húgom gyerekei napok óta nem esznek rendesen",
                                  "My 14-year-old son was assaulted by older boys", "our little girl is missing"])
def test_an_adults_own_family_words_set_on_even_beside_a_sibling(text: str) -> None:
    assert register.detect(text) == register.FORMAL
    assert register.persona(text, register.detect(text)) == "adult"


@pytest.mark.parametrize("text", ["Igazgatóhelyettes vagyok. Ma az udvaron két diák megvert egy harmadikat.",
                                  "Háziorvos vagyok, egy kamasz betegem", "Családsegítő vagyok, egy családnál",
                                  "Iskolapszichológus vagyok", "szakemberként kérdezném",
                                  "Óvodapedagógus vagyok. Egy 5 éves kisfiúért ma nem jöttek el a szülei",
                                  "gyogypedagoguskent dolgozom egy iskolaban",
                                  "Sportegyesületi vezető vagyok. Több gyerek elmondta, hogy az edzőnk megüti őket."])
def test_professions_in_compounds_are_professionals(text: str) -> None:
    assert register.persona(text, register.detect(text)) == "professional"


@pytest.mark.parametrize("text", ["I'm a teacher in Budapest. Do I have a legal duty to report?",
                                  "I teach English at a primary school in Pécs", "as a GP, am I obliged to report?",
                                  "I work as a school nurse", "I am a health visitor"])
def test_professions_said_in_english_are_professionals(text: str) -> None:
    """Issue 12: an English-speaking teacher or doctor is told of the duty to signal (the
    professional's where-to-turn answer), as a Hungarian one is."""
    assert register.persona(text, register.detect(text)) == "professional"


@pytest.mark.parametrize("text", ["my teacher hits me", "I am scared", "I am a mother of two"])
def test_a_profession_named_of_someone_else_is_not_the_writers(text: str) -> None:
    assert register.persona(text, register.detect(text)) != "professional"


def test_a_sibling_alone_still_reads_as_a_child() -> None:
    assert register.detect("a hugom mindig sir") == register.INFORMAL
    assert register.detect("az osztálytársa és a barátnője vagyok") == register.INFORMAL  # sealed9
    assert register.detect("my boyfriend hits me") == ""  # "my boy..." is no parent's word


def test_the_persona_buttons_set_register_and_persona_over_an_earlier_guess() -> None:
    assert register.detect("/persona_adult", register.INFORMAL) == register.FORMAL
    assert register.persona("/persona_adult", register.FORMAL, "child") == "adult"
    assert register.detect("/persona_child", register.FORMAL) == register.INFORMAL
    assert register.persona("/persona_professional", register.FORMAL) == "professional"


def test_the_persona_rides_the_message_metadata_as_a_slot() -> None:
    """Issue 12: the persona the gateway heard goes to Rasa as ``metadata.slots`` with every
    message (rasa_addons.metadata_slots sets the slot: no action-server call); the language
    only when it changes."""
    from bot.rasa_turn import rasa_metadata
    from bot.store import Conversation

    meta, changed = rasa_metadata(Conversation(pid="p", channel="web", persona="adult", rasa_language="hu"))
    assert meta["slots"] == {"persona": "adult", "queued": "no"} and not changed
    meta, changed = rasa_metadata(Conversation(pid="p", channel="web", language="en", rasa_language="hu"))
    assert meta["slots"] == {"language": "en", "queued": "no"} and changed
    meta, _ = rasa_metadata(Conversation(pid="p", channel="web"))
    assert meta["slots"] == {"queued": "no"}


def test_the_danger_level_of_a_queued_chat_rides_the_metadata() -> None:
    """Issue 12: while the chat waits for an operator the report form hears at what danger level
    (``queued``), so it can be short: an operator is on the way (actions/report_form.py)."""
    from bot.rasa_turn import rasa_metadata
    from bot.screening import Level, RiskState
    from bot.store import Conversation, State

    queued = Conversation(pid="p", channel="web", state=State.QUEUED, risk=RiskState(level=Level.HIGH))
    assert rasa_metadata(queued)[0]["queued"] == "high"
    assert "queued" not in rasa_metadata(Conversation(pid="p", channel="web", risk=RiskState(level=Level.HIGH)))[0]


def test_rasa_hears_with_every_message_whether_a_person_is_on_the_way() -> None:
    """Issue 12 (session 12b): the ``queued`` slot is "yes" while queued or live, "no" otherwise,
    with every message (the state changes outside Rasa), so Rasa's answers never offer a person
    while one is on the way (the domain's queued variations, actions/common.py ``waiting``)."""
    from bot.rasa_turn import rasa_metadata
    from bot.store import Conversation, State

    for state, said in ((State.QUEUED, "yes"), (State.LIVE, "yes"), (State.BOT, "no"), (State.CLOSED, "no")):
        assert rasa_metadata(Conversation(pid="p", channel="web", state=state))[0]["slots"]["queued"] == said


def test_a_pupils_classmate_told_by_a_teacher_keeps_on() -> None:
    """"egy osztálytársának" is the pupil's classmate, told by the form teacher: not a child's own
    word ("az osztálytársam" is); a consultation request is a professional's (sealed3)."""
    reg = register.detect("Osztályfőnök vagyok. Az osztályomban egy tanulót hónapok óta csúfolnak.")
    assert reg == register.FORMAL
    assert register.detect("Tegnap azt írta egy osztálytársának, hogy nem akar tovább élni.", reg) == register.FORMAL
    assert register.detect("az osztálytársam mindig csúfol", register.FORMAL) == register.INFORMAL
    said = "Szakmai konzultációt kérnék egy bántalmazásos ügyben, egy anya két gyerekkel menekülne el otthonról."
    assert register.detect(said) == register.FORMAL and register.persona(said, register.FORMAL) == "professional"


@pytest.mark.parametrize("text,current,persona", [
    ("Óvodapedagógus vagyok. Egy apuka most érkezett a 4 éves kislányáért, láthatóan ittas.", "", ""),
    ("Egy kisfiú ma azt mondta, hogy az apukája este cigarettával megégette a kezét.", register.FORMAL, "professional"),
    ("A kislány azt mondta: anyu megint megverte.", register.FORMAL, "professional"),
    # said inside the report form after a child-like start: the profession decides
    ("Óvodapedagógus vagyok, egy kisfiú mondta, hogy az apja megüti.", register.INFORMAL, "child"),
    ("A gyermekjóléti szolgálat családsegítője vagyok. Esetkonzultációt kérnék.", "", ""),
])
def test_a_professional_quoting_a_child_keeps_on(text: str, current: str, persona: str) -> None:
    """Issue 12 (sealed, sealed2, sealed4): "egy apuka", "az apukája" or a child quoted by a
    kindergarten teacher who said so is no child writing; a profession said of oneself sets "Ön"
    and the professional persona, at any point (inside the report form too)."""
    reg = register.detect(text, current, persona)
    assert reg == register.FORMAL and register.persona(text, reg, persona) == "professional"


def test_a_formal_imperative_is_an_adult() -> None:
    """ "Előbb azt mondja meg: ..." addresses us with "Ön" (sealed4)."""
    assert register.detect("Előbb azt mondja meg: a család megtudhatja, hogy én jelentettem?") == register.FORMAL
    assert register.detect("apukám megint kiabál") == register.INFORMAL  # a child's own dad stays a child's
    assert register.detect("a barátnőmet az anyukája nem engedi enni") == register.INFORMAL


def test_the_screens_topics_ride_the_message_metadata() -> None:
    """Issue 12: the conversation's danger-screen categories (never its text) go to Rasa as
    ``metadata.topics``, so "hová fordulhatok ezzel?" after a disclosure NLU did not name is
    answered with that problem's services (actions/where_to_turn.py ``action_ask_help``)."""
    from bot.rasa_turn import rasa_metadata
    from bot.screening import Level, RiskState
    from bot.store import Conversation

    conv = Conversation(pid="p", channel="web", risk=RiskState(level=Level.HIGH, categories=["physical_abuse"]))
    assert rasa_metadata(conv)[0]["topics"] == ["physical_abuse"]
    assert "topics" not in rasa_metadata(Conversation(pid="p", channel="web"))[0]


@pytest.mark.parametrize("text", [
    "We moved to Debrecen last year. The kids next door are often home alone until late at night.",
    "Our neighbours in Győr often leave their toddler alone in the flat.",
    "My 15-year-old son was mugged on the way home from school.",
])
def test_an_english_parent_or_neighbour_is_an_adult(text: str) -> None:
    """A neighbour or a parent writing in English is an adult (sealed6: asked "who is writing?"
    after the answer); a child's words still keep the child's register."""
    assert register.persona(text, register.detect(text)) == "adult"
    assert register.persona("my dad hits me", register.detect("my dad hits me")) != "adult"


@pytest.mark.parametrize("text,who", [
    ("Az óvoda nevében jeleztük a gyanút a családsegítőnek, de nem válaszoltak. Mit tehetünk még?", "professional"),
    ("Egy lakásotthonban dolgozom, és aggódom az egyik fiú miatt.", "professional"),
    ("Szülészeti osztályon dolgozom, egy anya itt hagyta az újszülöttjét.", "professional"),
    ("A munkahelyemen az egyik kollégám durván bánik a gyerekekkel.", "adult"),
    ("Bejelentést szeretnék tenni, mert a lépcsőházban mindig ordít egy kisgyerek.", "adult"),
    ("Szeretnék tájékoztatást kérni arról, hogyan működik a gyermekvédelmi jelzés.", "adult"),
])
def test_an_adults_letter_or_workplace_sets_on_from_the_first_message(text: str, who: str) -> None:
    """An adult who writes like to an office, speaks for an institution or of their workplace is
    answered with "Ön" from the first reply (sealed7: "szeretnél", "mondd el" to a children's home
    worker and to a neighbour reporting); a child's plain "szeretnek" stays unknown."""
    reg = register.detect(text)
    assert reg == register.FORMAL
    assert register.persona(text, reg) == who


@pytest.mark.parametrize("text", ["szeretnek beszelni valakivel", "szeretnék egy emberrel beszélni",
                                  "Szeretnék beszélni valakivel, mert anyu kiabál."])
def test_a_childs_szeretnek_is_not_a_letter(text: str) -> None:
    assert register.detect(text) != register.FORMAL


@pytest.mark.parametrize("text,want", [
    ("Iskolai szociális segítő vagyok. Az egyik tanár rendszeresen megalázza a gyerekeket.", "professional"),
    ("Névtelenül szeretnék jelezni egy családot.", "adult"),
    ("Jelenteni szeretnék egy elhanyagolt, mozgássérült gyereket.", "adult"),
    ("Siket vagyok. Az ablakomból látom, hogy a szomszéd apuka rendszeresen üti a kisfiát.", "adult"),
    ("The American family upstairs often leaves their 5-year-old alone for whole evenings.", "adult"),
])
def test_an_adult_reporting_a_family_or_naming_their_work_gets_on(text: str, want: str) -> None:
    """Issue 12 (sealed8): a social helper, a report about "a family" or "a neglected child", and "a
    szomszéd apuka" (the neighbour's dad, no child's "apu") were addressed with "te"."""
    reg = register.detect(text)
    assert reg == register.FORMAL and register.persona(text, reg) == want


def test_a_question_about_reporting_a_child_says_nothing_of_who_asks() -> None:
    """ "Hova lehet jelezni, ha egy gyereket bántalmaznak?": the child is the question's, not the
    report's object; anyone may ask it (the unknown register stays)."""
    assert register.detect("Hova lehet jelezni, ha egy gyereket bántalmaznak?") == ""


@pytest.mark.parametrize("text", ["apu megint kiabalt", "anyukam nem enged", "anyut megverte", "apuval veszekedtek"])
def test_a_childs_own_mum_and_dad_still_keep_te(text: str) -> None:
    """The narrower "anyu" / "apu" (not "a szomszéd apuka") still hears a child's own parents."""
    assert register.detect(text, register.FORMAL) == register.INFORMAL
