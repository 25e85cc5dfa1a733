"""The register the gateway answers in follows who writes: "Ön" for adults, "te" for children."""
from __future__ import annotations

import pytest

from bot import register, texts
from bot.handoff import data


@pytest.mark.parametrize("text", ["Jó napot, szeretnék érdeklődni", "A lányom nem akar iskolába menni",
                                  "kérem segítsenek", "A szomszédban sír egy kisgyerek", "Tanár vagyok"])
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
