"""Telegram updates kept on disk while Redis is down, answered from there and replayed.

If Redis is down, an update is sealed into a local disk spool (``SPOOL_DIR/telegram``)
and the webhook answers 200 at once: Telegram never waits on our outage, so it never
posts the update again for want of an answer. From the spool the person gets 112 first
(immediate danger) and the "kept" notice, sent directly; when Redis is back the update is
replayed into the inbox and answered on the normal path. The replay sets the Redis seen
mark, so a redelivery is answered once, during the outage or after it.

Apart from the channel because it is the outage path, with its own loop and its own
record of what was already said (each step written to disk once sent, so a crash repeats
at most the step it cut short).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from telegram import Bot, Update

from bot import keys, metrics, texts
from bot import telegram_streams as streams
from bot.commands import NO_PHONE, fold
from bot.crypto import Sealer
from bot.gateway import Gateway
from bot.screening import Level
from bot.spool import Spool
from bot.telegram_updates import CHANNEL, chat_of
from bot.telegram_updates import inbound as inbound_of

log = logging.getLogger(__name__)


class TelegramSpool:
    """The spooled updates (name -> record), in memory too, replayed in name order."""

    def __init__(self, spool: Spool | None, redis: Redis, sealer: Sealer, gateway: Gateway, bot: Bot,
                 send_one: Callable[..., Awaitable[bool | None]],
                 replayed: Callable[[int, str], None]) -> None:
        self._spool = spool
        self.sealer = sealer
        self.gateway = gateway
        self.bot = bot
        self._send_one = send_one  # the outbox's direct send (no outbox without Redis)
        self._replayed = replayed  # (update id, inbox entry or ""): the channel's bookkeeping
        self._replay = redis.register_script(streams.REPLAY)
        self._spooled: dict[str, dict[str, Any]] = {}
        self.ids: set[int] = set()  # update ids held: a redelivery during the outage is known
        self._answering: set[str] = set()  # spooled updates whose 112 / notice is being sent
        self.tasks: dict[str, asyncio.Task[None]] = {}  # those answers, for the channel's stop()
        self._wake = asyncio.Event()
        self.stopping = False

    def __bool__(self) -> bool:
        """Whether anything waits on disk (new updates then join behind it, in order)."""
        return bool(self._spooled)

    def load(self) -> None:
        if self._spool is None:
            return
        for name in self._spool.names():
            record = self._spool.get(name)
            if record is not None and isinstance(record.get("update"), dict):
                self._spooled[name] = record
                self.ids.add(int(record["update"]["update_id"]))
        if self._spooled:
            log.info("telegram spool loaded", extra={"component": "telegram", "count": len(self._spooled)})

    async def put(self, record: dict[str, Any]) -> bool:
        """Seal the record to disk (fsynced) before the webhook answers; False: could not."""
        if self._spool is None:
            return False
        try:
            name = await asyncio.to_thread(self._spool.put, record)
        except OSError as exc:
            log.error("telegram spool write failed", extra={"component": "telegram", "error": type(exc).__name__})
            return False
        if name is None:
            return False
        metrics.ERRORS.labels("telegram_spooled").inc()
        self._spooled[name] = record
        self.ids.add(int(record["update"]["update_id"]))
        self._wake.set()
        return True

    async def run(self) -> None:
        """Answer spooled updates at once (112 first), replay them when Redis answers."""
        while not self.stopping:
            try:
                await asyncio.wait_for(self._wake.wait(), 1.0)
            except TimeoutError:
                pass
            self._wake.clear()
            if not self._spooled or self.stopping:
                continue
            try:
                await self._drain()
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must go on: the next round retries
                log.exception("telegram spool round failed", extra={"component": "telegram"})
                await asyncio.sleep(1)

    async def _drain(self) -> None:
        redis_up = True
        waiting_chats: set[Any] = set()  # chats with an earlier update still being answered
        for name in sorted(self._spooled):
            record = self._spooled[name]
            chat = chat_of(record["update"])
            if name in self._answering or chat in waiting_chats:
                waiting_chats.add(chat)  # replayed once its answer is out: the chat's order holds
                continue
            if not record.get("urgent") and self._level(record) == Level.IMMEDIATE:
                # 112 first, always: before any Redis attempt (which may take seconds to fail).
                self._answer_in_background(name, record, notice=False)
                waiting_chats.add(chat)
                continue
            if redis_up:
                try:
                    await self._replay_one(name, record)
                    continue
                except (TimeoutError, RedisError, OSError):
                    redis_up = False
            if not record.get("answered"):
                self._answer_in_background(name, record, notice=True)

    def _level(self, record: dict[str, Any]) -> Level:
        """The screen's level of a spooled update (CPU only; remembered in the record)."""
        if "level" not in record:
            inbound = inbound_of(Update.de_json(record["update"], self.bot))
            record["level"] = self.gateway.screen(inbound).level.value if inbound else Level.NONE.value
        return Level.parse(record["level"])

    def _answer_in_background(self, name: str, record: dict[str, Any], notice: bool) -> None:
        self._answering.add(name)
        task = asyncio.create_task(self._answer(name, record, notice))
        self.tasks[name] = task  # the channel's stop() cancels it with the others
        task.add_done_callback(lambda _t: self.tasks.pop(name, None))

    async def _replay_one(self, name: str, record: dict[str, Any]) -> None:
        """Into the inbox (normal path from here), then off the disk; Redis errors propagate."""
        data = record["update"]
        update_id = int(data["update_id"])
        entry = record.get("entry") or ""
        await asyncio.wait_for(self._replay(
            keys=[keys.telegram_seen(update_id), keys.telegram_done(update_id), keys.telegram_inbox()],
            args=[self.sealer.seal(data), streams.SEEN_TTL, streams.INBOX_MAXLEN, entry,
                  "1" if record.get("urgent") else "0", keys.TELEGRAM_INBOX_GROUP],
        ), streams.ACCEPT_TIMEOUT)
        self._replayed(update_id, entry)
        assert self._spool is not None
        await asyncio.to_thread(self._spool.remove, name)
        self._spooled.pop(name, None)
        self.ids.discard(update_id)

    async def _answer(self, name: str, record: dict[str, Any], notice: bool) -> None:
        """Sent directly (no outbox without Redis): 112 for immediate danger, and with
        ``notice`` (Redis is down) "kept". Each step is written to the spool once sent, so
        a crash repeats at most the step it cut short; a send that failed is tried again
        on a later round."""
        try:
            inbound = inbound_of(Update.de_json(record["update"], self.bot))
            if inbound is not None:
                chat_id = int(inbound.chat_id)
                pid = self.gateway.pid(CHANNEL, chat_id)
                lang = self.gateway.guess_voice(inbound)
                if not record.get("urgent") and self._level(record) == Level.IMMEDIATE:
                    if await self._send_one({"pid": pid, "chat_id": chat_id, "text": texts.text("emergency", lang),
                                             "urgent": True}, remember=False) is None:
                        return
                    record["urgent"] = True
                    await asyncio.to_thread(self._replace, name, record)
                if not notice:
                    return
                kept = texts.text("store_unavailable", lang)
                if NO_PHONE.search(fold(inbound.text or "")):
                    # "I can't phone": what works without a call while nobody can read this yet
                    # (one message: one step of the spool)
                    kept += "\n\n" + texts.text("no_phone_outage", lang)
                if await self._send_one({"pid": pid, "chat_id": chat_id, "text": kept}, remember=False) is None:
                    return
            record["answered"] = True
            await asyncio.to_thread(self._replace, name, record)
        except OSError as exc:
            log.error("telegram spool answer failed", extra={"component": "telegram", "error": type(exc).__name__})
        finally:
            self._answering.discard(name)
            self._wake.set()  # the next step (its replay, or the notice) need not wait a second

    def _replace(self, name: str, record: dict[str, Any]) -> None:
        if self._spool is not None and name in self._spooled:
            self._spool.replace(name, record)
