"""Telegram channel on python-telegram-bot 22, in the gateway's own event loop.

Rasa's Telegram connector is not used: it exits at start-up without internet,
ignores the webhook secret and drops message ids. Polling locally, webhook with
``secret_token`` in production; the Bot API base URL is configurable so tests
run the whole path against a local fake Bot API.

Everything we send goes through a Redis stream (the outbox) read by a consumer
group: a reply survives a crash between "decided" and "sent", and 429/5xx
answers are retried with the wait Telegram asks for.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot import keys
from bot.config import Settings
from bot.crypto import Sealer
from bot.gateway import Gateway, Inbound, Reply

log = logging.getLogger(__name__)
CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_ATTEMPTS = 8
OUTBOX_MAXLEN = 100_000
# Message ids we may delete later (/torles); Telegram allows it for 48 hours.
SENT_IDS_TTL = 48 * 3600


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


def _markup(buttons: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(title[:64], callback_data=payload[:64])] for title, payload in buttons if payload]
    return InlineKeyboardMarkup(rows) if rows else None


def _chunks(text: str) -> list[str]:
    """Split over-long text at line breaks where possible (Telegram's limit is 4096)."""
    out: list[str] = []
    while len(text) > MAX_TEXT:
        cut = text.rfind("\n", 0, MAX_TEXT)
        cut = cut if cut > MAX_TEXT // 2 else MAX_TEXT
        out.append(text[:cut])
        text = text[cut:].lstrip("\n")
    out.append(text)
    return out


class TelegramChannel:
    """Receives updates, hands them to the gateway, and sends replies via the outbox."""

    def __init__(self, settings: Settings, gateway: Gateway, redis: Redis, sealer: Sealer) -> None:
        self.settings = settings
        self.gateway = gateway
        self.redis = redis
        self.sealer = sealer
        self.consumer = f"{socket.gethostname()}-{os.getpid()}"
        builder = (
            Application.builder()
            .token(settings.telegram_token)
            .base_url(settings.telegram_api_base_url)
            .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        )
        # Updates are handled concurrently (the library's default is one at a time, which
        # capped the channel near 15 messages/s); a per-chat lock keeps each chat in order.
        builder = builder.concurrent_updates(256)
        if settings.telegram_webhook_url:
            builder = builder.updater(None)
        self.app: Application = builder.build()
        self.app.add_handler(CallbackQueryHandler(self._on_callback))
        self.app.add_handler(MessageHandler(filters.ALL, self._on_message))
        self.app.add_error_handler(self._on_error)
        self._worker: asyncio.Task[None] | None = None
        self._chat_locks: dict[int, list] = {}  # chat id -> [lock, users]
        gateway.deliverers[CHANNEL] = self.deliver

    # -- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        try:
            await self.redis.xgroup_create(keys.telegram_outbox(), keys.TELEGRAM_OUTBOX_GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        await self.app.initialize()
        await self.app.start()
        if self.settings.telegram_webhook_url:
            await self.app.bot.set_webhook(
                url=self.settings.telegram_webhook_url,
                secret_token=self.settings.telegram_webhook_secret,
                allowed_updates=["message", "edited_message", "callback_query"],
            )
            log.info("telegram webhook set")
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(allowed_updates=["message", "edited_message", "callback_query"])
            log.info("telegram polling started")
        self._worker = asyncio.create_task(self._send_loop(), name="telegram-outbox")

    async def stop(self) -> None:
        if self._worker:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    # -- inbound -----------------------------------------------------------------
    async def webhook(self, request: web.Request) -> web.Response:
        """``POST /telegram/webhook``: refuse anything without the right secret header."""
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not self.settings.telegram_webhook_secret or secret != self.settings.telegram_webhook_secret:
            return web.Response(status=403)
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400)
        await self.app.update_queue.put(Update.de_json(data, self.app.bot))
        return web.Response()

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        msg = update.effective_message
        if chat is None or msg is None:
            return
        if chat.type != ChatType.PRIVATE:
            return  # group chats are not served: nothing said there is private
        kind = message_kind(update)
        text = msg.text if kind == "text" else None
        if update.edited_message is not None:
            kind = "text" if text is not None else kind
        await self._handle(Inbound(
            channel=CHANNEL, chat_id=str(chat.id), text=text, kind=kind,
            route={"channel": CHANNEL, "chat_id": chat.id}, message_id=msg.message_id,
        ), chat.id)

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        chat = update.effective_chat
        if query is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        try:
            await query.answer()
        except (NetworkError, BadRequest):
            log.warning("callback answer failed", extra={"component": "telegram"})
        await self._handle(Inbound(
            channel=CHANNEL, chat_id=str(chat.id), payload=query.data or "", kind="text",
            route={"channel": CHANNEL, "chat_id": chat.id},
        ), chat.id)

    async def _handle(self, inbound: Inbound, chat_id: int) -> None:
        entry = self._chat_locks.setdefault(chat_id, [asyncio.Lock(), 0])
        entry[1] += 1  # users of this lock: drop it only when the last one is done
        try:
            async with entry[0]:
                if inbound.message_id is not None:
                    await self._remember_id(chat_id, inbound.message_id)
                outcome = await self.gateway.handle(inbound)
                if outcome.replies:
                    await self.deliver(outcome.pid, {"channel": CHANNEL, "chat_id": chat_id}, outcome.replies)
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                self._chat_locks.pop(chat_id, None)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram handler failed", exc_info=context.error, extra={"component": "telegram"})
        if isinstance(update, Update) and update.effective_chat is not None:
            # Whatever broke, the person is not left without an answer.
            from bot import texts
            try:
                await self.deliver(
                    self.gateway.pid(CHANNEL, update.effective_chat.id),
                    {"channel": CHANNEL, "chat_id": update.effective_chat.id},
                    [Reply(texts.text("bot_unavailable", "hu"))],
                )
            except RedisError:
                await context.bot.send_message(update.effective_chat.id, texts.text("bot_unavailable", "hu"))

    # -- outbound ----------------------------------------------------------------
    async def deliver(self, pid: str, route: dict[str, Any], replies: list[Reply]) -> None:
        """Queue replies for sending, in order, sealed (they hold text and the chat id)."""
        for reply in replies:
            body = {"pid": pid, "chat_id": route["chat_id"], "text": reply.text,
                    "buttons": [list(b) for b in reply.buttons]}
            try:
                await self.redis.xadd(
                    keys.telegram_outbox(), {"d": self.sealer.seal(body)}, maxlen=OUTBOX_MAXLEN, approximate=True
                )
            except (RedisError, OSError):
                # No outbox without Redis: send now, so the person is not left waiting.
                await self._send_one(body, remember=False)

    async def _send_loop(self) -> None:
        stream, group = keys.telegram_outbox(), keys.TELEGRAM_OUTBOX_GROUP
        last_claim = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                if loop.time() - last_claim > 30:
                    # Entries another (crashed) sender took but never acknowledged.
                    _, claimed, *_ = await self.redis.xautoclaim(stream, group, self.consumer, min_idle_time=30_000, count=100)
                    last_claim = loop.time()
                    batch = [(stream, claimed)] if claimed else []
                else:
                    batch = await self.redis.xreadgroup(group, self.consumer, {stream: ">"}, count=50, block=1000)
                for _, entries in batch or []:
                    await self._send_batch(entries)
            except asyncio.CancelledError:
                raise
            except RedisError as exc:
                log.error("outbox read failed", extra={"component": "telegram", "error": type(exc).__name__})
                await asyncio.sleep(1)

    async def _send_batch(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        """Send a batch: chats in parallel, each chat's messages in order."""
        by_chat: dict[Any, list[tuple[bytes, dict[str, Any]]]] = {}
        for entry_id, fields in entries:
            body = self.sealer.open(fields[b"d"])
            by_chat.setdefault(body["chat_id"], []).append((entry_id, body))
        await asyncio.gather(*(self._send_chat(items) for items in by_chat.values()))

    async def _send_chat(self, items: list[tuple[bytes, dict[str, Any]]]) -> None:
        stream, group = keys.telegram_outbox(), keys.TELEGRAM_OUTBOX_GROUP
        for entry_id, body in items:
            ok = await self._send_one(body)
            if ok is not None:  # sent, or refused for good: either way, done with it
                await self.redis.xack(stream, group, entry_id)
                await self.redis.xdel(stream, entry_id)

    async def _send_one(self, body: dict[str, Any], remember: bool = True) -> bool | None:
        """Send one message with retries. True sent, False refused for good, None retry later."""
        buttons = tuple((b[0], b[1]) for b in body.get("buttons", []))
        parts = _chunks(body["text"] or " ")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                for i, part in enumerate(parts):
                    sent = await self.app.bot.send_message(
                        chat_id=body["chat_id"], text=part,
                        reply_markup=_markup(buttons) if i == len(parts) - 1 else None,
                    )
                    if remember:
                        await self._remember_id(body["chat_id"], sent.message_id)
                parts = []
                return True
            except RetryAfter as exc:
                wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
                log.warning("telegram flood control", extra={"component": "telegram", "retry_after": wait, "attempt": attempt})
                await asyncio.sleep(float(wait))
            except Forbidden:
                log.warning("telegram refused: bot blocked by the person", extra={"conv": body["pid"]})
                return False
            except BadRequest as exc:
                log.error("telegram bad request", extra={"conv": body["pid"], "error": type(exc).__name__})
                return False
            except (TimedOut, NetworkError) as exc:
                log.warning("telegram send failed", extra={"component": "telegram", "attempt": attempt, "error": type(exc).__name__})
                await asyncio.sleep(min(30.0, 0.5 * 2 ** attempt))
        return None

    async def _remember_id(self, chat_id: int, message_id: int) -> None:
        pid = self.gateway.pid(CHANNEL, chat_id)
        key = keys.telegram_ids(pid)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.rpush(key, message_id)
            pipe.ltrim(key, -1000, -1)
            pipe.expire(key, SENT_IDS_TTL)
            await pipe.execute()
