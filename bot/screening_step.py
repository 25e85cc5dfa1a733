"""The message path's first step: what the person said, screened, before any I/O.

Apart from the gateway so the one step that must never wait (a danger message gets 112
even when Redis, Rasa and the action server are all down) reads on its own: CPU only.
"""
from __future__ import annotations

from bot import language, register
from bot.commands import effective_text
from bot.inbound import Inbound
from bot.screening import Screener, ScreenResult


class ScreeningStep:
    """Turns an inbound message into what was said and the screen's verdict on it."""

    def __init__(self, screener: Screener, intents: frozenset[str]) -> None:
        self.screener = screener
        self.intents = intents

    def said(self, msg: Inbound) -> tuple[str, str | None]:
        """(the text, the intent payload of a known button or None): bot.commands."""
        return effective_text(msg, self.intents)

    def screen(self, msg: Inbound) -> ScreenResult:
        """Screen what the person wrote: CPU only, before any Redis or Rasa call."""
        if msg.kind != "text":
            return ScreenResult()
        text, _ = self.said(msg)
        return self.screener.screen(text) if text else ScreenResult()

    @staticmethod
    def guess_voice(msg: Inbound) -> str:
        """The language and register of the message itself, for a reply sent before the
        conversation is read (an adult's "Jó napot, ..." gets the 112 block in "Ön")."""
        text = msg.text or ""
        return register.voice(language.detect(text, "hu"), register.detect(text))
