"""Drops "a colleague can chat with you, if you like" from the bot's answers once a person is
on the way (queued) or writing (live).

A child told "I am asking a colleague, you are number 2" and, in the same answer, "if you
like, a colleague can chat with you here" hears that nobody was asked (issue 12). Rasa does
not know the chat is queued, so its answers (the domain's and the actions' texts) carry the
offer; the gateway takes out the offering sentence and the talk-to-a-person button.
"""
from __future__ import annotations

import re

from bot.delivery import Reply

TALK_PAYLOAD = "/talk_to_human"
# One sentence (up to . ! or ?) offering a person "if you like": "Ha szeretnéd, egy munkatársunk
# itt, írásban beszélget veled.", "If you like, a colleague can chat with you here in writing;".
_OFFER = re.compile(
    r"(?:^|(?<=[.!?;:]))\s*(?:Ha szeretnéd?|If you(?:'d)? like|If you want)\b[^.!?]*?"
    r"\b(?:munkatárs\w*|kollég\w*|colleague\w*|person|emberrel)\b[^.!?]*[.!?]?",
    re.IGNORECASE,
)


def without_offer(reply: Reply) -> Reply | None:
    """``reply`` without its offers of a person (None when nothing is left of it)."""
    if reply.emergency:
        return reply
    text = _OFFER.sub("", reply.text).strip()
    if text.endswith(";"):
        text = text[:-1].rstrip() + "."
    buttons = tuple(b for b in reply.buttons if b[1] != TALK_PAYLOAD)
    if not text and not buttons:
        return None
    return Reply(text, buttons, reply.emergency)


def drop_offers(replies: list[Reply]) -> list[Reply]:
    """The replies of a queued or live chat, with no person offered again."""
    return [r for r in (without_offer(r) for r in replies) if r is not None]
