"""Every Redis key the gateway uses, built in one place, each with its lifetime beside it.

Conversation keys carry the pseudonymous id only and expire after the retention
period (``RETENTION_DAYS``); each write refreshes the expiry.
"""
from __future__ import annotations

PREFIX = "chv"


def conv(pid: str) -> str:
    """Hash: state, channel, language, skill, risk (JSON), timestamps. TTL: retention."""
    return f"{PREFIX}:conv:{pid}"


def log(pid: str) -> str:
    """Stream of the conversation's messages, ids ``<seq>-0``; values sealed. TTL: retention."""
    return f"{PREFIX}:conv:{pid}:log"


def log_seq(pid: str) -> str:
    """Counter behind :func:`log` ids, so clients can use an integer cursor. TTL: retention."""
    return f"{PREFIX}:conv:{pid}:seq"


def route(pid: str) -> str:
    """Sealed delivery address (e.g. the Telegram chat id) of a conversation. TTL: retention."""
    return f"{PREFIX}:conv:{pid}:route"


def telegram_ids(pid: str) -> str:
    """List of Telegram message ids in the chat, both sides, for /torles. TTL: 48 h."""
    return f"{PREFIX}:conv:{pid}:tgids"


def telegram_outbox() -> str:
    """Stream of messages waiting to be sent to Telegram (at-least-once). Trimmed, no TTL."""
    return f"{PREFIX}:tg:outbox"


TELEGRAM_OUTBOX_GROUP = "senders"


def conversation_keys(pid: str) -> list[str]:
    """All keys that hold one conversation's data, for erasure."""
    return [conv(pid), log(pid), log_seq(pid), route(pid), telegram_ids(pid)]
