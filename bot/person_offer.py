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
from bot.texts import TALK_PAYLOAD

# One sentence (up to . ! or ?) offering a person "if you like": "Ha szeretnéd, egy munkatársunk
# itt, írásban beszélget veled.", "If you like, a colleague can chat with you here in writing;".
_OFFER = re.compile(
    r"(?:^|(?<=[.!?;:]))\s*(?:Ha szeretnéd?|If you(?:'d)? like|If you want)\b[^.!?]*?"
    r"\b(?:munkatárs\w*|kollég\w*|colleague\w*|person|emberrel)\b[^.!?]*[.!?]?",
    re.IGNORECASE,
)


def without_offer(reply: Reply, instead: str = "") -> tuple[Reply | None, bool]:
    """``reply`` without its offers of a person (None when nothing is left of it), the first
    one replaced by ``instead`` (a person is on the way), and whether an offer was there."""
    if reply.emergency:
        return reply, False
    found = [m.group(0) for m in _OFFER.finditer(reply.text)]
    text = reply.text
    for i, offer in enumerate(found):
        text = text.replace(offer, f" {instead}" if i == 0 and instead else "", 1)
    text = text.strip()
    buttons = tuple(b for b in reply.buttons if b[1] != TALK_PAYLOAD)
    if not text and not buttons:
        return None, bool(found)
    return Reply(text, buttons, reply.emergency), bool(found)


def drop_offers(replies: list[Reply], instead: str = "") -> tuple[list[Reply], bool]:
    """The replies of a queued or live chat, with no person offered again: the first offer
    becomes ``instead`` ("a colleague will write to you here soon"), the others go. Also
    whether there was one."""
    kept: list[Reply] = []
    any_found = False
    for reply in replies:
        new, found = without_offer(reply, "" if any_found else instead)
        any_found = any_found or found
        if new is not None:
            kept.append(new)
    return kept, any_found
