"""Leaving no trace: the gateway's ``erase_hook`` for /torles (typed or the button).

1. Telegram: delete both sides' messages in the private chat (the ids the channel
   kept in ``keys.telegram_ids(pid)`` for 48 h, which is also as long as the Bot
   API lets a bot delete them), up to 100 per ``deleteMessages`` call.
2. Reports already confirmed stay, but their links to this conversation go.
3. Rasa's tracker and lock for the conversation go; the gateway then deletes its
   own keys (``keys.conversation_keys``), which include these again.

Before all that, for a Telegram chat, replies still waiting in the outbox (e.g. parked
while the Bot API fails) are dropped, so nothing more reaches the chat: a marker
(``keys.erased``) records the last outbox entry at this moment and the sender never sends
this conversation's entries at or below it (other replicas included); this conversation's
entries are deleted from the outbox stream; the channel forgets the chat's queue in memory.
After the erase the gateway asks ``bot.aof`` to rewrite the append-only file.
"""
from __future__ import annotations

import logging
from typing import Any

from redis.asyncio import Redis

from bot import keys
from bot.crypto import Sealer
from bot.redis_values import stream_entries
from bot.reports.store import ReportStore

log = logging.getLogger(__name__)
BATCH = 100
OUTBOX_PAGE = 500
OUTBOX_SCAN_MAX = 100_000  # the outbox is trimmed to about this many entries

# The last outbox entry's id now, kept as the conversation's "erased" marker.
# KEYS: outbox stream, marker. ARGV: marker TTL.
_MARK = """
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local id = '0-0'
if last[1] then id = last[1][1] end
redis.call('SET', KEYS[2], id, 'EX', ARGV[1])
return id
"""


class Eraser:
    def __init__(self, redis: Redis, reports: ReportStore | None, sealer: Sealer | None = None, *,
                 mail_outbox: Any = None) -> None:
        self.redis = redis
        self.reports = reports
        self.sealer = sealer  # the data key ring: outbox entries are sealed with it
        self.telegram_bot: Any = None  # telegram.Bot, set once the channel has started
        self.telegram_channel: Any = None  # bot.telegram_channel.TelegramChannel, likewise
        self.mail_outbox: Any = mail_outbox  # bot.mail_outbox.MailOutbox, when SMTP is configured
        self._mark = redis.register_script(_MARK)

    async def __call__(self, pid: str, route: dict[str, Any] | None) -> None:
        if route and route.get("channel") == "telegram":
            dropped = await self._drop_outbox(pid)
            if self.telegram_channel is not None:
                self.telegram_channel.drop_chat(route.get("chat_id"))
            log.info("erase: outbox entries dropped", extra={"conv": pid, "count": dropped})
        if self.mail_outbox is not None:
            dropped = await self.mail_outbox.drop_conversation(pid)  # reply mails never sent now
            if dropped:
                log.info("erase: mails dropped", extra={"conv": pid, "count": dropped})
        deleted = await self._telegram(pid, route)
        unlinked = await self.reports.unlink_conversation(pid) if self.reports else 0
        await self.redis.delete(keys.rasa_tracker(pid), keys.rasa_lock(pid), keys.conv_followup(pid),
                                keys.conv_reports(pid), keys.conv_code_failures(pid))
        log.info("erase hook done", extra={"conv": pid, "count": deleted, "outcome": f"unlinked {unlinked}"})

    async def _drop_outbox(self, pid: str) -> int:
        """Mark the conversation erased and delete its entries from the Telegram outbox."""
        stream = keys.telegram_outbox()
        mark = (await self._mark(keys=[stream, keys.erased(pid)], args=[keys.ERASED_TTL])).decode()
        if self.sealer is None or mark == "0-0":
            return 0
        drop: list[bytes] = []
        start, scanned = "-", 0
        while scanned < OUTBOX_SCAN_MAX:
            rows = stream_entries(await self.redis.xrange(stream, min=start, max=mark, count=OUTBOX_PAGE))
            for entry_id, fields in rows:
                try:
                    if self.sealer.open(fields[b"d"]).get("pid") == pid:
                        drop.append(entry_id)
                except Exception:  # noqa: BLE001, S112 - another's unreadable entry is the sender's to drop
                    continue
            scanned += len(rows)
            if len(rows) < OUTBOX_PAGE:
                break
            start = "(" + rows[-1][0].decode()
        if drop:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.xack(stream, keys.TELEGRAM_OUTBOX_GROUP, *drop)
                pipe.xdel(stream, *drop)
                await pipe.execute()
        return len(drop)

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
