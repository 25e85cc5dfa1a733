"""Leaving no trace: the gateway's ``erase_hook`` for /torles (typed or the button).

1. Telegram: delete both sides' messages in the private chat (the ids the channel
   kept in ``keys.telegram_ids(pid)`` for 48 h, which is also as long as the Bot
   API lets a bot delete them), through the channel's eraser that it registered in
   ``Delivery.erasers`` when it was built.
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
from bot.delivery import Delivery
from bot.redis_values import stream_entries
from bot.reports.store import ReportStore

log = logging.getLogger(__name__)
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
                 delivery: Delivery, mail_outbox: Any = None) -> None:
        self.redis = redis
        self.reports = reports
        self.sealer = sealer  # the data key ring: outbox entries are sealed with it
        # The push channels' erasers (Telegram's registers itself when it is built).
        self.channels = delivery.erasers
        self.mail_outbox: Any = mail_outbox  # bot.mail_outbox.MailOutbox, when SMTP is configured
        self._mark = redis.register_script(_MARK)

    async def __call__(self, pid: str, route: dict[str, Any] | None) -> None:
        if route and route.get("channel") == "telegram":
            dropped = await self._drop_outbox(pid)
            if "telegram" in self.channels:
                self.channels["telegram"].drop_chat(route.get("chat_id"))
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
        channel = self.channels.get("telegram")
        if not raw or not route or route.get("channel") != "telegram" or channel is None:
            return 0
        return await channel.delete_messages(route["chat_id"], sorted({int(i) for i in raw}))
