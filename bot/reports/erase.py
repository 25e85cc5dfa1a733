"""Leaving no trace: the gateway's ``erase_hook`` for /torles (typed or the button).

1. Telegram: delete both sides' messages in the private chat (the ids the channel
   kept in ``keys.telegram_ids(pid)`` for 48 h, which is also as long as the Bot
   API lets a bot delete them), up to 100 per ``deleteMessages`` call.
2. Reports already confirmed stay, but their links to this conversation go.
3. Rasa's tracker and lock for the conversation go; the gateway then deletes its
   own keys (``keys.conversation_keys``), which include these again.
"""
from __future__ import annotations

import logging
from typing import Any

from redis.asyncio import Redis

from bot import keys
from bot.reports.store import ReportStore

log = logging.getLogger(__name__)
BATCH = 100


class Eraser:
    def __init__(self, redis: Redis, reports: ReportStore | None) -> None:
        self.redis = redis
        self.reports = reports
        self.telegram_bot: Any = None  # telegram.Bot, set once the channel has started

    async def __call__(self, pid: str, route: dict[str, Any] | None) -> None:
        deleted = await self._telegram(pid, route)
        unlinked = await self.reports.unlink_conversation(pid) if self.reports else 0
        await self.redis.delete(keys.rasa_tracker(pid), keys.rasa_lock(pid), keys.conv_followup(pid),
                                keys.conv_reports(pid), keys.conv_code_failures(pid))
        log.info("erase hook done", extra={"conv": pid, "count": deleted, "outcome": f"unlinked {unlinked}"})

    async def _telegram(self, pid: str, route: dict[str, Any] | None) -> int:
        raw = await self.redis.lrange(keys.telegram_ids(pid), 0, -1)
        await self.redis.delete(keys.telegram_ids(pid))
        if not raw or not route or route.get("channel") != "telegram" or self.telegram_bot is None:
            return 0
        ids = sorted({int(i) for i in raw})
        done = 0
        from telegram.error import TelegramError

        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            try:
                await self.telegram_bot.delete_messages(chat_id=route["chat_id"], message_ids=chunk)
                done += len(chunk)
            except TelegramError as exc:
                # Older than 48 h or already gone: nothing more the Bot API allows.
                log.warning("telegram delete failed", extra={"conv": pid, "error": type(exc).__name__})
        return done
