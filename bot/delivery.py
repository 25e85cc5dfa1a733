"""Saying something to a person outside a reply: an operator's message, a notice later.

The text is recorded in the transcript first, then pushed to the person's channel
when that channel pushes (Telegram's outbox, e-mail); web chat pulls it
(``GET /api/chat/{session}/messages``). Push channels register their pusher when
they start; the gateway, the handoff and the report desk get this one object at
construction, so none of them needs a reference to the others.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.store import ConversationStore

Button = tuple[str, str]  # (title, payload)


@dataclass(frozen=True)
class Reply:
    """A message to the person. ``emergency``: the gateway's 112 block (full or short), so
    that what comes after it (the report form's own "call 112 first"), a channel's sending
    order and a mail's withholding rule go by what it is, not by its wording."""

    text: str
    buttons: tuple[Button, ...] = ()
    emergency: bool = False


# A push channel's coroutine delivering replies to a stored route.
Pusher = Callable[[str, dict[str, Any], list[Reply]], Awaitable[None]]


class ChatEraser(Protocol):
    """A push channel's part of /torles (``bot.reports.erase``): what it still holds for the
    chat, and the messages it can still delete in the chat itself."""

    def drop_chat(self, chat_id: Any) -> None:
        """Forget the chat's replies waiting in memory."""

    async def delete_messages(self, chat_id: Any, message_ids: list[int]) -> int:
        """Delete both sides' messages in the chat; returns how many went."""


class Delivery:
    """Records a message to the person and pushes it to their channel if it pushes.

    Also the registry of the push channels' erasers: a channel registers its pusher and its
    eraser when it is built, so the erase hook, built before it, reaches it without a link
    made afterwards."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store
        self.deliverers: dict[str, Pusher] = {}  # channel name -> its pusher (push channels only)
        self.erasers: dict[str, ChatEraser] = {}  # channel name -> its part of /torles

    async def push(self, pid: str, replies: list[Reply], route: dict[str, Any] | None = None) -> None:
        """Hand replies that were decided later to a push channel (web chat pulls them)."""
        if not replies:
            return
        route = route or await self.store.get_route(pid) or {}
        if route.get("channel") in self.deliverers:
            await self.deliverers[route["channel"]](pid, route, replies)

    async def send_to_person(
        self, pid: str, sender: str, text: str, buttons: tuple[Button, ...] = (), meta: dict[str, Any] | None = None
    ) -> int:
        """Record the message, then push it; returns its transcript seq."""
        seq = await self.store.append(pid, sender, text, buttons=buttons, meta=meta)
        route = await self.store.get_route(pid)
        if route and route.get("channel") in self.deliverers:
            await self.deliverers[route["channel"]](pid, route, [Reply(text, buttons)])
        return seq
