"""What a channel hands the gateway and what it gets back, apart from the gateway itself.

Every channel (web, Telegram, mail) and every part of the message path reads these, so they
live in a module that imports nothing of the path: no import circles through the gateway.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.delivery import Reply
from bot.screening import ScreenResult
from bot.store import Conversation, State

# A push channel's way to hand replies to the person at once (Telegram's outbox).
Deliver = Callable[[list[Reply]], Awaitable[None]]

@dataclass
class Inbound:
    """A message from a person, as any channel hands it over.

    ``chat_id`` is the channel's raw id: it is turned into the pseudonymous id at
    once and only stored sealed, as the delivery route.
    """

    channel: str
    chat_id: str
    text: str | None = None
    payload: str | None = None
    kind: str = "text"
    route: dict[str, Any] | None = None
    message_id: int | None = None
    # A report form filled outside the chat (a mail; bot.mail_report_form): field -> the
    # person's words. ``text`` holds the same answers, for the screen and the transcript.
    report_form: dict[str, str] | None = None
    # The web page's id for this message: a request replayed by a load balancer (its gateway
    # died with it) is answered, not recorded a second time.
    client_id: str | None = None
    # A picture or file sent with words (Telegram's caption): its kind. The words are the
    # message (screened, answered); the person is told the picture itself was not opened.
    attachment: str | None = None
    # An edit of a message sent earlier (Telegram's edited_message): answered as a new message
    # (an edit can turn "ok" into "he is here now"), marked for the operator as an edit.
    edited: bool = False


@dataclass
class Outcome:
    pid: str
    state: State
    replies: list[Reply] = field(default_factory=list)
    screening: ScreenResult = field(default_factory=ScreenResult)
    cursor: int = 0
    replayed: int = 0  # a replayed message: the cursor after the first delivery's answer


class Handoff(Protocol):
    """What the gateway needs from the operator queue (built in ``bot.handoff``)."""

    async def request(self, conv: Conversation, *, reason: str, skill: str | None) -> list[Reply]:
        """Queue the conversation (or raise its priority); return what to tell the person."""

    async def person_wrote(self, conv: Conversation, seq: int, result: ScreenResult,
                           bot_answers: bool = False) -> list[Reply]:
        """A message arrived while queued or live: notify operators; maybe reply."""

    async def wait_answer(self, conv: Conversation) -> list[Reply]:
        """While queued, "how long until someone writes?": the place, the estimate, 112."""

    async def erasing(self, conv: Conversation) -> bool:
        """/torles: out of the queue and its operator's list before the data goes (True: it was)."""

    async def erased(self, pid: str) -> None:
        """/torles done: the consoles redraw (the chat is gone for its operator too)."""
