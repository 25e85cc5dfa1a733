"""Typed text beginning with "/" never reaches Rasa as an intent command."""
from __future__ import annotations

import pytest

from bot.commands import NO_PHONE, clean_text, fold, interpret_command
from bot.ids import pseudonymise

INTENTS = frozenset({"greet", "ask_help", "talk_to_human", "restart"})


def test_restart_typed_by_a_person_loses_its_slash() -> None:
    assert interpret_command("/restart", INTENTS) == ("text", "restart")


def test_unknown_command_is_plain_text() -> None:
    assert interpret_command("/foo bar", INTENTS) == ("text", "foo bar")
    assert interpret_command("//greet", INTENTS) == ("text", "greet")


def test_own_commands_are_mapped() -> None:
    assert interpret_command("/start", INTENTS) == ("intent", "/greet")
    assert interpret_command("/start@segito_bot", INTENTS) == ("intent", "/greet")
    assert interpret_command("/help", INTENTS) == ("intent", "/ask_help")
    assert interpret_command("/operator", INTENTS) == ("handoff", "")
    assert interpret_command("/torles", INTENTS) == ("erase", "")


def test_plain_text_untouched() -> None:
    assert interpret_command("szia", INTENTS) == ("text", "szia")


def test_control_characters_dropped() -> None:
    assert clean_text("  sz\x00ia\x07 \n") == "szia"


def test_pseudonym_is_keyed_and_stable() -> None:
    a = pseudonymise(b"k" * 32, "telegram", 12345)
    assert a == pseudonymise(b"k" * 32, "telegram", "12345")
    assert a != pseudonymise(b"j" * 32, "telegram", 12345)
    assert a != pseudonymise(b"k" * 32, "web", 12345)
    assert "12345" not in a


@pytest.mark.parametrize("text", ["can i just chat here instead of calling? he would hear me",
                                  "nem tudok telefonalni mert meghallja", "I can't call, he'd hear me",
                                  "Hallássérült vagyok, telefonálni nem tudok.",
                                  "I am hard of hearing and cannot use the phone.", "I'm deaf, is there an email?",
                                  "Siket vagyok, hogyan kérhetek segítséget írásban?", "nagyothalló vagyok",
                                  "A férjem figyeli, ha telefonálok. Nem tudok senkit felhívni.",
                                  "I can't make phone calls"])
def test_cannot_phone_is_heard_in_english_too(text: str) -> None:
    """The emergency reply listens (issue 12, sealed4): "instead of calling, he would hear me"
    gets what works without a call, whatever NLU makes of it."""
    assert NO_PHONE.search(fold(text))
    assert not NO_PHONE.search(fold("can you call me back later?"))
    assert not NO_PHONE.search(fold("my phone is on silent, the deafening music next door"))


def test_the_number_list_is_not_said_right_after_cannot_phone() -> None:
    """After "nem tudok hívni, meghallja" got the ways without a call, the bot's number list
    ("Ha valaki most veszélyben van, hívd a 112-t ...", NLU may pick it) is left out: every
    variant of it in the domain is recognised (bot/reply_composer.py)."""
    from pathlib import Path

    import yaml

    from bot.reply_composer import _CALL_FIRST

    domain = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain" / "danger.yml").read_text("utf-8"))
    variants = domain["responses"]["utter_emergency_numbers"]
    assert len(variants) >= 3 and all(_CALL_FIRST.match(v["text"]) for v in variants)


def test_a_weapon_and_tears_in_emoji_alone_is_an_alarm_but_ordinary_emoji_are_not() -> None:
    from bot.commands import alarm_emoji
    assert alarm_emoji("🔪😭") and alarm_emoji(" 🗡️ 😢 ") and alarm_emoji("👊🏻😭")
    assert not alarm_emoji("😂👍") and not alarm_emoji("🔪") and not alarm_emoji("😭")
    assert not alarm_emoji("🔪😭 vacsora")  # words: the screen and Rasa read it
