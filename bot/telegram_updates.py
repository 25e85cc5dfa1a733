"""What a raw Telegram update says: which chat it belongs to, what kind of message it is,
and the gateway's ``Inbound`` for it.

Apart from the channel because it is pure (an update in, facts out) and read by three
parts: the inbox (ordering by chat), the disk spool (112 first while Redis is down) and
the answer itself. Only private chats are served: nothing said in a group is private.
"""
from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatType

from bot.inbound import Inbound

CHANNEL = "telegram"


def message_kind(update: Update) -> str:
    """Name what the person sent, so the gateway can answer non-text kindly."""
    msg = update.effective_message
    if msg is None:
        return "unknown"
    if msg.text is not None:
        return "text"
    for kind in ("sticker", "photo", "voice", "video", "video_note", "audio", "document",
                 "animation", "location", "venue", "contact", "poll", "dice"):
        if getattr(msg, kind, None):
            return kind
    return "unknown"


def chat_of(data: dict[str, Any]) -> int | None:
    """The private chat an update belongs to, from its raw JSON (None: not ours to serve)."""
    for key in ("message", "edited_message"):
        msg = data.get(key)
        if isinstance(msg, dict):
            chat = msg.get("chat") or {}
            return chat.get("id") if chat.get("type") == "private" else None
    query = data.get("callback_query")
    if isinstance(query, dict):
        chat = (query.get("message") or {}).get("chat") or {}
        if chat:
            return chat.get("id") if chat.get("type") == "private" else None
        return (query.get("from") or {}).get("id")
    return None


def inbound(update: Update) -> Inbound | None:
    """The gateway's message for an update; None for what we do not answer."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return None  # group chats are not served: nothing said there is private
    route = {"channel": CHANNEL, "chat_id": chat.id}
    if update.callback_query is not None:
        return Inbound(channel=CHANNEL, chat_id=str(chat.id), payload=update.callback_query.data or "",
                       kind="text", route=route)
    msg = update.effective_message
    if msg is None:
        return None
    kind = message_kind(update)
    edited = update.edited_message is not None
    if kind != "text" and msg.caption and msg.caption.strip():
        # A photo sent with words ("this is what he sent me", "he is hitting me now"): the
        # words are read, screened and answered like any message, 112 first.
        return Inbound(channel=CHANNEL, chat_id=str(chat.id), text=msg.caption, kind="text", route=route,
                       message_id=msg.message_id, attachment=kind, edited=edited)
    text = msg.text if kind == "text" else None
    return Inbound(channel=CHANNEL, chat_id=str(chat.id), text=text, kind=kind, route=route,
                   message_id=msg.message_id, edited=edited)
