"""The session-9 user test (issue 12): an adult who names their own child stays "Ön" when
quoting the child, and "what should I do?" follows the gravest latest danger told."""
from __future__ import annotations

from bot import register
from bot.conversation import Conversation
from bot.rasa_turn import rasa_metadata
from bot.safety.escalation import escalate
from bot.screening import Level, RiskState, ScreenResult


def test_a_parent_quoting_their_child_keeps_on_for_the_whole_conversation() -> None:
    first = "A lányom 12 éves. Azt mondta, hogy a suliban egy nagyobb fiú fogdossa."
    assert register.adult_self(first)
    assert register.detect(first) == register.FORMAL  # "a suliban" in the same message is the child's
    later = "azt mondja, hogy anyu barátja megveri"
    assert register.detect(later, register.FORMAL, "adult", adult=True) == register.FORMAL
    # without the parent's own words the old rule stands: a child's words win
    assert register.detect(later, register.FORMAL, "adult") == register.INFORMAL


def test_a_childs_own_age_or_button_still_ends_it() -> None:
    assert not register.adult_self("12 éves vagyok", before=True)
    assert register.detect("12 éves vagyok", register.FORMAL, "adult", adult=False) == register.INFORMAL
    assert not register.adult_self("/persona_child", before=True)
    assert register.adult_self("a 12 eves fiam") and register.adult_self("my daughter is 12")


def test_an_adult_by_their_own_words_makes_the_persona_sure_for_rasa() -> None:
    conv = Conversation(pid="p", channel="web", register=register.FORMAL, persona="adult", adult_self=True)
    assert rasa_metadata(conv)[0]["slots_sure"] == ["persona"]
    polite = Conversation(pid="p", channel="web", register=register.FORMAL, persona="adult")
    assert "slots_sure" not in rasa_metadata(polite)[0]


def test_the_gravest_latest_danger_goes_first_in_the_topics() -> None:
    state = escalate(RiskState(), ScreenResult(Level.CONCERN, ("sexual_abuse",), ("x",)))
    state = escalate(state, ScreenResult(Level.IMMEDIATE, ("physical_abuse",), ("y",)))
    state = escalate(state, ScreenResult(Level.CONCERN, ("bullying",), ("z",)))  # milder, later
    assert state.top == ["physical_abuse"]
    assert RiskState.from_dict(state.to_dict()).top == ["physical_abuse"]
    meta = rasa_metadata(Conversation(pid="p", channel="web", risk=state), heard=("bullying",))[0]
    assert meta["topics"][0] == "physical_abuse"
    assert set(meta["topics"]) == {"sexual_abuse", "physical_abuse", "bullying"}
    assert meta["heard"] == ["bullying"]
