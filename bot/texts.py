"""The gateway's sentences, from the one catalogue (``wording/``), picked by voice."""
from __future__ import annotations

import wording

LANGUAGES = wording.LANGUAGES


def text(name: str, language: str = "hu") -> str:
    """The sentence ``name`` in ``language`` (Hungarian when the language is unknown).

    ``language`` may name a register too (``hu_formal``, see bot.register); a text with one
    Hungarian wording serves both registers. Placeholders are left for the caller."""
    return wording.text(name, language)


TALK_PAYLOAD = "/talk_to_human"  # the handoff intent a "talk to a person" button sends


def talk_button(voice: str) -> tuple[str, str]:
    """The "talk to a person" button (title in ``voice``, the handoff payload): one place for it."""
    return text("talk_to_person_button", voice), TALK_PAYLOAD
